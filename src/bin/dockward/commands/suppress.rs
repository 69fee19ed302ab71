//! `dockward suppress` and `unsuppress`.

use std::process::ExitCode;

use super::{emit, open_store};
use crate::cli::{Db, TextFormat};

pub async fn suppress(
    fingerprint: &str,
    reason: &str,
    until: Option<String>,
    format: TextFormat,
    db: &Db,
) -> anyhow::Result<ExitCode> {
    let store = open_store(db).await?;
    let fp = store
        .suppress(fingerprint, reason, until.as_deref())
        .await?;
    let out = serde_json::json!({ "suppressed": fp, "reason": reason.trim(), "until": until });
    emit(format, &out, || format!("suppressed {fp}\n"))
}

pub async fn unsuppress(
    fingerprint: &str,
    format: TextFormat,
    db: &Db,
) -> anyhow::Result<ExitCode> {
    let store = open_store(db).await?;
    let fp = store.unsuppress(fingerprint).await?;
    let out = serde_json::json!({ "unsuppressed": fp });
    emit(format, &out, || format!("unsuppressed {fp}\n"))
}
