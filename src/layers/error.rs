//! The layer scan's one error type.

use std::io;

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
    /// A `docker save` file could not be opened.
    #[error("cannot read {path}: {reason}")]
    Open {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// Built-in data (secret rules, catalogue) does not load: a build defect.
    #[error("{0}")]
    Data(String),
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

/// The error an I/O error carries from outside the archive: the engine
/// stopping mid-stream, or the user cancelling. `None` for the archive's own.
pub(crate) fn carried(e: &io::Error) -> Option<LayerError> {
    let inner = e.get_ref()?;
    if inner.is::<super::control::CancelledMarker>() {
        return Some(LayerError::Cancelled);
    }
    inner
        .downcast_ref::<crate::engine::StreamError>()
        .map(|s| LayerError::Engine(s.0.clone()))
}
