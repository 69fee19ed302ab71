//! `dockward host`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use super::{emit, fail_on_exit, recording_store};
use crate::cli::{FailOn, Recording, TextFormat};
use dockward::engine::Engine;
use dockward::host::settings::HostEnv;
use dockward::{explain, report};

pub async fn run(
    settings: Option<PathBuf>,
    format: TextFormat,
    recording: &Recording,
    fail_on: FailOn,
) -> anyhow::Result<ExitCode> {
    let store = recording_store(recording).await?;
    // The host check goes on without an engine (settings only).
    let engine = Engine::connect_default().await.ok();
    let env = HostEnv::from_process();
    let result =
        dockward::host::run(&env, settings.as_deref(), engine.as_ref(), store.as_ref()).await;
    if let Some(s) = store {
        s.close().await;
    }
    let r = result.context("the host check did not complete")?;
    emit(format, &r, || report::host::host_table(&r))?;
    Ok(fail_on_exit(explain::fails(fail_on.fail_on, &r.findings)))
}
