//! The UI state (`UiState`): what is selected, open, sorted, filtered and pending.
//! It holds no sessions: views read those from the store at draw time, through memos
//! of the derived views (row order, header figures) keyed on what they depend on.

use super::derived::{Rows, RowsEntry, RowsKey, SummaryEntry, Views};
use super::keymap::Keymap;
use super::theme::{Level, Theme, ThemeName};
use crate::core::{Figures, Session, SessionStore, Steady, Summary};
use crate::source::replay::ReplayStatus;
use crate::wire::{StatusCode, Ts};
use std::borrow::Cow;
use std::collections::HashMap;

/// Where events come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Live,
    Demo,
    Replay,
}

/// The main screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    /// Active sessions.
    Board,
    /// Ended sessions with disposition and figures.
    History,
}

/// A call-control operation, as the board asks for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallOp {
    Hold,
    Unhold,
    Transfer(String),
    Park,
    Forward(String),
    Reject,
    Mute(bool),
    StartRecording,
    PauseRecording(String),
    ResumeRecording(String),
    HangUp,
}

impl CallOp {
    /// A short verb for the status line and the audit trail.
    pub fn verb(&self) -> String {
        match self {
            CallOp::Hold => "hold".into(),
            CallOp::Unhold => "unhold".into(),
            CallOp::Transfer(t) => format!("transfer to {t}"),
            CallOp::Park => "park".into(),
            CallOp::Forward(t) => format!("forward to {t}"),
            CallOp::Reject => "reject".into(),
            CallOp::Mute(true) => "mute".into(),
            CallOp::Mute(false) => "unmute".into(),
            CallOp::StartRecording => "start recording".into(),
            CallOp::PauseRecording(_) => "pause recording".into(),
            CallOp::ResumeRecording(_) => "resume recording".into(),
            CallOp::HangUp => "hang up".into(),
        }
    }
}

/// One control request: an operation on a party of a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControlRequest {
    pub session: String,
    pub party: String,
    pub op: CallOp,
}

/// What came of a control request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok(String),
    Failed(String),
    /// 429: wait this many seconds.
    RateLimited(u64),
}

/// A dialog asking to confirm a dangerous request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confirm {
    pub request: ControlRequest,
    pub question: String,
    /// False: Cancel has the focus (the default).
    pub ok_focused: bool,
}

/// What a text prompt is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptKind {
    Transfer,
    Forward,
}

/// A text prompt (transfer / forward target).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub session: String,
    pub party: String,
    pub input: String,
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

/// Sort columns of the sessions table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    Start,
    From,
    To,
    Queue,
    State,
    Timer,
}

impl SortKey {
    const ALL: [SortKey; 6] = [
        SortKey::Start,
        SortKey::From,
        SortKey::To,
        SortKey::Queue,
        SortKey::State,
        SortKey::Timer,
    ];

    /// The next column.
    pub fn next(self) -> SortKey {
        let i = SortKey::ALL.iter().position(|k| *k == self).unwrap_or(0);
        SortKey::ALL[(i + 1) % SortKey::ALL.len()]
    }

    /// Column name.
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Start => "start",
            SortKey::From => "from",
            SortKey::To => "to",
            SortKey::Queue => "queue",
            SortKey::State => "state",
            SortKey::Timer => "timer",
        }
    }
}

/// The state filter (`F`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateFilter {
    All,
    Ringing,
    Talking,
    OnHold,
    Parked,
}

impl StateFilter {
    /// The next filter.
    pub fn next(self) -> StateFilter {
        match self {
            StateFilter::All => StateFilter::Ringing,
            StateFilter::Ringing => StateFilter::Talking,
            StateFilter::Talking => StateFilter::OnHold,
            StateFilter::OnHold => StateFilter::Parked,
            StateFilter::Parked => StateFilter::All,
        }
    }

    /// Name.
    pub fn label(self) -> &'static str {
        match self {
            StateFilter::All => "all",
            StateFilter::Ringing => "ringing",
            StateFilter::Talking => "talking",
            StateFilter::OnHold => "on hold",
            StateFilter::Parked => "parked",
        }
    }

    fn admits(self, s: &Session) -> bool {
        let want: &[StatusCode] = match self {
            StateFilter::All => return true,
            StateFilter::Ringing => &[StatusCode::Setup, StatusCode::Proceeding],
            StateFilter::Talking => &[StatusCode::Answered],
            StateFilter::OnHold => &[StatusCode::Hold],
            StateFilter::Parked => &[StatusCode::Parked],
        };
        s.parties
            .iter()
            .any(|p| p.code().is_some_and(|c| want.contains(c)))
    }
}

/// The status line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusLine {
    pub text: String,
    pub level: Level,
    pub at: Ts,
}

/// A control request still running.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub party: String,
    pub verb: String,
    pub since: Ts,
}

/// Connection state as shown in the header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnView {
    pub label: String,
    pub level: Level,
    /// When the next reconnect attempt is due (countdown).
    pub retry_at: Option<Ts>,
}

/// Alert thresholds in milliseconds: (amber, red).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thresholds {
    pub ring: (i64, i64),
    pub hold: (i64, i64),
    pub park: (i64, i64),
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            ring: (20_000, 45_000),
            hold: (60_000, 180_000),
            park: (60_000, 180_000),
        }
    }
}

impl Thresholds {
    /// The alert level of a party in `code` for `in_state_ms`.
    pub fn level(&self, code: Option<&StatusCode>, in_state_ms: i64) -> Level {
        let (warn, crit) = match code {
            Some(c) if c.is_ringing() => self.ring,
            Some(StatusCode::Hold) => self.hold,
            Some(StatusCode::Parked) => self.park,
            _ => return Level::Normal,
        };
        if in_state_ms >= crit {
            Level::Crit
        } else if in_state_ms >= warn {
            Level::Warn
        } else {
            Level::Normal
        }
    }

    /// The worst alert of a session's parties at `now`.
    pub fn session_level(&self, s: &Session, now: Ts) -> Level {
        s.parties
            .iter()
            .filter(|p| !p.is_terminal())
            .map(|p| {
                let f = Figures::of(&p.history, Some(now));
                self.level(p.code(), f.in_state_ms)
            })
            .max()
            .unwrap_or(Level::Normal)
    }
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

/// Everything the board remembers between frames.
#[derive(Clone, Debug)]
pub struct UiState {
    pub mode: Mode,
    pub read_only: bool,
    /// Account, extension or file shown in the header.
    pub account: String,
    pub screen: Screen,
    pub overlay: Overlay,
    /// The detail pane (Enter) is open for the selected session.
    pub detail: bool,
    /// Selected session (follows it when rows move).
    pub selected: Option<String>,
    /// Row index of the selection.
    pub cursor: usize,
    /// First visible row.
    pub offset: usize,
    /// Table rows that fit on screen.
    pub viewport: usize,
    pub sort: SortKey,
    pub sort_reverse: bool,
    pub filter: String,
    pub state_filter: StateFilter,
    /// The party keys act on, when chosen with Tab (else the session's default party).
    pub target_party: Option<(String, String)>,
    pub pending: HashMap<String, Pending>,
    pub status: Option<StatusLine>,
    pub rate_limited_until: Option<Ts>,
    pub replay: Option<ReplayStatus>,
    pub conn: Option<ConnView>,
    pub rate: EventRate,
    /// Delivery lag of the newest event (received − eventTime).
    pub lag_ms: Option<i64>,
    pub thresholds: Thresholds,
    /// Ring the terminal bell when a row turns red.
    pub bell: bool,
    /// Sessions already alerted with the bell.
    pub belled: std::collections::HashSet<String>,
    pub keymap: Keymap,
    pub theme: Theme,
    pub quit: bool,
    /// Derived views kept between frames.
    views: Views,
}

impl UiState {
    /// A fresh state for a mode.
    pub fn new(mode: Mode) -> UiState {
        UiState {
            mode,
            read_only: mode == Mode::Replay,
            account: String::new(),
            screen: Screen::Board,
            overlay: Overlay::None,
            detail: false,
            selected: None,
            cursor: 0,
            offset: 0,
            viewport: 20,
            sort: SortKey::Start,
            sort_reverse: false,
            filter: String::new(),
            state_filter: StateFilter::All,
            target_party: None,
            pending: HashMap::new(),
            status: None,
            rate_limited_until: None,
            replay: None,
            conn: None,
            rate: EventRate::default(),
            lag_ms: None,
            thresholds: Thresholds::default(),
            bell: false,
            belled: Default::default(),
            keymap: Keymap::default(),
            theme: Theme::named(ThemeName::Dark),
            quit: false,
            views: Views::default(),
        }
    }

    /// Sets the status line.
    pub fn say(&mut self, level: Level, text: impl Into<String>, now: Ts) {
        self.status = Some(StatusLine {
            text: text.into(),
            level,
            at: now,
        });
    }

    /// The rows of the current screen in display order (ordered again only when the
    /// store, the screen, a filter, the sort or — for the timer sort — the clock moved).
    pub fn rows<'a>(&self, store: &'a SessionStore, now: Ts) -> Rows<'a> {
        let key = RowsKey {
            version: store.version(),
            screen: self.screen,
            filter: self.filter.clone(),
            state_filter: self.state_filter,
            sort: self.sort,
            reverse: self.sort_reverse,
        };
        let entry = self.views.rows.get(
            |e| e.key == key && e.steady.covers(now),
            |old| {
                let (rows, steady) = match self.screen {
                    Screen::Board => {
                        let (rows, steady) = board_rows(store, self, now);
                        (rows.iter().map(|s| s.id.as_str()).collect(), steady)
                    }
                    Screen::History => (history_rows(store, self), Steady::ALWAYS),
                };
                RowsEntry {
                    ids: RowsEntry::ids_of(&rows, old),
                    key: key.clone(),
                    steady,
                }
            },
        );
        Rows::new(store, entry)
    }

    /// The header figures at `now` (the store is walked again only when it changed).
    pub fn summary(&self, store: &SessionStore, now: Ts) -> Summary {
        let version = store.version();
        let entry = self.views.summary.get(
            |e| e.version == version && e.basis.covers(now),
            |_| SummaryEntry {
                version,
                basis: store.summary_basis(now),
            },
        );
        Summary {
            counters: *store.counters(),
            ..entry.basis.at(now)
        }
    }

    /// Re-resolves the selection against the current rows (follow-selection: the
    /// selected session keeps the selection when rows move; when it leaves, the row
    /// at the same position is selected) and scrolls it into view.
    pub fn sync(&mut self, store: &SessionStore, now: Ts) {
        let rows = self.rows(store, now);
        if rows.is_empty() {
            self.cursor = 0;
            self.offset = 0;
            self.selected = None;
            return;
        }
        let found = self.selected.as_deref().and_then(|id| rows.position(id));
        self.cursor = found.unwrap_or(self.cursor.min(rows.len() - 1));
        self.selected = rows.get(self.cursor).map(|s| s.id.clone());
        self.scroll_into_view(rows.len());
    }

    /// Keeps the cursor visible.
    pub fn scroll_into_view(&mut self, len: usize) {
        let h = self.viewport.max(1);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + h {
            self.offset = self.cursor + 1 - h;
        }
        self.offset = self.offset.min(len.saturating_sub(h));
    }

    /// The selected session, if it is still in the store (unpacked if archived).
    pub fn selected_session<'a>(&self, store: &'a SessionStore) -> Option<Cow<'a, Session>> {
        self.selected.as_deref().and_then(|id| store.find(id))
    }

    /// The index of the party keys act on in a session.
    pub fn target_index(&self, s: &Session) -> Option<usize> {
        match &self.target_party {
            Some((sid, pid)) if *sid == s.id => s.parties.iter().position(|p| p.id == *pid),
            _ => None,
        }
        .or_else(|| SessionStore::default_party(s))
    }
}

fn matches_text(s: &Session, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    let hit = |v: Option<&String>| v.is_some_and(|v| v.to_lowercase().contains(needle));
    s.id.to_lowercase().contains(needle)
        || s.session_id.as_ref().is_some_and(|v| v.contains(needle))
        || s.queue().is_some_and(|q| q.to_lowercase().contains(needle))
        || s.parties.iter().any(|p| {
            p.id.to_lowercase().contains(needle)
                || hit(p.from.phone_number.get())
                || hit(p.from.name.get())
                || hit(p.to.phone_number.get())
                || hit(p.to.name.get())
                || hit(p.extension_id.get())
        })
}

/// Ordering key of a row (computed once per row per ordering).
#[derive(PartialEq, PartialOrd)]
enum SortVal {
    Num(i64),
    Text(String),
}

/// The key of a row at `now`; a timer key narrows `steady` to where its order holds.
fn sort_val(s: &Session, key: SortKey, now: Ts, steady: &mut Steady) -> SortVal {
    let party = SessionStore::default_party(s).map(|i| &s.parties[i]);
    match key {
        SortKey::Start => SortVal::Num(s.start.unwrap_or(s.first_seen).0),
        SortKey::From => SortVal::Text(
            s.caller()
                .map(|p| p.from.label().to_lowercase())
                .unwrap_or_default(),
        ),
        SortKey::To => SortVal::Text(
            s.caller()
                .map(|p| p.to.label().to_lowercase())
                .unwrap_or_default(),
        ),
        SortKey::Queue => SortVal::Text(s.queue().unwrap_or("").to_lowercase()),
        SortKey::State => SortVal::Text(
            party
                .and_then(|p| p.code())
                .map(|c| c.as_str().to_string())
                .unwrap_or_default(),
        ),
        SortKey::Timer => {
            // Time in the current state (as in `Figures::of`): zero until it counts.
            let running = party.and_then(|p| Figures::split(&p.history).1);
            SortVal::Num(-running.map_or(0, |r| {
                steady.note(r.since, now);
                r.since.millis_until(now)
            }))
        }
    }
}

fn sort_rows<'a>(rows: &mut Vec<&'a Session>, key: SortKey, reverse: bool, now: Ts) -> Steady {
    let mut steady = Steady::ALWAYS;
    let mut keyed: Vec<(SortVal, &'a Session)> = rows
        .drain(..)
        .map(|s| (sort_val(s, key, now, &mut steady), s))
        .collect();
    // Ids are unique, so the order is total and an unstable sort gives the same rows.
    keyed.sort_unstable_by(|a, b| {
        a.0.partial_cmp(&b.0)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.1.id.cmp(&b.1.id))
    });
    if reverse {
        keyed.reverse();
    }
    rows.extend(keyed.into_iter().map(|(_, s)| s));
    steady
}

/// Active sessions after the text and state filters, sorted; and the clock range
/// this order holds for. Computed afresh: [`UiState::rows`] keeps it between frames.
pub fn board_rows<'a>(
    store: &'a SessionStore,
    ui: &UiState,
    now: Ts,
) -> (Vec<&'a Session>, Steady) {
    let needle = ui.filter.to_lowercase();
    let mut rows: Vec<&Session> = store
        .sessions()
        .filter(|s| !s.ended && ui.state_filter.admits(s) && matches_text(s, &needle))
        .collect();
    let steady = sort_rows(&mut rows, ui.sort, ui.sort_reverse, now);
    (rows, steady)
}

/// Ended sessions (archived ones included) after the text filter, newest end first,
/// as ids. Archived sessions are unpacked only to match a filter.
pub fn history_rows<'a>(store: &'a SessionStore, ui: &UiState) -> Vec<&'a str> {
    let needle = ui.filter.to_lowercase();
    let held = store
        .sessions()
        .filter(|s| s.ended && matches_text(s, &needle))
        .map(|s| (s.end().or(s.ended_seen), s.id.as_str()));
    let archived = store
        .archived()
        .filter(|a| needle.is_empty() || a.unpack().is_some_and(|s| matches_text(&s, &needle)))
        .map(|a| (a.end.or(a.ended_seen), &*a.id));
    let mut rows: Vec<_> = held.chain(archived).collect();
    rows.sort_unstable_by(|a, b| b.cmp(a));
    rows.into_iter().map(|(_, id)| id).collect()
}
