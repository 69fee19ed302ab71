//! No secret value leaves Dockward whole (issue 10). An image carries
//! secrets in every place an image can: a build arg, `RUN` lines with
//! `curl -u` and an `Authorization:` header, `ENV`, a label, a folder
//! named after a token holding a credential file, and a password echoed
//! into a file a later step deletes. Every output of every
//! command (each format, the HTML report, stderr), the database and its
//! WAL are searched for each value.

mod common;

use std::process::Command as Proc;

use assert_cmd::Command;

#[test]
fn no_secret_is_shown_stored_or_reported_whole() {
    if !common::engine_available("leaks") {
        return;
    }
    let fx = common::Fixtures::create("leaks");
    let dir = tempfile::tempdir().expect("tmp");
    let ctx = dir.path().join("ctx");
    std::fs::create_dir_all(&ctx).expect("ctx");
    std::fs::write(
        ctx.join("Dockerfile"),
        format!(
            r#"FROM {p}/base:1
ARG DEPLOY_PASSWORD
LABEL deploy.token=glpat-x7Yz9AbCdEfGh1JkLmNo
ENV GITHUB_TOKEN=ghp_Q9w8E7r6T5y4U3i2O1p0A9s8D7f6G5h4J3k2
RUN echo "$DEPLOY_PASSWORD" > /dev/null
RUN echo curl -u deploy:U3B7dJNZR1GSgM https://artifacts.invalid/app.tgz > /dev/null
RUN echo 'curl -H "Authorization: Bearer wUoI145MKBMVOiPpC5WMtyjI3FWJVxokQk38lfXl"' > /dev/null
RUN mkdir -p /srv/ghp_L3aK1nF0ld3rN4m3T0k3nXy9876543210zzA && echo DB_PASSWORD=Qm4xT9wL2pZ7vK3n > /srv/ghp_L3aK1nF0ld3rN4m3T0k3nXy9876543210zzA/.env
RUN echo zqvplokm77 > /tmp/pass.txt
RUN rm /tmp/pass.txt
"#,
            p = fx.prefix
        ),
    )
    .expect("Dockerfile");
    let image = format!("{}/leaky:1", fx.prefix);
    let built = Proc::new("docker")
        .env("DOCKER_BUILDKIT", "0")
        .args(["build", "-q", "--label"])
        .arg(format!("dockward.test={}", fx.label))
        .args([
            "--build-arg",
            "DEPLOY_PASSWORD=Hv7mQ2xP9kL4wR8t",
            "-t",
            &image,
        ])
        .arg(&ctx)
        .output()
        .expect("docker build");
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );

    let db = dir.path().join("d.db");
    let run = |args: &[&str]| {
        let out = Command::cargo_bin("dockward")
            .expect("binary")
            .args(args)
            .arg("--db")
            .arg(&db)
            .output()
            .expect("run");
        for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            assert_eq!(
                common::leaked(bytes),
                None,
                "`dockward {}` {stream} shows a secret whole:\n{}",
                args.join(" "),
                String::from_utf8_lossy(bytes)
            );
        }
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // The scan finds them (so the test is not passing by finding nothing)…
    let scan = run(&["scan", &image, "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&scan).expect("json");
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    for rule in [
        "image.env-secret",
        "image.history-secret",
        "image.layer-credential-file",
    ] {
        assert!(rules.contains(&rule), "{rule} not found: {rules:?}");
    }
    let history: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "image.history-secret")
        .filter_map(|f| f["evidence"].as_str())
        .collect();
    assert!(
        history.len() >= 5,
        "arg, curl -u, bearer, label, the echoed password: {history:?}"
    );
    assert!(
        history.iter().any(|e| e.contains("/tmp/pass.txt")),
        "the password written into a file later deleted: {history:?}"
    );
    // The scan recorded what it printed, configuration findings included
    // (one answer per image), so `findings` lists them too.
    let stored = run(&["findings", "--format", "json"]);
    for rule in [
        "image.history-secret",
        "image.env-secret",
        "image.layer-credential-file",
    ] {
        assert!(stored.contains(rule), "{rule} not recorded: {stored}");
    }
    // …and every rendering of them stays redacted.
    for args in [
        &["scan", &image][..],
        &["scan", &image, "--format", "sarif"],
        &["inventory"],
        &["inventory", "--details"],
        &["inventory", "--format", "json"],
        &["inventory", "--format", "sarif"],
        &["findings"],
        &["findings", "--format", "json"],
        &["findings", "--format", "csv"],
        &["findings", "--format", "sarif"],
        &["history"],
        &["history", "--format", "json"],
        &["diff"],
    ] {
        run(args);
    }
    for format in ["html", "json", "sarif", "csv"] {
        let out = dir.path().join(format!("report.{format}"));
        run(&[
            "report",
            "--format",
            format,
            "--out",
            out.to_str().expect("utf8"),
        ]);
        let bytes = std::fs::read(&out).expect("report");
        assert_eq!(common::leaked(&bytes), None, "{format} report");
    }
    for file in ["d.db", "d.db-wal"] {
        if let Ok(bytes) = std::fs::read(dir.path().join(file)) {
            assert_eq!(common::leaked(&bytes), None, "{file} holds a secret");
        }
    }
}
