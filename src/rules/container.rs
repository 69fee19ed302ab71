//! Container checks: one function per `container.*` rule.

use super::Catalogue;
use crate::facts::{ContainerFacts, ImageFacts, MountKind};
use crate::finding::Hit;
use crate::finding::Severity;

/// A container check: facts in, hits out.
pub type ContainerCheck = fn(&ContainerFacts, Option<&ImageFacts>, &Catalogue) -> Vec<Hit>;

/// Every container check, keyed by its rule id.
pub const CHECKS: &[(&str, ContainerCheck)] = &[
    ("container.privileged", privileged),
    ("container.docker-socket", docker_socket),
    ("container.sensitive-mount", sensitive_mount),
    ("container.writable-bind-mount", writable_bind_mount),
    ("container.root-user", root_user),
    ("container.added-capabilities", added_capabilities),
    (
        "container.capabilities-not-dropped",
        capabilities_not_dropped,
    ),
    ("container.host-namespace", host_namespace),
    ("container.seccomp-unconfined", seccomp_unconfined),
    ("container.apparmor-unconfined", apparmor_unconfined),
    ("container.confinement-disabled", confinement_disabled),
    ("container.mount-propagation", mount_propagation),
    (
        "container.no-new-privileges-missing",
        no_new_privileges_missing,
    ),
    ("container.writable-rootfs", writable_rootfs),
    ("container.env-secret", env_secret),
    ("container.public-port", public_port),
    ("container.devices", devices),
    ("container.no-resource-limits", no_resource_limits),
];

fn privileged(c: &ContainerFacts, _: Option<&ImageFacts>, _: &Catalogue) -> Vec<Hit> {
    if !c.privileged {
        return vec![];
    }
    vec![Hit::new(
        "container.privileged",
        "HostConfig.Privileged",
        "Privileged: true",
    )]
}

/// Socket file names of container engines. Any of them gives full control.
const SOCKET_NAMES: &[&str] = &[
    "docker.sock",
    "podman.sock",
    "containerd.sock",
    "cri-dockerd.sock",
    "dockershim.sock",
    "buildkitd.sock",
];

/// Folders that hold an engine socket: mounting them mounts the socket.
const SOCKET_DIRS: &[&str] = &[
    "/var/run",
    "/run",
    "/var/run/docker",
    "/run/docker",
    "/run/containerd",
    "/run/podman",
    "/var/run/containerd",
];

/// Whether a host path is, or is a folder holding, a container engine socket.
pub fn is_engine_socket(source: &str) -> bool {
    let comps = super::paths::components(source);
    let joined = format!("/{}", comps.join("/"));
    comps
        .last()
        .is_some_and(|name| SOCKET_NAMES.iter().any(|s| name.eq_ignore_ascii_case(s)))
        || SOCKET_DIRS.contains(&joined.as_str())
        || joined.ends_with("/.docker/run")
        || joined.ends_with("/.docker/desktop")
}

fn mount_evidence(source: &str, destination: &str, writable: bool) -> String {
    format!(
        "{source} → {destination} ({})",
        if writable { "rw" } else { "ro" }
    )
}

/// A mount's host side as shown: the path, or the volume and the folder
/// its driver binds.
fn host_side(m: &crate::facts::MountFact, path: &str) -> String {
    match (&m.kind, &m.volume) {
        (MountKind::Volume, Some(name)) => format!("volume {name} (binds {path})"),
        _ => path.to_string(),
    }
}

fn docker_socket(c: &ContainerFacts, _: Option<&ImageFacts>, _: &Catalogue) -> Vec<Hit> {
    c.mounts
        .iter()
        .filter_map(|m| Some((m, m.host_path()?)))
        .filter(|(_, path)| is_engine_socket(path))
        .map(|(m, path)| {
            Hit::new(
                "container.docker-socket",
                format!("mount:{}", m.destination),
                mount_evidence(&host_side(m, path), &m.destination, m.writable),
            )
        })
        .collect()
}

fn sensitive_mount(c: &ContainerFacts, _: Option<&ImageFacts>, cat: &Catalogue) -> Vec<Hit> {
    c.mounts
        .iter()
        .filter_map(|m| Some((m, m.host_path()?)))
        .filter(|(_, path)| !is_engine_socket(path))
        .filter_map(|(m, path)| {
            let found = cat.sensitive_paths.check(path, m.writable)?;
            Some(
                Hit::new(
                    "container.sensitive-mount",
                    format!("mount:{}", m.destination),
                    format!(
                        "{}: {}",
                        mount_evidence(&host_side(m, path), &m.destination, m.writable),
                        found.describe()
                    ),
                )
                .severity(found.severity),
            )
        })
        .collect()
}

fn writable_bind_mount(c: &ContainerFacts, _: Option<&ImageFacts>, cat: &Catalogue) -> Vec<Hit> {
    // Sensitive and socket mounts already have their own, stronger finding.
    c.mounts
        .iter()
        .filter_map(|m| Some((m, m.host_path()?)))
        .filter(|(m, path)| {
            m.writable && !is_engine_socket(path) && cat.sensitive_paths.check(path, true).is_none()
        })
        .map(|(m, path)| {
            Hit::new(
                "container.writable-bind-mount",
                format!("mount:{}", m.destination),
                mount_evidence(&host_side(m, path), &m.destination, true),
            )
        })
        .collect()
}

/// Whether a `USER` value means root.
pub fn is_root_user(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or("").trim();
    name.is_empty() || name == "root" || name == "0"
}

fn root_user(c: &ContainerFacts, _: Option<&ImageFacts>, _: &Catalogue) -> Vec<Hit> {
    // Config.User already holds the image's USER unless the container overrode it.
    if !is_root_user(&c.user) {
        return vec![];
    }
    let shown = if c.user.is_empty() {
        "(none)"
    } else {
        c.user.as_str()
    };
    vec![Hit::new(
        "container.root-user",
        "Config.User",
        format!("User: {shown}"),
    )]
}

/// Capabilities that are known escape or host-snooping paths.
const DANGEROUS_CAPS: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "SYS_MODULE",
    "SYS_PTRACE",
    "DAC_READ_SEARCH",
    "NET_ADMIN",
    "SYS_RAWIO",
    "BPF",
    "PERFMON",
    "SYS_BOOT",
    "MAC_ADMIN",
];

fn added_capabilities(c: &ContainerFacts, _: Option<&ImageFacts>, _: &Catalogue) -> Vec<Hit> {
    if c.privileged {
        return vec![];
    }
    c.cap_add
        .iter()
        .map(|cap| {
            let sev = if DANGEROUS_CAPS.contains(&cap.as_str()) {
                Severity::High
            } else {
                Severity::Medium
            };
            Hit::new(
                "container.added-capabilities",
                format!("cap_add:{cap}"),
                format!("--cap-add {cap}"),
            )
            .severity(sev)
        })
        .collect()
}

fn capabilities_not_dropped(c: &ContainerFacts, _: Option<&ImageFacts>, _: &Catalogue) -> Vec<Hit> {
    if c.privileged || c.cap_drop.iter().any(|d| d == "ALL") {
        return vec![];
    }
    let dropped = if c.cap_drop.is_empty() {
        "none".to_string()
    } else {
        c.cap_drop.join(", ")
    };
    vec![Hit::new(
        "container.capabilities-not-dropped",
        "HostConfig.CapDrop",
        format!("CapDrop: {dropped}"),
    )]
}

fn host_namespace(c: &ContainerFacts, _: Option<&ImageFacts>, _: &Catalogue) -> Vec<Hit> {
    [
        (
            "network",
            "HostConfig.NetworkMode",
            &c.network_mode,
            Severity::High,
        ),
        ("pid", "HostConfig.PidMode", &c.pid_mode, Severity::High),
        ("ipc", "HostConfig.IpcMode", &c.ipc_mode, Severity::Medium),
        ("uts", "HostConfig.UTSMode", &c.uts_mode, Severity::Low),
        (
            "userns",
            "HostConfig.UsernsMode",
            &c.userns_mode,
            Severity::Medium,
        ),
    ]
    .into_iter()
    .filter(|(_, _, mode, _)| mode.eq_ignore_ascii_case("host"))
    .map(|(ns, field, _, sev)| {
        Hit::new(
            "container.host-namespace",
            field,
            format!("{ns} namespace: host"),
        )
        .severity(sev)
    })
    .collect()
}

/// Value of a `--security-opt key=value` (or the old `key:value`) entry.
fn security_opt<'a>(c: &'a ContainerFacts, key: &str) -> Option<&'a str> {
    c.security_opt.iter().find_map(|o| {
        let (k, v) = o.split_once(['=', ':']).unwrap_or((o.as_str(), ""));
        k.eq_ignore_ascii_case(key).then_some(v)
    })
}

fn seccomp_unconfined(c: &ContainerFacts, _: Option<&ImageFacts>, _: &Catalogue) -> Vec<Hit> {
    // Privileged containers run without seccomp too; that finding covers it.
    match security_opt(c, "seccomp") {
        Some(v) if v.eq_ignore_ascii_case("unconfined") => vec![Hit::new(
            "container.seccomp-unconfined",
            "HostConfig.SecurityOpt",
            "seccomp=unconfined",
        )],
        _ => vec![],
    }
}

fn apparmor_unconfined(c: &ContainerFacts, _: Option<&ImageFacts>, _: &Catalogue) -> Vec<Hit> {
    let opt = security_opt(c, "apparmor").is_some_and(|v| v.eq_ignore_ascii_case("unconfined"));
    if opt || c.apparmor_profile.eq_ignore_ascii_case("unconfined") {
        return vec![Hit::new(
            "container.apparmor-unconfined",
            "HostConfig.SecurityOpt",
            "apparmor=unconfined",
        )];
    }
    vec![]
}

/// SELinux labels off (`label=disable`) or the kernel paths Docker masks
/// unmasked (`systempaths=unconfined`).
fn confinement_disabled(c: &ContainerFacts, _: Option<&ImageFacts>, _: &Catalogue) -> Vec<Hit> {
    let mut out = Vec::new();
    if security_opt(c, "label").is_some_and(|v| v.eq_ignore_ascii_case("disable")) {
        out.push(Hit::new(
            "container.confinement-disabled",
            "HostConfig.SecurityOpt:label",
            "label=disable (SELinux separation off)",
        ));
    }
    if security_opt(c, "systempaths").is_some_and(|v| v.eq_ignore_ascii_case("unconfined")) {
        out.push(Hit::new(
            "container.confinement-disabled",
            "HostConfig.SecurityOpt:systempaths",
            "systempaths=unconfined (/proc and /sys paths unmasked)",
        ));
    }
    out
}

/// Bind mounts whose propagation is shared: mounts made inside appear on
/// the host (and the reverse).
fn mount_propagation(c: &ContainerFacts, _: Option<&ImageFacts>, _: &Catalogue) -> Vec<Hit> {
    c.mounts
        .iter()
        .filter(|m| matches!(m.propagation.as_str(), "shared" | "rshared"))
        .map(|m| {
            Hit::new(
                "container.mount-propagation",
                format!("mount:{}", m.destination),
                format!("{} → {} ({})", m.source, m.destination, m.propagation),
            )
        })
        .collect()
}

fn no_new_privileges_missing(
    c: &ContainerFacts,
    _: Option<&ImageFacts>,
    _: &Catalogue,
) -> Vec<Hit> {
    let set = c.security_opt.iter().any(|o| {
        let (k, v) = o.split_once(['=', ':']).unwrap_or((o.as_str(), "true"));
        k.eq_ignore_ascii_case("no-new-privileges") && !v.eq_ignore_ascii_case("false")
    });
    if set {
        return vec![];
    }
    vec![Hit::new(
        "container.no-new-privileges-missing",
        "HostConfig.SecurityOpt",
        "no-new-privileges not set",
    )]
}

fn writable_rootfs(c: &ContainerFacts, _: Option<&ImageFacts>, _: &Catalogue) -> Vec<Hit> {
    if c.readonly_rootfs {
        return vec![];
    }
    vec![Hit::new(
        "container.writable-rootfs",
        "HostConfig.ReadonlyRootfs",
        "ReadonlyRootfs: false",
    )]
}

fn env_secret(c: &ContainerFacts, image: Option<&ImageFacts>, _: &Catalogue) -> Vec<Hit> {
    let Ok(scanner) = crate::secrets::builtin() else {
        return vec![];
    };
    c.env
        .iter()
        // Values inherited unchanged from the image are the image's finding.
        .filter(|e| !image.is_some_and(|img| img.env.contains(e)))
        .filter_map(|e| {
            let m = scanner.classify_env(&e.name, &e.value)?;
            Some(Hit {
                rule: "container.env-secret",
                severity: Some(m.severity.max(Severity::High)),
                location: format!("env:{}", e.name),
                evidence: format!("{}={} — {}", e.name, m.redacted, m.title),
                secret_digest: Some(m.digest),
                heuristic: false,
                fix: None,
            })
        })
        .collect()
}

fn public_port(c: &ContainerFacts, _: Option<&ImageFacts>, _: &Catalogue) -> Vec<Hit> {
    c.ports
        .iter()
        .filter(|p| matches!(p.host_ip.as_str(), "" | "0.0.0.0" | "::" | "[::]"))
        .map(|p| {
            let ip = if p.host_ip.is_empty() {
                "0.0.0.0"
            } else {
                &p.host_ip
            };
            Hit::new(
                "container.public-port",
                format!("port:{}", p.container_port),
                format!("{ip}:{} → {}", p.host_port, p.container_port),
            )
            .fix(format!(
                "Bind to loopback: `-p 127.0.0.1:{host}:{c}` (compose: `ports: [\"127.0.0.1:{host}:{c}\"]`), unless other machines must reach it.",
                host = p.host_port,
                c = p.container_port
            ))
        })
        .collect()
}

fn devices(c: &ContainerFacts, _: Option<&ImageFacts>, _: &Catalogue) -> Vec<Hit> {
    c.devices
        .iter()
        .map(|d| {
            let p = d.host_path.as_str();
            let raw_hw = ["/dev/mem", "/dev/kmem", "/dev/port"].contains(&p)
                || [
                    "/dev/sd",
                    "/dev/nvme",
                    "/dev/vd",
                    "/dev/xvd",
                    "/dev/hd",
                    "/dev/dm-",
                    "/dev/mapper/",
                    "/dev/disk/",
                ]
                .iter()
                .any(|prefix| p.starts_with(prefix));
            let sev = if raw_hw {
                Severity::High
            } else {
                Severity::Medium
            };
            Hit::new(
                "container.devices",
                format!("device:{}", d.container_path),
                format!("{} → {} ({})", d.host_path, d.container_path, d.permissions),
            )
            .severity(sev)
        })
        .collect()
}

fn no_resource_limits(c: &ContainerFacts, _: Option<&ImageFacts>, _: &Catalogue) -> Vec<Hit> {
    let mut missing = Vec::new();
    if c.memory <= 0 {
        missing.push("memory");
    }
    if c.pids_limit.is_none_or(|p| p <= 0) {
        missing.push("pids");
    }
    if missing.is_empty() {
        return vec![];
    }
    vec![Hit::new(
        "container.no-resource-limits",
        "HostConfig.Memory",
        format!("no {} limit", missing.join(" or ")),
    )]
}

#[cfg(test)]
#[path = "container_tests.rs"]
mod tests;
