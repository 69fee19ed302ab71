//! The journal of changes Dockward made to a user's files: what each file
//! held before (so undo restores it byte for byte), a hash of what was
//! written (so undo can tell whether the user changed it since), and the
//! folders it created. The store keeps the bytes; the `edit` module decides
//! what they mean.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use ts_rs::TS;

use super::error::query_err;
use super::{Store, StoreError};
use crate::clock::now_rfc3339;

/// One file of a recorded change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditFile {
    /// Relative to the root, `/`-separated.
    pub path: String,
    /// The bytes before; `None` when the change created the file.
    pub before: Option<Vec<u8>>,
    /// SHA-256 (hex) of the bytes the change wrote.
    pub after_sha256: String,
    /// Unix permission bits before, where known.
    pub mode_before: Option<u32>,
}

/// A recorded change, without its files' bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct EditRecord {
    /// Its id.
    #[ts(type = "number")]
    pub id: i64,
    /// The project folder.
    pub root: String,
    /// What made it: `ca` or `fix`.
    pub kind: String,
    /// What it did, in a line.
    pub title: String,
    /// When it was applied (RFC 3339).
    pub applied_at: String,
    /// When it was undone, if it was.
    pub undone_at: Option<String>,
    /// The files it changed, relative to the root.
    pub files: Vec<String>,
}

impl Store {
    /// Records an applied change, in one transaction.
    pub async fn record_edit(
        &self,
        root: &str,
        kind: &str,
        title: &str,
        files: &[EditFile],
        dirs: &[String],
    ) -> Result<i64, StoreError> {
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(query_err("recording a change"))?;
        let id: i64 = sqlx::query(
            "INSERT INTO edit (root, kind, title, applied_at) VALUES (?, ?, ?, ?) RETURNING id",
        )
        .bind(root)
        .bind(kind)
        .bind(title)
        .bind(now_rfc3339())
        .fetch_one(&mut *tx)
        .await
        .map_err(query_err("recording a change"))?
        .get(0);
        for f in files {
            sqlx::query(
                "INSERT INTO edit_file (edit_id, path, before, after_sha256, mode_before) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(id)
            .bind(&f.path)
            .bind(f.before.as_deref())
            .bind(&f.after_sha256)
            .bind(f.mode_before.map(i64::from))
            .execute(&mut *tx)
            .await
            .map_err(query_err("recording a change"))?;
        }
        for d in dirs {
            sqlx::query("INSERT INTO edit_dir (edit_id, path) VALUES (?, ?)")
                .bind(id)
                .bind(d)
                .execute(&mut *tx)
                .await
                .map_err(query_err("recording a change"))?;
        }
        tx.commit().await.map_err(query_err("recording a change"))?;
        Ok(id)
    }

    /// The changes made to `root`, newest first.
    pub async fn edits(&self, root: &str) -> Result<Vec<EditRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.id, e.root, e.kind, e.title, e.applied_at, e.undone_at,
                    (SELECT json_group_array(path) FROM edit_file f WHERE f.edit_id = e.id) AS files
             FROM edit e WHERE e.root = ? ORDER BY e.id DESC",
        )
        .bind(root)
        .fetch_all(&self.pool)
        .await
        .map_err(query_err("listing changes"))?;
        rows.iter()
            .map(|r| {
                let files: String = r.get("files");
                Ok(EditRecord {
                    id: r.get("id"),
                    root: r.get("root"),
                    kind: r.get("kind"),
                    title: r.get("title"),
                    applied_at: r.get("applied_at"),
                    undone_at: r.get("undone_at"),
                    files: serde_json::from_str(&files).unwrap_or_default(),
                })
            })
            .collect()
    }

    /// The files and created folders of change `id`.
    pub async fn edit_contents(&self, id: i64) -> Result<(Vec<EditFile>, Vec<String>), StoreError> {
        let files = sqlx::query(
            "SELECT path, before, after_sha256, mode_before FROM edit_file WHERE edit_id = ? ORDER BY path",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(query_err("reading a change"))?
        .iter()
        .map(|r| EditFile {
            path: r.get("path"),
            before: r.get("before"),
            after_sha256: r.get("after_sha256"),
            mode_before: r
                .get::<Option<i64>, _>("mode_before")
                .and_then(|m| u32::try_from(m).ok()),
        })
        .collect();
        let dirs = sqlx::query("SELECT path FROM edit_dir WHERE edit_id = ? ORDER BY path DESC")
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .map_err(query_err("reading a change"))?
            .iter()
            .map(|r| r.get("path"))
            .collect();
        Ok((files, dirs))
    }

    /// Marks change `id` undone.
    pub async fn mark_undone(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE edit SET undone_at = ? WHERE id = ? AND undone_at IS NULL")
            .bind(now_rfc3339())
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(query_err("marking a change undone"))?;
        Ok(())
    }
}
