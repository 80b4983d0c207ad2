//! The confirmation dialog: the question, then Cancel (focused by default) and OK.

use crate::core::control::ControlAction;
use crate::tui::state::{Confirm, UiState};
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

/// A rectangle of at most `w`×`h` centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Draws a confirmation dialog.
pub fn confirm(frame: &mut Frame, area: Rect, c: &Confirm, ui: &UiState) {
    let t = ui.theme();
    let ok_label = match c.request.action {
        ControlAction::HangUp => "Hang up",
        ControlAction::Transfer { .. } => "Transfer",
        ControlAction::Flip { .. } => "Flip",
        _ => "OK",
    };
    let button = |label: &str, focused: bool| {
        let text = if focused {
            format!("[> {label} <]")
        } else {
            format!("[  {label}  ]")
        };
        Span::styled(
            text,
            if focused {
                t.button_focused()
            } else {
                t.text()
            },
        )
    };
    let lines = vec![
        Line::from(""),
        Line::from(c.question.clone()),
        Line::from(""),
        Line::from(vec![
            button("Cancel", !c.ok_focused),
            Span::raw("    "),
            button(ok_label, c.ok_focused),
        ]),
        Line::from(""),
        Line::from(Span::styled(
            "←/→ choose · Enter confirm choice · Esc cancel",
            t.dim(),
        )),
    ];
    let r = centered(area, 64, 9);
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true })
            .block(
                Block::new()
                    .borders(Borders::ALL)
                    .border_style(t.border())
                    .title(Span::styled(" Confirm ", t.title())),
            ),
        r,
    );
}
