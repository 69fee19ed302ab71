//! Versions of the engine's components and the advisories (data, in
//! `advisories.toml`) whose affected ranges they fall in.
//!
//! Version strings come as the engine reports them: `28.2.2`, `v1.1.12`,
//! `1.1.12-0-g51d5e94`, and distribution builds such as Debian's
//! `20.10.24+dfsg1` or `1.6.20~ds1`. A distribution may backport fixes
//! without changing the upstream number, so matches on such versions are
//! reported as "probably affected", never as certain.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::HostError;

const ADVISORIES_TOML: &str = include_str!("advisories.toml");

/// A parsed version: numeric parts and what followed them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// Major, minor, patch (missing parts are 0).
    pub parts: [u64; 3],
    /// The string as reported.
    pub raw: String,
    /// True for a distribution's build (`+dfsg`, `+ds`, `~ds`, `ubuntu`, `deb`, `.el9`…).
    pub distribution: bool,
}

impl Version {
    /// Parses the leading `[v]MAJOR[.MINOR[.PATCH]]`; `None` when there is no number.
    pub fn parse(raw: &str) -> Option<Version> {
        let s = raw.trim();
        let s = s.strip_prefix('v').unwrap_or(s);
        let end = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(s.len());
        let numeric = s[..end].trim_end_matches('.');
        if numeric.is_empty() {
            return None;
        }
        let mut parts = [0u64; 3];
        for (i, p) in numeric.split('.').take(3).enumerate() {
            parts[i] = p.parse().ok()?;
        }
        let rest = s[end..].to_ascii_lowercase();
        let distribution = [
            "dfsg", "+ds", "~ds", "ubuntu", "debian", "+deb", "~deb", ".el", ".fc", "amzn", "+b",
            "suse",
        ]
        .iter()
        .any(|m| rest.contains(m));
        Some(Version {
            parts,
            raw: raw.trim().to_string(),
            distribution,
        })
    }
}

#[derive(Deserialize)]
struct File {
    advisory: Vec<RawAdvisory>,
}

#[derive(Deserialize)]
struct RawAdvisory {
    id: String,
    product: String,
    summary: String,
    source: String,
    affected: Vec<RawRange>,
}

#[derive(Deserialize)]
struct RawRange {
    introduced: Option<String>,
    fixed: String,
}

struct Range {
    introduced: Option<[u64; 3]>,
    fixed: [u64; 3],
    fixed_raw: String,
}

/// One advisory from the data file.
pub struct Advisory {
    /// CVE id.
    pub id: String,
    /// `docker-desktop`, `moby`, `runc`, `containerd`, `buildkit`.
    pub product: String,
    /// One line.
    pub summary: String,
    /// Where it is published.
    pub source: String,
    ranges: Vec<Range>,
}

/// A component version in an advisory's affected range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AdvisoryMatch {
    /// CVE id.
    pub id: String,
    /// The product as the advisory names it.
    pub product: String,
    /// The installed version.
    pub installed: String,
    /// The version to upgrade to (the matching range's fix).
    pub fixed: String,
    /// One line.
    pub summary: String,
    /// Where it is published.
    pub source: String,
    /// The installed version is a distribution's build, which may carry the
    /// fix as a backport: "probably affected".
    pub distribution_build: bool,
}

/// Loads the advisory table.
pub fn advisories() -> Result<Vec<Advisory>, HostError> {
    let file: File = toml::from_str(ADVISORIES_TOML)
        .map_err(|e| HostError::Data(format!("advisories.toml does not parse: {e}")))?;
    file.advisory
        .into_iter()
        .map(|a| {
            let ranges = a
                .affected
                .iter()
                .map(|r| {
                    let v = |s: &str| {
                        Version::parse(s).map(|v| v.parts).ok_or_else(|| {
                            HostError::Data(format!("advisory {}: bad version {s}", a.id))
                        })
                    };
                    Ok(Range {
                        introduced: r.introduced.as_deref().map(v).transpose()?,
                        fixed: v(&r.fixed)?,
                        fixed_raw: r.fixed.clone(),
                    })
                })
                .collect::<Result<Vec<_>, HostError>>()?;
            Ok(Advisory {
                id: a.id,
                product: a.product,
                summary: a.summary,
                source: a.source,
                ranges,
            })
        })
        .collect()
}

/// The advisories that `version` of `product` falls in.
pub fn check(list: &[Advisory], product: &str, version: &Version) -> Vec<AdvisoryMatch> {
    list.iter()
        .filter(|a| a.product == product)
        .filter_map(|a| {
            let range = a.ranges.iter().find(|r| {
                r.introduced.is_none_or(|i| version.parts >= i) && version.parts < r.fixed
            })?;
            Some(AdvisoryMatch {
                id: a.id.clone(),
                product: a.product.clone(),
                installed: version.raw.clone(),
                fixed: range.fixed_raw.clone(),
                summary: a.summary.clone(),
                source: a.source.clone(),
                distribution_build: version.distribution,
            })
        })
        .collect()
}

/// The advisory product a component name from the engine's version
/// endpoint stands for.
pub fn product_of(component: &str) -> Option<&'static str> {
    match component.to_ascii_lowercase().as_str() {
        "engine" => Some("moby"),
        "runc" => Some("runc"),
        "containerd" => Some("containerd"),
        "buildkit" => Some("buildkit"),
        _ => None,
    }
}

/// Docker Desktop's version from the engine's platform name, e.g.
/// `Docker Desktop 4.44.3 (202357)`.
pub fn desktop_version(platform: &str) -> Option<Version> {
    let rest = platform.strip_prefix("Docker Desktop")?.trim();
    Version::parse(rest.split_whitespace().next()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_upstream_and_distribution_versions() {
        let v = Version::parse("20.10.24+dfsg1").expect("debian engine");
        assert_eq!((v.parts, v.distribution), ([20, 10, 24], true));
        let v = Version::parse("1.1.5+ds1").expect("debian runc");
        assert_eq!((v.parts, v.distribution), ([1, 1, 5], true));
        let v = Version::parse("1.6.20~ds1").expect("debian containerd");
        assert_eq!((v.parts, v.distribution), ([1, 6, 20], true));
        let v = Version::parse("v1.1.12-0-g51d5e94").expect("upstream runc");
        assert_eq!((v.parts, v.distribution), ([1, 1, 12], false));
        let v = Version::parse("28.2.2").expect("upstream engine");
        assert_eq!((v.parts, v.distribution), ([28, 2, 2], false));
        let v = Version::parse("27.5.1-0ubuntu3~24.04.2").expect("ubuntu");
        assert!(v.distribution);
        assert_eq!(Version::parse("dev"), None);
        assert_eq!(Version::parse("").map(|v| v.parts), None);
    }

    #[test]
    fn ranges_match_the_documented_advisories() {
        let list = advisories().expect("data");
        let ids = |product: &str, v: &str| -> Vec<String> {
            let mut out: Vec<String> = check(&list, product, &Version::parse(v).expect("v"))
                .into_iter()
                .map(|m| format!("{}>{}", m.id, m.fixed))
                .collect();
            out.sort();
            out
        };
        // Docker Desktop
        assert!(ids("docker-desktop", "4.44.2").contains(&"CVE-2025-9074>4.44.3".to_string()));
        assert!(!ids("docker-desktop", "4.44.3")
            .iter()
            .any(|i| i.starts_with("CVE-2025-9074")));
        assert!(
            !ids("docker-desktop", "4.24.0")
                .iter()
                .any(|i| i.starts_with("CVE-2025-9074")),
            "before 4.25"
        );
        assert_eq!(ids("docker-desktop", "4.46.0"), ["CVE-2025-10657>4.47.0"]);
        assert!(ids("docker-desktop", "4.47.0").is_empty());
        assert!(ids("docker-desktop", "4.34.1").contains(&"CVE-2024-8695>4.34.2".to_string()));
        assert!(ids("docker-desktop", "4.42.0").contains(&"CVE-2025-6587>4.43.0".to_string()));
        // runc
        assert!(ids("runc", "1.1.11").contains(&"CVE-2024-21626>1.1.12".to_string()));
        assert!(!ids("runc", "1.1.12")
            .iter()
            .any(|i| i.starts_with("CVE-2024-21626")));
        assert!(ids("runc", "1.3.2").contains(&"CVE-2025-31133>1.3.3".to_string()));
        assert!(ids("runc", "1.2.7").contains(&"CVE-2025-52565>1.2.8".to_string()));
        assert!(ids("runc", "1.2.8").is_empty());
        assert!(ids("runc", "1.3.3").is_empty());
        // Moby: the 26.x line is fixed in 26.1.5, the 27.x line in 27.1.1
        assert!(ids("moby", "26.1.4").contains(&"CVE-2024-41110>26.1.5".to_string()));
        assert!(ids("moby", "27.1.0").contains(&"CVE-2024-41110>27.1.1".to_string()));
        assert!(!ids("moby", "27.1.1")
            .iter()
            .any(|i| i.starts_with("CVE-2024-41110")));
        assert!(ids("moby", "24.0.7").contains(&"CVE-2024-41110>25.0.6".to_string()));
        assert!(ids("moby", "28.2.2").contains(&"CVE-2025-54388>28.3.3".to_string()));
        assert!(ids("moby", "28.5.1").is_empty());
        assert!(ids("buildkit", "0.12.4").contains(&"CVE-2024-23650>0.12.5".to_string()));
    }

    #[test]
    fn debian_builds_are_marked_as_possibly_backported() {
        let list = advisories().expect("data");
        let m = check(&list, "moby", &Version::parse("20.10.24+dfsg1").expect("v"));
        assert!(m
            .iter()
            .any(|m| m.id == "CVE-2024-41110" && m.distribution_build));
        let m = check(&list, "runc", &Version::parse("1.1.5+ds1").expect("v"));
        assert!(m.iter().all(|m| m.distribution_build));
        assert!(m.iter().any(|m| m.id == "CVE-2024-21626"));
    }

    #[test]
    fn desktop_version_from_platform_name() {
        assert_eq!(
            desktop_version("Docker Desktop 4.44.3 (202357)").map(|v| v.parts),
            Some([4, 44, 3])
        );
        assert_eq!(desktop_version("Docker Engine - Community"), None);
    }
}
