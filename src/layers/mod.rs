//! Layer scans: read a `docker save` stream, walk every layer (deleted and
//! overwritten files included, since they are still in the image), and run
//! the analyzers over the files.
//!
//! Both layouts are read: legacy (`<id>/layer.tar` + `manifest.json`) and OCI
//! (`index.json` + `blobs/sha256/…`), with plain, gzip or zstd layers
//! detected by magic bytes. The archive is read once, front to back: layers
//! are analysed as they pass (manifest.json may come last), keyed by their
//! diffID computed on the way, and put in order once the config is read.
//! Everything is bounded (see [`Limits`]); bad input ends the scan with an
//! error naming the layer, keeping what was found before it.

pub mod analyzers;
pub mod cache;
pub mod control;
pub mod walk;

pub use control::{ScanControl, ScanProgress};

use std::collections::HashMap;
use std::io::{self, BufReader, Read};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::finding::{fingerprint, Severity, Subject, SubjectKind};
use analyzers::Registry;
use walk::{path_key, LayerWalk, Whiteout};

/// Errors of a layer scan.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LayerError {
    /// The stream ended inside a layer or the archive.
    #[error("{layer} is truncated: the archive ended before it did")]
    Truncated {
        /// Which layer or archive entry.
        layer: String,
    },
    /// The bytes are not a valid tar, gzip or zstd stream.
    #[error("{layer} is corrupt: {reason}")]
    Corrupt {
        /// Which layer or archive entry.
        layer: String,
        /// What the decoder said.
        reason: String,
    },
    /// Decompression exceeded the ratio or size limit.
    #[error("{layer} looks like a decompression bomb: {uncompressed} bytes unpacked at more than {ratio}:1; scan stopped")]
    Bomb {
        /// Which layer.
        layer: String,
        /// Bytes unpacked when it stopped.
        uncompressed: u64,
        /// The ratio limit.
        ratio: u64,
    },
    /// Too many entries in one layer.
    #[error("{layer} has more than {limit} entries; scan stopped")]
    TooManyEntries {
        /// Which layer.
        layer: String,
        /// The limit.
        limit: u64,
    },
    /// The archive's manifest or config is missing or malformed.
    #[error("the archive's {what} cannot be used: {reason}")]
    Manifest {
        /// `manifest.json`, `index.json`, the config.
        what: String,
        /// Why.
        reason: String,
    },
    /// The image is not on the engine.
    #[error("the engine has no image {image}")]
    NotFound {
        /// The name asked for.
        image: String,
    },
    /// The engine failed while streaming the image.
    #[error("{0}")]
    Engine(String),
    /// The user cancelled the scan.
    #[error("the scan was cancelled")]
    Cancelled,
    /// The layer cache could not be read or written.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// Reading the source failed.
    #[error("reading the image failed: {0}")]
    Io(#[from] io::Error),
}

/// Bounds on what a scan reads.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Bytes of one file handed to analyzers.
    pub max_file_read: u64,
    /// Entries in one layer.
    pub max_entries: u64,
    /// Length of an entry name; longer names are skipped.
    pub max_path_len: usize,
    /// Uncompressed:compressed ratio allowed once `ratio_floor` bytes are out.
    pub max_ratio: u64,
    /// Below this many uncompressed bytes the ratio is not checked.
    pub ratio_floor: u64,
    /// Uncompressed bytes of one layer.
    pub max_layer_bytes: u64,
    /// Size of a JSON document (manifest, config).
    pub max_json: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_read: 8 << 20,
            max_entries: 1_000_000,
            max_path_len: 4096,
            max_ratio: 200,
            ratio_floor: 64 << 20,
            max_layer_bytes: 64 << 30,
            max_json: 16 << 20,
        }
    }
}

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

/// One finding in a layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LayerFinding {
    /// Catalogue rule id.
    pub rule: String,
    /// Severity.
    pub severity: Severity,
    /// Rule title.
    pub title: String,
    /// diffID of the layer holding the file.
    pub layer: String,
    /// Its index (bottom first), when the manifest was read.
    pub layer_index: Option<usize>,
    /// The build step that created the layer.
    pub created_by: Option<String>,
    /// Path in the image.
    pub path: String,
    /// Index of a later layer that deletes or overwrites the file: it is
    /// hidden in the running container but still extractable from the image.
    pub removed_in_layer: Option<usize>,
    /// Redacted evidence.
    pub evidence: String,
    /// Stable fingerprint.
    pub fingerprint: String,
    /// Why it matters.
    pub why: String,
    /// How to fix it.
    pub fix: String,
}

/// The result of scanning one image archive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ImageScan {
    /// The image: its first tag, or its config digest.
    pub image: String,
    /// Config digest (the image ID), when read.
    pub image_id: Option<String>,
    /// Tags from the manifest.
    pub tags: Vec<String>,
    /// Layers, bottom first.
    pub layers: Vec<LayerInfo>,
    /// Findings, most severe first.
    pub findings: Vec<LayerFinding>,
    /// Set when the scan stopped early: findings made until then are kept.
    pub error: Option<String>,
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
}

#[derive(Deserialize)]
struct LegacyManifest {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers")]
    layers: Vec<String>,
}

#[derive(Deserialize)]
struct OciIndex {
    manifests: Vec<OciDescriptor>,
}

#[derive(Deserialize)]
struct OciDescriptor {
    digest: String,
    #[serde(default)]
    annotations: HashMap<String, String>,
}

#[derive(Deserialize)]
struct OciManifest {
    config: OciDescriptor,
    layers: Vec<OciDescriptor>,
}

#[derive(Deserialize)]
struct ImageConfig {
    rootfs: RootFs,
    #[serde(default)]
    history: Vec<HistoryEntry>,
}

#[derive(Deserialize)]
struct RootFs {
    diff_ids: Vec<String>,
}

#[derive(Deserialize)]
struct HistoryEntry {
    #[serde(default)]
    created_by: String,
    #[serde(default)]
    empty_layer: bool,
}

/// A reference as `docker images` shows it: `docker.io/library/alpine:3`
/// is `alpine:3`, `docker.io/acme/app:1` is `acme/app:1`, so that the same
/// image has the same name (and fingerprints) in either archive layout.
fn familiar(reference: &str) -> String {
    let r = reference.strip_prefix("docker.io/").unwrap_or(reference);
    r.strip_prefix("library/").unwrap_or(r).to_string()
}

/// The archive entry a link entry points at: relative to the link's folder
/// for a symlink, from the archive root for a hard link. `None` when it
/// climbs out of the archive.
fn resolve_link(name: &str, target: &str, symlink: bool) -> Option<String> {
    let mut parts: Vec<&str> = if symlink && !target.starts_with('/') {
        name.split('/').collect()
    } else {
        Vec::new()
    };
    if symlink && !target.starts_with('/') {
        parts.pop();
    }
    for p in target.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// The error an I/O error carries from outside the archive: the engine
/// stopping mid-stream, or the user cancelling. `None` for the archive's own.
pub(crate) fn carried(e: &io::Error) -> Option<LayerError> {
    let inner = e.get_ref()?;
    if inner.is::<control::CancelledMarker>() {
        return Some(LayerError::Cancelled);
    }
    inner
        .downcast_ref::<crate::engine::StreamError>()
        .map(|s| LayerError::Engine(s.0.clone()))
}

fn blob_path(digest: &str) -> String {
    format!("blobs/{}", digest.replacen(':', "/", 1))
}

/// Reads a whole archive stream and scans its first image. Never fails
/// outright: problems end the scan with `error` set, and findings made before
/// them are kept.
pub fn scan_archive<R: Read>(
    reader: R,
    limits: &Limits,
    registry: &Registry,
    name_hint: &str,
) -> ImageScan {
    scan_archive_layers(reader, limits, registry, name_hint, &ScanControl::default()).0
}

/// Like [`scan_archive`], also returning each layer's walk in image order
/// with its build step, for the cache. `control` follows and can stop it.
pub fn scan_archive_layers<R: Read>(
    reader: R,
    limits: &Limits,
    registry: &Registry,
    name_hint: &str,
    control: &ScanControl,
) -> (ImageScan, Vec<(String, LayerWalk)>) {
    let read = read_archive(reader, limits, registry, control);
    let mut images = read.images(registry, name_hint);
    let first = images.swap_remove(0);
    let mut by_entry: HashMap<String, LayerWalk> = read.walks.into_iter().collect();
    let steps = first
        .entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            by_entry
                .remove(e)
                .map(|w| (first.history.get(i).cloned().unwrap_or_default(), w))
        })
        .collect();
    (first.scan, steps)
}

/// Scans every image of an archive (`docker save` of several images shares
/// layers between them; each layer is read once).
pub fn scan_archive_all<R: Read>(
    reader: R,
    limits: &Limits,
    registry: &Registry,
    name_hint: &str,
) -> Vec<ImageScan> {
    read_archive(reader, limits, registry, &ScanControl::default())
        .images(registry, name_hint)
        .into_iter()
        .map(|i| i.scan)
        .collect()
}

/// Everything read from one archive.
struct ArchiveRead {
    jsons: HashMap<String, Vec<u8>>,
    /// Layer walks by archive entry name, in archive order.
    walks: Vec<(String, LayerWalk)>,
    /// Link entries (a shared layer written once): link name to target.
    aliases: HashMap<String, String>,
    error: Option<LayerError>,
}

/// One image of an archive, scanned.
struct ArchiveImage {
    scan: ImageScan,
    /// Its layers' entry names, bottom first.
    entries: Vec<String>,
    /// Build steps of its layers, bottom first.
    history: Vec<String>,
}

fn read_archive<R: Read>(
    reader: R,
    limits: &Limits,
    registry: &Registry,
    control: &ScanControl,
) -> ArchiveRead {
    let mut jsons = HashMap::new();
    let mut walks = Vec::new();
    let mut aliases = HashMap::new();
    let metered = control::Metered {
        inner: reader,
        control: control.clone(),
    };
    let error = read_entries(
        metered,
        limits,
        registry,
        control,
        &mut jsons,
        &mut walks,
        &mut aliases,
    )
    .err();
    control.finish();
    ArchiveRead {
        jsons,
        walks,
        aliases,
        error,
    }
}

impl ArchiveRead {
    /// The archive's images, at least one: without a usable manifest, one
    /// image of its layers in archive order, with that error set.
    fn images(&self, registry: &Registry, name_hint: &str) -> Vec<ArchiveImage> {
        let read_error = self.error.as_ref().map(ToString::to_string);
        let (layouts, layout_error) = match layouts(&self.jsons) {
            Ok(ls) => (ls.into_iter().map(Some).collect(), None),
            Err(e) => (vec![None], Some(e.to_string())),
        };
        let by_entry: HashMap<&str, &LayerWalk> =
            self.walks.iter().map(|(e, w)| (e.as_str(), w)).collect();
        layouts
            .into_iter()
            .map(|layout: Option<Layout>| {
                let mut error = read_error.clone().or(layout_error.clone());
                // Layers in image order; without a layout, in archive order.
                let ordered: Vec<(&str, &LayerWalk)> = match &layout {
                    Some(l) => l
                        .layer_entries
                        .iter()
                        .map(|e| self.aliases.get(e).unwrap_or(e).as_str())
                        .filter_map(|e| by_entry.get(e).map(|w| (e, *w)))
                        .collect(),
                    None => self.walks.iter().map(|(e, w)| (e.as_str(), w)).collect(),
                };
                let config = layout.as_ref().and_then(|l| l.config.as_ref());
                let history: Vec<String> = config
                    .map(|c| {
                        c.history
                            .iter()
                            .filter(|h| !h.empty_layer)
                            .map(|h| h.created_by.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                if let (Some(cfg), None) = (config, &error) {
                    let got: Vec<Option<&String>> =
                        ordered.iter().map(|(_, w)| w.diff_id.as_ref()).collect();
                    let want: Vec<Option<&String>> = cfg.rootfs.diff_ids.iter().map(Some).collect();
                    if got != want {
                        error = Some(
                            LayerError::Manifest {
                                what: "image config".into(),
                                reason: "its diff_ids do not match the layers in the archive"
                                    .into(),
                            }
                            .to_string(),
                        );
                    }
                }
                let identity = Identity {
                    tags: layout.as_ref().map(|l| l.tags.clone()).unwrap_or_default(),
                    image_id: layout.as_ref().and_then(|l| l.image_id.clone()),
                    name_hint: name_hint.to_string(),
                };
                let walks: Vec<&LayerWalk> = ordered.iter().map(|(_, w)| *w).collect();
                let labels: Vec<&str> = ordered.iter().map(|(e, _)| *e).collect();
                let scan = build_scan(
                    &identity,
                    &labels,
                    &walks,
                    &history,
                    layout.is_some(),
                    error,
                    registry,
                );
                ArchiveImage {
                    scan,
                    entries: labels.iter().map(|e| e.to_string()).collect(),
                    history,
                }
            })
            .collect()
    }
}

/// Who the image is: tags and ID when known, else what the user named.
pub struct Identity {
    /// `repo:tag` names.
    pub tags: Vec<String>,
    /// Config digest.
    pub image_id: Option<String>,
    /// The name given on the command line, or the archive's path.
    pub name_hint: String,
}

/// Scans an image streamed from the engine. The archive is read on a
/// blocking thread as it arrives; memory stays bounded whatever its size.
/// `control` receives progress and can cancel (the scan then ends with
/// [`LayerError::Cancelled`] in its `error`).
pub async fn scan_image(
    engine: &crate::engine::Engine,
    store: Option<&crate::store::Store>,
    image: &str,
    limits: &Limits,
    control: &ScanControl,
) -> Result<ImageScan, LayerError> {
    let scanner = secret_rules()?;
    let info = engine
        .image_layers(image)
        .await
        .map_err(|e| LayerError::Engine(e.to_string()))?
        .ok_or_else(|| LayerError::NotFound {
            image: image.to_string(),
        })?;
    control.set_totals(info.size, info.diff_ids.len());
    let identity = Identity {
        tags: info.tags.clone(),
        image_id: Some(info.id.clone()),
        name_hint: image.to_string(),
    };
    if let Some(store) = store {
        if let Some(scan) = cached_scan(store, &identity, &info.diff_ids).await? {
            control.finish();
            return Ok(scan);
        }
    }
    let reader = engine.export(image);
    let limits = limits.clone();
    let name = image.to_string();
    let blocking_control = control.clone();
    let (scan, layers) = tokio::task::spawn_blocking(move || {
        let registry = Registry::builtin(scanner);
        let sync = tokio_util::io::SyncIoBridge::new(reader);
        scan_archive_layers(sync, &limits, &registry, &name, &blocking_control)
    })
    .await
    .map_err(|e| LayerError::Io(io::Error::other(e)))?;
    if let (Some(store), None) = (store, &scan.error) {
        let registry = Registry::builtin(scanner);
        store
            .put_layer_records(&cache::to_records(&layers, &registry))
            .await?;
    }
    Ok(scan)
}

fn secret_rules() -> Result<&'static crate::secrets::SecretScanner, LayerError> {
    crate::secrets::builtin().map_err(|e| LayerError::Manifest {
        what: "secret rules".into(),
        reason: e.to_string(),
    })
}

/// The scan of an image built from the layer cache alone, without reading
/// the image: `Some` only when every one of its layers (`diff_ids`, from
/// inspect) was analysed at the current analyzer versions.
pub async fn cached_scan(
    store: &crate::store::Store,
    identity: &Identity,
    diff_ids: &[String],
) -> Result<Option<ImageScan>, LayerError> {
    if diff_ids.is_empty() {
        return Ok(None);
    }
    let registry = Registry::builtin(secret_rules()?);
    let versions: Vec<(&str, u32)> = registry
        .analyzers()
        .iter()
        .map(|a| (a.id(), a.version()))
        .collect();
    let Some(records) = store.layer_records(diff_ids, &versions).await? else {
        return Ok(None);
    };
    let history: Vec<String> = records.iter().map(|r| r.created_by.clone()).collect();
    let walks = cache::from_records(&records, &registry);
    let refs: Vec<&LayerWalk> = walks.iter().collect();
    let labels: Vec<&str> = diff_ids.iter().map(String::as_str).collect();
    let mut scan = build_scan(identity, &labels, &refs, &history, true, None, &registry);
    scan.cached = true;
    Ok(Some(scan))
}

/// Records a layer scan in the store as one scan of kind `layers`: complete
/// with its findings, or interrupted (nothing of it kept) when it stopped early.
pub async fn record(
    store: &crate::store::Store,
    source: &str,
    scan: &ImageScan,
) -> Result<(), crate::store::StoreError> {
    use crate::store::{ScanKind, ScanStatus};
    let id = store
        .begin_scan(ScanKind::Layers, source, &scan.image)
        .await?;
    // The image is this scan's scope: its layer findings not seen now are resolved.
    let findings = scan.store_findings();
    let subject = scan.subject();
    let score = crate::rules::score::score(&findings).value;
    match &scan.error {
        Some(e) => store.end_scan(id, ScanStatus::Interrupted, e).await,
        None => store
            .complete_scan(id, &findings, &[(subject, score)])
            .await
            .map(|_| ()),
    }
}

impl ImageScan {
    /// The image as the subject of findings.
    pub fn subject(&self) -> Subject {
        Subject {
            kind: SubjectKind::Image,
            key: self.image.clone(),
            name: self.image.clone(),
            id: self.image_id.clone().unwrap_or_default(),
        }
    }

    /// The findings as store records (evidence already redacted).
    pub fn store_findings(&self) -> Vec<crate::finding::Finding> {
        let subject = self.subject();
        self.findings
            .iter()
            .map(|f| crate::finding::Finding {
                fingerprint: f.fingerprint.clone(),
                rule: f.rule.clone(),
                severity: f.severity,
                title: f.title.clone(),
                subject: subject.clone(),
                location: format!("layer:{}:{}", f.layer, f.path),
                evidence: f.evidence.clone(),
                why: f.why.clone(),
                fix: f.fix.clone(),
                references: vec![],
            })
            .collect()
    }
}

fn read_entries<R: Read>(
    reader: R,
    limits: &Limits,
    registry: &Registry,
    control: &ScanControl,
    jsons: &mut HashMap<String, Vec<u8>>,
    walks: &mut Vec<(String, LayerWalk)>,
    aliases: &mut HashMap<String, String>,
) -> Result<(), LayerError> {
    let mut outer = tar::Archive::new(reader);
    let archive_err = |e: io::Error| {
        if let Some(carried) = carried(&e) {
            carried
        } else if e.kind() == io::ErrorKind::UnexpectedEof
            || e.to_string().contains("unexpected EOF")
        {
            LayerError::Truncated {
                layer: "the archive".into(),
            }
        } else {
            LayerError::Corrupt {
                layer: "the archive".into(),
                reason: e.to_string(),
            }
        }
    };
    for entry in outer.entries().map_err(archive_err)? {
        let entry = entry.map_err(archive_err)?;
        let kind = entry.header().entry_type();
        if kind.is_symlink() || kind.is_hard_link() {
            // `docker save` writes a layer shared by several images once and
            // links the others to it (`<id>/layer.tar -> ../<id0>/layer.tar`).
            let name = walk::normalise(&String::from_utf8_lossy(&entry.path_bytes()));
            if let Some(target) = entry.link_name_bytes() {
                let target = String::from_utf8_lossy(&target).into_owned();
                if let Some(resolved) = resolve_link(&name, &target, kind.is_symlink()) {
                    aliases.insert(name, resolved);
                }
            }
            continue;
        }
        if !kind.is_file() {
            continue;
        }
        let name = walk::normalise(&String::from_utf8_lossy(&entry.path_bytes()));
        let size = entry.header().size().unwrap_or(0);
        // Classify by content, from a full first tar block: a layer is
        // compressed or a tar (`ustar` at offset 257), whatever its first
        // file is called; only then may a `{` mean JSON. (A layer whose first
        // entry is named `{x}` must not pass for a document and go unscanned.)
        let mut head = Vec::with_capacity(512);
        let mut entry = entry;
        (&mut entry)
            .take(512)
            .read_to_end(&mut head)
            .map_err(archive_err)?;
        let layer_bytes = matches!(
            head.as_slice(),
            [0x1f, 0x8b, ..] | [0x28, 0xb5, 0x2f, 0xfd, ..]
        ) || head.get(257..262) == Some(b"ustar".as_slice());
        let is_layer = name.ends_with("layer.tar") || (name.starts_with("blobs/") && layer_bytes);
        let looks_json = !is_layer
            && (name.ends_with(".json") || name == "repositories" || head.first() == Some(&b'{'));
        let mut buffered = BufReader::with_capacity(64 * 1024, io::Cursor::new(head).chain(entry));
        if looks_json && size <= limits.max_json {
            let mut buf = Vec::with_capacity(size as usize);
            buffered
                .take(limits.max_json)
                .read_to_end(&mut buf)
                .map_err(archive_err)?;
            jsons.insert(name, buf);
        } else if is_layer || name.starts_with("blobs/") {
            control.layer_started();
            let mut w = LayerWalk::default();
            let label = format!("layer {name}");
            let result = walk::walk_layer(&mut buffered, &label, limits, registry, &mut w);
            walks.push((name, w));
            result?;
        }
    }
    Ok(())
}

/// Layer order, config and tags, from manifest.json or the OCI index.
struct Layout {
    config: Option<ImageConfig>,
    image_id: Option<String>,
    tags: Vec<String>,
    /// Archive entry names of the layers, bottom first.
    layer_entries: Vec<String>,
}

fn parse_json<'a, T: Deserialize<'a>>(what: &str, bytes: &'a [u8]) -> Result<T, LayerError> {
    serde_json::from_slice(bytes).map_err(|e| LayerError::Manifest {
        what: what.into(),
        reason: e.to_string(),
    })
}

fn layouts(jsons: &HashMap<String, Vec<u8>>) -> Result<Vec<Layout>, LayerError> {
    if let Some(bytes) = jsons.get("manifest.json") {
        let manifests: Vec<LegacyManifest> = parse_json("manifest.json", bytes)?;
        if manifests.is_empty() {
            return Err(LayerError::Manifest {
                what: "manifest.json".into(),
                reason: "it lists no image".into(),
            });
        }
        return manifests
            .into_iter()
            .map(|m| {
                let config = match jsons.get(&walk::normalise(&m.config)) {
                    Some(b) => Some(parse_json::<ImageConfig>("image config", b)?),
                    None => None,
                };
                let id = m
                    .config
                    .trim_end_matches(".json")
                    .rsplit('/')
                    .next()
                    .map(|h| format!("sha256:{h}"));
                Ok(Layout {
                    config,
                    image_id: id,
                    tags: m.repo_tags.unwrap_or_default(),
                    layer_entries: m.layers.iter().map(|l| walk::normalise(l)).collect(),
                })
            })
            .collect();
    }
    if let Some(bytes) = jsons.get("index.json") {
        let index: OciIndex = parse_json("index.json", bytes)?;
        if index.manifests.is_empty() {
            return Err(LayerError::Manifest {
                what: "index.json".into(),
                reason: "it lists no manifest".into(),
            });
        }
        return index
            .manifests
            .into_iter()
            .map(|desc| {
                let tag = desc
                    .annotations
                    .get("io.containerd.image.name")
                    .or(desc.annotations.get("org.opencontainers.image.ref.name"))
                    .map(|t| familiar(t));
                let mbytes =
                    jsons
                        .get(&blob_path(&desc.digest))
                        .ok_or_else(|| LayerError::Manifest {
                            what: "index.json".into(),
                            reason: format!("its manifest {} is not in the archive", desc.digest),
                        })?;
                let manifest: OciManifest = parse_json("OCI manifest", mbytes)?;
                let config = match jsons.get(&blob_path(&manifest.config.digest)) {
                    Some(b) => Some(parse_json::<ImageConfig>("image config", b)?),
                    None => None,
                };
                Ok(Layout {
                    config,
                    image_id: Some(manifest.config.digest.clone()),
                    tags: tag.into_iter().collect(),
                    layer_entries: manifest
                        .layers
                        .iter()
                        .map(|l| blob_path(&l.digest))
                        .collect(),
                })
            })
            .collect();
    }
    Err(LayerError::Manifest {
        what: "manifest".into(),
        reason: "neither manifest.json nor index.json is in the archive".into(),
    })
}

/// Index of the first later layer that deletes or overwrites `path`.
fn removed_in(path: &str, index: usize, ordered: &[&LayerWalk]) -> Option<usize> {
    let ancestors: Vec<&str> = path.match_indices('/').map(|(i, _)| &path[..i]).collect();
    for (j, w) in ordered.iter().enumerate().skip(index + 1) {
        let hidden = w.whiteouts.iter().any(|wo| match wo {
            Whiteout::Delete(p) => p == path || ancestors.contains(&p.as_str()),
            Whiteout::Opaque(dir) => dir.is_empty() || ancestors.contains(&dir.as_str()),
        });
        if hidden || w.paths.contains(&path_key(path)) {
            return Some(j);
        }
    }
    None
}

/// Turns ordered layer walks into a scan: findings with their layer, build
/// step and the later layer (if any) that hides them. `indexed` says whether
/// the order is the image's (from a manifest or inspect) or only the archive's.
pub fn build_scan(
    identity: &Identity,
    labels: &[&str],
    walks: &[&LayerWalk],
    history: &[String],
    indexed: bool,
    error: Option<String>,
    registry: &Registry,
) -> ImageScan {
    let image = identity
        .tags
        .first()
        .cloned()
        .or_else(|| identity.image_id.clone())
        .unwrap_or_else(|| identity.name_hint.clone());
    let subject = Subject {
        kind: SubjectKind::Image,
        key: image.clone(),
        name: image.clone(),
        id: identity.image_id.clone().unwrap_or_default(),
    };
    let catalogue = crate::rules::builtin().ok();
    let mut findings = Vec::new();
    let mut layers = Vec::new();
    for (i, w) in walks.iter().enumerate() {
        let label = labels.get(i).copied().unwrap_or("?");
        let diff_id = w
            .diff_id
            .clone()
            .unwrap_or_else(|| format!("(incomplete) {label}"));
        let created_by = history.get(i).cloned();
        for ph in &w.hits {
            let meta = catalogue.and_then(|c| c.get(ph.hit.rule));
            let location = format!("layer:{diff_id}:{}", ph.path);
            findings.push(LayerFinding {
                rule: ph.hit.rule.to_string(),
                severity: ph.hit.severity,
                title: meta.map(|m| m.title.clone()).unwrap_or_default(),
                layer: diff_id.clone(),
                layer_index: indexed.then_some(i),
                created_by: created_by.clone(),
                path: format!("/{}", ph.path),
                removed_in_layer: if indexed {
                    removed_in(&ph.path, i, walks)
                } else {
                    None
                },
                evidence: ph.hit.evidence.clone(),
                fingerprint: fingerprint(
                    ph.hit.rule,
                    &subject,
                    &location,
                    ph.hit.secret_digest.as_deref(),
                ),
                why: meta.map(|m| m.why.clone()).unwrap_or_default(),
                fix: meta.map(|m| m.fix.clone()).unwrap_or_default(),
            });
        }
        layers.push(LayerInfo {
            index: i,
            diff_id,
            created_by: created_by.unwrap_or_default(),
            size: w.uncompressed_bytes,
            findings: w.hits.len(),
        });
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.layer_index.cmp(&b.layer_index))
            .then(a.path.cmp(&b.path))
    });
    ImageScan {
        image,
        image_id: identity.image_id.clone(),
        tags: identity.tags.clone(),
        layers,
        findings,
        error,
        analyzers: registry.versions(),
        cached: false,
    }
}

#[cfg(test)]
mod tests;
