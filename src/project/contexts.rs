//! Which build context each Dockerfile is built with. A compose service
//! can build a Dockerfile in one folder with the context of another
//! (`context: .`, `dockerfile: docker/api.Dockerfile`): what `COPY . .`
//! sends, and which `.dockerignore` applies, are the context's, not the
//! Dockerfile's folder's.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

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
            if let Some((context, dockerfile)) = super::compose::build_of(svc, dir) {
                out.insert(dockerfile, context);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_resolve_relative_to_the_compose_file() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(dir.path().join("deploy")).expect("mkdir");
        std::fs::write(
            dir.path().join("deploy/compose.yaml"),
            "services:\n  api:\n    build:\n      context: ..\n      dockerfile: docker/api.Dockerfile\n  web:\n    build: ../web\n  db:\n    image: postgres:16\n  remote:\n    build: https://github.com/x/y.git\n  outside:\n    build: ../../elsewhere\n",
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
