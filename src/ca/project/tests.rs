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
