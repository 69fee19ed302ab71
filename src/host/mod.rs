//! Host posture: Docker Desktop's File sharing over sensitive folders, risky
//! engine settings, the Engine API on plain TCP, and engine component
//! versions with published advisories. Containers' bind mounts are
//! cross-checked with the container rules (not re-implemented here).
//!
//! Findings have the host as subject and are recorded as scans of kind
//! `host`. Sensitive locations come from the one catalogue the mount rules
//! use (`rules/catalogue.toml`, with a `share` severity per location).

pub mod advisories;
pub mod inside;
pub mod settings;
pub mod settings_file;

use std::path::Path;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::engine::Engine;
use crate::explain::{explain, FindingReport, Suppressions};
use crate::facts::EngineInfo;
use crate::finding::{Finding, Hit, Severity, SeverityCounts, Subject};
use crate::rules::paths::{PathMatch, Relation};
use crate::rules::Catalogue;
use crate::store::{ScanKind, Store, StoreError};
use advisories::AdvisoryMatch;
use inside::SensitiveFile;
use settings::{DesktopSettings, HostEnv};

/// Errors of the host check.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HostError {
    /// Built-in data (advisories, catalogue) does not load: a build defect.
    #[error("{0}")]
    Data(String),
    /// Recording the scan failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Every rule id the host check reports (the catalogue test checks both ways).
pub const RULES: &[&str] = &[
    "host.file-sharing-sensitive",
    "host.file-sharing-defaults",
    "host.daemon-tcp-insecure",
    "host.eci-disabled",
    "host.host-networking",
    "host.extensions-unrestricted",
    "host.settings-unreadable",
    "host.engine-advisory",
];

/// One folder of Docker Desktop's File sharing list and what it exposes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ShareReport {
    /// The folder as shared (variables expanded).
    pub path: String,
    /// One of Docker Desktop's defaults (no list configured).
    pub default: bool,
    /// Whether it exists on this machine (it was looked into).
    pub exists: bool,
    /// Sensitive locations it is, lies inside or contains, worst first.
    pub exposes: Vec<String>,
    /// The severity of sharing it, or null when it exposes nothing known.
    pub severity: Option<Severity>,
    /// Key and credential files actually inside it (by name; content unread
    /// beyond telling a key from a certificate).
    pub files: Vec<SensitiveFile>,
}

/// The engine's component versions as reported by its version endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ComponentVersion {
    /// `Engine`, `containerd`, `runc`, `docker-init`, `Docker Desktop`.
    pub name: String,
    /// As reported.
    pub version: String,
    /// A distribution's build (fixes may be backported).
    pub distribution_build: bool,
}

/// A container whose mounts expose the host (from the container rules).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MountExposure {
    /// Container name.
    pub container: String,
    /// The container rule's finding.
    pub finding: FindingReport,
}

/// Everything the host check found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct HostReport {
    /// When it ran (RFC 3339).
    pub generated_at: String,
    /// Docker Desktop's settings, or null when Docker Desktop was not found.
    pub desktop: Option<DesktopSettings>,
    /// The File sharing list with what each folder exposes.
    pub shares: Vec<ShareReport>,
    /// The engine, when it answered.
    pub engine: Option<EngineInfo>,
    /// Component versions (engine, containerd, runc, Docker Desktop).
    pub components: Vec<ComponentVersion>,
    /// Advisories the versions fall in.
    pub advisories: Vec<AdvisoryMatch>,
    /// Containers whose bind mounts expose sensitive host paths.
    pub mounts: Vec<MountExposure>,
    /// Host findings, most severe first, with their score shares.
    pub findings: Vec<FindingReport>,
    /// Host score, 0–100.
    pub score: u8,
    /// Findings by severity (suppressed ones left out).
    pub counts: SeverityCounts,
    /// What could not be checked, and why.
    pub notes: Vec<String>,
    /// The scan's id when recorded.
    pub scan_id: Option<i64>,
}

/// Severity of sharing a folder, from what it is, lies in or contains.
fn share_severity(m: &PathMatch, default: bool) -> Severity {
    match m.relation {
        Relation::Is | Relation::Inside => m.share,
        // A broad default (/Users) contains homes: low, with advice to narrow.
        Relation::Contains if default => Severity::Low,
        // A parent of a key store (e.g. /Library over an agent's data
        // folder): any container can mount down to it.
        Relation::Contains if m.share == Severity::Critical && !m.pattern.starts_with('~') => {
            Severity::High
        }
        Relation::Contains => Severity::Medium.min(m.share),
    }
}

/// Collects the host check's hits.
#[derive(Default)]
struct Hits(Vec<Hit>);

impl Hits {
    fn add(
        &mut self,
        rule: &'static str,
        severity: Option<Severity>,
        location: &str,
        evidence: String,
    ) {
        debug_assert!(RULES.contains(&rule), "{rule} is not in host::RULES");
        self.0.push(Hit {
            rule,
            severity,
            location: location.to_string(),
            evidence,
            secret_digest: None,
            heuristic: false,
            fix: None,
        });
    }
}

/// Judges each shared folder against the sensitive-path catalogue and looks
/// inside those that exist here.
pub fn judge_shares(catalogue: &Catalogue, s: &DesktopSettings) -> Vec<ShareReport> {
    s.file_sharing
        .iter()
        .map(|path| {
            let matches = catalogue.sensitive_paths.all_matches(path);
            let mut severity = matches
                .iter()
                .map(|m| share_severity(m, s.default_sharing))
                .max();
            let dir = Path::new(path);
            let exists = dir.is_dir();
            let files = if exists {
                inside::sensitive_files(dir)
            } else {
                vec![]
            };
            // Keys actually inside a shared folder: at least high.
            if files.iter().any(SensitiveFile::is_key) {
                severity = Some(severity.map_or(Severity::High, |s| s.max(Severity::High)));
            }
            ShareReport {
                path: path.clone(),
                default: s.default_sharing,
                exists,
                exposes: matches.iter().take(4).map(PathMatch::describe).collect(),
                severity,
                files,
            }
        })
        .collect()
}

/// The findings of the settings, shares, environment and versions.
pub fn evaluate(
    catalogue: &Catalogue,
    env: &HostEnv,
    desktop: Option<&DesktopSettings>,
    shares: &[ShareReport],
    advisories: &[AdvisoryMatch],
) -> Vec<Finding> {
    let mut b = Hits::default();
    for sh in shares {
        let Some(sev) = sh.severity else { continue };
        let files = if sh.files.is_empty() {
            None
        } else {
            let names: Vec<String> = sh
                .files
                .iter()
                .take(5)
                .map(|f| {
                    let name = Path::new(&f.path)
                        .file_name()
                        .map(|n| n.to_string_lossy().to_string())
                        .unwrap_or_default();
                    format!("{name} ({})", f.kind)
                })
                .collect();
            Some(format!("holds {}", names.join(", ")))
        };
        let default = sh.default.then(|| "(a default share)".to_string());
        let evidence = [
            Some(sh.path.clone()),
            default,
            sh.exposes.first().cloned(),
            files,
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
        if sh.default && sev <= Severity::Low {
            b.add(
                "host.file-sharing-defaults",
                Some(sev),
                &format!("file-sharing:{}", sh.path),
                evidence,
            );
        } else {
            b.add(
                "host.file-sharing-sensitive",
                Some(sev),
                &format!("file-sharing:{}", sh.path),
                evidence,
            );
        }
    }
    if let Some(d) = desktop {
        if d.expose_tcp_2375 == Some(true) {
            b.add(
                "host.daemon-tcp-insecure",
                None,
                "setting:ExposeDockerAPIOnTCP2375",
                "Docker Desktop exposes the Engine API on tcp://localhost:2375 without TLS".into(),
            );
        }
        if d.enhanced_container_isolation != Some(true) {
            b.add(
                "host.eci-disabled",
                None,
                "setting:EnhancedContainerIsolation",
                match d.enhanced_container_isolation {
                    Some(false) => "EnhancedContainerIsolation: false".into(),
                    _ => "EnhancedContainerIsolation not set (off by default)".into(),
                },
            );
        }
        if d.host_networking == Some(true) {
            b.add(
                "host.host-networking",
                None,
                "setting:HostNetworkingEnabled",
                "HostNetworkingEnabled: true".into(),
            );
        }
        if d.extensions == Some(true) && d.only_marketplace_extensions != Some(true) {
            b.add(
                "host.extensions-unrestricted",
                None,
                "setting:OnlyMarketplaceExtensions",
                "ExtensionsEnabled: true, OnlyMarketplaceExtensions not set".into(),
            );
        }
        for w in &d.warnings {
            b.add(
                "host.settings-unreadable",
                None,
                &format!("settings:{}", w.split(' ').next().unwrap_or("")),
                w.clone(),
            );
        }
    }
    if let Some(host) = &env.docker_host {
        if host.starts_with("tcp://") && !env.docker_tls_verify {
            b.add(
                "host.daemon-tcp-insecure",
                None,
                "env:DOCKER_HOST",
                format!("DOCKER_HOST={host} without DOCKER_TLS_VERIFY"),
            );
        }
    }
    for a in advisories {
        let certainty = if a.distribution_build {
            " (a distribution build: the fix may be backported; check your distribution's advisory)"
        } else {
            ""
        };
        // A distribution build is probably, not certainly, affected.
        let severity = if a.distribution_build {
            Severity::Medium
        } else {
            Severity::High
        };
        b.add(
            "host.engine-advisory",
            Some(severity),
            &format!("advisory:{}:{}", a.id, a.product),
            format!(
                "{} {} {}: {} Upgrade to {}{certainty}.",
                a.id, a.product, a.installed, a.summary, a.fixed
            ),
        );
    }
    catalogue.findings(&Subject::host(), b.0)
}

/// The engine's component versions and the advisories they fall in.
pub fn versions(
    info: &EngineInfo,
) -> Result<(Vec<ComponentVersion>, Vec<AdvisoryMatch>), HostError> {
    let list = advisories::advisories()?;
    let mut components = Vec::new();
    let mut matches = Vec::new();
    let mut seen = |name: &str, version: &str, product: Option<&str>| {
        let parsed = advisories::Version::parse(version);
        components.push(ComponentVersion {
            name: name.to_string(),
            version: version.to_string(),
            distribution_build: parsed.as_ref().is_some_and(|v| v.distribution),
        });
        if let (Some(p), Some(v)) = (product, parsed) {
            matches.extend(advisories::check(&list, p, &v));
        }
    };
    for c in &info.components {
        let (name, version) = c.rsplit_once(' ').unwrap_or((c.as_str(), ""));
        seen(name, version, advisories::product_of(name));
    }
    if let Some(desktop) = info
        .product
        .as_deref()
        .and_then(advisories::desktop_version)
    {
        seen("Docker Desktop", &desktop.raw, Some("docker-desktop"));
    }
    Ok((components, matches))
}

/// Runs the host check: settings (from `settings` or the OS location),
/// shares, environment, and, when an engine is given, versions and
/// containers' mounts. Records it in `store` when given. Read-only towards
/// the engine and the settings.
pub async fn run(
    env: &HostEnv,
    settings_path: Option<&Path>,
    engine: Option<&Engine>,
    store: Option<&Store>,
) -> Result<HostReport, HostError> {
    let catalogue = crate::rules::builtin().map_err(|e| HostError::Data(e.to_string()))?;
    let mut notes = Vec::new();
    let settings_path = settings_path.or(env.desktop_settings.as_deref());
    let desktop = settings::read(env, settings_path);
    // A settings file that cannot be used is said, never passed over: it
    // also becomes a `host.settings-unreadable` finding.
    for w in desktop.iter().flat_map(|d| d.warnings.iter()) {
        notes.push(format!("warning: {w}"));
    }
    if let Some(d) = desktop
        .as_ref()
        .filter(|d| d.default_sharing && !d.warnings.is_empty())
    {
        notes.push(format!(
            "File sharing is judged as Docker Desktop's defaults ({}), since a settings file could not be read",
            d.file_sharing.join(", ")
        ));
    }
    if desktop.is_none() {
        notes.push(match settings_path {
            Some(p) => format!("{} does not exist", p.display()),
            None => "Docker Desktop not found: no settings file at its usual locations".into(),
        });
    }
    let shares = desktop
        .as_ref()
        .map(|d| judge_shares(catalogue, d))
        .unwrap_or_default();
    let (components, advisories, mounts) = match engine {
        Some(e) => {
            let (components, advisories) = versions(e.info())?;
            let mounts = match e.snapshot().await {
                Ok(snap) => mount_exposures(catalogue, &snap),
                Err(err) => {
                    notes.push(format!("containers' mounts not checked: {err}"));
                    vec![]
                }
            };
            (components, advisories, mounts)
        }
        None => {
            notes.push("no engine answered: versions and containers' mounts not checked".into());
            (vec![], vec![], vec![])
        }
    };
    let found = evaluate(catalogue, env, desktop.as_ref(), &shares, &advisories);
    let suppressions = match store {
        Some(s) => s.active_suppressions().await?,
        None => Suppressions::default(),
    };
    let explained = explain(&found, &suppressions);
    let mut findings = explained.findings;
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.location.cmp(&b.location))
    });
    let mut scan_id = None;
    if let Some(s) = store {
        let endpoint = engine.map_or("local".to_string(), |e| e.info().endpoint.clone());
        let summary = s
            .begin(ScanKind::Host, &endpoint, "host")
            .await?
            .complete(&found, &[(Subject::host(), explained.score)])
            .await?;
        scan_id = Some(summary.scan_id);
    }
    Ok(HostReport {
        generated_at: crate::clock::now_rfc3339(),
        desktop,
        shares,
        engine: engine.map(|e| e.info().clone()),
        components,
        advisories,
        mounts,
        findings,
        score: explained.score,
        counts: explained.counts,
        notes,
        scan_id,
    })
}

/// Containers' sensitive mounts, from the container rules themselves.
fn mount_exposures(catalogue: &Catalogue, snap: &crate::engine::Snapshot) -> Vec<MountExposure> {
    let mut out = Vec::new();
    for c in &snap.containers {
        let found: Vec<Finding> = catalogue
            .evaluate_container(c, None)
            .into_iter()
            .filter(|f| {
                matches!(
                    f.rule.as_str(),
                    "container.sensitive-mount" | "container.docker-socket"
                )
            })
            .collect();
        let reports = explain(&found, &Suppressions::default()).findings;
        out.extend(reports.into_iter().map(|finding| MountExposure {
            container: c.name.clone(),
            finding,
        }));
    }
    out.sort_by(|a, b| {
        b.finding
            .severity
            .cmp(&a.finding.severity)
            .then(a.container.cmp(&b.container))
    });
    out
}

#[cfg(test)]
mod tests;
