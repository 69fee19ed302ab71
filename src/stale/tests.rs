//! Stale findings on hand-made facts, with an injected now.

use super::*;
use crate::facts::{ContainerFacts, ImageFacts};

const DAY: i64 = 86_400;
const NOW: i64 = 1_800_000_000;

fn image(tag: &str, id: &str, age_days: i64, layers: &[&str]) -> ImageFacts {
    ImageFacts {
        id: id.into(),
        tags: vec![tag.into()],
        digests: vec![],
        created_unix: Some(NOW - age_days * DAY),
        created: Some(crate::clock::rfc3339(
            time::OffsetDateTime::from_unix_timestamp(NOW - age_days * DAY).expect("time"),
        )),
        size: 250_000_000,
        diff_ids: layers.iter().map(|l| (*l).to_owned()).collect(),
        ..ImageFacts::default()
    }
}

fn container(image_id: &str, state: &str, finished_days_ago: Option<i64>) -> ContainerFacts {
    ContainerFacts {
        name: format!("c-{state}"),
        image_id: image_id.into(),
        state: state.into(),
        started_unix: finished_days_ago.map(|d| NOW - (d + 1) * DAY),
        finished_unix: finished_days_ago.map(|d| NOW - d * DAY),
        ..ContainerFacts::default()
    }
}

fn rules_of<'a>(out: &'a [StaleImage], name: &str) -> Vec<&'a str> {
    out.iter()
        .find(|i| i.name == name)
        .map(|i| i.findings.iter().map(|f| f.rule.as_str()).collect())
        .unwrap_or_default()
}

fn ctx() -> Context {
    Context {
        now_unix: NOW,
        records_since: Some(NOW - 400 * DAY),
        ..Context::default()
    }
}

#[test]
fn a_moved_tag_is_behind_upstream_and_images_built_on_it_are_outdated() {
    let mut base = image("node:20", "sha256:base", 10, &["l1", "l2"]);
    base.digests = vec!["node@sha256:aaaa1111".into()];
    let app = image("team/app:1", "sha256:app", 2, &["l1", "l2", "l3"]);
    let unrelated = image("alpine:3", "sha256:alp", 5, &["x1"]);
    let images = [base.clone(), app, unrelated];
    let running = [
        container("sha256:base", "running", None),
        container("sha256:app", "running", None),
        container("sha256:alp", "running", None),
    ];
    let mut c = ctx();
    c.upstream.insert(
        "sha256:base".into(),
        Upstream::Moved {
            reference: "node:20".into(),
            remote: "sha256:bbbb2222".into(),
        },
    );
    let cat = crate::rules::builtin().expect("catalogue");
    let Evaluated {
        images: out,
        findings,
        ..
    } = evaluate(&images, &running, &c, &StaleOptions::default(), cat);
    assert_eq!(rules_of(&out, "node:20"), ["image.behind-upstream"]);
    assert_eq!(rules_of(&out, "team/app:1"), ["image.outdated-base"]);
    let base_finding = findings
        .iter()
        .find(|f| f.rule == "image.outdated-base")
        .expect("one");
    assert!(
        base_finding
            .evidence
            .contains("built on node:20, which has a newer build upstream"),
        "{}",
        base_finding.evidence
    );
    assert!(
        out.iter().all(|i| i.name != "alpine:3"),
        "nothing to say about a current, used image"
    );
    // A tag that has not moved says nothing.
    c.upstream.insert(
        "sha256:base".into(),
        Upstream::Current {
            reference: "node:20".into(),
        },
    );
    let Evaluated { images: out, .. } =
        evaluate(&images, &running, &c, &StaleOptions::default(), cat);
    assert!(out.is_empty(), "{out:?}");
}

#[test]
fn an_old_base_makes_its_children_outdated_and_age_is_reported() {
    let base = image("debian:11", "sha256:deb", 400, &["d1"]);
    let app = image("me/tool:1", "sha256:tool", 1, &["d1", "t1"]);
    let images = [base, app];
    let running = [
        container("sha256:deb", "running", None),
        container("sha256:tool", "running", None),
    ];
    let cat = crate::rules::builtin().expect("catalogue");
    let Evaluated {
        images: out,
        findings: recorded,
        ..
    } = evaluate(&images, &running, &ctx(), &StaleOptions::default(), cat);
    let deb = out.iter().find(|i| i.name == "debian:11").expect("listed");
    assert!(deb.old && deb.age_days == Some(400));
    // The page shows the old image's `image.stale` with its fix; only
    // inventories record it.
    assert_eq!(rules_of(&out, "debian:11"), ["image.stale"]);
    assert!(
        deb.findings[0].evidence.contains("400 days ago"),
        "{}",
        deb.findings[0].evidence
    );
    assert!(deb.findings[0].fix.contains("docker build --pull"));
    assert!(!recorded.iter().any(|f| f.rule == "image.stale"));
    assert_eq!(rules_of(&out, "me/tool:1"), ["image.outdated-base"]);
}

#[test]
fn unused_counts_container_times_and_recorded_use() {
    let a = image("a:1", "sha256:a", 200, &["a"]);
    let b = image("b:1", "sha256:b", 200, &["b"]);
    let c_img = image("c:1", "sha256:c", 200, &["c"]);
    let d = image("d:1", "sha256:d", 5, &["d"]);
    let images = [a, b, c_img, d];
    let containers = [
        container("sha256:a", "exited", Some(45)),
        container("sha256:b", "exited", Some(3)),
    ];
    let mut c = ctx();
    // c:1 ran, as an inventory saw 10 days ago, in a container since removed.
    c.recorded_use.insert("sha256:c".into(), NOW - 10 * DAY);
    let cat = crate::rules::builtin().expect("catalogue");
    // Not old at 200 days, so only use is judged here.
    let options = StaleOptions {
        max_age_days: 365,
        ..StaleOptions::default()
    };
    let Evaluated {
        images: out,
        findings,
        ..
    } = evaluate(&images, &containers, &c, &options, cat);
    assert_eq!(rules_of(&out, "a:1"), ["image.unused"]);
    assert!(rules_of(&out, "b:1").is_empty());
    assert!(rules_of(&out, "c:1").is_empty());
    assert!(
        rules_of(&out, "d:1").is_empty(),
        "5 days old: not unused yet"
    );
    let f = findings
        .iter()
        .find(|f| f.rule == "image.unused")
        .expect("one");
    assert!(
        f.evidence.starts_with("last used 45 days ago"),
        "{}",
        f.evidence
    );
    assert!(f.evidence.contains("250 MB"), "{}", f.evidence);
}

#[test]
fn the_tag_to_ask_about_is_one_with_a_digest_here() {
    let mut img = image("127.0.0.1:5000/team/app:1.0", "sha256:x", 1, &[]);
    img.digests = vec!["127.0.0.1:5000/team/app@sha256:abc".into()];
    let (reference, local) = upstream::reference(&img).expect("pulled");
    assert_eq!(reference, "127.0.0.1:5000/team/app:1.0");
    assert_eq!(local, ["sha256:abc"]);
    let built = image("mine:dev", "sha256:y", 1, &[]);
    assert!(upstream::reference(&built).is_none(), "built locally");
}

#[test]
fn without_records_an_image_no_container_shows_is_not_called_unused() {
    // A first run: no inventories recorded yet, no container for the image.
    // A container removed yesterday may have used it, so nothing is claimed;
    // a container that finished long ago still counts.
    let never = image("never:1", "sha256:n", 200, &["n"]);
    let ran = image("ran:1", "sha256:r", 200, &["r"]);
    let containers = [container("sha256:r", "exited", Some(60))];
    let c = Context {
        now_unix: NOW,
        records_since: None,
        ..Context::default()
    };
    let options = StaleOptions {
        max_age_days: 365,
        ..StaleOptions::default()
    };
    let cat = crate::rules::builtin().expect("catalogue");
    let Evaluated { images: out, .. } = evaluate(&[never, ran], &containers, &c, &options, cat);
    assert!(rules_of(&out, "never:1").is_empty());
    assert_eq!(rules_of(&out, "ran:1"), ["image.unused"]);
}

#[test]
fn fixes_are_commands_for_this_image_and_its_base() {
    let mut base = image("node:20", "sha256:base", 10, &["l1"]);
    base.digests = vec!["node@sha256:aaaa1111".into()];
    let app = image("team/app:1", "sha256:app", 2, &["l1", "l2"]);
    let mut c = ctx();
    c.upstream.insert(
        "sha256:base".into(),
        Upstream::Moved {
            reference: "node:20".into(),
            remote: "sha256:bbbb2222".into(),
        },
    );
    let cat = crate::rules::builtin().expect("catalogue");
    let running = [
        container("sha256:base", "running", None),
        container("sha256:app", "running", None),
    ];
    let e = evaluate(&[base, app], &running, &c, &StaleOptions::default(), cat);
    let fix = |rule: &str| {
        e.findings
            .iter()
            .find(|f| f.rule == rule)
            .map(|f| f.fix.clone())
            .unwrap_or_default()
    };
    assert!(
        fix("image.behind-upstream").contains("`docker pull node:20`"),
        "{}",
        fix("image.behind-upstream")
    );
    let rebuild = fix("image.outdated-base");
    assert!(
        rebuild.contains("`docker pull node:20`")
            && rebuild.contains("`docker build --pull -t team/app:1 .`"),
        "{rebuild}"
    );
    assert!(e.not_judged.is_empty(), "{:?}", e.not_judged);
}

/// A registry that does not answer is not a verdict: the check says which
/// findings it could not judge, so the store keeps them open.
#[test]
fn an_unanswered_registry_leaves_its_findings_unjudged_not_resolved() {
    let mut base = image("node:20", "sha256:base", 10, &["l1"]);
    base.digests = vec!["node@sha256:aaaa1111".into()];
    let app = image("team/app:1", "sha256:app", 2, &["l1", "l2"]);
    let local = image("me/local:1", "sha256:loc", 2, &["z1"]);
    let mut c = ctx();
    c.upstream.insert(
        "sha256:base".into(),
        Upstream::Unknown {
            reference: "node:20".into(),
            reason: "connection refused".into(),
        },
    );
    let cat = crate::rules::builtin().expect("catalogue");
    let running = [
        container("sha256:base", "running", None),
        container("sha256:app", "running", None),
        container("sha256:loc", "running", None),
    ];
    let e = evaluate(
        &[base, app, local],
        &running,
        &c,
        &StaleOptions::default(),
        cat,
    );
    assert!(e.findings.is_empty(), "{:?}", e.findings);
    assert_eq!(
        e.not_judged,
        [
            ("image.behind-upstream".to_owned(), "node:20".to_owned()),
            ("image.outdated-base".to_owned(), "team/app:1".to_owned()),
        ],
        "a locally built image has no registry answer to wait for"
    );
}

#[test]
fn a_suppressed_stale_finding_is_marked_and_leaves_fail_on() {
    let img = image("old/one:1", "sha256:old", 400, &["o1"]);
    let cat = crate::rules::builtin().expect("catalogue");
    let mut c = ctx();
    let first = evaluate(
        std::slice::from_ref(&img),
        &[],
        &c,
        &StaleOptions::default(),
        cat,
    );
    let unused = first
        .findings
        .iter()
        .find(|f| f.rule == "image.unused")
        .expect("unused");
    c.suppressions
        .insert(unused.fingerprint.clone(), ("kept for audits".into(), None));
    let e = evaluate(
        std::slice::from_ref(&img),
        &[],
        &c,
        &StaleOptions::default(),
        cat,
    );
    let shown = e.images[0]
        .findings
        .iter()
        .find(|f| f.rule == "image.unused")
        .expect("still listed");
    assert_eq!(shown.suppressed_reason.as_deref(), Some("kept for audits"));
    // So `--fail-on` passes it by.
    let unused_of = |e: &Evaluated| -> Vec<crate::explain::FindingReport> {
        e.images[0]
            .findings
            .iter()
            .filter(|f| f.rule == "image.unused")
            .cloned()
            .collect()
    };
    assert!(crate::explain::fails(
        Some(crate::Severity::Info),
        &unused_of(&first)
    ));
    assert!(!crate::explain::fails(
        Some(crate::Severity::Info),
        &unused_of(&e)
    ));
}
