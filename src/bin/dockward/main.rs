//! The `dockward` command: a thin shell over the core library. It parses
//! arguments (`cli`), runs one command (`commands`), and only here do
//! errors become exit codes: 0 fine, 1 `--fail-on` met, 2 an error.

mod cli;
mod commands;
mod signals;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let db = cli.database();
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
    let outcome = runtime.block_on(async {
        tokio::select! {
            result = commands::run(cli) => Ok(result),
            stop = signals::stopped() => Err(stop),
        }
    });
    let code = match outcome {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            // `{:#}` prints the context chain: "cannot open the database: …".
            let message = dockward::report::terminal_safe(&format!("{e:#}"));
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(stop) => runtime.block_on(signals::record(stop, db.as_deref())),
    };
    // A scan's reading thread may still be running: do not wait for it.
    runtime.shutdown_background();
    code
}
