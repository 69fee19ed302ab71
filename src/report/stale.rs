//! The stale check as a table for an 80-column terminal.

use crate::stale::{StaleReport, Upstream};

use super::{fit, human_size, tag, terminal_safe};

/// One line per image (name, age, size, last use, registry), then each
/// finding with its fix.
pub fn stale_table(r: &StaleReport, now_unix: i64) -> String {
    let mut out = String::new();
    if r.images.is_empty() {
        out.push_str(&format!(
            "No stale images (older than {} days, behind upstream, on an outdated base or unused for {} days).\n",
            r.options.max_age_days, r.options.unused_days
        ));
        return out;
    }
    out.push_str(&format!(
        "{} {:>5} {:>8} {:>9}  {}\n",
        fit("IMAGE", 32),
        "AGE",
        "SIZE",
        "LAST USE",
        "REGISTRY"
    ));
    for i in &r.images {
        let age = i.age_days.map_or("?".into(), |d| format!("{d}d"));
        let used = i.last_used_unix.map_or("never".into(), |t| {
            format!("{}d ago", (now_unix - t).max(0) / 86_400)
        });
        let upstream = match &i.upstream {
            Upstream::Current { .. } => "current".to_owned(),
            Upstream::Moved { .. } => "NEWER BUILD".to_owned(),
            Upstream::Unknown { reason, .. } => format!("unknown: {reason}"),
            Upstream::NotChecked { reason } => format!("— {reason}"),
        };
        out.push_str(&format!(
            "{} {:>5} {:>8} {:>9}  {}\n",
            fit(&i.name, 32),
            age,
            human_size(i.size.max(0) as u64),
            used,
            fit(&upstream, 22)
        ));
    }
    let findings: Vec<_> = r
        .images
        .iter()
        .flat_map(|i| i.findings.iter().map(move |f| (i, f)))
        .collect();
    if !findings.is_empty() {
        out.push_str("\nFINDINGS\n");
        for (i, f) in findings {
            out.push_str(&format!(
                "  {} {} · {}\n",
                tag(f.severity),
                terminal_safe(&i.name),
                terminal_safe(&f.title)
            ));
            for line in super::textwrap(&f.evidence, 72)
                .into_iter()
                .chain(super::textwrap(&format!("Fix: {}", f.fix), 72))
            {
                out.push_str(&format!("       {line}\n"));
            }
        }
    }
    out
}
