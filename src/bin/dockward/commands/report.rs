//! `dockward report` and `cleanup`.

use std::path::Path;
use std::process::ExitCode;

use super::{catalogue, emit, open_store};
use crate::cli::{Db, TextFormat};
use dockward::report::export::{self, ReportFormat};

pub async fn report(format: ReportFormat, out: &Path, db: &Db) -> anyhow::Result<ExitCode> {
    let store = open_store(db).await?;
    let data = export::report_data(&store).await?;
    let text = export::render(&data, format, catalogue()?)?;
    export::write_atomically(out, text.as_bytes())?;
    eprintln!(
        "wrote {}",
        dockward::report::terminal_safe(&out.display().to_string())
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn cleanup(
    retention_days: Option<i64>,
    format: TextFormat,
    db: &Db,
) -> anyhow::Result<ExitCode> {
    let store = open_store(db).await?;
    if let Some(days) = retention_days {
        store.set_retention_days(days).await?;
    }
    let r = store.cleanup(time::OffsetDateTime::now_utc()).await?;
    emit(format, &r, || {
        format!(
            "kept {} days: removed {} scans and {} resolved findings; suppressions kept\n",
            r.retention_days, r.scans_removed, r.findings_removed
        )
    })
}
