//! The confirmation dialog: the question, then Cancel (focused by default) and the
//! action's own button (`Hold`, `Start recording`…).

use crate::core::control::ControlRequest;
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
    let ok_label = ok_label(&c.request);
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
    let mut lines = vec![Line::from("")];
    lines.extend(c.question.lines().map(|l| Line::from(l.to_string())));
    lines.extend([
        Line::from(""),
        Line::from(vec![
            button("Cancel", !c.ok_focused),
            Span::raw("    "),
            button(&ok_label, c.ok_focused),
        ]),
        Line::from(""),
        Line::from(Span::styled(
            "←/→ choose · Enter confirm choice · Esc cancel",
            t.dim(),
        )),
    ]);
    // As wide as the longest line allows (up to 90 columns), as tall as the wrapped text.
    let longest = c
        .question
        .lines()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0);
    let w = (longest as u16 + 6).clamp(56, 90).min(area.width);
    let inner = w.saturating_sub(2).max(1) as usize;
    let wrapped: usize = c
        .question
        .lines()
        .map(|l| l.chars().count().div_ceil(inner).max(1))
        .sum();
    let r = centered(area, w, wrapped as u16 + 7);
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

/// What the confirming button says: the verb's own button (one word for one action,
/// from key to wire; `Change` for an agent's queue setting).
fn ok_label(request: &ControlRequest) -> String {
    let a = &request.action;
    crate::core::control::fill(a.facts().button, "", &a.object().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::control::{ControlAction, Target};

    #[test]
    fn every_call_action_has_its_own_button() {
        let label = |action| ok_label(&ControlRequest::on_party("s", "p", action));
        assert_eq!(label(ControlAction::StartRecording), "Start recording");
        assert_eq!(label(ControlAction::HangUp), "Hang up");
        assert_eq!(label(ControlAction::Hold), "Hold");
        let to = Target::ExtensionNumber("101".into());
        assert_eq!(label(ControlAction::Transfer { to }), "Transfer to ext 101");
    }
}
