//! Commands over the store (overview, scans, diffs, findings, suppressions,
//! report export) and the host check. Each is one call into the core.

use std::path::PathBuf;

use dockward::report::history::{self as report, ReportFormat};
use dockward::store::{FindingFilter, FindingRow, FindingState, Overview, ScanDiff, ScanRecord};
use dockward::Severity;

use crate::error::AppError;
use crate::AppState;

/// Trend, since-last-scan and riskiest subjects.
#[tauri::command]
pub async fn overview(state: tauri::State<'_, AppState>) -> Result<Overview, AppError> {
    let store = state.store().await?;
    store
        .overview(200)
        .await
        .map_err(|e| AppError::from_store(e, store.path()))
}

/// The latest scans, newest first.
#[tauri::command]
pub async fn history(
    limit: Option<i64>,
    state: tauri::State<'_, AppState>,
) -> Result<Vec<ScanRecord>, AppError> {
    let store = state.store().await?;
    store
        .history(None, limit.unwrap_or(200))
        .await
        .map_err(|e| AppError::from_store(e, store.path()))
}

/// What changed between two complete scans.
#[tauri::command]
pub async fn diff(
    from: i64,
    to: i64,
    state: tauri::State<'_, AppState>,
) -> Result<ScanDiff, AppError> {
    let store = state.store().await?;
    store
        .diff(Some(from), Some(to))
        .await
        .map_err(|e| AppError::from_store(e, store.path()))
}

/// Stored findings, optionally of one state and at least one severity.
#[tauri::command]
pub async fn findings(
    finding_state: Option<FindingState>,
    min_severity: Option<Severity>,
    state: tauri::State<'_, AppState>,
) -> Result<Vec<FindingRow>, AppError> {
    let store = state.store().await?;
    store
        .findings(&FindingFilter {
            state: finding_state,
            min_severity,
        })
        .await
        .map_err(|e| AppError::from_store(e, store.path()))
}

/// Suppresses a finding with a reason, until a date (YYYY-MM-DD) or lifted.
#[tauri::command]
pub async fn suppress(
    fingerprint: String,
    reason: String,
    until: Option<String>,
    state: tauri::State<'_, AppState>,
) -> Result<String, AppError> {
    let store = state.store().await?;
    let until = until.filter(|u| !u.trim().is_empty());
    store
        .suppress(&fingerprint, &reason, until.as_deref())
        .await
        .map_err(|e| AppError::from_store(e, store.path()))
}

/// Lifts a suppression.
#[tauri::command]
pub async fn unsuppress(
    fingerprint: String,
    state: tauri::State<'_, AppState>,
) -> Result<String, AppError> {
    let store = state.store().await?;
    store
        .unsuppress(&fingerprint)
        .await
        .map_err(|e| AppError::from_store(e, store.path()))
}

/// Writes a report to `path` (chosen in the save dialog) and returns it.
#[tauri::command]
pub async fn export_report(
    format: ReportFormat,
    path: PathBuf,
    state: tauri::State<'_, AppState>,
) -> Result<String, AppError> {
    let store = state.store().await?;
    let data = report::report_data(&store)
        .await
        .map_err(|e| AppError::from_store(e, store.path()))?;
    let text = report::render(&data, format).map_err(|e| AppError::Invalid {
        message: e.to_string(),
    })?;
    report::write_atomically(&path, text.as_bytes()).map_err(|e| AppError::Invalid {
        message: e.to_string(),
    })?;
    Ok(path.display().to_string())
}

/// Checks the host: Docker Desktop's settings, DOCKER_HOST, engine versions
/// and advisories, containers' mounts; records it as a host scan. Works
/// without an engine (settings only). Read-only towards engine and settings.
#[tauri::command]
pub async fn host_check(
    state: tauri::State<'_, AppState>,
) -> Result<dockward::host::HostReport, AppError> {
    let store = state.store().await?;
    let engine = dockward::engine::Engine::connect_default().await.ok();
    let env = dockward::host::settings::HostEnv::from_process();
    // As for the CLI's --settings: another settings file to read.
    let settings = std::env::var_os("DOCKWARD_DESKTOP_SETTINGS").map(std::path::PathBuf::from);
    dockward::host::run(&env, settings.as_deref(), engine.as_ref(), Some(&store))
        .await
        .map_err(|e| match e {
            dockward::host::HostError::Store(e) => AppError::from_store(e, store.path()),
            other => AppError::Internal {
                message: other.to_string(),
            },
        })
}
