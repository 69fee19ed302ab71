//! Findings over time: the state of every finding after each scan, diffs
//! between scans, suppressions, trend aggregates and retention.
//!
//! A finding is *open* while the latest scan that covered it saw it, and
//! *resolved* once a later covering scan did not. Which scans cover a
//! finding: scans of the kind that produces it (`finding.source`); a layer
//! scan covers only its own image; an inventory also resolves the findings
//! of images and containers that are gone. For display a finding is *new*
//! when the latest scan of its kind saw it first, *reopened* when that scan
//! saw it again after it was resolved, and *suppressed* while the user's
//! suppression lasts (an expired one shows the finding open again).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction};
use ts_rs::TS;

use super::{now_rfc3339, query_err, ScanKind, ScanRecord, ScanStatus, Store, StoreError};
use crate::finding::Severity;

/// Days of history kept when no retention is set.
pub const DEFAULT_RETENTION_DAYS: i64 = 365;

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
    /// `image`, `container` or `host`.
    pub subject_kind: String,
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

/// A finding in a diff: enough to say what it is and where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DiffFinding {
    /// Stable fingerprint.
    pub fingerprint: String,
    /// Catalogue rule id.
    pub rule: String,
    /// Rule title.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// `image`, `container` or `host`.
    pub subject_kind: String,
    /// Subject name.
    pub subject: String,
    /// Where in the subject.
    pub location: String,
}

/// What changed between two scans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ScanDiff {
    /// The earlier scan.
    pub from: i64,
    /// The later scan.
    pub to: i64,
    /// Findings open after `to` that were never seen up to `from`.
    pub new: Vec<DiffFinding>,
    /// Findings open after `from` and resolved after `to`.
    pub resolved: Vec<DiffFinding>,
    /// Findings resolved after `from` and open again after `to`.
    pub reopened: Vec<DiffFinding>,
}

/// Open findings after one scan, for the trend chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TrendPoint {
    /// Scan id.
    pub scan_id: i64,
    /// When it finished (RFC 3339).
    pub at: String,
    /// Open, unsuppressed findings by severity: critical, high, medium, low, info.
    pub open: [i64; 5],
}

/// A subject's score in the latest inventory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SubjectScore {
    /// `image` or `container`.
    pub kind: String,
    /// Name.
    pub name: String,
    /// 0–100.
    pub score: i64,
}

/// What the Overview page shows from history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Overview {
    /// Open findings after each complete scan, oldest first.
    pub trend: Vec<TrendPoint>,
    /// What the latest inventory changed against the one before it.
    pub since_last: Option<ScanDiff>,
    /// Riskiest subjects of the latest inventory.
    pub top_subjects: Vec<SubjectScore>,
}

/// What a retention cleanup removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CleanupReport {
    /// Days kept.
    pub retention_days: i64,
    /// Scans removed (with their sightings, events and scores).
    pub scans_removed: i64,
    /// Resolved findings removed.
    pub findings_removed: i64,
}

/// Updates finding states after scan `scan_id` recorded its sightings, logs
/// the events and stores the scan's aggregates. Runs inside the scan's
/// transaction. Returns how many findings it saw first.
pub(super) async fn apply_states(
    tx: &mut Transaction<'_, Sqlite>,
    scan_id: i64,
    kind: ScanKind,
    now: &str,
) -> Result<i64, StoreError> {
    let steps: [(&str, &'static str); 5] = [
        (
            "INSERT INTO finding_event (scan_id, fingerprint, event)
             SELECT ?1, fingerprint, 'new' FROM finding WHERE first_seen_scan = ?1",
            "recording new findings",
        ),
        (
            "INSERT INTO finding_event (scan_id, fingerprint, event)
             SELECT ?1, f.fingerprint, 'reopened' FROM finding f
             JOIN sighting s ON s.fingerprint = f.fingerprint AND s.scan_id = ?1
             WHERE f.state = 'resolved'",
            "recording reopened findings",
        ),
        (
            "UPDATE finding SET state = 'open', resolved_scan = NULL, reopened_scan = ?1
             WHERE fingerprint IN (SELECT fingerprint FROM finding_event WHERE scan_id = ?1 AND event = 'reopened')",
            "reopening findings",
        ),
        (
            // Open findings this scan covered and did not see.
            "INSERT INTO finding_event (scan_id, fingerprint, event)
             SELECT ?1, f.fingerprint, 'resolved' FROM finding f
             WHERE f.state = 'open'
               AND NOT EXISTS (SELECT 1 FROM sighting s WHERE s.scan_id = ?1 AND s.fingerprint = f.fingerprint)
               AND ((f.source = ?2
                     AND (?2 != 'layers' OR EXISTS (SELECT 1 FROM subject_score ss WHERE ss.scan_id = ?1
                          AND ss.subject_kind = f.subject_kind AND ss.subject_key = f.subject_key)))
                 OR (?2 = 'inventory' AND f.subject_kind IN ('image', 'container')
                     AND NOT EXISTS (SELECT 1 FROM subject_score ss WHERE ss.scan_id = ?1
                          AND ss.subject_kind = f.subject_kind AND ss.subject_key = f.subject_key)))",
            "resolving findings",
        ),
        (
            "UPDATE finding SET state = 'resolved', resolved_scan = ?1
             WHERE fingerprint IN (SELECT fingerprint FROM finding_event WHERE scan_id = ?1 AND event = 'resolved')",
            "marking findings resolved",
        ),
    ];
    for (sql, what) in steps {
        sqlx::query(sql)
            .bind(scan_id)
            .bind(kind.as_str())
            .execute(&mut **tx)
            .await
            .map_err(query_err(what))?;
    }
    let events: Vec<(String, i64)> = sqlx::query_as(
        "SELECT event, count(*) FROM finding_event WHERE scan_id = ? GROUP BY event",
    )
    .bind(scan_id)
    .fetch_all(&mut **tx)
    .await
    .map_err(query_err("counting events"))?;
    let event = |name: &str| {
        events
            .iter()
            .find(|(e, _)| e == name)
            .map_or(0, |(_, n)| *n)
    };
    let open = open_counts(&mut **tx, now).await?;
    sqlx::query(
        "UPDATE scan SET open_critical = ?, open_high = ?, open_medium = ?, open_low = ?, open_info = ?,
                new_count = ?, resolved_count = ?, reopened_count = ? WHERE id = ?",
    )
    .bind(open[0])
    .bind(open[1])
    .bind(open[2])
    .bind(open[3])
    .bind(open[4])
    .bind(event("new"))
    .bind(event("resolved"))
    .bind(event("reopened"))
    .bind(scan_id)
    .execute(&mut **tx)
    .await
    .map_err(query_err("storing scan aggregates"))?;
    Ok(event("new"))
}

/// Open, unsuppressed findings by severity, most severe first.
async fn open_counts<'e, E>(exec: E, now: &str) -> Result<[i64; 5], StoreError>
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
    let mut out = [0i64; 5];
    for (sev, n) in rows {
        if let Some(i) = Severity::ALL_DESC.iter().position(|s| s.as_str() == sev) {
            out[i] = n;
        }
    }
    Ok(out)
}

/// The stored title, or the catalogue's for findings recorded before titles
/// were stored (schema 1 and 2 databases).
fn title(rule: &str, stored: String) -> String {
    if !stored.is_empty() {
        return stored;
    }
    crate::rules::builtin()
        .ok()
        .and_then(|c| c.get(rule))
        .map(|m| m.title.clone())
        .unwrap_or(stored)
}

fn severity(s: &str) -> Severity {
    Severity::ALL_DESC
        .into_iter()
        .find(|v| v.as_str() == s)
        .unwrap_or(Severity::Info)
}

fn scan_record(r: &SqliteRow) -> ScanRecord {
    ScanRecord {
        id: r.get("id"),
        kind: r.get("kind"),
        engine: r.get("engine"),
        started_at: r.get("started_at"),
        finished_at: r.get("finished_at"),
        status: r
            .get::<String, _>("status")
            .parse()
            .unwrap_or(ScanStatus::Failed),
        error: r.get("error"),
        scope: r.get("scope"),
        counts: [
            r.get("critical"),
            r.get("high"),
            r.get("medium"),
            r.get("low"),
            r.get("info"),
        ],
        open: [
            r.get("open_critical"),
            r.get("open_high"),
            r.get("open_medium"),
            r.get("open_low"),
            r.get("open_info"),
        ],
        new_count: r.get("new_count"),
        resolved_count: r.get("resolved_count"),
        reopened_count: r.get("reopened_count"),
    }
}

/// Checks an RFC 3339 date or a plain `YYYY-MM-DD` (midnight UTC) and
/// returns it as RFC 3339 UTC.
pub fn parse_date(s: &str) -> Result<String, StoreError> {
    use time::format_description::well_known::Rfc3339;
    let t = if s.len() == 10 {
        format!("{s}T00:00:00Z")
    } else {
        s.to_string()
    };
    time::OffsetDateTime::parse(&t, &Rfc3339)
        .map_err(|_| {
            StoreError::Invalid(format!("{s} is not a date (use YYYY-MM-DD or RFC 3339)"))
        })?
        .to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .map_err(|e| StoreError::Invalid(e.to_string()))
}

impl Store {
    /// Scans started at or after `since` (RFC 3339 or `YYYY-MM-DD`), newest
    /// first, at most `limit`.
    pub async fn history(
        &self,
        since: Option<&str>,
        limit: i64,
    ) -> Result<Vec<ScanRecord>, StoreError> {
        let since = since.map(parse_date).transpose()?;
        let rows = sqlx::query(
            "SELECT * FROM scan WHERE (?1 IS NULL OR started_at >= ?1) ORDER BY id DESC LIMIT ?2",
        )
        .bind(since)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(query_err("listing scans"))?;
        Ok(rows.iter().map(scan_record).collect())
    }

    async fn complete_scan_record(&self, id: i64) -> Result<ScanRecord, StoreError> {
        let row = sqlx::query("SELECT * FROM scan WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(query_err("reading a scan"))?
            .ok_or_else(|| StoreError::NoSuchScan(format!("there is no scan {id}")))?;
        let rec = scan_record(&row);
        if rec.status != ScanStatus::Complete {
            return Err(StoreError::NoSuchScan(format!(
                "scan {id} did not complete ({}); compare complete scans",
                rec.status.as_str()
            )));
        }
        Ok(rec)
    }

    /// What changed between scans `from` and `to`. By default `to` is the
    /// latest complete scan and `from` the complete scan of the same kind
    /// and scope before it.
    pub async fn diff(&self, from: Option<i64>, to: Option<i64>) -> Result<ScanDiff, StoreError> {
        let to = match to {
            Some(id) => self.complete_scan_record(id).await?,
            None => {
                let row = sqlx::query(
                    "SELECT * FROM scan WHERE status = 'complete' AND (?1 IS NULL OR id > ?1) ORDER BY id DESC LIMIT 1",
                )
                .bind(from)
                .fetch_optional(&self.pool)
                .await
                .map_err(query_err("reading scans"))?
                .ok_or_else(|| StoreError::NoSuchScan("no complete scan yet".into()))?;
                scan_record(&row)
            }
        };
        let from = match from {
            Some(id) => self.complete_scan_record(id).await?.id,
            None => sqlx::query_scalar(
                "SELECT id FROM scan WHERE status = 'complete' AND kind = ? AND scope = ? AND id < ?
                 ORDER BY id DESC LIMIT 1",
            )
            .bind(&to.kind)
            .bind(&to.scope)
            .bind(to.id)
            .fetch_optional(&self.pool)
            .await
            .map_err(query_err("reading scans"))?
            .ok_or_else(|| {
                StoreError::NoSuchScan(format!(
                    "scan {} is the first complete {} scan of {}: nothing to compare it with",
                    to.id, to.kind, to.scope
                ))
            })?,
        };
        self.diff_between(from, to.id).await
    }

    async fn diff_between(&self, from: i64, to: i64) -> Result<ScanDiff, StoreError> {
        let (lo, hi) = (from.min(to), from.max(to));
        let rows = sqlx::query(
            "SELECT e.fingerprint, e.event, f.rule_id, f.title, f.severity, f.subject_kind, f.subject_name, f.location
             FROM finding_event e JOIN finding f ON f.fingerprint = e.fingerprint
             WHERE e.scan_id > ? AND e.scan_id <= ? ORDER BY e.scan_id",
        )
        .bind(lo)
        .bind(hi)
        .fetch_all(&self.pool)
        .await
        .map_err(query_err("reading changes"))?;
        // First and last event of each finding in the range decide its net change.
        let mut seen: HashMap<String, (String, String, DiffFinding)> = HashMap::new();
        let mut order = Vec::new();
        for r in rows {
            let fp: String = r.get("fingerprint");
            let event: String = r.get("event");
            match seen.get_mut(&fp) {
                Some(entry) => entry.1 = event,
                None => {
                    order.push(fp.clone());
                    let f = DiffFinding {
                        fingerprint: fp.clone(),
                        rule: r.get("rule_id"),
                        title: title(&r.get::<String, _>("rule_id"), r.get("title")),
                        severity: severity(&r.get::<String, _>("severity")),
                        subject_kind: r.get("subject_kind"),
                        subject: r.get("subject_name"),
                        location: r.get("location"),
                    };
                    seen.insert(fp, (event.clone(), event, f));
                }
            }
        }
        let mut diff = ScanDiff {
            from: lo,
            to: hi,
            new: vec![],
            resolved: vec![],
            reopened: vec![],
        };
        for fp in order {
            let Some((first, last, f)) = seen.remove(&fp) else {
                continue;
            };
            match (first.as_str(), last.as_str()) {
                ("new", "new" | "reopened") => diff.new.push(f),
                ("reopened", "new" | "reopened") => diff.reopened.push(f),
                ("reopened" | "resolved", "resolved") => diff.resolved.push(f),
                // Appeared and went within the range, or went and came back.
                _ => {}
            }
        }
        for list in [&mut diff.new, &mut diff.resolved, &mut diff.reopened] {
            list.sort_by(|a, b| {
                b.severity
                    .cmp(&a.severity)
                    .then_with(|| a.subject.cmp(&b.subject))
                    .then_with(|| a.rule.cmp(&b.rule))
            });
        }
        Ok(diff)
    }

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
        let mut out: Vec<FindingRow> = rows
            .iter()
            .map(|r| {
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
                } else if latest.is_some()
                    && r.get::<i64, _>("first_seen_scan") == latest.unwrap_or(-1)
                {
                    FindingState::New
                } else if latest.is_some() && r.get::<Option<i64>, _>("reopened_scan") == latest {
                    FindingState::Reopened
                } else {
                    FindingState::Open
                };
                FindingRow {
                    fingerprint: r.get("fingerprint"),
                    rule: r.get("rule_id"),
                    title: title(&r.get::<String, _>("rule_id"), r.get("title")),
                    severity: severity(&r.get::<String, _>("severity")),
                    subject_kind: r.get("subject_kind"),
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
                }
            })
            .filter(|f| match filter.state {
                None => true,
                Some(FindingState::Open) => matches!(
                    f.state,
                    FindingState::Open | FindingState::New | FindingState::Reopened
                ),
                Some(s) => f.state == s,
            })
            .filter(|f| filter.min_severity.is_none_or(|m| f.severity >= m))
            .collect();
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

    /// Suppresses a finding (by fingerprint or unique prefix) with a reason,
    /// until `until` (RFC 3339 or `YYYY-MM-DD`) or until lifted. Returns the
    /// full fingerprint. Suppressing again replaces reason and date.
    pub async fn suppress(
        &self,
        fingerprint: &str,
        reason: &str,
        until: Option<&str>,
    ) -> Result<String, StoreError> {
        if reason.trim().is_empty() {
            return Err(StoreError::Invalid(
                "a suppression needs a reason (--reason)".into(),
            ));
        }
        let until = until.map(parse_date).transpose()?;
        let now = now_rfc3339();
        if until.as_ref().is_some_and(|u| *u <= now) {
            return Err(StoreError::Invalid(
                "the suppression would already have expired".into(),
            ));
        }
        let fp = self.resolve_fingerprint(fingerprint).await?;
        sqlx::query("INSERT OR REPLACE INTO suppression (fingerprint, reason, until, created_at) VALUES (?, ?, ?, ?)")
            .bind(&fp)
            .bind(reason.trim())
            .bind(until)
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(query_err("suppressing a finding"))?;
        Ok(fp)
    }

    /// Suppressions in force now: fingerprint to (reason, until).
    pub async fn active_suppressions(
        &self,
    ) -> Result<HashMap<String, (String, Option<String>)>, StoreError> {
        let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT fingerprint, reason, until FROM suppression WHERE until IS NULL OR until > ?",
        )
        .bind(now_rfc3339())
        .fetch_all(&self.pool)
        .await
        .map_err(query_err("reading suppressions"))?;
        Ok(rows.into_iter().map(|(f, r, u)| (f, (r, u))).collect())
    }

    /// Lifts a suppression. Returns the full fingerprint, or an error when
    /// the finding was not suppressed.
    pub async fn unsuppress(&self, fingerprint: &str) -> Result<String, StoreError> {
        let fp = self.resolve_fingerprint(fingerprint).await?;
        let done = sqlx::query("DELETE FROM suppression WHERE fingerprint = ?")
            .bind(&fp)
            .execute(&self.pool)
            .await
            .map_err(query_err("lifting a suppression"))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Invalid(format!("{fp} is not suppressed")));
        }
        Ok(fp)
    }

    /// Open findings after each of the last `limit` complete scans, oldest first.
    pub async fn trend(&self, limit: i64) -> Result<Vec<TrendPoint>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, finished_at, open_critical, open_high, open_medium, open_low, open_info
             FROM scan WHERE status = 'complete' ORDER BY id DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(query_err("reading the trend"))?;
        let mut points: Vec<TrendPoint> = rows
            .iter()
            .map(|r| TrendPoint {
                scan_id: r.get("id"),
                at: r
                    .get::<Option<String>, _>("finished_at")
                    .unwrap_or_default(),
                open: [
                    r.get("open_critical"),
                    r.get("open_high"),
                    r.get("open_medium"),
                    r.get("open_low"),
                    r.get("open_info"),
                ],
            })
            .collect();
        points.reverse();
        Ok(points)
    }

    /// Riskiest subjects of the latest complete inventory.
    pub async fn top_subjects(&self, limit: i64) -> Result<Vec<SubjectScore>, StoreError> {
        let rows = sqlx::query(
            "SELECT subject_kind, subject_name, score FROM subject_score
             WHERE scan_id = (SELECT max(id) FROM scan WHERE kind = 'inventory' AND status = 'complete')
             ORDER BY score DESC, subject_name LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(query_err("reading scores"))?;
        Ok(rows
            .iter()
            .map(|r| SubjectScore {
                kind: r.get("subject_kind"),
                name: r.get("subject_name"),
                score: r.get("score"),
            })
            .collect())
    }

    /// Trend, since-last-inventory and top subjects in one call.
    pub async fn overview(&self, trend_points: i64) -> Result<Overview, StoreError> {
        let last_two: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM scan WHERE kind = 'inventory' AND status = 'complete' ORDER BY id DESC LIMIT 2",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(query_err("reading scans"))?;
        let since_last = match last_two.as_slice() {
            [to, from] => Some(self.diff_between(*from, *to).await?),
            _ => None,
        };
        Ok(Overview {
            trend: self.trend(trend_points).await?,
            since_last,
            top_subjects: self.top_subjects(10).await?,
        })
    }

    /// Sightings recorded (for benchmarks and diagnostics).
    pub async fn sighting_count(&self) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT count(*) FROM sighting")
            .fetch_one(&self.pool)
            .await
            .map_err(query_err("counting sightings"))
    }

    /// Days of history kept.
    pub async fn retention_days(&self) -> Result<i64, StoreError> {
        let v: Option<String> =
            sqlx::query_scalar("SELECT value FROM setting WHERE key = 'retention_days'")
                .fetch_optional(&self.pool)
                .await
                .map_err(query_err("reading settings"))?;
        Ok(v.and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_RETENTION_DAYS))
    }

    /// Sets the days of history kept (at least 1).
    pub async fn set_retention_days(&self, days: i64) -> Result<(), StoreError> {
        if days < 1 {
            return Err(StoreError::Invalid(
                "retention must be at least 1 day".into(),
            ));
        }
        sqlx::query("INSERT OR REPLACE INTO setting (key, value) VALUES ('retention_days', ?)")
            .bind(days.to_string())
            .execute(&self.pool)
            .await
            .map_err(query_err("writing settings"))?;
        Ok(())
    }

    /// Removes what is older than the retention: complete or dead scans that
    /// started before the cutoff (with their sightings, events and scores)
    /// and findings resolved before it. Scans that a kept finding refers to
    /// stay; running scans and suppressions are never touched. One transaction.
    pub async fn cleanup(&self, now: time::OffsetDateTime) -> Result<CleanupReport, StoreError> {
        use time::format_description::well_known::Rfc3339;
        let days = self.retention_days().await?;
        let cutoff = (now - time::Duration::days(days))
            .format(&Rfc3339)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(query_err("beginning a transaction"))?;
        let findings_removed = sqlx::query(
            "DELETE FROM finding WHERE state = 'resolved' AND last_seen_at < ?
               AND resolved_scan IN (SELECT id FROM scan WHERE started_at < ?)",
        )
        .bind(&cutoff)
        .bind(&cutoff)
        .execute(&mut *tx)
        .await
        .map_err(query_err("removing old findings"))?
        .rows_affected() as i64;
        let scans_removed = sqlx::query(
            "DELETE FROM scan WHERE started_at < ? AND status != 'running'
               AND id NOT IN (SELECT first_seen_scan FROM finding)
               AND id NOT IN (SELECT last_seen_scan FROM finding)
               AND id NOT IN (SELECT resolved_scan FROM finding WHERE resolved_scan IS NOT NULL)
               AND id NOT IN (SELECT reopened_scan FROM finding WHERE reopened_scan IS NOT NULL)",
        )
        .bind(&cutoff)
        .execute(&mut *tx)
        .await
        .map_err(query_err("removing old scans"))?
        .rows_affected() as i64;
        sqlx::query("INSERT OR REPLACE INTO setting (key, value) VALUES ('last_cleanup', ?)")
            .bind(now.format(&Rfc3339).unwrap_or_default())
            .execute(&mut *tx)
            .await
            .map_err(query_err("writing settings"))?;
        tx.commit()
            .await
            .map_err(query_err("committing a cleanup"))?;
        Ok(CleanupReport {
            retention_days: days,
            scans_removed,
            findings_removed,
        })
    }

    /// Runs [`cleanup`](Self::cleanup) when the last one is over a day old.
    pub async fn cleanup_if_due(&self) -> Result<Option<CleanupReport>, StoreError> {
        use time::format_description::well_known::Rfc3339;
        let now = time::OffsetDateTime::now_utc();
        let last: Option<String> =
            sqlx::query_scalar("SELECT value FROM setting WHERE key = 'last_cleanup'")
                .fetch_optional(&self.pool)
                .await
                .map_err(query_err("reading settings"))?;
        let due = last
            .and_then(|l| time::OffsetDateTime::parse(&l, &Rfc3339).ok())
            .is_none_or(|l| now - l > time::Duration::days(1));
        if due {
            Ok(Some(self.cleanup(now).await?))
        } else {
            Ok(None)
        }
    }
}
