//! The finding model shared by every analyzer, the store and the shells.
//!
//! Every producer (container and image rules, layer analyzers, the host
//! check, and the kinds to come) reports [`Hit`]s: a rule id, a place, redacted
//! evidence. [`crate::rules::Catalogue::findings`] is the one place that turns
//! hits into [`Finding`]s, attaching the catalogue's title, why and fix and a
//! [`fingerprint`]. Subjects are made by the constructors on [`Subject`] only,
//! so the same image has the same key (and fingerprints) whoever reports on it.

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
    /// A project folder (its Dockerfiles and compose files).
    Project,
}

impl SubjectKind {
    /// The lowercase name used in JSON and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Image => "image",
            SubjectKind::Container => "container",
            SubjectKind::Host => "host",
            SubjectKind::Project => "project",
        }
    }
}

impl std::str::FromStr for SubjectKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "image" => SubjectKind::Image,
            "container" => SubjectKind::Container,
            "host" => SubjectKind::Host,
            "project" => SubjectKind::Project,
            other => return Err(format!("unknown subject kind {other}")),
        })
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

impl Subject {
    /// An image. Its key is its first tag, else its ID, else `fallback` (the
    /// name an archive was given): the inventory and layer scans use this one
    /// constructor, so their findings about one image share fingerprints.
    pub fn image(tags: &[String], id: Option<&str>, fallback: &str) -> Subject {
        let id = id.filter(|i| !i.is_empty());
        let key = tags
            .first()
            .map(String::as_str)
            .or(id)
            .unwrap_or(fallback)
            .to_string();
        let name = match (tags.first(), id) {
            (Some(tag), _) => tag.clone(),
            (None, Some(id)) => crate::facts::short_id(id).to_string(),
            (None, None) => fallback.to_string(),
        };
        Subject {
            kind: SubjectKind::Image,
            key,
            name,
            id: id.unwrap_or_default().to_string(),
        }
    }

    /// A container, keyed by its name so that findings survive recreation.
    pub fn container(name: &str, id: &str) -> Subject {
        Subject {
            kind: SubjectKind::Container,
            key: name.to_string(),
            name: name.to_string(),
            id: id.to_string(),
        }
    }

    /// A project folder (the project check), keyed by its path as given
    /// (canonical where it can be resolved), named after its last component.
    pub fn project(root: &std::path::Path) -> Subject {
        let path = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let key = path.display().to_string();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| key.clone());
        Subject {
            kind: SubjectKind::Project,
            key,
            name,
            id: String::new(),
        }
    }

    /// This machine, named after its host name where one can be read.
    pub fn host() -> Subject {
        let name = std::fs::read_to_string("/etc/hostname")
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "this machine".into());
        Subject {
            kind: SubjectKind::Host,
            key: "host".into(),
            name,
            id: String::new(),
        }
    }
}

/// One rule firing at one place, before the catalogue's metadata is
/// attached: what every check and analyzer returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Rule id; must exist in the catalogue.
    pub rule: &'static str,
    /// Overrides the catalogue's default severity for this instance.
    pub severity: Option<Severity>,
    /// Where: `HostConfig.Privileged`, `mount:/var/run/docker.sock`,
    /// `env:TOKEN`, or for a file analyzer the file's path in the layer.
    pub location: String,
    /// What was seen (already redacted where it concerns a secret).
    pub evidence: String,
    /// Digest of a secret value, so a rotated secret is a new finding.
    pub secret_digest: Option<String>,
    /// Found by a heuristic (an assignment, a URL with a password), not a
    /// precise format: whoever assembles findings may drop it where
    /// heuristics do not apply (a dependency tree, a packaged file).
    pub heuristic: bool,
    /// The fix for this instance, when the check knows it better than the
    /// catalogue's general one (the port actually published).
    pub fix: Option<String>,
}

impl Hit {
    /// A hit at the catalogue's default severity.
    pub fn new(
        rule: &'static str,
        location: impl Into<String>,
        evidence: impl Into<String>,
    ) -> Hit {
        Hit {
            rule,
            severity: None,
            location: location.into(),
            evidence: evidence.into(),
            secret_digest: None,
            heuristic: false,
            fix: None,
        }
    }

    /// Sets this instance's fix (else the catalogue's).
    pub fn fix(mut self, fix: impl Into<String>) -> Hit {
        self.fix = Some(fix.into());
        self
    }

    /// Sets this instance's severity.
    pub fn severity(mut self, severity: Severity) -> Hit {
        self.severity = Some(severity);
        self
    }

    /// Marks it as found by a heuristic (see [`Hit::heuristic`]).
    pub fn heuristic(mut self, heuristic: bool) -> Hit {
        self.heuristic = heuristic;
        self
    }

    /// Sets the digest of the secret this hit is about.
    pub fn secret(mut self, digest: impl Into<String>) -> Hit {
        self.secret_digest = Some(digest.into());
        self
    }
}

/// Findings counted by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SeverityCounts {
    /// Critical findings.
    pub critical: u32,
    /// High findings.
    pub high: u32,
    /// Medium findings.
    pub medium: u32,
    /// Low findings.
    pub low: u32,
    /// Informational findings.
    pub info: u32,
}

impl SeverityCounts {
    /// Counts severities.
    pub fn count(severities: impl IntoIterator<Item = Severity>) -> SeverityCounts {
        let mut c = SeverityCounts::default();
        for s in severities {
            c.add(s, 1);
        }
        c
    }

    /// Adds `n` findings of severity `s`.
    pub fn add(&mut self, s: Severity, n: u32) {
        match s {
            Severity::Critical => self.critical += n,
            Severity::High => self.high += n,
            Severity::Medium => self.medium += n,
            Severity::Low => self.low += n,
            Severity::Info => self.info += n,
        }
    }

    /// The count for one severity.
    pub fn get(&self, s: Severity) -> u32 {
        match s {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }

    /// The most severe level with any finding.
    pub fn worst(&self) -> Option<Severity> {
        Severity::ALL_DESC.into_iter().find(|s| self.get(*s) > 0)
    }

    /// Every count added up.
    pub fn total(&self) -> u32 {
        self.critical + self.high + self.medium + self.low + self.info
    }
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
