fn main() {
    // Declare the app's commands so capabilities can grant them one by one;
    // a command not listed in a capability cannot be invoked from the UI.
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(
        tauri_build::AppManifest::new().commands(&[
            "inventory",
            "scan_image",
            "cancel_scan",
            "rule_catalogue",
            "overview",
            "history",
            "diff",
            "findings",
            "suppress",
            "unsuppress",
            "export_report",
            "host_check",
            "ca_detect",
            "ca_read_certificate",
            "ca_plan",
            "ca_apply",
            "ca_verify",
            "ca_undo",
            "stale_check",
            "reminder_settings",
            "save_reminder_settings",
            "snooze_image",
            "unsnooze_image",
            "snoozes",
            "tray_state",
            "check_now",
            "project_check",
            "recent_projects",
            "project_fix_preview",
            "project_fix_apply",
            "project_undo",
        ]),
    ))
    .expect("tauri build script failed");
}
