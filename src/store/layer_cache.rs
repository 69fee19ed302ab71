//! The per-layer cache: what walking a layer found, keyed by its diffID, and
//! each analyzer's results keyed by analyzer id and version. The layers
//! module turns these rows into its own types; here they are opaque.

use sqlx::Row;

use super::error::query_err;
use super::{Store, StoreError};
use crate::clock::now_rfc3339;

/// One layer's cached results, as stored (see the `layer_walk` and
/// `layer_hits` tables).
#[derive(Debug, Clone, PartialEq)]
pub struct LayerRecord {
    /// `sha256:` diffID.
    pub diff_id: String,
    /// The build step that made it (redacted by the layers module).
    pub created_by: String,
    /// Uncompressed size.
    pub size: i64,
    /// Whiteouts, as JSON.
    pub whiteouts: String,
    /// Path hashes, 8 bytes each.
    pub paths: Vec<u8>,
    /// Hashes of the paths its package databases list, 8 bytes each.
    pub packaged: Vec<u8>,
    /// (analyzer id, version, hits as JSON) for each analyzer that ran.
    pub hits: Vec<(String, i64, String)>,
}

impl Store {
    /// diffIDs of every layer in the cache at `walk_version` (to skip images
    /// never scanned without a query each).
    pub async fn cached_diff_ids(
        &self,
        walk_version: i64,
    ) -> Result<std::collections::HashSet<String>, StoreError> {
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT diff_id FROM layer_walk WHERE walk_version = ?")
                .bind(walk_version)
                .fetch_all(&self.pool)
                .await
                .map_err(query_err("reading the layer cache"))?;
        Ok(ids.into_iter().collect())
    }

    /// Cached results for every layer in `diff_ids`, in that order, when each
    /// has rows for every analyzer at the given version; `None` otherwise
    /// (then the image must be read again).
    pub async fn layer_records(
        &self,
        diff_ids: &[String],
        walk_version: i64,
        analyzers: &[(&str, u32)],
    ) -> Result<Option<Vec<LayerRecord>>, StoreError> {
        let mut out = Vec::with_capacity(diff_ids.len());
        for diff_id in diff_ids {
            let Some(row) = sqlx::query(
                "SELECT created_by, size, whiteouts, paths, packaged FROM layer_walk WHERE diff_id = ? AND walk_version = ?",
            )
            .bind(diff_id)
            .bind(walk_version)
            .fetch_optional(&self.pool)
            .await
            .map_err(query_err("reading the layer cache"))?
            else {
                return Ok(None);
            };
            let rows =
                sqlx::query("SELECT analyzer, version, hits FROM layer_hits WHERE diff_id = ?")
                    .bind(diff_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(query_err("reading the layer cache"))?;
            let hits: Vec<(String, i64, String)> = rows
                .into_iter()
                .map(|r| (r.get("analyzer"), r.get("version"), r.get("hits")))
                .collect();
            let complete = analyzers.iter().all(|(id, version)| {
                hits.iter()
                    .any(|(a, v, _)| a == id && *v == i64::from(*version))
            });
            if !complete {
                return Ok(None);
            }
            out.push(LayerRecord {
                diff_id: diff_id.clone(),
                created_by: row.get("created_by"),
                size: row.get("size"),
                whiteouts: row.get("whiteouts"),
                paths: row.get("paths"),
                packaged: row.get("packaged"),
                hits,
            });
        }
        Ok(Some(out))
    }

    /// Stores layer results in one transaction, replacing older rows.
    pub async fn put_layer_records(
        &self,
        records: &[LayerRecord],
        walk_version: i64,
    ) -> Result<(), StoreError> {
        let now = now_rfc3339();
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(query_err("beginning a transaction"))?;
        for r in records {
            sqlx::query(
                "INSERT INTO layer_walk (diff_id, created_by, size, whiteouts, paths, scanned_at, walk_version, packaged) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (diff_id) DO UPDATE SET size = excluded.size, whiteouts = excluded.whiteouts,
                   paths = excluded.paths, scanned_at = excluded.scanned_at, walk_version = excluded.walk_version,
                   packaged = excluded.packaged, created_by = excluded.created_by",
            )
            .bind(&r.diff_id)
            .bind(&r.created_by)
            .bind(r.size)
            .bind(&r.whiteouts)
            .bind(&r.paths)
            .bind(&now)
            .bind(walk_version)
            .bind(&r.packaged)
            .execute(&mut *tx)
            .await
            .map_err(query_err("caching a layer"))?;
            for (analyzer, version, hits) in &r.hits {
                sqlx::query("INSERT OR REPLACE INTO layer_hits (diff_id, analyzer, version, hits) VALUES (?, ?, ?, ?)")
                    .bind(&r.diff_id)
                    .bind(analyzer)
                    .bind(version)
                    .bind(hits)
                    .execute(&mut *tx)
                    .await
                    .map_err(query_err("caching layer results"))?;
            }
        }
        tx.commit()
            .await
            .map_err(query_err("committing the layer cache"))
    }
}
