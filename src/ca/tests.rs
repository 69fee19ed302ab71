//! Certificates only, and detection on a folder that stands for `/`.

use std::path::Path;

use super::certificate::{self, pem_encode};
use super::detect::{detect, DetectEnv};
use super::CaError;
use crate::host::settings::Os;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/certs");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(FIXTURES).join(name)).expect("fixture")
}

fn put(root: &Path, rel: &str, bytes: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, bytes).expect("write");
}

fn env(root: &Path, vars: &[(&str, &str)]) -> DetectEnv {
    DetectEnv {
        os: Os::Linux,
        vars: vars
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect(),
        prefix: Some(root.to_path_buf()),
        run_commands: false,
        now_unix: 1_795_000_000,
    }
}

#[test]
fn any_key_in_any_form_is_refused_whole() {
    let cert = fixture("netskope-ca.pem");
    let pkcs8 = b"-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";
    let mut combined = cert.clone();
    combined.extend_from_slice(pkcs8);
    for (name, bytes) in [
        ("combined.pem", combined.clone()),
        (
            "rsa.pem",
            b"-----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY-----\n".to_vec(),
        ),
        ("ec.pem", b"-----BEGIN EC PRIVATE KEY-----\nx\n".to_vec()),
        (
            "enc.pem",
            b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nx\n".to_vec(),
        ),
        ("ssh", b"-----BEGIN OPENSSH PRIVATE KEY-----\nx\n".to_vec()),
        (
            "pgp.asc",
            b"-----BEGIN PGP PRIVATE KEY BLOCK-----\nx\n".to_vec(),
        ),
        // A PKCS#12 file's first bytes: SEQUENCE, INTEGER 3.
        (
            "bundle.bin",
            vec![0x30, 0x82, 0x0a, 0x00, 0x02, 0x01, 0x03, 0x30],
        ),
    ] {
        let e = certificate::parse(&bytes, name, 0).expect_err(name);
        assert!(matches!(e, CaError::HoldsKey(_)), "{name}: {e}");
        assert!(e.to_string().contains("never a key"), "{e}");
    }
    let dir = tempfile::tempdir().expect("tmp");
    for name in ["nsusercert.p12", "x.pfx", "npaccesskey.key"] {
        put(dir.path(), name, &cert);
        assert!(
            matches!(
                certificate::read(&dir.path().join(name), 0),
                Err(CaError::HoldsKey(_))
            ),
            "{name} is not even opened"
        );
    }
}

#[test]
fn certificates_are_summarised_with_warnings() {
    let certs = certificate::parse(&fixture("netskope-ca.pem"), "ns.pem", 0).expect("parses");
    assert_eq!(certs.len(), 1);
    assert_eq!(certs[0].vendor.as_deref(), Some("Netskope"));
    assert!(certs[0].warnings.is_empty(), "{:?}", certs[0].warnings);
    assert_eq!(certs[0].file_stem(), "netskope-ca");
    let far_future = 4_000_000_000;
    let late =
        certificate::parse(&fixture("netskope-ca.pem"), "ns.pem", far_future).expect("parses");
    assert!(
        late[0].warnings[0].starts_with("expired on"),
        "{:?}",
        late[0].warnings
    );
    let leaf = certificate::parse(&fixture("leaf.pem"), "leaf.pem", 0).expect("parses");
    assert!(
        leaf[0].warnings[0].starts_with("not a CA certificate"),
        "{:?}",
        leaf[0].warnings
    );
    // DER too.
    let der = x509_parser::pem::Pem::iter_from_buffer(&fixture("corp-ca.pem"))
        .next()
        .expect("one")
        .expect("pem")
        .contents;
    assert_eq!(
        certificate::parse(&der, "corp.der", 0).expect("der").len(),
        1
    );
    assert!(matches!(
        certificate::parse(b"hello", "x", 0),
        Err(CaError::NoCertificate(_))
    ));
}

#[test]
fn a_system_bundle_with_one_corporate_ca_among_public_roots_yields_that_one() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut bundle = String::new();
    for der in webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().take(40) {
        bundle.push_str(&pem_encode(der.as_ref()));
    }
    bundle.push_str(&String::from_utf8(fixture("corp-ca.pem")).expect("utf8"));
    put(
        dir.path(),
        "etc/ssl/certs/ca-certificates.crt",
        bundle.as_bytes(),
    );
    let found = detect(&env(dir.path(), &[]));
    assert_eq!(found.candidates.len(), 1, "{:?}", found.candidates);
    assert_eq!(found.candidates[0].public_roots, 40);
    let choice = found.choice.expect("unambiguous");
    assert!(
        choice.subject.contains("Acme Internal Root CA"),
        "{}",
        choice.subject
    );
}

#[test]
fn variables_come_first_keys_are_reported_and_the_vendor_root_is_chosen() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path();
    put(root, "home/me/corp.pem", &fixture("corp-ca.pem"));
    let mut with_key = fixture("corp-ca.pem");
    with_key.extend_from_slice(b"-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n");
    put(root, "home/me/combined.pem", &with_key);
    put(
        root,
        "opt/netskope/stagent/data/nscacert.pem",
        &fixture("netskope-ca.pem"),
    );
    // The agent's key beside it is never read.
    put(
        root,
        "opt/netskope/stagent/data/npaccesskey.pem",
        b"-----BEGIN RSA PRIVATE KEY-----\n",
    );
    let found = detect(&env(
        root,
        &[
            ("NODE_EXTRA_CA_CERTS", "/home/me/corp.pem"),
            ("SSL_CERT_FILE", "/home/me/combined.pem"),
        ],
    ));
    let sources: Vec<&str> = found.candidates.iter().map(|c| c.source.as_str()).collect();
    assert_eq!(
        sources,
        ["NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "Netskope"]
    );
    assert!(found.candidates[1]
        .problem
        .as_deref()
        .is_some_and(|p| p.contains("private key")));
    assert!(found.candidates.iter().all(|c| !c
        .path
        .as_deref()
        .unwrap_or("")
        .contains("npaccesskey")));
    assert_eq!(found.offered.len(), 2);
    assert_eq!(
        found.offered[0].vendor.as_deref(),
        Some("Netskope"),
        "vendor's first"
    );
    let choice = found.choice.expect("one vendor root");
    assert!(choice.subject.contains("goskope"), "{}", choice.subject);
}

/// A file the user picks (`--cert`, "Use this file") that is a whole
/// distribution bundle plus the corporate CA and a server certificate
/// yields the corporate CA alone, the vendor's first when there are two.
#[test]
fn a_chosen_bundle_file_yields_only_its_corporate_cas_vendor_first() {
    let Ok(dir) = std::fs::read_dir("/usr/share/ca-certificates/mozilla") else {
        return; // not a Debian machine
    };
    let mut bundle = Vec::new();
    for e in dir.flatten() {
        bundle.extend(std::fs::read(e.path()).expect("read"));
    }
    bundle.extend(fixture("corp-ca.pem"));
    bundle.extend(fixture("leaf.pem"));
    let all = certificate::parse(&bundle, "bundle.pem", 0).expect("parses");
    assert!(all.len() > 100);
    let chosen = certificate::corporate(all, "bundle.pem").expect("one");
    assert_eq!(
        chosen.len(),
        1,
        "{:?}",
        chosen.iter().map(|c| &c.subject).collect::<Vec<_>>()
    );
    assert!(chosen[0].subject.contains("Acme Internal Root CA"));
    bundle.extend(fixture("netskope-ca.pem"));
    let two = certificate::corporate(
        certificate::parse(&bundle, "bundle.pem", 0).expect("parses"),
        "bundle.pem",
    )
    .expect("two");
    assert_eq!(two.len(), 2);
    assert_eq!(two[0].vendor.as_deref(), Some("Netskope"));
    let public_only =
        std::fs::read("/usr/share/ca-certificates/mozilla/GLOBALTRUST_2020.crt").expect("read");
    assert!(matches!(
        certificate::corporate(
            certificate::parse(&public_only, "g.pem", 0).expect("parses"),
            "g.pem"
        ),
        Err(CaError::OnlyPublic(_))
    ));
}
