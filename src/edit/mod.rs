//! Changes to a user's files, made only the way a user can trust: a
//! [`Plan`] is computed without writing anything, shown as a diff
//! ([`Plan::diff`]), applied only if every file is still as planned
//! ([`apply::apply`]: each file written to a temporary file and renamed over
//! the old one, all of them rolled back if one fails), recorded in the store,
//! and undone byte for byte ([`apply::undo`]). The CA wizard and the project
//! fixes make plans; this module is the one place that writes.
//!
//! Files are text (UTF-8): a file that is not, or that is a link, a device
//! or larger than [`MAX_FILE_BYTES`], is refused rather than edited.

pub mod apply;
pub mod diff;

use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The largest file a plan reads or edits. Dockerfiles, compose and ignore
/// files are a few kB; this bounds what a hostile project can make us read.
pub const MAX_FILE_BYTES: u64 = 4 << 20;

/// Errors of planning, applying and undoing changes.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EditError {
    /// A path that would leave the project folder.
    #[error("{0} is outside the project folder")]
    Outside(String),
    /// A file that cannot be edited safely.
    #[error("{path}: {reason}")]
    Unsuitable {
        /// Relative path.
        path: String,
        /// Why (a link, not text, too large).
        reason: String,
    },
    /// The project folder itself is not usable.
    #[error("{path} is not a folder Dockward can change: {reason}")]
    Root {
        /// The folder.
        path: String,
        /// Why.
        reason: String,
    },
    /// A file changed between the preview and apply (or since apply, for undo).
    #[error("{path} changed since {when}; nothing was written. Look at it, then plan again")]
    Changed {
        /// Relative path.
        path: String,
        /// `the preview` or `the change was applied`.
        when: &'static str,
    },
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// Nothing to undo.
    #[error("no change by Dockward to undo in {0}")]
    NothingToUndo(String),
    /// The journal could not be read or written.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// One file's change: its bytes before (as read when planning) and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Change {
    /// Relative to the project folder, `/`-separated.
    pub path: String,
    /// The text before; `None` when the file does not exist yet.
    pub before: Option<String>,
    /// The text after.
    pub after: String,
    /// Unix permission bits for a file this change creates.
    pub mode: Option<u32>,
    /// Why, in a line the preview shows.
    pub why: String,
}

/// Every change one action makes to one folder, computed without writing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Plan {
    /// The project folder, absolute.
    pub root: String,
    /// What makes it: `ca` or `fix`.
    pub kind: String,
    /// What it does, in a line.
    pub title: String,
    /// The file changes, in the order they are applied.
    pub changes: Vec<Change>,
    /// What the user should know that no file shows (a step to do by hand,
    /// a tool the change cannot cover).
    pub notes: Vec<String>,
}

impl Plan {
    /// Whether the plan changes nothing (the folder already has it all).
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// A fingerprint of the plan: a window that shows a preview sends it
    /// back with "apply", and the shell applies only a plan it recomputes
    /// to the same fingerprint (what was shown is what is written).
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let json = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(Sha256::digest(json))
    }

    /// The preview: a unified diff of every change (large new files
    /// summarised, see [`diff::preview`]).
    pub fn diff(&self) -> String {
        self.changes.iter().map(diff::preview).collect()
    }
}

/// Builds a plan against the files as they are now.
#[derive(Debug)]
pub struct PlanBuilder {
    root: PathBuf,
    plan: Plan,
}

impl PlanBuilder {
    /// Starts a plan for `root`, which must be an existing folder.
    pub fn new(root: &Path, kind: &str, title: &str) -> Result<PlanBuilder, EditError> {
        let bad = |reason: String| EditError::Root {
            path: root.display().to_string(),
            reason,
        };
        let root = root.canonicalize().map_err(|e| bad(e.to_string()))?;
        if !root.is_dir() {
            return Err(bad("not a folder".into()));
        }
        Ok(PlanBuilder {
            plan: Plan {
                root: root.display().to_string(),
                kind: kind.into(),
                title: title.into(),
                changes: Vec::new(),
                notes: Vec::new(),
            },
            root,
        })
    }

    /// The project folder (canonical).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The current text of `rel`, as this plan will leave it: a file the
    /// plan already changes reads as changed. `None` when it does not exist.
    pub fn read(&self, rel: &str) -> Result<Option<String>, EditError> {
        if let Some(c) = self.plan.changes.iter().find(|c| c.path == rel) {
            return Ok(Some(c.after.clone()));
        }
        read_text(&self.root, rel)
    }

    /// Makes `rel` hold `after`. Nothing is recorded when it already does.
    pub fn set(
        &mut self,
        rel: &str,
        after: String,
        mode: Option<u32>,
        why: &str,
    ) -> Result<(), EditError> {
        if let Some(c) = self.plan.changes.iter_mut().find(|c| c.path == rel) {
            c.after = after;
            if !c.why.contains(why) {
                c.why = format!("{}; {why}", c.why);
            }
            if c.before.as_deref() == Some(c.after.as_str()) {
                self.plan.changes.retain(|c| c.path != rel);
            }
            return Ok(());
        }
        let before = read_text(&self.root, rel)?;
        if before.as_deref() == Some(after.as_str()) {
            return Ok(());
        }
        self.plan.changes.push(Change {
            path: rel.into(),
            before,
            after,
            mode,
            why: why.into(),
        });
        Ok(())
    }

    /// Adds a note the preview shows.
    pub fn note(&mut self, note: String) {
        if !self.plan.notes.contains(&note) {
            self.plan.notes.push(note);
        }
    }

    /// The finished plan.
    pub fn finish(self) -> Plan {
        self.plan
    }
}

/// `rel` checked to stay inside the root: relative, no `..`, no root or
/// drive prefix.
pub fn inside(root: &Path, rel: &str) -> Result<PathBuf, EditError> {
    let p = Path::new(rel);
    let ok = !rel.is_empty()
        && p.components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !ok {
        return Err(EditError::Outside(rel.into()));
    }
    Ok(root.join(p))
}

/// The text of `rel` under `root`: `None` when missing; an error when it is
/// a link (writing would replace the link, and reading would follow it out
/// of the project), not a regular file, too large or not UTF-8. Every
/// folder on the way must be a real folder too.
pub fn read_text(root: &Path, rel: &str) -> Result<Option<String>, EditError> {
    let path = inside(root, rel)?;
    let unsuitable = |reason: &str| EditError::Unsuitable {
        path: rel.into(),
        reason: reason.into(),
    };
    let mut at = root.to_path_buf();
    for c in Path::new(rel).components() {
        at.push(c);
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(unsuitable(
                    "is (or is inside) a symbolic link; Dockward does not edit through links",
                ))
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(EditError::Io {
                    path: rel.into(),
                    source: e,
                })
            }
        }
    }
    let meta = std::fs::metadata(&path).map_err(|e| EditError::Io {
        path: rel.into(),
        source: e,
    })?;
    if !meta.is_file() {
        return Err(unsuitable("is not a regular file"));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(unsuitable("is over 4 MiB; not a file Dockward edits"));
    }
    let bytes = std::fs::read(&path).map_err(|e| EditError::Io {
        path: rel.into(),
        source: e,
    })?;
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| unsuitable("is not UTF-8 text; Dockward edits text files only"))
}

#[cfg(test)]
mod tests;
