//! `dockward stale`: images left to rot, recorded as a `stale` scan.

use std::process::ExitCode;

use anyhow::Context;

use super::{emit, fail_on_exit, recording_store};
use crate::cli::{FailOn, Recording, TextFormat};
use dockward::engine::Engine;
use dockward::reminders::ReminderSettings;
use dockward::{explain, report};

pub struct Flags {
    pub max_age: Option<u32>,
    pub unused_days: Option<u32>,
    pub check_upstream: bool,
}

pub async fn run(
    flags: Flags,
    format: TextFormat,
    recording: &Recording,
    fail_on: FailOn,
) -> anyhow::Result<ExitCode> {
    let store = recording_store(recording).await?;
    // The thresholds the app uses, unless the command line says otherwise.
    let mut options = match &store {
        Some(s) => ReminderSettings::load(s).await?.stale,
        None => ReminderSettings::default().stale,
    };
    options.check_upstream = flags.check_upstream;
    if let Some(d) = flags.max_age {
        options.max_age_days = d;
    }
    if let Some(d) = flags.unused_days {
        options.unused_days = d;
    }
    let engine = Engine::connect_default().await?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let result = dockward::stale::run(&engine, store.as_ref(), &options, now).await;
    if let Some(s) = store {
        s.close().await;
    }
    let r = result.context("the stale check did not complete")?;
    emit(format, &r, || report::stale::stale_table(&r, now))?;
    let findings: Vec<_> = r
        .images
        .iter()
        .flat_map(|i| i.findings.iter().cloned())
        .collect();
    Ok(fail_on_exit(explain::fails(fail_on.fail_on, &findings)))
}
