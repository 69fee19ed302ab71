//! Handing the CA to Compose services without touching the user's compose
//! file: a `compose.override.yaml` beside it (Compose loads it by itself)
//! gives each service that builds the build secret, and every service the
//! bundle as a read-only bind mount and the variables its runtimes read.

use crate::compose::ServiceSummary;

use super::dockerfile::SECRET_ID;

/// Where the bundle is mounted in containers.
pub const CONTAINER_PATH: &str = "/run/certs/ca-bundle.pem";

/// Variables that make runtimes in a container trust the bundle. All point
/// at the bundle (public roots plus the corporate CA): those that replace
/// the trust store must, and `NODE_EXTRA_CA_CERTS` only adds.
pub const RUNTIME_VARIABLES: &[&str] = &[
    "NODE_EXTRA_CA_CERTS",
    "SSL_CERT_FILE",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "PIP_CERT",
    "GIT_SSL_CAINFO",
    "AWS_CA_BUNDLE",
    "CARGO_HTTP_CAINFO",
];

/// Whether an override file already carries this setup.
pub fn has_setup(text: &str) -> bool {
    text.contains(CONTAINER_PATH) && text.contains(SECRET_ID)
}

/// YAML-quotes a scalar when it needs it (service names are usually plain).
fn scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        && (!s.starts_with(['-', '.']) || s.starts_with("./") || s.starts_with("../"));
    if plain {
        s.to_owned()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
    }
}

/// The override file for `base` (the compose file's name) whose services
/// are `services`; `bundle` is the bundle's path relative to the compose
/// file's folder (`./.certs/ca-bundle.pem`).
pub fn override_text(base: &str, services: &[ServiceSummary], bundle: &str) -> String {
    let mut y = format!(
        "# Made by Dockward's CA setup: the corporate CA for builds (a BuildKit\n\
         # secret) and containers (a read-only mount), from .certs/ (kept out of\n\
         # git and of the build context). Compose loads this file with {base}\n\
         # by itself. `dockward ca undo` removes it; .certs/setup.sh makes the\n\
         # certificate files on a teammate's machine.\n\
         services:\n"
    );
    for s in services {
        y.push_str(&format!("  {}:\n", scalar(&s.name)));
        if s.builds {
            y.push_str(&format!(
                "    build:\n      secrets:\n        - {SECRET_ID}\n"
            ));
        }
        y.push_str(&format!(
            "    volumes:\n      - type: bind\n        source: {}\n        target: {CONTAINER_PATH}\n        read_only: true\n",
            scalar(bundle)
        ));
        y.push_str("    environment:\n");
        for v in RUNTIME_VARIABLES {
            y.push_str(&format!("      {v}: {CONTAINER_PATH}\n"));
        }
    }
    if services.iter().any(|s| s.builds) {
        y.push_str(&format!(
            "secrets:\n  {SECRET_ID}:\n    file: {}\n",
            scalar(bundle)
        ));
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_override_is_valid_compose_and_says_what_it_does() {
        let services = [
            ServiceSummary {
                name: "web".into(),
                builds: true,
            },
            ServiceSummary {
                name: "db".into(),
                builds: false,
            },
        ];
        let text = override_text("compose.yaml", &services, "./.certs/ca-bundle.pem");
        assert!(has_setup(&text));
        let doc = crate::compose::to_json(&text).expect("parses");
        assert_eq!(doc["services"]["web"]["build"]["secrets"][0], "ca-bundle");
        assert!(
            doc["services"]["db"].get("build").is_none(),
            "no build where none was"
        );
        assert_eq!(doc["services"]["db"]["volumes"][0]["read_only"], true);
        assert_eq!(
            doc["services"]["db"]["environment"]["SSL_CERT_FILE"],
            CONTAINER_PATH
        );
        assert_eq!(
            doc["secrets"]["ca-bundle"]["file"],
            "./.certs/ca-bundle.pem"
        );
        let schema: serde_json::Value = serde_json::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/schemas/compose-spec.json"
        )))
        .expect("schema");
        let validator = jsonschema::validator_for(&schema).expect("compiles");
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}");
    }
}
