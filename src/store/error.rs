//! The store's one error type.

use std::path::PathBuf;

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
    /// The database fails SQLite's integrity check: it is not written to.
    #[error("{path} is damaged ({detail}); Dockward will not write to it. Recover what it holds with `sqlite3 '{path}' .recover | sqlite3 '{path}.recovered'`, move the recovered file in its place, and run again (or choose another path with --db)")]
    Damaged {
        /// The path.
        path: PathBuf,
        /// What the check said first.
        detail: String,
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
    #[error("cannot open database {path}: {}", sqlite_words(.error))]
    Open {
        /// The path.
        path: PathBuf,
        /// The SQLite error (not a `#[source]`: the message says it once).
        error: sqlx::Error,
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
    /// The scan is no longer running: something else (a later open that
    /// found its process gone, a signal handler) ended it first, and its
    /// verdict stands.
    #[error("scan {0} was already ended (interrupted or failed) before it could complete")]
    ScanNotRunning(i64),
    /// A value the store cannot accept (an empty reason, a bad date).
    #[error("{0}")]
    Invalid(String),
    /// A row holds a value this build does not know (a newer Dockward wrote it).
    #[error("the database holds {what} `{value}`, which this version of Dockward does not know")]
    UnknownValue {
        /// Which column.
        what: &'static str,
        /// The value.
        value: String,
    },
    /// A query failed.
    #[error("database error while {operation}: {}", sqlite_words(.error))]
    Query {
        /// What we were doing.
        operation: &'static str,
        /// The SQLite error (not a `#[source]`: the message says it once).
        error: sqlx::Error,
    },
}

/// Maps a sqlx error to [`StoreError::Query`] naming what was being done.
pub(crate) fn query_err(operation: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |error| StoreError::Query { operation, error }
}

/// The error for a database that could not be opened: SQLite's "database
/// disk image is malformed" (code 11) is a damaged file, with the way to
/// recover it; anything else is an open error.
pub(crate) fn open_error(path: &std::path::Path, error: sqlx::Error) -> StoreError {
    let corrupt = error
        .as_database_error()
        .and_then(|d| d.code())
        .and_then(|c| c.parse::<i32>().ok())
        .is_some_and(|c| c & 0xff == 11);
    if corrupt {
        StoreError::Damaged {
            path: path.to_path_buf(),
            detail: sqlite_words(&error),
        }
    } else {
        StoreError::Open {
            path: path.to_path_buf(),
            error,
        }
    }
}

/// SQLite's error in plain words, once (sqlx repeats it down its chain),
/// with what to do where there is something to do.
pub(crate) fn sqlite_words(e: &sqlx::Error) -> String {
    let Some(db) = e.as_database_error() else {
        return e.to_string();
    };
    let code = db.code().and_then(|c| c.parse::<i32>().ok()).unwrap_or(0);
    let message = db.message();
    // Primary result codes are the low byte of extended ones.
    match code & 0xff {
        13 => "the database or disk is full (SQLite code 13): free space on the disk that holds the database, or choose another path with --db".to_owned(),
        10 => format!("{message} (SQLite code {code}): the disk may be full, failing or mounted read-only"),
        _ => format!("{message} (SQLite code {code})"),
    }
}
