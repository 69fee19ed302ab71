//! Suppressions: findings the user accepted, with a reason and an optional
//! end. They outlive the findings they name and retention never removes them.

use super::error::query_err;
use super::{parse_date, Store, StoreError};
use crate::clock::now_rfc3339;

/// Suppressions in force: fingerprint to (reason, until as RFC 3339).
pub type Suppressions = std::collections::HashMap<String, (String, Option<String>)>;

impl Store {
    /// Suppresses a finding (by fingerprint or unique prefix) with a reason,
    /// until `until` (RFC 3339 or `YYYY-MM-DD`) or until lifted. Returns the
    /// full fingerprint. Suppressing again replaces reason and date.
    pub async fn suppress(
        &self,
        fingerprint: &str,
        reason: &str,
        until: Option<&str>,
    ) -> Result<String, StoreError> {
        if reason.trim().is_empty() {
            return Err(StoreError::Invalid(
                "a suppression needs a reason (--reason)".into(),
            ));
        }
        let until = until.map(parse_date).transpose()?;
        let now = now_rfc3339();
        if until.as_ref().is_some_and(|u| *u <= now) {
            return Err(StoreError::Invalid(
                "the suppression would already have expired".into(),
            ));
        }
        let fp = self.resolve_fingerprint(fingerprint).await?;
        sqlx::query("INSERT OR REPLACE INTO suppression (fingerprint, reason, until, created_at) VALUES (?, ?, ?, ?)")
            .bind(&fp)
            .bind(reason.trim())
            .bind(until)
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(query_err("suppressing a finding"))?;
        Ok(fp)
    }

    /// Suppressions in force now: fingerprint to (reason, until).
    pub async fn active_suppressions(&self) -> Result<Suppressions, StoreError> {
        let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT fingerprint, reason, until FROM suppression WHERE until IS NULL OR until > ?",
        )
        .bind(now_rfc3339())
        .fetch_all(&self.pool)
        .await
        .map_err(query_err("reading suppressions"))?;
        Ok(rows.into_iter().map(|(f, r, u)| (f, (r, u))).collect())
    }

    /// Lifts a suppression. Returns the full fingerprint, or an error when
    /// the finding was not suppressed.
    pub async fn unsuppress(&self, fingerprint: &str) -> Result<String, StoreError> {
        let fp = self.resolve_fingerprint(fingerprint).await?;
        let done = sqlx::query("DELETE FROM suppression WHERE fingerprint = ?")
            .bind(&fp)
            .execute(&self.pool)
            .await
            .map_err(query_err("lifting a suppression"))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Invalid(format!("{fp} is not suppressed")));
        }
        Ok(fp)
    }
}
