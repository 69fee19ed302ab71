//! The rule catalogue and the checks that apply it to facts.
//!
//! Metadata (title, severity, why, fix, references) is data in
//! `catalogue.toml`; the checks are code in [`container`] and [`image`], one
//! function per rule id, each unit-tested on recorded inspect JSON. A check
//! returns [`Hit`]s (where, what was seen, maybe a different severity), as
//! every other producer does; [`Catalogue::finding`] turns them into
//! [`Finding`]s with fingerprints.

pub mod container;
pub mod image;
pub mod paths;

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::facts::{ContainerFacts, ImageFacts};
use crate::finding::{fingerprint, Finding, Hit, Severity, Subject};

const CATALOGUE_TOML: &str = include_str!("catalogue.toml");

/// Errors of the rules module: a catalogue that does not load.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RulesError {
    /// The TOML does not parse or has the wrong shape.
    #[error("rule catalogue does not parse: {0}")]
    Parse(#[from] toml::de::Error),
    /// An entry names an unknown severity.
    #[error("rule catalogue entry `{entry}` has an unknown severity `{severity}`")]
    Severity {
        /// The rule id or path pattern.
        entry: String,
        /// What the file said.
        severity: String,
    },
    /// Two entries share an id.
    #[error("rule catalogue has `{0}` twice")]
    Duplicate(String),
}

/// What the catalogue says about one rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RuleMeta {
    /// Stable id, e.g. `container.privileged`.
    pub id: String,
    /// Short title.
    pub title: String,
    /// Default severity.
    pub severity: Severity,
    /// Why it matters.
    pub why: String,
    /// How to fix it.
    pub fix: String,
    /// Benchmarks and tools that describe the same check.
    pub references: Vec<String>,
}

#[derive(Deserialize)]
struct CatalogueFile {
    rule: Vec<RawRule>,
    sensitive_path: Vec<paths::RawSensitivePath>,
}

#[derive(Deserialize)]
struct RawRule {
    id: String,
    title: String,
    severity: String,
    why: String,
    fix: String,
    references: Vec<String>,
}

/// The loaded catalogue.
#[derive(Debug)]
pub struct Catalogue {
    rules: Vec<RuleMeta>,
    index: HashMap<String, usize>,
    /// Host paths that must not be mounted into containers.
    pub sensitive_paths: paths::SensitivePaths,
}

fn parse_severity(entry: &str, s: &str) -> Result<Severity, RulesError> {
    Severity::parse(s).ok_or_else(|| RulesError::Severity {
        entry: entry.to_string(),
        severity: s.to_string(),
    })
}

impl Catalogue {
    /// Loads a catalogue from TOML text.
    pub fn from_toml(text: &str) -> Result<Catalogue, RulesError> {
        let file: CatalogueFile = toml::from_str(text)?;
        let mut rules = Vec::with_capacity(file.rule.len());
        let mut index = HashMap::new();
        for raw in file.rule {
            let severity = parse_severity(&raw.id, &raw.severity)?;
            if index.insert(raw.id.clone(), rules.len()).is_some() {
                return Err(RulesError::Duplicate(raw.id));
            }
            rules.push(RuleMeta {
                id: raw.id,
                title: raw.title,
                severity,
                why: raw.why,
                fix: raw.fix,
                references: raw.references,
            });
        }
        let sensitive_paths = paths::SensitivePaths::new(file.sensitive_path)?;
        Ok(Catalogue {
            rules,
            index,
            sensitive_paths,
        })
    }

    /// Every rule, in catalogue order.
    pub fn rules(&self) -> &[RuleMeta] {
        &self.rules
    }

    /// One rule by id.
    pub fn get(&self, id: &str) -> Option<&RuleMeta> {
        self.index.get(id).map(|i| &self.rules[*i])
    }
}

/// The built-in catalogue, loaded once (the test suite proves it loads).
pub fn builtin() -> Result<&'static Catalogue, &'static RulesError> {
    static CATALOGUE: OnceLock<Result<Catalogue, RulesError>> = OnceLock::new();
    CATALOGUE
        .get_or_init(|| Catalogue::from_toml(CATALOGUE_TOML))
        .as_ref()
}

/// Compiles the catalogue and the secret rules its checks use, ahead of
/// the first evaluation (the inventory does it while the engine answers).
pub fn prepare() {
    let _ = builtin();
    let _ = crate::secrets::builtin();
}

/// Settings that rules read.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Images older than this many days are stale.
    pub stale_after_days: u32,
    /// "Now", as seconds since the Unix epoch (a parameter so tests are exact).
    pub now_unix: i64,
}

impl Policy {
    /// The default policy (90 days) at the current time.
    pub fn now() -> Policy {
        Policy {
            stale_after_days: 90,
            now_unix: time::OffsetDateTime::now_utc().unix_timestamp(),
        }
    }
}

impl Catalogue {
    /// The one place a hit becomes a finding: the catalogue's title, why,
    /// fix and references, and a fingerprint of rule, subject, location and
    /// secret digest. `None` for a rule the catalogue does not know, a
    /// programming error the catalogue tests catch: such a hit is dropped
    /// rather than shown without a title and a fix.
    ///
    /// Every text of the finding passes through the secret rules' redaction
    /// on the way (location, evidence, the subject's names): a token in a
    /// folder name, a tag or a mount path is never shown whole.
    pub fn finding(&self, subject: &Subject, hit: Hit) -> Option<Finding> {
        let meta = self.get(hit.rule)?;
        let (subject, hit) = match crate::secrets::builtin() {
            Ok(scanner) => (
                Subject {
                    key: scanner.redact_text(&subject.key),
                    name: scanner.redact_text(&subject.name),
                    ..subject.clone()
                },
                Hit {
                    location: scanner.redact_text(&hit.location),
                    evidence: scanner.redact_text(&hit.evidence),
                    ..hit
                },
            ),
            Err(_) => (subject.clone(), hit),
        };
        let subject = &subject;
        Some(Finding {
            fingerprint: fingerprint(
                hit.rule,
                subject,
                &hit.location,
                hit.secret_digest.as_deref(),
            ),
            rule: meta.id.clone(),
            severity: hit.severity.unwrap_or(meta.severity),
            title: meta.title.clone(),
            subject: subject.clone(),
            location: hit.location,
            evidence: hit.evidence,
            why: meta.why.clone(),
            fix: hit.fix.unwrap_or_else(|| meta.fix.clone()),
            references: meta.references.clone(),
        })
    }

    /// Findings of one subject's hits, most severe first, each place once.
    pub fn findings(&self, subject: &Subject, hits: Vec<Hit>) -> Vec<Finding> {
        let mut out: Vec<Finding> = hits
            .into_iter()
            .filter_map(|hit| self.finding(subject, hit))
            .collect();
        out.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.rule.cmp(&b.rule)));
        out.dedup_by(|a, b| a.fingerprint == b.fingerprint);
        out
    }

    /// Runs every container check.
    pub fn evaluate_container(
        &self,
        c: &ContainerFacts,
        image: Option<&ImageFacts>,
    ) -> Vec<Finding> {
        let hits = container::CHECKS
            .iter()
            .flat_map(|(_, check)| check(c, image, self))
            .collect();
        self.findings(&Subject::container(&c.name, &c.id), hits)
    }

    /// Runs every image check.
    pub fn evaluate_image(&self, img: &ImageFacts, policy: &Policy) -> Vec<Finding> {
        let hits = image::CHECKS
            .iter()
            .flat_map(|(_, check)| check(img, policy))
            .collect();
        self.findings(&Subject::image(&img.tags, Some(&img.id), &img.id), hits)
    }
}

#[cfg(test)]
pub(crate) mod testdata {
    //! Recorded `docker inspect` output (see tests/fixtures/inspect/README.md)
    //! turned into facts, for the rule unit tests.
    use crate::engine::convert;
    use crate::facts::{ContainerFacts, ImageFacts};

    pub fn container(name: &str) -> ContainerFacts {
        let path = format!(
            "{}/tests/fixtures/inspect/container-{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut list: Vec<bollard::models::ContainerInspectResponse> =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        convert::container_facts(list.remove(0))
    }

    pub fn image(name: &str) -> ImageFacts {
        let path = format!(
            "{}/tests/fixtures/inspect/image-{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut list: Vec<bollard::models::ImageInspect> =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        let hist_path = path.replace(".json", ".history.json");
        let history = std::fs::read_to_string(&hist_path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        convert::image_facts(list.remove(0), history)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_and_checks_agree() {
        let cat = builtin().expect("catalogue loads");
        let mut checked: Vec<&str> = container::CHECKS
            .iter()
            .map(|(id, _)| *id)
            .chain(image::CHECKS.iter().map(|(id, _)| *id))
            .chain(crate::layers::analyzers::RULES.iter().copied())
            .chain(crate::host::RULES.iter().copied())
            .chain(crate::stale::RULES.iter().copied())
            .chain(crate::project::RULES.iter().copied())
            .collect();
        checked.sort();
        let mut listed: Vec<&str> = cat.rules().iter().map(|r| r.id.as_str()).collect();
        listed.sort();
        assert_eq!(checked, listed);
        for r in cat.rules() {
            let (prefix, rest) = r.id.split_once('.').expect("subject prefix");
            assert!(
                [
                    "container",
                    "image",
                    "host",
                    "dockerfile",
                    "compose",
                    "project"
                ]
                .contains(&prefix),
                "{}",
                r.id
            );
            assert!(
                rest.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{} is not kebab-case",
                r.id
            );
            assert!(!r.why.is_empty() && !r.fix.is_empty() && !r.references.is_empty());
        }
    }

    #[test]
    fn catalogue_errors_are_clear() {
        let dup = format!("{CATALOGUE_TOML}\n[[rule]]\nid = \"image.dangling\"\ntitle = \"t\"\nseverity = \"low\"\nwhy = \"w\"\nfix = \"f\"\nreferences = []\n");
        let err = Catalogue::from_toml(&dup).expect_err("duplicate");
        assert_eq!(err.to_string(), "rule catalogue has `image.dangling` twice");
        let bad = CATALOGUE_TOML.replacen("severity = \"critical\"", "severity = \"severe\"", 1);
        let err = Catalogue::from_toml(&bad).expect_err("severity");
        assert!(err.to_string().contains("`container.privileged`"), "{err}");
    }
}
