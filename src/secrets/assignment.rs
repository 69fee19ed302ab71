//! Is this assignment a secret, or code? The generic rule's regex finds
//! `name = value` where the name says password, token, secret or key; most
//! such lines in real images are code (`tokenCache = createCache()`,
//! `password = self.password`, `$pwd=Cwd::getcwd`, `password: Optional[str]`)
//! or templates (`"%(password)s"`, `"{{ token }}"`). A value counts only when
//! it is a literal: a quoted string that closes, or, outside source code, a
//! bare word that mixes letters and digits and is neither a path, a
//! reference nor an expression. Everything here is cheap string tests on a
//! match the regex already found.

use regex::Captures;

/// What kind of text a match is in: it decides whether a bare word after
/// `=` can be a literal at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// Program source: only quoted string literals are values.
    Code,
    /// Configuration, shell, environment files, Dockerfiles.
    Config,
    /// Build history, environment values, anything else.
    Other,
}

const CODE_EXTENSIONS: &[&str] = &[
    ".py", ".pyi", ".pyx", ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".mts", ".cts", ".go",
    ".rb", ".pl", ".pm", ".php", ".java", ".kt", ".kts", ".scala", ".groovy", ".c", ".h", ".cc",
    ".cpp", ".cxx", ".hpp", ".hh", ".cs", ".rs", ".swift", ".lua", ".r", ".m", ".mm", ".dart",
    ".ex", ".exs", ".erl", ".hs", ".ml", ".clj", ".vue", ".svelte", ".coffee", ".tcl", ".el",
];

impl TextKind {
    /// The kind of a file, from its name.
    pub fn of_path(path: &str) -> TextKind {
        let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
        if CODE_EXTENSIONS.iter().any(|e| name.ends_with(e)) {
            TextKind::Code
        } else {
            TextKind::Config
        }
    }
}

/// Whether the line holding byte `at` of `text` is a comment.
pub fn in_comment(text: &str, at: usize) -> bool {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[start..].trim_start();
    ["#", "//", "--", ";", "*", "/*", "<!--", "%", "rem ", "REM "]
        .iter()
        .any(|c| line.starts_with(c))
}

fn classes(v: &str) -> usize {
    [
        v.chars().any(|c| c.is_ascii_lowercase()),
        v.chars().any(|c| c.is_ascii_uppercase()),
        v.chars().any(|c| c.is_ascii_digit()),
        v.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|b| **b)
    .count()
}

/// Templates and references that stand for a value held elsewhere.
fn interpolated(v: &str) -> bool {
    ["${", "$(", "#{", "%(", "{{", "{%", "%s", "%d", "<%", "@{"]
        .iter()
        .any(|m| v.contains(m))
}

/// Words joined by separators, without a digit: a field name
/// (`password_confirmation`), a path or key name (`prod/db/credentials`),
/// a label in any language (`API-Schlüssel`). Not something generated.
fn wordlike(v: &str) -> bool {
    !v.chars().any(|c| c.is_ascii_digit())
        && v.split(['_', '-', '.', '/', ' '])
            .all(|w| !w.is_empty() && w.chars().all(char::is_alphabetic))
}

/// Whether the generic rule's match (`quote`, `op`, `secret` groups) is a
/// plausible secret literal in text of `kind`.
pub fn plausible(caps: &Captures<'_>, text: &str, kind: TextKind) -> bool {
    let Some(value) = caps.name("secret") else {
        return false;
    };
    let v = value.as_str();
    let quote = caps.name("quote").map_or("", |q| q.as_str());
    let op = caps.name("op").map_or("=", |o| o.as_str());
    if interpolated(v) || v.starts_with(['/', '.', '~', '\\', '@', '%', '&', '*', '#', '-', '+']) {
        return false;
    }
    if !quote.is_empty() {
        // A literal must close right after the value: `"Token expired"` is
        // prose, `"s3cr3t-Value"` is a literal.
        if !text[value.end()..].starts_with(quote) {
            return false;
        }
        return classes(v) >= 2 && !v.contains("://") && !wordlike(v);
    }
    // A bare word: never in source code, where it is an identifier, a call,
    // a member access or a type (`password: str`).
    if kind == TextKind::Code {
        return false;
    }
    if v.contains(['(', ')', '[', ']', '{', '}', '<', '>', ',', '`'])
        || v.contains("::")
        || v.contains("->")
        || v.contains("://")
    {
        return false;
    }
    // `name: Value` outside YAML-ish config is an annotation.
    if op == ":" && kind != TextKind::Config {
        return false;
    }
    let has_digit = v.chars().any(|c| c.is_ascii_digit());
    let has_letter = v.chars().any(|c| c.is_ascii_alphabetic());
    // A dotted word is a member access or a host name.
    let dotted = v.split('.').count() > 1
        && v.split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    has_digit && has_letter && !dotted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(line: &str, kind: TextKind) -> bool {
        let scanner = crate::secrets::builtin().expect("rules");
        let rule = scanner
            .rules()
            .iter()
            .find(|r| r.id == "generic-assignment")
            .expect("rule");
        rule.regex
            .captures_iter(line)
            .any(|c| plausible(&c, line, kind))
    }

    #[test]
    fn code_expressions_identifiers_and_types_are_not_secrets() {
        for line in [
            "var tokenCache = createCache();",
            "const MaxScanTokenSize = 64 * 1024",
            "$pwd=Cwd::getcwd();",
            "my @passwd = getpwnam($user);",
            "self.password = credentials",
            "password = self.password",
            "token = line[start:pos]",
            "pwd = Win32::GetCwd()",
            "def login(self, password: Optional[str] = None):",
            "  XmlSecret: string;",
            "password = get_password(user)",
            "password_file: /run/secrets/db_password",
            "secret = \"#{ENV['SECRET']}\"",
            "passwd = \"%(password)s\"",
            "token = \"{{ token }}\"",
            "api_key = os.environ['API_KEY']",
            "msg = \"Token expired for user\"",
            "\"apiKey\": \"API-Schlüssel\",",
            "passwordField = \"password_confirmation\"",
            "secretName = \"prod/db/credentials\"",
        ] {
            for kind in [TextKind::Code, TextKind::Config, TextKind::Other] {
                assert!(!check(line, kind), "{line:?} in {kind:?}");
            }
        }
    }

    #[test]
    fn literals_are_secrets() {
        assert!(check("password = \"Xk9mQ2vL8pR4\"", TextKind::Code));
        assert!(check("DB_PASSWORD: Zt8vQ3mK9pW2xR7n", TextKind::Config));
        assert!(check(
            "RUN echo db_password=Xk9mQ2vL8pR4 >> /etc/app.conf",
            TextKind::Other
        ));
        assert!(check("export API_TOKEN=Hq7Tz2Wn9Kd4Lp6", TextKind::Config));
        assert!(check("password = \"Zx8r-Tq2p-Lm4v\"", TextKind::Code));
        // A bare word in source code is an identifier, even with digits.
        assert!(!check("password = Xk9mQ2vL8pR4", TextKind::Code));
    }

    #[test]
    fn comments_are_recognised() {
        let text = "a = 1\n  # password=Xk9mQ2vL8pR4\n";
        assert!(in_comment(text, text.find("password").expect("in text")));
        assert!(!in_comment(text, 0));
    }
}
