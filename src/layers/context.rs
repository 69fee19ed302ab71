//! Where a file sits in an image, which decides what may be reported about
//! it. Files the image's package manager installed, and files inside
//! dependency trees (`node_modules`, `site-packages`, `vendor`, gems, the Go
//! module cache, `/usr/lib`, `/usr/share` but for web roots), are vendor code: precise token
//! formats and private keys are still looked for there (a real token pasted
//! into `node_modules` is still found), heuristics are not. Inside vendor
//! code, test fixtures and examples ship keys on purpose (`tornado/test/
//! test.key`, Go's `crypto/tls/testdata`): those are reported as information,
//! not as critical findings. The application's own files get every rule.

use std::collections::HashSet;

use super::walk::path_key;

/// Where a file is, for choosing rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The application's own files: every rule applies.
    Application,
    /// Vendor code: a dependency tree or a packaged file.
    Dependency,
    /// Tests, fixtures, examples and documentation inside vendor code.
    DependencyTest,
}

/// Folder names that hold dependencies wherever they are.
const DEPENDENCY_DIRS: &[&str] = &[
    "node_modules",
    "bower_components",
    "jspm_packages",
    "site-packages",
    "dist-packages",
    "vendor",
    "gems",
    ".m2",
    ".gradle",
    ".ivy2",
    ".cargo",
    ".rustup",
    ".npm",
    ".yarn",
    ".pnpm-store",
    ".cache",
    "__pycache__",
    "go-build",
];

/// Prefixes (from the image root) of the distribution's own trees.
const DEPENDENCY_PREFIXES: &[&str] = &[
    "usr/share/",
    "usr/lib/",
    "usr/lib32/",
    "usr/lib64/",
    "usr/libexec/",
    "usr/include/",
    "usr/local/go/",
    "usr/local/include/",
    "lib/",
    "lib32/",
    "lib64/",
    "var/lib/dpkg/",
    "var/lib/apt/",
    "var/cache/",
    "root/go/pkg/mod/",
    "go/pkg/mod/",
];

/// Library folders of language runtimes (matched as `lib/<name>…/`).
const RUNTIME_LIBS: &[&str] = &["python", "ruby", "perl", "php", "lua", "node"];

/// Trees under those prefixes that hold the application's own files: a web
/// server's document roots (`COPY dist/ /usr/share/nginx/html/`).
const APPLICATION_PREFIXES: &[&str] = &["usr/share/nginx/html/"];

/// Folder names of tests, fixtures, examples and docs.
const TEST_DIRS: &[&str] = &[
    "test",
    "tests",
    "testing",
    "testdata",
    "test_data",
    "test-data",
    "__tests__",
    "__fixtures__",
    "spec",
    "specs",
    "fixture",
    "fixtures",
    "example",
    "examples",
    "sample",
    "samples",
    "demo",
    "demos",
    "doc",
    "docs",
    "benchmark",
    "benchmarks",
];

fn test_file_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("test_")
        || n.ends_with("_test.go")
        || n.ends_with("_test.py")
        || [
            ".test.js",
            ".spec.js",
            ".test.ts",
            ".spec.ts",
            ".examples.json",
        ]
        .iter()
        .any(|s| n.ends_with(s))
        || (n.starts_with("examples-") && n.ends_with(".json"))
}

/// Whether a path (no leading `/`) looks like a test, fixture or example.
fn test_path(path: &str) -> bool {
    let (folders, name) = path.rsplit_once('/').unwrap_or(("", path));
    folders
        .split('/')
        .any(|d| TEST_DIRS.contains(&d.to_ascii_lowercase().as_str()))
        || test_file_name(name)
}

/// The place of `path` (no leading `/`; `key` is [`path_key`] of the real
/// path, when `path` is shown redacted), given the image's packaged files.
pub fn place_of(path: &str, key: u64, packaged: &HashSet<u64>) -> Place {
    let own_tree = APPLICATION_PREFIXES.iter().any(|p| path.starts_with(p));
    let dependency = packaged.contains(&key)
        || (!own_tree && DEPENDENCY_PREFIXES.iter().any(|p| path.starts_with(p)))
        || path.split('/').any(|d| {
            DEPENDENCY_DIRS.contains(&d)
                // A language's library tree as official images install it
                // from source (`/usr/local/lib/python3.12/`, `…/lib/ruby/`).
                || (RUNTIME_LIBS.iter().any(|r| d.starts_with(r))
                    && path.contains(&format!("lib/{d}/")))
        })
        || path.contains("/share/jupyter/");
    match (dependency, dependency && test_path(path)) {
        (false, _) => Place::Application,
        (true, true) => Place::DependencyTest,
        (true, false) => Place::Dependency,
    }
}

/// Whether the file at `path` lists what a package manager installed.
pub fn is_package_database(path: &str) -> bool {
    (path.starts_with("var/lib/dpkg/info/") && path.ends_with(".list"))
        || path == "lib/apk/db/installed"
        || path == "usr/lib/apk/db/installed"
}

/// The files a package database lists, as path keys. dpkg's `.list` files
/// hold one absolute path per line; Alpine's `installed` holds `F:folder`
/// then `R:file` lines.
pub fn packaged_paths(path: &str, content: &str, into: &mut HashSet<u64>) {
    if path.ends_with(".list") {
        for line in content.lines() {
            let p = line.trim().trim_start_matches('/');
            if !p.is_empty() {
                into.insert(path_key(p));
            }
        }
        return;
    }
    let mut folder = String::new();
    for line in content.lines() {
        if let Some(f) = line.strip_prefix("F:") {
            folder = f.trim().trim_matches('/').to_string();
        } else if let Some(r) = line.strip_prefix("R:") {
            let file = if folder.is_empty() {
                r.trim().to_string()
            } else {
                format!("{folder}/{}", r.trim())
            };
            into.insert(path_key(&file));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_of_common_paths() {
        let none = HashSet::new();
        for (path, place) in [
            ("app/server.js", Place::Application),
            ("app/node_modules/aws-sdk/lib/config.js", Place::Dependency),
            (
                "opt/venv/lib/python3.11/site-packages/botocore/auth.py",
                Place::Dependency,
            ),
            (
                "usr/lib/python3/dist-packages/tornado/test/test.key",
                Place::DependencyTest,
            ),
            (
                "usr/lib/go-1.19/src/crypto/tls/testdata/example-key.pem",
                Place::DependencyTest,
            ),
            (
                "usr/share/doc/openssl/examples/server_key.pem",
                Place::DependencyTest,
            ),
            (
                "app/node_modules/aws-sdk/apis/s3-2006-03-01.examples.json",
                Place::DependencyTest,
            ),
            (
                "opt/venv/share/jupyter/lab/static/main.js",
                Place::Dependency,
            ),
            ("etc/app/app.conf", Place::Application),
            ("usr/local/lib/python3.12/http/client.py", Place::Dependency),
            ("usr/local/lib/ruby/3.3.0/net/http.rb", Place::Dependency),
            ("usr/local/lib/perl5/5.36/LWP.pm", Place::Dependency),
            ("usr/local/lib/myapp/settings.py", Place::Application),
            ("usr/share/nginx/html/config.js", Place::Application),
            ("root/.ssh/id_rsa", Place::Application),
            ("app/tests/fixtures/key.pem", Place::Application),
        ] {
            assert_eq!(place_of(path, path_key(path), &none), place, "{path}");
        }
    }

    #[test]
    fn packaged_files_are_dependencies() {
        let mut packaged = HashSet::new();
        packaged_paths(
            "var/lib/dpkg/info/perl-base.list",
            "/.\n/usr/bin/c_rehash\n/usr/sbin/deluser\n",
            &mut packaged,
        );
        packaged_paths(
            "lib/apk/db/installed",
            "P:busybox\nF:bin\nR:busybox\nF:etc\nR:securetty\n",
            &mut packaged,
        );
        assert_eq!(
            place_of("usr/sbin/deluser", path_key("usr/sbin/deluser"), &packaged),
            Place::Dependency
        );
        assert_eq!(
            place_of("etc/securetty", path_key("etc/securetty"), &packaged),
            Place::Dependency
        );
        assert_eq!(
            place_of(
                "usr/local/bin/app",
                path_key("usr/local/bin/app"),
                &packaged
            ),
            Place::Application
        );
        assert!(is_package_database("var/lib/dpkg/info/libc6:amd64.list"));
        assert!(!is_package_database("var/lib/dpkg/status"));
    }
}
