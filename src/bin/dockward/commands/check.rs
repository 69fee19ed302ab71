//! `dockward check DIR`: the project check, with `--fix RULE|all` (the
//! diff first, then apply after asking) and `--undo`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::ca::{confirm, show_plan};
use super::{fail_on_exit, open_store, print, recording_store};
use crate::cli::{FailOn, Recording, ScanFormat};
use dockward::report::{self, terminal_safe};
use dockward::{explain, project};

/// What to do besides checking.
pub struct Action {
    pub fix: Option<String>,
    pub yes: bool,
    pub undo: bool,
}

pub async fn run(
    dir: &Path,
    format: ScanFormat,
    action: Action,
    recording: &Recording,
    fail_on: FailOn,
) -> anyhow::Result<ExitCode> {
    if action.undo {
        let store = open_store(&recording.db).await?;
        let out = dockward::edit::apply::undo(&store, dir).await?;
        print(&terminal_safe(&format!(
            "Undone: {} restored, {} removed.\n",
            out.files.len(),
            out.removed.len()
        )))?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(rule) = action.fix {
        let checked = project::check(dir)?;
        let rule = (rule != "all").then_some(rule);
        let plan = project::fix::plan(dir, &checked, rule.as_deref())?;
        print(&show_plan(&plan))?;
        if plan.is_empty() {
            return Ok(ExitCode::SUCCESS);
        }
        if !action.yes && !confirm()? {
            print("Nothing written.\n")?;
            return Ok(ExitCode::SUCCESS);
        }
        let store = open_store(&recording.db).await?;
        let out = dockward::edit::apply::apply(&plan, &store)
            .await
            .context("the fix was not applied")?;
        print(&terminal_safe(&format!(
            "Applied ({} files). `dockward check {} --undo` restores them.\n",
            out.files.len(),
            dir.display()
        )))?;
        return Ok(ExitCode::SUCCESS);
    }
    let store = recording_store(recording).await?;
    let now = dockward::clock::now_rfc3339();
    let result = project::run(dir, store.as_ref(), &now).await;
    if let Some(s) = store {
        s.close().await;
    }
    let r = result.context("the project check did not complete")?;
    match format {
        ScanFormat::Table => print(&report::project::project_table(&r))?,
        ScanFormat::Json => print(&(report::json(&r)? + "\n"))?,
        ScanFormat::Sarif => {
            let catalogue = dockward::rules::builtin()?;
            print(&(report::project::project_sarif(&r, catalogue)? + "\n"))?;
        }
    }
    let findings: Vec<_> = r.findings.iter().map(|f| f.finding.clone()).collect();
    // A file that could not be read may hold exactly what --fail-on is
    // there to stop: an incomplete check does not pass.
    let incomplete = fail_on.fail_on.is_some() && !r.errors.is_empty();
    if incomplete {
        eprintln!(
            "{}",
            terminal_safe(&format!(
                "dockward: {} file(s) could not be checked ({}); --fail-on counts that as a failure",
                r.errors.len(),
                r.errors
                    .iter()
                    .map(|e| e.file.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        );
    }
    Ok(fail_on_exit(
        incomplete || explain::fails(fail_on.fail_on, &findings),
    ))
}
