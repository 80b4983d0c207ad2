//! The history: ended sessions with disposition, figures, agent and queue, newest first.

use super::cells::{col_table, endpoint_min, fit, fit_endpoint, hms, layout_cols, Col};
use crate::core::party::EndpointState;
use crate::core::{clock, clock_bound, Bucket, Disposition, SessionStore};
use crate::tui::rows::{call_agent, call_queue};
use crate::tui::state::UiState;
use crate::tui::theme::Level;
use crate::wire::Ts;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Cell;
use ratatui::Frame;

/// What one visible row says, before the columns are sized.
struct HistoryRow {
    ended: String,
    from: EndpointState,
    to: EndpointState,
    queue: String,
    agent: String,
    outcome: &'static str,
    level: Level,
    platform: (String, Level),
    total: String,
    ring: String,
    talk: String,
    hold: String,
}

/// The history table's columns, sized to the rows `built`.
fn history_cols(built: &[HistoryRow]) -> [Col; 11] {
    let widest = |f: &dyn Fn(&HistoryRow) -> usize, min: usize| {
        built.iter().map(f).max().unwrap_or(0).max(min)
    };
    let n = |s: &str| s.chars().count();
    let agent = widest(&|r| n(&r.agent), 0).min(24);
    let queue = widest(&|r| n(&r.queue), 0).min(24);
    [
        Col::fixed("Ended", widest(&|r| n(&r.ended), 8) + 1, 10),
        Col::new(
            "From",
            widest(&|r| endpoint_min(&r.from), 4),
            widest(&|r| n(&r.from.label()), 4),
            9,
        ),
        Col::new(
            "To",
            widest(&|r| endpoint_min(&r.to), 2),
            widest(&|r| n(&r.to.label()), 2),
            9,
        ),
        Col::new("Queue", 5, queue.max(5), 4),
        Col::new("Agent", agent.clamp(5, 8), agent.max(5), 5),
        Col::fixed("Outcome", widest(&|r| n(r.outcome), 7), 9),
        Col::fixed("Platform", widest(&|r| n(&r.platform.0), 8), 3),
        Col::fixed("Total", widest(&|r| n(&r.total), 5), 8),
        Col::fixed("Ring", widest(&|r| n(&r.ring), 4), 6),
        Col::fixed("Talk", widest(&|r| n(&r.talk), 4), 7),
        Col::fixed("Hold", widest(&|r| n(&r.hold), 4), 6),
    ]
}

/// Draws the history table. From and To keep their numbers whole first; then Agent
/// (its first letters), Queue and the platform's result are left out, in that order
/// from the last, when the terminal is narrow.
pub fn render(frame: &mut Frame, area: Rect, store: &SessionStore, ui: &UiState, now: Ts) {
    let t = ui.theme();
    let rows = ui.rows(store, now);
    let h = area.height.saturating_sub(2) as usize;
    let start = ui.view.calls.offset.min(rows.len());
    let center = store.center();
    let built: Vec<HistoryRow> = rows
        .window(start, start + h)
        .map(|s| {
            let f = s.call_figures(now);
            let d = s.disposition();
            let caller = s.caller();
            HistoryRow {
                // Ended in an outage: after the time it was closed as of, not at it.
                ended: s
                    .end()
                    .map(|t| match s.ended_unseen {
                        true => format!("≥{}", hms(ui, t)),
                        false => hms(ui, t),
                    })
                    .unwrap_or_default(),
                from: caller.map(|p| p.from.clone()).unwrap_or_default(),
                to: caller.map(|p| p.to.clone()).unwrap_or_default(),
                queue: call_queue(&s, center).unwrap_or_default(),
                agent: call_agent(&s, center).unwrap_or_else(|| "—".into()),
                outcome: d.as_str(),
                level: match d {
                    Disposition::Answered => Level::Ok,
                    Disposition::Missed | Disposition::Abandoned => Level::Crit,
                    _ => Level::Normal,
                },
                platform: super::outcome::cell(&s, store.outcomes().get(&s.id), ui.config.call_log),
                // Ended unseen (in an outage): closed as of its start, at least as long.
                total: super::cells::or_dash(
                    s.duration_ms(now).map(|ms| clock_bound(ms, s.ended_unseen)),
                ),
                ring: super::cells::or_dash(f.known(Bucket::Ring).map(clock)),
                talk: super::cells::or_dash(f.known(Bucket::Talk).map(clock)),
                hold: super::cells::or_dash(f.known(Bucket::Hold).map(clock)),
            }
        })
        .collect();
    let cols = history_cols(&built);
    let widths = layout_cols(area.width, &cols);
    let w = |i: usize| widths.get(i).copied().flatten().unwrap_or(0);
    let table_rows = built
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let selected = start + i == ui.view.calls.cursor;
            let sel = if selected { "▶" } else { " " };
            let platform = match r.platform.1 {
                Level::Normal => Cell::from(r.platform.0),
                l => Cell::from(Span::styled(r.platform.0, t.level(l))),
            };
            let cells = vec![
                Cell::from(format!("{sel}{}", r.ended)),
                Cell::from(fit_endpoint(&r.from, w(1))),
                Cell::from(fit_endpoint(&r.to, w(2))),
                Cell::from(fit(&r.queue, w(3))),
                Cell::from(fit(&r.agent, w(4))),
                Cell::from(r.outcome),
                platform,
                Cell::from(r.total),
                Cell::from(r.ring),
                Cell::from(r.talk),
                Cell::from(r.hold),
            ];
            let style = if selected {
                t.selected().patch(t.level(r.level))
            } else {
                t.level(r.level)
            };
            (cells, style)
        })
        .collect();
    let title = Line::from(vec![
        Span::styled(format!(" History {} ", rows.len()), t.title()),
        Span::styled("ended calls, newest first ", t.dim()),
    ]);
    frame.render_widget(col_table(&cols, &widths, table_rows, title, ui), area);
}
