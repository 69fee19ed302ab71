//! `dockward history`, `diff` and `findings`: reading what was recorded.

use std::process::ExitCode;

use super::{catalogue, emit, open_store, print};
use crate::cli::{Db, ListFormat, TextFormat};
use dockward::report;
use dockward::store::{FindingFilter, FindingState};
use dockward::Severity;

pub async fn history(
    since: Option<String>,
    limit: i64,
    format: TextFormat,
    db: &Db,
) -> anyhow::Result<ExitCode> {
    let store = open_store(db).await?;
    let scans = store.history(since.as_deref(), limit).await?;
    emit(format, &scans, || report::history::history_table(&scans))
}

pub async fn diff(
    from: Option<i64>,
    to: Option<i64>,
    format: TextFormat,
    db: &Db,
) -> anyhow::Result<ExitCode> {
    let store = open_store(db).await?;
    let diff = store.diff(from, to).await?;
    emit(format, &diff, || report::history::diff_table(&diff))
}

pub async fn findings(
    state: Option<FindingState>,
    min_severity: Option<Severity>,
    format: ListFormat,
    db: &Db,
) -> anyhow::Result<ExitCode> {
    let store = open_store(db).await?;
    let rows = store
        .findings(&FindingFilter {
            state,
            min_severity,
        })
        .await?;
    match format {
        ListFormat::Table => print(&report::history::findings_table(&rows))?,
        ListFormat::Json => print(&(report::json(&rows)? + "\n"))?,
        ListFormat::Csv => print(&report::csv::findings(&rows)?)?,
        ListFormat::Sarif => print(&(report::sarif::findings(&rows, catalogue()?)? + "\n"))?,
    }
    Ok(ExitCode::SUCCESS)
}
