//! The agents view (`A`): one row per agent — state (glyph, word, colour), time in
//! state, current call, queues, handled and talk today — and the same table for a
//! queue's agents (queue detail) and the overview's right-hand side. Their order is
//! memoised (see [`crate::tui::rows::agents`]): only the rows on screen are formatted.

use super::cells::{col_table, fit, layout_cols, or_dash, row_style, stale_span, Col};
use crate::core::center::{Agent, Availability, Queue};
use crate::core::{clock, clock_bound, Center, SessionStore};
use crate::tui::rows::agents::QueuesEntry;
use crate::tui::rows::queue_name;
use crate::tui::state::{ListCursor, Mode, UiState};
use crate::tui::theme::{agent_glyph, alert_glyph, row_mark, Level};
use crate::wire::{Direction, Ts};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Cell;
use ratatui::Frame;

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
    let order = ui.agent_order(store);
    let queues = ui.agent_queues(store);
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
/// before it is not in the figures); `(…outage until 14:02)` after an outage in it that
/// calltop did not recover from (what happened during it is not in them either).
pub(crate) fn period_label(ui: &UiState, c: &Center) -> Option<String> {
    let (from, joined) = c.counted_from()?;
    let zone = ui.config.zone;
    let daily = c.window().zone.is_some() && !joined;
    let since = match daily {
        true => format!("today since {}", zone.hm(from)),
        false => format!("since {}", zone.hm(from)),
    };
    let outage = c
        .unseen_until()
        .filter(|&u| u > from)
        .map(|u| format!("outage until {}", zone.hm(u)));
    let notes: Vec<&str> = [joined.then_some("joined"), outage.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    Some(match notes.is_empty() {
        true => since,
        false => format!("{since} ({})", notes.join("; ")),
    })
}

/// `loading…` while the first load of agents, queues and calls is not over (with the
/// platform's rate limit when it waits on one): figures until then are not known.
pub(crate) fn loading_span(ui: &UiState) -> Option<Span<'static>> {
    if !ui.seeding() {
        return None;
    }
    // The wait's countdown, while it runs (the request may then wait its turn).
    let wait = ui
        .feed
        .loading
        .and_then(|l| Some((l.waiting_why(), l.wait_left_secs(ui.feed.wall)?)));
    let text = match wait {
        Some((why, secs)) => format!("loading… ({why}, waiting {secs}s) "),
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
    /// Its state comes from a call in doubt ([`Center::doubted`]): marked `?`, drawn dim.
    doubted: bool,
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
        // A call held since before an outage, not heard of since, may have ended unseen:
        // the state it makes is not news, as on the calls board. Nor is an agent's with
        // no call known while the calls in progress load again: one may have begun unseen.
        let staff_unknown = ui.staff_unknown();
        let doubted = match call {
            Some(c) => self.center.doubted(&c.session),
            None => staff_unknown && !ui.seeding(),
        };
        // Alerts time the call listed (a caller on hold that long), at least from when
        // calltop learned of it; idle states time the agent's state.
        let alert_since = call.map(|c| c.since).or(since).filter(|_| !doubted);
        let level = alert_since.map_or(Level::Normal, |s| {
            let ms = s.millis_until(now).max(0);
            ui.config.thresholds.agent_level(state, ms)
        });
        let (g, w) = agent_glyph(state);
        // No call known of an agent whose state is not known (yet): unknown, not none.
        let unknown = state.is_none() || staff_unknown;
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
        let f = self.center.agent_figures_at(a, now);
        AgentRow {
            level,
            doubted,
            state: (format!("{g} {w}"), t.agent(state)),
            // A call in doubt: timed up to the outage, at least.
            time: or_dash(since.map(|s| match call.filter(|_| doubted) {
                Some(c) => {
                    let known = self.center.known_until(&c.session, now);
                    clock_bound(s.millis_until(known).max(0), true)
                }
                None => clock(s.millis_until(now).max(0)),
            })),
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
                let glyph = match r.doubted {
                    true => super::table::DOUBT_MARK,
                    false => alert_glyph(r.level),
                };
                let mark = row_mark(selected, glyph);
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
                let style = row_style(ui, selected, r.level);
                let style = if r.doubted {
                    style.patch(t.dim())
                } else {
                    style
                };
                (cells, style)
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
