//! Certificates: which are public web roots (Mozilla's set, through the
//! `webpki-root-certs` crate), which name a TLS-inspection vendor, and a
//! summary of each (subject, issuer, validity, CA flag, SHA-256). Used by
//! the layer scan (a corporate CA baked into an image or its trust bundle)
//! and by the CA setup wizard (which CA to hand to builds). A leaf module:
//! it depends on nothing else here.

use std::collections::HashSet;
use std::sync::OnceLock;

use sha2::{Digest, Sha256};
use x509_parser::prelude::{FromDer, X509Certificate};

/// Names in a TLS-inspection (intercepting proxy) vendor's CA, lowercase,
/// with the vendor's name.
pub const TLS_INSPECTION_VENDORS: &[(&str, &str)] = &[
    ("netskope", "Netskope"),
    ("goskope", "Netskope"),
    ("zscaler", "Zscaler"),
    ("palo alto", "Palo Alto Networks"),
    ("paloalto", "Palo Alto Networks"),
    ("fortinet", "Fortinet"),
    ("fortigate", "Fortinet"),
    ("forcepoint", "Forcepoint"),
    ("websense", "Forcepoint"),
    ("blue coat", "Blue Coat / Symantec"),
    ("bluecoat", "Blue Coat / Symantec"),
    ("cisco umbrella", "Cisco Umbrella"),
    ("opendns", "Cisco Umbrella"),
    ("sophos", "Sophos"),
    ("menlo security", "Menlo Security"),
    ("iboss", "iboss"),
    ("check point", "Check Point"),
    ("checkpoint", "Check Point"),
    ("mcafee web gateway", "McAfee / Skyhigh"),
    ("skyhigh", "McAfee / Skyhigh"),
    ("cloudflare gateway", "Cloudflare Zero Trust"),
    ("cato networks", "Cato Networks"),
];

/// The vendor a certificate's subject or issuer names, if any.
pub fn tls_inspection_vendor(subject: &str, issuer: &str) -> Option<&'static str> {
    let lower = format!("{subject} {issuer}").to_ascii_lowercase();
    TLS_INSPECTION_VENDORS
        .iter()
        .find(|(needle, _)| lower.contains(needle))
        .map(|(_, name)| *name)
}

/// SHA-256 of DER bytes.
pub fn sha256(der: &[u8]) -> [u8; 32] {
    Sha256::digest(der).into()
}

/// Mozilla's roots: SHA-256 of each certificate, and of each one's subject
/// and public key (a root re-issued with the same key is the same root).
struct PublicRoots {
    certs: HashSet<[u8; 32]>,
    subject_keys: HashSet<[u8; 32]>,
}

fn subject_key(cert: &X509Certificate<'_>) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(cert.subject().as_raw());
    h.update(cert.public_key().raw);
    h.finalize().into()
}

const DISTRIBUTION_ROOTS: &str = include_str!("certs_distribution_roots.txt");

fn public_roots() -> &'static PublicRoots {
    static ROOTS: OnceLock<PublicRoots> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let mut roots = PublicRoots {
            certs: HashSet::new(),
            subject_keys: HashSet::new(),
        };
        for der in webpki_root_certs::TLS_SERVER_ROOT_CERTS {
            roots.certs.insert(sha256(der.as_ref()));
            if let Ok((_, cert)) = X509Certificate::from_der(der.as_ref()) {
                roots.subject_keys.insert(subject_key(&cert));
            }
        }
        // Distributions' bundles are cut from older certdata: their extra
        // roots are public too (else every Debian image's bundle would read
        // as "48 certificates not among the public roots").
        for line in DISTRIBUTION_ROOTS.lines().filter(|l| !l.starts_with('#')) {
            let mut digest = [0u8; 32];
            if hex::decode_to_slice(line.trim(), &mut digest).is_ok() {
                roots.certs.insert(digest);
            }
        }
        roots
    })
}

/// What Dockward shows of a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertSummary {
    /// Subject, as `C=…, O=…, CN=…`.
    pub subject: String,
    /// Issuer.
    pub issuer: String,
    /// Not valid before (RFC 3339).
    pub not_before: String,
    /// Not valid after (RFC 3339).
    pub not_after: String,
    /// Not valid after, as seconds since the epoch.
    pub not_after_unix: i64,
    /// Whether it is a CA (basic constraints) or self-signed.
    pub ca: bool,
    /// What its basic constraints say, if it has them: `Some(false)` is a
    /// server certificate, even a self-signed one.
    pub constraints_ca: Option<bool>,
    /// SHA-256 of the DER, hex.
    pub sha256: String,
    /// Whether it is one of Mozilla's public web roots.
    pub public_root: bool,
    /// The TLS-inspection vendor it names, if any.
    pub vendor: Option<&'static str>,
}

/// Summarises a DER certificate; `None` when it does not parse.
pub fn summarize(der: &[u8]) -> Option<CertSummary> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    let subject = cert.subject().to_string();
    let issuer = cert.issuer().to_string();
    let roots = public_roots();
    let digest = sha256(der);
    let validity = cert.validity();
    let rfc = |t: &x509_parser::time::ASN1Time| crate::clock::rfc3339(t.to_datetime());
    Some(CertSummary {
        vendor: tls_inspection_vendor(&subject, &issuer),
        public_root: roots.certs.contains(&digest)
            || roots.subject_keys.contains(&subject_key(&cert)),
        ca: cert.is_ca() || cert.subject() == cert.issuer(),
        constraints_ca: cert.basic_constraints().ok().flatten().map(|b| b.value.ca),
        not_before: rfc(&validity.not_before),
        not_after: rfc(&validity.not_after),
        not_after_unix: validity.not_after.timestamp(),
        sha256: hex::encode(digest),
        subject,
        issuer,
    })
}

/// Every certificate in PEM text (bodies that do not parse are skipped).
pub fn pem_certificates(content: &[u8]) -> Vec<(Vec<u8>, CertSummary)> {
    let mut out = Vec::new();
    for pem in x509_parser::pem::Pem::iter_from_buffer(content) {
        let Ok(pem) = pem else { break };
        if pem.label != "CERTIFICATE" && pem.label != "TRUSTED CERTIFICATE" {
            continue;
        }
        if let Some(s) = summarize(&pem.contents) {
            out.push((pem.contents, s));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_distributions_bundle_is_all_public_roots() {
        let Ok(bundle) = std::fs::read("/usr/share/ca-certificates/mozilla/GLOBALTRUST_2020.crt")
        else {
            return; // not a Debian machine
        };
        let certs = pem_certificates(&bundle);
        assert_eq!(certs.len(), 1);
        assert!(certs[0].1.public_root, "{}", certs[0].1.subject);
    }

    #[test]
    fn mozilla_roots_are_public_and_corporate_cas_are_not() {
        let root = webpki_root_certs::TLS_SERVER_ROOT_CERTS[0].as_ref();
        assert!(summarize(root).expect("parses").public_root);
        let corp = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/certs/netskope-ca.pem"
        ))
        .expect("fixture");
        let certs = pem_certificates(&corp);
        assert_eq!(certs.len(), 1);
        let s = &certs[0].1;
        assert!(!s.public_root && s.ca);
        assert_eq!(s.vendor, Some("Netskope"));
        assert_eq!(s.sha256.len(), 64);
    }
}
