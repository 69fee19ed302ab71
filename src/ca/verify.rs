//! Checking a project's CA setup: statically (the certificate files hold no
//! key and stay out of git and of build contexts, every network step of
//! every Dockerfile has the secret, every compose file its override, no
//! `COPY` takes `.certs/`), and, for images built from the project, with
//! the layer scan (the certificate is in none of their layers).

use std::path::Path;

use parse_dockerfile::Instruction;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::certificate;
use super::compose::missing_setup;
use super::dockerfile::rewrite;
use super::project::project_files;
use super::CaError;

/// One check and its result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Check {
    /// What was checked.
    pub what: String,
    /// Whether it holds.
    pub ok: bool,
    /// What was found.
    pub detail: String,
}

fn check(what: &str, ok: bool, detail: String) -> Check {
    Check {
        what: what.to_owned(),
        ok,
        detail,
    }
}

/// Whether git, asked read-only, ignores `rel` in `root`: `None` when the
/// folder is not in a git work tree (or git is not installed).
fn git_ignores(root: &Path, rel: &str) -> Option<bool> {
    let inside = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["rev-parse", "--is-inside-work-tree"])
        .output()
        .ok()?;
    if !inside.status.success() {
        return None;
    }
    let s = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["check-ignore", "-q", "--no-index", rel])
        .status()
        .ok()?;
    Some(s.success())
}

fn names_certs(s: &parse_dockerfile::Source<'_>) -> bool {
    matches!(s, parse_dockerfile::Source::Path(p) if p.value.contains(".certs"))
}

/// A CA found in a project's `.certs/`: what the image check looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectCa {
    /// SHA-256 of the certificate, hex.
    pub sha256: String,
    /// Its subject, as findings name it.
    pub subject: String,
}

/// The static checks (see the module docs), and the CAs in `.certs/`.
pub fn verify_project(root: &Path, now_unix: i64) -> Result<(Vec<Check>, Vec<ProjectCa>), CaError> {
    let mut checks = Vec::new();
    let mut cas = Vec::new();
    let certs_dir = root.join(".certs");
    let mut pems: Vec<_> = std::fs::read_dir(&certs_dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    pems.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|x| x == "pem"));
    pems.sort();
    let bundle = certs_dir.join("ca-bundle.pem");
    checks.push(check(
        "certificate files",
        bundle.is_file(),
        if bundle.is_file() {
            format!("{} PEM file(s) in .certs/", pems.len())
        } else {
            "no .certs/ca-bundle.pem: run `dockward ca apply` (or .certs/setup.sh)".into()
        },
    ));
    for p in &pems {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match certificate::read(p, now_unix) {
            Ok(certs) => {
                if name != "ca-bundle.pem" {
                    cas.extend(
                        certs
                            .into_iter()
                            .filter(|c| !c.public_root)
                            .map(|c| ProjectCa {
                                sha256: c.sha256,
                                subject: c.subject,
                            }),
                    );
                }
            }
            Err(CaError::HoldsKey(_)) => checks.push(check(
                "no key in .certs/",
                false,
                format!(
                    ".certs/{name} holds a private key: remove it; only certificates belong here"
                ),
            )),
            // An empty placeholder from setup.sh on a machine without the CA.
            Err(CaError::NoCertificate(_)) => {}
            Err(e) => checks.push(check("certificate files", false, e.to_string())),
        }
    }
    let ignored = match git_ignores(root, ".certs/ca-bundle.pem") {
        Some(ignored) => (ignored, "git check-ignore".to_owned()),
        None => {
            let gi = std::fs::read_to_string(root.join(".gitignore")).unwrap_or_default();
            (
                gi.lines()
                    .any(|l| matches!(l.trim(), ".certs/*" | ".certs/" | ".certs")),
                ".gitignore (not a git work tree)".to_owned(),
            )
        }
    };
    checks.push(check(
        "kept out of git",
        ignored.0,
        format!(
            "{}: .certs/ca-bundle.pem is {}ignored",
            ignored.1,
            if ignored.0 { "" } else { "NOT " }
        ),
    ));
    let di = std::fs::read_to_string(root.join(".dockerignore")).unwrap_or_default();
    let covered = di.lines().any(|l| {
        matches!(
            l.trim(),
            ".certs" | ".certs/" | ".certs/*" | ".certs/**" | "/.certs" | "/.certs/"
        )
    });
    checks.push(check(
        "kept out of build contexts",
        covered,
        if covered {
            ".dockerignore excludes .certs/".into()
        } else {
            ".dockerignore does not exclude .certs/: a `COPY . .` would bake the certificate in"
                .into()
        },
    ));
    let (dockerfiles, mut composes) = project_files(root);
    let setting = std::fs::read_to_string(root.join(".env"))
        .ok()
        .and_then(|t| crate::compose::ComposeFileSetting::parse(&t));
    if let Some(s) = &setting {
        for f in &s.files {
            if !composes.contains(f) && root.join(f).is_file() {
                composes.push(f.clone());
            }
        }
    }
    for df in &dockerfiles {
        let Ok(text) = std::fs::read_to_string(root.join(df)) else {
            continue;
        };
        let Ok(rewritten) = rewrite(&text, df) else {
            checks.push(check(
                &format!("{df}: build secret"),
                false,
                "it does not parse: check it by hand".into(),
            ));
            continue;
        };
        let missing = rewritten.steps;
        let unguarded = rewritten.unguarded;
        checks.push(check(
            &format!("{df}: build secret"),
            missing == 0 && unguarded == 0,
            match (missing, unguarded) {
                (0, 0) => "every network step has the CA as a build secret".into(),
                (0, u) => format!("{u} network step(s) have the secret but do not point their tools at it (the `if [ -s {}` line is gone)", super::dockerfile::SECRET_PATH),
                (m, _) => format!("{m} network step(s) without the build secret"),
            },
        ));
        let copies_certs = parse_dockerfile::parse(&text).is_ok_and(|parsed| {
            parsed.instructions.iter().any(|i| match i {
                Instruction::Copy(c) => c.src.iter().any(names_certs),
                Instruction::Add(a) => a.src.iter().any(names_certs),
                _ => false,
            })
        });
        {
            if copies_certs {
                checks.push(check(
                    &format!("{df}: no COPY of .certs"),
                    false,
                    "a COPY or ADD takes .certs/: the certificate would be in the image; use the build secret".into(),
                ));
            }
        }
    }
    for c in &composes {
        let (dir, base) = c.rsplit_once('/').unwrap_or(("", c.as_str()));
        let over = crate::compose::override_name(base);
        let over = if dir.is_empty() {
            over
        } else {
            format!("{dir}/{over}")
        };
        let services = std::fs::read_to_string(root.join(c))
            .ok()
            .and_then(|t| crate::compose::to_json(&t).ok())
            .map(|d| crate::compose::services(&d))
            .unwrap_or_default();
        let missing = match std::fs::read_to_string(root.join(&over)) {
            Ok(t) => missing_setup(&t, &services),
            Err(_) => services.iter().map(|s| s.name.clone()).collect(),
        };
        if let Some(s) = setting.as_ref().filter(|s| s.files.contains(c)) {
            let loaded = s.files.contains(&over);
            checks.push(check(
                &format!("{c}: COMPOSE_FILE"),
                loaded,
                if loaded {
                    format!("COMPOSE_FILE in .env names {over}")
                } else {
                    format!("COMPOSE_FILE in .env names {c} but not {over}: Compose will not load the setup")
                },
            ));
        }
        let ok = missing.is_empty();
        checks.push(check(
            &format!("{c}: containers"),
            ok,
            if ok {
                format!("{over} mounts the bundle read-only in every service and gives the build secret to those that build")
            } else {
                format!("{over} lacks the CA setup for {}", missing.join(", "))
            },
        ));
    }
    Ok((checks, cas))
}

/// Compose's project name for `root`: `COMPOSE_PROJECT_NAME` in `.env`, a
/// top-level `name:`, else the folder's name, lowercased to the characters
/// Compose keeps.
fn compose_project(root: &Path, docs: &[serde_json::Value]) -> String {
    let from_env = std::fs::read_to_string(root.join(".env"))
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.trim()
                    .strip_prefix("COMPOSE_PROJECT_NAME=")
                    .map(|v| v.trim().trim_matches(['"', '\'']).to_owned())
            })
        });
    let raw = from_env
        .or_else(|| {
            docs.iter()
                .find_map(|d| d["name"].as_str().map(str::to_owned))
        })
        .or_else(|| {
            root.canonicalize()
                .ok()?
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_default();
    raw.to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

/// The local images built from the project, found without being named:
/// for each service that builds, its `image:` when it sets one, else the
/// name Compose gives it (`<project>-<service>`, or `<project>_<service>`
/// for Compose v1).
pub async fn project_images(root: &Path) -> Result<Vec<String>, CaError> {
    let (_, mut composes) = project_files(root);
    if let Some(s) = std::fs::read_to_string(root.join(".env"))
        .ok()
        .and_then(|t| crate::compose::ComposeFileSetting::parse(&t))
    {
        composes.extend(s.files.into_iter().filter(|f| root.join(f).is_file()));
    }
    let docs: Vec<serde_json::Value> = composes
        .iter()
        .filter_map(|c| std::fs::read_to_string(root.join(c)).ok())
        .filter_map(|t| crate::compose::to_json(&t).ok())
        .collect();
    let project = compose_project(root, &docs);
    let mut wanted: Vec<String> = Vec::new();
    for doc in &docs {
        let Some(services) = doc["services"].as_object() else {
            continue;
        };
        for (name, svc) in services.iter().filter(|(_, s)| !s["build"].is_null()) {
            match svc["image"].as_str() {
                Some(image) => wanted.push(image.to_owned()),
                None => {
                    wanted.push(format!("{project}-{name}"));
                    wanted.push(format!("{project}_{name}"));
                }
            }
        }
    }
    if wanted.is_empty() {
        return Ok(vec![]);
    }
    let engine = crate::engine::Engine::connect_default()
        .await
        .map_err(|e| CaError::Scan(e.to_string()))?;
    let local = engine
        .image_names()
        .await
        .map_err(|e| CaError::Scan(e.to_string()))?;
    let repo = |tag: &str| tag.rsplit_once(':').map_or(tag, |(r, _)| r).to_owned();
    let mut found: Vec<String> = local
        .into_iter()
        .filter(|tag| wanted.iter().any(|w| *w == repo(tag) || w == tag))
        .collect();
    found.sort();
    found.dedup();
    Ok(found)
}

/// Scans `images` (built from the project) and checks that none carries
/// one of `cas` in a layer. Nothing is recorded.
pub async fn verify_images(images: &[String], cas: &[ProjectCa]) -> Result<Vec<Check>, CaError> {
    let engine = crate::engine::Engine::connect_default()
        .await
        .map_err(|e| CaError::Scan(e.to_string()))?;
    let scanner = std::sync::Arc::new(
        crate::layers::Scanner::builtin(crate::layers::Limits::default())
            .map_err(|e| CaError::Scan(e.to_string()))?,
    );
    let mut out = Vec::new();
    for image in images {
        let what = format!("image {image}: no CA in its layers");
        let scan = crate::layers::scan_image(
            &engine,
            None,
            image,
            scanner.clone(),
            &crate::layers::ScanControl::default(),
        )
        .await;
        let scan = match scan {
            Ok(s) => s,
            Err(e) => {
                out.push(check(&what, false, format!("not scanned: {e}")));
                continue;
            }
        };
        let found: Vec<String> = scan
            .findings
            .iter()
            .filter(|f| f.finding.rule == "image.layer-ca-certificate")
            // The finding names the certificate by subject (a bundle names
            // what it holds beyond the public roots).
            .filter(|f| {
                cas.iter()
                    .any(|ca| f.finding.evidence.contains(ca.subject.as_str()))
            })
            .map(|f| {
                format!(
                    "{} (layer {})",
                    f.path.clone().unwrap_or_default(),
                    f.layer_index.map_or("?".into(), |i| i.to_string())
                )
            })
            .collect();
        out.push(if let Some(e) = &scan.error {
            check(&what, false, format!("scan incomplete: {e}"))
        } else if found.is_empty() {
            check(
                &what,
                true,
                format!("{} layers scanned, the CA is in none", scan.layers.len()),
            )
        } else {
            check(
                &what,
                false,
                format!("the CA is baked in: {}", found.join(", ")),
            )
        });
    }
    Ok(out)
}
