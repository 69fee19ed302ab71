//! Layer scans with progress and cancel.

use dockward::engine::Engine;
use dockward::layers::{self, ImageScan, Limits, ScanControl, ScanProgress};
use tauri::ipc::Channel;

use crate::error::AppError;
use crate::state::AppState;

pub async fn scan_image(
    state: &AppState,
    image: String,
    on_progress: Channel<ScanProgress>,
) -> Result<ImageScan, AppError> {
    let store = state.store().await?;
    let engine = Engine::connect_default().await?;
    let control = ScanControl::new(&image, move |p| {
        // The window may have gone; the scan goes on regardless.
        let _ = on_progress.send(p);
    });
    state.running(&image, Some(control.clone()));
    let scanned =
        layers::scan_and_record(&engine, Some(&store), &image, &Limits::default(), &control).await;
    state.running(&image, None);
    let scanned = scanned?;
    state.scanned().await;
    Ok(scanned)
}

pub async fn cancel_scan(state: &AppState, image: String) -> Result<bool, AppError> {
    Ok(state.cancel(&image))
}
