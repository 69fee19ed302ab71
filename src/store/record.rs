//! Recording a completed scan: its findings, sightings and scores in bulk,
//! then every finding's state, in one transaction.
//!
//! Rows go in set-based: the findings travel as one JSON array bound to one
//! statement (`json_each`), not one statement per finding, so recording an
//! inventory of a thousand findings costs a few statements, not thousands
//! of round trips to SQLite's thread.
//!
//! States: a finding is *open* while the latest scan that covered it saw it,
//! and *resolved* once a later covering scan did not. Which scans cover a
//! finding: scans of the kind that produces it (`finding.source`); a layer
//! scan covers only its own image; an inventory also resolves the findings
//! of images and containers that are gone.

use serde::Serialize;
use sqlx::{Sqlite, Transaction};

use super::error::query_err;
use super::scans::{ScanKind, ScanSummary};
use super::{Store, StoreError};
use crate::clock::now_rfc3339;
use crate::finding::{Finding, SeverityCounts, Subject};

/// One finding as the JSON row the insert reads (positional, to stay small).
#[derive(Serialize)]
struct FindingRow<'a>(
    &'a str, // fingerprint
    &'a str, // rule
    &'a str, // severity
    &'a str, // subject kind
    &'a str, // subject key
    &'a str, // subject name
    &'a str, // subject id
    &'a str, // location
    &'a str, // evidence
    &'a str, // title
);

#[derive(Serialize)]
struct ScoreRow<'a>(&'a str, &'a str, &'a str, u8);

fn json<T: Serialize>(rows: &[T]) -> Result<String, StoreError> {
    serde_json::to_string(rows).map_err(|e| StoreError::Invalid(format!("cannot encode rows: {e}")))
}

/// See [`super::ScanRun::complete`].
pub(super) async fn complete(
    store: &Store,
    scan_id: i64,
    findings: &[Finding],
    scores: &[(Subject, u8)],
    not_judged: &[(String, String)],
) -> Result<ScanSummary, StoreError> {
    let now = now_rfc3339();
    // Read before the transaction: its first statement must be a write,
    // or a concurrent writer turns it into an unretryable SQLITE_BUSY_SNAPSHOT.
    let kind: String = sqlx::query_scalar("SELECT kind FROM scan WHERE id = ?")
        .bind(scan_id)
        .fetch_optional(&store.pool)
        .await
        .map_err(query_err("reading a scan"))?
        .ok_or_else(|| StoreError::NoSuchScan(format!("there is no scan {scan_id}")))?;
    let kind: ScanKind = kind.parse()?;
    let finding_rows = json(
        &findings
            .iter()
            .map(|f| {
                FindingRow(
                    &f.fingerprint,
                    &f.rule,
                    f.severity.as_str(),
                    f.subject.kind.as_str(),
                    &f.subject.key,
                    &f.subject.name,
                    &f.subject.id,
                    &f.location,
                    &f.evidence,
                    &f.title,
                )
            })
            .collect::<Vec<_>>(),
    )?;
    let score_rows = json(
        &scores
            .iter()
            .map(|(s, score)| ScoreRow(s.kind.as_str(), &s.key, &s.name, *score))
            .collect::<Vec<_>>(),
    )?;
    let counts = SeverityCounts::count(findings.iter().map(|f| f.severity));

    let mut tx = store
        .pool
        .begin()
        .await
        .map_err(query_err("beginning a transaction"))?;
    let updated = sqlx::query(
        "UPDATE scan SET status = 'complete', finished_at = ?, critical = ?, high = ?, medium = ?, low = ?, info = ?
         WHERE id = ? AND status = 'running'",
    )
    .bind(&now)
    .bind(i64::from(counts.critical))
    .bind(i64::from(counts.high))
    .bind(i64::from(counts.medium))
    .bind(i64::from(counts.low))
    .bind(i64::from(counts.info))
    .bind(scan_id)
    .execute(&mut *tx)
    .await
    .map_err(query_err("completing a scan"))?;
    if updated.rows_affected() != 1 {
        // Someone marked it interrupted meanwhile: keep their verdict.
        tx.rollback().await.map_err(query_err("rolling back"))?;
        return Err(StoreError::ScanNotRunning(scan_id));
    }
    sqlx::query(
        "INSERT INTO finding (fingerprint, rule_id, severity, subject_kind, subject_key, subject_name,
                              subject_id, location, evidence, title,
                              first_seen_scan, last_seen_scan, first_seen_at, last_seen_at, source)
         SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5,
                value ->> 6, value ->> 7, value ->> 8, value ->> 9, ?1, ?1, ?2, ?2, ?3
         FROM json_each(?4) WHERE true
         ON CONFLICT (fingerprint) DO UPDATE SET
           severity = excluded.severity, subject_name = excluded.subject_name,
           subject_id = excluded.subject_id, evidence = excluded.evidence,
           last_seen_scan = excluded.last_seen_scan, last_seen_at = excluded.last_seen_at,
           title = excluded.title",
    )
    .bind(scan_id)
    .bind(&now)
    .bind(kind.as_str())
    .bind(&finding_rows)
    .execute(&mut *tx)
    .await
    .map_err(query_err("recording findings"))?;
    // The findings this scan saw are those the upsert just stamped with it:
    // read them back from the table rather than parse the rows again.
    sqlx::query(
        "INSERT OR IGNORE INTO sighting (scan_id, fingerprint)
         SELECT ?1, fingerprint FROM finding WHERE last_seen_scan = ?1",
    )
    .bind(scan_id)
    .execute(&mut *tx)
    .await
    .map_err(query_err("recording sightings"))?;
    sqlx::query(
        "INSERT OR REPLACE INTO subject_score (scan_id, subject_kind, subject_key, subject_name, score)
         SELECT ?1, value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?2)",
    )
    .bind(scan_id)
    .bind(&score_rows)
    .execute(&mut *tx)
    .await
    .map_err(query_err("recording scores"))?;
    let not_judged = json(not_judged)?;
    let new_findings = apply_states(&mut tx, scan_id, kind, &not_judged, &now).await?;
    tx.commit().await.map_err(query_err("committing a scan"))?;
    Ok(ScanSummary {
        scan_id,
        new_findings,
    })
}

/// Updates finding states after scan `scan_id` recorded its sightings, logs
/// the events and stores the scan's aggregates. Runs inside the scan's
/// transaction. Returns how many findings it saw first.
async fn apply_states(
    tx: &mut Transaction<'_, Sqlite>,
    scan_id: i64,
    kind: ScanKind,
    not_judged: &str,
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
            // Open findings this scan covered and did not see (and could
            // judge: `?3` lists the [rule, subject key] pairs it could not;
            // `?4` says there are none, so the common case skips the list).
            "INSERT INTO finding_event (scan_id, fingerprint, event)
             SELECT ?1, f.fingerprint, 'resolved' FROM finding f
             WHERE f.state = 'open'
               AND NOT EXISTS (SELECT 1 FROM sighting s WHERE s.scan_id = ?1 AND s.fingerprint = f.fingerprint)
               AND (?4 OR NOT EXISTS (SELECT 1 FROM json_each(?3) u
                               WHERE u.value ->> 0 = f.rule_id AND u.value ->> 1 = f.subject_key))
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
        // Every step takes the same parameters (SQLite lets a statement
        // leave some unused).
        sqlx::query(sql)
            .bind(scan_id)
            .bind(kind.as_str())
            .bind(not_judged)
            .bind(not_judged == "[]")
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
    let open = super::findings::open_counts(&mut **tx, now).await?;
    sqlx::query(
        "UPDATE scan SET open_critical = ?, open_high = ?, open_medium = ?, open_low = ?, open_info = ?,
                new_count = ?, resolved_count = ?, reopened_count = ? WHERE id = ?",
    )
    .bind(i64::from(open.critical))
    .bind(i64::from(open.high))
    .bind(i64::from(open.medium))
    .bind(i64::from(open.low))
    .bind(i64::from(open.info))
    .bind(event("new"))
    .bind(event("resolved"))
    .bind(event("reopened"))
    .bind(scan_id)
    .execute(&mut **tx)
    .await
    .map_err(query_err("storing scan aggregates"))?;
    Ok(event("new"))
}
