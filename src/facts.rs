//! Plain facts about the engine, its images and containers.
//!
//! [`crate::engine`] fills these from the Docker API; rules read only these,
//! never bollard types, so rules can be tested on recorded data and a future
//! source (a `docker save` archive, another runtime) only has to produce facts.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One `NAME=value` environment entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    /// The variable's name.
    pub name: String,
    /// Its value. Facts live only in memory; values never reach the store.
    pub value: String,
}

impl EnvVar {
    /// Splits `NAME=value` (a missing `=` gives an empty value).
    pub fn parse(entry: &str) -> EnvVar {
        match entry.split_once('=') {
            Some((n, v)) => EnvVar {
                name: n.to_string(),
                value: v.to_string(),
            },
            None => EnvVar {
                name: entry.to_string(),
                value: String::new(),
            },
        }
    }
}

/// What the engine reports about itself and how we reached it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct EngineInfo {
    /// The endpoint we talked to, e.g. `unix:///var/run/docker.sock`.
    pub endpoint: String,
    /// Where the endpoint came from: `DOCKER_HOST`, `context <name>` or `default socket`.
    pub source: String,
    /// Engine version, e.g. `20.10.24+dfsg1`.
    pub version: String,
    /// The API version used after negotiation.
    pub api_version: String,
    /// `linux/amd64` and the like.
    pub platform: String,
    /// Kernel version of the engine's host.
    pub kernel: String,
    /// Docker Desktop or other product name, when the engine reports one.
    pub product: Option<String>,
    /// Component versions (containerd, runc, docker-init), as `name version`.
    pub components: Vec<String>,
}

/// Facts about one history entry of an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryFact {
    /// The build step, e.g. `/bin/sh -c #(nop)  ENV A=b` or `|1 TOKEN=x /bin/sh -c make`.
    pub created_by: String,
    /// Whether the step created no layer.
    pub empty_layer: bool,
}

/// Facts about one local image.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageFacts {
    /// Full image ID (`sha256:…`).
    pub id: String,
    /// `repo:tag` references, sorted; empty for a dangling image.
    pub tags: Vec<String>,
    /// `repo@sha256:…` references.
    pub digests: Vec<String>,
    /// Creation time (RFC 3339) as recorded in the image config.
    pub created: Option<String>,
    /// Creation time as seconds since the Unix epoch, when `created` parses.
    pub created_unix: Option<i64>,
    /// `USER` from the image config (empty means root).
    pub user: String,
    /// `ENV` from the image config.
    pub env: Vec<EnvVar>,
    /// `Some(true)` when a HEALTHCHECK is set, `Some(false)` when it is `NONE`,
    /// `None` when the config has none.
    pub healthcheck: Option<bool>,
    /// History, oldest first.
    pub history: Vec<HistoryFact>,
    /// Size in bytes.
    pub size: i64,
    /// Layer diffIDs, bottom first.
    pub diff_ids: Vec<String>,
}

impl ImageFacts {
    /// `repo:tag` of the first tag, or the short ID for untagged images.
    pub fn display_name(&self) -> String {
        self.tags
            .first()
            .cloned()
            .unwrap_or_else(|| short_id(&self.id).to_string())
    }
}

/// The 12-hex-digit short form of an image or container ID.
pub fn short_id(id: &str) -> &str {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    hex.get(..12).unwrap_or(hex)
}

/// The kind of a mount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MountKind {
    /// A host path bind-mounted into the container.
    Bind,
    /// A named or anonymous volume.
    Volume,
    /// An in-memory tmpfs.
    Tmpfs,
    /// Anything else (npipe, cluster, image).
    Other,
}

/// One mount of a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountFact {
    /// Bind, volume, tmpfs.
    pub kind: MountKind,
    /// Host path for binds; volume name or data path for volumes.
    pub source: String,
    /// Path inside the container.
    pub destination: String,
    /// Whether the container can write to it.
    pub writable: bool,
    /// For a named volume: its name.
    pub volume: Option<String>,
    /// For a named volume whose local driver binds a host folder
    /// (`--opt o=bind --opt device=…`): that folder, which the mount
    /// exposes exactly as a bind mount would.
    pub bind_device: Option<String>,
    /// Bind propagation (`rprivate` by default; `shared`/`rshared` let
    /// mounts made inside reach the host).
    pub propagation: String,
}

impl MountFact {
    /// The host path the container sees through this mount, if any: a bind
    /// mount's source, or the folder a volume's local driver binds.
    pub fn host_path(&self) -> Option<&str> {
        match self.kind {
            MountKind::Bind => Some(&self.source),
            MountKind::Volume => self.bind_device.as_deref(),
            _ => None,
        }
    }
}

/// One published port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortFact {
    /// `80/tcp`.
    pub container_port: String,
    /// Host address it is bound to; empty means all interfaces.
    pub host_ip: String,
    /// Host port.
    pub host_port: String,
}

/// One device passed through with `--device`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceFact {
    /// Device path on the host.
    pub host_path: String,
    /// Path inside the container.
    pub container_path: String,
    /// cgroup permissions such as `rwm`.
    pub permissions: String,
}

/// Facts about one container, running or not.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContainerFacts {
    /// Full container ID.
    pub id: String,
    /// Name without the leading `/`.
    pub name: String,
    /// The image reference it was created from, as given (`nginx:latest`).
    pub image: String,
    /// The image ID it runs.
    pub image_id: String,
    /// `created`, `running`, `exited`…
    pub state: String,
    /// `Config.User` (the image's USER unless overridden; empty means root).
    pub user: String,
    /// `Config.Env`: the image's ENV merged with the container's own.
    pub env: Vec<EnvVar>,
    /// `HostConfig.Privileged`.
    pub privileged: bool,
    /// `HostConfig.CapAdd`, upper-case, without `CAP_`.
    pub cap_add: Vec<String>,
    /// `HostConfig.CapDrop`, upper-case, without `CAP_`.
    pub cap_drop: Vec<String>,
    /// `HostConfig.NetworkMode`.
    pub network_mode: String,
    /// `HostConfig.PidMode`.
    pub pid_mode: String,
    /// `HostConfig.IpcMode`.
    pub ipc_mode: String,
    /// `HostConfig.UTSMode`.
    pub uts_mode: String,
    /// `HostConfig.UsernsMode`.
    pub userns_mode: String,
    /// `HostConfig.SecurityOpt`.
    pub security_opt: Vec<String>,
    /// `AppArmorProfile` (empty where the host has no AppArmor).
    pub apparmor_profile: String,
    /// `HostConfig.ReadonlyRootfs`.
    pub readonly_rootfs: bool,
    /// Mounts, from the inspect `Mounts` list.
    pub mounts: Vec<MountFact>,
    /// Published ports.
    pub ports: Vec<PortFact>,
    /// Devices.
    pub devices: Vec<DeviceFact>,
    /// `HostConfig.Memory` in bytes (0: unlimited).
    pub memory: i64,
    /// `HostConfig.NanoCpus` (0: unlimited).
    pub nano_cpus: i64,
    /// `HostConfig.CpuQuota` (0: unlimited).
    pub cpu_quota: i64,
    /// `HostConfig.PidsLimit` (`None`, 0 or -1: unlimited).
    pub pids_limit: Option<i64>,
    /// `State.StartedAt` as seconds since the epoch; `None` if never started.
    pub started_unix: Option<i64>,
    /// `State.FinishedAt` as seconds since the epoch; `None` if never stopped.
    pub finished_unix: Option<i64>,
}
