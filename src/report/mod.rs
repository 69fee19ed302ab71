//! Renderings of what Dockward found: tables for people (80 columns, every
//! control character escaped), JSON, SARIF 2.1.0 ([`sarif`]), CSV
//! ([`csv`]) and the self-contained HTML report ([`html`]). Renderings only
//! format what they are given, with the rule catalogue passed in; the one
//! module that does I/O is [`export`], which reads what a report holds from
//! the store and writes the file atomically.

use std::fmt::Write as _;

pub mod csv;
pub mod export;
pub mod history;
pub mod host;
pub mod html;
pub mod project;
pub mod sarif;
pub mod stale;
pub mod table;

pub use table::{inventory_table as table, scan_table};

use crate::finding::Severity;

/// Errors of rendering and writing reports.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// Serialising to JSON failed.
    #[error("cannot render JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Writing CSV failed.
    #[error("cannot render CSV: {0}")]
    Csv(#[from] ::csv::Error),
    /// The report file could not be written.
    #[error("cannot write {path}: {reason}")]
    Write {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
}

/// Pretty JSON of any report.
pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, ReportError> {
    Ok(serde_json::to_string_pretty(value)?)
}

/// Text made safe for a terminal: control characters (ESC, CR, BEL, …)
/// become visible `\u{…}` escapes, so a file name, tag or build step cannot
/// move the cursor, clear the screen or forge a line. Newlines and tabs
/// become spaces: one value stays on one line.
pub fn terminal_safe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\t' => out.push(' '),
            c if c.is_control() || is_bidi_control(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// Like [`terminal_safe`], for text of several lines (a diff, a list):
/// newlines stay, tabs become spaces, every other control is escaped.
pub fn terminal_safe_text(s: &str) -> String {
    s.split('\n')
        .map(terminal_safe)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Unicode bidirectional controls, which can reorder what a terminal shows.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

/// `s` escaped for a terminal and padded or cut (with `…`) to `width` columns.
fn fit(s: &str, width: usize) -> String {
    let s = terminal_safe(s);
    let n = s.chars().count();
    if n <= width {
        format!("{s:<width$}")
    } else {
        let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// Critical, high, medium and low counts as four right-aligned cells, `·` for 0.
fn count_cells(c: &crate::finding::SeverityCounts) -> String {
    let cell = |n: u32| {
        if n == 0 {
            "·".to_string()
        } else {
            n.to_string()
        }
    };
    format!(
        "{:>4} {:>4} {:>4} {:>4}",
        cell(c.critical),
        cell(c.high),
        cell(c.medium),
        cell(c.low)
    )
}

fn tag(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "CRIT",
        Severity::High => "HIGH",
        Severity::Medium => "MED ",
        Severity::Low => "LOW ",
        Severity::Info => "INFO",
    }
}

fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "kB", "MB", "GB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// Greedy word wrap, escaped for a terminal.
fn textwrap(text: &str, width: usize) -> Vec<String> {
    let text = terminal_safe(text);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_pads_and_truncates() {
        assert_eq!(fit("ab", 4), "ab  ");
        assert_eq!(fit("abcdef", 4), "abc…");
    }

    #[test]
    fn wrap_respects_width() {
        let lines = textwrap("one two three four five six seven", 10);
        assert!(lines.iter().all(|l| l.chars().count() <= 10), "{lines:?}");
        assert_eq!(lines.join(" "), "one two three four five six seven");
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let forged = "app\x1b[2J\x1b[1;1HAll clean\r\u{202e}txt.exe";
        let safe = terminal_safe(forged);
        assert!(
            !safe.chars().any(|c| c.is_control() || is_bidi_control(c)),
            "{safe:?}"
        );
        assert!(safe.contains("\\u{1b}[2J"), "{safe}");
        assert!(fit(forged, 80).chars().all(|c| !c.is_control()));
    }
}
