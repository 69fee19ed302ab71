//! The inventory and the rule catalogue.

use dockward::engine::Engine;
use dockward::inventory::{self, InventoryReport};
use dockward::rules::{Policy, RuleMeta};

use crate::error::AppError;
use crate::state::AppState;

pub async fn inventory(state: &AppState) -> Result<InventoryReport, AppError> {
    let store = state.store().await?;
    let engine = Engine::connect_default().await?;
    // "Old" means what the Settings page says, here as on the Stale page.
    let settings = dockward::reminders::ReminderSettings::load(&store).await?;
    let policy = Policy {
        stale_after_days: settings.stale.max_age_days,
        ..Policy::now()
    };
    let report = inventory::run(&engine, Some(&store), &policy).await?;
    state.scanned().await;
    Ok(report)
}

pub async fn rule_catalogue(_: &AppState) -> Result<Vec<RuleMeta>, AppError> {
    dockward::rules::builtin()
        .map(|c| c.rules().to_vec())
        .map_err(|e| AppError::Internal {
            message: e.to_string(),
        })
}
