//! The sessions table: one row per active session; only the visible rows are built.

use super::fit;
use crate::core::{clock, Figures, Session, SessionStore};
use crate::tui::state::UiState;
use crate::tui::theme::{alert_glyph, state_glyph, Level};
use crate::wire::{Direction, Ts};
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};
use ratatui::Frame;

/// Column widths of the board.
pub fn widths() -> [Constraint; 8] {
    [
        Constraint::Length(3),
        Constraint::Length(4),
        Constraint::Fill(3),
        Constraint::Fill(3),
        Constraint::Fill(1),
        Constraint::Fill(3),
        Constraint::Length(7),
        Constraint::Length(8),
    ]
}

/// Draws the board.
pub fn render(frame: &mut Frame, area: Rect, store: &SessionStore, ui: &UiState, now: Ts) {
    let t = ui.theme();
    let rows = ui.rows(store, now);
    let title = title_line(ui, rows.len(), ui.summary(store, now).active);
    let h = area.height.saturating_sub(2) as usize;
    let start = ui.view.offset.min(rows.len());
    let cols = area.width as usize;
    let name_w = (cols.saturating_sub(22) * 3 / 10).max(8);
    let built: Vec<Row> = rows
        .window(start, start + h)
        .enumerate()
        .map(|(i, s)| session_row(&s, ui, now, start + i == ui.view.cursor, name_w))
        .collect();
    let header = Row::new([
        "", "Dir", "From", "To", "Queue", "Parties", "Timer", "Total",
    ])
    .style(t.column_header());
    let table = super::titled_table(built, widths(), header, title, t.dim());
    frame.render_widget(table, area);
    if rows.is_empty() {
        let msg = if ui.view.filter.is_empty() {
            "no active calls"
        } else {
            "no calls match the filter"
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

fn title_line(ui: &UiState, shown: usize, active: u64) -> Line<'static> {
    let t = ui.theme();
    let mut spans = vec![Span::styled(format!(" Calls {shown}/{active} "), t.title())];
    let arrow = if ui.view.sort_descending {
        "↓"
    } else {
        "↑"
    };
    spans.push(Span::styled(
        format!("sort {} {arrow} ", ui.view.sort.label()),
        t.dim(),
    ));
    if ui.view.state_filter != crate::tui::rows::StateFilter::All {
        spans.push(Span::styled(
            format!("state {} ", ui.view.state_filter.label()),
            t.key(),
        ));
    }
    if !ui.view.filter.is_empty() {
        spans.push(Span::styled(
            format!("filter \"{}\" ", ui.view.filter),
            t.key(),
        ));
    }
    Line::from(spans)
}

/// Marker, alert level and timer of the session's target party.
fn row_cells(s: &Session, ui: &UiState, now: Ts) -> (Level, String, i64) {
    let level = ui.config.thresholds.session_level(s, now);
    let pending = ui.control.pending.contains_key(&s.id);
    let marker = if pending {
        "⧗".to_string()
    } else {
        alert_glyph(level).to_string()
    };
    let timer = ui
        .target_index(s)
        .map(|i| Figures::of(&s.parties[i].history, Some(now)).in_state_ms)
        .unwrap_or(0);
    (level, marker, timer)
}

fn session_row(s: &Session, ui: &UiState, now: Ts, selected: bool, name_w: usize) -> Row<'static> {
    let t = ui.theme();
    let (level, marker, timer) = row_cells(s, ui, now);
    let marker = format!("{}{marker}", if selected { "▶" } else { " " });
    let caller = s.caller();
    let target = ui.target_index(s);
    // An outside caller (no extension) calling in, or one of ours calling out.
    let dir = match caller {
        Some(p) if p.direction.get() == Some(&Direction::Outbound) => {
            if p.extension_id.get().is_some() || p.from.extension_id.get().is_some() {
                "Out"
            } else {
                "In"
            }
        }
        Some(p) if p.direction.get() == Some(&Direction::Inbound) => "In",
        _ => "?",
    };
    let from = caller.map(|p| p.from.label()).unwrap_or_default();
    let to = caller.map(|p| p.to.label()).unwrap_or_default();
    let mut parties: Vec<Span> = Vec::new();
    let live: Vec<(usize, &crate::core::PartyState)> = s
        .parties
        .iter()
        .enumerate()
        .filter(|(i, p)| !p.is_terminal() || Some(*i) == target)
        .collect();
    for (i, p) in &live {
        let (g, w) = state_glyph(p.code());
        let mark = if Some(*i) == target && s.parties.len() > 1 {
            "▸"
        } else {
            ""
        };
        parties.push(Span::styled(format!("{mark}{g} {w} "), t.state(p.code())));
    }
    let gone = s.parties.len() - live.len();
    if gone > 0 {
        parties.push(Span::styled(format!("+{gone}✕"), t.dim()));
    }
    let style = if selected {
        t.selected().patch(t.level(level))
    } else {
        t.level(level)
    };
    Row::new(vec![
        Cell::from(Span::styled(marker, t.level(level))),
        Cell::from(dir),
        Cell::from(fit(&from, name_w)),
        Cell::from(fit(&to, name_w)),
        Cell::from(s.queue().unwrap_or("").to_string()),
        Cell::from(Line::from(parties)),
        Cell::from(clock(timer)),
        Cell::from(clock(s.duration_ms(now))),
    ])
    .style(style)
}
