//! The headless modes: `calltop live --headless` (one line per applied event and
//! connection change) and `calltop record` (unattended capture to a file).

use crate::cli::{LiveArgs, RecordArgs};
use crate::core::center::Since;
use crate::source::live::{self, ConnState, LineFormat, LiveConfig, LiveEvent};
use crate::wire::Ts;
use tokio::sync::broadcast;

/// `calltop live --headless`.
pub async fn live(args: LiveArgs) -> anyhow::Result<()> {
    let _log = crate::logging::init("live");
    let mut cfg = super::live::source_config(&args.connect)?;
    cfg.record = args.record.clone();
    until_signal(cfg, args.format, true, args.connect.since).await
}

/// `calltop record`: headless capture until Ctrl-C.
pub async fn record(args: RecordArgs) -> anyhow::Result<()> {
    let _log = crate::logging::init("record");
    let mut cfg = super::live::source_config(&args.connect)?;
    cfg.record = Some(args.out.clone());
    cfg.rotate_bytes = args.rotate_mb.map(|mb| mb * 1024 * 1024);
    cfg.seed = false;
    until_signal(cfg, LineFormat::Text, false, args.connect.since).await
}

/// Runs the live source until Ctrl-C / SIGTERM, printing connection changes and (with
/// `print_events`) applied events to stdout. `Failed` ends it with an error.
async fn until_signal(
    cfg: LiveConfig,
    format: LineFormat,
    print_events: bool,
    since: Since,
) -> anyhow::Result<()> {
    use std::io::Write;
    let store = super::live_store(cfg.store, since);
    let mut handle = live::spawn(cfg, store);
    let mut events = handle.subscribe_events();
    // The handle's own receiver already holds everything since the start.
    std::mem::swap(&mut events, &mut handle.events);
    let stop = shutdown_signal();
    tokio::pin!(stop);
    let mut out = std::io::stdout();
    let result = loop {
        tokio::select! {
            _ = &mut stop => break Ok(()),
            ev = events.recv() => match ev {
                Ok(e) => {
                    let show = match &e {
                        LiveEvent::Notification(l) => print_events && l.is_applied(),
                        _ => true,
                    };
                    if show {
                        let _ = writeln!(out, "{}", e.line(format));
                        let _ = out.flush();
                    }
                    if let LiveEvent::Conn { state: ConnState::Failed(m), .. } = e {
                        break Err(anyhow::anyhow!(m));
                    }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    let _ = writeln!(out, "{} warning: output fell behind, {n} events not printed", Ts::now().to_rfc3339());
                }
                Err(broadcast::error::RecvError::Closed) => break Ok(()),
            },
        }
    };
    handle.shutdown().await;
    result
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
