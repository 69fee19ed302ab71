//! The project check in the window: check a folder (recorded, and kept in
//! the recent list), preview a fix, apply exactly the preview, undo. The
//! preview carries diffs (secrets redacted) and file names, never the
//! files' text: the window does not need it and should not hold secrets.

use std::path::Path;

use dockward::edit::apply::Outcome;
use dockward::edit::Plan;
use dockward::project::{self, ProjectError, ProjectReport};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::AppError;
use crate::state::AppState;

/// Where the recent projects are kept (the store's settings).
const RECENT: &str = "projects.recent";
/// How many recent projects are kept.
const RECENT_MAX: usize = 10;

/// A fix as the window previews it.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FixPreview {
    /// What the plan is.
    pub title: String,
    /// The files it writes: path, whether it creates it, why.
    pub changes: Vec<FixChange>,
    /// What it cannot do itself.
    pub notes: Vec<String>,
    /// Each change's diff, in order.
    pub diffs: Vec<String>,
    /// The plan's fingerprint, sent back with apply.
    pub digest: String,
}

/// One file a fix writes.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FixChange {
    /// Path relative to the project.
    pub path: String,
    /// Whether the file is new.
    pub created: bool,
    /// Why.
    pub why: String,
}

impl From<ProjectError> for AppError {
    fn from(e: ProjectError) -> Self {
        match e {
            ProjectError::Store(e) => e.into(),
            ProjectError::Edit(e) => e.into(),
            other => AppError::Invalid {
                message: other.to_string(),
            },
        }
    }
}

fn plan_for(dir: &str, rule: Option<&str>) -> Result<Plan, AppError> {
    let root = Path::new(dir);
    let checked = project::check(root)?;
    Ok(project::fix::plan(root, &checked, rule)?)
}

pub async fn project_check(state: &AppState, dir: String) -> Result<ProjectReport, AppError> {
    let store = state.store().await?;
    let now = dockward::clock::now_rfc3339();
    let report = project::run(Path::new(&dir), Some(&store), &now).await?;
    let mut recent = recent(&store).await;
    recent.retain(|d| d != &report.root);
    recent.insert(0, report.root.clone());
    recent.truncate(RECENT_MAX);
    let text = serde_json::to_string(&recent).map_err(|e| AppError::Internal {
        message: e.to_string(),
    })?;
    store.set_setting(RECENT, &text).await?;
    Ok(report)
}

async fn recent(store: &dockward::store::Store) -> Vec<String> {
    store
        .setting(RECENT)
        .await
        .ok()
        .flatten()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

pub async fn recent_projects(state: &AppState) -> Result<Vec<String>, AppError> {
    Ok(recent(&state.store().await?).await)
}

pub async fn project_fix_preview(
    _: &AppState,
    dir: String,
    rule: Option<String>,
) -> Result<FixPreview, AppError> {
    let plan = plan_for(&dir, rule.as_deref())?;
    Ok(FixPreview {
        title: plan.title.clone(),
        changes: plan
            .changes
            .iter()
            .map(|c| FixChange {
                path: c.path.clone(),
                created: c.before.is_none(),
                why: c.why.clone(),
            })
            .collect(),
        notes: plan.notes.clone(),
        diffs: plan
            .changes
            .iter()
            .map(dockward::edit::diff::preview)
            .collect(),
        digest: plan.digest(),
    })
}

pub async fn project_fix_apply(
    state: &AppState,
    dir: String,
    rule: Option<String>,
    digest: String,
) -> Result<Outcome, AppError> {
    let plan = plan_for(&dir, rule.as_deref())?;
    if plan.digest() != digest {
        return Err(AppError::Invalid {
            message: "the project changed since the preview; nothing was written. Look at the new preview".into(),
        });
    }
    let store = state.store().await?;
    Ok(dockward::edit::apply::apply(&plan, &store).await?)
}

pub async fn project_undo(state: &AppState, dir: String) -> Result<Outcome, AppError> {
    let store = state.store().await?;
    Ok(dockward::edit::apply::undo(&store, Path::new(&dir)).await?)
}
