//! What the Overview page reads: open findings after each scan (from the
//! per-scan aggregates, one row per scan), the riskiest subjects of the
//! latest inventory, and what that inventory changed.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use ts_rs::TS;

use super::diff::ScanDiff;
use super::error::query_err;
use super::findings::parse_subject_kind;
use super::scans::counts_from;
use super::{Store, StoreError};
use crate::finding::{SeverityCounts, SubjectKind};

/// Open findings after one scan, for the trend chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TrendPoint {
    /// Scan id.
    pub scan_id: i64,
    /// When it finished (RFC 3339).
    pub at: String,
    /// Open, unsuppressed findings by severity.
    pub open: SeverityCounts,
}

/// A subject's score in the latest inventory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SubjectScore {
    /// Image or container.
    pub kind: SubjectKind,
    /// Name.
    pub name: String,
    /// 0–100.
    pub score: i64,
}

/// What the Overview page shows from history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Overview {
    /// Open findings after each complete scan, oldest first.
    pub trend: Vec<TrendPoint>,
    /// What the latest inventory changed against the one before it.
    pub since_last: Option<ScanDiff>,
    /// Riskiest subjects of the latest inventory.
    pub top_subjects: Vec<SubjectScore>,
}

impl Store {
    /// Open findings after each of the last `limit` complete scans, oldest first.
    pub async fn trend(&self, limit: i64) -> Result<Vec<TrendPoint>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, finished_at, open_critical, open_high, open_medium, open_low, open_info
             FROM scan WHERE status = 'complete' ORDER BY id DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(query_err("reading the trend"))?;
        let mut points = rows
            .iter()
            .map(|r| {
                Ok(TrendPoint {
                    scan_id: r.try_get("id")?,
                    at: r
                        .try_get::<Option<String>, _>("finished_at")?
                        .unwrap_or_default(),
                    open: counts_from(r, "open_")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(query_err("reading the trend"))?;
        points.reverse();
        Ok(points)
    }

    /// Riskiest subjects of the latest complete inventory.
    pub async fn top_subjects(&self, limit: i64) -> Result<Vec<SubjectScore>, StoreError> {
        let rows = sqlx::query(
            "SELECT subject_kind, subject_name, score FROM subject_score
             WHERE scan_id = (SELECT max(id) FROM scan WHERE kind = 'inventory' AND status = 'complete')
             ORDER BY score DESC, subject_name LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(query_err("reading scores"))?;
        rows.iter()
            .map(|r| {
                Ok(SubjectScore {
                    kind: parse_subject_kind(&r.get::<String, _>("subject_kind"))?,
                    name: r.get("subject_name"),
                    score: r.get("score"),
                })
            })
            .collect()
    }

    /// Trend, since-last-inventory and top subjects in one call.
    pub async fn overview(&self, trend_points: i64) -> Result<Overview, StoreError> {
        let last_two: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM scan WHERE kind = 'inventory' AND status = 'complete' ORDER BY id DESC LIMIT 2",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(query_err("reading scans"))?;
        let since_last = match last_two.as_slice() {
            [to, from] => Some(self.diff_between(*from, *to).await?),
            _ => None,
        };
        Ok(Overview {
            trend: self.trend(trend_points).await?,
            since_last,
            top_subjects: self.top_subjects(10).await?,
        })
    }
}
