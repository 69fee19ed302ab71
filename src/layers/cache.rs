//! Converting layer walks to and from the store's cache records. Results are
//! kept per analyzer, keyed by diffID, analyzer id and version: a new version
//! of one analyzer invalidates only its own rows.

use serde::{Deserialize, Serialize};

use super::analyzers::{Registry, RULES};
use super::walk::{LayerWalk, PathHit};
use crate::finding::{Hit, Severity};
use crate::store::LayerRecord;

/// Version of what a walk stores (whiteouts, path keys): bump it when the
/// format or the path hash changes, and cached walks are recomputed.
pub const WALK_VERSION: i64 = 2;

/// A layer's whiteouts as stored: keys of deleted paths and opaque
/// folders, never their names.
#[derive(Serialize, Deserialize, Default)]
struct StoredWhiteouts {
    deleted: Vec<u64>,
    opaque: Vec<u64>,
    /// Entries whose names were too long to analyse (shown in results).
    #[serde(default)]
    skipped_long_names: u64,
    /// Key-named files too large for the key analyzer (shown in results).
    #[serde(default)]
    large_key_files: u64,
}

#[derive(Serialize, Deserialize)]
struct StoredHit {
    /// The file's path, redacted.
    path: String,
    /// Its path keys (see `walk::path_keys`).
    keys: Vec<u64>,
    rule: String,
    severity: Severity,
    evidence: String,
    secret_digest: Option<String>,
    #[serde(default)]
    heuristic: bool,
}

/// Path keys as stored: 8 bytes each, little-endian, sorted.
fn key_bytes(set: &std::collections::HashSet<u64>) -> Vec<u8> {
    let mut keys: Vec<u64> = set.iter().copied().collect();
    keys.sort_unstable();
    keys.iter().flat_map(|k| k.to_le_bytes()).collect()
}

fn keys(bytes: &[u8]) -> std::collections::HashSet<u64> {
    bytes
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
        .collect()
}

/// Records for every fully read layer (`(build step, walk)`, in order).
pub fn to_records(layers: &[(String, LayerWalk)], registry: &Registry) -> Vec<LayerRecord> {
    layers
        .iter()
        .filter_map(|(created_by, w)| {
            let diff_id = w.diff_id.clone()?;
            let sorted = |set: &std::collections::HashSet<u64>| {
                let mut v: Vec<u64> = set.iter().copied().collect();
                v.sort_unstable();
                v
            };
            let whiteouts = StoredWhiteouts {
                deleted: sorted(&w.deleted),
                opaque: sorted(&w.opaque),
                skipped_long_names: w.skipped_long_names,
                large_key_files: w.large_key_files,
            };
            let paths = key_bytes(&w.paths);
            let packaged = key_bytes(&w.packaged);
            let hits = registry
                .analyzers()
                .iter()
                .map(|a| {
                    let mine: Vec<StoredHit> = w
                        .hits
                        .iter()
                        .filter(|h| h.analyzer == a.id())
                        .map(|h| StoredHit {
                            path: h.hit.location.clone(),
                            keys: h.keys.clone(),
                            rule: h.hit.rule.to_string(),
                            severity: h.hit.severity.unwrap_or(Severity::Info),
                            evidence: h.hit.evidence.clone(),
                            secret_digest: h.hit.secret_digest.clone(),
                            heuristic: h.hit.heuristic,
                        })
                        .collect();
                    (
                        a.id().to_string(),
                        i64::from(a.version()),
                        serde_json::to_string(&mine).unwrap_or_else(|_| "[]".into()),
                    )
                })
                .collect();
            Some(LayerRecord {
                diff_id,
                created_by: created_by.clone(),
                size: i64::try_from(w.uncompressed_bytes).unwrap_or(i64::MAX),
                whiteouts: serde_json::to_string(&whiteouts).unwrap_or_else(|_| "{}".into()),
                paths,
                packaged,
                hits,
            })
        })
        .collect()
}

/// Walks rebuilt from records. Rows from analyzers or rules this build does
/// not know are ignored (the caller asked for current versions only).
pub fn from_records(records: &[LayerRecord], registry: &Registry) -> Vec<LayerWalk> {
    records
        .iter()
        .map(|r| {
            let whiteouts: StoredWhiteouts = serde_json::from_str(&r.whiteouts).unwrap_or_default();
            let mut w = LayerWalk {
                diff_id: Some(r.diff_id.clone()),
                uncompressed_bytes: u64::try_from(r.size).unwrap_or(0),
                skipped_long_names: whiteouts.skipped_long_names,
                large_key_files: whiteouts.large_key_files,
                deleted: whiteouts.deleted.into_iter().collect(),
                opaque: whiteouts.opaque.into_iter().collect(),
                paths: keys(&r.paths),
                packaged: keys(&r.packaged),
                ..LayerWalk::default()
            };
            for (analyzer, _, json) in &r.hits {
                let Some(a) = registry.analyzers().iter().find(|a| a.id() == analyzer) else {
                    continue;
                };
                let stored: Vec<StoredHit> = serde_json::from_str(json).unwrap_or_default();
                for h in stored {
                    let Some(rule) = RULES.iter().find(|r| **r == h.rule) else {
                        continue;
                    };
                    w.hits.push(PathHit {
                        keys: h.keys,
                        analyzer: a.id(),
                        hit: Hit {
                            rule,
                            severity: Some(h.severity),
                            location: h.path,
                            evidence: h.evidence,
                            secret_digest: h.secret_digest,
                            heuristic: h.heuristic,
                            fix: None,
                        },
                    });
                }
            }
            w
        })
        .collect()
}
