//! A layer of N empty files, generated as it is read (nothing is held in
//! memory), inside a one-layer legacy archive, scanned with the default
//! limits. Used by bench/layers.sh to show that "millions of tiny entries"
//! end with a clear error in bounded time and memory; not a test.
//!
//!   cargo run --release --example entry_flood -- [N]   # default 1,000,001

use std::io::{self, Read};
use std::time::Instant;

use dockward::layers::{Limits, ScanControl, Scanner};

/// Streams: outer tar header for `layer.tar`, the inner tar of `n` empty
/// files, the inner and outer end-of-archive blocks.
struct Flood {
    n: u64,
    next: u64,
    buf: Vec<u8>,
    pos: usize,
    stage: u8,
}

fn header(name: &str, size: u64) -> [u8; 512] {
    let mut h = tar::Header::new_ustar();
    h.set_path(name).expect("name");
    h.set_size(size);
    h.set_mode(0o644);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_cksum();
    *h.as_bytes()
}

impl Read for Flood {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            match self.stage {
                0 => {
                    let inner = self.n * 512 + 1024;
                    self.buf.extend_from_slice(&header("aaaa/layer.tar", inner));
                    self.stage = 1;
                }
                1 if self.next < self.n => {
                    // A batch of entries at a time.
                    let end = (self.next + 256).min(self.n);
                    for i in self.next..end {
                        self.buf.extend_from_slice(&header(&format!("f/{i}"), 0));
                    }
                    self.next = end;
                }
                1 => {
                    self.buf.extend_from_slice(&[0u8; 1024]);
                    self.stage = 2;
                }
                2 => {
                    self.buf.extend_from_slice(&[0u8; 1024]);
                    self.stage = 3;
                }
                _ => return Ok(0),
            }
        }
        let k = out.len().min(self.buf.len() - self.pos);
        out[..k].copy_from_slice(&self.buf[self.pos..self.pos + k]);
        self.pos += k;
        Ok(k)
    }
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_001);
    let scanner = Scanner::builtin(Limits::default()).expect("rules");
    let t = Instant::now();
    let flood = Flood {
        n,
        next: 0,
        buf: Vec::new(),
        pos: 0,
        stage: 0,
    };
    let scan = scanner
        .scan_archive(flood, "flood", &ScanControl::default())
        .remove(0);
    println!(
        "{{\"entries\":{n},\"seconds\":{:.2},\"error\":{:?}}}",
        t.elapsed().as_secs_f64(),
        scan.error.unwrap_or_default()
    );
}
