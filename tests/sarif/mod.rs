//! SARIF 2.1.0 schema validation for the CLI tests (not the e2e crate,
//! which shares `common` but not its dependencies).

/// Asserts that `doc` is valid SARIF 2.1.0 (code-scanning services drop
/// invalid files without a word).
pub fn assert_valid_sarif(doc: &serde_json::Value) {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/schemas/sarif-2.1.0.json"))
            .expect("schema parses");
    let validator = jsonschema::options()
        .build(&schema)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF: {errors:#?}");
}
