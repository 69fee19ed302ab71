//! Findings as the store knows them, with their state for display: *new*
//! when the latest scan covering it saw it first, *reopened* when that scan
//! saw it again after it was resolved, *open*, *resolved*, and *suppressed*
//! while the user's suppression lasts (an expired one shows it open again).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sqlx::{Row, Sqlite};
use ts_rs::TS;

use super::error::query_err;
use super::{Store, StoreError};
use crate::clock::now_rfc3339;
use crate::finding::{Severity, SeverityCounts, SubjectKind};

/// A finding's state as shown to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum FindingState {
    /// First seen by the latest scan of its kind.
    New,
    /// Seen again by the latest scan of its kind after being resolved.
    Reopened,
    /// Still there.
    Open,
    /// Gone: a later scan covering it did not see it.
    Resolved,
    /// Accepted by the user, with a reason, until an optional date.
    Suppressed,
}

impl FindingState {
    /// The name used on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingState::New => "new",
            FindingState::Reopened => "reopened",
            FindingState::Open => "open",
            FindingState::Resolved => "resolved",
            FindingState::Suppressed => "suppressed",
        }
    }
}

impl std::str::FromStr for FindingState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "new" => FindingState::New,
            "reopened" => FindingState::Reopened,
            "open" => FindingState::Open,
            "resolved" => FindingState::Resolved,
            "suppressed" => FindingState::Suppressed,
            other => return Err(format!("unknown state {other}")),
        })
    }
}

/// One finding as the store knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FindingRow {
    /// Stable fingerprint.
    pub fingerprint: String,
    /// Catalogue rule id.
    pub rule: String,
    /// Rule title.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// What kind of subject it is about.
    pub subject_kind: SubjectKind,
    /// The image, container or host it is about.
    pub subject: String,
    /// Where in the subject.
    pub location: String,
    /// Redacted evidence (never a secret's value).
    pub evidence: String,
    /// State for display.
    pub state: FindingState,
    /// When first seen (RFC 3339).
    pub first_seen_at: String,
    /// When last seen (RFC 3339).
    pub last_seen_at: String,
    /// Why it is suppressed, while it is.
    pub suppressed_reason: Option<String>,
    /// Until when (RFC 3339), when the suppression has an end.
    pub suppressed_until: Option<String>,
}

/// Which findings to list.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    /// `Open` lists every unsuppressed open finding (new and reopened too);
    /// the others list only their own state. `None`: every finding.
    pub state: Option<FindingState>,
    /// Only findings at this severity or above.
    pub min_severity: Option<Severity>,
}

/// A stored severity or subject kind, typed.
pub(super) fn parse_severity(s: &str) -> Result<Severity, StoreError> {
    Severity::parse(s).ok_or_else(|| StoreError::UnknownValue {
        what: "severity",
        value: s.to_string(),
    })
}

pub(super) fn parse_subject_kind(s: &str) -> Result<SubjectKind, StoreError> {
    s.parse().map_err(|_| StoreError::UnknownValue {
        what: "subject kind",
        value: s.to_string(),
    })
}

/// Open, unsuppressed findings by severity.
pub(super) async fn open_counts<'e, E>(exec: E, now: &str) -> Result<SeverityCounts, StoreError>
where
    E: sqlx::Executor<'e, Database = Sqlite>,
{
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT f.severity, count(*) FROM finding f
         WHERE f.state = 'open' AND NOT EXISTS (SELECT 1 FROM suppression su
               WHERE su.fingerprint = f.fingerprint AND (su.until IS NULL OR su.until > ?))
         GROUP BY f.severity",
    )
    .bind(now)
    .fetch_all(exec)
    .await
    .map_err(query_err("counting open findings"))?;
    let mut out = SeverityCounts::default();
    for (sev, n) in rows {
        out.add(parse_severity(&sev)?, u32::try_from(n).unwrap_or(u32::MAX));
    }
    Ok(out)
}

impl Store {
    /// Findings matching `filter`, most severe first.
    pub async fn findings(&self, filter: &FindingFilter) -> Result<Vec<FindingRow>, StoreError> {
        let now = now_rfc3339();
        // The latest complete scan that covered each finding: per kind, and
        // per image for layer scans.
        let per_kind: HashMap<String, i64> = sqlx::query_as(
            "SELECT kind, max(id) FROM scan WHERE status = 'complete' GROUP BY kind",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(query_err("reading scans"))?
        .into_iter()
        .collect();
        let per_image: HashMap<String, i64> = sqlx::query_as(
            "SELECT ss.subject_key, max(ss.scan_id) FROM subject_score ss JOIN scan s ON s.id = ss.scan_id
             WHERE s.kind = 'layers' AND s.status = 'complete' GROUP BY ss.subject_key",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(query_err("reading scans"))?
        .into_iter()
        .collect();
        let rows = sqlx::query(
            "SELECT f.*, su.reason AS su_reason, su.until AS su_until FROM finding f
             LEFT JOIN suppression su ON su.fingerprint = f.fingerprint AND (su.until IS NULL OR su.until > ?)",
        )
        .bind(&now)
        .fetch_all(&self.pool)
        .await
        .map_err(query_err("listing findings"))?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let reason: Option<String> = r.get("su_reason");
            let source: String = r.get("source");
            let latest: Option<i64> = if source == "layers" {
                per_image.get(&r.get::<String, _>("subject_key")).copied()
            } else {
                per_kind.get(&source).copied()
            };
            let state = if reason.is_some() {
                FindingState::Suppressed
            } else if r.get::<String, _>("state") == "resolved" {
                FindingState::Resolved
            } else if latest.is_some_and(|l| r.get::<i64, _>("first_seen_scan") == l) {
                FindingState::New
            } else if latest.is_some() && r.get::<Option<i64>, _>("reopened_scan") == latest {
                FindingState::Reopened
            } else {
                FindingState::Open
            };
            let row = FindingRow {
                fingerprint: r.get("fingerprint"),
                rule: r.get("rule_id"),
                title: r.get("title"),
                severity: parse_severity(&r.get::<String, _>("severity"))?,
                subject_kind: parse_subject_kind(&r.get::<String, _>("subject_kind"))?,
                subject: r.get("subject_name"),
                location: r.get("location"),
                evidence: r.get("evidence"),
                state,
                first_seen_at: r.get("first_seen_at"),
                last_seen_at: r.get("last_seen_at"),
                suppressed_until: if reason.is_some() {
                    r.get("su_until")
                } else {
                    None
                },
                suppressed_reason: reason,
            };
            let wanted = match filter.state {
                None => true,
                Some(FindingState::Open) => matches!(
                    row.state,
                    FindingState::Open | FindingState::New | FindingState::Reopened
                ),
                Some(s) => row.state == s,
            };
            if wanted && filter.min_severity.is_none_or(|m| row.severity >= m) {
                out.push(row);
            }
        }
        out.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.subject.cmp(&b.subject))
                .then_with(|| a.rule.cmp(&b.rule))
                .then_with(|| a.location.cmp(&b.location))
        });
        Ok(out)
    }

    /// The full fingerprint for a fingerprint or a unique prefix of one.
    pub async fn resolve_fingerprint(&self, given: &str) -> Result<String, StoreError> {
        let given = given.trim().to_ascii_lowercase();
        if given.len() < 6 || !given.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(StoreError::UnknownFingerprint(given));
        }
        let matches: Vec<String> = sqlx::query_scalar(
            "SELECT fingerprint FROM finding WHERE fingerprint LIKE ? || '%' LIMIT 3",
        )
        .bind(&given)
        .fetch_all(&self.pool)
        .await
        .map_err(query_err("looking up a fingerprint"))?;
        match matches.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(StoreError::UnknownFingerprint(given)),
            many => Err(StoreError::AmbiguousFingerprint {
                prefix: given,
                count: many.len() as i64,
            }),
        }
    }

    /// Fingerprints a scan saw.
    pub async fn sightings(&self, scan_id: i64) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar(
            "SELECT fingerprint FROM sighting WHERE scan_id = ? ORDER BY fingerprint",
        )
        .bind(scan_id)
        .fetch_all(&self.pool)
        .await
        .map_err(query_err("listing sightings"))
    }

    /// Sightings recorded (for benchmarks and diagnostics).
    pub async fn sighting_count(&self) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT count(*) FROM sighting")
            .fetch_one(&self.pool)
            .await
            .map_err(query_err("counting sightings"))
    }

    /// When a finding was first seen (RFC 3339), if ever.
    pub async fn first_seen(&self, fingerprint: &str) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar("SELECT first_seen_at FROM finding WHERE fingerprint = ?")
            .bind(fingerprint)
            .fetch_optional(&self.pool)
            .await
            .map_err(query_err("reading a finding"))
    }
}
