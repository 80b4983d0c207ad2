//! The history: ended sessions with disposition and figures, newest first.

use super::{fit_endpoint, hms, share};
use crate::core::party::EndpointState;
use crate::core::Session;
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
    let visible: Vec<_> = rows.window(start, start + h).collect();
    // From and To share what the fixed columns leave: numbers whole first, then names.
    const FIXED: [u16; 6] = [9, 11, 7, 6, 6, 6];
    let left = (area.width as usize).saturating_sub(FIXED.iter().sum::<u16>() as usize + 7);
    let want = |f: fn(&Session) -> Option<&EndpointState>| {
        let cells = visible.iter().filter_map(|s| f(s));
        let (min, full) = cells.fold((0, 0), |(m, a), e| {
            (
                m.max(super::endpoint_min(e)),
                a.max(e.label().chars().count()),
            )
        });
        (min, full)
    };
    let w = share(
        left,
        &[
            want(|s| s.caller().map(|p| &p.from)),
            want(|s| s.caller().map(|p| &p.to)),
        ],
    );
    let (from_w, to_w) = (w[0], w[1]);
    let built: Vec<Row> = visible
        .iter()
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
                caller.map_or_else(String::new, |p| fit_endpoint(&p.from, from_w)),
                caller.map_or_else(String::new, |p| fit_endpoint(&p.to, to_w)),
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
        FIXED[0],
        from_w as u16,
        to_w as u16,
        FIXED[1],
        FIXED[2],
        FIXED[3],
        FIXED[4],
        FIXED[5],
    ]
    .map(Constraint::Length);
    let table = super::titled_table(built, widths, header, title, t.dim());
    frame.render_widget(table, area);
}
