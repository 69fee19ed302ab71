//! The store's history for an 80-column terminal: scans, diffs, findings.

use std::fmt::Write as _;

use super::{count_cells, fit, tag};
use crate::store::{DiffFinding, FindingRow, ScanDiff, ScanKind, ScanRecord};

/// Drops the padding `fit` leaves at the end of lines.
fn trimmed(out: String) -> String {
    let mut t: String = out
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n");
    t.push('\n');
    t
}

/// Scans, newest first, for an 80-column terminal.
pub fn history_table(scans: &[ScanRecord]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>5} {:<16} {:<9} {:<11} {:>4} {:>4} {:>4} {:>4} {:>4} {:>4}",
        "SCAN", "STARTED", "KIND", "STATUS", "CRIT", "HIGH", "MED", "LOW", "NEW", "GONE"
    );
    for s in scans {
        let started = s.started_at.replace('T', " ");
        let _ = writeln!(
            out,
            "{:>5} {:<16} {:<9} {:<11} {} {:>4} {:>4}",
            s.id,
            fit(&started, 16),
            s.kind.as_str(),
            s.status.as_str(),
            count_cells(&s.open),
            s.new_count,
            s.resolved_count
        );
        if s.kind == ScanKind::Layers {
            let _ = writeln!(out, "      {}", fit(&s.scope, 72));
        }
        if let Some(e) = &s.error {
            let _ = writeln!(out, "      {}", fit(e, 72));
        }
    }
    if scans.is_empty() {
        out.push_str("No scans recorded yet: run `dockward inventory`.\n");
    } else {
        out.push_str("CRIT…LOW: open findings after the scan; NEW, GONE: first seen, resolved.\n");
    }
    trimmed(out)
}

fn diff_lines(out: &mut String, title: &str, list: &[DiffFinding]) {
    let _ = writeln!(out, "{title} ({})", list.len());
    for f in list {
        let _ = writeln!(
            out,
            "  {} {} {}",
            tag(f.severity),
            fit(&f.subject, 24),
            fit(&f.title, 46)
        );
    }
}

/// A diff for an 80-column terminal.
pub fn diff_table(d: &ScanDiff) -> String {
    let mut out = format!("Changes from scan {} to scan {}\n", d.from, d.to);
    diff_lines(&mut out, "New", &d.new);
    diff_lines(&mut out, "Resolved", &d.resolved);
    diff_lines(&mut out, "Reopened", &d.reopened);
    trimmed(out)
}

/// Findings for an 80-column terminal, with fingerprints to suppress by.
pub fn findings_table(rows: &[FindingRow]) -> String {
    let mut out = String::new();
    out.push_str("SEV  STATE      FINGERPRINT  SUBJECT              FINDING\n");
    for f in rows {
        let _ = writeln!(
            out,
            "{} {:<10} {:<12} {} {}",
            tag(f.severity),
            f.state.as_str(),
            &f.fingerprint[..f.fingerprint.len().min(12)],
            fit(&f.subject, 20),
            fit(&f.title, 29)
        );
        if let Some(reason) = &f.suppressed_reason {
            let until = f
                .suppressed_until
                .as_deref()
                .map(|u| format!(" until {}", u.get(..10).unwrap_or(u)))
                .unwrap_or_default();
            let _ = writeln!(out, "     suppressed{until}: {}", fit(reason, 56));
        }
    }
    let _ = writeln!(out, "{} findings", rows.len());
    trimmed(out)
}
