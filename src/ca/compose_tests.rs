//! The CA setup's compose override: new, and merged into the user's own.

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
    assert!(missing_setup(&text, &services).is_empty());
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
    let errors = schema_errors(&doc);
    assert!(errors.is_empty(), "{errors:?}");
}

fn schema_errors(doc: &serde_json::Value) -> Vec<String> {
    let schema: serde_json::Value = serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/schemas/compose-spec.json"
    )))
    .expect("schema");
    let validator = jsonschema::validator_for(&schema).expect("compiles");
    validator.iter_errors(doc).map(|e| e.to_string()).collect()
}

const USER_OVERRIDE: &str = "# my local tweaks\nservices:\n  web:\n    build:\n      context: .\n      target: dev # the dev stage\n    volumes:\n      - type: bind\n        source: ./src\n        target: /app/src\n    environment:\n      - DEBUG=1\n      - SSL_CERT_FILE=/etc/mine.pem\n  cache: { image: redis }\n";

#[test]
fn an_existing_override_gets_the_setup_and_keeps_every_line() {
    let services = [
        ServiceSummary {
            name: "web".into(),
            builds: true,
        },
        ServiceSummary {
            name: "db".into(),
            builds: false,
        },
        ServiceSummary {
            name: "cache".into(),
            builds: false,
        },
    ];
    let bundle = "./.certs/ca-bundle.pem";
    let (text, notes) = merge_override(USER_OVERRIDE, &services, bundle).expect("merges");
    // Every line of the user's file is still there, in order.
    let mut new_lines = text.lines();
    for old in USER_OVERRIDE.lines() {
        assert!(
            new_lines.any(|l| l == old),
            "lost or reordered: {old}\n{text}"
        );
    }
    assert_eq!(
        missing_setup(&text, &services),
        ["cache"],
        "flow style is left to the user"
    );
    let doc = crate::compose::to_json(&text).expect("parses");
    let web = &doc["services"]["web"];
    let vols = web["volumes"].as_array().expect("volumes");
    assert_eq!(vols.len(), 2, "the user's mount kept, ours added: {text}");
    assert!(vols
        .iter()
        .any(|v| v["target"] == CONTAINER_PATH && v["read_only"] == true));
    assert!(
        vols.iter().any(|v| v["source"] == "./src"),
        "the multi-line item is whole"
    );
    let env: Vec<&str> = web["environment"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(
        env.contains(&"SSL_CERT_FILE=/etc/mine.pem"),
        "the user's value kept"
    );
    assert!(!env.contains(&"SSL_CERT_FILE=/run/certs/ca-bundle.pem"));
    assert!(env.contains(&"NODE_EXTRA_CA_CERTS=/run/certs/ca-bundle.pem"));
    assert!(
        notes
            .iter()
            .any(|n| n.contains("SSL_CERT_FILE is set already")),
        "{notes:?}"
    );
    assert_eq!(web["build"]["target"], "dev");
    assert_eq!(web["build"]["secrets"][0], SECRET_ID);
    assert_eq!(
        doc["services"]["db"]["environment"]["REQUESTS_CA_BUNDLE"],
        CONTAINER_PATH
    );
    assert_eq!(doc["secrets"][SECRET_ID]["file"], bundle);
    // A flow-style service is left alone, with a note.
    assert_eq!(
        doc["services"]["cache"],
        serde_json::json!({"image": "redis"})
    );
    assert!(
        notes
            .iter()
            .any(|n| n.contains("cache") && n.contains("flow style")),
        "{notes:?}"
    );
    let errors = schema_errors(&doc);
    assert!(errors.is_empty(), "{errors:?}");
    // Merging again changes nothing.
    let (again, _) = merge_override(&text, &services, bundle).expect("merges");
    assert_eq!(again, text);
}

#[test]
fn an_override_with_maps_and_its_own_secrets_is_extended_in_place() {
    let user = "services:\n  web:\n    environment:\n      DEBUG: \"1\"\n    build:\n      secrets:\n        - npm\nsecrets:\n  npm:\n    environment: NPM_TOKEN\n";
    let services = [ServiceSummary {
        name: "web".into(),
        builds: true,
    }];
    let (text, notes) = merge_override(user, &services, "./.certs/ca-bundle.pem").expect("merges");
    assert!(notes.is_empty(), "{notes:?}");
    let doc = crate::compose::to_json(&text).expect("parses");
    assert_eq!(doc["services"]["web"]["environment"]["DEBUG"], "1");
    assert_eq!(
        doc["services"]["web"]["environment"]["PIP_CERT"],
        CONTAINER_PATH
    );
    assert_eq!(
        doc["services"]["web"]["build"]["secrets"],
        serde_json::json!([SECRET_ID, "npm"])
    );
    assert_eq!(doc["secrets"]["npm"]["environment"], "NPM_TOKEN");
    assert_eq!(doc["secrets"][SECRET_ID]["file"], "./.certs/ca-bundle.pem");
    let errors = schema_errors(&doc);
    assert!(errors.is_empty(), "{errors:?}");
    // An override of comments only gets the whole setup after them.
    let (text, _) = merge_override("# nothing yet\n", &services, "./b.pem").expect("merges");
    assert!(text.starts_with("# nothing yet\n"));
    let doc = crate::compose::to_json(&text).expect("parses");
    assert_eq!(doc["services"]["web"]["build"]["secrets"][0], SECRET_ID);
}

#[test]
fn list_items_with_wide_dashes_get_their_dash_column() {
    let user = "services:\n  web:\n    environment:\n      -   DEBUG=1\n    volumes:\n        - ./src:/app/src\n";
    let services = [ServiceSummary {
        name: "web".into(),
        builds: false,
    }];
    let (text, notes) = merge_override(user, &services, "./b.pem").expect("merges");
    assert!(notes.is_empty(), "{notes:?}");
    let doc = crate::compose::to_json(&text).expect("parses");
    let env = doc["services"]["web"]["environment"]
        .as_array()
        .expect("list");
    assert!(env.contains(&serde_json::json!("DEBUG=1")));
    assert!(env.contains(&serde_json::json!(format!(
        "SSL_CERT_FILE={CONTAINER_PATH}"
    ))));
    assert_eq!(
        doc["services"]["web"]["volumes"].as_array().map(Vec::len),
        Some(2)
    );
    assert!(text.contains("\n      - SSL_CERT_FILE="), "{text}");
    assert!(text.contains("\n        - type: bind"), "{text}");
}
