//! Issue 11: an engine (or a proxy in front of one) that misbehaves. A
//! small fake engine on a unix socket answers the version handshake like
//! Docker, then, depending on the case, sends an endless inspect answer or
//! stops half-way through an image export. Dockward must end each in bounded
//! time and memory with a message that says what happened, and record an
//! interrupted scan as interrupted.
#![cfg(unix)]

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// What the fake engine does after the handshake.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Every list answer is an endless JSON array.
    EndlessLists,
    /// The image exists; its export sends one tar header and goes silent.
    StallingExport,
}

fn respond(mut stream: UnixStream, behaviour: Behaviour) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(0) | Err(_) => return,
            Ok(_) if header == "\r\n" => break,
            Ok(_) => {}
        }
    }
    let json = |stream: &mut UnixStream, body: &str| {
        let _ = write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nApi-Version: 1.43\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    };
    let plain = path.split('?').next().unwrap_or("");
    if plain.ends_with("/version") {
        json(
            &mut stream,
            r#"{"Version":"24.0.0","ApiVersion":"1.43","MinAPIVersion":"1.12","Os":"linux","Arch":"amd64","KernelVersion":"6.1"}"#,
        );
    } else if plain.ends_with("/_ping") {
        json(&mut stream, "OK");
    } else if matches!(behaviour, Behaviour::EndlessLists) && plain.ends_with("/json") {
        let _ = write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        );
        let item = r#"{"Id":"sha256:0000000000000000000000000000000000000000000000000000000000000000","RepoTags":["x:1"]},"#
            .repeat(700);
        let chunk = format!("{:x}\r\n{item}\r\n", item.len());
        let _ = write!(stream, "1\r\n[\r\n");
        while stream.write_all(chunk.as_bytes()).is_ok() {}
    } else if plain.ends_with("/images/stall:1/json") {
        json(
            &mut stream,
            r#"{"Id":"sha256:1111111111111111111111111111111111111111111111111111111111111111","RepoTags":["stall:1"],"Config":{},"RootFS":{"Type":"layers","Layers":["sha256:2222222222222222222222222222222222222222222222222222222222222222"]}}"#,
        );
    } else if plain.ends_with("/images/stall:1/history") {
        json(&mut stream, "[]");
    } else if plain.ends_with("/get") {
        let _ = write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n"
        );
        let mut h = tar::Header::new_gnu();
        h.set_size(1 << 20);
        h.set_path("aaaa/layer.tar").expect("path");
        h.set_cksum();
        let _ = write!(stream, "200\r\n");
        let _ = stream.write_all(h.as_bytes());
        let _ = write!(stream, "\r\n");
        let _ = stream.flush();
        // Silence, with the connection open, for longer than any test runs.
        std::thread::sleep(Duration::from_secs(600));
    } else {
        let body = r#"{"message":"not found"}"#;
        let _ = write!(
            stream,
            "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    }
}

fn fake_engine(dir: &Path, behaviour: Behaviour) -> String {
    let socket = dir.join("docker.sock");
    let listener = UnixListener::bind(&socket).expect("bind");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || respond(stream, behaviour));
        }
    });
    format!("unix://{}", socket.display())
}

/// The same fake engine behind TLS, as a `DOCKER_TLS_VERIFY` engine is:
/// a CA, a server certificate for 127.0.0.1 and a client certificate, made
/// with openssl. Returns (`DOCKER_HOST`, `DOCKER_CERT_PATH`).
fn fake_tls_engine(dir: &Path, behaviour: Behaviour) -> (String, std::path::PathBuf) {
    let unix = fake_engine(dir, behaviour);
    let socket = std::path::PathBuf::from(unix.trim_start_matches("unix://"));
    let certs = dir.join("certs");
    std::fs::create_dir_all(&certs).expect("mkdir");
    let script = r#"set -e
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -days 2 -subj "/CN=fake engine CA" -addext "basicConstraints=critical,CA:TRUE" -out ca.pem 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout server.key -subj "/CN=127.0.0.1" -out server.csr 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > server.cnf
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile server.cnf -out server.pem 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout key.pem -subj "/CN=client" -out client.csr 2>/dev/null
printf 'extendedKeyUsage=clientAuth\n' > client.cnf
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile client.cnf -out cert.pem 2>/dev/null
"#;
    let made = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(&certs)
        .status()
        .expect("openssl");
    assert!(made.success());
    use rustls::pki_types::pem::PemObject;
    let chain: Vec<rustls::pki_types::CertificateDer<'static>> =
        rustls::pki_types::CertificateDer::pem_file_iter(certs.join("server.pem"))
            .expect("read")
            .collect::<Result<_, _>>()
            .expect("pem");
    let key =
        rustls::pki_types::PrivateKeyDer::from_pem_file(certs.join("server.key")).expect("key");
    let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    listener.set_nonblocking(true).expect("nonblocking");
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let socket = socket.clone();
                tokio::spawn(async move {
                    let (Ok(mut tls), Ok(mut engine)) = (
                        acceptor.accept(tcp).await,
                        tokio::net::UnixStream::connect(&socket).await,
                    ) else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut engine).await;
                });
            }
        });
    });
    (format!("tcp://127.0.0.1:{port}"), certs)
}

/// Runs dockward under GNU time; returns (exit code, stdout and stderr, peak RSS kB).
fn measured(host: &str, args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String, u64) {
    let dir = tempfile::tempdir().expect("tmp");
    let time_file = dir.path().join("time");
    let out = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&time_file)
        .arg(assert_cmd::cargo::cargo_bin("dockward"))
        .args(args)
        .env("DOCKER_HOST", host)
        .env_remove("DOCKER_CONTEXT")
        .envs(env.iter().copied())
        .output()
        .expect("/usr/bin/time (scripts/setup.sh installs it)");
    let rss = std::fs::read_to_string(&time_file)
        .expect("time output")
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .expect("peak RSS");
    // What the user sees, whichever stream it went to.
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), shown, rss)
}

#[test]
fn an_engine_sending_an_endless_answer_is_cut_off_in_bounded_memory() {
    let dir = tempfile::tempdir().expect("tmp");
    let host = fake_engine(dir.path(), Behaviour::EndlessLists);
    let t = Instant::now();
    let (code, stderr, rss_kb) = measured(&host, &["inventory", "--no-db"], &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("passed 67108864 bytes, the limit for anything but an image export"),
        "{stderr}"
    );
    // The cap is 64 MiB of answer; before the fix this reached 4.5 GB in 5 s.
    assert!(rss_kb < 400_000, "peak RSS {rss_kb} kB");
    assert!(t.elapsed() < Duration::from_secs(60), "{:?}", t.elapsed());
}

#[test]
fn an_export_that_stalls_ends_the_scan_as_interrupted_with_the_reason() {
    let dir = tempfile::tempdir().expect("tmp");
    let host = fake_engine(dir.path(), Behaviour::StallingExport);
    let db = dir.path().join("d.db");
    let db_arg = db.display().to_string();
    let t = Instant::now();
    let (code, stderr, _) = measured(
        &host,
        &["scan", "stall:1", "--db", &db_arg],
        &[("DOCKWARD_ENGINE_IDLE_SECS", "2")],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("sent nothing for 2s while answering GET"),
        "{stderr}"
    );
    assert!(t.elapsed() < Duration::from_secs(30), "{:?}", t.elapsed());
    let history = Command::new(assert_cmd::cargo::cargo_bin("dockward"))
        .args(["history", "--format", "json", "--db", &db_arg])
        .output()
        .expect("history");
    let h: serde_json::Value = serde_json::from_slice(&history.stdout).expect("json");
    assert_eq!(h[0]["status"], "interrupted", "{h}");
    assert!(
        h[0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("sent nothing for 2s")),
        "{h}"
    );
}

/// Regression (issue 11): a TLS engine (DOCKER_TLS_VERIFY) went through
/// bollard's own transport, without the answer cap or the idle timeout: an
/// endless answer took 3 GB, a stalled export hung. The same bounds hold.
#[test]
fn an_engine_over_tls_is_bounded_like_a_local_one() {
    let dir = tempfile::tempdir().expect("tmp");
    let (host, certs) = fake_tls_engine(dir.path(), Behaviour::EndlessLists);
    let certs = certs.display().to_string();
    let tls = [
        ("DOCKER_TLS_VERIFY", "1"),
        ("DOCKER_CERT_PATH", certs.as_str()),
    ];
    let t = Instant::now();
    let (code, shown, rss_kb) = measured(&host, &["inventory", "--no-db"], &tls);
    assert_eq!(code, Some(2), "{shown}");
    assert!(
        shown.contains("passed 67108864 bytes, the limit for anything but an image export"),
        "{shown}"
    );
    assert!(rss_kb < 400_000, "peak RSS {rss_kb} kB");
    assert!(t.elapsed() < Duration::from_secs(60), "{:?}", t.elapsed());

    let dir = tempfile::tempdir().expect("tmp");
    let (host, certs) = fake_tls_engine(dir.path(), Behaviour::StallingExport);
    let certs = certs.display().to_string();
    let env = [
        ("DOCKER_TLS_VERIFY", "1"),
        ("DOCKER_CERT_PATH", certs.as_str()),
        ("DOCKWARD_ENGINE_IDLE_SECS", "2"),
    ];
    let t = Instant::now();
    let (code, shown, _) = measured(&host, &["scan", "stall:1", "--no-db"], &env);
    assert_eq!(code, Some(2), "{shown}");
    assert!(
        shown.contains("sent nothing for 2s while answering GET"),
        "{shown}"
    );
    assert!(t.elapsed() < Duration::from_secs(30), "{:?}", t.elapsed());
}
