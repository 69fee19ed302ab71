//! Finding states over scans: new, open, resolved, reopened, suppressed;
//! which scans may resolve what; diffs, trends and retention.
// Slices of clones read better than `from_ref` in these scenarios.
#![allow(clippy::cloned_ref_to_slice_refs)]

use super::*;
use crate::finding::{fingerprint, Finding, Severity, SeverityCounts, Subject, SubjectKind};

fn subject(kind: SubjectKind, name: &str) -> Subject {
    Subject {
        kind,
        key: name.into(),
        name: name.into(),
        id: format!("id-{name}"),
    }
}

fn finding(kind: SubjectKind, name: &str, rule: &str, sev: Severity) -> Finding {
    let s = subject(kind, name);
    Finding {
        fingerprint: fingerprint(rule, &s, "loc", None),
        rule: rule.into(),
        severity: sev,
        title: format!("title of {rule}"),
        subject: s,
        location: "loc".into(),
        evidence: "e".into(),
        why: "w".into(),
        fix: "f".into(),
        references: vec![],
    }
}

/// Severity counts, most severe first.
fn sc(critical: u32, high: u32, medium: u32, low: u32, info: u32) -> SeverityCounts {
    SeverityCounts {
        critical,
        high,
        medium,
        low,
        info,
    }
}

fn c(name: &str, rule: &str, sev: Severity) -> Finding {
    finding(SubjectKind::Container, name, rule, sev)
}

/// An inventory that saw `findings`, with `subjects` present on the engine.
async fn inventory(store: &Store, findings: &[Finding], subjects: &[Subject]) -> i64 {
    let run = store
        .begin(ScanKind::Inventory, "e", "all")
        .await
        .expect("begin");
    let scores: Vec<(Subject, u8)> = subjects.iter().map(|s| (s.clone(), 10)).collect();
    run.complete(findings, &scores)
        .await
        .expect("complete")
        .scan_id
}

async fn layers(store: &Store, image: &str, findings: &[Finding]) -> i64 {
    let run = store
        .begin(ScanKind::Layers, "e", image)
        .await
        .expect("begin");
    let s = subject(SubjectKind::Image, image);
    run.complete(findings, &[(s, 70)])
        .await
        .expect("complete")
        .scan_id
}

async fn state_of(store: &Store, f: &Finding) -> FindingState {
    store
        .findings(&FindingFilter::default())
        .await
        .expect("findings")
        .into_iter()
        .find(|r| r.fingerprint == f.fingerprint)
        .map(|r| r.state)
        .expect("finding listed")
}

async fn open_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&dir.path().join("d.db")).await.expect("open");
    (dir, store)
}

#[tokio::test]
async fn a_finding_goes_new_open_resolved_reopened() {
    let (_d, store) = open_store().await;
    let web = subject(SubjectKind::Container, "web");
    let a = c("web", "container.privileged", Severity::Critical);
    let b = c("web", "container.root-user", Severity::Medium);

    inventory(&store, &[a.clone()], &[web.clone()]).await;
    assert_eq!(state_of(&store, &a).await, FindingState::New);
    let s2 = inventory(&store, &[a.clone(), b.clone()], &[web.clone()]).await;
    assert_eq!(state_of(&store, &a).await, FindingState::Open);
    assert_eq!(state_of(&store, &b).await, FindingState::New);

    // The container is fixed: a is gone, b stays.
    let s3 = inventory(&store, &[b.clone()], &[web.clone()]).await;
    assert_eq!(state_of(&store, &a).await, FindingState::Resolved);
    assert_eq!(state_of(&store, &b).await, FindingState::Open);

    // It comes back.
    let s4 = inventory(&store, &[a.clone(), b.clone()], &[web.clone()]).await;
    assert_eq!(state_of(&store, &a).await, FindingState::Reopened);

    let rec = store.history(None, 10).await.expect("history");
    let by_id = |id: i64| rec.iter().find(|r| r.id == id).cloned().expect("scan");
    assert_eq!(
        (
            by_id(s3).new_count,
            by_id(s3).resolved_count,
            by_id(s3).reopened_count
        ),
        (0, 1, 0)
    );
    assert_eq!(by_id(s4).reopened_count, 1);
    assert_eq!(
        by_id(s3).open,
        sc(0, 0, 1, 0, 0),
        "after s3 only b (medium) is open"
    );
    assert_eq!(by_id(s4).open, sc(1, 0, 1, 0, 0));

    // Diffs: consecutive and across the range.
    let d = store.diff(None, None).await.expect("diff");
    assert_eq!((d.from, d.to), (s3, s4));
    assert_eq!(d.reopened.len(), 1);
    assert!(d.new.is_empty() && d.resolved.is_empty());
    assert_eq!(d.reopened[0].rule, "container.privileged");
    assert_eq!(d.reopened[0].subject, "web");
    let d = store.diff(Some(s2), Some(s3)).await.expect("diff");
    assert_eq!(d.resolved.len(), 1);
    // s2 -> s4: a went and came back; nothing changed on balance.
    let d = store.diff(Some(s2), Some(s4)).await.expect("diff");
    assert!(
        d.new.is_empty() && d.resolved.is_empty() && d.reopened.is_empty(),
        "{d:?}"
    );
}

#[tokio::test]
async fn a_removed_container_resolves_its_findings() {
    let (_d, store) = open_store().await;
    let a = c("old", "container.privileged", Severity::Critical);
    inventory(
        &store,
        &[a.clone()],
        &[subject(SubjectKind::Container, "old")],
    )
    .await;
    inventory(&store, &[], &[]).await;
    assert_eq!(state_of(&store, &a).await, FindingState::Resolved);
}

#[tokio::test]
async fn a_layer_scan_resolves_only_its_own_image_and_an_inventory_only_gone_images() {
    let (_d, store) = open_store().await;
    let img_a = subject(SubjectKind::Image, "a:1");
    let img_b = subject(SubjectKind::Image, "b:1");
    let ka = finding(
        SubjectKind::Image,
        "a:1",
        "image.layer-private-key",
        Severity::Critical,
    );
    let kb = finding(
        SubjectKind::Image,
        "b:1",
        "image.layer-private-key",
        Severity::Critical,
    );
    let root_a = finding(
        SubjectKind::Image,
        "a:1",
        "image.root-user",
        Severity::Medium,
    );
    layers(&store, "a:1", &[ka.clone()]).await;
    layers(&store, "b:1", &[kb.clone()]).await;
    // A layer scan of b does not resolve a's key; both are new (first seen
    // by the latest scan of their own image).
    assert_eq!(state_of(&store, &ka).await, FindingState::New);
    assert_eq!(state_of(&store, &kb).await, FindingState::New);
    // An inventory does not see layer findings and must not resolve them
    // while their images exist.
    inventory(&store, &[root_a.clone()], &[img_a.clone(), img_b.clone()]).await;
    assert_eq!(state_of(&store, &ka).await, FindingState::New);
    assert_eq!(state_of(&store, &kb).await, FindingState::New);
    // Rescanning a without the key resolves it.
    layers(&store, "a:1", &[]).await;
    assert_eq!(state_of(&store, &ka).await, FindingState::Resolved);
    assert_eq!(state_of(&store, &root_a).await, FindingState::New);
    // Image b removed: the next inventory resolves its layer findings too.
    inventory(&store, &[root_a.clone()], &[img_a.clone()]).await;
    assert_eq!(state_of(&store, &kb).await, FindingState::Resolved);
    // A layer scan never resolves inventory findings.
    layers(&store, "a:1", &[]).await;
    assert_eq!(state_of(&store, &root_a).await, FindingState::Open);
}

#[tokio::test]
async fn suppressions_hide_until_they_expire_and_survive_cleanup() {
    let (_d, store) = open_store().await;
    let web = subject(SubjectKind::Container, "web");
    let a = c("web", "container.privileged", Severity::Critical);
    let b = c("web", "container.root-user", Severity::Medium);
    inventory(&store, &[a.clone(), b.clone()], &[web.clone()]).await;

    let err = store
        .suppress(&a.fingerprint, "  ", None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("reason"), "{err}");
    let err = store.suppress("ffffffffffff", "x", None).await.unwrap_err();
    assert!(matches!(err, StoreError::UnknownFingerprint(_)), "{err}");
    let err = store
        .suppress(&a.fingerprint, "x", Some("2001-01-01"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("expired"), "{err}");

    // By unique prefix, until a future date.
    let full = store
        .suppress(
            &a.fingerprint[..10],
            "lab machine, accepted",
            Some("2999-01-01"),
        )
        .await
        .expect("suppress");
    assert_eq!(full, a.fingerprint);
    let s = inventory(&store, &[a.clone(), b.clone()], &[web.clone()]).await;
    let row = store
        .findings(&FindingFilter {
            state: Some(FindingState::Suppressed),
            ..Default::default()
        })
        .await
        .expect("findings");
    assert_eq!(row.len(), 1);
    assert_eq!(
        row[0].suppressed_reason.as_deref(),
        Some("lab machine, accepted")
    );
    assert_eq!(
        row[0].suppressed_until.as_deref(),
        Some("2999-01-01T00:00:00Z")
    );
    let open = store
        .findings(&FindingFilter {
            state: Some(FindingState::Open),
            ..Default::default()
        })
        .await
        .expect("findings");
    assert_eq!(open.len(), 1, "suppressed findings are not open");
    let rec = store.history(None, 1).await.expect("history");
    assert_eq!(
        (rec[0].id, rec[0].open),
        (s, sc(0, 0, 1, 0, 0)),
        "trend excludes it"
    );

    // An expired suppression: the finding shows open again.
    sqlx::query("UPDATE suppression SET until = '2001-01-01T00:00:00Z'")
        .execute(&store.pool)
        .await
        .expect("expire");
    assert_eq!(state_of(&store, &a).await, FindingState::Open);

    // Retention: everything is a year old; cleanup keeps the suppression.
    store
        .suppress(&a.fingerprint, "again", None)
        .await
        .expect("suppress");
    inventory(&store, &[b.clone()], &[web.clone()]).await; // a resolved
    sqlx::query("UPDATE scan SET started_at = '2020-01-01T00:00:00Z'")
        .execute(&store.pool)
        .await
        .expect("age");
    sqlx::query(
        "UPDATE finding SET last_seen_at = '2020-01-01T00:00:00Z' WHERE state = 'resolved'",
    )
    .execute(&store.pool)
    .await
    .expect("age");
    store.set_retention_days(30).await.expect("set");
    assert!(store.set_retention_days(0).await.is_err());
    let report = store
        .cleanup(time::OffsetDateTime::now_utc())
        .await
        .expect("cleanup");
    assert_eq!(report.retention_days, 30);
    assert_eq!(report.findings_removed, 1, "resolved a is gone");
    assert!(report.scans_removed >= 1, "{report:?}");
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM suppression")
        .fetch_one(&store.pool)
        .await
        .expect("count");
    assert_eq!(left, 1, "suppressions are never cleaned up");
    assert_eq!(
        state_of(&store, &b).await,
        FindingState::Open,
        "open findings stay"
    );
    let fks: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(&store.pool)
        .await
        .expect("fk check");
    assert!(fks.is_empty(), "cleanup left dangling references: {fks:?}");
}

#[tokio::test]
async fn overview_has_trend_since_last_and_top_subjects() {
    let (_d, store) = open_store().await;
    assert!(store
        .overview(50)
        .await
        .expect("overview")
        .since_last
        .is_none());
    let web = subject(SubjectKind::Container, "web");
    let a = c("web", "container.privileged", Severity::Critical);
    let b = c("web", "container.root-user", Severity::Medium);
    inventory(&store, &[a.clone()], &[web.clone()]).await;
    inventory(&store, &[b.clone()], &[web.clone()]).await;
    let o = store.overview(50).await.expect("overview");
    assert_eq!(o.trend.len(), 2);
    assert_eq!(o.trend[0].open, sc(1, 0, 0, 0, 0));
    assert_eq!(o.trend[1].open, sc(0, 0, 1, 0, 0));
    let since = o.since_last.expect("since last");
    assert_eq!((since.new.len(), since.resolved.len()), (1, 1));
    assert_eq!(o.top_subjects[0].name, "web");
}

#[tokio::test]
async fn diff_needs_complete_scans() {
    let (_d, store) = open_store().await;
    assert!(matches!(
        store.diff(None, None).await,
        Err(StoreError::NoSuchScan(_))
    ));
    let web = subject(SubjectKind::Container, "web");
    let s1 = inventory(&store, &[], &[web.clone()]).await;
    let err = store.diff(None, None).await.unwrap_err();
    assert!(err.to_string().contains("nothing to compare"), "{err}");
    let run = store
        .begin(ScanKind::Inventory, "e", "all")
        .await
        .expect("begin");
    let dead = run.id();
    run.interrupted("engine gone").await.expect("end");
    let err = store.diff(Some(s1), Some(dead)).await.unwrap_err();
    assert!(err.to_string().contains("did not complete"), "{err}");
    assert!(store.diff(Some(s1), Some(999)).await.is_err());
}
