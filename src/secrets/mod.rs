//! Secret detection: token formats and assignments, as data.
//!
//! The rules live in `rules.toml` (embedded). A single Aho-Corasick automaton
//! over every rule's keywords runs first; a rule's regex only runs on text in
//! which one of its keywords occurs (gitleaks does the same). Matches never
//! carry the secret: only its [`digest`] and a [`redact`]ed preview leave, so
//! nothing downstream can store or print a value by mistake.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder};
use regex::Regex;
use serde::Deserialize;
use std::sync::OnceLock;

use crate::finding::Severity;
pub mod assignment;
pub mod credentials;
mod display;
mod examples;
pub mod keys;
mod value;

pub use value::{digest, entropy, redact};

use assignment::TextKind;

const RULES_TOML: &str = include_str!("rules.toml");

/// Errors of the secrets module: a rules file that does not load or compile.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretsError {
    /// The TOML does not parse or has the wrong shape.
    #[error("secret rules file does not parse: {source}")]
    Parse {
        /// The TOML error.
        #[from]
        source: toml::de::Error,
    },
    /// A rule's regex does not compile.
    #[error("secret rule `{rule}` has an invalid regex: {source}")]
    Regex {
        /// Rule id.
        rule: String,
        /// The regex error.
        source: regex::Error,
    },
    /// A rule has an unknown kind or check.
    #[error("secret rule `{rule}`: {problem}")]
    Definition {
        /// Rule id.
        rule: String,
        /// What is wrong.
        problem: String,
    },
    /// A rule has an unknown severity.
    #[error("secret rule `{rule}` has an unknown severity `{severity}`")]
    Severity {
        /// Rule id.
        rule: String,
        /// What the file said.
        severity: String,
    },
    /// The keyword automaton could not be built.
    #[error("secret rule keywords do not build an automaton: {0}")]
    Keywords(#[from] aho_corasick::BuildError),
}

#[derive(Deserialize)]
struct RulesFile {
    version: u32,
    rule: Vec<RuleDef>,
    env: EnvDef,
    placeholders: PlaceholderDef,
    secret_files: SecretFilesDef,
}

#[derive(Debug, Deserialize)]
struct SecretFilesDef {
    names: Vec<String>,
    suffixes: Vec<String>,
    exclude: Vec<String>,
}

#[derive(Deserialize)]
struct RuleDef {
    id: String,
    title: String,
    severity: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    check: Option<String>,
    #[serde(default)]
    files: Vec<String>,
    keywords: Vec<String>,
    regex: String,
    entropy: Option<f64>,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(default)]
    negative_examples: Vec<String>,
}

#[derive(Deserialize)]
struct EnvDef {
    secret_name: String,
    reference_name: String,
    min_length: usize,
    min_entropy: f64,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(default)]
    negative_examples: Vec<String>,
}

#[derive(Deserialize)]
struct PlaceholderDef {
    exact: Vec<String>,
    contains: Vec<String>,
}

/// A code-aware test a rule's matches must pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    /// [`assignment::plausible`]: a literal, not code.
    Assignment,
}

/// One compiled secret rule.
#[derive(Debug)]
pub struct SecretRule {
    /// Stable id, e.g. `github-token`.
    pub id: String,
    /// Human title.
    pub title: String,
    /// Severity of a match.
    pub severity: Severity,
    /// Whether it is a heuristic (needs context: runs on history, env and
    /// the application's files, not on dependency trees).
    pub heuristic: bool,
    check: Option<Check>,
    /// In files, only files with these names (`*.ext` allowed); empty: all.
    files: Vec<String>,
    pub(crate) regex: Regex,
    entropy: Option<f64>,
    examples: Vec<String>,
    negative_examples: Vec<String>,
}

/// A secret found in some text or env var. Holds no secret value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretMatch {
    /// The secret rule that matched (`env-name` for name-based env matches).
    pub rule_id: String,
    /// The rule's title.
    pub title: String,
    /// Severity of the match.
    pub severity: Severity,
    /// A few leading characters and the length.
    pub redacted: String,
    /// [`digest`] of the value: for fingerprints, never shown.
    pub digest: String,
    /// Whether a heuristic rule found it (see [`SecretRule::heuristic`]).
    pub heuristic: bool,
}

/// Where the text being scanned comes from.
#[derive(Debug, Clone, Copy)]
pub enum Origin<'a> {
    /// A build step, an environment value, a label: every rule applies.
    Text,
    /// A file at this path: `files` restrictions apply, heuristic rules
    /// skip comment lines, and the file's kind (source code or config)
    /// decides what an assignment's value can be.
    File(&'a str),
}

/// Whether `name` matches a `files` pattern (exact, or `*.ext`), case-insensitively.
fn name_matches(name: &str, pattern: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let pattern = pattern.to_ascii_lowercase();
    match pattern.strip_prefix('*') {
        Some(suffix) => name.ends_with(suffix),
        None => name == pattern,
    }
}

/// The compiled rule set.
#[derive(Debug)]
pub struct SecretScanner {
    /// Version of the rules file, for cache keys.
    pub version: u32,
    rules: Vec<SecretRule>,
    keywords: AhoCorasick,
    keyword_rule: Vec<usize>,
    env_secret_name: Regex,
    env_reference_name: Regex,
    env_min_length: usize,
    env_min_entropy: f64,
    env_examples: Vec<String>,
    env_negative_examples: Vec<String>,
    placeholder_exact: Vec<String>,
    placeholder_contains: Vec<String>,
    secret_files: SecretFilesDef,
}

/// `\\b` made ASCII (`(?-u:\\b)`). Tokens are ASCII, and a Unicode word
/// boundary stops the regex crate's fast engine at the first non-ASCII
/// byte: on documentation and other UTF-8 text every such rule fell back to
/// the slow one, two thirds of a text-heavy image's scan time.
fn ascii_boundaries(re: &str) -> String {
    let mut out = String::with_capacity(re.len() + 16);
    let mut chars = re.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b') => out.push_str("(?-u:\\b)"),
            Some(n) => {
                out.push('\\');
                out.push(n);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// The built-in scanner, compiled once. The embedded rules are checked by
/// the test suite, so failing to compile them is a build defect; the error
/// still surfaces as a value for `dockward rules check`.
pub fn builtin() -> Result<&'static SecretScanner, &'static SecretsError> {
    static SCANNER: OnceLock<Result<SecretScanner, SecretsError>> = OnceLock::new();
    SCANNER
        .get_or_init(|| SecretScanner::from_toml(RULES_TOML))
        .as_ref()
}

impl SecretScanner {
    /// Compiles a rules file.
    pub fn from_toml(text: &str) -> Result<SecretScanner, SecretsError> {
        let file: RulesFile = toml::from_str(text)?;
        let mut rules = Vec::with_capacity(file.rule.len());
        let mut patterns = Vec::new();
        let mut keyword_rule = Vec::new();
        for def in file.rule {
            let severity =
                Severity::parse(&def.severity).ok_or_else(|| SecretsError::Severity {
                    rule: def.id.clone(),
                    severity: def.severity.clone(),
                })?;
            let regex = Regex::new(&ascii_boundaries(&def.regex)).map_err(|source| {
                SecretsError::Regex {
                    rule: def.id.clone(),
                    source,
                }
            })?;
            for kw in &def.keywords {
                patterns.push(kw.to_ascii_lowercase());
                keyword_rule.push(rules.len());
            }
            let bad = |problem: String| SecretsError::Definition {
                rule: def.id.clone(),
                problem,
            };
            let heuristic = match def.kind.as_deref() {
                None | Some("precise") => false,
                Some("heuristic") => true,
                Some(other) => return Err(bad(format!("unknown kind `{other}`"))),
            };
            let check = match def.check.as_deref() {
                None => None,
                Some("assignment") => Some(Check::Assignment),
                Some(other) => return Err(bad(format!("unknown check `{other}`"))),
            };
            rules.push(SecretRule {
                id: def.id,
                title: def.title,
                severity,
                heuristic,
                check,
                files: def.files,
                regex,
                entropy: def.entropy,
                examples: def.examples,
                negative_examples: def.negative_examples,
            });
        }
        let keywords = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .build(&patterns)?;
        let compile = |rule: &str, re: &str| {
            Regex::new(&ascii_boundaries(re)).map_err(|source| SecretsError::Regex {
                rule: rule.to_string(),
                source,
            })
        };
        Ok(SecretScanner {
            version: file.version,
            rules,
            keywords,
            keyword_rule,
            env_secret_name: compile("env.secret_name", &file.env.secret_name)?,
            env_reference_name: compile("env.reference_name", &file.env.reference_name)?,
            env_min_length: file.env.min_length,
            env_min_entropy: file.env.min_entropy,
            env_examples: file.env.examples,
            env_negative_examples: file.env.negative_examples,
            placeholder_exact: file.placeholders.exact,
            placeholder_contains: file
                .placeholders
                .contains
                .into_iter()
                .map(|s| s.to_ascii_lowercase())
                .collect(),
            secret_files: file.secret_files,
        })
    }

    /// The compiled rules.
    pub fn rules(&self) -> &[SecretRule] {
        &self.rules
    }

    /// Whether the file at `path` (no leading `/`) is named like a file that
    /// holds one secret (`pass.txt`, `token`, `*.secret`).
    pub fn is_secret_file(&self, path: &str) -> bool {
        let path = path.trim_start_matches('/');
        let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
        let f = &self.secret_files;
        !f.exclude.iter().any(|p| path.starts_with(p.as_str()))
            && (f.names.contains(&name) || f.suffixes.iter().any(|s| name.ends_with(s.as_str())))
    }

    /// Whether a value is a placeholder or a reference rather than a secret.
    pub fn is_placeholder(&self, value: &str) -> bool {
        let v = value.trim().trim_matches(|c| c == '"' || c == '\'');
        let lower = v.to_ascii_lowercase();
        if v.is_empty() || v.starts_with('$') {
            return true;
        }
        if self.placeholder_exact.iter().any(|p| p == &lower) {
            return true;
        }
        if self
            .placeholder_contains
            .iter()
            .any(|p| lower.contains(p.as_str()))
        {
            return true;
        }
        // One character repeated (`aaaaaaaa`, `00000000`) is filler.
        let mut chars = v.chars();
        let first = chars.next();
        first.is_some() && chars.all(|c| Some(c) == first)
    }

    /// Finds secrets in free text (a build step, an env value, a label).
    /// Each distinct value is reported once, by the first rule that found it.
    pub fn scan_text(&self, text: &str) -> Vec<SecretMatch> {
        self.scan(text, Origin::Text)
    }

    /// Finds secrets in text from `origin`.
    pub fn scan(&self, text: &str, origin: Origin<'_>) -> Vec<SecretMatch> {
        let mut out: Vec<SecretMatch> = Vec::new();
        for (_, m) in self.find(text, origin) {
            if !out.iter().any(|o| o.digest == m.digest) {
                out.push(m);
            }
        }
        out
    }

    /// `text` with every secret a rule finds in it replaced by its
    /// [`redact`]ed preview: for build steps, paths, tags and error messages
    /// before they leave the core.
    pub fn redact_text(&self, text: &str) -> String {
        let spans = self
            .find(text, Origin::Text)
            .into_iter()
            .map(|(r, _)| r)
            .collect();
        value::redact_spans(text, spans)
    }

    /// Every accepted match in `text`, with the byte range of its value.
    /// Each rule runs only where its keywords occur in the text.
    fn find(&self, text: &str, origin: Origin<'_>) -> Vec<(std::ops::Range<usize>, SecretMatch)> {
        let mut wanted = vec![false; self.rules.len()];
        for m in self.keywords.find_overlapping_iter(text) {
            wanted[self.keyword_rule[m.pattern().as_usize()]] = true;
        }
        let (file_name, kind) = match origin {
            Origin::Text => (None, TextKind::Other),
            Origin::File(path) => (
                Some(path.rsplit('/').next().unwrap_or(path)),
                TextKind::of_path(path),
            ),
        };
        let mut out = Vec::new();
        for (i, rule) in self.rules.iter().enumerate() {
            if !wanted[i] {
                continue;
            }
            if let (Some(name), false) = (file_name, rule.files.is_empty()) {
                if !rule.files.iter().any(|p| name_matches(name, p)) {
                    continue;
                }
            }
            for caps in rule.regex.captures_iter(text) {
                let Some(m) = caps.name("secret").or_else(|| caps.get(0)) else {
                    continue;
                };
                if rule.heuristic && file_name.is_some() && assignment::in_comment(text, m.start())
                {
                    continue;
                }
                if rule.check == Some(Check::Assignment)
                    && !assignment::plausible(&caps, text, kind)
                {
                    continue;
                }
                let value = m.as_str();
                if self.is_placeholder(value) {
                    continue;
                }
                if let Some(min) = rule.entropy {
                    if entropy(value) < min {
                        continue;
                    }
                }
                out.push((
                    m.range(),
                    SecretMatch {
                        rule_id: rule.id.clone(),
                        title: rule.title.clone(),
                        severity: rule.severity,
                        redacted: redact(value),
                        digest: digest(value),
                        heuristic: rule.heuristic,
                    },
                ));
            }
        }
        out
    }

    /// Whether a name alone looks secret (`NPM_TOKEN`; not `PASSWORD_FILE`).
    pub fn secret_name(&self, name: &str) -> bool {
        self.env_secret_name.is_match(name) && !self.env_reference_name.is_match(name)
    }

    /// Decides whether one environment variable holds a secret: either its
    /// value is a known token format, or its name looks secret and its value
    /// looks real (long enough, not a placeholder, not too uniform).
    pub fn classify_env(&self, name: &str, value: &str) -> Option<SecretMatch> {
        if let Some(m) = self.scan_text(value).into_iter().next() {
            return Some(m);
        }
        if !self.env_secret_name.is_match(name) || self.env_reference_name.is_match(name) {
            return None;
        }
        let v = value.trim();
        if v.chars().count() < self.env_min_length
            || self.is_placeholder(v)
            || entropy(v) < self.env_min_entropy
        {
            return None;
        }
        Some(SecretMatch {
            rule_id: "env-name".into(),
            title: "Secret-looking environment variable".into(),
            severity: Severity::High,
            redacted: redact(v),
            digest: digest(v),
            heuristic: true,
        })
    }
}

#[cfg(test)]
mod tests;
