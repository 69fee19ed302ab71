//! Stale-image reminders without nagging: when the next check is due, and
//! what a notification says. A check runs at start and then at the cadence,
//! with a little jitter; a machine that slept through several checks runs
//! one on waking and counts the next from it (no burst). A notification
//! names only what is new since the last one — an image newly old, a tag
//! that moved, an image newly unused — never a snoozed, ignored or
//! suppressed one, and nothing at all while quiet. What was announced is
//! remembered while it lasts: a condition that ends (or a snooze that
//! starts) is forgotten, so its return (or the snooze's end) is news again.
//! Pure: the clock and the store's answers come in.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::explain::FindingReport;
use crate::stale::{StaleImage, StaleOptions, StaleReport, Upstream};
use crate::store::{Snooze, Store, StoreError};

/// The reminder settings (the Settings page).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ReminderSettings {
    /// Hours between checks.
    pub cadence_hours: u32,
    /// Up to this many minutes added to each interval, so that machines
    /// started together do not all ask their registries at once.
    pub jitter_minutes: u32,
    /// No notifications at all (checks still run and are recorded).
    pub quiet: bool,
    /// Keep running in the tray when the window is closed.
    pub keep_in_tray: bool,
    /// Start at login.
    pub start_at_login: bool,
    /// What counts as stale.
    pub stale: StaleOptions,
}

impl Default for ReminderSettings {
    fn default() -> Self {
        ReminderSettings {
            cadence_hours: 24,
            jitter_minutes: 30,
            quiet: false,
            keep_in_tray: true,
            start_at_login: false,
            stale: StaleOptions::default(),
        }
    }
}

const SETTINGS_KEY: &str = "reminders";
const LAST_CHECK_KEY: &str = "reminders.last_check";

impl ReminderSettings {
    /// The stored settings, or the defaults (also for unreadable ones).
    pub async fn load(store: &Store) -> Result<ReminderSettings, StoreError> {
        Ok(store
            .setting(SETTINGS_KEY)
            .await?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default())
    }

    /// Stores the settings, after checking their ranges.
    pub async fn save(&self, store: &Store) -> Result<(), StoreError> {
        if !(1..=24 * 30).contains(&self.cadence_hours) {
            return Err(StoreError::Invalid(
                "the cadence is 1 hour to 30 days".into(),
            ));
        }
        if self.stale.max_age_days == 0 || self.stale.unused_days == 0 {
            return Err(StoreError::Invalid("thresholds are at least 1 day".into()));
        }
        let json = serde_json::to_string(self).map_err(|e| StoreError::Invalid(e.to_string()))?;
        store.set_setting(SETTINGS_KEY, &json).await
    }
}

/// When the last check ran (seconds since the epoch).
pub async fn last_check(store: &Store) -> Result<Option<i64>, StoreError> {
    Ok(store
        .setting(LAST_CHECK_KEY)
        .await?
        .and_then(|s| crate::clock::parse_unix(&s)))
}

/// Records that a check ran at `now` (RFC 3339).
pub async fn record_check(store: &Store, now: &str) -> Result<(), StoreError> {
    store.set_setting(LAST_CHECK_KEY, now).await
}

/// When the next check is due (seconds since the epoch): now when none has
/// run; else the last one plus the cadence and this interval's jitter. A
/// time in the past means "now", once.
pub fn next_check(last: Option<i64>, settings: &ReminderSettings) -> Option<i64> {
    let last = last?;
    let window = i64::from(settings.jitter_minutes) * 60;
    // The jitter is fixed per interval (derived from when it started), so
    // asking again does not move the time.
    let jitter = if window > 0 {
        (last.unsigned_abs().wrapping_mul(2_654_435_761) % window.unsigned_abs()) as i64
    } else {
        0
    };
    Some(last + i64::from(settings.cadence_hours) * 3600 + jitter)
}

/// Whether a check is due at `now`. A last check more than an hour in the
/// future means the clock was set back: waiting for it would stop the
/// reminders for as long, so one check runs now (and restarts the count).
pub fn due(last: Option<i64>, now: i64, settings: &ReminderSettings) -> bool {
    if last.is_some_and(|l| l > now + 3600) {
        return true;
    }
    next_check(last, settings).is_none_or(|t| t <= now)
}

/// A notification to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Reminder {
    /// Its title.
    pub title: String,
    /// Its text: what is new, in a sentence or two.
    pub body: String,
    /// What it covers (reminder key, what it says of it), to record once shown.
    pub items: Vec<(String, String)>,
}

/// What a check leads to: a notification, if anything is new, and the
/// records to drop because what they announced is over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The notification to show.
    pub reminder: Option<Reminder>,
    /// Reminder keys whose condition is gone (the image was pulled, used,
    /// removed), or whose image is snoozed or ignored: if it comes back,
    /// or the snooze ends, it is news again.
    pub forget: Vec<String>,
}

fn images(n: usize) -> String {
    if n == 1 {
        "1 image is".into()
    } else {
        format!("{n} images are")
    }
}

/// Rules whose answer depends on a registry (the image's own or its base's).
fn from_registry(said: &str) -> bool {
    said.starts_with("image.behind-upstream") || said.starts_with("image.outdated-base")
}

/// What a reminder says of a finding, in a form that stays the same while
/// the condition does: the new build's digest, the base's name, not the
/// day counts in the evidence (which change every day and are not news).
fn statement(img: &StaleImage, f: &FindingReport) -> String {
    match f.rule.as_str() {
        "image.behind-upstream" => match &img.upstream {
            Upstream::Moved { remote, .. } => format!("{} {remote}", f.rule),
            _ => format!("{} {}", f.rule, f.evidence),
        },
        "image.outdated-base" => {
            format!("{} {}", f.rule, img.base.as_deref().unwrap_or("?"))
        }
        "image.unused" => f.rule.clone(),
        _ => format!("{} {}", f.rule, f.evidence),
    }
}

/// Images the Stale page and the tray count: stale by a finding or by age,
/// not snoozed or ignored, not only "the registry did not answer".
pub fn stale_count(report: &StaleReport, snoozes: &[Snooze]) -> usize {
    report
        .images
        .iter()
        .filter(|i| !snoozes.iter().any(|s| s.subject_key == i.key))
        .filter(|i| {
            i.old
                || i.findings
                    .iter()
                    .any(|f| f.suppressed_reason.is_none() && f.rule != "image.stale")
        })
        .count()
}

/// What to tell the user after a check, if anything, and what to forget
/// (see the module docs). `notified` is what earlier notifications said.
pub fn compose(
    report: &StaleReport,
    notified: &HashMap<String, String>,
    snoozes: &[Snooze],
    settings: &ReminderSettings,
) -> Outcome {
    let snoozed = |key: &str| snoozes.iter().any(|s| s.subject_key == key);
    let mut items: Vec<(String, String)> = Vec::new();
    let mut old = 0;
    let mut moved = Vec::new();
    let mut bases = Vec::new();
    let mut unused = 0;
    let mut unused_bytes = 0i64;
    for img in report.images.iter().filter(|i| !snoozed(&i.key)) {
        let suppressed_stale = img
            .findings
            .iter()
            .any(|f| f.rule == "image.stale" && f.suppressed_reason.is_some());
        let mut fresh = |key: String, said: String| {
            let new = notified.get(&key) != Some(&said);
            items.push((key, said));
            new
        };
        if img.old
            && !suppressed_stale
            && fresh(
                format!("old:{}", img.id),
                format!("older than {} days", report.options.max_age_days),
            )
        {
            old += 1;
        }
        for f in img
            .findings
            .iter()
            .filter(|f| f.rule != "image.stale" && f.suppressed_reason.is_none())
        {
            if !fresh(f.fingerprint.clone(), statement(img, f)) {
                continue;
            }
            match f.rule.as_str() {
                "image.behind-upstream" => {
                    if let Upstream::Moved { reference, .. } = &img.upstream {
                        moved.push(reference.clone());
                    }
                }
                "image.outdated-base" => bases.push(img.name.clone()),
                "image.unused" => {
                    unused += 1;
                    unused_bytes += img.size;
                }
                _ => {}
            }
        }
    }
    // A registry that did not answer this time says nothing about whether
    // a moved tag is still moved: keep those records until it answers.
    let registry_incomplete = !report.options.check_upstream
        || report
            .images
            .iter()
            .any(|i| matches!(i.upstream, Upstream::Unknown { .. }));
    let forget = notified
        .iter()
        .filter(|(key, said)| {
            let current = items.iter().any(|(k, _)| k == *key);
            let unanswered = registry_incomplete && from_registry(said);
            !current && !unanswered
        })
        .map(|(key, _)| key.clone())
        .collect();
    let mut parts = Vec::new();
    if old > 0 {
        parts.push(format!(
            "{} older than {} days",
            images(old),
            report.options.max_age_days
        ));
    }
    match moved.as_slice() {
        [] => {}
        [one] => parts.push(format!("`{one}` has a newer build upstream")),
        [one, rest @ ..] => parts.push(format!(
            "`{one}` and {} more have newer builds upstream",
            rest.len()
        )),
    }
    if !bases.is_empty() {
        parts.push(format!("{} built on an outdated base", images(bases.len())));
    }
    if unused > 0 {
        parts.push(format!(
            "{} unused ({:.0} MB to free)",
            images(unused),
            unused_bytes as f64 / 1e6
        ));
    }
    let reminder = (!parts.is_empty() && !settings.quiet).then(|| Reminder {
        title: "Stale images".into(),
        body: format!("{}.", parts.join("; ")),
        items,
    });
    Outcome { reminder, forget }
}

#[cfg(test)]
mod tests;
