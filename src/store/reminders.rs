//! What the stale-image reminders remember: when each image was seen in use
//! by a running container (recorded by inventories), per-image snoozes and
//! ignores, and what each notification covered (so the same images are not
//! announced again until something changes or a snooze ends).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sqlx::Row;
use ts_rs::TS;

use super::error::query_err;
use super::{Store, StoreError};

/// A snoozed or ignored image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Snooze {
    /// The image's key, as its findings name it (first tag or ID).
    pub subject_key: String,
    /// Until when (RFC 3339); `None`: ignored until lifted.
    pub until: Option<String>,
}

impl Store {
    /// Records that containers ran `image_ids` at `now` (RFC 3339).
    pub async fn record_image_use(
        &self,
        image_ids: &[String],
        now: &str,
    ) -> Result<(), StoreError> {
        if image_ids.is_empty() {
            return Ok(());
        }
        let ids = serde_json::to_string(image_ids).unwrap_or_else(|_| "[]".into());
        sqlx::query(
            "INSERT INTO image_use (image_id, first_seen, last_seen)
             SELECT value, ?2, ?2 FROM json_each(?1) WHERE true
             ON CONFLICT (image_id) DO UPDATE SET last_seen = excluded.last_seen",
        )
        .bind(ids)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(query_err("recording image use"))?;
        Ok(())
    }

    /// When a running container was last seen using each image (seconds
    /// since the epoch), by image ID.
    pub async fn image_use(&self) -> Result<HashMap<String, i64>, StoreError> {
        let rows = sqlx::query("SELECT image_id, last_seen FROM image_use")
            .fetch_all(&self.pool)
            .await
            .map_err(query_err("reading image use"))?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                let seen: String = r.get("last_seen");
                Some((r.get("image_id"), crate::clock::parse_unix(&seen)?))
            })
            .collect())
    }

    /// When the first complete inventory started (seconds since the epoch):
    /// how far back the use records reach.
    pub async fn records_since(&self) -> Result<Option<i64>, StoreError> {
        let first: Option<String> = sqlx::query_scalar(
            "SELECT min(started_at) FROM scan WHERE kind = 'inventory' AND status = 'complete'",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(query_err("reading the first inventory"))?;
        Ok(first.and_then(|t| crate::clock::parse_unix(&t)))
    }

    /// Snoozes (`until` set) or ignores (`None`) an image's reminders.
    pub async fn snooze(&self, subject_key: &str, until: Option<&str>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO image_snooze (subject_key, until, created_at) VALUES (?, ?, ?)
             ON CONFLICT (subject_key) DO UPDATE SET until = excluded.until, created_at = excluded.created_at",
        )
        .bind(subject_key)
        .bind(until)
        .bind(crate::clock::now_rfc3339())
        .execute(&self.pool)
        .await
        .map_err(query_err("snoozing an image"))?;
        Ok(())
    }

    /// Lifts an image's snooze or ignore.
    pub async fn unsnooze(&self, subject_key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM image_snooze WHERE subject_key = ?")
            .bind(subject_key)
            .execute(&self.pool)
            .await
            .map_err(query_err("lifting a snooze"))?;
        Ok(())
    }

    /// Snoozes and ignores in force at `now` (RFC 3339).
    pub async fn snoozes(&self, now: &str) -> Result<Vec<Snooze>, StoreError> {
        let rows = sqlx::query(
            "SELECT subject_key, until FROM image_snooze WHERE until IS NULL OR until > ? ORDER BY subject_key",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(query_err("reading snoozes"))?;
        Ok(rows
            .iter()
            .map(|r| Snooze {
                subject_key: r.get("subject_key"),
                until: r.get("until"),
            })
            .collect())
    }

    /// What earlier notifications said, by reminder key.
    pub async fn notified(&self) -> Result<HashMap<String, String>, StoreError> {
        let rows = sqlx::query("SELECT fingerprint, evidence FROM reminder")
            .fetch_all(&self.pool)
            .await
            .map_err(query_err("reading reminders"))?;
        Ok(rows
            .iter()
            .map(|r| (r.get("fingerprint"), r.get("evidence")))
            .collect())
    }

    /// Forgets what notifications said of these reminder keys (their
    /// condition ended, or their image was snoozed): if it comes back, it
    /// is announced again.
    pub async fn forget_notified(&self, keys: &[String]) -> Result<(), StoreError> {
        if keys.is_empty() {
            return Ok(());
        }
        let keys = serde_json::to_string(keys).unwrap_or_else(|_| "[]".into());
        sqlx::query("DELETE FROM reminder WHERE fingerprint IN (SELECT value FROM json_each(?))")
            .bind(keys)
            .execute(&self.pool)
            .await
            .map_err(query_err("forgetting reminders"))?;
        Ok(())
    }

    /// Records that a notification at `now` announced these (key, what it said).
    pub async fn record_notified(
        &self,
        items: &[(String, String)],
        now: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(query_err("recording a reminder"))?;
        for (key, said) in items {
            sqlx::query(
                "INSERT INTO reminder (fingerprint, notified_at, evidence) VALUES (?, ?, ?)
                 ON CONFLICT (fingerprint) DO UPDATE SET notified_at = excluded.notified_at, evidence = excluded.evidence",
            )
            .bind(key)
            .bind(now)
            .bind(said)
            .execute(&mut *tx)
            .await
            .map_err(query_err("recording a reminder"))?;
        }
        tx.commit()
            .await
            .map_err(query_err("recording a reminder"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::facts::ImageFacts;
    use crate::stale::{evaluate, Context, Evaluated, StaleOptions};

    const DAY: i64 = 86_400;

    fn at(unix: i64) -> String {
        crate::clock::rfc3339(time::OffsetDateTime::from_unix_timestamp(unix).expect("time"))
    }

    fn image(id: &str, built: i64) -> ImageFacts {
        ImageFacts {
            id: id.into(),
            tags: vec![format!("team/{}:1", id.trim_start_matches("sha256:"))],
            created_unix: Some(built),
            size: 100_000_000,
            ..ImageFacts::default()
        }
    }

    /// Unused, from what inventories recorded: containers seen running at
    /// injected times, then removed (the engine no longer knows them).
    #[tokio::test]
    async fn recorded_use_across_inventories_decides_unused_after_containers_are_gone() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = super::Store::open(&dir.path().join("d.db"))
            .await
            .expect("store");
        let now = 1_800_000_000;
        // The first inventory, 60 days ago (its start time set as a clock
        // would have), and images seen in use 50 and 2 days ago.
        let run = store
            .begin(crate::store::ScanKind::Inventory, "test", "all")
            .await
            .expect("begin");
        let id = run.id();
        run.complete(&[], &[]).await.expect("complete");
        sqlx::query("UPDATE scan SET started_at = ? WHERE id = ?")
            .bind(at(now - 60 * DAY))
            .bind(id)
            .execute(&store.pool)
            .await
            .expect("backdate");
        store
            .record_image_use(&["sha256:a".into(), "sha256:b".into()], &at(now - 50 * DAY))
            .await
            .expect("use");
        store
            .record_image_use(&["sha256:b".into()], &at(now - 2 * DAY))
            .await
            .expect("use");
        let ctx = Context {
            now_unix: now,
            recorded_use: store.image_use().await.expect("read"),
            records_since: store.records_since().await.expect("read"),
            ..Context::default()
        };
        assert_eq!(ctx.records_since, Some(now - 60 * DAY));
        let images = [
            image("sha256:a", now - 100 * DAY),
            image("sha256:b", now - 100 * DAY),
            image("sha256:c", now - 100 * DAY),
        ];
        let options = StaleOptions {
            max_age_days: 365,
            ..StaleOptions::default()
        };
        let cat = crate::rules::builtin().expect("catalogue");
        let Evaluated { images: out, .. } = evaluate(&images, &[], &ctx, &options, cat);
        let evidence = |id: &str| {
            out.iter()
                .find(|i| i.id == id)
                .and_then(|i| i.findings.iter().find(|f| f.rule == "image.unused"))
                .map(|f| f.evidence.clone())
        };
        assert!(
            evidence("sha256:a").is_some_and(|e| e.starts_with("last used 50 days ago")),
            "{:?}",
            evidence("sha256:a")
        );
        assert_eq!(evidence("sha256:b"), None, "used 2 days ago");
        assert!(
            evidence("sha256:c")
                .is_some_and(|e| e.contains("since Dockward's records began 60 days ago")),
            "{:?}",
            evidence("sha256:c")
        );
    }
}
