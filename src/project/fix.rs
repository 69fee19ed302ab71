//! Fixes with a mechanical change, as `edit` plans (preview → apply →
//! undo, the CA wizard's machinery): compose hardening keys (`privileged`
//! off, `security_opt: [no-new-privileges:true]`, `cap_drop: [ALL]`,
//! `read_only: true` with a `/tmp` tmpfs), a `.dockerignore` that keeps
//! secrets out of the build context, and a secret build argument turned
//! into a BuildKit secret mount. Only the lines a finding is about change
//! (keys are added under the service's own line); anything the text does
//! not allow safely (flow style, a key merged from an anchor, exec-form
//! RUN) becomes a note in the preview instead.

use std::collections::BTreeMap;
use std::path::Path;

use parse_dockerfile::{Command, Instruction};

use super::{Checked, Located, ProjectError};
use crate::compose::layout::{apply_lines, service_layout, Edits, LineEdit};
use crate::edit::{Plan, PlanBuilder};

/// Rules `fix` changes.
pub const FIXABLE: &[&str] = &[
    "container.privileged",
    "container.no-new-privileges-missing",
    "container.capabilities-not-dropped",
    "container.writable-rootfs",
    "container.env-secret",
    "dockerfile.context-leak",
    "dockerfile.secret-arg-used",
];

/// [`FIXABLE`], for reports.
pub fn fixable_rules() -> &'static [&'static str] {
    FIXABLE
}

/// The service a compose finding is about (`FILE services.NAME …`).
fn service_of(location: &str) -> Option<&str> {
    location.split(' ').nth(1)?.strip_prefix("services.")
}

/// Plans the fixes for the findings of `rule` (`None`: every fixable one).
pub fn plan(root: &Path, checked: &Checked, rule: Option<&str>) -> Result<Plan, ProjectError> {
    if let Some(r) = rule {
        if !FIXABLE.contains(&r) {
            return Err(ProjectError::Fix(format!(
                "{r} has no automatic fix; fixable rules: {}",
                FIXABLE.join(", ")
            )));
        }
    }
    let mut b = PlanBuilder::new(root, "project-fix", "Project check fixes")?;
    let wanted: Vec<&(crate::finding::Finding, Located)> = checked
        .found
        .iter()
        .filter(|(f, _)| FIXABLE.contains(&f.rule.as_str()) && rule.is_none_or(|r| f.rule == r))
        .collect();
    // Compose: per file, per service, the keys to add or change.
    let mut compose: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    let mut contexts: Vec<(String, String)> = Vec::new();
    let mut dockerfiles: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (f, at) in &wanted {
        match f.rule.as_str() {
            "dockerfile.context-leak" => {
                // The context the Dockerfile is built with, and the ignore
                // file that build reads.
                let dir = checked
                    .build_contexts
                    .get(&at.file)
                    .cloned()
                    .unwrap_or_else(|| {
                        Path::new(&at.file)
                            .parent()
                            .map(|p| p.to_string_lossy().into_owned())
                            .unwrap_or_default()
                    });
                let ignore = super::ignore::ignore_file(root, &at.file, &dir);
                if !contexts.contains(&(dir.clone(), ignore.clone())) {
                    contexts.push((dir, ignore));
                }
            }
            "dockerfile.secret-arg-used" => {
                let name = f.location.rsplit('$').next().unwrap_or("").to_owned();
                let list = dockerfiles.entry(at.file.clone()).or_default();
                if !list.contains(&name) {
                    list.push(name);
                }
            }
            rule => {
                if let Some(service) = service_of(&f.location) {
                    compose
                        .entry(at.file.clone())
                        .or_default()
                        .entry(service.to_owned())
                        .or_default()
                        .push(match rule {
                            "container.privileged" => "privileged".to_owned(),
                            "container.no-new-privileges-missing" => "security_opt".to_owned(),
                            "container.capabilities-not-dropped" => "cap_drop".to_owned(),
                            // `FILE services.S env:NAME`
                            "container.env-secret" => {
                                f.location.rsplit(' ').next().unwrap_or("").to_owned()
                            }
                            _ => "read_only".to_owned(),
                        });
                }
            }
        }
    }
    for (file, services) in compose {
        compose_fix(&mut b, &file, &services)?;
    }
    for dir in contexts {
        dockerignore_fix(&mut b, root, &dir)?;
    }
    for (file, names) in dockerfiles {
        secret_arg_fix(&mut b, &file, &names)?;
    }
    Ok(b.finish())
}

fn compose_fix(
    b: &mut PlanBuilder,
    file: &str,
    services: &BTreeMap<String, Vec<String>>,
) -> Result<(), ProjectError> {
    let Some(text) = b.read(file)? else {
        return Ok(());
    };
    let (_, positions) = match crate::compose::to_json_with_positions(&text) {
        Ok(x) => x,
        Err(e) => {
            b.note(format!("{file}: not changed ({e})"));
            return Ok(());
        }
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut edits = Edits::new();
    let mut secret_vars: Vec<(String, String)> = Vec::new();
    for (service, keys) in services {
        let l = match service_layout(&lines, &positions, service) {
            Ok(l) => l,
            Err(e) => {
                b.note(format!("{file}: {e}"));
                continue;
            }
        };
        let ind = &l.child_indent;
        let mut added: Vec<String> = Vec::new();
        let env: Vec<String> = keys
            .iter()
            .filter_map(|k| k.strip_prefix("env:").map(str::to_owned))
            .collect();
        if !env.is_empty() {
            let from = secret_vars.len();
            for n in super::fix_secrets::service_edits(
                &lines,
                &l,
                &env,
                &mut edits,
                &mut added,
                &mut secret_vars,
            ) {
                b.note(format!("{file}: {service}: {n}"));
            }
            if let Some((_, source)) = secret_vars.get(from) {
                b.note(format!(
                    "{file}: {service} now reads {} from files under /run/secrets (the `_FILE` variables): make sure the program supports them; Compose takes the values from the environment when it starts (`export {source}=…`, or an untracked .env). Rotate the values: they are in the file's history",
                    secret_vars[from..].iter().map(|(v, _)| v.as_str()).collect::<Vec<_>>().join(", "),
                ));
            }
        }
        for key in keys {
            match key.as_str() {
                "privileged" | "read_only" if l.has(key) => match l.own(key) {
                    Some(n) => {
                        let (want, from) = if *key == "privileged" { ("false", "true") } else { ("true", "false") };
                        let line = lines[n];
                        let (k, v) = line.split_once(':').unwrap_or((line, ""));
                        edits.entry(n).or_default().push(LineEdit::Replace(format!("{k}:{}", v.replacen(from, want, 1))));
                    }
                    None => b.note(format!("{file}: {service}.{key} comes from a merged anchor: change it there by hand")),
                },
                "read_only" => {
                    added.push(format!("{ind}read_only: true"));
                    if !l.has("tmpfs") {
                        added.push(format!("{ind}tmpfs:"));
                        added.push(format!("{ind}  - /tmp"));
                    }
                }
                "security_opt" | "cap_drop" => {
                    let item = if *key == "cap_drop" { "ALL" } else { "no-new-privileges:true" };
                    if l.has(key) {
                        match (l.own(key), l.last_item(key)) {
                            (Some(_), Some((last, dash))) if lines.get(last).is_some_and(|t| t.trim_start().starts_with('-')) => {
                                edits.entry(last).or_default().push(LineEdit::InsertAfter(vec![format!("{dash}- {item}")]));
                            }
                            _ => b.note(format!("{file}: add `{item}` to {service}.{key} by hand (flow style or merged)")),
                        }
                    } else {
                        added.push(format!("{ind}{key}:"));
                        added.push(format!("{ind}  - {item}"));
                    }
                }
                _ => {}
            }
        }
        if !added.is_empty() {
            edits
                .entry(l.key_line)
                .or_default()
                .push(LineEdit::InsertAfter(added));
        }
    }
    for n in super::fix_secrets::top_level_edits(&lines, &positions, &secret_vars, &mut edits) {
        b.note(format!("{file}: {n}"));
    }
    if !edits.is_empty() {
        let after = apply_lines(&text, &edits);
        // A layout the line edits misread must not become a broken file.
        if crate::compose::to_json(&after).is_err() {
            b.note(format!(
                "{file}: not changed: its layout could not be edited safely; apply the fixes by hand"
            ));
            return Ok(());
        }
        b.set(file, after, None, "harden the services the check flagged")?;
    }
    Ok(())
}

fn dockerignore_fix(
    b: &mut PlanBuilder,
    root: &Path,
    (dir, rel): &(String, String),
) -> Result<(), ProjectError> {
    let missing = super::ignore::missing_lines(&root.join(dir), &root.join(rel));
    if missing.is_empty() {
        return Ok(());
    }
    let before = b.read(rel)?.unwrap_or_default();
    let mut after = before.clone();
    if !after.is_empty() && !after.ends_with('\n') {
        after.push('\n');
    }
    after.push_str("# Kept out of the build context (dockward check --fix)\n");
    for l in missing {
        after.push_str(l);
        after.push('\n');
    }
    b.set(
        rel,
        after,
        Some(0o644),
        "keep secrets, keys and .git out of the build context",
    )?;
    Ok(())
}

fn secret_arg_fix(b: &mut PlanBuilder, file: &str, names: &[String]) -> Result<(), ProjectError> {
    let Some(text) = b.read(file)? else {
        return Ok(());
    };
    let Ok(df) = parse_dockerfile::parse(&text) else {
        b.note(format!("{file}: not changed (it does not parse)"));
        return Ok(());
    };
    // Inserts at byte offsets, and whole ARG lines to drop.
    let mut inserts: Vec<(usize, String)> = Vec::new();
    let mut drops: Vec<(std::ops::Range<usize>, &String)> = Vec::new();
    // Secrets a RUN still uses that could not be rewritten: their ARG stays,
    // or that RUN would build with an empty value and the check would no
    // longer say so.
    let mut still_used: Vec<&String> = Vec::new();
    for ins in &df.instructions {
        match ins {
            Instruction::Arg(a) => {
                let arg = a.arguments.value.trim();
                if let Some(name) = names.iter().find(|n| *n == arg) {
                    let start = text[..a.arg.span.start].rfind('\n').map_or(0, |i| i + 1);
                    let end = text[a.arguments.span.end..]
                        .find('\n')
                        .map_or(text.len(), |i| a.arguments.span.end + i + 1);
                    drops.push((start..end, name));
                } else if names.iter().any(|n| {
                    arg.split_whitespace()
                        .any(|w| w.split('=').next() == Some(n.as_str()))
                }) {
                    b.note(format!(
                        "{file}: remove the secret from `ARG {arg}` by hand"
                    ));
                }
            }
            Instruction::Run(r) => {
                let used: Vec<&String> = names
                    .iter()
                    .filter(|n| match &r.arguments {
                        Command::Shell(s) => {
                            s.value.contains(&format!("${n}"))
                                || s.value.contains(&format!("${{{n}"))
                                || r.here_docs
                                    .iter()
                                    .any(|h| h.value.contains(&format!("${n}")))
                        }
                        Command::Exec(e) => {
                            e.value.iter().any(|x| x.value.contains(&format!("${n}")))
                        }
                        _ => false,
                    })
                    .collect();
                if used.is_empty() {
                    continue;
                }
                let Command::Shell(s) = &r.arguments else {
                    still_used.extend(&used);
                    b.note(format!(
                        "{file}: an exec-form RUN uses a secret argument: rewrite it by hand (its ARG is kept until then)"
                    ));
                    continue;
                };
                if !r.here_docs.is_empty() {
                    still_used.extend(&used);
                    b.note(format!(
                        "{file}: a heredoc RUN uses a secret argument: rewrite it by hand (its ARG is kept until then)"
                    ));
                    continue;
                }
                let mut add = String::new();
                for n in &used {
                    add.push_str(&format!(
                        "--mount=type=secret,id={} ",
                        n.to_ascii_lowercase()
                    ));
                }
                for n in &used {
                    add.push_str(&format!(
                        "export {n}=\"$(cat /run/secrets/{})\" && ",
                        n.to_ascii_lowercase()
                    ));
                }
                inserts.push((s.span.start, add));
            }
            _ => {}
        }
    }
    let mut out = String::with_capacity(text.len() + 200);
    let mut i = 0;
    let mut points: Vec<(usize, Option<String>, usize)> = inserts
        .into_iter()
        .map(|(at, s)| (at, Some(s), at))
        .collect();
    points.extend(
        drops
            .into_iter()
            .filter(|(_, name)| !still_used.contains(name))
            .map(|(r, _)| (r.start, None, r.end)),
    );
    points.sort_by_key(|p| p.0);
    for (start, insert, end) in points {
        if start < i {
            continue;
        }
        out.push_str(&text[i..start]);
        if let Some(s) = insert {
            out.push_str(&s);
        }
        i = end;
    }
    out.push_str(&text[i..]);
    for n in names {
        b.note(format!(
            "build with the value as a secret: `docker build --secret id={},env={n} .` (Compose: `build: {{ secrets: [{}] }}` and a top-level `secrets: {{ {}: {{ environment: {n} }} }}`); rotate the old value, it is in the history of images already built",
            n.to_ascii_lowercase(),
            n.to_ascii_lowercase(),
            n.to_ascii_lowercase()
        ));
    }
    b.set(
        file,
        out,
        None,
        "pass secret build arguments as BuildKit secrets",
    )?;
    Ok(())
}
