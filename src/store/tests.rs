use super::*;
use crate::finding::{fingerprint, Finding, Severity, SeverityCounts, Subject, SubjectKind};

fn subject(name: &str) -> Subject {
    Subject {
        kind: SubjectKind::Container,
        key: name.into(),
        name: name.into(),
        id: format!("id-{name}"),
    }
}

fn finding(name: &str, rule: &str, sev: Severity) -> Finding {
    let s = subject(name);
    Finding {
        fingerprint: fingerprint(rule, &s, "loc", None),
        rule: rule.into(),
        severity: sev,
        title: "t".into(),
        subject: s,
        location: "loc".into(),
        evidence: "e".into(),
        why: "w".into(),
        fix: "f".into(),
        references: vec![],
    }
}

async fn scan_with(store: &Store, findings: &[Finding]) -> ScanSummary {
    store
        .begin(ScanKind::Inventory, "unix:///test.sock", "all")
        .await
        .expect("begin")
        .complete(findings, &[(subject("web"), 70)])
        .await
        .expect("complete")
}

#[tokio::test]
async fn first_and_last_seen_follow_scans() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&dir.path().join("d.db")).await.expect("open");
    let a = finding("web", "container.privileged", Severity::Critical);
    let b = finding("web", "container.root-user", Severity::Medium);
    let s1 = scan_with(&store, std::slice::from_ref(&a)).await;
    assert_eq!(s1.new_findings, 1);
    let s2 = scan_with(&store, &[a.clone(), b.clone()]).await;
    assert_eq!(s2.new_findings, 1, "only b is new");
    let row =
        sqlx::query("SELECT first_seen_scan, last_seen_scan FROM finding WHERE fingerprint = ?")
            .bind(&a.fingerprint)
            .fetch_one(&store.pool)
            .await
            .expect("row");
    assert_eq!(
        (row.get::<i64, _>(0), row.get::<i64, _>(1)),
        (s1.scan_id, s2.scan_id)
    );
    assert_eq!(
        store.sightings(s2.scan_id).await.expect("sightings").len(),
        2
    );
    let scans = store.scans(10).await.expect("scans");
    assert_eq!(
        scans[0].counts,
        SeverityCounts {
            critical: 1,
            medium: 1,
            ..Default::default()
        }
    );
    assert_eq!(scans[0].status, ScanStatus::Complete);
}

#[tokio::test]
async fn interrupted_scan_keeps_earlier_state() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&dir.path().join("d.db")).await.expect("open");
    let a = finding("web", "container.privileged", Severity::Critical);
    let s1 = scan_with(&store, std::slice::from_ref(&a)).await;
    let run = store
        .begin(ScanKind::Inventory, "unix:///test.sock", "all")
        .await
        .expect("begin");
    let id = run.id();
    // Something else (a signal handler) ends it first…
    store
        .end_scan(id, ScanStatus::Interrupted, "engine went away")
        .await
        .expect("end");
    // …so a late attempt to complete it must not resurrect it.
    assert!(matches!(
        run.complete(std::slice::from_ref(&a), &[]).await,
        Err(StoreError::ScanNotRunning(n)) if n == id
    ));
    let scans = store.scans(10).await.expect("scans");
    assert_eq!(scans[0].status, ScanStatus::Interrupted);
    assert_eq!(scans[0].error.as_deref(), Some("engine went away"));
    assert!(store.sightings(id).await.expect("sightings").is_empty());
    let last: i64 = sqlx::query_scalar("SELECT last_seen_scan FROM finding")
        .fetch_one(&store.pool)
        .await
        .expect("row");
    assert_eq!(last, s1.scan_id);
}

#[tokio::test]
async fn scans_of_dead_processes_become_interrupted_on_open() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("d.db");
    let store = Store::open(&path).await.expect("open");
    sqlx::query("INSERT INTO scan (kind, engine, scope, started_at, status, pid) VALUES ('inventory', 'e', 'all', ?, 'running', ?)")
        .bind(crate::clock::now_rfc3339())
        .bind(i64::from(i32::MAX))
        .execute(&store.pool)
        .await
        .expect("insert");
    let live = store
        .begin(ScanKind::Inventory, "e", "all")
        .await
        .expect("begin");
    let live = live.id();
    store.close().await;
    let store = Store::open(&path).await.expect("reopen");
    let scans = store.scans(10).await.expect("scans");
    let status = |id: i64| scans.iter().find(|s| s.id == id).map(|s| s.status);
    assert_eq!(
        status(live),
        Some(ScanStatus::Running),
        "our own scan is alive"
    );
    if cfg!(target_os = "linux") {
        assert_eq!(status(1), Some(ScanStatus::Interrupted));
    }
}

#[tokio::test]
async fn refuses_a_file_that_is_not_sqlite_and_leaves_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("notes.db");
    std::fs::write(&path, b"my precious notes, not a database").expect("write");
    let err = Store::open(&path).await.expect_err("refused");
    assert!(matches!(err, StoreError::NotADatabase { .. }), "{err}");
    assert!(err.to_string().contains("will not touch it"));
    assert_eq!(
        std::fs::read(&path).expect("read"),
        b"my precious notes, not a database"
    );
}

#[tokio::test]
async fn refuses_a_foreign_sqlite_database_and_leaves_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("other.db");
    {
        let pool = SqlitePool::connect_with(
            SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(true),
        )
        .await
        .expect("create");
        sqlx::query("CREATE TABLE contacts (name TEXT)")
            .execute(&pool)
            .await
            .expect("table");
        sqlx::query("INSERT INTO contacts VALUES ('ada')")
            .execute(&pool)
            .await
            .expect("row");
        pool.close().await;
    }
    let before = std::fs::read(&path).expect("read");
    let err = Store::open(&path).await.expect_err("refused");
    assert!(matches!(err, StoreError::Foreign { .. }), "{err}");
    assert!(err.to_string().contains("contacts"), "{err}");
    assert_eq!(std::fs::read(&path).expect("read"), before);
}

#[tokio::test]
async fn truncated_database_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("d.db");
    let store = Store::open(&path).await.expect("open");
    scan_with(
        &store,
        &[finding("web", "container.privileged", Severity::Critical)],
    )
    .await;
    store.close().await;
    let bytes = std::fs::read(&path).expect("read");
    std::fs::write(&path, &bytes[..bytes.len().min(1000)]).expect("truncate");
    let kept = std::fs::read(&path).expect("read");
    let err = Store::open(&path).await.expect_err("corrupt");
    assert!(err.to_string().contains("d.db"), "{err}");
    assert_eq!(std::fs::read(&path).expect("read"), kept, "left as it was");
}

#[tokio::test]
async fn two_handles_write_at_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("d.db");
    let a = Store::open(&path).await.expect("open a");
    let b = Store::open(&path).await.expect("open b");
    let fa: Vec<Finding> = (0..200)
        .map(|i| finding(&format!("a{i}"), "container.root-user", Severity::Medium))
        .collect();
    let fb: Vec<Finding> = (0..200)
        .map(|i| finding(&format!("b{i}"), "container.root-user", Severity::Medium))
        .collect();
    tokio::join!(
        async {
            for _ in 0..5 {
                scan_with(&a, &fa).await;
            }
        },
        async {
            for _ in 0..5 {
                scan_with(&b, &fb).await;
            }
        }
    );
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM scan WHERE status = 'complete'")
        .fetch_one(&a.pool)
        .await
        .expect("count");
    assert_eq!(n, 10);
    let f: i64 = sqlx::query_scalar("SELECT count(*) FROM finding")
        .fetch_one(&a.pool)
        .await
        .expect("count");
    assert_eq!(f, 400);
}

#[tokio::test]
async fn layer_cache_is_invalidated_per_analyzer_version() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&dir.path().join("d.db")).await.expect("open");
    let record = |hits: Vec<(String, i64, String)>| LayerRecord {
        diff_id: "sha256:aa".into(),
        created_by: "COPY . /app".into(),
        size: 10,
        whiteouts: "[]".into(),
        paths: 7u64.to_le_bytes().to_vec(),
        packaged: vec![],
        hits,
    };
    store
        .put_layer_records(
            &[record(vec![
                ("secrets".into(), 1, "[]".into()),
                ("keys".into(), 1, "[1]".into()),
            ])],
            2,
        )
        .await
        .expect("put");
    let ids = vec!["sha256:aa".to_string()];
    let got = store
        .layer_records(&ids, 2, &[("secrets", 1), ("keys", 1)])
        .await
        .expect("read");
    assert_eq!(got.expect("cached")[0].paths, 7u64.to_le_bytes().to_vec());
    // A new version of one analyzer: the layer must be read again…
    assert!(store
        .layer_records(&ids, 2, &[("secrets", 2), ("keys", 1)])
        .await
        .expect("read")
        .is_none());
    // …and storing its new rows keeps the other analyzer's.
    store
        .put_layer_records(&[record(vec![("secrets".into(), 2, "[]".into())])], 2)
        .await
        .expect("put");
    let got = store
        .layer_records(&ids, 2, &[("secrets", 2), ("keys", 1)])
        .await
        .expect("read")
        .expect("cached");
    assert!(got[0]
        .hits
        .iter()
        .any(|(a, v, h)| a == "keys" && *v == 1 && h == "[1]"));
    assert!(store
        .layer_records(&["sha256:bb".to_string()], 2, &[("secrets", 2)])
        .await
        .expect("read")
        .is_none());
}

/// Regression (issue 11): with one damaged page, runs wrote a scan row
/// before failing on "malformed". Now the database is checked first and
/// left byte for byte as it was, with the command that recovers it.
#[tokio::test]
async fn a_damaged_database_is_not_written_to() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("d.db");
    let store = Store::open(&path).await.expect("open");
    let many: Vec<Finding> = (0..400)
        .map(|i| finding(&format!("c{i}"), "container.root-user", Severity::Medium))
        .collect();
    scan_with(&store, &many).await;
    store.close().await;
    let mut bytes = std::fs::read(&path).expect("read");
    let page = 4096;
    assert!(bytes.len() > 8 * page, "{} bytes", bytes.len());
    // Scribble over the b-tree header of a page in the middle.
    let at = (bytes.len() / page / 2) * page;
    for b in &mut bytes[at..at + 16] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).expect("damage");
    let err = Store::open(&path).await.expect_err("damaged");
    assert!(matches!(err, StoreError::Damaged { .. }), "{err}");
    assert!(err.to_string().contains(".recover"), "{err}");
    assert_eq!(std::fs::read(&path).expect("read"), bytes, "not written to");
    assert!(
        !dir.path().join("d.db-wal").exists()
            || std::fs::metadata(dir.path().join("d.db-wal"))
                .map(|m| m.len())
                .unwrap_or(0)
                == 0
    );
}

/// A scan that could not judge a rule for a subject (a registry that did
/// not answer) leaves that finding open; the next scan that judges it
/// resolves it.
#[tokio::test]
async fn findings_a_scan_could_not_judge_stay_open() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&dir.path().join("d.db")).await.expect("open");
    let moved = finding("web", "container.privileged", Severity::High);
    let other = finding("web", "container.root-user", Severity::Medium);
    scan_with(&store, &[moved.clone(), other.clone()]).await;
    let state = |fp: String| {
        let pool = store.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT state FROM finding WHERE fingerprint = ?")
                .bind(fp)
                .fetch_one(&pool)
                .await
                .expect("row")
        }
    };
    store
        .begin(ScanKind::Inventory, "unix:///test.sock", "all")
        .await
        .expect("begin")
        .complete_except(
            &[],
            &[(subject("web"), 0)],
            &[("container.privileged".into(), "web".into())],
        )
        .await
        .expect("complete");
    assert_eq!(state(moved.fingerprint.clone()).await, "open", "not judged");
    assert_eq!(
        state(other.fingerprint.clone()).await,
        "resolved",
        "judged, not seen"
    );
    scan_with(&store, &[]).await;
    assert_eq!(state(moved.fingerprint.clone()).await, "resolved");
}
