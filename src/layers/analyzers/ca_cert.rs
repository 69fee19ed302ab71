//! CA certificates added outside the distribution's bundle: they reveal
//! which roots the image trusts, and a TLS-inspection vendor's root reveals
//! the organisation's proxy to anyone who pulls the image.

use super::Analyzer;
use crate::certs;
use crate::finding::{Hit, Severity};
use crate::secrets;

/// Reports CA certificates added to an image, naming TLS-inspection vendors.
pub struct CaCertAnalyzer;

/// Distribution trust bundles: read as bundles (what they hold beyond the
/// public roots is reported once, for the whole file).
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

/// A file with more certificates than this is a bundle (`certifi`'s
/// `cacert.pem`, a Java `cacerts` export), not one addition.
const BUNDLE_SIZE: usize = 20;

impl Analyzer for CaCertAnalyzer {
    fn id(&self) -> &'static str {
        "ca-certificates"
    }
    fn version(&self) -> u32 {
        // 3: distributions' roots are public; the vendor is named first.
        3
    }
    fn required(&self, path: &str, size: u64) -> bool {
        let lower = path.to_ascii_lowercase();
        size > 0
            && size <= 4 << 20
            && !lower.starts_with("usr/share/ca-certificates/mozilla/")
            && (BUNDLE_PATHS.iter().any(|b| lower.starts_with(b))
                || [".pem", ".crt", ".cer", ".cert"]
                    .iter()
                    .any(|e| lower.ends_with(e)))
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Vec<Hit> {
        if !content
            .windows(27)
            .any(|w| w == b"-----BEGIN CERTIFICATE-----")
        {
            return vec![];
        }
        let certs = certs::pem_certificates(content);
        let lower = path.to_ascii_lowercase();
        let bundle = certs.len() > BUNDLE_SIZE || BUNDLE_PATHS.iter().any(|b| lower.starts_with(b));
        // Public web roots are what every image trusts: only the others
        // say something about this one.
        let added: Vec<&certs::CertSummary> = certs
            .iter()
            .map(|(_, s)| s)
            .filter(|s| s.ca && !s.public_root)
            .collect();
        if added.is_empty() {
            return vec![];
        }
        let severity = |vendor: bool| {
            if vendor {
                Severity::Low
            } else {
                Severity::Info
            }
        };
        if bundle {
            // A trust bundle (after `update-ca-certificates`, or a CA
            // appended to it): one finding naming what is not public.
            let vendor = added.iter().find_map(|s| s.vendor);
            // The vendor's certificate first: it is the one that matters.
            let mut named: Vec<(bool, String)> = added
                .iter()
                .map(|s| match s.vendor {
                    Some(v) => (false, format!("{} ({v})", s.subject)),
                    None => (true, s.subject.clone()),
                })
                .collect();
            named.sort();
            let names: Vec<String> = named.into_iter().map(|(_, n)| n).collect();
            let shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
            let more = names.len().saturating_sub(shown.len());
            let evidence = format!(
                "trust bundle with {} of {} certificates not among the public roots: {}{}",
                added.len(),
                certs.len(),
                shown.join("; "),
                if more > 0 {
                    format!("; and {more} more")
                } else {
                    String::new()
                }
            );
            let mut fingerprints: Vec<&str> = added.iter().map(|s| s.sha256.as_str()).collect();
            fingerprints.sort_unstable();
            return vec![Hit::new("image.layer-ca-certificate", path, evidence)
                .severity(severity(vendor.is_some()))
                .secret(secrets::digest(&fingerprints.concat()))];
        }
        added
            .into_iter()
            .map(|s| {
                let expires = s.not_after.get(..10).unwrap_or(&s.not_after);
                let evidence = match s.vendor {
                    Some(v) => format!("TLS-inspection CA ({v}): {}; expires {expires}", s.subject),
                    None => format!(
                        "CA {}, issued by {}; expires {expires}",
                        s.subject, s.issuer
                    ),
                };
                Hit::new("image.layer-ca-certificate", path, evidence)
                    .severity(severity(s.vendor.is_some()))
                    .secret(secrets::digest(&s.sha256))
            })
            .collect()
    }
}
