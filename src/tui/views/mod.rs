//! The views: `draw` lays out the header, the table (board or history), the detail
//! pane, the footer and any dialog. Pure: no I/O, time passed in.

pub mod agents;
pub mod bigtext;
pub mod cells;
pub mod detail;
pub mod dialog;
pub mod header;
pub mod help;
pub mod history;
pub mod layout;
pub mod outcome;
pub mod queues;
pub mod table;
pub mod trend;
pub mod wallboard;

pub use cells::hms;
pub use layout::{header_height, progress_row, table_first_row, MIN_SIZE, STRIP_ROWS};

use crate::core::SessionStore;
use crate::tui::edit;
use crate::tui::state::{Mode, Overlay, Screen, UiState};
use crate::wire::Ts;
use layout::{areas_at, overview, overview_split, status_text};
use ratatui::layout::Rect;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

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
    let quit = ui
        .config
        .keymap
        .first_key(crate::tui::keymap::Command::Quit);
    let lines = vec![
        Line::from(Span::styled("calltop cannot monitor this account", t.title())),
        Line::from(""),
        Line::from(Span::styled(why.to_string(), t.level(crate::tui::theme::Level::Crit))),
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
                .border_style(t.level(crate::tui::theme::Level::Crit)),
        ),
        area,
    );
}

/// The whole screen when the terminal is below [`MIN_SIZE`].
fn too_small(frame: &mut Frame, area: Rect, ui: &UiState) {
    let t = ui.theme();
    let quit = ui
        .config
        .keymap
        .first_key(crate::tui::keymap::Command::Quit);
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
fn hint_commands(ui: &UiState) -> Vec<(crate::tui::keymap::Command, u8)> {
    use crate::tui::keymap::Command::*;
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
    use crate::tui::keymap::Command;
    let t = ui.theme();
    let (text, rows) = status_text(ui, now, area.width);
    let typing = matches!(ui.view.overlay, Overlay::Filter | Overlay::Prompt(_));
    let [status, prompt, keys] = Layout::vertical([
        Constraint::Length(rows),
        Constraint::Length(u16::from(typing)),
        Constraint::Length(1),
    ])
    .areas(area);
    let line = match (ui.status(), text) {
        (Some(s), Some(text)) => Line::from(Span::styled(text, t.level(s.level))),
        _ if typing => Line::from(""),
        // A load running paced by the rate limit is said until it ends, not "ready",
        // with the wait left.
        _ => match ui.feed.loading.and_then(|l| l.progress_at(ui.feed.wall)) {
            Some(p) => Line::from(Span::styled(p, t.dim())),
            None => Line::from(Span::styled("ready", t.dim())),
        },
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
            t.level(crate::tui::theme::Level::Warn),
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
