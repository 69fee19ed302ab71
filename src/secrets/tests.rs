//! The rules file, its examples, redaction and the prefilter.
use super::*;

fn scanner() -> &'static SecretScanner {
    builtin().expect("embedded rules compile")
}

#[test]
fn every_rule_passes_its_examples() {
    let failures = scanner().check_examples();
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(scanner().rules().len() >= 70, "at least 70 rules");
}

#[test]
fn redaction_never_contains_the_value() {
    let v = "ghp_R4nd0mT0k3nV4lu3sAr3H3r3Xy12345678ab";
    let r = redact(v);
    assert_eq!(r, "ghp_… (40 chars)");
    assert!(!r.contains(&v[4..10]));
    assert_eq!(redact("short"), "… (5 chars)");
    let m = scanner().classify_env("GITHUB_TOKEN", v).expect("found");
    assert_eq!(m.rule_id, "github-token");
    assert!(!format!("{m:?}").contains(&v[4..]));
}

#[test]
fn keyword_prefilter_gates_regexes() {
    // Matches the generic regex shape but has none of its keywords.
    assert!(scanner().scan_text("color=Xk9mQ2vL8pR4").is_empty());
    assert_eq!(scanner().scan_text("pwd=Xk9mQ2vL8pR4").len(), 1);
}

#[test]
fn rules_file_errors_are_clear() {
    let bad = RULES_TOML.replace(r#"severity = "medium""#, r#"severity = "urgent""#);
    let err = SecretScanner::from_toml(&bad).expect_err("bad severity");
    assert!(
        err.to_string().contains("unknown severity `urgent`"),
        "{err}"
    );
    let bad = RULES_TOML.replace(r"\b(?P<secret>npm_", r"\b(?P<secret>npm_(");
    let err = SecretScanner::from_toml(&bad).expect_err("bad regex");
    assert!(err.to_string().contains("`npm-token`"), "{err}");
}

#[test]
fn same_value_is_reported_once() {
    let t = "A=ghp_R4nd0mT0k3nV4lu3sAr3H3r3Xy12345678ab B=ghp_R4nd0mT0k3nV4lu3sAr3H3r3Xy12345678ab";
    assert_eq!(scanner().scan_text(t).len(), 1);
}

#[test]
fn redact_text_replaces_every_secret_and_keeps_the_rest() {
    let t = "ghp_R4nd0mT0k3nV4lu3sAr3H3r3Xy12345678ab";
    let text = format!("/srv/{t}/.env and again {t}; curl -u deploy:U3B7dJNZR1GSgM https://x");
    let r = scanner().redact_text(&text);
    assert!(!r.contains(&t[4..]), "{r}");
    assert!(!r.contains("U3B7dJNZR1GSgM"), "{r}");
    assert!(
        r.starts_with("/srv/ghp_… (40 chars)/.env and again ghp_…"),
        "{r}"
    );
    assert_eq!(scanner().redact_text("plain text"), "plain text");
}

#[test]
fn word_boundaries_become_ascii_and_escaped_backslashes_stay() {
    assert_eq!(
        super::ascii_boundaries(r"\bghp_[a-z]\\b\d"),
        r"(?-u:\b)ghp_[a-z]\\b\d"
    );
    // A token right after non-ASCII text is still found.
    let s = builtin().expect("rules");
    let hits = s.scan_text("clé=ghp_R4nd0mT0k3nV4lu3sAr3H3r3Xy12345678ab");
    assert!(hits.iter().any(|h| h.rule_id == "github-token"), "{hits:?}");
}
