//! Reading a certificate file for the wizard: certificates only. A file
//! that holds a private key in any form (a PEM `PRIVATE KEY` block of any
//! kind, an OpenSSH or PGP private key, PKCS#12) is refused whole, and a
//! `.p12`/`.pfx`/`.key` file is not even opened: the wizard copies
//! certificates, never keys.

use std::path::Path;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::CaError;
use crate::certs::{summarize, CertSummary};

/// Certificate files are a few kB; a whole system bundle is a few hundred.
pub const MAX_CERT_FILE_BYTES: u64 = 4 << 20;

/// Days before expiry from which a certificate is flagged.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// A certificate the wizard can offer, with what the user should know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CaCertificate {
    /// Subject.
    pub subject: String,
    /// Issuer.
    pub issuer: String,
    /// Valid from (RFC 3339).
    pub not_before: String,
    /// Valid until (RFC 3339).
    pub not_after: String,
    /// SHA-256 fingerprint of the DER, hex.
    pub sha256: String,
    /// Whether it is a CA (basic constraints) or self-signed.
    pub ca: bool,
    /// Whether its basic constraints say it is not a CA (a server's
    /// certificate, even self-signed): never offered by detection.
    pub not_ca: bool,
    /// Whether it is one of the public web roots (then it needs no setup).
    pub public_root: bool,
    /// The TLS-inspection vendor it names.
    pub vendor: Option<String>,
    /// Not a CA, expired, expiring soon.
    pub warnings: Vec<String>,
    /// The certificate as PEM (public data).
    pub pem: String,
}

impl CaCertificate {
    /// From DER bytes; `None` when they are not a certificate.
    pub fn from_der(der: &[u8], now_unix: i64) -> Option<CaCertificate> {
        let s: CertSummary = summarize(der)?;
        let mut warnings = Vec::new();
        if !s.ca || s.constraints_ca == Some(false) {
            warnings.push("not a CA certificate (no basic constraints CA flag): trusting it does not make the proxy's certificates trusted".to_owned());
        }
        let left = (s.not_after_unix - now_unix) / 86_400;
        if s.not_after_unix < now_unix {
            warnings.push(format!("expired on {}", s.not_after));
        } else if left < EXPIRY_WARNING_DAYS {
            warnings.push(format!("expires in {left} days ({})", s.not_after));
        }
        Some(CaCertificate {
            pem: pem_encode(der),
            subject: s.subject,
            issuer: s.issuer,
            not_before: s.not_before,
            not_after: s.not_after,
            sha256: s.sha256,
            ca: s.ca,
            not_ca: s.constraints_ca == Some(false),
            public_root: s.public_root,
            vendor: s.vendor.map(str::to_owned),
            warnings,
        })
    }

    /// A short name for files: the vendor's (`netskope-ca`), else `corporate-ca`.
    pub fn file_stem(&self) -> String {
        match &self.vendor {
            Some(v) => format!(
                "{}-ca",
                v.split(|c: char| !c.is_ascii_alphanumeric())
                    .next()
                    .unwrap_or("corporate")
                    .to_ascii_lowercase()
            ),
            None => "corporate-ca".to_owned(),
        }
    }
}

/// DER as a PEM `CERTIFICATE` block, 64 columns.
pub fn pem_encode(der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// Names of files that hold keys by convention: never opened.
const KEY_EXTENSIONS: &[&str] = &[".p12", ".pfx", ".key", ".jks", ".keystore", ".ppk", ".kdbx"];

/// PEM labels (and armour lines) that mean a private key.
const KEY_MARKERS: &[&str] = &[
    "PRIVATE KEY-----",
    "PGP PRIVATE KEY BLOCK",
    "-----BEGIN OPENSSH PRIVATE KEY",
    "PuTTY-User-Key-File",
];

/// Whether DER bytes look like PKCS#12 (PFX): a SEQUENCE whose first
/// element is INTEGER 3 followed by a ContentInfo.
fn looks_like_pkcs12(bytes: &[u8]) -> bool {
    let Some(rest) = bytes.strip_prefix(&[0x30]) else {
        return false;
    };
    // Skip the outer length (short or long form).
    let skip = match rest.first() {
        Some(l) if *l < 0x80 => 1,
        Some(l) => 1 + (*l & 0x7f) as usize,
        None => return false,
    };
    rest.get(skip..skip + 3) == Some(&[0x02, 0x01, 0x03])
}

/// Every certificate in `bytes` (PEM, or one DER certificate), refusing
/// anything that holds a key. `shown` names the file in messages.
pub fn parse(bytes: &[u8], shown: &str, now_unix: i64) -> Result<Vec<CaCertificate>, CaError> {
    let text = String::from_utf8_lossy(bytes);
    if KEY_MARKERS.iter().any(|m| text.contains(m)) {
        return Err(CaError::HoldsKey(shown.to_owned()));
    }
    if looks_like_pkcs12(bytes) {
        return Err(CaError::HoldsKey(format!("{shown} (PKCS#12)")));
    }
    let mut out = Vec::new();
    if text.contains("-----BEGIN") {
        for pem in x509_parser::pem::Pem::iter_from_buffer(bytes) {
            let Ok(pem) = pem else { break };
            if pem.label == "CERTIFICATE" || pem.label == "TRUSTED CERTIFICATE" {
                if let Some(c) = CaCertificate::from_der(&pem.contents, now_unix) {
                    out.push(c);
                }
            }
        }
    } else if let Some(c) = CaCertificate::from_der(bytes, now_unix) {
        out.push(c);
    }
    if out.is_empty() {
        return Err(CaError::NoCertificate(shown.to_owned()));
    }
    Ok(out)
}

/// Reads a certificate file (see [`parse`]): regular files only, at most
/// [`MAX_CERT_FILE_BYTES`], key files by name refused unopened.
pub fn read(path: &Path, now_unix: i64) -> Result<Vec<CaCertificate>, CaError> {
    use std::io::Read;
    let shown = path.display().to_string();
    let lower = shown.to_ascii_lowercase();
    if KEY_EXTENSIONS.iter().any(|e| lower.ends_with(e)) {
        return Err(CaError::HoldsKey(shown));
    }
    let unreadable = |reason: String| CaError::Unreadable {
        path: shown.clone(),
        reason,
    };
    let meta = std::fs::metadata(path).map_err(|e| unreadable(e.to_string()))?;
    if !meta.is_file() {
        return Err(unreadable("not a regular file".into()));
    }
    if meta.len() > MAX_CERT_FILE_BYTES {
        return Err(unreadable(format!(
            "{} bytes, over the {MAX_CERT_FILE_BYTES}-byte limit for a certificate file",
            meta.len()
        )));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_CERT_FILE_BYTES).read_to_end(&mut bytes))
        .map_err(|e| unreadable(e.to_string()))?;
    parse(&bytes, &shown, now_unix)
}

/// The certificates of a file the user chose that need setting up: not the
/// public roots (a whole system bundle leaves just the corporate CA), not
/// a server certificate beside CAs (a chain file), the TLS-inspection
/// vendor's first. Refuses a file of public roots only.
pub fn corporate(certs: Vec<CaCertificate>, shown: &str) -> Result<Vec<CaCertificate>, CaError> {
    let mut out: Vec<CaCertificate> = certs.into_iter().filter(|c| !c.public_root).collect();
    let is_ca = |c: &CaCertificate| c.ca && !c.not_ca;
    if out.iter().any(is_ca) {
        out.retain(is_ca);
    }
    out.sort_by_key(|c| c.vendor.is_none());
    if out.is_empty() {
        return Err(CaError::OnlyPublic(shown.to_owned()));
    }
    Ok(out)
}
