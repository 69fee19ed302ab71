//! Helpers for tests that use the real Docker engine.
#![allow(dead_code)]

use std::path::PathBuf;

/// Every secret value the fixtures plant (environment, build args, layers):
/// none may appear in any output, report or the database.
pub const PLANTED: &[&str] = &[
    "sk_live_51HqT9kLmN0pQ2rS3tU4vW5xY",
    "Zt8vQ3mK9pW2xR7n",
    "npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    "ghp_R4nd0mT0k3nV4lu3sAr3H3r3Xy12345678ab",
    "Xk9mQ2vL8pR4",
    "ghp_Q9w8E7r6T5y4U3i2O1p0A9s8D7f6G5h4J3k2",
    "MIIBOgIBAAJBAKBA0ODYlf1W12It4cdrbJLv3HrKcp2+F3qUm0hRissPBCnUluAs",
    "6f2a9c1e-8b7d-4e3f-a5c2-1d9e8f7a6b5c",
    // tests/leaks.rs: a build arg, `curl -u`, a bearer header, a label, a
    // folder named after a token, a value in a file under it.
    "Hv7mQ2xP9kL4wR8t",
    "U3B7dJNZR1GSgM",
    "wUoI145MKBMVOiPpC5WMtyjI3FWJVxokQk38lfXl",
    "glpat-x7Yz9AbCdEfGh1JkLmNo",
    "ghp_L3aK1nF0ld3rN4m3T0k3nXy9876543210zzA",
    "Qm4xT9wL2pZ7vK3n",
    // tests/leaks.rs: the field case, a password echoed into a file that a
    // later step deletes (the step keeps it).
    "zqvplokm77",
];

/// Whether `bytes` contain any planted secret; names the first found.
pub fn leaked(bytes: &[u8]) -> Option<&'static str> {
    PLANTED
        .iter()
        .find(|s| bytes.windows(s.len()).any(|w| w == s.as_bytes()))
        .copied()
}
use std::process::Command;

/// Whether the docker CLI reaches an engine. Without one, real-engine tests
/// are skipped with a message, unless DOCKWARD_REQUIRE_ENGINE=1 (set by
/// `make test` and CI), where a missing engine fails them.
pub fn engine_available(test: &str) -> bool {
    let ok = Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("DOCKWARD_REQUIRE_ENGINE").as_deref() != Ok("1"),
            "{test}: no Docker engine answers, and DOCKWARD_REQUIRE_ENGINE=1"
        );
        eprintln!("SKIPPED {test}: no Docker engine answers (make test starts one)");
    }
    ok
}

/// The fixture script, found from whichever crate includes this module
/// (the main crate, or the end-to-end crate in tests/e2e).
fn script() -> PathBuf {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    loop {
        let candidate = dir.join("tests/fixtures/engine-fixtures.sh");
        if candidate.exists() || !dir.pop() {
            return candidate;
        }
    }
}

/// The engine fixtures of one test: created on construction, removed on drop
/// (also when the test panics), so a developer's engine is left as it was.
pub struct Fixtures {
    /// Name prefix: images `PREFIX/…`, containers `PREFIX-…`.
    pub prefix: String,
    /// Value of the `dockward.test` label.
    pub label: String,
}

impl Fixtures {
    pub fn create(test: &str) -> Fixtures {
        let run = std::env::var("DOCKWARD_TEST_LABEL")
            .unwrap_or_else(|_| format!("dev-{}", std::process::id()));
        let label = format!("{run}-{test}");
        let prefix = format!(
            "dw{}{}",
            test.chars()
                .filter(char::is_ascii_alphanumeric)
                .take(12)
                .collect::<String>(),
            std::process::id()
        );
        let f = Fixtures { prefix, label };
        let status = Command::new(script())
            .args(["create", &f.prefix, &f.label])
            .status()
            .expect("run engine-fixtures.sh");
        assert!(status.success(), "engine-fixtures.sh create failed");
        f
    }

    /// Output of a docker CLI command.
    pub fn docker(&self, args: &[&str]) -> String {
        let out = Command::new("docker").args(args).output().expect("docker");
        assert!(
            out.status.success(),
            "docker {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for Fixtures {
    fn drop(&mut self) {
        let _ = Command::new(script())
            .args(["remove", &self.label])
            .status();
    }
}

/// The `dockward.test` label for what a test makes itself, removed on drop
/// (also when the test panics) with the fixture script's `remove`.
pub struct Labelled {
    /// The label's value.
    pub label: String,
}

impl Labelled {
    pub fn new(test: &str) -> Labelled {
        let run = std::env::var("DOCKWARD_TEST_LABEL")
            .unwrap_or_else(|_| format!("dev-{}", std::process::id()));
        Labelled {
            label: format!("{run}-{test}"),
        }
    }
}

impl Drop for Labelled {
    fn drop(&mut self) {
        let _ = Command::new(script())
            .args(["remove", &self.label])
            .status();
    }
}
