//! Input mapping: a terminal event to what it asks of the reducer, given what is open.
//! Keys go through the keymap; a click is hit-tested against the views' layout
//! ([`views::layout`]), so the reducer never measures the screen for the mouse.

use super::edit::Edit;
use super::keymap::Command;
use super::msg::{self, Intent, Msg};
use super::state::{Overlay, UiState};
use super::views;
use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind,
};

/// Maps a terminal event to what it asks of the reducer: a key's or the mouse's
/// [`Intent`], or the terminal's new size.
pub fn msg_for(ev: &Event, ui: &UiState) -> Option<Msg> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => key(k, ui).map(Msg::Intent),
        Event::Mouse(m) => mouse(m, ui).map(Msg::Intent),
        Event::Resize(w, h) => Some(msg::Event::Resize(*w, *h).into()),
        _ => None,
    }
}

/// A key, read against what is open: a line being typed, a dialog, the help, or the
/// board's keymap.
fn key(k: &KeyEvent, ui: &UiState) -> Option<Intent> {
    let ctrl_c = k.code == KeyCode::Char('c')
        && k.modifiers
            .contains(crossterm::event::KeyModifiers::CONTROL);
    if ctrl_c {
        return Some(Intent::Cmd(Command::Quit));
    }
    match &ui.view.overlay {
        Overlay::Filter | Overlay::Prompt(_) => line_key(k),
        Overlay::Confirm(_) => match k.code {
            KeyCode::Enter => Some(Intent::Submit),
            KeyCode::Esc => Some(Intent::Cancel),
            KeyCode::Left
            | KeyCode::Right
            | KeyCode::Tab
            | KeyCode::BackTab
            | KeyCode::Char('h' | 'l') => Some(Intent::ToggleFocus),
            _ => None,
        },
        // The moving keys scroll the help; any other key closes it.
        Overlay::Help => match ui.config.keymap.command(k) {
            Some(
                c @ (Command::Up
                | Command::Down
                | Command::PageUp
                | Command::PageDown
                | Command::Top
                | Command::Bottom),
            ) => Some(Intent::Cmd(c)),
            _ => Some(Intent::Cancel),
        },
        Overlay::None => ui.config.keymap.command(k).map(Intent::Cmd),
    }
}

/// The wheel scrolls; a click picks a table row or, on the replay's progress bar, a
/// time to jump to.
fn mouse(m: &MouseEvent, ui: &UiState) -> Option<Intent> {
    match m.kind {
        MouseEventKind::ScrollDown => Some(Intent::Scroll(3)),
        MouseEventKind::ScrollUp => Some(Intent::Scroll(-3)),
        MouseEventKind::Down(MouseButton::Left) => {
            let first = views::layout::table_first_row(ui);
            if m.row >= first {
                // In the overview the agents beside the calls have no cursor.
                let t = views::layout::table_area(ui);
                let beside = m.column >= t.x + t.width && t.width < ui.view.size.0;
                return (!beside).then_some(Intent::Click((m.row - first) as usize));
            }
            let bar = views::layout::progress_row(ui)?;
            let r = ui.feed.replay.filter(|_| m.row == bar)?;
            let now = r.clock_at(tokio::time::Instant::now());
            let t =
                views::header::progress_time_at(ui.config.zone, &r, now, ui.view.size.0, m.column)?;
            Some(Intent::JumpTo(t))
        }
        _ => None,
    }
}

/// A key typed into the filter or a prompt: readline's editing keys (Ctrl-U, Ctrl-W,
/// Ctrl-A / Ctrl-E, Home / End, ← / →, Delete, Backspace), Enter, Esc, or text;
/// other Ctrl chords type nothing.
fn line_key(k: &KeyEvent) -> Option<Intent> {
    let ctrl = k
        .modifiers
        .contains(crossterm::event::KeyModifiers::CONTROL);
    let e = match k.code {
        KeyCode::Enter => return Some(Intent::Submit),
        KeyCode::Esc => return Some(Intent::Cancel),
        KeyCode::Char('u') if ctrl => Edit::KillToStart,
        KeyCode::Char('w') if ctrl => Edit::KillWord,
        KeyCode::Char('a') if ctrl => Edit::Home,
        KeyCode::Char('e') if ctrl => Edit::End,
        KeyCode::Char('h') if ctrl => Edit::Backspace,
        KeyCode::Char(_) if ctrl => return None,
        KeyCode::Char(c) => Edit::Insert(c),
        KeyCode::Backspace => Edit::Backspace,
        KeyCode::Delete => Edit::Delete,
        KeyCode::Left => Edit::Left,
        KeyCode::Right => Edit::Right,
        KeyCode::Home => Edit::Home,
        KeyCode::End => Edit::End,
        _ => return None,
    };
    Some(Intent::Edit(e))
}
