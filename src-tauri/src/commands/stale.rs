//! Stale images and the reminder settings.

use dockward::engine::Engine;
use dockward::reminders::ReminderSettings;
use dockward::stale::StaleReport;
use dockward::store::Snooze;
use tauri_plugin_autostart::ManagerExt;

use crate::error::AppError;
use crate::reminder::TrayState;
use crate::state::AppState;

pub async fn stale_check(state: &AppState) -> Result<StaleReport, AppError> {
    let store = state.store().await?;
    let settings = ReminderSettings::load(&store).await?;
    let engine = Engine::connect_default().await?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    dockward::stale::run(&engine, Some(&store), &settings.stale, now)
        .await
        .map_err(|e| match e {
            dockward::stale::StaleError::Engine(e) => e.into(),
            dockward::stale::StaleError::Store(e) => e.into(),
            other => AppError::Internal {
                message: other.to_string(),
            },
        })
}

pub async fn reminder_settings(state: &AppState) -> Result<ReminderSettings, AppError> {
    Ok(ReminderSettings::load(&state.store().await?).await?)
}

pub async fn save_reminder_settings(
    state: &AppState,
    settings: ReminderSettings,
) -> Result<ReminderSettings, AppError> {
    let store = state.store().await?;
    settings.save(&store).await?;
    if let Some(app) = state.app.get() {
        let launcher = app.autolaunch();
        let result = if settings.start_at_login {
            launcher.enable()
        } else {
            launcher.disable()
        };
        result.map_err(|e| AppError::Invalid {
            message: format!("start at login could not be changed: {e}"),
        })?;
    }
    if let Some(c) = state.companion.get() {
        c.follow(&settings);
    }
    Ok(settings)
}

pub async fn snooze_image(
    state: &AppState,
    key: String,
    days: Option<u32>,
) -> Result<Vec<Snooze>, AppError> {
    let store = state.store().await?;
    let until = days.map(|d| {
        let t = time::OffsetDateTime::now_utc() + time::Duration::days(i64::from(d));
        dockward::clock::rfc3339(t)
    });
    store.snooze(&key, until.as_deref()).await?;
    Ok(store.snoozes(&dockward::clock::now_rfc3339()).await?)
}

pub async fn unsnooze_image(state: &AppState, key: String) -> Result<Vec<Snooze>, AppError> {
    let store = state.store().await?;
    store.unsnooze(&key).await?;
    Ok(store.snoozes(&dockward::clock::now_rfc3339()).await?)
}

pub async fn snoozes(state: &AppState) -> Result<Vec<Snooze>, AppError> {
    Ok(state
        .store()
        .await?
        .snoozes(&dockward::clock::now_rfc3339())
        .await?)
}

pub async fn tray_state(state: &AppState) -> Result<TrayState, AppError> {
    Ok(state
        .companion
        .get()
        .map(|c| c.tray_state())
        .unwrap_or_default())
}

pub async fn check_now(state: &AppState) -> Result<bool, AppError> {
    Ok(state.companion.get().map(|c| c.check_now()).is_some())
}
