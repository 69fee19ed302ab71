//! Image checks: one function per `image.*` rule.

use super::Policy;
use crate::facts::{EnvVar, ImageFacts};
use crate::finding::Hit;
use crate::finding::Severity;
use crate::rules::container::is_root_user;

/// An image check: facts in, hits out.
pub type ImageCheck = fn(&ImageFacts, &Policy) -> Vec<Hit>;

/// Every image check, keyed by its rule id.
pub const CHECKS: &[(&str, ImageCheck)] = &[
    ("image.root-user", root_user),
    ("image.env-secret", env_secret),
    ("image.history-secret", history_secret),
    ("image.stale", stale),
    ("image.latest-tag", latest_tag),
    ("image.no-healthcheck", no_healthcheck),
    ("image.remote-add", remote_add),
    ("image.dangling", dangling),
];

fn root_user(img: &ImageFacts, _: &Policy) -> Vec<Hit> {
    if !is_root_user(&img.user) {
        return vec![];
    }
    let shown = if img.user.is_empty() {
        "(none)"
    } else {
        img.user.as_str()
    };
    vec![Hit::new(
        "image.root-user",
        "Config.User",
        format!("USER {shown}"),
    )]
}

fn secret_hit(
    rule: &'static str,
    location: String,
    name: &str,
    m: crate::secrets::SecretMatch,
) -> Hit {
    Hit {
        rule,
        severity: Some(m.severity.max(Severity::High)),
        location,
        evidence: format!("{name}={} — {}", m.redacted, m.title),
        secret_digest: Some(m.digest),
        heuristic: false,
        fix: None,
    }
}

fn env_secret(img: &ImageFacts, _: &Policy) -> Vec<Hit> {
    let Ok(scanner) = crate::secrets::builtin() else {
        return vec![];
    };
    img.env
        .iter()
        .filter_map(|e| {
            let m = scanner.classify_env(&e.name, &e.value)?;
            Some(secret_hit(
                "image.env-secret",
                format!("env:{}", e.name),
                &e.name,
                m,
            ))
        })
        .collect()
}

/// Splits the build-arg prefix the classic builder and BuildKit record for a
/// RUN that used build args: `|2 A=1 B=2 /bin/sh -c make` gives
/// (`[A=1, B=2]`, `/bin/sh -c make`). Values with spaces are not quoted in
/// history, so each pair is taken up to the next space.
pub fn split_build_args(created_by: &str) -> (Vec<EnvVar>, &str) {
    let Some(rest) = created_by.strip_prefix('|') else {
        return (vec![], created_by);
    };
    let Some((count, mut rest)) = rest.split_once(' ') else {
        return (vec![], created_by);
    };
    let Ok(n) = count.parse::<usize>() else {
        return (vec![], created_by);
    };
    let mut args = Vec::with_capacity(n.min(64));
    for _ in 0..n {
        let (pair, tail) = rest.split_once(' ').unwrap_or((rest, ""));
        args.push(EnvVar::parse(pair));
        rest = tail;
    }
    (args, rest)
}

/// A build step as Dockward shows it: build-arg values that look secret
/// (by name or format) and any secret in the command redacted. History is
/// kept raw in facts (the rules need the values' digests); everything shown
/// goes through here.
pub fn redact_step(scanner: &crate::secrets::SecretScanner, created_by: &str) -> String {
    let (args, command) = split_build_args(created_by);
    // A literal written into a secret file (`echo VALUE > /tmp/pass.txt`)
    // is a finding redacted there: the step must not show it either.
    let mut command = command.to_owned();
    for value in literal_write_values(scanner, &command) {
        let hidden = crate::secrets::redact(&value);
        if command.contains(&value) {
            command = command.replace(&value, &hidden);
        } else {
            for word in value.split_whitespace() {
                command = command.replace(word, &crate::secrets::redact(word));
            }
        }
    }
    let command = command.as_str();
    if args.is_empty() {
        return scanner.redact_text(command);
    }
    let shown: Vec<String> = args
        .iter()
        .map(|a| match scanner.classify_env(&a.name, &a.value) {
            Some(m) => format!("{}={}", a.name, m.redacted),
            None => scanner.redact_text(&format!("{}={}", a.name, a.value)),
        })
        .collect();
    format!(
        "|{} {} {}",
        args.len(),
        shown.join(" "),
        scanner.redact_text(command)
    )
}

/// `ENV` steps recorded by the classic builder: `/bin/sh -c #(nop)  ENV A=b`.
fn nop_env(cmd: &str) -> Option<EnvVar> {
    let rest = cmd.split_once("#(nop)")?.1.trim_start();
    let rest = rest.strip_prefix("ENV ")?.trim();
    Some(EnvVar::parse(rest))
}

fn history_secret(img: &ImageFacts, _: &Policy) -> Vec<Hit> {
    let Ok(scanner) = crate::secrets::builtin() else {
        return vec![];
    };
    let mut hits = Vec::new();
    for (i, h) in img.history.iter().enumerate() {
        let step = format!("history[{i}]");
        let (args, command) = split_build_args(&h.created_by);
        for arg in &args {
            if let Some(m) = scanner.classify_env(&arg.name, &arg.value) {
                hits.push(secret_hit(
                    "image.history-secret",
                    format!("{step}:arg:{}", arg.name),
                    &arg.name,
                    m,
                ));
            }
        }
        if let Some(env) = nop_env(command) {
            // An ENV still in the config is the env-secret finding; one that a
            // later ENV overwrote lives on only here.
            if img.env.contains(&env) {
                continue;
            }
            if let Some(m) = scanner.classify_env(&env.name, &env.value) {
                hits.push(secret_hit(
                    "image.history-secret",
                    format!("{step}:env:{}", env.name),
                    &env.name,
                    m,
                ));
            }
            continue;
        }
        for (file, m) in literal_writes(scanner, command) {
            hits.push(Hit {
                rule: "image.history-secret",
                severity: Some(Severity::High),
                location: format!("{step}:secret-file:{file}"),
                evidence: format!("RUN writes a literal into {file}: {}", m.redacted),
                secret_digest: Some(m.digest),
                heuristic: false,
                fix: None,
            });
        }
        for m in scanner.scan_text(command) {
            let label = m.rule_id.clone();
            hits.push(secret_hit(
                "image.history-secret",
                format!("{step}:{label}"),
                "RUN",
                m,
            ));
        }
    }
    hits
}

/// `echo VALUE > FILE`, `printf VALUE >> FILE`, `echo VALUE | tee FILE`
/// into a file named like a secret (`/tmp/pass.txt`), with a literal value
/// (not `$VAR` or `$(cmd)`): the file may be deleted later, the step stays.
fn literal_writes(
    scanner: &crate::secrets::SecretScanner,
    command: &str,
) -> Vec<(String, crate::secrets::SecretMatch)> {
    literal_write_parts(scanner, command)
        .into_iter()
        .map(|(file, value)| {
            let m = crate::secrets::SecretMatch {
                rule_id: "secret-file".into(),
                title: "Literal written into a secret file".into(),
                severity: Severity::High,
                redacted: crate::secrets::redact(&value),
                digest: crate::secrets::digest(&value),
                heuristic: false,
            };
            (file, m)
        })
        .collect()
}

/// The values [`literal_writes`] finds, for redacting the step itself
/// (they never leave this module otherwise).
fn literal_write_values(scanner: &crate::secrets::SecretScanner, command: &str) -> Vec<String> {
    literal_write_parts(scanner, command)
        .into_iter()
        .map(|(_, v)| v)
        .collect()
}

/// (file, literal value) of each write into a secret-named file.
fn literal_write_parts(
    scanner: &crate::secrets::SecretScanner,
    command: &str,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for part in command.split("&&").flat_map(|p| p.split(';')) {
        let (write, file) = if let Some((w, f)) = part.split_once('>') {
            (w, f.trim_start_matches('>'))
        } else if let Some((w, f)) = part.split_once("| tee") {
            (w, f.trim_start().trim_start_matches("-a "))
        } else {
            continue;
        };
        let Some(file) = file.split_whitespace().next() else {
            continue;
        };
        let file = file.trim_matches(|c| c == '"' || c == '\'');
        if !scanner.is_secret_file(file) {
            continue;
        }
        let mut words = write
            .split_whitespace()
            .skip_while(|w| *w != "echo" && *w != "printf");
        if words.next().is_none() {
            continue;
        }
        let value: Vec<&str> = words.filter(|w| !w.starts_with('-')).collect();
        let value = value.join(" ");
        let value = value.trim_matches(|c| c == '"' || c == '\'');
        if value.is_empty()
            || value.contains('$')
            || value.contains('`')
            || scanner.is_placeholder(value)
        {
            continue;
        }
        out.push((file.to_string(), value.to_owned()));
    }
    out
}

fn stale(img: &ImageFacts, policy: &Policy) -> Vec<Hit> {
    let Some(created) = img.created_unix else {
        return vec![];
    };
    let age_days = (policy.now_unix - created) / 86_400;
    if age_days < i64::from(policy.stale_after_days) {
        return vec![];
    }
    vec![Hit::new(
        "image.stale",
        "Created",
        format!(
            "built {age_days} days ago ({}), policy {} days",
            img.created.as_deref().unwrap_or("?"),
            policy.stale_after_days
        ),
    )]
}

fn latest_tag(img: &ImageFacts, _: &Policy) -> Vec<Hit> {
    img.tags
        .iter()
        .filter(|t| t.ends_with(":latest"))
        .map(|t| Hit::new("image.latest-tag", format!("tag:{t}"), t.clone()))
        .collect()
}

fn no_healthcheck(img: &ImageFacts, _: &Policy) -> Vec<Hit> {
    match img.healthcheck {
        Some(true) => vec![],
        Some(false) => vec![Hit::new(
            "image.no-healthcheck",
            "Config.Healthcheck",
            "HEALTHCHECK NONE",
        )],
        None => vec![Hit::new(
            "image.no-healthcheck",
            "Config.Healthcheck",
            "no HEALTHCHECK",
        )],
    }
}

fn remote_add(img: &ImageFacts, _: &Policy) -> Vec<Hit> {
    img.history
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let cmd = h.created_by.as_str();
            let add = cmd.find("ADD ")?;
            let args = &cmd[add + 4..];
            let url = args
                .split_whitespace()
                .find(|a| a.starts_with("http://") || a.starts_with("https://"))?;
            Some(Hit::new(
                "image.remote-add",
                format!("history[{i}]"),
                format!("ADD {url}"),
            ))
        })
        .collect()
}

fn dangling(img: &ImageFacts, _: &Policy) -> Vec<Hit> {
    if !img.tags.is_empty() {
        return vec![];
    }
    vec![Hit::new("image.dangling", "RepoTags", "no tags")]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{builtin, testdata};

    fn findings(name: &str, policy: &Policy) -> Vec<crate::Finding> {
        builtin()
            .expect("catalogue")
            .evaluate_image(&testdata::image(name), policy)
    }

    fn policy_at(now_unix: i64) -> Policy {
        Policy {
            stale_after_days: 90,
            now_unix,
        }
    }

    #[test]
    fn a_literal_written_into_a_secret_file_is_found_and_not_shown() {
        let scanner = crate::secrets::builtin().expect("rules");
        let step = redact_step(scanner, "/bin/sh -c echo zqvplokm77 > /tmp/pass.txt");
        assert!(!step.contains("zqvplokm77"), "{step}");
        assert!(step.contains("zq… (10 chars) > /tmp/pass.txt"), "{step}");
        let found = literal_writes(scanner, "/bin/sh -c echo mypassword > /tmp/pass.txt");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "/tmp/pass.txt");
        assert!(!found[0].1.redacted.contains("mypassword"));
        let found = literal_writes(
            scanner,
            "apt-get update && printf 'Zt8vQ3mK9pW2' | tee -a /run/db.secret",
        );
        assert_eq!(found.len(), 1);
        for quiet in [
            "echo $DB_PASSWORD > /tmp/pass.txt",
            "echo \"$(cat /run/secrets/x)\" > /tmp/token",
            "echo hello > /tmp/notes.txt",
            "echo root:x:0:0 >> /etc/passwd",
            "cat pass.txt > /dev/null",
        ] {
            assert!(literal_writes(scanner, quiet).is_empty(), "{quiet}");
        }
    }

    #[test]
    fn build_steps_are_shown_redacted() {
        let scanner = crate::secrets::builtin().expect("rules");
        let step = "|2 NPM_TOKEN=npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8 DB_PASS=hunter22 /bin/sh -c curl -u deploy:U3B7dJNZR1GSgM https://x";
        let shown = redact_step(scanner, step);
        for secret in ["a1B2c3D4e5F6", "hunter22", "U3B7dJNZR1GSgM"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(
            shown.starts_with("|2 NPM_TOKEN=npm_… (40 chars) DB_PASS=")
                && shown.contains("/bin/sh -c curl -u deploy:"),
            "{shown}"
        );
        assert_eq!(redact_step(scanner, "/bin/sh -c make"), "/bin/sh -c make");
    }

    #[test]
    fn build_args_are_split() {
        let (args, rest) = split_build_args("|2 NPM_TOKEN=npm_abc HTTP_PROXY= /bin/sh -c npm ci");
        assert_eq!(args.len(), 2);
        assert_eq!(args[0].name, "NPM_TOKEN");
        assert_eq!(args[1].value, "");
        assert_eq!(rest, "/bin/sh -c npm ci");
        assert_eq!(split_build_args("/bin/sh -c ls").1, "/bin/sh -c ls");
        assert_eq!(split_build_args("|x A=1").1, "|x A=1");
    }

    #[test]
    fn risky_image_findings() {
        let created = testdata::image("risky").created_unix.expect("created");
        let f = findings("risky", &policy_at(created + 86_400));
        let rules: Vec<&str> = f.iter().map(|f| f.rule.as_str()).collect();
        assert!(rules.contains(&"image.root-user"), "{rules:?}");
        assert!(rules.contains(&"image.no-healthcheck"), "{rules:?}");
        assert!(rules.contains(&"image.latest-tag"), "{rules:?}");
        assert!(!rules.contains(&"image.stale"), "{rules:?}");
        let env: Vec<_> = f.iter().filter(|f| f.rule == "image.env-secret").collect();
        assert_eq!(
            env.len(),
            1,
            "only the real key, not the placeholder: {env:?}"
        );
        assert!(env[0].location.starts_with("env:"));
        let hist: Vec<_> = f
            .iter()
            .filter(|f| f.rule == "image.history-secret")
            .collect();
        assert!(
            hist.iter().any(|f| f.location.contains(":arg:NPM_TOKEN")),
            "{hist:?}"
        );
        assert!(
            hist.iter().any(|f| f.location.contains("github-token")),
            "{hist:?}"
        );
        assert!(
            hist.iter().any(|f| f.location.contains(":env:")),
            "overwritten ENV: {hist:?}"
        );
        for f in &f {
            assert!(!f.evidence.contains("R4nd0mT0k3n"), "{}", f.evidence);
        }
    }

    #[test]
    fn stale_by_policy() {
        let created = testdata::image("risky").created_unix.expect("created");
        let f = findings("risky", &policy_at(created + 91 * 86_400));
        assert!(f.iter().any(|f| f.rule == "image.stale"));
        let f = findings("risky", &policy_at(created + 89 * 86_400));
        assert!(!f.iter().any(|f| f.rule == "image.stale"));
    }

    #[test]
    fn hardened_image_is_clean() {
        let img = testdata::image("hardened");
        let f = findings("hardened", &policy_at(img.created_unix.expect("created")));
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn remote_add_and_dangling() {
        let mut img = testdata::image("hardened");
        img.tags.clear();
        img.history.push(crate::facts::HistoryFact {
            created_by: "/bin/sh -c #(nop) ADD https://example.com/tool.tgz /opt/".into(),
            empty_layer: false,
        });
        let f = builtin()
            .expect("catalogue")
            .evaluate_image(&img, &policy_at(img.created_unix.expect("created")));
        let rules: Vec<&str> = f.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, ["image.remote-add", "image.dangling"]);
    }
}
