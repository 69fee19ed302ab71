//! An engine that disappears mid-run: a stand-in engine on a Unix socket
//! answers the version and listing calls, then drops the connection when a
//! container is inspected. The run must fail with a clear error, its scan be
//! recorded as interrupted, and the earlier complete scan stay as it was.
//! Also a `dockward` process killed mid-scan (the engine holds the inspect
//! call open): the next open of the database marks that scan interrupted.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use dockward::engine::{Engine, Environment};
use dockward::inventory;
use dockward::rules::Policy;
use dockward::store::{ScanStatus, Store};

const VERSION: &str = r#"{"Version":"20.10.24","ApiVersion":"1.41","MinAPIVersion":"1.12","Os":"linux","Arch":"amd64","KernelVersion":"6.1"}"#;
const CONTAINERS: &str = r#"[{"Id":"c0ffee","Names":["/web"]}]"#;
const INSPECT: &str = r#"{"Id":"c0ffee","Name":"/web","Config":{"Image":"busybox","User":""},"HostConfig":{"Privileged":true},"State":{"Status":"created"}}"#;

/// Serves canned answers; when `vanish` is set, inspecting a container gets
/// the connection closed with no answer, as when dockerd dies; when `hang`
/// is set, that call never gets an answer.
fn fake_engine(path: &std::path::Path, vanish: Arc<AtomicBool>, hang: Arc<AtomicBool>) {
    let listener = UnixListener::bind(path).expect("bind");
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut line = String::new();
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            // Drain the headers.
            let mut h = String::new();
            while reader.read_line(&mut h).is_ok_and(|n| n > 2) {
                h.clear();
            }
            let target = line.split_whitespace().nth(1).unwrap_or("/").to_string();
            let path = target.split('?').next().unwrap_or("");
            let body = if path.ends_with("/version") {
                VERSION
            } else if path.ends_with("/containers/json") {
                CONTAINERS
            } else if path.ends_with("/images/json") {
                "[]"
            } else if path.ends_with("/containers/c0ffee/json") {
                if vanish.load(Ordering::SeqCst) {
                    drop(stream);
                    continue;
                }
                if hang.load(Ordering::SeqCst) {
                    held.push(stream);
                    continue;
                }
                INSPECT
            } else {
                "{}"
            };
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
}

#[tokio::test]
async fn engine_vanishing_mid_run_marks_the_scan_interrupted() {
    let dir = tempfile::tempdir().expect("tmp");
    let sock = dir.path().join("engine.sock");
    let vanish = Arc::new(AtomicBool::new(false));
    fake_engine(&sock, vanish.clone(), Arc::default());
    let env = Environment {
        docker_host: Some(format!("unix://{}", sock.display())),
        ..Environment::default()
    };
    let store = Store::open(&dir.path().join("d.db")).await.expect("store");

    let engine = Engine::connect(&env).await.expect("connect");
    let first = inventory::run(&engine, Some(&store), &Policy::now())
        .await
        .expect("first run");
    assert_eq!(first.containers.len(), 1);
    assert!(first.containers[0]
        .findings
        .iter()
        .any(|f| f.rule == "container.privileged"));
    let first_scan = first.scan_id.expect("recorded");
    let seen_before = store.sightings(first_scan).await.expect("sightings");
    assert!(!seen_before.is_empty());

    vanish.store(true, Ordering::SeqCst);
    let err = inventory::run(&engine, Some(&store), &Policy::now())
        .await
        .expect_err("engine went away");
    let msg = err.to_string();
    assert!(
        msg.contains("failed while inspecting container c0ffee"),
        "{msg}"
    );

    let scans = store.scans(10).await.expect("scans");
    assert_eq!(scans.len(), 2);
    assert_eq!(scans[0].status, ScanStatus::Interrupted);
    assert!(scans[0]
        .error
        .as_deref()
        .is_some_and(|e| e.contains("inspecting container")));
    assert!(
        store
            .sightings(scans[0].id)
            .await
            .expect("sightings")
            .is_empty(),
        "nothing half-written"
    );
    assert_eq!(scans[1].status, ScanStatus::Complete);
    assert_eq!(
        store.sightings(first_scan).await.expect("sightings"),
        seen_before
    );
}

#[tokio::test]
async fn a_killed_process_leaves_its_scan_interrupted_and_earlier_state_intact() {
    let dir = tempfile::tempdir().expect("tmp");
    let sock = dir.path().join("engine.sock");
    let hang = Arc::new(AtomicBool::new(false));
    fake_engine(&sock, Arc::default(), hang.clone());
    let db = dir.path().join("d.db");
    let host = format!("unix://{}", sock.display());
    let cli = || {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_dockward"));
        c.args(["inventory", "--format", "json", "--db"])
            .arg(&db)
            .env("DOCKER_HOST", &host)
            .env_remove("DOCKER_CONTEXT")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        c
    };
    assert!(cli().status().expect("first run").success());
    let store = Store::open(&db).await.expect("store");
    let first = store.scans(1).await.expect("scans")[0].clone();
    assert_eq!(first.status, ScanStatus::Complete);
    let seen_before = store.sightings(first.id).await.expect("sightings");
    store.close().await;

    hang.store(true, Ordering::SeqCst);
    let mut child = cli().spawn().expect("spawn");
    // Wait until the child's scan is running (it is stuck on inspect).
    let mut running = false;
    for _ in 0..200 {
        let store = Store::open(&db).await.expect("store");
        let scans = store.scans(1).await.expect("scans");
        store.close().await;
        if scans[0].id != first.id && scans[0].status == ScanStatus::Running {
            running = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(running, "the child never started its scan");
    child.kill().expect("kill -9");
    child.wait().expect("reap");

    let store = Store::open(&db).await.expect("reopen");
    let scans = store.scans(5).await.expect("scans");
    assert_eq!(scans.len(), 2);
    assert_eq!(scans[0].status, ScanStatus::Interrupted);
    assert!(scans[0]
        .error
        .as_deref()
        .is_some_and(|e| e.contains("stopped before it finished")));
    assert!(store.sightings(scans[0].id).await.expect("s").is_empty());
    assert_eq!(scans[1].status, ScanStatus::Complete);
    assert_eq!(store.sightings(first.id).await.expect("s"), seen_before);
    // The findings it had are still open: a dead scan resolves nothing.
    let open = store
        .findings(&dockward::store::FindingFilter {
            state: Some(dockward::store::FindingState::Open),
            ..Default::default()
        })
        .await
        .expect("findings");
    assert_eq!(open.len(), seen_before.len());
}
