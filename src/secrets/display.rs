//! Redaction of file text shown to people (a project's source line, the
//! diff of a fix): beyond the token formats [`SecretScanner::redact_text`]
//! knows, a value assigned to a secret-looking name (`DB_PASSWORD:
//! hunter2hunter2`, `ENV API_KEY abc…`, `- TOKEN=…`) is a secret by the
//! same judgement the checks make ([`SecretScanner::classify_env`]), so a
//! value a finding reports redacted is never shown whole beside it.

use std::sync::LazyLock;

use regex::Regex;

use super::SecretScanner;

/// `NAME=value` anywhere on a line (`.env`, `ENV A=1 B=2`, `- NAME=value`).
static PAIR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:^|[\s"'\-+])([A-Za-z_][A-Za-z0-9_.\-]*)=("[^"]*"|'[^']*'|[^\s"']+)"#)
        .expect("a valid pattern")
});

/// A YAML mapping entry `NAME: value`, or Dockerfile's old `ENV NAME value`
/// (after an optional diff marker and list dash).
static ENTRY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"^[+\- ]?\s*(?:-\s+)?(?:["']?([A-Za-z_][A-Za-z0-9_.\-]*)["']?\s*:\s+|(?i:ENV)\s+([A-Za-z_][A-Za-z0-9_]*)\s+)(\S.*)$"#,
    )
    .expect("a valid pattern")
});

/// The value of a raw right-hand side: inside its quotes, else up to a
/// ` #` comment; as a byte range of `raw`.
fn value_range(raw: &str) -> std::ops::Range<usize> {
    let trimmed_end = raw.trim_end().len();
    for q in ['"', '\''] {
        if let Some(rest) = raw.strip_prefix(q) {
            if let Some(end) = rest.find(q) {
                return 1..1 + end;
            }
        }
    }
    let end = raw.find(" #").unwrap_or(trimmed_end).min(trimmed_end);
    0..raw[..end].trim_end().len()
}

impl SecretScanner {
    /// `text` (lines of a file, or a diff of one) with every secret shown
    /// redacted: assigned values the checks judge secret, then every token
    /// a rule finds.
    pub fn redact_for_display(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for line in text.split_inclusive('\n') {
            out.push_str(&self.redact_assignments(line));
        }
        self.redact_text(&out)
    }

    fn redact_assignments(&self, line: &str) -> String {
        // Byte ranges of values to hide, from both shapes.
        let mut spans: Vec<std::ops::Range<usize>> = Vec::new();
        let mut judge = |name: &str, start: usize, raw: &str| {
            let r = value_range(raw);
            let value = &raw[r.clone()];
            if !value.is_empty() && self.classify_env(name, value).is_some() {
                spans.push(start + r.start..start + r.end);
            }
        };
        if let Some(c) = ENTRY.captures(line.trim_end_matches(['\n', '\r'])) {
            if let (Some(name), Some(raw)) = (c.get(1).or_else(|| c.get(2)), c.get(3)) {
                judge(name.as_str(), raw.start(), raw.as_str());
            }
        }
        for c in PAIR.captures_iter(line) {
            if let (Some(name), Some(raw)) = (c.get(1), c.get(2)) {
                judge(name.as_str(), raw.start(), raw.as_str());
            }
        }
        super::value::redact_spans(line, spans)
    }
}

#[cfg(test)]
mod tests {
    fn shown(text: &str) -> String {
        crate::secrets::builtin()
            .expect("rules")
            .redact_for_display(text)
    }

    #[test]
    fn values_of_secret_names_are_hidden_in_every_shape() {
        let value = "hunter2hunter2Xq9";
        for line in [
            format!("      DB_PASSWORD: {value}\n"),
            format!("+      DB_PASSWORD: \"{value}\"  # prod\n"),
            format!("      - DB_PASSWORD={value}\n"),
            format!("DB_PASSWORD='{value}'\n"),
            format!("ENV DB_PASSWORD {value}\n"),
            format!("ENV A=1 DB_PASSWORD={value}\n"),
            format!("-ARG DB_PASSWORD={value}\r\n"),
        ] {
            let out = shown(&line);
            assert!(!out.contains(value), "{line:?} → {out:?}");
            assert!(out.contains("hunt… (17 chars)"), "{line:?} → {out:?}");
            assert_eq!(out.ends_with('\n'), line.ends_with('\n'));
        }
    }

    #[test]
    fn ordinary_lines_and_references_are_left_alone() {
        for line in [
            "      DB_PASSWORD_FILE: /run/secrets/db_password\n",
            "      DB_PASSWORD: ${DB_PASSWORD}\n",
            "      image: postgres:16\n",
            "ENV PATH=/usr/local/bin:$PATH\n",
            "      LOG_LEVEL: debug\n",
        ] {
            assert_eq!(shown(line), line);
        }
    }
}
