//! The inventory and the rule catalogue.

use dockward::engine::Engine;
use dockward::inventory::{self, InventoryReport};
use dockward::rules::{Policy, RuleMeta};

use crate::error::AppError;
use crate::state::AppState;

pub async fn inventory(state: &AppState) -> Result<InventoryReport, AppError> {
    let store = state.store().await?;
    let engine = Engine::connect_default().await?;
    Ok(inventory::run(&engine, Some(&store), &Policy::now()).await?)
}

pub async fn rule_catalogue(_: &AppState) -> Result<Vec<RuleMeta>, AppError> {
    dockward::rules::builtin()
        .map(|c| c.rules().to_vec())
        .map_err(|e| AppError::Internal {
            message: e.to_string(),
        })
}
