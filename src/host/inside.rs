//! Which key and credential files a shared folder actually holds, found by
//! name and, for PEM files, by their first line only (a key or a
//! certificate). No other content is read, nothing is followed through a
//! symlink, and the walk is bounded in depth and entries.

use std::path::Path;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A sensitive file inside a shared folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SensitiveFile {
    /// Its path.
    pub path: String,
    /// `private key`, `PKCS#12 key store`, `credentials`.
    pub kind: String,
}

impl SensitiveFile {
    /// Whether it holds a private key.
    pub fn is_key(&self) -> bool {
        self.kind != "credentials"
    }
}

const MAX_DEPTH: usize = 6;
const MAX_ENTRIES: usize = 20_000;
const MAX_REPORTED: usize = 20;
const SKIP_DIRS: &[&str] = &["node_modules", ".git", "target", ".cache", "Library/Caches"];

fn kind_of(path: &Path) -> Option<&'static str> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    if ["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"].contains(&name.as_str()) {
        return Some("private key");
    }
    match ext.as_deref() {
        Some("p12" | "pfx") => return Some("PKCS#12 key store"),
        Some("pem" | "key") => return pem_kind(path),
        _ => {}
    }
    let parent = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|p| p.to_str())
        .unwrap_or("");
    let credentials = matches!(
        name.as_str(),
        ".npmrc" | ".pypirc" | ".git-credentials" | ".netrc" | ".pgpass"
    ) || (name == "credentials" && parent == ".aws")
        || (name == "config" && (parent == ".kube" || parent == ".docker"))
        || name == "config.json" && parent == ".docker";
    credentials.then_some("credentials")
}

/// Reads at most the first 4 kB: a private key's PEM header, or not.
fn pem_kind(path: &Path) -> Option<&'static str> {
    use std::io::Read;
    let mut head = Vec::with_capacity(4096);
    std::fs::File::open(path)
        .ok()?
        .take(4096)
        .read_to_end(&mut head)
        .ok()?;
    let text = String::from_utf8_lossy(&head);
    text.contains("PRIVATE KEY-----").then_some("private key")
}

/// Key and credential files under `dir` (bounded walk; symlinks not followed).
pub fn sensitive_files(dir: &Path) -> Vec<SensitiveFile> {
    let mut out = Vec::new();
    let mut seen = 0usize;
    let mut stack = vec![(dir.to_path_buf(), 0usize)];
    while let Some((d, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            seen += 1;
            if seen > MAX_ENTRIES || out.len() >= MAX_REPORTED {
                return out;
            }
            let Ok(ft) = entry.file_type() else { continue };
            let path = entry.path();
            if ft.is_dir() {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .to_string();
                if depth < MAX_DEPTH && !SKIP_DIRS.iter().any(|s| rel.ends_with(s)) {
                    stack.push((path, depth + 1));
                }
            } else if ft.is_file() {
                if let Some(kind) = kind_of(&path) {
                    out.push(SensitiveFile {
                        path: path.display().to_string(),
                        kind: kind.to_string(),
                    });
                }
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_and_credentials_but_not_certificates() {
        let dir = tempfile::tempdir().expect("tmp");
        let data = dir.path().join("STAgent/data");
        std::fs::create_dir_all(&data).expect("mkdir");
        std::fs::write(
            data.join("npaccesskey.pem"),
            "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n",
        )
        .expect("w");
        std::fs::write(data.join("nsusercert.p12"), [0x30, 0x82, 0x01]).expect("w");
        std::fs::write(
            data.join("nscacert.pem"),
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        )
        .expect("w");
        std::fs::create_dir_all(dir.path().join(".aws")).expect("mkdir");
        std::fs::write(dir.path().join(".aws/credentials"), "[default]\n").expect("w");
        std::fs::write(dir.path().join("notes.txt"), "hello").expect("w");
        let found = sensitive_files(dir.path());
        let names: Vec<(String, &str)> = found
            .iter()
            .map(|f| {
                let p = Path::new(&f.path);
                (
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .unwrap_or("")
                        .to_string(),
                    f.kind.as_str(),
                )
            })
            .collect();
        assert_eq!(
            names,
            [
                ("credentials".to_string(), "credentials"),
                ("npaccesskey.pem".to_string(), "private key"),
                ("nsusercert.p12".to_string(), "PKCS#12 key store"),
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_not_followed() {
        let dir = tempfile::tempdir().expect("tmp");
        let outside = tempfile::tempdir().expect("tmp");
        std::fs::write(outside.path().join("id_rsa"), "x").expect("w");
        std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).expect("link");
        assert!(sensitive_files(dir.path()).is_empty());
    }
}
