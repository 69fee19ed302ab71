//! The self-contained HTML report: no scripts, no external assets (styles
//! and the trend chart inline), a CSP that allows nothing else. Built with
//! maud, which escapes every interpolated value unless told otherwise.

use maud::{html, Markup, PreEscaped};

use super::export::ReportData;
use crate::finding::{Severity, SeverityCounts};
use crate::rules::Catalogue;
use crate::store::{FindingRow, FindingState, Overview};

const COLOURS: [&str; 5] = ["#dc2626", "#ea580c", "#ca8a04", "#2563eb", "#64748b"];

const STYLE: &str = "body{font:14px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#0f172a;padding:0 1rem}h1{margin-bottom:0}.muted{color:#64748b}.cards{display:flex;gap:.75rem;margin:1rem 0}.card{border:1px solid #e2e8f0;border-radius:.5rem;padding:.5rem 1rem;min-width:6rem}.card b{font-size:1.6rem;display:block}.chart{width:100%;height:auto;border:1px solid #e2e8f0;border-radius:.5rem}table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #e2e8f0}article{border:1px solid #e2e8f0;border-radius:.5rem;padding:.75rem 1rem;margin:.75rem 0}code{background:#f1f5f9;padding:0 .25rem;border-radius:.25rem;font-size:.9em}.sev{font-weight:700;text-transform:uppercase;font-size:.75rem;padding:.1rem .4rem;border-radius:.25rem;color:#fff}.legend span{margin-right:1rem}";

fn count(c: &SeverityCounts, s: Severity) -> f64 {
    f64::from(c.get(s))
}

/// Catalogue text with `code` spans (backticks), escaped.
fn prose(s: &str) -> Markup {
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len() % 2 == 0 {
        return html! { (s) };
    }
    html! {
        @for (i, p) in parts.iter().enumerate() {
            @if i % 2 == 1 { code { (p) } } @else { (p) }
        }
    }
}

/// The trend as an inline SVG: one line per severity (critical to low).
fn trend_svg(o: &Overview) -> Markup {
    let (w, h, pad) = (720.0_f64, 200.0_f64, 28.0_f64);
    let points = &o.trend;
    if points.len() < 2 {
        return html! { p.muted { "The trend appears after two complete scans." } };
    }
    let max = points
        .iter()
        .flat_map(|p| Severity::ALL_DESC[..4].iter().map(|s| count(&p.open, *s)))
        .fold(1.0_f64, f64::max);
    let x = |i: usize| pad + (w - 2.0 * pad) * i as f64 / (points.len() - 1) as f64;
    let y = |v: f64| h - pad - (h - 2.0 * pad) * v / max;
    let date = |at: &str| at.get(..10).unwrap_or(at).to_string();
    html! {
        svg viewBox=(format!("0 0 {w} {h}")) role="img" aria-label="Open findings over time" class="chart" {
            line x1=(pad) y1=(h - pad) x2=(w - pad) y2=(h - pad) stroke="#cbd5e1" {}
            text x="2" y=(pad + 4.0) font-size="10" { (max) }
            text x="2" y=(h - pad) font-size="10" { "0" }
            @for (s, colour) in Severity::ALL_DESC[..4].iter().zip(COLOURS) {
                polyline fill="none" stroke=(colour) stroke-width="2"
                    points=(points.iter().enumerate()
                        .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(count(&p.open, *s))))
                        .collect::<Vec<_>>().join(" ")) {}
            }
            text x=(pad) y=(h) font-size="10" { (points.first().map(|p| date(&p.at)).unwrap_or_default()) }
            text x=(w - pad) y=(h) font-size="10" text-anchor="end" { (points.last().map(|p| date(&p.at)).unwrap_or_default()) }
        }
    }
}

/// Places listed before the rest of a rule's places fold away.
const SHOWN: usize = 5;

/// One rule's open findings on one subject: why and fix once, each place
/// with its evidence, the first few shown and the rest folded.
fn rule_group(subject: &str, items: &[&FindingRow], catalogue: &Catalogue) -> Markup {
    let f = items[0];
    let meta = catalogue.get(&f.rule);
    let worst = items.iter().map(|i| i.severity).max().unwrap_or(f.severity);
    let place = |i: &FindingRow| {
        html! {
            li {
                code { (i.location) } " " span.muted { (i.evidence) }
                " " span.muted { "(" (i.state.as_str()) ", first seen " (i.first_seen_at) ", fingerprint " code { (i.fingerprint) } ")" }
            }
        }
    };
    html! {
        article data-rule=(f.rule) data-count=(items.len()) {
            span class=(format!("sev s-{}", worst.as_str())) { (worst.as_str()) }
            " " b { (f.title) } " · " (subject)
            @if items.len() > 1 { " " span.muted { "· " (items.len()) " places" } }
            @if let Some(m) = meta {
                p { b { "Why:" } " " (prose(&m.why)) }
                p { b { "Fix:" } " " (prose(&m.fix)) }
            }
            ul {
                @for i in items.iter().take(SHOWN) { (place(i)) }
            }
            @if items.len() > SHOWN {
                details {
                    summary { (items.len() - SHOWN) " more" }
                    ul { @for i in items.iter().skip(SHOWN) { (place(i)) } }
                }
            }
            p.muted { (f.rule) }
        }
    }
}

/// Rows grouped by `key`, groups in first-seen order.
fn group_by<'a>(
    rows: &[&'a FindingRow],
    key: impl Fn(&FindingRow) -> &str,
) -> Vec<Vec<&'a FindingRow>> {
    let mut groups: Vec<Vec<&FindingRow>> = Vec::new();
    for f in rows {
        match groups.iter_mut().find(|g| key(g[0]) == key(f)) {
            Some(g) => g.push(f),
            None => groups.push(vec![f]),
        }
    }
    // Worst first, then by name.
    groups.sort_by(|a, b| {
        let worst = |g: &[&FindingRow]| g.iter().map(|f| f.severity).max();
        worst(b)
            .cmp(&worst(a))
            .then_with(|| key(a[0]).cmp(key(b[0])))
    });
    groups
}

/// Open findings grouped by subject, then by rule, worst first.
fn grouped(open: &[&FindingRow], catalogue: &Catalogue) -> Markup {
    html! {
        @for subject in group_by(open, |f| &f.subject) {
            h3 { (subject[0].subject) }
            @for items in group_by(&subject, |f| &f.rule) {
                (rule_group(&subject[0].subject, &items, catalogue))
            }
        }
    }
}

/// The report page. Open findings come with why and fix.
pub fn render(data: &ReportData, catalogue: &Catalogue) -> String {
    let open: Vec<&FindingRow> = data
        .findings
        .iter()
        .filter(|f| !matches!(f.state, FindingState::Resolved | FindingState::Suppressed))
        .collect();
    let suppressed = data
        .findings
        .iter()
        .filter(|f| f.state == FindingState::Suppressed)
        .count();
    let counts = SeverityCounts::count(open.iter().map(|f| f.severity));
    let severity_styles: String = Severity::ALL_DESC
        .iter()
        .zip(COLOURS)
        .map(|(s, c)| format!(".s-{}{{background:{c}}}", s.as_str()))
        .collect();
    let page = html! {
        (PreEscaped("<!doctype html>"))
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width";
                meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:";
                title { "Dockward report" }
                style { (PreEscaped(STYLE)) (PreEscaped(severity_styles)) }
            }
            body {
                h1 { "Dockward report" }
                p.muted { "Generated " (data.generated_at) " · " (open.len()) " open findings · " (suppressed) " suppressed" }
                div.cards {
                    @for s in Severity::ALL_DESC {
                        div.card data-severity=(s.as_str()) { b { (counts.get(s)) } (s.as_str()) }
                    }
                }
                h2 { "Open findings over time" }
                (trend_svg(&data.overview))
                p.legend {
                    @for (s, colour) in Severity::ALL_DESC[..4].iter().zip(COLOURS) {
                        span style=(format!("color:{colour}")) { "━ " (s.as_str()) }
                    }
                }
                @if let Some(d) = &data.overview.since_last {
                    h2 { "Since the last inventory" }
                    p { (d.new.len()) " new · " (d.resolved.len()) " resolved · " (d.reopened.len())
                        " reopened (scan " (d.from) " → " (d.to) ")" }
                }
                @if !data.overview.top_subjects.is_empty() {
                    h2 { "Riskiest subjects" }
                    table {
                        tr { th { "Score" } th { "Kind" } th { "Name" } }
                        @for s in &data.overview.top_subjects {
                            tr { td { (s.score) } td { (s.kind.as_str()) } td { (s.name) } }
                        }
                    }
                }
                h2 { "Open findings (" (open.len()) ")" }
                (grouped(&open, catalogue))
                @if open.is_empty() { p { "No open findings." } }
            }
        }
    };
    let mut out = page.into_string();
    out.push('\n');
    out
}
