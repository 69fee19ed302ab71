//! `dockward scan` on a real engine: an image whose layers hold a key that a
//! later layer deletes, an overwritten token and an .npmrc, plus decoys;
//! scanned from the engine's stream and from a `docker save` archive.

mod common;
mod sarif;

use assert_cmd::Command;
use serde_json::Value;

fn scan(args: &[&str]) -> (i32, Value, String) {
    let out = Command::cargo_bin("dockward")
        .expect("binary")
        .args(["scan", "--no-db"])
        .args(if args.contains(&"--format") {
            &[][..]
        } else {
            &["--format", "json"][..]
        })
        .args(args)
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "JSON: {e}\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), json, stdout)
}

fn check(report: &Value, stdout: &str) {
    assert_eq!(report["error"], Value::Null, "{report}");
    let layers = report["layers"].as_array().expect("layers");
    assert!(layers.len() >= 6, "{layers:?}");
    for l in layers {
        assert!(l["diff_id"]
            .as_str()
            .is_some_and(|d| d.starts_with("sha256:")));
    }
    let findings = report["findings"].as_array().expect("findings");
    let find = |path: &str| {
        findings
            .iter()
            .find(|f| f["path"] == path)
            .unwrap_or_else(|| panic!("{path} not reported: {findings:#?}"))
    };
    let key = find("/app/deploy.pem");
    assert_eq!(key["rule"], "image.layer-private-key");
    assert_eq!(key["severity"], "critical");
    let key_layer = key["layer_index"].as_u64().expect("index");
    assert_eq!(
        key["removed_in_layer"].as_u64(),
        Some(key_layer + 1),
        "deleted by the next RUN"
    );
    assert!(
        key["created_by"]
            .as_str()
            .is_some_and(|c| c.contains("COPY")),
        "{key}"
    );
    let token = find("/app/token.txt");
    assert!(
        token["removed_in_layer"].as_u64().is_some(),
        "overwritten by a later COPY"
    );
    assert_eq!(find("/root/.npmrc")["rule"], "image.layer-credential-file");
    let ca = find("/usr/local/share/ca-certificates/netskope.crt");
    assert_eq!(ca["rule"], "image.layer-ca-certificate");
    assert!(
        ca["evidence"]
            .as_str()
            .is_some_and(|e| e.contains("TLS-inspection CA (Netskope)")),
        "{ca}"
    );
    assert!(
        findings
            .iter()
            .all(|f| f["path"] != "/app/id_ed25519.pub" && f["path"] != "/app/example.env"),
        "decoys: {findings:#?}"
    );
    for secret in [
        "MIIEowIBAAKCAQEAu1SU",
        "ghp_R4nd0mT0k3nV4lu3sAr3H3r3Xy12345678ab",
        "6f2a9c1e-8b7d-4e3f",
    ] {
        assert!(!stdout.contains(secret), "output leaks {secret}");
    }
}

#[test]
fn scan_finds_deleted_and_overwritten_secrets_from_engine_and_archive() {
    if !common::engine_available("layers") {
        return;
    }
    let fx = common::Fixtures::create("layers");
    let image = format!("{}/layers:1", fx.prefix);

    let (code, report, stdout) = scan(&[&image, "--fail-on", "critical"]);
    assert_eq!(code, 1, "critical finding meets --fail-on");
    assert_eq!(report["image"], image.as_str());
    check(&report, &stdout);

    let (_, sarif, _) = scan(&[&image, "--format", "sarif"]);
    assert_eq!(sarif["version"], "2.1.0");
    sarif::assert_valid_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(
        results.len(),
        report["findings"].as_array().expect("findings").len()
    );
    assert!(results
        .iter()
        .any(|r| r["ruleId"] == "image.layer-private-key" && r["level"] == "error"));

    let dir = tempfile::tempdir().expect("tmp");
    let archive = dir.path().join("image.tar");
    let status = std::process::Command::new("docker")
        .args(["save", "-o"])
        .arg(&archive)
        .arg(&image)
        .status()
        .expect("docker save");
    assert!(status.success());
    let (code, from_archive, stdout) = scan(&["--archive", archive.to_str().expect("utf8")]);
    assert_eq!(code, 0);
    check(&from_archive, &stdout);
    let fps = |r: &Value| {
        let mut v: Vec<String> = r["findings"]
            .as_array()
            .expect("f")
            .iter()
            .map(|f| f["fingerprint"].as_str().unwrap_or_default().to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        fps(&report),
        fps(&from_archive),
        "same image, same fingerprints, whichever way it was read"
    );

    // With a database, a second scan of the unchanged image comes from the
    // per-layer cache (no export) and reports the same findings.
    let db = dir.path().join("d.db");
    let db_arg = db.to_str().expect("utf8");
    let run_db = |args: &[&str]| {
        let out = Command::cargo_bin("dockward")
            .expect("binary")
            .args(["scan", "--format", "json", "--db", db_arg])
            .args(args)
            .output()
            .expect("run");
        serde_json::from_slice::<Value>(&out.stdout).expect("JSON")
    };
    let first = run_db(&[&image]);
    assert_eq!(first["cached"], false);
    let second = run_db(&[&image]);
    assert_eq!(
        second["cached"], true,
        "unchanged image read from the cache"
    );
    assert_eq!(fps(&first), fps(&second));
    assert_eq!(second["findings"], first["findings"]);
    let bytes = std::fs::read(&db).expect("db");
    for secret in [
        "MIIEowIBAAKCAQEAu1SU",
        "ghp_R4nd0mT0k3nV4lu3sAr3H3r3Xy12345678ab",
        "6f2a9c1e-8b7d-4e3f",
    ] {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "database holds {secret}"
        );
    }

    // An image the engine does not have: a clear error, not a "corrupt archive".
    let out = Command::cargo_bin("dockward")
        .expect("binary")
        .args(["scan", "--no-db", &format!("{}/absent:1", fx.prefix)])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the engine has no image"));

    // A truncated archive: a clear error, exit 2, findings before the cut kept.
    let bytes = std::fs::read(&archive).expect("read");
    let cut = dir.path().join("cut.tar");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).expect("write");
    let (code, partial, _) = scan(&["--archive", cut.to_str().expect("utf8")]);
    assert_eq!(code, 2);
    assert!(
        partial["error"]
            .as_str()
            .is_some_and(|e| e.contains("truncated") || e.contains("manifest")),
        "{partial}"
    );
}

/// The window's path through the library: progress while streaming from the
/// engine, a cancel that stops the scan and is recorded as interrupted, then
/// the image's inventory score including its layer findings once scanned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_progress_and_layer_findings_in_the_image_score() {
    use dockward::layers::{self, Limits, ScanControl};
    use std::sync::{Arc, Mutex, OnceLock};

    if !common::engine_available("layers-cancel") {
        return;
    }
    let fx = common::Fixtures::create("layers-cancel");
    let image = format!("{}/layers:1", fx.prefix);
    let dir = tempfile::tempdir().expect("tmp");
    let store = dockward::store::Store::open(&dir.path().join("d.db"))
        .await
        .expect("store");
    let engine = dockward::engine::Engine::connect_default()
        .await
        .expect("engine");

    // Cancel as soon as the first layer starts.
    let me: Arc<OnceLock<ScanControl>> = Arc::default();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (me2, seen2) = (me.clone(), seen.clone());
    let control = ScanControl::new(&image, move |p| {
        if p.layer >= 1 {
            if let Some(c) = me2.get() {
                c.cancel();
            }
        }
        seen2.lock().expect("lock").push(p);
    });
    me.set(control.clone()).ok();
    let scan = layers::scan_and_record(&engine, Some(&store), &image, &Limits::default(), &control)
        .await
        .expect("scan");
    assert_eq!(scan.error.as_deref(), Some("the scan was cancelled"));
    {
        let seen = seen.lock().expect("lock");
        let first = seen.first().expect("progress");
        assert!(first.layers >= 6 && first.total_bytes > 0, "{first:?}");
        assert!(seen.last().expect("last").done);
    }
    // Recorded as it ran: interrupted, with why.
    let scans = store.scans(5).await.expect("scans");
    assert_eq!(scans[0].status, dockward::store::ScanStatus::Interrupted);
    assert_eq!(scans[0].error.as_deref(), Some("the scan was cancelled"));

    // Not scanned yet (the cancelled scan cached nothing): config-only score.
    let policy = dockward::rules::Policy::now();
    let find = |r: &dockward::inventory::InventoryReport| {
        r.images
            .iter()
            .find(|i| i.tags.contains(&image))
            .cloned()
            .expect("image in inventory")
    };
    let before = find(
        &dockward::inventory::run(&engine, Some(&store), &policy)
            .await
            .expect("inventory"),
    );
    assert!(!before.layers_scanned);
    assert!(!before
        .findings
        .iter()
        .any(|f| f.rule == "image.layer-private-key"));

    let scan = layers::scan_and_record(
        &engine,
        Some(&store),
        &image,
        &Limits::default(),
        &ScanControl::default(),
    )
    .await
    .expect("scan");
    assert_eq!(scan.error, None);
    let after = find(
        &dockward::inventory::run(&engine, Some(&store), &policy)
            .await
            .expect("inventory"),
    );
    assert!(after.layers_scanned);
    let key = after
        .findings
        .iter()
        .find(|f| f.rule == "image.layer-private-key")
        .expect("the layer's key is an image finding");
    assert!(key.points > 0.0 && key.location.contains("/app/deploy.pem"));
    assert!(
        after.score > before.score,
        "{} -> {}",
        before.score,
        after.score
    );
    // Fingerprints are the layer scan's: the two views of one finding agree.
    assert!(scan
        .findings
        .iter()
        .any(|f| f.fingerprint == key.fingerprint));
}

/// `docker save a b` writes one archive of two images; both are reported.
#[test]
fn a_multi_image_archive_reports_every_image() {
    if !common::engine_available("layers-multi") {
        return;
    }
    let fx = common::Fixtures::create("layers-multi");
    let a = format!("{}/layers:1", fx.prefix);
    let b = format!("{}/risky:latest", fx.prefix);
    let dir = tempfile::tempdir().expect("tmp");
    let archive = dir.path().join("two.tar");
    let status = std::process::Command::new("docker")
        .args(["save", "-o"])
        .arg(&archive)
        .args([&a, &b])
        .status()
        .expect("docker save");
    assert!(status.success());
    let (code, report, _) = scan(&["--archive", archive.to_str().expect("utf8")]);
    assert_eq!(code, 0, "{report}");
    let images: Vec<&str> = report
        .as_array()
        .expect("one report per image")
        .iter()
        .map(|r| r["image"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(images.len(), 2, "{images:?}");
    assert!(images.contains(&a.as_str()) && images.contains(&b.as_str()));
}
