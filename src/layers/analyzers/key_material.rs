//! Private keys (PEM blocks of every kind, PKCS#12 bundles) and credential
//! files, by name and by what they hold.

use super::{binary_by_name, file_name, is_binary, Analyzer, CredentialKind};
use crate::finding::{Hit, Severity};
use crate::layers::file::WINDOW;
use crate::secrets::keys;
use crate::secrets::{self, SecretScanner};

/// Whether a file's name says it holds keys, certificates or credentials:
/// over [`WINDOW`] bytes such a file is searched for tokens only, and the
/// scan says so rather than passing it over in silence.
pub fn named_like_key_material(path: &str) -> bool {
    let name = file_name(path).to_ascii_lowercase();
    CredentialKind::of(path).is_some()
        || name.starts_with("id_")
        || [
            ".pem",
            ".key",
            ".crt",
            ".cer",
            ".p12",
            ".pfx",
            ".jks",
            ".keystore",
            ".ppk",
            ".kdbx",
            ".asc",
            ".gpg",
        ]
        .iter()
        .any(|e| name.ends_with(e))
}

/// Finds key material and credential files.
pub struct KeyMaterialAnalyzer {
    scanner: &'static SecretScanner,
}

impl KeyMaterialAnalyzer {
    /// Uses the given secret rules to judge `.env` values.
    pub fn new(scanner: &'static SecretScanner) -> Self {
        KeyMaterialAnalyzer { scanner }
    }
}

impl Analyzer for KeyMaterialAnalyzer {
    fn id(&self) -> &'static str {
        "key-material"
    }
    fn version(&self) -> u32 {
        // 3: files up to a whole window (4 MiB), not 1 MiB.
        // 4: a DER key body must be whole (its declared length present).
        4
    }
    fn required(&self, path: &str, size: u64) -> bool {
        // The whole file must fit in the first window, which the reader has
        // in memory anyway; larger files named like keys are counted as not
        // fully analysed (see `named_like_key_material`).
        size > 0 && size <= WINDOW as u64 && !binary_by_name(path)
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Vec<Hit> {
        if let Some(store) = keys::key_store(file_name(path), content) {
            // A key store bundles private keys (PKCS#12, keystores, KeePass).
            return vec![Hit::new("image.layer-private-key", path, store)
                .severity(Severity::Critical)
                .secret(secrets::digest(&hex::encode(
                    &content[..content.len().min(4096)],
                )))];
        }
        if is_binary(content) {
            return vec![];
        }
        let text = String::from_utf8_lossy(content);
        let mut hits: Vec<Hit> = keys::private_keys(&text)
            .into_iter()
            .map(|k| {
                Hit::new(
                    "image.layer-private-key",
                    path,
                    format!(
                        "{}{}",
                        k.label,
                        if k.encrypted { " (encrypted)" } else { "" }
                    ),
                )
                .severity(if k.encrypted {
                    Severity::High
                } else {
                    Severity::Critical
                })
                .secret(k.digest)
            })
            .collect();
        if let Some(kind) = CredentialKind::of(path) {
            if let Some(evidence) = self.credentials_in(kind, &text) {
                hits.push(
                    Hit::new("image.layer-credential-file", path, evidence)
                        .severity(Severity::High)
                        .secret(secrets::digest(&text)),
                );
            }
        }
        hits
    }
}

impl KeyMaterialAnalyzer {
    /// What credentials a credential file holds, by key name only.
    fn credentials_in(&self, kind: CredentialKind, text: &str) -> Option<String> {
        let lines = || {
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
        };
        let found: Vec<String> = match kind {
            CredentialKind::EnvFile => lines()
                .filter_map(|l| {
                    let (n, v) = l.trim_start_matches("export ").split_once('=')?;
                    self.scanner
                        .classify_env(n.trim(), v.trim().trim_matches('"'))
                        .map(|_| n.trim().to_string())
                })
                .collect(),
            CredentialKind::Pgpass => lines()
                .filter(|l| l.split(':').count() >= 5)
                .map(|_| "host:port:db:user:password".to_string())
                .take(1)
                .collect(),
            CredentialKind::GitCredentials => lines()
                .filter(|l| l.contains("://") && l.contains('@'))
                .map(|_| "https://user:token@host".to_string())
                .take(1)
                .collect(),
            _ => kind
                .credential_keys()
                .iter()
                .filter(|k| {
                    lines().any(|l| {
                        let Some(pos) = l.find(*k) else { return false };
                        let value = l[pos + k.len()..]
                            .trim_start_matches(['=', ':', ' ', '"'])
                            .trim_end_matches([',', '"', ' ']);
                        !value.is_empty() && !self.scanner.is_placeholder(value)
                    })
                })
                .map(|k| k.trim_matches('"').trim_end_matches([':', '=']).to_string())
                .collect(),
        };
        (!found.is_empty()).then(|| format!("{} with {}", kind.describe(), found.join(", ")))
    }
}
