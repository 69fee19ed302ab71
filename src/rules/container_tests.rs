//! Container rules on recorded inspect JSON.
use super::*;
use crate::rules::{builtin, testdata};

fn rules_hit(name: &str) -> Vec<(String, Severity, String)> {
    let c = testdata::container(name);
    builtin()
        .expect("catalogue")
        .evaluate_container(&c, None)
        .into_iter()
        .map(|f| (f.rule, f.severity, f.location))
        .collect()
}

fn has(hits: &[(String, Severity, String)], rule: &str, sev: Severity) -> bool {
    hits.iter().any(|(r, s, _)| r == rule && *s == sev)
}

#[test]
fn privileged_container() {
    let h = rules_hit("privileged");
    assert!(has(&h, "container.privileged", Severity::Critical), "{h:?}");
    // Privileged already implies every capability: no noise about dropping.
    assert!(!h
        .iter()
        .any(|(r, ..)| r == "container.capabilities-not-dropped"));
}

#[test]
fn docker_socket_even_read_only() {
    let h = rules_hit("socket-ro");
    assert!(
        has(&h, "container.docker-socket", Severity::Critical),
        "{h:?}"
    );
    assert!(!h
        .iter()
        .any(|(r, ..)| r == "container.sensitive-mount" || r == "container.writable-bind-mount"));
}

#[test]
fn sensitive_mounts_rank_by_writability() {
    let h = rules_hit("mounts");
    assert!(
        has(&h, "container.sensitive-mount", Severity::Critical),
        "{h:?}"
    );
    assert!(
        has(&h, "container.sensitive-mount", Severity::High),
        "{h:?}"
    );
    assert!(
        has(&h, "container.writable-bind-mount", Severity::Low),
        "{h:?}"
    );
    let writable_binds = h
        .iter()
        .filter(|(r, ..)| r == "container.writable-bind-mount")
        .count();
    assert_eq!(writable_binds, 1, "only the project folder: {h:?}");
}

#[test]
fn capabilities_namespaces_and_security_opts() {
    let h = rules_hit("caps");
    assert!(
        has(&h, "container.added-capabilities", Severity::High),
        "{h:?}"
    );
    assert!(
        has(&h, "container.added-capabilities", Severity::Medium),
        "{h:?}"
    );
    assert!(has(&h, "container.host-namespace", Severity::High), "{h:?}");
    assert!(
        has(&h, "container.seccomp-unconfined", Severity::High),
        "{h:?}"
    );
    assert!(
        has(&h, "container.apparmor-unconfined", Severity::Medium),
        "{h:?}"
    );
    assert_eq!(
        h.iter()
            .filter(|(r, ..)| r == "container.host-namespace")
            .count(),
        2
    );
}

#[test]
fn env_ports_devices() {
    let h = rules_hit("exposed");
    let env: Vec<_> = h
        .iter()
        .filter(|(r, ..)| r == "container.env-secret")
        .collect();
    assert_eq!(env.len(), 2, "{h:?}");
    assert!(has(&h, "container.public-port", Severity::Medium), "{h:?}");
    assert_eq!(
        h.iter()
            .filter(|(r, ..)| r == "container.public-port")
            .count(),
        1,
        "loopback port is fine"
    );
    assert!(has(&h, "container.devices", Severity::Medium), "{h:?}");
    let c = testdata::container("exposed");
    let all = builtin().expect("catalogue").evaluate_container(&c, None);
    for f in &all {
        for e in &c.env {
            if e.value.len() > 8 && f.rule == "container.env-secret" {
                assert!(!f.evidence.contains(&e.value), "evidence leaks {}", e.name);
            }
        }
    }
}

#[test]
fn hardened_container_has_nothing_above_low() {
    let h = rules_hit("hardened");
    assert!(h.is_empty(), "{h:?}");
}

#[test]
fn default_container_gets_the_baseline_advice() {
    let h = rules_hit("default");
    let rules: Vec<&str> = h.iter().map(|(r, ..)| r.as_str()).collect();
    for r in [
        "container.root-user",
        "container.capabilities-not-dropped",
        "container.no-new-privileges-missing",
        "container.writable-rootfs",
        "container.no-resource-limits",
    ] {
        assert!(rules.contains(&r), "{r} missing from {rules:?}");
    }
    assert!(h.iter().all(|(_, s, _)| *s <= Severity::Medium));
}

#[test]
fn engine_socket_paths() {
    assert!(is_engine_socket("/var/run/docker.sock"));
    assert!(is_engine_socket("/run/user/1000/podman/podman.sock"));
    assert!(is_engine_socket("/var/run"));
    assert!(is_engine_socket("/Users/me/.docker/run"));
    assert!(!is_engine_socket("/var/run/app"));
    assert!(!is_engine_socket("/home/me/docker.socket.txt"));
}

#[test]
fn root_user_forms() {
    assert!(is_root_user(""));
    assert!(is_root_user("0:0"));
    assert!(is_root_user("root"));
    assert!(!is_root_user("1000"));
    assert!(!is_root_user("app:app"));
}

fn with_mounts(mounts: Vec<crate::facts::MountFact>) -> Vec<crate::Finding> {
    let mut c = testdata::container("default");
    c.mounts = mounts;
    builtin().expect("catalogue").evaluate_container(&c, None)
}

fn mount(kind: MountKind, source: &str, dest: &str, writable: bool) -> crate::facts::MountFact {
    crate::facts::MountFact {
        kind,
        source: source.into(),
        destination: dest.into(),
        writable,
        volume: None,
        bind_device: None,
        propagation: String::new(),
    }
}

#[test]
fn a_single_credential_file_from_a_home_folder_is_a_sensitive_mount() {
    for file in [
        ".npmrc",
        ".netrc",
        ".git-credentials",
        ".config/gh/hosts.yml",
        ".docker/config.json",
        ".kube/config",
    ] {
        let found = with_mounts(vec![mount(
            MountKind::Bind,
            &format!("/home/dev/{file}"),
            "/root/creds",
            false,
        )]);
        assert!(
            found
                .iter()
                .any(|f| f.rule == "container.sensitive-mount" && f.severity >= Severity::High),
            "{file}: {found:?}"
        );
    }
    assert!(with_mounts(vec![mount(
        MountKind::Bind,
        "/Users/dev/Library/Keychains/login.keychain-db",
        "/k",
        false
    )])
    .iter()
    .any(|f| f.rule == "container.sensitive-mount" && f.severity == Severity::High));
}

#[test]
fn a_volume_whose_driver_binds_a_host_folder_is_judged_by_that_folder() {
    let mut ssh = mount(
        MountKind::Volume,
        "/var/lib/docker/volumes/keys/_data",
        "/keys",
        true,
    );
    ssh.volume = Some("keys".into());
    ssh.bind_device = Some("/home/dev/.ssh".into());
    let found = with_mounts(vec![ssh.clone()]);
    let f = found
        .iter()
        .find(|f| f.rule == "container.sensitive-mount")
        .expect("sensitive");
    assert_eq!(f.severity, Severity::Critical);
    assert!(
        f.evidence.contains("volume keys (binds /home/dev/.ssh)"),
        "{}",
        f.evidence
    );
    // A plain named volume exposes nothing of the host.
    ssh.bind_device = None;
    assert!(!with_mounts(vec![ssh])
        .iter()
        .any(|f| f.rule.starts_with("container.sensitive")
            || f.rule == "container.writable-bind-mount"));
    let mut sock = mount(MountKind::Volume, "", "/sock", false);
    sock.volume = Some("engine".into());
    sock.bind_device = Some("/var/run".into());
    assert!(with_mounts(vec![sock])
        .iter()
        .any(|f| f.rule == "container.docker-socket"));
}

#[test]
fn disabled_labels_unmasked_paths_and_shared_propagation() {
    let mut c = testdata::container("default");
    c.security_opt = vec!["label=disable".into(), "systempaths=unconfined".into()];
    let mut shared = mount(MountKind::Bind, "/mnt", "/mnt", false);
    shared.propagation = "rshared".into();
    let mut private = mount(MountKind::Bind, "/srv", "/srv", false);
    private.propagation = "rprivate".into();
    c.mounts = vec![shared, private];
    let f = builtin().expect("catalogue").evaluate_container(&c, None);
    let of = |rule: &str| {
        f.iter()
            .filter(|x| x.rule == rule)
            .map(|x| x.evidence.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(of("container.confinement-disabled").len(), 2, "{f:?}");
    assert_eq!(of("container.mount-propagation"), ["/mnt → /mnt (rshared)"]);
    let quiet = builtin()
        .expect("catalogue")
        .evaluate_container(&testdata::container("default"), None);
    assert!(!quiet
        .iter()
        .any(|x| x.rule == "container.confinement-disabled"
            || x.rule == "container.mount-propagation"));
}
