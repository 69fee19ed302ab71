//! The CA setup of one project, as a [`Plan`]: the certificate and a bundle
//! in `.certs/` (kept out of git and of the build context), each
//! Dockerfile's network steps given the build secret, each compose file an
//! override with the secret, the read-only mount and the variables, and a
//! setup script for teammates without Dockward. Nothing is written here:
//! [`crate::edit::apply`] does that after the preview.

use std::path::Path;

use super::certificate::{pem_encode, CaCertificate};
use super::compose::{merge_override, override_text};
use super::dockerfile::{rewrite, SECRET_ID};
use super::CaError;
use crate::edit::{Plan, PlanBuilder};
use crate::project_files::{is_dockerfile, SKIPPED_DIRS};

/// How deep below the project folder files are looked for.
const MAX_DEPTH: usize = 4;

/// The project's Dockerfiles and compose files (the one Compose would load
/// in each folder), relative and `/`-separated, sorted.
pub fn project_files(root: &Path) -> (Vec<String>, Vec<String>) {
    let mut dockerfiles = Vec::new();
    let mut composes = Vec::new();
    let mut stack = vec![(root.to_path_buf(), String::new(), 0usize)];
    while let Some((dir, rel, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut names: Vec<(String, std::fs::FileType)> = entries
            .flatten()
            .filter_map(|e| Some((e.file_name().into_string().ok()?, e.file_type().ok()?)))
            .collect();
        names.sort_by(|a, b| a.0.cmp(&b.0));
        let join = |n: &str| {
            if rel.is_empty() {
                n.to_owned()
            } else {
                format!("{rel}/{n}")
            }
        };
        for (name, t) in &names {
            if t.is_dir() && depth < MAX_DEPTH && !SKIPPED_DIRS.contains(&name.as_str()) {
                stack.push((dir.join(name), join(name), depth + 1));
            } else if t.is_file() && is_dockerfile(name) {
                dockerfiles.push(join(name));
            }
        }
        if let Some(c) = crate::compose::FILE_NAMES
            .iter()
            .find(|c| names.iter().any(|(n, t)| n == *c && t.is_file()))
        {
            composes.push(join(c));
        }
    }
    dockerfiles.sort();
    composes.sort();
    (dockerfiles, composes)
}

/// The path from `from_dir` (relative to the project) to `to` (relative to
/// the project), `./`-prefixed as Compose likes it.
fn relative_from(from_dir: &str, to: &str) -> String {
    let depth = from_dir.split('/').filter(|s| !s.is_empty()).count();
    if depth == 0 {
        format!("./{to}")
    } else {
        format!("{}{to}", "../".repeat(depth))
    }
}

/// Appends the lines of `wanted` that `text` lacks (compared trimmed),
/// under `comment`, keeping everything else byte for byte.
fn with_lines(text: &str, comment: &str, wanted: &[&str]) -> String {
    let have: Vec<&str> = text.lines().map(str::trim).collect();
    let missing: Vec<&&str> = wanted.iter().filter(|w| !have.contains(w)).collect();
    if missing.is_empty() {
        return text.to_owned();
    }
    let mut out = text.to_owned();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(comment);
    out.push('\n');
    for m in missing {
        out.push_str(m);
        out.push('\n');
    }
    out
}

/// The bundle: the corporate certificates, then the public web roots
/// Dockward knows (Mozilla's, from `webpki-root-certs`). Corporate first:
/// tools that take one certificate from a file (Java's `keytool
/// -importcert`) take that one.
fn bundle(certs: &[CaCertificate]) -> String {
    let mut out = String::from(
        "# The corporate CA and the public web roots (Mozilla's set), for runtimes whose\n# CA variable replaces their trust store. Made by Dockward; not for git.\n",
    );
    for c in certs {
        out.push_str(&c.pem);
    }
    for der in webpki_root_certs::TLS_SERVER_ROOT_CERTS {
        out.push_str(&pem_encode(der.as_ref()));
    }
    out
}

/// Plans the CA setup of `root` with `certs` (see the module docs).
pub fn plan(root: &Path, certs: &[CaCertificate]) -> Result<Plan, CaError> {
    let corporate: Vec<CaCertificate> = certs.iter().filter(|c| !c.public_root).cloned().collect();
    let Some(first) = corporate.first() else {
        return Err(CaError::OnlyPublic("the chosen certificates".into()));
    };
    let stem = first.file_stem();
    let title = format!("Corporate CA ({}) for builds and containers", first.subject);
    let mut b = PlanBuilder::new(root, "ca", &title)?;
    let ca_pem: String = corporate.iter().map(|c| c.pem.as_str()).collect();
    b.set(
        &format!(".certs/{stem}.pem"),
        ca_pem,
        Some(0o644),
        "the CA certificate alone (no key)",
    )?;
    b.set(
        ".certs/ca-bundle.pem",
        bundle(&corporate),
        Some(0o644),
        "public roots plus the CA, for runtimes whose variable replaces their trust store",
    )?;
    b.set(
        ".certs/.gitkeep",
        String::new(),
        Some(0o644),
        "keeps the folder in git, empty",
    )?;
    b.set(
        ".certs/setup.sh",
        include_str!("setup.sh").replace("@STEM@", &stem),
        Some(0o755),
        "makes the certificate files on a teammate's machine (copies a certificate, never a key)",
    )?;
    let gitignore = b.read(".gitignore")?.unwrap_or_default();
    b.set(
        ".gitignore",
        with_lines(
            &gitignore,
            "# Corporate CA certificates: on each machine, not in git (Dockward CA setup)",
            &[".certs/*", "!.certs/.gitkeep", "!.certs/setup.sh"],
        ),
        Some(0o644),
        "certificates stay out of git",
    )?;
    if gitignore
        .lines()
        .any(|l| matches!(l.trim(), ".certs" | ".certs/" | "/.certs" | "/.certs/"))
    {
        b.note(".gitignore ignores the whole .certs folder, so git cannot keep .certs/setup.sh: replace that line with `.certs/*`".into());
    }
    let dockerignore = b.read(".dockerignore")?.unwrap_or_default();
    let covered = dockerignore.lines().any(|l| {
        matches!(
            l.trim(),
            ".certs" | ".certs/" | ".certs/*" | ".certs/**" | "/.certs" | "/.certs/"
        )
    });
    if !covered {
        b.set(
            ".dockerignore",
            with_lines(
                &dockerignore,
                "# Certificates reach builds as a secret, never through the context (Dockward CA setup)",
                &[".certs/"],
            ),
            Some(0o644),
            "a stray `COPY . .` cannot bake the certificate into an image",
        )?;
    }
    let (dockerfiles, mut composes) = project_files(b.root());
    // With COMPOSE_FILE in .env, Compose loads the files it names and no
    // override by itself: those files get the setup, and their overrides
    // are added to the list.
    let env_text = b.read(".env").ok().flatten().unwrap_or_default();
    let setting = crate::compose::ComposeFileSetting::parse(&env_text);
    if let Some(s) = &setting {
        for f in &s.files {
            if !composes.contains(f) && b.root().join(f).is_file() {
                composes.push(f.clone());
            }
        }
    }
    let mut overrides: Vec<(String, String)> = Vec::new();
    let mut steps = 0;
    // A file that cannot be read or parsed (a template named Dockerfile.j2,
    // a binary, broken YAML) is left alone with a note: the others still
    // get the setup, as the project check reports such files one by one.
    for df in &dockerfiles {
        let text = match b.read(df) {
            Ok(Some(text)) => text,
            Ok(None) => continue,
            Err(e) => {
                b.note(format!("{df}: not changed: {e}"));
                continue;
            }
        };
        let r = match rewrite(&text, df) {
            Ok(r) => r,
            Err(e) => {
                b.note(format!("{df}: not changed: {e}"));
                continue;
            }
        };
        for n in r.notes {
            b.note(n);
        }
        if r.steps > 0 {
            steps += r.steps;
            b.set(
                df,
                r.text,
                None,
                &format!("{} network step(s) get the CA as a build secret", r.steps),
            )?;
        }
    }
    for c in &composes {
        let text = match b.read(c) {
            Ok(Some(text)) => text,
            Ok(None) => continue,
            Err(e) => {
                b.note(format!("{c}: not changed: {e}"));
                continue;
            }
        };
        let doc = match crate::compose::to_json(&text) {
            Ok(doc) => doc,
            Err(reason) => {
                b.note(format!("{c}: not changed: it does not parse ({reason})"));
                continue;
            }
        };
        let services = crate::compose::services(&doc);
        if services.is_empty() {
            continue;
        }
        let (dir, base) = c.rsplit_once('/').unwrap_or(("", c.as_str()));
        let over_name = crate::compose::override_name(base);
        let over = if dir.is_empty() {
            over_name.clone()
        } else {
            format!("{dir}/{over_name}")
        };
        overrides.push((c.clone(), over.clone()));
        match b.read(&over)? {
            Some(existing) => {
                let bundle = relative_from(dir, ".certs/ca-bundle.pem");
                let (text, notes) = match merge_override(&existing, &services, &bundle) {
                    Ok(merged) => merged,
                    Err(reason) => {
                        b.note(format!("{over}: not changed: {reason}"));
                        continue;
                    }
                };
                for n in notes {
                    b.note(format!("{over}: {n}"));
                }
                if text != existing {
                    b.set(
                        &over,
                        text,
                        None,
                        "the build secret, a read-only mount of the bundle and the runtime variables, added to the override you have (its other lines kept)",
                    )?;
                }
            }
            None => b.set(
                &over,
                override_text(base, &services, &relative_from(dir, ".certs/ca-bundle.pem")),
                Some(0o644),
                "Compose loads it with the compose file: the build secret, a read-only mount of the bundle and the runtime variables",
            )?,
        }
    }
    if let Some(s) = &setting {
        let mut files = s.files.clone();
        for (compose, over) in &overrides {
            if !files.contains(compose) {
                b.note(format!("{compose}: COMPOSE_FILE in .env does not name it, so Compose uses neither it nor {over}"));
            } else if !files.contains(over) {
                let at = files
                    .iter()
                    .position(|f| f == compose)
                    .map_or(files.len(), |i| i + 1);
                files.insert(at, over.clone());
            }
        }
        if files != s.files {
            b.set(
                ".env",
                s.with_files(&env_text, &files),
                None,
                "COMPOSE_FILE names the files Compose loads (and it then loads no override by itself): the override is added after its compose file",
            )?;
        }
    }
    if steps > 0 || !composes.is_empty() {
        b.note(format!(
            "builds need BuildKit (the default since Docker 23; on 20.10 set DOCKER_BUILDKIT=1) and the secret: `docker build --secret id={SECRET_ID},src=.certs/ca-bundle.pem .`; Compose passes it by itself"
        ));
    }
    for c in &corporate {
        for w in &c.warnings {
            b.note(format!("{}: {w}", c.subject));
        }
    }
    Ok(b.finish())
}

#[cfg(test)]
mod tests;
