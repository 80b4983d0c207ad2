//! The UI loop: `select!` over terminal events, the store's change signal, control
//! results, replay / connection state, signals and a 1 Hz tick (only while a timer is
//! visible); `update` for each, then draw at most once per frame and only when
//! something changed. A frame is rendered into the buffer under the store's read lock,
//! and flushed to the terminal after the lock is released.

use super::input::msg_for;
use super::msg::{Effect, Event, Msg};
use super::reducer::update;
use super::state::{Mode, UiState};
use super::terminal::Guard;
use super::views;
use crate::core::alarms::AlarmChange;
use crate::core::control::{Control, ControlRequest, Outcome};
use crate::core::SharedStore;
use crate::source::replay::ReplayCmd;
use crate::source::{ConnState, Handle, Status, StatusRx, Update};
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

/// Where the board's data and controls come from: the store, and the one source that
/// feeds it, whatever its kind.
pub struct Feed {
    pub store: SharedStore,
    /// The source: its status, commands, warnings and control.
    pub source: Handle,
    /// Queue alarms raised and cleared, evaluated on the store.
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
        || ui.status().is_some()
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
    ui.set_wall(Ts::now());
    {
        let s = store.read();
        ui.sync(&s, now);
        let mut frame = terminal.get_frame();
        views::draw(&mut frame, &s, ui, now);
    }
    terminal.apply_buffer()?;
    Ok(())
}

/// Carries out what an update asks for: the one effect executor of the board. Control
/// requests (on a party or an agent) are spawned, never awaited in the loop; their
/// outcomes come back on `done`.
struct Executor {
    control: Option<Arc<dyn Control>>,
    replay: Option<mpsc::UnboundedSender<ReplayCmd>>,
    done: mpsc::UnboundedSender<(ControlRequest, Outcome)>,
}

impl Executor {
    fn run(&self, effect: Effect) {
        match effect {
            Effect::Quit => {}
            Effect::Bell => write_out(b"\x07"),
            Effect::Copy(text) => {
                use base64::Engine;
                let b64 = base64::engine::general_purpose::STANDARD.encode(text);
                write_out(format!("\x1b]52;c;{b64}\x07").as_bytes());
            }
            Effect::Replay(cmd) => {
                if let Some(tx) = &self.replay {
                    let _ = tx.send(cmd);
                }
            }
            Effect::Control(req) => {
                let tx = self.done.clone();
                match &self.control {
                    Some(ctl) => {
                        let fut = ctl.execute(req.clone());
                        tokio::spawn(async move {
                            let out = fut.await;
                            let _ = tx.send((req, out));
                        });
                    }
                    None => {
                        let message = "no control in this mode".to_string();
                        let _ = tx.send((req, Outcome::Failed { message }));
                    }
                }
            }
        }
    }
}

/// Writes control bytes to the terminal (bell, clipboard); a failure is not worth a word.
fn write_out(bytes: &[u8]) {
    let mut out = std::io::stdout();
    let _ = out.write_all(bytes);
    let _ = out.flush();
}

/// What the loop waits on: the terminal, the store, control outcomes, the source's
/// state, signals and the clock.
struct Inputs {
    events: EventStream,
    store: Option<watch::Receiver<crate::core::Version>>,
    done: mpsc::UnboundedReceiver<(ControlRequest, Outcome)>,
    status: Option<StatusRx>,
    notices: Option<mpsc::UnboundedReceiver<String>>,
    alarms: Option<mpsc::UnboundedReceiver<AlarmChange>>,
    tick: tokio::time::Interval,
    sigterm: tokio::signal::unix::Signal,
    sigint: tokio::signal::unix::Signal,
    /// The terminal closed (its window, an ssh session, `tmux kill-session`): quit as
    /// `q` does, so a recording is flushed and temporary files are removed.
    sighup: tokio::signal::unix::Signal,
}

impl Inputs {
    /// The next message (`None`: something woke the loop that asks for nothing, such as
    /// a frame falling due while `dirty`).
    async fn next(
        &mut self,
        ui: &UiState,
        need_tick: bool,
        dirty: bool,
        frame_due: Instant,
    ) -> Option<Msg> {
        tokio::select! {
            ev = self.events.next() => match ev {
                Some(Ok(e)) => msg_for(&e, ui),
                Some(Err(e)) => {
                    tracing::warn!("terminal input error: {e}");
                    Some(Event::Quit.into())
                }
                None => Some(Event::Quit.into()),
            },
            r = changed(&mut self.store) => match r {
                Some(_) => Some(Event::StoreChanged.into()),
                None => { self.store = None; None }
            },
            Some((request, outcome)) = self.done.recv() => Some(Event::ControlDone { request, outcome }.into()),
            u = async { self.status.as_mut()?.changed().await }, if self.status.is_some() => match u {
                Some(Update::Replay(st)) => Some(Event::Replay(st).into()),
                Some(Update::Conn(c)) => Some(Event::Conn(c).into()),
                Some(Update::Loading(l)) => Some(Event::Loading(l).into()),
                None => { self.status = None; None }
            },
            n = async { self.notices.as_mut()?.recv().await }, if self.notices.is_some() => match n {
                Some(text) => Some(Event::Notice(text).into()),
                None => { self.notices = None; None }
            },
            a = async { self.alarms.as_mut()?.recv().await }, if self.alarms.is_some() => match a {
                Some(c) => Some(Event::Alarm(c).into()),
                None => { self.alarms = None; None }
            },
            _ = self.tick.tick(), if need_tick => Some(Event::Tick.into()),
            _ = tokio::time::sleep_until(frame_due), if dirty => None,
            _ = self.sigterm.recv() => Some(Event::Quit.into()),
            _ = self.sigint.recv() => Some(Event::Quit.into()),
            _ = self.sighup.recv() => Some(Event::Quit.into()),
        }
    }
}

/// Runs the board until the user quits or a signal arrives.
pub async fn run(mut ui: UiState, feed: Feed) -> anyhow::Result<()> {
    let Feed {
        store,
        source,
        alarms,
    } = feed;
    match source.status.now() {
        Status::Replay(r) => ui.feed.replay = Some(r),
        Status::Live { conn, .. } => ui.feed.conn = Some(conn),
    }
    use tokio::signal::unix::{signal, SignalKind};
    let (done_tx, done_rx) = mpsc::unbounded_channel();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut inputs = Inputs {
        events: EventStream::new(),
        store: Some(store.subscribe()),
        done: done_rx,
        status: Some(source.status),
        notices: source.notices,
        alarms,
        tick,
        sigterm: signal(SignalKind::terminate())?,
        sigint: signal(SignalKind::interrupt())?,
        sighup: signal(SignalKind::hangup())?,
    };
    let executor = Executor {
        control: source.control,
        replay: source.commands,
        done: done_tx,
    };
    let mut guard = Guard::enter()?;
    let size = guard.terminal.size()?;
    ui.view.set_size(size.width, size.height);
    let mut dirty = true;
    let mut last_draw = Instant::now() - FRAME;
    tracing::info!(mode = ?ui.config.mode, "board started");
    while !ui.quitting() {
        if dirty && last_draw.elapsed() >= FRAME {
            let now = clock_now(&ui);
            render(&mut guard.terminal, &store, &mut ui, now)?;
            dirty = false;
            last_draw = Instant::now();
        }
        let need_tick = ticking(&ui, &store);
        let Some(msg) = inputs.next(&ui, need_tick, dirty, last_draw + FRAME).await else {
            continue;
        };
        let now = clock_now(&ui);
        let store_changed = msg == Msg::Event(Event::StoreChanged);
        let fx = {
            let s = store.read();
            if store_changed && ui.feed.stale_since.is_none() {
                ui.set_lag(s.newest_lag());
            }
            update(&mut ui, msg, &s, now)
        };
        dirty = true;
        fx.into_iter().for_each(|e| executor.run(e));
    }
    drop(guard);
    tracing::info!("board stopped");
    Ok(())
}
