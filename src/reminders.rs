//! Stale-image reminders without nagging: when the next check is due, and
//! what a notification says. A check runs at start and then at the cadence,
//! with a little jitter; a machine that slept through several checks runs
//! one on waking and counts the next from it (no burst). A notification
//! names only what is new since the last one — an image newly old, a tag
//! that moved, an image newly unused — never a snoozed or ignored image,
//! and nothing at all while quiet. Pure: the clock and the store's answers
//! come in.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::stale::{StaleOptions, StaleReport, Upstream};
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

fn images(n: usize) -> String {
    if n == 1 {
        "1 image is".into()
    } else {
        format!("{n} images are")
    }
}

/// What to tell the user after a check, if anything (see the module docs).
pub fn compose(
    report: &StaleReport,
    notified: &HashMap<String, String>,
    snoozes: &[Snooze],
    settings: &ReminderSettings,
) -> Option<Reminder> {
    if settings.quiet {
        return None;
    }
    let snoozed = |key: &str| snoozes.iter().any(|s| s.subject_key == key);
    let mut items = Vec::new();
    let mut old = 0;
    let mut moved = Vec::new();
    let mut bases = Vec::new();
    let mut unused = 0;
    let mut unused_bytes = 0i64;
    for img in report.images.iter().filter(|i| !snoozed(&i.key)) {
        let mut fresh = |key: String, said: String| {
            let new = notified.get(&key) != Some(&said);
            items.push((key, said));
            new
        };
        if img.old
            && fresh(
                format!("old:{}", img.id),
                format!("older than {} days", report.options.max_age_days),
            )
        {
            old += 1;
        }
        for f in &img.findings {
            if !fresh(f.fingerprint.clone(), f.evidence.clone()) {
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
    if parts.is_empty() {
        return None;
    }
    Some(Reminder {
        title: "Stale images".into(),
        body: format!("{}.", parts.join("; ")),
        items,
    })
}

#[cfg(test)]
mod tests;
