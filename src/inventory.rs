//! One inventory run: snapshot the engine, apply the rules, score, record.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::engine::{Engine, EngineError, Snapshot};
use crate::facts::{short_id, EngineInfo};
use crate::finding::{Finding, Severity, Subject};
use crate::rules::{self, score, Catalogue, Policy, RulesError};
use crate::store::{ScanKind, ScanStatus, Store, StoreError};

/// Errors of an inventory run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InventoryError {
    /// Talking to the engine failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// Recording the scan failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The rule catalogue does not load (a build defect).
    #[error(transparent)]
    Rules(#[from] &'static RulesError),
    /// Reading the layer cache failed.
    #[error(transparent)]
    Layers(#[from] crate::layers::LayerError),
}

/// Findings counted by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SeverityCounts {
    /// Critical findings.
    pub critical: u32,
    /// High findings.
    pub high: u32,
    /// Medium findings.
    pub medium: u32,
    /// Low findings.
    pub low: u32,
    /// Informational findings.
    pub info: u32,
}

impl SeverityCounts {
    /// Counts findings, leaving out suppressed ones.
    pub fn of<'a>(findings: impl IntoIterator<Item = &'a FindingReport>) -> SeverityCounts {
        let mut c = SeverityCounts::default();
        for f in findings {
            if f.suppressed_reason.is_none() {
                c.add(f.severity);
            }
        }
        c
    }

    fn add(&mut self, s: Severity) {
        match s {
            Severity::Critical => self.critical += 1,
            Severity::High => self.high += 1,
            Severity::Medium => self.medium += 1,
            Severity::Low => self.low += 1,
            Severity::Info => self.info += 1,
        }
    }

    /// The count for one severity.
    pub fn get(&self, s: Severity) -> u32 {
        match s {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }

    /// The most severe level with any finding.
    pub fn worst(&self) -> Option<Severity> {
        Severity::ALL_DESC.into_iter().find(|s| self.get(*s) > 0)
    }
}

/// A finding as the inventory shows it, with its share of the subject's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FindingReport {
    /// Stable fingerprint.
    pub fingerprint: String,
    /// Rule id.
    pub rule: String,
    /// Severity.
    pub severity: Severity,
    /// Rule title.
    pub title: String,
    /// Where on the subject.
    pub location: String,
    /// What was seen (redacted).
    pub evidence: String,
    /// Why it matters.
    pub why: String,
    /// How to fix it.
    pub fix: String,
    /// References (CIS, Dockle).
    pub references: Vec<String>,
    /// Points of the subject's score due to this finding.
    pub points: f64,
    /// Why the user accepted it, while suppressed: it then adds nothing to
    /// the score or the counts.
    pub suppressed_reason: Option<String>,
    /// Until when (RFC 3339), when the suppression has an end.
    pub suppressed_until: Option<String>,
}

/// One image in the inventory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ImageReport {
    /// Full ID.
    pub id: String,
    /// 12-digit ID.
    pub short_id: String,
    /// `repo:tag` names; empty when dangling.
    pub tags: Vec<String>,
    /// First tag or short ID.
    pub name: String,
    /// Creation time (RFC 3339).
    pub created: Option<String>,
    /// Size in bytes.
    pub size: i64,
    /// Names of containers made from it.
    pub containers: Vec<String>,
    /// Risk score 0-100.
    pub score: u8,
    /// Findings, most severe first.
    pub findings: Vec<FindingReport>,
    /// Findings by severity.
    pub counts: SeverityCounts,
    /// Whether its layers have been scanned (their findings are then part of
    /// `findings` and the score); false until a layer scan of this image.
    pub layers_scanned: bool,
}

/// One container in the inventory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ContainerReport {
    /// Full ID.
    pub id: String,
    /// 12-digit ID.
    pub short_id: String,
    /// Name.
    pub name: String,
    /// Image reference it was created from.
    pub image: String,
    /// Image ID.
    pub image_id: String,
    /// `running`, `created`, `exited`…
    pub state: String,
    /// Risk score 0-100.
    pub score: u8,
    /// Findings, most severe first.
    pub findings: Vec<FindingReport>,
    /// Findings by severity.
    pub counts: SeverityCounts,
}

/// The whole inventory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct InventoryReport {
    /// The engine.
    pub engine: EngineInfo,
    /// When the report was made (RFC 3339).
    pub generated_at: String,
    /// The scan recorded for it, when a store was used.
    pub scan_id: Option<i64>,
    /// Findings seen for the first time in this scan, when a store was used.
    pub new_findings: Option<i64>,
    /// All findings by severity.
    pub counts: SeverityCounts,
    /// Images, riskiest first.
    pub images: Vec<ImageReport>,
    /// Containers, riskiest first.
    pub containers: Vec<ContainerReport>,
}

impl InventoryReport {
    /// Every finding of every subject.
    pub fn all_findings(&self) -> impl Iterator<Item = &FindingReport> {
        self.images
            .iter()
            .flat_map(|i| &i.findings)
            .chain(self.containers.iter().flat_map(|c| &c.findings))
    }
}

/// What the store knows that an inventory shows: layer findings of scanned
/// images (by image ID) and suppressions in force (fingerprint to reason, until).
#[derive(Debug, Default)]
pub struct Known {
    /// Layer findings by image ID, for images whose layers are all cached.
    pub layer_findings: HashMap<String, Vec<Finding>>,
    /// Suppressions in force.
    pub suppressions: HashMap<String, (String, Option<String>)>,
}

/// Scores `findings` (suppressed ones left out) and explains each one's share.
pub(crate) fn explain(findings: &[Finding], known: &Known) -> (u8, Vec<FindingReport>) {
    let counted: Vec<Finding> = findings
        .iter()
        .filter(|f| !known.suppressions.contains_key(&f.fingerprint))
        .cloned()
        .collect();
    let s = score::score(&counted);
    let points: HashMap<&str, f64> = s
        .shares
        .iter()
        .map(|sh| (sh.fingerprint.as_str(), sh.points))
        .collect();
    let reports = findings
        .iter()
        .map(|f| FindingReport {
            fingerprint: f.fingerprint.clone(),
            rule: f.rule.clone(),
            severity: f.severity,
            title: f.title.clone(),
            location: f.location.clone(),
            evidence: f.evidence.clone(),
            why: f.why.clone(),
            fix: f.fix.clone(),
            references: f.references.clone(),
            points: points.get(f.fingerprint.as_str()).copied().unwrap_or(0.0),
            suppressed_reason: known.suppressions.get(&f.fingerprint).map(|s| s.0.clone()),
            suppressed_until: known
                .suppressions
                .get(&f.fingerprint)
                .and_then(|s| s.1.clone()),
        })
        .collect();
    (s.value, reports)
}

/// Everything an inventory found, before rendering: the report, and the raw
/// findings and scores the store records.
pub struct Evaluation {
    /// The report.
    pub report: InventoryReport,
    /// Every finding.
    pub findings: Vec<Finding>,
    /// Each subject's score.
    pub scores: Vec<(Subject, u8)>,
}

/// Applies the catalogue to a snapshot. Pure: no I/O.
pub fn evaluate(
    snapshot: &Snapshot,
    catalogue: &Catalogue,
    policy: &Policy,
    known: &Known,
) -> Evaluation {
    let images_by_id: HashMap<&str, &crate::facts::ImageFacts> =
        snapshot.images.iter().map(|i| (i.id.as_str(), i)).collect();
    let mut all = Vec::new();
    let mut scores = Vec::new();

    let mut containers: Vec<ContainerReport> = snapshot
        .containers
        .iter()
        .map(|c| {
            let found =
                catalogue.evaluate_container(c, images_by_id.get(c.image_id.as_str()).copied());
            let (score, findings) = explain(&found, known);
            scores.push((rules::container_subject(c), score));
            all.extend(found);
            ContainerReport {
                id: c.id.clone(),
                short_id: short_id(&c.id).to_string(),
                name: c.name.clone(),
                image: c.image.clone(),
                image_id: c.image_id.clone(),
                state: c.state.clone(),
                score,
                counts: SeverityCounts::of(&findings),
                findings,
            }
        })
        .collect();

    let mut images: Vec<ImageReport> = snapshot
        .images
        .iter()
        .map(|img| {
            let mut found = catalogue.evaluate_image(img, policy);
            // Recorded by this scan: the config rules' findings. Layer
            // findings are recorded by layer scans; here they only count.
            all.extend(found.iter().cloned());
            let layers = known.layer_findings.get(&img.id);
            if let Some(layer_found) = layers {
                let subject = rules::image_subject(img);
                found.extend(layer_found.iter().map(|f| Finding {
                    subject: subject.clone(),
                    ..f.clone()
                }));
            }
            let (score, findings) = explain(&found, known);
            scores.push((rules::image_subject(img), score));
            ImageReport {
                id: img.id.clone(),
                short_id: short_id(&img.id).to_string(),
                tags: img.tags.clone(),
                name: img.display_name(),
                created: img.created.clone(),
                size: img.size,
                containers: snapshot
                    .containers
                    .iter()
                    .filter(|c| c.image_id == img.id)
                    .map(|c| c.name.clone())
                    .collect(),
                score,
                counts: SeverityCounts::of(&findings),
                findings,
                layers_scanned: layers.is_some(),
            }
        })
        .collect();

    containers.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.name.cmp(&b.name)));
    images.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.name.cmp(&b.name)));
    let counts = SeverityCounts::of(
        images
            .iter()
            .flat_map(|i| &i.findings)
            .chain(containers.iter().flat_map(|c| &c.findings)),
    );
    Evaluation {
        report: InventoryReport {
            engine: snapshot.engine.clone(),
            generated_at: time::OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            scan_id: None,
            new_findings: None,
            counts,
            images,
            containers,
        },
        findings: all,
        scores,
    }
}

/// Runs an inventory against a connected engine, recording it in `store`
/// when given. Read-only towards the engine. If the engine fails part-way,
/// the scan is recorded as interrupted and nothing of it is kept.
pub async fn run(
    engine: &Engine,
    store: Option<&Store>,
    policy: &Policy,
) -> Result<InventoryReport, InventoryError> {
    let catalogue = rules::builtin()?;
    let scan_id = match store {
        Some(s) => Some(
            s.begin_scan(ScanKind::Inventory, &engine.info().endpoint, "all")
                .await?,
        ),
        None => None,
    };
    let snapshot = match engine.snapshot().await {
        Ok(s) => s,
        Err(e) => {
            if let (Some(s), Some(id)) = (store, scan_id) {
                s.end_scan(id, ScanStatus::Interrupted, &e.to_string())
                    .await?;
            }
            return Err(e.into());
        }
    };
    let known = match store {
        Some(s) => Known {
            layer_findings: cached_layer_findings(s, &snapshot).await?,
            suppressions: s.active_suppressions().await?,
        },
        None => Known::default(),
    };
    let eval = evaluate(&snapshot, catalogue, policy, &known);
    let mut report = eval.report;
    if let (Some(s), Some(id)) = (store, scan_id) {
        let summary = s.complete_scan(id, &eval.findings, &eval.scores).await?;
        report.scan_id = Some(summary.scan_id);
        report.new_findings = Some(summary.new_findings);
    }
    Ok(report)
}

/// Layer findings of every image whose layers are all in the layer cache at
/// the current analyzer versions, by image ID. Images not yet scanned have
/// no entry: their score is from their config alone until they are.
async fn cached_layer_findings(
    store: &Store,
    snapshot: &Snapshot,
) -> Result<HashMap<String, Vec<Finding>>, InventoryError> {
    let mut out = HashMap::new();
    let cached = store.cached_diff_ids().await?;
    for img in &snapshot.images {
        if img.diff_ids.is_empty() || !img.diff_ids.iter().all(|d| cached.contains(d)) {
            continue;
        }
        let identity = crate::layers::Identity {
            tags: img.tags.clone(),
            image_id: Some(img.id.clone()),
            name_hint: img.display_name(),
        };
        if let Some(scan) = crate::layers::cached_scan(store, &identity, &img.diff_ids).await? {
            out.insert(img.id.clone(), scan.store_findings());
        }
    }
    Ok(out)
}
