//! Reading one settings file safely: settings files are small JSON objects,
//! but the path comes from the user's machine and may name anything (a
//! FIFO, `/dev/zero`, a 200 MB array, a file another program is writing).

use std::path::Path;

/// Settings files are a few kB; this is generous and keeps a hostile file
/// (`/dev/zero`, a 200 MB array) from taking the machine's memory.
pub const MAX_SETTINGS_BYTES: u64 = 16 << 20;

/// A settings file read and parsed, or why not. Only regular files are
/// read (a FIFO would block forever, `/dev/zero` never ends), at most
/// [`MAX_SETTINGS_BYTES`]; a UTF-8 byte-order mark (Windows editors write
/// one) is skipped.
pub fn read_json(path: &Path) -> Result<Option<serde_json::Value>, String> {
    use std::io::Read;
    let shown = path.display();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{shown} cannot be read: {e}")),
    };
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "a folder"
        } else {
            "not a regular file (a device, a pipe or a socket)"
        };
        return Err(format!("{shown} is {what}; a settings file was expected"));
    }
    if meta.len() > MAX_SETTINGS_BYTES {
        return Err(format!(
            "{shown} is {} bytes, over the {MAX_SETTINGS_BYTES}-byte limit for a settings file",
            meta.len()
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_SETTINGS_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("{shown} cannot be read: {e}"))?;
    if bytes.len() as u64 > MAX_SETTINGS_BYTES {
        return Err(format!(
            "{shown} grew past the {MAX_SETTINGS_BYTES}-byte limit while being read"
        ));
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let v: serde_json::Value =
        serde_json::from_slice(text).map_err(|e| format!("{shown} is not valid JSON: {e}"))?;
    if !v.is_object() {
        return Err(format!("{} is not a JSON object", path.display()));
    }
    Ok(Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regressions (issue 11): hostile settings files end in a clear
    /// warning, fast, in bounded memory; a byte-order mark is not an error.
    #[cfg(unix)]
    #[test]
    fn hostile_settings_files_are_refused_clearly() {
        let dir = tempfile::tempdir().expect("tmp");
        let warn = |p: &Path| read_json(p).expect_err("refused");
        assert!(warn(Path::new("/dev/zero")).contains("not a regular file"));
        let fifo = dir.path().join("fifo");
        assert!(std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo")
            .success());
        assert!(
            warn(&fifo).contains("not a regular file"),
            "a FIFO never blocks us"
        );
        assert!(warn(dir.path()).contains("is a folder"));
        let big = dir.path().join("big.json");
        std::fs::File::create(&big)
            .and_then(|f| f.set_len(MAX_SETTINGS_BYTES + 1))
            .expect("sparse file");
        assert!(warn(&big).contains("over the 16777216-byte limit"));
        let deep = dir.path().join("deep.json");
        std::fs::write(&deep, "[".repeat(100_000)).expect("write");
        assert!(warn(&deep).contains("not valid JSON"));
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        std::os::unix::fs::symlink(&b, &a).expect("link");
        std::os::unix::fs::symlink(&a, &b).expect("link");
        assert!(warn(&a).contains("cannot be read"));
        let bom = dir.path().join("bom.json");
        std::fs::write(
            &bom,
            b"\xEF\xBB\xBF{\"FilesharingDirectories\": [\"/Users\"]}",
        )
        .expect("write");
        assert!(read_json(&bom).expect("parses").is_some());
    }
}
