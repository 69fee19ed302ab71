//! Reading one settings file safely: settings files are small JSON objects,
//! but the path comes from the user's machine and may name anything (a
//! FIFO, `/dev/zero`, a 200 MB array, a file another program is writing).
//! The file is read up to a cap, and parsed lazily: its top-level values
//! stay JSON text until a setting is asked for, so memory stays near the
//! file's size whatever it holds (a generic JSON tree of a 15 MB array of
//! short strings takes 400 MB).

use std::collections::HashSet;
use std::fmt;
use std::path::Path;

use serde::de::{DeserializeSeed, IgnoredAny, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// A settings file's top-level entries, values unparsed.
#[derive(Debug)]
pub struct SettingsFile {
    entries: Vec<(String, Box<RawValue>)>,
}

impl SettingsFile {
    /// Parses the text of a settings file: a JSON object.
    pub fn parse(text: &[u8]) -> Result<SettingsFile, serde_json::Error> {
        let map: Vec<(String, Box<RawValue>)> =
            serde_json::from_slice::<std::collections::BTreeMap<String, Box<RawValue>>>(text)?
                .into_iter()
                .collect();
        Ok(SettingsFile { entries: map })
    }

    /// The value of `key`, matched case-insensitively (Docker Desktop's
    /// files differ in case by version). An admin file's `{"locked": …,
    /// "value": …}` wrapper is unwrapped and its `locked` returned.
    pub fn get(&self, key: &str) -> Option<(Box<RawValue>, bool)> {
        #[derive(serde::Deserialize)]
        struct Wrapped {
            value: Box<RawValue>,
            #[serde(default)]
            locked: Option<bool>,
        }
        let (_, raw) = self
            .entries
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))?;
        if raw.get().trim_start().starts_with('{') {
            if let Ok(w) = serde_json::from_str::<Wrapped>(raw.get()) {
                return Some((w.value, w.locked.unwrap_or(false)));
            }
        }
        Some((raw.clone(), false))
    }
}

/// The first `max` different strings of a JSON array (anything else in it
/// is skipped), and whether there were more. Reads the array one element at
/// a time: a hostile list costs its text, not a tree of it.
pub fn distinct_strings(raw: &RawValue, max: usize) -> (Vec<String>, bool) {
    struct Collect(usize);
    impl<'de> DeserializeSeed<'de> for Collect {
        type Value = (Vec<String>, bool);
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_seq(self)
        }
    }
    impl<'de> Visitor<'de> for Collect {
        type Value = (Vec<String>, bool);
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of folders")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            let mut seen = HashSet::new();
            let mut more = false;
            while let Some(item) = seq.next_element::<StringOrNot>()? {
                let StringOrNot(Some(s)) = item else { continue };
                if seen.contains(&s) {
                    continue;
                }
                if out.len() == self.0 {
                    more = true;
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    break;
                }
                seen.insert(s.clone());
                out.push(s);
            }
            Ok((out, more))
        }
    }
    let mut de = serde_json::Deserializer::from_str(raw.get());
    Collect(max)
        .deserialize(&mut de)
        .unwrap_or_else(|_| (Vec::new(), false))
}

/// One element of a list: a string, or anything else (skipped unparsed).
struct StringOrNot(Option<String>);

impl<'de> serde::Deserialize<'de> for StringOrNot {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StringOrNot;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("anything")
            }
            fn visit_str<E>(self, s: &str) -> Result<StringOrNot, E> {
                Ok(StringOrNot(Some(s.to_owned())))
            }
            fn visit_bool<E>(self, _: bool) -> Result<StringOrNot, E> {
                Ok(StringOrNot(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<StringOrNot, E> {
                Ok(StringOrNot(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<StringOrNot, E> {
                Ok(StringOrNot(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<StringOrNot, E> {
                Ok(StringOrNot(None))
            }
            fn visit_unit<E>(self) -> Result<StringOrNot, E> {
                Ok(StringOrNot(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<StringOrNot, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(StringOrNot(None))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<StringOrNot, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(StringOrNot(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// Settings files are a few kB; this is generous and keeps a hostile file
/// (`/dev/zero`, a 200 MB array) from taking the machine's memory.
pub const MAX_SETTINGS_BYTES: u64 = 16 << 20;

/// A settings file read and parsed, or why not. Only regular files are
/// read (a FIFO would block forever, `/dev/zero` never ends), at most
/// [`MAX_SETTINGS_BYTES`]; a UTF-8 byte-order mark (Windows editors write
/// one) is skipped.
pub fn read_json(path: &Path) -> Result<Option<SettingsFile>, String> {
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
    match SettingsFile::parse(text) {
        Ok(v) => Ok(Some(v)),
        // Tell "valid JSON of the wrong shape" from "not JSON".
        Err(e) if e.is_data() => Err(format!("{shown} is not a JSON object: {e}")),
        Err(e) => Err(format!("{shown} is not valid JSON: {e}")),
    }
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
        std::fs::write(&deep, format!("{{\"a\": {}", "[".repeat(100_000))).expect("write");
        assert!(warn(&deep).contains("not valid JSON"), "{}", warn(&deep));
        std::fs::write(&deep, "[".repeat(100_000)).expect("write");
        assert!(warn(&deep).contains("not a JSON object"), "{}", warn(&deep));
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

    #[test]
    fn lists_keep_distinct_strings_up_to_the_limit_and_say_when_there_were_more() {
        let raw = |t: &str| RawValue::from_string(t.to_owned()).expect("json");
        let list = raw(r#"["/a", 1, {"x": [1]}, null, "/a", "/b", "/c"]"#);
        assert_eq!(
            distinct_strings(&list, 2),
            (vec!["/a".into(), "/b".into()], true)
        );
        assert!(!distinct_strings(&list, 3).1);
        assert_eq!(distinct_strings(&raw(r#""/a""#), 3), (vec![], false));
    }

    #[test]
    fn keys_match_in_any_case_and_admin_wrappers_unwrap() {
        let f = SettingsFile::parse(
            br#"{"filesharingDirectories": ["/x"], "ExposeDockerAPIOnTCP2375": {"locked": true, "value": false}}"#,
        )
        .expect("parses");
        assert_eq!(
            f.get("FilesharingDirectories").expect("found").0.get(),
            r#"["/x"]"#
        );
        let (v, locked) = f.get("exposedockerapiontcp2375").expect("found");
        assert_eq!((v.get(), locked), ("false", true));
        assert!(f.get("Missing").is_none());
    }
}
