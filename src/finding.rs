//! The finding model shared by every analyzer, the store and the shells.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

/// How bad a finding is. Ordered from least to most severe, so `max()` works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Severity {
    /// Worth knowing; never contributes to a score.
    Info,
    /// Hardening advice.
    Low,
    /// A weakness that matters together with another one.
    Medium,
    /// A direct path to data or privileges that should not be reachable.
    High,
    /// The host or its secrets are exposed as things stand.
    Critical,
}

impl Severity {
    /// Every severity, most severe first (the order tables and counts use).
    pub const ALL_DESC: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// The lowercase name used in JSON, the database and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parses the lowercase name (case-insensitively).
    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL_DESC
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of thing a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum SubjectKind {
    /// A local image.
    Image,
    /// A container, running or not.
    Container,
    /// The machine or engine itself.
    Host,
}

impl SubjectKind {
    /// The lowercase name used in JSON and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Image => "image",
            SubjectKind::Container => "container",
            SubjectKind::Host => "host",
        }
    }
}

/// The thing a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Subject {
    /// Image, container or host.
    pub kind: SubjectKind,
    /// The stable key used in fingerprints: a container's name, an image's
    /// first tag (or its ID when untagged), so that findings survive a
    /// container being recreated or an image rebuilt under the same tag.
    pub key: String,
    /// What people call it: the container name or `repo:tag`.
    pub name: String,
    /// The engine's current ID for it (full `sha256:` or container ID).
    pub id: String,
}

/// One problem found on one subject, with its reason and its fix.
///
/// `evidence` is always redacted: a finding never holds a secret's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Finding {
    /// Stable hash of rule, subject, location and (for secrets) the secret's
    /// digest: suppressions and history key on it.
    pub fingerprint: String,
    /// Rule id from the catalogue, e.g. `container.privileged`.
    pub rule: String,
    /// Severity of this instance (a rule may raise or lower its default).
    pub severity: Severity,
    /// The rule's title.
    pub title: String,
    /// What it is about.
    pub subject: Subject,
    /// Where exactly: an inspect field, a mount, an env var name, a port.
    pub location: String,
    /// What was seen, redacted.
    pub evidence: String,
    /// Why it matters.
    pub why: String,
    /// How to fix it, with a concrete CLI or compose snippet.
    pub fix: String,
    /// CIS Docker Benchmark, Dockle and other references.
    pub references: Vec<String>,
}

/// Computes a finding fingerprint: a hex SHA-256 over the parts, each
/// length-prefixed so that no two different tuples hash alike.
///
/// `secret_digest` is the digest of a secret value (see
/// [`crate::secrets::digest`]), never the value itself; it makes a rotated
/// secret a new finding.
pub fn fingerprint(
    rule: &str,
    subject: &Subject,
    location: &str,
    secret_digest: Option<&str>,
) -> String {
    let mut h = Sha256::new();
    for part in [
        rule,
        subject.kind.as_str(),
        subject.key.as_str(),
        location,
        secret_digest.unwrap_or(""),
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(&h.finalize()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(key: &str) -> Subject {
        Subject {
            kind: SubjectKind::Container,
            key: key.into(),
            name: key.into(),
            id: "abc".into(),
        }
    }

    #[test]
    fn fingerprint_is_stable_and_separates_parts() {
        let a = fingerprint("r", &subject("web"), "loc", None);
        assert_eq!(a, fingerprint("r", &subject("web"), "loc", None));
        assert_eq!(a.len(), 32);
        // Moving a character between parts must change the hash.
        assert_ne!(
            fingerprint("r", &subject("weblo"), "c", None),
            fingerprint("r", &subject("web"), "loc", None)
        );
        assert_ne!(a, fingerprint("r", &subject("web"), "loc", Some("d1")));
    }

    #[test]
    fn fingerprint_ignores_the_engine_id() {
        let mut s = subject("web");
        let a = fingerprint("r", &s, "loc", None);
        s.id = "recreated".into();
        assert_eq!(a, fingerprint("r", &s, "loc", None));
    }

    #[test]
    fn severity_orders_and_parses() {
        assert!(Severity::Critical > Severity::High);
        assert_eq!(Severity::parse("HIGH"), Some(Severity::High));
        assert_eq!(Severity::parse("nope"), None);
    }
}
