//! `dockward inventory` against a real engine, on fixture images and
//! containers it has never seen (see tests/fixtures/engine-fixtures.sh).

mod common;

use std::collections::HashMap;

use assert_cmd::Command;
use serde_json::Value;

use common::PLANTED;

fn rules_of(subject: &Value) -> Vec<(String, String)> {
    subject["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().expect("rule").to_string(),
                f["severity"].as_str().expect("severity").to_string(),
            )
        })
        .collect()
}

fn has(subject: &Value, rule: &str, severity: &str) -> bool {
    rules_of(subject)
        .iter()
        .any(|(r, s)| r == rule && s == severity)
}

fn count(subject: &Value, rule: &str) -> usize {
    rules_of(subject).iter().filter(|(r, _)| r == rule).count()
}

fn inventory(db: &std::path::Path, extra: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("dockward")
        .expect("binary")
        .args(["inventory", "--db"])
        .arg(db)
        .args(extra)
        .output()
        .expect("run dockward");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn inventory_reports_every_risky_setting_on_a_real_engine() {
    if !common::engine_available("inventory") {
        return;
    }
    let fx = common::Fixtures::create("inventory");
    let p = fx.prefix.clone();
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("dockward.db");

    let (code, stdout, stderr) = inventory(&db, &["--format", "json", "--fail-on", "critical"]);
    assert_eq!(code, 1, "--fail-on critical is met; stderr: {stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("JSON on stdout");
    assert!(report["engine"]["version"]
        .as_str()
        .is_some_and(|v| !v.is_empty()));

    let containers: HashMap<String, &Value> = report["containers"]
        .as_array()
        .expect("containers")
        .iter()
        .map(|c| (c["name"].as_str().expect("name").to_string(), c))
        .collect();
    let c = |name: &str| {
        *containers
            .get(&format!("{p}-{name}"))
            .unwrap_or_else(|| panic!("container {p}-{name} missing"))
    };
    for key in ["id", "name", "image", "score", "findings"] {
        assert!(
            c("default").get(key).is_some(),
            "container JSON lacks {key}"
        );
    }

    assert!(has(c("privileged"), "container.privileged", "critical"));
    assert!(c("privileged")["score"].as_u64().expect("score") >= 70);
    assert!(
        has(c("socket-ro"), "container.docker-socket", "critical"),
        "read-only socket is still critical"
    );

    // A volume bound to ~/.ssh by its driver, and ~/.npmrc alone: both
    // judged as the host paths they expose.
    let volumes = c("volumes");
    let evidence: Vec<&str> = volumes["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "container.sensitive-mount")
        .filter_map(|f| f["evidence"].as_str())
        .collect();
    assert!(
        evidence.iter().any(|e| e.contains("binds /home/dev/.ssh")),
        "{evidence:?}"
    );
    assert!(
        evidence.iter().any(|e| e.contains("/home/dev/.npmrc")),
        "{evidence:?}"
    );

    let mounts = c("mounts");
    assert!(
        has(mounts, "container.sensitive-mount", "critical"),
        "{:?}",
        rules_of(mounts)
    );
    assert!(
        has(mounts, "container.sensitive-mount", "high"),
        "ro ~/.ssh: {:?}",
        rules_of(mounts)
    );
    assert_eq!(
        count(mounts, "container.sensitive-mount"),
        3,
        "/etc rw, ~/.ssh ro, Netskope data"
    );
    assert_eq!(
        count(mounts, "container.writable-bind-mount"),
        1,
        "only the rw project folder"
    );
    let netskope = mounts["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|f| {
            f["rule"] == "container.sensitive-mount"
                && f["severity"] == "critical"
                && f["evidence"]
                    .as_str()
                    .is_some_and(|e| e.contains("Netskope"))
        });
    assert!(netskope, "Netskope STAgent/data is critical even read-only");

    let caps = c("caps");
    assert!(
        has(caps, "container.added-capabilities", "high"),
        "SYS_ADMIN"
    );
    assert!(
        has(caps, "container.added-capabilities", "medium"),
        "SYS_TIME"
    );
    assert!(has(caps, "container.host-namespace", "high"), "pid host");
    assert!(has(caps, "container.host-namespace", "medium"), "ipc host");
    assert!(has(caps, "container.seccomp-unconfined", "high"));
    assert!(has(caps, "container.apparmor-unconfined", "medium"));

    let exposed = c("exposed");
    assert_eq!(
        count(exposed, "container.env-secret"),
        2,
        "DB_PASSWORD and GITHUB_TOKEN, not placeholders: {:?}",
        rules_of(exposed)
    );
    assert_eq!(
        count(exposed, "container.public-port"),
        1,
        "8080 on all interfaces; 9090 is loopback"
    );
    assert_eq!(count(exposed, "container.devices"), 1);

    let hardened = c("hardened");
    assert!(
        rules_of(hardened)
            .iter()
            .all(|(_, s)| s == "low" || s == "info"),
        "control has nothing above low: {:?}",
        rules_of(hardened)
    );
    assert!(hardened["score"].as_u64().expect("score") <= 10);

    let default = c("default");
    for rule in [
        "container.root-user",
        "container.capabilities-not-dropped",
        "container.no-new-privileges-missing",
        "container.writable-rootfs",
        "container.no-resource-limits",
    ] {
        assert_eq!(count(default, rule), 1, "{rule} on a default container");
    }
    // Secrets the image carries are the image's finding, not repeated per container.
    assert_eq!(count(c("risky-app"), "container.env-secret"), 0);

    let images: Vec<&Value> = report["images"]
        .as_array()
        .expect("images")
        .iter()
        .collect();
    let img = |tag: &str| {
        *images
            .iter()
            .find(|i| {
                i["tags"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|t| t == tag))
            })
            .unwrap_or_else(|| panic!("image {tag} missing"))
    };
    for key in ["id", "tags", "created", "score", "findings"] {
        assert!(
            img(&format!("{p}/hardened:1.0")).get(key).is_some(),
            "image JSON lacks {key}"
        );
    }
    let risky = img(&format!("{p}/risky:latest"));
    assert_eq!(
        count(risky, "image.env-secret"),
        1,
        "STRIPE_KEY, not DB_PASSWORD=changeme: {:?}",
        rules_of(risky)
    );
    let history: Vec<String> = risky["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "image.history-secret")
        .map(|f| f["location"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        history.iter().any(|l| l.ends_with(":arg:NPM_TOKEN")),
        "build arg: {history:?}"
    );
    assert!(
        history.iter().any(|l| l.ends_with(":github-token")),
        "inline RUN token: {history:?}"
    );
    assert!(
        history.iter().any(|l| l.ends_with(":env:SERVICE_TOKEN")),
        "overwritten ENV: {history:?}"
    );
    for rule in [
        "image.latest-tag",
        "image.root-user",
        "image.no-healthcheck",
    ] {
        assert_eq!(count(risky, rule), 1, "{rule}");
    }
    assert!(rules_of(img(&format!("{p}/hardened:1.0"))).is_empty());
    assert_eq!(count(img(&format!("{p}/stale:2023")), "image.stale"), 1);
    let dangling_id = fx.docker(&[
        "images",
        "-q",
        "--no-trunc",
        "--filter",
        &format!("label=dockward.test={}", fx.label),
        "--filter",
        "dangling=true",
    ]);
    assert!(!dangling_id.is_empty(), "fixture made a dangling image");
    let dangling = images
        .iter()
        .find(|i| i["id"] == dangling_id.lines().next().unwrap_or_default())
        .expect("dangling image listed");
    assert_eq!(count(dangling, "image.dangling"), 1);

    // Nothing secret leaves Dockward: not on stdout, not in the database.
    for secret in PLANTED {
        assert!(!stdout.contains(secret), "JSON output leaks {secret}");
    }
    let (code, table, _) = inventory(&db, &["--details"]);
    assert_eq!(code, 0, "no --fail-on: exit 0");
    for secret in PLANTED {
        assert!(!table.contains(secret), "table output leaks {secret}");
    }
    for line in table.lines() {
        assert!(
            line.chars().count() <= 80,
            "wider than 80 columns: {line:?}"
        );
    }
    for file in ["dockward.db", "dockward.db-wal"] {
        let Ok(bytes) = std::fs::read(dir.path().join(file)) else {
            continue;
        };
        for secret in PLANTED {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{file} holds {secret}"
            );
        }
    }

    // A rescan of an unchanged engine finds nothing new.
    let (_, stdout, _) = inventory(&db, &["--format", "json"]);
    let again: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(again["new_findings"], 0);
    assert!(again["scan_id"].as_i64() > report["scan_id"].as_i64());
}
