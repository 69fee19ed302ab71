//! Turning Docker API answers into [`crate::facts`]: the only place bollard's
//! model types are read. Missing fields become empty values, never panics:
//! older engines (API 1.41) leave out fields newer ones send.

use bollard::models::{ContainerInspectResponse, ImageHistoryResponseItem, ImageInspect};

use crate::facts::{
    ContainerFacts, DeviceFact, EnvVar, HistoryFact, ImageFacts, MountFact, MountKind, PortFact,
};

fn cap_name(cap: &str) -> String {
    let up = cap.trim().to_ascii_uppercase();
    up.strip_prefix("CAP_").map(str::to_string).unwrap_or(up)
}

fn env_vars(env: Option<Vec<String>>) -> Vec<EnvVar> {
    env.unwrap_or_default()
        .iter()
        .map(|e| EnvVar::parse(e))
        .collect()
}

pub use crate::clock::parse_unix as parse_time;

/// An engine timestamp as seconds since the epoch; the engine writes
/// `0001-01-01T00:00:00Z` for "never", which is `None`.
fn engine_time(s: &str) -> Option<i64> {
    crate::clock::parse_unix(s).filter(|t| *t > 0)
}

/// Facts from `GET /containers/{id}/json`.
pub fn container_facts(c: ContainerInspectResponse) -> ContainerFacts {
    let config = c.config.unwrap_or_default();
    let host = c.host_config.unwrap_or_default();
    let mounts = c
        .mounts
        .unwrap_or_default()
        .into_iter()
        .map(|m| MountFact {
            kind: match m.typ.as_deref() {
                Some("bind") => MountKind::Bind,
                Some("volume") => MountKind::Volume,
                Some("tmpfs") => MountKind::Tmpfs,
                _ => MountKind::Other,
            },
            source: m.source.unwrap_or_default(),
            destination: m.destination.unwrap_or_default(),
            writable: m.rw.unwrap_or(true),
            volume: m.name.filter(|n| !n.is_empty()),
            bind_device: None,
            propagation: m.propagation.map(|p| p.to_string()).unwrap_or_default(),
        })
        .collect();
    // PortBindings is what the user asked for; it is set before the
    // container starts (NetworkSettings.Ports only while it runs).
    let mut ports: Vec<PortFact> = host
        .port_bindings
        .unwrap_or_default()
        .into_iter()
        .flat_map(|(container_port, bindings)| {
            bindings
                .unwrap_or_default()
                .into_iter()
                .map(move |b| PortFact {
                    container_port: container_port.clone(),
                    host_ip: b.host_ip.unwrap_or_default(),
                    host_port: b.host_port.unwrap_or_default(),
                })
        })
        .collect();
    ports.sort_by(|a, b| (&a.container_port, &a.host_ip).cmp(&(&b.container_port, &b.host_ip)));
    ContainerFacts {
        id: c.id.unwrap_or_default(),
        name: shown(
            c.name
                .unwrap_or_default()
                .trim_start_matches('/')
                .to_string(),
        ),
        image: shown(config.image.clone().unwrap_or_default()),
        image_id: c.image.unwrap_or_default(),
        started_unix: c
            .state
            .as_ref()
            .and_then(|s| s.started_at.as_deref())
            .and_then(engine_time),
        finished_unix: c
            .state
            .as_ref()
            .and_then(|s| s.finished_at.as_deref())
            .and_then(engine_time),
        state: c
            .state
            .and_then(|s| s.status)
            .map(|s| s.to_string())
            .unwrap_or_default(),
        user: config.user.unwrap_or_default(),
        env: env_vars(config.env),
        privileged: host.privileged.unwrap_or(false),
        cap_add: host
            .cap_add
            .unwrap_or_default()
            .iter()
            .map(|c| cap_name(c))
            .collect(),
        cap_drop: host
            .cap_drop
            .unwrap_or_default()
            .iter()
            .map(|c| cap_name(c))
            .collect(),
        network_mode: host.network_mode.unwrap_or_default(),
        pid_mode: host.pid_mode.unwrap_or_default(),
        ipc_mode: host.ipc_mode.unwrap_or_default(),
        uts_mode: host.uts_mode.unwrap_or_default(),
        userns_mode: host.userns_mode.unwrap_or_default(),
        security_opt: host.security_opt.unwrap_or_default(),
        apparmor_profile: c.app_armor_profile.unwrap_or_default(),
        readonly_rootfs: host.readonly_rootfs.unwrap_or(false),
        mounts,
        ports,
        devices: host
            .devices
            .unwrap_or_default()
            .into_iter()
            .map(|d| DeviceFact {
                host_path: d.path_on_host.unwrap_or_default(),
                container_path: d.path_in_container.unwrap_or_default(),
                permissions: d.cgroup_permissions.unwrap_or_default(),
            })
            .collect(),
        memory: host.memory.unwrap_or(0),
        nano_cpus: host.nano_cpus.unwrap_or(0),
        cpu_quota: host.cpu_quota.unwrap_or(0),
        pids_limit: host.pids_limit,
    }
}

/// The host folder a volume's local driver binds (`o=bind`, `device=…`),
/// from `GET /volumes/{name}`.
pub fn volume_bind_device(v: &bollard::models::Volume) -> Option<String> {
    if v.driver != "local" {
        return None;
    }
    let o = v.options.get("o")?;
    let device = v.options.get("device")?;
    o.split(',')
        .any(|opt| opt.trim() == "bind" || opt.trim() == "rbind")
        .then(|| device.clone())
}

/// Names the engine gives (tags, container names) as Dockward shows them:
/// a secret in a name is redacted like any other (rules never need it).
fn shown(name: String) -> String {
    match crate::secrets::builtin() {
        Ok(scanner) => scanner.redact_text(&name),
        Err(_) => name,
    }
}

/// `repo:tag` names, sorted, without the `<none>:<none>` of dangling images,
/// any secret in them redacted.
pub fn tags(repo_tags: Option<Vec<String>>) -> Vec<String> {
    let mut tags: Vec<String> = repo_tags
        .unwrap_or_default()
        .into_iter()
        .filter(|t| t != "<none>:<none>")
        .map(shown)
        .collect();
    tags.sort();
    tags
}

/// Facts from `GET /images/{id}/json` and `GET /images/{id}/history`.
pub fn image_facts(img: ImageInspect, history: Vec<ImageHistoryResponseItem>) -> ImageFacts {
    let config = img.config.unwrap_or_default();
    let tags = tags(img.repo_tags);
    let created = img.created.filter(|c| !c.is_empty());
    let healthcheck = config.healthcheck.map(|h| {
        let test = h.test.unwrap_or_default();
        !(test.is_empty() || test.first().is_some_and(|t| t == "NONE"))
    });
    ImageFacts {
        id: img.id.unwrap_or_default(),
        tags,
        digests: img.repo_digests.unwrap_or_default(),
        created_unix: created.as_deref().and_then(parse_time),
        created,
        user: config.user.unwrap_or_default(),
        env: env_vars(config.env),
        healthcheck,
        // The API lists history newest first.
        history: history
            .into_iter()
            .rev()
            .map(|h| HistoryFact {
                empty_layer: h.size == 0,
                created_by: h.created_by,
            })
            .collect(),
        size: img.size.unwrap_or(0),
        diff_ids: img.root_fs.and_then(|r| r.layers).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_json_gives_empty_facts() {
        let c: ContainerInspectResponse =
            serde_json::from_str(r#"{"Id":"abc","Name":"/x"}"#).expect("json");
        let f = container_facts(c);
        assert_eq!((f.id.as_str(), f.name.as_str()), ("abc", "x"));
        assert!(f.mounts.is_empty() && !f.privileged && f.pids_limit.is_none());
        let i: ImageInspect = serde_json::from_str(r#"{"Id":"sha256:1","RepoTags":["<none>:<none>"],"Created":"2024-01-02T03:04:05.123456789Z"}"#).expect("json");
        let f = image_facts(i, vec![]);
        assert!(f.tags.is_empty());
        assert_eq!(f.created_unix, Some(1_704_164_645));
        assert_eq!(f.healthcheck, None);
    }

    #[test]
    fn capabilities_are_normalised() {
        assert_eq!(cap_name("cap_sys_admin"), "SYS_ADMIN");
        assert_eq!(cap_name("NET_ADMIN"), "NET_ADMIN");
    }

    #[test]
    fn a_local_volume_bound_to_a_folder_names_it() {
        let v: bollard::models::Volume = serde_json::from_str(
            r#"{"Name":"keys","Driver":"local","Mountpoint":"/var/lib/docker/volumes/keys/_data","Labels":{},"Scope":"local","Options":{"type":"none","o":"bind","device":"/home/dev/.ssh"}}"#,
        )
        .expect("json");
        assert_eq!(volume_bind_device(&v).as_deref(), Some("/home/dev/.ssh"));
        let plain: bollard::models::Volume = serde_json::from_str(
            r#"{"Name":"data","Driver":"local","Mountpoint":"/x","Labels":{},"Scope":"local","Options":{}}"#,
        )
        .expect("json");
        assert_eq!(volume_bind_device(&plain), None);
    }
}
