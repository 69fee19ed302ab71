//! Plan → apply → undo on real files in a temp folder.

use std::path::Path;

use super::apply::{apply, undo};
use super::*;
use crate::store::Store;

async fn store(dir: &Path) -> Store {
    Store::open(&dir.join("d.db")).await.expect("store")
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("Dockerfile"), "FROM x\r\nRUN a\r\n").expect("write");
    std::fs::write(dir.path().join(".gitignore"), "target").expect("write");
    dir
}

fn plan(root: &Path) -> Plan {
    let mut b = PlanBuilder::new(root, "ca", "test").expect("builder");
    let ignore = b.read(".gitignore").expect("read").unwrap_or_default();
    if !ignore.contains(".certs/*") {
        b.set(
            ".gitignore",
            format!("{ignore}\n.certs/*\n"),
            None,
            "keep certificates out of git",
        )
        .expect("set");
    }
    b.set(
        ".certs/ca.pem",
        "-----BEGIN CERTIFICATE-----\n".into(),
        Some(0o644),
        "the CA",
    )
    .expect("set");
    b.set(
        "Dockerfile",
        "FROM x\r\nRUN a\r\n".into(),
        None,
        "unchanged",
    )
    .expect("set");
    b.finish()
}

#[tokio::test]
async fn apply_writes_what_the_preview_shows_and_undo_restores_every_byte() {
    let dir = project();
    let db = tempfile::tempdir().expect("tmp");
    let store = store(db.path()).await;
    let p = plan(dir.path());
    assert_eq!(
        p.changes
            .iter()
            .map(|c| c.path.as_str())
            .collect::<Vec<_>>(),
        [".gitignore", ".certs/ca.pem"],
        "an unchanged file is not in the plan"
    );
    assert!(p.diff().contains("+.certs/*"), "{}", p.diff());
    let out = apply(&p, &store).await.expect("apply");
    assert_eq!(out.files.len(), 2);
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".gitignore")).expect("read"),
        "target\n.certs/*\n"
    );
    assert!(plan(dir.path()).is_empty(), "a second plan changes nothing");
    let undone = undo(&store, dir.path()).await.expect("undo");
    assert_eq!(undone.removed, [".certs/ca.pem"]);
    assert_eq!(
        std::fs::read(dir.path().join(".gitignore")).expect("read"),
        b"target",
        "byte for byte, no newline added"
    );
    assert_eq!(
        std::fs::read(dir.path().join("Dockerfile")).expect("read"),
        b"FROM x\r\nRUN a\r\n"
    );
    assert!(
        !dir.path().join(".certs").exists(),
        "the created folder went too"
    );
    assert!(matches!(
        undo(&store, dir.path()).await,
        Err(EditError::NothingToUndo(_))
    ));
}

#[tokio::test]
async fn a_file_changed_after_the_preview_stops_apply_before_any_write() {
    let dir = project();
    let db = tempfile::tempdir().expect("tmp");
    let store = store(db.path()).await;
    let p = plan(dir.path());
    std::fs::write(dir.path().join(".gitignore"), "edited meanwhile").expect("write");
    let e = apply(&p, &store).await.expect_err("refused");
    assert!(matches!(e, EditError::Changed { .. }), "{e}");
    assert!(!dir.path().join(".certs").exists(), "nothing written");
}

#[tokio::test]
async fn undo_refuses_when_the_user_changed_a_file_since() {
    let dir = project();
    let db = tempfile::tempdir().expect("tmp");
    let store = store(db.path()).await;
    apply(&plan(dir.path()), &store).await.expect("apply");
    std::fs::write(dir.path().join(".gitignore"), "mine now").expect("write");
    let e = undo(&store, dir.path()).await.expect_err("refused");
    assert!(
        e.to_string()
            .contains(".gitignore changed since the change was applied"),
        "{e}"
    );
    assert!(dir.path().join(".certs/ca.pem").exists(), "nothing undone");
}

#[cfg(unix)]
#[tokio::test]
async fn permissions_are_kept_and_new_files_get_theirs() {
    use std::os::unix::fs::PermissionsExt;
    let dir = project();
    let db = tempfile::tempdir().expect("tmp");
    let store = store(db.path()).await;
    let ignore = dir.path().join(".gitignore");
    std::fs::set_permissions(&ignore, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    apply(&plan(dir.path()), &store).await.expect("apply");
    let mode = |p: &Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode(&ignore), 0o600);
    assert_eq!(mode(&dir.path().join(".certs/ca.pem")), 0o644);
    undo(&store, dir.path()).await.expect("undo");
    assert_eq!(mode(&ignore), 0o600);
}

#[cfg(unix)]
#[test]
fn links_paths_outside_and_binary_files_are_refused() {
    let dir = project();
    let outside = tempfile::tempdir().expect("tmp");
    std::fs::write(outside.path().join("x"), "theirs").expect("write");
    std::os::unix::fs::symlink(outside.path().join("x"), dir.path().join("link")).expect("link");
    std::os::unix::fs::symlink(outside.path(), dir.path().join("dir")).expect("link");
    std::fs::write(dir.path().join("bin"), [0xff, 0xfe, 0]).expect("write");
    let mut b = PlanBuilder::new(dir.path(), "ca", "t").expect("builder");
    for rel in ["link", "dir/x", "bin"] {
        let e = b.set(rel, "x".into(), None, "t").expect_err(rel);
        assert!(matches!(e, EditError::Unsuitable { .. }), "{rel}: {e}");
    }
    for rel in ["../x", "/etc/passwd", "a/../../x", ""] {
        assert!(matches!(
            b.set(rel, "x".into(), None, "t"),
            Err(EditError::Outside(_))
        ));
    }
    assert!(b.finish().is_empty());
}
