//! The layering ARCHITECTURE.md describes, checked: each core module may
//! use only the modules listed for it (every `crate::…` path outside test
//! code counts), and no source file outside tests grows past 500 lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module → the modules it may use. Bottom of the stack first.
const ALLOWED: &[(&str, &[&str])] = &[
    ("clock", &[]),
    ("certs", &["clock"]),
    ("facts", &[]),
    ("finding", &["facts"]),
    ("secrets", &["finding"]),
    ("score", &["finding"]),
    ("store", &["clock", "finding"]),
    ("explain", &["finding", "score", "store"]),
    ("compose", &[]),
    ("project_files", &[]),
    ("edit", &["secrets", "store"]),
    ("rules", &["facts", "finding", "secrets"]),
    ("engine", &["clock", "facts", "secrets"]),
    (
        "layers",
        &[
            "certs", "clock", "engine", "explain", "facts", "finding", "rules", "secrets", "store",
        ],
    ),
    (
        "host",
        &[
            "clock", "engine", "explain", "facts", "finding", "rules", "store",
        ],
    ),
    (
        "inventory",
        &[
            "clock", "engine", "explain", "facts", "finding", "layers", "rules", "store",
        ],
    ),
    (
        "stale",
        &[
            "clock", "engine", "explain", "facts", "finding", "rules", "store",
        ],
    ),
    ("reminders", &["clock", "explain", "stale", "store"]),
    (
        "project",
        &[
            "compose",
            "edit",
            "explain",
            "facts",
            "finding",
            "project_files",
            "rules",
            "secrets",
            "store",
        ],
    ),
    (
        "ca",
        &[
            "certs",
            "clock",
            "compose",
            "edit",
            "engine",
            "host",
            "layers",
            "project_files",
            "secrets",
        ],
    ),
    (
        "report",
        &[
            "clock",
            "explain",
            "finding",
            "host",
            "inventory",
            "layers",
            "project",
            "rules",
            "stale",
            "store",
        ],
    ),
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Whether a file holds only tests.
fn test_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name == "tests.rs" || name.ends_with("_tests.rs")
}

/// The file's code before its first `#[cfg(test)]` (test modules come
/// last), without comments: a doc link to a module above is not a use.
fn non_test_code(text: &str) -> String {
    let code = text.find("#[cfg(test)]").map_or(text, |i| &text[..i]);
    code.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Top-level modules named in `crate::<module>` paths.
fn uses(code: &str) -> BTreeSet<String> {
    code.match_indices("crate::")
        .map(|(i, m)| {
            code[i + m.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|m| !m.is_empty() && m.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
        .collect()
}

#[test]
fn core_modules_use_only_the_modules_below_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut files = Vec::new();
    sources(&root, &mut files);
    let mut violations = Vec::new();
    for file in files {
        let rel = file.strip_prefix(&root).expect("under src");
        let first = rel
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .unwrap_or("");
        let module = first.trim_end_matches(".rs");
        if module == "lib" || module == "bin" || test_file(&file) {
            continue;
        }
        let Some(may) = allowed.get(module) else {
            violations.push(format!(
                "{}: module `{module}` is not in the layering table (tests/architecture.rs, ARCHITECTURE.md)",
                rel.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(&file).expect("read");
        for used in uses(&non_test_code(&text)) {
            if used != module && !may.contains(&used.as_str()) {
                violations.push(format!(
                    "{}: `{module}` uses `crate::{used}`",
                    rel.display()
                ));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "layering broken:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_store_and_host_stay_low() {
    // Spelled out, since these were the edges the reshape removed.
    let store = ALLOWED
        .iter()
        .find(|(m, _)| *m == "store")
        .expect("store")
        .1;
    for above in ["rules", "engine", "inventory", "layers", "host", "report"] {
        assert!(!store.contains(&above), "store must not use {above}");
    }
    let host = ALLOWED.iter().find(|(m, _)| *m == "host").expect("host").1;
    assert!(!host.contains(&"inventory"));
}

#[test]
fn no_source_file_outside_tests_is_over_500_lines() {
    let mut files = Vec::new();
    for dir in ["src", "src-tauri/src"] {
        sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join(dir), &mut files);
    }
    let long: Vec<String> = files
        .iter()
        .filter(|f| !test_file(f))
        .filter_map(|f| {
            let lines = std::fs::read_to_string(f).expect("read").lines().count();
            (lines > 500).then(|| format!("{} ({lines} lines)", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "split these by concern: {long:?}");
}

#[test]
fn the_checker_sees_a_forbidden_edge() {
    let code = "/// [`crate::host`]\nuse crate::finding::Finding;\nfn f() { crate::rules::builtin(); }\n#[cfg(test)]\nmod t { use crate::engine; }";
    let found = uses(&non_test_code(code));
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        ["finding", "rules"],
        "test code and doc links are left out, inline paths count"
    );
}
