//! Talking to the Docker engine: connecting, and turning its answers into
//! plain facts. No other module sees a bollard type.

pub mod convert;
pub mod endpoint;
pub mod transport;

use std::time::Duration;

use bollard::query_parameters::{ListContainersOptions, ListImagesOptions};
use bollard::{Docker, API_DEFAULT_VERSION};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use endpoint::{Endpoint, Environment};

use crate::facts::{ContainerFacts, EngineInfo, ImageFacts};

/// Seconds a single API request may take before it counts as failed.
const REQUEST_TIMEOUT_SECS: u64 = 30;
/// How long connecting (version negotiation) may take per endpoint.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Inspect requests in flight at once: enough to hide per-request latency,
/// few enough not to crowd an engine that is also serving builds.
const CONCURRENCY: usize = 16;

/// One endpoint we tried and why it did not answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Attempt {
    /// The endpoint, e.g. `unix:///var/run/docker.sock`.
    pub endpoint: String,
    /// Where it came from: `DOCKER_HOST`, `context NAME`, `default socket`.
    pub source: String,
    /// What went wrong.
    pub reason: String,
}

/// Errors of the engine module.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// No endpoint answered.
    #[error("no Docker engine answered; tried {}", describe_attempts(.attempts))]
    Unreachable {
        /// Every endpoint tried, with its failure.
        attempts: Vec<Attempt>,
    },
    /// The docker context configuration could not be used.
    #[error("docker context `{context}` cannot be used: {reason}")]
    Context {
        /// The context's name.
        context: String,
        /// Why.
        reason: String,
    },
    /// TLS was asked for but cannot be set up.
    #[error("TLS for {endpoint} cannot be set up: {reason}")]
    Tls {
        /// The endpoint.
        endpoint: String,
        /// Why.
        reason: String,
    },
    /// A request failed after connecting (the engine went away, or refused).
    #[error("the engine at {endpoint} failed while {operation}: {}", transport::describe(.error))]
    Api {
        /// The endpoint.
        endpoint: String,
        /// What we were doing, e.g. `inspecting container web`.
        operation: String,
        /// bollard's error. Not a `#[source]`: the message above already
        /// says what its chain says, in plainer words.
        error: bollard::errors::Error,
    },
}

fn describe_attempts(attempts: &[Attempt]) -> String {
    if attempts.is_empty() {
        return "no endpoints".into();
    }
    attempts
        .iter()
        .map(|a| format!("{} ({}): {}", a.endpoint, a.source, a.reason))
        .collect::<Vec<_>>()
        .join("; ")
}

/// An engine failing while it streams an image, carried inside an I/O error
/// so that readers of the stream can tell it from a corrupt archive.
#[derive(Debug)]
pub struct StreamError(pub String);

impl std::fmt::Display for StreamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StreamError {}

/// A connected engine.
#[derive(Debug, Clone)]
pub struct Engine {
    docker: Docker,
    info: EngineInfo,
}

/// Everything the inventory needs from the engine, as facts.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The engine.
    pub engine: EngineInfo,
    /// Every local image (not intermediate layers).
    pub images: Vec<ImageFacts>,
    /// Every container, running or not.
    pub containers: Vec<ContainerFacts>,
}

impl Snapshot {
    /// The IDs of images a running container uses now (what the stale
    /// check's "unused" is told by every inventory and check).
    pub fn running_images(&self) -> Vec<String> {
        self.containers
            .iter()
            .filter(|c| c.state == "running")
            .map(|c| c.image_id.clone())
            .collect()
    }
}

fn is_not_found(e: &bollard::errors::Error) -> bool {
    matches!(
        e,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}

fn open(ep: &Endpoint) -> Result<Docker, String> {
    let host = ep.host.as_str();
    let result = if host.starts_with("unix://") {
        let path = std::path::PathBuf::from(host.strip_prefix("unix://").unwrap_or(host));
        if !path.exists() {
            return Err(format!("no socket at {}", path.display()));
        }
        transport::connect(
            transport::Target::Unix(path),
            REQUEST_TIMEOUT_SECS,
            API_DEFAULT_VERSION,
        )
    } else if host.starts_with("npipe://") {
        #[cfg(windows)]
        {
            Docker::connect_with_named_pipe(host, REQUEST_TIMEOUT_SECS, API_DEFAULT_VERSION)
        }
        #[cfg(not(windows))]
        {
            return Err("named pipes exist only on Windows".into());
        }
    } else if host.starts_with("tcp://")
        || host.starts_with("http://")
        || host.starts_with("https://")
    {
        let addr = host.split_once("://").map_or(host, |(_, a)| a);
        let addr = addr.split('/').next().unwrap_or(addr).to_owned();
        let target = match &ep.tls {
            Some(tls) => transport::Target::Tls {
                addr,
                config: transport::tls_config(&tls.key, &tls.cert, &tls.ca)?,
            },
            None => transport::Target::Tcp(addr),
        };
        transport::connect(target, REQUEST_TIMEOUT_SECS, API_DEFAULT_VERSION)
    } else if host.starts_with("ssh://") {
        return Err("ssh:// endpoints are not supported yet: forward the socket (`ssh -L /tmp/d.sock:/var/run/docker.sock host`) and set DOCKER_HOST=unix:///tmp/d.sock".into());
    } else {
        return Err("unknown scheme (expected unix://, tcp://, https:// or npipe://)".into());
    };
    result.map_err(|e| match e {
        bollard::errors::Error::SocketNotFoundError(p) => format!("no socket at {p}"),
        other => other.to_string(),
    })
}

async fn try_endpoint(ep: &Endpoint) -> Result<Engine, String> {
    let docker = open(ep)?;
    let docker = tokio::time::timeout(CONNECT_TIMEOUT, docker.negotiate_version())
        .await
        .map_err(|_| format!("no answer within {}s", CONNECT_TIMEOUT.as_secs()))?
        .map_err(|e| transport::describe(&e))?;
    let version = tokio::time::timeout(CONNECT_TIMEOUT, docker.version())
        .await
        .map_err(|_| format!("no answer within {}s", CONNECT_TIMEOUT.as_secs()))?
        .map_err(|e| transport::describe(&e))?;
    let info = EngineInfo {
        endpoint: ep.host.clone(),
        source: ep.source.clone(),
        version: version.version.unwrap_or_default(),
        api_version: docker.client_version().to_string(),
        platform: format!(
            "{}/{}",
            version.os.unwrap_or_default(),
            version.arch.unwrap_or_default()
        ),
        kernel: version.kernel_version.unwrap_or_default(),
        product: version.platform.map(|p| p.name).filter(|n| !n.is_empty()),
        components: version
            .components
            .unwrap_or_default()
            .into_iter()
            .map(|c| format!("{} {}", c.name, c.version))
            .collect(),
    };
    Ok(Engine { docker, info })
}

impl Engine {
    /// Connects to the first endpoint that answers, negotiating the API version.
    pub async fn connect(env: &Environment) -> Result<Engine, EngineError> {
        let mut attempts = Vec::new();
        for ep in endpoint::resolve(env)? {
            match try_endpoint(&ep).await {
                Ok(engine) => return Ok(engine),
                Err(reason) => attempts.push(Attempt {
                    endpoint: ep.host.clone(),
                    source: ep.source.clone(),
                    reason,
                }),
            }
        }
        Err(EngineError::Unreachable { attempts })
    }

    /// Connects using the process environment.
    pub async fn connect_default() -> Result<Engine, EngineError> {
        Engine::connect(&Environment::from_process()).await
    }

    /// What the engine said about itself.
    pub fn info(&self) -> &EngineInfo {
        &self.info
    }

    fn api_error(
        &self,
        operation: String,
    ) -> impl FnOnce(bollard::errors::Error) -> EngineError + '_ {
        move |error| EngineError::Api {
            endpoint: self.info.endpoint.clone(),
            operation,
            error,
        }
    }

    /// Everything the rules know of one image (inspect and history), or
    /// `None` when the engine does not have it (or it went meanwhile).
    /// Enough to find a layer scan in the cache without exporting the image.
    pub async fn image_facts(&self, image: &str) -> Result<Option<ImageFacts>, EngineError> {
        let (inspect, history) = tokio::join!(
            self.docker.inspect_image(image),
            self.docker.image_history(image)
        );
        let inspect = match inspect {
            Ok(i) => i,
            Err(e) if is_not_found(&e) => return Ok(None),
            Err(e) => return Err(self.api_error(format!("inspecting image {image}"))(e)),
        };
        let history = match history {
            Ok(h) => h,
            Err(e) if is_not_found(&e) => return Ok(None),
            Err(e) => {
                return Err(self.api_error(format!("reading history of image {image}"))(
                    e,
                ))
            }
        };
        Ok(Some(convert::image_facts(inspect, history)))
    }

    /// Fills in, for containers' named volumes, the host folder a local
    /// driver binds (read from `GET /volumes/{name}`): such a volume exposes
    /// that folder like a bind mount. A volume removed meanwhile is skipped.
    async fn resolve_volume_binds(
        &self,
        containers: &mut [ContainerFacts],
    ) -> Result<(), EngineError> {
        let mut names: Vec<String> = containers
            .iter()
            .flat_map(|c| c.mounts.iter())
            .filter(|m| m.kind == crate::facts::MountKind::Volume)
            .filter_map(|m| m.volume.clone())
            .collect();
        names.sort();
        names.dedup();
        let devices: Vec<(String, Option<String>)> = stream::iter(names)
            .map(|name| async move {
                match self.docker.inspect_volume(&name).await {
                    Ok(v) => Ok((name, convert::volume_bind_device(&v))),
                    Err(e) if is_not_found(&e) => Ok((name, None)),
                    Err(e) => Err(self.api_error(format!("inspecting volume {name}"))(e)),
                }
            })
            .buffer_unordered(CONCURRENCY)
            .try_collect()
            .await?;
        for c in containers.iter_mut() {
            for m in &mut c.mounts {
                if let Some((_, device)) =
                    devices.iter().find(|(n, _)| Some(n) == m.volume.as_ref())
                {
                    m.bind_device = device.clone();
                }
            }
        }
        Ok(())
    }

    /// The image as a `docker save` tar stream (read-only; nothing is written
    /// to disk). A failure mid-stream surfaces as an I/O error naming the engine.
    pub fn export(&self, image: &str) -> impl tokio::io::AsyncRead + Send + Unpin + 'static {
        let endpoint = self.info.endpoint.clone();
        let stream = self.docker.export_image(image).map(move |chunk| {
            chunk.map_err(|e| {
                std::io::Error::other(StreamError(format!(
                    "the engine at {endpoint} stopped sending the image: {}",
                    transport::describe(&e)
                )))
            })
        });
        tokio_util::io::StreamReader::new(Box::pin(stream))
    }

    /// The digest a registry has for `reference` now (the engine asks, with
    /// its own proxy settings; nothing is pulled), or why it could not say.
    pub async fn registry_digest(&self, reference: &str) -> Result<String, String> {
        match tokio::time::timeout(
            Duration::from_secs(REQUEST_TIMEOUT_SECS),
            self.docker.inspect_registry_image(reference, None),
        )
        .await
        {
            Err(_) => Err(format!(
                "the registry did not answer within {REQUEST_TIMEOUT_SECS}s"
            )),
            Ok(Err(bollard::errors::Error::DockerResponseServerError {
                status_code,
                message,
            })) => Err(match status_code {
                401 | 403 => "the registry asks for credentials".to_owned(),
                404 => "the registry does not have this tag".to_owned(),
                _ => crate::secrets::builtin()
                    .map(|s| s.redact_text(&message))
                    .unwrap_or_else(|_| format!("the engine answered {status_code}")),
            }),
            Ok(Err(e)) => Err(transport::describe(&e)),
            Ok(Ok(d)) => {
                let digest = d.descriptor.digest.unwrap_or_default();
                if digest.is_empty() {
                    Err("the registry gave no digest".into())
                } else {
                    Ok(digest)
                }
            }
        }
    }

    /// IDs and first tags of every local image, for `scan --all`.
    pub async fn image_names(&self) -> Result<Vec<String>, EngineError> {
        let images = self
            .docker
            .list_images(Some(ListImagesOptions::default()))
            .await
            .map_err(self.api_error("listing images".into()))?;
        Ok(images
            .into_iter()
            .map(|i| {
                i.repo_tags
                    .into_iter()
                    .find(|t| t != "<none>:<none>")
                    .unwrap_or(i.id)
            })
            .collect())
    }

    /// Lists and inspects every container and image. Read-only. Objects
    /// removed between listing and inspecting are skipped; any other failure
    /// (the engine going away) ends the snapshot with an error.
    pub async fn snapshot(&self) -> Result<Snapshot, EngineError> {
        let containers = self
            .docker
            .list_containers(Some(ListContainersOptions {
                all: true,
                ..Default::default()
            }))
            .await
            .map_err(self.api_error("listing containers".into()))?;
        let images = self
            .docker
            .list_images(Some(ListImagesOptions::default()))
            .await
            .map_err(self.api_error("listing images".into()))?;

        let container_ids: Vec<String> = containers.into_iter().filter_map(|c| c.id).collect();
        let image_ids: Vec<String> = images.into_iter().map(|i| i.id).collect();

        let containers: Vec<ContainerFacts> = stream::iter(container_ids)
            .map(|id| async move {
                match self.docker.inspect_container(&id, None).await {
                    Ok(c) => Ok(Some(convert::container_facts(c))),
                    Err(e) if is_not_found(&e) => Ok(None),
                    Err(e) => Err(self.api_error(format!("inspecting container {id}"))(e)),
                }
            })
            .buffer_unordered(CONCURRENCY)
            .try_filter_map(|c| async move { Ok(c) })
            .try_collect()
            .await?;

        let mut containers = containers;
        self.resolve_volume_binds(&mut containers).await?;

        let images: Vec<ImageFacts> = stream::iter(image_ids)
            .map(|id| async move { self.image_facts(&id).await })
            .buffer_unordered(CONCURRENCY)
            .try_filter_map(|i| async move { Ok(i) })
            .try_collect()
            .await?;

        let mut snap = Snapshot {
            engine: self.info.clone(),
            images,
            containers,
        };
        snap.images.sort_by_cached_key(|i| i.display_name());
        snap.containers.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(snap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn unreachable_names_every_attempt() {
        let dir = tempfile::tempdir().expect("tmp");
        let env = Environment {
            docker_host: Some(format!("unix://{}/nothing.sock", dir.path().display())),
            ..Environment::default()
        };
        let err = Engine::connect(&env).await.expect_err("no engine");
        let msg = err.to_string();
        assert!(
            msg.contains("nothing.sock (DOCKER_HOST): no socket at"),
            "{msg}"
        );
        let EngineError::Unreachable { attempts } = err else {
            panic!("wrong variant")
        };
        assert_eq!(attempts.len(), 1);
    }

    #[tokio::test]
    async fn unsupported_scheme_is_explained() {
        let env = Environment {
            docker_host: Some("ssh://me@host".into()),
            ..Environment::default()
        };
        let msg = Engine::connect(&env).await.expect_err("ssh").to_string();
        assert!(
            msg.contains("ssh:// endpoints are not supported yet"),
            "{msg}"
        );
    }
}
