//! Logging to a file (never to the terminal the UI owns).

use std::path::PathBuf;
use tracing_appender::non_blocking::WorkerGuard;

/// Where logs go: `$CALLTOP_LOG_DIR`, else the XDG state dir, else the temp dir.
pub fn log_dir() -> PathBuf {
    std::env::var_os("CALLTOP_LOG_DIR")
        .map(PathBuf::from)
        .or_else(|| dirs::state_dir().map(|d| d.join("calltop")))
        .unwrap_or_else(|| std::env::temp_dir().join("calltop"))
}

/// Starts file logging for one mode (`calltop-<mode>.log`); keep the guard alive.
/// The level comes from `CALLTOP_LOG` (default `info`).
pub fn init(mode: &str) -> Option<WorkerGuard> {
    let dir = log_dir();
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::never(&dir, format!("calltop-{mode}.log"));
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_env("CALLTOP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}
