//! The UI loop: `select!` over terminal events, the store's change signal, control
//! results, replay / connection state, signals and a 1 Hz tick (only while a timer is
//! visible); `update` for each, then draw at most once per frame and only when
//! something changed. A frame is rendered into the buffer under the store's read lock,
//! and flushed to the terminal after the lock is released.

use super::action::{action_for, update, Action, Effect};
use super::state::{Mode, UiState};
use super::terminal::Guard;
use super::views;
use crate::core::alarms::AlarmChange;
use crate::core::control::{AgentRequest, Control, ControlRequest, Outcome};
use crate::core::SharedStore;
use crate::source::live::{ConnState, Loading};
use crate::source::replay::{ReplayCmd, ReplayStatus};
use crate::wire::Ts;
use crossterm::event::EventStream;
use futures_util::StreamExt;
use ratatui::backend::Backend;
use ratatui::Terminal;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

/// A running replay as the board drives it.
pub struct ReplayLink {
    pub cmds: mpsc::UnboundedSender<ReplayCmd>,
    pub status: watch::Receiver<ReplayStatus>,
}

/// Where the board's data and controls come from.
pub struct Feed {
    pub store: SharedStore,
    pub replay: Option<ReplayLink>,
    pub conn: Option<watch::Receiver<ConnState>>,
    /// Loading the calls in progress (live).
    pub loading: Option<watch::Receiver<Loading>>,
    /// `None`: control requests fail with a message (no client in this mode).
    pub control: Option<Arc<dyn Control>>,
    /// The source's warnings (late call outcomes, gateway errors…), for the status line.
    pub notices: Option<mpsc::UnboundedReceiver<String>>,
    /// Queue alarms raised and cleared.
    pub alarms: Option<mpsc::UnboundedReceiver<AlarmChange>>,
}

/// Frame cap (~30 fps).
const FRAME: Duration = Duration::from_millis(33);

/// The UI clock: the stream clock in replay, the wall clock otherwise.
pub fn clock_now(ui: &UiState) -> Ts {
    match (&ui.config.mode, &ui.feed.replay, ui.feed.stale_since) {
        (Mode::Replay, Some(r), _) => r.clock_at(Instant::now()),
        // Disconnected: the data is as of the drop, so its clock stops there.
        (_, _, Some(since)) => since,
        _ => Ts::now(),
    }
}

/// True while something on screen changes by itself each second: a call in progress
/// is read from the header's summary, kept per store version (no walk of the sessions).
fn ticking(ui: &UiState, store: &SharedStore) -> bool {
    let replay_playing = ui.feed.replay.is_some_and(|r| !r.paused && !r.done());
    let paused_replay = ui.config.mode == Mode::Replay && !replay_playing;
    if paused_replay {
        return false;
    }
    let retrying = matches!(ui.feed.conn, Some(ConnState::Offline { .. }));
    replay_playing
        || ui.status.is_some()
        || ui.control.rate_limited_until.is_some()
        || retrying
        || ui.summary(&store.read(), clock_now(ui)).active > 0
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

/// Renders one frame into the terminal's buffer under the store's read lock, releases
/// the lock, then flushes the buffer to the terminal: a slow terminal never holds up a
/// writer of the store.
pub fn render<B: Backend>(
    terminal: &mut Terminal<B>,
    store: &SharedStore,
    ui: &mut UiState,
    now: Ts,
) -> Result<(), B::Error> {
    terminal.autoresize()?;
    ui.feed.wall = Ts::now();
    {
        let s = store.read();
        ui.sync(&s, now);
        let mut frame = terminal.get_frame();
        views::draw(&mut frame, &s, ui, now);
    }
    terminal.apply_buffer()?;
    Ok(())
}

/// Runs the board until the user quits or a signal arrives.
pub async fn run(mut ui: UiState, feed: Feed) -> anyhow::Result<()> {
    let Feed {
        store,
        replay,
        conn,
        mut loading,
        control,
        mut notices,
        mut alarms,
    } = feed;
    let (replay_tx, mut replay_rx) = match replay {
        Some(r) => (Some(r.cmds), Some(r.status)),
        None => (None, None),
    };
    let mut store_rx = Some(store.subscribe());
    let mut conn = conn;
    if let Some(r) = &replay_rx {
        ui.feed.replay = Some(*r.borrow());
    }
    if let Some(c) = &conn {
        ui.feed.conn = Some(c.borrow().clone());
    }
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    let mut guard = Guard::enter()?;
    let size = guard.terminal.size()?;
    ui.view.size = (size.width, size.height);
    let mut events = EventStream::new();
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<(ControlRequest, Outcome)>();
    let (agent_tx, mut agent_rx) = mpsc::unbounded_channel::<(AgentRequest, Outcome)>();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut dirty = true;
    let mut last_draw = Instant::now() - FRAME;
    tracing::info!(mode = ?ui.config.mode, "board started");
    loop {
        if dirty && last_draw.elapsed() >= FRAME {
            let now = clock_now(&ui);
            render(&mut guard.terminal, &store, &mut ui, now)?;
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
            r = changed(&mut store_rx) => match r {
                Some(_) => Some(Action::StoreChanged),
                None => {
                    store_rx = None;
                    None
                }
            },
            Some((request, outcome)) = done_rx.recv() => Some(Action::ControlDone { request, outcome }),
            Some((request, outcome)) = agent_rx.recv() => Some(Action::AgentDone { request, outcome }),
            st = changed(&mut replay_rx) => match st {
                Some(st) => Some(Action::Replay(st)),
                None => { replay_rx = None; None }
            },
            c = changed(&mut conn) => match c {
                Some(c) => Some(Action::Conn(c)),
                None => { conn = None; None }
            },
            l = changed(&mut loading) => match l {
                Some(l) => Some(Action::Loading(l)),
                None => { loading = None; None }
            },
            n = async { notices.as_mut()?.recv().await }, if notices.is_some() => match n {
                Some(text) => Some(Action::Notice(text)),
                None => { notices = None; None }
            },
            a = async { alarms.as_mut()?.recv().await }, if alarms.is_some() => match a {
                Some(c) => Some(Action::Alarm(c)),
                None => { alarms = None; None }
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
            let s = store.read();
            if store_changed && ui.feed.stale_since.is_none() {
                ui.feed.lag_ms = s.newest_lag();
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
                Effect::Copy(text) => {
                    use base64::Engine;
                    let b64 = base64::engine::general_purpose::STANDARD.encode(text);
                    let mut out = std::io::stdout();
                    let _ = write!(out, "\x1b]52;c;{b64}\x07");
                    let _ = out.flush();
                }
                Effect::Replay(cmd) => {
                    if let Some(tx) = &replay_tx {
                        let _ = tx.send(cmd);
                    }
                }
                Effect::Agent(req) => {
                    let tx = agent_tx.clone();
                    match &control {
                        Some(ctl) => {
                            let fut = ctl.execute_agent(req.clone());
                            tokio::spawn(async move {
                                let out = fut.await;
                                let _ = tx.send((req, out));
                            });
                        }
                        None => {
                            let message = "no agent control in this mode".to_string();
                            let _ = tx.send((req, Outcome::Failed { message }));
                        }
                    }
                }
                Effect::Control(req) => {
                    let tx = done_tx.clone();
                    match &control {
                        Some(ctl) => {
                            let fut = ctl.execute(req.clone());
                            tokio::spawn(async move {
                                let out = fut.await;
                                let _ = tx.send((req, out));
                            });
                        }
                        None => {
                            let message = "no call control in this mode".to_string();
                            let _ = tx.send((req, Outcome::Failed { message }));
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
