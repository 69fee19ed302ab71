//! Issue 13 with real parts: a real registry on 127.0.0.1:5000 (started by
//! `make test`), real pushes, a tag that moves upstream, an image built
//! `FROM` it, and a registry that stops answering.
#![cfg(unix)]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().expect("docker");
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A one-file image from busybox, imported under `tag` with the test label.
fn import(dir: &Path, tag: &str, content: &str, label: &str) {
    let root = dir.join(tag.replace(['/', ':'], "_"));
    std::fs::create_dir_all(root.join("bin")).expect("mkdir");
    std::fs::copy(which("busybox"), root.join("bin/busybox")).expect("busybox");
    std::os::unix::fs::symlink("busybox", root.join("bin/sh")).expect("link");
    std::fs::write(root.join("version"), content).expect("write");
    let mut tar = Command::new("tar")
        .arg("-C")
        .arg(&root)
        .args(["-c", "."])
        .stdout(Stdio::piped())
        .spawn()
        .expect("tar");
    let out = Command::new("docker")
        .args([
            "import",
            "--change",
            &format!("LABEL dockward.test={label}"),
            "-",
            tag,
        ])
        .stdin(tar.stdout.take().expect("pipe"))
        .output()
        .expect("import");
    assert!(tar.wait().expect("tar").success());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn which(name: &str) -> String {
    let out = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .expect("sh");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn stale_json(db: Option<&Path>) -> serde_json::Value {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("dockward"));
    c.args(["stale", "--check-upstream", "--format", "json"]);
    match db {
        Some(db) => c.arg("--db").arg(db),
        None => c.arg("--no-db"),
    };
    let out = c.output().expect("dockward");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

fn image<'a>(r: &'a serde_json::Value, name: &str) -> Option<&'a serde_json::Value> {
    r["images"]
        .as_array()
        .expect("images")
        .iter()
        .find(|i| i["name"] == name)
}

fn rules(i: &serde_json::Value) -> Vec<String> {
    i["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn a_moved_tag_an_outdated_base_and_an_unreachable_registry() {
    if !common::engine_available("stale") {
        return;
    }
    let Ok(registry) = std::env::var("DOCKWARD_TEST_REGISTRY") else {
        assert!(
            std::env::var("DOCKWARD_REQUIRE_ENGINE").as_deref() != Ok("1"),
            "make test starts a registry (scripts/test-registry.sh)"
        );
        eprintln!("SKIPPED stale: no DOCKWARD_TEST_REGISTRY");
        return;
    };
    let labelled = common::Labelled::new("stale");
    let dir = tempfile::tempdir().expect("tmp");
    let repo = format!("{registry}/dw{}", std::process::id());
    let base = format!("{repo}/base:1.0");
    let steady = format!("{repo}/steady:1");

    // base:1.0 v1 pushed and kept; an image built FROM it.
    import(dir.path(), &base, "v1", &labelled.label);
    docker(&["push", "-q", &base]);
    let v1 = docker(&["image", "inspect", "-f", "{{.Id}}", &base]);
    std::fs::write(
        dir.path().join("Dockerfile"),
        format!("FROM {base}\nRUN echo app > /app\n"),
    )
    .expect("write");
    let app = format!("dw{}/app:1", std::process::id());
    let built = Command::new("docker")
        .env("DOCKER_BUILDKIT", "0")
        .args(["build", "-q", "--network", "none", "--label"])
        .arg(format!("dockward.test={}", labelled.label))
        .args(["-t", &app])
        .arg(dir.path())
        .output()
        .expect("build");
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    // Someone pushes a new build to the same tag; this machine keeps v1.
    import(dir.path(), &format!("{base}-next"), "v2", &labelled.label);
    docker(&["tag", &format!("{base}-next"), &base]);
    docker(&["push", "-q", &base]);
    docker(&["tag", &v1, &base]);
    // A tag that has not moved.
    import(dir.path(), &steady, "steady", &labelled.label);
    docker(&["push", "-q", &steady]);

    let r = stale_json(None);
    let b = image(&r, &base).expect("base listed");
    assert_eq!(rules(b), ["image.behind-upstream"], "{b}");
    assert_eq!(b["upstream"]["state"], "moved");
    let a = image(&r, &app).expect("app listed");
    assert_eq!(rules(a), ["image.outdated-base"], "{a}");
    assert_eq!(a["base"], base.as_str());
    assert!(
        image(&r, &steady).is_none_or(|s| rules(s).is_empty()),
        "a tag that has not moved"
    );

    // A registry that stops answering: unknown, with the reason, no error.
    let other = std::process::Command::new("docker-registry");
    let state = tempfile::tempdir().expect("tmp");
    let config = state.path().join("config.yml");
    std::fs::write(
        &config,
        format!(
            "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:5077\n",
            state.path().join("data").display()
        ),
    )
    .expect("config");
    let mut second = { other }
        .arg("serve")
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("docker-registry");
    let gone = format!("127.0.0.1:5077/dw{}/gone:1", std::process::id());
    import(dir.path(), &gone, "gone", &labelled.label);
    let mut pushed = false;
    for _ in 0..40 {
        if Command::new("docker")
            .args(["push", "-q", &gone])
            .output()
            .is_ok_and(|o| o.status.success())
        {
            pushed = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    let _ = second.kill();
    let _ = second.wait();
    assert!(pushed, "pushed to the second registry");
    let db = state.path().join("d.db");
    let r = stale_json(Some(&db));
    let g = image(&r, &gone).expect("listed as unknown");
    assert_eq!(g["upstream"]["state"], "unknown", "{g}");
    assert!(
        g["upstream"]["reason"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "{g}"
    );
    assert!(r["scan_id"].as_i64().is_some(), "recorded as a scan");
    let history = Command::new(assert_cmd::cargo::cargo_bin("dockward"))
        .args(["history", "--format", "json", "--db"])
        .arg(&db)
        .output()
        .expect("history");
    let h: serde_json::Value = serde_json::from_slice(&history.stdout).expect("json");
    assert_eq!(h[0]["kind"], "stale");
    assert_eq!(h[0]["status"], "complete");
    for tag in [&base, &format!("{base}-next"), &steady, &gone] {
        let _ = Command::new("docker").args(["rmi", "-f", tag]).output();
    }
}

/// "Unused" from what Dockward recorded, with real containers: an image a
/// container was running when an inventory ran keeps that use after the
/// container is removed (the engine no longer knows it); an image never run
/// is unused since the records began; without records nothing is claimed.
#[test]
fn unused_comes_from_recorded_use_after_the_containers_are_gone() {
    if !common::engine_available("stale-unused") {
        return;
    }
    let labelled = common::Labelled::new("stale-unused");
    let dir = tempfile::tempdir().expect("tmp");
    let used = format!("dw{}/used:1", std::process::id());
    let never = format!("dw{}/never:1", std::process::id());
    import(dir.path(), &used, "u", &labelled.label);
    import(dir.path(), &never, "n", &labelled.label);
    let container = docker(&[
        "run",
        "-d",
        "--network",
        "none",
        "--label",
        &format!("dockward.test={}", labelled.label),
        &used,
        "sh",
        "-c",
        "sleep 300",
    ]);
    let db = dir.path().join("d.db");
    let dockward = |args: &[&str]| {
        let out = Command::new(assert_cmd::cargo::cargo_bin("dockward"))
            .args(args)
            .output()
            .expect("dockward");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap_or_default()
    };
    let db_arg = db.to_str().expect("utf-8");
    dockward(&["inventory", "--format", "json", "--db", db_arg]);
    docker(&["rm", "-f", &container]);
    let evidence = |r: &serde_json::Value, name: &str| -> Option<String> {
        image(r, name)?["findings"]
            .as_array()?
            .iter()
            .find(|f| f["rule"] == "image.unused")
            .and_then(|f| f["evidence"].as_str().map(str::to_owned))
    };
    let recorded = dockward(&[
        "stale",
        "--unused-days",
        "0",
        "--format",
        "json",
        "--db",
        db_arg,
    ]);
    let e = evidence(&recorded, &used).expect("used:1 is judged from its recorded use");
    assert!(e.starts_with("last used 0 days ago"), "{e}");
    let e = evidence(&recorded, &never).expect("never:1 is unused");
    assert!(e.starts_with("no container has used it since"), "{e}");
    let unrecorded = dockward(&["stale", "--unused-days", "0", "--format", "json", "--no-db"]);
    assert_eq!(evidence(&unrecorded, &used), None, "no records, no claim");
}
