//! Generates a history database through the store's own write path and times
//! the overview queries on it. Used by bench/history.sh; not a test.
//!
//!   cargo run --release --example history_bench -- DB SCANS FINDINGS_PER_SCAN
//!
//! Each scan is an inventory over 250 subjects that sees FINDINGS_PER_SCAN
//! findings out of a pool that drifts (some fixed, some new each scan), so
//! the history has new, resolved and reopened events like a real one.

use std::time::Instant;

use dockward::finding::{fingerprint, Finding, Severity, Subject, SubjectKind};
use dockward::store::{FindingFilter, FindingState, ScanKind, Store};

fn subject(i: usize) -> Subject {
    let name = format!("service-{i:03}");
    Subject {
        kind: SubjectKind::Container,
        key: name.clone(),
        name,
        id: format!("id{i}"),
    }
}

fn finding(rule: usize, subj: usize) -> Finding {
    const RULES: [(&str, Severity); 5] = [
        ("container.privileged", Severity::Critical),
        ("container.docker-socket", Severity::Critical),
        ("container.cap-add", Severity::High),
        ("container.root-user", Severity::Medium),
        ("container.no-resource-limits", Severity::Low),
    ];
    let (id, sev) = RULES[rule % RULES.len()];
    let s = subject(subj);
    let location = format!("loc-{}", rule / RULES.len());
    Finding {
        fingerprint: fingerprint(id, &s, &location, None),
        rule: id.into(),
        severity: sev,
        title: id.into(),
        subject: s,
        location,
        evidence: "redacted".into(),
        why: String::new(),
        fix: String::new(),
        references: vec![],
    }
}

/// Median of `n` runs of `f`, in milliseconds.
async fn time<F, Fut, T>(n: usize, mut f: F) -> f64
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut ms = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        std::hint::black_box(f().await);
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    ms[n / 2]
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let db = std::path::PathBuf::from(args.get(1).ok_or("DB path")?);
    let scans: usize = args.get(2).map_or(Ok(2000), |s| s.parse())?;
    let per_scan: usize = args.get(3).map_or(Ok(500), |s| s.parse())?;
    let store = Store::open(&db).await?;
    let subjects: Vec<(Subject, u8)> = (0..250).map(|i| (subject(i), 40)).collect();
    let t = Instant::now();
    for s in 0..scans {
        // A window over the pool that moves by 2 each scan: 2 resolved, 2 new;
        // every 50th scan skips a block, which reopens it on the next.
        let start = s * 2;
        let found: Vec<Finding> = (start..start + per_scan)
            .filter(|i| s % 50 != 0 || i % 97 != 0)
            .map(|i| finding(i / 250, i % 250))
            .collect();
        store
            .begin(ScanKind::Inventory, "bench", "all")
            .await?
            .complete(&found, &subjects)
            .await?;
    }
    let generate = t.elapsed().as_secs_f64();
    let sightings = store.sighting_count().await?;
    let size = std::fs::metadata(&db)?.len()
        + std::fs::metadata(db.with_extension("db-wal")).map_or(0, |m| m.len());
    let trend = time(21, || store.trend(200)).await;
    let since = time(21, || store.diff(None, None)).await;
    let top = time(21, || store.top_subjects(10)).await;
    let overview = time(21, || store.overview(200)).await;
    let open = time(5, || {
        store.findings(&FindingFilter {
            state: Some(FindingState::Open),
            min_severity: None,
        })
    })
    .await;
    println!(
        "{{\"scans\":{scans},\"sightings\":{sightings},\"generate_s\":{generate:.1},\"db_bytes\":{size},\"trend_ms\":{trend:.2},\"since_last_ms\":{since:.2},\"top_subjects_ms\":{top:.2},\"overview_ms\":{overview:.2},\"open_findings_ms\":{open:.2}}}"
    );
    Ok(())
}
