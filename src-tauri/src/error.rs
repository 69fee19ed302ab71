//! The one error type that crosses IPC: a tagged value the UI can switch
//! on, made from each core module's error by `From`.

use dockward::engine::{Attempt, EngineError};
use dockward::host::HostError;
use dockward::inventory::InventoryError;
use dockward::layers::LayerError;
use dockward::report::ReportError;
use dockward::store::StoreError;
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
        /// The explanation (it names the file where that matters).
        message: String,
    },
    /// A layer scan could not run (image gone, engine stopped streaming).
    #[error("{message}")]
    Scan {
        /// The explanation.
        message: String,
    },
    /// A request the core refused: an unknown fingerprint, an empty
    /// reason, a date in the past, scans that cannot be compared, a file
    /// that cannot be written.
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

impl From<StoreError> for AppError {
    /// The user's request (`Invalid`) or the database (`Store`).
    fn from(e: StoreError) -> Self {
        let message = e.to_string();
        match e {
            StoreError::UnknownFingerprint(_)
            | StoreError::AmbiguousFingerprint { .. }
            | StoreError::NoSuchScan(_)
            | StoreError::Invalid(_) => AppError::Invalid { message },
            _ => AppError::Store { message },
        }
    }
}

impl From<InventoryError> for AppError {
    fn from(e: InventoryError) -> Self {
        match e {
            InventoryError::Engine(e) => e.into(),
            InventoryError::Store(e) => e.into(),
            other => AppError::Internal {
                message: other.to_string(),
            },
        }
    }
}

impl From<LayerError> for AppError {
    fn from(e: LayerError) -> Self {
        match e {
            LayerError::Store(e) => e.into(),
            LayerError::Data(message) => AppError::Internal { message },
            other => AppError::Scan {
                message: other.to_string(),
            },
        }
    }
}

impl From<HostError> for AppError {
    fn from(e: HostError) -> Self {
        match e {
            HostError::Store(e) => e.into(),
            other => AppError::Internal {
                message: other.to_string(),
            },
        }
    }
}

impl From<ReportError> for AppError {
    fn from(e: ReportError) -> Self {
        AppError::Invalid {
            message: e.to_string(),
        }
    }
}
