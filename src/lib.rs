//! Dockward's core: everything the CLI and the desktop app share.
//!
//! Data flows one way: **engine → facts → rules → findings → store → shells**.
//! [`engine`] is the only module that speaks to Docker (through bollard) and it
//! hands out plain [`facts`] structs; [`rules`] and [`secrets`] are pure
//! functions from facts to [`finding::Finding`]s; [`store`] keeps scans and
//! findings in SQLite; [`report`] renders them. [`inventory`] wires one run
//! together. Nothing here depends on Tauri: the app in `src-tauri/` is a thin
//! shell over these modules, like the CLI in `src/main.rs`.
#![deny(missing_docs)]

pub mod clock;
pub mod engine;
pub mod explain;
pub mod facts;
pub mod finding;
pub mod host;
pub mod inventory;
pub mod layers;
pub mod report;
pub mod rules;
pub mod score;
pub mod secrets;
pub mod store;

pub use finding::{Finding, Severity, Subject, SubjectKind};
