//! Findings as CSV (RFC 4180) through the `csv` crate, with every cell that
//! a spreadsheet would run as a formula defused.

use super::ReportError;
use crate::store::FindingRow;

/// A cell with a leading `=`, `+`, `-`, `@`, tab or CR prefixed with `'`, so
/// a spreadsheet shows it instead of running it as a formula.
fn defused(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// Findings as CSV, one row per finding, header first, CRLF line ends.
pub fn findings(rows: &[FindingRow]) -> Result<String, ReportError> {
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record([
        "fingerprint",
        "severity",
        "state",
        "rule",
        "title",
        "subject_kind",
        "subject",
        "location",
        "evidence",
        "first_seen",
        "last_seen",
        "suppressed_reason",
        "suppressed_until",
    ])?;
    for f in rows {
        let cells = [
            f.fingerprint.as_str(),
            f.severity.as_str(),
            f.state.as_str(),
            &f.rule,
            &f.title,
            f.subject_kind.as_str(),
            &f.subject,
            &f.location,
            &f.evidence,
            &f.first_seen_at,
            &f.last_seen_at,
            f.suppressed_reason.as_deref().unwrap_or(""),
            f.suppressed_until.as_deref().unwrap_or(""),
        ];
        w.write_record(cells.iter().map(|c| defused(c).into_owned()))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ReportError::Csv(e.into_error().into()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
