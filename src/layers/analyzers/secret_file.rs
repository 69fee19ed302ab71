//! Files whose name says they hold a secret (`pass.txt`, `password`,
//! `token`, `*.secret`, `credentials.txt`) and that hold a short value: the
//! field case of `echo mypassword > /tmp/pass.txt`, deleted in a later layer
//! and still in the image. No format rule matches a value like
//! `mypassword`; the file's name is the evidence.

use super::{file_name, is_binary, Analyzer, CredentialKind};
use crate::finding::{Hit, Severity};
use crate::secrets::{self, SecretScanner};

/// Finds short values in files named like secrets.
pub struct SecretFileAnalyzer {
    scanner: &'static SecretScanner,
}

impl SecretFileAnalyzer {
    /// Uses the secret rules' placeholder list.
    pub fn new(scanner: &'static SecretScanner) -> Self {
        SecretFileAnalyzer { scanner }
    }
}

impl SecretFileAnalyzer {
    /// Whether `path` is named like a file that holds one secret (the
    /// names are data: `[secret_files]` in the secret rules).
    pub fn secret_name(&self, path: &str) -> bool {
        CredentialKind::of(path).is_none() && self.scanner.is_secret_file(path)
    }
}

impl Analyzer for SecretFileAnalyzer {
    fn id(&self) -> &'static str {
        "secret-files"
    }
    fn version(&self) -> u32 {
        // 2: `credentials` and `creds` are secret file names.
        2
    }
    fn required(&self, path: &str, size: u64) -> bool {
        size > 0 && size <= 4096 && self.secret_name(path)
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Vec<Hit> {
        if is_binary(content) {
            return vec![];
        }
        let text = String::from_utf8_lossy(content);
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        // One value (or a few `key=value` lines), not a document.
        if lines.is_empty() || lines.len() > 3 {
            return vec![];
        }
        let value = lines.join("\n");
        if lines.iter().all(|l| self.scanner.is_placeholder(l)) || value.len() < 4 {
            return vec![];
        }
        // A value a secret rule recognises is reported by the secrets
        // analyzer, with its format; the name adds nothing then.
        if !self.scanner.scan_text(&value).is_empty() {
            return vec![];
        }
        let shown = secrets::redact(lines[0]);
        vec![Hit::new(
            "image.layer-secret-file",
            path,
            format!("{} holds a value: {shown}", file_name(path)),
        )
        .severity(Severity::High)
        .secret(secrets::digest(&value))
        // A name is a weak signal in vendor code: the file's own folders only.
        .heuristic(true)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(path: &str, content: &[u8]) -> Vec<Hit> {
        let a = SecretFileAnalyzer::new(crate::secrets::builtin().expect("rules"));
        if !a.required(path, content.len() as u64) {
            return vec![];
        }
        a.analyze(path, content)
    }

    #[test]
    fn the_deleted_password_file_of_the_field_case() {
        let hits = run("tmp/pass.txt", b"mypassword\n");
        assert_eq!(hits.len(), 1);
        assert!(
            !hits[0].evidence.contains("mypassword"),
            "{}",
            hits[0].evidence
        );
        assert!(hits[0].evidence.starts_with("pass.txt holds a value"));
        assert_eq!(run("srv/app/db.secret", b"Zt8vQ3mK9pW2").len(), 1);
    }

    #[test]
    fn system_files_documents_and_placeholders_are_not() {
        assert!(run("etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n").is_empty());
        assert!(run("tmp/pass.txt", b"changeme\n").is_empty());
        assert!(run("tmp/token", b"").is_empty());
        assert!(
            run("app/password.txt", b"a\nb\nc\nd\ne\n").is_empty(),
            "a document"
        );
        assert!(run("usr/share/doc/x/token", b"Zt8vQ3mK9pW2").is_empty());
        assert!(
            run("app/notes.txt", b"Zt8vQ3mK9pW2").is_empty(),
            "not named like a secret"
        );
    }
}
