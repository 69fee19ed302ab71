//! Matching host paths against the sensitive-path catalogue.
//!
//! Paths are compared component by component, case-insensitively (macOS and
//! Windows file systems are), after normalising Windows and Docker Desktop
//! forms (`C:\Users\me`, `/run/desktop/mnt/host/c/Users/me`) to `/C/Users/me`.
//! The host-posture checks reuse this to judge Docker Desktop's File sharing.

use serde::Deserialize;

use super::{parse_severity, RulesError};
use crate::finding::Severity;

#[derive(Deserialize)]
pub(crate) struct RawSensitivePath {
    pattern: String,
    why: String,
    #[serde(default)]
    subtree: bool,
    ro: String,
    rw: String,
    #[serde(default)]
    share: Option<String>,
}

#[derive(Debug)]
struct SensitivePath {
    pattern: String,
    components: Vec<String>,
    why: String,
    subtree: bool,
    ro: Severity,
    rw: Severity,
    share: Severity,
}

/// How a host path relates to a sensitive location.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// The path is the sensitive location.
    Is,
    /// The path lies inside it.
    Inside,
    /// The path contains it (a parent folder was shared or mounted).
    Contains,
}

/// The worst sensitive location a path exposes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathMatch {
    /// The catalogue pattern, e.g. `~/.ssh`.
    pub pattern: String,
    /// Why it is sensitive.
    pub why: String,
    /// How the path relates to it.
    pub relation: Relation,
    /// Severity for this access (read-only or writable).
    pub severity: Severity,
    /// Severity of sharing the location itself (Docker Desktop File sharing).
    pub share: Severity,
}

impl PathMatch {
    /// A sentence fragment: "is /etc (host configuration…)".
    pub fn describe(&self) -> String {
        let verb = match self.relation {
            Relation::Is => "is",
            Relation::Inside => "is inside",
            Relation::Contains => "contains",
        };
        format!("{verb} {} ({})", self.pattern, self.why)
    }
}

impl SensitivePath {
    /// How a path (as components) relates to this location, if at all.
    fn relation_to(&self, path: &[String]) -> Option<Relation> {
        let common = self.components.len().min(path.len());
        if !self.components[..common]
            .iter()
            .zip(&path[..common])
            .all(|(p, a)| component_eq(p, a))
        {
            return None;
        }
        match path.len().cmp(&self.components.len()) {
            std::cmp::Ordering::Equal => Some(Relation::Is),
            std::cmp::Ordering::Greater if self.subtree => Some(Relation::Inside),
            std::cmp::Ordering::Greater => None,
            std::cmp::Ordering::Less => Some(Relation::Contains),
        }
    }

    fn matched(&self, relation: Relation, severity: Severity) -> PathMatch {
        PathMatch {
            pattern: self.pattern.clone(),
            why: self.why.clone(),
            relation,
            severity,
            share: self.share,
        }
    }
}

/// The compiled sensitive-path catalogue.
#[derive(Debug)]
pub struct SensitivePaths {
    entries: Vec<SensitivePath>,
}

/// Splits a host path into normalised components (see the module docs).
pub fn components(path: &str) -> Vec<String> {
    let mut p = path.replace('\\', "/");
    for prefix in ["/run/desktop/mnt/host/", "/host_mnt/", "/mnt/host/"] {
        if let Some(rest) = p.strip_prefix(prefix) {
            p = format!("/{rest}");
        }
    }
    // `C:/Users` → `/C/Users`
    let bytes = p.as_bytes();
    if bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic() {
        p = format!("/{}{}", &p[..1], &p[2..]);
    }
    let mut out: Vec<String> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            c => out.push(c.to_string()),
        }
    }
    out
}

fn component_eq(pattern: &str, actual: &str) -> bool {
    pattern == "*" || pattern.eq_ignore_ascii_case(actual)
}

fn expand_home(pattern: &str) -> Vec<String> {
    match pattern.strip_prefix('~') {
        Some(rest) => ["/home/*", "/Users/*", "/C/Users/*", "/root"]
            .iter()
            .map(|home| format!("{home}{rest}"))
            .collect(),
        None => vec![pattern.to_string()],
    }
}

impl SensitivePaths {
    pub(crate) fn new(raw: Vec<RawSensitivePath>) -> Result<SensitivePaths, RulesError> {
        let mut entries = Vec::new();
        for r in raw {
            let ro = parse_severity(&r.pattern, &r.ro)?;
            let rw = parse_severity(&r.pattern, &r.rw)?;
            let share = match &r.share {
                Some(s) => parse_severity(&r.pattern, s)?,
                None => ro,
            };
            for expanded in expand_home(&r.pattern) {
                entries.push(SensitivePath {
                    pattern: r.pattern.clone(),
                    components: components(&expanded),
                    why: r.why.clone(),
                    subtree: r.subtree,
                    ro,
                    rw,
                    share,
                });
            }
        }
        Ok(SensitivePaths { entries })
    }

    /// Every sensitive location `path` is, lies inside or contains, most
    /// severe (by share severity) first, one per catalogue pattern.
    pub fn all_matches(&self, path: &str) -> Vec<PathMatch> {
        let path = components(path);
        let mut out: Vec<PathMatch> = Vec::new();
        for e in &self.entries {
            let Some(relation) = e.relation_to(&path) else {
                continue;
            };
            if out.iter().any(|m| m.pattern == e.pattern) {
                continue;
            }
            out.push(e.matched(relation, e.ro));
        }
        out.sort_by(|a, b| b.share.cmp(&a.share).then(a.pattern.cmp(&b.pattern)));
        out
    }

    /// The most severe sensitive location `path` exposes, if any.
    pub fn check(&self, path: &str, writable: bool) -> Option<PathMatch> {
        let path = components(path);
        let mut best: Option<PathMatch> = None;
        for e in &self.entries {
            let Some(relation) = e.relation_to(&path) else {
                continue;
            };
            let severity = if writable { e.rw } else { e.ro };
            // The location itself speaks best for a path (mounting `/` read-only
            // is "the whole filesystem", not "contains some vendor folder"), so
            // an exact match wins over a subtree match over a contained one.
            let rank = |r: Relation| match r {
                Relation::Is => 2,
                Relation::Inside => 1,
                Relation::Contains => 0,
            };
            let better = match &best {
                None => true,
                Some(b) => (rank(relation), severity) > (rank(b.relation), b.severity),
            };
            if better {
                best = Some(e.matched(relation, severity));
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths() -> &'static SensitivePaths {
        &super::super::builtin().expect("catalogue").sensitive_paths
    }

    #[test]
    fn normalises_windows_and_desktop_forms() {
        assert_eq!(
            components(r"C:\Users\me\.ssh"),
            ["C", "Users", "me", ".ssh"]
        );
        assert_eq!(
            components("/run/desktop/mnt/host/c/Users/me"),
            ["c", "Users", "me"]
        );
        assert_eq!(components("/etc/../root/./x"), ["root", "x"]);
    }

    #[test]
    fn matches_is_inside_and_contains() {
        let m = paths().check("/home/dev/.ssh", false).expect("ssh");
        assert_eq!((m.relation, m.severity), (Relation::Is, Severity::High));
        let m = paths()
            .check("/home/dev/.aws/credentials", true)
            .expect("aws");
        assert_eq!(
            (m.relation, m.severity),
            (Relation::Inside, Severity::Critical)
        );
        let m = paths().check("/home", false).expect("home");
        assert_eq!(m.relation, Relation::Contains);
        assert_eq!(m.severity, Severity::High, "contains key folders: {m:?}");
        let m = paths().check("/", true).expect("root");
        assert_eq!((m.pattern.as_str(), m.severity), ("/", Severity::Critical));
        let m = paths()
            .check("/Library/Application Support/Netskope/STAgent/data", false)
            .expect("netskope");
        assert_eq!(m.severity, Severity::Critical);
        let m = paths()
            .check(r"C:\ProgramData\Netskope\STAgent\data", false)
            .expect("win");
        assert_eq!(m.severity, Severity::Critical);
    }

    #[test]
    fn ordinary_paths_are_not_sensitive() {
        for p in [
            "/home/dev/project",
            "/etc/localtime",
            "/srv/data",
            "/tmp",
            "/Users/me/code/app",
        ] {
            assert_eq!(paths().check(p, true), None, "{p}");
        }
    }
}
