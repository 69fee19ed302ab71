//! The `dockward` command: a thin shell over the core library. Only here do
//! errors become exit codes: 0 fine, 1 `--fail-on` met, 2 an error.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use dockward::engine::Engine;
use dockward::report::history::ReportFormat;
use dockward::rules::Policy;
use dockward::store::Store;
use dockward::{inventory, report, Severity};

#[derive(Parser)]
#[command(
    name = "dockward",
    version,
    about = "Security dashboard for the local Docker engine"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
}

/// Options every command that scans shares.
#[derive(clap::Args)]
struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Database file (default: the OS data folder, or $DOCKWARD_DB).
    #[arg(long, env = "DOCKWARD_DB")]
    db: Option<PathBuf>,
    /// Do not record this run in the database.
    #[arg(long)]
    no_db: bool,
    /// Exit 1 when any finding is at least this severe.
    #[arg(long, value_parser = parse_severity)]
    fail_on: Option<Severity>,
}

#[derive(Subcommand)]
enum Command {
    /// List every image and container with its risk score and findings.
    Inventory {
        #[command(flatten)]
        out: OutputArgs,
        /// Images older than this many days are stale.
        #[arg(long, default_value_t = 90)]
        stale_days: u32,
        /// Show every finding with its fix (table format).
        #[arg(long)]
        details: bool,
    },
    /// Scan image layers (deleted and overwritten files too) for secrets and keys.
    Scan {
        /// Images to scan (names or IDs).
        images: Vec<String>,
        /// Scan every local image.
        #[arg(long, conflicts_with_all = ["images", "archive"])]
        all: bool,
        /// Scan a `docker save` archive instead of the engine.
        #[arg(long, conflicts_with = "images")]
        archive: Option<PathBuf>,
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Check the host: Docker Desktop's File sharing and security settings,
    /// DOCKER_HOST, engine versions with known advisories, containers' mounts.
    Host {
        /// Docker Desktop settings file to read instead of the usual location.
        #[arg(long, env = "DOCKWARD_DESKTOP_SETTINGS")]
        settings: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TextFormat::Table)]
        format: TextFormat,
        /// Database file (default: the OS data folder, or $DOCKWARD_DB).
        #[arg(long, env = "DOCKWARD_DB")]
        db: Option<PathBuf>,
        /// Do not record this run in the database.
        #[arg(long)]
        no_db: bool,
        /// Exit 1 when any finding is at least this severe.
        #[arg(long, value_parser = parse_severity)]
        fail_on: Option<Severity>,
    },
    /// Scans recorded in the database, newest first, with their counts.
    History {
        /// Only scans started on or after this date (YYYY-MM-DD or RFC 3339).
        #[arg(long)]
        since: Option<String>,
        /// At most this many scans.
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[command(flatten)]
        db: DbArgs,
    },
    /// What changed between two scans: new, resolved and reopened findings
    /// (default: the latest complete scan and the one of its kind before it).
    Diff {
        /// The earlier scan id.
        from: Option<i64>,
        /// The later scan id.
        to: Option<i64>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Findings recorded in the database.
    Findings {
        /// new, open (new and reopened included), resolved, suppressed, reopened.
        #[arg(long, value_parser = parse_state)]
        state: Option<dockward::store::FindingState>,
        /// Only findings at least this severe.
        #[arg(long, value_parser = parse_severity)]
        severity: Option<Severity>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
        /// Database file (default: the OS data folder, or $DOCKWARD_DB).
        #[arg(long, env = "DOCKWARD_DB")]
        db: Option<PathBuf>,
    },
    /// Accept a finding: it stops counting as open until the date, if any.
    Suppress {
        /// Fingerprint, or a unique prefix of at least 6 characters.
        fingerprint: String,
        /// Why it is accepted (kept with the suppression).
        #[arg(long)]
        reason: String,
        /// Until this date (YYYY-MM-DD or RFC 3339); then it is open again.
        #[arg(long)]
        until: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Lift a suppression.
    Unsuppress {
        /// Fingerprint, or a unique prefix of at least 6 characters.
        fingerprint: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Write a report of the overview, the trend and every open finding with its fix.
    Report {
        /// html (self-contained), json, sarif or csv.
        #[arg(long, value_parser = parse_report_format)]
        format: ReportFormat,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
        /// Database file (default: the OS data folder, or $DOCKWARD_DB).
        #[arg(long, env = "DOCKWARD_DB")]
        db: Option<PathBuf>,
    },
    /// Remove history older than the retention (suppressions are kept).
    Cleanup {
        /// Set the retention first (days; the default is 365).
        #[arg(long)]
        retention_days: Option<i64>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Inspect the rule sets.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Compile every rule and run its examples and negative examples.
    Check,
    /// List the rule catalogue.
    List,
}

/// The database and the output format of history commands.
#[derive(clap::Args)]
struct DbArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = TextFormat::Table)]
    format: TextFormat,
    /// Database file (default: the OS data folder, or $DOCKWARD_DB).
    #[arg(long, env = "DOCKWARD_DB")]
    db: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TextFormat {
    Table,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ListFormat {
    Table,
    Json,
    Csv,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
}

/// html (self-contained), json, sarif or csv.
fn parse_report_format(s: &str) -> Result<ReportFormat, String> {
    match s {
        "html" => Ok(ReportFormat::Html),
        "json" => Ok(ReportFormat::Json),
        "sarif" => Ok(ReportFormat::Sarif),
        "csv" => Ok(ReportFormat::Csv),
        other => Err(format!(
            "unknown report format `{other}` (html, json, sarif, csv)"
        )),
    }
}

fn parse_state(s: &str) -> Result<dockward::store::FindingState, String> {
    s.parse()
        .map_err(|_| format!("unknown state `{s}` (new, open, resolved, suppressed, reopened)"))
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    Severity::parse(s)
        .ok_or_else(|| format!("unknown severity `{s}` (critical, high, medium, low, info)"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Inventory {
            out,
            stale_days,
            details,
        } => {
            let OutputArgs {
                format,
                db,
                no_db,
                fail_on,
            } = out;
            let store = open_store(db, no_db).await?;
            let engine = Engine::connect_default().await.map_err(|e| e.to_string())?;
            let policy = Policy {
                stale_after_days: stale_days,
                ..Policy::now()
            };
            let result = inventory::run(&engine, store.as_ref(), &policy).await;
            if let Some(s) = store {
                s.close().await;
            }
            let report = result.map_err(|e| e.to_string())?;
            match format {
                Format::Json => println!("{}", report::json(&report).map_err(|e| e.to_string())?),
                Format::Sarif => println!(
                    "{}",
                    report::inventory_sarif(&report).map_err(|e| e.to_string())?
                ),
                Format::Table => print!("{}", report::table(&report, details)),
            }
            let failed = fail_on.is_some_and(|min| {
                report
                    .all_findings()
                    .any(|f| f.suppressed_reason.is_none() && f.severity >= min)
            });
            Ok(if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Scan {
            images,
            all,
            archive,
            out,
        } => scan(images, all, archive, out).await,
        Command::Host {
            settings,
            format,
            db,
            no_db,
            fail_on,
        } => {
            let store = open_store(db, no_db).await?;
            // The host check goes on without an engine (settings only).
            let engine = Engine::connect_default().await.ok();
            let env = dockward::host::settings::HostEnv::from_process();
            let result =
                dockward::host::run(&env, settings.as_deref(), engine.as_ref(), store.as_ref())
                    .await;
            if let Some(s) = store {
                s.close().await;
            }
            let r = result.map_err(|e| e.to_string())?;
            emit(format, &r, || report::host::host_table(&r))?;
            let failed = fail_on.is_some_and(|min| {
                r.findings
                    .iter()
                    .any(|f| f.suppressed_reason.is_none() && f.severity >= min)
            });
            Ok(if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::History { since, limit, db } => {
            let store = open_store(db.db, false).await?.ok_or("no database")?;
            let scans = store
                .history(since.as_deref(), limit)
                .await
                .map_err(|e| e.to_string())?;
            emit(db.format, &scans, || report::history::history_table(&scans))
        }
        Command::Diff { from, to, db } => {
            let store = open_store(db.db, false).await?.ok_or("no database")?;
            let diff = store.diff(from, to).await.map_err(|e| e.to_string())?;
            emit(db.format, &diff, || report::history::diff_table(&diff))
        }
        Command::Findings {
            state,
            severity,
            format,
            db,
        } => {
            let store = open_store(db, false).await?.ok_or("no database")?;
            let rows = store
                .findings(&dockward::store::FindingFilter {
                    state,
                    min_severity: severity,
                })
                .await
                .map_err(|e| e.to_string())?;
            match format {
                ListFormat::Table => print!("{}", report::history::findings_table(&rows)),
                ListFormat::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&rows).map_err(|e| e.to_string())?
                ),
                ListFormat::Csv => print!("{}", report::history::findings_csv(&rows)),
                ListFormat::Sarif => println!(
                    "{}",
                    report::history::findings_sarif(&rows).map_err(|e| e.to_string())?
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Suppress {
            fingerprint,
            reason,
            until,
            db,
        } => {
            let store = open_store(db.db, false).await?.ok_or("no database")?;
            let fp = store
                .suppress(&fingerprint, &reason, until.as_deref())
                .await
                .map_err(|e| e.to_string())?;
            let out =
                serde_json::json!({ "suppressed": fp, "reason": reason.trim(), "until": until });
            emit(db.format, &out, || format!("suppressed {fp}\n"))
        }
        Command::Unsuppress { fingerprint, db } => {
            let store = open_store(db.db, false).await?.ok_or("no database")?;
            let fp = store
                .unsuppress(&fingerprint)
                .await
                .map_err(|e| e.to_string())?;
            let out = serde_json::json!({ "unsuppressed": fp });
            emit(db.format, &out, || format!("unsuppressed {fp}\n"))
        }
        Command::Report { format, out, db } => {
            use dockward::report::history as h;
            let store = open_store(db, false).await?.ok_or("no database")?;
            let data = h::report_data(&store).await.map_err(|e| e.to_string())?;
            let text = h::render(&data, format).map_err(|e| e.to_string())?;
            h::write_atomically(&out, text.as_bytes()).map_err(|e| e.to_string())?;
            eprintln!("wrote {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Cleanup { retention_days, db } => {
            let store = open_store(db.db, false).await?.ok_or("no database")?;
            if let Some(days) = retention_days {
                store
                    .set_retention_days(days)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            let r = store
                .cleanup(time::OffsetDateTime::now_utc())
                .await
                .map_err(|e| e.to_string())?;
            emit(db.format, &r, || {
                format!(
                    "kept {} days: removed {} scans and {} resolved findings; suppressions kept\n",
                    r.retention_days, r.scans_removed, r.findings_removed
                )
            })
        }
        Command::Rules {
            command: RulesCommand::Check,
        } => {
            let scanner = dockward::secrets::builtin().map_err(|e| e.to_string())?;
            let catalogue = dockward::rules::builtin().map_err(|e| e.to_string())?;
            let failures = scanner.check_examples();
            for f in &failures {
                println!("FAIL {f}");
            }
            println!(
                "{} secret rules (version {}), {} catalogue rules: {}",
                scanner.rules().len(),
                scanner.version,
                catalogue.rules().len(),
                if failures.is_empty() {
                    "all examples pass"
                } else {
                    "examples fail"
                }
            );
            Ok(if failures.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Rules {
            command: RulesCommand::List,
        } => {
            let catalogue = dockward::rules::builtin().map_err(|e| e.to_string())?;
            for r in catalogue.rules() {
                println!("{:<38} {:<8} {}", r.id, r.severity, r.title);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn open_store(db: Option<PathBuf>, no_db: bool) -> Result<Option<Store>, String> {
    if no_db {
        return Ok(None);
    }
    let path = db
        .or_else(Store::default_path)
        .ok_or("no data folder for the database; pass --db PATH or --no-db")?;
    Store::open(&path)
        .await
        .map(Some)
        .map_err(|e| e.to_string())
}

async fn scan(
    images: Vec<String>,
    all: bool,
    archive: Option<PathBuf>,
    out: OutputArgs,
) -> Result<ExitCode, String> {
    let OutputArgs {
        format,
        db,
        no_db,
        fail_on,
    } = out;
    use dockward::layers::{self, Limits};

    let limits = Limits::default();
    let store = open_store(db, no_db).await?;
    let mut scans = Vec::new();
    if let Some(path) = archive {
        let file = std::fs::File::open(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let scanner = dockward::secrets::builtin().map_err(|e| e.to_string())?;
        let registry = layers::analyzers::Registry::builtin(scanner);
        let name = path.display().to_string();
        // Every image in the archive (a `docker save` of several shares layers).
        let found = tokio::task::spawn_blocking(move || {
            layers::scan_archive_all(std::io::BufReader::new(file), &limits, &registry, &name)
        })
        .await
        .map_err(|e| e.to_string())?;
        for scan in found {
            scans.push((format!("archive:{}", path.display()), scan));
        }
    } else {
        let engine = Engine::connect_default().await.map_err(|e| e.to_string())?;
        let names = if all {
            engine.image_names().await.map_err(|e| e.to_string())?
        } else if images.is_empty() {
            return Err("name images to scan, or use --all or --archive FILE".into());
        } else {
            images
        };
        for name in names {
            let control = progress_line(&name);
            let scan = layers::scan_image(&engine, store.as_ref(), &name, &limits, &control)
                .await
                .map_err(|e| e.to_string())?;
            scans.push((engine.info().endpoint.clone(), scan));
        }
    }
    if let Some(store) = &store {
        for (source, scan) in &scans {
            layers::record(store, source, scan)
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    if let Some(s) = store {
        s.close().await;
    }
    let only: Vec<&layers::ImageScan> = scans.iter().map(|(_, s)| s).collect();
    match format {
        Format::Json if only.len() == 1 => {
            println!(
                "{}",
                serde_json::to_string_pretty(only[0]).map_err(|e| e.to_string())?
            )
        }
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&only).map_err(|e| e.to_string())?
        ),
        Format::Sarif => println!("{}", report::scan_sarif(&only).map_err(|e| e.to_string())?),
        Format::Table => {
            for s in &only {
                print!("{}", report::scan_table(s));
            }
        }
    }
    let partial = only.iter().any(|s| s.partial());
    let failed = fail_on.is_some_and(|min| {
        only.iter()
            .any(|s| s.findings.iter().any(|f| f.severity >= min))
    });
    Ok(if partial {
        ExitCode::from(2)
    } else if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Progress on stderr while a layer scan runs, when stderr is a terminal.
fn progress_line(image: &str) -> dockward::layers::ScanControl {
    use std::io::{IsTerminal, Write};
    if !std::io::stderr().is_terminal() {
        return dockward::layers::ScanControl::default();
    }
    dockward::layers::ScanControl::new(image, |p| {
        let mut err = std::io::stderr();
        if p.done {
            let _ = write!(err, "\r\x1b[2K");
        } else {
            let _ = write!(
                err,
                "\r\x1b[2Kscanning {}: layer {}/{}, {} MB",
                p.image,
                p.layer,
                p.layers,
                p.bytes >> 20
            );
        }
        let _ = err.flush();
    })
}

/// Prints `value` as JSON, or the table `table` makes.
fn emit<T: serde::Serialize>(
    format: TextFormat,
    value: &T,
    table: impl FnOnce() -> String,
) -> Result<ExitCode, String> {
    match format {
        TextFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(value).map_err(|e| e.to_string())?
        ),
        TextFormat::Table => print!("{}", table()),
    }
    Ok(ExitCode::SUCCESS)
}
