//! The `?` help, generated from the keymap in force (two columns when wide enough,
//! scrolled when it does not fit).

use super::dialog::centered;
use crate::tui::keymap::Command;
use crate::tui::state::UiState;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

/// The help as lines `width` columns wide: each section's title and its `keys  what`
/// rows, a description longer than the column wrapped at a word under itself.
fn lines(ui: &UiState, width: u16) -> Vec<Line<'static>> {
    let t = ui.theme();
    let room = (width as usize).saturating_sub(KEYS).max(10);
    let mut out = Vec::new();
    for (title, rows) in ui.config.keymap.help() {
        if !out.is_empty() {
            out.push(Line::from(""));
        }
        out.push(Line::from(Span::styled(title, t.title())));
        for (keys, what) in rows {
            for (i, part) in wrap(what, room).into_iter().enumerate() {
                let head = if i == 0 {
                    format!(" {keys:<11}")
                } else {
                    " ".repeat(KEYS)
                };
                out.push(Line::from(vec![
                    Span::styled(head, t.key()),
                    Span::raw(part),
                ]));
            }
        }
    }
    out
}

/// Columns the keys take before a description.
const KEYS: usize = 12;

/// `text` in lines of at most `room` characters, broken at spaces (a longer word is cut).
fn wrap(text: &str, room: usize) -> Vec<String> {
    let mut out = vec![String::new()];
    for word in text.split(' ') {
        let line = out.last_mut().expect("one line at least");
        let (len, n) = (line.chars().count(), word.chars().count());
        if len == 0 {
            line.push_str(word);
        } else if len + 1 + n <= room {
            line.push(' ');
            line.push_str(word);
        } else {
            out.push(word.to_string());
        }
    }
    out
}

/// The popup's rectangle, its columns and its lines (wrapped to a column), and how
/// many lines each column shows.
fn layout(area: Rect, ui: &UiState) -> (Rect, u16, Vec<Line<'static>>, usize) {
    let cols: u16 = if area.width >= 2 * 80 + 2 { 2 } else { 1 };
    let width = (80 * cols + 2).min(area.width);
    let all = lines(ui, width.saturating_sub(2) / cols);
    let note = u16::from(disabled(ui));
    let per_col = all.len().div_ceil(cols as usize) as u16;
    let r = centered(area, width, per_col + 2 + note);
    let shown = r.height.saturating_sub(2 + note) as usize;
    (r, cols, all, shown)
}

fn disabled(ui: &UiState) -> bool {
    !ui.controls_enabled()
}

/// The largest first line the help can be scrolled to on the current terminal.
pub fn max_top(ui: &UiState) -> usize {
    let (w, h) = ui.view.size;
    let (_, cols, all, shown) = layout(Rect::new(0, 0, w, h), ui);
    let total = all.len();
    total.saturating_sub(shown * cols as usize)
}

/// Draws the help popup: one column (two on wide terminals), scrolled from
/// `help_top` when it does not fit.
pub fn render(frame: &mut Frame, area: Rect, ui: &UiState) {
    let t = ui.theme();
    let (r, cols, all, shown) = layout(area, ui);
    let total = all.len();
    let top = ui
        .view
        .help_top
        .min(total.saturating_sub(shown * cols as usize));
    let keys = &ui.config.keymap;
    let title = if shown * (cols as usize) < total {
        format!(
            " Keys {}–{} of {total} ({}/{} {}/{} scroll, any other key closes) ",
            top + 1,
            (top + shown * cols as usize).min(total),
            keys.first_key(Command::Up),
            keys.first_key(Command::Down),
            keys.first_key(Command::PageUp),
            keys.first_key(Command::PageDown),
        )
    } else {
        " Keys (any key closes) ".to_string()
    };
    frame.render_widget(Clear, r);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(t.border())
        .title(Span::styled(title, t.title()));
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let [body, note] = Layout::vertical([
        Constraint::Min(0),
        Constraint::Length(u16::from(disabled(ui))),
    ])
    .areas(inner);
    let columns =
        Layout::horizontal(vec![Constraint::Ratio(1, cols as u32); cols as usize]).split(body);
    for (i, col) in columns.iter().enumerate() {
        let from = (top + i * shown).min(total);
        let to = (from + shown).min(total);
        frame.render_widget(Paragraph::new(all[from..to].to_vec()), *col);
    }
    if let Some(why) = ui.read_only_refusal() {
        frame.render_widget(Paragraph::new(Span::styled(why, t.dim())), note);
    }
}
