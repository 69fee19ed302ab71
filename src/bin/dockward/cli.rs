//! The command line, declared once: commands, their arguments, and the
//! argument groups several commands share.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use dockward::report::export::ReportFormat;
use dockward::store::FindingState;
use dockward::Severity;

#[derive(Parser)]
#[command(
    name = "dockward",
    version,
    about = "Security dashboard for the local Docker engine"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The database this run uses, if any (for recording a stop by signal).
    pub fn database(&self) -> Option<PathBuf> {
        let db = match &self.command {
            Command::Inventory { recording, .. }
            | Command::Scan { recording, .. }
            | Command::Host { recording, .. }
            | Command::Stale { recording, .. }
            | Command::Check { recording, .. } => {
                if recording.no_db {
                    return None;
                }
                &recording.db
            }
            Command::History { db, .. }
            | Command::Diff { db, .. }
            | Command::Findings { db, .. }
            | Command::Suppress { db, .. }
            | Command::Unsuppress { db, .. }
            | Command::Report { db, .. }
            | Command::Cleanup { db, .. } => db,
            Command::Rules { .. } | Command::Ca { .. } => return None,
        };
        db.db.clone().or_else(dockward::store::Store::default_path)
    }
}

/// Which database, shared by every command that reads or records history.
#[derive(clap::Args, Clone)]
pub struct Db {
    /// Database file (default: the OS data folder, or $DOCKWARD_DB).
    #[arg(long, env = "DOCKWARD_DB")]
    pub db: Option<PathBuf>,
}

/// A database to record in, or none (`--no-db`), for commands that scan.
#[derive(clap::Args, Clone)]
pub struct Recording {
    #[command(flatten)]
    pub db: Db,
    /// Do not record this run in the database.
    #[arg(long)]
    pub no_db: bool,
}

/// When a scanning command exits 1.
#[derive(clap::Args, Clone, Copy)]
pub struct FailOn {
    /// Exit 1 when any finding not suppressed is at least this severe.
    #[arg(long, value_parser = parse_severity)]
    pub fail_on: Option<Severity>,
}

/// Table, JSON or SARIF: the formats of commands that scan.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    Table,
    Json,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
}

/// Table or JSON: the formats of history commands.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextFormat {
    Table,
    Json,
}

/// Table, JSON, CSV or SARIF: the formats of stored findings.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
    Csv,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
}

#[derive(Subcommand)]
pub enum Command {
    /// List every image and container with its risk score and findings.
    Inventory {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ScanFormat::Table)]
        format: ScanFormat,
        #[command(flatten)]
        recording: Recording,
        #[command(flatten)]
        fail_on: FailOn,
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
        /// Output format.
        #[arg(long, value_enum, default_value_t = ScanFormat::Table)]
        format: ScanFormat,
        #[command(flatten)]
        recording: Recording,
        #[command(flatten)]
        fail_on: FailOn,
    },
    /// Check the host: Docker Desktop's File sharing and security settings,
    /// DOCKER_HOST, engine versions with known advisories, containers' mounts.
    Host {
        /// Docker Desktop settings file to read instead of the usual location
        /// (or $DOCKWARD_DESKTOP_SETTINGS).
        #[arg(long)]
        settings: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TextFormat::Table)]
        format: TextFormat,
        #[command(flatten)]
        recording: Recording,
        #[command(flatten)]
        fail_on: FailOn,
    },
    /// Images left to rot: old, behind upstream (with --check-upstream), built
    /// on an outdated base, unused; recorded as a `stale` scan.
    Stale {
        /// Images built longer ago than this many days are old (default: the
        /// app's setting, 90).
        #[arg(long)]
        max_age: Option<u32>,
        /// Ask the images' registries whether their tags have newer builds
        /// (through the engine; nothing is pulled).
        #[arg(long)]
        check_upstream: bool,
        /// Images no container has used for this many days are unused
        /// (default: the app's setting, 30).
        #[arg(long)]
        unused_days: Option<u32>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TextFormat::Table)]
        format: TextFormat,
        #[command(flatten)]
        recording: Recording,
        #[command(flatten)]
        fail_on: FailOn,
    },
    /// Checks a project's Dockerfiles, compose files and build contexts
    /// before anything runs: each finding with its file, line and column;
    /// recorded as a `project` scan. Exits 1 with --fail-on met.
    Check {
        /// The project folder.
        dir: PathBuf,
        /// Output format (SARIF locations are file, line and column).
        #[arg(long, value_enum, default_value_t = ScanFormat::Table)]
        format: ScanFormat,
        /// Fix the findings of RULE (or `all`): shows the diff, then writes
        /// after asking (or with --yes); recorded for --undo.
        #[arg(long, value_name = "RULE|all")]
        fix: Option<String>,
        /// Apply the fix without asking (after reading its diff).
        #[arg(long, requires = "fix")]
        yes: bool,
        /// Undo the last fix applied to the folder, byte for byte.
        #[arg(long, conflicts_with = "fix")]
        undo: bool,
        #[command(flatten)]
        recording: Recording,
        #[command(flatten)]
        fail_on: FailOn,
    },
    /// Scans recorded in the database, newest first, with their counts.
    History {
        /// Only scans started on or after this date (YYYY-MM-DD or RFC 3339).
        #[arg(long)]
        since: Option<String>,
        /// At most this many scans.
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TextFormat::Table)]
        format: TextFormat,
        #[command(flatten)]
        db: Db,
    },
    /// What changed between two scans: new, resolved and reopened findings
    /// (default: the latest complete scan and the one of its kind before it).
    Diff {
        /// The earlier scan id.
        from: Option<i64>,
        /// The later scan id.
        to: Option<i64>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TextFormat::Table)]
        format: TextFormat,
        #[command(flatten)]
        db: Db,
    },
    /// Findings recorded in the database.
    Findings {
        /// new, open (new and reopened included), resolved, suppressed, reopened.
        #[arg(long, value_parser = parse_state)]
        state: Option<FindingState>,
        /// Only findings at least this severe.
        #[arg(long, value_parser = parse_severity)]
        severity: Option<Severity>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
        #[command(flatten)]
        db: Db,
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
        /// Output format.
        #[arg(long, value_enum, default_value_t = TextFormat::Table)]
        format: TextFormat,
        #[command(flatten)]
        db: Db,
    },
    /// Lift a suppression.
    Unsuppress {
        /// Fingerprint, or a unique prefix of at least 6 characters.
        fingerprint: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TextFormat::Table)]
        format: TextFormat,
        #[command(flatten)]
        db: Db,
    },
    /// Write a report of the overview, the trend and every open finding with its fix.
    Report {
        /// html (self-contained), json, sarif or csv.
        #[arg(long, value_parser = parse_report_format)]
        format: ReportFormat,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        db: Db,
    },
    /// Remove history older than the retention (suppressions are kept).
    Cleanup {
        /// Set the retention first (days; the default is 365).
        #[arg(long)]
        retention_days: Option<i64>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TextFormat::Table)]
        format: TextFormat,
        #[command(flatten)]
        db: Db,
    },
    /// Inspect the rule sets.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// The CA setup wizard: give builds and containers the corporate
    /// TLS-inspection CA without putting it (or any key) into an image.
    Ca {
        #[command(subcommand)]
        command: CaCommand,
    },
}

#[derive(Subcommand)]
pub enum CaCommand {
    /// Find the corporate CA: CA variables, TLS-inspection agents' files,
    /// the system trust store.
    Detect {
        /// Output format.
        #[arg(long, value_enum, default_value_t = TextFormat::Table)]
        format: TextFormat,
    },
    /// Show what `apply` would change in a project, as a diff (writes nothing).
    Plan {
        /// The project folder.
        dir: PathBuf,
        /// The CA certificate file (default: the one `detect` chooses).
        #[arg(long)]
        cert: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TextFormat::Table)]
        format: TextFormat,
    },
    /// Show the plan, then write it (asks first unless --yes); recorded for undo.
    Apply {
        /// The project folder.
        dir: PathBuf,
        /// The CA certificate file (default: the one `detect` chooses).
        #[arg(long)]
        cert: Option<PathBuf>,
        /// Apply without asking (after reading `ca plan`).
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        db: Db,
    },
    /// Check a project's setup; with --image, also that the CA is in none of
    /// those images' layers. Exits 1 when a check fails.
    Verify {
        /// The project folder.
        dir: PathBuf,
        /// Images built from the project to scan (repeatable).
        #[arg(long = "image")]
        images: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TextFormat::Table)]
        format: TextFormat,
    },
    /// Restore every file the last `apply` changed, byte for byte.
    Undo {
        /// The project folder.
        dir: PathBuf,
        #[command(flatten)]
        db: Db,
    },
}

#[derive(Subcommand)]
pub enum RulesCommand {
    /// Compile every rule and run its examples and negative examples.
    Check,
    /// List the rule catalogue.
    List,
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

fn parse_state(s: &str) -> Result<FindingState, String> {
    s.parse()
        .map_err(|_| format!("unknown state `{s}` (new, open, resolved, suppressed, reopened)"))
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    Severity::parse(s)
        .ok_or_else(|| format!("unknown severity `{s}` (critical, high, medium, low, info)"))
}
