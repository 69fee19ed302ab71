//! Which engine to talk to: `DOCKER_HOST`, else the current docker context,
//! else the platform's default sockets: the same order as the docker CLI.
//!
//! Resolution is a pure function of an [`Environment`] (variables and the
//! docker config folder) so it is tested without touching the real one.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::EngineError;

/// TLS material for a `tcp://` or `https://` endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// CA certificate that signed the daemon's certificate.
    pub ca: PathBuf,
    /// Client certificate.
    pub cert: PathBuf,
    /// Client key.
    pub key: PathBuf,
}

/// One place an engine may listen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `unix:///var/run/docker.sock`, `tcp://host:2376`, `npipe:////./pipe/docker_engine`.
    pub host: String,
    /// Where it came from, for messages: `DOCKER_HOST`, `context desktop-linux`, `default socket`.
    pub source: String,
    /// TLS files when the endpoint uses TLS.
    pub tls: Option<TlsFiles>,
}

/// What endpoint resolution reads: environment variables and the docker
/// config folder (`$DOCKER_CONFIG`, default `~/.docker`).
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// `DOCKER_HOST`.
    pub docker_host: Option<String>,
    /// `DOCKER_CONTEXT`.
    pub docker_context: Option<String>,
    /// `DOCKER_TLS_VERIFY` is set to something other than empty or `0`.
    pub tls_verify: bool,
    /// `DOCKER_CERT_PATH`.
    pub cert_path: Option<PathBuf>,
    /// The docker config folder.
    pub config_dir: Option<PathBuf>,
    /// The user's home folder.
    pub home: Option<PathBuf>,
    /// `XDG_RUNTIME_DIR` (rootless Docker's socket lives there).
    pub runtime_dir: Option<PathBuf>,
}

impl Environment {
    /// Reads the process environment.
    pub fn from_process() -> Environment {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let home = dirs::home_dir();
        Environment {
            docker_host: var("DOCKER_HOST"),
            docker_context: var("DOCKER_CONTEXT"),
            tls_verify: var("DOCKER_TLS_VERIFY").is_some_and(|v| v != "0"),
            cert_path: var("DOCKER_CERT_PATH").map(PathBuf::from),
            config_dir: var("DOCKER_CONFIG")
                .map(PathBuf::from)
                .or_else(|| home.as_ref().map(|h| h.join(".docker"))),
            home,
            runtime_dir: var("XDG_RUNTIME_DIR").map(PathBuf::from),
        }
    }
}

#[derive(Deserialize)]
struct ConfigFile {
    #[serde(rename = "currentContext")]
    current_context: Option<String>,
}

#[derive(Deserialize)]
struct ContextMeta {
    #[serde(rename = "Endpoints")]
    endpoints: ContextEndpoints,
}

#[derive(Deserialize)]
struct ContextEndpoints {
    docker: Option<ContextDocker>,
}

#[derive(Deserialize)]
struct ContextDocker {
    #[serde(rename = "Host")]
    host: Option<String>,
}

fn tls_in(dir: &Path) -> Option<TlsFiles> {
    let files = TlsFiles {
        ca: dir.join("ca.pem"),
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
    };
    (files.ca.is_file() && files.cert.is_file() && files.key.is_file()).then_some(files)
}

/// The endpoints to try, in order. Only one comes back when the user chose
/// (`DOCKER_HOST` or a context); the default sockets are tried in turn.
pub fn resolve(env: &Environment) -> Result<Vec<Endpoint>, EngineError> {
    if let Some(host) = &env.docker_host {
        let tls = if env.tls_verify || host.starts_with("https://") {
            let dir = env
                .cert_path
                .clone()
                .or_else(|| env.config_dir.clone())
                .unwrap_or_default();
            Some(tls_in(&dir).ok_or_else(|| EngineError::Tls {
                endpoint: host.clone(),
                reason: format!(
                    "DOCKER_TLS_VERIFY is set but {} lacks ca.pem, cert.pem and key.pem",
                    dir.display()
                ),
            })?)
        } else {
            None
        };
        return Ok(vec![Endpoint {
            host: host.clone(),
            source: "DOCKER_HOST".into(),
            tls,
        }]);
    }
    if let Some(ep) = context_endpoint(env)? {
        return Ok(vec![ep]);
    }
    Ok(default_sockets(env))
}

/// The current context's endpoint, or `None` for the `default` context.
fn context_endpoint(env: &Environment) -> Result<Option<Endpoint>, EngineError> {
    let Some(config_dir) = &env.config_dir else {
        return Ok(None);
    };
    let name = match &env.docker_context {
        Some(name) => name.clone(),
        None => {
            let path = config_dir.join("config.json");
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => {
                    return Err(EngineError::Context {
                        context: "(current)".into(),
                        reason: format!("cannot read {}: {e}", path.display()),
                    })
                }
            };
            let cfg: ConfigFile =
                serde_json::from_str(&text).map_err(|e| EngineError::Context {
                    context: "(current)".into(),
                    reason: format!("{} is not valid JSON: {e}", path.display()),
                })?;
            match cfg.current_context {
                Some(c) if !c.is_empty() => c,
                _ => return Ok(None),
            }
        }
    };
    if name == "default" {
        return Ok(None);
    }
    let id = hex::encode(Sha256::digest(name.as_bytes()));
    let meta_path = config_dir.join("contexts/meta").join(&id).join("meta.json");
    let text = std::fs::read_to_string(&meta_path).map_err(|e| EngineError::Context {
        context: name.clone(),
        reason: format!("cannot read {}: {e}", meta_path.display()),
    })?;
    let meta: ContextMeta = serde_json::from_str(&text).map_err(|e| EngineError::Context {
        context: name.clone(),
        reason: format!("{} is not valid JSON: {e}", meta_path.display()),
    })?;
    let host = meta
        .endpoints
        .docker
        .and_then(|d| d.host)
        .ok_or_else(|| EngineError::Context {
            context: name.clone(),
            reason: "it has no docker endpoint".into(),
        })?;
    let tls = tls_in(&config_dir.join("contexts/tls").join(&id).join("docker"));
    Ok(Some(Endpoint {
        host,
        source: format!("context {name}"),
        tls,
    }))
}

fn default_sockets(env: &Environment) -> Vec<Endpoint> {
    let mut out = Vec::new();
    let mut push = |host: String| {
        if !out.iter().any(|e: &Endpoint| e.host == host) {
            out.push(Endpoint {
                host,
                source: "default socket".into(),
                tls: None,
            });
        }
    };
    if cfg!(windows) {
        push("npipe:////./pipe/docker_engine".into());
        push("npipe:////./pipe/dockerDesktopLinuxEngine".into());
        return out;
    }
    push("unix:///var/run/docker.sock".into());
    if let Some(home) = &env.home {
        // Docker Desktop on macOS and Linux.
        push(format!(
            "unix://{}",
            home.join(".docker/run/docker.sock").display()
        ));
        push(format!(
            "unix://{}",
            home.join(".docker/desktop/docker.sock").display()
        ));
    }
    if let Some(rt) = &env.runtime_dir {
        // Rootless Docker.
        push(format!("unix://{}", rt.join("docker.sock").display()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_with(dir: &Path) -> Environment {
        Environment {
            config_dir: Some(dir.to_path_buf()),
            home: Some(PathBuf::from("/home/dev")),
            ..Environment::default()
        }
    }

    fn write_context(dir: &Path, name: &str, host: &str) {
        let id = hex::encode(Sha256::digest(name.as_bytes()));
        let meta = dir.join("contexts/meta").join(id);
        std::fs::create_dir_all(&meta).expect("mkdir");
        std::fs::write(
            meta.join("meta.json"),
            format!(r#"{{"Name":"{name}","Metadata":{{}},"Endpoints":{{"docker":{{"Host":"{host}","SkipTLSVerify":false}}}}}}"#),
        )
        .expect("write");
    }

    #[test]
    fn docker_host_wins() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut env = env_with(dir.path());
        env.docker_host = Some("tcp://127.0.0.1:2375".into());
        let eps = resolve(&env).expect("resolve");
        assert_eq!(eps.len(), 1);
        assert_eq!(
            (eps[0].host.as_str(), eps[0].source.as_str()),
            ("tcp://127.0.0.1:2375", "DOCKER_HOST")
        );
    }

    #[test]
    fn tls_verify_without_certs_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut env = env_with(dir.path());
        env.docker_host = Some("tcp://10.0.0.1:2376".into());
        env.tls_verify = true;
        env.cert_path = Some(dir.path().to_path_buf());
        let err = resolve(&env).expect_err("no certs");
        assert!(err.to_string().contains("lacks ca.pem"), "{err}");
        for f in ["ca.pem", "cert.pem", "key.pem"] {
            std::fs::write(dir.path().join(f), "x").expect("write");
        }
        let eps = resolve(&env).expect("resolve");
        assert!(eps[0].tls.is_some());
    }

    #[test]
    fn current_context_from_config() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(
            dir.path().join("config.json"),
            r#"{"auths":{},"currentContext":"desktop-linux"}"#,
        )
        .expect("write");
        write_context(
            dir.path(),
            "desktop-linux",
            "unix:///home/dev/.docker/desktop/docker.sock",
        );
        let eps = resolve(&env_with(dir.path())).expect("resolve");
        assert_eq!(eps.len(), 1);
        assert_eq!(eps[0].host, "unix:///home/dev/.docker/desktop/docker.sock");
        assert_eq!(eps[0].source, "context desktop-linux");
    }

    #[test]
    fn docker_context_env_overrides_config() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(
            dir.path().join("config.json"),
            r#"{"currentContext":"desktop-linux"}"#,
        )
        .expect("write");
        write_context(dir.path(), "remote", "tcp://192.0.2.10:2375");
        let mut env = env_with(dir.path());
        env.docker_context = Some("remote".into());
        assert_eq!(
            resolve(&env).expect("resolve")[0].host,
            "tcp://192.0.2.10:2375"
        );
        env.docker_context = Some("default".into());
        assert_eq!(resolve(&env).expect("resolve")[0].source, "default socket");
    }

    #[test]
    fn broken_context_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(
            dir.path().join("config.json"),
            r#"{"currentContext":"gone"}"#,
        )
        .expect("write");
        let err = resolve(&env_with(dir.path())).expect_err("missing meta");
        assert!(err.to_string().contains("context `gone`"), "{err}");
        std::fs::write(dir.path().join("config.json"), "{not json").expect("write");
        let err = resolve(&env_with(dir.path())).expect_err("bad json");
        assert!(err.to_string().contains("not valid JSON"), "{err}");
    }

    #[test]
    fn defaults_without_config() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut env = env_with(dir.path());
        env.runtime_dir = Some(PathBuf::from("/run/user/1000"));
        let hosts: Vec<String> = resolve(&env)
            .expect("resolve")
            .into_iter()
            .map(|e| e.host)
            .collect();
        assert_eq!(hosts[0], "unix:///var/run/docker.sock");
        assert!(hosts.contains(&"unix:///home/dev/.docker/run/docker.sock".to_string()));
        assert!(hosts.contains(&"unix:///run/user/1000/docker.sock".to_string()));
    }
}
