//! Renderings of the store's history: scans, diffs and findings as tables,
//! CSV and SARIF, and the self-contained HTML report.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{count_cells, fit, sarif, tag, uri_part, ReportError, SarifItem};
use crate::finding::Severity;
use crate::store::{DiffFinding, FindingRow, Overview, ScanDiff, ScanRecord};

/// Everything a report holds: the overview and every finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ReportData {
    /// When it was made (RFC 3339).
    pub generated_at: String,
    /// Trend, since last scan, riskiest subjects.
    pub overview: Overview,
    /// Findings, most severe first (open and suppressed ones; resolved ones
    /// only in JSON and CSV, where their state says so).
    pub findings: Vec<FindingRow>,
}

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
            s.kind,
            s.status.as_str(),
            count_cells(&[s.open[0], s.open[1], s.open[2], s.open[3]]),
            s.new_count,
            s.resolved_count
        );
        if s.kind == "layers" {
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
                .map(|u| format!(" until {}", &u[..u.len().min(10)]))
                .unwrap_or_default();
            let _ = writeln!(out, "     suppressed{until}: {}", fit(reason, 56));
        }
    }
    let _ = writeln!(out, "{} findings", rows.len());
    trimmed(out)
}

/// One CSV cell: quoted when needed, and a leading `=`, `+`, `-`, `@`, tab
/// or CR defused with `'` so a spreadsheet does not run it as a formula.
fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// Findings as CSV (RFC 4180), one row per finding.
pub fn findings_csv(rows: &[FindingRow]) -> String {
    let mut out = String::from(
        "fingerprint,severity,state,rule,title,subject_kind,subject,location,evidence,first_seen,last_seen,suppressed_reason,suppressed_until\r\n",
    );
    for f in rows {
        let cells = [
            f.fingerprint.as_str(),
            f.severity.as_str(),
            f.state.as_str(),
            &f.rule,
            &f.title,
            &f.subject_kind,
            &f.subject,
            &f.location,
            &f.evidence,
            &f.first_seen_at,
            &f.last_seen_at,
            f.suppressed_reason.as_deref().unwrap_or(""),
            f.suppressed_until.as_deref().unwrap_or(""),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// SARIF 2.1.0 of stored findings (suppressed ones carry a SARIF suppression).
pub fn findings_sarif(rows: &[FindingRow]) -> Result<String, ReportError> {
    sarif(
        rows.iter()
            .map(|f| SarifItem {
                rule: &f.rule,
                severity: f.severity,
                message: format!("{}: {} ({})", f.subject, f.title, f.evidence),
                uri: format!("{}/{}", f.subject_kind, uri_part(&f.subject)),
                fingerprint: &f.fingerprint,
                suppression: f.suppressed_reason.as_deref(),
            })
            .collect(),
    )
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Catalogue text with `code` spans, escaped.
fn prose(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len() % 2 == 0 {
        return esc(s);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i % 2 == 1 {
                format!("<code>{}</code>", esc(p))
            } else {
                esc(p)
            }
        })
        .collect()
}

const COLOURS: [&str; 5] = ["#dc2626", "#ea580c", "#ca8a04", "#2563eb", "#64748b"];

/// The trend as an inline SVG: one line per severity (critical to low).
fn trend_svg(o: &Overview) -> String {
    let (w, h, pad) = (720.0_f64, 200.0_f64, 28.0_f64);
    let points = &o.trend;
    if points.len() < 2 {
        return "<p class=\"muted\">The trend appears after two complete scans.</p>".into();
    }
    let max = points
        .iter()
        .flat_map(|p| p.open[..4].iter().copied())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let x = |i: usize| pad + (w - 2.0 * pad) * i as f64 / (points.len() - 1) as f64;
    let y = |v: i64| h - pad - (h - 2.0 * pad) * v as f64 / max;
    let mut svg = format!(
        "<svg viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"Open findings over time\" class=\"chart\">"
    );
    let _ = write!(
        svg,
        "<line x1=\"{pad}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"#cbd5e1\"/><text x=\"2\" y=\"{t}\" font-size=\"10\">{m}</text><text x=\"2\" y=\"{b}\" font-size=\"10\">0</text>",
        b = h - pad,
        r = w - pad,
        t = pad + 4.0,
        m = max as i64
    );
    for (s, colour) in COLOURS.iter().enumerate().take(4) {
        let path: Vec<String> = points
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(p.open[s])))
            .collect();
        let _ = write!(
            svg,
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>",
            path.join(" ")
        );
    }
    let first = points
        .first()
        .map(|p| &p.at[..p.at.len().min(10)])
        .unwrap_or("");
    let last = points
        .last()
        .map(|p| &p.at[..p.at.len().min(10)])
        .unwrap_or("");
    let _ = write!(
        svg,
        "<text x=\"{pad}\" y=\"{h}\" font-size=\"10\">{}</text><text x=\"{r}\" y=\"{h}\" font-size=\"10\" text-anchor=\"end\">{}</text></svg>",
        esc(first),
        esc(last),
        r = w - pad
    );
    svg
}

/// A self-contained HTML report: no scripts, no external assets (styles and
/// chart inline), every value escaped. Open findings come with why and fix.
pub fn html(data: &ReportData) -> String {
    let catalogue = crate::rules::builtin().ok();
    let open: Vec<&FindingRow> = data
        .findings
        .iter()
        .filter(|f| {
            !matches!(
                f.state,
                crate::store::FindingState::Resolved | crate::store::FindingState::Suppressed
            )
        })
        .collect();
    let suppressed = data
        .findings
        .iter()
        .filter(|f| f.state == crate::store::FindingState::Suppressed)
        .count();
    let mut counts = [0usize; 5];
    for f in &open {
        if let Some(i) = Severity::ALL_DESC.iter().position(|s| *s == f.severity) {
            counts[i] += 1;
        }
    }
    let mut h = String::new();
    h.push_str("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">");
    h.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">");
    h.push_str("<title>Dockward report</title><style>");
    h.push_str("body{font:14px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#0f172a;padding:0 1rem}h1{margin-bottom:0}.muted{color:#64748b}.cards{display:flex;gap:.75rem;margin:1rem 0}.card{border:1px solid #e2e8f0;border-radius:.5rem;padding:.5rem 1rem;min-width:6rem}.card b{font-size:1.6rem;display:block}.chart{width:100%;height:auto;border:1px solid #e2e8f0;border-radius:.5rem}table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #e2e8f0}article{border:1px solid #e2e8f0;border-radius:.5rem;padding:.75rem 1rem;margin:.75rem 0}code{background:#f1f5f9;padding:0 .25rem;border-radius:.25rem;font-size:.9em}.sev{font-weight:700;text-transform:uppercase;font-size:.75rem;padding:.1rem .4rem;border-radius:.25rem;color:#fff}.legend span{margin-right:1rem}");
    for (i, s) in Severity::ALL_DESC.iter().enumerate() {
        let _ = write!(h, ".s-{}{{background:{}}}", s.as_str(), COLOURS[i]);
    }
    h.push_str("</style></head><body>");
    let _ = write!(
        h,
        "<h1>Dockward report</h1><p class=\"muted\">Generated {} · {} open findings · {} suppressed</p>",
        esc(&data.generated_at),
        open.len(),
        suppressed
    );
    h.push_str("<div class=\"cards\">");
    for (i, s) in Severity::ALL_DESC.iter().enumerate() {
        let _ = write!(
            h,
            "<div class=\"card\" data-severity=\"{0}\"><b>{1}</b>{0}</div>",
            s.as_str(),
            counts[i]
        );
    }
    h.push_str("</div><h2>Open findings over time</h2>");
    h.push_str(&trend_svg(&data.overview));
    h.push_str("<p class=\"legend\">");
    for (i, s) in Severity::ALL_DESC.iter().enumerate().take(4) {
        let _ = write!(
            h,
            "<span style=\"color:{}\">━ {}</span>",
            COLOURS[i],
            s.as_str()
        );
    }
    h.push_str("</p>");
    if let Some(d) = &data.overview.since_last {
        let _ = write!(
            h,
            "<h2>Since the last inventory</h2><p>{} new · {} resolved · {} reopened (scan {} → {})</p>",
            d.new.len(),
            d.resolved.len(),
            d.reopened.len(),
            d.from,
            d.to
        );
    }
    if !data.overview.top_subjects.is_empty() {
        h.push_str(
            "<h2>Riskiest subjects</h2><table><tr><th>Score</th><th>Kind</th><th>Name</th></tr>",
        );
        for s in &data.overview.top_subjects {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                s.score,
                esc(&s.kind),
                esc(&s.name)
            );
        }
        h.push_str("</table>");
    }
    let _ = write!(h, "<h2>Open findings ({})</h2>", open.len());
    for f in &open {
        let meta = catalogue.and_then(|c| c.get(&f.rule));
        let _ = write!(
            h,
            "<article data-rule=\"{rule}\"><span class=\"sev s-{sev}\">{sev}</span> <b>{title}</b> · {subject} <span class=\"muted\">({state})</span><br><code>{location}</code> <span class=\"muted\">{evidence}</span>",
            rule = esc(&f.rule),
            sev = f.severity.as_str(),
            title = esc(&f.title),
            subject = esc(&f.subject),
            state = f.state.as_str(),
            location = esc(&f.location),
            evidence = esc(&f.evidence),
        );
        if let Some(m) = meta {
            let _ = write!(
                h,
                "<p><b>Why:</b> {}</p><p><b>Fix:</b> {}</p>",
                prose(&m.why),
                prose(&m.fix)
            );
        }
        let _ = write!(
            h,
            "<p class=\"muted\">{} · first seen {} · fingerprint <code>{}</code></p></article>",
            esc(&f.rule),
            esc(&f.first_seen_at),
            esc(&f.fingerprint)
        );
    }
    if open.is_empty() {
        h.push_str("<p>No open findings.</p>");
    }
    h.push_str("</body></html>\n");
    h
}

/// The formats of `dockward report` and the window's export buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ReportFormat {
    /// One self-contained page: no scripts, no external assets.
    Html,
    /// [`ReportData`] as JSON.
    Json,
    /// SARIF 2.1.0 of every finding not resolved (suppressed ones marked).
    Sarif,
    /// Every finding, one row each.
    Csv,
}

impl ReportFormat {
    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Html => "html",
            ReportFormat::Json => "json",
            ReportFormat::Sarif => "sarif",
            ReportFormat::Csv => "csv",
        }
    }
}

/// Reads what a report holds from the store.
pub async fn report_data(
    store: &crate::store::Store,
) -> Result<ReportData, crate::store::StoreError> {
    Ok(ReportData {
        generated_at: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        overview: store.overview(200).await?,
        findings: store
            .findings(&crate::store::FindingFilter::default())
            .await?,
    })
}

/// Renders a report in `format`.
pub fn render(data: &ReportData, format: ReportFormat) -> Result<String, ReportError> {
    Ok(match format {
        ReportFormat::Html => html(data),
        ReportFormat::Json => serde_json::to_string_pretty(data)?,
        ReportFormat::Csv => findings_csv(&data.findings),
        ReportFormat::Sarif => {
            let live: Vec<FindingRow> = data
                .findings
                .iter()
                .filter(|f| f.state != crate::store::FindingState::Resolved)
                .cloned()
                .collect();
            findings_sarif(&live)?
        }
    })
}

/// Writes `bytes` to `path` through a temporary file beside it, so a
/// failure never leaves a half-written report or clobbers the old one.
pub fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> Result<(), ReportError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let name = path.file_name().ok_or_else(|| ReportError::Write {
        path: path.display().to_string(),
        reason: "not a file name".into(),
    })?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes)
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            ReportError::Write {
                path: path.display().to_string(),
                reason: e.to_string(),
            }
        })
}
