//! The SQLite store: scans, findings by fingerprint, first and last seen,
//! and per-subject scores.
//!
//! Opening never destroys anything: a file that is not SQLite, or a SQLite
//! database that is not Dockward's, is an error and is left as it was.
//! The database runs in WAL mode with a busy timeout so the app and the CLI
//! can use it at once. A scan's results are written in one transaction when
//! it finishes; see the schema in `migrations/` for the rest of the model.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::Row;
use ts_rs::TS;

use crate::finding::{Finding, Severity, Subject};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The file exists and is not a SQLite database.
    #[error("{path} exists and is not a SQLite database; Dockward will not touch it (choose another path with --db)")]
    NotADatabase {
        /// The path.
        path: PathBuf,
    },
    /// A SQLite database that Dockward did not create.
    #[error("{path} is a SQLite database that Dockward did not create ({reason}); it was left unchanged (choose another path with --db)")]
    Foreign {
        /// The path.
        path: PathBuf,
        /// What gave it away.
        reason: String,
    },
    /// The file could not be read or its folder created.
    #[error("cannot use {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// SQLite refused to open the file.
    #[error("cannot open database {path}: {source}")]
    Open {
        /// The path.
        path: PathBuf,
        /// The SQLite error.
        source: sqlx::Error,
    },
    /// Migrating the schema failed (for example, a database from a newer Dockward).
    #[error("cannot migrate database {path}: {source}")]
    Migrate {
        /// The path.
        path: PathBuf,
        /// The migration error.
        source: sqlx::migrate::MigrateError,
    },
    /// No finding has this fingerprint (or prefix).
    #[error("no finding has the fingerprint {0} (see `dockward findings`)")]
    UnknownFingerprint(String),
    /// A fingerprint prefix matches several findings.
    #[error("{prefix} matches {count} findings; give more of the fingerprint")]
    AmbiguousFingerprint {
        /// What was given.
        prefix: String,
        /// How many matched.
        count: i64,
    },
    /// No complete scan with this id (or not enough scans for a default).
    #[error("{0}")]
    NoSuchScan(String),
    /// A value the store cannot accept (an empty reason, a bad date).
    #[error("{0}")]
    Invalid(String),
    /// A query failed.
    #[error("database error while {operation}: {source}")]
    Query {
        /// What we were doing.
        operation: &'static str,
        /// The SQLite error.
        source: sqlx::Error,
    },
}

fn query_err(operation: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |source| StoreError::Query { operation, source }
}

/// Kinds of scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ScanKind {
    /// Images and containers with their settings.
    Inventory,
    /// One image's layers.
    Layers,
    /// Host posture.
    Host,
}

impl FromStr for ScanKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "inventory" => ScanKind::Inventory,
            "layers" => ScanKind::Layers,
            "host" => ScanKind::Host,
            other => return Err(format!("unknown scan kind {other}")),
        })
    }
}

impl ScanKind {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ScanKind::Inventory => "inventory",
            ScanKind::Layers => "layers",
            ScanKind::Host => "host",
        }
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
    /// Stopped before the end (engine went away, process killed); nothing of it recorded.
    Interrupted,
    /// Could not run.
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
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "running" => ScanStatus::Running,
            "complete" => ScanStatus::Complete,
            "interrupted" => ScanStatus::Interrupted,
            "failed" => ScanStatus::Failed,
            other => return Err(format!("unknown scan status {other}")),
        })
    }
}

/// One scan as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ScanRecord {
    /// Scan id.
    pub id: i64,
    /// `inventory`, `layers` or `host`.
    pub kind: String,
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
    /// Findings it saw by severity, most severe first: critical, high, medium, low, info.
    pub counts: [i64; 5],
    /// Open, unsuppressed findings of every kind after it, by severity.
    pub open: [i64; 5],
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

/// One layer's cached results, as stored (see the `layer_walk` and
/// `layer_hits` tables). The layers module turns these into its own types.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerRecord {
    /// `sha256:` diffID.
    pub diff_id: String,
    /// The build step that made it.
    pub created_by: String,
    /// Uncompressed size.
    pub size: i64,
    /// Whiteouts, as JSON.
    pub whiteouts: String,
    /// Path hashes, 8 bytes each.
    pub paths: Vec<u8>,
    /// (analyzer id, version, hits as JSON) for each analyzer that ran.
    pub hits: Vec<(String, i64, String)>,
}

/// An open database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
}

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Whether process `pid` still runs. Where that cannot be known, assume it
/// does: a scan is then marked interrupted only by its own process or after
/// a day (see [`Store::open`]).
fn process_alive(pid: i64) -> bool {
    if cfg!(target_os = "linux") {
        Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true
    }
}

/// Refuses a SQLite database that Dockward did not create.
async fn refuse_foreign(pool: &SqlitePool, path: &Path) -> Result<(), StoreError> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(pool)
    .await
    .map_err(|source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    if !tables.is_empty() && !tables.iter().any(|t| t == "_sqlx_migrations") {
        return Err(StoreError::Foreign {
            path: path.to_path_buf(),
            reason: format!(
                "it has tables {} and no migration history",
                tables.join(", ")
            ),
        });
    }
    if tables.iter().any(|t| t == "_sqlx_migrations") && !tables.iter().any(|t| t == "scan") {
        return Err(StoreError::Foreign {
            path: path.to_path_buf(),
            reason: "its migration history is not Dockward's".into(),
        });
    }
    Ok(())
}

impl Store {
    /// The default database: `<data dir>/dockward/dockward.db`
    /// (`~/.local/share` on Linux, `~/Library/Application Support` on macOS,
    /// `%APPDATA%` on Windows).
    pub fn default_path() -> Option<PathBuf> {
        dirs::data_dir().map(|d| d.join("dockward").join("dockward.db"))
    }

    /// Opens (creating if missing) and migrates the database at `path`.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        let io = |source| StoreError::Io {
            path: path.to_path_buf(),
            source,
        };
        match std::fs::File::open(path) {
            Ok(mut f) => {
                use std::io::Read;
                let mut head = Vec::with_capacity(16);
                f.by_ref().take(16).read_to_end(&mut head).map_err(io)?;
                if !head.is_empty() && head.as_slice() != SQLITE_MAGIC.as_slice() {
                    return Err(StoreError::NotADatabase {
                        path: path.to_path_buf(),
                    });
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(io)?;
                }
            }
            Err(e) => return Err(io(e)),
        }
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        if path.exists() {
            // Look before touching: a read-only connection changes nothing,
            // whereas switching to WAL would rewrite a foreign file's header.
            let probe = SqliteConnectOptions::new().filename(path).read_only(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(probe)
                .await
                .map_err(open_err)?;
            let verdict = refuse_foreign(&pool, path).await;
            pool.close().await;
            verdict?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(open_err)?;
        let store = Store {
            pool,
            path: path.to_path_buf(),
        };
        MIGRATOR
            .run(&store.pool)
            .await
            .map_err(|source| StoreError::Migrate {
                path: path.to_path_buf(),
                source,
            })?;
        store.mark_dead_scans().await?;
        store.cleanup_if_due().await?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Marks `running` scans whose process is gone (or that began over a day
    /// ago) as interrupted.
    async fn mark_dead_scans(&self) -> Result<(), StoreError> {
        let rows = sqlx::query("SELECT id, pid, started_at FROM scan WHERE status = 'running'")
            .fetch_all(&self.pool)
            .await
            .map_err(query_err("looking for unfinished scans"))?;
        let day_ago = time::OffsetDateTime::now_utc().unix_timestamp() - 86_400;
        let me = i64::from(std::process::id());
        for row in rows {
            let id: i64 = row.get("id");
            let pid: i64 = row.get("pid");
            let started: String = row.get("started_at");
            let old = crate::engine::convert::parse_time(&started).is_some_and(|t| t < day_ago);
            if pid != me && (!process_alive(pid) || old) {
                self.end_scan(
                    id,
                    ScanStatus::Interrupted,
                    "the process running it stopped before it finished",
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Records the start of a scan; returns its id.
    pub async fn begin_scan(
        &self,
        kind: ScanKind,
        engine: &str,
        scope: &str,
    ) -> Result<i64, StoreError> {
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
        Ok(id)
    }

    /// Ends a scan without results (interrupted or failed). Nothing it found
    /// is recorded; earlier scans are untouched.
    pub async fn end_scan(
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

    /// Records everything a scan found and marks it complete, in one
    /// transaction: either all of it lands or none does.
    pub async fn complete_scan(
        &self,
        scan_id: i64,
        findings: &[Finding],
        scores: &[(Subject, u8)],
    ) -> Result<ScanSummary, StoreError> {
        let now = now_rfc3339();
        // Read before the transaction: its first statement must be a write,
        // or a concurrent writer turns it into an unretryable SQLITE_BUSY_SNAPSHOT.
        let kind: String = sqlx::query_scalar("SELECT kind FROM scan WHERE id = ?")
            .bind(scan_id)
            .fetch_one(&self.pool)
            .await
            .map_err(query_err("reading a scan"))?;
        let kind: ScanKind = kind.parse().map_err(|_| StoreError::Query {
            operation: "reading a scan",
            source: sqlx::Error::RowNotFound,
        })?;
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(query_err("beginning a transaction"))?;
        let mut counts = [0i64; 5];
        for f in findings {
            let i = Severity::ALL_DESC
                .iter()
                .position(|s| *s == f.severity)
                .unwrap_or(4);
            counts[i] += 1;
            sqlx::query(
                "INSERT INTO finding (fingerprint, rule_id, severity, subject_kind, subject_key, subject_name, subject_id, location, evidence, first_seen_scan, last_seen_scan, first_seen_at, last_seen_at, source, title)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (fingerprint) DO UPDATE SET
                   severity = excluded.severity, subject_name = excluded.subject_name,
                   subject_id = excluded.subject_id, evidence = excluded.evidence,
                   last_seen_scan = excluded.last_seen_scan, last_seen_at = excluded.last_seen_at,
                   title = excluded.title",
            )
            .bind(&f.fingerprint)
            .bind(&f.rule)
            .bind(f.severity.as_str())
            .bind(f.subject.kind.as_str())
            .bind(&f.subject.key)
            .bind(&f.subject.name)
            .bind(&f.subject.id)
            .bind(&f.location)
            .bind(&f.evidence)
            .bind(scan_id)
            .bind(scan_id)
            .bind(&now)
            .bind(&now)
            .bind(kind.as_str())
            .bind(&f.title)
            .execute(&mut *tx)
            .await
            .map_err(query_err("recording a finding"))?;
            sqlx::query("INSERT OR IGNORE INTO sighting (scan_id, fingerprint) VALUES (?, ?)")
                .bind(scan_id)
                .bind(&f.fingerprint)
                .execute(&mut *tx)
                .await
                .map_err(query_err("recording a sighting"))?;
        }
        for (subject, score) in scores {
            sqlx::query(
                "INSERT OR REPLACE INTO subject_score (scan_id, subject_kind, subject_key, subject_name, score) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(scan_id)
            .bind(subject.kind.as_str())
            .bind(&subject.key)
            .bind(&subject.name)
            .bind(i64::from(*score))
            .execute(&mut *tx)
            .await
            .map_err(query_err("recording a score"))?;
        }
        let updated = sqlx::query(
            "UPDATE scan SET status = 'complete', finished_at = ?, critical = ?, high = ?, medium = ?, low = ?, info = ?
             WHERE id = ? AND status = 'running'",
        )
        .bind(&now)
        .bind(counts[0])
        .bind(counts[1])
        .bind(counts[2])
        .bind(counts[3])
        .bind(counts[4])
        .bind(scan_id)
        .execute(&mut *tx)
        .await
        .map_err(query_err("completing a scan"))?;
        if updated.rows_affected() != 1 {
            // Someone marked it interrupted meanwhile: keep their verdict.
            tx.rollback().await.map_err(query_err("rolling back"))?;
            return Err(StoreError::Query {
                operation: "completing a scan",
                source: sqlx::Error::RowNotFound,
            });
        }
        let new_findings = history::apply_states(&mut tx, scan_id, kind, &now).await?;
        tx.commit().await.map_err(query_err("committing a scan"))?;
        Ok(ScanSummary {
            scan_id,
            new_findings,
        })
    }

    /// The most recent scans, newest first.
    pub async fn scans(&self, limit: i64) -> Result<Vec<ScanRecord>, StoreError> {
        self.history(None, limit).await
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

    /// When a finding was first seen (RFC 3339), if ever.
    pub async fn first_seen(&self, fingerprint: &str) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar("SELECT first_seen_at FROM finding WHERE fingerprint = ?")
            .bind(fingerprint)
            .fetch_optional(&self.pool)
            .await
            .map_err(query_err("reading a finding"))
    }

    /// diffIDs of every layer in the cache (to skip images never scanned
    /// without a query each).
    pub async fn cached_diff_ids(&self) -> Result<std::collections::HashSet<String>, StoreError> {
        let ids: Vec<String> = sqlx::query_scalar("SELECT diff_id FROM layer_walk")
            .fetch_all(&self.pool)
            .await
            .map_err(query_err("reading the layer cache"))?;
        Ok(ids.into_iter().collect())
    }

    /// Cached results for every layer in `diff_ids`, in that order, when each
    /// has rows for every analyzer at the given version; `None` otherwise
    /// (then the image must be read again).
    pub async fn layer_records(
        &self,
        diff_ids: &[String],
        analyzers: &[(&str, u32)],
    ) -> Result<Option<Vec<LayerRecord>>, StoreError> {
        let mut out = Vec::with_capacity(diff_ids.len());
        for diff_id in diff_ids {
            let Some(row) = sqlx::query(
                "SELECT created_by, size, whiteouts, paths FROM layer_walk WHERE diff_id = ?",
            )
            .bind(diff_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(query_err("reading the layer cache"))?
            else {
                return Ok(None);
            };
            let rows =
                sqlx::query("SELECT analyzer, version, hits FROM layer_hits WHERE diff_id = ?")
                    .bind(diff_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(query_err("reading the layer cache"))?;
            let hits: Vec<(String, i64, String)> = rows
                .into_iter()
                .map(|r| (r.get("analyzer"), r.get("version"), r.get("hits")))
                .collect();
            let complete = analyzers.iter().all(|(id, version)| {
                hits.iter()
                    .any(|(a, v, _)| a == id && *v == i64::from(*version))
            });
            if !complete {
                return Ok(None);
            }
            out.push(LayerRecord {
                diff_id: diff_id.clone(),
                created_by: row.get("created_by"),
                size: row.get("size"),
                whiteouts: row.get("whiteouts"),
                paths: row.get("paths"),
                hits,
            });
        }
        Ok(Some(out))
    }

    /// Stores layer results in one transaction, replacing older rows.
    pub async fn put_layer_records(&self, records: &[LayerRecord]) -> Result<(), StoreError> {
        let now = now_rfc3339();
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(query_err("beginning a transaction"))?;
        for r in records {
            sqlx::query(
                "INSERT INTO layer_walk (diff_id, created_by, size, whiteouts, paths, scanned_at) VALUES (?, ?, ?, ?, ?, ?)
                 ON CONFLICT (diff_id) DO UPDATE SET size = excluded.size, whiteouts = excluded.whiteouts,
                   paths = excluded.paths, scanned_at = excluded.scanned_at",
            )
            .bind(&r.diff_id)
            .bind(&r.created_by)
            .bind(r.size)
            .bind(&r.whiteouts)
            .bind(&r.paths)
            .bind(&now)
            .execute(&mut *tx)
            .await
            .map_err(query_err("caching a layer"))?;
            for (analyzer, version, hits) in &r.hits {
                sqlx::query("INSERT OR REPLACE INTO layer_hits (diff_id, analyzer, version, hits) VALUES (?, ?, ?, ?)")
                    .bind(&r.diff_id)
                    .bind(analyzer)
                    .bind(version)
                    .bind(hits)
                    .execute(&mut *tx)
                    .await
                    .map_err(query_err("caching layer results"))?;
            }
        }
        tx.commit()
            .await
            .map_err(query_err("committing the layer cache"))
    }

    /// Closes the pool, checkpointing the WAL.
    pub async fn close(self) {
        self.pool.close().await;
    }
}

mod history;
pub use history::{
    CleanupReport, DiffFinding, FindingFilter, FindingRow, FindingState, Overview, ScanDiff,
    SubjectScore, TrendPoint, DEFAULT_RETENTION_DAYS,
};

#[cfg(test)]
mod history_tests;
#[cfg(test)]
mod tests;
