//! Images left to rot: old (built long ago), behind upstream (the tag now
//! points to another build in its registry), built on an outdated base (the
//! image's bottom layers are another local image that is old or behind),
//! and unused (no container has used it for a long time, by the containers'
//! own start and stop times and Dockward's recorded inventories). Each is a
//! finding with a concrete fix; a `stale` scan records them like any other.
//!
//! [`evaluate`] is pure (facts, registry answers, recorded use, now in);
//! [`run`] asks the engine and the store, and records.

pub mod upstream;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::explain::{explain, FindingReport};
use crate::facts::{ContainerFacts, ImageFacts};
use crate::finding::{Finding, Hit, Subject};
use crate::rules::Catalogue;

pub use upstream::Upstream;

/// The rules a stale check produces (`image.stale` is the inventory's).
pub const RULES: &[&str] = &[
    "image.behind-upstream",
    "image.outdated-base",
    "image.unused",
];

/// Thresholds, from the settings or the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StaleOptions {
    /// An image built longer ago than this is old.
    pub max_age_days: u32,
    /// An image no container has used for this long is unused.
    pub unused_days: u32,
    /// Whether to ask registries for the tags' current builds.
    pub check_upstream: bool,
}

impl Default for StaleOptions {
    fn default() -> Self {
        StaleOptions {
            max_age_days: 90,
            unused_days: 30,
            check_upstream: true,
        }
    }
}

/// One image as the Stale page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StaleImage {
    /// First tag or short ID.
    pub name: String,
    /// Its key in findings and snoozes (first tag, else ID).
    pub key: String,
    /// Full ID.
    pub id: String,
    /// Size in bytes.
    #[ts(type = "number")]
    pub size: i64,
    /// Days since it was built.
    #[ts(type = "number | null")]
    pub age_days: Option<i64>,
    /// Whether it is older than the threshold.
    pub old: bool,
    /// When a container last used it (seconds since the epoch), if known.
    #[ts(type = "number | null")]
    pub last_used_unix: Option<i64>,
    /// What its registry says about its tag.
    pub upstream: Upstream,
    /// The local image it was built on, if any.
    pub base: Option<String>,
    /// Its stale findings.
    pub findings: Vec<FindingReport>,
}

/// Everything a stale check found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StaleReport {
    /// When it was made (RFC 3339).
    pub generated_at: String,
    /// The thresholds used.
    pub options: StaleOptions,
    /// Images with something to say, stalest first.
    pub images: Vec<StaleImage>,
    /// The scan recorded for it, when a store was used.
    #[ts(type = "number | null")]
    pub scan_id: Option<i64>,
}

/// Inputs to [`evaluate`] beyond the engine's facts.
#[derive(Debug, Default, Clone)]
pub struct Context {
    /// Each image's registry answer, by image ID (absent: not checked).
    pub upstream: HashMap<String, Upstream>,
    /// When Dockward last saw a container use each image (seconds since
    /// the epoch), by image ID, from recorded inventories.
    pub recorded_use: HashMap<String, i64>,
    /// Since when Dockward's records cover (its first inventory); `None`
    /// when there are no records.
    pub records_since: Option<i64>,
    /// Now, seconds since the epoch.
    pub now_unix: i64,
    /// Suppressed findings (they leave the score, `--fail-on` and the
    /// reminders, and are marked as such).
    pub suppressions: crate::store::Suppressions,
}

/// What [`evaluate`] found.
#[derive(Debug, Default)]
pub struct Evaluated {
    /// Each image as the Stale page shows it, stalest first.
    pub images: Vec<StaleImage>,
    /// The findings to record.
    pub findings: Vec<Finding>,
    /// Each image's score from them.
    pub scores: Vec<(Subject, u8)>,
    /// (rule, subject key) pairs this check could not judge because a
    /// registry did not answer or was not asked: their open findings stay
    /// open rather than read as resolved.
    pub not_judged: Vec<(String, String)>,
}

/// Gives each hit its fix as a command to copy: the catalogue's, with
/// `TAG` the tag asked about, `IMAGE` this image and `BASE` its base.
fn with_fixes(
    hits: Vec<Hit>,
    catalogue: &Catalogue,
    tag: &str,
    image: &str,
    base: Option<&str>,
) -> Vec<Hit> {
    hits.into_iter()
        .map(|h| match catalogue.get(h.rule) {
            Some(meta) => {
                let fix = meta
                    .fix
                    .replace("TAG", tag)
                    .replace("IMAGE", image)
                    .replace("BASE", base.unwrap_or("the base image"));
                h.fix(fix)
            }
            None => h,
        })
        .collect()
}

/// Whether the registry's answer for `i` is missing (not a verdict).
fn unanswered(ctx: &Context, i: &ImageFacts) -> bool {
    matches!(
        ctx.upstream.get(&i.id),
        None | Some(Upstream::Unknown { .. })
    ) || matches!(ctx.upstream.get(&i.id), Some(Upstream::NotChecked { reason }) if reason == REGISTRY_OFF)
}

/// Why an image was not asked about when registry checks are off.
pub const REGISTRY_OFF: &str = "registry checks are off";

fn days(seconds: i64) -> i64 {
    seconds / 86_400
}

fn mb(bytes: i64) -> String {
    format!("{:.0} MB", bytes as f64 / 1_000_000.0)
}

/// The local image `img` was built on: the one whose layers are the longest
/// proper prefix of its layers.
pub fn base_of<'a>(img: &ImageFacts, images: &'a [ImageFacts]) -> Option<&'a ImageFacts> {
    images
        .iter()
        .filter(|b| b.id != img.id && !b.diff_ids.is_empty())
        .filter(|b| b.diff_ids.len() < img.diff_ids.len() && img.diff_ids.starts_with(&b.diff_ids))
        .max_by_key(|b| b.diff_ids.len())
}

/// When a container last used `image_id`: now for a running one, else the
/// latest start or stop of any container made from it, or what the records
/// say, whichever is later.
fn last_use(image_id: &str, containers: &[ContainerFacts], ctx: &Context) -> Option<i64> {
    let from_containers = containers
        .iter()
        .filter(|c| c.image_id == image_id)
        .filter_map(|c| {
            if c.state == "running" || c.state == "paused" || c.state == "restarting" {
                Some(ctx.now_unix)
            } else {
                c.finished_unix.max(c.started_unix)
            }
        })
        .max();
    from_containers.max(ctx.recorded_use.get(image_id).copied())
}

/// The stale findings of every image, and each image's summary.
pub fn evaluate(
    images: &[ImageFacts],
    containers: &[ContainerFacts],
    ctx: &Context,
    options: &StaleOptions,
    catalogue: &Catalogue,
) -> Evaluated {
    let max_age = i64::from(options.max_age_days);
    let unused_after = i64::from(options.unused_days) * 86_400;
    let is_old = |i: &ImageFacts| {
        i.created_unix
            .is_some_and(|c| days(ctx.now_unix - c) >= max_age)
    };
    let moved = |i: &ImageFacts| matches!(ctx.upstream.get(&i.id), Some(Upstream::Moved { .. }));
    let mut out = Vec::new();
    let mut all = Vec::new();
    let mut scores = Vec::new();
    let mut not_judged = Vec::new();
    for img in images {
        let subject = Subject::image(&img.tags, Some(&img.id), &img.id);
        if !img.digests.is_empty() && unanswered(ctx, img) {
            not_judged.push(("image.behind-upstream".to_owned(), subject.key.clone()));
        }
        let mut hits = Vec::new();
        let upstream = ctx
            .upstream
            .get(&img.id)
            .cloned()
            .unwrap_or(Upstream::NotChecked {
                reason: if img.digests.is_empty() {
                    "built locally: no registry build to compare with".into()
                } else {
                    "not checked".into()
                },
            });
        if let Upstream::Moved { reference, remote } = &upstream {
            hits.push(Hit::new(
                "image.behind-upstream",
                reference.as_str(),
                format!(
                    "{reference} now points to {} in its registry; this copy is {}",
                    crate::facts::short_id(remote.trim_start_matches("sha256:")),
                    img.digests
                        .iter()
                        .find_map(|d| d.split_once('@').map(|(_, h)| crate::facts::short_id(
                            h.trim_start_matches("sha256:")
                        )
                        .to_owned()))
                        .unwrap_or_else(|| "another build".into())
                ),
            ));
        }
        let base = base_of(img, images);
        if let Some(b) = base {
            let name = b.display_name();
            let why = if moved(b) {
                Some("which has a newer build upstream".to_owned())
            } else if is_old(b) {
                b.created_unix
                    .map(|c| format!("which was built {} days ago", days(ctx.now_unix - c)))
            } else {
                None
            };
            if let Some(why) = why {
                hits.push(Hit::new(
                    "image.outdated-base",
                    "FROM",
                    format!("built on {name}, {why}"),
                ));
            } else if !b.digests.is_empty() && unanswered(ctx, b) {
                not_judged.push(("image.outdated-base".to_owned(), subject.key.clone()));
            }
        }
        let last = last_use(&img.id, containers, ctx);
        let in_use = containers
            .iter()
            .any(|c| c.image_id == img.id && c.state == "running");
        let idle_since = last.or_else(|| {
            // Never seen in use: idle since it was built, as far as the
            // records reach back. With no records at all there is no
            // evidence either way (a container since removed may have run
            // it yesterday), so nothing is claimed.
            match (img.created_unix, ctx.records_since) {
                (Some(created), Some(since)) => Some(created.max(since)),
                _ => None,
            }
        });
        if let Some(idle) = idle_since.filter(|t| !in_use && ctx.now_unix - t >= unused_after) {
            let built = img.created_unix.unwrap_or(idle);
            // Idle without a recorded use means records exist (see above).
            let since = ctx.records_since.unwrap_or(built);
            let when = match last {
                Some(t) => format!("last used {} days ago", days(ctx.now_unix - t)),
                None if since <= built => format!(
                    "no container has used it since it was built {} days ago",
                    days(ctx.now_unix - built)
                ),
                None => format!(
                    "no container has used it since Dockward's records began {} days ago",
                    days(ctx.now_unix - since)
                ),
            };
            hits.push(Hit::new(
                "image.unused",
                "Containers",
                format!("{when}; removing it frees up to {}", mb(img.size)),
            ));
        }
        let tag = match &upstream {
            Upstream::Moved { reference, .. } => reference.clone(),
            _ => img.display_name(),
        };
        let base_name = base.map(ImageFacts::display_name);
        let fixed = |hits| {
            with_fixes(
                hits,
                catalogue,
                &tag,
                &img.display_name(),
                base_name.as_deref(),
            )
        };
        let findings = catalogue.findings(&subject, fixed(hits));
        let old = is_old(img);
        // `image.stale` is the inventory's finding, recorded by inventories
        // (under the inventory's policy); the page shows it beside the
        // others, under this check's threshold, with its fix.
        let mut shown = findings.clone();
        if let (true, Some(created)) = (old, img.created_unix) {
            shown.extend(catalogue.findings(
                &subject,
                fixed(vec![Hit::new(
                    "image.stale",
                    "Created",
                    format!(
                        "built {} days ago ({}), threshold {} days",
                        days(ctx.now_unix - created),
                        img.created.as_deref().unwrap_or("?"),
                        options.max_age_days
                    ),
                )]),
            ));
        }
        let explained = explain(&shown, &ctx.suppressions);
        if old || !findings.is_empty() || matches!(upstream, Upstream::Unknown { .. }) {
            // The recorded score counts the recorded findings only.
            scores.push((subject.clone(), explain(&findings, &ctx.suppressions).score));
            out.push(StaleImage {
                name: img.display_name(),
                key: subject.key.clone(),
                id: img.id.clone(),
                size: img.size,
                age_days: img.created_unix.map(|c| days(ctx.now_unix - c)),
                old,
                last_used_unix: last,
                upstream,
                base: base_name,
                findings: explained.findings,
            });
        }
        all.extend(findings);
    }
    out.sort_by_key(|i| {
        (
            std::cmp::Reverse(i.findings.len()),
            std::cmp::Reverse(i.age_days),
        )
    });
    Evaluated {
        images: out,
        findings: all,
        scores,
        not_judged,
    }
}

#[cfg(test)]
mod tests;

/// Errors of a stale check.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StaleError {
    /// Talking to the engine failed.
    #[error(transparent)]
    Engine(#[from] crate::engine::EngineError),
    /// Recording failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The rule catalogue does not load (a build defect).
    #[error(transparent)]
    Rules(#[from] &'static crate::rules::RulesError),
}

/// Checks every local image (see the module docs) and records the check
/// as a `stale` scan when a store is given.
pub async fn run(
    engine: &crate::engine::Engine,
    store: Option<&crate::store::Store>,
    options: &StaleOptions,
    now_unix: i64,
) -> Result<StaleReport, StaleError> {
    let catalogue = crate::rules::builtin()?;
    let run = match store {
        Some(s) => Some(
            s.begin(
                crate::store::ScanKind::Stale,
                &engine.info().endpoint,
                "all",
            )
            .await?,
        ),
        None => None,
    };
    let evaluated = async {
        let snapshot = engine.snapshot().await?;
        let mut ctx = Context {
            now_unix,
            ..Context::default()
        };
        if options.check_upstream {
            ctx.upstream = upstream::check(engine, &snapshot.images)
                .await
                .into_iter()
                .collect();
        } else {
            for img in &snapshot.images {
                ctx.upstream.insert(
                    img.id.clone(),
                    Upstream::NotChecked {
                        reason: REGISTRY_OFF.into(),
                    },
                );
            }
        }
        if let Some(s) = store {
            // A check sees running containers too: record their images'
            // use as an inventory does, so an image run now and then
            // between inventories is not called unused.
            s.record_image_use(&snapshot.running_images(), &crate::clock::now_rfc3339())
                .await?;
            ctx.recorded_use = s.image_use().await?;
            ctx.records_since = s.records_since().await?;
            ctx.suppressions = s.active_suppressions().await?;
        }
        Ok::<_, StaleError>(evaluate(
            &snapshot.images,
            &snapshot.containers,
            &ctx,
            options,
            catalogue,
        ))
    }
    .await;
    let report = |images| StaleReport {
        generated_at: crate::clock::now_rfc3339(),
        options: *options,
        images,
        scan_id: None,
    };
    match (run, evaluated) {
        (None, Ok(e)) => Ok(report(e.images)),
        (None, Err(e)) => Err(e),
        (Some(run), Ok(e)) => {
            let id = run.id();
            run.complete_except(&e.findings, &e.scores, &e.not_judged)
                .await?;
            let mut r = report(e.images);
            r.scan_id = Some(id);
            Ok(r)
        }
        (Some(run), Err(e)) => {
            run.interrupted(&e.to_string()).await?;
            Err(e)
        }
    }
}
