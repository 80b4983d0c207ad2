//! `Action` (what the user or the world wants), `Effect` (what the loop must do), the
//! mapping of terminal events to actions, and the reducer `update`.

use super::keymap::Command;
use super::state::{
    CallOp, Confirm, ConnView, ControlRequest, Mode, Outcome, Overlay, Pending, Prompt, PromptKind,
    Screen, UiState,
};
use super::theme::Level;
use crate::core::{PartyState, Session, SessionStore};
use crate::source::replay::{ReplayCmd, ReplayStatus};
use crate::wire::{StatusCode, Ts};
use crossterm::event::{Event, KeyCode, KeyEventKind, MouseButton, MouseEventKind};

/// What the user or the world wants.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// A key bound in the keymap.
    Cmd(Command),
    /// Text typed into the filter or a prompt.
    Input(char),
    Backspace,
    /// Enter in a prompt, filter or dialog.
    Submit,
    /// Esc in a prompt, filter or dialog.
    Cancel,
    /// Move the focus between dialog buttons.
    ToggleFocus,
    /// Mouse click on a table row (0-based, in visible rows).
    Click(usize),
    /// Mouse wheel: rows to move (negative: up).
    Scroll(i32),
    /// The terminal is this many table rows tall now.
    Viewport(usize),
    /// The store changed.
    StoreChanged,
    /// One second passed.
    Tick,
    /// A control request finished.
    ControlDone {
        request: ControlRequest,
        outcome: Outcome,
    },
    /// The replay moved.
    Replay(ReplayStatus),
    /// The connection state changed.
    Conn(ConnView),
    /// Quit (signal).
    Quit,
}

/// What the loop must do after an update.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Send a control request (spawned, never awaited in the loop).
    Control(ControlRequest),
    /// Add a line to a session's audit trail (timeline and log file).
    Audit { session: String, text: String },
    /// Ask the replay task for something.
    Replay(ReplayCmd),
    /// Ring the terminal bell.
    Bell,
    /// Leave the app.
    Quit,
}

/// Maps a terminal event to an action, given what is open.
pub fn action_for(ev: &Event, ui: &UiState) -> Option<Action> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => {
            let ctrl_c = k.code == KeyCode::Char('c')
                && k.modifiers
                    .contains(crossterm::event::KeyModifiers::CONTROL);
            if ctrl_c {
                return Some(Action::Cmd(Command::Quit));
            }
            match &ui.overlay {
                Overlay::Filter | Overlay::Prompt(_) => match k.code {
                    KeyCode::Enter => Some(Action::Submit),
                    KeyCode::Esc => Some(Action::Cancel),
                    KeyCode::Backspace => Some(Action::Backspace),
                    KeyCode::Char(c) => Some(Action::Input(c)),
                    _ => None,
                },
                Overlay::Confirm(_) => match k.code {
                    KeyCode::Enter => Some(Action::Submit),
                    KeyCode::Esc => Some(Action::Cancel),
                    KeyCode::Left
                    | KeyCode::Right
                    | KeyCode::Tab
                    | KeyCode::BackTab
                    | KeyCode::Char('h' | 'l') => Some(Action::ToggleFocus),
                    _ => None,
                },
                Overlay::Help => Some(Action::Cancel),
                Overlay::None => ui.keymap.command(k).map(Action::Cmd),
            }
        }
        Event::Mouse(m) => match m.kind {
            MouseEventKind::ScrollDown => Some(Action::Scroll(3)),
            MouseEventKind::ScrollUp => Some(Action::Scroll(-3)),
            MouseEventKind::Down(MouseButton::Left) => {
                let first = super::views::table_first_row(ui);
                (m.row >= first).then(|| Action::Click((m.row - first) as usize))
            }
            _ => None,
        },
        Event::Resize(w, h) => Some(Action::Viewport(super::views::table_capacity(*w, *h, ui))),
        _ => None,
    }
}

/// Applies an action to the UI state; returns what the loop must do.
pub fn update(ui: &mut UiState, action: Action, store: &SessionStore, now: Ts) -> Vec<Effect> {
    let mut fx = Vec::new();
    match action {
        Action::Cmd(c) => command(ui, c, store, now, &mut fx),
        Action::Input(c) => match &mut ui.overlay {
            Overlay::Filter => {
                ui.filter.push(c);
                ui.sync(store, now);
            }
            Overlay::Prompt(p) => p.input.push(c),
            _ => {}
        },
        Action::Backspace => match &mut ui.overlay {
            Overlay::Filter => {
                ui.filter.pop();
                ui.sync(store, now);
            }
            Overlay::Prompt(p) => {
                p.input.pop();
            }
            _ => {}
        },
        Action::Submit => submit(ui, store, now, &mut fx),
        Action::Cancel => cancel(ui, store, now),
        Action::ToggleFocus => {
            if let Overlay::Confirm(c) = &mut ui.overlay {
                c.ok_focused = !c.ok_focused;
            }
        }
        Action::Click(row) => {
            let rows = ui.rows(store, now);
            let i = ui.offset + row;
            if let Some(s) = rows.get(i) {
                ui.cursor = i;
                ui.selected = Some(s.id.clone());
            }
        }
        Action::Scroll(n) => move_cursor(ui, store, now, n as i64),
        Action::Viewport(h) => {
            ui.viewport = h.max(1);
            ui.sync(store, now);
        }
        Action::StoreChanged | Action::Tick => {
            ui.rate.observe(now, store.counters().events);
            expire(ui, now);
            bells(ui, store, now, &mut fx);
        }
        Action::ControlDone { request, outcome } => done(ui, request, outcome, now, &mut fx),
        Action::Replay(st) => ui.replay = Some(st),
        Action::Conn(c) => ui.conn = Some(c),
        Action::Quit => {
            ui.quit = true;
            fx.push(Effect::Quit);
        }
    }
    fx
}

fn move_cursor(ui: &mut UiState, store: &SessionStore, now: Ts, delta: i64) {
    let rows = ui.rows(store, now);
    if rows.is_empty() {
        return;
    }
    let last = rows.len() as i64 - 1;
    ui.cursor = (ui.cursor as i64 + delta).clamp(0, last) as usize;
    ui.selected = rows.get(ui.cursor).map(|s| s.id.clone());
    ui.scroll_into_view(rows.len());
}

fn command(ui: &mut UiState, c: Command, store: &SessionStore, now: Ts, fx: &mut Vec<Effect>) {
    let page = ui.viewport.max(1) as i64;
    match c {
        Command::Up => move_cursor(ui, store, now, -1),
        Command::Down => move_cursor(ui, store, now, 1),
        Command::PageUp => move_cursor(ui, store, now, -page),
        Command::PageDown => move_cursor(ui, store, now, page),
        Command::Top => move_cursor(ui, store, now, i64::MIN / 2),
        Command::Bottom => move_cursor(ui, store, now, i64::MAX / 2),
        Command::Open => {
            if ui.selected_session(store).is_some() {
                ui.detail = true;
            }
        }
        Command::Back => cancel(ui, store, now),
        Command::NextParty => {
            if let Some(s) = ui.selected_session(store) {
                if !s.parties.is_empty() {
                    let i = ui.target_index(&s).map_or(0, |i| (i + 1) % s.parties.len());
                    let p = &s.parties[i];
                    ui.target_party = Some((s.id.clone(), p.id.clone()));
                    let text = format!("target party {}: {}", i + 1, party_label(p));
                    ui.say(Level::Normal, text, now);
                }
            }
        }
        Command::Filter => ui.overlay = Overlay::Filter,
        Command::StateFilter => {
            ui.state_filter = ui.state_filter.next();
            let text = format!("state filter: {}", ui.state_filter.label());
            ui.say(Level::Normal, text, now);
            ui.sync(store, now);
        }
        Command::Sort => {
            ui.sort = ui.sort.next();
            ui.say(Level::Normal, format!("sort by {}", ui.sort.label()), now);
            ui.sync(store, now);
        }
        Command::SortReverse => {
            ui.sort_reverse = !ui.sort_reverse;
            ui.sync(store, now);
        }
        Command::History => {
            ui.screen = match ui.screen {
                Screen::Board => Screen::History,
                Screen::History => Screen::Board,
            };
            ui.cursor = 0;
            ui.offset = 0;
            ui.selected = None;
            ui.detail = false;
            ui.sync(store, now);
        }
        Command::Help => ui.overlay = Overlay::Help,
        Command::Quit => {
            ui.quit = true;
            fx.push(Effect::Quit);
        }
        Command::Pause
        | Command::Faster
        | Command::Slower
        | Command::Step
        | Command::SeekBack
        | Command::SeekForward
        | Command::SeekBackLong
        | Command::SeekForwardLong => {
            if ui.mode != Mode::Replay {
                ui.say(Level::Normal, "replay keys work in replay mode", now);
                return;
            }
            let cmd = match c {
                Command::Pause => ReplayCmd::TogglePause,
                Command::Faster => ReplayCmd::Faster,
                Command::Slower => ReplayCmd::Slower,
                Command::Step => ReplayCmd::Step,
                Command::SeekBack => ReplayCmd::Seek(-10_000),
                Command::SeekForward => ReplayCmd::Seek(10_000),
                Command::SeekBackLong => ReplayCmd::Seek(-60_000),
                _ => ReplayCmd::Seek(60_000),
            };
            fx.push(Effect::Replay(cmd));
        }
        Command::Hold
        | Command::Transfer
        | Command::Record
        | Command::HangUp
        | Command::Mute
        | Command::Park
        | Command::Forward
        | Command::Reject => control(ui, c, store, now, fx),
    }
}

fn party_label(p: &PartyState) -> String {
    let dir = p.direction.get().map(|d| d.as_str()).unwrap_or("?");
    let who = match p.direction.get() {
        Some(crate::wire::Direction::Outbound) => p.from.label(),
        _ => p.to.label(),
    };
    format!(
        "{dir} {who} ({})",
        p.code().map(|c| c.as_str()).unwrap_or("-")
    )
}

/// Checks a control key against the mode and the target party's state; on success
/// returns the request (or opens a prompt / dialog).
fn control(ui: &mut UiState, c: Command, store: &SessionStore, now: Ts, fx: &mut Vec<Effect>) {
    match plan(ui, c, store, now) {
        Err(msg) => ui.say(Level::Warn, msg, now),
        Ok(Plan::Send(req)) => dispatch(ui, req, now, fx),
        Ok(Plan::Prompt(p)) => ui.overlay = Overlay::Prompt(p),
        Ok(Plan::Confirm(c)) => ui.overlay = Overlay::Confirm(c),
    }
}

enum Plan {
    Send(ControlRequest),
    Prompt(Prompt),
    Confirm(Confirm),
}

fn plan(ui: &UiState, c: Command, store: &SessionStore, now: Ts) -> Result<Plan, String> {
    match ui.mode {
        Mode::Replay => return Err("replay is read-only".into()),
        _ if ui.read_only => return Err("read-only mode: control keys are disabled".into()),
        _ => {}
    }
    if let Some(until) = ui.rate_limited_until.filter(|u| *u > now) {
        return Err(format!(
            "rate limited by the platform: wait {}s",
            (now.millis_until(until) + 999) / 1000
        ));
    }
    let selected = ui.selected_session(store).ok_or("no call selected")?;
    let s = &*selected;
    if s.ended {
        return Err("the call has ended".into());
    }
    if let Some(p) = ui.pending.get(&s.id) {
        return Err(format!("wait: {} is still running for this call", p.verb));
    }
    let idx = ui
        .target_index(s)
        .ok_or("the call has no party to act on")?;
    let p = &s.parties[idx];
    let code = p.code();
    let state = code.map(|c| c.as_str()).unwrap_or("unknown");
    let connected = matches!(code, Some(StatusCode::Answered | StatusCode::Hold));
    let ringing = code.is_some_and(StatusCode::is_ringing);
    let req = |op: CallOp| ControlRequest {
        session: s.id.clone(),
        party: p.id.clone(),
        op,
    };
    let refuse = |what: &str, need: &str| -> Result<Plan, String> {
        Err(format!("can't {what}: the party is {state} ({need})"))
    };
    let plan = match c {
        Command::Hold => match code {
            Some(StatusCode::Answered) => Plan::Send(req(CallOp::Hold)),
            Some(StatusCode::Hold) => Plan::Send(req(CallOp::Unhold)),
            _ => return refuse("hold", "only a connected party can be held"),
        },
        Command::Mute if connected => Plan::Send(req(CallOp::Mute(p.muted.get() != Some(&true)))),
        Command::Mute => return refuse("mute", "only a connected party can be muted"),
        Command::Park if connected => Plan::Send(req(CallOp::Park)),
        Command::Park => return refuse("park", "only a connected party can be parked"),
        Command::Record if connected => {
            let recs = p.recordings.get().cloned().unwrap_or_default();
            match (recs.iter().find(|r| r.active), recs.last()) {
                (Some(r), _) => Plan::Send(req(CallOp::PauseRecording(r.id.clone()))),
                (None, Some(r)) => Plan::Send(req(CallOp::ResumeRecording(r.id.clone()))),
                (None, None) => Plan::Send(req(CallOp::StartRecording)),
            }
        }
        Command::Record => return refuse("record", "only a connected call can be recorded"),
        Command::Reject if ringing => Plan::Send(req(CallOp::Reject)),
        Command::Reject => return refuse("reject", "only a ringing party can be rejected"),
        Command::Forward if ringing => Plan::Prompt(Prompt {
            kind: PromptKind::Forward,
            session: s.id.clone(),
            party: p.id.clone(),
            input: String::new(),
        }),
        Command::Forward => return refuse("forward", "only a ringing party can be forwarded"),
        Command::Transfer if connected => Plan::Prompt(Prompt {
            kind: PromptKind::Transfer,
            session: s.id.clone(),
            party: p.id.clone(),
            input: String::new(),
        }),
        Command::Transfer => {
            return refuse(
                "transfer",
                "only a connected or held party can be transferred",
            )
        }
        Command::HangUp => Plan::Confirm(Confirm {
            question: format!("Hang up the call {}?", describe(s)),
            request: req(CallOp::HangUp),
            ok_focused: false,
        }),
        _ => return Err("not a control key".into()),
    };
    Ok(plan)
}

/// `from → to` of a session, for dialogs.
pub fn describe(s: &Session) -> String {
    match s.caller() {
        Some(p) => format!("{} → {}", p.from.label(), p.to.label()),
        None => s.id.clone(),
    }
}

fn dispatch(ui: &mut UiState, req: ControlRequest, now: Ts, fx: &mut Vec<Effect>) {
    let verb = req.op.verb();
    ui.pending.insert(
        req.session.clone(),
        Pending {
            party: req.party.clone(),
            verb: verb.clone(),
            since: now,
        },
    );
    ui.say(Level::Normal, format!("{verb}: sent…"), now);
    fx.push(Effect::Audit {
        session: req.session.clone(),
        text: format!("→ {verb} (party {})", req.party),
    });
    fx.push(Effect::Control(req));
}

fn submit(ui: &mut UiState, store: &SessionStore, now: Ts, fx: &mut Vec<Effect>) {
    match std::mem::replace(&mut ui.overlay, Overlay::None) {
        Overlay::Filter => ui.sync(store, now),
        Overlay::Prompt(p) => {
            let target = p.input.trim().to_string();
            if target.is_empty() {
                ui.say(Level::Warn, "no target given: nothing sent", now);
                return;
            }
            if let Err(e) = crate::platform::Target::parse(&target) {
                ui.say(Level::Warn, format!("{e}: fix it or Esc"), now);
                ui.overlay = Overlay::Prompt(p);
                return;
            }
            let make = |op| ControlRequest {
                session: p.session.clone(),
                party: p.party.clone(),
                op,
            };
            match p.kind {
                PromptKind::Forward => dispatch(ui, make(CallOp::Forward(target)), now, fx),
                PromptKind::Transfer => {
                    let question = match store.get(&p.session) {
                        Some(s) => format!("Transfer {} to {target}?", describe(s)),
                        None => format!("Transfer the call to {target}?"),
                    };
                    ui.overlay = Overlay::Confirm(Confirm {
                        request: make(CallOp::Transfer(target)),
                        question,
                        ok_focused: false,
                    });
                }
            }
        }
        Overlay::Confirm(c) if c.ok_focused => dispatch(ui, c.request, now, fx),
        Overlay::Confirm(c) => ui.say(
            Level::Normal,
            format!("{}: cancelled", c.request.op.verb()),
            now,
        ),
        other => ui.overlay = other,
    }
}

fn cancel(ui: &mut UiState, store: &SessionStore, now: Ts) {
    match std::mem::replace(&mut ui.overlay, Overlay::None) {
        Overlay::Filter => {
            ui.filter.clear();
            ui.sync(store, now);
        }
        Overlay::Confirm(c) => ui.say(
            Level::Normal,
            format!("{}: cancelled", c.request.op.verb()),
            now,
        ),
        Overlay::Prompt(_) => ui.say(Level::Normal, "cancelled", now),
        Overlay::Help => {}
        Overlay::None => {
            if ui.detail {
                ui.detail = false;
            } else if !ui.filter.is_empty() {
                ui.filter.clear();
                ui.sync(store, now);
            }
        }
    }
}

fn done(ui: &mut UiState, req: ControlRequest, outcome: Outcome, now: Ts, fx: &mut Vec<Effect>) {
    ui.pending.remove(&req.session);
    let verb = req.op.verb();
    let (level, text) = match &outcome {
        Outcome::Ok(m) if m.is_empty() => (Level::Ok, format!("{verb}: done")),
        Outcome::Ok(m) if m.starts_with(&verb) => (Level::Ok, m.clone()),
        Outcome::Ok(m) => (Level::Ok, format!("{verb}: done ({m})")),
        Outcome::Failed(m) => (Level::Crit, format!("{verb} failed: {m}")),
        Outcome::RateLimited(secs) => {
            ui.rate_limited_until = Some(now.plus_millis(*secs as i64 * 1000));
            (
                Level::Warn,
                format!("{verb}: rate limited by the platform, retry in {secs}s"),
            )
        }
    };
    fx.push(Effect::Audit {
        session: req.session.clone(),
        text: format!("← {text}"),
    });
    ui.say(level, text, now);
}

/// Clears an expired rate limit.
fn expire(ui: &mut UiState, now: Ts) {
    if ui.rate_limited_until.is_some_and(|u| u <= now) {
        ui.rate_limited_until = None;
    }
}

/// Rings the bell once per session when it first turns red (if enabled).
fn bells(ui: &mut UiState, store: &SessionStore, now: Ts, fx: &mut Vec<Effect>) {
    if !ui.bell {
        return;
    }
    let mut ring = false;
    for s in store.sessions().filter(|s| !s.ended) {
        if ui.thresholds.session_level(s, now) == Level::Crit && ui.belled.insert(s.id.clone()) {
            ring = true;
        }
    }
    ui.belled
        .retain(|id| store.get(id).is_some_and(|s| !s.ended));
    if ring {
        fx.push(Effect::Bell);
    }
}
