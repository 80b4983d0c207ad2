//! The board's state, split by concern: [`BoardConfig`] (fixed for a run),
//! [`ViewState`] (what the user looks at), [`FeedState`] (mirrors of the source),
//! [`ControlState`] (requests in flight) and the status line. It holds no sessions:
//! views read those from the store at draw time (see [`super::rows`]).

use super::keymap::Keymap;
use super::rows::{Memos, SortKey, StateFilter};
use super::theme::{Level, Theme, ThemeName};
use super::views::agents::AgentMemos;
use crate::core::alarms::{AlarmChange, AlarmKey, AlarmRules};
use crate::core::control::{Ask, CallKey, ControlRequest};
use crate::core::zone::Zone;
use crate::core::{Center, Session, SessionStore};
use crate::source::replay::ReplayStatus;
use crate::source::{ConnState, Loading};
use crate::wire::presence::AgentState;
use crate::wire::{StatusCode, Ts};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::collections::{HashMap, HashSet};

/// Where events come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Live,
    Demo,
    Replay,
}

/// The party keys act on in a session: the one chosen with Tab while it is still in
/// the call, else the session's default party (which prefers parties still in it).
pub fn target_in(chosen: Option<&(String, String)>, s: &Session) -> Option<usize> {
    match chosen {
        Some((sid, pid)) if *sid == s.id => s
            .parties
            .iter()
            .position(|p| p.id == *pid && !p.is_terminal()),
        _ => None,
    }
    .or_else(|| SessionStore::default_party(s))
}

/// The main screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    /// Active sessions (on a large terminal: the overview, see [`OVERVIEW_MIN`]).
    Board,
    /// Ended sessions with disposition and figures.
    History,
    /// One row per agent (`A`).
    Agents,
    /// One row per call queue (`Q`); Enter opens one queue's waiting calls and agents.
    Queues,
    /// Queue figures in large digits, for a wall screen (`W`, `calltop wallboard`).
    Wallboard,
}

impl Screen {
    /// True for the screens whose rows are agents or queues, not calls.
    pub fn is_center(self) -> bool {
        matches!(self, Screen::Agents | Screen::Queues | Screen::Wallboard)
    }
}

/// The smallest terminal (columns, rows) on which the calls screen becomes the
/// overview: the queue strip on top, calls and agents side by side.
pub const OVERVIEW_MIN: (u16, u16) = (160, 40);

/// A cursor over a list of agents or queues, by id (follows its row when rows move).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListCursor {
    pub cursor: usize,
    pub offset: usize,
    pub selected: Option<String>,
}

impl ListCursor {
    /// Re-resolves the selection against `ids` (in display order) and keeps it within
    /// the `height` rows shown.
    pub fn sync<'a>(&mut self, ids: impl ExactSizeIterator<Item = &'a str>, height: usize) {
        let len = ids.len();
        let ids: Vec<&str> = ids.collect();
        if len == 0 {
            *self = ListCursor::default();
            return;
        }
        let found = self
            .selected
            .as_deref()
            .and_then(|id| ids.iter().position(|r| *r == id));
        self.cursor = found.unwrap_or(self.cursor.min(len - 1));
        self.selected = Some(ids[self.cursor].to_string());
        self.scroll(len, height);
    }

    /// Moves by `delta` rows over `ids`.
    pub fn step(&mut self, ids: &[&str], delta: i64, height: usize) {
        if ids.is_empty() {
            return;
        }
        let last = ids.len() as i64 - 1;
        self.cursor = (self.cursor as i64 + delta).clamp(0, last) as usize;
        self.selected = Some(ids[self.cursor].to_string());
        self.scroll(ids.len(), height);
    }

    fn scroll(&mut self, len: usize, height: usize) {
        let h = height.max(1);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + h {
            self.offset = self.cursor + 1 - h;
        }
        self.offset = self.offset.min(len.saturating_sub(h));
    }
}

/// A dialog asking to confirm a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confirm {
    /// What it sends: an action on a party of a call, or a setting of an agent.
    pub request: ControlRequest,
    pub question: String,
    /// Who or what the request acts on, in words (`Maya Singh (ext 101)`): the status
    /// line and the audit trail say it with the result.
    pub subject: String,
    /// False: Cancel has the focus (the default).
    pub ok_focused: bool,
}

/// What a text prompt asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptKind {
    /// A call key's text (a transfer target, a flip number…).
    Call(CallKey),
    /// Replay: where to jump.
    Jump,
}

impl PromptKind {
    /// The prompt's label.
    pub fn label(self) -> &'static str {
        match (self, self.call_ask()) {
            (_, Some(Ask::Prompt { label, .. })) => label,
            _ => "jump to (10:42, 10:42:30, or 50%)",
        }
    }

    /// What the call key asks, for a call key's prompt.
    pub fn call_ask(self) -> Option<Ask> {
        match self {
            PromptKind::Call(k) => Some(k.facts().ask),
            PromptKind::Jump => None,
        }
    }
}

/// A text prompt (transfer / forward target, flip number; a replay's jump, with no
/// session or party).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub session: String,
    pub party: String,
    pub input: String,
    /// The cursor in `input`, in characters.
    pub cursor: usize,
}

/// What is open over the board.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help,
    Confirm(Confirm),
    Prompt(Prompt),
    /// Typing the `/` filter.
    Filter,
}

/// The status line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusLine {
    pub text: String,
    pub level: Level,
    pub at: Ts,
    /// A wait the line counts down to (`retry in 3s`), drawn live.
    pub until: Option<Ts>,
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
        let queued = center
            .queued(&s.id)
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

/// What the user is looking at: screen, overlay, selection, scroll, sort and filters.
#[derive(Clone, Debug)]
pub struct ViewState {
    pub screen: Screen,
    pub overlay: Overlay,
    /// The detail pane (Enter) is open for the selected session.
    pub detail: bool,
    /// Selected session (follows it when rows move).
    pub selected: Option<String>,
    /// Row index of the selection.
    pub cursor: usize,
    /// On the first row, the selection stays on the first row as calls move (the most
    /// urgent call under the default sort) rather than following its call down.
    pub follow_top: bool,
    /// First visible row.
    pub offset: usize,
    /// The terminal's size (columns, rows): what fits on screen follows from it.
    pub size: (u16, u16),
    /// First timeline line shown in the detail; `None` follows the newest entries.
    pub timeline_top: Option<usize>,
    /// First line shown of the help.
    pub help_top: usize,
    pub sort: SortKey,
    /// ↓: largest, newest, longest first (Z→A for words); ↑ the other way.
    pub sort_descending: bool,
    pub filter: String,
    /// The cursor in `filter` while it is typed, in characters.
    pub filter_cursor: usize,
    pub state_filter: StateFilter,
    /// The party keys act on, when chosen with Tab (else the session's default party).
    pub target_party: Option<(String, String)>,
    /// The call last acted on: kept on the board (even outside the filters) and
    /// selected until the user moves.
    pub pinned: Option<String>,
    /// The agents view's rows.
    pub agents: ListCursor,
    /// The queues view's rows.
    pub queues: ListCursor,
    /// The queue whose detail (waiting calls and agents) is open in the queues view.
    pub open_queue: Option<String>,
    /// The agents of the open queue.
    pub members: ListCursor,
}

impl Default for ViewState {
    fn default() -> Self {
        ViewState {
            screen: Screen::Board,
            overlay: Overlay::None,
            detail: false,
            selected: None,
            cursor: 0,
            follow_top: true,
            offset: 0,
            size: (120, 40),
            timeline_top: None,
            help_top: 0,
            sort: SortKey::Waiting,
            sort_descending: true,
            filter: String::new(),
            filter_cursor: 0,
            state_filter: StateFilter::All,
            target_party: None,
            pinned: None,
            agents: ListCursor::default(),
            queues: ListCursor::default(),
            open_queue: None,
            members: ListCursor::default(),
        }
    }
}

impl ViewState {
    /// The cursor of the list shown on a screen of agents or queues.
    pub fn center_cursor(&self) -> Option<&ListCursor> {
        match (self.screen, &self.open_queue) {
            (Screen::Agents, _) => Some(&self.agents),
            (Screen::Queues, Some(_)) => Some(&self.members),
            (Screen::Queues, None) => Some(&self.queues),
            _ => None,
        }
    }

    /// The cursor of the list shown, to move it.
    pub fn center_cursor_mut(&mut self) -> Option<&mut ListCursor> {
        match (self.screen, &self.open_queue) {
            (Screen::Agents, _) => Some(&mut self.agents),
            (Screen::Queues, Some(_)) => Some(&mut self.members),
            (Screen::Queues, None) => Some(&mut self.queues),
            _ => None,
        }
    }

    /// The first list row shown on a screen of agents or queues.
    pub fn offset_of_center(&self) -> usize {
        self.center_cursor().map_or(0, |c| c.offset)
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
    pub config: BoardConfig,
    pub view: ViewState,
    pub feed: FeedState,
    pub control: ControlState,
    pub status: Option<StatusLine>,
    /// Sessions already alerted with the bell.
    pub belled: HashSet<String>,
    pub quit: bool,
    /// Derived views kept between frames.
    pub(crate) memos: Memos,
    /// The agents view's derived rows kept between frames.
    pub(crate) agent_memos: AgentMemos,
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
            agent_memos: AgentMemos::default(),
        }
    }

    /// Sets the status line.
    pub fn say(&mut self, level: Level, text: impl Into<String>, now: Ts) {
        self.status = Some(StatusLine {
            text: text.into(),
            level,
            at: now,
            until: None,
        });
    }

    /// The theme in force.
    pub fn theme(&self) -> &Theme {
        &self.config.theme
    }

    /// Re-resolves the selection against the current rows (follow-selection: the
    /// selected session keeps the selection when rows move; when it leaves, the row
    /// at the same position is selected — but on the first row, with no detail open
    /// and no call just acted on, the first row stays selected) and scrolls it into
    /// view.
    pub fn sync(&mut self, store: &SessionStore, now: Ts) {
        if self.view.screen.is_center() {
            return self.sync_center(store);
        }
        let rows = self.rows(store, now);
        let v = &mut self.view;
        if rows.is_empty() {
            v.cursor = 0;
            v.offset = 0;
            v.selected = None;
            return;
        }
        let top = v.follow_top && v.cursor == 0 && !v.detail && v.pinned.is_none();
        let found = if top {
            Some(0)
        } else {
            v.selected.as_deref().and_then(|id| rows.position(id))
        };
        v.cursor = found.unwrap_or(v.cursor.min(rows.len() - 1));
        v.selected = rows.get(v.cursor).map(|s| s.id.clone());
        let len = rows.len();
        self.scroll_into_view(len);
    }

    /// Keeps the agents, queues and queue-detail cursors on their rows.
    fn sync_center(&mut self, store: &SessionStore) {
        use super::rows::{queue_agents, queue_rows};
        let c = store.center();
        let h = self.viewport();
        let order = (self.view.screen == Screen::Agents)
            .then(|| super::views::agents::agent_order(self, store));
        let v = &mut self.view;
        match v.screen {
            Screen::Agents => {
                let rows = order.as_ref().map_or(&[][..], |o| &o.rows[..]);
                v.agents.sync(rows.iter().map(|k| k.id.as_str()), h);
            }
            Screen::Queues => {
                let rows = queue_rows(c, &v.filter);
                v.queues.sync(rows.iter().map(|q| q.id.as_str()), h);
                match v.open_queue.as_deref().and_then(|id| c.queue(id)) {
                    Some(q) => {
                        let members = queue_agents(c, q);
                        v.members.sync(members.iter().map(|a| a.id.as_str()), h);
                    }
                    None => v.open_queue = None,
                }
            }
            _ => {}
        }
    }

    /// Table rows that fit on screen.
    pub fn viewport(&self) -> usize {
        let (w, h) = self.view.size;
        super::views::table_capacity(w, h, self).max(1)
    }

    /// Timeline lines that fit in the detail pane.
    pub fn timeline_height(&self) -> usize {
        let (w, h) = self.view.size;
        super::views::timeline_capacity(w, h, self).max(1)
    }

    /// Keeps the cursor visible.
    pub fn scroll_into_view(&mut self, len: usize) {
        let h = self.viewport();
        let v = &mut self.view;
        if v.cursor < v.offset {
            v.offset = v.cursor;
        } else if v.cursor >= v.offset + h {
            v.offset = v.cursor + 1 - h;
        }
        v.offset = v.offset.min(len.saturating_sub(h));
    }

    /// The selected session, if it is still in the store (unpacked if archived).
    pub fn selected_session<'a>(&self, store: &'a SessionStore) -> Option<Cow<'a, Session>> {
        self.view.selected.as_deref().and_then(|id| store.find(id))
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
