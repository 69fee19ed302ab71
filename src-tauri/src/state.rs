//! What the app's commands share: the database (opened on first use, so
//! that a bad path shows as an error in the window rather than a crash) and
//! the layer scans under way, so that the window can cancel them.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use dockward::layers::ScanControl;
use dockward::store::Store;
use tokio::sync::Mutex;

use crate::error::AppError;

/// Managed by Tauri; every command receives it.
pub struct AppState {
    db_path: Option<PathBuf>,
    store: Mutex<Option<Store>>,
    scans: std::sync::Mutex<HashMap<String, ScanControl>>,
    /// The tray and the reminder scheduler, once the app has started.
    pub companion: OnceLock<Arc<crate::reminder::Companion>>,
    /// The app, for what needs it (autostart), once started.
    pub app: OnceLock<tauri::AppHandle>,
}

impl AppState {
    /// The database at `DOCKWARD_DB`, else the default location.
    pub fn from_env() -> AppState {
        AppState {
            db_path: std::env::var_os("DOCKWARD_DB")
                .map(PathBuf::from)
                .or_else(Store::default_path),
            store: Mutex::new(None),
            scans: std::sync::Mutex::new(HashMap::new()),
            companion: OnceLock::new(),
            app: OnceLock::new(),
        }
    }

    /// The database, opened once.
    pub async fn store(&self) -> Result<Store, AppError> {
        let mut guard = self.store.lock().await;
        if let Some(s) = guard.as_ref() {
            return Ok(s.clone());
        }
        let path = self.db_path.clone().ok_or_else(|| AppError::Store {
            message: "no data folder for the database; set DOCKWARD_DB".into(),
        })?;
        let store = Store::open(&path).await?;
        *guard = Some(store.clone());
        Ok(store)
    }

    /// After a scan the window ran: the tray's dot and summary follow the
    /// store at once, not at the next stale check.
    pub async fn scanned(&self) {
        if let (Some(app), Some(c)) = (self.app.get(), self.companion.get()) {
            crate::reminder::refresh_tray(app, c).await;
        }
    }

    /// Registers (`Some`) or forgets (`None`) the running scan of `image`.
    pub fn running(&self, image: &str, control: Option<ScanControl>) {
        let mut scans = self.scans.lock().unwrap_or_else(|p| p.into_inner());
        match control {
            Some(c) => scans.insert(image.to_string(), c),
            None => scans.remove(image),
        };
    }

    /// Cancels the running scan of `image`; whether there was one.
    pub fn cancel(&self, image: &str) -> bool {
        let scans = self.scans.lock().unwrap_or_else(|p| p.into_inner());
        scans.get(image).map(ScanControl::cancel).is_some()
    }
}
