//! The CLI's contract where no engine is needed: exit codes and messages.

use assert_cmd::Command;

fn dockward() -> Command {
    Command::cargo_bin("dockward").expect("binary")
}

#[test]
fn rules_check_passes_every_example() {
    let out = dockward().args(["rules", "check"]).output().expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("all examples pass"), "{stdout}");
}

#[test]
fn unreachable_engine_exits_2_naming_what_was_tried() {
    let dir = tempfile::tempdir().expect("tmp");
    let sock = dir.path().join("absent.sock");
    let out = dockward()
        .args(["inventory", "--no-db"])
        .env("DOCKER_HOST", format!("unix://{}", sock.display()))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no Docker engine answered"), "{stderr}");
    assert!(stderr.contains("absent.sock (DOCKER_HOST)"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn a_file_that_is_not_a_database_is_refused_and_kept() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("thesis.docx");
    std::fs::write(&db, b"PK\x03\x04 not a database").expect("write");
    let out = dockward()
        .args(["inventory", "--db"])
        .arg(&db)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a SQLite database"));
    assert_eq!(
        std::fs::read(&db).expect("read"),
        b"PK\x03\x04 not a database"
    );
}

#[test]
fn unknown_severity_is_a_usage_error() {
    let out = dockward()
        .args(["inventory", "--fail-on", "severe"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown severity `severe`"));
}
