//! CA certificates added outside the distribution's bundle: they reveal
//! which roots the image trusts, and a TLS-inspection vendor's root reveals
//! the organisation's proxy to anyone who pulls the image.

use super::Analyzer;
use crate::finding::{Hit, Severity};
use crate::secrets;

/// Reports CA certificates added to an image, naming TLS-inspection vendors.
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
    fn analyze(&self, path: &str, content: &[u8]) -> Vec<Hit> {
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
                Hit::new("image.layer-ca-certificate", path, evidence)
                    .severity(if vendor.is_some() {
                        Severity::Low
                    } else {
                        Severity::Info
                    })
                    .secret(secrets::digest(&hex::encode(&der)))
            })
            .collect()
    }
}
