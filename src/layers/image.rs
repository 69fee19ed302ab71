//! Scanning an image end to end: from the engine (streamed, through the
//! layer cache) or from a `docker save` file, recorded in the store as one
//! scan of kind `layers` that is `running` from its first byte. The CLI and
//! the app call these functions and nothing below them.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use super::analyzers::Registry;
use super::archive::read_archive;
use super::cache;
use super::control::ScanControl;
use super::result::{build_scan, Assembly, Identity, ImageScan, LayerStack};
use super::walk::LayerWalk;
use super::{LayerError, Limits};
use crate::engine::Engine;
use crate::explain::Suppressions;
use crate::facts::ImageFacts;
use crate::finding::Finding;
use crate::rules::{Catalogue, Policy};
use crate::store::{ScanKind, ScanRun, Store};

/// Everything a layer scan works with: its bounds, the analyzers, the rule
/// catalogue and the suppressions in force.
pub struct Scanner {
    /// Bounds on what is read.
    pub limits: Limits,
    registry: Registry,
    secrets: &'static crate::secrets::SecretScanner,
    catalogue: &'static Catalogue,
    suppressions: Suppressions,
    /// What the image's configuration is judged by (the stale age).
    pub policy: Policy,
}

impl Scanner {
    /// The built-in analyzers and catalogue, with `limits`.
    pub fn builtin(limits: Limits) -> Result<Scanner, LayerError> {
        let rules = crate::secrets::builtin().map_err(|e| LayerError::Data(e.to_string()))?;
        let catalogue = crate::rules::builtin().map_err(|e| LayerError::Data(e.to_string()))?;
        Ok(Scanner {
            limits,
            registry: Registry::builtin(rules),
            secrets: rules,
            catalogue,
            suppressions: Suppressions::default(),
            policy: Policy::now(),
        })
    }

    /// The same, with the store's suppressions (they leave the score and
    /// `--fail-on` and are marked in every output).
    pub async fn for_store(limits: Limits, store: Option<&Store>) -> Result<Scanner, LayerError> {
        let mut scanner = Scanner::builtin(limits)?;
        if let Some(store) = store {
            scanner.suppressions = store.active_suppressions().await?;
        }
        Ok(scanner)
    }

    /// The analyzers.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Findings of an image's configuration and history: the inventory's
    /// image rules, so a scan answers for the whole image.
    pub fn config_findings(&self, facts: Option<&ImageFacts>) -> Vec<Finding> {
        facts.map_or_else(Vec::new, |f| self.catalogue.evaluate_image(f, &self.policy))
    }

    fn assembly(&self) -> Assembly<'_> {
        Assembly {
            catalogue: self.catalogue,
            secrets: self.secrets,
            suppressions: &self.suppressions,
            analyzers: self.registry.versions(),
            max_path_len: self.limits.max_path_len,
        }
    }

    /// Reads an archive stream and scans every image in it (`docker save`
    /// of several images shares layers; each layer is read once). Never
    /// fails outright: problems end a scan with `error` set, keeping the
    /// findings made before them. At least one scan is returned.
    pub fn scan_archive<R: Read>(
        &self,
        reader: R,
        name_hint: &str,
        control: &ScanControl,
    ) -> Vec<ImageScan> {
        let read = read_archive(reader, &self.limits, &self.registry, control);
        read.images()
            .into_iter()
            .map(|img| {
                let identity = Identity {
                    tags: img.tags,
                    image_id: img.image_id,
                    name_hint: name_hint.to_string(),
                };
                let config = self.config_findings(img.facts.as_ref());
                let stack = LayerStack {
                    labels: img.entries,
                    walks: img.walks,
                    history: img.history,
                    indexed: img.indexed,
                };
                build_scan(&identity, &stack, &config, img.error, &self.assembly())
            })
            .collect()
    }

    /// Like [`scan_archive`](Self::scan_archive) for the archive's first
    /// image, also returning each of its layers' walks in image order with
    /// its build step, for the layer cache.
    pub fn scan_archive_layers<R: Read>(
        &self,
        reader: R,
        name_hint: &str,
        config: &[Finding],
        control: &ScanControl,
    ) -> (ImageScan, Vec<(String, LayerWalk)>) {
        let read = read_archive(reader, &self.limits, &self.registry, control);
        let (scan, entries, history) = {
            let mut images = read.images();
            let img = images.swap_remove(0);
            let identity = Identity {
                tags: img.tags,
                image_id: img.image_id,
                name_hint: name_hint.to_string(),
            };
            let entries: Vec<String> = img.entries.iter().map(|e| e.to_string()).collect();
            let history = img.history.clone();
            let stack = LayerStack {
                labels: img.entries,
                walks: img.walks,
                history: img.history,
                indexed: img.indexed,
            };
            (
                build_scan(&identity, &stack, config, img.error, &self.assembly()),
                entries,
                history,
            )
        };
        let mut by_entry: std::collections::HashMap<String, LayerWalk> =
            read.walks.into_iter().collect();
        let steps = entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| {
                // The cache keeps build steps as shown: redacted.
                by_entry.remove(e).map(|w| {
                    let step = history.get(i).map(String::as_str).unwrap_or_default();
                    (crate::rules::image::redact_step(self.secrets, step), w)
                })
            })
            .collect();
        (scan, steps)
    }

    /// The scan of an image built from the layer cache alone, without
    /// reading the image: `Some` only when every one of its layers
    /// (`diff_ids`, from inspect) was analysed at the current versions.
    pub async fn cached_scan(
        &self,
        store: &Store,
        identity: &Identity,
        diff_ids: &[String],
        config: &[Finding],
    ) -> Result<Option<ImageScan>, LayerError> {
        if diff_ids.is_empty() {
            return Ok(None);
        }
        let versions: Vec<(&str, u32)> = self
            .registry
            .analyzers()
            .iter()
            .map(|a| (a.id(), a.version()))
            .collect();
        let Some(records) = store
            .layer_records(diff_ids, cache::WALK_VERSION, &versions)
            .await?
        else {
            return Ok(None);
        };
        let walks = cache::from_records(&records, &self.registry);
        let stack = LayerStack {
            labels: diff_ids.iter().map(String::as_str).collect(),
            walks: walks.iter().collect(),
            history: records.iter().map(|r| r.created_by.clone()).collect(),
            indexed: true,
        };
        let mut scan = build_scan(identity, &stack, config, None, &self.assembly());
        scan.cached = true;
        Ok(Some(scan))
    }
}

/// Scans an image streamed from the engine, from the layer cache when every
/// layer is known. The archive is read on a blocking thread as it arrives;
/// memory stays bounded whatever its size. `control` receives progress and
/// can cancel (the scan then ends with [`LayerError::Cancelled`] in its
/// `error`). Records nothing (see [`scan_and_record`]) but the layer cache.
pub async fn scan_image(
    engine: &Engine,
    store: Option<&Store>,
    image: &str,
    scanner: Arc<Scanner>,
    control: &ScanControl,
) -> Result<ImageScan, LayerError> {
    let facts = engine
        .image_facts(image)
        .await
        .map_err(|e| LayerError::Engine(e.to_string()))?
        .ok_or_else(|| LayerError::NotFound {
            image: image.to_string(),
        })?;
    control.set_totals(u64::try_from(facts.size).unwrap_or(0), facts.diff_ids.len());
    let identity = Identity {
        tags: facts.tags.clone(),
        image_id: Some(facts.id.clone()),
        name_hint: image.to_string(),
    };
    let config = scanner.config_findings(Some(&facts));
    if let Some(store) = store {
        if let Some(scan) = scanner
            .cached_scan(store, &identity, &facts.diff_ids, &config)
            .await?
        {
            control.finish();
            return Ok(scan);
        }
    }
    let reader = engine.export(image);
    let name = image.to_string();
    let blocking_control = control.clone();
    let blocking_scanner = scanner.clone();
    let (scan, layers) = tokio::task::spawn_blocking(move || {
        let sync = tokio_util::io::SyncIoBridge::new(reader);
        blocking_scanner.scan_archive_layers(sync, &name, &config, &blocking_control)
    })
    .await
    .map_err(|e| LayerError::Io(std::io::Error::other(e)))?;
    if let (Some(store), None) = (store, &scan.error) {
        store
            .put_layer_records(
                &cache::to_records(&layers, scanner.registry()),
                cache::WALK_VERSION,
            )
            .await?;
    }
    Ok(scan)
}

/// Ends a recorded layer scan the way its outcome says: complete with the
/// findings of each scanned image, or interrupted with why.
async fn finish(
    run: ScanRun,
    outcome: &Result<Vec<ImageScan>, LayerError>,
) -> Result<(), LayerError> {
    match outcome {
        Err(e) => run.interrupted(&e.to_string()).await?,
        Ok(scans) => match scans.iter().find_map(|s| s.error.as_deref()) {
            Some(e) => run.interrupted(e).await?,
            None => {
                let findings: Vec<_> = scans
                    .iter()
                    .flat_map(ImageScan::recorded_findings)
                    .collect();
                let scores: Vec<_> = scans.iter().map(|s| (s.subject.clone(), s.score)).collect();
                run.complete(&findings, &scores).await?;
            }
        },
    }
    Ok(())
}

/// Scans an image from the engine and records the scan: `running` in the
/// store from the start, then complete with its findings, or interrupted
/// (nothing of it kept) when it stopped early. The one function the CLI and
/// the app use.
pub async fn scan_and_record(
    engine: &Engine,
    store: Option<&Store>,
    image: &str,
    limits: &Limits,
    control: &ScanControl,
) -> Result<ImageScan, LayerError> {
    let scanner = Arc::new(Scanner::for_store(limits.clone(), store).await?);
    let run = match store {
        Some(s) => Some(
            s.begin(ScanKind::Layers, &engine.info().endpoint, image)
                .await?,
        ),
        None => None,
    };
    let outcome = scan_image(engine, store, image, scanner, control)
        .await
        .map(|s| vec![s]);
    if let Some(run) = run {
        finish(run, &outcome).await?;
    }
    outcome.map(|mut v| v.remove(0))
}

/// Scans every image of a `docker save` file and records it as one layer
/// scan (scope: the file). The file is streamed, never loaded whole.
pub async fn scan_archive_file(
    path: &Path,
    store: Option<&Store>,
    limits: &Limits,
    control: &ScanControl,
) -> Result<Vec<ImageScan>, LayerError> {
    let file = std::fs::File::open(path).map_err(|e| LayerError::Open {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    let scanner = Arc::new(Scanner::for_store(limits.clone(), store).await?);
    let source = format!("archive:{}", path.display());
    let run = match store {
        Some(s) => Some(
            s.begin(ScanKind::Layers, &source, &path.display().to_string())
                .await?,
        ),
        None => None,
    };
    let name = path.display().to_string();
    let blocking_control = control.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        scanner.scan_archive(std::io::BufReader::new(file), &name, &blocking_control)
    })
    .await
    .map_err(|e| LayerError::Io(std::io::Error::other(e)));
    if let Some(run) = run {
        finish(run, &outcome).await?;
    }
    outcome
}
