//! What a build context would leak: `.env` files, `.git`, keys and
//! `.certs/` at the top of the context that its `.dockerignore` does not
//! exclude (patterns matched the way Docker does for these names: exact
//! names, `*` globs, `**/` prefixes, `!` exceptions, last match wins).

use std::path::Path;

/// What leaks, and the `.dockerignore` lines that stop it.
const KINDS: &[(&str, &[&str])] = &[
    (".git", &[".git"]),
    ("env files", &[".env", ".env.*", "!.env.example"]),
    ("keys", &["*.pem", "*.key", "*.p12", "*.pfx"]),
    (".certs", &[".certs"]),
];

/// Simple glob: `*` matches any run of characters within a name.
fn glob(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let mut rest = name;
    for (i, p) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(p) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(p);
        } else {
            let Some(at) = rest.find(p) else { return false };
            rest = &rest[at + p.len()..];
        }
    }
    true
}

/// Whether `.dockerignore` lines exclude a top-level entry `name`.
pub fn excluded(lines: &[String], name: &str) -> bool {
    let mut out = false;
    for l in lines {
        let l = l.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let (negate, pat) = match l.strip_prefix('!') {
            Some(p) => (true, p.trim()),
            None => (false, l),
        };
        let pat = pat
            .trim_start_matches('/')
            .trim_start_matches("**/")
            .trim_end_matches('/');
        let pat = pat.strip_suffix("/**").unwrap_or(pat);
        if pat == "**" || glob(pat, name) {
            out = !negate;
        }
    }
    out
}

fn kind_of(name: &str) -> Option<usize> {
    if name == ".git" {
        return Some(0);
    }
    if super::discover::is_env_file(name) && !super::discover::is_env_template(name) {
        return Some(1);
    }
    let lower = name.to_ascii_lowercase();
    if [".pem", ".key", ".p12", ".pfx"]
        .iter()
        .any(|e| lower.ends_with(e))
    {
        return Some(2);
    }
    (name == ".certs").then_some(3)
}

fn lines(ignore_file: &Path) -> Vec<String> {
    std::fs::read_to_string(ignore_file)
        .map(|t| t.lines().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The ignore file a build of `dockerfile` with `context` (both relative to
/// the project) reads: BuildKit's `<Dockerfile>.dockerignore` beside the
/// Dockerfile when there is one, else the context's `.dockerignore`.
pub fn ignore_file(root: &Path, dockerfile: &str, context: &str) -> String {
    let own = format!("{dockerfile}.dockerignore");
    if root.join(&own).is_file() {
        return own;
    }
    if context.is_empty() {
        ".dockerignore".to_owned()
    } else {
        format!("{context}/.dockerignore")
    }
}

/// The kinds of leaking entries at the top of `context` that `ignore_file`
/// does not exclude, as names shown to the user (`.git`, `.env`…).
pub fn leaks(context: &Path, ignore_file: &Path) -> Vec<String> {
    let ignore = lines(ignore_file);
    let mut out: Vec<String> = Vec::new();
    let Ok(entries) = std::fs::read_dir(context) else {
        return out;
    };
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in names {
        if kind_of(&name).is_some() && !excluded(&ignore, &name) {
            out.push(name);
        }
        if out.len() >= 8 {
            break;
        }
    }
    out
}

/// The ignore-file lines to add so that nothing in `context` leaks.
pub fn missing_lines(context: &Path, ignore_file: &Path) -> Vec<&'static str> {
    let mut kinds: Vec<usize> = leaks(context, ignore_file)
        .iter()
        .filter_map(|n| kind_of(n))
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    kinds
        .into_iter()
        .flat_map(|k| KINDS[k].1.iter().copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_exclude_the_way_docker_reads_them() {
        let l: Vec<String> = ["# comment", "**/.git", ".env*", "!.env.example", "*.pem"]
            .map(String::from)
            .into();
        assert!(excluded(&l, ".git"));
        assert!(excluded(&l, ".env"));
        assert!(excluded(&l, ".env.local"));
        assert!(!excluded(&l, ".env.example"));
        assert!(excluded(&l, "server.pem"));
        assert!(!excluded(&l, ".certs"));
        assert!(excluded(&["*".to_owned()], ".certs"));
    }
}
