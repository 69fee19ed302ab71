//! SARIF 2.1.0 through the typed `serde-sarif` model: one result per
//! finding, rules described from the catalogue, suppressed findings marked
//! as suppressed. Code-scanning services reject invalid files silently, so
//! the tests validate every rendering against the SARIF 2.1.0 schema.

use std::collections::BTreeMap;

use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, Message, MultiformatMessageString, Notification,
    PhysicalLocation, PropertyBag, Region, ReportingDescriptor, Result as SarifResult, ResultLevel,
    Run, Sarif, Suppression, Tool, ToolComponent,
};

use super::ReportError;
use crate::explain::FindingReport;
use crate::finding::Severity;
use crate::inventory::InventoryReport;
use crate::layers::ImageScan;
use crate::rules::Catalogue;
use crate::store::FindingRow;

/// One result, whatever produced it.
pub struct Item<'a> {
    /// Rule id.
    pub rule: &'a str,
    /// This instance's severity.
    pub severity: Severity,
    /// What to say.
    pub message: String,
    /// Where: `image/NAME/layer/N/PATH`, `container/NAME`, or a file.
    pub uri: String,
    /// 1-based line and column in the file, when the finding is in one.
    pub line: Option<(u32, u32)>,
    /// Stable fingerprint.
    pub fingerprint: &'a str,
    /// Why the user accepted it, when suppressed.
    pub suppression: Option<&'a str>,
}

fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low | Severity::Info => ResultLevel::Note,
    }
}

/// GitHub code scanning reads `security-severity` (0-10) to rank results.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

fn text(s: &str) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(s).build()
}

fn properties(pairs: &[(&str, &str)], tags: Option<Vec<String>>) -> PropertyBag {
    let additional: BTreeMap<String, serde_json::Value> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
        .collect();
    match tags {
        Some(t) => PropertyBag::builder()
            .tags(t)
            .additional_properties(additional)
            .build(),
        None => PropertyBag::builder()
            .additional_properties(additional)
            .build(),
    }
}

/// A SARIF 2.1.0 log of `items`, rules described from `catalogue`.
pub fn render(items: Vec<Item<'_>>, catalogue: &Catalogue) -> Result<String, ReportError> {
    render_with_problems(items, catalogue, &[])
}

/// [`render`], with the files that could not be checked (uri, why) as the
/// invocation's error notifications and `executionSuccessful: false`, so a
/// CI job that reads the SARIF sees the check was incomplete.
pub fn render_with_problems(
    items: Vec<Item<'_>>,
    catalogue: &Catalogue,
    problems: &[(String, String)],
) -> Result<String, ReportError> {
    let mut rule_ids: Vec<&str> = items.iter().map(|i| i.rule).collect();
    rule_ids.sort();
    rule_ids.dedup();
    let rules: Vec<ReportingDescriptor> = rule_ids
        .iter()
        .map(|id| {
            let meta = catalogue.get(id);
            ReportingDescriptor::builder()
                .id(*id)
                .name(*id)
                .short_description(text(meta.map(|m| m.title.as_str()).unwrap_or(id)))
                .full_description(text(meta.map(|m| m.why.as_str()).unwrap_or("")))
                .help(text(meta.map(|m| m.fix.as_str()).unwrap_or("")))
                .properties(properties(
                    &[(
                        "security-severity",
                        security_severity(meta.map(|m| m.severity).unwrap_or(Severity::Medium)),
                    )],
                    Some(vec!["security".into(), "docker".into()]),
                ))
                .build()
        })
        .collect();
    let results: Vec<SarifResult> = items
        .into_iter()
        .map(|i| {
            let mut physical = PhysicalLocation::builder()
                .artifact_location(ArtifactLocation::builder().uri(i.uri).build())
                .build();
            if let Some((line, column)) = i.line {
                physical.region = Some(
                    Region::builder()
                        .start_line(i64::from(line.max(1)))
                        .start_column(i64::from(column.max(1)))
                        .build(),
                );
            }
            let mut result = SarifResult::builder()
                .rule_id(i.rule)
                .rule_index(rule_ids.iter().position(|r| *r == i.rule).unwrap_or(0) as i64)
                .level(level(i.severity))
                .message(Message::builder().text(i.message).build())
                .locations(vec![Location::builder()
                    .physical_location(physical)
                    .build()])
                .partial_fingerprints(BTreeMap::from([(
                    "dockward/v1".to_string(),
                    i.fingerprint.to_string(),
                )]))
                .properties(properties(
                    &[
                        ("severity", i.severity.as_str()),
                        ("security-severity", security_severity(i.severity)),
                    ],
                    None,
                ))
                .build();
            if let Some(reason) = i.suppression {
                result.suppressions = Some(vec![Suppression::builder()
                    .kind(serde_json::Value::from("external"))
                    .justification(reason)
                    .build()]);
            }
            result
        })
        .collect();
    let driver = ToolComponent::builder()
        .name("dockward")
        .version(env!("CARGO_PKG_VERSION"))
        .information_uri("https://github.com/dockward/dockward")
        .rules(rules)
        .build();
    let mut run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .build();
    if !problems.is_empty() {
        let notifications = problems
            .iter()
            .map(|(uri, why)| {
                Notification::builder()
                    .level(serde_json::Value::from("error"))
                    .message(Message::builder().text(why.as_str()).build())
                    .locations(vec![Location::builder()
                        .physical_location(
                            PhysicalLocation::builder()
                                .artifact_location(
                                    ArtifactLocation::builder().uri(uri.as_str()).build(),
                                )
                                .build(),
                        )
                        .build()])
                    .build()
            })
            .collect::<Vec<_>>();
        run.invocations = Some(vec![Invocation::builder()
            .execution_successful(false)
            .tool_execution_notifications(notifications)
            .build()]);
    }
    let log = Sarif::builder()
        .schema(serde_sarif::sarif::SCHEMA_URL)
        .version(serde_json::Value::from("2.1.0"))
        .runs(vec![run])
        .build();
    Ok(serde_json::to_string_pretty(&log)?)
}

/// A path percent-encoded for a URI: unreserved characters, `/`, `:` and
/// `@` kept, every other byte of its UTF-8 as `%XX`.
fn uri_part(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:@".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn report_item<'a>(subject_uri: String, name: &str, f: &'a FindingReport) -> Item<'a> {
    Item {
        rule: &f.rule,
        severity: f.severity,
        message: format!("{name}: {} ({})", f.title, f.evidence),
        uri: subject_uri,
        line: None,
        fingerprint: &f.fingerprint,
        suppression: f.suppressed_reason.as_deref(),
    }
}

/// SARIF of an inventory.
pub fn inventory(report: &InventoryReport, catalogue: &Catalogue) -> Result<String, ReportError> {
    let mut items = Vec::new();
    for c in &report.containers {
        for f in &c.findings {
            items.push(report_item(
                format!("container/{}", uri_part(&c.name)),
                &c.name,
                f,
            ));
        }
    }
    for i in &report.images {
        for f in &i.findings {
            items.push(report_item(
                format!("image/{}", uri_part(&i.name)),
                &i.name,
                f,
            ));
        }
    }
    render(items, catalogue)
}

/// SARIF of layer scans.
pub fn scans(scans: &[&ImageScan], catalogue: &Catalogue) -> Result<String, ReportError> {
    let mut items = Vec::new();
    for s in scans {
        for f in &s.findings {
            let layer = f
                .layer_index
                .map(|i| i.to_string())
                .unwrap_or_else(|| "unknown".into());
            let removed = f
                .removed_in_layer
                .map(|r| format!("; removed in layer {r} but still extractable"))
                .unwrap_or_default();
            let Some(path) = &f.path else {
                // A finding of the image's configuration: no file.
                items.push(report_item(
                    format!("image/{}", uri_part(&s.image)),
                    &s.image,
                    &f.finding,
                ));
                continue;
            };
            let mut item = report_item(
                format!(
                    "image/{}/layer/{layer}{}",
                    uri_part(&s.image),
                    uri_part(path)
                ),
                &s.image,
                &f.finding,
            );
            item.message = format!(
                "{}: {} at {path} in layer {layer}{removed} ({})",
                s.image, f.title, f.evidence
            );
            items.push(item);
        }
    }
    render(items, catalogue)
}

/// SARIF of stored findings.
pub fn findings(rows: &[FindingRow], catalogue: &Catalogue) -> Result<String, ReportError> {
    render(
        rows.iter()
            .map(|f| Item {
                rule: &f.rule,
                severity: f.severity,
                message: format!("{}: {} ({})", f.subject, f.title, f.evidence),
                uri: format!("{}/{}", f.subject_kind.as_str(), uri_part(&f.subject)),
                line: None,
                fingerprint: &f.fingerprint,
                suppression: f.suppressed_reason.as_deref(),
            })
            .collect(),
        catalogue,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::FindingReport;
    use crate::finding::Subject;
    use crate::layers::{ImageScan, LayerFinding};

    /// Every SARIF rendering must be valid SARIF 2.1.0: code-scanning
    /// services drop invalid files without saying so.
    fn assert_valid(text: &str) -> serde_json::Value {
        let schema: serde_json::Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/schemas/sarif-2.1.0.json"
        ))
        .expect("schema parses");
        let validator = jsonschema::options()
            .build(&schema)
            .expect("schema compiles");
        let doc: serde_json::Value = serde_json::from_str(text).expect("json");
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "invalid SARIF: {errors:#?}");
        doc
    }

    fn report(rule: &str, severity: Severity, suppressed: Option<&str>) -> FindingReport {
        FindingReport {
            fingerprint: format!("fp-{rule}"),
            rule: rule.into(),
            severity,
            title: "t".into(),
            location: "loc".into(),
            evidence: "RSA PRIVATE KEY".into(),
            why: String::new(),
            fix: String::new(),
            references: vec![],
            points: 0.0,
            suppressed_reason: suppressed.map(str::to_string),
            suppressed_until: None,
        }
    }

    #[test]
    fn layer_scans_are_valid_sarif_with_one_result_per_finding() {
        let catalogue = crate::rules::builtin().expect("catalogue");
        let finding = |rule: &str, severity, suppressed| LayerFinding {
            finding: report(rule, severity, suppressed),
            layer: Some("sha256:ab".into()),
            layer_index: Some(1),
            created_by: None,
            path: Some("/app/key é.pem".into()),
            removed_in_layer: Some(2),
            vendor: false,
        };
        let scan = ImageScan {
            image: "app:1".into(),
            subject: Subject::image(&["app:1".into()], None, "app:1"),
            image_id: None,
            tags: vec![],
            layers: vec![],
            findings: vec![
                finding("image.layer-private-key", Severity::Critical, None),
                finding("image.layer-secret", Severity::Medium, Some("test data")),
            ],
            score: 70,
            counts: Default::default(),
            error: None,
            not_analysed: vec![],
            analyzers: String::new(),
            cached: false,
        };
        let doc = assert_valid(&scans(&[&scan], catalogue).expect("sarif"));
        assert_eq!(doc["version"], "2.1.0");
        let run = &doc["runs"][0];
        let results = run["results"].as_array().expect("results");
        assert_eq!(results.len(), 2);
        assert_eq!(results[0]["level"], "error");
        assert_eq!(results[1]["level"], "warning");
        assert_eq!(
            results[0]["partialFingerprints"]["dockward/v1"],
            "fp-image.layer-private-key"
        );
        assert_eq!(results[1]["suppressions"][0]["justification"], "test data");
        assert!(results[0]["message"]["text"]
            .as_str()
            .is_some_and(|m| m.contains("still extractable")));
        assert_eq!(
            results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "image/app:1/layer/1/app/key%20%C3%A9.pem"
        );
        let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
        for r in results {
            let idx = r["ruleIndex"].as_u64().expect("index") as usize;
            assert_eq!(rules[idx]["id"], r["ruleId"]);
        }
        assert_eq!(
            rules[0]["shortDescription"]["text"],
            "Private key in an image layer"
        );
    }

    #[test]
    fn file_findings_carry_line_and_column_and_stay_valid() {
        let catalogue = crate::rules::builtin().expect("catalogue");
        let items = vec![Item {
            rule: "container.privileged",
            severity: Severity::Critical,
            message: "privileged: true".into(),
            uri: "compose.yaml".into(),
            line: Some((12, 5)),
            fingerprint: "fp",
            suppression: None,
        }];
        let doc = assert_valid(&render(items, catalogue).expect("sarif"));
        let region = &doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
        assert_eq!(
            (region["startLine"].as_i64(), region["startColumn"].as_i64()),
            (Some(12), Some(5))
        );
    }

    #[test]
    fn an_empty_log_is_valid_too_and_the_check_can_fail() {
        let catalogue = crate::rules::builtin().expect("catalogue");
        let text = render(vec![], catalogue).expect("sarif");
        let mut doc = assert_valid(&text);
        doc["runs"][0]["results"] = serde_json::json!([{ "level": "severe", "message": {} }]);
        let result = std::panic::catch_unwind(|| assert_valid(&doc.to_string()));
        assert!(result.is_err(), "an invalid log must be refused");
    }
}
