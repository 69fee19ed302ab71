//! A compose service as the container Compose would create from it:
//! `ContainerFacts` (privileged, mounts with their propagation, ports,
//! capabilities, namespaces, security options, devices, limits,
//! environment), with each list's item indexes kept so findings can be
//! placed on their lines.

use std::path::Path;

use serde_json::Value;

use crate::facts::{ContainerFacts, DeviceFact, EnvVar, MountFact, MountKind, PortFact};

/// A string or list of strings (numbers as text).
pub fn strings(v: Option<&Value>) -> Vec<String> {
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

/// A scalar as text (empty when absent or not a scalar).
pub fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// A YAML boolean, or its string spellings.
pub fn truthy(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => matches!(s.to_ascii_lowercase().as_str(), "true" | "yes" | "on"),
        _ => false,
    }
}

/// `environment:` as a map or a `KEY=value` list, in file order for lists.
pub fn environment(v: Option<&Value>) -> Vec<(String, String, String)> {
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
    lexical(&dir.join(source)).display().to_string()
}

/// `path` with `.` and `..` resolved by name, as Compose resolves relative
/// paths (no file system access: links are not followed).
pub fn lexical(path: &Path) -> std::path::PathBuf {
    let mut out = std::path::PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn is_path(source: &str) -> bool {
    source.starts_with('/') || source.starts_with('.') || source.starts_with('~')
}

/// The mounts of `volumes:`, short and long syntax, each with its index.
pub fn mounts(svc: &Value, doc: &Value, dir: &Path) -> Vec<(usize, MountFact)> {
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
pub fn ports(svc: &Value) -> Vec<(usize, PortFact)> {
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
pub fn facts(name: &str, svc: &Value, doc: &Value, dir: &Path, user: String) -> ContainerFacts {
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
