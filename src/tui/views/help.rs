//! The `?` help, generated from the keymap in force (two columns).

use super::dialog::centered;
use crate::tui::state::UiState;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

/// Draws the help popup.
pub fn render(frame: &mut Frame, area: Rect, ui: &UiState) {
    let t = ui.theme();
    let sections = ui.config.keymap.help();
    let mut cols: [Vec<Line>; 2] = [Vec::new(), Vec::new()];
    for (i, (title, rows)) in sections.into_iter().enumerate() {
        let col = &mut cols[i / 2];
        if !col.is_empty() {
            col.push(Line::from(""));
        }
        col.push(Line::from(Span::styled(title, t.title())));
        for (keys, what) in rows {
            col.push(Line::from(vec![
                Span::styled(format!(" {keys:<11}"), t.key()),
                Span::raw(what),
            ]));
        }
    }
    let mut h = cols.iter().map(Vec::len).max().unwrap_or(0) as u16 + 2;
    let disabled = ui.config.read_only || ui.config.mode == crate::tui::state::Mode::Replay;
    if disabled {
        h += 1;
    }
    let r = centered(area, 118, h);
    frame.render_widget(Clear, r);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(t.border())
        .title(Span::styled(" Keys (any key closes) ", t.title()));
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let [body, note] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(u16::from(disabled))])
            .areas(inner);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body);
    let [a, b] = cols;
    frame.render_widget(Paragraph::new(a), left);
    frame.render_widget(Paragraph::new(b), right);
    if disabled {
        let why = if ui.config.mode == crate::tui::state::Mode::Replay {
            "replay is read-only: call control keys are disabled"
        } else {
            "read-only mode: call control keys are disabled"
        };
        frame.render_widget(Paragraph::new(Span::styled(why, t.dim())), note);
    }
}
