//! The two `docker save` layouts: legacy (`manifest.json` naming
//! `<id>/layer.tar` files and a config) and OCI (`index.json` naming
//! manifests in `blobs/sha256/`). Each gives, per image, the layer order,
//! the config (diffIDs, history) and the tags.

use std::collections::HashMap;

use serde::Deserialize;

use super::super::walk;
use super::super::LayerError;

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
    #[serde(rename = "mediaType", default)]
    media_type: String,
    #[serde(default)]
    annotations: HashMap<String, String>,
}

#[derive(Deserialize)]
struct OciManifest {
    config: OciDescriptor,
    layers: Vec<OciDescriptor>,
}

#[derive(Deserialize)]
pub(super) struct ImageConfig {
    pub(super) rootfs: RootFs,
    #[serde(default)]
    pub(super) history: Vec<HistoryEntry>,
    #[serde(default)]
    created: Option<String>,
    #[serde(default)]
    config: Option<RunConfig>,
}

/// The part of an image config the rules read (`docker inspect`'s `Config`).
#[derive(Deserialize, Default)]
struct RunConfig {
    #[serde(rename = "Env", default)]
    env: Option<Vec<String>>,
    #[serde(rename = "User", default)]
    user: Option<String>,
    #[serde(rename = "Healthcheck", default)]
    healthcheck: Option<HealthcheckConfig>,
}

#[derive(Deserialize)]
struct HealthcheckConfig {
    #[serde(rename = "Test", default)]
    test: Option<Vec<String>>,
}

impl ImageConfig {
    /// The facts the image rules read, as the engine's inspect gives them.
    pub(super) fn facts(
        &self,
        id: Option<&str>,
        tags: &[String],
        size: u64,
    ) -> crate::facts::ImageFacts {
        use crate::facts::{EnvVar, HistoryFact, ImageFacts};
        let run = self.config.as_ref();
        let created = self.created.clone().filter(|c| !c.is_empty());
        ImageFacts {
            id: id.unwrap_or_default().to_string(),
            tags: tags.to_vec(),
            digests: vec![],
            created_unix: created.as_deref().and_then(crate::clock::parse_unix),
            created,
            user: run.and_then(|r| r.user.clone()).unwrap_or_default(),
            env: run
                .and_then(|r| r.env.as_ref())
                .map(|e| e.iter().map(|v| EnvVar::parse(v)).collect())
                .unwrap_or_default(),
            healthcheck: run.and_then(|r| r.healthcheck.as_ref()).map(|h| {
                let test = h.test.clone().unwrap_or_default();
                !(test.is_empty() || test.first().is_some_and(|t| t == "NONE"))
            }),
            history: self
                .history
                .iter()
                .map(|h| HistoryFact {
                    created_by: h.created_by.clone(),
                    empty_layer: h.empty_layer,
                })
                .collect(),
            size: i64::try_from(size).unwrap_or(i64::MAX),
            diff_ids: self.rootfs.diff_ids.clone(),
        }
    }
}

#[derive(Deserialize)]
pub(super) struct RootFs {
    pub(super) diff_ids: Vec<String>,
}

#[derive(Deserialize)]
pub(super) struct HistoryEntry {
    #[serde(default)]
    pub(super) created_by: String,
    #[serde(default)]
    pub(super) empty_layer: bool,
}

/// A reference as `docker images` shows it: `docker.io/library/alpine:3`
/// is `alpine:3`, `docker.io/acme/app:1` is `acme/app:1`, so that the same
/// image has the same name (and fingerprints) in either archive layout.
fn familiar(reference: &str) -> String {
    let r = reference.strip_prefix("docker.io/").unwrap_or(reference);
    r.strip_prefix("library/").unwrap_or(r).to_string()
}

pub(super) fn blob_path(digest: &str) -> String {
    format!("blobs/{}", digest.replacen(':', "/", 1))
}

/// Layer order, config and tags, from manifest.json or the OCI index.
pub(super) struct Layout {
    pub(super) config: Option<ImageConfig>,
    pub(super) image_id: Option<String>,
    pub(super) tags: Vec<String>,
    /// Archive entry names of the layers, bottom first.
    pub(super) layer_entries: Vec<String>,
    /// The config's entry name, when the manifest names one the archive
    /// does not hold (the scan is then partial).
    pub(super) missing_config: Option<String>,
}

/// Nested OCI indexes (an index naming indexes, as multi-platform images
/// have) are followed this deep and this wide, no further.
const MAX_INDEX_DEPTH: usize = 4;
const MAX_INDEX_MANIFESTS: usize = 256;

fn parse_json<'a, T: Deserialize<'a>>(what: &str, bytes: &'a [u8]) -> Result<T, LayerError> {
    serde_json::from_slice(bytes).map_err(|e| LayerError::Manifest {
        what: what.into(),
        reason: e.to_string(),
    })
}

/// Layer order, config and tags of every image, from `manifest.json` or the
/// OCI `index.json`. `oversized` lists JSON documents that were too large to
/// read (name, bytes), so that a missing manifest is reported as what it is.
pub(super) fn layouts(
    jsons: &HashMap<String, Vec<u8>>,
    oversized: &[(String, u64)],
    max_json: u64,
) -> Result<Vec<Layout>, LayerError> {
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
                let config_entry = walk::normalise(&m.config);
                let config = match jsons.get(&config_entry) {
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
                    missing_config: config.is_none().then_some(config_entry),
                    config,
                    image_id: id,
                    tags: m.repo_tags.unwrap_or_default(),
                    layer_entries: m.layers.iter().map(|l| walk::normalise(l)).collect(),
                })
            })
            .collect();
    }
    if let Some(bytes) = jsons.get("index.json") {
        let mut out = Vec::new();
        oci_index(jsons, "index.json", bytes, None, 0, &mut out)?;
        if out.is_empty() {
            return Err(LayerError::Manifest {
                what: "index.json".into(),
                reason: "it lists no image manifest the archive holds".into(),
            });
        }
        return Ok(out);
    }
    if let Some((name, size)) = oversized
        .iter()
        .find(|(n, _)| n == "manifest.json" || n == "index.json")
    {
        return Err(LayerError::Manifest {
            what: name.clone(),
            reason: format!("it is {size} bytes, over the {max_json}-byte limit for a manifest"),
        });
    }
    Err(LayerError::Manifest {
        what: "manifest".into(),
        reason: "neither manifest.json nor index.json is in the archive".into(),
    })
}

/// The images an OCI index names, following nested indexes (bounded).
fn oci_index(
    jsons: &HashMap<String, Vec<u8>>,
    what: &str,
    bytes: &[u8],
    tag: Option<&str>,
    depth: usize,
    out: &mut Vec<Layout>,
) -> Result<(), LayerError> {
    let index: OciIndex = parse_json(what, bytes)?;
    if index.manifests.is_empty() && depth == 0 {
        return Err(LayerError::Manifest {
            what: what.into(),
            reason: "it lists no manifest".into(),
        });
    }
    for desc in index.manifests {
        if out.len() >= MAX_INDEX_MANIFESTS {
            return Err(LayerError::Manifest {
                what: what.into(),
                reason: format!("it names more than {MAX_INDEX_MANIFESTS} images"),
            });
        }
        let tag = desc
            .annotations
            .get("io.containerd.image.name")
            .or(desc.annotations.get("org.opencontainers.image.ref.name"))
            .map(|t| familiar(t))
            .or(tag.map(str::to_string));
        let Some(mbytes) = jsons.get(&blob_path(&desc.digest)) else {
            if depth == 0 {
                return Err(LayerError::Manifest {
                    what: what.into(),
                    reason: format!("its manifest {} is not in the archive", desc.digest),
                });
            }
            // A nested index lists every platform; an archive holds the
            // blobs of the ones that were pulled.
            continue;
        };
        let nested = desc.media_type.contains("image.index")
            || desc.media_type.contains("manifest.list")
            || serde_json::from_slice::<serde_json::Value>(mbytes)
                .is_ok_and(|v| v.get("manifests").is_some() && v.get("layers").is_none());
        if nested {
            if depth + 1 >= MAX_INDEX_DEPTH {
                return Err(LayerError::Manifest {
                    what: what.into(),
                    reason: format!("its indexes nest more than {MAX_INDEX_DEPTH} deep"),
                });
            }
            oci_index(
                jsons,
                "nested OCI index",
                mbytes,
                tag.as_deref(),
                depth + 1,
                out,
            )?;
            continue;
        }
        let manifest: OciManifest = parse_json("OCI manifest", mbytes)?;
        let config_entry = blob_path(&manifest.config.digest);
        let config = match jsons.get(&config_entry) {
            Some(b) => Some(parse_json::<ImageConfig>("image config", b)?),
            None => None,
        };
        out.push(Layout {
            missing_config: config.is_none().then_some(config_entry),
            config,
            image_id: Some(manifest.config.digest.clone()),
            tags: tag.into_iter().collect(),
            layer_entries: manifest
                .layers
                .iter()
                .map(|l| blob_path(&l.digest))
                .collect(),
        });
    }
    Ok(())
}
