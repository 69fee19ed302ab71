//! `dockward inventory`.

use std::process::ExitCode;

use anyhow::Context;

use super::{catalogue, fail_on_exit, print, recording_store};
use crate::cli::{FailOn, Recording, ScanFormat};
use dockward::engine::Engine;
use dockward::rules::Policy;
use dockward::{explain, inventory, report};

pub async fn run(
    format: ScanFormat,
    recording: &Recording,
    fail_on: FailOn,
    stale_days: u32,
    details: bool,
) -> anyhow::Result<ExitCode> {
    // The store's checks at open and the engine's first answer do not wait
    // for each other; a store error still comes first.
    let (store, engine) = tokio::join!(recording_store(recording), Engine::connect_default());
    let store = store?;
    let engine = engine?;
    let policy = Policy {
        stale_after_days: stale_days,
        ..Policy::now()
    };
    let result = inventory::run(&engine, store.as_ref(), &policy).await;
    if let Some(s) = store {
        s.close().await;
    }
    let report = result.context("the inventory did not complete")?;
    match format {
        ScanFormat::Json => print(&(report::json(&report)? + "\n"))?,
        ScanFormat::Sarif => print(&(report::sarif::inventory(&report, catalogue()?)? + "\n"))?,
        ScanFormat::Table => print(&report::table(&report, details))?,
    }
    Ok(fail_on_exit(explain::fails(
        fail_on.fail_on,
        report.all_findings(),
    )))
}
