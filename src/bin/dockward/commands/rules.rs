//! `dockward rules check` and `rules list`.

use std::process::ExitCode;

use super::{catalogue, print};
use crate::cli::RulesCommand;

pub fn run(command: RulesCommand) -> anyhow::Result<ExitCode> {
    let catalogue = catalogue()?;
    match command {
        RulesCommand::Check => {
            let scanner = dockward::secrets::builtin().map_err(|e| anyhow::anyhow!("{e}"))?;
            let failures = scanner.check_examples();
            let mut out = String::new();
            for f in &failures {
                out.push_str(&format!("FAIL {f}\n"));
            }
            out.push_str(&format!(
                "{} secret rules (version {}), {} catalogue rules: {}\n",
                scanner.rules().len(),
                scanner.version,
                catalogue.rules().len(),
                if failures.is_empty() {
                    "all examples pass"
                } else {
                    "examples fail"
                }
            ));
            print(&out)?;
            Ok(if failures.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        RulesCommand::List => {
            let out: String = catalogue
                .rules()
                .iter()
                .map(|r| format!("{:<38} {:<8} {}\n", r.id, r.severity, r.title))
                .collect();
            print(&out)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
