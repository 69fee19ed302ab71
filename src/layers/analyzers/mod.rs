//! File analyzers for layer scans, one file each: a new analyzer is a new
//! file here and one line in [`Registry::builtin`].
//!
//! Each analyzer has an id, a version (part of the cache key: bump it when
//! its logic or data changes), a cheap `required` gate on path and size
//! (Trivy's `Required`), and an `analyze` step on the file's bytes. A file is
//! read once and handed to every analyzer whose gate passed. Analyzers
//! return [`Hit`]s located at the file's path; the scan turns them into
//! findings with the layer and the catalogue's text.

mod ca_cert;

pub(crate) mod key_material;
mod secret_file;
mod secrets;

pub use crate::secrets::credentials::CredentialKind;
pub use ca_cert::CaCertAnalyzer;
pub use key_material::KeyMaterialAnalyzer;
pub use secret_file::SecretFileAnalyzer;
pub use secrets::SecretsAnalyzer;

use crate::finding::Hit;
use crate::secrets::SecretScanner;

/// Catalogue rules the analyzers report (the catalogue test checks them).
pub const RULES: &[&str] = &[
    "image.layer-secret",
    "image.layer-private-key",
    "image.layer-dependency-test-key",
    "image.layer-secret-file",
    "image.layer-credential-file",
    "image.layer-ca-certificate",
];

/// A file analyzer.
pub trait Analyzer: Send + Sync {
    /// Stable id.
    fn id(&self) -> &'static str;
    /// Version of its logic (and of the rules it uses).
    fn version(&self) -> u32;
    /// Whether the file is worth reading, from its path and size alone.
    fn required(&self, path: &str, size: u64) -> bool;
    /// Whether it reads files of any size window by window (see
    /// [`super::file`]); otherwise it gets the first window only, and its
    /// `required` gate must keep to files that fit in it.
    fn streams(&self) -> bool {
        false
    }
    /// Findings in the file's content (a window of it, for a streaming
    /// analyzer of a text file), each located at `path`. Holds no secret
    /// value: evidence is redacted, secrets travel as digests.
    fn analyze(&self, path: &str, content: &[u8]) -> Vec<Hit>;
}

/// The last component of a path.
pub(crate) fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Whether content looks binary (a NUL in its first 8 KiB).
pub fn is_binary(content: &[u8]) -> bool {
    content.iter().take(8192).any(|b| *b == 0)
}

/// Extensions of files that are binary by nature: no text analyzer reads them.
pub(crate) const BINARY_EXTENSIONS: &[&str] = &[
    ".so", ".a", ".o", ".png", ".jpg", ".jpeg", ".gif", ".ico", ".woff", ".woff2", ".ttf", ".otf",
    ".gz", ".tgz", ".xz", ".bz2", ".zst", ".zip", ".jar", ".whl", ".pyc", ".class", ".mo", ".wasm",
];

/// Whether the file's name says it is binary.
pub(crate) fn binary_by_name(path: &str) -> bool {
    let lower = file_name(path).to_ascii_lowercase();
    BINARY_EXTENSIONS.iter().any(|e| lower.ends_with(e))
}

/// The analyzers a scan runs, and the secret rules that redact what they
/// report about a file (its path).
pub struct Registry {
    analyzers: Vec<Box<dyn Analyzer>>,
    scanner: &'static SecretScanner,
}

impl Registry {
    /// The built-in analyzers.
    pub fn builtin(scanner: &'static SecretScanner) -> Registry {
        Registry {
            analyzers: vec![
                Box::new(SecretsAnalyzer::new(scanner)),
                Box::new(KeyMaterialAnalyzer::new(scanner)),
                Box::new(SecretFileAnalyzer::new(scanner)),
                Box::new(CaCertAnalyzer),
            ],
            scanner,
        }
    }

    /// `text` with any secret in it redacted (see [`SecretScanner::redact_text`]).
    pub fn redact(&self, text: &str) -> String {
        self.scanner.redact_text(text)
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
    use crate::finding::Severity;
    use crate::secrets;

    fn reg() -> Registry {
        Registry::builtin(secrets::builtin().expect("rules"))
    }

    fn run(path: &str, content: &[u8]) -> Vec<Hit> {
        super::super::file::analyze(&reg(), path, content.len() as u64, content)
            .expect("read")
            .into_iter()
            .map(|h| h.hit)
            .collect()
    }

    #[test]
    fn private_keys_are_found_and_public_material_is_not() {
        let key = b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fICEiIyQlJicoKSorLC0uLw==\n-----END OPENSSH PRIVATE KEY-----\n";
        let hits = run("root/.ssh/id_ed25519", key);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(
            (hits[0].rule, hits[0].severity.unwrap_or(Severity::Info)),
            ("image.layer-private-key", Severity::Critical)
        );
        let enc = b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQIAqmonYxAfFACAggA\nMAwGCCqGSIb3DQIJBQAwHQYJYIZIAWUDBAEqBBBPEcfEid0jbMRg+zj+Ang3BIIB\nYNtDYImuFHZredevt8j8qoZf66KmU6nQwRdhnmy9Hy31w1m5o0kAuV7ZlMvQusgv\nCiGm19QPULJ29SXScIFxH2M2dRFeBBwnO6YwOgmLOM4lpynHf6E9N2D8cYd2Cz74\nRhw0QXN+LHKf1YR29db5XxnwUkeGS7tMXwr9ILhL/vimwqbWGnZJ7eCPEqt+Xj4z\nHeaMz9cntbs+gheq7GLUDiFUXbS9o0K6znTYKpfi7w7TrB+dUHQai2pwetWMJfip\nclaAxYBmm81jOsJD37cFivQAtscWIHwJE49JRabZN7H1vGlEC/DVOc7YdmnXyQXn\nJpy1Jeza8yZcwzlDzX9/u/7fRpeVEzXg5ZAHx3Ttye6fRwTG1bX7ycmTvwp2gw8y\nVDNvC2u6t8YS4vjka5IFS95uLy6fPeJCnYMRbGkz2nkGZzCYEu/F8yn/Mr/Eg1WQ\njV5dvfFw+DhdpaaSgubUw3g=\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert_eq!(
            run("etc/app/key.pem", enc)[0].severity,
            Some(Severity::High)
        );
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
            (hits[0].rule, hits[0].severity.unwrap_or(Severity::Info)),
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
        assert_eq!(hits[0].severity, Some(Severity::Info));
        assert!(
            hits[0].evidence.contains("Acme Internal Root CA")
                && hits[0].evidence.contains("expires")
        );
    }

    /// Public roots as PEM, as a distribution bundle holds them.
    fn public_bundle(n: usize) -> Vec<u8> {
        use base64::Engine as _;
        let mut out = Vec::new();
        for der in webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().take(n) {
            let b64 = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
            out.extend_from_slice(b"-----BEGIN CERTIFICATE-----\n");
            for line in b64.as_bytes().chunks(64) {
                out.extend_from_slice(line);
                out.push(b'\n');
            }
            out.extend_from_slice(b"-----END CERTIFICATE-----\n");
        }
        out
    }

    #[test]
    fn leaf_certificates_and_public_roots_are_not_reported() {
        assert!(run("app/tls/server.crt", &cert("leaf.pem")).is_empty());
        assert!(run("app/certifi/cacert.pem", &public_bundle(40)).is_empty());
        assert!(run("etc/ssl/certs/ca-certificates.crt", &public_bundle(40)).is_empty());
    }

    #[test]
    fn the_corporate_ca_inside_a_trust_bundle_is_reported_once_naming_the_vendor() {
        let mut bundle = public_bundle(40);
        bundle.extend(cert("netskope-ca.pem"));
        let hits = run("etc/ssl/certs/ca-certificates.crt", &bundle);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].severity, Some(Severity::Low));
        assert!(
            hits[0]
                .evidence
                .contains("1 of 41 certificates not among the public roots")
                && hits[0].evidence.contains("(Netskope)"),
            "{}",
            hits[0].evidence
        );
    }

    /// A Debian image's own bundle (cut from older certdata than Mozilla's
    /// current roots) is all public: only the corporate CA added to it is
    /// named.
    #[test]
    fn a_distribution_bundle_with_a_corporate_ca_names_only_that_ca() {
        let Ok(dir) = std::fs::read_dir("/usr/share/ca-certificates/mozilla") else {
            return; // not a Debian machine
        };
        let mut bundle = Vec::new();
        let mut n = 0;
        for e in dir.flatten() {
            bundle.extend(std::fs::read(e.path()).expect("read"));
            n += 1;
        }
        assert!(n > 100, "{n}");
        let hits = run("etc/ssl/certs/ca-certificates.crt", &bundle);
        assert!(hits.is_empty(), "{hits:?}");
        bundle.extend(cert("corp-ca.pem"));
        bundle.extend(cert("netskope-ca.pem"));
        let hits = run("etc/ssl/certs/ca-certificates.crt", &bundle);
        assert_eq!(hits.len(), 1, "{hits:?}");
        let e = &hits[0].evidence;
        assert!(
            e.contains(&format!(
                "2 of {} certificates not among the public roots",
                n + 2
            )),
            "{e}"
        );
        assert!(
            e.find("(Netskope)") < e.find("Acme Internal Root CA"),
            "the vendor first: {e}"
        );
    }

    #[test]
    fn binary_files_are_skipped() {
        let mut bin = b"ghp_R4nd0mT0k3nV4lu3sAr3H3r3Xy12345678ab".to_vec();
        bin.push(0);
        assert!(run("usr/bin/tool", &bin).is_empty());
        assert!(!reg().analyzers()[0].required("usr/lib/libx.so", 10));
    }
}
