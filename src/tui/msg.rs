//! What the reducer is given and what it gives back: an [`Intent`] (what a key or the
//! mouse asks for) or an [`Event`] (what happened in the world), together a [`Msg`];
//! and the [`Effect`]s the loop carries out after an update.

use super::edit::Edit;
use super::keymap::Command;
use crate::core::alarms::AlarmChange;
use crate::core::control::{ControlRequest, Outcome};
use crate::source::replay::{ReplayCmd, ReplayStatus};
use crate::source::{ConnState, Loading};
use crate::wire::Ts;

/// What the user asks for, with a key or the mouse.
#[derive(Clone, Debug, PartialEq)]
pub enum Intent {
    /// A key bound in the keymap.
    Cmd(Command),
    /// Text typed into the filter or a prompt.
    Input(char),
    Backspace,
    /// Line editing in the filter or a prompt.
    Edit(Edit),
    /// Enter in a prompt, filter or dialog.
    Submit,
    /// Esc in a prompt, filter or dialog.
    Cancel,
    /// Move the focus between dialog buttons.
    ToggleFocus,
    /// Mouse click on a table row (0-based, in visible rows).
    Click(usize),
    /// Mouse click on the replay's progress bar, at this stream time.
    JumpTo(Ts),
    /// Mouse wheel: rows to move (negative: up).
    Scroll(i32),
}

/// What happened: the terminal, the store, the clock, the source, a control request.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The terminal has this many columns and rows now.
    Resize(u16, u16),
    /// The store changed.
    StoreChanged,
    /// One second passed.
    Tick,
    /// A control request (on a party or an agent) finished.
    ControlDone {
        request: ControlRequest,
        outcome: Outcome,
    },
    /// The replay moved.
    Replay(ReplayStatus),
    /// The connection state changed.
    Conn(ConnState),
    /// Loading the calls in progress moved on.
    Loading(Loading),
    /// A warning of the source (late call outcomes, a gateway error): said as is.
    Notice(String),
    /// A queue alarm was raised or cleared.
    Alarm(AlarmChange),
    /// Quit (signal).
    Quit,
}

/// One input of the reducer.
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    Intent(Intent),
    Event(Event),
}

impl From<Intent> for Msg {
    fn from(i: Intent) -> Msg {
        Msg::Intent(i)
    }
}

impl From<Event> for Msg {
    fn from(e: Event) -> Msg {
        Msg::Event(e)
    }
}

/// What the loop must do after an update.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Send a control request, on a party or an agent (spawned, never awaited in the
    /// loop; the control side writes the audit trail).
    Control(ControlRequest),
    /// Ask the replay task for something.
    Replay(ReplayCmd),
    /// Ring the terminal bell.
    Bell,
    /// Put this text on the terminal's clipboard (OSC 52).
    Copy(String),
    /// Leave the app.
    Quit,
}
