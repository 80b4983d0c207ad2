//! The history: ended sessions with disposition and figures, newest first.

use super::{fit_endpoint, hms, share};
use crate::core::party::EndpointState;
use crate::core::Session;
use crate::core::{clock, Bucket, Disposition, SessionStore};
use crate::tui::state::UiState;
use crate::tui::theme::Level;
use crate::wire::Ts;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};
use ratatui::Frame;

/// Draws the history table.
pub fn render(frame: &mut Frame, area: Rect, store: &SessionStore, ui: &UiState, now: Ts) {
    let t = ui.theme();
    let rows = ui.rows(store, now);
    let h = area.height.saturating_sub(2) as usize;
    let start = ui.view.offset.min(rows.len());
    let visible: Vec<_> = rows.window(start, start + h).collect();
    // From and To share what the fixed columns leave: numbers whole first, then names.
    // The Platform column only where From and To keep their numbers whole beside it.
    let platform_w: u16 = if area.width >= 100 { 13 } else { 0 };
    let fixed: [u16; 7] = [9, 11, platform_w, 7, 6, 6, 6];
    let left = (area.width as usize)
        .saturating_sub(fixed.iter().sum::<u16>() as usize + 7 + usize::from(platform_w > 0));
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
            let (platform, platform_level) =
                super::outcome::cell(s, store.outcomes().get(&s.id), ui.config.call_log);
            let caller = s.caller();
            let sel = if start + i == ui.view.cursor {
                "▶"
            } else {
                " "
            };
            let platform = match platform_level {
                Level::Normal => Cell::from(platform),
                l => Cell::from(Span::styled(platform, t.level(l))),
            };
            let mut cells = vec![
                Cell::from(format!(
                    "{sel}{}",
                    s.end().map(|t| hms(ui, t)).unwrap_or_default()
                )),
                Cell::from(caller.map_or_else(String::new, |p| fit_endpoint(&p.from, from_w))),
                Cell::from(caller.map_or_else(String::new, |p| fit_endpoint(&p.to, to_w))),
                Cell::from(d.as_str()),
                platform,
                Cell::from(s.duration_ms(now).map_or_else(|| "—".into(), clock)),
                Cell::from(super::or_dash(f.known(Bucket::Ring).map(clock))),
                Cell::from(super::or_dash(f.known(Bucket::Talk).map(clock))),
                Cell::from(super::or_dash(f.known(Bucket::Hold).map(clock))),
            ];
            if platform_w == 0 {
                cells.remove(4);
            }
            let row = Row::new(cells).style(t.level(level));
            if start + i == ui.view.cursor {
                row.style(t.selected().patch(t.level(level)))
            } else {
                row
            }
        })
        .collect();
    let mut header = vec![
        "Ended", "From", "To", "Outcome", "Platform", "Total", "Ring", "Talk", "Hold",
    ];
    let mut widths = vec![
        fixed[0],
        from_w as u16,
        to_w as u16,
        fixed[1],
        fixed[2],
        fixed[3],
        fixed[4],
        fixed[5],
        fixed[6],
    ];
    if platform_w == 0 {
        header.remove(4);
        widths.remove(4);
    }
    let header = Row::new(header).style(t.column_header());
    let title = Line::from(vec![
        Span::styled(format!(" History {} ", rows.len()), t.title()),
        Span::styled("ended calls, newest first ", t.dim()),
    ]);
    let widths = widths.into_iter().map(Constraint::Length);
    let table = super::titled_table(built, widths, header, title, t.dim());
    frame.render_widget(table, area);
}
