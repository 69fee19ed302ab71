//! Ctrl-C, SIGTERM and SIGHUP: a scan stopped by one is recorded as
//! interrupted (the database says so, not only the terminal), and the
//! process exits with the shell's code for the signal (130, 143, 129).
//! A `kill -9` cannot be caught: the next open finds the scan's process
//! gone and marks it then.

use std::path::Path;
use std::process::ExitCode;

/// A signal that asks the process to stop.
#[derive(Debug, Clone, Copy)]
pub struct Stop {
    name: &'static str,
    code: u8,
}

/// Resolves when one of the stop signals arrives (never, where none can be
/// listened to).
pub async fn stopped() -> Stop {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = int.recv() => Stop { name: "SIGINT (Ctrl-C)", code: 130 },
            _ = term.recv() => Stop { name: "SIGTERM", code: 143 },
            _ = hup.recv() => Stop { name: "SIGHUP", code: 129 },
        }
    }
    #[cfg(not(unix))]
    {
        if tokio::signal::ctrl_c().await.is_err() {
            return std::future::pending().await;
        }
        Stop {
            name: "Ctrl-C",
            code: 130,
        }
    }
}

/// Records the stop in the database (when one is in use) and says so.
pub async fn record(stop: Stop, db: Option<&Path>) -> ExitCode {
    let reason = format!("stopped by {}", stop.name);
    if let Some(path) = db {
        match dockward::store::Store::interrupt_scans_of_this_process(path, &reason).await {
            Ok(0) => {}
            Ok(n) => eprintln!("{n} scan(s) recorded as interrupted: {reason}"),
            Err(e) => eprintln!(
                "error: {reason}, and the scan could not be marked interrupted: {}",
                dockward::report::terminal_safe(&e.to_string())
            ),
        }
    }
    eprintln!("{reason}");
    ExitCode::from(stop.code)
}
