//! Scans: the one lifecycle every kind of scan follows. A scan is `running`
//! in the store from the moment it starts ([`Store::begin`]), so a scan that
//! dies leaves a trace; it ends exactly once, as `complete` with everything
//! it found (one transaction: all of it lands or none does), `interrupted`
//! (stopped part-way: a cancel, a signal, an engine that went away) or
//! `failed` (could not record). A `running` scan whose process is gone is
//! marked interrupted at the next open.

use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;
use ts_rs::TS;

use super::error::{open_error, query_err};
use super::{Store, StoreError};
use crate::clock::now_rfc3339;
use crate::finding::{Finding, SeverityCounts, Subject};

/// Kinds of scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ScanKind {
    /// Images and containers with their settings.
    Inventory,
    /// One image's layers.
    Layers,
    /// Host posture.
    Host,
    /// Images left to rot: behind upstream, on an outdated base, unused.
    Stale,
    /// A project's Dockerfiles and compose files.
    Project,
}

impl ScanKind {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ScanKind::Inventory => "inventory",
            ScanKind::Layers => "layers",
            ScanKind::Host => "host",
            ScanKind::Stale => "stale",
            ScanKind::Project => "project",
        }
    }
}

impl FromStr for ScanKind {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "inventory" => ScanKind::Inventory,
            "layers" => ScanKind::Layers,
            "host" => ScanKind::Host,
            "stale" => ScanKind::Stale,
            "project" => ScanKind::Project,
            other => {
                return Err(StoreError::UnknownValue {
                    what: "scan kind",
                    value: other.to_string(),
                })
            }
        })
    }
}

/// How a scan ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ScanStatus {
    /// Still running (or its process died and no one has noticed yet).
    Running,
    /// Finished; its findings are recorded.
    Complete,
    /// Stopped before the end (engine went away, cancelled, process
    /// stopped); nothing of it recorded.
    Interrupted,
    /// Could not record its results.
    Failed,
}

impl ScanStatus {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ScanStatus::Running => "running",
            ScanStatus::Complete => "complete",
            ScanStatus::Interrupted => "interrupted",
            ScanStatus::Failed => "failed",
        }
    }
}

impl FromStr for ScanStatus {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "running" => ScanStatus::Running,
            "complete" => ScanStatus::Complete,
            "interrupted" => ScanStatus::Interrupted,
            "failed" => ScanStatus::Failed,
            other => {
                return Err(StoreError::UnknownValue {
                    what: "scan status",
                    value: other.to_string(),
                })
            }
        })
    }
}

/// One scan as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ScanRecord {
    /// Scan id.
    pub id: i64,
    /// What kind of scan.
    pub kind: ScanKind,
    /// Engine endpoint.
    pub engine: String,
    /// When it started (RFC 3339).
    pub started_at: String,
    /// When it ended.
    pub finished_at: Option<String>,
    /// How it ended.
    pub status: ScanStatus,
    /// Why it did not complete.
    pub error: Option<String>,
    /// What it covered: `all`, or the image a layer scan read.
    pub scope: String,
    /// Findings it saw, by severity.
    pub counts: SeverityCounts,
    /// Open, unsuppressed findings of every kind after it, by severity.
    pub open: SeverityCounts,
    /// Findings it saw first.
    pub new_count: i64,
    /// Findings it resolved.
    pub resolved_count: i64,
    /// Resolved findings it saw again.
    pub reopened_count: i64,
}

/// What finishing a scan recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanSummary {
    /// The scan id.
    pub scan_id: i64,
    /// Findings seen for the first time in this scan.
    pub new_findings: i64,
}

/// Counts from five severity columns (`{prefix}critical` … `{prefix}info`).
pub(super) fn counts_from(r: &SqliteRow, prefix: &str) -> Result<SeverityCounts, sqlx::Error> {
    let get = |name: &str| -> Result<u32, sqlx::Error> {
        let n: i64 = r.try_get(format!("{prefix}{name}").as_str())?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    };
    Ok(SeverityCounts {
        critical: get("critical")?,
        high: get("high")?,
        medium: get("medium")?,
        low: get("low")?,
        info: get("info")?,
    })
}

/// A `scan` row, typed.
pub(super) fn scan_record(r: &SqliteRow) -> Result<ScanRecord, StoreError> {
    let read = |error| StoreError::Query {
        operation: "reading a scan",
        error,
    };
    Ok(ScanRecord {
        id: r.try_get("id").map_err(read)?,
        kind: r.try_get::<String, _>("kind").map_err(read)?.parse()?,
        engine: r.try_get("engine").map_err(read)?,
        started_at: r.try_get("started_at").map_err(read)?,
        finished_at: r.try_get("finished_at").map_err(read)?,
        status: r.try_get::<String, _>("status").map_err(read)?.parse()?,
        error: r.try_get("error").map_err(read)?,
        scope: r.try_get("scope").map_err(read)?,
        counts: counts_from(r, "").map_err(read)?,
        open: counts_from(r, "open_").map_err(read)?,
        new_count: r.try_get("new_count").map_err(read)?,
        resolved_count: r.try_get("resolved_count").map_err(read)?,
        reopened_count: r.try_get("reopened_count").map_err(read)?,
    })
}

/// A scan under way. Every kind of scan records itself through this one
/// handle: [`Store::begin`], then exactly one of [`complete`](Self::complete),
/// [`interrupted`](Self::interrupted) or [`failed`](Self::failed). Dropped
/// without either (a panic, a kill), the row stays `running` until the next
/// open finds its process gone.
#[derive(Debug)]
#[must_use = "a scan must be completed, interrupted or failed"]
pub struct ScanRun {
    store: Store,
    id: i64,
}

impl Store {
    /// Records the start of a scan of `scope` (`all`, an image, `host`) on
    /// `engine`: it is `running` from now on.
    pub async fn begin(
        &self,
        kind: ScanKind,
        engine: &str,
        scope: &str,
    ) -> Result<ScanRun, StoreError> {
        let id = sqlx::query(
            "INSERT INTO scan (kind, engine, scope, started_at, status, pid) VALUES (?, ?, ?, ?, 'running', ?)",
        )
        .bind(kind.as_str())
        .bind(engine)
        .bind(scope)
        .bind(now_rfc3339())
        .bind(i64::from(std::process::id()))
        .execute(&self.pool)
        .await
        .map_err(query_err("starting a scan"))?
        .last_insert_rowid();
        Ok(ScanRun {
            store: self.clone(),
            id,
        })
    }

    /// Ends a running scan without results. Nothing it found is recorded;
    /// earlier scans are untouched. A scan already ended keeps its verdict.
    pub(super) async fn end_scan(
        &self,
        scan_id: i64,
        status: ScanStatus,
        error: &str,
    ) -> Result<(), StoreError> {
        let status = match status {
            ScanStatus::Failed => "failed",
            _ => "interrupted",
        };
        sqlx::query("UPDATE scan SET status = ?, error = ?, finished_at = ? WHERE id = ? AND status = 'running'")
            .bind(status)
            .bind(error)
            .bind(now_rfc3339())
            .bind(scan_id)
            .execute(&self.pool)
            .await
            .map_err(query_err("ending a scan"))?;
        Ok(())
    }

    /// Marks the scans this process is running in the database at `path`
    /// as interrupted, with `reason`, on a connection of its own (the
    /// process's pool may be mid-transaction): what a signal handler calls
    /// before the process exits. Does nothing when there is no database.
    pub async fn interrupt_scans_of_this_process(
        path: &std::path::Path,
        reason: &str,
    ) -> Result<u64, StoreError> {
        use sqlx::ConnectOptions;
        if !path.exists() {
            return Ok(0);
        }
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path)
            .busy_timeout(std::time::Duration::from_secs(5))
            .connect()
            .await
            .map_err(|error| open_error(path, error))?;
        let done = sqlx::query(
            "UPDATE scan SET status = 'interrupted', error = ?, finished_at = ? WHERE status = 'running' AND pid = ?",
        )
        .bind(reason)
        .bind(now_rfc3339())
        .bind(i64::from(std::process::id()))
        .execute(&mut conn)
        .await
        .map_err(query_err("marking scans interrupted"))?;
        Ok(done.rows_affected())
    }

    /// Marks every scan this process is running as interrupted, with
    /// `reason`.
    pub async fn interrupt_own_scans(&self, reason: &str) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE scan SET status = 'interrupted', error = ?, finished_at = ? WHERE status = 'running' AND pid = ?",
        )
        .bind(reason)
        .bind(now_rfc3339())
        .bind(i64::from(std::process::id()))
        .execute(&self.pool)
        .await
        .map_err(query_err("marking scans interrupted"))?;
        Ok(done.rows_affected())
    }

    /// Scans started at or after `since` (RFC 3339 or `YYYY-MM-DD`), newest
    /// first, at most `limit`.
    pub async fn history(
        &self,
        since: Option<&str>,
        limit: i64,
    ) -> Result<Vec<ScanRecord>, StoreError> {
        let since = since.map(super::parse_date).transpose()?;
        let rows = sqlx::query(
            "SELECT * FROM scan WHERE (?1 IS NULL OR started_at >= ?1) ORDER BY id DESC LIMIT ?2",
        )
        .bind(since)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(query_err("listing scans"))?;
        rows.iter().map(scan_record).collect()
    }

    /// The most recent scans, newest first.
    pub async fn scans(&self, limit: i64) -> Result<Vec<ScanRecord>, StoreError> {
        self.history(None, limit).await
    }

    /// One scan by id.
    pub async fn scan(&self, id: i64) -> Result<ScanRecord, StoreError> {
        let row = sqlx::query("SELECT * FROM scan WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(query_err("reading a scan"))?
            .ok_or_else(|| StoreError::NoSuchScan(format!("there is no scan {id}")))?;
        scan_record(&row)
    }
}

impl ScanRun {
    /// The scan's id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// Records everything the scan found and each subject's score, and
    /// marks it complete, in one transaction. If recording fails, the scan
    /// is marked failed with the reason (where the database still takes
    /// that write) and the error is returned.
    pub async fn complete(
        self,
        findings: &[Finding],
        scores: &[(Subject, u8)],
    ) -> Result<ScanSummary, StoreError> {
        self.complete_except(findings, scores, &[]).await
    }

    /// [`Self::complete`] for a scan that could not judge some (rule,
    /// subject key) pairs this time (a registry that did not answer): their
    /// open findings stay open instead of reading as resolved.
    pub async fn complete_except(
        self,
        findings: &[Finding],
        scores: &[(Subject, u8)],
        not_judged: &[(String, String)],
    ) -> Result<ScanSummary, StoreError> {
        match super::record::complete(&self.store, self.id, findings, scores, not_judged).await {
            Ok(summary) => Ok(summary),
            Err(e) => {
                // Keep the first error: it says why. Another scan's verdict
                // (ScanNotRunning) is not overwritten by end_scan either.
                let reason = e.to_string();
                if self
                    .store
                    .end_scan(self.id, ScanStatus::Failed, &reason)
                    .await
                    .is_err()
                {
                    // A full disk: the rolled-back transaction's pages still
                    // fill the WAL. Emptying it (its committed part goes to
                    // the main file first) makes room for this one row, so
                    // the reason is recorded rather than "process stopped".
                    let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                        .execute(&self.store.pool)
                        .await;
                    let _ = self
                        .store
                        .end_scan(self.id, ScanStatus::Failed, &reason)
                        .await;
                }
                Err(e)
            }
        }
    }

    /// Ends the scan as stopped part-way, with why. Nothing of it is kept.
    pub async fn interrupted(self, reason: &str) -> Result<(), StoreError> {
        self.store
            .end_scan(self.id, ScanStatus::Interrupted, reason)
            .await
    }

    /// Ends the scan as unable to run or record, with why.
    pub async fn failed(self, reason: &str) -> Result<(), StoreError> {
        self.store
            .end_scan(self.id, ScanStatus::Failed, reason)
            .await
    }
}
