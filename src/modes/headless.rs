//! The headless modes: `calltop live --headless` (one line per applied event and
//! connection change) and `calltop record` (unattended capture to a file).

use super::alarms::Clock;
use crate::cli::{LiveArgs, RecordArgs};
use crate::core::alarms::{AlarmChange, AlarmRules};
use crate::core::center::Period;
use crate::core::SharedStore;
use crate::source::live::{self, LiveConfig};
use crate::source::{ConnState, LineFormat, LiveEvent};
use crate::wire::Ts;
use tokio::sync::{broadcast, mpsc};

/// `calltop live --headless`.
pub async fn live(args: LiveArgs) -> anyhow::Result<()> {
    let _log = crate::logging::init("live");
    let alarms = super::alarms::load(&args.board)?;
    let mut cfg = super::live::source_config(&args.connect)?;
    cfg.recording.path = args.record.clone();
    let out = Output {
        format: args.format,
        events: true,
        metrics: args.metrics.as_deref(),
        on_end: args.on_end.clone(),
        period: args.period(),
        alarms,
        on_alert: args.board.on_alert.clone(),
    };
    until_signal(cfg, out).await
}

/// `calltop record`: headless capture until Ctrl-C.
pub async fn record(args: RecordArgs) -> anyhow::Result<()> {
    let _log = crate::logging::init("record");
    let mut cfg = super::live::source_config(&args.connect)?;
    cfg.recording.path = Some(args.out.clone());
    cfg.recording.rotate_bytes = args.rotate_mb.map(|mb| mb * 1024 * 1024);
    cfg.subscription.seed = false;
    let out = Output {
        format: LineFormat::Text,
        events: false,
        metrics: None,
        on_end: None,
        period: Period::default(),
        alarms: None,
        on_alert: None,
    };
    until_signal(cfg, out).await
}

/// What the headless run prints and serves.
struct Output<'a> {
    format: LineFormat,
    /// Print applied events (else only connection changes and warnings).
    events: bool,
    metrics: Option<&'a str>,
    /// `--on-end CMD`.
    on_end: Option<String>,
    /// Queue and agent figures over.
    period: Period,
    /// Queue alarms, printed as they are raised and cleared.
    alarms: Option<AlarmRules>,
    /// `--on-alert CMD`.
    on_alert: Option<String>,
}

/// Runs the live source until Ctrl-C / SIGTERM, printing connection changes, warnings,
/// (with `events`) applied events and one `callEnded` line per call whose outcome is
/// final. `Failed` ends it with an error.
async fn until_signal(cfg: LiveConfig, o: Output<'_>) -> anyhow::Result<()> {
    let store = super::live_store(cfg.store, o.period);
    let watcher = o
        .alarms
        .map(|r| super::alarms::spawn(r, store.clone(), o.period.zone, o.on_alert, Clock::Wall));
    let mut handle = live::spawn(cfg, store.clone());
    let _metrics = crate::metrics::serve_at(
        o.metrics,
        crate::metrics::Sources {
            store: store.clone(),
            conn: Some(handle.conn.clone()),
            control: Default::default(),
            extra: watcher.as_ref().map(|w| w.metrics()),
            account: handle.account.clone(),
        },
    )
    .await?;
    let _on_end = o
        .on_end
        .map(|cmd| super::on_end::spawn(cmd, store.clone(), handle.subscribe_events()));
    let format = o.format;
    let _printer = watcher.map(|w| tokio::spawn(print_alarms(w.changes, format)));
    let mut events = handle.subscribe_events();
    // The handle's own receiver already holds everything since the start.
    std::mem::swap(&mut events, &mut handle.events);
    let result = print_until_signal(events, format, o.events, &store).await;
    handle.shutdown().await;
    result
}

/// Prints events until Ctrl-C / SIGTERM or the end of `events`: connection changes,
/// warnings and audit lines always; with `print_events`, notifications (only those the
/// store applied) and one `callEnded` line per call whose outcome is final (from
/// `store`). A `Failed` connection ends it with an error.
pub async fn print_until_signal(
    mut events: broadcast::Receiver<LiveEvent>,
    format: LineFormat,
    print_events: bool,
    store: &SharedStore,
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
                    let line = match &e {
                        LiveEvent::Notification(l) if !(print_events && l.is_applied()) => None,
                        LiveEvent::Joined { telephony_session_id, .. } if print_events => {
                            call_ended_line(store, telephony_session_id, format)
                        }
                        LiveEvent::Joined { .. } => None,
                        _ => Some(e.line(format)),
                    };
                    if let Some(line) = line {
                        let _ = writeln!(out, "{line}");
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

/// One line per alarm raised or cleared.
pub(super) async fn print_alarms(
    mut changes: mpsc::UnboundedReceiver<AlarmChange>,
    format: LineFormat,
) {
    use std::io::Write;
    while let Some(c) = changes.recv().await {
        let line = match format {
            LineFormat::Json => c.json().to_string(),
            LineFormat::Text => c.text(),
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
}

/// The end-of-call line of a call whose outcome is final: the `callEnded` JSON object,
/// or one human line.
fn call_ended_line(store: &SharedStore, id: &str, format: LineFormat) -> Option<String> {
    let v = crate::report::call_ended(&store.read(), id)?;
    Some(match format {
        LineFormat::Json => v.to_string(),
        LineFormat::Text => {
            let platform = v["callLog"]["result"]
                .as_str()
                .map(|r| format!(" (platform: {r})"))
                .unwrap_or_default();
            format!(
                "{} call ended {id} {}{platform} ring {}s talk {}s hold {}s",
                Ts::now().to_rfc3339(),
                v["disposition"].as_str().unwrap_or("?"),
                v["call"]["ringSeconds"],
                v["call"]["talkSeconds"],
                v["call"]["holdSeconds"],
            )
        }
    })
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
