//! Planning the CA setup of temp projects.

use super::*;
use crate::ca::certificate;

const CA: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/certs/netskope-ca.pem"
));

fn ca() -> Vec<CaCertificate> {
    certificate::parse(CA, "netskope-ca.pem", 0).expect("fixture")
}

/// Applies `plan`, recording it in a throwaway store (kept for undo).
async fn applied(plan: &Plan) -> (tempfile::TempDir, crate::store::Store) {
    let db_dir = tempfile::tempdir().expect("tmp");
    let store = crate::store::Store::open(&db_dir.path().join("d.db"))
        .await
        .expect("store");
    crate::edit::apply::apply(plan, &store)
        .await
        .expect("apply");
    (db_dir, store)
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

#[test]
fn a_project_gets_certs_ignores_dockerfiles_and_an_override() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path();
    write(root, "Dockerfile", "FROM node:20\nRUN npm ci\n");
    write(
        root,
        "api/api.Dockerfile",
        "FROM python:3.12\nRUN pip install flask\n",
    );
    write(root, "node_modules/x/Dockerfile", "FROM x\nRUN npm ci\n");
    write(root, ".gitignore", "node_modules");
    write(
        root,
        "compose.yaml",
        "# mine\nservices:\n  web:\n    build: .\n  db:\n    image: postgres:16\n",
    );
    let plan = plan(root, &ca()).expect("plan");
    let paths: Vec<&str> = plan.changes.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            ".certs/netskope-ca.pem",
            ".certs/ca-bundle.pem",
            ".certs/.gitkeep",
            ".certs/setup.sh",
            ".gitignore",
            ".dockerignore",
            "Dockerfile",
            "api/api.Dockerfile",
            "compose.override.yaml",
        ]
    );
    let get = |p: &str| &plan.changes.iter().find(|c| c.path == p).expect(p).after;
    assert_eq!(get(".gitignore"), "node_modules\n\n# Corporate CA certificates: on each machine, not in git (Dockward CA setup)\n.certs/*\n!.certs/.gitkeep\n!.certs/setup.sh\n");
    assert!(get(".certs/netskope-ca.pem").starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert!(!get(".certs/setup.sh").contains("@STEM@"));
    let bundle = get(".certs/ca-bundle.pem");
    assert_eq!(
        crate::certs::pem_certificates(bundle.as_bytes()).len(),
        webpki_root_certs::TLS_SERVER_ROOT_CERTS.len() + 1
    );
    assert!(get("compose.override.yaml").contains("source: ./.certs/ca-bundle.pem"));
    assert!(plan
        .diff()
        .contains("+RUN --mount=type=secret,id=ca-bundle,required=false"));
    assert!(
        plan.notes.iter().any(|n| n.contains("BuildKit")),
        "{:?}",
        plan.notes
    );
}

#[test]
fn a_project_that_has_part_of_it_gets_only_the_rest() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path();
    write(root, ".dockerignore", ".git\n.certs/\n");
    write(
        root,
        ".gitignore",
        ".certs/*\n!.certs/.gitkeep\n!.certs/setup.sh\n",
    );
    write(root, "Dockerfile", "FROM alpine\nRUN echo no network\n");
    let plan = plan(root, &ca()).expect("plan");
    let paths: Vec<&str> = plan.changes.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            ".certs/netskope-ca.pem",
            ".certs/ca-bundle.pem",
            ".certs/.gitkeep",
            ".certs/setup.sh"
        ]
    );
}

#[test]
fn public_roots_alone_are_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let root_pem = certificate::pem_encode(webpki_root_certs::TLS_SERVER_ROOT_CERTS[0].as_ref());
    let certs = certificate::parse(root_pem.as_bytes(), "root.pem", 0).expect("parses");
    assert!(matches!(
        plan(dir.path(), &certs),
        Err(CaError::OnlyPublic(_))
    ));
}

#[tokio::test]
async fn an_override_the_user_has_is_extended_applied_and_undone_byte_for_byte() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path();
    write(
        root,
        "compose.yaml",
        "services:\n  web:\n    build: .\n  db:\n    image: postgres:16\n",
    );
    let mine =
        "# local only\r\nservices:\r\n  web:\r\n    ports:\r\n      - \"127.0.0.1:3000:3000\"\r\n";
    write(root, "compose.override.yaml", mine);
    let plan = plan(root, &ca()).expect("plan");
    let change = plan
        .changes
        .iter()
        .find(|c| c.path == "compose.override.yaml")
        .expect("the override is in the plan");
    assert!(
        change.after.starts_with("# local only\r\nservices:\r\n"),
        "{}",
        change.after
    );
    assert!(
        !change.after.replace("\r\n", "").contains('\n'),
        "its line endings kept"
    );
    let (_db_dir, store) = applied(&plan).await;
    let applied = std::fs::read_to_string(root.join("compose.override.yaml")).expect("read");
    let doc = crate::compose::to_json(&applied).expect("parses");
    assert_eq!(doc["services"]["web"]["ports"][0], "127.0.0.1:3000:3000");
    assert_eq!(doc["services"]["web"]["build"]["secrets"][0], "ca-bundle");
    assert_eq!(doc["services"]["db"]["volumes"][0]["read_only"], true);
    assert_eq!(
        doc["secrets"]["ca-bundle"]["file"],
        "./.certs/ca-bundle.pem"
    );
    assert!(
        super::plan(root, &ca()).expect("plan").is_empty(),
        "a second apply changes nothing"
    );
    let containers = |root: &Path| {
        let (checks, _) = crate::ca::verify::verify_project(root, 0).expect("verify");
        checks
            .into_iter()
            .find(|c| c.what == "compose.yaml: containers")
            .expect("the compose check")
    };
    assert!(containers(root).ok, "{:?}", containers(root));
    // A service added later lacks the setup: verify names it, a new plan adds it.
    write(
        root,
        "compose.yaml",
        "services:\n  web:\n    build: .\n  db:\n    image: postgres:16\n  worker:\n    build: ./worker\n",
    );
    let c = containers(root);
    assert!(
        !c.ok && c.detail.ends_with("lacks the CA setup for worker"),
        "{c:?}"
    );
    let again = super::plan(root, &ca()).expect("plan");
    assert_eq!(again.changes.len(), 1, "only the override changes");
    assert!(again.diff().contains("+  worker:"), "{}", again.diff());
    write(
        root,
        "compose.yaml",
        "services:\n  web:\n    build: .\n  db:\n    image: postgres:16\n",
    );
    crate::edit::apply::undo(&store, root).await.expect("undo");
    assert_eq!(
        std::fs::read(root.join("compose.override.yaml")).expect("read"),
        mine.as_bytes()
    );
}

/// With COMPOSE_FILE in .env, Compose loads only the files it names: the
/// files named there get the setup (whatever they are called), the
/// overrides join the list, every other line of .env is kept, and verify
/// checks the list. A template, a binary "Dockerfile" and a broken compose
/// file are left alone with notes instead of stopping the plan.
#[tokio::test]
async fn compose_file_in_env_gets_the_overrides_and_bad_files_are_notes() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path();
    write(root, "compose.yaml", "services:\n  web:\n    build: .\n");
    write(
        root,
        "docker-compose.dev.yml",
        "services:\n  web:\n    environment:\n      DEBUG: \"1\"\n",
    );
    let env = "# local\nexport COMPOSE_FILE=compose.yaml:./docker-compose.dev.yml\nDB_PASSWORD=Zx8rT2pQ9vLm4Kd7Wn3Bc6Hy1Fs5Gj0A\n";
    write(root, ".env", env);
    write(root, "Dockerfile", "FROM node:20\nRUN npm ci\n");
    write(
        root,
        "templates/Dockerfile.j2",
        "{% if base %}\nFROM {{ base }}\n",
    );
    std::fs::create_dir_all(root.join("tools")).expect("mkdir");
    std::fs::write(root.join("tools/Dockerfile"), b"\x00\x01\x02\xff\xfe").expect("write");
    write(root, "broken/compose.yaml", "services: [web\n");
    let plan = plan(root, &ca()).expect("one bad file does not stop the plan");
    let get = |p: &str| {
        plan.changes
            .iter()
            .find(|c| c.path == p)
            .map(|c| c.after.clone())
    };
    assert_eq!(
        get(".env").as_deref(),
        Some("# local\nexport COMPOSE_FILE=compose.yaml:compose.override.yaml:docker-compose.dev.yml:docker-compose.dev.override.yml\nDB_PASSWORD=Zx8rT2pQ9vLm4Kd7Wn3Bc6Hy1Fs5Gj0A\n")
    );
    assert!(
        get("docker-compose.dev.override.yml").is_some(),
        "{:?}",
        plan.changes.iter().map(|c| &c.path).collect::<Vec<_>>()
    );
    assert!(get("Dockerfile").is_some());
    assert!(
        plan.notes
            .iter()
            .any(|n| n.starts_with("broken/compose.yaml: not changed")),
        "{:?}",
        plan.notes
    );
    assert!(
        !plan.diff().contains("Zx8rT2pQ9vLm4Kd7Wn3Bc6Hy1Fs5Gj0A"),
        "the .env diff hides its secrets"
    );
    let (_db_dir, store) = applied(&plan).await;
    let (checks, _) = crate::ca::verify::verify_project(root, 0).expect("verify");
    let listed = checks
        .iter()
        .find(|c| c.what == "docker-compose.dev.yml: COMPOSE_FILE")
        .expect("checked");
    assert!(listed.ok, "{listed:?}");
    crate::edit::apply::undo(&store, root).await.expect("undo");
    assert_eq!(
        std::fs::read_to_string(root.join(".env")).expect("read"),
        env
    );
    let (checks, _) = crate::ca::verify::verify_project(root, 0).expect("verify");
    assert!(checks
        .iter()
        .any(|c| c.what == "compose.yaml: COMPOSE_FILE" && !c.ok));
}

/// Verify checks each part of the setup, not only that a mount exists: a
/// writable mount, missing CA variables, a missing top-level secret and a
/// guard line removed from a Dockerfile are each named.
#[tokio::test]
async fn verify_names_each_part_of_the_setup_that_was_undone_by_hand() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path();
    write(root, "compose.yaml", "services:\n  web:\n    build: .\n");
    write(root, "Dockerfile", "FROM node:20\nRUN npm ci\n");
    let plan = plan(root, &ca()).expect("plan");
    let _applied = applied(&plan).await;
    let failing = |root: &Path| -> Vec<String> {
        let (checks, _) = crate::ca::verify::verify_project(root, 0).expect("verify");
        checks
            .into_iter()
            .filter(|c| !c.ok)
            .map(|c| format!("{}: {}", c.what, c.detail))
            .collect()
    };
    assert!(failing(root).is_empty(), "{:?}", failing(root));
    // By hand: the mount made writable, the variables and the top-level
    // secret deleted, the Dockerfile's guard line removed.
    let over = std::fs::read_to_string(root.join("compose.override.yaml")).expect("read");
    let doc = crate::compose::to_json(&over).expect("parses");
    assert_eq!(
        doc["services"]["web"]["volumes"][0]["read_only"], true,
        "{over}"
    );
    let tampered: String = over
        .lines()
        .filter(|l| {
            !super::super::compose::RUNTIME_VARIABLES
                .iter()
                .any(|v| l.trim_start().starts_with(&format!("{v}:")))
                && !l.trim_start().starts_with("environment:")
        })
        .map(|l| format!("{}\n", l.replace("read_only: true", "read_only: false")))
        .collect();
    let tampered = match tampered.find("\nsecrets:") {
        Some(at) => tampered[..at + 1].to_owned(),
        None => tampered,
    };
    std::fs::write(root.join("compose.override.yaml"), &tampered).expect("write");
    let df = std::fs::read_to_string(root.join("Dockerfile")).expect("read");
    let unguarded: String = df
        .lines()
        .filter(|l| !l.contains("if [ -s /run/secrets/ca-bundle ]"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(root.join("Dockerfile"), unguarded).expect("write");
    let failed = failing(root).join("\n");
    for want in [
        "web (a read-only mount, the CA variables)",
        "the top-level `secrets.ca-bundle`",
        "have the secret but do not point their tools at it",
    ] {
        assert!(
            failed.contains(want),
            "{want} not in:\n{failed}\n---\n{tampered}"
        );
    }
}
