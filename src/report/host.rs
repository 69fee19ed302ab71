//! The host check for an 80-column terminal.

use std::fmt::Write as _;

use super::{fit, tag};
use crate::host::HostReport;

/// Shares, versions, advisories, mounts and findings with their fixes.
pub fn host_table(r: &HostReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Host score {}", r.score);
    match &r.desktop {
        Some(d) => {
            let _ = writeln!(out, "\nDocker Desktop settings: {}", d.files.join(", "));
            let _ = writeln!(
                out,
                "File sharing{}:",
                if d.default_sharing { " (defaults)" } else { "" }
            );
            for s in &r.shares {
                let sev = s.severity.map_or("    ", tag);
                let _ = writeln!(out, "  {sev} {}", fit(&s.path, 70));
                for e in s.exposes.iter().take(2) {
                    let _ = writeln!(out, "       {}", fit(e, 71));
                }
                for f in s.files.iter().take(5) {
                    let _ = writeln!(out, "       holds {} ({})", fit(&f.path, 50), f.kind);
                }
            }
        }
        None => {
            let _ = writeln!(out, "\nDocker Desktop: not found");
        }
    }
    if !r.components.is_empty() {
        let _ = writeln!(out, "\nVersions:");
        for c in &r.components {
            let _ = writeln!(
                out,
                "  {:<16} {}{}",
                c.name,
                c.version,
                if c.distribution_build {
                    "  (distribution build)"
                } else {
                    ""
                }
            );
        }
    }
    if !r.mounts.is_empty() {
        let _ = writeln!(out, "\nContainers mounting sensitive host paths:");
        for m in &r.mounts {
            let _ = writeln!(
                out,
                "  {} {} {}",
                tag(m.finding.severity),
                fit(&m.container, 24),
                fit(&m.finding.evidence, 46)
            );
        }
    }
    let _ = writeln!(out, "\nFindings ({}):", r.findings.len());
    for f in &r.findings {
        let suppressed = if f.suppressed_reason.is_some() {
            " [suppressed]"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {} {}{suppressed}",
            tag(f.severity),
            fit(&f.title, 66)
        );
        for line in super::textwrap(&f.evidence, 70) {
            let _ = writeln!(out, "       {line}");
        }
        for line in super::textwrap(&format!("Fix: {}", f.fix), 70) {
            let _ = writeln!(out, "       {line}");
        }
    }
    for n in &r.notes {
        let _ = writeln!(out, "note: {n}");
    }
    out.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}
