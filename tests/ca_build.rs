//! Issue 12, with real parts: a real build through a real intercepting
//! server. The test makes its own CA and a server certificate signed by it,
//! serves HTTPS on 127.0.0.1, and builds a project whose Dockerfile fetches
//! from that server: before `dockward ca apply` the build fails on
//! certificate verification; after it, the build succeeds with the CA as a
//! BuildKit secret, the layer scan finds the CA in no layer (while an image
//! that COPYs it is caught), a container with the generated mount and
//! variable fetches too, and `undo` restores the project byte for byte.
#![cfg(unix)]

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn sh(cmd: &mut Command) -> std::process::Output {
    cmd.output().expect("run")
}

fn ok(cmd: &mut Command) -> String {
    let out = sh(cmd);
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A CA, and a certificate for 127.0.0.1 signed by it (keys stay in `dir`).
fn make_pki(dir: &Path) {
    let script = r#"set -e
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -days 2 -subj "/O=Dockward Test/CN=Dockward Test Intercepting CA" -addext "basicConstraints=critical,CA:TRUE" -out ca.pem 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout server.key -subj "/CN=127.0.0.1" -out server.csr 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' > ext.cnf
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile ext.cnf -out server.pem 2>/dev/null
"#;
    ok(Command::new("sh").arg("-c").arg(script).current_dir(dir));
}

/// An HTTPS server on 127.0.0.1 answering `fetched through the proxy`.
fn serve(dir: &Path) -> (Child, u16) {
    let code = r#"
import http.server, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"fetched through the proxy\n"
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain("server.pem", "server.key")
s.socket = ctx.wrap_socket(s.socket, server_side=True)
print(s.server_address[1], flush=True)
s.serve_forever()
"#;
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(code)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().expect("stdout")),
        &mut line,
    )
    .expect("port");
    (child, line.trim().parse().expect("port number"))
}

/// A base image with TLS clients that verify: this machine's curl and
/// wget (GnuTLS, which ignores SSL_CERT_FILE), their libraries and its
/// system roots, dash as the shell and busybox for the rest.
fn curl_image(dir: &Path, tag: &str, label: &str) {
    let script = r#"set -e
root=rootfs; mkdir -p $root/bin $root/etc/ssl/certs $root/tmp
cp "$(command -v busybox)" $root/bin/busybox
for a in cat echo test [ ls grep; do ln -sf busybox $root/bin/$a; done
# dash as /bin/sh, as Debian has it (busybox's ash runs its own applets
# before anything on PATH, so `command wget` would not be GNU wget).
cp "$(command -v dash)" $root/bin/sh
for tool in curl wget dash; do
  [ $tool = dash ] || cp "$(command -v $tool)" $root/bin/$tool
  for lib in $(ldd "$(command -v $tool)" | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"
  done
done
cp -L /etc/ssl/certs/ca-certificates.crt $root/etc/ssl/certs/
"#;
    ok(Command::new("sh").arg("-c").arg(script).current_dir(dir));
    ok(Command::new("sh")
        .arg("-c")
        .arg(format!(
            "tar -C rootfs -c . | docker import --change 'LABEL dockward.test={label}' - {tag}"
        ))
        .current_dir(dir));
}

fn build(project: &Path, tag: &str, label: &str, secret: bool) -> std::process::Output {
    let mut cmd = Command::new("/usr/bin/docker");
    cmd.env("DOCKER_BUILDKIT", "1")
        .args([
            "build",
            "--network",
            "host",
            "--progress",
            "plain",
            "--label",
        ])
        .arg(format!("dockward.test={label}"))
        .args(["-t", tag]);
    if secret {
        cmd.arg("--secret")
            .arg("id=ca-bundle,src=.certs/ca-bundle.pem");
    }
    cmd.arg(".").current_dir(project);
    sh(&mut cmd)
}

fn dockward(db: &Path) -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("dockward"));
    c.env("DOCKWARD_DB", db);
    c
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("ls").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).expect("inside").display().to_string();
                out.push((rel, std::fs::read(&p).expect("read")));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_build_behind_an_intercepting_proxy_works_after_apply_and_keeps_the_ca_out() {
    if !common::engine_available("ca_build") || !Path::new("/usr/bin/docker").exists() {
        return;
    }
    let labelled = common::Labelled::new("ca-build");
    let tag = |name: &str| format!("dockward-ca-{}-{name}:1", std::process::id());
    let pki = tempfile::tempdir().expect("tmp");
    make_pki(pki.path());
    let (mut server, port) = serve(pki.path());
    struct Kill<'a>(&'a mut Child);
    impl Drop for Kill<'_> {
        fn drop(&mut self) {
            let _ = self.0.kill();
        }
    }
    let _server = Kill(&mut server);
    curl_image(pki.path(), &tag("curl"), &labelled.label);

    let project = tempfile::tempdir().expect("tmp");
    let p = project.path();
    std::fs::write(
        p.join("Dockerfile"),
        format!(
            "FROM {}\n# Fetch a dependency through the intercepting proxy.\nRUN curl -fsS https://127.0.0.1:{port}/dep \\\n    -o /tmp/dep.txt\nRUN cat /tmp/dep.txt\nRUN wget -q -O /tmp/dep2.txt https://127.0.0.1:{port}/dep && cat /tmp/dep2.txt\n",
            tag("curl")
        ),
    )
    .expect("write");
    let before = snapshot(p);

    let failed = build(p, &tag("app"), &labelled.label, false);
    assert!(
        !failed.status.success(),
        "the build must fail before the setup"
    );
    let log = String::from_utf8_lossy(&failed.stderr);
    assert!(
        log.contains("certificate") || log.contains("exit code: 60"),
        "fails on certificate verification: {log}"
    );

    let db = project
        .path()
        .join("..")
        .join(format!("dw-ca-{}.db", std::process::id()));
    let out = ok(dockward(&db)
        .args(["ca", "apply", "--yes", "--cert"])
        .arg(pki.path().join("ca.pem"))
        .arg(p));
    assert!(
        out.contains("+RUN --mount=type=secret,id=ca-bundle,required=false"),
        "{out}"
    );
    let pems: Vec<_> = p
        .join(".certs")
        .read_dir()
        .expect("ls")
        .map(|e| e.expect("entry").path())
        .filter(|f| f.extension().is_some_and(|x| x == "pem"))
        .collect();
    assert_eq!(pems.len(), 2, "the CA and the bundle");
    for f in &pems {
        let text = std::fs::read_to_string(f).expect("read");
        assert!(!text.contains("PRIVATE KEY"), "no key in {}", f.display());
    }

    let built = build(p, &tag("app"), &labelled.label, true);
    assert!(
        built.status.success(),
        "the build works with the secret: {}",
        String::from_utf8_lossy(&built.stderr)
    );
    let log = String::from_utf8_lossy(&built.stderr);
    assert!(
        log.matches("fetched through the proxy").count() >= 2,
        "curl and wget both fetched: {log}"
    );

    // The layer scan finds the CA in none of the image's layers…
    let verified = sh(dockward(&db)
        .args(["ca", "verify", "--image", &tag("app")])
        .arg(p));
    let text = String::from_utf8_lossy(&verified.stdout);
    assert!(verified.status.success(), "{text}");
    assert!(text.contains("the CA is in none"), "{text}");
    // …and catches an image that bakes it in.
    std::fs::write(
        p.join("Bad.Dockerfile"),
        format!("FROM {}\nCOPY .certs/ /etc/ssl/corp/\n", tag("curl")),
    )
    .expect("write");
    std::fs::write(
        p.join(".dockerignore.bak"),
        std::fs::read(p.join(".dockerignore")).expect("read"),
    )
    .expect("write");
    std::fs::remove_file(p.join(".dockerignore")).expect("rm");
    ok(Command::new("/usr/bin/docker")
        .env("DOCKER_BUILDKIT", "1")
        .args([
            "build",
            "--network",
            "none",
            "-f",
            "Bad.Dockerfile",
            "--label",
        ])
        .arg(format!("dockward.test={}", labelled.label))
        .args(["-t", &tag("bad"), "."])
        .current_dir(p));
    let caught = sh(dockward(&db)
        .args(["ca", "verify", "--image", &tag("bad")])
        .arg(p));
    let text = String::from_utf8_lossy(&caught.stdout);
    assert_eq!(caught.status.code(), Some(1), "{text}");
    assert!(text.contains("the CA is baked in"), "{text}");
    assert!(text.contains("Bad.Dockerfile: no COPY of .certs"), "{text}");
    // Unnamed, the images verify scans are those the compose file builds.
    std::fs::write(
        p.join("compose.yaml"),
        format!(
            "services:\n  app:\n    build:\n      context: .\n      dockerfile: Bad.Dockerfile\n    image: {}\n",
            tag("bad")
        ),
    )
    .expect("write");
    let found = sh(dockward(&db).args(["ca", "verify"]).arg(p));
    let text = String::from_utf8_lossy(&found.stdout);
    assert_eq!(found.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!("image {}", tag("bad"))) && text.contains("the CA is baked in"),
        "{text}"
    );
    std::fs::remove_file(p.join("compose.yaml")).expect("rm");
    std::fs::rename(p.join(".dockerignore.bak"), p.join(".dockerignore")).expect("mv");
    std::fs::remove_file(p.join("Bad.Dockerfile")).expect("rm");

    // A container with the generated mount and variable fetches too.
    let fetched = ok(Command::new("/usr/bin/docker")
        .args(["run", "--rm", "--network", "host", "--label"])
        .arg(format!("dockward.test={}", labelled.label))
        .arg("--mount")
        .arg(format!(
            "type=bind,source={},target=/run/certs/ca-bundle.pem,readonly",
            p.join(".certs/ca-bundle.pem").display()
        ))
        .args(["-e", "CURL_CA_BUNDLE=/run/certs/ca-bundle.pem", &tag("app")])
        .args(["curl", "-fsS", &format!("https://127.0.0.1:{port}/runtime")]));
    assert_eq!(fetched, "fetched through the proxy\n");

    ok(dockward(&db).args(["ca", "undo"]).arg(p));
    assert_eq!(
        snapshot(p),
        before,
        "undo restores the project byte for byte"
    );
    let _ = std::fs::remove_file(&db);
    std::thread::sleep(Duration::from_millis(10));
}
