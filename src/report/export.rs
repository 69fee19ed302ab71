//! Writing a report file: what a report holds is read from the store
//! ([`report_data`]), rendered in the chosen format, and written through a
//! temporary file beside the target so a failure never leaves half a report.
//! The one module of `report` that does I/O.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::ReportError;
use crate::rules::Catalogue;
use crate::store::{FindingFilter, FindingRow, FindingState, Overview, Store, StoreError};

/// Everything a report holds: the overview and every finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ReportData {
    /// When it was made (RFC 3339).
    pub generated_at: String,
    /// Trend, since last scan, riskiest subjects.
    pub overview: Overview,
    /// Findings, most severe first (open and suppressed ones; resolved ones
    /// only in JSON and CSV, where their state says so).
    pub findings: Vec<FindingRow>,
}

/// The formats of `dockward report` and the window's export buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ReportFormat {
    /// One self-contained page: no scripts, no external assets.
    Html,
    /// [`ReportData`] as JSON.
    Json,
    /// SARIF 2.1.0 of every finding not resolved (suppressed ones marked).
    Sarif,
    /// Every finding, one row each.
    Csv,
}

impl ReportFormat {
    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Html => "html",
            ReportFormat::Json => "json",
            ReportFormat::Sarif => "sarif",
            ReportFormat::Csv => "csv",
        }
    }
}

/// Reads what a report holds from the store.
pub async fn report_data(store: &Store) -> Result<ReportData, StoreError> {
    Ok(ReportData {
        generated_at: crate::clock::now_rfc3339(),
        overview: store.overview(200).await?,
        findings: store.findings(&FindingFilter::default()).await?,
    })
}

/// Renders a report in `format`.
pub fn render(
    data: &ReportData,
    format: ReportFormat,
    catalogue: &Catalogue,
) -> Result<String, ReportError> {
    Ok(match format {
        ReportFormat::Html => super::html::render(data, catalogue),
        ReportFormat::Json => serde_json::to_string_pretty(data)?,
        ReportFormat::Csv => super::csv::findings(&data.findings)?,
        ReportFormat::Sarif => {
            let live: Vec<FindingRow> = data
                .findings
                .iter()
                .filter(|f| f.state != FindingState::Resolved)
                .cloned()
                .collect();
            super::sarif::findings(&live, catalogue)?
        }
    })
}

/// Writes `bytes` to `path` through a temporary file beside it, so a
/// failure never leaves a half-written report or clobbers the old one.
pub fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> Result<(), ReportError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let name = path.file_name().ok_or_else(|| ReportError::Write {
        path: path.display().to_string(),
        reason: "not a file name".into(),
    })?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes)
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            ReportError::Write {
                path: path.display().to_string(),
                reason: e.to_string(),
            }
        })
}
