//! The history: ended sessions with disposition and figures, newest first.

use super::{fit, hms};
use crate::core::{clock, Disposition, SessionStore};
use crate::tui::state::UiState;
use crate::tui::theme::Level;
use crate::wire::Ts;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Row;
use ratatui::Frame;

/// Draws the history table.
pub fn render(frame: &mut Frame, area: Rect, store: &SessionStore, ui: &UiState, now: Ts) {
    let t = ui.theme();
    let rows = ui.rows(store, now);
    let h = area.height.saturating_sub(2) as usize;
    let start = ui.view.offset.min(rows.len());
    let name_w = (area.width as usize).saturating_sub(60) / 2;
    let built: Vec<Row> = rows
        .window(start, start + h)
        .enumerate()
        .map(|(i, s)| {
            let f = s.call_figures(now);
            let d = s.disposition();
            let level = match d {
                Disposition::Answered => Level::Ok,
                Disposition::Missed | Disposition::Abandoned => Level::Crit,
                _ => Level::Normal,
            };
            let caller = s.caller();
            let sel = if start + i == ui.view.cursor {
                "▶"
            } else {
                " "
            };
            let row = Row::new(vec![
                format!("{sel}{}", s.end().map(hms).unwrap_or_default()),
                fit(&caller.map(|p| p.from.label()).unwrap_or_default(), name_w),
                fit(&caller.map(|p| p.to.label()).unwrap_or_default(), name_w),
                d.as_str().to_string(),
                clock(s.duration_ms(now)),
                clock(f.ring_ms),
                clock(f.talk_ms),
                clock(f.hold_ms),
            ])
            .style(t.level(level));
            if start + i == ui.view.cursor {
                row.style(t.selected().patch(t.level(level)))
            } else {
                row
            }
        })
        .collect();
    let header = Row::new([
        "Ended", "From", "To", "Outcome", "Total", "Ring", "Talk", "Hold",
    ])
    .style(t.column_header());
    let title = Line::from(vec![
        Span::styled(format!(" History {} ", rows.len()), t.title()),
        Span::styled("ended calls, newest first ", t.dim()),
    ]);
    let widths = [
        Constraint::Length(9),
        Constraint::Fill(1),
        Constraint::Fill(1),
        Constraint::Length(11),
        Constraint::Length(8),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(7),
    ];
    let table = super::titled_table(built, widths, header, title, t.dim());
    frame.render_widget(table, area);
}
