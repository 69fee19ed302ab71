//! Layer scans: read a `docker save` stream, walk every layer (deleted and
//! overwritten files included, since they are still in the image), and run
//! the analyzers over the files.
//!
//! Split the way Trivy's fanal is: [`archive`] reads both `docker save`
//! layouts as one pass over the stream, [`walk`] walks one layer tar
//! (compression, diffID, whiteouts, which files to read), [`analyzers`] judge
//! files (one file per analyzer), [`result`] assembles an [`ImageScan`],
//! [`image`] orchestrates a scan from the engine or a file with the layer
//! [`cache`] and records it, and [`control`] follows and cancels it.
//! Everything is bounded (see [`Limits`]); bad input ends the scan with an
//! error naming the layer, keeping what was found before it.

pub mod analyzers;
mod archive;
pub mod cache;
pub mod context;
pub mod control;
mod error;
pub mod file;
mod guard;
pub mod image;
pub mod result;
pub mod walk;

pub use control::{ScanControl, ScanProgress};
pub(crate) use error::carried;
pub use error::LayerError;
pub use image::{scan_and_record, scan_archive_file, scan_image, Scanner};
pub use result::{Identity, ImageScan, LayerFinding, LayerInfo};

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

#[cfg(test)]
mod tests;
