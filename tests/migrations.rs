//! Every released schema's database fixture opens with today's Dockward,
//! migrates forward, keeps its history and takes new scans.

use dockward::store::{FindingFilter, FindingState, ScanStatus, Store};

async fn migrate(fixture: &str) -> (tempfile::TempDir, Store, Vec<u8>) {
    let src = format!("{}/tests/fixtures/db/{fixture}", env!("CARGO_MANIFEST_DIR"));
    let original = std::fs::read(&src).expect("fixture");
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join(fixture);
    std::fs::write(&path, &original).expect("copy");
    let store = Store::open(&path).await.expect("migrates forward");
    (dir, store, original)
}

async fn check(fixture: &str, scans: usize, layer_findings: bool) {
    let (_dir, store, original) = migrate(fixture).await;
    let history = store.history(None, 100).await.expect("history");
    assert_eq!(history.len(), scans, "{fixture}: every scan kept");
    assert!(history.iter().all(|s| s.status == ScanStatus::Complete));
    let all = store
        .findings(&FindingFilter::default())
        .await
        .expect("findings");
    assert!(all.len() > 40, "{fixture}: {} findings", all.len());
    assert!(
        all.iter().all(|f| f.state != FindingState::Resolved),
        "nothing resolved by migrating"
    );
    // Titles were not stored before schema 3: the migration fills them in.
    assert!(
        all.iter().all(|f| !f.title.is_empty() && f.title != f.rule),
        "{fixture}: titles backfilled"
    );
    assert_eq!(
        all.iter().any(|f| f.rule.starts_with("image.layer-")),
        layer_findings,
        "{fixture}"
    );
    // The migrated history answers the new questions.
    let trend = store.trend(50).await.expect("trend");
    assert_eq!(trend.len(), scans);
    let last_inventory = history
        .iter()
        .find(|s| s.kind == dockward::store::ScanKind::Inventory)
        .expect("inventory");
    assert!(last_inventory.open.total() > 0, "open counts backfilled");
    let diff = store.diff(None, None).await;
    assert!(diff.is_ok() || scans < 2, "{diff:?}");
    // And it takes a new scan that resolves what it no longer sees.
    let summary = store
        .begin(dockward::store::ScanKind::Inventory, "test", "all")
        .await
        .expect("begin")
        .complete(&[], &[])
        .await
        .expect("complete");
    assert_eq!(summary.new_findings, 0);
    let open = store
        .findings(&FindingFilter {
            state: Some(FindingState::Open),
            ..Default::default()
        })
        .await
        .expect("findings");
    // Nothing is left on the engine: every finding of every image and
    // container (layer findings too) is resolved, in one scan.
    assert!(open.is_empty(), "{open:?}");
    let latest = &store.history(None, 1).await.expect("history")[0];
    assert_eq!(latest.resolved_count as usize, all.len());
    assert_eq!(latest.open.total(), 0);
    for secret in [
        "MIIEowIBAAKCAQEAu1SU",
        "ghp_R4nd0mT0k3nV4lu3s",
        "6f2a9c1e-8b7d-4e3f",
    ] {
        assert!(
            !original
                .windows(secret.len())
                .any(|w| w == secret.as_bytes()),
            "{fixture} holds {secret}"
        );
    }
}

#[tokio::test]
async fn schema_1_database_migrates_forward() {
    check("schema-1.db", 2, false).await;
}

#[tokio::test]
async fn schema_2_database_migrates_forward() {
    check("schema-2.db", 3, true).await;
}
