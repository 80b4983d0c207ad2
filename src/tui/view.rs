//! What the user looks at ([`ViewState`]): the screen, what is open over it, the
//! selection and scroll of each list ([`ListCursor`]), the sort and the filters.

use super::keymap::Command;
use crate::core::control::{Ask, CallKey, ControlRequest};
use crate::core::{Center, Session, SessionStore};
use crate::wire::StatusCode;

/// Sort columns of the sessions table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    /// Callers waiting in a queue first (longest wait first), then calls waiting on
    /// the supervisor's people (a party ringing, on hold or parked; by the time the
    /// longest-waiting party has been in its state); other calls by their target's timer.
    Waiting,
    /// The target party's time in its current state.
    Timer,
    /// When the call started.
    Start,
    From,
    To,
    Queue,
    /// The target party's state.
    State,
}

impl SortKey {
    /// The column a sort key chooses directly.
    pub fn of_command(c: Command) -> Option<SortKey> {
        Some(match c {
            Command::SortWaiting => SortKey::Waiting,
            Command::SortTimer => SortKey::Timer,
            Command::SortStart => SortKey::Start,
            Command::SortFrom => SortKey::From,
            Command::SortTo => SortKey::To,
            Command::SortQueue => SortKey::Queue,
            Command::SortState => SortKey::State,
            _ => return None,
        })
    }

    pub const ALL: [SortKey; 7] = [
        SortKey::Waiting,
        SortKey::Timer,
        SortKey::Start,
        SortKey::From,
        SortKey::To,
        SortKey::Queue,
        SortKey::State,
    ];

    /// The next column.
    pub fn next(self) -> SortKey {
        let i = SortKey::ALL.iter().position(|k| *k == self).unwrap_or(0);
        SortKey::ALL[(i + 1) % SortKey::ALL.len()]
    }

    /// Column name.
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Waiting => "waiting",
            SortKey::Timer => "timer",
            SortKey::Start => "start",
            SortKey::From => "from",
            SortKey::To => "to",
            SortKey::Queue => "queue",
            SortKey::State => "state",
        }
    }

    /// The direction a column is first shown in: times largest (longest, newest) first
    /// (↓), words from A (↑).
    pub fn starts_descending(self) -> bool {
        matches!(self, SortKey::Waiting | SortKey::Timer | SortKey::Start)
    }
}

/// The state filter (`F`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateFilter {
    All,
    /// A caller waiting in a queue.
    Queued,
    Ringing,
    Talking,
    OnHold,
    Parked,
}

impl StateFilter {
    /// The next filter.
    pub fn next(self) -> StateFilter {
        match self {
            StateFilter::All => StateFilter::Queued,
            StateFilter::Queued => StateFilter::Ringing,
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
            StateFilter::Queued => "queued",
            StateFilter::Ringing => "ringing",
            StateFilter::Talking => "talking",
            StateFilter::OnHold => "on hold",
            StateFilter::Parked => "parked",
        }
    }

    /// True when a session has a party in this state.
    pub(crate) fn admits(self, s: &Session, center: &Center) -> bool {
        let want: &[StatusCode] = match self {
            StateFilter::All => return true,
            StateFilter::Queued => return center.queued(&s.id).is_some(),
            StateFilter::Ringing => &[StatusCode::Proceeding],
            StateFilter::Talking => &[StatusCode::Answered],
            StateFilter::OnHold => &[StatusCode::Hold],
            StateFilter::Parked => &[StatusCode::Parked],
        };
        s.parties
            .iter()
            .any(|p| p.code().is_some_and(|c| want.contains(c)))
    }
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

/// The cursor of every list — calls, history, agents, queues, a queue's agents — by
/// id: it follows its row when rows move, and keeps it among the rows shown.
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
        let ids: Vec<&str> = ids.collect();
        let find = |id: &str| ids.iter().position(|r| *r == id);
        self.sync_by(ids.len(), find, |i| ids[i], height);
    }

    /// [`ListCursor::sync`] over `len` rows, the row of an id found by `find` and the id
    /// of a row read by `at` (a list that finds its rows faster than by walking them).
    pub fn sync_by<'a>(
        &mut self,
        len: usize,
        find: impl FnOnce(&str) -> Option<usize>,
        at: impl FnOnce(usize) -> &'a str,
        height: usize,
    ) {
        if len == 0 {
            *self = ListCursor::default();
            return;
        }
        let found = self.selected.as_deref().and_then(find);
        self.cursor = found.unwrap_or(self.cursor.min(len - 1));
        self.selected = Some(at(self.cursor).to_string());
        self.scroll(len, height);
    }

    /// Moves by `delta` rows over `ids`.
    pub fn step(&mut self, ids: &[impl AsRef<str>], delta: i64, height: usize) {
        if ids.is_empty() {
            return;
        }
        let last = ids.len() as i64 - 1;
        self.cursor = (self.cursor as i64 + delta).clamp(0, last) as usize;
        self.selected = Some(ids[self.cursor].as_ref().to_string());
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

/// What the user is looking at: screen, overlay, selection, scroll, sort and filters.
#[derive(Clone, Debug)]
pub struct ViewState {
    pub(super) screen: Screen,
    pub(super) overlay: Overlay,
    /// The detail pane (Enter) is open for the selected session.
    pub(super) detail: bool,
    /// The calls' rows (the board's or the history's): the selected session follows
    /// its call when rows move.
    pub(super) calls: ListCursor,
    /// On the first row, the selection stays on the first row as calls move (the most
    /// urgent call under the default sort) rather than following its call down.
    pub(super) follow_top: bool,
    /// The terminal's size (columns, rows): what fits on screen follows from it.
    pub(super) size: (u16, u16),
    /// First timeline line shown in the detail; `None` follows the newest entries.
    pub(super) timeline_top: Option<usize>,
    /// First line shown of the help.
    pub(super) help_top: usize,
    pub(super) sort: SortKey,
    /// ↓: largest, newest, longest first (Z→A for words); ↑ the other way.
    pub(super) sort_descending: bool,
    pub(super) filter: String,
    /// The cursor in `filter` while it is typed, in characters.
    pub(super) filter_cursor: usize,
    pub(super) state_filter: StateFilter,
    /// The party keys act on, when chosen with Tab (else the session's default party).
    pub(super) target_party: Option<(String, String)>,
    /// The call last acted on: kept on the board (even outside the filters) and
    /// selected until the user moves.
    pub(super) pinned: Option<String>,
    /// The agents view's rows.
    pub(super) agents: ListCursor,
    /// The queues view's rows.
    pub(super) queues: ListCursor,
    /// The queue whose detail (waiting calls and agents) is open in the queues view.
    pub(super) open_queue: Option<String>,
    /// The agents of the open queue.
    pub(super) members: ListCursor,
}

impl Default for ViewState {
    fn default() -> Self {
        ViewState {
            screen: Screen::Board,
            overlay: Overlay::None,
            detail: false,
            calls: ListCursor::default(),
            follow_top: true,
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
    /// The screen shown.
    pub fn screen(&self) -> Screen {
        self.screen
    }

    /// Shows a screen (as its key does, without the key's side effects).
    pub fn show(&mut self, screen: Screen) {
        self.screen = screen;
    }

    /// True while the detail pane is open for the selected session.
    pub fn detail(&self) -> bool {
        self.detail
    }

    /// Opens or closes the detail pane.
    pub fn set_detail(&mut self, open: bool) {
        self.detail = open;
    }

    /// The calls' rows (the board's or the history's).
    pub fn calls(&self) -> &ListCursor {
        &self.calls
    }

    /// Selects a call by id; the next sync finds its row.
    pub fn select(&mut self, id: impl Into<String>) {
        self.calls.selected = Some(id.into());
    }

    /// Puts the calls' cursor on `row`, on call `id`, as a click on that row does:
    /// off the first row the selection follows its call.
    pub fn select_row(&mut self, row: usize, id: impl Into<String>) {
        self.calls.cursor = row;
        self.calls.selected = Some(id.into());
        self.follow_top = row == 0;
    }

    /// True while the selection stays on the first row as calls move.
    pub fn follow_top(&self) -> bool {
        self.follow_top
    }

    /// Keeps the selection on the first row as calls move, or lets it follow its call.
    pub fn set_follow_top(&mut self, follow: bool) {
        self.follow_top = follow;
    }

    /// The terminal's size (columns, rows).
    pub fn size(&self) -> (u16, u16) {
        self.size
    }

    /// The terminal's size changed (the next sync fits the lists to it).
    pub fn set_size(&mut self, w: u16, h: u16) {
        self.size = (w, h);
    }

    /// The calls' sort column.
    pub fn sort(&self) -> SortKey {
        self.sort
    }

    /// True when the sort is descending (↓).
    pub fn sort_descending(&self) -> bool {
        self.sort_descending
    }

    /// Sorts the calls by a column, in a direction (↓: `descending`).
    pub fn sort_by(&mut self, key: SortKey, descending: bool) {
        self.sort = key;
        self.sort_descending = descending;
    }

    /// The `/` filter's text.
    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// Sets the `/` filter's text (as typed; the next sync re-filters the rows).
    pub fn set_filter(&mut self, text: impl Into<String>) {
        self.filter = text.into();
    }

    /// The state filter (`F`).
    pub fn state_filter(&self) -> StateFilter {
        self.state_filter
    }

    /// Sets the state filter.
    pub fn set_state_filter(&mut self, f: StateFilter) {
        self.state_filter = f;
    }

    /// The party keys act on, when chosen with Tab: (session, party).
    pub fn target_party(&self) -> Option<&(String, String)> {
        self.target_party.as_ref()
    }

    /// Chooses the party keys act on (as Tab does), or none: the session's default.
    pub fn set_target_party(&mut self, target: Option<(String, String)>) {
        self.target_party = target;
    }

    /// The call last acted on, kept on the board and selected until the user moves.
    pub fn pinned(&self) -> Option<&str> {
        self.pinned.as_deref()
    }

    /// Pins a call (as acting on it does), or unpins.
    pub fn set_pinned(&mut self, id: Option<String>) {
        self.pinned = id;
    }

    /// The queue whose detail is open in the queues view.
    pub fn open_queue(&self) -> Option<&str> {
        self.open_queue.as_deref()
    }

    /// Opens a queue's detail in the queues view (as Enter on its row does), or closes it.
    pub fn set_open_queue(&mut self, id: Option<String>) {
        self.open_queue = id;
    }

    /// What is open over the board.
    pub fn overlay(&self) -> &Overlay {
        &self.overlay
    }

    /// First timeline line shown in the detail; `None` follows the newest entries.
    pub fn timeline_top(&self) -> Option<usize> {
        self.timeline_top
    }

    /// The agents view's rows.
    pub fn agents(&self) -> &ListCursor {
        &self.agents
    }

    /// The queues view's rows.
    pub fn queues(&self) -> &ListCursor {
        &self.queues
    }

    /// The agents of the open queue.
    pub fn members(&self) -> &ListCursor {
        &self.members
    }

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
