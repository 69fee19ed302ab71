//! The store's history: overview, scans, diffs, findings, suppressions.

use dockward::store::{FindingFilter, FindingRow, FindingState, Overview, ScanDiff, ScanRecord};
use dockward::Severity;

use crate::error::AppError;
use crate::state::AppState;

pub async fn overview(state: &AppState) -> Result<Overview, AppError> {
    Ok(state.store().await?.overview(200).await?)
}

pub async fn history(state: &AppState, limit: Option<i64>) -> Result<Vec<ScanRecord>, AppError> {
    Ok(state
        .store()
        .await?
        .history(None, limit.unwrap_or(200))
        .await?)
}

pub async fn diff(state: &AppState, from: i64, to: i64) -> Result<ScanDiff, AppError> {
    Ok(state.store().await?.diff(Some(from), Some(to)).await?)
}

pub async fn findings(
    state: &AppState,
    finding_state: Option<FindingState>,
    min_severity: Option<Severity>,
) -> Result<Vec<FindingRow>, AppError> {
    let filter = FindingFilter {
        state: finding_state,
        min_severity,
    };
    Ok(state.store().await?.findings(&filter).await?)
}

pub async fn suppress(
    state: &AppState,
    fingerprint: String,
    reason: String,
    until: Option<String>,
) -> Result<String, AppError> {
    let until = until.filter(|u| !u.trim().is_empty());
    Ok(state
        .store()
        .await?
        .suppress(&fingerprint, &reason, until.as_deref())
        .await?)
}

pub async fn unsuppress(state: &AppState, fingerprint: String) -> Result<String, AppError> {
    Ok(state.store().await?.unsuppress(&fingerprint).await?)
}
