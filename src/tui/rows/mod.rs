//! The rows of a screen: the text and state filters, the sort, and the order kept
//! between frames. Each memo is keyed on everything it was computed from — the store's
//! version, the view inputs (screen, filters, sort) and the clock range it holds for —
//! so a memo never changes what a frame shows, only what it costs. When only the store
//! moved, the board's order and the header figures are patched for the sessions the
//! store names as changed ([`SessionStore::changed_since`]) instead of rebuilt from
//! every session: sort keys are kept per row, figures per session ([`Part`]). They are
//! rebuilt when the store cannot name them (another store value, a log overflowed),
//! when the clock leaves the range they hold for, and — for the rows — when the
//! directory changed (a text filter matches queue and agent names from it and the sorts
//! order by them, which change without the sessions or the store's version changing).

pub mod agents;
mod memo;
mod names;

pub(crate) use memo::Memo;
pub(crate) use names::has_text;
pub use names::{agent_name, agent_rank, queue_name, AgentKey};

use super::view::{target_in, Screen, SortKey, StateFilter, ViewState};
use crate::core::center::{Agent, CenterStamp, Queue};
use crate::core::tombstones::fingerprint;
use crate::core::{
    CallTimes, Center, HeldFigures, LinearRange, Part, Session, SessionStore, Summary,
    SummaryBasis, Version,
};
use crate::wire::{StatusCode, Ts};
use std::borrow::Cow;
use std::cmp::{Ordering, Reverse};
use std::collections::HashMap;
use std::sync::Arc;

/// A map keyed by session id, as its fingerprint (as the center finds calls): a full
/// rebuild fills one entry per session, and neither copies an id nor frees one.
type ById<V> = HashMap<u64, V, foldhash::fast::RandomState>;

/// A row's session id.
pub type RowId = Arc<str>;

impl Memos {
    /// The rows of the current screen in display order (ordered again only when the
    /// store, the screen, a filter, the sort or — for the timer sort — the clock moved).
    pub fn rows<'a>(&self, v: &ViewState, store: &'a SessionStore, now: Ts) -> Rows<'a> {
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
        // A directory change (names, memberships) moves no store version but can change
        // which calls a `/` filter matches and how agent and queue names sort.
        let directory = store.center().stamp();
        let entry = self.rows.get(
            |e| e.key == key && e.steady.covers(now) && e.directory.same_directory(&directory),
            |old| {
                let ids = match v.screen {
                    Screen::Board => {
                        return RowsEntry::board(store, v, now, key.clone(), old, self)
                    }
                    Screen::History => history_rows(store, v),
                    // Agents and queues are rows of their own (see `views::agents`).
                    Screen::Agents | Screen::Queues | Screen::Wallboard => Vec::new(),
                };
                RowsEntry {
                    ids: ids.into_iter().map(RowId::from).collect(),
                    keys: HashMap::default(),
                    key: key.clone(),
                    steady: LinearRange::ALWAYS,
                    directory: store.center().stamp(),
                }
            },
        );
        Rows::new(store, entry)
    }

    /// The header figures at `now` (patched for the sessions that changed since the
    /// last frame; every session walked again only when the store cannot name them or
    /// the clock left the range the figures hold for).
    pub fn summary(&self, store: &SessionStore, now: Ts) -> Summary {
        let version = store.version();
        let entry = self.summary.get(
            |e| e.version == version && e.basis.covers(now),
            |old| SummaryEntry::new(store, now, old),
        );
        Summary {
            counters: *store.counters(),
            ..entry.basis.at(now)
        }
    }
}

fn matches_text(s: &Session, center: &Center, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    let hit = |v: Option<&str>| v.is_some_and(|v| has_text(v, needle));
    let has = |v: &str| has_text(v, needle);
    has(&s.id)
        || s.session_id.as_ref().is_some_and(|v| v.contains(needle))
        || call_queue(s, center).is_some_and(|q| has(&q))
        || call_agent(s, center).is_some_and(|a| has(&a))
        || s.parties.iter().any(|p| {
            has(&p.id)
                || hit(p.from.phone_number.text())
                || hit(p.from.name.text())
                || hit(p.to.phone_number.text())
                || hit(p.to.name.text())
                || hit(p.extension_id.text())
                || hit(p.account_id.text())
        })
}

/// Time in a state as a sort key: zero (not counting yet, or no state) before any
/// counting one, and among counting ones the earlier start first — the order of
/// `now − since` at every clock of the range the key was made for ([`LinearRange`]),
/// so keys made at different clocks of that range sort together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Elapsed(Option<Reverse<i64>>);

impl Elapsed {
    /// As a number in the same order: zero first, then the earlier start first.
    fn ordinal(self) -> u128 {
        self.0
            .map_or(0, |Reverse(since)| 1 + u128::from(!order_bits(since)))
    }
}

/// `v` as an unsigned number in the same order.
fn order_bits(v: i64) -> u64 {
    (v as u64) ^ (1 << 63)
}

/// Ordering key of a row (computed once per row and kept with it), ascending. A
/// number, or a text: one sort key's rows are all of one kind, and numbers sort a
/// board of 10k rows in one comparison each.
#[derive(Clone, Debug, PartialEq, PartialOrd)]
enum SortVal {
    /// A start time; a time in state ([`Elapsed::ordinal`]); or the rank of a wait —
    /// queued in a queue (2), waiting on a party (1) or neither (0) — then its time.
    Num(u128),
    Text(String),
}

impl SortVal {
    fn rank(rank: u8, t: Elapsed) -> SortVal {
        SortVal::Num((u128::from(rank) << 65) | t.ordinal())
    }
}

/// Time in the current state of a party (as in `CallTimes::of`: zero until it counts)
/// as a sort key; narrows `steady`, built at `now`, to where that order holds.
fn in_state(p: &crate::core::PartyState, now: Ts, steady: &mut LinearRange) -> Elapsed {
    // Only when it entered the state is read: the same whether its start was heard.
    let running = CallTimes::split(&p.history, false).1;
    Elapsed(running.and_then(|r| steady.note(r.since, now).then_some(Reverse(r.since.0))))
}

/// True for the states in which a caller waits on the supervisor's people.
fn waiting(code: &StatusCode) -> bool {
    matches!(
        code,
        StatusCode::Proceeding | StatusCode::Hold | StatusCode::Parked
    )
}

/// The key of a row at `now`; a timer key narrows `steady` to where its order holds.
fn sort_val(
    s: &Session,
    center: &Center,
    view: &ViewState,
    now: Ts,
    steady: &mut LinearRange,
) -> SortVal {
    let party = target_in(view.target_party.as_ref(), s).map(|i| &s.parties[i]);
    let text = |v: Option<String>| SortVal::Text(v.unwrap_or_default().to_lowercase());
    let zero = Elapsed(None);
    match view.sort {
        SortKey::Waiting => {
            if let Some((_, w)) = center.queued(&s.id) {
                let since = w.entered;
                let t = Elapsed(steady.note(since, now).then_some(Reverse(since.0)));
                return SortVal::rank(2, t);
            }
            let longest = s
                .parties
                .iter()
                .filter(|p| p.code().is_some_and(waiting))
                .map(|p| in_state(p, now, steady))
                .max();
            match longest {
                Some(t) => SortVal::rank(1, t),
                None => SortVal::rank(0, party.map_or(zero, |p| in_state(p, now, steady))),
            }
        }
        SortKey::Timer => SortVal::Num(party.map_or(zero, |p| in_state(p, now, steady)).ordinal()),
        SortKey::Start => SortVal::Num(order_bits(s.start.unwrap_or(s.first_seen).0).into()),
        SortKey::From => text(s.caller().map(|p| p.from.label())),
        SortKey::To => text(s.caller().map(|p| p.to.label())),
        SortKey::Queue => text(s.queue().map(str::to_string)),
        SortKey::State => text(party.and_then(|p| p.code()).map(|c| c.as_str().to_string())),
    }
}

/// The board's order: by key in the view's direction, ties by id in either direction
/// (ids are unique, so the order is total and an unstable sort gives the same rows).
fn row_order(a: (&SortVal, &str), b: (&SortVal, &str), descending: bool) -> Ordering {
    let by_key = a.0.partial_cmp(b.0).unwrap_or(Ordering::Equal);
    let by_key = if descending { by_key.reverse() } else { by_key };
    by_key.then_with(|| a.1.cmp(b.1))
}

/// True when a session is a row of the board: active and through the filters, or the
/// pinned one (even ended).
fn on_board(s: &Session, view: &ViewState, center: &Center, needle: &str) -> bool {
    let pinned = view.pinned.as_deref() == Some(s.id.as_str());
    pinned || (!s.ended && view.state_filter.admits(s, center) && matches_text(s, center, needle))
}

/// The board's rows with their keys, sorted, and the clock range the order holds for.
fn board_keyed(store: &SessionStore, view: &ViewState, now: Ts) -> (Keyed, LinearRange) {
    let mut board = BoardWalk::new(store, view, now);
    store.walk().for_each(|s| board.offer(s));
    board.sorted()
}

/// Rows as [`board_keyed`] gives them: each row's key and its id (ties compare ids
/// without reaching into the session).
type Keyed = Vec<(SortVal, RowId)>;

/// The board's rows gathered one session at a time (in the store's order), then sorted.
struct BoardWalk<'a, 'v> {
    center: &'a Center,
    view: &'v ViewState,
    needle: String,
    now: Ts,
    steady: LinearRange,
    keyed: Keyed,
}

impl<'a, 'v> BoardWalk<'a, 'v> {
    fn new(store: &'a SessionStore, view: &'v ViewState, now: Ts) -> Self {
        BoardWalk {
            center: store.center(),
            view,
            needle: view.filter.to_lowercase(),
            now,
            steady: LinearRange::ALWAYS,
            keyed: Vec::with_capacity(store.sessions().size_hint().0),
        }
    }

    /// Takes session `s` as a row if it is on the board.
    fn offer(&mut self, s: &'a Session) {
        if on_board(s, self.view, self.center, &self.needle) {
            let k = sort_val(s, self.center, self.view, self.now, &mut self.steady);
            self.keyed.push((k, RowId::from(&*s.id)));
        }
    }

    /// The rows in board order and the clock range that order holds for.
    fn sorted(mut self) -> (Keyed, LinearRange) {
        let desc = self.view.sort_descending;
        let num = |(i, (k, _)): (usize, &(SortVal, RowId))| match k {
            SortVal::Num(n) => Some((*n, i)),
            SortVal::Text(_) => None,
        };
        let nums: Option<Vec<(u128, usize)>> = self.keyed.iter().enumerate().map(num).collect();
        match nums {
            // Numbers sorted as (key, row) pairs, half a row's bytes to move each, then
            // the rows put in that order.
            Some(mut nums) => {
                let id = |i: usize| &*self.keyed[i].1;
                nums.sort_unstable_by(|a, b| {
                    let by_key = if desc { b.0.cmp(&a.0) } else { a.0.cmp(&b.0) };
                    by_key.then_with(|| id(a.1).cmp(id(b.1)))
                });
                let mut from: Vec<usize> = nums.into_iter().map(|(_, i)| i).collect();
                permute(&mut self.keyed, &mut from);
            }
            None => self
                .keyed
                .sort_unstable_by(|a, b| row_order((&a.0, &a.1), (&b.0, &b.1), desc)),
        }
        (self.keyed, self.steady)
    }
}

/// Puts the row at `from[i]` at `i`, for every `i`, in place (each row moved once, no
/// second vector of rows: a full rebuild's memory is mostly fresh pages); `from`, a
/// permutation, is used up.
fn permute<T>(rows: &mut [T], from: &mut [usize]) {
    for start in 0..rows.len() {
        let mut at = start;
        while from[at] != at {
            let next = std::mem::replace(&mut from[at], at);
            if next == start {
                break;
            }
            rows.swap(at, next);
            at = next;
        }
    }
}

/// The board's rows as [`board_keyed`] gives them; when the header figures at `now`
/// must also be rebuilt from every session (their memo neither holds nor can be
/// patched), both are made in one walk, so each session is read once (a full rebuild's
/// cost is mostly reaching each session's parties in memory), and the figures kept —
/// and so are the agents' names from calls when they too must be gathered afresh.
fn board_and_summary(
    store: &SessionStore,
    view: &ViewState,
    now: Ts,
    memos: &Memos,
) -> (Keyed, LinearRange) {
    let (summary, agent_memos) = (&memos.summary, &memos.agents);
    let version = store.version();
    let mut board = BoardWalk::new(store, view, now);
    let mut walked = false;
    summary.get(
        |e| e.version == version && e.basis.covers(now),
        |old| {
            let mut old = old;
            SummaryEntry::patched(store, now, &mut old).unwrap_or_else(|| {
                walked = true;
                let mut names = agents::NamesWalk::needed(agent_memos, store);
                let e = SummaryEntry::walk(store, now, old, |s| {
                    board.offer(s);
                    if let Some(n) = &mut names {
                        n.offer(s);
                    }
                });
                if let Some(n) = names {
                    n.keep(agent_memos);
                }
                e
            })
        },
    );
    if !walked {
        store.walk().for_each(|s| board.offer(s));
    }
    board.sorted()
}

/// Active sessions after the text and state filters, and the pinned one (even ended),
/// sorted; and the clock range this order holds for. Computed afresh: [`Memos::rows`]
/// keeps it between frames.
pub fn board_rows<'a>(
    store: &'a SessionStore,
    view: &ViewState,
    now: Ts,
) -> (Vec<&'a Session>, LinearRange) {
    let (keyed, steady) = board_keyed(store, view, now);
    let rows = keyed
        .iter()
        .map(|(_, id)| store.get(id).expect("a row's session is held"));
    (rows.collect(), steady)
}

/// Ended sessions (archived ones included) after the text filter, newest end first,
/// as ids. Archived sessions are unpacked only to match a filter.
pub fn history_rows<'a>(store: &'a SessionStore, view: &ViewState) -> Vec<&'a str> {
    let needle = view.filter.to_lowercase();
    let held = store
        .sessions()
        .filter(|s| s.ended && matches_text(s, store.center(), &needle))
        .map(|s| (s.end().or(s.ended_seen), s.id.as_str()));
    let archived = store
        .archived()
        .filter(|a| {
            needle.is_empty()
                || a.unpack()
                    .is_some_and(|s| matches_text(&s, store.center(), &needle))
        })
        .map(|a| (a.end.or(a.ended_seen), &*a.id));
    let mut rows: Vec<_> = held.chain(archived).collect();
    rows.sort_unstable_by(|a, b| b.cmp(a));
    rows.into_iter().map(|(_, id)| id).collect()
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

impl RowsKey {
    /// The same view of the store (at any version).
    fn same_view(&self, o: &RowsKey) -> bool {
        RowsKey {
            version: o.version,
            ..self.clone()
        } == *o
    }
}

/// A screen's session ids in display order.
#[derive(Clone, Debug)]
pub(crate) struct RowsEntry {
    pub key: RowsKey,
    /// The clock range the order holds for (only the timer sorts depend on the clock).
    pub steady: LinearRange,
    pub ids: Vec<RowId>,
    /// The board's sort key of each row (empty for other screens).
    keys: ById<SortVal>,
    /// The center as of the order: a text filter's matches and the names' order hold
    /// while its directory does.
    directory: CenterStamp,
}

/// The changed ids, each once.
fn changed_ids<'a>(changed: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut v: Vec<&str> = changed.collect();
    v.sort_unstable();
    v.dedup();
    v
}

impl RowsEntry {
    /// The board's rows: the old order patched for the sessions changed since it was
    /// made when only the store moved, the clock is still in its range and the directory
    /// is the same; else every session sorted.
    fn board(
        store: &SessionStore,
        view: &ViewState,
        now: Ts,
        key: RowsKey,
        old: Option<Arc<RowsEntry>>,
        memos: &Memos,
    ) -> RowsEntry {
        let directory = store.center().stamp();
        let patchable = |o: &RowsEntry| {
            o.directory.same_directory(&directory)
                && o.key.screen == Screen::Board
                && o.key.same_view(&key)
                && o.steady.covers(now)
        };
        if let Some(changed) = old
            .as_deref()
            .filter(|o| patchable(o))
            .and_then(|o| store.changed_since(o.key.version))
        {
            let changed = changed_ids(changed);
            let old = old.expect("checked");
            let mut e = Arc::try_unwrap(old).unwrap_or_else(|shared| (*shared).clone());
            e.patch(store, view, now, &changed);
            e.key = key;
            e.directory = directory;
            return e;
        }
        // Rebuilt in the old entry's tables, if no frame still reads them: their memory
        // is in use already, where fresh tables are pages the system must clear first.
        // Emptied first, so that the walk's new ids take the memory of the old ones.
        let (ids, keys) = old
            .and_then(|o| Arc::try_unwrap(o).ok())
            .map(|o| (o.ids, o.keys))
            .unzip();
        let n = store.sessions().size_hint().0;
        let mut ids = emptied(ids, n, Vec::capacity, Vec::clear);
        let mut keys = emptied(keys, n, HashMap::capacity, HashMap::clear);
        let (keyed, steady) = board_and_summary(store, view, now, memos);
        ids.reserve(keyed.len());
        keys.reserve(keyed.len());
        for (k, id) in keyed {
            keys.insert(fingerprint(&id), k);
            ids.push(id);
        }
        RowsEntry {
            key,
            steady,
            ids,
            keys,
            directory,
        }
    }

    /// Where row `(k, id)` is or would go.
    fn search(&self, k: &SortVal, id: &str, desc: bool) -> Result<usize, usize> {
        self.ids.binary_search_by(|probe| {
            let pk = self
                .keys
                .get(&fingerprint(probe))
                .expect("every row has its key");
            row_order((pk, probe), (k, id), desc)
        })
    }

    /// Takes out and puts back (if still on the board) each changed session's row.
    fn patch(&mut self, store: &SessionStore, view: &ViewState, now: Ts, changed: &[&str]) {
        let desc = view.sort_descending;
        let needle = view.filter.to_lowercase();
        for &id in changed {
            let fp = fingerprint(id);
            if let Some(k) = self.keys.get(&fp) {
                if let Ok(i) = self.search(k, id, desc) {
                    self.ids.remove(i);
                }
                self.keys.remove(&fp);
            }
            let Some(s) = store
                .get(id)
                .filter(|s| on_board(s, view, store.center(), &needle))
            else {
                continue;
            };
            let k = sort_val(s, store.center(), view, now, &mut self.steady);
            let i = self.search(&k, id, desc).unwrap_or_else(|i| i);
            self.ids.insert(i, RowId::from(id));
            self.keys.insert(fp, k);
        }
    }
}

/// A table of an old memo, emptied, to be filled with about `n` entries — or a new one
/// if there is none or it is over four times that size (a board that shrank gives the
/// memory back).
fn emptied<T: Default>(
    old: Option<T>,
    n: usize,
    capacity: impl Fn(&T) -> usize,
    clear: impl Fn(&mut T),
) -> T {
    match old {
        Some(mut t) if capacity(&t) <= 4 * n.max(64) => {
            clear(&mut t);
            t
        }
        _ => T::default(),
    }
}

/// The header figures of one store version: each held session's part, their sums at
/// one clock range, and the basis made of those and the figures kept outside them.
#[derive(Clone, Debug)]
pub(crate) struct SummaryEntry {
    pub version: Version,
    parts: ById<Part>,
    held: HeldFigures,
    pub basis: SummaryBasis,
}

impl SummaryEntry {
    /// The figures at `now`: the old entry patched for the sessions changed since it
    /// was made when the store names them and the clock is in the old figures' range,
    /// else every session's.
    fn new(store: &SessionStore, now: Ts, mut old: Option<Arc<SummaryEntry>>) -> SummaryEntry {
        Self::patched(store, now, &mut old).unwrap_or_else(|| Self::walk(store, now, old, |_| {}))
    }

    /// The old entry patched for the sessions changed since it was made, when the
    /// store names them and the clock is in the old figures' range (then taken).
    fn patched(
        store: &SessionStore,
        now: Ts,
        old: &mut Option<Arc<SummaryEntry>>,
    ) -> Option<SummaryEntry> {
        let o = old.as_deref().filter(|o| o.held.covers(now))?;
        let changed = changed_ids(store.changed_since(o.version)?);
        let old = old.take().expect("checked");
        let e = Arc::try_unwrap(old).unwrap_or_else(|shared| (*shared).clone());
        let (mut parts, mut held) = (e.parts, e.held);
        held.moved_to(now);
        for id in changed {
            let fp = fingerprint(id);
            if let Some(p) = parts.remove(&fp) {
                held.put(&p, false);
            }
            if let Some(s) = store.get(id) {
                let p = Part::of(s);
                held.put(&p, true);
                parts.insert(fp, p);
            }
        }
        Some(Self::of(store, parts, held))
    }

    /// Every session's figures, each session also handed to `each` (in the store's
    /// order) while it is at hand; in the `old` entry's table if no frame still reads it
    /// (its memory in use already, where a fresh table's pages must be cleared first).
    fn walk<'a>(
        store: &'a SessionStore,
        now: Ts,
        old: Option<Arc<SummaryEntry>>,
        mut each: impl FnMut(&'a Session),
    ) -> Self {
        let mut held = HeldFigures::new(now);
        let n = store.sessions().size_hint().0;
        let parts = old.and_then(|o| Arc::try_unwrap(o).ok()).map(|o| o.parts);
        let mut parts = emptied(parts, n, HashMap::capacity, HashMap::clear);
        parts.reserve(n);
        let all: Vec<&Session> = store.sessions().collect();
        Session::walk_prefetched(&all, |s| {
            let p = Part::of(s);
            held.put(&p, true);
            parts.insert(fingerprint(&s.id), p);
            each(s);
        });
        Self::of(store, parts, held)
    }

    fn of(store: &SessionStore, parts: ById<Part>, held: HeldFigures) -> Self {
        SummaryEntry {
            version: store.version(),
            basis: held.basis(store.evicted_totals(), *store.counters()),
            parts,
            held,
        }
    }
}

/// The derived rows and figures the UI state keeps between frames.
#[derive(Clone, Debug, Default)]
pub(crate) struct Memos {
    pub rows: Memo<RowsEntry>,
    pub summary: Memo<SummaryEntry>,
    /// The agents' order and queues.
    pub agents: agents::AgentMemos,
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

    /// The rows' session ids, in display order.
    pub fn ids(&self) -> &[RowId] {
        &self.entry.ids
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

    /// The row of a session (found by its sort key on the board).
    pub fn position(&self, id: &str) -> Option<usize> {
        let e = &self.entry;
        match e.key.screen {
            Screen::Board => e
                .search(e.keys.get(&fingerprint(id))?, id, e.key.descending)
                .ok(),
            _ => e.ids.iter().position(|r| **r == *id),
        }
    }

    /// The rows of calls in progress: all but the pinned call once it ended (the only
    /// row of the board that can have).
    pub fn active(&self) -> usize {
        let e = &self.entry;
        let pinned = e
            .key
            .pinned
            .as_deref()
            .filter(|_| e.key.screen == Screen::Board);
        let ended = pinned
            .filter(|id| e.keys.contains_key(&fingerprint(id)))
            .and_then(|id| self.store.get(id))
            .is_some_and(|s| s.ended);
        match e.key.screen {
            Screen::Board => e.ids.len() - usize::from(ended),
            _ => self.iter().filter(|s| !s.ended).count(),
        }
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

/// The queue of a call in words: the name of its queue in the directory (else its
/// extension number), else the queue name the call's parties carry.
pub fn call_queue(s: &Session, center: &Center) -> Option<String> {
    s.queue_in(center)
        .map(queue_name)
        .or_else(|| s.queue().map(str::to_string))
}

/// The agent who answered the call (after IVR and queue routing, and transfers) as
/// `name ext`; `None` while nobody has answered.
pub fn call_agent(s: &Session, center: &Center) -> Option<String> {
    let a = s.agent_in(center)?;
    let own = a.party.own_end().label();
    Some(match a.known {
        Some(k) if k.name.is_some() || k.extension_number.is_some() => agent_name(k),
        _ if !own.is_empty() => own,
        _ => format!("ext id {}", a.extension_id().unwrap_or("?")),
    })
}

/// Orders queues by extension number (numbers as numbers), then name, then id.
fn queue_key(q: &Queue) -> (u64, String, String) {
    let n = q
        .extension_number
        .as_deref()
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(u64::MAX);
    (n, queue_name(q), q.id.clone())
}

/// The queues view's rows: queues matching the `/` filter (name, number, id), by
/// extension number.
pub fn queue_rows<'a>(center: &'a Center, filter: &str) -> Vec<&'a Queue> {
    let needle = filter.to_lowercase();
    let has = |v: &str| has_text(v, &needle);
    let mut v: Vec<&Queue> = center
        .queues()
        .filter(|q| {
            needle.is_empty()
                || has(&queue_name(q))
                || has(&q.id)
                || q.extension_number.as_deref().is_some_and(has)
                || q.account.as_deref().is_some_and(has)
        })
        .collect();
    v.sort_by_cached_key(|q| queue_key(q));
    v
}

/// The agents of a queue (members calltop knows as agents), as the agents view orders them.
pub fn queue_agents<'a>(center: &'a Center, q: &Queue) -> Vec<&'a Agent> {
    let mut v: Vec<&Agent> = q.members.keys().filter_map(|id| center.agent(id)).collect();
    v.sort_by_cached_key(|a| AgentKey::of(a));
    v
}

#[cfg(test)]
mod tests {
    use super::{has_text, order_bits, permute, Elapsed, SortVal};
    use std::cmp::Reverse;

    /// The numbers keys are sorted by keep the order of what they were made from.
    #[test]
    fn numeric_keys_sort_as_what_they_were_made_from() {
        let times = [i64::MIN, -5, -1, 0, 1, 7, 1_714_564_800_000, i64::MAX];
        let elapsed: Vec<Elapsed> = std::iter::once(Elapsed(None))
            .chain(times.iter().map(|t| Elapsed(Some(Reverse(*t)))))
            .collect();
        for a in &elapsed {
            for b in &elapsed {
                assert_eq!(a.ordinal().cmp(&b.ordinal()), a.cmp(b), "{a:?} {b:?}");
                for (ra, rb) in [(0, 0), (0, 1), (2, 1), (1, 2)] {
                    let want = (ra, a).cmp(&(rb, b));
                    let got = SortVal::rank(ra, *a).partial_cmp(&SortVal::rank(rb, *b));
                    assert_eq!(got, Some(want), "{ra} {a:?} {rb} {b:?}");
                }
            }
        }
        for a in times {
            for b in times {
                assert_eq!(order_bits(a).cmp(&order_bits(b)), a.cmp(&b));
            }
        }
    }

    /// Any permutation is applied as given, each row moved to its place.
    #[test]
    fn rows_are_permuted_in_place_as_given() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for n in [0usize, 1, 2, 3, 7, 64, 1000] {
            let mut from: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                from.swap(i, (seed % (i as u64 + 1)) as usize);
            }
            let want: Vec<String> = from.iter().map(|i| format!("row {i}")).collect();
            let mut rows: Vec<String> = (0..n).map(|i| format!("row {i}")).collect();
            permute(&mut rows, &mut from.clone());
            assert_eq!(rows, want, "{n} rows");
        }
    }

    #[test]
    fn text_is_found_whatever_the_case() {
        assert!(has_text("Sales Queue 8001", "queue 8"));
        assert!(has_text("+14155550100", "555"));
        assert!(!has_text("Sales", "sales queue"));
        assert!(has_text("anything", ""));
        // Not ASCII: lower-cased as a whole (the Kelvin sign lower-cases to "k").
        assert!(has_text("Émile Zola", "émile"));
        assert!(has_text("\u{212A}elvin", "kelvin"));
        assert!(!has_text("Émile", "emile"));
    }
}
