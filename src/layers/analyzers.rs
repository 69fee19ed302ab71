//! File analyzers for layer scans. Each has an id, a version (part of the
//! cache key: bump it when its logic changes), a cheap `required` gate on path
//! and size, and an `analyze` step on the file's first bytes. A file is read
//! once and handed to every analyzer whose gate passed.

use crate::finding::Severity;
use crate::secrets::{self, SecretScanner};

/// Catalogue rules the analyzers report (the catalogue test checks them).
pub const RULES: &[&str] = &[
    "image.layer-secret",
    "image.layer-private-key",
    "image.layer-credential-file",
    "image.layer-ca-certificate",
];

/// What an analyzer found in one file. Holds no secret value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHit {
    /// Catalogue rule id (`image.layer-secret`, …).
    pub rule: &'static str,
    /// Severity of this instance.
    pub severity: Severity,
    /// Redacted evidence.
    pub evidence: String,
    /// Digest of the secret, for the fingerprint.
    pub secret_digest: Option<String>,
}

/// A file analyzer.
pub trait Analyzer: Send + Sync {
    /// Stable id.
    fn id(&self) -> &'static str;
    /// Version of its logic (and of the rules it uses).
    fn version(&self) -> u32;
    /// Whether the file is worth reading, from its path and size alone.
    fn required(&self, path: &str, size: u64) -> bool;
    /// Findings in the file's content (its first bytes, up to the read limit).
    fn analyze(&self, path: &str, content: &[u8]) -> Vec<FileHit>;
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Whether content looks binary (a NUL in its first 8 KiB).
pub fn is_binary(content: &[u8]) -> bool {
    content.iter().take(8192).any(|b| *b == 0)
}

const BINARY_EXTENSIONS: &[&str] = &[
    ".so", ".a", ".o", ".png", ".jpg", ".jpeg", ".gif", ".ico", ".woff", ".woff2", ".ttf", ".otf",
    ".gz", ".tgz", ".xz", ".bz2", ".zst", ".zip", ".jar", ".whl", ".pyc", ".class", ".mo", ".wasm",
];

/// Secrets in text files: the same rules as env vars and build history.
pub struct SecretsAnalyzer {
    scanner: &'static SecretScanner,
}

impl SecretsAnalyzer {
    /// Uses the built-in secret rules.
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
        let lower = file_name(path).to_ascii_lowercase();
        // Credential files get one finding, from the key-material analyzer.
        size > 0
            && !BINARY_EXTENSIONS.iter().any(|e| lower.ends_with(e))
            && credential_kind(path).is_none()
    }
    fn analyze(&self, _path: &str, content: &[u8]) -> Vec<FileHit> {
        if is_binary(content) {
            return vec![];
        }
        let text = String::from_utf8_lossy(content);
        self.scanner
            .scan_text(&text)
            .into_iter()
            // Keys have their own analyzer, with their own rule and fix.
            .filter(|m| m.rule_id != "private-key")
            .map(|m| FileHit {
                rule: "image.layer-secret",
                severity: m.severity,
                evidence: format!("{}: {}", m.title, m.redacted),
                secret_digest: Some(m.digest),
            })
            .collect()
    }
}

/// Private keys (PEM, PKCS#12) and credential files by name and content.
pub struct KeyMaterialAnalyzer {
    scanner: &'static SecretScanner,
}

impl KeyMaterialAnalyzer {
    /// Uses the built-in secret rules for `.env` files.
    pub fn new(scanner: &'static SecretScanner) -> Self {
        KeyMaterialAnalyzer { scanner }
    }
}

/// Credential files recognised by name (and, below, by what they hold).
fn credential_kind(path: &str) -> Option<&'static str> {
    let name = file_name(path);
    let p = format!("/{}", path.trim_start_matches('/'));
    Some(match name {
        ".npmrc" => "npm registry credentials (.npmrc)",
        ".pypirc" => "PyPI credentials (.pypirc)",
        ".git-credentials" => "git credentials (.git-credentials)",
        ".netrc" | "_netrc" => "machine passwords (.netrc)",
        ".pgpass" => "PostgreSQL passwords (.pgpass)",
        "credentials" if p.ends_with("/.aws/credentials") => "AWS credentials (~/.aws/credentials)",
        "config.json" if p.ends_with("/.docker/config.json") => {
            "registry credentials (~/.docker/config.json)"
        }
        "config" if p.ends_with("/.kube/config") => "Kubernetes credentials (kubeconfig)",
        n if n == ".env" || n.starts_with(".env.") => "environment file (.env)",
        _ => return None,
    })
}

impl Analyzer for KeyMaterialAnalyzer {
    fn id(&self) -> &'static str {
        "key-material"
    }
    fn version(&self) -> u32 {
        1
    }
    fn required(&self, path: &str, size: u64) -> bool {
        let lower = file_name(path).to_ascii_lowercase();
        // Keys and credential files are small; anything larger is something else.
        size > 0 && size <= 1 << 20 && !BINARY_EXTENSIONS.iter().any(|e| lower.ends_with(e))
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Vec<FileHit> {
        let lower = file_name(path).to_ascii_lowercase();
        if lower.ends_with(".p12") || lower.ends_with(".pfx") {
            // PKCS#12 is DER: a SEQUENCE. It bundles a private key with its certificate.
            if content.first() == Some(&0x30) {
                return vec![FileHit {
                    rule: "image.layer-private-key",
                    severity: Severity::Critical,
                    evidence: "PKCS#12 bundle (private key and certificate)".into(),
                    secret_digest: Some(secrets::digest(&hex::encode(
                        &content[..content.len().min(4096)],
                    ))),
                }];
            }
            return vec![];
        }
        if is_binary(content) {
            return vec![];
        }
        let text = String::from_utf8_lossy(content);
        let mut hits = Vec::new();
        for (start, _) in text.match_indices("-----BEGIN ") {
            let rest = &text[start + 11..];
            let Some(end) = rest.find("-----") else {
                continue;
            };
            let label = &rest[..end];
            if !label.ends_with("PRIVATE KEY") {
                continue;
            }
            let body_end = rest.find("-----END ").unwrap_or(rest.len());
            let body = &rest[..body_end];
            let encrypted = label.starts_with("ENCRYPTED")
                || body.contains("Proc-Type: 4,ENCRYPTED")
                || body.contains("bcrypt");
            hits.push(FileHit {
                rule: "image.layer-private-key",
                severity: if encrypted {
                    Severity::High
                } else {
                    Severity::Critical
                },
                evidence: format!("{label}{}", if encrypted { " (encrypted)" } else { "" }),
                secret_digest: Some(secrets::digest(body)),
            });
        }
        if let Some(kind) = credential_kind(path) {
            if let Some(evidence) = self.credentials_in(kind, &text) {
                hits.push(FileHit {
                    rule: "image.layer-credential-file",
                    severity: Severity::High,
                    evidence,
                    secret_digest: Some(secrets::digest(&text)),
                });
            }
        }
        hits
    }
}

impl KeyMaterialAnalyzer {
    /// What credentials a credential file holds, by key name only.
    fn credentials_in(&self, kind: &str, text: &str) -> Option<String> {
        let lines = || {
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
        };
        let found: Vec<String> = if kind.starts_with("environment file") {
            lines()
                .filter_map(|l| {
                    let (n, v) = l.trim_start_matches("export ").split_once('=')?;
                    self.scanner
                        .classify_env(n.trim(), v.trim().trim_matches('"'))
                        .map(|_| n.trim().to_string())
                })
                .collect()
        } else if kind.starts_with("PostgreSQL") {
            lines()
                .filter(|l| l.split(':').count() >= 5)
                .map(|_| "host:port:db:user:password".to_string())
                .take(1)
                .collect()
        } else if kind.starts_with("git credentials") {
            lines()
                .filter(|l| l.contains("://") && l.contains('@'))
                .map(|_| "https://user:token@host".to_string())
                .take(1)
                .collect()
        } else {
            let keys = [
                "_auth=",
                "_authToken",
                "password",
                "aws_secret_access_key",
                "\"auth\"",
                "token:",
                "client-key-data:",
                "identitytoken",
            ];
            keys.iter()
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
                .collect()
        };
        (!found.is_empty()).then(|| format!("{kind} with {}", found.join(", ")))
    }
}

/// CA certificates added outside the distribution's bundle: they reveal
/// which roots the image trusts, and a TLS-inspection vendor's root reveals
/// the organisation's proxy to anyone who pulls the image.
pub struct CaCertAnalyzer;

/// Names in a TLS-inspection (intercepting proxy) vendor's CA.
const TLS_INSPECTION_VENDORS: &[(&str, &str)] = &[
    ("netskope", "Netskope"),
    ("goskope", "Netskope"),
    ("zscaler", "Zscaler"),
    ("palo alto", "Palo Alto Networks"),
    ("fortinet", "Fortinet"),
    ("fortigate", "Fortinet"),
    ("forcepoint", "Forcepoint"),
    ("blue coat", "Blue Coat / Symantec"),
    ("cisco umbrella", "Cisco Umbrella"),
    ("sophos", "Sophos"),
    ("menlo security", "Menlo Security"),
    ("iboss", "iboss"),
    ("check point", "Check Point"),
];

/// Distribution and library bundles: expected, not reported.
const BUNDLE_PATHS: &[&str] = &[
    "etc/ssl/certs/ca-certificates.crt",
    "etc/ssl/cert.pem",
    "etc/pki/tls/certs/ca-bundle.crt",
    "etc/pki/tls/cert.pem",
    "etc/pki/ca-trust/extracted/",
    "usr/share/ca-certificates/mozilla/",
    "usr/lib/ssl/cert.pem",
    "etc/ca-certificates/extracted/",
];

/// A file with more certificates than this is a bundle, not an addition.
const BUNDLE_SIZE: usize = 20;

impl Analyzer for CaCertAnalyzer {
    fn id(&self) -> &'static str {
        "ca-certificates"
    }
    fn version(&self) -> u32 {
        1
    }
    fn required(&self, path: &str, size: u64) -> bool {
        let lower = path.to_ascii_lowercase();
        size > 0
            && size <= 1 << 20
            && !BUNDLE_PATHS.iter().any(|b| lower.starts_with(b))
            && [".pem", ".crt", ".cer", ".cert"]
                .iter()
                .any(|e| lower.ends_with(e))
    }
    fn analyze(&self, _path: &str, content: &[u8]) -> Vec<FileHit> {
        if !content
            .windows(27)
            .any(|w| w == b"-----BEGIN CERTIFICATE-----")
        {
            return vec![];
        }
        let mut certs = Vec::new();
        for pem in x509_parser::pem::Pem::iter_from_buffer(content) {
            let Ok(pem) = pem else { break };
            if pem.label != "CERTIFICATE" {
                continue;
            }
            if let Ok(x509) = pem.parse_x509() {
                if x509.is_ca() || x509.subject() == x509.issuer() {
                    let not_after = x509.validity().not_after.to_datetime().date().to_string();
                    certs.push((
                        x509.subject().to_string(),
                        x509.issuer().to_string(),
                        not_after,
                        pem.contents.clone(),
                    ));
                }
            }
            if certs.len() > BUNDLE_SIZE {
                return vec![];
            }
        }
        certs
            .into_iter()
            .map(|(subject, issuer, not_after, der)| {
                let lower = format!("{subject} {issuer}").to_ascii_lowercase();
                let vendor = TLS_INSPECTION_VENDORS
                    .iter()
                    .find(|(needle, _)| lower.contains(needle))
                    .map(|(_, name)| *name);
                let evidence = match vendor {
                    Some(v) => format!("TLS-inspection CA ({v}): {subject}; expires {not_after}"),
                    None => format!("CA {subject}, issued by {issuer}; expires {not_after}"),
                };
                FileHit {
                    rule: "image.layer-ca-certificate",
                    severity: if vendor.is_some() {
                        Severity::Low
                    } else {
                        Severity::Info
                    },
                    evidence,
                    secret_digest: Some(secrets::digest(&hex::encode(&der))),
                }
            })
            .collect()
    }
}

/// The analyzers a scan runs.
pub struct Registry {
    analyzers: Vec<Box<dyn Analyzer>>,
}

impl Registry {
    /// The built-in analyzers.
    pub fn builtin(scanner: &'static SecretScanner) -> Registry {
        Registry {
            analyzers: vec![
                Box::new(SecretsAnalyzer::new(scanner)),
                Box::new(KeyMaterialAnalyzer::new(scanner)),
                Box::new(CaCertAnalyzer),
            ],
        }
    }

    /// The analyzers.
    pub fn analyzers(&self) -> &[Box<dyn Analyzer>] {
        &self.analyzers
    }

    /// `id@version` of every analyzer: the cache key's analyzer part.
    pub fn versions(&self) -> String {
        self.analyzers
            .iter()
            .map(|a| format!("{}@{}", a.id(), a.version()))
            .collect::<Vec<_>>()
            .join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg() -> Registry {
        Registry::builtin(secrets::builtin().expect("rules"))
    }

    fn run(path: &str, content: &[u8]) -> Vec<FileHit> {
        reg()
            .analyzers()
            .iter()
            .filter(|a| a.required(path, content.len() as u64))
            .flat_map(|a| a.analyze(path, content))
            .collect()
    }

    #[test]
    fn private_keys_are_found_and_public_material_is_not() {
        let key = b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----\n";
        let hits = run("root/.ssh/id_ed25519", key);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(
            (hits[0].rule, hits[0].severity),
            ("image.layer-private-key", Severity::Critical)
        );
        let enc = b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert_eq!(run("etc/app/key.pem", enc)[0].severity, Severity::High);
        assert!(run(
            "root/.ssh/id_ed25519.pub",
            b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG dev@host"
        )
        .is_empty());
        assert!(run(
            "etc/ssl/certs/ca.pem",
            b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
        )
        .is_empty());
    }

    #[test]
    fn credential_files_by_name_and_content() {
        let hits = run(
            "root/.npmrc",
            b"//registry.npmjs.org/:_authToken=6f2a9c1e-8b7d-4e3f-a5c2-1d9e8f7a6b5c\n",
        );
        assert!(
            hits.iter().any(|h| h.rule == "image.layer-credential-file"),
            "{hits:?}"
        );
        assert!(
            hits.iter().all(|h| !h.evidence.contains("6f2a9c1e-8b7d")),
            "{hits:?}"
        );
        assert!(hits[0].evidence.ends_with("with _authToken"), "{hits:?}");
        let hits = run("home/app/.aws/credentials", b"[default]\naws_access_key_id = AKIAZ3MNQ7RTUVWXY2AB\naws_secret_access_key = 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\n");
        assert_eq!(hits.len(), 1, "one finding per credential file: {hits:?}");
        assert!(
            hits[0].evidence.contains("aws_secret_access_key"),
            "{hits:?}"
        );
        assert!(
            run(
                "app/.npmrc",
                b"//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n"
            )
            .is_empty(),
            "placeholder"
        );
        assert!(run("app/.env", b"DB_PASSWORD=changeme\nLOG_LEVEL=debug\n").is_empty());
        let hits = run("app/.env", b"DB_PASSWORD=Xk9mQ2vL8pR4\n");
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].rule, "image.layer-credential-file");
        assert!(hits[0].evidence.contains("DB_PASSWORD") && !hits[0].evidence.contains("Xk9m"));
    }

    #[test]
    fn pkcs12_by_extension_and_der_header() {
        let hits = run("opt/agent/nsusercert.p12", &[0x30, 0x82, 0x0a, 0x01, 0x02]);
        assert_eq!(hits[0].rule, "image.layer-private-key");
        assert!(run("opt/agent/readme.p12", b"not der").is_empty());
    }

    fn cert(name: &str) -> Vec<u8> {
        let path = format!("{}/tests/fixtures/certs/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn added_ca_certificates_are_reported_and_vendors_named() {
        let hits = run(
            "usr/local/share/ca-certificates/netskope.crt",
            &cert("netskope-ca.pem"),
        );
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(
            (hits[0].rule, hits[0].severity),
            ("image.layer-ca-certificate", Severity::Low)
        );
        assert!(
            hits[0].evidence.contains("TLS-inspection CA (Netskope)"),
            "{}",
            hits[0].evidence
        );
        let hits = run(
            "etc/pki/ca-trust/source/anchors/corp.pem",
            &cert("corp-ca.pem"),
        );
        assert_eq!(hits[0].severity, Severity::Info);
        assert!(
            hits[0].evidence.contains("Acme Internal Root CA")
                && hits[0].evidence.contains("expires")
        );
    }

    #[test]
    fn leaf_certificates_bundles_and_distribution_files_are_not_reported() {
        assert!(run("app/tls/server.crt", &cert("leaf.pem")).is_empty());
        let mut bundle = Vec::new();
        for _ in 0..25 {
            bundle.extend(cert("corp-ca.pem"));
        }
        assert!(
            run("app/certifi/cacert.pem", &bundle).is_empty(),
            "a bundle"
        );
        assert!(run(
            "etc/ssl/certs/ca-certificates.crt",
            &cert("netskope-ca.pem")
        )
        .is_empty());
    }

    #[test]
    fn binary_files_are_skipped() {
        let mut bin = b"ghp_R4nd0mT0k3nV4lu3sAr3H3r3Xy12345678ab".to_vec();
        bin.push(0);
        assert!(run("usr/bin/tool", &bin).is_empty());
        assert!(!reg().analyzers()[0].required("usr/lib/libx.so", 10));
    }
}
