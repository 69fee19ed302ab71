//! The preview of a change: a unified diff, as `git diff` shows one.

use similar::TextDiff;

/// The unified diff of one file: `before` is `None` for a new file.
pub fn unified(path: &str, before: Option<&str>, after: &str) -> String {
    let (old_name, old) = match before {
        Some(text) => (format!("a/{path}"), text),
        None => ("/dev/null".to_owned(), ""),
    };
    let mut out = String::new();
    if before.is_none() {
        out.push_str(&format!("new file {path}\n"));
    }
    let diff = TextDiff::from_lines(old, after)
        .unified_diff()
        .context_radius(3)
        .header(&old_name, &format!("b/{path}"))
        .missing_newline_hint(true)
        .to_string();
    // A preview is output like any other: a secret on a line shown (a
    // token in a compose file beside the key being fixed) is redacted.
    match crate::secrets::builtin() {
        Ok(scanner) => out.push_str(&scanner.redact_for_display(&diff)),
        Err(_) => out.push_str(&diff),
    }
    out
}

/// Larger new files are summarised in a preview rather than shown line by
/// line (a bundle of 140 public roots would drown the rest).
pub const PREVIEW_LIMIT: usize = 32 << 10;

/// One change as the preview shows it: its diff, or a one-line summary of
/// a large new file.
pub fn preview(c: &super::Change) -> String {
    if c.before.is_none() && c.after.len() > PREVIEW_LIMIT {
        return format!(
            "new file {}: {} lines, {} bytes (too long to show)\n",
            c.path,
            c.after.lines().count(),
            c.after.len()
        );
    }
    unified(&c.path, c.before.as_deref(), &c.after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_on_a_line_shown_is_redacted() {
        let d = unified(
            "compose.yaml",
            Some("services:\n  web:\n    environment:\n      API_TOKEN: ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8\n"),
            "services:\n  web:\n    read_only: true\n    environment:\n      API_TOKEN: ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8\n",
        );
        assert!(d.contains("+    read_only: true"), "{d}");
        assert!(!d.contains("ghp_A1b2C3d4E5f6G7h8I9j0"), "{d}");
        assert!(d.contains("API_TOKEN: ghp_"), "{d}");
    }

    #[test]
    fn a_changed_line_shows_with_context_and_headers() {
        let d = unified(
            "Dockerfile",
            Some("FROM x\nRUN a\nUSER app\n"),
            "FROM x\nRUN b\nUSER app\n",
        );
        assert!(d.contains("--- a/Dockerfile\n+++ b/Dockerfile\n"), "{d}");
        assert!(d.contains("-RUN a\n+RUN b\n"), "{d}");
        assert!(d.contains(" FROM x\n"), "{d}");
    }

    #[test]
    fn a_new_file_is_all_additions() {
        let d = unified(".certs/.gitkeep", None, "");
        assert!(d.starts_with("new file .certs/.gitkeep\n"), "{d}");
        let d = unified(".dockerignore", None, ".certs/\n");
        assert!(d.contains("--- /dev/null\n+++ b/.dockerignore\n"), "{d}");
        assert!(d.contains("+.certs/\n"), "{d}");
    }
}
