//! The project check on temp projects: each rule's positive and negative
//! case, positions, followed files, per-file errors, fixes that apply,
//! re-check clean for their rule and undo byte for byte, and no secret in
//! any output.

use std::path::Path;

use super::*;

const TOKEN: &str = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    dir
}

/// (rule, file, line) of every finding.
fn found(dir: &Path) -> Vec<(String, String, u32)> {
    check(dir)
        .expect("checks")
        .found
        .iter()
        .map(|(f, at)| (f.rule.clone(), at.file.clone(), at.line))
        .collect()
}

fn rules(dir: &Path) -> Vec<String> {
    found(dir).into_iter().map(|(r, _, _)| r).collect()
}

const HARDENED_DOCKERFILE: &str = "FROM node:20.18-bookworm-slim AS build\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN --mount=type=secret,id=npm_token NPM_TOKEN=$(cat /run/secrets/npm_token) npm ci\nCOPY src ./src\nRUN npm run build\n\nFROM node:20.18-bookworm-slim\nCOPY --from=build /app/dist /app/dist\nUSER 10001\nCMD [\"node\", \"/app/dist/main.js\"]\n";

const HARDENED_COMPOSE: &str = "services:\n  web:\n    build: .\n    user: \"10001:10001\"\n    read_only: true\n    tmpfs:\n      - /tmp\n    cap_drop: [ALL]\n    security_opt:\n      - no-new-privileges:true\n    ports:\n      - \"127.0.0.1:8080:8080\"\n    mem_limit: 512m\n    pids_limit: 256\n    secrets:\n      - api_token\n    environment:\n      API_TOKEN_FILE: /run/secrets/api_token\nsecrets:\n  api_token:\n    file: ./secrets/api_token.txt\n";

#[test]
fn a_hardened_project_has_nothing_at_medium_or_above() {
    let dir = project(&[
        ("Dockerfile", HARDENED_DOCKERFILE),
        ("compose.yaml", HARDENED_COMPOSE),
        (".dockerignore", ".git\n.env*\n*.pem\n.certs\n"),
        (".env", "API_TOKEN=xyz\n"),
    ]);
    let c = check(dir.path()).expect("checks");
    let serious: Vec<_> = c
        .found
        .iter()
        .filter(|(f, _)| f.severity >= crate::finding::Severity::Medium)
        .map(|(f, at)| format!("{} {}:{}", f.rule, at.file, at.line))
        .collect();
    assert!(serious.is_empty(), "{serious:?}");
    assert!(c.errors.is_empty(), "{:?}", c.errors);
}

#[test]
fn compose_settings_get_the_container_rules_on_their_lines() {
    let dir = project(&[(
        "compose.yaml",
        "# stack\nservices:\n  app:\n    image: team/app:1.0\n    ipc: host\n    network_mode: host\n    pid: host\n    cap_add: [SYS_ADMIN]\n    security_opt:\n      - seccomp:unconfined\n    devices:\n      - /dev/kmsg:/dev/kmsg\n    ports:\n      - \"8080:80\"\n      - \"127.0.0.1:9090:90\"\n    volumes:\n      - type: bind\n        source: /var/run/docker.sock\n        target: /var/run/docker.sock\n        read_only: true\n      - ~/.ssh:/root/.ssh:ro\n      - keys:/keys\n  priv:\n    image: alpine:3\n    privileged: true\nvolumes:\n  keys:\n    driver: local\n    driver_opts: {type: none, o: bind, device: /etc}\n",
    )]);
    let f = found(dir.path());
    let at = |rule: &str| {
        f.iter()
            .filter(|(r, _, _)| r == rule)
            .map(|(_, _, l)| *l)
            .collect::<Vec<_>>()
    };
    assert_eq!(at("container.privileged"), [25]);
    assert_eq!(at("container.host-namespace"), [5, 6, 7]);
    assert_eq!(at("container.added-capabilities"), [8]);
    assert_eq!(at("container.seccomp-unconfined"), [9]);
    assert_eq!(at("container.devices"), [12]);
    assert_eq!(
        at("container.public-port"),
        [14],
        "the loopback port is fine"
    );
    assert_eq!(
        at("container.docker-socket"),
        [17],
        "a read-only socket still takes API calls"
    );
    let sensitive = at("container.sensitive-mount");
    assert!(
        sensitive.contains(&21) && sensitive.contains(&22),
        "~/.ssh and a volume binding /etc: {sensitive:?}"
    );
}

#[test]
fn propagation_and_confinement_options_in_compose() {
    let dir = project(&[(
        "compose.yaml",
        "services:\n  a:\n    image: alpine:3\n    security_opt:\n      - label:disable\n    volumes:\n      - /mnt:/mnt:rshared\n      - type: bind\n        source: /srv\n        target: /srv\n        bind:\n          propagation: shared\n      - /opt:/opt:rprivate\n",
    )]);
    let f = found(dir.path());
    let at = |rule: &str| {
        f.iter()
            .filter(|(r, _, _)| r == rule)
            .map(|(_, _, l)| *l)
            .collect::<Vec<_>>()
    };
    assert_eq!(at("container.confinement-disabled"), [4]);
    assert_eq!(at("container.mount-propagation"), [7, 8]);
}

#[test]
fn anchors_merge_keys_interpolation_extends_and_include_are_followed() {
    let dir = project(&[
        (".env", "PRIV=true\nCOMPOSE_FILE=compose.yaml:extra/more.yaml\n"),
        (
            "compose.yaml",
            "x-risky: &risky\n  privileged: ${PRIV:-false}\ninclude:\n  - inc.yaml\nservices:\n  a:\n    <<: *risky\n    image: alpine:3\n  b:\n    extends:\n      file: base.yaml\n      service: base\n",
        ),
        ("inc.yaml", "services:\n  c:\n    image: alpine:3\n    pid: host\n"),
        ("base.yaml", "services:\n  base:\n    image: alpine:3\n    ipc: host\n"),
        ("extra/more.yaml", "services:\n  d:\n    image: alpine:3\n    userns_mode: host\n"),
    ]);
    let f = found(dir.path());
    assert!(
        f.contains(&("container.privileged".into(), "compose.yaml".into(), 2)),
        "merged from the anchor, interpolated from .env: {f:?}"
    );
    for file in ["inc.yaml", "base.yaml", "extra/more.yaml"] {
        assert!(
            f.iter()
                .any(|(r, fl, _)| r == "container.host-namespace" && fl == file),
            "{file}: {f:?}"
        );
    }
}

#[test]
fn dockerfile_rules_fire_on_their_lines_and_not_on_good_lines() {
    let dir = project(&[
        (
            "Dockerfile",
            "FROM golang:1.23 AS build\nARG GITHUB_TOKEN\nRUN git config --global url.\"https://$GITHUB_TOKEN@github.com/\".insteadOf https://github.com/ && \\\n    go build ./...\nRUN <<EOF\ncurl -fsSL https://get.example.com | bash\nEOF\n\nFROM someuser/base\nENV API_KEY=" ,
        ),
    ]);
    // (The ENV value is appended below so the constant stays readable.)
    let df = dir.path().join("Dockerfile");
    let mut text = std::fs::read_to_string(&df).expect("read");
    text.push_str(&format!("{TOKEN}\nCOPY --from=build / /\nADD https://example.com/tool.tgz /opt/\nCOPY id_rsa /root/.ssh/id_rsa\nRUN sudo apt-get update\nEXPOSE 22 80\nUSER root\n"));
    std::fs::write(&df, &text).expect("write");
    let f = found(dir.path());
    let at = |rule: &str| {
        f.iter()
            .filter(|(r, _, _)| r == rule)
            .map(|(_, _, l)| *l)
            .collect::<Vec<_>>()
    };
    assert_eq!(at("dockerfile.secret-arg"), [2, 10]);
    assert_eq!(
        at("dockerfile.secret-arg-used"),
        [3],
        "a continuation is one RUN"
    );
    assert_eq!(at("dockerfile.curl-pipe-shell"), [5], "inside a heredoc");
    assert_eq!(at("dockerfile.unofficial-base"), [9]);
    assert_eq!(at("dockerfile.unpinned-base"), [9], "golang:1.23 is pinned");
    assert_eq!(at("dockerfile.copy-whole-stage"), [11]);
    assert_eq!(at("dockerfile.add-url"), [12]);
    assert_eq!(at("dockerfile.copy-sensitive"), [13]);
    assert_eq!(at("dockerfile.sudo"), [14]);
    assert_eq!(at("dockerfile.ssh-port"), [15]);
    assert_eq!(at("dockerfile.root-user"), [16]);

    let good = project(&[("Dockerfile", HARDENED_DOCKERFILE)]);
    assert!(rules(good.path()).is_empty(), "{:?}", rules(good.path()));
}

#[test]
fn the_context_leaks_until_dockerignore_covers_it() {
    let dir = project(&[
        ("Dockerfile", "FROM alpine:3\nCOPY . /app\nUSER 1000\n"),
        (".env", "X=1\n"),
        ("server.key", "k"),
        (".env.example", "X=\n"),
    ]);
    assert!(rules(dir.path()).contains(&"dockerfile.context-leak".to_string()));
    std::fs::write(
        dir.path().join(".dockerignore"),
        ".env*\n!.env.example\n*.key\n",
    )
    .expect("write");
    assert!(!rules(dir.path()).contains(&"dockerfile.context-leak".to_string()));
}

#[test]
fn a_bad_file_is_an_error_of_its_own_and_the_rest_is_checked() {
    let dir = project(&[
        ("compose.yaml", "services:\n  web:\n    image: [unclosed\n"),
        ("Dockerfile", "FROM alpine:3\nUSER root\n"),
        (
            "app/compose.yml",
            "services:\n  x:\n    image: alpine:3\n    privileged: true\n",
        ),
    ]);
    std::fs::write(
        dir.path().join("tools.Dockerfile"),
        b"\x7fELF\x00\x00\x01binary",
    )
    .expect("write");
    let c = check(dir.path()).expect("checks");
    let errors: Vec<&str> = c.errors.iter().map(|e| e.file.as_str()).collect();
    assert_eq!(errors, ["compose.yaml", "tools.Dockerfile"]);
    assert!(c.errors[1].message.contains("binary"), "{:?}", c.errors);
    let rules: Vec<&str> = c.found.iter().map(|(f, _)| f.rule.as_str()).collect();
    assert!(
        rules.contains(&"dockerfile.root-user") && rules.contains(&"container.privileged"),
        "{rules:?}"
    );
}

#[test]
fn tracked_env_files_and_keys_are_findings_untracked_ones_are_not() {
    let dir = project(&[
        (".env", &format!("GITHUB_TOKEN={TOKEN}\n")),
        (".env.local", &format!("GITHUB_TOKEN={TOKEN}\n")),
        (".env.example", "GITHUB_TOKEN=\n"),
        (
            ".certs/corp.pem",
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        ),
        (
            "deploy.pem",
            "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",
        ),
        // What the CA wizard keeps in git on purpose.
        (".certs/setup.sh", "#!/bin/sh\n"),
        (".certs/.gitkeep", ""),
        ("svc/api/.env", &format!("GITHUB_TOKEN={TOKEN}\n")),
    ]);
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(dir.path())
            .args(args)
            .output()
            .expect("git")
    };
    assert!(git(&["init", "-q"]).status.success(), "git init");
    git(&[
        "add",
        ".env",
        ".env.example",
        ".certs/corp.pem",
        ".certs/setup.sh",
        ".certs/.gitkeep",
        "deploy.pem",
        "svc/api/.env",
    ]);
    let f = found(dir.path());
    let tracked: Vec<(&str, &str)> = f
        .iter()
        .filter(|(r, _, _)| r.starts_with("project."))
        .map(|(r, fl, _)| (r.as_str(), fl.as_str()))
        .collect();
    assert_eq!(
        tracked,
        [
            ("project.key-tracked", ".certs/corp.pem"),
            ("project.env-tracked", ".env"),
            ("project.key-tracked", "deploy.pem"),
            ("project.env-tracked", "svc/api/.env"),
        ]
    );
    // Checking a subfolder of the repository still knows what git tracks.
    let sub: Vec<(String, String)> = found(&dir.path().join("svc/api"))
        .into_iter()
        .filter(|(r, _, _)| r.starts_with("project."))
        .map(|(r, f, _)| (r, f))
        .collect();
    assert_eq!(sub, [("project.env-tracked".to_owned(), ".env".to_owned())]);
}

async fn store(dir: &Path) -> crate::store::Store {
    crate::store::Store::open(&dir.join("d.db"))
        .await
        .expect("store")
}

#[tokio::test]
async fn every_fix_applies_parses_clears_its_rule_and_undoes_byte_for_byte() {
    let files: &[(&str, &str)] = &[
        (
            "compose.yaml",
            "# the team's stack\nx-common: &common\n  restart: unless-stopped\nservices:\n  web: # the front\n    <<: *common\n    build: .\n    privileged: true  # needed? no\n    security_opt:\n      - label:disable\n    environment:\n      GH_TOKEN: ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8 # pasted\n      LOG_LEVEL: info\n  db:\n    image: postgres:16\n    cap_drop:\n      - NET_RAW\n    environment:\n      - POSTGRES_USER=app\n      - POSTGRES_PASSWORD=Zx8rT2pQ9vLm4Kd7Wn3Bc6Hy1Fs5Gj0A\n",
        ),
        ("Dockerfile", "FROM node:20\nARG NPM_TOKEN\nRUN echo \"//registry.npmjs.org/:_authToken=${NPM_TOKEN}\" > .npmrc && \\\n    npm ci\nCOPY . /app\nUSER node\n"),
        (".env", "LOCAL=1\n"),
    ];
    for rule in fix::FIXABLE {
        let dir = project(files);
        let db = tempfile::tempdir().expect("tmp");
        let s = store(db.path()).await;
        let before: Vec<(String, Vec<u8>)> = files
            .iter()
            .map(|(n, _)| {
                (
                    n.to_string(),
                    std::fs::read(dir.path().join(n)).expect("read"),
                )
            })
            .collect();
        let checked = check(dir.path()).expect("checks");
        assert!(
            checked.found.iter().any(|(f, _)| f.rule == *rule),
            "{rule} fires before the fix"
        );
        let plan = fix::plan(dir.path(), &checked, Some(rule)).expect("plan");
        assert!(!plan.is_empty(), "{rule}: a plan");
        crate::edit::apply::apply(&plan, &s).await.expect("apply");
        let after = check(dir.path()).expect("checks after");
        assert!(
            after.errors.is_empty(),
            "{rule}: fixed files parse: {:?}",
            after.errors
        );
        assert!(
            !after.found.iter().any(|(f, _)| f.rule == *rule),
            "{rule}: gone after the fix"
        );
        // Comments and untouched lines stay.
        let compose = std::fs::read_to_string(dir.path().join("compose.yaml")).expect("read");
        assert!(
            compose.starts_with("# the team's stack\nx-common: &common\n"),
            "{compose}"
        );
        crate::edit::apply::undo(&s, dir.path())
            .await
            .expect("undo");
        for (n, bytes) in &before {
            assert_eq!(
                &std::fs::read(dir.path().join(n)).expect("read"),
                bytes,
                "{rule}: {n} restored"
            );
        }
        assert!(
            !dir.path().join(".dockerignore").exists(),
            "{rule}: created files go"
        );
    }
}

#[tokio::test]
async fn no_secret_value_in_any_output() {
    let dir = project(&[
        // Known token formats, and values that are secret only by their
        // name (no pattern knows them): map and list syntax, old-style ENV.
        ("compose.yaml", &format!("services:\n  web:\n    image: alpine:3\n    environment:\n      GH: {TOKEN}\n      DB_PASSWORD: {NAMED}\n    build:\n      context: .\n      args:\n        GITHUB_TOKEN: {TOKEN}\n  api:\n    image: alpine:3\n    environment:\n      - API_SECRET={NAMED2}\n")),
        ("Dockerfile", &format!("FROM alpine:3\nENV GH_TOKEN={TOKEN}\nENV DB_PASSWORD {NAMED3}\nCOPY . /app\nUSER 1\n")),
        (".env", "X=1\n"),
    ]);
    let db = tempfile::tempdir().expect("tmp");
    let s = store(db.path()).await;
    let r = run(dir.path(), Some(&s), "2026-11-29T00:00:00Z")
        .await
        .expect("runs");
    assert!(r
        .findings
        .iter()
        .any(|f| f.finding.rule == "compose.build-arg-secret"));
    assert!(r
        .findings
        .iter()
        .any(|f| f.finding.rule == "container.env-secret"));
    let cat = crate::rules::builtin().expect("catalogue");
    let outputs = [
        crate::report::json(&r).expect("json"),
        crate::report::project::project_table(&r),
        crate::report::project::project_sarif(&r, cat).expect("sarif"),
        fix::plan(dir.path(), &check(dir.path()).expect("checks"), None)
            .expect("plan")
            .diff(),
    ];
    for o in &outputs {
        for secret in [&TOKEN[8..], NAMED, NAMED2, NAMED3] {
            assert!(!o.contains(secret), "{secret} in: {o}");
        }
    }
    // The named values were findings (so their redaction was needed).
    for file in ["compose.yaml", "Dockerfile"] {
        assert!(
            r.findings.iter().filter(|f| f.at.file == file).count() >= 2,
            "{file}: {:?}",
            r.findings
                .iter()
                .map(|f| (&f.at, &f.finding.rule))
                .collect::<Vec<_>>()
        );
    }
    let sarif: serde_json::Value = serde_json::from_str(&outputs[2]).expect("sarif json");
    let region = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert!(
        region["region"]["startLine"]
            .as_i64()
            .is_some_and(|l| l >= 1),
        "{region}"
    );
    drop(s);
    let dbfile = std::fs::read(db.path().join("d.db")).expect("db");
    for secret in [&TOKEN[8..], NAMED, NAMED2, NAMED3] {
        assert!(
            !String::from_utf8_lossy(&dbfile).contains(secret),
            "a secret in the database"
        );
    }
}

/// Secrets no token pattern knows, judged secret by their names.
const NAMED: &str = "hunter2hunter2Kq8Zr";
const NAMED2: &str = "Pq7rVb2mXk9sLt4Wd";
const NAMED3: &str = "Tm4nBv8cXz2Lk6Jh";

#[test]
fn an_environment_secret_becomes_a_compose_secret_and_leaves_the_file() {
    let dir = project(&[(
        "compose.yaml",
        &format!("services:\n  web:\n    image: alpine:3\n    environment:\n      GH_TOKEN: {TOKEN}\n      LOG_LEVEL: info\n  db:\n    image: postgres:16\n    secrets:\n      - other\n    environment:\n      - POSTGRES_USER=app\n      - POSTGRES_PASSWORD=Zx8rT2pQ9vLm4Kd7Wn3Bc6Hy1Fs5Gj0A\nsecrets:\n  other:\n    file: ./other.txt\n"),
    )]);
    let checked = check(dir.path()).expect("checks");
    let plan = fix::plan(dir.path(), &checked, Some("container.env-secret")).expect("plan");
    let after = &plan.changes[0].after;
    assert!(
        !after.contains(&TOKEN[4..]) && !after.contains("Zx8rT2pQ9v"),
        "values leave the file:\n{after}"
    );
    for want in [
        "      GH_TOKEN_FILE: /run/secrets/gh_token\n      LOG_LEVEL: info\n",
        "    secrets:\n      - gh_token\n",
        "      - other\n      - postgres_password\n",
        "      - POSTGRES_PASSWORD_FILE=/run/secrets/postgres_password\n",
        "secrets:\n  gh_token:\n    environment: GH_TOKEN\n  postgres_password:\n    environment: POSTGRES_PASSWORD\n  other:\n",
    ] {
        assert!(after.contains(want), "{want:?} in:\n{after}");
    }
    assert!(
        plan.notes.iter().any(|n| n.contains("_FILE")),
        "{:?}",
        plan.notes
    );
    let (doc, _) = crate::compose::to_json_with_positions(after).expect("parses");
    assert_eq!(doc["secrets"]["gh_token"]["environment"], "GH_TOKEN");
}

#[test]
fn copies_of_what_the_layer_scan_would_report_are_flagged_public_keys_are_not() {
    let dir = project(&[(
        "Dockerfile",
        "FROM alpine:3.20\nCOPY .aws/credentials /root/.aws/credentials\nCOPY deploy/token.txt /app/\nCOPY id_ed25519.pub /root/.ssh/authorized_keys\nCOPY .env.example /app/\nCOPY kube/.kube/config /root/.kube/config\nUSER 1000\n",
    )]);
    let lines: Vec<u32> = found(dir.path())
        .into_iter()
        .filter(|(r, _, _)| r == "dockerfile.copy-sensitive")
        .map(|(_, _, l)| l)
        .collect();
    assert_eq!(lines, [2, 3, 6]);
}

/// A value typed as `${VAR}` (filled from `.env`) becomes a Compose secret
/// read from that variable, the one that holds the value.
#[test]
fn an_interpolated_secret_is_read_from_the_variable_that_holds_it() {
    let dir = project(&[
        (
            "compose.yaml",
            "services:\n  web:\n    image: alpine:3\n    environment:\n      STRIPE_SECRET_KEY: ${STRIPE}\n",
        ),
        (".env", "STRIPE=Zx8rT2pQ9vLm4Kd7Wn3Bc6Hy1Fs5Gj0A\n"),
    ]);
    let checked = check(dir.path()).expect("checks");
    assert!(
        checked
            .found
            .iter()
            .any(|(f, _)| f.rule == "container.env-secret"),
        "{:?}",
        checked
            .found
            .iter()
            .map(|(f, _)| &f.rule)
            .collect::<Vec<_>>()
    );
    let plan = fix::plan(dir.path(), &checked, Some("container.env-secret")).expect("plan");
    let after = &plan.changes[0].after;
    assert!(
        after.contains("STRIPE_SECRET_KEY_FILE: /run/secrets/stripe_secret_key")
            && after.contains("  stripe_secret_key:\n    environment: STRIPE\n"),
        "{after}"
    );
}

/// A secret ARG that a heredoc RUN still uses keeps its ARG (the RUN is
/// left for the user with a note), so the build does not silently lose the
/// value and the check still reports it; the shell-form RUN is rewritten.
#[test]
fn a_secret_arg_still_used_where_it_cannot_be_rewritten_is_kept() {
    let dir = project(&[(
        "Dockerfile",
        "FROM node:20\nARG NPM_TOKEN\nRUN echo \"//registry.npmjs.org/:_authToken=${NPM_TOKEN}\" > .npmrc && npm ci\nRUN <<EOF\nnpm publish --token $NPM_TOKEN\nEOF\nUSER node\n",
    )]);
    let checked = check(dir.path()).expect("checks");
    let plan = fix::plan(dir.path(), &checked, Some("dockerfile.secret-arg-used")).expect("plan");
    let after = &plan.changes[0].after;
    assert!(after.contains("ARG NPM_TOKEN\n"), "{after}");
    assert!(
        after.contains("RUN --mount=type=secret,id=npm_token export NPM_TOKEN="),
        "{after}"
    );
    assert!(
        plan.notes
            .iter()
            .any(|n| n.contains("heredoc") && n.contains("kept")),
        "{:?}",
        plan.notes
    );
}

/// A Dockerfile that compose builds with another folder as its context
/// (`context: .`, `dockerfile: docker/api.Dockerfile`) is judged by what
/// that context holds and the ignore file that build reads; the fix writes
/// there: BuildKit's `<Dockerfile>.dockerignore` when it exists, else the
/// context's `.dockerignore`.
#[test]
fn the_context_leak_is_judged_in_the_context_compose_builds_with() {
    let files: &[(&str, &str)] = &[
        (
            "compose.yaml",
            "services:\n  api:\n    build:\n      context: .\n      dockerfile: docker/api.Dockerfile\n",
        ),
        ("docker/api.Dockerfile", "FROM node:20\nCOPY . /app\nUSER node\n"),
        (".env", "X=1\n"),
        ("deploy.pem", "not really\n"),
        (".certs/.gitkeep", ""),
    ];
    let dir = project(files);
    let leak: Vec<(String, String, u32)> = found(dir.path())
        .into_iter()
        .filter(|(r, _, _)| r == "dockerfile.context-leak")
        .collect();
    assert_eq!(
        leak,
        [(
            "dockerfile.context-leak".to_owned(),
            "docker/api.Dockerfile".to_owned(),
            2
        )]
    );
    let checked = check(dir.path()).expect("checks");
    let plan = fix::plan(dir.path(), &checked, Some("dockerfile.context-leak")).expect("plan");
    let paths: Vec<&str> = plan.changes.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths, [".dockerignore"]);
    // With the Dockerfile's own ignore file, that is the one read and fixed.
    let dir = project(files);
    std::fs::write(
        dir.path().join("docker/api.Dockerfile.dockerignore"),
        ".git\n",
    )
    .expect("write");
    let checked = check(dir.path()).expect("checks");
    let plan = fix::plan(dir.path(), &checked, Some("dockerfile.context-leak")).expect("plan");
    let paths: Vec<&str> = plan.changes.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths, ["docker/api.Dockerfile.dockerignore"]);
    assert!(plan.changes[0].after.starts_with(".git\n"));
    assert!(plan.changes[0].after.contains(".env\n") && plan.changes[0].after.contains("*.pem\n"));
}

/// A compose file and its override are one set of services, as Compose
/// merges them: hardening in the override clears the base's findings for
/// what it lacked, an override that only adds a mount (as the CA wizard's
/// does) adds no finding, and what the override itself says is found on its
/// own line.
#[test]
fn a_compose_file_and_its_override_are_judged_merged() {
    let base = "services:\n  web:\n    image: nginx:1.27\n  api:\n    image: node:20\n";
    let lacks = |dir: &Path, file: &str| -> Vec<String> {
        found(dir)
            .into_iter()
            .filter(|(r, f, _)| f == file && layering::ABSENCE_RULES.contains(&r.as_str()))
            .map(|(r, _, _)| r)
            .collect()
    };
    let alone = project(&[("compose.yaml", base)]);
    let before = found(alone.path()).len();
    assert!(!lacks(alone.path(), "compose.yaml").is_empty());
    // The CA wizard's kind of override: a read-only mount and a variable.
    let ca = project(&[
        ("compose.yaml", base),
        (
            "compose.override.yaml",
            "services:\n  web:\n    volumes:\n      - type: bind\n        source: ./.certs/ca-bundle.pem\n        target: /run/certs/ca-bundle.pem\n        read_only: true\n    environment:\n      SSL_CERT_FILE: /run/certs/ca-bundle.pem\n",
        ),
    ]);
    assert_eq!(found(ca.path()).len(), before, "{:?}", found(ca.path()));
    // Hardening in the override clears what web lacked; api still lacks it.
    let hardened = project(&[
        ("compose.yaml", base),
        (
            "compose.override.yaml",
            "services:\n  web:\n    user: \"101\"\n    read_only: true\n    cap_drop: [ALL]\n    security_opt: [\"no-new-privileges:true\"]\n    mem_limit: 256m\n    pids_limit: 100\n    privileged: true\n",
        ),
    ]);
    let f = found(hardened.path());
    let web_lacks: Vec<&(String, String, u32)> = f
        .iter()
        .filter(|(r, file, line)| {
            layering::ABSENCE_RULES.contains(&r.as_str()) && file == "compose.yaml" && *line <= 3
        })
        .collect();
    assert!(web_lacks.is_empty(), "{web_lacks:?}");
    assert!(
        lacks(hardened.path(), "compose.yaml").len() >= 3,
        "api: {f:?}"
    );
    assert!(
        lacks(hardened.path(), "compose.override.yaml").is_empty(),
        "{f:?}"
    );
    assert!(
        f.contains(&(
            "container.privileged".to_owned(),
            "compose.override.yaml".to_owned(),
            9
        )),
        "{f:?}"
    );
}

/// The fix names the port actually published, not the catalogue's example.
#[test]
fn the_public_port_fix_names_the_published_port() {
    let dir = project(&[(
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n    ports:\n      - \"8443:443\"\n",
    )]);
    let checked = check(dir.path()).expect("checks");
    let fix = checked
        .found
        .iter()
        .find(|(f, _)| f.rule == "container.public-port")
        .map(|(f, _)| f.fix.clone())
        .expect("found");
    assert!(fix.contains("`-p 127.0.0.1:8443:443`"), "{fix}");
    assert!(fix.contains("\"127.0.0.1:8443:443\""), "{fix}");
}
