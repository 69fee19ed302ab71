//! Every command the window may call, declared once in [`commands!`]: the
//! declaration makes the Tauri command (a thin wrapper over an
//! implementation function in this folder), its name for the capability
//! check, and its TypeScript wrapper with typed arguments
//! (`ui/src/lib/commands.ts`, written by `cargo test`, committed).

mod ca;
mod history;
mod host;
mod inventory;
mod project;
mod reports;
mod scans;
mod stale;

use crate::error::AppError;
use crate::state::AppState;

use dockward::ca::certificate::CaCertificate;
use dockward::ca::detect::Detection;
use dockward::ca::verify::Check;
use dockward::edit::apply::Outcome;
use dockward::host::HostReport;
use dockward::inventory::InventoryReport;
use dockward::layers::{ImageScan, ScanProgress};
use dockward::project::ProjectReport;
use dockward::reminders::ReminderSettings;
use dockward::report::export::ReportFormat;
use dockward::rules::RuleMeta;
use dockward::stale::StaleReport;
use dockward::store::Snooze;
use dockward::store::{FindingRow, FindingState, Overview, ScanDiff, ScanRecord};
use dockward::Severity;

/// Declares commands. Each line: a doc comment, then
/// `name(arg: Type, …; channel progress_arg: Message) -> Return = implementation;`.
/// The implementation is called as `implementation(&state, args…, channel)`.
macro_rules! commands {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident ( $($arg:ident : $ty:ty),* $(; channel $ch:ident : $cty:ty)? ) -> $ret:ty = $imp:path;
    )*) => {
        $(
            $(#[doc = $doc])*
            #[tauri::command]
            pub async fn $name(
                $($arg: $ty,)*
                $($ch: tauri::ipc::Channel<$cty>,)?
                state: tauri::State<'_, AppState>,
            ) -> Result<$ret, AppError> {
                $imp(&state, $($arg,)* $($ch)?).await
            }
        )*

        /// Every command's name, as the window invokes it.
        #[cfg(test)]
        pub const NAMES: &[&str] = &[$(stringify!($name)),*];

        /// The handler Tauri dispatches invocations with.
        pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name),*]
        }

        /// Each command's TypeScript signature (see [`typescript`]).
        #[cfg(test)]
        pub fn signatures() -> Vec<typescript::Signature> {
            vec![$(
                typescript::Signature {
                    name: stringify!($name),
                    doc: vec![$($doc),*],
                    args: vec![$((stringify!($arg), typescript::name::<$ty>())),*],
                    channel: None$(.or(Some((stringify!($ch), typescript::name::<$cty>()))))?,
                    returns: typescript::name::<$ret>(),
                }
            ),*]
        }
    };
}

commands! {
    /// Lists every image and container with findings and scores, and records
    /// the run as a scan. Read-only towards the engine.
    inventory() -> InventoryReport = inventory::inventory;
    /// The rule catalogue, for the rules reference.
    rule_catalogue() -> Vec<RuleMeta> = inventory::rule_catalogue;
    /// Scans one image's layers (from the layer cache when unchanged) and
    /// records the scan; progress (bytes, layer i/n) goes to the channel.
    scan_image(image: String; channel on_progress: ScanProgress) -> ImageScan = scans::scan_image;
    /// Cancels the layer scan of an image; whether one was running.
    cancel_scan(image: String) -> bool = scans::cancel_scan;
    /// Trend, since-last-scan and riskiest subjects.
    overview() -> Overview = history::overview;
    /// The latest scans, newest first.
    history(limit: Option<i64>) -> Vec<ScanRecord> = history::history;
    /// What changed between two complete scans.
    diff(from: i64, to: i64) -> ScanDiff = history::diff;
    /// Stored findings, optionally of one state and at least one severity.
    findings(finding_state: Option<FindingState>, min_severity: Option<Severity>) -> Vec<FindingRow> = history::findings;
    /// Suppresses a finding with a reason, until a date (YYYY-MM-DD) or lifted.
    suppress(fingerprint: String, reason: String, until: Option<String>) -> String = history::suppress;
    /// Lifts a suppression.
    unsuppress(fingerprint: String) -> String = history::unsuppress;
    /// Writes a report to the path chosen in the save dialog; returns it.
    export_report(format: ReportFormat, path: String) -> String = reports::export_report;
    /// Checks the host (Docker Desktop settings, versions, advisories,
    /// mounts) and records it. Works without an engine.
    host_check() -> HostReport = host::host_check;
    /// Finds the corporate CA: CA variables, TLS-inspection agents'
    /// certificate files, the system trust store. Reads only.
    ca_detect() -> Detection = ca::ca_detect;
    /// Reads a certificate file the user chose (a file with a key is refused).
    ca_read_certificate(path: String) -> Vec<CaCertificate> = ca::ca_read_certificate;
    /// The CA setup of a project folder, as a preview; writes nothing.
    ca_plan(dir: String, certificates: Vec<CaCertificate>) -> ca::PlanPreview = ca::ca_plan;
    /// Applies the previewed setup if the project is still as previewed.
    ca_apply(dir: String, certificates: Vec<CaCertificate>, digest: String) -> Outcome = ca::ca_apply;
    /// Checks a project's CA setup; scans the named images for the CA.
    ca_verify(dir: String, images: Vec<String>) -> Vec<Check> = ca::ca_verify;
    /// Restores every file the last apply in the folder changed.
    ca_undo(dir: String) -> Outcome = ca::ca_undo;
    /// Checks every image for staleness (old, behind upstream, outdated
    /// base, unused) with the saved thresholds, and records the check.
    stale_check() -> StaleReport = stale::stale_check;
    /// The reminder settings.
    reminder_settings() -> ReminderSettings = stale::reminder_settings;
    /// Saves the reminder settings (and start at login); returns them.
    save_reminder_settings(settings: ReminderSettings) -> ReminderSettings = stale::save_reminder_settings;
    /// Snoozes an image's reminders for some days, or ignores it (no days).
    snooze_image(key: String, days: Option<u32>) -> Vec<Snooze> = stale::snooze_image;
    /// Lifts an image's snooze or ignore.
    unsnooze_image(key: String) -> Vec<Snooze> = stale::unsnooze_image;
    /// Snoozed and ignored images.
    snoozes() -> Vec<Snooze> = stale::snoozes;
    /// The tray as the app last set it (icon, menu, last notification).
    tray_state() -> crate::reminder::TrayState = stale::tray_state;
    /// Asks the scheduler to check now, as the tray's "Scan now" does.
    check_now() -> bool = stale::check_now;
    /// Checks a project folder's Dockerfiles and compose files (recorded;
    /// the folder joins the recent list).
    project_check(dir: String) -> ProjectReport = project::project_check;
    /// The folders checked most recently, newest first.
    recent_projects() -> Vec<String> = project::recent_projects;
    /// The fix for one rule's findings (or all fixable ones), as a preview.
    project_fix_preview(dir: String, rule: Option<String>) -> project::FixPreview = project::project_fix_preview;
    /// Applies the fix if it is still the preview with this digest.
    project_fix_apply(dir: String, rule: Option<String>, digest: String) -> Outcome = project::project_fix_apply;
    /// Undoes the last change applied to the folder, byte for byte.
    project_undo(dir: String) -> Outcome = project::project_undo;
}

#[cfg(test)]
mod typescript;
