//! Finding a project's Dockerfiles, compose files, `.dockerignore`s and
//! `.env` files, and which files git tracks. Links are not followed;
//! dependency and VCS folders are not entered; the walk stops at a bound.

use std::collections::BTreeSet;
use std::path::Path;

use crate::project_files::{is_dockerfile, SKIPPED_DIRS};

/// More entries than this and the walk stops (said in the report).
pub const MAX_ENTRIES: usize = 500_000;
/// Deeper than this is not a project layout.
const MAX_DEPTH: usize = 32;

/// What a folder holds, as paths relative to it (`/`-separated), sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovered {
    /// `Dockerfile`, `Containerfile`, `*.Dockerfile`, `Dockerfile.*`.
    pub dockerfiles: Vec<String>,
    /// `compose.yaml` and its spellings, `*.override.*`, `compose.*.yaml`.
    pub compose: Vec<String>,
    /// `.dockerignore` files.
    pub dockerignores: Vec<String>,
    /// `.env` and `.env.*` files.
    pub env_files: Vec<String>,
    /// Files git tracks, when the folder is a git work tree.
    pub tracked: Option<BTreeSet<String>>,
    /// Entries seen.
    pub entries: usize,
    /// Whether the walk stopped at [`MAX_ENTRIES`].
    pub truncated: bool,
}

/// Whether a file name is a compose file's.
pub fn is_compose(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let yaml = lower.ends_with(".yml") || lower.ends_with(".yaml");
    yaml && (lower.starts_with("compose.") || lower.starts_with("docker-compose."))
}

/// Whether a file name is an env file's (`.env`, `.env.local`…).
pub fn is_env_file(name: &str) -> bool {
    name == ".env" || name.starts_with(".env.")
}

/// An env file meant to be committed: a template without real values.
pub fn is_env_template(name: &str) -> bool {
    [".example", ".sample", ".template", ".dist", ".defaults"]
        .iter()
        .any(|s| name.ends_with(s))
}

/// Walks `root`.
pub fn discover(root: &Path) -> std::io::Result<Discovered> {
    let mut found = Discovered::default();
    let mut stack = vec![(root.to_path_buf(), String::new(), 0usize)];
    while let Some((dir, rel, depth)) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if depth == 0 => return Err(e),
            Err(_) => continue,
        };
        for entry in entries.flatten() {
            found.entries += 1;
            if found.entries > MAX_ENTRIES {
                found.truncated = true;
                break;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            // Links are data: neither followed nor checked.
            let Ok(ft) = entry.file_type() else { continue };
            if ft.is_dir() {
                if depth < MAX_DEPTH && !SKIPPED_DIRS.contains(&name.as_str()) {
                    stack.push((entry.path(), path, depth + 1));
                }
            } else if ft.is_file() {
                if is_dockerfile(&name) {
                    found.dockerfiles.push(path);
                } else if is_compose(&name) {
                    found.compose.push(path);
                } else if name == ".dockerignore" {
                    found.dockerignores.push(path);
                } else if is_env_file(&name) {
                    found.env_files.push(path);
                }
            }
        }
        if found.truncated {
            break;
        }
    }
    found.dockerfiles.sort();
    found.compose.sort();
    found.dockerignores.sort();
    found.env_files.sort();
    found.tracked = tracked(root);
    Ok(found)
}

/// The files git tracks in `root` (`git ls-files`, read-only), or `None`
/// when it is not a work tree or git is not installed.
fn tracked(root: &Path) -> Option<BTreeSet<String>> {
    // The folder may be a subfolder of a repository: git finds the
    // repository upwards and lists the tracked files below the folder,
    // relative to it. Nothing in the repository's config may run a program
    // (a hostile repository's fsmonitor hook would, on an index refresh).
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["-c", "core.fsmonitor=false", "ls-files", "-z"])
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    Some(
        out.stdout
            .split(|b| *b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect(),
    )
}
