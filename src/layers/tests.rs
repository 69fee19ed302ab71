//! Layer scans on archives built in memory: both layouts, each compression,
//! whiteouts, and malformed input.

use std::io::Write;

use sha2::{Digest, Sha256};

use std::io::Read;

use super::result::{build_scan, Assembly, LayerStack};
use super::*;
use crate::finding::Severity;

const KEY: &[u8] = b"-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKBA0ODYlf1W12It4cdrbJLv3HrKcp2+F3qUm0hRissPBCnUluAs\nBNLoTtxOotMqedhHeyNBswiIP2er1BWY9kECAwEAAQJAaasTkI+AJ3Kxxw1WCTbu\net0q1tTTSuxjcvK2ibMq/8U1zKw6sqq9zDXzh3bfuuma8Mcqcnq/sEVTAA0FSa/D\noQIhAND9g66znxU5FoqRHn/X3y4BIYf62xoP9gDUVWSFUZKVAiEAxEzTqlJ0pQ8y\n+zNrJP8+UtQXQERLtqHinSNiueHJdf0CICG4JZz0YkB8W4Sz8WXTILE9gXl9IgjM\ndnafy79SO10ZAiAU0SjpORFRp8j6RruoEsFjO0az9AordgN4MpZ3q/AXaQIhAKR4\n6wIW34+sM7Zc+qwoNEb9V7Mg4GjNqicTiS7aVZnP\n-----END RSA PRIVATE KEY-----\n";
const TOKEN: &str = "ghp_R4nd0mT0k3nV4lu3sAr3H3r3Xy12345678ab";

fn scanner_with(limits: Limits) -> Scanner {
    Scanner::builtin(limits).expect("built-in rules load")
}

fn scanner() -> Scanner {
    scanner_with(Limits::default())
}

/// The first image of an archive, scanned.
fn scan_archive(bytes: &[u8], limits: &Limits, name: &str) -> ImageScan {
    scanner_with(limits.clone())
        .scan_archive(bytes, name, &ScanControl::default())
        .remove(0)
}

/// A layer tar from (path, content) pairs; `None` content makes a folder.
fn layer(files: &[(&str, Option<&[u8]>)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, content) in files {
        let mut h = tar::Header::new_gnu();
        match content {
            Some(c) => {
                h.set_size(c.len() as u64);
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(0o644);
                h.set_cksum();
                b.append_data(&mut h, path, *c).expect("append");
            }
            None => {
                h.set_size(0);
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(0o755);
                h.set_cksum();
                b.append_data(&mut h, path, &[][..]).expect("append");
            }
        }
    }
    b.into_inner().expect("finish")
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).expect("gzip");
    e.finish().expect("gzip")
}

fn config(diff_ids: &[String], steps: &[&str]) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": { "type": "layers", "diff_ids": diff_ids },
        "history": steps.iter().map(|s| serde_json::json!({ "created_by": s })).collect::<Vec<_>>(),
    }))
    .expect("json")
}

fn append(b: &mut tar::Builder<Vec<u8>>, path: &str, data: &[u8]) {
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    b.append_data(&mut h, path, data).expect("append");
}

/// A legacy `docker save` archive, with manifest.json written LAST.
fn legacy(layers: &[Vec<u8>], tag: &str) -> Vec<u8> {
    let diff_ids: Vec<String> = layers
        .iter()
        .map(|l| format!("sha256:{}", sha(l)))
        .collect();
    let steps: Vec<String> = (0..layers.len()).map(|i| format!("RUN step {i}")).collect();
    let steps: Vec<&str> = steps.iter().map(String::as_str).collect();
    let cfg = config(&diff_ids, &steps);
    let cfg_name = format!("{}.json", sha(&cfg));
    let mut b = tar::Builder::new(Vec::new());
    let mut names = Vec::new();
    for (i, l) in layers.iter().enumerate() {
        let name = format!("{:02}{}/layer.tar", 99 - i, &sha(l)[..8]);
        append(&mut b, &name, l);
        names.push(name);
    }
    append(&mut b, &cfg_name, &cfg);
    let manifest = serde_json::json!([{ "Config": cfg_name, "RepoTags": [tag], "Layers": names }]);
    append(
        &mut b,
        "manifest.json",
        &serde_json::to_vec(&manifest).expect("json"),
    );
    b.into_inner().expect("finish")
}

/// An OCI archive with each layer compressed by `compress`.
fn oci(layers: &[Vec<u8>], compress: fn(&[u8]) -> Vec<u8>) -> Vec<u8> {
    let diff_ids: Vec<String> = layers
        .iter()
        .map(|l| format!("sha256:{}", sha(l)))
        .collect();
    let cfg = config(&diff_ids, &vec!["RUN x"; layers.len()]);
    let mut b = tar::Builder::new(Vec::new());
    append(&mut b, "oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#);
    let mut descs = Vec::new();
    for l in layers {
        let blob = compress(l);
        append(&mut b, &format!("blobs/sha256/{}", sha(&blob)), &blob);
        descs.push(serde_json::json!({ "mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": format!("sha256:{}", sha(&blob)), "size": blob.len() }));
    }
    append(&mut b, &format!("blobs/sha256/{}", sha(&cfg)), &cfg);
    let manifest = serde_json::to_vec(&serde_json::json!({ "schemaVersion": 2, "config": { "digest": format!("sha256:{}", sha(&cfg)) }, "layers": descs })).expect("json");
    append(
        &mut b,
        &format!("blobs/sha256/{}", sha(&manifest)),
        &manifest,
    );
    let index = serde_json::json!({ "schemaVersion": 2, "manifests": [{ "digest": format!("sha256:{}", sha(&manifest)), "annotations": { "io.containerd.image.name": "example/oci:1" } }] });
    append(
        &mut b,
        "index.json",
        &serde_json::to_vec(&index).expect("json"),
    );
    b.into_inner().expect("finish")
}

fn scan(bytes: &[u8]) -> ImageScan {
    scan_archive(bytes, &Limits::default(), "test")
}

#[test]
fn key_deleted_in_a_later_layer_is_still_found() {
    let l0 = layer(&[("app/", None), ("app/deploy.pem", Some(KEY))]);
    let l1 = layer(&[("app/.wh.deploy.pem", Some(b""))]);
    let s = scan(&legacy(&[l0, l1], "example/app:1"));
    assert_eq!(s.error, None);
    assert_eq!(s.image, "example/app:1");
    assert_eq!(s.layers.len(), 2);
    assert_eq!(s.layers[0].created_by, "RUN step 0");
    let f = &s.findings[0];
    assert_eq!(
        (f.rule.as_str(), f.severity),
        ("image.layer-private-key", Severity::Critical)
    );
    assert_eq!(
        (
            f.path.as_deref().unwrap_or(""),
            f.layer_index,
            f.removed_in_layer
        ),
        ("/app/deploy.pem", Some(0), Some(1))
    );
    assert_eq!(f.layer.as_deref(), Some(s.layers[0].diff_id.as_str()));
    assert!(!f.evidence.contains("MIIE"), "{}", f.evidence);
}

#[test]
fn overwritten_and_opaque_folders_count_as_removed() {
    let l0 = layer(&[
        (
            "etc/app/token.txt",
            Some(format!("token={TOKEN}").as_bytes()),
        ),
        (
            "srv/x/.npmrc",
            Some(b"//r/:_authToken=6f2a9c1e-8b7d-4e3f-a5c2-1d9e8f7a6b5c"),
        ),
    ]);
    let l1 = layer(&[
        ("etc/app/token.txt", Some(b"rotated")),
        ("srv/x/.wh..wh..opq", Some(b"")),
    ]);
    let s = scan(&legacy(&[l0, l1], "example/app:2"));
    let token = s
        .findings
        .iter()
        .find(|f| f.path.as_deref() == Some("/etc/app/token.txt"))
        .expect("token");
    assert_eq!(token.removed_in_layer, Some(1), "overwritten");
    let npmrc = s
        .findings
        .iter()
        .find(|f| f.path.as_deref() == Some("/srv/x/.npmrc"))
        .expect("npmrc");
    assert_eq!(npmrc.removed_in_layer, Some(1), "opaque folder");
}

#[test]
fn oci_layout_with_gzip_and_zstd_layers() {
    let l0 = layer(&[("root/.ssh/id_rsa", Some(KEY))]);
    let l1 = layer(&[("app/.env", Some(b"DB_PASSWORD=Xk9mQ2vL8pR4\n"))]);
    for (name, compress) in [
        ("gzip", gzip as fn(&[u8]) -> Vec<u8>),
        ("zstd", |b: &[u8]| zstd::encode_all(b, 3).expect("zstd")),
        ("plain", |b: &[u8]| b.to_vec()),
    ] {
        let s = scan(&oci(&[l0.clone(), l1.clone()], compress));
        assert_eq!(s.error, None, "{name}");
        assert_eq!(s.image, "example/oci:1", "{name}");
        assert_eq!(
            s.layers[0].diff_id,
            format!("sha256:{}", sha(&l0)),
            "diffID is of the uncompressed tar ({name})"
        );
        let rules: Vec<(&str, Option<usize>)> = s
            .findings
            .iter()
            .map(|f| (f.rule.as_str(), f.layer_index))
            .collect();
        assert!(
            rules.contains(&("image.layer-private-key", Some(0))),
            "{name}: {rules:?}"
        );
        assert!(
            rules.contains(&("image.layer-credential-file", Some(1))),
            "{name}: {rules:?}"
        );
    }
}

#[test]
fn decoys_are_not_reported() {
    let l0 = layer(&[
        (
            "etc/ssl/certs/ca-certificates.crt",
            Some(b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"),
        ),
        (
            "root/.ssh/id_ed25519.pub",
            Some(b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG dev@host"),
        ),
        (
            "app/config.example",
            Some(b"AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\npassword=changeme\nTOKEN=${TOKEN}\n"),
        ),
    ]);
    let s = scan(&legacy(&[l0], "example/decoys:1"));
    assert_eq!(s.layer_findings().count(), 0, "{:?}", s.findings);
}

#[test]
fn truncated_archive_keeps_earlier_findings() {
    let l0 = layer(&[("a/key.pem", Some(KEY))]);
    let l1 = layer(&[("b/filler.txt", Some(&[b'x'; 20_000][..]))]);
    let full = legacy(&[l0, l1], "example/cut:1");
    // Cut inside the second layer: the first was fully read.
    let cut = &full[..3 * 512 + KEY.len() + 2048 + 8_000];
    let s = scan(cut);
    let err = s.error.as_deref().expect("error");
    assert!(err.contains("truncated"), "{err}");
    assert!(s.partial());
    assert!(
        s.findings
            .iter()
            .any(|f| f.rule == "image.layer-private-key"),
        "kept: {:?}",
        s.findings
    );
}

#[test]
fn corrupt_gzip_names_the_layer() {
    let mut blob = gzip(&layer(&[("x", Some(b"hello"))]));
    let mid = blob.len() / 2;
    for b in &mut blob[12..mid] {
        *b ^= 0x5a;
    }
    let mut b = tar::Builder::new(Vec::new());
    append(&mut b, "blobs/sha256/deadbeef", &blob);
    let s = scan(&b.into_inner().expect("tar"));
    let err = s.error.expect("error");
    assert!(
        err.contains("blobs/sha256/deadbeef")
            && (err.contains("corrupt") || err.contains("truncated")),
        "{err}"
    );
}

#[test]
fn traversal_and_odd_names_are_data() {
    let mut b = tar::Builder::new(Vec::new());
    for (name, kind) in [
        ("../../etc/evil.pem", tar::EntryType::Regular),
        ("link", tar::EntryType::Symlink),
        ("dev/sda", tar::EntryType::Block),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        let data: &[u8] = if kind == tar::EntryType::Regular {
            KEY
        } else {
            b""
        };
        h.set_size(data.len() as u64);
        if kind == tar::EntryType::Symlink {
            h.set_link_name("/etc/shadow").expect("link");
        }
        // Write the raw name, bypassing the builder's own `..` check.
        h.as_gnu_mut().expect("gnu").name[..name.len()].copy_from_slice(name.as_bytes());
        h.set_cksum();
        b.append(&h, data).expect("append");
    }
    let l0 = b.into_inner().expect("tar");
    let s = scan(&legacy(&[l0], "example/odd:1"));
    assert_eq!(s.error, None);
    let found: Vec<_> = s.layer_findings().collect();
    assert_eq!(found.len(), 1, "{:?}", s.findings);
    assert_eq!(found[0].path.as_deref(), Some("/../../etc/evil.pem"));
    assert!(!std::path::Path::new("/etc/evil.pem").exists());
}

#[test]
fn decompression_bomb_stops_in_bounded_time() {
    // 64 MiB of zeros in one file gzips to about 64 KiB.
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    let size = 64u64 << 20;
    h.set_size(size);
    h.set_mode(0o644);
    h.set_cksum();
    b.append_data(&mut h, "zeros", std::io::repeat(0).take(size))
        .expect("append");
    let bomb = gzip(&b.into_inner().expect("tar"));
    let limits = Limits {
        ratio_floor: 8 << 20,
        max_ratio: 100,
        ..Limits::default()
    };
    let mut outer = tar::Builder::new(Vec::new());
    append(&mut outer, "blobs/sha256/b0mb", &bomb);
    let s = scan_archive(&outer.into_inner().expect("tar")[..], &limits, "bomb");
    let err = s.error.expect("stopped");
    assert!(
        err.contains("decompression bomb") && err.contains("b0mb"),
        "{err}"
    );
    // Regression (issue 11): the message said "0 bytes unpacked".
    assert!(!err.contains(" 0 bytes unpacked"), "the real count: {err}");
}

#[test]
fn too_many_entries_stop_the_scan() {
    let mut b = tar::Builder::new(Vec::new());
    for i in 0..3_000 {
        append(&mut b, &format!("f/{i}"), b"");
    }
    let l0 = b.into_inner().expect("tar");
    let limits = Limits {
        max_entries: 2_000,
        ..Limits::default()
    };
    let s = scan_archive(&legacy(&[l0], "example/many:1")[..], &limits, "many");
    assert!(s.error.expect("stopped").contains("more than 2000 entries"));
}

#[test]
fn missing_manifest_is_a_clear_error_not_a_panic() {
    let mut b = tar::Builder::new(Vec::new());
    append(&mut b, "abc/layer.tar", &layer(&[("k.pem", Some(KEY))]));
    let s = scan(&b.into_inner().expect("tar"));
    assert!(s
        .error
        .expect("error")
        .contains("neither manifest.json nor index.json"));
    assert_eq!(s.findings.len(), 1, "findings still reported");
    assert_eq!(s.findings[0].layer_index, None);
    let s = scan(b"not a tar at all, just text that goes on for a while............................................");
    assert!(s.error.is_some());
}

#[test]
fn fingerprints_are_stable_across_rescans() {
    let l0 = layer(&[("app/deploy.pem", Some(KEY))]);
    let a = scan(&legacy(std::slice::from_ref(&l0), "example/app:1"));
    let b = scan(&legacy(&[l0], "example/app:1"));
    assert_eq!(a.findings[0].fingerprint, b.findings[0].fingerprint);
}

#[test]
fn cache_records_rebuild_the_same_scan() {
    let l0 = layer(&[
        ("app/deploy.pem", Some(KEY)),
        (
            "app/.npmrc",
            Some(b"//r/:_authToken=6f2a9c1e-8b7d-4e3f-a5c2-1d9e8f7a6b5c"),
        ),
    ]);
    let l1 = layer(&[("app/.wh.deploy.pem", Some(b""))]);
    let scanner = scanner();
    let reg = scanner.registry();
    let (fresh, layers) = scanner.scan_archive_layers(
        &legacy(&[l0, l1], "example/app:1")[..],
        "x",
        &[],
        &ScanControl::default(),
    );
    let records = cache::to_records(&layers, reg);
    assert_eq!(records.len(), 2);
    assert_eq!(
        records[0].hits.len(),
        reg.analyzers().len(),
        "one row per analyzer, even without hits"
    );
    for r in &records {
        for (_, _, json) in &r.hits {
            assert!(
                !json.contains("MIIE") && !json.contains("6f2a9c1e-8b7d"),
                "no secret in the cache: {json}"
            );
        }
    }
    let walks = cache::from_records(&records, reg);
    let refs: Vec<&walk::LayerWalk> = walks.iter().collect();
    let history: Vec<String> = records.iter().map(|r| r.created_by.clone()).collect();
    let identity = Identity {
        tags: fresh.tags.clone(),
        image_id: fresh.image_id.clone(),
        name_hint: "x".into(),
    };
    let stack = LayerStack {
        labels: vec![],
        walks: refs,
        history,
        indexed: true,
    };
    let assembly = Assembly {
        catalogue: crate::rules::builtin().expect("catalogue"),
        secrets: crate::secrets::builtin().expect("rules"),
        suppressions: &Default::default(),
        analyzers: reg.versions(),
        max_path_len: 4096,
    };
    let rebuilt = build_scan(&identity, &stack, &[], None, &assembly);
    assert_eq!(rebuilt.findings, fresh.findings);
    assert_eq!(rebuilt.layers, fresh.layers);
}

#[test]
fn a_layer_whose_first_file_looks_like_json_is_still_scanned() {
    // Regression: blobs were classified as JSON by their first byte, so a
    // plain layer whose first entry is named `{…}` went unscanned.
    let l0 = layer(&[("{\"a\":1}", Some(b"x")), ("app/deploy.pem", Some(KEY))]);
    assert_eq!(l0[0], b'{');
    let s = scan(&oci(&[l0], |b: &[u8]| b.to_vec()));
    assert_eq!(s.error, None);
    assert!(
        s.findings
            .iter()
            .any(|f| f.path.as_deref() == Some("/app/deploy.pem")),
        "{:?}",
        s.findings
    );
}

/// A legacy archive holding two images that share their bottom layer, as
/// `docker save a b` writes it: the shared layer once, under image a's
/// folder, and image b's folder a symlink to it; two manifest entries.
fn legacy_two(shared: &[u8], a: &[u8], b_top: &[u8]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut manifest = Vec::new();
    // v1 folder names differ per image even for the same layer.
    let folder = |img: &str, l: &[u8]| format!("{img}{}/layer.tar", &sha(l)[1..]);
    for (img, tag, top) in [("a", "example/a:1", a), ("b", "example/b:1", b_top)] {
        let layers = [shared, top];
        let diff_ids: Vec<String> = layers
            .iter()
            .map(|l| format!("sha256:{}", sha(l)))
            .collect();
        let cfg = config(&diff_ids, &["ADD base", "COPY top"]);
        let cfg_name = format!("{}.json", sha(&cfg));
        append(&mut b, &cfg_name, &cfg);
        let names: Vec<String> = layers.iter().map(|l| folder(img, l)).collect();
        manifest
            .push(serde_json::json!({ "Config": cfg_name, "RepoTags": [tag], "Layers": names }));
    }
    for (img, l) in [("a", shared), ("a", a), ("b", b_top)] {
        append(&mut b, &folder(img, l), l);
    }
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Symlink);
    h.set_size(0);
    h.set_mode(0o777);
    let link = folder("b", shared);
    let target = format!("../{}", folder("a", shared));
    b.append_link(&mut h, link, target).expect("link");
    append(
        &mut b,
        "manifest.json",
        &serde_json::to_vec(&manifest).expect("json"),
    );
    b.into_inner().expect("finish")
}

#[test]
fn every_image_of_a_multi_image_archive_is_scanned() {
    let shared = layer(&[("etc/deploy.pem", Some(KEY))]);
    let a = layer(&[("app/a.txt", Some(b"fine"))]);
    let b_top = layer(&[(
        "root/.npmrc",
        Some(b"//r/:_authToken=6f2a9c1e-8b7d-4e3f-a5c2-1d9e8f7a6b5c"),
    )]);
    let bytes = legacy_two(&shared, &a, &b_top);
    let scans = scanner().scan_archive(&bytes[..], "two.tar", &ScanControl::default());
    let names: Vec<&str> = scans.iter().map(|s| s.image.as_str()).collect();
    assert_eq!(names, ["example/a:1", "example/b:1"]);
    for s in &scans {
        assert_eq!(s.error, None);
        assert_eq!(s.layers.len(), 2);
        assert!(
            s.findings
                .iter()
                .any(|f| f.path.as_deref() == Some("/etc/deploy.pem") && f.layer_index == Some(0)),
            "the shared layer's key is reported for {}",
            s.image
        );
    }
    assert!(!scans[0]
        .findings
        .iter()
        .any(|f| f.path.as_deref() == Some("/root/.npmrc")));
    assert!(scans[1]
        .findings
        .iter()
        .any(|f| f.path.as_deref() == Some("/root/.npmrc")));
    // The single-image reader still reports the first image only.
    assert_eq!(scan(&bytes).image, "example/a:1");
}

#[test]
fn progress_counts_bytes_and_layers_and_ends_with_done() {
    use std::sync::{Arc, Mutex};
    let l0 = layer(&[("a.txt", Some(&[b'a'; 10_000][..]))]);
    let l1 = layer(&[("b.txt", Some(&[b'b'; 10_000][..]))]);
    let bytes = legacy(&[l0, l1], "example/p:1");
    let seen: Arc<Mutex<Vec<ScanProgress>>> = Arc::default();
    let sink = seen.clone();
    let control = ScanControl::new("example/p:1", move |p| {
        sink.lock().expect("lock").push(p);
    });
    control.set_totals(bytes.len() as u64, 2);
    let (s, _) = scanner().scan_archive_layers(&bytes[..], "x", &[], &control);
    assert_eq!(s.error, None);
    let seen = seen.lock().expect("lock");
    let last = seen.last().expect("reports");
    assert!(last.done);
    // tar stops at the first of its two closing zero blocks.
    assert!(
        last.bytes + 1024 >= bytes.len() as u64 && last.bytes <= bytes.len() as u64,
        "every byte counted: {} of {}",
        last.bytes,
        bytes.len()
    );
    assert_eq!((last.layer, last.layers), (2, 2));
    assert_eq!(seen.iter().filter(|p| p.done).count(), 1);
    let layers: Vec<usize> = seen.iter().map(|p| p.layer).collect();
    assert!(layers.windows(2).all(|w| w[0] <= w[1]), "{layers:?}");
}

#[test]
fn a_cancelled_scan_stops_at_its_next_read_and_says_so() {
    let l0 = layer(&[("app/deploy.pem", Some(KEY))]);
    let bytes = legacy(&[l0], "example/c:1");
    let control = ScanControl::default();
    control.cancel();
    let (s, _) = scanner().scan_archive_layers(&bytes[..], "x", &[], &control);
    assert_eq!(s.error.as_deref(), Some("the scan was cancelled"));
    assert!(s.partial());
    assert_eq!(control.bytes(), 0, "nothing read after the cancel");

    // Cancelled mid-way (inside a gzip layer): the same error, not "corrupt".
    // Incompressible, so the gzip stream is as long as the data.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let noise: Vec<u8> = (0..3 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let big = layer(&[("big.bin", Some(&noise[..]))]);
    let bytes = oci(&[big], gzip);
    let control = ScanControl::new("x", |_| {});
    let stopper = control.clone();
    let reader = CancelAfter {
        inner: &bytes[..],
        left: 64 * 1024,
        control: stopper,
    };
    let (s, _) = scanner().scan_archive_layers(reader, "x", &[], &control);
    assert_eq!(s.error.as_deref(), Some("the scan was cancelled"));
    assert!(control.bytes() < bytes.len() as u64);
}

/// Cancels its control once `left` bytes have passed.
struct CancelAfter<R> {
    inner: R,
    left: usize,
    control: ScanControl,
}

impl<R: std::io::Read> std::io::Read for CancelAfter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let cap = buf.len().min(4096);
        let n = self.inner.read(&mut buf[..cap])?;
        self.left = self.left.saturating_sub(n);
        if self.left == 0 {
            self.control.cancel();
        }
        Ok(n)
    }
}

#[test]
fn links_resolve_inside_the_archive_only() {
    let r = |n: &str, t: &str, sym: bool| archive::resolve_link(n, t, sym);
    assert_eq!(
        r("b1/layer.tar", "../a1/layer.tar", true).as_deref(),
        Some("a1/layer.tar")
    );
    assert_eq!(
        r("b1/layer.tar", "a1/layer.tar", false).as_deref(),
        Some("a1/layer.tar")
    );
    assert_eq!(r("b1/layer.tar", "../../etc/passwd", true), None);
    assert_eq!(
        r("b1/layer.tar", "/a1/./layer.tar", true).as_deref(),
        Some("a1/layer.tar")
    );
}

/// One answer per image: a scan also reports the image's configuration and
/// history (ENV, build steps, user), with the inventory's fingerprints, and
/// shows build steps redacted.
#[test]
fn a_scan_reports_the_configuration_too_with_the_inventorys_fingerprints() {
    let l0 = layer(&[("app/main.py", Some(b"print('hi')\n"))]);
    let diff = format!("sha256:{}", sha(&l0));
    let cfg = serde_json::to_vec(&serde_json::json!({
        "rootfs": { "type": "layers", "diff_ids": [diff] },
        "config": { "Env": [format!("GITHUB_TOKEN={TOKEN}")], "User": "app",
                    "Healthcheck": { "Test": ["CMD", "true"] } },
        "history": [{ "created_by": format!("|1 NPM_TOKEN=npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8 /bin/sh -c echo {TOKEN} > /dev/null") }],
    }))
    .expect("json");
    let cfg_name = format!("{}.json", sha(&cfg));
    let mut b = tar::Builder::new(Vec::new());
    append(&mut b, "aa/layer.tar", &l0);
    append(&mut b, &cfg_name, &cfg);
    let manifest = serde_json::json!([{ "Config": cfg_name, "RepoTags": ["example/cfg:1"], "Layers": ["aa/layer.tar"] }]);
    append(
        &mut b,
        "manifest.json",
        &serde_json::to_vec(&manifest).expect("json"),
    );
    let s = scan(&b.into_inner().expect("tar"));
    assert_eq!(s.error, None);
    let env = s
        .findings
        .iter()
        .find(|f| f.rule == "image.env-secret")
        .expect("ENV secret reported by the scan");
    assert_eq!(env.layer, None);
    let subject = crate::finding::Subject::image(
        &["example/cfg:1".to_string()],
        s.image_id.as_deref(),
        "test",
    );
    assert_eq!(
        env.fingerprint,
        crate::finding::fingerprint(
            "image.env-secret",
            &subject,
            "env:GITHUB_TOKEN",
            Some(&crate::secrets::digest(TOKEN))
        ),
        "the inventory's fingerprint"
    );
    assert!(s.findings.iter().any(|f| f.rule == "image.history-secret"));
    let shown = serde_json::to_string(&s).expect("json");
    assert!(!shown.contains(&TOKEN[4..]), "{shown}");
    assert!(
        !shown.contains("a1B2c3D4e5F6"),
        "build args redacted: {shown}"
    );
    assert!(s.layers[0]
        .created_by
        .contains("NPM_TOKEN=npm_… (40 chars)"));
    assert_eq!(
        s.store_findings().len(),
        0,
        "the inventory merges layer findings only"
    );
    let recorded = s.recorded_findings();
    assert!(
        recorded.iter().any(|f| f.rule == "image.history-secret"),
        "a scan records what it printed: {:?}",
        recorded.iter().map(|f| &f.rule).collect::<Vec<_>>()
    );
    assert!(
        !serde_json::to_string(&recorded.iter().map(|f| &f.evidence).collect::<Vec<_>>())
            .expect("json")
            .contains(&TOKEN[4..])
    );
}

/// Regression (issue 11): names over the limit were skipped without a word.
#[test]
fn entries_with_overlong_names_are_counted_and_shown() {
    let long = format!("app/{}/key.pem", "d".repeat(5000));
    let l0 = layer(&[(long.as_str(), Some(KEY)), ("app/ok.pem", Some(KEY))]);
    let s = scan(&legacy(&[l0], "example/long:1"));
    assert_eq!(s.error, None);
    assert_eq!(s.layer_findings().count(), 1, "the short name is analysed");
    assert_eq!(
        s.not_analysed,
        ["1 entries with names over 4096 bytes were not analysed"]
    );
    assert!(crate::report::scan_table(&s).contains("NOT ANALYSED: 1 entries"));
}

/// Regression (issue 11): a manifest naming a config and a layer the
/// archive lacks gave a complete-looking scan of the one layer there.
#[test]
fn missing_config_and_layer_make_a_partial_scan_naming_them() {
    let l0 = layer(&[("app/deploy.pem", Some(KEY))]);
    let mut b = tar::Builder::new(Vec::new());
    append(&mut b, "aa/layer.tar", &l0);
    let manifest = serde_json::json!([{ "Config": "feed.json", "RepoTags": ["example/gap:1"],
        "Layers": ["aa/layer.tar", "bb/layer.tar"] }]);
    append(
        &mut b,
        "manifest.json",
        &serde_json::to_vec(&manifest).expect("json"),
    );
    let s = scan(&b.into_inner().expect("tar"));
    let err = s.error.as_deref().expect("partial");
    assert!(
        err.contains("image config feed.json") && err.contains("layer bb/layer.tar"),
        "{err}"
    );
    assert_eq!(s.layer_findings().count(), 1, "what was there is kept");
}

/// Regression (issue 11): an oversized manifest was reported as missing.
#[test]
fn an_oversized_manifest_is_reported_as_over_the_limit() {
    let l0 = layer(&[("a.txt", Some(b"x"))]);
    let bytes = legacy(&[l0], "example/big:1");
    let limits = Limits {
        max_json: 64,
        ..Limits::default()
    };
    let s = scan_archive(&bytes, &limits, "big");
    let err = s.error.expect("error");
    assert!(
        err.contains("manifest.json") && err.contains("over the 64-byte limit"),
        "{err}"
    );
}

/// Regression (issue 11): a GNU long-link entry declaring 3 GB (a small
/// sparse file) was read whole into memory. It stops the layer at once.
#[test]
fn an_oversized_long_name_header_is_a_corrupt_layer() {
    let mut l0 = layer(&[("app/deploy.pem", Some(KEY))]);
    // Drop the end-of-archive blocks and add a long-link header of 3 GB
    // followed by only 8 kB of zeros.
    l0.truncate(l0.len() - 1024);
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::GNULongLink);
    h.set_size(3 << 30);
    h.set_path("././@LongLink").expect("path");
    h.set_cksum();
    l0.extend_from_slice(h.as_bytes());
    l0.extend(std::iter::repeat_n(0u8, 8192));
    let mut outer = tar::Builder::new(Vec::new());
    append(&mut outer, "aa/layer.tar", &l0);
    let s = scan(&outer.into_inner().expect("tar"));
    let err = s.error.as_deref().expect("stopped");
    assert!(
        err.contains("GNU long link entry declares 3221225472 bytes"),
        "{err}"
    );
    assert_eq!(s.layer_findings().count(), 1, "the key before it is kept");
}

/// Regression (issue 11): nested OCI indexes (multi-platform images) were
/// not followed at all.
#[test]
fn nested_oci_indexes_are_followed() {
    let l0 = layer(&[("app/deploy.pem", Some(KEY))]);
    let flat = oci(&[l0], |b: &[u8]| b.to_vec());
    // Re-pack: the top index names an inner index that names the manifest.
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    let mut a = tar::Archive::new(&flat[..]);
    for e in a.entries().expect("entries") {
        let mut e = e.expect("entry");
        let name = e.path().expect("path").display().to_string();
        let mut data = Vec::new();
        e.read_to_end(&mut data).expect("read");
        entries.push((name, data));
    }
    let index = entries
        .iter()
        .position(|(n, _)| n == "index.json")
        .expect("index");
    let (_, top) = entries.remove(index);
    let mut inner: serde_json::Value = serde_json::from_slice(&top).expect("json");
    inner["mediaType"] = "application/vnd.oci.image.index.v1+json".into();
    // As in a real multi-platform image: the name is on the outer entry.
    inner["manifests"][0]
        .as_object_mut()
        .expect("descriptor")
        .remove("annotations");
    inner["manifests"]
        .as_array_mut()
        .expect("list")
        .push(serde_json::json!({
            "digest": "sha256:0000000000000000000000000000000000000000000000000000000000000000",
            "platform": { "architecture": "arm64", "os": "linux" }
        }));
    let inner = serde_json::to_vec(&inner).expect("json");
    let outer_index = serde_json::json!({ "schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "digest": format!("sha256:{}", sha(&inner)),
        "annotations": { "io.containerd.image.name": "docker.io/example/multi:1" } }] });
    let mut b = tar::Builder::new(Vec::new());
    for (n, d) in &entries {
        append(&mut b, n, d);
    }
    append(&mut b, &format!("blobs/sha256/{}", sha(&inner)), &inner);
    append(
        &mut b,
        "index.json",
        &serde_json::to_vec(&outer_index).expect("json"),
    );
    let s = scan(&b.into_inner().expect("tar"));
    assert_eq!(
        s.error, None,
        "a platform whose blobs are absent is skipped"
    );
    assert_eq!(s.image, "example/multi:1");
    assert_eq!(s.layer_findings().count(), 1);
}

/// Regression (issue 10): a credential file or a PEM chain over 1 MiB was
/// passed over in silence. Up to a window (4 MiB) they get the key and
/// credential analyzers; beyond it a key-named file is searched for tokens
/// and the scan says it was not searched for keys.
#[test]
fn large_credential_and_key_files_are_analysed_or_counted() {
    let filler = |n: usize| "# padding line of an application config file\n".repeat(n / 46 + 1);
    let env = format!("{}GITHUB_TOKEN={TOKEN}\n", filler(1_200_000));
    let mut chain = filler(2_200_000).into_bytes();
    chain.extend_from_slice(KEY);
    let mut huge = filler(5 << 20).into_bytes();
    huge.extend_from_slice(format!("token={TOKEN}\n").as_bytes());
    let l0 = layer(&[
        ("app/.env", Some(env.as_bytes())),
        ("etc/ssl/private/fullchain-and-key.pem", Some(&chain)),
        ("srv/huge.pem", Some(&huge)),
    ]);
    let s = scan(&legacy(&[l0], "example/large:1"));
    assert_eq!(s.error, None);
    let at = |path: &str| -> Vec<String> {
        s.layer_findings()
            .filter(|f| f.path.as_deref() == Some(path))
            .map(|f| f.finding.rule.clone())
            .collect()
    };
    assert_eq!(
        at("/app/.env"),
        ["image.layer-credential-file"],
        "{:?}",
        s.not_analysed
    );
    assert_eq!(
        at("/etc/ssl/private/fullchain-and-key.pem"),
        ["image.layer-private-key"]
    );
    assert_eq!(
        at("/srv/huge.pem"),
        ["image.layer-secret"],
        "tokens still found"
    );
    assert_eq!(
        s.not_analysed,
        ["1 files named like keys or credentials are over 4 MiB: searched for tokens, not for private keys or certificates"]
    );
}

/// Regression (issue 10): the application's own files inside trees taken
/// for vendor code got the precise rules only, and a packaged config file a
/// later layer rewrote stayed "packaged": a web root's `config.js`, an app
/// under /usr/local/lib and a rewritten /etc/redis/redis.conf now get every
/// rule; the same config as the package wrote it still gets the precise ones.
#[test]
fn own_files_in_vendor_looking_trees_and_rewritten_packaged_files_get_every_rule() {
    let secret = "Zx8rT2pQ9vLm4Kd7Wn3Bc6Hy1Fs5Gj0A";
    let conf = format!("bind 127.0.0.1\npassword = {secret}\n");
    let l0 = layer(&[
        (
            "var/lib/dpkg/info/redis-server.list",
            Some(b"/.\n/etc/redis/redis.conf\n/etc/redis/sentinel.conf\n"),
        ),
        ("etc/redis/redis.conf", Some(b"bind 127.0.0.1\n")),
        ("etc/redis/sentinel.conf", Some(conf.as_bytes())),
    ]);
    let js = format!("window.config = {{ apiKey: \"{secret}\" }};\n");
    let py = format!("DB_PASSWORD = \"{secret}\"\n");
    let l1 = layer(&[
        ("usr/share/nginx/html/config.js", Some(js.as_bytes())),
        ("usr/local/lib/myapp/settings.py", Some(py.as_bytes())),
        ("etc/redis/redis.conf", Some(conf.as_bytes())),
    ]);
    let s = scan(&legacy(&[l0, l1], "example/own:1"));
    assert_eq!(s.error, None);
    let found: Vec<String> = s
        .layer_findings()
        .filter(|f| f.finding.severity >= Severity::Medium)
        .filter_map(|f| f.path.clone())
        .collect();
    for path in [
        "/usr/share/nginx/html/config.js",
        "/usr/local/lib/myapp/settings.py",
        "/etc/redis/redis.conf",
    ] {
        assert!(found.iter().any(|p| p == path), "{path} not in {found:?}");
    }
    assert!(
        !found.iter().any(|p| p == "/etc/redis/sentinel.conf"),
        "as the package wrote it: heuristics off, {found:?}"
    );
}
