//! The headless modes: `calltop live --headless` (one line per applied event and
//! connection change) and `calltop record` (unattended capture to a file).

use crate::cli::{LiveArgs, RecordArgs};
use crate::core::{SessionStore, SharedStore};
use crate::source::live::{self, ConnState, LineFormat, LiveConfig, LiveEvent};
use crate::wire::Ts;
use tokio::sync::broadcast;

/// `calltop live --headless`.
pub async fn live(args: LiveArgs) -> anyhow::Result<()> {
    let _log = crate::logging::init("live");
    let mut cfg = super::live::source_config(&args.connect)?;
    cfg.record = args.record.clone();
    until_signal(cfg, args.format, true, args.metrics.as_deref()).await
}

/// `calltop record`: headless capture until Ctrl-C.
pub async fn record(args: RecordArgs) -> anyhow::Result<()> {
    let _log = crate::logging::init("record");
    let mut cfg = super::live::source_config(&args.connect)?;
    cfg.record = Some(args.out.clone());
    cfg.rotate_bytes = args.rotate_mb.map(|mb| mb * 1024 * 1024);
    cfg.seed = false;
    until_signal(cfg, LineFormat::Text, false, None).await
}

/// Runs the live source until Ctrl-C / SIGTERM, printing connection changes and (with
/// `print_events`) applied events to stdout. `Failed` ends it with an error.
async fn until_signal(
    cfg: LiveConfig,
    format: LineFormat,
    print_events: bool,
    metrics: Option<&str>,
) -> anyhow::Result<()> {
    let store = SharedStore::new(SessionStore::new(cfg.store));
    let mut handle = live::spawn(cfg, store.clone());
    let _metrics = crate::metrics::serve_at(
        metrics,
        crate::metrics::Sources {
            store,
            conn: Some(handle.conn.clone()),
            control: Default::default(),
            extra: None,
        },
    )
    .await?;
    let mut events = handle.subscribe_events();
    // The handle's own receiver already holds everything since the start.
    std::mem::swap(&mut events, &mut handle.events);
    let result = print_until_signal(events, format, print_events).await;
    handle.shutdown().await;
    result
}

/// Prints events until Ctrl-C / SIGTERM or the end of `events`: connection changes,
/// warnings and audit lines always, notifications when `print_events` (only those the
/// store applied). A `Failed` connection ends it with an error.
pub async fn print_until_signal(
    mut events: broadcast::Receiver<LiveEvent>,
    format: LineFormat,
    print_events: bool,
) -> anyhow::Result<()> {
    use std::io::Write;
    let stop = shutdown_signal();
    tokio::pin!(stop);
    let mut out = std::io::stdout();
    loop {
        tokio::select! {
            _ = &mut stop => return Ok(()),
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
                        return Err(anyhow::anyhow!(m));
                    }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    let _ = writeln!(out, "{} warning: output fell behind, {n} events not printed", Ts::now().to_rfc3339());
                }
                Err(broadcast::error::RecvError::Closed) => return Ok(()),
            },
        }
    }
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
