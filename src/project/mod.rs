//! The project check: a folder's Dockerfiles, compose files and build
//! contexts judged before anything runs, with each finding on its file's
//! line and column. Compose services go through the container rules (one
//! catalogue); Dockerfiles and the folder have rules of their own
//! (`dockerfile.*`, `compose.*`, `project.*`). A file that cannot be read
//! or parsed is an error of its own; the rest of the folder is still
//! checked. Fixes with a mechanical change are plans for `edit` (`fix`).

pub mod compose;
pub mod contexts;
pub mod discover;
pub mod dockerfile;
pub mod fix;
mod fix_secrets;
pub mod ignore;
pub mod interpolate;
pub mod layering;
pub mod service;
pub mod shell;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::explain::{explain, FindingReport};
use crate::finding::{Finding, Hit, SeverityCounts, Subject};

/// The rules only the project check produces (compose services also get
/// every `container.*` rule).
pub const RULES: &[&str] = &[
    "dockerfile.root-user",
    "dockerfile.secret-arg",
    "dockerfile.secret-arg-used",
    "dockerfile.copy-sensitive",
    "dockerfile.context-leak",
    "dockerfile.copy-whole-stage",
    "dockerfile.add-url",
    "dockerfile.curl-pipe-shell",
    "dockerfile.sudo",
    "dockerfile.unpinned-base",
    "dockerfile.unofficial-base",
    "dockerfile.ssh-port",
    "compose.build-arg-secret",
    "project.env-tracked",
    "project.key-tracked",
];

/// Files larger than this are not configuration anyone wrote.
const MAX_FILE_BYTES: u64 = 4 << 20;

/// A place in a project file: path relative to the project, 1-based line
/// and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Located {
    /// Path relative to the project folder.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

/// One finding where it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ProjectFinding {
    /// The finding, explained.
    pub finding: FindingReport,
    /// Where.
    pub at: Located,
    /// The file's line there (control characters escaped, secrets redacted).
    pub source: String,
    /// Whether `dockward check --fix` (the window's Apply fix) changes it.
    pub fixable: bool,
}

/// A file that could not be checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FileError {
    /// Path relative to the project.
    pub file: String,
    /// Why.
    pub message: String,
}

/// What the project check found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ProjectReport {
    /// The folder, as resolved.
    pub root: String,
    /// When (RFC 3339).
    pub generated_at: String,
    /// Dockerfiles checked.
    pub dockerfiles: Vec<String>,
    /// Compose files checked.
    pub compose_files: Vec<String>,
    /// Whether git tracks the folder (tracked-file rules ran).
    pub git: bool,
    /// Findings, by file and line.
    pub findings: Vec<ProjectFinding>,
    /// Files that could not be checked.
    pub errors: Vec<FileError>,
    /// Risk score 0–100.
    pub score: u8,
    /// Findings by severity (suppressed ones left out).
    pub counts: SeverityCounts,
    /// Entries walked; whether the walk stopped at its bound.
    pub entries: u32,
    /// Whether the walk stopped at its bound.
    pub truncated: bool,
    /// The scan recorded for it, when a store was used.
    pub scan_id: Option<i64>,
}

/// Errors of the project check.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProjectError {
    /// The folder cannot be read.
    #[error("cannot read the project folder {path}: {source}")]
    Folder {
        /// The folder.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Recording failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The rule catalogue does not load (a build defect).
    #[error(transparent)]
    Rules(#[from] &'static crate::rules::RulesError),
    /// A fix could not be planned or applied.
    #[error(transparent)]
    Edit(#[from] crate::edit::EditError),
    /// `--fix` named no rule with a fix.
    #[error("{0}")]
    Fix(String),
}

fn read(root: &Path, rel: &str) -> Result<Vec<u8>, String> {
    let path = root.join(rel);
    let meta = std::fs::symlink_metadata(&path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "{} bytes, over the {MAX_FILE_BYTES}-byte limit",
            meta.len()
        ));
    }
    std::fs::read(&path).map_err(|e| e.to_string())
}

/// Everything a check found, before it is explained or recorded.
pub struct Checked {
    /// The folder's subject.
    pub subject: Subject,
    /// Findings with where they are, in file and line order.
    pub found: Vec<(Finding, Located)>,
    /// Files that could not be checked.
    pub errors: Vec<FileError>,
    /// What was walked.
    pub discovered: discover::Discovered,
    /// Compose files checked (those found plus those they pull in).
    pub compose_files: Vec<String>,
    /// The build context of each Dockerfile a compose file builds.
    pub build_contexts: BTreeMap<String, String>,
}

/// Checks the folder (reads files only).
pub fn check(root: &Path) -> Result<Checked, ProjectError> {
    let catalogue = crate::rules::builtin()?;
    let found = discover::discover(root).map_err(|source| ProjectError::Folder {
        path: root.display().to_string(),
        source,
    })?;
    let env_text = std::fs::read_to_string(root.join(".env")).unwrap_or_default();
    let env = interpolate::Env::parse(&env_text);
    // The files COMPOSE_FILE names (Compose loads them instead of the
    // defaults and their overrides).
    let compose_file = crate::compose::ComposeFileSetting::parse(&env_text)
        .map(|s| s.files)
        .unwrap_or_default();
    let mut hits: Vec<(Hit, Located)> = Vec::new();
    let mut errors = Vec::new();
    let mut users = compose::Users::new();
    let mut listed = found.compose.clone();
    listed.extend(compose_file.iter().cloned());
    let build_contexts = contexts::build_contexts(root, &listed);
    for rel in &found.dockerfiles {
        let context = build_contexts.get(rel).map(String::as_str);
        match read(root, rel).and_then(|b| dockerfile::check(root, rel, &b, context)) {
            Ok((h, summary)) => {
                hits.extend(h);
                users.insert(rel.clone(), summary.user);
            }
            Err(message) => errors.push(FileError {
                file: rel.clone(),
                message,
            }),
        }
    }
    // Compose files: those found, those COMPOSE_FILE names, and those they
    // pull in (`include:`, `extends.file`), each once, inside the folder.
    let mut queue = listed;
    let (overlays, base_of) = layering::groups(root, &found.compose, &compose_file);
    let parsed = |rel: &str| -> Option<serde_json::Value> {
        let text = String::from_utf8(read(root, rel).ok()?).ok()?;
        let mut doc = crate::compose::to_json(&text).ok()?;
        interpolate::interpolate_json(&mut doc, &env);
        Some(doc)
    };
    let layering_of = |rel: &str| layering::Layering {
        overlays: overlays
            .get(rel)
            .map(|o| o.iter().filter_map(|r| parsed(r)).collect())
            .unwrap_or_default(),
        base_services: base_of.get(rel).map(|b| {
            parsed(b)
                .and_then(|d| {
                    d.get("services")
                        .and_then(|s| s.as_object())
                        .map(|m| m.keys().cloned().collect())
                })
                .unwrap_or_default()
        }),
    };
    let mut seen = BTreeSet::new();
    while let Some(rel) = queue.pop() {
        if !seen.insert(rel.clone()) {
            continue;
        }
        if rel.split('/').any(|c| c == "..") || Path::new(&rel).is_absolute() {
            errors.push(FileError {
                file: rel,
                message: "outside the project folder: not read".into(),
            });
            continue;
        }
        let checked = read(root, &rel)
            .and_then(|b| String::from_utf8(b).map_err(|_| "not UTF-8 text".to_owned()))
            .and_then(|t| {
                compose::check(root, &rel, &t, &env, &users, catalogue, &layering_of(&rel))
            });
        match checked {
            Ok(c) => {
                hits.extend(c.hits);
                queue.extend(c.follows);
            }
            Err(message) => errors.push(FileError { file: rel, message }),
        }
    }
    hits.extend(tracked_hits(root, &found));
    let subject = Subject::project(root);
    let mut out: Vec<(Finding, Located)> = Vec::new();
    let mut fingerprints = BTreeSet::new();
    for (hit, at) in hits {
        if let Some(f) = catalogue.finding(&subject, hit) {
            // One finding per place: a file pulled in twice is one file.
            if fingerprints.insert(f.fingerprint.clone()) {
                out.push((f, at));
            }
        }
    }
    out.sort_by(|a, b| (&a.1.file, a.1.line, a.1.column).cmp(&(&b.1.file, b.1.line, b.1.column)));
    errors.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(Checked {
        subject,
        found: out,
        errors,
        discovered: found,
        compose_files: seen.into_iter().collect(),
        build_contexts,
    })
}

/// `.env` files with secrets, keys and `.certs/` that git tracks.
fn tracked_hits(root: &Path, found: &discover::Discovered) -> Vec<(Hit, Located)> {
    let Some(tracked) = &found.tracked else {
        return vec![];
    };
    let Ok(scanner) = crate::secrets::builtin() else {
        return vec![];
    };
    let mut out = Vec::new();
    for rel in tracked {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        if discover::is_env_file(name) && !discover::is_env_template(name) {
            let Ok(text) = read(root, rel).map(|b| String::from_utf8_lossy(&b).into_owned()) else {
                continue;
            };
            for (i, line) in text.lines().enumerate() {
                let l = line.trim().trim_start_matches("export ");
                let Some((k, v)) = l.split_once('=') else {
                    continue;
                };
                if l.starts_with('#') {
                    continue;
                }
                if let Some(m) = scanner.classify_env(k.trim(), v.trim().trim_matches(['"', '\'']))
                {
                    out.push((
                        Hit::new(
                            "project.env-tracked",
                            format!("{rel} {}", k.trim()),
                            format!("{}={} — {}", k.trim(), m.redacted, m.title),
                        )
                        .secret(m.digest),
                        Located {
                            file: rel.clone(),
                            line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                            column: 1,
                        },
                    ));
                }
            }
        } else if (rel.starts_with(".certs/") || rel.contains("/.certs/"))
            // What the CA wizard keeps in git on purpose: no key, no
            // certificate, only the folder and the script that fills it.
            && ![".gitkeep", ".gitignore", "setup.sh", "README.md"].contains(&name)
        {
            out.push((
                Hit::new(
                    "project.key-tracked",
                    rel.clone(),
                    format!("{rel} is in git"),
                ),
                Located {
                    file: rel.clone(),
                    line: 1,
                    column: 1,
                },
            ));
        } else if dockerfile::is_key_file(name) {
            // A .pem that holds only certificates is not a key.
            let key = !name.ends_with(".pem")
                || read(root, rel)
                    .is_ok_and(|b| String::from_utf8_lossy(&b).contains("PRIVATE KEY"));
            if key {
                out.push((
                    Hit::new(
                        "project.key-tracked",
                        rel.clone(),
                        format!("{rel} (a key or certificate store) is in git"),
                    ),
                    Located {
                        file: rel.clone(),
                        line: 1,
                        column: 1,
                    },
                ));
            }
        }
    }
    out
}

/// The line at `at` in `root`, for display: escaped and redacted.
fn source_line(root: &Path, at: &Located, cache: &mut HashMap<String, Vec<String>>) -> String {
    let lines = cache.entry(at.file.clone()).or_insert_with(|| {
        read(root, &at.file)
            .map(|b| {
                String::from_utf8_lossy(&b)
                    .lines()
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    });
    let line = lines
        .get(at.line.saturating_sub(1) as usize)
        .map(String::as_str)
        .unwrap_or("");
    let shown: String = line.chars().take(200).collect();
    let redacted = crate::secrets::builtin()
        .map(|s| s.redact_for_display(&shown))
        .unwrap_or(shown);
    redacted
        .chars()
        .map(|c| if c.is_control() && c != '\t' { '?' } else { c })
        .collect()
}

/// Checks `root` and records a `project` scan when a store is given.
pub async fn run(
    root: &Path,
    store: Option<&crate::store::Store>,
    now: &str,
) -> Result<ProjectReport, ProjectError> {
    let root_key = Subject::project(root).key;
    let scan = match store {
        Some(s) => Some(
            s.begin(crate::store::ScanKind::Project, "local files", &root_key)
                .await?,
        ),
        None => None,
    };
    let checked = match check(root) {
        Ok(c) => c,
        Err(e) => {
            if let Some(run) = scan {
                run.failed(&e.to_string()).await?;
            }
            return Err(e);
        }
    };
    let suppressions = match store {
        Some(s) => s.active_suppressions().await?,
        None => Default::default(),
    };
    let findings: Vec<Finding> = checked.found.iter().map(|(f, _)| f.clone()).collect();
    let explained = explain(&findings, &suppressions);
    let scan_id = match scan {
        Some(run) => {
            let id = run.id();
            run.complete(&findings, &[(checked.subject.clone(), explained.score)])
                .await?;
            Some(id)
        }
        None => None,
    };
    let fixable = fix::fixable_rules();
    let mut cache = HashMap::new();
    let rootp = Path::new(&root_key);
    let reports = explained
        .findings
        .into_iter()
        .zip(checked.found.iter())
        .map(|(finding, (_, at))| ProjectFinding {
            fixable: fixable.contains(&finding.rule.as_str()),
            source: source_line(rootp, at, &mut cache),
            at: at.clone(),
            finding,
        })
        .collect();
    Ok(ProjectReport {
        root: root_key,
        generated_at: now.to_owned(),
        dockerfiles: checked.discovered.dockerfiles.clone(),
        compose_files: checked.compose_files,
        git: checked.discovered.tracked.is_some(),
        findings: reports,
        errors: checked.errors,
        score: explained.score,
        counts: explained.counts,
        entries: u32::try_from(checked.discovered.entries).unwrap_or(u32::MAX),
        truncated: checked.discovered.truncated,
        scan_id,
    })
}
