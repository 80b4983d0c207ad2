//! The agents view (`A`): one row per agent — state (glyph, word, colour), time in
//! state, current call, queues, handled and talk today — and the same table for a
//! queue's agents (queue detail) and the overview's right-hand side.
//!
//! The agents' order and each agent's queues are memoised ([`AgentMemos`]): the order's
//! keys do not read the clock (state, then *since when* ascending — the same order as
//! longest in state first), so a frame with nothing changed neither walks nor sorts the
//! agents and formats only the rows on screen; after a change, the agents the center
//! names as changed ([`Center::agents_changed_since`]) are taken out and put back in
//! place. Only a directory or filter change orders them all again.

use super::{col_table, fit, layout_cols, or_dash, row_style, stale_span, Col};
use crate::core::center::{Agent, Availability, CenterStamp, Queue};
use crate::core::{clock, Center, SessionStore, Version};
use crate::tui::rows::{agent_name, has_text, queue_name, AgentKey, Memo};
use crate::tui::state::{ListCursor, Mode, UiState};
use crate::tui::theme::{agent_glyph, alert_glyph, row_mark, Level};
use crate::wire::{Direction, Ts};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Cell;
use ratatui::Frame;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Each agent's queues by agent id: the queues' names, in queue id order.
pub(crate) type AgentQueues = HashMap<String, Vec<String>>;

/// What the agents view reads besides the agents: built again when the directory
/// changed (the names from calls: when the store did, if some agent has no name).
#[derive(Debug)]
pub(crate) struct QueuesEntry {
    stamp: CenterStamp,
    version: Version,
    pub by_agent: AgentQueues,
    /// Agents the directory does not name (neither name nor extension number).
    unnamed: HashSet<String>,
    /// Those agents' names: the name and number their own end of a call carries (the
    /// callee of an inbound leg, the caller of an outbound one), from the latest call
    /// held that gives one.
    pub call_names: HashMap<String, String>,
}

impl QueuesEntry {
    fn empty(stamp: CenterStamp, version: Version) -> QueuesEntry {
        QueuesEntry {
            stamp,
            version,
            by_agent: AgentQueues::new(),
            unnamed: HashSet::new(),
            call_names: HashMap::new(),
        }
    }

    /// An agent as the view names it: [`agent_name`], or for an agent the directory
    /// does not name, its own end of its calls.
    pub fn name(&self, a: &Agent) -> String {
        match self.call_names.get(&a.id) {
            Some(n) if a.name.is_none() && a.extension_number.is_none() => n.clone(),
            _ => agent_name(a),
        }
    }

    /// True while it holds for `store`.
    fn holds(&self, store: &SessionStore) -> bool {
        self.stamp.same_directory(&store.center().stamp())
            && (self.unnamed.is_empty() || self.version == store.version())
    }
}

/// The names calls give the `unnamed` agents.
fn call_names(store: &SessionStore, unnamed: &HashSet<String>) -> HashMap<String, String> {
    let mut found: HashMap<&str, (Ts, &str, String)> = HashMap::new();
    if unnamed.is_empty() {
        return HashMap::new();
    }
    for s in store.sessions() {
        for p in &s.parties {
            let Some(ext) = p.extension_id.get().map(String::as_str) else {
                continue;
            };
            let Some(id) = unnamed.get(ext) else {
                continue;
            };
            let own = match p.direction.get() {
                Some(Direction::Outbound) => p.from.label(),
                _ => p.to.label(),
            };
            let newer = found
                .get(id.as_str())
                .is_none_or(|(t, sid, _)| (s.last_seen, s.id.as_str()) > (*t, *sid));
            if !own.is_empty() && newer {
                found.insert(id, (s.last_seen, s.id.as_str(), own));
            }
        }
    }
    found
        .into_iter()
        .map(|(id, (_, _, n))| (id.to_string(), n))
        .collect()
}

/// The agents view's rows of one center state and filter.
#[derive(Clone, Debug)]
pub(crate) struct OrderEntry {
    stamp: CenterStamp,
    /// The store's version, read only when names from calls can change what matches.
    version: Version,
    filter: String,
    /// The agents matching the filter, in display order.
    pub rows: Vec<AgentKey>,
    /// Every agent known.
    pub all: usize,
}

/// The agents view's memos (kept in [`UiState`]).
#[derive(Clone, Debug, Default)]
pub(crate) struct AgentMemos {
    queues: Memo<QueuesEntry>,
    order: Memo<OrderEntry>,
}

/// Each agent's queues (the directory is walked again only when it changed).
pub(crate) fn agent_queues(ui: &UiState, store: &SessionStore) -> Arc<QueuesEntry> {
    ui.agent_memos.queues.get(
        |e| e.holds(store),
        |old| {
            let c = store.center();
            let stamp = c.stamp();
            let version = store.version();
            if let Some(old) = old.filter(|o| o.stamp.same_directory(&stamp)) {
                // Only the names from calls moved on.
                let mut e = Arc::try_unwrap(old).unwrap_or_else(|o| QueuesEntry {
                    by_agent: o.by_agent.clone(),
                    unnamed: o.unnamed.clone(),
                    ..QueuesEntry::empty(stamp, version)
                });
                e.call_names = call_names(store, &e.unnamed);
                e.version = version;
                return e;
            }
            let mut qs: Vec<&Queue> = c.queues().collect();
            qs.sort_by(|a, b| a.id.cmp(&b.id));
            let mut by_agent = AgentQueues::new();
            for q in qs {
                let name = queue_name(q);
                for id in q.members.keys() {
                    by_agent.entry(id.clone()).or_default().push(name.clone());
                }
            }
            let unnamed: HashSet<String> = c
                .agents()
                .filter(|a| a.name.is_none() && a.extension_number.is_none())
                .map(|a| a.id.clone())
                .collect();
            QueuesEntry {
                call_names: call_names(store, &unnamed),
                by_agent,
                unnamed,
                ..QueuesEntry::empty(stamp, version)
            }
        },
    )
}

/// At most this many changes since the last order (an agent changed twice in a row
/// counts once): patched, else ordered again.
const PATCH_MAX: usize = 512;

/// The agents view's rows: agents matching the `/` filter (name, extension, current
/// peer, queue) in [`AgentKey`] order. Ordered again only when the filter or the
/// directory changed; otherwise the agents the center names as changed are taken out
/// and put back in place.
pub(crate) fn agent_order(ui: &UiState, store: &SessionStore) -> Arc<OrderEntry> {
    let filter = &ui.view.filter;
    let c = store.center();
    let stamp = c.stamp();
    let queues = agent_queues(ui, store);
    // With agents named by their calls, a filter's matches follow the store.
    let by_calls = !filter.is_empty() && !queues.unnamed.is_empty();
    let version = store.version();
    ui.agent_memos.order.get(
        |e| e.stamp == stamp && e.filter == *filter && (!by_calls || e.version == version),
        |old| {
            let needle = filter.to_lowercase();
            let matches = |a: &Agent| agent_matches(a, &queues, c, &needle);
            let patched = old
                .filter(|o| o.filter == *filter && !by_calls)
                .and_then(|o| Some((c.agents_changed_since(o.stamp)?, o)))
                .and_then(|(changed, o)| {
                    let mut agents: Vec<&Agent> = changed.take(PATCH_MAX + 1).collect();
                    if agents.len() > PATCH_MAX {
                        return None;
                    }
                    agents.sort_unstable_by(|a, b| a.id.cmp(&b.id));
                    agents.dedup_by(|a, b| a.id == b.id);
                    Some((agents, o))
                });
            if let Some((agents, old)) = patched {
                let mut e = Arc::try_unwrap(old).unwrap_or_else(|o| (*o).clone());
                e.rows.retain(|k| {
                    agents
                        .binary_search_by(|a| a.id.as_str().cmp(&k.id))
                        .is_err()
                });
                for a in agents {
                    if matches(a) {
                        let k = AgentKey::of(a);
                        let at = e.rows.binary_search(&k).unwrap_or_else(|i| i);
                        e.rows.insert(at, k);
                    }
                }
                e.stamp = stamp;
                e.version = version;
                return e;
            }
            let mut all = 0;
            let mut rows: Vec<AgentKey> = c
                .agents()
                .inspect(|_| all += 1)
                .filter(|a| matches(a))
                .map(AgentKey::of)
                .collect();
            rows.sort_unstable();
            OrderEntry {
                stamp,
                version,
                filter: filter.clone(),
                rows,
                all,
            }
        },
    )
}

fn agent_matches(a: &Agent, info: &QueuesEntry, center: &Center, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    let queues = info.by_agent.get(&a.id);
    let has = |v: &str| has_text(v, needle);
    let call = a.current_call();
    has(&a.id)
        || a.name.as_deref().is_some_and(has)
        || a.extension_number.as_deref().is_some_and(has)
        || info.call_names.get(&a.id).is_some_and(|n| has(n))
        || call.and_then(|c| c.peer.as_deref()).is_some_and(has)
        || call
            .and_then(|c| c.queue.as_deref())
            .and_then(|q| center.queue(q))
            .is_some_and(|q| has(&queue_name(q)))
        || queues.is_some_and(|qs| qs.iter().any(|q| has(q)))
        || a.account.as_deref().is_some_and(has)
}

/// The agents view.
pub fn render(frame: &mut Frame, area: Rect, store: &SessionStore, ui: &UiState, now: Ts) {
    render_with(frame, area, store, ui, now, Some(&ui.view.agents));
}

/// The overview's agents (no cursor: the calls table has it).
pub fn render_side(frame: &mut Frame, area: Rect, store: &SessionStore, ui: &UiState, now: Ts) {
    render_with(frame, area, store, ui, now, None);
}

fn render_with(
    frame: &mut Frame,
    area: Rect,
    store: &SessionStore,
    ui: &UiState,
    now: Ts,
    cursor: Option<&ListCursor>,
) {
    let c = store.center();
    let order = agent_order(ui, store);
    let queues = agent_queues(ui, store);
    let title = title(ui, c, "Agents", order.rows.len(), order.all);
    let view = AgentTable {
        center: c,
        info: &queues,
        member_of: None,
        cursor,
    };
    view.render(frame, area, &order.rows[..], title, ui, now);
}

/// A title: ` Agents 12/40 ` with the filter and the offline mark.
pub(crate) fn title(
    ui: &UiState,
    c: &Center,
    what: &str,
    shown: usize,
    all: usize,
) -> Line<'static> {
    let t = ui.theme();
    let mut spans = vec![Span::styled(format!(" {what} {shown}/{all} "), t.title())];
    if let Some(p) = period_label(ui, c) {
        spans.push(Span::styled(format!("{p} "), t.dim()));
    }
    if !ui.view.filter.is_empty() {
        spans.push(Span::styled(
            format!("filter \"{}\" ", ui.view.filter),
            t.key(),
        ));
    }
    spans.extend(stale_span(ui));
    spans.extend(loading_span(ui));
    Line::from(spans)
}

/// The period the figures cover, as a label: `today since 00:00`, `since 13:15`, or
/// `since 13:15 (joined)` when calltop joined after the period began (what happened
/// before it is not in the figures).
pub(crate) fn period_label(ui: &UiState, c: &Center) -> Option<String> {
    let (from, joined) = c.counted_from()?;
    let zone = ui.config.zone;
    let daily = c.window().zone.is_some() && !joined;
    Some(match (daily, joined) {
        (true, _) => format!("today since {}", zone.hm(from)),
        (false, true) => format!("since {} (joined)", zone.hm(from)),
        (false, false) => format!("since {}", zone.hm(from)),
    })
}

/// `loading…` while the first load of agents, queues and calls is not over (with the
/// platform's rate limit when it waits on one): figures until then are not known.
pub(crate) fn loading_span(ui: &UiState) -> Option<Span<'static>> {
    if !ui.seeding() {
        return None;
    }
    // The retry's countdown, while it runs (the request may then wait its turn).
    let secs = ui
        .feed
        .loading
        .and_then(|l| l.waiting_until)
        .map(|until| (ui.feed.wall.millis_until(until) + 999) / 1000)
        .filter(|s| *s > 0);
    let text = match secs {
        Some(secs) => format!("loading… (rate limited by the platform, retry in {secs}s) "),
        None => "loading… ".to_string(),
    };
    Some(Span::styled(text, ui.theme().dim()))
}

/// A table of agents.
pub(crate) struct AgentTable<'a> {
    pub center: &'a Center,
    pub info: &'a QueuesEntry,
    /// In a queue's detail: that queue (adds whether each agent takes its calls).
    pub member_of: Option<&'a Queue>,
    pub cursor: Option<&'a ListCursor>,
}

/// What one agent row says, before the columns are sized.
struct AgentRow {
    level: Level,
    state: (String, ratatui::style::Style),
    time: String,
    name: String,
    call: String,
    queue: String,
    takes: String,
    queues: String,
    handled: String,
    offers: String,
    missed: String,
    talk: String,
    /// Its account (`—`: not known), on a board over several accounts.
    account: String,
}

impl AgentTable<'_> {
    fn row(&self, a: &Agent, ui: &UiState, now: Ts) -> AgentRow {
        let t = ui.theme();
        let (state, since) = a.status();
        let call = a.current_call();
        // Alerts time the call listed (a caller on hold that long), at least from when
        // calltop learned of it; idle states time the agent's state.
        let alert_since = call.map(|c| c.since).or(since);
        let level = alert_since.map_or(Level::Normal, |s| {
            let ms = s.millis_until(now).max(0);
            ui.config.thresholds.agent_level(state, ms)
        });
        let (g, w) = agent_glyph(state);
        // No call known of an agent whose state is not known (yet): unknown, not none.
        let unknown = state.is_none() || ui.seeding();
        let none = if unknown { "—" } else { "" };
        let peer = call.map_or(none.to_string(), |c| {
            let arrow = match c.direction {
                Some(Direction::Inbound) => "← ",
                Some(Direction::Outbound) => "→ ",
                _ => "",
            };
            format!("{arrow}{}", c.peer.as_deref().unwrap_or("?"))
        });
        let queue = call
            .and_then(|c| c.queue.as_deref())
            .map(|q| self.center.queue(q).map_or(q.to_string(), queue_name))
            .unwrap_or_default();
        let takes = self.member_of.map_or(String::new(), |q| {
            match self.center.availability(q, &a.id) {
                Availability::NotAccepting => "no".to_string(),
                _ => "yes".to_string(),
            }
        });
        let queues = self
            .info
            .by_agent
            .get(a.id.as_str())
            .map(|qs| qs.join(", "))
            .unwrap_or_default();
        let f = a.figures_at(now);
        AgentRow {
            level,
            state: (format!("{g} {w}"), t.agent(state)),
            time: or_dash(since.map(|s| clock(s.millis_until(now).max(0)))),
            name: self.info.name(a),
            call: peer,
            queue,
            takes,
            queues,
            handled: f.handled.to_string(),
            offers: f.offers.to_string(),
            missed: f.missed.to_string(),
            talk: clock(f.talk_ms),
            account: or_dash(a.account.clone()),
        }
    }

    /// Draws the agents of ids `rows` (all of them; only the visible ones are looked up
    /// and built).
    pub fn render<S: AsRef<str>>(
        &self,
        frame: &mut Frame,
        area: Rect,
        rows: &[S],
        title: Line<'static>,
        ui: &UiState,
        now: Ts,
    ) {
        let t = ui.theme();
        let h = area.height.saturating_sub(2) as usize;
        let (start, cursor) = match self.cursor {
            Some(c) => (c.offset.min(rows.len()), Some(c.cursor)),
            None => (0, None),
        };
        let end = (start + h).min(rows.len());
        let built: Vec<AgentRow> = rows[start..end]
            .iter()
            .filter_map(|id| self.center.agent(id.as_ref()))
            .map(|a| self.row(a, ui, now))
            .collect();
        let takes = self.member_of.is_some();
        let several = self.center.accounts().len() > 1;
        let cols = agent_cols(&built, takes, several);
        let widths = layout_cols(area.width, &cols);
        let w = |i: usize| widths.get(i).copied().flatten().unwrap_or(0);
        let off = usize::from(takes);
        let table_rows = built
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let selected = cursor == Some(start + i);
                let mark = row_mark(selected, alert_glyph(r.level));
                let mut cells = vec![
                    Cell::from(Span::styled(mark, t.level(r.level))),
                    Cell::from(Span::styled(r.state.0, r.state.1)),
                    Cell::from(fit(&r.time, w(2))),
                    Cell::from(fit(&r.name, w(3))),
                ];
                if takes {
                    cells.push(Cell::from(r.takes));
                }
                cells.extend([
                    Cell::from(fit(&r.call, w(4 + off))),
                    Cell::from(fit(&r.queue, w(5 + off))),
                    Cell::from(r.handled),
                    Cell::from(r.offers),
                    Cell::from(r.missed),
                    Cell::from(fit(&r.talk, w(9 + off))),
                    Cell::from(fit(&r.queues, w(10 + off))),
                ]);
                if several {
                    cells.push(Cell::from(fit(&r.account, w(11 + off))));
                }
                (cells, row_style(ui, selected, r.level))
            })
            .collect();
        frame.render_widget(col_table(&cols, &widths, table_rows, title, ui), area);
        if rows.is_empty() {
            let msg = empty_message(ui);
            let y = area.y + 2;
            if y < area.y + area.height {
                frame.render_widget(
                    ratatui::widgets::Paragraph::new(Span::styled(msg, t.dim())),
                    Rect::new(area.x + 2, y, area.width.saturating_sub(2), 1),
                );
            }
        }
    }
}

/// The agents table's columns, sized to the rows `built`; `Takes` only when a queue's
/// members are listed, `Account` only on a board over `several` accounts.
fn agent_cols(built: &[AgentRow], takes: bool, several: bool) -> Vec<Col> {
    let widest = |f: &dyn Fn(&AgentRow) -> usize, min: usize| {
        built.iter().map(f).max().unwrap_or(0).max(min)
    };
    let n = |s: &String| s.chars().count();
    // A figure is never cut: its column takes its widest.
    let figure = |header, cell: &dyn Fn(&AgentRow) -> &String, least, prio| {
        let w = widest(&|r| n(cell(r)), least);
        Col::fixed(header, w, prio)
    };
    let cols = [
        Col::fixed("", 2, 10),
        Col::fixed("State", 11, 10),
        figure("Time", &|r| &r.time, 6, 10),
        Col::new("Agent", 16, widest(&|r| n(&r.name), 12).min(28), 9),
        Col::fixed("Takes", 5, 9),
        Col::new("Call", 14, widest(&|r| n(&r.call), 10).min(32), 8),
        Col::new("Queue", 6, widest(&|r| n(&r.queue), 6).min(18), 6),
        figure("Hnd", &|r| &r.handled, 3, 7),
        figure("Offr", &|r| &r.offers, 4, 1),
        figure("Miss", &|r| &r.missed, 4, 1),
        figure("Talk", &|r| &r.talk, 5, 5),
        Col::new("Queues", 10, widest(&|r| n(&r.queues), 10).min(40), 2),
        Col::fixed("Account", widest(&|r| n(&r.account), 7), 9),
    ];
    let mut cols = cols.to_vec();
    if !several {
        cols.pop();
    }
    if !takes {
        cols.remove(4);
    }
    cols
}

/// What an empty agents table says instead.
fn empty_message(ui: &UiState) -> &'static str {
    match () {
        _ if !ui.view.filter.is_empty() => "no agents match the filter",
        _ if ui.config.mode == Mode::Replay => "no agents in this recording",
        _ if ui.seeding() => "loading the directory and presence…",
        _ => "no agents known yet (the directory and presence load at start)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::state::{BoardConfig, Mode, Screen};
    use crate::wire::{self, RosterLine};
    use serde_json::json;

    /// Presence of agent `a` (a user of the synthetic center), in a notification's shape.
    fn presence(a: u64, status: &str, seq: i64, at: Ts) -> String {
        let id = 62_000_000 + a;
        json!({"event": format!("/restapi/v1.0/account/1/extension/{id}/presence?detailedTelephonyState=true"),
            "timestamp": at.to_rfc3339(),
            "body": {"extensionId": id.to_string(), "telephonyStatus": "NoCall", "presenceStatus": status,
                     "userStatus": status, "dndStatus": "TakeAllCalls", "sequence": seq}})
        .to_string()
    }

    fn ingest(store: &mut SessionStore, line: &str) {
        match wire::parse_view(line) {
            Ok(p) => {
                let now = p.stream_time().unwrap_or(Ts(0));
                store.ingest_view(p, now);
            }
            Err(_) => store.note_malformed(Ts(0)),
        }
    }

    fn ids(e: &OrderEntry) -> Vec<&str> {
        e.rows.iter().map(|k| k.id.as_str()).collect()
    }

    /// A warm order patched after every few events (queue calls, presence changes, a
    /// directory change, filters on and off) equals the order built afresh, and most
    /// frames were patched rather than ordered again.
    #[test]
    fn a_patched_agent_order_equals_a_fresh_one() {
        let mut store = SessionStore::default();
        store.center_mut().roster(&crate::synth::center_directory());
        let lines = crate::synth::center_stream(6_000, 120, 11);
        let mut ui = UiState::new(BoardConfig::new(Mode::Demo));
        ui.view.screen = Screen::Agents;
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % n
        };
        let (mut i, mut seq, mut patched, mut frames) = (0, 0i64, 0, 0);
        while i < lines.len() {
            let before = store.center().stamp();
            for _ in 0..=next(12) {
                if let Some(l) = lines.get(i) {
                    ingest(&mut store, l);
                    i += 1;
                }
                if next(4) == 0 {
                    seq += 1;
                    let status = ["Available", "Busy", "Offline"][next(3) as usize];
                    ingest(
                        &mut store,
                        &presence(next(60), status, seq, Ts(1_714_564_800_000 + seq)),
                    );
                }
            }
            match next(40) {
                0 => ui.view.filter = "extension 6200000".into(),
                // Agents on a call of that queue (the queue's name): matches move.
                1 => ui.view.filter = "63000002".into(),
                3 => ui.view.filter.clear(),
                2 => store.center_mut().roster(&RosterLine::Extensions(vec![])),
                _ => {}
            }
            frames += 1;
            patched += usize::from(store.center().agents_changed_since(before).is_some());
            let warm = agent_order(&ui, &store);
            let mut cold = UiState::new(BoardConfig::new(Mode::Demo));
            cold.view.filter.clone_from(&ui.view.filter);
            let fresh = agent_order(&cold, &store);
            assert_eq!(ids(&warm), ids(&fresh), "frame {frames}, line {i}");
            assert_eq!(warm.all, fresh.all);
            assert!(!warm.rows.is_empty());
        }
        assert!(
            patched * 10 > frames * 8,
            "{patched} of {frames} frames patched"
        );
        let agents = store.center().agents().count() as u64;
        assert_eq!(agents, crate::synth::CENTER_AGENTS);
    }
}
