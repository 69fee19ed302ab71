//! Applying a [`Plan`] and undoing it. Apply writes nothing unless every
//! file is still as the preview showed it; each file is written to a
//! temporary file beside it and renamed over the old one (a reader never
//! sees half a file); if one write fails, those already made are put back.
//! The journal (what each file held, a hash of what was written) is recorded
//! in the store, so undo restores each file byte for byte, removes what the
//! change created, and refuses when the user has changed a file since.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

use super::{inside, read_text, EditError, Plan};
use crate::store::{EditFile, Store};

/// What an apply or an undo did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Outcome {
    /// The journal entry.
    #[ts(type = "number")]
    pub edit_id: i64,
    /// Files written (or restored), relative to the root.
    pub files: Vec<String>,
    /// Files removed (undo of a file the change created).
    pub removed: Vec<String>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn io_err(path: &str) -> impl FnOnce(std::io::Error) -> EditError + '_ {
    move |source| EditError::Io {
        path: path.into(),
        source,
    }
}

#[cfg(unix)]
fn mode_of(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn mode_of(_: &Path) -> Option<u32> {
    None
}

/// Writes `bytes` to `path` through a temporary file in the same folder
/// and a rename, with permission bits `mode` where the OS has them.
fn write_atomically(
    path: &Path,
    rel: &str,
    bytes: &[u8],
    mode: Option<u32>,
) -> Result<(), EditError> {
    use std::io::Write;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.dockward-{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        #[cfg(unix)]
        if let Some(mode) = mode {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(mode))?;
        }
        #[cfg(not(unix))]
        let _ = mode;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io_err(rel))
}

/// Creates the missing folders above `path`, returning those created
/// (relative, outermost first).
fn make_parents(root: &Path, rel: &str) -> Result<Vec<String>, EditError> {
    let mut created = Vec::new();
    let mut at = root.to_path_buf();
    let parts: Vec<&str> = rel.split('/').collect();
    for (i, part) in parts.iter().enumerate().take(parts.len().saturating_sub(1)) {
        at.push(part);
        if !at.exists() {
            std::fs::create_dir(&at).map_err(io_err(rel))?;
            created.push(parts[..=i].join("/"));
        }
    }
    Ok(created)
}

/// One file as it was before a write, to put back on failure.
struct Written {
    path: PathBuf,
    rel: String,
    before: Option<String>,
    mode: Option<u32>,
}

fn put_back(root: &Path, written: &[Written], dirs: &[String]) {
    for w in written.iter().rev() {
        match &w.before {
            Some(text) => {
                let _ = write_atomically(&w.path, &w.rel, text.as_bytes(), w.mode);
            }
            None => {
                let _ = std::fs::remove_file(&w.path);
            }
        }
    }
    for d in dirs.iter().rev() {
        let _ = std::fs::remove_dir(root.join(d));
    }
}

/// Applies `plan` and records it in `store` (see the module docs).
pub async fn apply(plan: &Plan, store: &Store) -> Result<Outcome, EditError> {
    let root = PathBuf::from(&plan.root);
    // Everything as previewed, or nothing is written.
    for c in &plan.changes {
        if read_text(&root, &c.path)? != c.before {
            return Err(EditError::Changed {
                path: c.path.clone(),
                when: "the preview",
            });
        }
    }
    let mut written: Vec<Written> = Vec::new();
    let mut dirs: Vec<String> = Vec::new();
    let mut journal = Vec::new();
    for c in &plan.changes {
        let path = inside(&root, &c.path)?;
        let mode_before = c.before.as_ref().and_then(|_| mode_of(&path));
        let step = make_parents(&root, &c.path).and_then(|made| {
            dirs.extend(made);
            let mode = mode_before.or(c.mode).or(Some(0o644));
            write_atomically(&path, &c.path, c.after.as_bytes(), mode)
        });
        if let Err(e) = step {
            put_back(&root, &written, &dirs);
            return Err(e);
        }
        written.push(Written {
            path,
            rel: c.path.clone(),
            before: c.before.clone(),
            mode: mode_before,
        });
        journal.push(EditFile {
            path: c.path.clone(),
            before: c.before.as_ref().map(|t| t.as_bytes().to_vec()),
            after_sha256: sha256_hex(c.after.as_bytes()),
            mode_before,
        });
    }
    match store
        .record_edit(&plan.root, &plan.kind, &plan.title, &journal, &dirs)
        .await
    {
        Ok(edit_id) => Ok(Outcome {
            edit_id,
            files: plan.changes.iter().map(|c| c.path.clone()).collect(),
            removed: Vec::new(),
        }),
        Err(e) => {
            // A change that cannot be undone is not made.
            put_back(&root, &written, &dirs);
            Err(e.into())
        }
    }
}

/// Undoes the latest change Dockward made to `root` that is not undone yet.
pub async fn undo(store: &Store, root: &Path) -> Result<Outcome, EditError> {
    let root = root.canonicalize().map_err(|e| EditError::Root {
        path: root.display().to_string(),
        reason: e.to_string(),
    })?;
    let key = root.display().to_string();
    let Some(edit) = store
        .edits(&key)
        .await?
        .into_iter()
        .find(|e| e.undone_at.is_none())
    else {
        return Err(EditError::NothingToUndo(key));
    };
    let (files, dirs) = store.edit_contents(edit.id).await?;
    // Every file as the change left it, or nothing is touched.
    for f in &files {
        let path = inside(&root, &f.path)?;
        let now = std::fs::read(&path).ok();
        if now.as_deref().map(sha256_hex).as_deref() != Some(f.after_sha256.as_str()) {
            return Err(EditError::Changed {
                path: f.path.clone(),
                when: "the change was applied",
            });
        }
    }
    let mut restored = Vec::new();
    let mut removed = Vec::new();
    for f in &files {
        let path = inside(&root, &f.path)?;
        match &f.before {
            Some(bytes) => {
                write_atomically(&path, &f.path, bytes, f.mode_before)?;
                restored.push(f.path.clone());
            }
            None => {
                std::fs::remove_file(&path).map_err(io_err(&f.path))?;
                removed.push(f.path.clone());
            }
        }
    }
    // Deepest first; a folder the user has put files in since stays.
    for d in &dirs {
        let _ = std::fs::remove_dir(root.join(d));
    }
    store.mark_undone(edit.id).await?;
    Ok(Outcome {
        edit_id: edit.id,
        files: restored,
        removed,
    })
}
