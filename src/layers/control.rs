//! Following a running layer scan and stopping it: bytes read and layers
//! started, reported to an observer (the window's progress bar), and a
//! cancel flag checked on every read of the stream.

use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Where a scan is, as sent to an observer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ScanProgress {
    /// The image being scanned, as the user named it.
    pub image: String,
    /// Bytes of the archive read so far.
    pub bytes: u64,
    /// The image's size as the engine reports it: an estimate of the total,
    /// or 0 when unknown (an archive on disk of unknown size).
    pub total_bytes: u64,
    /// Layers started so far (the one being read included).
    pub layer: usize,
    /// Layers in the image, or 0 when unknown.
    pub layers: usize,
    /// True on the last report: the scan has ended (done, failed or cancelled).
    pub done: bool,
}

type Observer = Box<dyn Fn(ScanProgress) + Send + Sync>;

/// Shared between a scan and whoever watches it. Cheap to clone (an `Arc`).
#[derive(Clone, Default)]
pub struct ScanControl {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    image: String,
    total_bytes: AtomicU64,
    total_layers: AtomicUsize,
    cancelled: AtomicBool,
    bytes: AtomicU64,
    layer: AtomicUsize,
    last_report: AtomicU64,
    observer: Option<Observer>,
}

/// Bytes between two progress reports.
const REPORT_EVERY: u64 = 4 << 20;

impl ScanControl {
    /// A control that reports to `observer`.
    pub fn new(image: &str, observer: impl Fn(ScanProgress) + Send + Sync + 'static) -> Self {
        ScanControl {
            inner: Arc::new(Inner {
                image: image.to_string(),
                observer: Some(Box::new(observer)),
                ..Inner::default()
            }),
        }
    }

    /// Asks the scan to stop; it ends at its next read with
    /// [`LayerError::Cancelled`](super::LayerError::Cancelled).
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::SeqCst);
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::SeqCst)
    }

    /// Sets the expected totals once they are known (from inspect).
    pub fn set_totals(&self, bytes: u64, layers: usize) {
        self.inner.total_bytes.store(bytes, Ordering::Relaxed);
        self.inner.total_layers.store(layers, Ordering::Relaxed);
        self.report(false);
    }

    /// Bytes read so far.
    pub fn bytes(&self) -> u64 {
        self.inner.bytes.load(Ordering::Relaxed)
    }

    pub(crate) fn layer_started(&self) {
        self.inner.layer.fetch_add(1, Ordering::Relaxed);
        self.report(false);
    }

    pub(crate) fn read(&self, n: usize) {
        let total = self.inner.bytes.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
        let last = self.inner.last_report.load(Ordering::Relaxed);
        if total - last >= REPORT_EVERY {
            self.inner.last_report.store(total, Ordering::Relaxed);
            self.report(false);
        }
    }

    /// Sends the last report.
    pub fn finish(&self) {
        self.report(true);
    }

    fn report(&self, done: bool) {
        if let Some(observer) = &self.inner.observer {
            observer(ScanProgress {
                image: self.inner.image.clone(),
                bytes: self.bytes(),
                total_bytes: self.inner.total_bytes.load(Ordering::Relaxed),
                layer: self.inner.layer.load(Ordering::Relaxed),
                layers: self.inner.total_layers.load(Ordering::Relaxed),
                done,
            });
        }
    }
}

/// The marker inside the I/O error a cancelled read returns.
#[derive(Debug)]
pub(crate) struct CancelledMarker;

impl std::fmt::Display for CancelledMarker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("scan cancelled")
    }
}

impl std::error::Error for CancelledMarker {}

/// A reader that counts what passes and fails once the scan is cancelled.
pub(crate) struct Metered<R> {
    pub(crate) inner: R,
    pub(crate) control: ScanControl,
}

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.control.is_cancelled() {
            return Err(io::Error::other(CancelledMarker));
        }
        let n = self.inner.read(buf)?;
        self.control.read(n);
        Ok(n)
    }
}
