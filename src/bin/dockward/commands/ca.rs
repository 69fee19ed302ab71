//! `dockward ca detect|plan|apply|verify|undo`: the CA setup wizard on the
//! command line. `plan` only prints; `apply` shows the same preview and
//! writes after a yes (or `--yes`); `undo` restores the last apply.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::{open_store, print};
use crate::cli::{CaCommand, TextFormat};
use dockward::ca::certificate::{self, CaCertificate};
use dockward::ca::detect::{detect, DetectEnv};
use dockward::edit::Plan;
use dockward::report::terminal_safe_text as terminal_safe;

fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn describe(c: &CaCertificate) -> String {
    let mut s = format!(
        "  {}\n    issuer {}\n    valid {} to {}\n    SHA-256 {}\n",
        c.subject,
        c.issuer,
        c.not_before.get(..10).unwrap_or(&c.not_before),
        c.not_after.get(..10).unwrap_or(&c.not_after),
        c.sha256
    );
    if let Some(v) = &c.vendor {
        s.push_str(&format!("    TLS inspection: {v}\n"));
    }
    for w in &c.warnings {
        s.push_str(&format!("    warning: {w}\n"));
    }
    s
}

/// The certificates to use: those of `--cert`, else the unambiguous one.
fn chosen(cert: Option<&Path>) -> anyhow::Result<Vec<CaCertificate>> {
    if let Some(path) = cert {
        let certs = certificate::read(path, now_unix())?;
        return Ok(certificate::corporate(certs, &path.display().to_string())?);
    }
    let found = detect(&DetectEnv::from_process());
    match found.choice {
        Some(c) => Ok(vec![c]),
        None if found.offered.is_empty() => anyhow::bail!(
            "no corporate CA found in the CA variables, TLS-inspection agents' files or the system store; give one with --cert FILE"
        ),
        None => anyhow::bail!(
            "{} CA certificates found and none stands out; choose one with --cert FILE (see `dockward ca detect`)",
            found.offered.len()
        ),
    }
}

pub(super) fn show_plan(plan: &Plan) -> String {
    let mut out = format!("{}\nin {}\n\n", plan.title, plan.root);
    if plan.is_empty() {
        out.push_str("Nothing to change: the project already has this setup.\n");
    } else {
        for c in &plan.changes {
            let verb = if c.before.is_none() {
                "create"
            } else {
                "change"
            };
            out.push_str(&format!("  {verb} {:<32} {}\n", c.path, c.why));
        }
        out.push('\n');
        out.push_str(&plan.diff());
    }
    for n in &plan.notes {
        out.push_str(&format!("\nnote: {n}"));
    }
    if !plan.notes.is_empty() {
        out.push('\n');
    }
    terminal_safe(&out)
}

pub(super) fn confirm() -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("apply asks before it writes; run it in a terminal or pass --yes after reading `dockward ca plan`");
    }
    eprint!("Apply these changes? [y/N] ");
    std::io::stderr().flush().ok();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

pub async fn run(command: CaCommand) -> anyhow::Result<ExitCode> {
    match command {
        CaCommand::Detect { format } => {
            let found = detect(&DetectEnv::from_process());
            if format == TextFormat::Json {
                print(&format!("{}\n", serde_json::to_string_pretty(&found)?))?;
                return Ok(ExitCode::SUCCESS);
            }
            let mut out = String::new();
            for c in &found.candidates {
                let at = c.path.as_deref().unwrap_or("");
                match &c.problem {
                    Some(p) => out.push_str(&format!("{} {at}: not used: {p}\n", c.source)),
                    None => out.push_str(&format!(
                        "{} {at}: {} CA certificate(s){}\n",
                        c.source,
                        c.certificates.len(),
                        if c.public_roots > 0 {
                            format!(" (and {} public roots left out)", c.public_roots)
                        } else {
                            String::new()
                        }
                    )),
                }
            }
            if found.offered.is_empty() {
                out.push_str(
                    "No corporate CA found. Give one to `dockward ca plan DIR --cert FILE`.\n",
                );
            } else {
                out.push_str("\nOn offer:\n");
                for c in &found.offered {
                    out.push_str(&describe(c));
                }
                match &found.choice {
                    Some(c) => out.push_str(&format!("\nChosen: {}\n", c.subject)),
                    None => out.push_str("\nSeveral candidates: choose with --cert FILE.\n"),
                }
            }
            print(&terminal_safe(&out))?;
            Ok(ExitCode::SUCCESS)
        }
        CaCommand::Plan { dir, cert, format } => {
            let plan = dockward::ca::project::plan(&dir, &chosen(cert.as_deref())?)?;
            if format == TextFormat::Json {
                print(&format!("{}\n", serde_json::to_string_pretty(&plan)?))?;
            } else {
                print(&show_plan(&plan))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        CaCommand::Apply { dir, cert, yes, db } => {
            let plan = dockward::ca::project::plan(&dir, &chosen(cert.as_deref())?)?;
            print(&show_plan(&plan))?;
            if plan.is_empty() {
                return Ok(ExitCode::SUCCESS);
            }
            if !yes && !confirm()? {
                print("Nothing written.\n")?;
                return Ok(ExitCode::SUCCESS);
            }
            let store = open_store(&db).await?;
            let out = dockward::edit::apply::apply(&plan, &store)
                .await
                .context("the change was not applied")?;
            print(&terminal_safe(&format!(
                "Applied ({} files). `dockward ca undo {}` restores them.\n",
                out.files.len(),
                dir.display()
            )))?;
            Ok(ExitCode::SUCCESS)
        }
        CaCommand::Verify {
            dir,
            format,
            images,
        } => verify(&dir, format, &images).await,
        CaCommand::Undo { dir, db } => {
            let store = open_store(&db).await?;
            let out = dockward::edit::apply::undo(&store, &dir).await?;
            print(&terminal_safe(&format!(
                "Undone: {} restored, {} removed.\n",
                out.files.len(),
                out.removed.len()
            )))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn verify(dir: &Path, format: TextFormat, images: &[String]) -> anyhow::Result<ExitCode> {
    let (mut checks, cas) = dockward::ca::verify::verify_project(dir, now_unix())?;
    // Unnamed, the images are those Compose built from the project.
    let images = if images.is_empty() {
        match dockward::ca::verify::project_images(dir).await {
            Ok(found) => found,
            Err(e) => {
                eprintln!(
                    "{}",
                    terminal_safe(&format!("note: images not checked: {e}"))
                );
                vec![]
            }
        }
    } else {
        images.to_vec()
    };
    if !images.is_empty() {
        checks.extend(dockward::ca::verify::verify_images(&images, &cas).await?);
    }
    let ok = checks.iter().all(|c| c.ok);
    if format == TextFormat::Json {
        print(&format!("{}\n", serde_json::to_string_pretty(&checks)?))?;
    } else {
        let out: String = checks
            .iter()
            .map(|c| {
                format!(
                    "{} {:<36} {}\n",
                    if c.ok { "ok  " } else { "FAIL" },
                    c.what,
                    c.detail
                )
            })
            .collect();
        print(&terminal_safe(&out))?;
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
