//! Dockward's desktop app: a thin Tauri shell. Every command calls the core
//! crate and returns its serialisable types; nothing here computes findings.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod error;
mod history;

use std::path::PathBuf;

use dockward::engine::Engine;
use dockward::inventory::{self, InventoryReport};
use std::collections::HashMap;

use dockward::layers::{self, ImageScan, Limits, ScanControl, ScanProgress};
use dockward::rules::{Policy, RuleMeta};
use dockward::store::Store;
use tokio::sync::Mutex;

use error::AppError;

/// Shared by commands: the database, opened on first use so that a bad
/// database path shows as an error in the window rather than a crash.
pub(crate) struct AppState {
    db_path: Option<PathBuf>,
    store: Mutex<Option<Store>>,
    /// Layer scans under way, by image name, so that the window can cancel them.
    scans: std::sync::Mutex<HashMap<String, ScanControl>>,
}

impl AppState {
    pub(crate) async fn store(&self) -> Result<Store, AppError> {
        let mut guard = self.store.lock().await;
        if let Some(s) = guard.as_ref() {
            return Ok(s.clone());
        }
        let path = self.db_path.clone().ok_or_else(|| AppError::Store {
            message: "no data folder for the database; set DOCKWARD_DB".into(),
            path: String::new(),
        })?;
        let store = Store::open(&path).await.map_err(|e| AppError::Store {
            message: e.to_string(),
            path: path.display().to_string(),
        })?;
        *guard = Some(store.clone());
        Ok(store)
    }

    /// Registers (`Some`) or forgets (`None`) the running scan of `image`.
    fn running(&self, image: &str, control: Option<ScanControl>) {
        let mut scans = self.scans.lock().unwrap_or_else(|p| p.into_inner());
        match control {
            Some(c) => scans.insert(image.to_string(), c),
            None => scans.remove(image),
        };
    }
}

/// Lists every image and container with findings and scores, and records the
/// run as a scan. Read-only towards the engine.
#[tauri::command]
async fn inventory(state: tauri::State<'_, AppState>) -> Result<InventoryReport, AppError> {
    let store = state.store().await?;
    let engine = Engine::connect_default().await?;
    let db = store.path().display().to_string();
    inventory::run(&engine, Some(&store), &Policy::now())
        .await
        .map_err(|e| AppError::from_inventory(e, &db))
}

/// Scans one image's layers (served from the layer cache when unchanged) and
/// records the scan. Progress (bytes, layer i/n) goes to `on_progress`;
/// `cancel_scan` stops it, and the scan is then recorded as interrupted.
/// Read-only towards the engine.
#[tauri::command]
async fn scan_image(
    image: String,
    on_progress: tauri::ipc::Channel<ScanProgress>,
    state: tauri::State<'_, AppState>,
) -> Result<ImageScan, AppError> {
    let store = state.store().await?;
    let engine = Engine::connect_default().await?;
    let control = ScanControl::new(&image, move |p| {
        // The window may have gone; the scan goes on regardless.
        let _ = on_progress.send(p);
    });
    state.running(&image, Some(control.clone()));
    let scanned =
        layers::scan_image(&engine, Some(&store), &image, &Limits::default(), &control).await;
    state.running(&image, None);
    let scan = scanned.map_err(|e| AppError::Scan {
        message: e.to_string(),
    })?;
    layers::record(&store, &engine.info().endpoint, &scan)
        .await
        .map_err(|e| AppError::Store {
            message: e.to_string(),
            path: store.path().display().to_string(),
        })?;
    Ok(scan)
}

/// Cancels the layer scan of `image`, if one is running. Returns whether one was.
#[tauri::command]
fn cancel_scan(image: String, state: tauri::State<'_, AppState>) -> bool {
    let scans = state.scans.lock().unwrap_or_else(|p| p.into_inner());
    match scans.get(&image) {
        Some(control) => {
            control.cancel();
            true
        }
        None => false,
    }
}

/// The rule catalogue, for the rules reference in the UI.
#[tauri::command]
fn rule_catalogue() -> Result<Vec<RuleMeta>, AppError> {
    dockward::rules::builtin()
        .map(|c| c.rules().to_vec())
        .map_err(|e| AppError::Internal {
            message: e.to_string(),
        })
}

fn main() {
    let db_path = std::env::var_os("DOCKWARD_DB")
        .map(PathBuf::from)
        .or_else(Store::default_path);
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(AppState {
            db_path,
            store: Mutex::new(None),
            scans: std::sync::Mutex::new(HashMap::new()),
        })
        .invoke_handler(tauri::generate_handler![
            inventory,
            scan_image,
            cancel_scan,
            rule_catalogue,
            history::overview,
            history::history,
            history::diff,
            history::findings,
            history::suppress,
            history::unsuppress,
            history::export_report,
            history::host_check
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("error: Dockward could not start its window: {e}");
        std::process::exit(1);
    }
}
