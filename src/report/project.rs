//! The project check: a table by file and line with each fix, and SARIF
//! whose locations are the file, line and column (for code review).

use crate::project::ProjectReport;
use crate::rules::Catalogue;

use super::sarif::{render_with_problems, Item};
use super::{tag, terminal_safe_text, ReportError};

/// Findings grouped by file, each on its line with the fix under it.
pub fn project_table(r: &ProjectReport) -> String {
    let mut out = format!(
        "{}: score {}, {} Dockerfile(s), {} compose file(s){}\n",
        r.root,
        r.score,
        r.dockerfiles.len(),
        r.compose_files.len(),
        if r.git { ", git" } else { "" }
    );
    if r.truncated {
        out.push_str(&format!(
            "note: the walk stopped after {} entries\n",
            r.entries
        ));
    }
    let mut file = "";
    for f in &r.findings {
        if f.at.file != file {
            file = &f.at.file;
            out.push_str(&format!("\n{file}\n"));
        }
        out.push_str(&format!(
            "  {:>4}:{:<3} {} {} [{}]{}\n",
            f.at.line,
            f.at.column,
            tag(f.finding.severity),
            f.finding.title,
            f.finding.rule,
            if f.fixable { " (--fix)" } else { "" }
        ));
        if !f.source.trim().is_empty() {
            out.push_str(&format!("           | {}\n", f.source.trim_end()));
        }
        out.push_str(&format!("           {}\n", f.finding.evidence));
        out.push_str(&format!("           fix: {}\n", f.finding.fix));
    }
    if r.findings.is_empty() {
        out.push_str("\nNo findings.\n");
    }
    for e in &r.errors {
        out.push_str(&format!("\nerror: {}: {}\n", e.file, e.message));
    }
    terminal_safe_text(&out)
}

/// SARIF 2.1.0 with file, line and column locations relative to the
/// project folder (the check runs at the repository's root in CI).
pub fn project_sarif(r: &ProjectReport, catalogue: &Catalogue) -> Result<String, ReportError> {
    let items = r
        .findings
        .iter()
        .map(|f| Item {
            rule: &f.finding.rule,
            severity: f.finding.severity,
            message: format!("{}: {}", f.finding.title, f.finding.evidence),
            uri: f.at.file.clone(),
            line: Some((f.at.line, f.at.column)),
            fingerprint: &f.finding.fingerprint,
            suppression: f.finding.suppressed_reason.as_deref(),
        })
        .collect();
    let problems: Vec<(String, String)> = r
        .errors
        .iter()
        .map(|e| (e.file.clone(), e.message.clone()))
        .collect();
    render_with_problems(items, catalogue, &problems)
}
