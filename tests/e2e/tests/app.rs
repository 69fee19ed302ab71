//! The real Dockward window under Xvfb, driven through tauri-driver and
//! WebKitWebDriver (`make test` starts both). It must show the fixture
//! containers with their severities, filter and sort them, and explain a
//! finding; it saves a screenshot to tests/e2e/screenshots/ for people to look at.

#[path = "../../common/mod.rs"]
mod common;

use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

async fn connect() -> Client {
    let app = std::env::var("DOCKWARD_APP").expect("DOCKWARD_APP: path of the built app binary");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "tauri:options".into(),
        serde_json::json!({ "application": app }),
    );
    ClientBuilder::native()
        .capabilities(caps)
        .connect("http://127.0.0.1:4444")
        .await
        .expect("tauri-driver on 127.0.0.1:4444 (make test starts it)")
}

async fn wait_for(c: &Client, css: &str) -> fantoccini::elements::Element {
    let found = c
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(css))
        .await;
    match found {
        Ok(el) => el,
        Err(e) => {
            if let Ok(png) = c.screenshot().await {
                let _ = std::fs::write(screenshot_path("failure.png"), png);
            }
            panic!("{css} did not appear (see screenshots/failure.png): {e}")
        }
    }
}

/// The text of the element matching `css`, found afresh: when the page
/// re-renders between finding and reading (a refresh after a scan), the
/// stale node is looked up again.
async fn text_at(c: &Client, css: &str) -> String {
    for _ in 0..20 {
        let el = wait_for(c, css).await;
        if let Ok(Some(t)) = el.prop("textContent").await {
            return t.trim().to_string();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css}: no text (the node kept going stale)")
}

/// Whether no element matches `css` within 10 s (it went away).
async fn gone(c: &Client, css: &str) -> bool {
    for _ in 0..40 {
        if c.find(Locator::Css(css)).await.is_err() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    false
}

/// Waits for the element and clicks it.
async fn click(c: &Client, css: &str) {
    wait_for(c, css).await.click().await.expect("click");
}

async fn attr(el: &fantoccini::elements::Element, name: &str) -> String {
    el.attr(name).await.expect("attr").unwrap_or_default()
}

/// The element's text content (WebKitWebDriver's visible-text call returns
/// nothing for some styled elements).
async fn text_of(el: &fantoccini::elements::Element) -> String {
    el.prop("textContent")
        .await
        .expect("textContent")
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn screenshot_path(name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("screenshots")
        .join(name)
}

#[tokio::test]
async fn window_shows_containers_with_severities_and_explains_findings() {
    if !common::engine_available("e2e") {
        return;
    }
    let fx = common::Fixtures::create("e2e");
    let p = fx.prefix.clone();
    let client = connect().await;
    let c = client.clone();
    // Run the steps in a task so the WebDriver session is closed even when an
    // assertion fails (an open session blocks the next run).
    let steps = tokio::spawn(async move {
        let counts = wait_for(&c, "[data-testid=count-critical]").await;
        let critical: u32 = attr(&counts, "data-count").await.parse().expect("a number");
        assert!(
            critical >= 3,
            "overview counts the fixtures' critical findings, got {critical}"
        );
        wait_for(&c, "[data-testid=riskiest] button").await;
        c.screenshot()
            .await
            .map(|png| std::fs::write(screenshot_path("overview.png"), png))
            .expect("screenshot")
            .expect("write");

        click(&c, "[data-testid=nav-containers]").await;
        let privileged = wait_for(&c, &format!("[data-testid='row-{p}-privileged']")).await;
        assert_eq!(attr(&privileged, "data-worst").await, "critical");
        let socket = wait_for(&c, &format!("[data-testid='row-{p}-socket-ro']")).await;
        assert_eq!(attr(&socket, "data-worst").await, "critical");
        let hardened = wait_for(&c, &format!("[data-testid='row-{p}-hardened']")).await;
        assert!(["none", "low"].contains(&attr(&hardened, "data-worst").await.as_str()));
        let score: u32 = privileged
            .find(Locator::Css("td"))
            .await
            .expect("cell")
            .text()
            .await
            .expect("text")
            .trim()
            .parse()
            .expect("score");
        assert!(score >= 70, "privileged container scores {score}");

        // Filter to critical: the hardened control disappears, the privileged one stays.
        let filter = c
            .find(Locator::Css("[data-testid=severity-filter]"))
            .await
            .expect("filter");
        filter.select_by_value("critical").await.expect("select");
        tokio::time::sleep(Duration::from_millis(300)).await;
        let rows = c
            .find_all(Locator::Css(&format!("[data-testid='row-{p}-hardened']")))
            .await
            .expect("find");
        assert!(
            rows.is_empty(),
            "hardened container hidden by the critical filter"
        );
        filter.select_by_value("all").await.expect("select");

        // Search narrows to one container.
        let search = c
            .find(Locator::Css("[data-testid=search]"))
            .await
            .expect("search");
        search.send_keys(&format!("{p}-caps")).await.expect("type");
        tokio::time::sleep(Duration::from_millis(300)).await;
        let shown = c
            .find_all(Locator::Css("tbody tr[data-testid^='row-']"))
            .await
            .expect("rows");
        assert_eq!(shown.len(), 1, "search leaves one row");
        // Clear it as a person would, so the app sees an input event.
        c.execute(
            "const e = document.querySelector('[data-testid=search]'); e.value = ''; e.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![],
        )
        .await
        .expect("clear search");

        // The detail view explains each finding with why and fix.
        click(&c, &format!("[data-testid='open-{p}-privileged']")).await;
        let name_el = wait_for(&c, "[data-testid=detail-name]").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let png = c.screenshot().await.expect("screenshot");
        std::fs::write(screenshot_path("containers.png"), png).expect("write");
        let name = text_of(&name_el).await;
        assert_eq!(name, format!("{p}-privileged"));
        let finding = wait_for(
            &c,
            "[data-testid=finding][data-rule='container.privileged']",
        )
        .await;
        let text = text_of(&finding).await;
        assert!(
            text.contains("Why:") && text.contains("Fix:") && text.contains("--privileged"),
            "{text}"
        );
        wait_for(&c, "[data-testid=score-bar] div").await;

        // Images: scan a layered image; the key deleted in a later layer is
        // reported with the layer that hides it.
        click(&c, "[data-testid=nav-images]").await;
        click(&c, &format!("[data-testid='open-{p}/layers:1']")).await;
        // Before its layers are scanned, the score is the config's alone.
        wait_for(&c, "[data-testid=layers-not-scanned]").await;
        let before: u32 = text_at(&c, "[data-testid=detail-score]")
            .await
            .parse()
            .expect("score");
        click(&c, "[data-testid=scan-layers]").await;
        // Read afresh: the inventory refresh after the scan re-renders the panel.
        let text = text_at(
            &c,
            "[data-testid=layer-finding][data-rule='image.layer-private-key']",
        )
        .await;
        assert!(
            text.contains("/app/deploy.pem") && text.contains("still extractable"),
            "{text}"
        );
        let layers = c
            .find_all(Locator::Css("[data-testid=layer-row]"))
            .await
            .expect("layers");
        assert!(layers.len() >= 6, "{} layers listed", layers.len());
        // The scan feeds the image's score: the note goes, the score rises
        // (a private key in a layer is critical).
        let mut after = before;
        for _ in 0..60 {
            let gone = c
                .find(Locator::Css("[data-testid=layers-not-scanned]"))
                .await
                .is_err();
            after = text_at(&c, "[data-testid=detail-score]")
                .await
                .parse()
                .expect("score");
            if gone && after > before {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        assert!(
            after >= before + 20,
            "score {before} -> {after} after the layer scan"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        let png = c.screenshot().await.expect("screenshot");
        std::fs::write(screenshot_path("image-layers.png"), png).expect("write");

        // Scan all: every image, with a summary at the end.
        click(&c, "[data-testid=nav-images]").await;
        let rows = c
            .find_all(Locator::Css("[data-testid^=row-]"))
            .await
            .expect("rows")
            .len();
        click(&c, "[data-testid=scan-all]").await;
        c.wait()
            .at_most(Duration::from_secs(120))
            .for_element(Locator::Css("[data-testid=scan-all-summary]"))
            .await
            .expect("scan-all summary");
        let summary = text_at(&c, "[data-testid=scan-all-summary]").await;
        assert!(
            summary.starts_with(&format!("{rows} of {rows} images scanned")),
            "{summary} ({rows} rows)"
        );

        // Findings page: suppress the socket mount with a reason, see it
        // under "suppressed", lift it again.
        click(&c, "[data-testid=nav-findings]").await;
        let socket_css = "[data-testid=stored-finding][data-rule='container.docker-socket']";
        let socket = wait_for(&c, socket_css).await;
        let fp = attr(&socket, "data-fingerprint").await;
        socket
            .find(Locator::Css("[data-testid=suppress]"))
            .await
            .expect("suppress button")
            .click()
            .await
            .expect("click");
        let reason = wait_for(&c, "[data-testid=suppress-reason]").await;
        reason
            .send_keys("CI runner needs the socket")
            .await
            .expect("type");
        click(&c, "[data-testid=suppress-save]").await;
        let gone_css = format!("[data-testid=stored-finding][data-fingerprint='{fp}']");
        assert!(
            gone(&c, &gone_css).await,
            "a suppressed finding leaves the open list"
        );
        click(&c, "[data-testid=state-suppressed]").await;
        let row = wait_for(&c, &gone_css).await;
        let note = text_at(&c, "[data-testid=suppressed-note]").await;
        assert!(note.contains("CI runner needs the socket"), "{note}");
        tokio::time::sleep(Duration::from_millis(300)).await;
        let png = c.screenshot().await.expect("screenshot");
        std::fs::write(screenshot_path("findings.png"), png).expect("write");
        row.find(Locator::Css("[data-testid=unsuppress]"))
            .await
            .expect("unsuppress")
            .click()
            .await
            .expect("click");
        assert!(gone(&c, &gone_css).await, "unsuppressed");

        // Export: the command behind the buttons writes a self-contained report
        // (the save dialog itself is the desktop's and is not driven here).
        let out = std::env::temp_dir().join(format!("dockward-e2e-{}.html", std::process::id()));
        let written = c
            .execute_async(
                "const [path, done] = arguments; window.__TAURI_INTERNALS__.invoke('export_report', { format: 'html', path }).then(done, (e) => done('error: ' + JSON.stringify(e)));",
                vec![serde_json::json!(out.display().to_string())],
            )
            .await
            .expect("export");
        assert_eq!(
            written.as_str(),
            Some(out.display().to_string().as_str()),
            "{written}"
        );
        let html = std::fs::read_to_string(&out).expect("report written");
        let _ = std::fs::remove_file(&out);
        assert!(html.starts_with("<!doctype html>") && html.contains("container.docker-socket"));
        assert_eq!(common::leaked(html.as_bytes()), None);

        // History: scans listed, the latest two compared by default.
        click(&c, "[data-testid=nav-history]").await;
        wait_for(&c, "[data-testid=history-table] tbody tr").await;
        let diff = wait_for(&c, "[data-testid=diff-new]").await;
        assert!(attr(&diff, "data-count").await.parse::<u32>().is_ok());
        tokio::time::sleep(Duration::from_millis(300)).await;
        let png = c.screenshot().await.expect("screenshot");
        std::fs::write(screenshot_path("history.png"), png).expect("write");

        // Host: the settings fixture's shares (DOCKWARD_DESKTOP_SETTINGS), the
        // live engine's versions, and the fixtures' socket mount.
        click(&c, "[data-testid=nav-host]").await;
        wait_for(&c, "[data-testid=host-finding]").await;
        let versions = text_at(&c, "[data-testid=versions]").await;
        assert!(
            versions.contains("Engine") && versions.contains("runc"),
            "{versions}"
        );
        let mounts = text_at(&c, "[data-testid=mounts]").await;
        assert!(mounts.contains(&format!("{p}-socket-ro")), "{mounts}");
        if std::env::var_os("DOCKWARD_DESKTOP_SETTINGS").is_some() {
            let shares = c
                .find_all(Locator::Css("[data-testid=share][data-severity=critical]"))
                .await
                .expect("shares");
            assert!(!shares.is_empty(), "the Netskope share is critical");
            let all = text_at(&c, "[data-testid=shares]").await;
            assert!(all.contains("Netskope"), "{all}");
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let png = c.screenshot().await.expect("screenshot");
        std::fs::write(screenshot_path("host.png"), png).expect("write");

        // The CA wizard, from the Host page's link where an agent's folder
        // is shared: a certificate file, a project folder, the preview,
        // apply, the checks, undo.
        if std::env::var_os("DOCKWARD_DESKTOP_SETTINGS").is_some() {
            click(&c, "[data-testid=host-ca-link]").await;
        } else {
            click(&c, "[data-testid=nav-ca]").await;
        }
        wait_for(&c, "[data-testid=ca-page]").await;
        let project = tempfile::tempdir().expect("tmp");
        let dir = project.path();
        std::fs::write(dir.join("Dockerfile"), "FROM node:20\nRUN npm ci\n").expect("write");
        std::fs::write(
            dir.join("compose.yaml"),
            "# the team's file\nservices:\n  web:\n    build: .\n",
        )
        .expect("write");
        let dockerfile_before = std::fs::read(dir.join("Dockerfile")).expect("read");
        let cert = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/certs/netskope-ca.pem")
            .canonicalize()
            .expect("fixture");
        wait_for(&c, "[data-testid=ca-cert-path]")
            .await
            .send_keys(&cert.display().to_string())
            .await
            .expect("type");
        click(&c, "[data-testid=ca-cert-read]").await;
        let chosen = wait_for(&c, "[data-testid=ca-choice]:checked").await;
        assert_eq!(attr(&chosen, "data-sha256").await.len(), 64);
        wait_for(&c, "[data-testid=ca-dir]")
            .await
            .send_keys(&dir.display().to_string())
            .await
            .expect("type");
        click(&c, "[data-testid=ca-preview]").await;
        wait_for(
            &c,
            "[data-testid=ca-change][data-path='compose.override.yaml']",
        )
        .await;
        let changes = c
            .find_all(Locator::Css("[data-testid=ca-change]"))
            .await
            .expect("changes");
        let mut paths = Vec::new();
        for ch in &changes {
            paths.push(attr(ch, "data-path").await);
        }
        assert!(paths.contains(&"Dockerfile".to_string()), "{paths:?}");
        assert!(
            paths.contains(&".certs/netskope-ca.pem".to_string()),
            "{paths:?}"
        );
        let diff = text_at(&c, "[data-testid=ca-diff]").await;
        assert!(
            diff.contains("+RUN --mount=type=secret,id=ca-bundle,required=false"),
            "{diff}"
        );
        assert!(!dir.join(".certs").exists(), "the preview writes nothing");
        tokio::time::sleep(Duration::from_millis(300)).await;
        let png = c.screenshot().await.expect("screenshot");
        std::fs::write(screenshot_path("ca-preview.png"), png).expect("write");
        click(&c, "[data-testid=ca-apply]").await;
        wait_for(&c, "[data-testid=ca-check]").await;
        let checks = c
            .find_all(Locator::Css("[data-testid=ca-check]"))
            .await
            .expect("checks");
        for ch in &checks {
            assert_eq!(attr(ch, "data-ok").await, "true", "{}", text_of(ch).await);
        }
        assert!(dir.join(".certs/netskope-ca.pem").exists());
        let dockerfile = std::fs::read_to_string(dir.join("Dockerfile")).expect("read");
        assert!(
            dockerfile.contains("--mount=type=secret,id=ca-bundle"),
            "{dockerfile}"
        );
        c.execute(
            "document.querySelector('[data-testid=ca-applied]').scrollIntoView()",
            vec![],
        )
        .await
        .expect("scroll");
        tokio::time::sleep(Duration::from_millis(300)).await;
        let png = c.screenshot().await.expect("screenshot");
        std::fs::write(screenshot_path("ca-applied.png"), png).expect("write");
        click(&c, "[data-testid=ca-undo]").await;
        wait_for(&c, "[data-testid=ca-undone]").await;
        assert_eq!(
            std::fs::read(dir.join("Dockerfile")).expect("read"),
            dockerfile_before,
            "undo restores the Dockerfile byte for byte"
        );
        assert!(
            !dir.join(".certs").exists(),
            "undo removes what apply created"
        );

        // The reminder: the scheduler's check at start sent one desktop
        // notification over D-Bus (dunst recorded it); clicking it opens the
        // Stale page. Only where a notification server is on the bus
        // (tests/e2e/desktop/with-notifications.sh).
        let notify_log = std::env::var_os("DOCKWARD_NOTIFY_LOG").map(std::path::PathBuf::from);
        if let Some(log) = &notify_log {
            let mut seen = String::new();
            for _ in 0..120 {
                seen = std::fs::read_to_string(log).unwrap_or_default();
                if !seen.is_empty() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            let line = seen.lines().next().expect("a notification reached dunst");
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.get(1), Some(&"Dockward: Stale images"), "{line}");
            assert!(fields[2].contains("older than 90 days"), "{line}");
            click(&c, "[data-testid=nav-overview]").await;
            let clicked = std::process::Command::new("dunstctl")
                .args(["action", "0"])
                .status()
                .expect("dunstctl");
            assert!(clicked.success());
            wait_for(&c, "[data-testid=stale-page]").await;
        }

        // Stale: the fixture built "2023-01-01" is old, with its fix (not
        // unused: this database's records began minutes ago); a snooze is
        // stored and shown, and can be lifted.
        click(&c, "[data-testid=nav-stale]").await;
        let row = format!("[data-testid=stale-row][data-key='{p}/stale:2023']");
        wait_for(&c, &row).await;
        let rules = c
            .find_all(Locator::Css(&format!("{row} [data-testid=stale-finding]")))
            .await
            .expect("findings");
        let mut ids = Vec::new();
        for f in &rules {
            ids.push(attr(f, "data-rule").await);
        }
        assert!(ids.contains(&"image.stale".to_string()), "{ids:?}");
        click(&c, &format!("{row} button.font-mono")).await;
        let detail = text_at(&c, "[data-testid=stale-detail]").await;
        assert!(detail.contains("docker"), "a concrete fix: {detail}");
        click(&c, &format!("{row} [data-testid=stale-snooze-7]")).await;
        let snoozed = text_at(&c, &format!("{row} [data-testid=stale-snoozed]")).await;
        assert!(snoozed.starts_with("snoozed until"), "{snoozed}");
        tokio::time::sleep(Duration::from_millis(300)).await;
        let png = c.screenshot().await.expect("screenshot");
        std::fs::write(screenshot_path("stale.png"), png).expect("write");
        click(&c, &format!("{row} [data-testid=stale-unsnooze]")).await;
        wait_for(&c, &format!("{row} [data-testid=stale-snooze-1]")).await;

        // Settings: a changed cadence is stored (read back after leaving the
        // page); the tray section says when the scheduler last checked.
        click(&c, "[data-testid=nav-settings]").await;
        let cadence = wait_for(&c, "[data-testid=settings-cadence]").await;
        cadence.clear().await.expect("clear");
        cadence.send_keys("12").await.expect("type");
        click(&c, "[data-testid=settings-save]").await;
        wait_for(&c, "[data-testid=settings-saved]").await;
        click(&c, "[data-testid=nav-overview]").await;
        click(&c, "[data-testid=nav-settings]").await;
        let cadence = wait_for(&c, "[data-testid=settings-cadence]").await;
        assert_eq!(
            cadence.prop("value").await.expect("value").as_deref(),
            Some("12")
        );
        // The check at start has run (the notification above came from
        // it); "Check now" runs another: wait for its time, not the first.
        let mut before = String::new();
        for _ in 0..60 {
            before = text_at(&c, "[data-testid=tray-last-check]").await;
            if before != "—" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        assert_ne!(before, "—", "the scheduler checked at start");
        // Seconds are the clock's resolution: let one pass.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        click(&c, "[data-testid=tray-check-now]").await;
        let mut checked = before.clone();
        for _ in 0..60 {
            checked = text_at(&c, "[data-testid=tray-last-check]").await;
            if checked != before {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        assert_ne!(checked, before, "Check now ran a second check");
        // The tray, as the app set it: created, its dot the worst open
        // severity (the fixtures include a privileged container), its menu
        // with the summary and the stale count.
        let tray = wait_for(&c, "[data-testid=tray-state]").await;
        assert_eq!(attr(&tray, "data-present").await, "true");
        assert_eq!(attr(&tray, "data-severity").await, "critical");
        let items = text_at(&c, "[data-testid=tray-items]").await;
        assert!(
            items.contains("critical") && items.contains("Scan now") && items.contains("Open Dockward"),
            "{items}"
        );
        let count: usize = items
            .split("Stale images (")
            .nth(1)
            .and_then(|rest| rest.split(')').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(count >= 1, "the old fixture is counted: {items}");
        tokio::time::sleep(Duration::from_millis(300)).await;
        let png = c.screenshot().await.expect("screenshot");
        std::fs::write(screenshot_path("settings.png"), png).expect("write");
        if let Some(log) = &notify_log {
            let seen = std::fs::read_to_string(log).unwrap_or_default();
            assert_eq!(
                seen.lines().count(),
                1,
                "no repeat for the same images: {seen}"
            );
        }

        // Projects: a folder's compose file and Dockerfile checked, each
        // finding on its line; a fix previewed (nothing written), applied
        // and undone byte for byte; the planted token shown nowhere.
        click(&c, "[data-testid=nav-projects]").await;
        let proj = tempfile::tempdir().expect("tmp");
        let token = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";
        let compose_text = format!(
            "# team stack\nservices:\n  web:\n    build: .\n    privileged: true\n    environment:\n      GH_TOKEN: {token}\n"
        );
        std::fs::write(proj.path().join("compose.yaml"), &compose_text).expect("write");
        std::fs::write(
            proj.path().join("Dockerfile"),
            "FROM alpine:3.20\nUSER 1000\n",
        )
        .expect("write");
        wait_for(&c, "[data-testid=project-dir]")
            .await
            .send_keys(&proj.path().display().to_string())
            .await
            .expect("type");
        click(&c, "[data-testid=project-check]").await;
        let privileged = wait_for(
            &c,
            "[data-testid=project-finding][data-rule='container.privileged']",
        )
        .await;
        assert_eq!(attr(&privileged, "data-line").await, "5");
        let page = text_at(&c, "[data-testid=projects-page]").await;
        assert!(!page.contains(&token[8..]), "the token is not shown");
        click(
            &c,
            "[data-testid=project-finding][data-rule='container.privileged'] [data-testid=project-fix]",
        )
        .await;
        let diff = text_at(&c, "[data-testid=project-diff]").await;
        assert!(diff.contains("+    privileged: false"), "{diff}");
        assert!(!diff.contains(&token[8..]), "the diff redacts: {diff}");
        assert_eq!(
            std::fs::read_to_string(proj.path().join("compose.yaml")).expect("read"),
            compose_text,
            "the preview writes nothing"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        let png = c.screenshot().await.expect("screenshot");
        std::fs::write(screenshot_path("projects.png"), png).expect("write");
        click(&c, "[data-testid=project-apply]").await;
        wait_for(&c, "[data-testid=project-applied]").await;
        assert!(std::fs::read_to_string(proj.path().join("compose.yaml"))
            .expect("read")
            .contains("privileged: false"));
        assert!(
            gone(
                &c,
                "[data-testid=project-finding][data-rule='container.privileged']"
            )
            .await
        );
        click(&c, "[data-testid=project-undo]").await;
        wait_for(&c, "[data-testid=project-undone]").await;
        assert_eq!(
            std::fs::read_to_string(proj.path().join("compose.yaml")).expect("read"),
            compose_text,
            "undo restores every byte"
        );

        // Overview now has history: the trend chart is drawn.
        click(&c, "[data-testid=nav-overview]").await;
        let chart = wait_for(&c, "[data-testid=trend-chart] canvas").await;
        drop(chart);
        assert!(
            c.find(Locator::Css("[data-testid=fatal]")).await.is_err(),
            "no internal error shown"
        );
    });
    let outcome = steps.await;
    let _ = client.close().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
