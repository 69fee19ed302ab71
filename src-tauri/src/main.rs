//! Dockward's desktop app: a thin Tauri shell. Every command calls the core
//! crate and returns its serialisable types; nothing here computes findings.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod error;
mod reminder;
mod state;

use tauri::Manager;

fn main() {
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_autostart::Builder::new().build())
        .manage(state::AppState::from_env())
        .setup(|app| {
            let companion = reminder::start(app);
            let state = app.state::<state::AppState>();
            let _ = state.companion.set(companion);
            let _ = state.app.set(app.handle().clone());
            Ok(())
        })
        .on_window_event(|window, event| {
            // With the tray, closing the window keeps Dockward running there
            // (when the setting says so); Quit is in the tray's menu.
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                let state = window.state::<state::AppState>();
                let keep = state
                    .companion
                    .get()
                    .is_some_and(|c| c.keeps_running_in_tray());
                if keep {
                    api.prevent_close();
                    let _ = window.hide();
                }
            }
        })
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("error: Dockward could not start its window: {e}");
        std::process::exit(1);
    }
}
