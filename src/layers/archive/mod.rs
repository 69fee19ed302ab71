//! Reading a `docker save` stream once, front to back, in either layout:
//! layers are walked as they pass (`manifest.json` may come last), keyed by
//! their archive entry, and put in image order once the manifest and config
//! are read. Links between entries (a layer shared by two images is written
//! once) resolve inside the archive only.

mod layout;

use std::collections::HashMap;
use std::io::{self, BufReader, Read};

use super::analyzers::Registry;
use super::control::{self, ScanControl};
use super::walk::{self, LayerWalk};
use super::{carried, LayerError, Limits};
use layout::{layouts, Layout};

/// Everything read from one archive.
pub(super) struct ArchiveRead {
    jsons: HashMap<String, Vec<u8>>,
    /// Layer walks by archive entry name, in archive order.
    pub(super) walks: Vec<(String, LayerWalk)>,
    /// Link entries (a shared layer written once): link name to target.
    aliases: HashMap<String, String>,
    /// JSON documents too large to read: name and size.
    oversized: Vec<(String, u64)>,
    max_json: u64,
    error: Option<LayerError>,
}

/// One image of an archive: its layers in image order (or archive order
/// when no manifest could be used), ready to become a scan.
pub(super) struct ArchiveImage<'a> {
    /// Tags from the manifest.
    pub(super) tags: Vec<String>,
    /// Config digest.
    pub(super) image_id: Option<String>,
    /// Archive entry names of its layers, bottom first.
    pub(super) entries: Vec<&'a str>,
    /// Their walks.
    pub(super) walks: Vec<&'a LayerWalk>,
    /// Build steps of its layers, bottom first.
    pub(super) history: Vec<String>,
    /// Whether the order is the image's (from a manifest) or only the archive's.
    pub(super) indexed: bool,
    /// Why the scan of this image is partial, if it is.
    pub(super) error: Option<String>,
    /// What the image rules read, from its config, when it was in the archive.
    pub(super) facts: Option<crate::facts::ImageFacts>,
}

/// Reads a whole archive, walking each layer with the registry's analyzers.
/// Never fails outright: a problem ends the reading with `error` set, and
/// what was read before it is kept.
pub(super) fn read_archive<R: Read>(
    reader: R,
    limits: &Limits,
    registry: &Registry,
    control: &ScanControl,
) -> ArchiveRead {
    let mut read = ArchiveRead {
        jsons: HashMap::new(),
        walks: Vec::new(),
        aliases: HashMap::new(),
        oversized: Vec::new(),
        max_json: limits.max_json,
        error: None,
    };
    let metered = control::Metered {
        inner: reader,
        control: control.clone(),
    };
    read.error = read_entries(metered, limits, registry, control, &mut read).err();
    control.finish();
    read
}

impl ArchiveRead {
    /// The archive's images, at least one: without a usable manifest, one
    /// image of its layers in archive order, with that error set.
    pub(super) fn images(&self) -> Vec<ArchiveImage<'_>> {
        let read_error = self.error.as_ref().map(ToString::to_string);
        let (layouts, layout_error) = match layouts(&self.jsons, &self.oversized, self.max_json) {
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
                let mut missing: Vec<String> = Vec::new();
                let ordered: Vec<(&str, &LayerWalk)> = match &layout {
                    Some(l) => l
                        .layer_entries
                        .iter()
                        .map(|e| self.aliases.get(e).unwrap_or(e).as_str())
                        .filter_map(|e| match by_entry.get_key_value(e) {
                            Some((k, w)) => Some((*k, *w)),
                            None => {
                                missing.push(format!("layer {e}"));
                                None
                            }
                        })
                        .collect(),
                    None => self.walks.iter().map(|(e, w)| (e.as_str(), w)).collect(),
                };
                if let Some(c) = layout.as_ref().and_then(|l| l.missing_config.as_ref()) {
                    missing.insert(0, format!("image config {c}"));
                }
                // Pieces the manifest names that the archive lacks make the
                // scan partial (when reading stopped early, that says why).
                if !missing.is_empty() && read_error.is_none() {
                    error = Some(
                        LayerError::Manifest {
                            what: "manifest".into(),
                            reason: format!(
                                "it names what the archive does not hold: {}",
                                missing.join(", ")
                            ),
                        }
                        .to_string(),
                    );
                }
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
                let tags: Vec<String> = layout.as_ref().map(|l| l.tags.clone()).unwrap_or_default();
                let image_id = layout.as_ref().and_then(|l| l.image_id.clone());
                let size = ordered.iter().map(|(_, w)| w.uncompressed_bytes).sum();
                let facts = config.map(|c| c.facts(image_id.as_deref(), &tags, size));
                ArchiveImage {
                    facts,
                    tags: layout.as_ref().map(|l| l.tags.clone()).unwrap_or_default(),
                    image_id: layout.as_ref().and_then(|l| l.image_id.clone()),
                    entries: ordered.iter().map(|(e, _)| *e).collect(),
                    walks: ordered.iter().map(|(_, w)| *w).collect(),
                    history,
                    indexed: layout.is_some(),
                    error,
                }
            })
            .collect()
    }
}

/// The archive entry a link entry points at: relative to the link's folder
/// for a symlink, from the archive root for a hard link. `None` when it
/// climbs out of the archive.
pub(super) fn resolve_link(name: &str, target: &str, symlink: bool) -> Option<String> {
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

fn read_entries<R: Read>(
    reader: R,
    limits: &Limits,
    registry: &Registry,
    control: &ScanControl,
    read: &mut ArchiveRead,
) -> Result<(), LayerError> {
    let mut outer = tar::Archive::new(super::guard::TarGuard::new(reader));
    let archive_err = |e: io::Error| {
        if let Some(carried) = carried(&e) {
            carried
        } else if let Some(o) = e
            .get_ref()
            .and_then(|i| i.downcast_ref::<super::guard::OversizedHeader>())
        {
            LayerError::Corrupt {
                layer: "the archive".into(),
                reason: o.to_string(),
            }
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
                    read.aliases.insert(name, resolved);
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
        if looks_json && size > limits.max_json {
            read.oversized.push((name, size));
            continue;
        }
        if looks_json {
            let mut buf = Vec::with_capacity(size as usize);
            buffered
                .take(limits.max_json)
                .read_to_end(&mut buf)
                .map_err(archive_err)?;
            read.jsons.insert(name, buf);
        } else if is_layer || name.starts_with("blobs/") {
            control.layer_started();
            let mut w = LayerWalk::default();
            let label = format!("layer {name}");
            let result = walk::walk_layer(&mut buffered, &label, limits, registry, &mut w);
            read.walks.push((name, w));
            result?;
        }
    }
    Ok(())
}
