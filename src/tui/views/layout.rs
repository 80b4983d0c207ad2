//! Where things are on the terminal: the areas of header, table, detail and footer, and
//! what fits in them. Views draw into these; the input mapping hit-tests against them
//! and the reducer asks them how far a page or a scroll goes.

use super::detail;
use crate::tui::state::{Mode, Overlay, Screen, StatusLine, UiState, OVERVIEW_MIN};
use crate::wire::Ts;
use ratatui::layout::{Constraint, Layout, Rect};

/// Height of the header for this state.
pub fn header_height(ui: &UiState) -> u16 {
    if ui.config.mode == Mode::Replay {
        4
    } else {
        3
    }
}

/// The status line's text (wrapped over up to three rows, never hidden) and the rows
/// it takes at `width`.
pub(crate) fn status_text(ui: &UiState, now: Ts, width: u16) -> (Option<String>, u16) {
    let live = |s: &StatusLine| {
        let l = ui.feed.loading.filter(|_| s.loading)?;
        l.progress_at(ui.feed.wall)
    };
    let text = ui
        .status()
        .map(|s| live(s).unwrap_or_else(|| s.text_at(now)));
    let rows = text
        .as_ref()
        .map_or(1, |t| wrapped_rows(t, width).clamp(1, 3));
    (text, rows)
}

/// Rows `text` takes when wrapped at word boundaries into `width` columns.
fn wrapped_rows(text: &str, width: u16) -> u16 {
    let w = width.max(1) as usize;
    let (mut rows, mut col) = (1u16, 0usize);
    for word in text.split(' ') {
        let n = word.chars().count();
        let need = if col == 0 { n } else { col + 1 + n };
        if need <= w {
            col = need;
        } else {
            rows += 1 + (n.saturating_sub(1) / w) as u16;
            col = n % w;
        }
    }
    rows
}

/// Footer rows: the status line, the prompt or filter being typed, the keys.
fn footer_height(ui: &UiState, now: Ts, width: u16) -> u16 {
    let typing = matches!(ui.view.overlay, Overlay::Filter | Overlay::Prompt(_));
    status_text(ui, now, width).1 + u16::from(typing) + 1
}

/// Splits the screen: header, table, detail (may be empty), footer.
pub fn areas(area: Rect, ui: &UiState) -> [Rect; 4] {
    areas_at(area, ui, ui.status().map_or(Ts(0), |s| s.at))
}

pub(crate) fn areas_at(area: Rect, ui: &UiState, now: Ts) -> [Rect; 4] {
    let [head, body, foot] = Layout::vertical([
        Constraint::Length(header_height(ui)),
        Constraint::Min(3),
        Constraint::Length(footer_height(ui, now, area.width)),
    ])
    .areas(area);
    let (table, detail) = if overview(ui, area) {
        let [_, calls, _] = overview_split(body);
        (
            calls,
            Rect::new(body.x, body.y + body.height, body.width, 0),
        )
    } else if ui.view.detail {
        let t = (body.height * 2 / 5).max(5).min(body.height);
        let [a, b] = Layout::vertical([Constraint::Length(t), Constraint::Min(0)]).areas(body);
        (a, b)
    } else {
        (body, Rect::new(body.x, body.y + body.height, body.width, 0))
    };
    [head, table, detail, foot]
}

/// Screen row of the replay's progress bar (the header's last line), in replay.
pub fn progress_row(ui: &UiState) -> Option<u16> {
    (ui.config.mode == Mode::Replay).then(|| header_height(ui) - 1)
}

/// True when the calls screen is the overview on this terminal: at least
/// [`OVERVIEW_MIN`], no detail open.
pub fn overview(ui: &UiState, area: Rect) -> bool {
    ui.view.screen == Screen::Board
        && !ui.view.detail
        && area.width >= OVERVIEW_MIN.0
        && area.height >= OVERVIEW_MIN.1
}

/// Rows of the overview's queue strip (title, header and up to six queues).
pub const STRIP_ROWS: u16 = 8;

/// The overview's body: the queue strip on top, calls and agents side by side.
pub fn overview_split(body: Rect) -> [Rect; 3] {
    let [strip, rest] =
        Layout::vertical([Constraint::Length(STRIP_ROWS), Constraint::Min(3)]).areas(body);
    let [calls, agents] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(rest);
    [strip, calls, agents]
}

/// Screen row of the first table row (after the title and column header lines) — in
/// the overview, of the calls table under the queue strip.
pub fn table_first_row(ui: &UiState) -> u16 {
    table_area(ui).y + 2
}

/// The calls (or current screen's) table on the terminal the board was last sized to.
pub fn table_area(ui: &UiState) -> Rect {
    let (w, h) = ui.view.size;
    let [_, table, _, _] = areas(Rect::new(0, 0, w, h), ui);
    table
}

/// How many timeline lines the detail pane shows for a session with `parties`.
pub fn timeline_lines(w: u16, h: u16, ui: &UiState, parties: usize) -> usize {
    let [_, _, detail, _] = areas(Rect::new(0, 0, w, h), ui);
    let [_, timeline] = detail::split(detail, parties);
    timeline.height.saturating_sub(1) as usize
}

/// How many timeline lines the detail pane shows at least on a terminal of this size
/// (the parties take at most half of it): a page of the timeline.
pub fn timeline_capacity(w: u16, h: u16, ui: &UiState) -> usize {
    let [_, _, detail, _] = areas(Rect::new(0, 0, w, h), ui);
    (detail.height / 2).saturating_sub(1) as usize
}

/// How many table rows fit on a terminal of this size.
pub fn table_capacity(w: u16, h: u16, ui: &UiState) -> usize {
    let [_, table, _, _] = areas(Rect::new(0, 0, w, h), ui);
    table.height.saturating_sub(2) as usize
}

/// The smallest terminal the board is drawn in (below it, a message says so).
pub const MIN_SIZE: (u16, u16) = (60, 16);
