//! Reading one file of a layer and handing it to the analyzers that want it.
//!
//! Every byte of a text file is scanned: the file is read in windows of
//! [`WINDOW`] bytes that overlap by [`OVERLAP`] (far more than the longest
//! match a rule can make, a PEM key included), so a secret near the end of a
//! large log is found and memory stays bounded whatever the file's size.
//! Whether a file is binary is decided once, from its first block, as other
//! scanners do: a stray NUL later in a text file does not stop the scan.
//! Whole-file analyzers (keys, certificates, credential files) gate on small
//! sizes and get the file in one piece.

use std::collections::HashSet;
use std::io::{self, Read};

use super::analyzers::{is_binary, Registry};
use super::walk::{path_keys, PathHit};

/// Bytes handed to a streaming analyzer at a time.
pub const WINDOW: usize = 4 << 20;
/// Bytes each window repeats from the end of the one before.
pub const OVERLAP: usize = 64 << 10;

/// Reads as much of `reader` as fits in `buf`'s spare room, up to `want`.
fn fill<R: Read>(reader: &mut R, buf: &mut Vec<u8>, want: usize) -> io::Result<()> {
    reader.take(want as u64).read_to_end(buf).map(|_| ())
}

/// Runs the analyzers that want `path` (of `size` bytes) over its content,
/// read from `reader`. Hits of one file are reported once each, even when
/// a secret sits in the overlap of two windows.
pub fn analyze<R: Read>(
    registry: &Registry,
    path: &str,
    size: u64,
    mut reader: R,
) -> io::Result<Vec<PathHit>> {
    let wanted: Vec<_> = registry
        .analyzers()
        .iter()
        .filter(|a| a.required(path, size))
        .collect();
    let mut out = Vec::new();
    if wanted.is_empty() {
        return Ok(out);
    }
    // Findings name the file with any secret in its path redacted (a folder
    // named after a token is still a token); the keys keep the real path.
    let shown = registry.redact(path);
    let keys = path_keys(path);
    let mut window = Vec::with_capacity((size as usize).min(WINDOW));
    fill(&mut reader, &mut window, WINDOW)?;
    let binary = is_binary(&window);
    let mut seen: HashSet<(&'static str, Option<String>, String)> = HashSet::new();
    let mut push =
        |analyzer: &'static str, hits: Vec<crate::finding::Hit>, out: &mut Vec<PathHit>| {
            for mut hit in hits {
                if seen.insert((hit.rule, hit.secret_digest.clone(), hit.evidence.clone())) {
                    hit.location = shown.clone();
                    out.push(PathHit {
                        analyzer,
                        hit,
                        keys: keys.clone(),
                    });
                }
            }
        };
    // Whole-file analyzers see the first window (their size gates keep the
    // file within it) and judge binary formats (PKCS#12, keystores) themselves.
    for a in wanted.iter().filter(|a| !a.streams()) {
        push(a.id(), a.analyze(path, &window), &mut out);
    }
    let streaming: Vec<_> = wanted.iter().filter(|a| a.streams()).collect();
    if binary || streaming.is_empty() {
        return Ok(out);
    }
    loop {
        for a in &streaming {
            push(a.id(), a.analyze(path, &window), &mut out);
        }
        if window.len() < WINDOW {
            return Ok(out); // the file ended inside this window
        }
        let keep = window.split_off(WINDOW - OVERLAP);
        window = keep;
        let before = window.len();
        fill(&mut reader, &mut window, WINDOW - before)?;
        if window.len() == before {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> Registry {
        Registry::builtin(crate::secrets::builtin().expect("rules"))
    }

    const TOKEN: &str = "ghp_R4nd0mT0k3nV4lu3sAr3H3r3Xy12345678ab";

    fn hits(path: &str, content: &[u8]) -> Vec<PathHit> {
        analyze(&registry(), path, content.len() as u64, content).expect("read")
    }

    #[test]
    fn a_secret_at_the_end_of_a_large_file_is_found() {
        let mut log = b"2026-11-29 request ok\n".repeat(1_000_000); // 22 MB
        log.extend_from_slice(format!("token={TOKEN}\n").as_bytes());
        let found = hits("var/log/app.log", &log);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].hit.rule, "image.layer-secret");
    }

    #[test]
    fn a_secret_across_a_window_boundary_is_found_once() {
        let mut text = vec![b'x'; WINDOW - 20];
        text.push(b'\n');
        text.extend_from_slice(format!("{TOKEN}\n").as_bytes());
        text.extend(std::iter::repeat_n(b'y', 1000));
        let found = hits("srv/data.txt", &text);
        assert_eq!(found.len(), 1, "{found:?}");
    }

    #[test]
    fn a_stray_nul_after_the_first_block_does_not_stop_the_scan() {
        let mut text = b"log line\n".repeat(2000);
        text.push(0);
        text.extend_from_slice(format!("\nGITHUB_TOKEN={TOKEN}\n").as_bytes());
        assert_eq!(hits("app/out.txt", &text).len(), 1);
        let mut binary = vec![0u8; 16];
        binary.extend_from_slice(TOKEN.as_bytes());
        assert!(
            hits("app/blob.dat", &binary).is_empty(),
            "binary from its first block"
        );
    }
}
