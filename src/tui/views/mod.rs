//! The views: `draw` lays out the header, the table (board or history), the detail
//! pane, the footer and any dialog. Pure: no I/O, time passed in.

pub mod agents;
pub mod bigtext;
pub mod detail;
pub mod dialog;
pub mod header;
pub mod help;
pub mod history;
pub mod outcome;
pub mod queues;
pub mod table;
pub mod trend;
pub mod wallboard;

use super::edit;
use super::state::{Mode, Overlay, Screen, UiState, OVERVIEW_MIN};
use crate::core::SessionStore;
use crate::wire::Ts;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

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
fn status_text(ui: &UiState, now: Ts, width: u16) -> (Option<String>, u16) {
    let text = ui.status.as_ref().map(|s| s.text_at(now));
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
    areas_at(area, ui, ui.status.as_ref().map_or(Ts(0), |s| s.at))
}

fn areas_at(area: Rect, ui: &UiState, now: Ts) -> [Rect; 4] {
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

/// Draws one frame.
pub fn draw(frame: &mut Frame, store: &SessionStore, ui: &UiState, now: Ts) {
    let area = frame.area();
    if let Some(crate::source::ConnState::Failed(why)) = &ui.feed.conn {
        return failed(frame, area, why, ui);
    }
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        too_small(frame, area, ui);
        return;
    }
    let [head, table, detail, foot] = areas_at(area, ui, now);
    header::render(frame, head, store, ui, now);
    match ui.view.screen {
        Screen::Board if overview(ui, area) => {
            let [_, body, _] = Layout::vertical([
                Constraint::Length(header_height(ui)),
                Constraint::Min(3),
                Constraint::Length(foot.height),
            ])
            .areas(area);
            let [strip, calls, agents] = overview_split(body);
            queues::render_strip(frame, strip, store, ui, now);
            table::render(frame, calls, store, ui, now);
            agents::render_side(frame, agents, store, ui, now);
        }
        Screen::Board => table::render(frame, table, store, ui, now),
        Screen::History => history::render(frame, table, store, ui, now),
        Screen::Agents => agents::render(frame, table, store, ui, now),
        Screen::Queues => queues::render(frame, table, store, ui, now),
        Screen::Wallboard => wallboard::render(frame, table, store, ui, now),
    }
    if ui.view.detail && detail.height > 0 {
        if let Some(s) = ui.selected_session(store) {
            detail::render(frame, detail, &s, store.outcomes().get(&s.id), ui, now);
        }
    }
    footer(frame, foot, ui, now);
    match &ui.view.overlay {
        Overlay::Help => help::render(frame, area, ui),
        Overlay::Confirm(c) => dialog::confirm(frame, area, c, ui),
        _ => {}
    }
}

/// The whole screen when the source gave up (login refused, permission missing):
/// the platform's message, in full, and how to leave.
fn failed(frame: &mut Frame, area: Rect, why: &str, ui: &UiState) {
    use ratatui::widgets::{Block, Borders, Wrap};
    let t = ui.theme();
    let quit = ui.config.keymap.first_key(super::keymap::Command::Quit);
    let lines = vec![
        Line::from(Span::styled("calltop cannot monitor this account", t.title())),
        Line::from(""),
        Line::from(Span::styled(why.to_string(), t.level(super::theme::Level::Crit))),
        Line::from(""),
        Line::from(Span::styled(
            "Check the credentials (RINGCENTRAL_* or the credentials file) and the app's permissions.",
            t.dim(),
        )),
        Line::from(Span::styled(format!("{quit} quits (exit status 1)."), t.dim())),
    ];
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(
            Block::new()
                .borders(Borders::ALL)
                .border_style(t.level(super::theme::Level::Crit)),
        ),
        area,
    );
}

/// The whole screen when the terminal is below [`MIN_SIZE`].
fn too_small(frame: &mut Frame, area: Rect, ui: &UiState) {
    let t = ui.theme();
    let quit = ui.config.keymap.first_key(super::keymap::Command::Quit);
    let text = vec![
        Line::from(Span::styled("calltop: terminal too small", t.title())),
        Line::from(format!(
            "{}×{} here, {}×{} needed",
            area.width, area.height, MIN_SIZE.0, MIN_SIZE.1
        )),
        Line::from(vec![
            Span::styled(quit, t.key()),
            Span::styled(" quit", t.dim()),
        ]),
    ];
    frame.render_widget(
        Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }),
        area,
    );
}

/// Commands shown in the footer for the current state, each with its priority (the
/// lowest are dropped first when the footer is too narrow; help and quit always show).
fn hint_commands(ui: &UiState) -> Vec<(super::keymap::Command, u8)> {
    use super::keymap::Command::*;
    let mut v = vec![(Up, 7), (Down, 7)];
    if ui.view.detail {
        v.extend([(PageUp, 6), (PageDown, 6), (Back, 9), (NextParty, 6)]);
    } else {
        v.push((Open, 8));
    }
    if ui.controls_enabled() && ui.view.screen.is_center() {
        v.extend([(Listen, 5), (Answer, 3), (QueueCalls, 5)]);
    }
    if ui.controls_enabled() && ui.view.screen == Screen::Board {
        v.extend([(Listen, 3), (Answer, 2)]);
        v.extend(
            crate::core::control::CALL_KEYS
                .iter()
                .map(|k| (Call(k.key), k.priority)),
        );
    }
    if ui.config.mode == Mode::Replay {
        v.extend([
            (Pause, 8),
            (Faster, 7),
            (Slower, 7),
            (Step, 5),
            (SeekBack, 6),
            (SeekForward, 6),
            (Jump, 7),
        ]);
        if ui.feed.replay.is_some_and(|r| r.follow) {
            // A followed file starts at its end: the way back to its start.
            v.push((Rewind, 6));
        }
    }
    v.push((Filter, 7));
    if ui.view.screen == Screen::Board {
        v.extend([
            (StateFilter, 4),
            (Sort, 5),
            (SortWaiting, 1),
            (SortTimer, 1),
            (SortStart, 1),
        ]);
    }
    v.extend([(History, 6), (Agents, 5), (Queues, 5), (Wallboard, 3)]);
    v
}

fn footer(frame: &mut Frame, area: Rect, ui: &UiState, now: Ts) {
    use super::keymap::Command;
    let t = ui.theme();
    let (text, rows) = status_text(ui, now, area.width);
    let typing = matches!(ui.view.overlay, Overlay::Filter | Overlay::Prompt(_));
    let [status, prompt, keys] = Layout::vertical([
        Constraint::Length(rows),
        Constraint::Length(u16::from(typing)),
        Constraint::Length(1),
    ])
    .areas(area);
    let line = match (&ui.status, text) {
        (Some(s), Some(text)) => Line::from(Span::styled(text, t.level(s.level))),
        _ if typing => Line::from(""),
        _ => Line::from(Span::styled("ready", t.dim())),
    };
    frame.render_widget(
        Paragraph::new(line).wrap(ratatui::widgets::Wrap { trim: false }),
        status,
    );
    let cursor = t.selected();
    let typed = match &ui.view.overlay {
        Overlay::Filter => Some((
            "filter: ".to_string(),
            edit::spans(&ui.view.filter, ui.view.filter_cursor, t.text(), cursor),
            "  (Enter keep, Esc clear)",
        )),
        Overlay::Prompt(p) => Some((
            format!("{}: ", p.kind.label()),
            edit::spans(&p.input, p.cursor, t.text(), cursor),
            "  (Enter send, Esc cancel)",
        )),
        _ => None,
    };
    if let Some((label, input, help)) = typed {
        let mut spans = vec![Span::styled(label, t.key())];
        spans.extend(input);
        spans.push(Span::styled(help, t.dim()));
        frame.render_widget(Paragraph::new(Line::from(spans)), prompt);
    }
    let mut lead = Vec::new();
    if !ui.controls_enabled() && ui.config.mode != Mode::Replay {
        lead.push(Span::styled(
            "READ-ONLY: control keys disabled  ",
            t.level(super::theme::Level::Warn),
        ));
    }
    let mut cmds = hint_commands(ui);
    let build = |cmds: &[(Command, u8)]| {
        let mut list: Vec<Command> = cmds.iter().map(|(c, _)| *c).collect();
        list.extend([Command::Help, Command::Quit]);
        let mut spans = lead.clone();
        for (i, (k, label)) in ui.config.keymap.hints(&list).into_iter().enumerate() {
            if i > 0 {
                spans.push(Span::raw("  "));
            }
            spans.push(Span::styled(k, t.key()));
            spans.push(Span::styled(format!(" {label}"), t.dim()));
        }
        Line::from(spans)
    };
    let mut line = build(&cmds);
    while line.width() > keys.width as usize && !cmds.is_empty() {
        let lowest = cmds
            .iter()
            .enumerate()
            .min_by(|a, b| a.1 .1.cmp(&b.1 .1).then(b.0.cmp(&a.0)))
            .map(|(i, _)| i)
            .unwrap_or(0);
        cmds.remove(lowest);
        line = build(&cmds);
    }
    frame.render_widget(Paragraph::new(line), keys);
}

/// `HH:MM:SS` (UTC) of a time.
pub fn hms(ui: &UiState, t: Ts) -> String {
    ui.config.zone.hms(t)
}

/// Truncates text to `w` columns with an ellipsis.
pub fn fit(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        s.to_string()
    } else if w == 0 {
        String::new()
    } else {
        let kept: String = s.chars().take(w - 1).collect();
        format!("{}…", kept.trim_end())
    }
}

/// An endpoint in `w` columns: name and number when they fit; else the name is cut
/// (with an ellipsis) to leave the number whole; a number is cut only when it alone
/// is wider than `w`.
pub fn fit_endpoint(e: &crate::core::party::EndpointState, w: usize) -> String {
    let label = e.label();
    if label.chars().count() <= w {
        return label;
    }
    match (e.name.get(), e.phone_number.get()) {
        (Some(name), Some(num)) if num.chars().count() + 5 <= w => {
            let room = w - num.chars().count() - 1;
            format!("{} {num}", fit(name, room))
        }
        (_, Some(num)) if num.chars().count() <= w => num.clone(),
        _ => fit(&label, w),
    }
}

/// The narrowest an endpoint shows in without cutting its number.
pub fn endpoint_min(e: &crate::core::party::EndpointState) -> usize {
    e.phone_number
        .get()
        .map_or_else(|| e.label().chars().count().min(8), |n| n.chars().count())
}

/// Shares `left` columns between cells that each want `min` (given first, in order,
/// while room lasts) and at most `full`; the rest goes one column at a time to the
/// cell furthest from its `full`.
pub fn share(mut left: usize, wants: &[(usize, usize)]) -> Vec<usize> {
    let mut got: Vec<usize> = wants
        .iter()
        .map(|&(min, _)| {
            let g = min.min(left);
            left -= g;
            g
        })
        .collect();
    while left > 0 {
        let Some((i, _)) = wants
            .iter()
            .enumerate()
            .map(|(i, &(_, full))| (i, full.saturating_sub(got[i])))
            .filter(|(_, short)| *short > 0)
            .max_by_key(|&(i, short)| (short, std::cmp::Reverse(i)))
        else {
            break;
        };
        got[i] += 1;
        left -= 1;
    }
    got
}

/// A table under a top rule with a title: the board, history and detail all use it.
pub(crate) fn titled_table<'a>(
    rows: Vec<ratatui::widgets::Row<'a>>,
    widths: impl IntoIterator<Item = Constraint>,
    header: ratatui::widgets::Row<'a>,
    title: ratatui::text::Line<'a>,
    border: ratatui::style::Style,
) -> ratatui::widgets::Table<'a> {
    use ratatui::widgets::{Block, Borders, Table};
    Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .block(
            Block::new()
                .borders(Borders::TOP)
                .title(title)
                .border_style(border),
        )
}

/// One column of a table whose columns are left out, least useful first, when the
/// terminal is narrow.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Col {
    pub header: &'static str,
    /// The narrowest it says anything in.
    pub min: usize,
    /// As wide as its widest cell.
    pub full: usize,
    /// Higher stays longer.
    pub prio: u8,
}

impl Col {
    /// A column `min` to `full` wide, kept by priority `prio`.
    pub(crate) const fn new(header: &'static str, min: usize, full: usize, prio: u8) -> Col {
        Col {
            header,
            min,
            full,
            prio,
        }
    }

    /// A column always `w` wide.
    pub(crate) const fn fixed(header: &'static str, w: usize, prio: u8) -> Col {
        Col::new(header, w, w, prio)
    }
}

/// Widths of `cols` in `width` columns (one space between two): the lowest-priority
/// columns are left out (`None`) until the others fit at their `min`; the room left
/// grows them towards their `full` (see [`share`]).
pub(crate) fn layout_cols(width: u16, cols: &[Col]) -> Vec<Option<usize>> {
    let mut kept: Vec<bool> = vec![true; cols.len()];
    let need = |kept: &[bool]| {
        let n = kept.iter().filter(|k| **k).count();
        cols.iter()
            .zip(kept)
            .filter(|(_, k)| **k)
            .map(|(c, _)| c.min)
            .sum::<usize>()
            + n.saturating_sub(1)
    };
    while need(&kept) > width as usize {
        let lowest = (0..cols.len())
            .filter(|i| kept[*i])
            .min_by_key(|i| (cols[*i].prio, std::cmp::Reverse(*i)));
        match lowest {
            Some(i) => kept[i] = false,
            None => break,
        }
    }
    let left = (width as usize).saturating_sub(need(&kept));
    let wants: Vec<(usize, usize)> = cols
        .iter()
        .zip(&kept)
        .map(|(c, k)| {
            if *k {
                (0, c.full.saturating_sub(c.min))
            } else {
                (0, 0)
            }
        })
        .collect();
    let more = share(left, &wants);
    cols.iter()
        .zip(&kept)
        .zip(more)
        .map(|((c, k), m)| k.then_some(c.min + m))
        .collect()
}

/// A table of the kept columns of `cols` (cells given for every column).
pub(crate) fn col_table<'a>(
    cols: &[Col],
    widths: &[Option<usize>],
    rows: Vec<(Vec<ratatui::widgets::Cell<'a>>, ratatui::style::Style)>,
    title: Line<'a>,
    ui: &UiState,
) -> ratatui::widgets::Table<'a> {
    use ratatui::widgets::{Cell, Row};
    let t = ui.theme();
    let keep = |i: usize| widths.get(i).copied().flatten().is_some();
    let header = Row::new(
        cols.iter()
            .enumerate()
            .filter(|(i, _)| keep(*i))
            .map(|(_, c)| Cell::from(c.header))
            .collect::<Vec<_>>(),
    )
    .style(t.column_header());
    let built: Vec<Row> = rows
        .into_iter()
        .map(|(cells, style)| {
            Row::new(
                cells
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| keep(*i))
                    .map(|(_, c)| c)
                    .collect::<Vec<_>>(),
            )
            .style(style)
        })
        .collect();
    let w: Vec<Constraint> = widths
        .iter()
        .flatten()
        .map(|w| Constraint::Length(*w as u16))
        .collect();
    titled_table(built, w, header, title, t.dim())
}

/// The "as of (offline)" mark of a title while the data is stale.
pub(crate) fn stale_span(ui: &UiState) -> Option<Span<'static>> {
    ui.feed.stale_since.map(|since| {
        Span::styled(
            format!("as of {} (offline) ", hms(ui, since)),
            ui.theme().level(super::theme::Level::Crit),
        )
    })
}

/// A row's style: selected, alert level, dim while offline (as the calls table).
pub(crate) fn row_style(
    ui: &UiState,
    selected: bool,
    level: super::theme::Level,
) -> ratatui::style::Style {
    let t = ui.theme();
    match (selected, ui.feed.stale_since.is_some()) {
        (true, true) => t.selected().patch(t.dim()),
        (false, true) => t.dim(),
        (true, false) => t.selected().patch(t.level(level)),
        (false, false) => t.level(level),
    }
}

/// `—` for a figure without calls.
pub(crate) fn or_dash(v: Option<String>) -> String {
    v.unwrap_or_else(|| "—".to_string())
}
