//! Compose services judged by the container rules: each service becomes the
//! `ContainerFacts` Compose would create (privileged, mounts, capabilities,
//! namespaces, security options, ports, devices, limits, environment),
//! the same checks run as on a live container, and each hit is placed on
//! the line and column of the key it is about. Build arguments get the
//! secret rules.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use super::interpolate::{interpolate_json, Env};
use super::Located;
use crate::compose::Positions;
use crate::facts::{ContainerFacts, DeviceFact, EnvVar, MountFact, MountKind, PortFact};
use crate::finding::{Hit, Severity};
use crate::rules::Catalogue;

/// What a compose file says beyond its findings: the files it pulls in
/// (`include:`, `extends.file`) and the Dockerfiles its services build.
#[derive(Debug, Default)]
pub struct ComposeFile {
    /// Findings, placed.
    pub hits: Vec<(Hit, Located)>,
    /// Other compose files it names, relative to the project.
    pub follows: Vec<String>,
}

/// The USER each Dockerfile's final stage runs as (`None`: root), by its
/// path relative to the project.
pub type Users = HashMap<String, Option<String>>;

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| match x {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => vec![],
    }
}

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

fn truthy(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => matches!(s.to_ascii_lowercase().as_str(), "true" | "yes" | "on"),
        _ => false,
    }
}

/// `environment:` as a map or a `KEY=value` list, in file order for lists.
fn environment(v: Option<&Value>) -> Vec<(String, String, String)> {
    // (name, value, pointer suffix)
    match v {
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| (k.clone(), text(Some(v)), format!("/{k}")))
            .collect(),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .filter_map(|(i, x)| {
                let s = x.as_str()?;
                let (k, v) = s.split_once('=').unwrap_or((s, ""));
                Some((k.to_owned(), v.to_owned(), format!("/{i}")))
            })
            .collect(),
        _ => vec![],
    }
}

/// A host path as Compose resolves it: relative to the compose file's
/// folder, `~` to the home folder.
fn host_path(source: &str, dir: &Path) -> String {
    if let Some(rest) = source.strip_prefix("~/") {
        if let Some(home) = dirs::home_dir() {
            return home.join(rest).display().to_string();
        }
    }
    if source.starts_with('/') {
        return source.to_owned();
    }
    let joined = dir.join(source);
    let mut out = std::path::PathBuf::new();
    for c in joined.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out.display().to_string()
}

fn is_path(source: &str) -> bool {
    source.starts_with('/') || source.starts_with('.') || source.starts_with('~')
}

/// The mounts of `volumes:`, short and long syntax, each with its index.
fn mounts(svc: &Value, doc: &Value, dir: &Path) -> Vec<(usize, MountFact)> {
    let named = doc.get("volumes");
    let Some(Value::Array(list)) = svc.get("volumes") else {
        return vec![];
    };
    let mut out = Vec::new();
    for (i, v) in list.iter().enumerate() {
        let (source, target, read_only, kind, propagation) = match v {
            Value::String(s) => {
                let parts: Vec<&str> = s.split(':').collect();
                match parts.as_slice() {
                    [target] => (
                        String::new(),
                        (*target).to_owned(),
                        false,
                        "volume",
                        String::new(),
                    ),
                    [src, target] => (
                        (*src).to_owned(),
                        (*target).to_owned(),
                        false,
                        "",
                        String::new(),
                    ),
                    [src, target, mode, ..] => (
                        (*src).to_owned(),
                        (*target).to_owned(),
                        mode.split(',').any(|m| m == "ro"),
                        "",
                        mode.split(',')
                            .find(|m| {
                                m.ends_with("shared")
                                    || m.ends_with("slave")
                                    || m.ends_with("private")
                            })
                            .unwrap_or("")
                            .to_owned(),
                    ),
                    [] => continue,
                }
            }
            Value::Object(_) => (
                text(v.get("source")),
                text(v.get("target")),
                truthy(v.get("read_only")),
                v.get("type").and_then(Value::as_str).unwrap_or(""),
                text(v.pointer("/bind/propagation")),
            ),
            _ => continue,
        };
        let bind = kind == "bind" || (kind.is_empty() && is_path(&source));
        let mut m = MountFact {
            kind: if bind {
                MountKind::Bind
            } else if kind == "tmpfs" {
                MountKind::Tmpfs
            } else {
                MountKind::Volume
            },
            source: if bind {
                host_path(&source, dir)
            } else {
                source.clone()
            },
            destination: target,
            writable: !read_only,
            volume: (!bind && !source.is_empty()).then(|| source.clone()),
            bind_device: None,
            propagation,
        };
        // A named volume whose local driver binds a host folder.
        if let Some(opts) = m
            .volume
            .as_ref()
            .and_then(|n| named.and_then(|v| v.get(n)))
            .and_then(|v| v.get("driver_opts"))
        {
            let o = text(opts.get("o"));
            let device = text(opts.get("device"));
            if o.split(',').any(|x| x == "bind" || x == "rbind") && !device.is_empty() {
                m.bind_device = Some(host_path(&device, dir));
            }
        }
        out.push((i, m));
    }
    out
}

/// `ports:`, short (`[ip:]host:container[/proto]`, or the container port
/// alone: published on a random host port) and long syntax.
fn ports(svc: &Value) -> Vec<(usize, PortFact)> {
    let Some(Value::Array(list)) = svc.get("ports") else {
        return vec![];
    };
    list.iter()
        .enumerate()
        .map(|(i, p)| {
            let fact = match p {
                Value::Object(_) => PortFact {
                    container_port: text(p.get("target")),
                    host_ip: text(p.get("host_ip")),
                    host_port: text(p.get("published")),
                },
                other => {
                    let s = text(Some(other));
                    // IPv6 addresses come bracketed: split from the right.
                    let (rest, container) = s.rsplit_once(':').unwrap_or(("", s.as_str()));
                    let (ip, host) = match rest.rsplit_once(':') {
                        Some((ip, host)) => {
                            (ip.trim_matches(['[', ']']).to_owned(), host.to_owned())
                        }
                        None => (String::new(), rest.to_owned()),
                    };
                    PortFact {
                        container_port: container.to_owned(),
                        host_ip: ip,
                        host_port: host,
                    }
                }
            };
            (i, fact)
        })
        .collect()
}

fn caps(v: Option<&Value>) -> Vec<String> {
    strings(v)
        .into_iter()
        .map(|c| c.to_ascii_uppercase().trim_start_matches("CAP_").to_owned())
        .collect()
}

/// The facts Compose would give the container of `svc`.
fn facts(name: &str, svc: &Value, doc: &Value, dir: &Path, user: String) -> ContainerFacts {
    let limits = svc.pointer("/deploy/resources/limits");
    let memory = [svc.get("mem_limit"), limits.and_then(|l| l.get("memory"))]
        .into_iter()
        .any(|v| !text(v).is_empty() && text(v) != "0");
    let pids = [svc.get("pids_limit"), limits.and_then(|l| l.get("pids"))]
        .into_iter()
        .find_map(|v| text(v).parse::<i64>().ok());
    let security_opt = strings(svc.get("security_opt"));
    ContainerFacts {
        name: name.to_owned(),
        image: text(svc.get("image")),
        state: "defined".into(),
        user,
        env: environment(svc.get("environment"))
            .into_iter()
            .map(|(name, value, _)| EnvVar { name, value })
            .collect(),
        privileged: truthy(svc.get("privileged")),
        cap_add: caps(svc.get("cap_add")),
        cap_drop: caps(svc.get("cap_drop")),
        network_mode: text(svc.get("network_mode")),
        pid_mode: text(svc.get("pid")),
        ipc_mode: text(svc.get("ipc")),
        uts_mode: text(svc.get("uts")),
        userns_mode: text(svc.get("userns_mode")),
        apparmor_profile: String::new(),
        security_opt,
        readonly_rootfs: truthy(svc.get("read_only")),
        mounts: mounts(svc, doc, dir).into_iter().map(|(_, m)| m).collect(),
        ports: ports(svc).into_iter().map(|(_, p)| p).collect(),
        devices: strings(svc.get("devices"))
            .into_iter()
            .map(|d| {
                let mut parts = d.splitn(3, ':');
                let host_path = parts.next().unwrap_or("").to_owned();
                let container_path = parts.next().unwrap_or(&host_path).to_owned();
                DeviceFact {
                    host_path,
                    container_path,
                    permissions: parts.next().unwrap_or("rwm").to_owned(),
                }
            })
            .collect(),
        memory: i64::from(memory),
        pids_limit: pids,
        ..ContainerFacts::default()
    }
}

/// The Dockerfile a service builds, relative to the project.
pub fn built_dockerfile(svc: &Value, compose_dir: &str) -> Option<String> {
    let build = svc.get("build")?;
    let (context, file) = match build {
        Value::String(c) => (c.clone(), "Dockerfile".to_owned()),
        Value::Object(_) => (
            build
                .get("context")
                .and_then(Value::as_str)
                .unwrap_or(".")
                .to_owned(),
            build
                .get("dockerfile")
                .and_then(Value::as_str)
                .unwrap_or("Dockerfile")
                .to_owned(),
        ),
        _ => return None,
    };
    let joined = Path::new(compose_dir).join(context).join(file);
    let mut parts: Vec<String> = Vec::new();
    for c in joined.components() {
        match c {
            std::path::Component::ParentDir => {
                parts.pop();
            }
            std::path::Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    Some(parts.join("/"))
}

/// Checks one compose file (`rel`, relative to `root`).
pub fn check(
    root: &Path,
    rel: &str,
    text_in: &str,
    env: &Env,
    users: &Users,
    catalogue: &Catalogue,
) -> Result<ComposeFile, String> {
    let (mut doc, at) = crate::compose::to_json_with_positions(text_in)?;
    interpolate_json(&mut doc, env);
    let compose_dir = Path::new(rel)
        .parent()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = root.join(&compose_dir);
    let mut out = ComposeFile::default();
    let place = |ptr: &str| -> Located {
        let (line, column) = nearest(&at, ptr);
        Located {
            file: rel.to_owned(),
            line,
            column,
        }
    };
    // Files it pulls in.
    for inc in match doc.get("include") {
        Some(Value::Array(a)) => a.clone(),
        _ => vec![],
    } {
        let paths = match &inc {
            Value::String(s) => vec![s.clone()],
            Value::Object(_) => strings(inc.get("path")),
            _ => vec![],
        };
        out.follows
            .extend(paths.into_iter().map(|p| join(&compose_dir, &p)));
    }
    let Some(Value::Object(services)) = doc.get("services") else {
        return Ok(out);
    };
    let scanner = crate::secrets::builtin().ok();
    for (name, svc) in services {
        if let Some(file) = svc.pointer("/extends/file").and_then(Value::as_str) {
            out.follows.push(join(&compose_dir, file));
        }
        let ptr = format!("/services/{}", name.replace('~', "~0").replace('/', "~1"));
        let declared = text(svc.get("user"));
        let built = built_dockerfile(svc, &compose_dir);
        // No `user:`: the image's USER decides; known when the project
        // builds it.
        let (user, unknown_image) = match (&declared, built.as_ref().and_then(|d| users.get(d))) {
            (d, _) if !d.is_empty() => (d.clone(), false),
            (_, Some(Some(u))) => (u.clone(), false),
            (_, Some(None)) => (String::new(), false),
            _ => (String::new(), true),
        };
        let f = facts(name, svc, &doc, &dir, user);
        let mount_index = mounts(svc, &doc, &dir);
        let port_index = ports(svc);
        let env_index = environment(svc.get("environment"));
        for (_, check) in crate::rules::container::CHECKS {
            for mut hit in check(&f, None, catalogue) {
                let key = locate(&hit.location, &mount_index, &port_index, &env_index, &f);
                let at = key
                    .map(|k| format!("{ptr}{k}"))
                    .unwrap_or_else(|| ptr.clone());
                if hit.rule == "container.root-user" && unknown_image {
                    hit.severity = Some(Severity::Low);
                    hit.evidence = format!(
                        "no `user:`; {} decides (most official images run as root)",
                        if f.image.is_empty() {
                            "the image"
                        } else {
                            f.image.as_str()
                        }
                    );
                }
                hit.location = format!("{rel} services.{name} {}", hit.location);
                out.hits.push((hit, place(&at)));
            }
        }
        // Build arguments with secrets.
        if let Some(scanner) = scanner {
            for (k, v, suffix) in environment(svc.pointer("/build/args")) {
                if let Some(m) = scanner.classify_env(&k, &v) {
                    let hit = Hit {
                        rule: "compose.build-arg-secret",
                        severity: Some(m.severity.max(Severity::High)),
                        location: format!("{rel} services.{name} build.args.{k}"),
                        evidence: format!("{k}={} — {}", m.redacted, m.title),
                        secret_digest: Some(m.digest),
                        heuristic: false,
                    };
                    out.hits
                        .push((hit, place(&format!("{ptr}/build/args{suffix}"))));
                }
            }
        }
    }
    Ok(out)
}

fn join(dir: &str, p: &str) -> String {
    let p = p.trim_start_matches("./");
    if dir.is_empty() {
        p.to_owned()
    } else {
        format!("{dir}/{p}")
    }
}

/// The key under the service a container hit is about.
fn locate(
    location: &str,
    mounts: &[(usize, MountFact)],
    ports: &[(usize, PortFact)],
    env: &[(String, String, String)],
    f: &ContainerFacts,
) -> Option<String> {
    if let Some(dest) = location.strip_prefix("mount:") {
        return mounts
            .iter()
            .find(|(_, m)| m.destination == dest)
            .map(|(i, _)| format!("/volumes/{i}"));
    }
    if let Some(p) = location.strip_prefix("port:") {
        return ports
            .iter()
            .find(|(_, x)| x.container_port == p)
            .map(|(i, _)| format!("/ports/{i}"));
    }
    if let Some(n) = location.strip_prefix("env:") {
        return env
            .iter()
            .find(|(k, _, _)| k == n)
            .map(|(_, _, s)| format!("/environment{s}"));
    }
    if let Some(c) = location.strip_prefix("cap_add:") {
        return f
            .cap_add
            .iter()
            .position(|x| x == c)
            .map(|i| format!("/cap_add/{i}"));
    }
    if let Some(d) = location.strip_prefix("device:") {
        return f
            .devices
            .iter()
            .position(|x| x.container_path == d)
            .map(|i| format!("/devices/{i}"));
    }
    // `HostConfig.SecurityOpt:label` is about the same key as its base.
    let base = location.split_once(':').map_or(location, |(b, _)| b);
    Some(
        match base {
            "HostConfig.Privileged" => "/privileged",
            "Config.User" => "/user",
            "HostConfig.CapDrop" => "/cap_drop",
            "HostConfig.NetworkMode" => "/network_mode",
            "HostConfig.PidMode" => "/pid",
            "HostConfig.IpcMode" => "/ipc",
            "HostConfig.UTSMode" => "/uts",
            "HostConfig.UsernsMode" => "/userns_mode",
            "HostConfig.SecurityOpt" => "/security_opt",
            "HostConfig.ReadonlyRootfs" => "/read_only",
            "HostConfig.Memory" => "/deploy",
            _ => return None,
        }
        .to_owned(),
    )
}

/// The position of `ptr`, or of its nearest ancestor that has one (a key
/// that is missing is reported at its service).
fn nearest(at: &Positions, ptr: &str) -> (u32, u32) {
    let mut p = ptr;
    loop {
        if let Some(xy) = at.get(p) {
            return *xy;
        }
        match p.rfind('/') {
            Some(0) | None => return (1, 1),
            Some(i) => p = &p[..i],
        }
    }
}
