//! Replay: a recording fed into the store on its own clock. Speed 1/2/5/10/max,
//! pause, step one event, seek and jump to any moment. Values are read from disk as
//! playback needs them; a jump restores the nearest keyframe of the recording's
//! [index](super::index) and applies at most a keyframe's span of values, building
//! the new store aside. `--follow` keeps reading a file that is still being written.
//! [`Replay`] is the pacing state; [`spawn`] runs it as a task.

use super::cursor::{Cursor, Layout};
use super::index::{Index, IndexCache, Keyframe, LineAccounts, Player, Progress, Spacing, Summary};
use crate::core::{SessionStore, SharedStore, StoreConfig};
use crate::wire::{self, Ts};
use std::path::Path;
use std::sync::Arc;
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

/// How to open a recording.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The retention of the store the recording is replayed into.
    pub config: StoreConfig,
    /// Keep reading as the file grows (`tail -f`).
    pub follow: bool,
    /// Where the index goes (`None`: [`IndexCache::for_file`]).
    pub cache: Option<IndexCache>,
    /// How far apart its keyframes are.
    pub spacing: Spacing,
    /// A recording of several accounts': the account of each line.
    pub accounts: Option<Arc<LineAccounts>>,
}

/// What a jump asks of the caller.
#[derive(Debug)]
pub enum Jump {
    /// Apply what is due up to this time to the store as it is (forward, near).
    Forward(Ts),
    /// This store, rebuilt aside from a keyframe, replaces the current one.
    Rebuilt(Box<SessionStore>),
}

/// A recording being replayed: where it stands, its index, and the pass building it.
#[derive(Debug)]
pub struct Replay {
    index: Arc<Index>,
    player: Player,
    pos: Ts,
    follow: bool,
    /// No value at all (nothing to replay unless following).
    empty: bool,
    pass: Option<std::thread::JoinHandle<()>>,
}

impl Replay {
    /// Opens a recording: finds where its stream clock starts, loads its index or
    /// starts the pass that builds it (inline for a recording whose keyframes stay in
    /// memory, on a thread otherwise, so the first frame does not wait for it).
    pub fn open(path: &Path, opts: Options) -> anyhow::Result<Replay> {
        let layout = Layout::of(path)?;
        let (start, empty) = Replay::find_start(&layout)?;
        let cache = opts.cache.unwrap_or_else(|| IndexCache::for_file(path));
        let inline = cache == IndexCache::Memory && !opts.follow;
        let (index, pass) = Index::open(
            &layout,
            opts.config,
            start,
            opts.follow,
            &cache,
            opts.spacing,
            opts.accounts.clone(),
        );
        let pass = pass.and_then(|p| {
            if inline {
                p.run();
                return None;
            }
            let spawned = std::thread::Builder::new()
                .name("calltop-index".into())
                .spawn(move || p.run());
            spawned
                .map_err(|e| tracing::warn!("index thread: {e}"))
                .ok()
        });
        Ok(Replay {
            player: Player::new(Cursor::new(layout, opts.follow), start, opts.accounts),
            index,
            pos: start,
            follow: opts.follow,
            empty,
            pass,
        })
    }

    /// The first stream time in the recording (values before it take it), and
    /// whether the recording has no value at all.
    fn find_start(layout: &Layout) -> std::io::Result<(Ts, bool)> {
        let mut c = Cursor::new(layout.clone(), false);
        let mut empty = true;
        while let Some(raw) = c.peek()? {
            empty = false;
            let t = raw
                .text
                .as_ref()
                .ok()
                .and_then(|t| wire::parse_view(t).ok()?.stream_time());
            if let Some(t) = t {
                return Ok((t, false));
            }
            c.consume();
        }
        Ok((Ts(0), empty))
    }

    /// The recording's index.
    pub fn index(&self) -> &Arc<Index> {
        &self.index
    }

    /// Stream time of the first value.
    pub fn start(&self) -> Ts {
        self.index.start()
    }

    /// Stream time of the last value known (read by the index pass or played).
    pub fn end(&self) -> Ts {
        self.index.progress().clock.max(self.player.feed.clock)
    }

    /// The stream clock.
    pub fn pos(&self) -> Ts {
        self.pos
    }

    /// How many values have been applied.
    pub fn applied(&self) -> u64 {
        self.player.cursor.position().value
    }

    /// How many values the recording has, once indexed (never while following).
    pub fn total(&self) -> Option<u64> {
        self.summary()
            .filter(|_| !self.follow)
            .map(|s| s.end_pos.value)
    }

    /// The index pass's summary (values, bad ones), once it is over.
    pub fn summary(&self) -> Option<Summary> {
        self.index.summary()
    }

    /// True for a recording without a single value (and not followed).
    pub fn is_empty(&self) -> bool {
        self.empty && !self.follow
    }

    /// True while following a file being written.
    pub fn follows(&self) -> bool {
        self.follow
    }

    /// True once every value has been applied (never while following).
    pub fn done(&self) -> bool {
        self.total().is_some_and(|t| self.applied() >= t)
    }

    /// Stream time of the next value to apply (`None`: none, for now).
    pub fn next_due(&mut self) -> Option<Ts> {
        self.player
            .next_due()
            .map_err(|e| tracing::warn!("replay: reading the recording: {e}"))
            .ok()
            .flatten()
    }

    /// A fresh store with this replay's retention.
    pub fn new_store(&self) -> SessionStore {
        SessionStore::new(self.index.config())
    }

    /// Applies the next value if due by `until`: its stream time, or `None`.
    fn apply(&mut self, store: &mut SessionStore, until: Option<Ts>) -> Option<Ts> {
        self.player
            .apply_next(store, until)
            .map_err(|e| tracing::warn!("replay: reading the recording: {e}"))
            .ok()
            .flatten()
    }

    /// Applies every value due by `t` and moves the clock there (never backwards;
    /// never past the last value unless following). Returns how many were applied.
    pub fn advance_to(&mut self, t: Ts, store: &mut SessionStore) -> usize {
        let mut n = 0;
        while self.apply(store, Some(t)).is_some() {
            n += 1;
        }
        let t = if self.follow { t } else { t.min(self.end()) };
        self.pos = self.pos.max(t);
        n
    }

    /// Applies up to `n` values regardless of their time (speed max).
    pub fn advance_n(&mut self, n: usize, store: &mut SessionStore) -> usize {
        let mut done = 0;
        while done < n {
            let Some(at) = self.apply(store, None) else {
                break;
            };
            self.pos = self.pos.max(at);
            done += 1;
        }
        done
    }

    /// Applies the next value and moves the clock to its time.
    pub fn step(&mut self, store: &mut SessionStore) -> bool {
        self.advance_n(1, store) == 1
    }

    /// `t` within the recording (within what is known of it while it is indexed).
    pub fn clamp(&self, t: Ts) -> Ts {
        let t = t.max(self.start());
        if self.follow || self.summary().is_none() {
            t
        } else {
            t.min(self.end())
        }
    }

    /// Moves the clock to `t` (see [`Replay::clamp`]): forward and near, the caller
    /// applies what is due to the store it has; otherwise the nearest keyframe at or
    /// before `t` is restored and at most a keyframe's span of values applied to it,
    /// aside. Either way the store ends as a rebuild from the start to `t` would.
    pub fn jump(&mut self, t: Ts) -> Jump {
        let t = self.clamp(t);
        let best = self.index.keyframe_for(t);
        let near = best.is_none_or(|(_, k)| k.pos.value <= self.applied());
        if t >= self.pos && near {
            return Jump::Forward(t);
        }
        let mut store = self.restore(best.map(|(i, _)| i));
        while self.apply(&mut store, Some(t)).is_some() {}
        self.pos = t;
        Jump::Rebuilt(Box::new(store))
    }

    /// Restores keyframe `i` (one that fails its checks: the one before it; none: the
    /// start) and moves the reading there.
    fn restore(&mut self, mut i: Option<usize>) -> SessionStore {
        let (k, store) = loop {
            let Some(k) = i else {
                let start = Keyframe::start(self.start());
                break (start, self.new_store());
            };
            match self.index.restore(k) {
                Ok(found) => break found,
                Err(e) => {
                    tracing::warn!("replay: keyframe {k}: {e}");
                    self.index.damaged();
                    i = k.checked_sub(1);
                }
            }
        };
        self.player.at(k.pos, k.clock);
        store
    }

    /// Moves the clock to `t`, replacing or advancing `store` (see [`Replay::jump`]).
    pub fn seek(&mut self, t: Ts, store: &mut SessionStore) {
        match self.jump(t) {
            Jump::Forward(t) => {
                self.advance_to(t, store);
            }
            Jump::Rebuilt(s) => *store = *s,
        }
    }

    /// A status snapshot for the UI.
    pub fn status(&self, speed: Speed, paused: bool) -> ReplayStatus {
        let p = self.index.progress();
        ReplayStatus {
            speed,
            paused,
            pos: self.pos,
            start: self.start(),
            end: self.end(),
            applied: self.applied(),
            total: self.total(),
            // A followed file is never complete: indexing ends for the board once the
            // pass has read as far as the file went when it was opened.
            indexing: (!(p.complete || self.follow && p.done >= p.of)).then(|| p.percent()),
            follow: self.follow,
            waiting: false,
            since: Instant::now(),
        }
    }
}

impl Drop for Replay {
    fn drop(&mut self) {
        self.index.stop();
        if let Some(pass) = self.pass.take() {
            let _ = pass.join();
        }
    }
}

/// Where a jump goes: a stream time, a time of day (the first at or after the start
/// of the recording, UTC; the board shifts what is typed from its `--tz`), or a share
/// of the recording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JumpTarget {
    At(Ts),
    /// Milliseconds after midnight UTC.
    TimeOfDay(i64),
    /// Parts per million of the recording's stream time.
    Fraction(u32),
}

impl JumpTarget {
    /// Parses `10:42`, `10:42:30` (a time of day, UTC) or `50%` / `12.5%`.
    pub fn parse(s: &str) -> Result<JumpTarget, String> {
        let s = s.trim();
        let bad = || format!("{s:?}: type a stream time (10:42 or 10:42:30) or a share (50%)");
        if let Some(p) = s.strip_suffix('%') {
            let p: f64 = p.trim().parse().map_err(|_| bad())?;
            if !(0.0..=100.0).contains(&p) {
                return Err(format!("{s}: a share is 0% to 100%"));
            }
            return Ok(JumpTarget::Fraction((p * 10_000.0).round() as u32));
        }
        let parts: Vec<&str> = s.split(':').collect();
        if !(2..=3).contains(&parts.len()) {
            return Err(bad());
        }
        let num = |p: &str, max: i64| {
            let v: i64 = p.parse().map_err(|_| bad())?;
            (p.len() <= 2 && (0..max).contains(&v))
                .then_some(v)
                .ok_or_else(bad)
        };
        let (h, m) = (num(parts[0], 24)?, num(parts[1], 60)?);
        let sec = parts.get(2).map_or(Ok(0), |p| num(p, 60))?;
        Ok(JumpTarget::TimeOfDay(((h * 60 + m) * 60 + sec) * 1000))
    }

    /// The stream time this is in a recording from `start` to `end`; `None` for a
    /// share while the end is not known (`complete` false).
    pub fn resolve(self, start: Ts, end: Ts, complete: bool) -> Option<Ts> {
        const DAY: i64 = 86_400_000;
        match self {
            JumpTarget::At(t) => Some(t),
            JumpTarget::TimeOfDay(ms) => {
                let t = start.0 - start.0.rem_euclid(DAY) + ms;
                Some(Ts(if t < start.0 { t + DAY } else { t }))
            }
            JumpTarget::Fraction(ppm) => complete.then(|| {
                let span = start.millis_until(end) as i128;
                Ts(start.0 + (span * i128::from(ppm) / 1_000_000) as i64)
            }),
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
    /// The last stream time known.
    pub end: Ts,
    pub applied: u64,
    /// Values in the recording, once indexed (never while following).
    pub total: Option<u64>,
    /// Percent of the recording indexed, while the index is built.
    pub indexing: Option<u8>,
    /// Following a file being written.
    pub follow: bool,
    /// A jump waits for the index to reach its time.
    pub waiting: bool,
    /// Wall time of `pos` (the clock runs on from here while playing).
    pub since: Instant,
}

impl ReplayStatus {
    /// True once every value has been applied.
    pub fn done(&self) -> bool {
        self.total.is_some_and(|t| self.applied >= t)
    }

    /// The stream clock at wall time `at`: frozen when paused or done; past the last
    /// value only while following.
    pub fn clock_at(&self, at: Instant) -> Ts {
        match self.speed.factor() {
            Some(k) if !self.paused && !self.done() => {
                let ms = at.saturating_duration_since(self.since).as_millis() as i64;
                let t = self.pos.plus_millis(ms * k);
                if self.follow {
                    t
                } else {
                    t.min(self.end)
                }
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
    /// Jump to a moment (it waits for the index to reach a time not indexed yet).
    Jump(JumpTarget),
}

/// The running replay task.
pub struct ReplayHandle {
    pub cmds: mpsc::UnboundedSender<ReplayCmd>,
    pub status: watch::Receiver<ReplayStatus>,
    pub task: tokio::task::JoinHandle<()>,
}

impl super::Running for ReplayHandle {
    fn status(&self) -> super::StatusRx {
        super::StatusRx::Replay(self.status.clone())
    }

    fn commands(&self) -> Option<mpsc::UnboundedSender<ReplayCmd>> {
        Some(self.cmds.clone())
    }
}

/// A recording (a file, followed or not, or a stream's copy) to play back: the replay
/// and file source.
pub struct Playback {
    pub replay: Replay,
    pub speed: Speed,
    pub paused: bool,
}

impl super::Source for Playback {
    type Running = ReplayHandle;

    async fn start(self, store: SharedStore) -> anyhow::Result<ReplayHandle> {
        Ok(spawn(self.replay, store, self.speed, self.paused))
    }
}

/// Values applied per write of the store at speed max or moving forward.
const MAX_BATCH: usize = 2_000;

/// How often a followed file is looked at for new lines.
const FOLLOW_POLL: Duration = Duration::from_millis(250);

/// When the replay loop wakes: at the wall instant the paced clock reaches `due` (from
/// `anchor`: the wall instant the stream clock stood at a time), at once unpaced, to
/// poll a followed file at its end; `None` (`playing` is `None`): only for a command.
fn wake_at(
    anchor: (Instant, Ts),
    playing: Option<(Option<i64>, Option<Ts>)>,
    follows: bool,
) -> Option<Instant> {
    match playing? {
        (Some(k), Some(due)) => {
            // Round up so the clock has reached `due` when we wake.
            let ms = (anchor.1.millis_until(due) + k - 1) / k;
            Some(anchor.0 + Duration::from_millis(ms as u64))
        }
        (None, Some(_)) => Some(Instant::now()),
        (_, None) if follows => Some(Instant::now() + FOLLOW_POLL),
        _ => None,
    }
}

/// What the replay loop's commands change.
struct Play {
    speed: Speed,
    paused: bool,
    /// A jump waiting for the index to reach its target.
    waiting: Option<JumpTarget>,
    /// Following: playing what the file holds already, to start at its end.
    catching_up: bool,
}

impl Play {
    /// Applies a command (the clock brought up to date before it).
    fn command(&mut self, cmd: ReplayCmd, replay: &mut Replay, store: &SharedStore) {
        match cmd {
            ReplayCmd::TogglePause => self.paused = !self.paused,
            ReplayCmd::Faster => self.speed = self.speed.faster(),
            ReplayCmd::Slower => self.speed = self.speed.slower(),
            ReplayCmd::Step => {
                self.paused = true;
                store.write(|s| replay.step(s));
            }
            ReplayCmd::Seek(ms) => {
                self.waiting = Some(JumpTarget::At(replay.pos().plus_millis(ms)));
            }
            ReplayCmd::Jump(target) => self.waiting = Some(target),
        }
        if matches!(cmd, ReplayCmd::Seek(_) | ReplayCmd::Jump(_)) {
            // The user chose where to be: no catching up, and at max no
            // running on past it.
            self.catching_up = false;
            self.paused |= self.speed == Speed::Max;
        }
    }
}

/// The stream time a jump goes to now, or `None` while it waits for the index.
fn resolve(target: JumpTarget, replay: &Replay) -> Option<Ts> {
    let p: Progress = replay.index().progress();
    let known = p.complete || replay.follows();
    let t = target.resolve(replay.start(), replay.end(), known)?;
    (known || t <= replay.end()).then_some(t)
}

/// Jumps to `t` without holding the store's write lock for long: a rebuild happens
/// aside (on a blocking thread) and replaces the store; a near move forward is
/// applied in batches.
async fn jump_to(replay: Replay, t: Ts, store: &SharedStore) -> Replay {
    let moved = tokio::task::spawn_blocking(move || {
        let mut replay = replay;
        let j = replay.jump(t);
        (replay, j)
    })
    .await;
    let Ok((mut replay, j)) = moved else {
        panic!("the replay's jump panicked");
    };
    match j {
        Jump::Rebuilt(s) => store.replace(*s),
        Jump::Forward(t) => loop {
            let n = store.write(|s| {
                let mut n = 0;
                while n < MAX_BATCH && replay.apply(s, Some(t)).is_some() {
                    n += 1;
                }
                n
            });
            if n < MAX_BATCH {
                store.write(|s| replay.advance_to(t, s));
                break;
            }
            tokio::task::yield_now().await;
        },
    }
    replay
}

/// Runs a replay into `store` (which it resets first). A followed file starts where it
/// ends now: what it holds is played through at speed max first (paused or not), then
/// the clock runs at `speed` from its last value. A jump or seek at speed max pauses
/// there: playing on at max would run straight back to the end.
pub fn spawn(mut replay: Replay, store: SharedStore, speed: Speed, paused: bool) -> ReplayHandle {
    let mut fresh = replay.new_store();
    replay.advance_to(replay.start(), &mut fresh);
    store.replace(fresh);
    let (cmd_tx, mut cmd_rx) = mpsc::unbounded_channel();
    let (status_tx, status_rx) = watch::channel(replay.status(speed, paused));
    let mut progress = replay.index().subscribe();
    let task = tokio::spawn(async move {
        let mut play = Play {
            speed,
            paused,
            waiting: None,
            catching_up: replay.follows(),
        };
        // Wall instant at which the stream clock stood at `anchor.1`.
        let mut anchor = (Instant::now(), replay.pos());
        loop {
            if let Some(t) = play.waiting.and_then(|w| resolve(w, &replay)) {
                play.waiting = None;
                replay = jump_to(replay, t, &store).await;
                anchor = (Instant::now(), replay.pos());
            }
            // The status shows the index as of now; a later step of it wakes the loop.
            progress.borrow_and_update();
            let mut st = replay.status(play.speed, play.paused);
            st.waiting = play.waiting.is_some();
            status_tx.send_replace(st);
            let indexing = st.indexing.is_some();
            let playing = (!play.paused || play.catching_up) && !replay.done();
            let due = if playing { replay.next_due() } else { None };
            if play.catching_up && due.is_none() {
                // At the end of what is written: from here on the clock runs.
                play.catching_up = false;
                anchor = (Instant::now(), replay.pos());
                continue;
            }
            let pace = if play.catching_up {
                None
            } else {
                play.speed.factor()
            };
            let wake = wake_at(anchor, playing.then_some((pace, due)), replay.follows());
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
                        if let Some(k) = pace {
                            let ms = anchor.0.elapsed().as_millis() as i64 * k;
                            store.write(|s| replay.advance_to(anchor.1.plus_millis(ms), s));
                        }
                    }
                    play.command(cmd, &mut replay, &store);
                    anchor = (Instant::now(), replay.pos());
                }
                _ = sleep => {
                    match pace {
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
                r = progress.changed(), if indexing => {
                    if r.is_err() {
                        // The pass ended without finishing (stopped): nothing more to wait for.
                        play.waiting = None;
                    }
                }
            }
        }
    });
    ReplayHandle {
        cmds: cmd_tx,
        status: status_rx,
        task,
    }
}
