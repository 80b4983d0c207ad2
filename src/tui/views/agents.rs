//! The agents view (`A`): one row per agent — state (glyph, word, colour), time in
//! state, current call, queues, handled and talk today — and the same table for a
//! queue's agents (queue detail) and the overview's right-hand side.

use super::{col_table, fit, layout_cols, or_dash, row_style, stale_span, Col};
use crate::core::center::{Agent, Availability, Queue};
use crate::core::{clock, Center, SessionStore};
use crate::tui::rows::{agent_name, agent_rows, agent_status, queue_name, queues_by_agent};
use crate::tui::state::{ListCursor, UiState};
use crate::tui::theme::{agent_glyph, alert_glyph, Level};
use crate::wire::{Direction, Ts};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Cell;
use ratatui::Frame;
use std::collections::HashMap;

/// The agents view.
pub fn render(frame: &mut Frame, area: Rect, store: &SessionStore, ui: &UiState, now: Ts) {
    let c = store.center();
    let by = queues_by_agent(c);
    let rows = agent_rows(c, &by, &ui.view.filter, now);
    let title = title(ui, "Agents", rows.len(), c.agents().count());
    let view = AgentTable {
        center: c,
        queues: &by,
        member_of: None,
        cursor: Some(&ui.view.agents),
    };
    view.render(frame, area, &rows, title, ui, now);
}

/// The overview's agents (no cursor: the calls table has it).
pub fn render_side(frame: &mut Frame, area: Rect, store: &SessionStore, ui: &UiState, now: Ts) {
    let c = store.center();
    let by = queues_by_agent(c);
    let rows = agent_rows(c, &by, &ui.view.filter, now);
    let title = title(ui, "Agents", rows.len(), c.agents().count());
    let view = AgentTable {
        center: c,
        queues: &by,
        member_of: None,
        cursor: None,
    };
    view.render(frame, area, &rows, title, ui, now);
}

/// A title: ` Agents 12/40 ` with the filter and the offline mark.
pub(crate) fn title(ui: &UiState, what: &str, shown: usize, all: usize) -> Line<'static> {
    let t = ui.theme();
    let mut spans = vec![Span::styled(format!(" {what} {shown}/{all} "), t.title())];
    if !ui.view.filter.is_empty() {
        spans.push(Span::styled(
            format!("filter \"{}\" ", ui.view.filter),
            t.key(),
        ));
    }
    spans.extend(stale_span(ui));
    Line::from(spans)
}

/// A table of agents.
pub(crate) struct AgentTable<'a> {
    pub center: &'a Center,
    pub queues: &'a HashMap<&'a str, Vec<&'a Queue>>,
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
    talk: String,
}

impl AgentTable<'_> {
    fn row(&self, a: &Agent, ui: &UiState, now: Ts) -> AgentRow {
        let t = ui.theme();
        let (state, since) = agent_status(a);
        let ms = since.map(|s| s.millis_until(now).max(0));
        let level = ms.map_or(Level::Normal, |ms| {
            ui.config.thresholds.agent_level(state, ms)
        });
        let (g, w) = agent_glyph(state);
        let call = a.current_call();
        let peer = call.map_or(String::new(), |c| {
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
            .queues
            .get(a.id.as_str())
            .map(|qs| {
                qs.iter()
                    .map(|q| queue_name(q))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        let f = a.figures_at(now);
        AgentRow {
            level,
            state: (format!("{g} {w}"), t.agent(state)),
            time: or_dash(ms.map(clock)),
            name: agent_name(a),
            call: peer,
            queue,
            takes,
            queues,
            handled: f.handled.to_string(),
            talk: clock(f.talk_ms),
        }
    }

    /// Draws `rows` (all of them; only the visible ones are built).
    pub fn render(
        &self,
        frame: &mut Frame,
        area: Rect,
        rows: &[&Agent],
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
            .map(|a| self.row(a, ui, now))
            .collect();
        let widest = |f: &dyn Fn(&AgentRow) -> usize, min: usize| {
            built.iter().map(f).max().unwrap_or(0).max(min)
        };
        let n = |s: &String| s.chars().count();
        let takes = self.member_of.is_some();
        let cols = [
            Col {
                header: "",
                min: 2,
                full: 2,
                prio: 10,
            },
            Col {
                header: "State",
                min: 11,
                full: 11,
                prio: 10,
            },
            Col {
                header: "Time",
                min: 6,
                full: widest(&|r| n(&r.time), 6),
                prio: 10,
            },
            Col {
                header: "Agent",
                min: 16,
                full: widest(&|r| n(&r.name), 12).min(28),
                prio: 9,
            },
            Col {
                header: "Takes",
                min: if takes { 5 } else { 0 },
                full: if takes { 5 } else { 0 },
                prio: if takes { 9 } else { 0 },
            },
            Col {
                header: "Call",
                min: 14,
                full: widest(&|r| n(&r.call), 10).min(32),
                prio: 8,
            },
            Col {
                header: "Queue",
                min: 6,
                full: widest(&|r| n(&r.queue), 6).min(18),
                prio: 6,
            },
            Col {
                header: "Hnd",
                min: 3,
                full: widest(&|r| n(&r.handled), 3),
                prio: 7,
            },
            Col {
                header: "Talk",
                min: 5,
                full: widest(&|r| n(&r.talk), 5),
                prio: 5,
            },
            Col {
                header: "Queues",
                min: 10,
                full: widest(&|r| n(&r.queues), 10).min(40),
                prio: 2,
            },
        ];
        let mut cols = cols.to_vec();
        if !takes {
            cols.remove(4);
        }
        let widths = layout_cols(area.width, &cols);
        let w = |i: usize| widths.get(i).copied().flatten().unwrap_or(0);
        let off = usize::from(takes);
        let table_rows = built
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let selected = cursor == Some(start + i);
                let mark = format!(
                    "{}{}",
                    if selected { "▶" } else { " " },
                    alert_glyph(r.level)
                );
                let mut cells = vec![
                    Cell::from(Span::styled(mark, t.level(r.level))),
                    Cell::from(Span::styled(r.state.0, r.state.1)),
                    Cell::from(r.time),
                    Cell::from(fit(&r.name, w(3))),
                ];
                if takes {
                    cells.push(Cell::from(r.takes));
                }
                cells.extend([
                    Cell::from(fit(&r.call, w(4 + off))),
                    Cell::from(fit(&r.queue, w(5 + off))),
                    Cell::from(r.handled),
                    Cell::from(r.talk),
                    Cell::from(fit(&r.queues, w(8 + off))),
                ]);
                (cells, row_style(ui, selected, r.level))
            })
            .collect();
        frame.render_widget(col_table(&cols, &widths, table_rows, title, ui), area);
        if rows.is_empty() {
            let msg = if ui.view.filter.is_empty() {
                "no agents known yet (the directory and presence load at start)"
            } else {
                "no agents match the filter"
            };
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
