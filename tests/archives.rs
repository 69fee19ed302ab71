//! `dockward scan --archive` on the committed archives of one image in both
//! `docker save` layouts and each layer compression (made by
//! tests/fixtures/archives/make-archives.sh from a real engine). No engine needed.

use assert_cmd::Command;
use serde_json::Value;

fn scan(file: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/archives/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = Command::cargo_bin("dockward")
        .expect("binary")
        .args(["scan", "--no-db", "--format", "json", "--archive", &path])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{file}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn finding<'a>(report: &'a Value, path: &str) -> Option<&'a Value> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["path"] == path)
}

#[test]
fn committed_archives_in_every_layout_and_compression_give_the_same_findings() {
    let reports: Vec<(&str, Value)> = ["legacy.tar", "legacy-gzip.tar", "oci-zstd.tar"]
        .into_iter()
        .map(|f| (f, scan(f)))
        .collect();
    for (file, r) in &reports {
        assert_eq!(r["error"], Value::Null, "{file}: {r}");
        assert_eq!(r["image"], "dockward-fixture/archive:1", "{file}");
        assert_eq!(r["layers"].as_array().expect("layers").len(), 8, "{file}");

        let key = finding(r, "/app/deploy.pem").expect("the deleted key");
        assert_eq!(key["rule"], "image.layer-private-key");
        assert_eq!(
            (
                key["layer_index"].as_u64(),
                key["removed_in_layer"].as_u64()
            ),
            (Some(1), Some(2))
        );
        assert!(key["created_by"]
            .as_str()
            .is_some_and(|s| s.contains("COPY")));

        let token = finding(r, "/app/token.txt").expect("the overwritten token");
        assert_eq!(token["rule"], "image.layer-secret");
        assert_eq!(
            token["removed_in_layer"].as_u64(),
            Some(4),
            "overwritten by layer 4"
        );
        assert!(!token["evidence"]
            .as_str()
            .unwrap_or_default()
            .contains("R4nd0m"));

        assert_eq!(
            finding(r, "/root/.npmrc").expect("npmrc")["rule"],
            "image.layer-credential-file"
        );
        let ca = finding(r, "/usr/local/share/ca-certificates/netskope.crt").expect("CA");
        assert!(ca["evidence"]
            .as_str()
            .is_some_and(|e| e.contains("Netskope")));

        for decoy in ["/app/id_ed25519.pub", "/app/example.env", "/bin/sh"] {
            assert!(
                finding(r, decoy).is_none(),
                "{file}: decoy {decoy} reported"
            );
        }
        let in_layers = r["findings"]
            .as_array()
            .expect("f")
            .iter()
            .filter(|f| !f["layer"].is_null())
            .count();
        assert_eq!(in_layers, 4, "{file}: {r}");
    }
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
    assert_eq!(fps(&reports[0].1), fps(&reports[1].1));
    assert_eq!(
        fps(&reports[0].1),
        fps(&reports[2].1),
        "OCI names the image as docker does"
    );
    assert_eq!(reports[0].1["image_id"], reports[2].1["image_id"]);
}

/// Regression (issue 9): `scan --fail-on` counted suppressed findings, while
/// `inventory` and `host` did not. With every high-or-worse finding of the
/// image suppressed, the scan passes `--fail-on high`; lifting one fails it.
#[test]
fn scan_fail_on_ignores_suppressed_findings() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("d.db");
    let archive = format!(
        "{}/tests/fixtures/archives/legacy.tar",
        env!("CARGO_MANIFEST_DIR")
    );
    let run = |args: &[&str]| {
        let out = Command::cargo_bin("dockward")
            .expect("binary")
            .args(args)
            .arg("--db")
            .arg(&db)
            .output()
            .expect("run");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let scan = [
        "scan",
        "--archive",
        &archive,
        "--format",
        "json",
        "--fail-on",
        "high",
    ];
    let (code, stdout) = run(&scan);
    assert_eq!(code, Some(1), "a critical key: --fail-on high is met");
    let report: Value = serde_json::from_str(&stdout).expect("json");
    let high: Vec<String> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["severity"] == "high" || f["severity"] == "critical")
        .map(|f| f["fingerprint"].as_str().expect("fp").to_string())
        .collect();
    assert!(high.len() >= 2, "{high:?}");
    for fp in &high {
        let (code, _) = run(&["suppress", fp, "--reason", "test fixture"]);
        assert_eq!(code, Some(0));
    }
    let (code, stdout) = run(&scan);
    assert_eq!(code, Some(0), "every high finding accepted: {stdout}");
    let report: Value = serde_json::from_str(&stdout).expect("json");
    assert!(report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| high.contains(&f["fingerprint"].as_str().unwrap_or_default().to_string()))
        .all(|f| f["suppressed_reason"] == "test fixture"));
    let (code, _) = run(&["unsuppress", &high[0]]);
    assert_eq!(code, Some(0));
    let (code, _) = run(&scan);
    assert_eq!(code, Some(1), "one lifted: failing again");
}
