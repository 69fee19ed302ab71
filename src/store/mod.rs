//! The SQLite store: scans, findings by fingerprint with their states over
//! time, suppressions, trends, retention and the per-layer cache.
//!
//! Opening never destroys anything: a file that is not SQLite, or a SQLite
//! database that is not Dockward's, is an error and is left as it was.
//! The database runs in WAL mode with a busy timeout so the app and the CLI
//! can use it at once. Every scan kind records itself through one lifecycle
//! ([`Store::begin`] → [`ScanRun`]); a completed scan's results are written
//! in one transaction. The store depends on nothing above it: it takes
//! [`Finding`](crate::finding::Finding)s and knows no rule, engine or analyzer.
//! See the schema in `migrations/` for the model.

mod diff;
mod edits;
mod error;
mod findings;
mod layer_cache;
mod record;
mod reminders;
mod retention;
mod scans;
mod suppressions;
mod trend;

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::Row;

pub use diff::{DiffFinding, ScanDiff};
pub use edits::{EditFile, EditRecord};
pub use error::StoreError;
use error::{open_error, query_err};
pub use findings::{FindingFilter, FindingRow, FindingState};
pub use layer_cache::LayerRecord;
pub use reminders::Snooze;
pub use retention::{CleanupReport, DEFAULT_RETENTION_DAYS};
pub use scans::{ScanKind, ScanRecord, ScanRun, ScanStatus, ScanSummary};
pub use suppressions::Suppressions;
pub use trend::{Overview, SubjectScore, TrendPoint};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Checks an RFC 3339 date or a plain `YYYY-MM-DD` (midnight UTC) and
/// returns it as RFC 3339 UTC.
pub fn parse_date(s: &str) -> Result<String, StoreError> {
    crate::clock::parse_date(s).ok_or_else(|| {
        StoreError::Invalid(format!("{s} is not a date (use YYYY-MM-DD or RFC 3339)"))
    })
}

/// An open database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
}

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

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
    .map_err(|error| open_error(path, error))?;
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

/// Above this size, the integrity check runs once a day (and before any
/// migration) rather than at every open: it reads every page.
const CHECK_EVERY_OPEN_BELOW: u64 = 64 << 20;

/// Refuses a database that fails `PRAGMA quick_check`, before anything is
/// written to it (a write to a damaged file can spread the damage). On a
/// read-only connection, so the check itself changes nothing.
async fn check_integrity(pool: &SqlitePool, path: &Path) -> Result<(), StoreError> {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if size >= CHECK_EVERY_OPEN_BELOW {
        // Recent enough, and no migration to run: the daily check stands.
        let last: Option<String> =
            sqlx::query_scalar("SELECT value FROM setting WHERE key = 'last_integrity_check'")
                .fetch_optional(pool)
                .await
                .ok()
                .flatten();
        let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
            .fetch_one(pool)
            .await
            .unwrap_or(0);
        let day_ago = time::OffsetDateTime::now_utc().unix_timestamp() - 86_400;
        let recent = last
            .as_deref()
            .and_then(crate::clock::parse_unix)
            .is_some_and(|t| t > day_ago);
        if recent && applied == MIGRATOR.iter().count() as i64 {
            return Ok(());
        }
    }
    let damaged = |detail: String| StoreError::Damaged {
        path: path.to_path_buf(),
        detail,
    };
    let rows: Vec<String> = sqlx::query_scalar("PRAGMA quick_check(3)")
        .fetch_all(pool)
        .await
        .map_err(|e| damaged(e.to_string()))?;
    match rows.as_slice() {
        [ok] if ok == "ok" => Ok(()),
        [] => Ok(()),
        problems => Err(damaged(problems.join("; "))),
    }
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
        let open_err = |error| open_error(path, error);
        if path.exists() {
            // Look before touching: a read-only connection changes nothing,
            // whereas switching to WAL would rewrite a foreign file's header.
            let probe = SqliteConnectOptions::new().filename(path).read_only(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(probe)
                .await
                .map_err(open_err)?;
            let verdict = match refuse_foreign(&pool, path).await {
                Ok(()) => check_integrity(&pool, path).await,
                Err(e) => Err(e),
            };
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
        // Only a large database skips the check at open, by this date; a
        // small one is checked every time and needs no write for it.
        if std::fs::metadata(path).is_ok_and(|m| m.len() >= CHECK_EVERY_OPEN_BELOW) {
            store
                .set_setting("last_integrity_check", &crate::clock::now_rfc3339())
                .await?;
        }
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
            let old = crate::clock::parse_unix(&started).is_some_and(|t| t < day_ago);
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

    /// Closes the pool, checkpointing the WAL.
    pub async fn close(self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod history_tests;
#[cfg(test)]
mod tests;
