//! The queues' trends on the board: the last hour per queue, interval by interval (the
//! center's [`Intervals`]: its peak waiting and service level, see
//! `core::center::trend`), as a bar and its figure per interval. Unknown intervals (before
//! calltop heard) show `—`, as does the service level of the interval calltop joined in;
//! a peak while callers may have waited unseen is a lower bound (`≥`). Drawn only where
//! they fit whole.

use crate::core::center::{Center, Intervals, Queue, TrendPoint};
use crate::tui::rows::queue_name;
use crate::tui::state::UiState;
use crate::wire::Ts;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// The span the trends cover.
pub const SPAN_MS: i64 = 3_600_000;

/// Columns of one interval's cell (a bar, then its figure right-aligned).
const CELL: usize = 5;
/// Columns of the queue's name in the queues view's trend table.
const NAME: usize = 16;

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A bar for `v` out of `max` (blank for 0).
fn bar(v: f64, max: f64) -> char {
    if v <= 0.0 || max <= 0.0 {
        return ' ';
    }
    let i = ((v / max) * 8.0).ceil() as usize;
    BARS[i.clamp(1, 8) - 1]
}

/// One cell per interval: its peak waiting, scaled to the queue's highest.
fn waiting_cells(points: &[TrendPoint]) -> Vec<String> {
    let max = points
        .iter()
        .filter_map(|p| p.waiting_peak)
        .max()
        .unwrap_or(0) as f64;
    points
        .iter()
        .map(|p| match p.waiting_peak {
            Some(n) => {
                let bound = if p.waiting_bound { "≥" } else { "" };
                format!("{}{:>4}", bar(n as f64, max), format!("{bound}{n}"))
            }
            None => format!("{:>CELL$}", "—"),
        })
        .collect()
}

/// One cell per interval: its service level (the bar out of 100 %).
fn sl_cells(points: &[TrendPoint]) -> Vec<String> {
    points
        .iter()
        .map(|p| match p.service_level {
            Some(pct) => {
                let text = format!("{pct:.0}%");
                format!("{}{text:>4}", bar(pct.max(1.0), 100.0))
            }
            None => format!("{:>CELL$}", "—"),
        })
        .collect()
}

/// Columns `n` cells take.
fn group_width(n: usize) -> usize {
    n * (CELL + 1)
}

/// The queues view's trend table: its rows (three head rows and one per queue) and the
/// columns it needs; `None` when the center keeps no intervals.
pub fn table_size(iv: Option<&Intervals>, queues: usize) -> Option<(u16, u16)> {
    let n = iv?.trend_len(SPAN_MS);
    let w = 1 + NAME + 2 + 2 * group_width(n) + 1;
    Some((3 + queues as u16, w as u16))
}

/// The queues view's trend table of `queues` in `area` (sized by [`table_size`]).
pub fn render_table(
    frame: &mut Frame,
    area: Rect,
    c: &Center,
    iv: &Intervals,
    queues: &[&Queue],
    ui: &UiState,
    now: Ts,
) {
    let t = ui.theme();
    let n = iv.trend_len(SPAN_MS);
    let gw = group_width(n);
    let minutes = iv.cut().len_ms / 60_000;
    let head = format!(" Last hour, {minutes}-minute intervals (the last still running) ");
    let mut lines = vec![
        Line::from(Span::styled(head, t.title())),
        Line::from(Span::styled(
            format!(
                " {:NAME$}  {:<gw$} {}",
                "", "waiting callers (peak)", "service level"
            ),
            t.dim(),
        )),
    ];
    let points: Vec<Vec<TrendPoint>> = queues
        .iter()
        .map(|q| iv.trend(q, now, SPAN_MS, &c.waiting_unsure(q)))
        .collect();
    let times: Vec<String> = points.first().map_or_else(Vec::new, |p| {
        p.iter()
            .map(|p| format!("{:>CELL$}", ui.config.zone.hm(p.start)))
            .collect()
    });
    let times = times.join(" ");
    lines.push(Line::from(Span::styled(
        format!(" {:NAME$}  {times}  {times}", ""),
        t.column_header(),
    )));
    for (q, p) in queues.iter().zip(&points) {
        lines.push(Line::from(vec![
            Span::raw(format!(
                " {:NAME$}  ",
                super::cells::fit(&queue_name(q), NAME)
            )),
            Span::raw(waiting_cells(p).join(" ")),
            Span::raw("  "),
            Span::raw(sl_cells(p).join(" ")),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// The wallboard's trend line of one queue.
pub fn panel_line(c: &Center, iv: &Intervals, q: &Queue, ui: &UiState, now: Ts) -> Line<'static> {
    let t = ui.theme();
    let p = iv.trend(q, now, SPAN_MS, &c.waiting_unsure(q));
    Line::from(vec![
        Span::styled("last hour  waiting ", t.dim()),
        Span::raw(waiting_cells(&p).join(" ")),
        Span::styled("  SL ", t.dim()),
        Span::raw(sl_cells(&p).join(" ")),
    ])
}

/// Columns the wallboard's trend line takes.
pub fn panel_width(iv: &Intervals) -> u16 {
    let n = iv.trend_len(SPAN_MS);
    (19 + group_width(n) + 5 + group_width(n)) as u16
}
