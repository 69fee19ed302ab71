//! History on a real engine: inventories and a layer scan recorded, a
//! container removed and its findings resolved, a finding suppressed, the
//! diff, findings and report commands in every format, concurrent writers,
//! and no planted secret anywhere in the database, its WAL or a report.

mod common;
mod sarif;

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn dockward(db: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::cargo_bin("dockward")
        .expect("binary")
        .args(args)
        .arg("--db")
        .arg(db)
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.code() == Some(2) {
        eprintln!("{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    (out.status.code().unwrap_or(-1), stdout)
}

fn json(db: &Path, args: &[&str]) -> Value {
    let (code, out) = dockward(db, args);
    assert!(code == 0 || code == 1, "{args:?} exited {code}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}\n{out}"))
}

fn fingerprints(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("list")
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap_or_default())
        .collect()
}

#[test]
fn history_diff_suppress_and_reports_on_a_real_engine() {
    if !common::engine_available("history") {
        return;
    }
    let fx = common::Fixtures::create("history");
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("dockward.db");
    let p = &fx.prefix;

    json(&db, &["inventory", "--format", "json"]);
    json(&db, &["scan", &format!("{p}/layers:1"), "--format", "json"]);
    // The privileged container goes away.
    fx.docker(&["rm", "-f", &format!("{p}-privileged")]);
    let inv = json(&db, &["inventory", "--format", "json"]);
    // Layer findings now count in the image's score.
    let layers_img = inv["images"]
        .as_array()
        .expect("images")
        .iter()
        .find(|i| i["name"] == format!("{p}/layers:1").as_str())
        .expect("layers image");
    assert_eq!(layers_img["layers_scanned"], true);

    let history = json(&db, &["history", "--format", "json"]);
    let kinds: Vec<&str> = history
        .as_array()
        .expect("scans")
        .iter()
        .map(|s| s["kind"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(kinds, ["inventory", "layers", "inventory"]);
    assert!(history[0]["resolved_count"].as_i64() >= Some(1));

    let diff = json(&db, &["diff", "--format", "json"]);
    for key in ["new", "resolved", "reopened"] {
        assert!(diff[key].is_array(), "{key}");
    }
    let resolved = diff["resolved"].as_array().expect("resolved");
    let gone = format!("{p}-privileged");
    assert!(
        resolved.iter().any(|f| f["rule"] == "container.privileged"
            && f["subject"] == gone.as_str()
            && f["severity"] == "critical"),
        "{diff}"
    );
    assert!(
        resolved.iter().all(|f| f["subject"] == gone.as_str()),
        "only the removed container's findings resolve: {diff}"
    );
    // Between the two inventories the layer scan found its image's secrets.
    let new = diff["new"].as_array().expect("new");
    assert!(
        !new.is_empty()
            && new.iter().all(|f| f["rule"]
                .as_str()
                .is_some_and(|r| r.starts_with("image.layer-"))),
        "{diff}"
    );

    let resolved_list = json(
        &db,
        &["findings", "--state", "resolved", "--format", "json"],
    );
    assert_eq!(fingerprints(&resolved_list).len(), resolved.len());

    // Suppress the socket mount for a while, by fingerprint prefix.
    let open = json(
        &db,
        &[
            "findings",
            "--state",
            "open",
            "--severity",
            "critical",
            "--format",
            "json",
        ],
    );
    let socket = open
        .as_array()
        .expect("open")
        .iter()
        .find(|f| f["rule"] == "container.docker-socket")
        .expect("socket finding")
        .clone();
    let fp = socket["fingerprint"].as_str().expect("fp");
    let out = json(
        &db,
        &[
            "suppress",
            &fp[..10],
            "--reason",
            "CI runner needs it",
            "--until",
            "2999-12-31",
            "--format",
            "json",
        ],
    );
    assert_eq!(out["suppressed"], fp);
    let (code, _) = dockward(&db, &["suppress", fp, "--reason", ""]);
    assert_eq!(code, 2, "a suppression needs a reason");
    let (code, _) = dockward(&db, &["suppress", "0000000000", "--reason", "x"]);
    assert_eq!(code, 2, "unknown fingerprint");
    let suppressed = json(
        &db,
        &["findings", "--state", "suppressed", "--format", "json"],
    );
    assert_eq!(fingerprints(&suppressed), [fp]);
    assert_eq!(suppressed[0]["suppressed_reason"], "CI runner needs it");
    let open_now = json(&db, &["findings", "--state", "open", "--format", "json"]);
    assert!(!fingerprints(&open_now).contains(&fp));
    // The inventory leaves it out of the score and marks it in SARIF.
    let inv = json(&db, &["inventory", "--format", "json"]);
    let socket_finding = inv["containers"]
        .as_array()
        .expect("containers")
        .iter()
        .flat_map(|c| c["findings"].as_array().cloned().unwrap_or_default())
        .find(|f| f["fingerprint"] == fp)
        .expect("still reported");
    assert_eq!(socket_finding["suppressed_reason"], "CI runner needs it");
    assert_eq!(socket_finding["points"], 0.0);
    let sarif = json(&db, &["inventory", "--format", "sarif"]);
    sarif::assert_valid_sarif(&sarif);
    assert!(sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .any(|r| r["partialFingerprints"]["dockward/v1"] == fp
            && r["suppressions"][0]["justification"] == "CI runner needs it"));

    // Reports in every format, written whole.
    for (format, file) in [
        ("html", "r.html"),
        ("json", "r.json"),
        ("sarif", "r.sarif"),
        ("csv", "r.csv"),
    ] {
        let path = dir.path().join(file);
        let (code, _) = dockward(
            &db,
            &[
                "report",
                "--format",
                format,
                "--out",
                path.to_str().expect("utf8"),
            ],
        );
        assert_eq!(code, 0, "{format}");
        let bytes = std::fs::read(&path).expect("report");
        assert_eq!(
            common::leaked(&bytes),
            None,
            "{format} report leaks a secret"
        );
        let text = String::from_utf8(bytes).expect("utf8");
        match format {
            "html" => {
                assert!(text.starts_with("<!doctype html>"));
                assert!(
                    !text.contains("<script")
                        && !text.contains("src=\"http")
                        && !text.contains("href=\"http"),
                    "self-contained"
                );
                assert!(text.contains("<svg"), "trend chart inline");
                assert!(text.contains("data-rule=\"container.env-secret\""));
                assert!(text.contains("<b>Fix:</b>"));
                for fp in fingerprints(&resolved_list) {
                    assert!(!text.contains(fp), "resolved finding {fp} is not open");
                }
                // An open critical finding other than the suppressed socket.
                let listed = open
                    .as_array()
                    .expect("open")
                    .iter()
                    .filter(|f| f["fingerprint"] != socket["fingerprint"])
                    .filter_map(|f| f["fingerprint"].as_str())
                    .next()
                    .expect("another open finding");
                assert!(text.contains(listed), "an open finding is listed");
            }
            "json" => {
                let v: Value = serde_json::from_str(&text).expect("json");
                assert!(v["overview"]["trend"]
                    .as_array()
                    .is_some_and(|t| t.len() == 5));
                assert!(v["findings"].as_array().is_some_and(|f| f.len() > 20));
            }
            "sarif" => {
                let v: Value = serde_json::from_str(&text).expect("sarif");
                sarif::assert_valid_sarif(&v);
                assert_eq!(v["version"], "2.1.0");
                let results = v["runs"][0]["results"].as_array().expect("results");
                assert!(results
                    .iter()
                    .any(|r| r["partialFingerprints"]["dockward/v1"] == fp
                        && r["suppressions"][0]["justification"] == "CI runner needs it"));
            }
            _ => {
                let mut lines = text.lines();
                assert!(lines
                    .next()
                    .is_some_and(|h| h.starts_with("fingerprint,severity,state,rule")));
                assert!(text
                    .lines()
                    .any(|l| l.starts_with(fp) && l.contains(",suppressed,")));
            }
        }
    }
    let (code, _) = dockward(
        &db,
        &[
            "report",
            "--format",
            "html",
            "--out",
            "/nonexistent/dir/r.html",
        ],
    );
    assert_eq!(code, 2, "an unwritable path is a clear error");

    // Unsuppress: open again.
    json(&db, &["unsuppress", fp, "--format", "json"]);
    let open_now = json(&db, &["findings", "--state", "open", "--format", "json"]);
    assert!(fingerprints(&open_now).contains(&fp));

    // Two processes writing at once: every scan completes.
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_dockward"))
            .args(["inventory", "--format", "json", "--db"])
            .arg(&db)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("spawn")
    };
    let mut children: Vec<_> = (0..4).map(|_| spawn()).collect();
    for c in &mut children {
        assert!(c.wait().expect("wait").success());
    }
    let history = json(&db, &["history", "--format", "json"]);
    let scans = history.as_array().expect("scans");
    assert_eq!(scans.len(), 9);
    assert!(scans.iter().all(|s| s["status"] == "complete"), "{history}");

    for file in ["dockward.db", "dockward.db-wal"] {
        if let Ok(bytes) = std::fs::read(dir.path().join(file)) {
            assert_eq!(common::leaked(&bytes), None, "{file} holds a secret");
        }
    }
}
