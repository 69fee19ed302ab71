//! Secrets in text files: the same rules as environment variables and
//! build history (`src/secrets/rules.toml`).

use super::{binary_by_name, Analyzer, CredentialKind};
use crate::finding::Hit;
use crate::secrets::{Origin, SecretScanner};

/// Runs the secret rules over text files.
pub struct SecretsAnalyzer {
    scanner: &'static SecretScanner,
}

impl SecretsAnalyzer {
    /// Uses the given (normally the built-in) secret rules.
    pub fn new(scanner: &'static SecretScanner) -> Self {
        SecretsAnalyzer { scanner }
    }
}

impl Analyzer for SecretsAnalyzer {
    fn id(&self) -> &'static str {
        "secrets"
    }
    fn version(&self) -> u32 {
        1000 + self.scanner.version
    }
    fn required(&self, path: &str, size: u64) -> bool {
        // Credential files get one finding, from the key-material analyzer,
        // when they fit in its window; a larger one gets the token rules.
        size > 0
            && !binary_by_name(path)
            && (CredentialKind::of(path).is_none() || size > crate::layers::file::WINDOW as u64)
    }
    fn streams(&self) -> bool {
        true
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Vec<Hit> {
        // Binary files never get here: the file reader decides that once,
        // from the first block.
        let text = String::from_utf8_lossy(content);
        self.scanner
            .scan(&text, Origin::File(path))
            .into_iter()
            // Keys have their own analyzer, with their own rule and fix.
            .filter(|m| m.rule_id != "private-key")
            .map(|m| {
                Hit::new(
                    "image.layer-secret",
                    path,
                    format!("{}: {}", m.title, m.redacted),
                )
                .severity(m.severity)
                .secret(m.digest)
                .heuristic(m.heuristic)
            })
            .collect()
    }
}
