//! A guard in front of the tar reader: it follows the archive's headers as
//! the bytes pass and stops the stream at a metadata entry (a GNU long name
//! or long link, a PAX header) larger than a limit, before the tar crate
//! reads it whole into memory. A 12 kB sparse file that declares a 3 GB
//! long name then costs nothing but the error.

use std::io::{self, Read};

/// Bytes of one metadata entry (long name, long link, PAX record set).
pub const MAX_META: u64 = 1 << 20;

/// The marker inside the I/O error the guard returns.
#[derive(Debug)]
pub(crate) struct OversizedHeader {
    /// What the entry is.
    pub kind: &'static str,
    /// Its declared size.
    pub size: u64,
}

impl std::fmt::Display for OversizedHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a {} entry declares {} bytes, over the {MAX_META}-byte limit for tar metadata",
            self.kind, self.size
        )
    }
}

impl std::error::Error for OversizedHeader {}

/// Follows tar headers through a stream (see the module docs).
pub struct TarGuard<R> {
    inner: R,
    header: [u8; 512],
    filled: usize,
    /// Data and padding bytes before the next header.
    skip: u64,
    /// GNU sparse extension blocks still to pass.
    sparse_blocks: bool,
    /// The PAX record data being collected, and the size it sets for the
    /// next entry.
    pax: Option<Vec<u8>>,
    pax_remaining: u64,
    pax_size: Option<u64>,
}

impl<R> TarGuard<R> {
    /// Guards `inner`.
    pub fn new(inner: R) -> Self {
        TarGuard {
            inner,
            header: [0; 512],
            filled: 0,
            skip: 0,
            sparse_blocks: false,
            pax: None,
            pax_remaining: 0,
            pax_size: None,
        }
    }
}

/// A numeric header field: octal text, or GNU base-256 for large values.
fn number(field: &[u8]) -> u64 {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        return field[1..].iter().fold(u64::from(field[0] & 0x7f), |n, b| {
            n.saturating_mul(256).saturating_add(u64::from(*b))
        });
    }
    field
        .iter()
        .skip_while(|b| **b == b' ' || **b == 0)
        .take_while(|b| (b'0'..=b'7').contains(b))
        .fold(0u64, |n, b| {
            n.saturating_mul(8).saturating_add(u64::from(b - b'0'))
        })
}

fn padded(size: u64) -> u64 {
    size.div_ceil(512).saturating_mul(512)
}

/// `size=N` among PAX records.
fn pax_size(records: &[u8]) -> Option<u64> {
    tar::PaxExtensions::new(records)
        .filter_map(Result::ok)
        .find(|e| e.key() == Ok("size"))
        .and_then(|e| e.value().ok()?.parse().ok())
}

impl<R> TarGuard<R> {
    /// Follows `bytes`, which just passed; an error for an oversized entry.
    fn follow(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            if self.skip > 0 {
                let n = (self.skip.min(bytes.len() as u64)) as usize;
                if let Some(pax) = self.pax.as_mut() {
                    let keep = (self.pax_remaining.min(n as u64)) as usize;
                    pax.extend_from_slice(&bytes[..keep]);
                    self.pax_remaining -= keep as u64;
                }
                self.skip -= n as u64;
                bytes = &bytes[n..];
                if self.skip == 0 {
                    if let Some(pax) = self.pax.take() {
                        self.pax_size = pax_size(&pax);
                    }
                }
                continue;
            }
            let n = (512 - self.filled).min(bytes.len());
            self.header[self.filled..self.filled + n].copy_from_slice(&bytes[..n]);
            self.filled += n;
            bytes = &bytes[n..];
            if self.filled < 512 {
                continue;
            }
            self.filled = 0;
            if self.sparse_blocks {
                // A GNU sparse extension block; its last byte says if more follow.
                self.sparse_blocks = self.header[504] != 0;
                continue;
            }
            if self.header.iter().all(|b| *b == 0) {
                continue; // end-of-archive blocks
            }
            let kind = self.header[156];
            let size = number(&self.header[124..136]);
            let meta = match kind {
                b'L' => Some("GNU long name"),
                b'K' => Some("GNU long link"),
                b'x' => Some("PAX header"),
                b'g' => Some("PAX global header"),
                _ => None,
            };
            if let Some(kind) = meta {
                if size > MAX_META {
                    return Err(io::Error::other(OversizedHeader { kind, size }));
                }
            }
            let data = match (meta, self.pax_size.take()) {
                (None, Some(pax)) => pax,
                _ => size,
            };
            if kind == b'x' {
                self.pax = Some(Vec::with_capacity(size as usize));
                self.pax_remaining = size;
            }
            if kind == b'S' && self.header[482] != 0 {
                self.sparse_blocks = true;
            }
            // Folders, links and devices carry no data whatever they say.
            let has_data = !matches!(kind, b'1' | b'2' | b'3' | b'4' | b'5' | b'6');
            self.skip = if has_data { padded(data) } else { 0 };
        }
        Ok(())
    }
}

impl<R: Read> Read for TarGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.follow(&buf[..n])?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn long_name_tar(size: u64) -> Vec<u8> {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::GNULongName);
        h.set_size(size);
        h.set_path("././@LongLink").expect("path");
        h.set_cksum();
        h.as_bytes().to_vec()
    }

    #[test]
    fn an_oversized_long_name_stops_the_stream_before_it_is_read() {
        let mut data = long_name_tar(3 << 30);
        data.extend(std::iter::repeat_n(0u8, 8192));
        let mut out = Vec::new();
        let err = TarGuard::new(&data[..])
            .read_to_end(&mut out)
            .expect_err("refused");
        assert!(
            err.to_string()
                .contains("GNU long name entry declares 3221225472 bytes"),
            "{err}"
        );
    }

    /// Regression (issue 11): the PAX forms of the same attack, a local and
    /// a global extended header declaring 3 GB.
    #[test]
    fn oversized_pax_headers_stop_the_stream_before_they_are_read() {
        for (kind, name) in [
            (tar::EntryType::XHeader, "PAX header"),
            (tar::EntryType::XGlobalHeader, "PAX global header"),
        ] {
            let mut h = tar::Header::new_ustar();
            h.set_entry_type(kind);
            h.set_size(3 << 30);
            h.set_path("PaxHeaders/x").expect("path");
            h.set_cksum();
            let mut data = h.as_bytes().to_vec();
            data.extend(std::iter::repeat_n(0u8, 8192));
            let err = TarGuard::new(&data[..])
                .read_to_end(&mut Vec::new())
                .expect_err("refused");
            assert!(
                err.to_string()
                    .contains(&format!("{name} entry declares 3221225472 bytes")),
                "{err}"
            );
        }
    }

    #[test]
    fn ordinary_archives_pass_whole_and_unchanged() {
        let mut b = tar::Builder::new(Vec::new());
        let long = format!("{}/file.txt", "d".repeat(300));
        let mut h = tar::Header::new_gnu();
        h.set_size(5);
        h.set_cksum();
        b.append_data(&mut h, &long, &b"hello"[..]).expect("append");
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_size(0);
        h.set_cksum();
        b.append_data(&mut h, "dir/", &b""[..]).expect("dir");
        let data = b.into_inner().expect("tar");
        let mut out = Vec::new();
        TarGuard::new(&data[..])
            .read_to_end(&mut out)
            .expect("passes");
        assert_eq!(out, data);
        let mut a = tar::Archive::new(TarGuard::new(&data[..]));
        let names: Vec<String> = a
            .entries()
            .expect("entries")
            .map(|e| {
                e.expect("entry")
                    .path()
                    .expect("path")
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(names, [long, "dir/".to_string()]);
    }
}
