//! The host check.

use dockward::engine::Engine;
use dockward::host::settings::HostEnv;
use dockward::host::HostReport;

use crate::error::AppError;
use crate::state::AppState;

pub async fn host_check(state: &AppState) -> Result<HostReport, AppError> {
    let store = state.store().await?;
    let engine = Engine::connect_default().await.ok();
    let env = HostEnv::from_process();
    let report = dockward::host::run(&env, None, engine.as_ref(), Some(&store)).await?;
    state.scanned().await;
    Ok(report)
}
