//! Dockward's desktop app: a thin Tauri shell. Every command calls the core
//! crate and returns its serialisable types; nothing here computes findings.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod error;
mod state;

fn main() {
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(state::AppState::from_env())
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("error: Dockward could not start its window: {e}");
        std::process::exit(1);
    }
}
