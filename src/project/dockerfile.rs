//! Dockerfile checks, on the parsed file (`parse-dockerfile`: continuations,
//! heredocs, parser directives, stages): the final stage's USER, secrets in
//! ARG/ENV and secret arguments used by RUN, what COPY/ADD bring in (secret
//! files, the whole context without a `.dockerignore` that keeps secrets
//! out, a whole stage), ADD from a URL, `curl | sh`, sudo, the base image's
//! pinning and publisher, port 22.

use std::path::Path;

use parse_dockerfile::{Command, Instruction, Source};

use super::shell::{curl_pipe_shell, references, uses_sudo};
use super::{ignore, Located};
use crate::finding::Hit;

/// A Dockerfile's facts other files need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// The final stage's USER, `None` when it runs as root.
    pub user: Option<String>,
}

/// Byte offset → 1-based line and column (in characters).
pub fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(col).unwrap_or(u32::MAX),
    )
}

fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or("").trim();
    name.is_empty() || name == "root" || name == "0"
}

/// Whether a file name is a private key or a certificate store.
pub fn is_key_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".pem", ".key", ".p12", ".pfx", ".jks", ".keystore"]
        .iter()
        .any(|e| lower.ends_with(e))
        || ["id_rsa", "id_ed25519", "id_ecdsa", "id_dsa"]
            .iter()
            .any(|k| lower.starts_with(k) && !lower.ends_with(".pub"))
}

/// A path a COPY/ADD should never bring into an image: what the layer
/// scan would report in it (credential files, files named like secrets),
/// keys, and the CA setup's machine-local `.certs/`.
pub fn sensitive_source(src: &str) -> Option<&'static str> {
    let s = src.trim_end_matches('/');
    let name = s.rsplit('/').next().unwrap_or(s);
    if s == ".certs" || s.starts_with(".certs/") || s.contains("/.certs") {
        return Some("the machine-local .certs folder");
    }
    if let Some(kind) = crate::secrets::credentials::CredentialKind::of(s) {
        let env_template =
            super::discover::is_env_file(name) && super::discover::is_env_template(name);
        if !env_template {
            return Some(kind.describe());
        }
    }
    if is_key_file(name) {
        return Some("a key or certificate store");
    }
    if crate::secrets::builtin().is_ok_and(|sc| sc.is_secret_file(s)) {
        return Some("a file named like a secret");
    }
    None
}

/// Docker Hub namespaces whose images are reviewed (official, Docker's own,
/// verified publishers people commonly build on).
const REVIEWED: &[&str] = &[
    "library",
    "docker",
    "bitnami",
    "cimg",
    "circleci",
    "chainguard",
    "hashicorp",
    "grafana",
    "ubuntu",
];

fn base_image_hits(image: &str, stages: &[String], at: &Located) -> Vec<(Hit, Located)> {
    let mut out = Vec::new();
    if image == "scratch"
        || stages.iter().any(|s| s.eq_ignore_ascii_case(image))
        || image.contains('$')
    {
        return out;
    }
    let (name, digest) = image
        .split_once('@')
        .map_or((image, false), |(n, _)| (n, true));
    let last = name.rsplit('/').next().unwrap_or(name);
    let tag = last.split_once(':').map(|(_, t)| t);
    if !digest && matches!(tag, None | Some("latest")) {
        out.push((
            Hit::new(
                "dockerfile.unpinned-base",
                format!("{} FROM {image}", at.file),
                format!("FROM {image}"),
            ),
            at.clone(),
        ));
    }
    let parts: Vec<&str> = name.split('/').collect();
    let registry = parts.len() > 1
        && (parts[0].contains('.') || parts[0].contains(':') || parts[0] == "localhost");
    if !registry && parts.len() == 2 && !REVIEWED.contains(&parts[0]) {
        out.push((
            Hit::new(
                "dockerfile.unofficial-base",
                format!("{} FROM {image}", at.file),
                format!("FROM {image}: Docker Hub user `{}`", parts[0]),
            ),
            at.clone(),
        ));
    }
    out
}

/// `NAME[=value]` pairs of an ARG or ENV (ENV's old `NAME value` form too).
fn pairs(args: &str, env_legacy: bool) -> Vec<(String, Option<String>)> {
    let t = args.trim();
    if env_legacy && !t.split_whitespace().next().unwrap_or("").contains('=') {
        let (k, v) = t.split_once(char::is_whitespace).unwrap_or((t, ""));
        return vec![(k.to_owned(), Some(v.trim().trim_matches('"').to_owned()))];
    }
    t.split_whitespace()
        .map(|w| match w.split_once('=') {
            Some((k, v)) => (k.to_owned(), Some(v.trim_matches(['"', '\'']).to_owned())),
            None => (w.to_owned(), None),
        })
        .collect()
}

/// Checks one Dockerfile (`rel`, relative to the project at `root`).
pub fn check(
    root: &Path,
    rel: &str,
    bytes: &[u8],
    build_context: Option<&str>,
) -> Result<(Vec<(Hit, Located)>, Summary), String> {
    if bytes.iter().take(8192).any(|b| *b == 0) {
        return Err("a binary file, not a Dockerfile".into());
    }
    let text =
        std::str::from_utf8(bytes).map_err(|_| "not UTF-8 text, not a Dockerfile".to_owned())?;
    let df = parse_dockerfile::parse(text).map_err(|e| e.to_string())?;
    let scanner = crate::secrets::builtin().map_err(|e| e.to_string())?;
    let at = |offset: usize| {
        let (line, column) = line_col(text, offset);
        Located {
            file: rel.to_owned(),
            line,
            column,
        }
    };
    let mut hits = Vec::new();
    let stage_names: Vec<String> = df
        .stages()
        .filter_map(|s| s.from.as_.as_ref().map(|(_, n)| n.value.to_string()))
        .collect();
    // The context a compose file builds it with, else its own folder.
    let context_rel = build_context.map(str::to_owned).unwrap_or_else(|| {
        Path::new(rel)
            .parent()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let context = root.join(&context_rel);
    let ignore = root.join(ignore::ignore_file(root, rel, &context_rel));
    let mut users: Vec<(String, Option<String>)> = Vec::new();
    let mut secret_args: Vec<String> = Vec::new();
    for ins in &df.instructions {
        match ins {
            Instruction::Arg(a) => {
                for (name, value) in pairs(&a.arguments.value, false) {
                    let secret = match &value {
                        Some(v) if !v.is_empty() => scanner
                            .classify_env(&name, v)
                            .map(|m| format!("ARG {name}={} — {}", m.redacted, m.title)),
                        _ => scanner
                            .secret_name(&name)
                            .then(|| format!("ARG {name} (a secret-looking build argument)")),
                    };
                    if let Some(evidence) = secret {
                        secret_args.push(name.clone());
                        hits.push((
                            Hit::new(
                                "dockerfile.secret-arg",
                                format!("{rel} ARG {name}"),
                                evidence,
                            ),
                            at(a.arg.span.start),
                        ));
                    }
                }
            }
            Instruction::Env(e) => {
                for (name, value) in pairs(&e.arguments.value, true) {
                    let v = value.unwrap_or_default();
                    if let Some(m) = scanner.classify_env(&name, &v) {
                        hits.push((
                            Hit::new(
                                "dockerfile.secret-arg",
                                format!("{rel} ENV {name}"),
                                format!("ENV {name}={} — {}", m.redacted, m.title),
                            )
                            .secret(m.digest),
                            at(e.env.span.start),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    let mut stages = df.stages().peekable();
    while let Some(stage) = stages.next() {
        let from = &stage.from;
        let image = from.image.value.to_string();
        let inherited = users
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(&image))
            .and_then(|(_, u)| u.clone());
        let mut user = inherited;
        let from_at = at(from.from.span.start);
        hits.extend(base_image_hits(&image, &stage_names, &from_at));
        let mut user_at = from_at.clone();
        for ins in stage.instructions {
            match ins {
                Instruction::User(u) => {
                    user = Some(u.arguments.value.to_string());
                    user_at = at(u.user.span.start);
                }
                Instruction::Run(r) => {
                    let command = match &r.arguments {
                        Command::Shell(s) => s.value.to_owned(),
                        Command::Exec(e) => e
                            .value
                            .iter()
                            .map(|x| x.value.to_string())
                            .collect::<Vec<_>>()
                            .join(" "),
                        _ => String::new(),
                    };
                    let heredocs: String = r
                        .here_docs
                        .iter()
                        .map(|h| h.value.to_string())
                        .collect::<Vec<_>>()
                        .join("\n");
                    let all = format!("{command}\n{heredocs}");
                    let run_at = at(r.run.span.start);
                    for name in secret_args.iter().filter(|n| references(&all, n)) {
                        hits.push((
                            Hit::new(
                                "dockerfile.secret-arg-used",
                                format!("{rel} RUN ${name}"),
                                format!(
                                    "RUN uses ${name}: its value is recorded in the image history"
                                ),
                            ),
                            run_at.clone(),
                        ));
                    }
                    if curl_pipe_shell(&all) {
                        hits.push((
                            Hit::new(
                                "dockerfile.curl-pipe-shell",
                                format!("{rel} RUN curl|sh {}", run_at.line),
                                first_line(&command),
                            ),
                            run_at.clone(),
                        ));
                    }
                    if uses_sudo(&all) {
                        hits.push((
                            Hit::new(
                                "dockerfile.sudo",
                                format!("{rel} RUN sudo {}", run_at.line),
                                first_line(&command),
                            ),
                            run_at.clone(),
                        ));
                    }
                }
                Instruction::Copy(c) => {
                    let from_stage = c.options.iter().any(|f| f.name.value == "from");
                    copy_hits(
                        rel,
                        &c.src,
                        from_stage,
                        (&context, &ignore),
                        at(c.copy.span.start),
                        &mut hits,
                    );
                }
                Instruction::Add(a) => {
                    let checksum = a.options.iter().any(|f| f.name.value == "checksum");
                    for s in &a.src {
                        if let Source::Path(p) = s {
                            if (p.value.starts_with("http://") || p.value.starts_with("https://"))
                                && !checksum
                            {
                                hits.push((
                                    Hit::new(
                                        "dockerfile.add-url",
                                        format!("{rel} ADD {}", p.value),
                                        format!("ADD {}", p.value),
                                    ),
                                    at(a.add.span.start),
                                ));
                            }
                        }
                    }
                    copy_hits(
                        rel,
                        &a.src,
                        false,
                        (&context, &ignore),
                        at(a.add.span.start),
                        &mut hits,
                    );
                }
                Instruction::Expose(e)
                    if e.arguments
                        .iter()
                        .any(|p| p.value.split('/').next() == Some("22")) =>
                {
                    hits.push((
                        Hit::new(
                            "dockerfile.ssh-port",
                            format!("{rel} EXPOSE 22"),
                            "EXPOSE 22",
                        ),
                        at(e.expose.span.start),
                    ));
                }
                _ => {}
            }
        }
        let name = from
            .as_
            .as_ref()
            .map(|(_, n)| n.value.to_string())
            .unwrap_or_default();
        users.push((name, user.clone().filter(|u| !is_root(u))));
        if stages.peek().is_none() {
            if user.as_deref().is_none_or(is_root) {
                let evidence = match &user {
                    Some(u) => format!("USER {u} in the final stage"),
                    None => "no USER in the final stage".to_owned(),
                };
                hits.push((
                    Hit::new("dockerfile.root-user", format!("{rel} USER"), evidence),
                    user_at,
                ));
            }
            return Ok((
                hits,
                Summary {
                    user: user.filter(|u| !is_root(u)),
                },
            ));
        }
    }
    Ok((hits, Summary::default()))
}

fn first_line(command: &str) -> String {
    let l = command.lines().next().unwrap_or("").trim();
    let mut s: String = l.chars().take(120).collect();
    if l.chars().count() > 120 {
        s.push('…');
    }
    crate::secrets::builtin()
        .map(|sc| sc.redact_text(&s))
        .unwrap_or(s)
}

fn copy_hits(
    rel: &str,
    src: &[Source<'_>],
    from_stage: bool,
    (context, ignore_file): (&Path, &Path),
    at: Located,
    hits: &mut Vec<(Hit, Located)>,
) {
    for s in src {
        let Source::Path(p) = s else { continue };
        let path = p.value.trim_start_matches("./");
        if from_stage {
            if path == "/" || path.is_empty() {
                hits.push((
                    Hit::new(
                        "dockerfile.copy-whole-stage",
                        format!("{rel} COPY --from /"),
                        "COPY --from=… / …",
                    ),
                    at.clone(),
                ));
            }
            continue;
        }
        if let Some(what) = sensitive_source(path) {
            hits.push((
                Hit::new(
                    "dockerfile.copy-sensitive",
                    format!("{rel} COPY {path}"),
                    format!("copies {path}: {what}"),
                ),
                at.clone(),
            ));
        } else if matches!(path, "." | "" | "*") {
            let leaks = ignore::leaks(context, ignore_file);
            if !leaks.is_empty() {
                hits.push((
                    Hit::new(
                        "dockerfile.context-leak",
                        format!("{rel} COPY ."),
                        format!(
                            "the context holds {} and .dockerignore does not exclude it",
                            leaks.join(", ")
                        ),
                    ),
                    at.clone(),
                ));
            }
        }
    }
}
