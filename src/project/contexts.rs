//! Which build context each Dockerfile is built with. A compose service
//! can build a Dockerfile in one folder with the context of another
//! (`context: .`, `dockerfile: docker/api.Dockerfile`): what `COPY . .`
//! sends, and which `.dockerignore` applies, are the context's, not the
//! Dockerfile's folder's.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

/// `dir` joined with `p`, `/`-separated and relative to the project, with
/// `.` and `..` resolved; `None` when it leaves the project or is absolute.
fn join(dir: &str, p: &str) -> Option<String> {
    if p.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(parts.join("/"))
}

/// Dockerfile (relative to the project) → its build context (relative to
/// the project; `""` is the project folder), for the Dockerfiles that the
/// compose files `composes` build. Unreadable compose files are the
/// check's to report; here they add nothing.
pub fn build_contexts(root: &Path, composes: &[String]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for rel in composes {
        let Ok(text) = std::fs::read_to_string(root.join(rel)) else {
            continue;
        };
        let Ok(doc) = crate::compose::to_json(&text) else {
            continue;
        };
        let dir = rel.rsplit_once('/').map_or("", |(d, _)| d);
        let Some(services) = doc.get("services").and_then(Value::as_object) else {
            continue;
        };
        for svc in services.values() {
            let (context, dockerfile) = match svc.get("build") {
                Some(Value::String(c)) => (c.as_str(), "Dockerfile"),
                Some(Value::Object(b)) => (
                    b.get("context").and_then(Value::as_str).unwrap_or("."),
                    b.get("dockerfile")
                        .and_then(Value::as_str)
                        .unwrap_or("Dockerfile"),
                ),
                _ => continue,
            };
            // A remote context (a git URL) is not in the folder.
            if context.contains("://") || context.starts_with("git@") {
                continue;
            }
            let (Some(ctx), Some(df)) = (
                join(dir, context),
                join(dir, context).and_then(|c| join(&c, dockerfile)),
            ) else {
                continue;
            };
            out.insert(df, ctx);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_resolve_relative_to_the_compose_file() {
        assert_eq!(join("", "."), Some(String::new()));
        assert_eq!(join("deploy", "../app"), Some("app".into()));
        assert_eq!(join("", "../x"), None);
        assert_eq!(join("", "/abs"), None);
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(dir.path().join("deploy")).expect("mkdir");
        std::fs::write(
            dir.path().join("deploy/compose.yaml"),
            "services:\n  api:\n    build:\n      context: ..\n      dockerfile: docker/api.Dockerfile\n  web:\n    build: ../web\n  db:\n    image: postgres:16\n  remote:\n    build: https://github.com/x/y.git\n",
        )
        .expect("write");
        let got = build_contexts(dir.path(), &["deploy/compose.yaml".to_owned()]);
        assert_eq!(
            got.into_iter().collect::<Vec<_>>(),
            [
                ("docker/api.Dockerfile".to_owned(), String::new()),
                ("web/Dockerfile".to_owned(), "web".to_owned()),
            ]
        );
    }
}
