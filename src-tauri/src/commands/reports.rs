//! Report export to a file the user chose.

use std::path::Path;

use dockward::report::export::{self, ReportFormat};

use crate::error::AppError;
use crate::state::AppState;

pub async fn export_report(
    state: &AppState,
    format: ReportFormat,
    path: String,
) -> Result<String, AppError> {
    let store = state.store().await?;
    let catalogue = dockward::rules::builtin().map_err(|e| AppError::Internal {
        message: e.to_string(),
    })?;
    let data = export::report_data(&store).await?;
    let text = export::render(&data, format, catalogue)?;
    export::write_atomically(Path::new(&path), text.as_bytes())?;
    Ok(path)
}
