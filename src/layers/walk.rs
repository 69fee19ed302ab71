//! Walking one layer tar as a stream: detect its compression by magic bytes,
//! hash the uncompressed bytes (the diffID) as they pass, record whiteouts
//! and every path (to tell later which findings a later layer hides), and
//! hand small enough files to the analyzers. Nothing is written to disk and
//! no link is followed: names, links and devices are only data.

use std::collections::HashSet;
use std::io::{self, BufRead, BufReader, Read};

use sha2::{Digest, Sha256};

use super::analyzers::Registry;
use super::context;
use super::{LayerError, Limits};
use crate::finding::Hit;

/// A finding in one file of one layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathHit {
    /// Id of the analyzer that found it (the cache keeps results per analyzer).
    pub analyzer: &'static str,
    /// What was found; its location is the file's path inside the image,
    /// without a leading `/`, with any secret in it redacted.
    pub hit: Hit,
    /// [`path_keys`] of the file's real path: to tell whether a later layer
    /// deletes or overwrites it without keeping the name.
    pub keys: Vec<u64>,
}

/// Keys of a path and of each folder above it, nearest first, ending with
/// the root (`""`): what a whiteout or an overwrite is compared with.
pub fn path_keys(path: &str) -> Vec<u64> {
    let mut keys = vec![path_key(path)];
    keys.extend(
        path.match_indices('/')
            .rev()
            .map(|(i, _)| path_key(&path[..i])),
    );
    keys.push(path_key(""));
    keys
}

/// What a layer walk produced; filled as the walk goes, so a walk that fails
/// part-way still holds the findings made before the failure.
#[derive(Debug, Default)]
pub struct LayerWalk {
    /// `sha256:` of the uncompressed tar, once the whole layer was read.
    pub diff_id: Option<String>,
    /// Bytes read from the archive (compressed size).
    pub compressed_bytes: u64,
    /// Uncompressed bytes.
    pub uncompressed_bytes: u64,
    /// Entries seen.
    pub entries: u64,
    /// Keys of the paths this layer deletes (`.wh.NAME`).
    pub deleted: HashSet<u64>,
    /// Keys of the folders this layer makes opaque (`.wh..wh..opq`): what
    /// earlier layers had below them is hidden. The root is `path_key("")`.
    pub opaque: HashSet<u64>,
    /// Hashes of every path this layer writes (files, links, folders).
    pub paths: HashSet<u64>,
    /// Findings.
    pub hits: Vec<PathHit>,
    /// Entries whose names were too long to analyse.
    pub skipped_long_names: u64,
    /// Files named like keys or credentials too large for the whole-file
    /// analyzers: searched for tokens, not for keys.
    pub large_key_files: u64,
    /// Files the layer's package databases (dpkg, apk) list, as path keys.
    pub packaged: HashSet<u64>,
}

/// Hash of a normalised path, for the per-layer path sets: 64-bit FNV-1a,
/// which is defined byte for byte and so the same in every build. (The
/// cache stores these keys; `std`'s `DefaultHasher` does not promise to keep
/// its output across Rust releases.)
pub fn path_key(path: &str) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0100_0000_01b3;
    path.bytes()
        .fold(OFFSET, |h, b| (h ^ u64::from(b)).wrapping_mul(PRIME))
}

/// Normalises an entry name: no leading `./` or `/`, no trailing `/`.
/// `..` is kept as it is: the name is data, never resolved on the host.
pub fn normalise(name: &str) -> String {
    let mut n = name;
    loop {
        if let Some(rest) = n.strip_prefix("./") {
            n = rest;
        } else if let Some(rest) = n.strip_prefix('/') {
            n = rest;
        } else {
            break;
        }
    }
    n.trim_end_matches('/').to_string()
}

/// Counts bytes read from the archive.
struct Counting<R> {
    inner: R,
    count: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// Hashes the uncompressed stream and stops a decompression bomb.
struct Hashing<'l, R> {
    inner: R,
    sha: Sha256,
    count: u64,
    compressed: std::rc::Rc<std::cell::Cell<u64>>,
    limits: &'l Limits,
}

impl<R: Read> Read for Hashing<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.sha.update(&buf[..n]);
        self.count += n as u64;
        if self.count > self.limits.ratio_floor
            && self.count
                > self
                    .limits
                    .max_ratio
                    .saturating_mul(self.compressed.get().max(1))
        {
            return Err(io::Error::other(BombMarker));
        }
        if self.count > self.limits.max_layer_bytes {
            return Err(io::Error::other(BombMarker));
        }
        Ok(n)
    }
}

#[derive(Debug)]
struct BombMarker;
impl std::fmt::Display for BombMarker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("decompression limit")
    }
}
impl std::error::Error for BombMarker {}

fn classify(label: &str, e: io::Error, limits: &Limits, walk: &LayerWalk) -> LayerError {
    if e.get_ref().is_some_and(|inner| inner.is::<BombMarker>()) {
        return LayerError::Bomb {
            layer: label.to_string(),
            uncompressed: walk.uncompressed_bytes,
            ratio: limits.max_ratio,
        };
    }
    if let Some(carried) = super::carried(&e) {
        return carried;
    }
    if let Some(oversized) = e
        .get_ref()
        .and_then(|i| i.downcast_ref::<super::guard::OversizedHeader>())
    {
        return LayerError::Corrupt {
            layer: label.to_string(),
            reason: oversized.to_string(),
        };
    }
    // The tar crate reports a short stream as "unexpected EOF …" of another kind.
    if e.kind() == io::ErrorKind::UnexpectedEof || e.to_string().contains("unexpected EOF") {
        return LayerError::Truncated {
            layer: label.to_string(),
        };
    }
    LayerError::Corrupt {
        layer: label.to_string(),
        reason: e.to_string(),
    }
}

enum Compression {
    Gzip,
    Zstd,
    None,
}

/// Walks one layer stream. `label` names the layer in errors. Findings made
/// before a failure stay in `walk`.
pub fn walk_layer<R: Read>(
    raw: R,
    label: &str,
    limits: &Limits,
    registry: &Registry,
    walk: &mut LayerWalk,
) -> Result<(), LayerError> {
    let compressed = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let mut buffered = BufReader::with_capacity(
        64 * 1024,
        Counting {
            inner: raw,
            count: compressed.clone(),
        },
    );
    let head = buffered
        .fill_buf()
        .map_err(|e| classify(label, e, limits, walk))?;
    let compression = match head {
        [0x1f, 0x8b, ..] => Compression::Gzip,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
        _ => Compression::None,
    };
    let decoded: Box<dyn Read + '_> = match compression {
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(buffered)),
        Compression::Zstd => Box::new(
            zstd::stream::read::Decoder::with_buffer(buffered)
                .map_err(|e| classify(label, e, limits, walk))?,
        ),
        Compression::None => Box::new(buffered),
    };
    let mut hashing = Hashing {
        inner: decoded,
        sha: Sha256::new(),
        count: 0,
        compressed: compressed.clone(),
        limits,
    };
    let result = walk_entries(
        &mut super::guard::TarGuard::new(&mut hashing),
        label,
        limits,
        registry,
        walk,
    );
    walk.uncompressed_bytes = hashing.count;
    // The count when it stopped, not the one before the walk began.
    let result = result.map_err(|e| match e {
        LayerError::Bomb { layer, ratio, .. } => LayerError::Bomb {
            layer,
            uncompressed: hashing.count,
            ratio,
        },
        other => other,
    });
    walk.compressed_bytes = compressed.get();
    result?;
    // Read what follows the tar's end marker too: the diffID covers every byte.
    io::copy(&mut hashing, &mut io::sink()).map_err(|e| classify(label, e, limits, walk))?;
    walk.uncompressed_bytes = hashing.count;
    walk.compressed_bytes = compressed.get();
    walk.diff_id = Some(format!("sha256:{}", hex::encode(hashing.sha.finalize())));
    Ok(())
}

fn walk_entries<R: Read>(
    reader: &mut R,
    label: &str,
    limits: &Limits,
    registry: &Registry,
    walk: &mut LayerWalk,
) -> Result<(), LayerError> {
    let mut archive = tar::Archive::new(reader);
    let entries = archive
        .entries()
        .map_err(|e| classify(label, e, limits, walk))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| classify(label, e, limits, walk))?;
        walk.entries += 1;
        if walk.entries > limits.max_entries {
            return Err(LayerError::TooManyEntries {
                layer: label.to_string(),
                limit: limits.max_entries,
            });
        }
        let raw_name = entry.path_bytes();
        if raw_name.len() > limits.max_path_len {
            walk.skipped_long_names += 1;
            continue;
        }
        let path = normalise(&String::from_utf8_lossy(&raw_name));
        let (dir, name) = match path.rsplit_once('/') {
            Some((d, n)) => (d.to_string(), n.to_string()),
            None => (String::new(), path.clone()),
        };
        if let Some(target) = name.strip_prefix(".wh.") {
            if target == ".wh..opq" {
                walk.opaque.insert(path_key(&dir));
            } else {
                let deleted = if dir.is_empty() {
                    target.to_string()
                } else {
                    format!("{dir}/{target}")
                };
                walk.deleted.insert(path_key(&deleted));
            }
            continue;
        }
        walk.paths.insert(path_key(&path));
        let kind = entry.header().entry_type();
        if !(kind.is_file() || kind == tar::EntryType::Continuous) {
            continue; // folders, links, devices, fifos: recorded, never followed
        }
        let size = entry.header().size().unwrap_or(0);
        if context::is_package_database(&path) {
            // What the package manager installed: vendor code, judged by
            // precise rules only (see `context`).
            let mut list = Vec::new();
            (&mut entry)
                .take(limits.max_json)
                .read_to_end(&mut list)
                .map_err(|e| classify(label, e, limits, walk))?;
            context::packaged_paths(&path, &String::from_utf8_lossy(&list), &mut walk.packaged);
            continue;
        }
        if size > super::file::WINDOW as u64
            && super::analyzers::key_material::named_like_key_material(&path)
        {
            walk.large_key_files += 1;
        }
        let found = super::file::analyze(registry, &path, size, &mut entry)
            .map_err(|e| classify(label, e, limits, walk))?;
        walk.hits.extend(found);
    }
    Ok(())
}
