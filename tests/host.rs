//! `dockward host` against the live engine's version endpoint, with Docker
//! Desktop settings fixtures: versions and advisories, containers' sensitive
//! mounts from the container rules, findings recorded and resolved.

mod common;

use assert_cmd::Command;
use serde_json::Value;

fn host(db: &std::path::Path, settings: &std::path::Path) -> (i32, Value) {
    let out = Command::cargo_bin("dockward")
        .expect("binary")
        .args([
            "host",
            "--format",
            "json",
            "--fail-on",
            "critical",
            "--settings",
        ])
        .arg(settings)
        .arg("--db")
        .arg(db)
        .env_remove("DOCKER_CONTEXT")
        .output()
        .expect("run");
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), json)
}

#[test]
fn host_check_on_a_real_engine_records_and_resolves() {
    if !common::engine_available("host") {
        return;
    }
    let fx = common::Fixtures::create("host");
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("d.db");
    let fixture = |n: &str| {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/desktop")
            .join(n)
    };

    let (code, r) = host(&db, &fixture("macos-settings-store.json"));
    assert_eq!(code, 1, "critical findings meet --fail-on critical");

    // Versions come from the live engine's version endpoint.
    let server = fx.docker(&["version", "--format", "{{.Server.Version}}"]);
    let components = r["components"].as_array().expect("components");
    let engine = components
        .iter()
        .find(|c| c["name"] == "Engine")
        .expect("engine component");
    assert_eq!(engine["version"], server.as_str());
    assert!(components.iter().any(|c| c["name"] == "runc"));
    // Advisories are whatever the table says for these versions; a
    // distribution's build is hedged, never certain.
    for a in r["advisories"].as_array().expect("advisories") {
        let installed = a["installed"].as_str().unwrap_or_default();
        assert_eq!(
            a["distribution_build"].as_bool(),
            Some(
                installed.contains("dfsg")
                    || installed.contains("+ds")
                    || installed.contains("~ds")
                    || installed.contains("ubuntu")
            ),
            "{a}"
        );
    }

    // The fixture's socket mount shows up through the container rules.
    let mounts = r["mounts"].as_array().expect("mounts");
    let socket = format!("{}-socket-ro", fx.prefix);
    assert!(
        mounts.iter().any(|m| m["container"] == socket.as_str()
            && m["finding"]["rule"] == "container.docker-socket"),
        "{mounts:?}"
    );

    let findings = r["findings"].as_array().expect("findings");
    let netskope = findings
        .iter()
        .find(|f| {
            f["location"] == "file-sharing:/Library/Application Support/Netskope/STAgent/data"
        })
        .expect("netskope share");
    assert_eq!(netskope["severity"], "critical");
    assert!(findings
        .iter()
        .any(|f| f["rule"] == "host.daemon-tcp-insecure"));
    assert!(r["scan_id"].is_i64());

    // A later check with the folder unshared resolves that finding.
    let (_, r2) = host(&db, &fixture("macos-settings-defaults.json"));
    assert!(!r2["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|f| f["location"] == netskope["location"]));
    let out = Command::cargo_bin("dockward")
        .expect("binary")
        .args([
            "findings", "--state", "resolved", "--format", "json", "--db",
        ])
        .arg(&db)
        .output()
        .expect("run");
    let resolved: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(resolved
        .as_array()
        .expect("list")
        .iter()
        .any(|f| f["fingerprint"] == netskope["fingerprint"] && f["subject_kind"] == "host"));
}

#[test]
fn host_check_without_docker_desktop_or_engine_still_answers() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = Command::cargo_bin("dockward")
        .expect("binary")
        .args(["host", "--no-db", "--format", "json", "--settings"])
        .arg(dir.path().join("absent.json"))
        .env(
            "DOCKER_HOST",
            format!("unix://{}/none.sock", dir.path().display()),
        )
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(r["desktop"], Value::Null);
    let notes: Vec<&str> = r["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter_map(|n| n.as_str())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("absent.json does not exist")),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.contains("no engine answered")),
        "{notes:?}"
    );
}
