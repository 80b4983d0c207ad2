//! The board's state, split by concern: [`BoardConfig`] (fixed for a run),
//! [`ViewState`] (what the user looks at), [`FeedState`] (mirrors of the source),
//! [`ControlState`] (requests in flight) and the status line. It holds no sessions:
//! views read those from the store at draw time (see [`super::rows`]).

use super::keymap::Keymap;
use super::rows::{agents, Memos, Rows};
use super::theme::{Level, Theme, ThemeName};
pub use super::view::{
    target_in, Confirm, ListCursor, Overlay, Prompt, PromptKind, Screen, ViewState, OVERVIEW_MIN,
};
use crate::core::alarms::{AlarmChange, AlarmKey, AlarmRules};
use crate::core::zone::Zone;
use crate::core::{Center, Session, SessionStore, Summary};
use crate::source::replay::ReplayStatus;
use crate::source::{ConnState, Loading};
use crate::wire::presence::AgentState;
use crate::wire::{StatusCode, Ts};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Where events come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Live,
    Demo,
    Replay,
}

/// The status line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusLine {
    pub text: String,
    pub level: Level,
    pub at: Ts,
    /// A wait the line counts down to (`retry in 3s`), drawn live.
    pub until: Option<Ts>,
    /// The line says how the load goes: drawn live from it while it runs (its wait
    /// counting down), as said once it is over.
    pub loading: bool,
}

impl StatusLine {
    /// How long a line stays: 10 s, errors and warnings 20 s, after its countdown.
    pub const KEEP_MS: i64 = 10_000;

    /// True once the line has been shown long enough at `now`.
    pub fn expired(&self, now: Ts) -> bool {
        let keep = match self.level {
            Level::Warn | Level::Crit => 2 * Self::KEEP_MS,
            _ => Self::KEEP_MS,
        };
        self.until.unwrap_or(self.at).plus_millis(keep) <= now
    }

    /// The text at `now`, with the countdown said once.
    pub fn text_at(&self, now: Ts) -> String {
        match self.until {
            Some(u) if u > now => {
                format!(
                    "{}, retry in {}s",
                    self.text,
                    (now.millis_until(u) + 999) / 1000
                )
            }
            Some(_) => format!("{}: you can retry now", self.text),
            None => self.text.clone(),
        }
    }
}

/// A control request still running.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub party: String,
    /// Who or what it acts on, in words (from the confirmation).
    pub subject: String,
    pub verb: String,
    pub since: Ts,
}

/// Alert thresholds in milliseconds: (amber, red).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thresholds {
    pub ring: (i64, i64),
    pub hold: (i64, i64),
    pub park: (i64, i64),
    /// An agent's call (talking) longer than this (agents view).
    pub call: (i64, i64),
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            ring: (20_000, 45_000),
            hold: (60_000, 180_000),
            park: (60_000, 180_000),
            call: (600_000, 1_200_000),
        }
    }
}

impl Thresholds {
    /// The alert level of a party in `code` for `in_state_ms`.
    pub fn level(&self, code: Option<&StatusCode>, in_state_ms: i64) -> Level {
        let pair = match code {
            Some(c) if c.is_ringing() => self.ring,
            Some(StatusCode::Hold) => self.hold,
            Some(StatusCode::Parked) => self.park,
            _ => return Level::Normal,
        };
        Self::against(pair, in_state_ms)
    }

    /// The alert level of an agent in telephony state `state` for `in_state_ms`:
    /// ringing, on hold and parked as a party; on a call against `call`.
    pub fn agent_level(&self, state: Option<AgentState>, in_state_ms: i64) -> Level {
        let pair = match state {
            Some(AgentState::Ringing) => self.ring,
            Some(AgentState::OnHold) => self.hold,
            Some(AgentState::Parked) => self.park,
            Some(AgentState::OnCall) => self.call,
            _ => return Level::Normal,
        };
        Self::against(pair, in_state_ms)
    }

    /// A time against an (amber, red) pair.
    pub fn against((warn, crit): (i64, i64), ms: i64) -> Level {
        let in_state_ms = ms;
        if in_state_ms >= crit {
            Level::Crit
        } else if in_state_ms >= warn {
            Level::Warn
        } else {
            Level::Normal
        }
    }

    /// The worst alert of a session at `now`: its parties', and its caller's wait in a
    /// queue against that queue's service level.
    pub fn session_level(&self, s: &Session, center: &Center, now: Ts) -> Level {
        // A call in doubt may have left its queue unseen: its wait is not known.
        let queued = center
            .queued(&s.id)
            .filter(|_| !center.doubted(&s.id))
            .map(|(q, w)| wait_level(q, w.entered.millis_until(now)));
        s.parties
            .iter()
            .filter(|p| !p.is_terminal())
            .map(|p| {
                let f = s.party_figures(p, now);
                self.level(p.code(), f.in_state_ms)
            })
            .chain(queued)
            .max()
            .unwrap_or(Level::Normal)
    }
}

/// The wait of a queue's caller against the queue's service-level threshold: amber
/// from half the threshold, red from the threshold on.
pub fn wait_level(q: &crate::core::center::Queue, wait_ms: i64) -> Level {
    let sla = q.sla.threshold_ms.max(1);
    Thresholds::against((sla / 2, sla), wait_ms)
}

/// Events per second over a sliding window on the UI clock.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventRate {
    samples: std::collections::VecDeque<(Ts, u64)>,
}

impl EventRate {
    const WINDOW_MS: i64 = 5_000;

    /// Records the event counter at `now`.
    pub fn observe(&mut self, now: Ts, events: u64) {
        if self.samples.back().is_some_and(|(t, _)| *t > now) {
            self.samples.clear(); // the clock went back (replay seek)
        }
        self.samples.push_back((now, events));
        while self.samples.len() > 2
            && self
                .samples
                .front()
                .is_some_and(|(t, _)| t.millis_until(now) > Self::WINDOW_MS)
        {
            self.samples.pop_front();
        }
    }

    /// Events per second (0 without two samples).
    pub fn per_sec(&self) -> f64 {
        match (self.samples.front(), self.samples.back()) {
            (Some((t0, e0)), Some((t1, e1))) if t1 > t0 => {
                e1.saturating_sub(*e0) as f64 * 1000.0 / (t1.0 - t0.0) as f64
            }
            _ => 0.0,
        }
    }
}

/// What the board was started with; fixed for its run.
#[derive(Clone, Debug)]
pub struct BoardConfig {
    pub mode: Mode,
    /// Control keys disabled (always in replay).
    pub read_only: bool,
    /// Why, when it is not the user's choice (a relay's broker refuses this user's
    /// control requests): said when a control key is pressed.
    pub read_only_why: Option<String>,
    /// Account, extension or file shown in the header.
    pub account: String,
    pub thresholds: Thresholds,
    /// Ring the terminal bell when a row turns red or a queue alarm is raised.
    pub bell: bool,
    /// Queue alarms to evaluate (live), and `--on-alert CMD`.
    pub alarms: Option<AlarmRules>,
    pub on_alert: Option<String>,
    pub keymap: Keymap,
    pub theme: Theme,
    /// Ended calls are being joined to the call log (their outcome may still come).
    pub call_log: bool,
    /// The screen the board opens on (`calltop wallboard`: the wallboard).
    pub start: Screen,
    /// Why answer, pickup and listen-in have no device to use (said instead of opening
    /// their confirmation); `None`: `--device-id`, the device picked at start (`demo`),
    /// or the one looked up when the request is sent (`live`).
    pub no_device: Option<String>,
    /// The zone of the clock times shown and of "today" (`--tz`).
    pub zone: Zone,
}

impl BoardConfig {
    /// Defaults for a mode (times in UTC; a run's flags set its zone).
    pub fn new(mode: Mode) -> BoardConfig {
        BoardConfig {
            mode,
            read_only: mode == Mode::Replay,
            read_only_why: None,
            account: String::new(),
            thresholds: Thresholds::default(),
            bell: false,
            alarms: None,
            on_alert: None,
            keymap: Keymap::default(),
            theme: Theme::named(ThemeName::Dark),
            call_log: false,
            start: Screen::Board,
            no_device: None,
            zone: Zone::Named(chrono_tz::UTC),
        }
    }
}

/// What the board mirrors of its source: replay position, connection, event rate, lag.
#[derive(Clone, Debug, Default)]
pub struct FeedState {
    pub replay: Option<ReplayStatus>,
    pub conn: Option<ConnState>,
    /// Loading the calls in progress (live).
    pub loading: Option<Loading>,
    pub rate: EventRate,
    /// Delivery lag of the newest event (received − eventTime).
    pub lag_ms: Option<i64>,
    /// The live connection dropped at this time: what the board shows is as of then
    /// (timers frozen, no new alerts, lag unknown) until it is live again.
    pub stale_since: Option<Ts>,
    /// The wall clock of the frame (the board's own clock may stand still: replay,
    /// paused, or data as of a drop); outage lengths and countdowns read this.
    pub wall: Ts,
    /// The queue alarms in force, each as it was raised.
    pub alarms: BTreeMap<AlarmKey, AlarmChange>,
}

impl FeedState {
    /// True while queue `id` has an alarm in force.
    pub fn alarmed(&self, id: &str) -> bool {
        self.alarms.keys().any(|k| k.queue == id)
    }

    /// Mirrors a connection change at wall time `now`.
    pub fn connection(&mut self, c: ConnState, now: Ts) {
        let was_live = self.conn.as_ref().is_some_and(ConnState::is_live);
        match (was_live, c.is_live()) {
            (true, false) => {
                self.stale_since = Some(now);
                self.lag_ms = None;
            }
            (_, true) => self.stale_since = None,
            _ => {}
        }
        self.conn = Some(c);
    }
}

/// Control requests in flight and the platform's rate limit.
#[derive(Clone, Debug, Default)]
pub struct ControlState {
    /// Running requests, by session.
    pub pending: HashMap<String, Pending>,
    /// After a 429: nothing is sent before this.
    pub rate_limited_until: Option<Ts>,
}

/// Everything the board remembers between frames.
#[derive(Clone, Debug)]
pub struct UiState {
    pub(super) config: BoardConfig,
    pub(super) view: ViewState,
    pub(super) feed: FeedState,
    pub(super) control: ControlState,
    /// The status line (see [`UiState::status`]).
    status: Option<StatusLine>,
    /// Sessions already alerted with the bell.
    belled: HashSet<String>,
    quit: bool,
    /// Derived rows and figures kept between frames.
    pub(super) memos: Memos,
}

impl UiState {
    /// A fresh state for a configuration.
    pub fn new(config: BoardConfig) -> UiState {
        let view = ViewState {
            screen: config.start,
            ..ViewState::default()
        };
        UiState {
            config,
            view,
            feed: FeedState::default(),
            control: ControlState::default(),
            status: None,
            belled: HashSet::new(),
            quit: false,
            memos: Memos::default(),
        }
    }

    /// What the board was started with.
    pub fn config(&self) -> &BoardConfig {
        &self.config
    }

    /// What the user looks at.
    pub fn view(&self) -> &ViewState {
        &self.view
    }

    /// What the user looks at, to change it (through [`ViewState`]'s methods).
    pub fn view_mut(&mut self) -> &mut ViewState {
        &mut self.view
    }

    /// What the board mirrors of its source.
    pub fn feed(&self) -> &FeedState {
        &self.feed
    }

    /// The wall clock of the frame being drawn (the loop sets it each frame).
    pub fn set_wall(&mut self, wall: Ts) {
        self.feed.wall = wall;
    }

    /// The delivery lag of the newest event (`None`: unknown).
    pub fn set_lag(&mut self, lag_ms: Option<i64>) {
        self.feed.lag_ms = lag_ms;
    }

    /// Control requests in flight and the platform's rate limit.
    pub fn control(&self) -> &ControlState {
        &self.control
    }

    /// Sets the status line.
    pub fn say(&mut self, level: Level, text: impl Into<String>, now: Ts) {
        self.status = Some(StatusLine {
            text: text.into(),
            level,
            at: now,
            until: None,
            loading: false,
        });
    }

    /// Sets the status line to how the load goes, drawn live while it runs.
    pub fn say_loading(&mut self, level: Level, text: String, now: Ts) {
        self.say(level, text, now);
        if let Some(s) = &mut self.status {
            s.loading = true;
        }
    }

    /// Sets the status line with a wait it counts down to (`retry in 3s`).
    pub fn say_until(&mut self, level: Level, text: String, until: Option<Ts>, now: Ts) {
        self.status = Some(StatusLine {
            text,
            level,
            at: now,
            until,
            loading: false,
        });
    }

    /// The status line shown, if any.
    pub fn status(&self) -> Option<&StatusLine> {
        self.status.as_ref()
    }

    /// Clears the status line; with `now`, only once it has been shown long enough.
    pub fn hush(&mut self, now: Option<Ts>) {
        if now.is_none_or(|now| self.status.as_ref().is_some_and(|s| s.expired(now))) {
            self.status = None;
        }
    }

    /// True once the board is to be left.
    pub fn quitting(&self) -> bool {
        self.quit
    }

    /// Leaves the board (after this update).
    pub fn leave(&mut self) {
        self.quit = true;
    }

    /// True when a call in progress turned red since the last look (each call rings
    /// once; calls that ended are forgotten).
    pub fn newly_red(&mut self, store: &SessionStore, now: Ts) -> bool {
        let mut red = false;
        for s in store.sessions().filter(|s| !s.ended) {
            if self.config.thresholds.session_level(s, store.center(), now) == Level::Crit
                && self.belled.insert(s.id.clone())
            {
                red = true;
            }
        }
        self.belled
            .retain(|id| store.get(id).is_some_and(|s| !s.ended));
        red
    }

    /// The theme in force.
    pub fn theme(&self) -> &Theme {
        &self.config.theme
    }

    /// The rows of the current screen in display order (see [`Memos::rows`]).
    pub fn rows<'a>(&self, store: &'a SessionStore, now: Ts) -> Rows<'a> {
        self.memos.rows(&self.view, store, now)
    }

    /// The header figures at `now` (see [`Memos::summary`]).
    pub fn summary(&self, store: &SessionStore, now: Ts) -> Summary {
        self.memos.summary(store, now)
    }

    /// The agents' rows under the `/` filter (see [`agents::agent_order`]).
    pub(crate) fn agent_order(&self, store: &SessionStore) -> Arc<agents::OrderEntry> {
        agents::agent_order(&self.memos.agents, &self.view.filter, store)
    }

    /// Each agent's queues (see [`agents::agent_queues`]).
    pub(crate) fn agent_queues(&self, store: &SessionStore) -> Arc<agents::QueuesEntry> {
        agents::agent_queues(&self.memos.agents, store)
    }

    /// The selected session, if it is still in the store (unpacked if archived).
    pub fn selected_session<'a>(&self, store: &'a SessionStore) -> Option<Cow<'a, Session>> {
        self.view
            .calls
            .selected
            .as_deref()
            .and_then(|id| store.find(id))
    }

    /// The index of the party keys act on in a session (see [`target_in`]).
    pub fn target_index(&self, s: &Session) -> Option<usize> {
        target_in(self.view.target_party.as_ref(), s)
    }

    /// True while the live source's first load of agents, queues and calls in progress
    /// is not over: their figures are not known yet.
    pub fn seeding(&self) -> bool {
        let failed = matches!(self.feed.conn, Some(ConnState::Failed(_)));
        self.feed.loading.is_some_and(|l| l.seeding) && !failed
    }

    /// True while what the agents are doing is not known: the first load is under way
    /// ([`seeding`](UiState::seeding)), or the load after an outage ([`Loading::reloading`]):
    /// an agent with no call known may be on one begun unseen.
    pub fn staff_unknown(&self) -> bool {
        let failed = matches!(self.feed.conn, Some(ConnState::Failed(_)));
        self.feed.loading.is_some_and(|l| l.seeding || l.reloading) && !failed
    }

    /// Why control keys send nothing in this run (`None`: they may): a replay, the
    /// broker's reason, or `--read-only`. The one place read-only is decided.
    pub fn read_only(&self) -> Option<&str> {
        match (
            &self.config.mode,
            self.config.read_only,
            &self.config.read_only_why,
        ) {
            (Mode::Replay, _, _) => Some("a replay"),
            (_, true, Some(why)) => Some(why),
            (_, true, None) => Some("--read-only"),
            (_, false, _) => None,
        }
    }

    /// The one wording of a refused control key (and of the help's note): read-only
    /// and why.
    pub fn read_only_refusal(&self) -> Option<String> {
        self.read_only()
            .map(|why| format!("read-only ({why}): control keys are disabled"))
    }

    /// True when control keys may send requests in this run.
    pub fn controls_enabled(&self) -> bool {
        self.read_only().is_none()
    }
}
