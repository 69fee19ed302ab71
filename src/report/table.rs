//! Tables for an 80-column terminal: the inventory and a layer scan. Every
//! value passes through [`super::fit`] or [`super::textwrap`], which escape
//! control characters.

use std::fmt::Write as _;

use super::{count_cells, fit, human_size, tag, terminal_safe, textwrap};
use crate::finding::Severity;
use crate::inventory::InventoryReport;

/// A table for an 80-column terminal. With `details`, every finding with its
/// fix; without, findings of medium and above, one line each.
pub fn inventory_table(report: &InventoryReport, details: bool) -> String {
    let mut out = String::new();
    let e = &report.engine;
    let _ = writeln!(
        out,
        "Engine  {} ({})",
        terminal_safe(&e.endpoint),
        terminal_safe(&e.source)
    );
    let _ = writeln!(
        out,
        "        Docker {} · API {} · {}",
        terminal_safe(&e.version),
        terminal_safe(&e.api_version),
        terminal_safe(&e.platform)
    );
    let c = &report.counts;
    let _ = writeln!(
        out,
        "Found   {} critical, {} high, {} medium, {} low{}",
        c.critical,
        c.high,
        c.medium,
        c.low,
        report
            .new_findings
            .map(|n| format!(" ({n} new)"))
            .unwrap_or_default()
    );

    let _ = writeln!(out, "\nCONTAINERS ({})", report.containers.len());
    let _ = writeln!(
        out,
        "SCORE  {:<24} {:<23} CRIT HIGH  MED  LOW",
        "NAME", "IMAGE"
    );
    for ct in &report.containers {
        let _ = writeln!(
            out,
            "{:>5}  {} {} {}",
            ct.score,
            fit(&ct.name, 24),
            fit(&ct.image, 23),
            count_cells(&ct.counts)
        );
    }
    let _ = writeln!(out, "\nIMAGES ({})", report.images.len());
    let _ = writeln!(
        out,
        "SCORE  {:<36} {:<11} CRIT HIGH  MED  LOW",
        "IMAGE", "ID"
    );
    for img in &report.images {
        let _ = writeln!(
            out,
            "{:>5}  {} {} {}",
            img.score,
            fit(&img.name, 36),
            fit(&img.short_id, 11),
            count_cells(&img.counts)
        );
    }

    let subjects = report
        .containers
        .iter()
        .map(|c| (format!("container {}", c.name), &c.findings))
        .chain(
            report
                .images
                .iter()
                .map(|i| (format!("image {}", i.name), &i.findings)),
        );
    let mut header = false;
    for (name, findings) in subjects {
        let shown: Vec<_> = findings
            .iter()
            .filter(|f| details || f.severity >= Severity::Medium)
            .collect();
        if shown.is_empty() {
            continue;
        }
        if !header {
            let _ = writeln!(
                out,
                "\nFINDINGS{}",
                if details {
                    ""
                } else {
                    " (medium and above; --details for all, with fixes)"
                }
            );
            header = true;
        }
        let _ = writeln!(out, "{}", fit(&name, 79).trim_end());
        for f in shown {
            let _ = writeln!(
                out,
                "  {} {}",
                tag(f.severity),
                fit(&f.title, 73).trim_end()
            );
            let _ = writeln!(out, "       {}", fit(&f.evidence, 72).trim_end());
            if details {
                let _ = writeln!(out, "       rule {} · {:.1} points", f.rule, f.points);
                for line in textwrap(&format!("Fix: {}", f.fix), 72) {
                    let _ = writeln!(out, "       {line}");
                }
            }
        }
    }
    out
}

/// A layer scan for an 80-column terminal.
pub fn scan_table(scan: &crate::layers::ImageScan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Image   {}", terminal_safe(&scan.image));
    if let Some(e) = &scan.error {
        for line in textwrap(&format!("PARTIAL: {e}"), 72) {
            let _ = writeln!(out, "        {line}");
        }
    }
    for note in &scan.not_analysed {
        for line in textwrap(&format!("NOT ANALYSED: {note}"), 72) {
            let _ = writeln!(out, "        {line}");
        }
    }
    let _ = writeln!(out, "\nLAYERS ({})", scan.layers.len());
    let _ = writeln!(out, "  #  {:<12} {:>9}  FIND  STEP", "DIFF ID", "SIZE");
    for l in &scan.layers {
        let id = l.diff_id.strip_prefix("sha256:").unwrap_or(&l.diff_id);
        let step = l
            .created_by
            .trim_start_matches("/bin/sh -c ")
            .replace("#(nop) ", "");
        let _ = writeln!(
            out,
            "{:>3}  {} {:>9}  {:>4}  {}",
            l.index,
            fit(id, 12),
            human_size(l.size),
            l.findings,
            fit(step.trim(), 42).trim_end()
        );
    }
    if scan.findings.is_empty() {
        let _ = writeln!(out, "\nNo findings.");
        return out;
    }
    // Grouped by rule, worst first; in a rule, the application's own files
    // before vendor code, and a few places shown (JSON has them all).
    let mut ordered: Vec<&crate::layers::LayerFinding> = scan.findings.iter().collect();
    ordered.sort_by_key(|f| (f.vendor, f.layer.is_some(), f.layer_index, f.path.clone()));
    let groups = crate::explain::by_rule(&ordered, |f| &f.finding);
    let _ = writeln!(
        out,
        "\nFINDINGS ({} in {} rules; score {})",
        scan.findings.len(),
        groups.len(),
        scan.score
    );
    for g in &groups {
        let folders: std::collections::BTreeSet<&str> = g
            .items
            .iter()
            .filter_map(|f| f.path.as_deref())
            .map(|p| p.rsplit_once('/').map_or("/", |(d, _)| d))
            .collect();
        let places = match (g.items.len(), folders.len()) {
            (1, _) => String::new(),
            (n, 0 | 1) => format!(" · {n} places"),
            (n, d) => format!(" · {n} files in {d} folders"),
        };
        let _ = writeln!(
            out,
            "  {} {}",
            tag(g.severity),
            fit(&format!("{}{places} · {:.1} points", g.title, g.points), 73).trim_end()
        );
        for f in g.items.iter().take(SHOWN_PER_RULE) {
            let place = match (&f.path, f.layer_index) {
                (Some(p), Some(i)) => format!("{p} in layer {i}"),
                (Some(p), None) => format!("{p} in layer ?"),
                (None, _) => f.location.clone(),
            };
            let vendor = if f.vendor { " (dependency)" } else { "" };
            let _ = writeln!(
                out,
                "       {}",
                fit(&format!("{place}{vendor}"), 72).trim_end()
            );
            if let Some(r) = f.removed_in_layer {
                let _ = writeln!(
                    out,
                    "         removed in layer {r}: hidden, but still extractable"
                );
            }
            let _ = writeln!(out, "         {}", fit(&f.evidence, 70).trim_end());
            if let Some(reason) = &f.suppressed_reason {
                let _ = writeln!(out, "         suppressed: {}", fit(reason, 58).trim_end());
            }
        }
        if g.items.len() > SHOWN_PER_RULE {
            let _ = writeln!(
                out,
                "       … and {} more (--format json lists every one)",
                g.items.len() - SHOWN_PER_RULE
            );
        }
    }
    out
}

/// Places listed under each rule in the table.
const SHOWN_PER_RULE: usize = 5;
