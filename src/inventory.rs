//! One inventory run: snapshot the engine, apply the rules, score, record.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::engine::{Engine, EngineError, Snapshot};
use crate::explain::{self, explain, FindingReport, Known};
use crate::facts::{short_id, EngineInfo};
use crate::finding::{Finding, SeverityCounts, Subject};
use crate::rules::{self, Catalogue, Policy, RulesError};
use crate::store::{ScanKind, Store, StoreError};

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
            let explained = explain(&found, &known.suppressions);
            scores.push((Subject::container(&c.name, &c.id), explained.score));
            all.extend(found);
            ContainerReport {
                id: c.id.clone(),
                short_id: short_id(&c.id).to_string(),
                name: c.name.clone(),
                image: c.image.clone(),
                image_id: c.image_id.clone(),
                state: c.state.clone(),
                score: explained.score,
                counts: explained.counts,
                findings: explained.findings,
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
            // Layer findings of the same image share its subject (one
            // constructor, `Subject::image`), so they join as they are.
            let layers = known.layer_findings.get(&img.id);
            if let Some(layer_found) = layers {
                found.extend(layer_found.iter().cloned());
            }
            let explained = explain(&found, &known.suppressions);
            scores.push((
                Subject::image(&img.tags, Some(&img.id), &img.id),
                explained.score,
            ));
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
                score: explained.score,
                counts: explained.counts,
                findings: explained.findings,
                layers_scanned: layers.is_some(),
            }
        })
        .collect();

    containers.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.name.cmp(&b.name)));
    images.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.name.cmp(&b.name)));
    let counts = explain::counts(
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
    // Compiling the rules (CPU), marking the scan running (the store) and
    // asking the engine (waiting on its socket) do not depend on each other.
    let compile = tokio::task::spawn_blocking(rules::prepare);
    let begin = async {
        match store {
            Some(s) => s
                .begin(ScanKind::Inventory, &engine.info().endpoint, "all")
                .await
                .map(Some),
            None => Ok(None),
        }
    };
    let (run, snapshot, _) = tokio::join!(begin, engine.snapshot(), compile);
    let run = run?;
    let catalogue = rules::builtin()?;
    let evaluated = async {
        let snapshot = snapshot?;
        if let Some(s) = store {
            // What the stale check's "unused" reads: images running now.
            s.record_image_use(&snapshot.running_images(), &crate::clock::now_rfc3339())
                .await?;
        }
        let known = match store {
            Some(s) => Known {
                layer_findings: cached_layer_findings(s, &snapshot).await?,
                suppressions: s.active_suppressions().await?,
            },
            None => Known::default(),
        };
        Ok::<_, InventoryError>(evaluate(&snapshot, catalogue, policy, &known))
    }
    .await;
    let Some(run) = run else {
        return evaluated.map(|e| e.report);
    };
    let eval = match evaluated {
        Ok(eval) => eval,
        Err(e) => {
            // The engine going away part-way interrupts the scan; anything
            // else (the store, the cache) means it could not run.
            match &e {
                InventoryError::Engine(_) => run.interrupted(&e.to_string()).await?,
                _ => run.failed(&e.to_string()).await?,
            }
            return Err(e);
        }
    };
    let summary = run.complete(&eval.findings, &eval.scores).await?;
    let mut report = eval.report;
    report.scan_id = Some(summary.scan_id);
    report.new_findings = Some(summary.new_findings);
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
    let cached = store
        .cached_diff_ids(crate::layers::cache::WALK_VERSION)
        .await?;
    let scanner = crate::layers::Scanner::builtin(crate::layers::Limits::default())?;
    for img in &snapshot.images {
        if img.diff_ids.is_empty() || !img.diff_ids.iter().all(|d| cached.contains(d)) {
            continue;
        }
        let identity = crate::layers::Identity {
            tags: img.tags.clone(),
            image_id: Some(img.id.clone()),
            name_hint: img.display_name(),
        };
        if let Some(scan) = scanner
            .cached_scan(store, &identity, &img.diff_ids, &[])
            .await?
        {
            out.insert(img.id.clone(), scan.store_findings());
        }
    }
    Ok(out)
}
