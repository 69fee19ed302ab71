//! Giving a Dockerfile's network steps the CA as a BuildKit build secret.
//!
//! Each `RUN` whose command fetches over the network (npm, pip, curl, go,
//! cargo, apt-get, wget, Java builds…) gets
//! `--mount=type=secret,id=ca-bundle,required=false` and, as its first
//! command, the variables its tools read (and, for tools that read none, a
//! shell function adding their CA option), set only when the secret is
//! there and not empty: a build without the certificate works as
//! before, and nothing of it lands in a layer. Every other line is left
//! byte for byte; continuations, heredocs and the escape directive are
//! respected (the file is parsed with `parse-dockerfile`, not matched).

use parse_dockerfile::{Command, Instruction};

use super::CaError;

/// The build secret's id.
pub const SECRET_ID: &str = "ca-bundle";
/// Where BuildKit mounts it during a `RUN`.
pub const SECRET_PATH: &str = "/run/secrets/ca-bundle";

/// The variables each tool reads for its CA file. Those that *replace* the
/// trust store point at the bundle (public roots plus the corporate CA), so
/// every other TLS connection keeps working; `NODE_EXTRA_CA_CERTS` adds.
const TOOLS: &[(&[&str], &[&str])] = &[
    (
        &["npm", "npx", "yarn", "pnpm", "node", "corepack", "bun"],
        &["NODE_EXTRA_CA_CERTS"],
    ),
    (
        &["pip", "pip3", "pipx", "poetry", "uv", "pipenv", "pdm"],
        &["PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"],
    ),
    (&["curl"], &["CURL_CA_BUNDLE"]),
    (
        &[
            "wget", "apk", "dnf", "yum", "microdnf", "zypper", "go", "gem", "bundle", "bundler",
            "composer", "dotnet", "nuget",
        ],
        &["SSL_CERT_FILE"],
    ),
    (
        &["cargo", "rustup"],
        &["CARGO_HTTP_CAINFO", "SSL_CERT_FILE"],
    ),
    (&["git"], &["GIT_SSL_CAINFO"]),
    (&["aws"], &["AWS_CA_BUNDLE"]),
];

/// Tools that read no CA variable but take the file as an option: inside
/// the guard a shell function of the same name adds it, for that `RUN`
/// only (nothing lands in a layer). Debian's wget is built with GnuTLS and
/// ignores `SSL_CERT_FILE`. (apt reads `Acquire::https::CAInfo`, but
/// `apt-get` is no name a POSIX shell function can take: its steps get the
/// secret and a note with the option.)
const WRAPPED: &[(&str, &str)] = &[("wget", "--ca-certificate=")];

/// Java tools: they read a truststore, not a PEM file.
const JAVA_TOOLS: &[&str] = &["mvn", "mvnw", "gradle", "gradlew", "java", "sbt"];

/// A Dockerfile after the rewrite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewritten {
    /// The new text (equal to the old when nothing needed changing).
    pub text: String,
    /// `RUN` steps given the secret.
    pub steps: usize,
    /// `RUN` steps that have the secret but no longer point their tools
    /// at it (the guard line was removed): only verify reports them.
    pub unguarded: usize,
    /// What the user should know (Java, apt over https, exec form).
    pub notes: Vec<String>,
}

/// The command words of a `RUN` (the shell text with continuations and
/// comment lines removed), as the names of the programs it may call.
fn words(command: &str, escape: char) -> Vec<String> {
    // Comment lines go first: inside a continuation they end nothing.
    let kept: Vec<&str> = command
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect();
    let joined = kept
        .join("\n")
        .replace(&format!("{escape}\r"), " ")
        .replace(&format!("{escape}\n"), " ");
    joined
        .lines()
        .flat_map(|l| l.split(|c: char| c.is_whitespace() || ";|&()`'\"<>$=".contains(c)))
        .filter(|w| !w.is_empty())
        .map(|w| {
            w.rsplit('/')
                .next()
                .unwrap_or(w)
                .trim_end_matches(".exe")
                .to_owned()
        })
        .collect()
}

/// The variables to set for these words, in a stable order.
fn variables(words: &[String]) -> Vec<&'static str> {
    let mut vars: Vec<&'static str> = Vec::new();
    for (tools, names) in TOOLS {
        if words.iter().any(|w| tools.contains(&w.as_str())) {
            for n in *names {
                if !vars.contains(n) {
                    vars.push(n);
                }
            }
        }
    }
    vars
}

/// The wrapped tools these words call.
fn wrapped(words: &[String]) -> Vec<(&'static str, &'static str)> {
    WRAPPED
        .iter()
        .filter(|(tool, _)| words.iter().any(|w| w == tool))
        .copied()
        .collect()
}

fn guard_line(vars: &[&str], wrap: &[(&str, &str)]) -> String {
    let mut body: Vec<String> = Vec::new();
    if !vars.is_empty() {
        let exports: Vec<String> = vars.iter().map(|v| format!("{v}={SECRET_PATH}")).collect();
        body.push(format!("export {};", exports.join(" ")));
    }
    for (tool, option) in wrap {
        // Only where the tool takes the option: busybox's wget (Alpine)
        // would refuse it and fail a build that worked.
        let flag = option.trim_end_matches('=');
        body.push(format!(
            "{tool}() {{ if command {tool} --help 2>&1 | grep -q -e {flag}; then command {tool} {option}{SECRET_PATH} \"$@\"; else command {tool} \"$@\"; fi; }};"
        ));
    }
    format!("if [ -s {SECRET_PATH} ]; then {} fi;", body.join(" "))
}

/// Whether a heredoc body runs in a POSIX shell (no shebang, or a shell one).
fn shell_heredoc(body: &str) -> bool {
    match body.lines().next() {
        Some(first) if first.starts_with("#!") => {
            ["sh", "bash", "dash", "ash", "zsh"].iter().any(|s| {
                first.trim_end().ends_with(&format!("/{s}")) || first.ends_with(&format!(" {s}"))
            })
        }
        _ => true,
    }
}

/// Rewrites `text` (the Dockerfile at `shown`, for messages).
pub fn rewrite(text: &str, shown: &str) -> Result<Rewritten, CaError> {
    let df = parse_dockerfile::parse(text).map_err(|e| CaError::Dockerfile {
        path: shown.to_owned(),
        reason: e.to_string(),
    })?;
    let escape = df
        .parser_directives
        .escape
        .as_ref()
        .map_or('\\', |d| d.value.value);
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut inserts: Vec<(usize, String)> = Vec::new();
    let mut notes = Vec::new();
    let mut steps = 0;
    let mut unguarded = 0;
    for ins in &df.instructions {
        let Instruction::Run(run) = ins else { continue };
        let done = run.options.iter().any(|f| {
            f.name.value == "mount"
                && f.value
                    .as_ref()
                    .is_some_and(|v| v.value.contains(&format!("id={SECRET_ID}")))
        });
        let line = text[..run.run.span.start].matches('\n').count() + 1;
        let body: String = match &run.arguments {
            // `RUN <<EOF`: the here-document is the script itself.
            Command::Shell(s)
                if !run.here_docs.is_empty()
                    && (s.value.trim().is_empty() || s.value.trim_start().starts_with("<<")) =>
            {
                let mut b = s.value.to_owned();
                for h in &run.here_docs {
                    b.push('\n');
                    b.push_str(&h.value);
                }
                b
            }
            Command::Shell(s) => s.value.to_owned(),
            Command::Exec(e) => e
                .value
                .iter()
                .map(|w| w.value.to_string())
                .collect::<Vec<_>>()
                .join(" "),
            _ => continue,
        };
        let w = words(&body, escape);
        if done {
            // Set up before: its tools must still be pointed at the secret.
            let needs = !variables(&w).is_empty() || !wrapped(&w).is_empty();
            if needs && !body.contains(&format!("if [ -s {SECRET_PATH} ]")) {
                unguarded += 1;
            }
            continue;
        }
        let java = w.iter().any(|w| JAVA_TOOLS.contains(&w.as_str()));
        if java {
            notes.push(format!(
                "{shown}:{line}: Java tools read a truststore, not a PEM file; the step gets the secret, and `keytool -importcert -noprompt -cacerts -storepass changeit -alias corporate-ca -file {SECRET_PATH}` (inside `if [ -s {SECRET_PATH} ]`) adds the corporate CA (the bundle's first certificate) to that step's truststore"
            ));
        }
        let apt = w.iter().any(|w| w == "apt-get" || w == "apt");
        if apt {
            notes.push(format!(
                "{shown}:{line}: apt reads no CA variable; the step gets the secret, and for https package sources `apt-get -o Acquire::https::CAInfo={SECRET_PATH} …` uses it (plain-http Debian mirrors need nothing)"
            ));
        }
        let vars = variables(&w);
        let wrap = wrapped(&w);
        if vars.is_empty() && wrap.is_empty() && !java && !apt {
            continue;
        }
        steps += 1;
        let mount = format!(" --mount=type=secret,id={SECRET_ID},required=false");
        match &run.arguments {
            Command::Exec(_) => {
                inserts.push((run.run.span.end, mount));
                notes.push(format!(
                    "{shown}:{line}: exec-form RUN gets the secret, but no shell to point {} at it; use the shell form or set them in the command",
                    vars.iter().copied().chain(wrap.iter().map(|(t, _)| *t)).collect::<Vec<_>>().join(", ")
                ));
            }
            // `RUN <<EOF`: the here-document is the script itself.
            Command::Shell(s)
                if !run.here_docs.is_empty()
                    && (s.value.trim().is_empty() || s.value.trim_start().starts_with("<<")) =>
            {
                let first = &run.here_docs[0];
                if !shell_heredoc(&first.value) {
                    inserts.push((run.run.span.end, mount));
                    notes.push(format!(
                        "{shown}:{line}: the here-document is not a shell script; point its tool at {SECRET_PATH} yourself"
                    ));
                    continue;
                }
                inserts.push((run.run.span.end, mount));
                if !vars.is_empty() || !wrap.is_empty() {
                    inserts.push((
                        first.span.start,
                        format!("{}{newline}", guard_line(&vars, &wrap)),
                    ));
                }
            }
            Command::Shell(s) => {
                inserts.push((run.run.span.end, format!("{mount} {escape}{newline}   ")));
                if !vars.is_empty() || !wrap.is_empty() {
                    inserts.push((
                        s.span.start,
                        format!("{} {escape}{newline}    ", guard_line(&vars, &wrap)),
                    ));
                }
            }
            _ => {}
        }
    }
    if df.parser_directives.syntax.is_some() && steps > 0 {
        notes.push(format!(
            "{shown}: its `# syntax=` line makes BuildKit pull a frontend image from a registry, which fails behind the proxy or offline; Docker 20.10 and later understand `RUN --mount=type=secret` without it"
        ));
    }
    let mut out = text.to_owned();
    inserts.sort_by_key(|i| std::cmp::Reverse(i.0));
    for (at, s) in inserts {
        out.insert_str(at, &s);
    }
    Ok(Rewritten {
        text: out,
        steps,
        unguarded,
        notes,
    })
}

#[cfg(test)]
mod tests;
