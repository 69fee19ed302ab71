//! Where the corporate CA is on this machine: the environment variables
//! developers set for their tools, the files TLS-inspection agents install
//! (`sources.toml`, data), and the system trust store. Bundles are split and
//! only certificates that are not public web roots are offered; the
//! TLS-inspection vendor's come first. Read-only: files are read, and on
//! macOS and Windows the system store is listed with the OS's own tool.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::certificate::{self, CaCertificate};
use crate::host::settings::Os;

/// Variables that name a CA file, in the order they are consulted: the
/// ones that usually hold only the corporate CA first.
pub const CA_VARIABLES: &[&str] = &[
    "NODE_EXTRA_CA_CERTS",
    "SSL_CERT_FILE",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "PIP_CERT",
    "GIT_SSL_CAINFO",
    "AWS_CA_BUNDLE",
    "CARGO_HTTP_CAINFO",
    "SSL_CERT_DIR",
];

#[derive(Debug, Deserialize)]
struct Sources {
    file: Vec<SourceFile>,
    system: Vec<SourceFile>,
}

#[derive(Debug, Deserialize)]
struct SourceFile {
    #[serde(default)]
    vendor: Option<String>,
    os: String,
    path: String,
}

fn sources() -> Sources {
    // Built in and checked by a unit test; an error here is a build defect.
    toml::from_str(include_str!("sources.toml")).unwrap_or(Sources {
        file: Vec::new(),
        system: Vec::new(),
    })
}

/// What detection may look at.
#[derive(Debug, Clone)]
pub struct DetectEnv {
    /// The OS whose paths to use.
    pub os: Os,
    /// Environment variables.
    pub vars: Vec<(String, String)>,
    /// Where absolute paths are looked up: `None` for the real file system;
    /// tests give a folder that stands for `/`.
    pub prefix: Option<PathBuf>,
    /// Whether to run the OS's tool to list the system store (macOS
    /// `security`, Windows PowerShell).
    pub run_commands: bool,
    /// Now, for expiry warnings.
    pub now_unix: i64,
}

impl DetectEnv {
    /// This machine.
    pub fn from_process() -> DetectEnv {
        DetectEnv {
            os: Os::current(),
            vars: std::env::vars().collect(),
            prefix: None,
            run_commands: true,
            now_unix: time::OffsetDateTime::now_utc().unix_timestamp(),
        }
    }

    fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.trim().is_empty())
    }

    fn path(&self, p: &str) -> PathBuf {
        match &self.prefix {
            None => PathBuf::from(p),
            Some(root) => {
                let rel = p.trim_start_matches(['/', '\\']);
                let rel = rel.strip_prefix("C:/").unwrap_or(rel);
                root.join(rel)
            }
        }
    }
}

/// One place a CA was looked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Candidate {
    /// Where: `NODE_EXTRA_CA_CERTS`, `Netskope`, `system trust store`.
    pub source: String,
    /// The file read, if it was a file.
    pub path: Option<String>,
    /// Its certificates that are not public roots, vendor's first.
    pub certificates: Vec<CaCertificate>,
    /// Public roots left out (a bundle).
    pub public_roots: usize,
    /// Why it could not be used (a key inside, unreadable, no certificate).
    pub problem: Option<String>,
}

/// Everything found, and the certificate to use when that is clear.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Detection {
    /// Every place with something to say, in the order consulted.
    pub candidates: Vec<Candidate>,
    /// The distinct certificates on offer, vendor's first.
    pub offered: Vec<CaCertificate>,
    /// The one to use without asking: there is exactly one offered, or
    /// exactly one that names a TLS-inspection vendor.
    pub choice: Option<CaCertificate>,
}

/// The distribution's own copies of the public roots (Debian and Ubuntu
/// keep them in `/usr/share/ca-certificates`): its bundle holds roots that
/// Mozilla no longer marks for TLS, which are not corporate either.
fn distribution_roots(env: &DetectEnv) -> HashSet<String> {
    if env.os != Os::Linux {
        return HashSet::new();
    }
    let dir = env.path("/usr/share/ca-certificates");
    cert_files(&dir)
        .iter()
        .filter_map(|f| certificate::read(f, env.now_unix).ok())
        .flatten()
        .map(|c| c.sha256)
        .collect()
}

fn from_file(
    env: &DetectEnv,
    public: &HashSet<String>,
    source: String,
    shown: &str,
    path: &Path,
) -> Option<Candidate> {
    if !path.exists() {
        return None;
    }
    Some(match certificate::read(path, env.now_unix) {
        Ok(certs) => {
            let total = certs.len();
            let mut certificates: Vec<CaCertificate> = certs
                .into_iter()
                .filter(|c| !c.public_root && !c.not_ca && !public.contains(&c.sha256))
                .collect();
            certificates.sort_by_key(|c| c.vendor.is_none());
            Candidate {
                source,
                path: Some(shown.to_owned()),
                public_roots: total - certificates.len(),
                certificates,
                problem: None,
            }
        }
        Err(e) => Candidate {
            source,
            path: Some(shown.to_owned()),
            certificates: Vec::new(),
            public_roots: 0,
            problem: Some(e.to_string()),
        },
    })
}

/// The `.crt`/`.pem` files of a folder (one level down too, as
/// `update-ca-certificates` reads them), sorted.
fn cert_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![(dir.to_path_buf(), 0)];
    while let Some((d, depth)) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let Ok(t) = e.file_type() else { continue };
            if t.is_dir() && depth == 0 {
                dirs.push((p, 1));
            } else if t.is_file()
                && p.extension()
                    .is_some_and(|x| x.eq_ignore_ascii_case("crt") || x.eq_ignore_ascii_case("pem"))
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The system store's certificates through the OS's tool, as PEM.
fn system_store_pem(os: Os) -> Option<(String, Vec<u8>)> {
    let (what, cmd, args): (&str, &str, &[&str]) = match os {
        Os::Macos => (
            "macOS System keychain",
            "security",
            &["find-certificate", "-a", "-p", "/Library/Keychains/System.keychain"],
        ),
        Os::Windows => (
            "Windows certificate store (LocalMachine\\Root)",
            "powershell",
            &[
                "-NoProfile",
                "-Command",
                "Get-ChildItem Cert:\\LocalMachine\\Root | ForEach-Object { '-----BEGIN CERTIFICATE-----'; [Convert]::ToBase64String($_.RawData, 'InsertLineBreaks'); '-----END CERTIFICATE-----' }",
            ],
        ),
        Os::Linux => return None,
    };
    let out = std::process::Command::new(cmd).args(args).output().ok()?;
    out.status.success().then(|| (what.to_owned(), out.stdout))
}

/// Looks everywhere (see the module docs).
pub fn detect(env: &DetectEnv) -> Detection {
    let os_name = match env.os {
        Os::Macos => "macos",
        Os::Windows => "windows",
        Os::Linux => "linux",
    };
    let public = distribution_roots(env);
    let mut candidates: Vec<Candidate> = Vec::new();
    // One candidate per file, naming every variable that points at it.
    let mut add = |c: Option<Candidate>| {
        let Some(c) = c else { return };
        match candidates
            .iter_mut()
            .find(|k| k.path.is_some() && k.path == c.path)
        {
            Some(k) if !k.source.split(", ").any(|s| s == c.source) => {
                k.source = format!("{}, {}", k.source, c.source);
            }
            Some(_) => {}
            None => candidates.push(c),
        }
    };
    for name in CA_VARIABLES {
        let Some(value) = env.var(name) else { continue };
        let path = env.path(value);
        let files = if path.is_dir() {
            cert_files(&path)
        } else {
            vec![path]
        };
        for f in files {
            let shown = if env.prefix.is_some() {
                value.to_owned()
            } else {
                f.display().to_string()
            };
            add(from_file(env, &public, (*name).to_owned(), &shown, &f));
        }
    }
    let src = sources();
    for s in src.file.iter().filter(|s| s.os == os_name) {
        let vendor = s.vendor.clone().unwrap_or_else(|| "agent".into());
        add(from_file(env, &public, vendor, &s.path, &env.path(&s.path)));
    }
    for s in src.system.iter().filter(|s| s.os == os_name) {
        let path = env.path(&s.path);
        let files = if path.is_dir() {
            cert_files(&path)
        } else {
            vec![path]
        };
        for f in files {
            let shown = f.display().to_string();
            add(from_file(
                env,
                &public,
                "system trust store".into(),
                &shown,
                &f,
            ));
        }
    }
    if env.run_commands {
        if let Some((what, pem)) = system_store_pem(env.os) {
            if let Ok(certs) = certificate::parse(&pem, &what, env.now_unix) {
                let total = certs.len();
                let certificates: Vec<_> = certs.into_iter().filter(|c| !c.public_root).collect();
                candidates.push(Candidate {
                    source: what,
                    path: None,
                    public_roots: total - certificates.len(),
                    certificates,
                    problem: None,
                });
            }
        }
    }
    // A bundle with nothing but public roots says nothing: leave it out.
    candidates.retain(|c| c.problem.is_some() || !c.certificates.is_empty());
    let mut seen = HashSet::new();
    let mut offered: Vec<CaCertificate> = candidates
        .iter()
        .flat_map(|c| c.certificates.iter())
        .filter(|c| seen.insert(c.sha256.clone()))
        .cloned()
        .collect();
    offered.sort_by_key(|c| c.vendor.is_none());
    // A vendor's root is what builds need (the proxy sends its
    // intermediates); one root from one vendor is unambiguous.
    let vendor_roots: Vec<&CaCertificate> = offered
        .iter()
        .filter(|c| c.vendor.is_some() && c.subject == c.issuer)
        .collect();
    let choice = match (offered.len(), vendor_roots.len()) {
        (1, _) => offered.first().cloned(),
        (_, 1) => vendor_roots.first().map(|c| (*c).clone()),
        _ => None,
    };
    Detection {
        candidates,
        offered,
        choice,
    }
}
