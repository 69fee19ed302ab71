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
