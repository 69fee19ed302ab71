//! What may leave the secrets module about a value: a [`digest`] for
//! fingerprints and a [`redact`]ed preview for people, never the value.

use sha2::{Digest, Sha256};

/// Hex SHA-256 of a secret value with a domain prefix: goes into
/// fingerprints only, so a rotated secret is a new finding.
pub fn digest(value: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"dockward-secret-v1\0");
    h.update(value.as_bytes());
    hex::encode(&h.finalize()[..16])
}

/// A preview that identifies a secret without revealing it: up to four
/// leading characters (fewer for short values) and the length.
pub fn redact(value: &str) -> String {
    let n = value.chars().count();
    let keep = match n {
        0..=7 => 0,
        8..=15 => 2,
        _ => 4,
    };
    let head: String = value.chars().take(keep).collect();
    format!("{head}… ({n} chars)")
}

/// `text` with each byte range in `spans` replaced by its [`redact`]ed
/// preview; a range inside one already replaced is skipped.
pub(super) fn redact_spans(text: &str, mut spans: Vec<std::ops::Range<usize>>) -> String {
    if spans.is_empty() {
        return text.to_string();
    }
    spans.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for r in spans {
        if r.start < at {
            continue;
        }
        out.push_str(&text[at..r.start]);
        out.push_str(&redact(&text[r.clone()]));
        at = r.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Shannon entropy of the value's bytes, in bits per byte.
pub fn entropy(value: &str) -> f64 {
    let bytes = value.as_bytes();
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0usize; 256];
    for b in bytes {
        counts[*b as usize] += 1;
    }
    let len = bytes.len() as f64;
    counts
        .iter()
        .filter(|c| **c > 0)
        .map(|c| {
            let p = *c as f64 / len;
            -p * p.log2()
        })
        .sum()
}
