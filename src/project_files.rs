//! What Docker reads in a project folder, by name: which files are
//! Dockerfiles, and which folders hold none worth looking for (VCS data,
//! dependency trees, caches). One answer for the project check and the CA
//! wizard, so both find the same Dockerfiles.

/// Folders never searched for Dockerfiles and compose files.
pub const SKIPPED_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    ".certs",
    "node_modules",
    "vendor",
    "target",
    ".venv",
    "venv",
    "__pycache__",
    ".tox",
    ".gradle",
    ".idea",
    ".terraform",
];

/// Whether a file name is a Dockerfile's: `Dockerfile`, `Containerfile`,
/// `*.Dockerfile`, `*.Containerfile`, `Dockerfile.*` (not
/// `Dockerfile.dockerignore`), in any case.
pub fn is_dockerfile(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "dockerfile"
        || lower == "containerfile"
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
        || (lower.starts_with("dockerfile.") && !lower.ends_with(".dockerignore"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerfile_names() {
        for yes in [
            "Dockerfile",
            "containerfile",
            "api.Dockerfile",
            "x.containerfile",
            "Dockerfile.dev",
        ] {
            assert!(is_dockerfile(yes), "{yes}");
        }
        for no in [
            "Dockerfile.dockerignore",
            "dockerfile.md.bak.dockerignore",
            "compose.yaml",
            "Dockerfiles",
            "notes.txt",
        ] {
            assert!(!is_dockerfile(no), "{no}");
        }
    }
}
