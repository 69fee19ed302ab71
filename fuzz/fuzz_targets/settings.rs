//! Docker Desktop settings files on arbitrary bytes: the lazy top-level
//! parse, admin wrappers, and the bounded File sharing list. It must never
//! panic, and a list never yields more than its limit.
#![no_main]

use dockward::host::settings_file::{distinct_strings, SettingsFile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let Ok(file) = SettingsFile::parse(text) else {
        return;
    };
    for key in [
        "FilesharingDirectories",
        "ExposeDockerAPIOnTCP2375",
        "EnhancedContainerIsolation",
        "HostNetworkingEnabled",
    ] {
        if let Some((raw, _locked)) = file.get(key) {
            let (list, _more) = distinct_strings(&raw, 16);
            assert!(list.len() <= 16);
            let _ = serde_json::from_str::<bool>(raw.get());
        }
    }
});
