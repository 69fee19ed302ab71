//! What findings mean to the person reading them: each finding with its
//! share of its subject's score, whether the user accepted it, counts by
//! severity, and the `--fail-on` decision. Every report (inventory, layer
//! scan, host check) is explained here, the same way.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::finding::{Finding, Severity, SeverityCounts};
use crate::score;

/// A finding as reports show it, with its share of the subject's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FindingReport {
    /// Stable fingerprint.
    pub fingerprint: String,
    /// Rule id.
    pub rule: String,
    /// Severity.
    pub severity: Severity,
    /// Rule title.
    pub title: String,
    /// Where on the subject.
    pub location: String,
    /// What was seen (redacted).
    pub evidence: String,
    /// Why it matters.
    pub why: String,
    /// How to fix it.
    pub fix: String,
    /// References (CIS, Dockle).
    pub references: Vec<String>,
    /// Points of the subject's score due to this finding.
    pub points: f64,
    /// Why the user accepted it, while suppressed: it then adds nothing to
    /// the score or the counts.
    pub suppressed_reason: Option<String>,
    /// Until when (RFC 3339), when the suppression has an end.
    pub suppressed_until: Option<String>,
}

impl FindingReport {
    /// Whether the user accepted it (it then leaves scores, counts and `--fail-on`).
    pub fn suppressed(&self) -> bool {
        self.suppressed_reason.is_some()
    }
}

pub use crate::store::Suppressions;

/// What the store knows that a report shows: layer findings of scanned
/// images (by image ID) and suppressions in force.
#[derive(Debug, Default)]
pub struct Known {
    /// Layer findings by image ID, for images whose layers are all cached.
    pub layer_findings: HashMap<String, Vec<Finding>>,
    /// Suppressions in force.
    pub suppressions: Suppressions,
}

/// One subject's findings, explained.
#[derive(Debug, Clone, PartialEq)]
pub struct Explained {
    /// Its score, 0–100, from unsuppressed findings.
    pub score: u8,
    /// Each finding with its points, in the order given.
    pub findings: Vec<FindingReport>,
    /// Unsuppressed findings by severity.
    pub counts: SeverityCounts,
}

/// Scores `findings` (suppressed ones left out) and explains each one's share.
pub fn explain(findings: &[Finding], suppressions: &Suppressions) -> Explained {
    let counted: Vec<&Finding> = findings
        .iter()
        .filter(|f| !suppressions.contains_key(&f.fingerprint))
        .collect();
    let s = score::score(counted.iter().copied());
    let points: HashMap<&str, f64> = s
        .shares
        .iter()
        .map(|sh| (sh.fingerprint.as_str(), sh.points))
        .collect();
    let reports: Vec<FindingReport> = findings
        .iter()
        .map(|f| {
            let suppression = suppressions.get(&f.fingerprint);
            FindingReport {
                fingerprint: f.fingerprint.clone(),
                rule: f.rule.clone(),
                severity: f.severity,
                title: f.title.clone(),
                location: f.location.clone(),
                evidence: f.evidence.clone(),
                why: f.why.clone(),
                fix: f.fix.clone(),
                references: f.references.clone(),
                points: points.get(f.fingerprint.as_str()).copied().unwrap_or(0.0),
                suppressed_reason: suppression.map(|s| s.0.clone()),
                suppressed_until: suppression.and_then(|s| s.1.clone()),
            }
        })
        .collect();
    Explained {
        score: s.value,
        counts: counts(&reports),
        findings: reports,
    }
}

/// Counts findings by severity, leaving out suppressed ones.
pub fn counts<'a>(findings: impl IntoIterator<Item = &'a FindingReport>) -> SeverityCounts {
    SeverityCounts::count(
        findings
            .into_iter()
            .filter(|f| !f.suppressed())
            .map(|f| f.severity),
    )
}

/// One rule's findings on a subject, as reports group them.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleGroup<'a, T> {
    /// Rule id.
    pub rule: &'a str,
    /// Rule title.
    pub title: &'a str,
    /// The worst severity among its findings not suppressed (else among all).
    pub severity: Severity,
    /// Points of the subject's score due to the rule.
    pub points: f64,
    /// Its findings, in the order given.
    pub items: Vec<&'a T>,
}

/// Groups findings by rule, worst rule first (severity, then points, then
/// id). `report` reads each item's finding; items keep their given order
/// within a group, so callers sort the items first (what matters first).
pub fn by_rule<'a, T>(
    items: &'a [T],
    report: impl Fn(&'a T) -> &'a FindingReport,
) -> Vec<RuleGroup<'a, T>> {
    let mut groups: Vec<RuleGroup<'a, T>> = Vec::new();
    for item in items {
        let f = report(item);
        match groups.iter_mut().find(|g| g.rule == f.rule) {
            Some(g) => {
                g.points += f.points;
                g.items.push(item);
            }
            None => groups.push(RuleGroup {
                rule: &f.rule,
                title: &f.title,
                severity: f.severity,
                points: f.points,
                items: vec![item],
            }),
        }
    }
    for g in &mut groups {
        let open = g
            .items
            .iter()
            .map(|i| report(i))
            .filter(|f| !f.suppressed());
        let all = g.items.iter().map(|i| report(i));
        g.severity = open
            .map(|f| f.severity)
            .max()
            .or_else(|| all.map(|f| f.severity).max())
            .unwrap_or(Severity::Info);
    }
    groups.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.points.total_cmp(&a.points))
            .then(a.rule.cmp(b.rule))
    });
    groups
}

/// The `--fail-on` decision, the same for every command: whether any
/// finding the user has not accepted is at least `min`.
pub fn fails<'a>(
    min: Option<Severity>,
    findings: impl IntoIterator<Item = &'a FindingReport>,
) -> bool {
    min.is_some_and(|min| {
        findings
            .into_iter()
            .any(|f| !f.suppressed() && f.severity >= min)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Hit, Subject};

    fn finding(rule: &'static str, severity: Severity, fp: &str) -> Finding {
        let catalogue = crate::rules::builtin().expect("catalogue");
        let mut f = catalogue
            .finding(
                &Subject::container("c", "id"),
                Hit::new(rule, "loc", "ev").severity(severity),
            )
            .expect("known rule");
        f.fingerprint = fp.into();
        f
    }

    #[test]
    fn suppressed_findings_leave_score_counts_and_fail_on() {
        let fs = [
            finding("container.privileged", Severity::Critical, "a"),
            finding("container.root-user", Severity::Low, "b"),
        ];
        let none = explain(&fs, &Suppressions::new());
        assert_eq!(none.score, 71);
        assert_eq!(none.counts.critical, 1);
        assert!(fails(Some(Severity::High), &none.findings));

        let mut accepted = Suppressions::new();
        accepted.insert("a".into(), ("lab VM".into(), None));
        let e = explain(&fs, &accepted);
        assert_eq!(e.score, 3);
        assert_eq!(e.counts.critical, 0);
        assert_eq!(e.findings[0].points, 0.0);
        assert_eq!(e.findings[0].suppressed_reason.as_deref(), Some("lab VM"));
        assert!(!fails(Some(Severity::High), &e.findings));
        assert!(fails(Some(Severity::Low), &e.findings));
        assert!(!fails(None, &e.findings));
    }
}
