//! Scheduling and notification wording with an injected clock.

use super::*;
use crate::explain::FindingReport;
use crate::stale::{StaleImage, StaleOptions, StaleReport, Upstream};

const HOUR: i64 = 3600;

#[test]
fn a_check_runs_at_start_then_at_the_cadence_and_once_after_a_long_sleep() {
    let s = ReminderSettings {
        jitter_minutes: 0,
        ..ReminderSettings::default()
    };
    assert!(due(None, 1_000, &s), "at start");
    let last = 1_000_000;
    assert!(!due(Some(last), last + 23 * HOUR, &s));
    assert!(due(Some(last), last + 24 * HOUR, &s));
    // Asleep for a week: one check on waking, and the next a day after it.
    let woke = last + 7 * 24 * HOUR;
    assert!(due(Some(last), woke, &s));
    assert!(!due(Some(woke), woke + HOUR, &s), "no burst after waking");
    assert_eq!(next_check(Some(woke), &s), Some(woke + 24 * HOUR));
}

#[test]
fn a_clock_set_back_gives_one_check_not_a_silence_or_a_burst() {
    let s = ReminderSettings {
        jitter_minutes: 0,
        ..ReminderSettings::default()
    };
    let last = 2_000_000_000;
    // Set back a year: due now, rather than in a year.
    let now = last - 365 * 24 * HOUR;
    assert!(due(Some(last), now, &s));
    // Once that check is recorded, the cadence runs from it.
    assert!(!due(Some(now), now + HOUR, &s));
    // A few minutes of drift back is not a clock change.
    assert!(!due(Some(last), last - 120, &s));
}

#[test]
fn jitter_stays_inside_its_window_and_does_not_move() {
    let s = ReminderSettings::default();
    for last in [0, 1, 1_799_999_999, 42_424_242] {
        let next = next_check(Some(last), &s).expect("next");
        let extra = next - last - 24 * HOUR;
        assert!((0..30 * 60).contains(&extra), "{extra}");
        assert_eq!(next_check(Some(last), &s), Some(next));
    }
}

fn finding(rule: &str, fp: &str, evidence: &str) -> FindingReport {
    FindingReport {
        fingerprint: fp.into(),
        rule: rule.into(),
        severity: crate::Severity::Low,
        title: String::new(),
        location: String::new(),
        evidence: evidence.into(),
        why: String::new(),
        fix: String::new(),
        references: vec![],
        points: 0.0,
        suppressed_reason: None,
        suppressed_until: None,
    }
}

fn report() -> StaleReport {
    let img =
        |name: &str, old: bool, findings: Vec<FindingReport>, upstream: Upstream| StaleImage {
            name: name.into(),
            key: name.into(),
            id: format!("sha256:{name}"),
            size: 300_000_000,
            age_days: Some(120),
            old,
            last_used_unix: None,
            upstream,
            base: None,
            findings,
        };
    StaleReport {
        generated_at: String::new(),
        options: StaleOptions::default(),
        scan_id: None,
        images: vec![
            img(
                "old-a",
                true,
                vec![],
                Upstream::NotChecked {
                    reason: String::new(),
                },
            ),
            img(
                "old-b",
                true,
                vec![],
                Upstream::NotChecked {
                    reason: String::new(),
                },
            ),
            img(
                "node:20",
                false,
                vec![finding("image.behind-upstream", "fp-node", "moved")],
                Upstream::Moved {
                    reference: "node:20".into(),
                    remote: "sha256:b".into(),
                },
            ),
            img(
                "junk",
                false,
                vec![finding("image.unused", "fp-junk", "last used 40 days ago")],
                Upstream::NotChecked {
                    reason: String::new(),
                },
            ),
        ],
    }
}

#[test]
fn a_notification_says_what_is_new_and_only_once() {
    let s = ReminderSettings::default();
    let first = compose(&report(), &HashMap::new(), &[], &s)
        .reminder
        .expect("something new");
    assert_eq!(
        first.body,
        "2 images are older than 90 days; `node:20` has a newer build upstream; 1 image is unused (300 MB to free)."
    );
    let notified: HashMap<String, String> = first.items.iter().cloned().collect();
    let again = compose(&report(), &notified, &[], &s);
    assert_eq!(again, Outcome::default(), "nothing new: no notification");
    // Days pass: the evidence's day counts change, the facts do not.
    let mut later = report();
    later.images[3].findings[0].evidence = "last used 70 days ago".into();
    assert_eq!(compose(&later, &notified, &[], &s), Outcome::default());
    // The tag moves again: that is news, and only that.
    let mut moved = report();
    moved.images[2].upstream = Upstream::Moved {
        reference: "node:20".into(),
        remote: "sha256:c".into(),
    };
    let news = compose(&moved, &notified, &[], &s)
        .reminder
        .expect("moved again");
    assert_eq!(news.body, "`node:20` has a newer build upstream.");
}

#[test]
fn a_condition_that_ends_is_forgotten_and_its_return_is_news() {
    let s = ReminderSettings::default();
    let first = compose(&report(), &HashMap::new(), &[], &s)
        .reminder
        .expect("new");
    let mut notified: HashMap<String, String> = first.items.iter().cloned().collect();
    // The unused image is used again: its record goes.
    let mut used = report();
    used.images[3].findings.clear();
    let out = compose(&used, &notified, &[], &s);
    assert_eq!(out.reminder, None);
    assert_eq!(out.forget, ["fp-junk"]);
    notified.remove("fp-junk");
    // Unused again weeks later: announced again.
    let back = compose(&report(), &notified, &[], &s)
        .reminder
        .expect("news");
    assert_eq!(back.body, "1 image is unused (300 MB to free).");
}

#[test]
fn a_snooze_silences_an_image_and_its_end_announces_it_again() {
    let s = ReminderSettings::default();
    let first = compose(&report(), &HashMap::new(), &[], &s)
        .reminder
        .expect("new");
    let mut notified: HashMap<String, String> = first.items.iter().cloned().collect();
    let snoozed = [Snooze {
        subject_key: "node:20".into(),
        until: Some("2099-01-01T00:00:00Z".into()),
    }];
    let during = compose(&report(), &notified, &snoozed, &s);
    assert_eq!(during.reminder, None);
    assert_eq!(during.forget, ["fp-node"]);
    notified.remove("fp-node");
    // The snooze is over (no longer in force) and the tag is still moved.
    let after = compose(&report(), &notified, &[], &s)
        .reminder
        .expect("news again");
    assert_eq!(after.body, "`node:20` has a newer build upstream.");
}

#[test]
fn suppressed_findings_and_an_unanswering_registry_stay_silent() {
    let s = ReminderSettings::default();
    let mut r = report();
    r.images[3].findings[0].suppressed_reason = Some("kept on purpose".into());
    let out = compose(&r, &HashMap::new(), &[], &s)
        .reminder
        .expect("rest");
    assert!(!out.body.contains("unused"), "{}", out.body);
    assert_eq!(stale_count(&r, &[]), 3, "old-a, old-b, node:20");
    // The registry does not answer: the moved tag's record is kept, so the
    // next answer is not announced as news.
    let notified: HashMap<String, String> = compose(&report(), &HashMap::new(), &[], &s)
        .reminder
        .expect("new")
        .items
        .into_iter()
        .collect();
    let mut offline = report();
    offline.images[2].findings.clear();
    offline.images[2].upstream = Upstream::Unknown {
        reference: "node:20".into(),
        reason: "connection refused".into(),
    };
    let out = compose(&offline, &notified, &[], &s);
    assert!(out.forget.is_empty(), "{:?}", out.forget);
    assert_eq!(stale_count(&offline, &[]), 3, "unknown alone is not stale");
}

#[test]
fn snoozed_and_ignored_images_and_quiet_mode_stay_silent() {
    let s = ReminderSettings::default();
    let snoozes = [
        Snooze {
            subject_key: "old-a".into(),
            until: Some("2099-01-01T00:00:00Z".into()),
        },
        Snooze {
            subject_key: "node:20".into(),
            until: None,
        },
    ];
    let r = compose(&report(), &HashMap::new(), &snoozes, &s)
        .reminder
        .expect("the rest");
    assert_eq!(
        r.body,
        "1 image is older than 90 days; 1 image is unused (300 MB to free)."
    );
    assert_eq!(stale_count(&report(), &snoozes), 2);
    let quiet = ReminderSettings { quiet: true, ..s };
    assert!(compose(&report(), &HashMap::new(), &[], &quiet)
        .reminder
        .is_none());
}
