//! The archive reader on arbitrary bytes: it must never panic, hang or grow
//! without bound, whatever the input (tar of tars, gzip, zstd, JSON).
#![no_main]

use dockward::layers::{analyzers::Registry, scan_archive_all, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(scanner) = dockward::secrets::builtin() else {
        return;
    };
    let registry = Registry::builtin(scanner);
    // Small limits so that bombs and entry floods hit them quickly.
    let limits = Limits {
        max_entries: 2_000,
        ratio_floor: 1 << 20,
        max_layer_bytes: 64 << 20,
        ..Limits::default()
    };
    let scans = scan_archive_all(data, &limits, &registry, "fuzz");
    assert!(!scans.is_empty(), "at least one (possibly failed) image");
});
