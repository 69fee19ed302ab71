//! The host check on the settings fixtures (tests/fixtures/desktop), a temp
//! tree that mimics a TLS-inspection agent's data folder, and the environment.

use std::path::{Path, PathBuf};

use super::settings::{read, HostEnv, Os};
use super::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/desktop")
        .join(name)
}

fn env(os: Os, home: &Path) -> HostEnv {
    HostEnv {
        os,
        home: home.to_path_buf(),
        appdata: None,
        programdata: Some(home.join("ProgramData")),
        tmp: None,
        docker_host: None,
        docker_tls_verify: false,
        desktop_settings: None,
    }
}

fn catalogue() -> &'static Catalogue {
    crate::rules::builtin().expect("catalogue")
}

fn rules_of(found: &[Finding]) -> Vec<(String, Severity, String)> {
    found
        .iter()
        .map(|f| (f.rule.clone(), f.severity, f.location.clone()))
        .collect()
}

#[test]
fn macos_settings_store_with_sensitive_additions() {
    let home = Path::new("/Users/dev");
    let e = env(Os::Macos, home);
    let s = read(&e, Some(&fixture("macos-settings-store.json"))).expect("read");
    let shares = judge_shares(catalogue(), &s);
    let sev = |p: &str| {
        shares
            .iter()
            .find(|sh| sh.path == p)
            .unwrap_or_else(|| panic!("{p} listed"))
            .severity
    };
    assert_eq!(
        sev("/Library/Application Support/Netskope/STAgent/data"),
        Some(Severity::Critical),
        "an agent's private keys"
    );
    assert_eq!(
        sev("/Users/dev/.ssh"),
        Some(Severity::Critical),
        "$HOME/.ssh expanded"
    );
    // Explicitly listed /Users contains every home with its key folders.
    assert_eq!(sev("/Users"), Some(Severity::Medium));
    assert_eq!(sev("/Volumes"), None);
    let found = evaluate(catalogue(), &e, Some(&s), &shares, &[]);
    let rules: Vec<&str> = found.iter().map(|f| f.rule.as_str()).collect();
    for r in [
        "host.file-sharing-sensitive",
        "host.daemon-tcp-insecure",
        "host.eci-disabled",
        "host.host-networking",
        "host.extensions-unrestricted",
    ] {
        assert!(rules.contains(&r), "{r}: {:?}", rules_of(&found));
    }
    let netskope = found
        .iter()
        .find(|f| f.location.contains("Netskope"))
        .expect("netskope finding");
    assert!(
        netskope.evidence.contains("npaccesskey.pem"),
        "{}",
        netskope.evidence
    );
}

#[test]
fn defaults_are_low_with_advice_to_narrow() {
    let e = env(Os::Macos, Path::new("/Users/dev"));
    let s = read(&e, Some(&fixture("macos-settings-defaults.json"))).expect("read");
    assert!(s.default_sharing);
    let shares = judge_shares(catalogue(), &s);
    let users = shares
        .iter()
        .find(|sh| sh.path == "/Users")
        .expect("/Users");
    assert_eq!(users.severity, Some(Severity::Low));
    let found = evaluate(catalogue(), &e, Some(&s), &shares, &[]);
    let f = found
        .iter()
        .find(|f| f.location == "file-sharing:/Users")
        .expect("finding");
    assert_eq!(
        (f.rule.as_str(), f.severity),
        ("host.file-sharing-defaults", Severity::Low)
    );
    assert!(f.fix.contains("File sharing"));
    assert!(!found.iter().any(|f| f.rule == "host.daemon-tcp-insecure"));
}

#[test]
fn windows_and_linux_fixtures() {
    let dir = tempfile::tempdir().expect("tmp");
    let e = env(Os::Windows, Path::new(r"C:\Users\dev"));
    let s = read(&e, Some(&fixture("windows-settings-store.json"))).expect("read");
    let shares = judge_shares(catalogue(), &s);
    assert_eq!(shares[0].severity, Some(Severity::Critical), "{shares:?}");
    assert_eq!(shares[1].severity, None, "a source folder exposes nothing");
    let found = evaluate(catalogue(), &e, Some(&s), &shares, &[]);
    assert!(
        !found.iter().any(|f| f.rule == "host.eci-disabled"),
        "ECI on"
    );

    // Linux: $HOME shared; a home holds key folders: medium.
    let e = env(Os::Linux, Path::new("/home/dev"));
    let s = read(&e, Some(&fixture("linux-settings.json"))).expect("read");
    assert_eq!(s.file_sharing, ["/home/dev"]);
    let shares = judge_shares(catalogue(), &s);
    assert_eq!(shares[0].severity, Some(Severity::Medium));
    drop(dir);
}

#[test]
fn admin_settings_lock_values() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut e = env(Os::Windows, dir.path());
    e.programdata = Some(dir.path().join("PD"));
    let (_, admin) = settings::locations(&e);
    std::fs::create_dir_all(admin.parent().expect("dir")).expect("mkdir");
    std::fs::copy(fixture("admin-settings.json"), &admin).expect("copy");
    let s = read(&e, Some(&fixture("macos-settings-store.json"))).expect("read");
    assert_eq!(s.enhanced_container_isolation, Some(true));
    assert_eq!(s.expose_tcp_2375, Some(false), "locked off by the admin");
    let found = evaluate(catalogue(), &e, Some(&s), &[], &[]);
    assert!(!found
        .iter()
        .any(|f| f.rule == "host.daemon-tcp-insecure" || f.rule == "host.eci-disabled"));
}

#[test]
fn a_shared_agent_data_folder_lists_its_keys_not_its_ca() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("Netskope/STAgent/data");
    std::fs::create_dir_all(&data).expect("mkdir");
    std::fs::write(
        data.join("npaccesskey.pem"),
        "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",
    )
    .expect("w");
    std::fs::write(data.join("nsusercert.p12"), [0x30u8, 0x82]).expect("w");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/certs/netskope-ca.pem"),
        data.join("nscacert.pem"),
    )
    .expect("ca");
    let settings_file = dir.path().join("settings-store.json");
    std::fs::write(
        &settings_file,
        serde_json::json!({ "FilesharingDirectories": [data.display().to_string(), dir.path().join("empty").display().to_string()] }).to_string(),
    )
    .expect("w");
    std::fs::create_dir_all(dir.path().join("empty")).expect("mkdir");
    let e = env(Os::Linux, Path::new("/home/dev"));
    let s = read(&e, Some(&settings_file)).expect("read");
    let shares = judge_shares(catalogue(), &s);
    assert!(shares[0].exists);
    let names: Vec<String> = shares[0]
        .files
        .iter()
        .map(|f| {
            Path::new(&f.path)
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(
        names,
        ["npaccesskey.pem", "nsusercert.p12"],
        "the CA certificate is not a secret"
    );
    assert_eq!(
        shares[0].severity,
        Some(Severity::High),
        "keys inside: at least high"
    );
    assert_eq!(shares[1].severity, None);
    let found = evaluate(catalogue(), &e, Some(&s), &shares, &[]);
    assert_eq!(
        found.len(),
        1 + 1,
        "the share and ECI (unset): {:?}",
        rules_of(&found)
    );
    // Nothing of the key's content is in the finding.
    assert!(!found.iter().any(|f| f.evidence.contains("MIIE")));
}

#[test]
fn unreadable_settings_are_a_finding_and_the_rest_goes_on() {
    let dir = tempfile::tempdir().expect("tmp");
    let bad = dir.path().join("settings-store.json");
    std::fs::write(&bad, "{\"FilesharingDirectories\": [").expect("w");
    let e = env(Os::Linux, dir.path());
    let s = read(&e, Some(&bad)).expect("a file exists");
    assert_eq!(s.warnings.len(), 1);
    assert!(s.default_sharing);
    let found = evaluate(
        catalogue(),
        &e,
        Some(&s),
        &judge_shares(catalogue(), &s),
        &[],
    );
    let f = found
        .iter()
        .find(|f| f.rule == "host.settings-unreadable")
        .expect("warning finding");
    assert!(f.evidence.contains("settings-store.json"));
}

#[test]
fn docker_host_over_plain_tcp() {
    let mut e = env(Os::Linux, Path::new("/home/dev"));
    e.docker_host = Some("tcp://192.0.2.10:2375".into());
    let found = evaluate(catalogue(), &e, None, &[], &[]);
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].rule.as_str(), found[0].severity),
        ("host.daemon-tcp-insecure", Severity::Critical)
    );
    e.docker_tls_verify = true;
    assert!(evaluate(catalogue(), &e, None, &[], &[]).is_empty());
    e.docker_tls_verify = false;
    e.docker_host = Some("unix:///var/run/docker.sock".into());
    assert!(evaluate(catalogue(), &e, None, &[], &[]).is_empty());
}

#[test]
fn debian_engine_versions_give_hedged_advisories() {
    let info = EngineInfo {
        endpoint: "unix:///var/run/docker.sock".into(),
        source: "default socket".into(),
        version: "20.10.24+dfsg1".into(),
        api_version: "1.41".into(),
        platform: "linux/amd64".into(),
        kernel: "6.1".into(),
        product: None,
        components: vec![
            "Engine 20.10.24+dfsg1".into(),
            "containerd 1.6.20~ds1".into(),
            "runc 1.1.5+ds1".into(),
            "docker-init 0.19.0".into(),
        ],
    };
    let (components, adv) = versions(&info).expect("versions");
    assert_eq!(components.len(), 4);
    assert!(components
        .iter()
        .filter(|c| c.name != "docker-init")
        .all(|c| c.distribution_build));
    assert!(adv
        .iter()
        .any(|a| a.id == "CVE-2024-21626" && a.fixed == "1.1.12"));
    assert!(adv
        .iter()
        .any(|a| a.id == "CVE-2024-41110" && a.fixed == "23.0.15"));
    let e = env(Os::Linux, Path::new("/home/dev"));
    let found = evaluate(catalogue(), &e, None, &[], &adv);
    let runc = found
        .iter()
        .find(|f| f.location == "advisory:CVE-2024-21626:runc")
        .expect("runc advisory");
    assert_eq!(
        runc.severity,
        Severity::Medium,
        "distribution build: probably, not certainly"
    );
    assert!(runc.evidence.contains("backported") && runc.evidence.contains("Upgrade to 1.1.12"));

    let desktop = EngineInfo {
        product: Some("Docker Desktop 4.44.2 (202017)".into()),
        components: vec!["Engine 28.3.2".into(), "runc 1.2.5".into()],
        ..info
    };
    let (components, adv) = versions(&desktop).expect("versions");
    assert!(components
        .iter()
        .any(|c| c.name == "Docker Desktop" && c.version == "4.44.2"));
    assert!(adv
        .iter()
        .any(|a| a.id == "CVE-2025-9074" && !a.distribution_build));
    assert!(adv
        .iter()
        .any(|a| a.id == "CVE-2025-54388" && a.fixed == "28.3.3"));
    let found = evaluate(catalogue(), &e, None, &[], &adv);
    assert!(found
        .iter()
        .any(|f| f.location == "advisory:CVE-2025-9074:docker-desktop"
            && f.severity == Severity::High));
}
