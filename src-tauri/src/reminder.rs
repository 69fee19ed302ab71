//! The app as a desktop companion: a tray icon whose dot shows the worst
//! open severity, with a menu (summary, Scan now, Stale images, Open
//! Dockward, Quit); and a scheduler that checks for stale images at start
//! and then at the configured cadence, also with the window closed, and
//! sends a desktop notification only for what is new. When and what are
//! decided by `dockward::reminders`; this file wires them to Tauri.
//!
//! Idle means asleep: the scheduler sleeps until the next check is due (at
//! most 15 minutes at a time, so a clock change or a resume is noticed), and
//! does nothing in between.

use std::sync::Arc;
use std::time::Duration;

use dockward::engine::Engine;
use dockward::reminders::{self, ReminderSettings};
use dockward::stale::StaleReport;
use dockward::Severity;
use serde::Serialize;
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_notification::NotificationExt;
use tokio::sync::Notify;
use ts_rs::TS;

use crate::state::AppState;

/// The tray as the app last set it, for the window and the tests (a
/// StatusNotifierItem is not visible to every test harness).
#[derive(Debug, Clone, Default, Serialize, TS)]
#[ts(export)]
pub struct TrayState {
    /// Whether the tray icon was created.
    pub present: bool,
    /// The worst open severity shown by its dot, if any.
    pub severity: Option<Severity>,
    /// The menu's items, as shown.
    pub items: Vec<String>,
    /// The last notification sent (title and text), if any.
    pub last_notification: Option<String>,
    /// When the last check ran and when the next is due (RFC 3339).
    pub last_check: Option<String>,
    /// When the next check is due (RFC 3339).
    pub next_check: Option<String>,
}

/// What the scheduler and the tray share.
pub struct Companion {
    wake: Notify,
    changed: Notify,
    keep_in_tray: std::sync::atomic::AtomicBool,
    tray: std::sync::Mutex<TrayState>,
    summary: std::sync::Mutex<Option<MenuItem<tauri::Wry>>>,
    stale: std::sync::Mutex<Option<MenuItem<tauri::Wry>>>,
    /// "Stale images (N)" as the last check counted.
    stale_label: std::sync::Mutex<Option<String>>,
}

impl Companion {
    fn new() -> Arc<Companion> {
        Arc::new(Companion {
            wake: Notify::new(),
            changed: Notify::new(),
            keep_in_tray: std::sync::atomic::AtomicBool::new(true),
            tray: std::sync::Mutex::new(TrayState::default()),
            summary: std::sync::Mutex::new(None),
            stale: std::sync::Mutex::new(None),
            stale_label: std::sync::Mutex::new(None),
        })
    }

    /// Runs a check now (the tray's "Scan now", the Stale page's button).
    pub fn check_now(&self) {
        self.wake.notify_one();
    }

    /// Whether closing the window should leave Dockward in the tray: there
    /// is a tray, and the setting says so.
    pub fn keeps_running_in_tray(&self) -> bool {
        self.tray_state().present && self.keep_in_tray.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Follows the settings (called when they are read or saved).
    pub fn follow(&self, settings: &ReminderSettings) {
        self.keep_in_tray
            .store(settings.keep_in_tray, std::sync::atomic::Ordering::Relaxed);
        // The cadence may have changed: recompute when the next check is.
        self.changed.notify_one();
    }

    /// The tray as last set.
    pub fn tray_state(&self) -> TrayState {
        self.tray.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn update(&self, f: impl FnOnce(&mut TrayState)) {
        f(&mut self.tray.lock().unwrap_or_else(|p| p.into_inner()));
    }
}

fn icon(severity: Option<Severity>) -> Option<Image<'static>> {
    let bytes: &[u8] = match severity {
        Some(Severity::Critical) => include_bytes!("../../icons/tray-critical.png"),
        Some(Severity::High) => include_bytes!("../../icons/tray-high.png"),
        Some(Severity::Medium) => include_bytes!("../../icons/tray-medium.png"),
        Some(Severity::Low) => include_bytes!("../../icons/tray-low.png"),
        _ => include_bytes!("../../icons/tray-ok.png"),
    };
    Image::from_bytes(bytes).ok()
}

fn show_window(app: &AppHandle, page: Option<&str>) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
    if let Some(page) = page {
        let _ = app.emit("open-page", page);
    }
}

/// Creates the tray (where the desktop has one) and starts the scheduler.
pub fn start(app: &tauri::App) -> Arc<Companion> {
    let companion = Companion::new();
    let handle = app.handle().clone();
    match build_tray(app, &companion) {
        Ok(()) => companion.update(|t| t.present = true),
        Err(e) => {
            eprintln!("note: no tray icon ({e}); reminders still run while the window is open")
        }
    }
    // A notification click ("tap") opens the Stale page.
    let clicked = handle.clone();
    let _ = handle
        .notification()
        .on_action(move |_| show_window(&clicked, Some("stale")));
    let worker = companion.clone();
    tauri::async_runtime::spawn(async move { schedule(handle, worker).await });
    companion
}

fn build_tray(app: &tauri::App, companion: &Arc<Companion>) -> tauri::Result<()> {
    let summary = MenuItem::with_id(
        app,
        "summary",
        "Dockward: not checked yet",
        false,
        None::<&str>,
    )?;
    let scan = MenuItem::with_id(app, "scan", "Scan now", true, None::<&str>)?;
    let stale = MenuItem::with_id(app, "stale", "Stale images", true, None::<&str>)?;
    let open = MenuItem::with_id(app, "open", "Open Dockward", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let sep = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&summary, &sep, &scan, &stale, &open, &quit])?;
    let c = companion.clone();
    let mut builder = TrayIconBuilder::with_id("main")
        .tooltip("Dockward")
        .menu(&menu)
        .on_menu_event(move |app, ev| match ev.id.as_ref() {
            "scan" => c.check_now(),
            "stale" => show_window(app, Some("stale")),
            "open" => show_window(app, None),
            "quit" => app.exit(0),
            _ => {}
        });
    if let Some(i) = icon(None) {
        builder = builder.icon(i);
    }
    builder.build(app)?;
    companion.update(|t| {
        t.items = vec![
            "Dockward: not checked yet".into(),
            "Scan now".into(),
            "Stale images".into(),
            "Open Dockward".into(),
            "Quit".into(),
        ]
    });
    *companion.summary.lock().unwrap_or_else(|p| p.into_inner()) = Some(summary);
    *companion.stale.lock().unwrap_or_else(|p| p.into_inner()) = Some(stale);
    Ok(())
}

fn rfc(t: i64) -> Option<String> {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .map(dockward::clock::rfc3339)
}

async fn schedule(app: AppHandle, companion: Arc<Companion>) {
    // A check at every start, whatever the cadence says: the user opened
    // Dockward (or logged in), and the tray should not say "not checked".
    let mut starting = true;
    loop {
        let state = app.state::<AppState>();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let (settings, last) = match state.store().await {
            Ok(store) => (
                ReminderSettings::load(&store).await.unwrap_or_default(),
                reminders::last_check(&store).await.ok().flatten(),
            ),
            Err(_) => (ReminderSettings::default(), None),
        };
        companion
            .keep_in_tray
            .store(settings.keep_in_tray, std::sync::atomic::Ordering::Relaxed);
        let forced = std::mem::take(&mut starting)
            || tokio::select! {
                // Nothing due: sleep until it is (or 15 minutes, to notice a
                // resume or a clock change), or until someone asks.
                _ = tokio::time::sleep(wait(last, now, &settings)) => false,
                _ = companion.wake.notified() => true,
                _ = companion.changed.notified() => continue,
            };
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        if !forced && !reminders::due(last, now, &settings) {
            continue;
        }
        if let Err(e) = check(&app, &companion, &settings).await {
            eprintln!("note: stale check: {e}");
            // The engine may be starting: try again in ten minutes.
            tokio::time::sleep(Duration::from_secs(600)).await;
        }
    }
}

/// How long to sleep before looking again.
fn wait(last: Option<i64>, now: i64, settings: &ReminderSettings) -> Duration {
    if reminders::due(last, now, settings) {
        return Duration::ZERO;
    }
    match reminders::next_check(last, settings) {
        None => Duration::ZERO,
        Some(t) => Duration::from_secs((t - now).clamp(0, 15 * 60) as u64),
    }
}

async fn check(
    app: &AppHandle,
    companion: &Companion,
    settings: &ReminderSettings,
) -> Result<(), String> {
    let state = app.state::<AppState>();
    let store = state.store().await.map_err(|e| e.to_string())?;
    let engine = Engine::connect_default().await.map_err(|e| e.to_string())?;
    let now = time::OffsetDateTime::now_utc();
    let report: StaleReport =
        dockward::stale::run(&engine, Some(&store), &settings.stale, now.unix_timestamp())
            .await
            .map_err(|e| e.to_string())?;
    let now_text = dockward::clock::rfc3339(now);
    reminders::record_check(&store, &now_text)
        .await
        .map_err(|e| e.to_string())?;
    let notified = store.notified().await.map_err(|e| e.to_string())?;
    let snoozes = store.snoozes(&now_text).await.map_err(|e| e.to_string())?;
    let outcome = reminders::compose(&report, &notified, &snoozes, settings);
    store
        .forget_notified(&outcome.forget)
        .await
        .map_err(|e| e.to_string())?;
    if let Some(r) = outcome.reminder {
        let shown = app
            .notification()
            .builder()
            .title(format!("Dockward: {}", r.title))
            .body(&r.body)
            .show();
        match shown {
            Ok(()) => {
                store
                    .record_notified(&r.items, &now_text)
                    .await
                    .map_err(|e| e.to_string())?;
                companion
                    .update(|t| t.last_notification = Some(format!("{}: {}", r.title, r.body)));
            }
            Err(e) => eprintln!("note: notification not shown: {e}"),
        }
    }
    let stale = format!(
        "Stale images ({})",
        reminders::stale_count(&report, &snoozes)
    );
    *companion
        .stale_label
        .lock()
        .unwrap_or_else(|p| p.into_inner()) = Some(stale);
    refresh_tray(app, companion).await;
    let next = reminders::next_check(Some(now.unix_timestamp()), settings);
    companion.update(|t| {
        t.last_check = Some(now_text.clone());
        t.next_check = next.and_then(rfc);
    });
    let _ = app.emit("stale-checked", &report);
    Ok(())
}

/// Sets the tray from the store: its dot the worst open severity, the
/// summary line, the stale count from the last check. Called after every
/// check and after every scan the window runs, so the tray never lags.
pub async fn refresh_tray(app: &AppHandle, companion: &Companion) {
    let state = app.state::<AppState>();
    let Ok(store) = state.store().await else {
        return;
    };
    let open = store
        .trend(1)
        .await
        .ok()
        .and_then(|t| t.last().map(|p| p.open))
        .unwrap_or_default();
    let worst = [
        (open.critical, Severity::Critical),
        (open.high, Severity::High),
        (open.medium, Severity::Medium),
        (open.low, Severity::Low),
    ]
    .into_iter()
    .find(|(n, _)| *n > 0)
    .map(|(_, s)| s);
    let summary = format!(
        "Dockward: {} critical, {} high open",
        open.critical, open.high
    );
    let stale = companion
        .stale_label
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
        .unwrap_or_else(|| "Stale images".into());
    if let Some(tray) = app.tray_by_id("main") {
        let _ = tray.set_icon(icon(worst));
    }
    if let Some(m) = companion
        .summary
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
    {
        let _ = m.set_text(&summary);
    }
    if let Some(m) = companion
        .stale
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
    {
        let _ = m.set_text(&stale);
    }
    companion.update(|t| {
        t.severity = worst;
        if t.present {
            t.items = vec![
                summary,
                "Scan now".into(),
                stale,
                "Open Dockward".into(),
                "Quit".into(),
            ];
        }
    });
}
