//! What a layer scan returns: the image's layers with their build steps,
//! and its findings, each with the layer that holds the file and the later
//! layer (if any) that hides it, explained against the image's score.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::context::{place_of, Place};
use super::walk::LayerWalk;
use crate::explain::{explain, FindingReport, Suppressions};
use crate::finding::{Finding, Hit, SeverityCounts, Subject};
use crate::rules::Catalogue;

/// One layer of the scanned image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LayerInfo {
    /// Position, bottom layer first, from 0.
    pub index: usize,
    /// `sha256:` of the uncompressed layer.
    pub diff_id: String,
    /// The build step that made it.
    pub created_by: String,
    /// Uncompressed size in bytes.
    pub size: u64,
    /// Findings in this layer.
    pub findings: usize,
}

/// One finding about an image: the finding as every report shows it, and,
/// for a file in a layer, where in the image it is. Findings of the image's
/// configuration and history (ENV, build steps, user, age) have no layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LayerFinding {
    /// The finding, with its share of the image's score.
    #[serde(flatten)]
    #[ts(flatten)]
    pub finding: FindingReport,
    /// diffID of the layer holding the file; none for a finding of the
    /// image's configuration or history.
    pub layer: Option<String>,
    /// Its index (bottom first), when the manifest was read.
    pub layer_index: Option<usize>,
    /// The build step that created the layer.
    pub created_by: Option<String>,
    /// Path of the file in the image (secrets in it redacted).
    pub path: Option<String>,
    /// Index of a later layer that deletes or overwrites the file: it is
    /// hidden in the running container but still extractable from the image.
    pub removed_in_layer: Option<usize>,
    /// Whether the file is vendor code (a dependency tree or a packaged
    /// file) rather than the application's own: shown after the others.
    pub vendor: bool,
}

/// The result of scanning one image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ImageScan {
    /// The image: its first tag, or its config digest.
    pub image: String,
    /// The image as the subject of its findings.
    pub subject: Subject,
    /// Config digest (the image ID), when read.
    pub image_id: Option<String>,
    /// Tags from the manifest.
    pub tags: Vec<String>,
    /// Layers, bottom first.
    pub layers: Vec<LayerInfo>,
    /// Findings, most severe first.
    pub findings: Vec<LayerFinding>,
    /// The image's score from these findings (suppressed ones left out).
    pub score: u8,
    /// Findings by severity (suppressed ones left out).
    pub counts: SeverityCounts,
    /// Set when the scan stopped early: findings made until then are kept.
    pub error: Option<String>,
    /// What was read but not analysed, and why (empty: every file was).
    pub not_analysed: Vec<String>,
    /// `id@version` of the analyzers used.
    pub analyzers: String,
    /// Whether every layer's results came from the cache (the image was not read).
    pub cached: bool,
}

impl ImageScan {
    /// Whether the scan stopped before the end.
    pub fn partial(&self) -> bool {
        self.error.is_some()
    }

    /// The findings in layer files (not the configuration's).
    pub fn layer_findings(&self) -> impl Iterator<Item = &LayerFinding> {
        self.findings.iter().filter(|f| f.layer.is_some())
    }

    /// The layer findings alone, as the inventory merges them from the
    /// cache (it judges the configuration itself).
    pub fn store_findings(&self) -> Vec<Finding> {
        self.as_findings(true)
    }

    /// Every finding of the scan as it is recorded: the layers' and the
    /// configuration's (its ENV, build history, user, age), with the
    /// inventory's fingerprints, so `findings`, `report` and the window
    /// show what `scan` printed.
    pub fn recorded_findings(&self) -> Vec<Finding> {
        self.as_findings(false)
    }

    fn as_findings(&self, layers_only: bool) -> Vec<Finding> {
        self.findings
            .iter()
            .filter(|f| !layers_only || f.layer.is_some())
            .map(|f| {
                let r = &f.finding;
                Finding {
                    fingerprint: r.fingerprint.clone(),
                    rule: r.rule.clone(),
                    severity: r.severity,
                    title: r.title.clone(),
                    subject: self.subject.clone(),
                    location: r.location.clone(),
                    evidence: r.evidence.clone(),
                    why: r.why.clone(),
                    fix: r.fix.clone(),
                    references: r.references.clone(),
                }
            })
            .collect()
    }
}

/// Who the image is: tags and ID when known, else what the user named.
#[derive(Debug, Clone)]
pub struct Identity {
    /// `repo:tag` names.
    pub tags: Vec<String>,
    /// Config digest.
    pub image_id: Option<String>,
    /// The name given on the command line, or the archive's path.
    pub name_hint: String,
}

impl Identity {
    /// The image as a subject: the same constructor the inventory uses.
    pub fn subject(&self) -> Subject {
        Subject::image(&self.tags, self.image_id.as_deref(), &self.name_hint)
    }
}

/// An image's layers in order, each with its walk and build step.
pub struct LayerStack<'a> {
    /// A name for each layer while its diffID is unknown (its archive entry).
    pub labels: Vec<&'a str>,
    /// The walks, bottom first.
    pub walks: Vec<&'a LayerWalk>,
    /// Build steps, bottom first.
    pub history: Vec<String>,
    /// Whether the order is the image's (from a manifest or inspect) or
    /// only the archive's; "removed in layer N" needs the image's.
    pub indexed: bool,
}

/// What assembling a scan needs besides the layers.
pub struct Assembly<'a> {
    /// The rule catalogue (titles, why, fix).
    pub catalogue: &'a Catalogue,
    /// The secret rules, to redact what is shown (build steps, names, errors).
    pub secrets: &'a crate::secrets::SecretScanner,
    /// Suppressions in force.
    pub suppressions: &'a Suppressions,
    /// `id@version` of the analyzers that made the walks.
    pub analyzers: String,
    /// The longest entry name analysed (see [`super::Limits::max_path_len`]).
    pub max_path_len: usize,
}

/// Index of the first later layer that deletes or overwrites the file
/// whose [`path_keys`](super::walk::path_keys) are `keys` (the file first,
/// then each folder above it up to the root): a whiteout of the file or a
/// folder above it, an opaque folder above it, or the same path written
/// again. Set lookups: linear in layers and depth, whatever the whiteouts.
fn removed_in(keys: &[u64], index: usize, ordered: &[&LayerWalk]) -> Option<usize> {
    let (file, above) = keys.split_first()?;
    for (j, w) in ordered.iter().enumerate().skip(index + 1) {
        let hidden = w.deleted.contains(file)
            || above
                .iter()
                .any(|k| w.deleted.contains(k) || w.opaque.contains(k))
            || w.paths.contains(file);
        if hidden {
            return Some(j);
        }
    }
    None
}

/// The rule a file's hit is reported under where the file sits, or `None`
/// when it is not reported there: heuristics only on the application's own
/// files; keys in vendor tests and examples as information; certificates
/// of vendor tests not at all.
fn in_context(hit: &Hit, place: Place) -> Option<&'static str> {
    match (hit.rule, place) {
        (_, Place::Application) => Some(hit.rule),
        _ if hit.heuristic => None,
        ("image.layer-private-key", Place::DependencyTest) => {
            Some("image.layer-dependency-test-key")
        }
        ("image.layer-ca-certificate", Place::DependencyTest) => None,
        (rule, _) => Some(rule),
    }
}

/// Turns ordered layer walks into a scan: each hit becomes a finding (the
/// catalogue's one way) located at `layer:<diffID>:<path>`, with its layer,
/// build step and the later layer that hides it; with the findings of the
/// image's configuration (`config`, from the same rules as the inventory),
/// all explained together against the image's score.
pub fn build_scan(
    identity: &Identity,
    stack: &LayerStack<'_>,
    config: &[Finding],
    error: Option<String>,
    assembly: &Assembly<'_>,
) -> ImageScan {
    let scanner = assembly.secrets;
    let subject = {
        let s = identity.subject();
        Subject {
            key: scanner.redact_text(&s.key),
            name: scanner.redact_text(&s.name),
            ..s
        }
    };
    let history: Vec<String> = stack
        .history
        .iter()
        .map(|h| crate::rules::image::redact_step(scanner, h))
        .collect();
    let error = error.map(|e| scanner.redact_text(&e));
    let mut found: Vec<(Finding, Spot)> = Vec::new();
    let mut layers = Vec::new();
    for (i, w) in stack.walks.iter().enumerate() {
        let label = stack.labels.get(i).copied().unwrap_or("?");
        let diff_id = w
            .diff_id
            .clone()
            .unwrap_or_else(|| format!("(incomplete) {label}"));
        let created_by = history.get(i).cloned();
        for ph in &w.hits {
            let path = ph.hit.location.clone();
            let real = ph.keys.first().copied().unwrap_or_default();
            // A file the package manager wrote in this layer (its database
            // in the same layer lists it) is vendor code, wherever it is; a
            // packaged file a later layer rewrites (`COPY redis.conf
            // /etc/redis/`, `sed -i`) is the application's.
            let place = place_of(&path, real, &w.packaged);
            let Some(rule) = in_context(&ph.hit, place) else {
                continue;
            };
            let hit = Hit {
                rule,
                severity: if rule == ph.hit.rule {
                    ph.hit.severity
                } else {
                    None
                },
                location: format!("layer:{diff_id}:{path}"),
                ..ph.hit.clone()
            };
            let Some(mut finding) = assembly.catalogue.finding(&subject, hit) else {
                continue;
            };
            // Shown (and stored) with the image's absolute path; the
            // fingerprint above keeps the form earlier releases hashed, so
            // history and suppressions of layer findings carry over.
            finding.location = format!("layer:{diff_id}:/{path}");
            let place = Spot {
                layer: Some(diff_id.clone()),
                layer_index: stack.indexed.then_some(i),
                created_by: created_by.clone(),
                removed_in_layer: if stack.indexed {
                    removed_in(&ph.keys, i, &stack.walks)
                } else {
                    None
                },
                path: Some(format!("/{path}")),
                vendor: place != Place::Application,
            };
            found.push((finding, place));
        }
        layers.push(LayerInfo {
            index: i,
            diff_id,
            created_by: created_by.unwrap_or_default(),
            size: w.uncompressed_bytes,
            findings: w.hits.len(),
        });
    }
    found.extend(config.iter().map(|f| {
        (
            f.clone(),
            Spot {
                layer: None,
                layer_index: None,
                created_by: None,
                path: None,
                removed_in_layer: None,
                vendor: false,
            },
        )
    }));
    // One finding per fingerprint: the same secret at the same place.
    let mut seen = HashMap::new();
    found.retain(|(f, _)| seen.insert(f.fingerprint.clone(), ()).is_none());
    let findings: Vec<Finding> = found.iter().map(|(f, _)| f.clone()).collect();
    let explained = explain(&findings, assembly.suppressions);
    let mut findings: Vec<LayerFinding> = found
        .into_iter()
        .zip(explained.findings)
        .map(|((_, place), finding)| LayerFinding {
            finding,
            layer: place.layer,
            layer_index: place.layer_index,
            created_by: place.created_by,
            path: place.path,
            removed_in_layer: place.removed_in_layer,
            vendor: place.vendor,
        })
        .collect();
    findings.sort_by(|a, b| {
        b.finding
            .severity
            .cmp(&a.finding.severity)
            .then(a.layer_index.cmp(&b.layer_index))
            .then(a.path.cmp(&b.path))
    });
    let long_names: u64 = stack.walks.iter().map(|w| w.skipped_long_names).sum();
    let mut not_analysed = Vec::new();
    if long_names > 0 {
        not_analysed.push(format!(
            "{long_names} entries with names over {} bytes were not analysed",
            assembly.max_path_len
        ));
    }
    let large_key_files: u64 = stack.walks.iter().map(|w| w.large_key_files).sum();
    if large_key_files > 0 {
        not_analysed.push(format!(
            "{large_key_files} files named like keys or credentials are over {} MiB: searched for tokens, not for private keys or certificates",
            super::file::WINDOW >> 20
        ));
    }
    ImageScan {
        not_analysed,
        image: subject.key.clone(),
        subject,
        image_id: identity.image_id.clone(),
        tags: identity
            .tags
            .iter()
            .map(|t| scanner.redact_text(t))
            .collect(),
        layers,
        findings,
        score: explained.score,
        counts: explained.counts,
        error,
        analyzers: assembly.analyzers.clone(),
        cached: false,
    }
}

/// Where a finding sits in the image (see [`LayerFinding`]).
struct Spot {
    layer: Option<String>,
    layer_index: Option<usize>,
    created_by: Option<String>,
    path: Option<String>,
    removed_in_layer: Option<usize>,
    vendor: bool,
}

/// A layer finding reads as the finding it is (`f.rule`, `f.severity`).
impl std::ops::Deref for LayerFinding {
    type Target = FindingReport;
    fn deref(&self) -> &FindingReport {
        &self.finding
    }
}
