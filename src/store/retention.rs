//! Retention: history older than the configured number of days goes, once
//! a day, never suppressions; and the small key/value settings table.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::error::query_err;
use super::{Store, StoreError};

/// Days of history kept when no retention is set.
pub const DEFAULT_RETENTION_DAYS: i64 = 365;

/// What a retention cleanup removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CleanupReport {
    /// Days kept.
    pub retention_days: i64,
    /// Scans removed (with their sightings, events and scores).
    pub scans_removed: i64,
    /// Resolved findings removed.
    pub findings_removed: i64,
}

impl Store {
    /// A setting's value, if set.
    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar("SELECT value FROM setting WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(query_err("reading settings"))
    }

    /// Sets a setting.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT OR REPLACE INTO setting (key, value) VALUES (?, ?)")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await
            .map_err(query_err("writing settings"))?;
        Ok(())
    }

    /// Days of history kept.
    pub async fn retention_days(&self) -> Result<i64, StoreError> {
        Ok(self
            .setting("retention_days")
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_RETENTION_DAYS))
    }

    /// Sets the days of history kept (at least 1).
    pub async fn set_retention_days(&self, days: i64) -> Result<(), StoreError> {
        if days < 1 {
            return Err(StoreError::Invalid(
                "retention must be at least 1 day".into(),
            ));
        }
        self.set_setting("retention_days", &days.to_string()).await
    }

    /// Removes what is older than the retention: complete or dead scans that
    /// started before the cutoff (with their sightings, events and scores)
    /// and findings resolved before it. Scans that a kept finding refers to
    /// stay; running scans and suppressions are never touched. One transaction.
    pub async fn cleanup(&self, now: time::OffsetDateTime) -> Result<CleanupReport, StoreError> {
        use time::format_description::well_known::Rfc3339;
        let days = self.retention_days().await?;
        let cutoff = (now - time::Duration::days(days))
            .format(&Rfc3339)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(query_err("beginning a transaction"))?;
        let findings_removed = sqlx::query(
            "DELETE FROM finding WHERE state = 'resolved' AND last_seen_at < ?
               AND resolved_scan IN (SELECT id FROM scan WHERE started_at < ?)",
        )
        .bind(&cutoff)
        .bind(&cutoff)
        .execute(&mut *tx)
        .await
        .map_err(query_err("removing old findings"))?
        .rows_affected() as i64;
        let scans_removed = sqlx::query(
            "DELETE FROM scan WHERE started_at < ? AND status != 'running'
               AND id NOT IN (SELECT first_seen_scan FROM finding)
               AND id NOT IN (SELECT last_seen_scan FROM finding)
               AND id NOT IN (SELECT resolved_scan FROM finding WHERE resolved_scan IS NOT NULL)
               AND id NOT IN (SELECT reopened_scan FROM finding WHERE reopened_scan IS NOT NULL)",
        )
        .bind(&cutoff)
        .execute(&mut *tx)
        .await
        .map_err(query_err("removing old scans"))?
        .rows_affected() as i64;
        sqlx::query("INSERT OR REPLACE INTO setting (key, value) VALUES ('last_cleanup', ?)")
            .bind(now.format(&Rfc3339).unwrap_or_default())
            .execute(&mut *tx)
            .await
            .map_err(query_err("writing settings"))?;
        tx.commit()
            .await
            .map_err(query_err("committing a cleanup"))?;
        Ok(CleanupReport {
            retention_days: days,
            scans_removed,
            findings_removed,
        })
    }

    /// Runs [`cleanup`](Self::cleanup) when the last one is over a day old.
    pub async fn cleanup_if_due(&self) -> Result<Option<CleanupReport>, StoreError> {
        use time::format_description::well_known::Rfc3339;
        let now = time::OffsetDateTime::now_utc();
        let last = self.setting("last_cleanup").await?;
        let due = last
            .and_then(|l| time::OffsetDateTime::parse(&l, &Rfc3339).ok())
            .is_none_or(|l| now - l > time::Duration::days(1));
        if due {
            Ok(Some(self.cleanup(now).await?))
        } else {
            Ok(None)
        }
    }
}
