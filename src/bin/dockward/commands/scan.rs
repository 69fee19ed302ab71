//! `dockward scan`: images from the engine, every local image, or a
//! `docker save` file; each recorded as a layer scan.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use super::{catalogue, fail_on_exit, print, recording_store};
use crate::cli::{FailOn, Recording, ScanFormat};
use dockward::engine::Engine;
use dockward::layers::{self, ImageScan, Limits, ScanControl};
use dockward::{explain, report};

pub async fn run(
    images: Vec<String>,
    all: bool,
    archive: Option<PathBuf>,
    format: ScanFormat,
    recording: &Recording,
    fail_on: FailOn,
) -> anyhow::Result<ExitCode> {
    let limits = Limits::default();
    let store = recording_store(recording).await?;
    let mut scans: Vec<ImageScan> = Vec::new();
    if let Some(path) = archive {
        let control = progress_line(&path.display().to_string());
        scans = layers::scan_archive_file(&path, store.as_ref(), &limits, &control)
            .await
            .with_context(|| format!("cannot scan {}", path.display()))?;
    } else {
        let engine = Engine::connect_default().await?;
        let names = if all {
            engine.image_names().await?
        } else if images.is_empty() {
            anyhow::bail!("name images to scan, or use --all or --archive FILE");
        } else {
            images
        };
        for name in names {
            let control = progress_line(&name);
            let scan = layers::scan_and_record(&engine, store.as_ref(), &name, &limits, &control)
                .await
                .with_context(|| format!("cannot scan {name}"))?;
            scans.push(scan);
        }
    }
    if let Some(s) = store {
        s.close().await;
    }
    let only: Vec<&ImageScan> = scans.iter().collect();
    match format {
        ScanFormat::Json if only.len() == 1 => print(&(report::json(only[0])? + "\n"))?,
        ScanFormat::Json => print(&(report::json(&only)? + "\n"))?,
        ScanFormat::Sarif => print(&(report::sarif::scans(&only, catalogue()?)? + "\n"))?,
        ScanFormat::Table => {
            for s in &only {
                print(&report::scan_table(s))?;
            }
        }
    }
    if only.iter().any(|s| s.partial()) {
        return Ok(ExitCode::from(2));
    }
    Ok(fail_on_exit(explain::fails(
        fail_on.fail_on,
        only.iter()
            .flat_map(|s| s.findings.iter().map(|f| &f.finding)),
    )))
}

/// Progress on stderr while a layer scan runs, when stderr is a terminal.
fn progress_line(image: &str) -> ScanControl {
    if !std::io::stderr().is_terminal() {
        return ScanControl::default();
    }
    ScanControl::new(image, |p| {
        let mut err = std::io::stderr();
        if p.done {
            let _ = write!(err, "\r\x1b[2K");
        } else {
            let _ = write!(
                err,
                "\r\x1b[2Kscanning {}: layer {}/{}, {} MB",
                report::terminal_safe(&p.image),
                p.layer,
                p.layers,
                p.bytes >> 20
            );
        }
        let _ = err.flush();
    })
}
