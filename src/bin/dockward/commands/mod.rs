//! One file per command (or group of commands), each `run`ning the core and
//! printing what it returns. Shared here: opening the database, printing.

mod ca;
mod check;
mod history;
mod host;
mod inventory;
mod report;
mod rules;
mod scan;
mod stale;
mod suppress;

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::{Cli, Command, Db, Recording, TextFormat};
use dockward::store::Store;

/// Runs the command the user asked for.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Inventory {
            format,
            recording,
            fail_on,
            stale_days,
            details,
        } => inventory::run(format, &recording, fail_on, stale_days, details).await,
        Command::Scan {
            images,
            all,
            archive,
            format,
            recording,
            fail_on,
        } => scan::run(images, all, archive, format, &recording, fail_on).await,
        Command::Host {
            settings,
            format,
            recording,
            fail_on,
        } => host::run(settings, format, &recording, fail_on).await,
        Command::Stale {
            max_age,
            check_upstream,
            unused_days,
            format,
            recording,
            fail_on,
        } => {
            let flags = stale::Flags {
                max_age,
                unused_days,
                check_upstream,
            };
            stale::run(flags, format, &recording, fail_on).await
        }
        Command::Check {
            dir,
            format,
            fix,
            yes,
            undo,
            recording,
            fail_on,
        } => {
            check::run(
                &dir,
                format,
                check::Action { fix, yes, undo },
                &recording,
                fail_on,
            )
            .await
        }
        Command::History {
            since,
            limit,
            format,
            db,
        } => history::history(since, limit, format, &db).await,
        Command::Diff {
            from,
            to,
            format,
            db,
        } => history::diff(from, to, format, &db).await,
        Command::Findings {
            state,
            severity,
            format,
            db,
        } => history::findings(state, severity, format, &db).await,
        Command::Suppress {
            fingerprint,
            reason,
            until,
            format,
            db,
        } => suppress::suppress(&fingerprint, &reason, until, format, &db).await,
        Command::Unsuppress {
            fingerprint,
            format,
            db,
        } => suppress::unsuppress(&fingerprint, format, &db).await,
        Command::Report { format, out, db } => report::report(format, &out, &db).await,
        Command::Cleanup {
            retention_days,
            format,
            db,
        } => report::cleanup(retention_days, format, &db).await,
        Command::Rules { command } => rules::run(command),
        Command::Ca { command } => ca::run(command).await,
    }
}

/// Opens the database the user chose, or the default one.
async fn open_store(db: &Db) -> anyhow::Result<Store> {
    let path = db
        .db
        .clone()
        .or_else(Store::default_path)
        .context("no data folder for the database; pass --db PATH")?;
    Store::open(&path)
        .await
        .with_context(|| format!("cannot use the database {}", path.display()))
}

/// The database to record in, or none with `--no-db`.
async fn recording_store(r: &Recording) -> anyhow::Result<Option<Store>> {
    if r.no_db {
        return Ok(None);
    }
    open_store(&r.db).await.map(Some)
}

/// Writes to stdout; a closed pipe (`dockward … | head`) ends the output
/// quietly instead of panicking.
fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write the output"),
    }
}

/// Prints `value` as JSON, or the table `table` makes.
fn emit<T: serde::Serialize>(
    format: TextFormat,
    value: &T,
    table: impl FnOnce() -> String,
) -> anyhow::Result<ExitCode> {
    match format {
        TextFormat::Json => print(&(dockward::report::json(value)? + "\n"))?,
        TextFormat::Table => print(&table())?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Exit 1 when `--fail-on` is met, else 0.
fn fail_on_exit(failed: bool) -> ExitCode {
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The built-in rule catalogue (a build defect if it does not load).
fn catalogue() -> anyhow::Result<&'static dockward::rules::Catalogue> {
    dockward::rules::builtin().map_err(|e| anyhow::anyhow!("{e}"))
}
