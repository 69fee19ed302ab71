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
use super::service::{environment, facts, mounts, ports, strings, text};
use super::Located;
use crate::compose::Positions;
use crate::facts::{ContainerFacts, MountFact, PortFact};
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

/// The build context and Dockerfile a service builds, both relative to the
/// project (`""` is the project folder); `None` when it builds nothing here
/// (no `build:`, a remote context, a path that leaves the folder).
pub fn build_of(svc: &Value, compose_dir: &str) -> Option<(String, String)> {
    let build = svc.get("build")?;
    let (context, file) = match build {
        Value::String(c) => (c.as_str(), "Dockerfile"),
        Value::Object(_) => (
            build.get("context").and_then(Value::as_str).unwrap_or("."),
            build
                .get("dockerfile")
                .and_then(Value::as_str)
                .unwrap_or("Dockerfile"),
        ),
        _ => return None,
    };
    if context.contains("://") || context.starts_with("git@") {
        return None;
    }
    let joined = Path::new(compose_dir).join(context);
    // Deeper than the project folder at every step, or it left it.
    let mut depth = 0i32;
    for c in joined.components() {
        match c {
            std::path::Component::ParentDir => depth -= 1,
            std::path::Component::Normal(_) => depth += 1,
            std::path::Component::CurDir => {}
            _ => return None,
        }
        if depth < 0 {
            return None;
        }
    }
    let ctx = super::service::lexical(&joined);
    let dockerfile = super::service::lexical(&ctx.join(file));
    Some((
        ctx.to_string_lossy().into_owned(),
        dockerfile.to_string_lossy().into_owned(),
    ))
}

/// The Dockerfile a service builds, relative to the project.
pub fn built_dockerfile(svc: &Value, compose_dir: &str) -> Option<String> {
    build_of(svc, compose_dir).map(|(_, dockerfile)| dockerfile)
}

/// Checks one compose file (`rel`, relative to `root`).
pub fn check(
    root: &Path,
    rel: &str,
    text_in: &str,
    env: &Env,
    users: &Users,
    catalogue: &Catalogue,
    layering: &super::layering::Layering,
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
        // What the service lacks is judged on the merge of the files
        // Compose loads together, and not at all in a fragment of one.
        let merged = layering.merged(name, svc);
        let fragment = layering.fragment(name);
        let declared = text(merged.get("user"));
        let built = built_dockerfile(svc, &compose_dir);
        // No `user:`: the image's USER decides; known when the project
        // builds it.
        let (user, unknown_image) = match (&declared, built.as_ref().and_then(|d| users.get(d))) {
            (d, _) if !d.is_empty() => (d.clone(), false),
            (_, Some(Some(u))) => (u.clone(), false),
            (_, Some(None)) => (String::new(), false),
            _ => (String::new(), true),
        };
        let f = facts(name, svc, &doc, &dir, user.clone());
        let f_merged = facts(name, &merged, &doc, &dir, user);
        let mount_index = mounts(svc, &doc, &dir);
        let port_index = ports(svc);
        let env_index = environment(svc.get("environment"));
        for (rule, check) in crate::rules::container::CHECKS {
            let absence = super::layering::ABSENCE_RULES.contains(rule);
            if absence && fragment {
                continue;
            }
            for mut hit in check(if absence { &f_merged } else { &f }, None, catalogue) {
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
                        fix: None,
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
