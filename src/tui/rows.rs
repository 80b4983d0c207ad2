//! The rows of a screen: the text and state filters, the sort, and the order kept
//! between frames. Each memo is keyed on everything it was computed from — the store's
//! version, the view inputs (screen, filters, sort) and the clock range it holds for —
//! so a memo never changes what a frame shows, only what it costs.

use super::state::{target_in, Screen, UiState, ViewState};
use crate::core::{Figures, Session, SessionStore, Steady, Summary, SummaryBasis, Version};
use crate::wire::{StatusCode, Ts};
use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::Arc;

/// Sort columns of the sessions table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    /// Calls waiting (a party ringing, on hold or parked) first, then by the time the
    /// longest-waiting party has been in its state; other calls by their target's timer.
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

impl UiState {
    /// The rows of the current screen in display order (ordered again only when the
    /// store, the screen, a filter, the sort or — for the timer sort — the clock moved).
    pub fn rows<'a>(&self, store: &'a SessionStore, now: Ts) -> Rows<'a> {
        let v = &self.view;
        let key = RowsKey {
            version: store.version(),
            screen: v.screen,
            filter: v.filter.clone(),
            state_filter: v.state_filter,
            sort: v.sort,
            descending: v.sort_descending,
            target: v.target_party.clone(),
            pinned: v.pinned.clone(),
        };
        let entry = self.memos.rows.get(
            |e| e.key == key && e.steady.covers(now),
            |old| {
                let (rows, steady) = match v.screen {
                    Screen::Board => {
                        let (rows, steady) = board_rows(store, v, now);
                        (rows.iter().map(|s| s.id.as_str()).collect(), steady)
                    }
                    Screen::History => (history_rows(store, v), Steady::ALWAYS),
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
        let entry = self.memos.summary.get(
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

/// Ordering key of a row (computed once per row per ordering), ascending.
#[derive(PartialEq, PartialOrd)]
enum SortVal {
    Num(i64),
    /// Waiting or not, then milliseconds.
    Rank(bool, i64),
    Text(String),
}

/// Time in the current state of a party at `now` (as in `Figures::of`: zero until it
/// counts); narrows `steady` to where it grows steadily.
fn in_state(p: &crate::core::PartyState, now: Ts, steady: &mut Steady) -> i64 {
    Figures::split(&p.history).1.map_or(0, |r| {
        steady.note(r.since, now);
        r.since.millis_until(now)
    })
}

/// True for the states in which a caller waits on the supervisor's people.
fn waiting(code: &StatusCode) -> bool {
    matches!(
        code,
        StatusCode::Proceeding | StatusCode::Hold | StatusCode::Parked
    )
}

/// The key of a row at `now`; a timer key narrows `steady` to where its order holds.
fn sort_val(s: &Session, view: &ViewState, now: Ts, steady: &mut Steady) -> SortVal {
    let party = target_in(view.target_party.as_ref(), s).map(|i| &s.parties[i]);
    let text = |v: Option<String>| SortVal::Text(v.unwrap_or_default().to_lowercase());
    match view.sort {
        SortKey::Waiting => {
            let longest = s
                .parties
                .iter()
                .filter(|p| p.code().is_some_and(waiting))
                .map(|p| in_state(p, now, steady))
                .max();
            match longest {
                Some(ms) => SortVal::Rank(true, ms),
                None => SortVal::Rank(false, party.map_or(0, |p| in_state(p, now, steady))),
            }
        }
        SortKey::Timer => SortVal::Num(party.map_or(0, |p| in_state(p, now, steady))),
        SortKey::Start => SortVal::Num(s.start.unwrap_or(s.first_seen).0),
        SortKey::From => text(s.caller().map(|p| p.from.label())),
        SortKey::To => text(s.caller().map(|p| p.to.label())),
        SortKey::Queue => text(s.queue().map(str::to_string)),
        SortKey::State => text(party.and_then(|p| p.code()).map(|c| c.as_str().to_string())),
    }
}

fn sort_rows<'a>(rows: &mut Vec<&'a Session>, view: &ViewState, now: Ts) -> Steady {
    let mut steady = Steady::ALWAYS;
    let mut keyed: Vec<(SortVal, &'a Session)> = rows
        .drain(..)
        .map(|s| (sort_val(s, view, now, &mut steady), s))
        .collect();
    // Ties go by id in either direction: ids are unique, so the order is total and an
    // unstable sort gives the same rows.
    keyed.sort_unstable_by(|a, b| {
        let by_key = a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal);
        let by_key = if view.sort_descending {
            by_key.reverse()
        } else {
            by_key
        };
        by_key.then_with(|| a.1.id.cmp(&b.1.id))
    });
    rows.extend(keyed.into_iter().map(|(_, s)| s));
    steady
}

/// Active sessions after the text and state filters, and the pinned one (even ended),
/// sorted; and the clock range this order holds for. Computed afresh: [`UiState::rows`] keeps it between frames.
pub fn board_rows<'a>(
    store: &'a SessionStore,
    view: &ViewState,
    now: Ts,
) -> (Vec<&'a Session>, Steady) {
    let needle = view.filter.to_lowercase();
    let mut rows: Vec<&Session> = store
        .sessions()
        .filter(|s| {
            let pinned = view.pinned.as_deref() == Some(s.id.as_str());
            pinned || (!s.ended && view.state_filter.admits(s) && matches_text(s, &needle))
        })
        .collect();
    let steady = sort_rows(&mut rows, view, now);
    (rows, steady)
}

/// Ended sessions (archived ones included) after the text filter, newest end first,
/// as ids. Archived sessions are unpacked only to match a filter.
pub fn history_rows<'a>(store: &'a SessionStore, view: &ViewState) -> Vec<&'a str> {
    let needle = view.filter.to_lowercase();
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

/// One memoised value, rebuilt when it no longer holds.
pub(crate) struct Memo<T>(RefCell<Option<Arc<T>>>);

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Memo(RefCell::new(None))
    }
}

impl<T> Clone for Memo<T> {
    fn clone(&self) -> Self {
        Memo(RefCell::new(self.0.borrow().clone()))
    }
}

impl<T> std::fmt::Debug for Memo<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = if self.0.borrow().is_some() {
            "warm"
        } else {
            "cold"
        };
        write!(f, "Memo({state})")
    }
}

impl<T> Memo<T> {
    /// The entry if `holds` says it still does, else a new one from `build` (given the
    /// old one, to reuse what it can).
    pub(crate) fn get(
        &self,
        holds: impl Fn(&T) -> bool,
        build: impl FnOnce(Option<&T>) -> T,
    ) -> Arc<T> {
        let old = self.0.borrow_mut().take();
        let e = match old {
            Some(e) if holds(&e) => e,
            old => Arc::new(build(old.as_deref())),
        };
        *self.0.borrow_mut() = Some(e.clone());
        e
    }
}

/// What a row order depends on besides the clock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RowsKey {
    pub version: Version,
    pub screen: Screen,
    pub filter: String,
    pub state_filter: StateFilter,
    pub sort: SortKey,
    pub descending: bool,
    /// The Tab-chosen party (the timer and state sorts read the target party).
    pub target: Option<(String, String)>,
    pub pinned: Option<String>,
}

/// A screen's session ids in display order.
#[derive(Debug)]
pub(crate) struct RowsEntry {
    pub key: RowsKey,
    /// The clock range the order holds for (only the timer sort depends on the clock).
    pub steady: Steady,
    pub ids: Arc<Vec<String>>,
}

impl RowsEntry {
    /// The ids of `rows`: the old entry's when they are the same (an event that moved
    /// no row), else copies.
    pub(crate) fn ids_of(rows: &[&str], old: Option<&RowsEntry>) -> Arc<Vec<String>> {
        match old {
            Some(o) if o.ids.len() == rows.len() && o.ids.iter().zip(rows).all(|(a, b)| a == b) => {
                o.ids.clone()
            }
            _ => Arc::new(rows.iter().map(|s| s.to_string()).collect()),
        }
    }
}

/// The header figures of one store version.
#[derive(Debug)]
pub(crate) struct SummaryEntry {
    pub version: Version,
    pub basis: SummaryBasis,
}

/// The memos a [`UiState`] carries.
#[derive(Clone, Debug, Default)]
pub(crate) struct Memos {
    pub rows: Memo<RowsEntry>,
    pub summary: Memo<SummaryEntry>,
}

/// The rows of a screen in display order, read from the store they were ordered for.
#[derive(Clone, Debug)]
pub struct Rows<'a> {
    store: &'a SessionStore,
    entry: Arc<RowsEntry>,
}

impl<'a> Rows<'a> {
    pub(crate) fn new(store: &'a SessionStore, entry: Arc<RowsEntry>) -> Rows<'a> {
        Rows { store, entry }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.entry.ids.len()
    }

    /// True without rows.
    pub fn is_empty(&self) -> bool {
        self.entry.ids.is_empty()
    }

    /// The session of row `i` (unpacked if archived).
    pub fn get(&self, i: usize) -> Option<Cow<'a, Session>> {
        self.entry.ids.get(i).and_then(|id| self.store.find(id))
    }

    /// The row of a session.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.entry.ids.iter().position(|r| r == id)
    }

    /// The sessions of rows `start..end` (clamped; archived ones unpacked).
    pub fn window(&self, start: usize, end: usize) -> impl Iterator<Item = Cow<'a, Session>> + '_ {
        let end = end.min(self.len());
        self.entry.ids[start.min(end)..end]
            .iter()
            .filter_map(|id| self.store.find(id))
    }

    /// Every row's session.
    pub fn iter(&self) -> impl Iterator<Item = Cow<'a, Session>> + '_ {
        self.window(0, self.len())
    }
}
