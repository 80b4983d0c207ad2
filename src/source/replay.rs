//! Replay: a recorded stream fed into the store on its own clock. Speed 1/2/5/10/max,
//! pause, step one event, seek; seeking back rebuilds the store from the start.
//! [`Replay`] is the pure pacing state; [`spawn`] runs it as a task.

use super::file::{self, Item};
use crate::core::{SessionStore, SharedStore, StoreConfig};
use crate::wire::{Parsed, Ts};
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

/// Replay speeds, slowest first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Speed {
    #[default]
    X1,
    X2,
    X5,
    X10,
    /// As fast as the store can apply.
    Max,
}

impl Speed {
    const ALL: [Speed; 5] = [Speed::X1, Speed::X2, Speed::X5, Speed::X10, Speed::Max];

    /// Stream milliseconds per wall millisecond (`None` for max).
    pub fn factor(self) -> Option<i64> {
        match self {
            Speed::X1 => Some(1),
            Speed::X2 => Some(2),
            Speed::X5 => Some(5),
            Speed::X10 => Some(10),
            Speed::Max => None,
        }
    }

    /// The next faster speed.
    pub fn faster(self) -> Speed {
        let i = Speed::ALL.iter().position(|s| *s == self).unwrap_or(0);
        Speed::ALL[(i + 1).min(Speed::ALL.len() - 1)]
    }

    /// The next slower speed.
    pub fn slower(self) -> Speed {
        let i = Speed::ALL.iter().position(|s| *s == self).unwrap_or(0);
        Speed::ALL[i.saturating_sub(1)]
    }

    /// `1`, `2`, `5`, `10`, `max`.
    pub fn label(self) -> &'static str {
        match self {
            Speed::X1 => "1",
            Speed::X2 => "2",
            Speed::X5 => "5",
            Speed::X10 => "10",
            Speed::Max => "max",
        }
    }

    /// Parses `1`, `2`, `5`, `10`, `max` (a number also with a leading or trailing
    /// `x` / `×`: `x5`, `10x`).
    pub fn parse(s: &str) -> Result<Speed, String> {
        let t = s.trim();
        let number = t
            .trim_start_matches(['x', 'X', '×'])
            .trim_end_matches(['x', 'X', '×']);
        let t = if number.chars().all(|c| c.is_ascii_digit()) {
            number
        } else {
            t
        };
        Speed::ALL
            .into_iter()
            .find(|sp| sp.label().eq_ignore_ascii_case(t))
            .ok_or_else(|| format!("speed must be 1, 2, 5, 10 or max, not {s:?}"))
    }
}

/// One value of the file with its time on the stream clock.
#[derive(Clone, Debug)]
struct Entry {
    at: Ts,
    parsed: Option<Parsed>,
}

/// The pure replay state: what has been applied and where the stream clock stands.
#[derive(Clone, Debug)]
pub struct Replay {
    entries: Vec<Entry>,
    config: StoreConfig,
    next: usize,
    pos: Ts,
    /// Values that could not be parsed: (line, error).
    pub bad: Vec<(usize, String)>,
}

impl Replay {
    /// Reads a file.
    pub fn load(path: &std::path::Path, config: StoreConfig) -> anyhow::Result<Replay> {
        let (_, items) = file::read_path(path)?;
        Ok(Replay::from_items(items, config))
    }

    /// Builds a replay from parsed items; each gets the stream time of the newest
    /// timestamp seen so far (values without one inherit it).
    pub fn from_items(items: Vec<Item>, config: StoreConfig) -> Replay {
        let mut clock: Option<Ts> = None;
        let mut bad = Vec::new();
        let mut entries = Vec::with_capacity(items.len());
        for item in items {
            let (t, parsed) = match item.parsed {
                Ok(p) => (p.stream_time(), Some(p)),
                Err(e) => {
                    bad.push((item.line, e.to_string()));
                    (None, None)
                }
            };
            if let Some(t) = t {
                clock = Some(clock.map_or(t, |c| c.max(t)));
            }
            entries.push(Entry {
                at: clock.unwrap_or(Ts(0)),
                parsed,
            });
        }
        // Values before the first timestamp take the first timestamp.
        let first = clock.and(entries.iter().map(|e| e.at).find(|t| t.0 != 0));
        if let Some(f) = first {
            for e in entries.iter_mut().take_while(|e| e.at.0 == 0) {
                e.at = f;
            }
        }
        let pos = entries.first().map_or(Ts(0), |e| e.at);
        Replay {
            entries,
            config,
            next: 0,
            pos,
            bad,
        }
    }

    /// Stream time of the first value.
    pub fn start(&self) -> Ts {
        self.entries.first().map_or(Ts(0), |e| e.at)
    }

    /// Stream time of the last value.
    pub fn end(&self) -> Ts {
        self.entries.last().map_or(Ts(0), |e| e.at)
    }

    /// The stream clock.
    pub fn pos(&self) -> Ts {
        self.pos
    }

    /// How many values have been applied.
    pub fn applied(&self) -> usize {
        self.next
    }

    /// How many values the file has.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True for an empty file.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// True once every value has been applied.
    pub fn done(&self) -> bool {
        self.next >= self.entries.len()
    }

    /// Stream time of the next value to apply.
    pub fn next_due(&self) -> Option<Ts> {
        self.entries.get(self.next).map(|e| e.at)
    }

    /// A fresh store with this replay's retention.
    pub fn new_store(&self) -> SessionStore {
        SessionStore::new(self.config)
    }

    fn apply_next(&mut self, store: &mut SessionStore) {
        let e = &self.entries[self.next];
        match &e.parsed {
            Some(p) => {
                store.ingest(p.clone(), e.at);
            }
            None => store.note_malformed(e.at),
        }
        self.next += 1;
    }

    /// Applies every value due by `t` and moves the clock there (never past the end,
    /// never backwards). Returns how many values were applied.
    pub fn advance_to(&mut self, t: Ts, store: &mut SessionStore) -> usize {
        let before = self.next;
        while self.next_due().is_some_and(|d| d <= t) {
            self.apply_next(store);
        }
        self.pos = self.pos.max(t.min(self.end()));
        self.next - before
    }

    /// Applies up to `n` values regardless of their time (speed max).
    pub fn advance_n(&mut self, n: usize, store: &mut SessionStore) -> usize {
        let before = self.next;
        while self.next - before < n && !self.done() {
            let at = self.entries[self.next].at;
            self.apply_next(store);
            self.pos = self.pos.max(at);
        }
        self.next - before
    }

    /// Applies the next value and moves the clock to its time.
    pub fn step(&mut self, store: &mut SessionStore) -> bool {
        self.advance_n(1, store) == 1
    }

    /// Moves the clock to `t`: forward applies what is due, backward rebuilds the
    /// store from the start up to `t`.
    pub fn seek(&mut self, t: Ts, store: &mut SessionStore) {
        let t = t.max(self.start()).min(self.end());
        if t < self.pos {
            *store = self.new_store();
            self.next = 0;
            self.pos = self.start();
        }
        self.advance_to(t, store);
        self.pos = t;
    }

    /// A status snapshot for the UI.
    pub fn status(&self, speed: Speed, paused: bool) -> ReplayStatus {
        ReplayStatus {
            speed,
            paused,
            pos: self.pos,
            start: self.start(),
            end: self.end(),
            applied: self.next,
            total: self.entries.len(),
            since: Instant::now(),
        }
    }
}

/// What the UI shows of a running replay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplayStatus {
    pub speed: Speed,
    pub paused: bool,
    /// The stream clock when this status was published.
    pub pos: Ts,
    pub start: Ts,
    pub end: Ts,
    pub applied: usize,
    pub total: usize,
    /// Wall time of `pos` (the clock runs on from here while playing).
    pub since: Instant,
}

impl ReplayStatus {
    /// True once every value has been applied.
    pub fn done(&self) -> bool {
        self.applied >= self.total
    }

    /// The stream clock at wall time `at`: frozen when paused or done.
    pub fn clock_at(&self, at: Instant) -> Ts {
        match self.speed.factor() {
            Some(k) if !self.paused && !self.done() => {
                let ms = at.saturating_duration_since(self.since).as_millis() as i64;
                self.pos.plus_millis(ms * k).min(self.end)
            }
            _ => self.pos,
        }
    }
}

/// A user request to the replay task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplayCmd {
    TogglePause,
    Faster,
    Slower,
    Step,
    /// Seek by this many stream milliseconds (negative: back).
    Seek(i64),
}

/// The running replay task.
pub struct ReplayHandle {
    pub cmds: mpsc::UnboundedSender<ReplayCmd>,
    pub status: watch::Receiver<ReplayStatus>,
    pub task: tokio::task::JoinHandle<()>,
}

/// Values applied per batch at speed max before yielding.
const MAX_BATCH: usize = 2_000;

/// Runs a replay into `store` (which it resets first).
pub fn spawn(mut replay: Replay, store: SharedStore, speed: Speed, paused: bool) -> ReplayHandle {
    let mut fresh = replay.new_store();
    replay.advance_to(replay.start(), &mut fresh);
    store.replace(fresh);
    let (cmd_tx, mut cmd_rx) = mpsc::unbounded_channel();
    let (status_tx, status_rx) = watch::channel(replay.status(speed, paused));
    let task = tokio::spawn(async move {
        let mut speed = speed;
        let mut paused = paused;
        // Wall instant at which the stream clock stood at `anchor_pos`.
        let mut anchor = (Instant::now(), replay.pos());
        let publish = |replay: &Replay, speed, paused| {
            status_tx.send_replace(replay.status(speed, paused));
        };
        publish(&replay, speed, paused);
        loop {
            let playing = !paused && !replay.done();
            let wake = match (playing, speed.factor(), replay.next_due()) {
                (true, Some(k), Some(due)) => {
                    // Round up so the clock has reached `due` when we wake.
                    let ms = (anchor.1.millis_until(due) + k - 1) / k;
                    Some(anchor.0 + Duration::from_millis(ms as u64))
                }
                (true, None, _) => Some(Instant::now()),
                _ => None,
            };
            let sleep = async {
                match wake {
                    Some(w) => tokio::time::sleep_until(w).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                cmd = cmd_rx.recv() => {
                    let Some(cmd) = cmd else { break };
                    // Bring the clock up to date before changing anything.
                    if playing {
                        if let Some(k) = speed.factor() {
                            let ms = anchor.0.elapsed().as_millis() as i64 * k;
                            store.write(|s| replay.advance_to(anchor.1.plus_millis(ms), s));
                        }
                    }
                    match cmd {
                        ReplayCmd::TogglePause => paused = !paused,
                        ReplayCmd::Faster => speed = speed.faster(),
                        ReplayCmd::Slower => speed = speed.slower(),
                        ReplayCmd::Step => {
                            paused = true;
                            store.write(|s| replay.step(s));
                        }
                        ReplayCmd::Seek(ms) => {
                            let t = replay.pos().plus_millis(ms);
                            store.write(|s| replay.seek(t, s));
                        }
                    }
                    anchor = (Instant::now(), replay.pos());
                }
                _ = sleep => {
                    match speed.factor() {
                        Some(k) => {
                            let ms = anchor.0.elapsed().as_millis() as i64 * k;
                            store.write(|s| replay.advance_to(anchor.1.plus_millis(ms), s));
                        }
                        None => {
                            store.write(|s| replay.advance_n(MAX_BATCH, s));
                            anchor = (Instant::now(), replay.pos());
                            tokio::task::yield_now().await;
                        }
                    }
                }
            }
            publish(&replay, speed, paused);
        }
    });
    ReplayHandle {
        cmds: cmd_tx,
        status: status_rx,
        task,
    }
}
