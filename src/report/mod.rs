//! Renderings of an inventory: a table for people (fits 80 columns) and JSON
//! for scripts. Renderings only format; they compute nothing.

use std::fmt::Write as _;

pub mod history;
pub mod host;

use crate::finding::Severity;
use crate::inventory::{InventoryReport, SeverityCounts};

/// Errors of rendering.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// Serialising to JSON failed.
    #[error("cannot render JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The report file could not be written.
    #[error("cannot write {path}: {reason}")]
    Write {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
}

/// Pretty JSON of the report.
pub fn json(report: &InventoryReport) -> Result<String, ReportError> {
    Ok(serde_json::to_string_pretty(report)?)
}

fn fit(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        format!("{s:<width$}")
    } else {
        let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

fn counts_cells(c: &SeverityCounts) -> String {
    count_cells(&[c.critical, c.high, c.medium, c.low].map(i64::from))
}

/// Critical, high, medium and low counts as four right-aligned cells, `·` for 0.
fn count_cells(c: &[i64; 4]) -> String {
    let cell = |n: i64| {
        if n == 0 {
            "·".to_string()
        } else {
            n.to_string()
        }
    };
    format!(
        "{:>4} {:>4} {:>4} {:>4}",
        cell(c[0]),
        cell(c[1]),
        cell(c[2]),
        cell(c[3])
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

/// A table for an 80-column terminal. With `details`, every finding with its
/// fix; without, findings of medium and above, one line each.
pub fn table(report: &InventoryReport, details: bool) -> String {
    let mut out = String::new();
    let e = &report.engine;
    let _ = writeln!(out, "Engine  {} ({})", e.endpoint, e.source);
    let _ = writeln!(
        out,
        "        Docker {} · API {} · {}",
        e.version, e.api_version, e.platform
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
            counts_cells(&ct.counts)
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
            counts_cells(&img.counts)
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

/// One result for SARIF, whatever produced it.
struct SarifItem<'a> {
    rule: &'a str,
    severity: Severity,
    message: String,
    /// Where: `image/NAME/layer/N/PATH`, `container/NAME`.
    uri: String,
    fingerprint: &'a str,
    /// Why the user accepted it, when suppressed.
    suppression: Option<&'a str>,
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub code scanning reads `security-severity` (0-10) to rank results.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

fn sarif(items: Vec<SarifItem<'_>>) -> Result<String, ReportError> {
    let catalogue = crate::rules::builtin().ok();
    let mut rule_ids: Vec<&str> = items.iter().map(|i| i.rule).collect();
    rule_ids.sort();
    rule_ids.dedup();
    let rules: Vec<serde_json::Value> = rule_ids
        .iter()
        .map(|id| {
            let meta = catalogue.and_then(|c| c.get(id));
            serde_json::json!({
                "id": id,
                "name": id,
                "shortDescription": { "text": meta.map(|m| m.title.as_str()).unwrap_or(id) },
                "fullDescription": { "text": meta.map(|m| m.why.as_str()).unwrap_or("") },
                "help": { "text": meta.map(|m| m.fix.as_str()).unwrap_or("") },
                "properties": {
                    "security-severity": security_severity(meta.map(|m| m.severity).unwrap_or(Severity::Medium)),
                    "tags": ["security", "docker"],
                },
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = items
        .iter()
        .map(|i| {
            let mut result = serde_json::json!({
                "ruleId": i.rule,
                "ruleIndex": rule_ids.iter().position(|r| *r == i.rule),
                "level": sarif_level(i.severity),
                "message": { "text": i.message },
                "locations": [{ "physicalLocation": { "artifactLocation": { "uri": i.uri } } }],
                "partialFingerprints": { "dockward/v1": i.fingerprint },
                "properties": { "severity": i.severity.as_str(), "security-severity": security_severity(i.severity) },
            });
            if let Some(reason) = i.suppression {
                result["suppressions"] =
                    serde_json::json!([{ "kind": "external", "justification": reason }]);
            }
            result
        })
        .collect();
    let doc = serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "dockward",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/dockward/dockward",
                "rules": rules,
            } },
            "results": results,
        }],
    });
    Ok(serde_json::to_string_pretty(&doc)?)
}

fn uri_part(s: &str) -> String {
    s.replace([' ', '#', '?'], "_")
}

/// SARIF 2.1.0 of an inventory.
pub fn inventory_sarif(report: &InventoryReport) -> Result<String, ReportError> {
    let mut items = Vec::new();
    for c in &report.containers {
        for f in &c.findings {
            items.push(SarifItem {
                rule: &f.rule,
                severity: f.severity,
                message: format!("{}: {} ({})", c.name, f.title, f.evidence),
                uri: format!("container/{}", uri_part(&c.name)),
                fingerprint: &f.fingerprint,
                suppression: f.suppressed_reason.as_deref(),
            });
        }
    }
    for i in &report.images {
        for f in &i.findings {
            items.push(SarifItem {
                rule: &f.rule,
                severity: f.severity,
                message: format!("{}: {} ({})", i.name, f.title, f.evidence),
                uri: format!("image/{}", uri_part(&i.name)),
                fingerprint: &f.fingerprint,
                suppression: f.suppressed_reason.as_deref(),
            });
        }
    }
    sarif(items)
}

/// SARIF 2.1.0 of layer scans.
pub fn scan_sarif(scans: &[&crate::layers::ImageScan]) -> Result<String, ReportError> {
    let mut items = Vec::new();
    for s in scans {
        for f in &s.findings {
            let layer = f
                .layer_index
                .map(|i| i.to_string())
                .unwrap_or_else(|| "unknown".into());
            let removed = f
                .removed_in_layer
                .map(|r| format!("; removed in layer {r} but still extractable"))
                .unwrap_or_default();
            items.push(SarifItem {
                rule: &f.rule,
                severity: f.severity,
                message: format!(
                    "{}: {} at {} in layer {layer}{removed} ({})",
                    s.image, f.title, f.path, f.evidence
                ),
                uri: format!(
                    "image/{}/layer/{layer}{}",
                    uri_part(&s.image),
                    uri_part(&f.path)
                ),
                fingerprint: &f.fingerprint,
                suppression: None,
            });
        }
    }
    sarif(items)
}

/// A layer scan for an 80-column terminal.
pub fn scan_table(scan: &crate::layers::ImageScan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Image   {}", scan.image);
    if let Some(e) = &scan.error {
        for line in textwrap(&format!("PARTIAL: {e}"), 72) {
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
    let _ = writeln!(out, "\nFINDINGS ({})", scan.findings.len());
    for f in &scan.findings {
        let layer = f
            .layer_index
            .map(|i| format!("layer {i}"))
            .unwrap_or_else(|| "layer ?".into());
        let _ = writeln!(
            out,
            "  {} {}",
            tag(f.severity),
            fit(&f.title, 73).trim_end()
        );
        let _ = writeln!(
            out,
            "       {}",
            fit(&format!("{} in {layer}", f.path), 72).trim_end()
        );
        if let Some(r) = f.removed_in_layer {
            let _ = writeln!(
                out,
                "       removed in layer {r}: hidden, but still extractable"
            );
        }
        let _ = writeln!(out, "       {}", fit(&f.evidence, 72).trim_end());
    }
    out
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

/// Greedy word wrap.
fn textwrap(text: &str, width: usize) -> Vec<String> {
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
    fn sarif_is_2_1_0_with_one_result_per_finding() {
        use crate::layers::{ImageScan, LayerFinding};
        let finding = |rule: &str, severity| LayerFinding {
            rule: rule.into(),
            severity,
            title: "t".into(),
            layer: "sha256:ab".into(),
            layer_index: Some(1),
            created_by: None,
            path: "/app/key.pem".into(),
            removed_in_layer: Some(2),
            evidence: "RSA PRIVATE KEY".into(),
            fingerprint: format!("fp-{rule}"),
            why: String::new(),
            fix: String::new(),
        };
        let scan = ImageScan {
            image: "app:1".into(),
            image_id: None,
            tags: vec![],
            layers: vec![],
            findings: vec![
                finding("image.layer-private-key", Severity::Critical),
                finding("image.layer-secret", Severity::Medium),
            ],
            error: None,
            analyzers: String::new(),
            cached: false,
        };
        let doc: serde_json::Value =
            serde_json::from_str(&scan_sarif(&[&scan]).expect("sarif")).expect("json");
        assert_eq!(doc["version"], "2.1.0");
        let run = &doc["runs"][0];
        let results = run["results"].as_array().expect("results");
        assert_eq!(results.len(), 2);
        assert_eq!(results[0]["level"], "error");
        assert_eq!(results[1]["level"], "warning");
        assert_eq!(
            results[0]["partialFingerprints"]["dockward/v1"],
            "fp-image.layer-private-key"
        );
        assert!(results[0]["message"]["text"]
            .as_str()
            .is_some_and(|m| m.contains("still extractable")));
        let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
        for r in results {
            let idx = r["ruleIndex"].as_u64().expect("index") as usize;
            assert_eq!(rules[idx]["id"], r["ruleId"]);
        }
        assert_eq!(
            rules[0]["shortDescription"]["text"],
            "Private key in an image layer"
        );
    }

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
}
