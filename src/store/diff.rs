//! What changed between two scans, from the finding events each scan logged:
//! a diff is the first and last event of each finding between them.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sqlx::Row;
use ts_rs::TS;

use super::error::query_err;
use super::findings::{parse_severity, parse_subject_kind};
use super::scans::{scan_record, ScanStatus};
use super::{ScanRecord, Store, StoreError};
use crate::finding::{Severity, SubjectKind};

/// A finding in a diff: enough to say what it is and where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DiffFinding {
    /// Stable fingerprint.
    pub fingerprint: String,
    /// Catalogue rule id.
    pub rule: String,
    /// Rule title.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// What kind of subject.
    pub subject_kind: SubjectKind,
    /// Subject name.
    pub subject: String,
    /// Where in the subject.
    pub location: String,
}

/// What changed between two scans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ScanDiff {
    /// The earlier scan.
    pub from: i64,
    /// The later scan.
    pub to: i64,
    /// Findings open after `to` that were never seen up to `from`.
    pub new: Vec<DiffFinding>,
    /// Findings open after `from` and resolved after `to`.
    pub resolved: Vec<DiffFinding>,
    /// Findings resolved after `from` and open again after `to`.
    pub reopened: Vec<DiffFinding>,
}

impl Store {
    async fn complete_scan_record(&self, id: i64) -> Result<ScanRecord, StoreError> {
        let rec = self.scan(id).await?;
        if rec.status != ScanStatus::Complete {
            return Err(StoreError::NoSuchScan(format!(
                "scan {id} did not complete ({}); compare complete scans",
                rec.status.as_str()
            )));
        }
        Ok(rec)
    }

    /// What changed between scans `from` and `to`. By default `to` is the
    /// latest complete scan and `from` the complete scan of the same kind
    /// and scope before it.
    pub async fn diff(&self, from: Option<i64>, to: Option<i64>) -> Result<ScanDiff, StoreError> {
        let to = match to {
            Some(id) => self.complete_scan_record(id).await?,
            None => {
                let row = sqlx::query(
                    "SELECT * FROM scan WHERE status = 'complete' AND (?1 IS NULL OR id > ?1) ORDER BY id DESC LIMIT 1",
                )
                .bind(from)
                .fetch_optional(&self.pool)
                .await
                .map_err(query_err("reading scans"))?
                .ok_or_else(|| StoreError::NoSuchScan("no complete scan yet".into()))?;
                scan_record(&row)?
            }
        };
        let from = match from {
            Some(id) => self.complete_scan_record(id).await?.id,
            None => sqlx::query_scalar(
                "SELECT id FROM scan WHERE status = 'complete' AND kind = ? AND scope = ? AND id < ?
                 ORDER BY id DESC LIMIT 1",
            )
            .bind(to.kind.as_str())
            .bind(&to.scope)
            .bind(to.id)
            .fetch_optional(&self.pool)
            .await
            .map_err(query_err("reading scans"))?
            .ok_or_else(|| {
                StoreError::NoSuchScan(format!(
                    "scan {} is the first complete {} scan of {}: nothing to compare it with",
                    to.id,
                    to.kind.as_str(),
                    to.scope
                ))
            })?,
        };
        self.diff_between(from, to.id).await
    }

    /// The net change of every finding with an event after `from` up to `to`.
    pub(super) async fn diff_between(&self, from: i64, to: i64) -> Result<ScanDiff, StoreError> {
        let (lo, hi) = (from.min(to), from.max(to));
        let rows = sqlx::query(
            "SELECT e.fingerprint, e.event, f.rule_id, f.title, f.severity, f.subject_kind, f.subject_name, f.location
             FROM finding_event e JOIN finding f ON f.fingerprint = e.fingerprint
             WHERE e.scan_id > ? AND e.scan_id <= ? ORDER BY e.scan_id",
        )
        .bind(lo)
        .bind(hi)
        .fetch_all(&self.pool)
        .await
        .map_err(query_err("reading changes"))?;
        // First and last event of each finding in the range decide its net change.
        let mut seen: HashMap<String, (String, String, DiffFinding)> = HashMap::new();
        let mut order = Vec::new();
        for r in rows {
            let fp: String = r.get("fingerprint");
            let event: String = r.get("event");
            match seen.get_mut(&fp) {
                Some(entry) => entry.1 = event,
                None => {
                    order.push(fp.clone());
                    let f = DiffFinding {
                        fingerprint: fp.clone(),
                        rule: r.get("rule_id"),
                        title: r.get("title"),
                        severity: parse_severity(&r.get::<String, _>("severity"))?,
                        subject_kind: parse_subject_kind(&r.get::<String, _>("subject_kind"))?,
                        subject: r.get("subject_name"),
                        location: r.get("location"),
                    };
                    seen.insert(fp, (event.clone(), event, f));
                }
            }
        }
        let mut diff = ScanDiff {
            from: lo,
            to: hi,
            new: vec![],
            resolved: vec![],
            reopened: vec![],
        };
        for fp in order {
            let Some((first, last, f)) = seen.remove(&fp) else {
                continue;
            };
            match (first.as_str(), last.as_str()) {
                ("new", "new" | "reopened") => diff.new.push(f),
                ("reopened", "new" | "reopened") => diff.reopened.push(f),
                ("reopened" | "resolved", "resolved") => diff.resolved.push(f),
                // Appeared and went within the range, or went and came back.
                _ => {}
            }
        }
        for list in [&mut diff.new, &mut diff.resolved, &mut diff.reopened] {
            list.sort_by(|a, b| {
                b.severity
                    .cmp(&a.severity)
                    .then_with(|| a.subject.cmp(&b.subject))
                    .then_with(|| a.rule.cmp(&b.rule))
            });
        }
        Ok(diff)
    }
}
