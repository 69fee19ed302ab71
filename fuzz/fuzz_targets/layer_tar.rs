//! One layer's tar stream on arbitrary bytes: tar headers (GNU long names
//! and links, PAX records, sparse files, octal and base-256 sizes), gzip
//! and zstd framing, whiteouts. It must never panic, hang or read a
//! metadata entry past the guard's limit into memory.
#![no_main]

use dockward::layers::analyzers::Registry;
use dockward::layers::walk::{walk_layer, LayerWalk};
use dockward::layers::Limits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(secrets) = dockward::secrets::builtin() else {
        return;
    };
    let registry = Registry::builtin(secrets);
    // Small limits so that bombs and entry floods hit them quickly.
    let limits = Limits {
        max_entries: 2_000,
        ratio_floor: 1 << 20,
        max_layer_bytes: 64 << 20,
        ..Limits::default()
    };
    let mut walk = LayerWalk::default();
    let result = walk_layer(data, "fuzz", &limits, &registry, &mut walk);
    if result.is_ok() {
        assert!(walk.diff_id.is_some(), "a layer read to its end has a diffID");
    }
    assert!(walk.entries <= limits.max_entries + 1);
});
