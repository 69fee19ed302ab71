//! The one error type that crosses IPC: a tagged value the UI can switch on.

use dockward::engine::{Attempt, EngineError};
use dockward::inventory::InventoryError;
use serde::Serialize;
use ts_rs::TS;

/// An error as the UI receives it: `{ kind, message, … }`.
#[derive(Debug, Clone, Serialize, TS, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum AppError {
    /// No engine answered: the UI shows what was tried and a retry button.
    #[error("{message}")]
    EngineUnreachable {
        /// The whole explanation.
        message: String,
        /// Each endpoint tried and why it failed.
        attempts: Vec<Attempt>,
    },
    /// The engine answered, then failed (went away mid-run, refused a request).
    #[error("{message}")]
    Engine {
        /// The explanation.
        message: String,
    },
    /// The database could not be opened or written.
    #[error("{message}")]
    Store {
        /// The explanation.
        message: String,
        /// The database file.
        path: String,
    },
    /// A layer scan could not run (image gone, engine stopped streaming).
    #[error("{message}")]
    Scan {
        /// The explanation.
        message: String,
    },
    /// A request the store refused: an unknown fingerprint, an empty
    /// reason, a date in the past, scans that cannot be compared.
    #[error("{message}")]
    Invalid {
        /// The explanation.
        message: String,
    },
    /// A defect in Dockward itself.
    #[error("{message}")]
    Internal {
        /// The explanation.
        message: String,
    },
}

impl From<EngineError> for AppError {
    fn from(e: EngineError) -> Self {
        let message = e.to_string();
        match e {
            EngineError::Unreachable { attempts } => {
                AppError::EngineUnreachable { message, attempts }
            }
            _ => AppError::Engine { message },
        }
    }
}

impl AppError {
    pub fn from_inventory(e: InventoryError, db: &str) -> AppError {
        match e {
            InventoryError::Engine(e) => e.into(),
            InventoryError::Store(e) => AppError::Store {
                message: e.to_string(),
                path: db.to_string(),
            },
            other => AppError::Internal {
                message: other.to_string(),
            },
        }
    }
}

impl AppError {
    /// A store error: the user's request (`Invalid`) or the database (`Store`).
    pub fn from_store(e: dockward::store::StoreError, path: &std::path::Path) -> AppError {
        use dockward::store::StoreError as S;
        match e {
            S::UnknownFingerprint(_)
            | S::AmbiguousFingerprint { .. }
            | S::NoSuchScan(_)
            | S::Invalid(_) => AppError::Invalid {
                message: e.to_string(),
            },
            other => AppError::Store {
                message: other.to_string(),
                path: path.display().to_string(),
            },
        }
    }
}
