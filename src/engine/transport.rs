//! The connection to a local engine (unix socket, or plain TCP), bounded.
//!
//! bollard's own transports read a JSON answer whole, however long it is, and
//! wait on a stalled stream forever: an engine (or a proxy in front of it)
//! that sends an endless body takes the process's memory, one that stops
//! mid-export hangs the scan. This transport makes one HTTP/1 connection per
//! request and wraps its socket so that
//! - an answer other than an image export ends with [`Bounded::Oversized`]
//!   once it passes [`MAX_ANSWER_BYTES`] (the largest real answers, the
//!   lists of a machine with thousands of images, are a few MB);
//! - any answer, the export too, ends with [`Bounded::Stalled`] when no byte
//!   arrives for the idle timeout while we wait for one.
//!
//! A connection per request costs a `connect(2)` on a local socket (tens of
//! microseconds); it keeps the byte count per answer exact. TLS endpoints
//! (`DOCKER_TLS_VERIFY`, a client certificate) go through the same wrapper,
//! inside the TLS session. (Windows named pipes keep bollard's transport.)

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bollard::{BollardRequest, ClientVersion, Docker};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// The most bytes an answer other than an image export may have.
pub const MAX_ANSWER_BYTES: u64 = 64 << 20;

/// How long a stream may send nothing while we wait, unless
/// `DOCKWARD_ENGINE_IDLE_SECS` says otherwise. An engine that is busy
/// compressing nothing still sends a byte a second; a minute of silence is a
/// hung engine or proxy.
pub const DEFAULT_IDLE: Duration = Duration::from_secs(60);

/// Why a bounded answer was cut off. Carried as the source of the I/O error
/// hyper reports, so that [`describe`] can say it plainly.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Bounded {
    /// The answer passed the size limit.
    #[error("the engine's answer to {request} passed {limit} bytes, the limit for anything but an image export; is something other than Docker answering on this socket?")]
    Oversized {
        /// Method and path, e.g. `GET /v1.53/images/json`.
        request: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// No byte arrived for the idle timeout.
    #[error("the engine sent nothing for {}s while answering {request}; it (or a proxy in front of it) has stalled", idle.as_secs())]
    Stalled {
        /// Method and path.
        request: String,
        /// The idle timeout.
        idle: Duration,
    },
}

/// The idle timeout in force: `DOCKWARD_ENGINE_IDLE_SECS` (whole seconds,
/// at least 1) or [`DEFAULT_IDLE`].
pub fn idle_timeout() -> Duration {
    std::env::var("DOCKWARD_ENGINE_IDLE_SECS")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .filter(|s| *s > 0)
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_IDLE)
}

/// The plain words for an engine error: the [`Bounded`] reason when the
/// answer was cut off, else bollard's message with its causes (hyper's own
/// message alone, "error reading a body from connection", says too little).
pub fn describe(e: &bollard::errors::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        // An io::Error hides what it carries from `source()`: look inside.
        let carried = s
            .downcast_ref::<io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<Bounded>());
        if let Some(b) = s.downcast_ref::<Bounded>().or(carried) {
            return b.to_string();
        }
        let text = s.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// Where to connect.
#[derive(Debug, Clone)]
pub enum Target {
    /// A unix socket's path.
    Unix(std::path::PathBuf),
    /// `host:port` over plain TCP.
    Tcp(String),
    /// `host:port` over TLS, with the engine's CA and a client certificate.
    Tls {
        /// `host:port`.
        addr: String,
        /// The session's settings (see [`tls_config`]).
        config: std::sync::Arc<rustls::ClientConfig>,
    },
}

/// TLS settings for an engine as the docker CLI has them: trust only the CA
/// in `ca` (the engine's own), and present the client certificate `cert`
/// with its key `key`. An error says which file is wrong.
pub fn tls_config(
    key: &std::path::Path,
    cert: &std::path::Path,
    ca: &std::path::Path,
) -> Result<std::sync::Arc<rustls::ClientConfig>, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let read = |p: &std::path::Path| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
    let bad = |p: &std::path::Path, e: &dyn std::fmt::Display| format!("{}: {e}", p.display());
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(&read(ca)?) {
        let c = c.map_err(|e| bad(ca, &e))?;
        roots.add(c).map_err(|e| bad(ca, &e))?;
    }
    let chain = CertificateDer::pem_slice_iter(&read(cert)?)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(cert, &e))?;
    let key_der = PrivateKeyDer::from_pem_slice(&read(key)?).map_err(|e| bad(key, &e))?;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key_der)
        .map_err(|e| bad(cert, &e))?;
    Ok(std::sync::Arc::new(config))
}

/// A bollard client over the bounded transport.
pub fn connect(
    target: Target,
    timeout_secs: u64,
    version: &ClientVersion,
) -> Result<Docker, bollard::errors::Error> {
    let idle = idle_timeout();
    let host = match &target {
        Target::Unix(_) => "localhost".to_owned(),
        Target::Tcp(addr) | Target::Tls { addr, .. } => addr.clone(),
    };
    let base = format!("http://{host}");
    Docker::connect_with_custom_transport(
        move |req: BollardRequest| request(target.clone(), host.clone(), idle, req),
        Some(base),
        timeout_secs,
        version,
    )
}

async fn request(
    target: Target,
    host: String,
    idle: Duration,
    mut req: BollardRequest,
) -> Result<hyper::Response<hyper::body::Incoming>, bollard::errors::Error> {
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".into());
    let shown = format!("{} {}", req.method(), req.uri().path());
    // `docker save` (`/images/get`, `/images/{name}/get`) is the one answer
    // that is large by nature.
    let limit = (!req.uri().path().ends_with("/get")).then_some(MAX_ANSWER_BYTES);
    *req.uri_mut() = path.parse().map_err(http_error)?;
    if let Ok(h) = host.parse() {
        req.headers_mut().insert(hyper::header::HOST, h);
    }
    let io: Pin<Box<dyn Socket>> = match target {
        Target::Unix(p) => Box::pin(tokio::net::UnixStream::connect(p).await?),
        Target::Tcp(a) => Box::pin(tokio::net::TcpStream::connect(a).await?),
        Target::Tls { addr, config } => {
            let tcp = tokio::net::TcpStream::connect(&addr).await?;
            let name = addr
                .rsplit_once(':')
                .map_or(addr.as_str(), |(h, _)| h)
                .trim_matches(['[', ']'])
                .to_owned();
            let name = rustls::pki_types::ServerName::try_from(name)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
            Box::pin(
                tokio_rustls::TlsConnector::from(config)
                    .connect(name, tcp)
                    .await?,
            )
        }
    };
    let io = TokioIo::new(Guarded::new(io, shown, limit, idle));
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await?;
    // The connection runs until the answer's body is read or dropped.
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender.send_request(req).await?)
}

fn http_error(e: hyper::http::uri::InvalidUri) -> bollard::errors::Error {
    bollard::errors::Error::HttpClientError { err: e.into() }
}

trait Socket: AsyncRead + AsyncWrite + Send {}
impl<T: AsyncRead + AsyncWrite + Send> Socket for T {}

/// A socket that counts what it reads and notices silence.
struct Guarded {
    inner: Pin<Box<dyn Socket>>,
    request: String,
    limit: Option<u64>,
    read: u64,
    idle: Duration,
    /// Armed when a read starts waiting; time spent while nobody reads (the
    /// scanner busy on a file) is not silence.
    deadline: Pin<Box<Sleep>>,
    waiting: bool,
}

impl Guarded {
    fn new(
        inner: Pin<Box<dyn Socket>>,
        request: String,
        limit: Option<u64>,
        idle: Duration,
    ) -> Self {
        Guarded {
            inner,
            request,
            limit,
            read: 0,
            idle,
            deadline: Box::pin(tokio::time::sleep(idle)),
            waiting: false,
        }
    }
}

impl AsyncRead for Guarded {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.waiting {
            this.waiting = true;
            let at = Instant::now() + this.idle;
            this.deadline.as_mut().reset(at);
        }
        let before = buf.filled().len();
        match this.inner.as_mut().poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                this.waiting = false;
                this.read += (buf.filled().len() - before) as u64;
                match this.limit {
                    Some(limit) if this.read > limit => {
                        // An error must leave the buffer as it was.
                        buf.set_filled(before);
                        Poll::Ready(Err(io::Error::other(Bounded::Oversized {
                            request: this.request.clone(),
                            limit,
                        })))
                    }
                    _ => Poll::Ready(Ok(())),
                }
            }
            Poll::Ready(Err(e)) => {
                this.waiting = false;
                Poll::Ready(Err(e))
            }
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    Bounded::Stalled {
                        request: this.request.clone(),
                        idle: this.idle,
                    },
                ))),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().inner.as_mut().poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().inner.as_mut().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().inner.as_mut().poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn guarded(limit: Option<u64>, idle: Duration) -> (Guarded, tokio::io::DuplexStream) {
        let (ours, theirs) = tokio::io::duplex(1 << 16);
        let g = Guarded::new(Box::pin(ours), "GET /x".into(), limit, idle);
        (g, theirs)
    }

    #[tokio::test]
    async fn an_answer_past_the_limit_is_cut_off_with_the_reason() {
        let (mut g, mut peer) = guarded(Some(1000), Duration::from_secs(5));
        tokio::spawn(async move {
            let chunk = [b'x'; 512];
            while peer.write_all(&chunk).await.is_ok() {}
        });
        let mut sink = Vec::new();
        let e = g.read_to_end(&mut sink).await.expect_err("cut off");
        assert!(sink.len() <= 1000 + 512, "read {} bytes", sink.len());
        let b = e.get_ref().and_then(|s| s.downcast_ref::<Bounded>());
        assert!(
            matches!(b, Some(Bounded::Oversized { limit: 1000, .. })),
            "{e}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn silence_while_waiting_ends_the_read_but_a_slow_reader_does_not() {
        let (mut g, mut peer) = guarded(None, Duration::from_secs(60));
        peer.write_all(b"abc").await.expect("write");
        // Nobody reads for two minutes: that is not the engine's silence.
        tokio::time::sleep(Duration::from_secs(120)).await;
        let mut buf = [0u8; 3];
        g.read_exact(&mut buf).await.expect("data waiting is read");
        let e = g.read(&mut buf).await.expect_err("stalled");
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        assert!(e.to_string().contains("sent nothing for 60s"), "{e}");
        drop(peer);
    }

    #[test]
    fn the_reason_is_found_under_bollard_and_hyper() {
        let io = io::Error::other(Bounded::Oversized {
            request: "GET /v1.53/images/json".into(),
            limit: MAX_ANSWER_BYTES,
        });
        let e = bollard::errors::Error::IOError { err: io };
        assert!(
            describe(&e).contains("passed 67108864 bytes"),
            "{}",
            describe(&e)
        );
        let plain = bollard::errors::Error::IOError {
            err: io::Error::other("refused"),
        };
        assert_eq!(describe(&plain), "refused");
    }
}
