//! The risk score: one function, 0 (nothing found) to 100.
//!
//! Each open finding is treated as an independent chance that the subject is
//! compromised, with a weight per severity: critical 0.70, high 0.25,
//! medium 0.10, low 0.03, info 0. The score is the chance that at least one
//! of them bites: `100 × (1 − Π(1 − wᵢ))`, rounded. So one critical finding
//! alone gives 70, two give 91; ten lows give 26; nothing reaches 100 by
//! accumulating trivia quickly, and a hardened container with only a low
//! finding or two stays under 10.
//!
//! The explanation splits the score among findings in proportion to
//! `−ln(1 − wᵢ)`, each finding's share of the product, so the shares add up
//! to the score and a critical finding visibly dominates.

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

/// Scores a subject from its open findings.
pub fn score<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Score {
    let mut logs: Vec<(String, f64)> = findings
        .into_iter()
        .map(|f| (f.fingerprint.clone(), -(1.0 - weight(f.severity)).ln()))
        .collect();
    let total: f64 = logs.iter().map(|(_, l)| l).sum();
    let exact = 100.0 * (1.0 - (-total).exp());
    let value = exact.round().clamp(0.0, 100.0) as u8;
    logs.sort_by(|a, b| b.1.total_cmp(&a.1));
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

    fn f(sev: Severity, n: usize) -> Finding {
        Finding {
            fingerprint: format!("{sev}-{n}"),
            rule: "r".into(),
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
    fn score_never_exceeds_100() {
        let many: Vec<_> = (0..200).map(|i| f(Severity::Critical, i)).collect();
        assert_eq!(score(&many).value, 100);
    }
}
