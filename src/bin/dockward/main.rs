//! The `dockward` command: a thin shell over the core library. It parses
//! arguments (`cli`), runs one command (`commands`), and only here do
//! errors become exit codes: 0 fine, 1 `--fail-on` met, 2 an error.

mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
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
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            // `{:#}` prints the context chain: "cannot open the database: …".
            let message = dockward::report::terminal_safe(&format!("{e:#}"));
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
