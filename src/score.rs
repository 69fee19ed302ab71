//! The risk score: one function, 0 (nothing found) to 100.
//!
//! Each *rule* that fired is an independent chance that the subject is
//! compromised, weighted by its worst finding's severity: critical 0.70,
//! high 0.25, medium 0.10, low 0.03, info 0. Repeats of one rule are not
//! independent chances (a thousand copies of one medium finding are one
//! problem in a thousand places), so each further finding of a rule adds
//! only a fraction of its weight, [`REPEAT`] times smaller than the one
//! before: a rule with findings of weights w₁ ≥ w₂ ≥ … counts as
//! `1 − (1 − w₁)·Π_{k≥2}(1 − w_k·REPEAT^{k−1})`. The score is the chance that
//! at least one rule bites: `100 × (1 − Π_rules(1 − w_rule))`, rounded. So
//! one critical finding alone gives 70 and two critical rules 91; nine
//! medium findings of one rule give 12, and no number of them reaches a
//! single critical; a hardened container with a low finding or two stays
//! under 10.
//!
//! The explanation splits the score among rules in proportion to
//! `−ln(1 − w_rule)`, each rule's share of the product, and a rule's points
//! among its findings by what each added, so the shares add up to the score.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::finding::{Finding, Severity};

/// The weight of one finding of this severity (see the module docs).
pub fn weight(severity: Severity) -> f64 {
    match severity {
        Severity::Critical => 0.70,
        Severity::High => 0.25,
        Severity::Medium => 0.10,
        Severity::Low => 0.03,
        Severity::Info => 0.0,
    }
}

/// One finding's part of a score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Share {
    /// The finding's fingerprint.
    pub fingerprint: String,
    /// Points of the score due to it; all shares add up to the score.
    pub points: f64,
}

/// A score and how it came about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Score {
    /// 0-100, higher is riskier.
    pub value: u8,
    /// Each finding's share, largest first.
    pub shares: Vec<Share>,
}

/// How much each further finding of one rule adds, relative to the one
/// before it (see the module docs).
pub const REPEAT: f64 = 0.2;

/// Scores a subject from its open findings.
pub fn score<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Score {
    // Per rule: its findings, heaviest first.
    let mut rules: std::collections::BTreeMap<&str, Vec<(&str, f64)>> = Default::default();
    for f in findings {
        rules
            .entry(f.rule.as_str())
            .or_default()
            .push((f.fingerprint.as_str(), weight(f.severity)));
    }
    // Each finding's −ln contribution within its rule; a rule's is their sum.
    let mut logs: Vec<(String, f64)> = Vec::new();
    for list in rules.values_mut() {
        list.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        let mut factor = 1.0;
        for (fingerprint, w) in list.iter() {
            logs.push((fingerprint.to_string(), -(1.0 - w * factor).ln()));
            factor *= REPEAT;
        }
    }
    let total: f64 = logs.iter().map(|(_, l)| l).sum();
    let exact = 100.0 * (1.0 - (-total).exp());
    let value = exact.round().clamp(0.0, 100.0) as u8;
    logs.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let shares = logs
        .into_iter()
        .map(|(fingerprint, l)| Share {
            fingerprint,
            points: if total > 0.0 {
                (f64::from(value) * l / total * 10.0).round() / 10.0
            } else {
                0.0
            },
        })
        .collect();
    Score { value, shares }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Subject, SubjectKind};

    /// A finding of its own rule.
    fn f(sev: Severity, n: usize) -> Finding {
        of_rule(&format!("r{sev}{n}"), sev, n)
    }

    fn of_rule(rule: &str, sev: Severity, n: usize) -> Finding {
        Finding {
            fingerprint: format!("{sev}-{n}"),
            rule: rule.into(),
            severity: sev,
            title: String::new(),
            subject: Subject {
                kind: SubjectKind::Container,
                key: "c".into(),
                name: "c".into(),
                id: "c".into(),
            },
            location: String::new(),
            evidence: String::new(),
            why: String::new(),
            fix: String::new(),
            references: vec![],
        }
    }

    #[test]
    fn nothing_scores_zero() {
        assert_eq!(score(&[]).value, 0);
        assert_eq!(score(&[f(Severity::Info, 0)]).value, 0);
    }

    #[test]
    fn one_critical_is_at_least_70() {
        assert_eq!(score(&[f(Severity::Critical, 0)]).value, 70);
        let many_low: Vec<_> = (0..5).map(|i| f(Severity::Low, i)).collect();
        let mut with_crit = many_low.clone();
        with_crit.push(f(Severity::Critical, 9));
        assert!(score(&with_crit).value >= 70);
        assert_eq!(
            score(&[f(Severity::Critical, 0), f(Severity::Critical, 1)]).value,
            91
        );
    }

    #[test]
    fn hardening_advice_alone_stays_low() {
        let lows = [
            f(Severity::Low, 0),
            f(Severity::Low, 1),
            f(Severity::Low, 2),
        ];
        assert!(score(&lows).value <= 10, "{}", score(&lows).value);
        let highs: Vec<_> = (0..3).map(|i| f(Severity::High, i)).collect();
        assert!(score(&highs).value < 70, "three highs are not a critical");
    }

    #[test]
    fn shares_add_up_and_order_by_weight() {
        let fs = [
            f(Severity::Low, 0),
            f(Severity::Critical, 1),
            f(Severity::Medium, 2),
        ];
        let s = score(&fs);
        let sum: f64 = s.shares.iter().map(|x| x.points).sum();
        assert!(
            (sum - f64::from(s.value)).abs() < 0.2,
            "{sum} vs {}",
            s.value
        );
        assert_eq!(s.shares[0].fingerprint, "critical-1");
        assert!(s.shares[0].points > s.shares[1].points && s.shares[1].points > s.shares[2].points);
    }

    #[test]
    fn repeats_of_one_rule_add_little_and_never_outrank_a_critical() {
        let nine: Vec<_> = (0..9)
            .map(|i| of_rule("generic", Severity::Medium, i))
            .collect();
        assert_eq!(score(&nine).value, 12);
        let thousand: Vec<_> = (0..1000)
            .map(|i| of_rule("generic", Severity::Medium, i))
            .collect();
        assert!(score(&thousand).value < score(&[f(Severity::Critical, 0)]).value);
        assert!(score(&thousand).value >= score(&[of_rule("generic", Severity::Medium, 0)]).value);
        // The worst finding of a rule sets its weight, whatever the order.
        let mixed = [
            of_rule("keys", Severity::Low, 0),
            of_rule("keys", Severity::Critical, 1),
        ];
        assert!(score(&mixed).value >= 70);
        let s = score(&thousand);
        let sum: f64 = s.shares.iter().map(|x| x.points).sum();
        assert!(
            (sum - f64::from(s.value)).abs() < 1.0,
            "{sum} vs {}",
            s.value
        );
    }

    #[test]
    fn score_never_exceeds_100() {
        let many: Vec<_> = (0..200).map(|i| f(Severity::Critical, i)).collect();
        assert_eq!(score(&many).value, 100);
    }
}
