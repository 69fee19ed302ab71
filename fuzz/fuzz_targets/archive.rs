//! The archive reader on arbitrary bytes: it must never panic, hang or grow
//! without bound, whatever the input (tar of tars, gzip, zstd, JSON).
#![no_main]

use dockward::layers::{Limits, ScanControl, Scanner};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Small limits so that bombs and entry floods hit them quickly.
    let limits = Limits {
        max_entries: 2_000,
        ratio_floor: 1 << 20,
        max_layer_bytes: 64 << 20,
        ..Limits::default()
    };
    let Ok(scanner) = Scanner::builtin(limits) else {
        return;
    };
    let scans = scanner.scan_archive(data, "fuzz", &ScanControl::default());
    assert!(!scans.is_empty(), "at least one (possibly failed) image");
});
