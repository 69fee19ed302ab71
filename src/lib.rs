//! Dockward's core: everything the CLI and the desktop app share.
//!
//! Producers ([`rules`] on [`facts`] from the [`engine`], [`layers`]
//! analyzers, [`host`]) report [`finding::Hit`]s; the rule catalogue turns
//! them into [`finding::Finding`]s ([`rules::Catalogue::finding`]);
//! [`explain`] scores them for people; [`store`] records each scan through
//! one lifecycle; [`report`] renders. [`inventory`] wires one inventory run.
//! Nothing here depends on Tauri: the app in `src-tauri/` and the CLI in
//! `src/bin/dockward/` are thin shells over these modules. See
//! `ARCHITECTURE.md` for the map and the layering.
#![deny(missing_docs)]

pub mod ca;
pub mod certs;
pub mod clock;
pub mod compose;
pub mod edit;
pub mod engine;
pub mod explain;
pub mod facts;
pub mod finding;
pub mod host;
pub mod inventory;
pub mod layers;
pub mod project;
pub mod project_files;
pub mod reminders;
pub mod report;
pub mod rules;
pub mod score;
pub mod secrets;
pub mod stale;
pub mod store;

pub use finding::{Finding, Severity, Subject, SubjectKind};
