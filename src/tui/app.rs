//! The UI loop: `select!` over terminal events, the store generation, control results,
//! replay / connection state, signals and a 1 Hz tick (only while a timer is visible);
//! `update` for each, then draw at most once per frame and only when something changed.

use super::action::{action_for, update, Action, Effect};
use super::state::{ConnView, ControlRequest, Mode, Outcome, UiState};
use super::terminal::Guard;
use super::views;
use crate::core::SessionStore;
use crate::source::replay::{ReplayCmd, ReplayStatus};
use crate::source::SharedStore;
use crate::wire::Ts;
use crossterm::event::EventStream;
use futures_util::future::BoxFuture;
use futures_util::StreamExt;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

/// Runs one control request and reports what came of it.
pub type ControlFn = Arc<dyn Fn(ControlRequest) -> BoxFuture<'static, Outcome> + Send + Sync>;

/// Where the board's data and controls come from.
pub struct Wiring {
    pub store: SharedStore,
    /// Bumped by the source whenever the store changed.
    pub generation: watch::Receiver<u64>,
    pub replay: Option<(
        mpsc::UnboundedSender<ReplayCmd>,
        watch::Receiver<ReplayStatus>,
    )>,
    pub conn: Option<watch::Receiver<ConnView>>,
    /// `None`: control requests fail with a message (no client in this mode).
    pub control: Option<ControlFn>,
}

/// Frame cap (~30 fps).
const FRAME: Duration = Duration::from_millis(33);

/// The UI clock: the stream clock in replay, the wall clock otherwise.
pub fn clock_now(ui: &UiState) -> Ts {
    match (&ui.mode, &ui.replay) {
        (Mode::Replay, Some(r)) => r.clock_at(Instant::now()),
        _ => Ts::now(),
    }
}

fn read(store: &SharedStore) -> std::sync::RwLockReadGuard<'_, SessionStore> {
    store.read().unwrap_or_else(|e| e.into_inner())
}

/// Delivery lag of the newest event: received − eventTime.
pub fn newest_lag(store: &SessionStore) -> Option<i64> {
    let s = store.sessions().max_by_key(|s| s.last_seen)?;
    let e = s.timeline.iter().rev().find(|e| e.seq.is_some())?;
    e.at.map(|at| e.received.0 - at.0)
}

/// True while something on screen changes by itself each second.
fn ticking(ui: &UiState, store: &SharedStore) -> bool {
    let replay_playing = ui.replay.is_some_and(|r| !r.paused && !r.done());
    let paused_replay = ui.mode == Mode::Replay && !replay_playing;
    if paused_replay {
        return false;
    }
    replay_playing
        || ui.rate_limited_until.is_some()
        || ui.conn.as_ref().is_some_and(|c| c.retry_at.is_some())
        || read(store).sessions().any(|s| !s.ended)
}

async fn changed<T: Clone>(rx: &mut Option<watch::Receiver<T>>) -> Option<T> {
    match rx {
        Some(r) => match r.changed().await {
            Ok(()) => Some(r.borrow_and_update().clone()),
            Err(_) => None,
        },
        None => std::future::pending().await,
    }
}

/// Runs the board until the user quits or a signal arrives.
pub async fn run(mut ui: UiState, w: Wiring) -> anyhow::Result<()> {
    let Wiring {
        store,
        generation,
        replay,
        conn,
        control,
    } = w;
    let (replay_tx, replay_rx) = match replay {
        Some((tx, rx)) => (Some(tx), Some(rx)),
        None => (None, None),
    };
    let mut replay_rx = replay_rx;
    let mut generation = Some(generation);
    let mut conn = conn;
    if let Some(r) = &replay_rx {
        ui.replay = Some(*r.borrow());
    }
    if let Some(c) = &conn {
        ui.conn = Some(c.borrow().clone());
    }
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    let mut guard = Guard::enter()?;
    let size = guard.terminal.size()?;
    ui.viewport = views::table_capacity(size.width, size.height, &ui);
    let mut events = EventStream::new();
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<(ControlRequest, Outcome)>();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut dirty = true;
    let mut last_draw = Instant::now() - FRAME;
    tracing::info!(mode = ?ui.mode, "board started");
    loop {
        if dirty && last_draw.elapsed() >= FRAME {
            let now = clock_now(&ui);
            let s = read(&store);
            ui.sync(&s, now);
            guard.terminal.draw(|f| views::draw(f, &s, &ui, now))?;
            drop(s);
            dirty = false;
            last_draw = Instant::now();
        }
        let frame_due = last_draw + FRAME;
        let need_tick = ticking(&ui, &store);
        let action = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(e)) => action_for(&e, &ui),
                Some(Err(e)) => {
                    tracing::warn!("terminal input error: {e}");
                    Some(Action::Quit)
                }
                None => Some(Action::Quit),
            },
            r = changed(&mut generation) => match r {
                Some(_) => Some(Action::StoreChanged),
                None => {
                    // The source stopped: keep showing what we have.
                    generation = None;
                    None
                }
            },
            Some((request, outcome)) = done_rx.recv() => Some(Action::ControlDone { request, outcome }),
            st = changed(&mut replay_rx) => match st {
                Some(st) => Some(Action::Replay(st)),
                None => { replay_rx = None; None }
            },
            c = changed(&mut conn) => match c {
                Some(c) => Some(Action::Conn(c)),
                None => { conn = None; None }
            },
            _ = tick.tick(), if need_tick => Some(Action::Tick),
            _ = tokio::time::sleep_until(frame_due), if dirty => None,
            _ = sigterm.recv() => Some(Action::Quit),
            _ = sigint.recv() => Some(Action::Quit),
        };
        let Some(action) = action else { continue };
        let now = clock_now(&ui);
        let store_changed = action == Action::StoreChanged;
        let fx = {
            let s = read(&store);
            if store_changed {
                ui.lag_ms = newest_lag(&s);
            }
            update(&mut ui, action, &s, now)
        };
        dirty = true;
        for e in fx {
            match e {
                Effect::Quit => {}
                Effect::Bell => {
                    let mut out = std::io::stdout();
                    let _ = out.write_all(b"\x07");
                    let _ = out.flush();
                }
                Effect::Replay(cmd) => {
                    if let Some(tx) = &replay_tx {
                        let _ = tx.send(cmd);
                    }
                }
                Effect::Audit { session, text } => {
                    tracing::info!(session = %session, "audit: {text}");
                    if let Ok(mut s) = store.write() {
                        s.audit(&session, now, text);
                    }
                }
                Effect::Control(req) => {
                    let tx = done_tx.clone();
                    match &control {
                        Some(ctl) => {
                            let fut = ctl(req.clone());
                            tokio::spawn(async move {
                                let out = fut.await;
                                let _ = tx.send((req, out));
                            });
                        }
                        None => {
                            let _ = tx.send((
                                req,
                                Outcome::Failed("no call control in this mode".into()),
                            ));
                        }
                    }
                }
            }
        }
        if ui.quit {
            break;
        }
    }
    drop(guard);
    tracing::info!("board stopped");
    Ok(())
}
