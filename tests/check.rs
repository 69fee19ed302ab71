//! `dockward check` on committed fixture projects: findings on their lines
//! in every format (SARIF validated against the 2.1.0 schema), --fail-on,
//! a hardened project clean at medium, --fix with --yes then --undo byte
//! for byte, and the scan recorded.

mod sarif;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/projects")
        .join(name)
}

/// A copy of a fixture project in a temp folder (fixes write to it).
fn copy(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", fixture(name).display()))
        .arg(dir.path())
        .status()
        .expect("cp");
    assert!(status.success());
    dir
}

fn dockward(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("dockward")
        .expect("binary")
        .args(args)
        .output()
        .expect("runs")
}

#[test]
fn findings_come_with_file_line_and_column_in_every_format() {
    let dir = copy("risky");
    let p = dir.path().to_str().expect("utf-8");
    let out = dockward(&["check", p, "--no-db", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).expect("json");
    let at = |rule: &str| -> Vec<(String, u64)> {
        r["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["finding"]["rule"] == rule)
            .map(|f| {
                (
                    f["at"]["file"].as_str().unwrap_or("").to_owned(),
                    f["at"]["line"].as_u64().unwrap_or(0),
                )
            })
            .collect()
    };
    assert_eq!(at("container.privileged"), [("compose.yaml".to_owned(), 9)]);
    assert_eq!(
        at("container.docker-socket"),
        [("compose.yaml".to_owned(), 13)]
    );
    assert_eq!(
        at("dockerfile.secret-arg-used"),
        [("app/Dockerfile".to_owned(), 3)]
    );
    assert_eq!(
        at("dockerfile.context-leak"),
        [("app/Dockerfile".to_owned(), 5)]
    );
    assert!(
        at("container.env-secret").is_empty(),
        "a placeholder default is not a secret"
    );

    let out = dockward(&["check", p, "--no-db", "--format", "sarif"]);
    let sarif: Value = serde_json::from_slice(&out.stdout).expect("sarif");
    sarif::assert_valid_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let privileged = results
        .iter()
        .find(|x| x["ruleId"] == "container.privileged")
        .expect("privileged");
    let loc = &privileged["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "compose.yaml");
    assert_eq!(loc["region"]["startLine"], 9);
    assert_eq!(loc["region"]["startColumn"], 5);

    let table = dockward(&["check", p, "--no-db"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("compose.yaml\n") && text.contains("   9:5"),
        "{text}"
    );

    let failing = dockward(&["check", p, "--no-db", "--fail-on", "high"]);
    assert_eq!(failing.status.code(), Some(1));
}

#[test]
fn a_hardened_project_passes_at_medium() {
    let out = dockward(&[
        "check",
        fixture("hardened").to_str().expect("utf-8"),
        "--no-db",
        "--fail-on",
        "medium",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn fix_then_undo_restores_every_byte_and_the_check_is_recorded() {
    let dir = copy("risky");
    let p = dir.path().to_str().expect("utf-8");
    let db_dir = tempfile::tempdir().expect("tmp");
    let db = db_dir.path().join("d.db");
    let db = db.to_str().expect("utf-8");
    let before: Vec<Vec<u8>> = ["compose.yaml", "app/Dockerfile"]
        .iter()
        .map(|f| std::fs::read(dir.path().join(f)).expect("read"))
        .collect();
    let out = dockward(&["check", p, "--fix", "all", "--db", db]);
    assert!(
        !out.status.success(),
        "apply asks first; without a terminal it refuses"
    );
    assert_eq!(
        std::fs::read(dir.path().join("compose.yaml")).expect("read"),
        before[0],
        "nothing written"
    );
    let out = dockward(&["check", p, "--fix", "all", "--yes", "--db", db]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = dockward(&["check", p, "--db", db, "--format", "json"]);
    let r: Value = serde_json::from_slice(&after.stdout).expect("json");
    let rules: Vec<&str> = r["findings"]
        .as_array()
        .expect("f")
        .iter()
        .filter_map(|f| f["finding"]["rule"].as_str())
        .collect();
    for fixed in [
        "container.privileged",
        "dockerfile.secret-arg-used",
        "dockerfile.context-leak",
        "container.no-new-privileges-missing",
    ] {
        assert!(!rules.contains(&fixed), "{fixed} still there: {rules:?}");
    }
    assert!(
        rules.contains(&"container.docker-socket"),
        "not mechanical: still reported"
    );
    let out = dockward(&["check", p, "--undo", "--db", db]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (f, b) in ["compose.yaml", "app/Dockerfile"].iter().zip(&before) {
        assert_eq!(&std::fs::read(dir.path().join(f)).expect("read"), b, "{f}");
    }
    assert!(!dir.path().join("app/.dockerignore").exists());
    let history = dockward(&["history", "--db", db, "--format", "json"]);
    let h: Value = serde_json::from_slice(&history.stdout).expect("history");
    assert!(h.to_string().contains("\"project\""), "{h}");
}

/// A compose file that does not parse may hold exactly what `--fail-on` is
/// for: the SARIF says the run was incomplete (schema-valid), and the exit
/// code fails.
#[test]
fn a_file_that_cannot_be_checked_fails_the_gate_and_is_in_the_sarif() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  web:\n    image: alpine:3\n    privileged: true\n  bad: [unclosed\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM alpine:3.20\nUSER 1000\n",
    )
    .expect("write");
    let p = dir.path().to_str().expect("utf-8");
    let out = dockward(&["check", p, "--no-db", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(0), "no gate asked for");
    let sarif: Value = serde_json::from_slice(&out.stdout).expect("sarif");
    sarif::assert_valid_sarif(&sarif);
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false, "{sarif}");
    let note = &invocation["toolExecutionNotifications"][0];
    assert_eq!(note["level"], "error");
    assert_eq!(
        note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "compose.yaml"
    );
    let gated = dockward(&["check", p, "--no-db", "--fail-on", "critical"]);
    assert_eq!(gated.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&gated.stderr).contains("could not be checked (compose.yaml)"),
        "{}",
        String::from_utf8_lossy(&gated.stderr)
    );
}
