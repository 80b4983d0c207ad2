//! `--on-end CMD`: runs a command for each call whose outcome is final, with its
//! `callEnded` JSON line on stdin — a few at a time, each with a timeout, failures
//! logged. It reads the live source's events and never holds up ingest: when the
//! commands fall too far behind, calls are skipped and counted.

use crate::core::SharedStore;
use crate::source::LiveEvent;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::sync::{broadcast, mpsc, Semaphore};

/// Commands running at once.
const CONCURRENCY: usize = 4;
/// Calls waiting for a command before new ones are skipped.
const BACKLOG: usize = 1_000;
/// A command that runs longer is killed.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Runs `cmd` (through `sh -c`) for each call that ends, until the events stop.
pub fn spawn(
    cmd: String,
    store: SharedStore,
    mut events: broadcast::Receiver<LiveEvent>,
) -> tokio::task::JoinHandle<()> {
    let (tx, mut rx) = mpsc::channel::<String>(BACKLOG);
    let runner = tokio::spawn(async move {
        let slots = Arc::new(Semaphore::new(CONCURRENCY));
        while let Some(line) = rx.recv().await {
            let Ok(permit) = slots.clone().acquire_owned().await else {
                break;
            };
            let cmd = cmd.clone();
            tokio::spawn(async move {
                run_command("--on-end", &cmd, line).await;
                drop(permit);
            });
        }
    });
    tokio::spawn(async move {
        let mut skipped = 0u64;
        loop {
            match events.recv().await {
                Ok(LiveEvent::Joined {
                    telephony_session_id,
                    ..
                }) => {
                    let line = crate::report::call_ended(&store.read(), &telephony_session_id);
                    let Some(line) = line else { continue };
                    if tx.try_send(line.to_string()).is_err() {
                        skipped += 1;
                        tracing::warn!(skipped, call = %telephony_session_id, "--on-end is behind: call skipped");
                    }
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(n, "--on-end missed events")
                }
                Err(broadcast::error::RecvError::Closed) => break,
            }
        }
        drop(tx);
        let _ = runner.await;
    })
}

/// One command with `line` on its stdin (`flag`: the option that asked for it, in
/// warnings).
pub(super) async fn run_command(flag: &str, cmd: &str, line: String) {
    let child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, flag, "cannot start the command");
            return;
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(line.as_bytes()).await;
        let _ = stdin.write_all(b"\n").await;
    }
    match tokio::time::timeout(TIMEOUT, child.wait_with_output()).await {
        Ok(Ok(out)) if out.status.success() => {}
        Ok(Ok(out)) => tracing::warn!(
            status = %out.status,
            stderr = %String::from_utf8_lossy(&out.stderr).trim(),
            flag,
            "command failed"
        ),
        Ok(Err(e)) => tracing::warn!(error = %e, flag, "command failed"),
        Err(_) => tracing::warn!(
            timeout_s = TIMEOUT.as_secs(),
            flag,
            "command timed out: killed"
        ),
    }
}
