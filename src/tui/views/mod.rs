//! The views: `draw` lays out the header, the table (board or history), the detail
//! pane, the footer and any dialog. Pure: no I/O, time passed in.

pub mod detail;
pub mod dialog;
pub mod header;
pub mod help;
pub mod history;
pub mod table;

use super::state::{Mode, Overlay, Screen, UiState};
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

const FOOTER: u16 = 2;

/// Splits the screen: header, table, detail (may be empty), footer.
pub fn areas(area: Rect, ui: &UiState) -> [Rect; 4] {
    let [head, body, foot] = Layout::vertical([
        Constraint::Length(header_height(ui)),
        Constraint::Min(3),
        Constraint::Length(FOOTER),
    ])
    .areas(area);
    let (table, detail) = if ui.view.detail {
        let t = (body.height * 2 / 5).max(5).min(body.height);
        let [a, b] = Layout::vertical([Constraint::Length(t), Constraint::Min(0)]).areas(body);
        (a, b)
    } else {
        (body, Rect::new(body.x, body.y + body.height, body.width, 0))
    };
    [head, table, detail, foot]
}

/// Screen row of the first table row (after the title and column header lines).
pub fn table_first_row(ui: &UiState) -> u16 {
    header_height(ui) + 2
}

/// How many table rows fit on a terminal of this size.
pub fn table_capacity(w: u16, h: u16, ui: &UiState) -> usize {
    let [_, table, _, _] = areas(Rect::new(0, 0, w, h), ui);
    table.height.saturating_sub(2) as usize
}

/// Draws one frame.
pub fn draw(frame: &mut Frame, store: &SessionStore, ui: &UiState, now: Ts) {
    let area = frame.area();
    if let Some(crate::source::live::ConnState::Failed(why)) = &ui.feed.conn {
        return failed(frame, area, why, ui);
    }
    let [head, table, detail, foot] = areas(area, ui);
    header::render(frame, head, store, ui, now);
    match ui.view.screen {
        Screen::Board => table::render(frame, table, store, ui, now),
        Screen::History => history::render(frame, table, store, ui, now),
    }
    if ui.view.detail && detail.height > 0 {
        if let Some(s) = ui.selected_session(store) {
            detail::render(frame, detail, &s, ui, now);
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

/// Commands shown in the footer for the current state.
fn hint_commands(ui: &UiState) -> Vec<super::keymap::Command> {
    use super::keymap::Command::*;
    let mut v = vec![Up, Down, Open];
    if ui.view.detail {
        v = vec![Up, Down, Back, NextParty];
    }
    if ui.controls_enabled() && ui.view.screen == Screen::Board {
        v.extend([
            Hold, Transfer, Record, HangUp, Mute, Park, Forward, Reject, Flip,
        ]);
    }
    if ui.config.mode == Mode::Replay {
        v.extend([Pause, Faster, Slower, Step, SeekBack, SeekForward]);
    }
    v.extend([Filter, Sort, History, Help, Quit]);
    v
}

fn footer(frame: &mut Frame, area: Rect, ui: &UiState, now: Ts) {
    let t = ui.theme();
    let [status, keys] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(area);
    let line = match &ui.view.overlay {
        Overlay::Filter => Line::from(vec![
            Span::styled("filter: ", t.key()),
            Span::raw(ui.view.filter.clone()),
            Span::styled("▏", t.key()),
            Span::styled("  (Enter keep, Esc clear)", t.dim()),
        ]),
        Overlay::Prompt(p) => Line::from(vec![
            Span::styled(format!("{}: ", p.kind.label()), t.key()),
            Span::raw(p.input.clone()),
            Span::styled("▏", t.key()),
            Span::styled("  (Enter send, Esc cancel)", t.dim()),
        ]),
        _ => match &ui.status {
            Some(s) => {
                let mut spans = vec![Span::styled(s.text.clone(), t.level(s.level))];
                if let Some(until) = ui.control.rate_limited_until.filter(|u| *u > now) {
                    let secs = (now.millis_until(until) + 999) / 1000;
                    spans.push(Span::styled(format!("  (retry in {secs}s)"), t.dim()));
                }
                Line::from(spans)
            }
            None => Line::from(Span::styled("ready", t.dim())),
        },
    };
    frame.render_widget(Paragraph::new(line), status);
    let mut spans = Vec::new();
    if ui.config.read_only && ui.config.mode != Mode::Replay {
        spans.push(Span::styled(
            "READ-ONLY: control keys disabled  ",
            t.level(super::theme::Level::Warn),
        ));
    }
    for (i, (k, label)) in ui
        .config
        .keymap
        .hints(&hint_commands(ui))
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled(k, t.key()));
        spans.push(Span::styled(format!(" {label}"), t.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), keys);
}

/// `HH:MM:SS` (UTC) of a time.
pub fn hms(t: Ts) -> String {
    t.to_datetime().format("%H:%M:%S").to_string()
}

/// Truncates text to `w` columns with an ellipsis.
pub fn fit(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        s.to_string()
    } else if w == 0 {
        String::new()
    } else {
        let mut out: String = s.chars().take(w - 1).collect();
        out.push('…');
        out
    }
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
