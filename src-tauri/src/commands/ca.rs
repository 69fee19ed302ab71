//! The CA setup wizard. The window never sends file contents to write: it
//! sends the folder, the chosen certificates (parsed again here, so only
//! certificates pass) and the fingerprint of the preview it showed; apply
//! recomputes the plan and writes only if it is still that preview.

use std::path::Path;

use dockward::ca::certificate::{self, CaCertificate};
use dockward::ca::detect::{detect, DetectEnv, Detection};
use dockward::ca::verify::Check;
use dockward::ca::CaError;
use dockward::edit::apply::Outcome;
use dockward::edit::{EditError, Plan};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::AppError;
use crate::state::AppState;

/// A plan as the window shows it.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PlanPreview {
    /// The plan.
    pub plan: Plan,
    /// Its fingerprint, sent back with apply.
    pub digest: String,
    /// Each change's diff (large new files summarised), in the plan's order.
    pub diffs: Vec<String>,
}

impl From<CaError> for AppError {
    fn from(e: CaError) -> Self {
        match e {
            CaError::Edit(e) => e.into(),
            CaError::Scan(message) => AppError::Scan { message },
            other => AppError::Invalid {
                message: other.to_string(),
            },
        }
    }
}

impl From<EditError> for AppError {
    fn from(e: EditError) -> Self {
        match e {
            EditError::Store(e) => e.into(),
            other => AppError::Invalid {
                message: other.to_string(),
            },
        }
    }
}

fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The certificates as sent by the window, checked again: PEM of
/// certificates only.
fn checked(certificates: &[CaCertificate]) -> Result<Vec<CaCertificate>, AppError> {
    let mut out = Vec::new();
    for c in certificates {
        out.extend(certificate::parse(
            c.pem.as_bytes(),
            &c.subject,
            now_unix(),
        )?);
    }
    Ok(out)
}

pub async fn ca_detect(_: &AppState) -> Result<Detection, AppError> {
    tokio::task::spawn_blocking(|| detect(&DetectEnv::from_process()))
        .await
        .map_err(|e| AppError::Internal {
            message: e.to_string(),
        })
}

pub async fn ca_read_certificate(
    _: &AppState,
    path: String,
) -> Result<Vec<CaCertificate>, AppError> {
    let certs = certificate::read(Path::new(&path), now_unix())?;
    Ok(certificate::corporate(certs, &path)?)
}

pub async fn ca_plan(
    _: &AppState,
    dir: String,
    certificates: Vec<CaCertificate>,
) -> Result<PlanPreview, AppError> {
    let plan = dockward::ca::project::plan(Path::new(&dir), &checked(&certificates)?)?;
    Ok(PlanPreview {
        digest: plan.digest(),
        diffs: plan
            .changes
            .iter()
            .map(dockward::edit::diff::preview)
            .collect(),
        plan,
    })
}

pub async fn ca_apply(
    state: &AppState,
    dir: String,
    certificates: Vec<CaCertificate>,
    digest: String,
) -> Result<Outcome, AppError> {
    let plan = dockward::ca::project::plan(Path::new(&dir), &checked(&certificates)?)?;
    if plan.digest() != digest {
        return Err(AppError::Invalid {
            message: "the project changed since the preview; nothing was written. Look at the new preview".into(),
        });
    }
    let store = state.store().await?;
    Ok(dockward::edit::apply::apply(&plan, &store).await?)
}

pub async fn ca_verify(
    _: &AppState,
    dir: String,
    images: Vec<String>,
) -> Result<Vec<Check>, AppError> {
    let (mut checks, cas) = dockward::ca::verify::verify_project(Path::new(&dir), now_unix())?;
    // Unnamed, the images are those Compose built from the project (none
    // when the engine is not there: the files' checks still stand).
    let images = if images.is_empty() {
        dockward::ca::verify::project_images(Path::new(&dir))
            .await
            .unwrap_or_default()
    } else {
        images
    };
    if !images.is_empty() {
        checks.extend(dockward::ca::verify::verify_images(&images, &cas).await?);
    }
    Ok(checks)
}

pub async fn ca_undo(state: &AppState, dir: String) -> Result<Outcome, AppError> {
    let store = state.store().await?;
    Ok(dockward::edit::apply::undo(&store, Path::new(&dir)).await?)
}
