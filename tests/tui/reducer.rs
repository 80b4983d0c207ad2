//! The reducer: `Action` → UI state and effects, against a real store.

use crate::support as tui_support;

use calltop::core::control::{CallKey, ControlAction, ControlRequest, FlipNumber, Outcome, Target};
use calltop::source::replay::ReplayCmd;
use calltop::tui::keymap::{Command, Keymap, KeymapError};
use calltop::tui::msg::{self, Effect, Event, Intent, Msg};
use calltop::tui::reducer::update;
use calltop::tui::state::{BoardConfig, Mode, Overlay, PromptKind, UiState};
use calltop::tui::theme::Level;
use serde_json::json;
use std::time::Duration;
use tui_support::*;

fn cmd(ui: &mut UiState, store: &calltop::core::SessionStore, c: Command) -> Vec<Effect> {
    update(ui, Intent::Cmd(c), store, now())
}

fn status(ui: &UiState) -> String {
    ui.status()
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

fn controls(fx: &[Effect]) -> Vec<ControlRequest> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Control(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

/// The board store, sorted by start, oldest first (s-hold, s-talk, s-park, s-ring).
fn ready(mode: Mode) -> (calltop::core::SessionStore, UiState) {
    ready_with(config(mode))
}

/// The same, on a board configured otherwise.
fn ready_with(config: BoardConfig) -> (calltop::core::SessionStore, UiState) {
    let store = board_store();
    let mut ui = UiState::new(config);
    ui.view_mut()
        .sort_by(calltop::tui::view::SortKey::Start, false);
    ui.sync(&store, now());
    (store, ui)
}

/// Presses a control key: nothing is sent before its confirm dialog (Cancel focused);
/// then chooses OK and returns the effects.
fn act(ui: &mut UiState, store: &calltop::core::SessionStore, c: Command) -> Vec<Effect> {
    act_at(ui, store, c, now())
}

fn act_at(
    ui: &mut UiState,
    store: &calltop::core::SessionStore,
    c: Command,
    at: calltop::wire::Ts,
) -> Vec<Effect> {
    let fx = update(ui, Intent::Cmd(c), store, at);
    assert!(controls(&fx).is_empty(), "{c:?}: sent before the confirm");
    assert!(
        matches!(ui.view().overlay(), Overlay::Confirm(d) if !d.ok_focused),
        "{c:?}: no confirm ({})",
        status(ui)
    );
    update(ui, Intent::ToggleFocus, store, at);
    update(ui, Intent::Submit, store, at)
}

#[test]
fn navigation_clamps_and_follows_the_selected_session() {
    let (mut store, mut ui) = ready(Mode::Demo);
    // Rows by start: s-hold, s-talk, s-park, s-ring.
    assert_eq!(ui.view().calls().selected.as_deref(), Some("s-hold"));
    cmd(&mut ui, &store, Command::Down);
    assert_eq!(ui.view().calls().selected.as_deref(), Some("s-talk"));
    cmd(&mut ui, &store, Command::Bottom);
    assert_eq!(ui.view().calls().selected.as_deref(), Some("s-ring"));
    cmd(&mut ui, &store, Command::Down);
    assert_eq!(
        (
            ui.view().calls().cursor,
            ui.view().calls().selected.as_deref()
        ),
        (3, Some("s-ring"))
    );
    cmd(&mut ui, &store, Command::Top);
    assert_eq!(ui.view().calls().selected.as_deref(), Some("s-hold"));
    cmd(&mut ui, &store, Command::Up);
    assert_eq!(ui.view().calls().cursor, 0);

    // Select s-park, then an older call appears above it: the selection follows s-park.
    cmd(&mut ui, &store, Command::Down);
    cmd(&mut ui, &store, Command::Down);
    assert_eq!(ui.view().calls().selected.as_deref(), Some("s-park"));
    let p = PartySpec {
        id: "p-new",
        dir: "Inbound",
        from: CAROL,
        to: SALES,
        code: "Proceeding",
        ext: Some("101"),
    };
    event(&mut store, "s-new", 2, 10, &[p], json!({}));
    update(&mut ui, Event::StoreChanged, &store, now());
    ui.sync(&store, now());
    assert_eq!(
        (
            ui.view().calls().selected.as_deref(),
            ui.view().calls().cursor
        ),
        (Some("s-park"), 3)
    );

    // When the selected call ends it leaves the board; the row at its place is selected.
    let pk = PartySpec {
        id: "p-park-2",
        dir: "Inbound",
        from: CAROL,
        to: ERIN,
        code: "Disconnected",
        ext: Some("105"),
    };
    event(&mut store, "s-park", 9, 595, &[pk], json!({}));
    ui.sync(&store, now());
    assert_eq!(
        (
            ui.view().calls().selected.as_deref(),
            ui.view().calls().cursor
        ),
        (Some("s-ring"), 3)
    );
}

#[test]
fn hold_on_an_answered_party_sends_once_and_marks_pending() {
    let (store, mut ui) = ready(Mode::Demo);
    cmd(&mut ui, &store, Command::Down); // s-talk, answered
    let fx = act(&mut ui, &store, Command::Call(CallKey::Hold));
    let req = ControlRequest::on_party("s-talk", "p-talk-1", ControlAction::Hold);
    assert_eq!(
        fx,
        vec![Effect::Control(req.clone())],
        "one request, nothing else"
    );
    assert!(ui.control().pending.contains_key("s-talk"));
    // A second key while it runs is refused before any request.
    let fx = cmd(&mut ui, &store, Command::Call(CallKey::Hold));
    assert!(controls(&fx).is_empty());
    assert!(status(&ui).contains("still running"), "{}", status(&ui));
    // The result clears the pending marker and is audited.
    let fx = update(
        &mut ui,
        Event::ControlDone {
            request: req,
            outcome: Outcome::Done {
                message: "on hold".into(),
            },
        },
        &store,
        now(),
    );
    assert!(
        fx.is_empty(),
        "the board writes no audit: the control side does"
    );
    assert!(ui.control().pending.is_empty());
    assert_eq!(ui.status().map(|s| s.level), Some(Level::Ok));
    assert_eq!(status(&ui), "Bob Agent +18005550102: on hold");
}

#[test]
fn hold_toggles_to_unhold_on_a_held_party() {
    let (store, mut ui) = ready(Mode::Demo);
    // s-hold's default party is the agent (extension, inbound), on hold.
    let fx = act(&mut ui, &store, Command::Call(CallKey::Hold));
    assert_eq!(controls(&fx)[0].action, ControlAction::Unhold);
    assert_eq!(controls(&fx)[0].target_id(), "p-hold-2");
}

#[test]
fn wrong_state_actions_are_refused_with_a_message_and_no_request() {
    let (store, mut ui) = ready(Mode::Demo);
    cmd(&mut ui, &store, Command::Bottom); // s-ring, ringing
    for c in [
        Command::Call(CallKey::Hold),
        Command::Call(CallKey::Transfer),
        Command::Call(CallKey::Park),
        Command::Call(CallKey::Mute),
        Command::Call(CallKey::Record),
    ] {
        let fx = cmd(&mut ui, &store, c);
        assert!(controls(&fx).is_empty(), "{c:?}");
        assert!(status(&ui).starts_with("can't"), "{c:?}: {}", status(&ui));
        assert!(status(&ui).contains("Proceeding"), "{}", status(&ui));
        assert_eq!(*ui.view().overlay(), Overlay::None);
    }
    // Ringing-only actions work here …
    let fx = act(&mut ui, &store, Command::Call(CallKey::Reject));
    assert_eq!(controls(&fx)[0].action, ControlAction::Reject);
    // … and are refused on an answered call.
    cmd(&mut ui, &store, Command::Top);
    cmd(&mut ui, &store, Command::Down); // s-talk
    for c in [
        Command::Call(CallKey::Forward),
        Command::Call(CallKey::Reject),
    ] {
        assert!(controls(&cmd(&mut ui, &store, c)).is_empty());
        assert!(status(&ui).contains("ringing"), "{}", status(&ui));
    }
}

#[test]
fn hang_up_needs_confirmation_with_cancel_focused() {
    let (store, mut ui) = ready(Mode::Demo);
    cmd(&mut ui, &store, Command::Down); // s-talk
    assert!(cmd(&mut ui, &store, Command::Call(CallKey::HangUp)).is_empty());
    let Overlay::Confirm(c) = ui.view().overlay() else {
        panic!("no dialog")
    };
    assert!(!c.ok_focused);
    assert!(c.question.contains("Bob Agent"));
    // Enter on the default focus cancels.
    let fx = update(&mut ui, Intent::Submit, &store, now());
    assert!(fx.is_empty());
    assert_eq!(*ui.view().overlay(), Overlay::None);
    assert!(status(&ui).contains("cancelled"));
    // Esc cancels too.
    cmd(&mut ui, &store, Command::Call(CallKey::HangUp));
    assert!(update(&mut ui, Intent::Cancel, &store, now()).is_empty());
    // Moving the focus to the action and confirming sends it.
    cmd(&mut ui, &store, Command::Call(CallKey::HangUp));
    update(&mut ui, Intent::ToggleFocus, &store, now());
    let fx = update(&mut ui, Intent::Submit, &store, now());
    assert_eq!(controls(&fx)[0].action, ControlAction::HangUp);
    assert_eq!(controls(&fx)[0].session(), Some("s-talk"));
}

/// `R` on a ringing call: a prompt (a canned reply by number, or words), then a
/// confirmation with Cancel focused that names the caller, the reply and the agent
/// whose phone rings; confirmed, the reply is sent, and only then.
#[test]
fn reply_prompts_then_confirms_naming_the_caller_and_sends_it() {
    use calltop::core::control::ReplyMessage;
    let (store, mut ui) = ready(Mode::Demo);
    cmd(&mut ui, &store, Command::Bottom); // s-ring, ringing
    assert!(cmd(&mut ui, &store, Command::Call(CallKey::Reply)).is_empty());
    let Overlay::Prompt(p) = ui.view().overlay() else {
        panic!("no prompt: {}", status(&ui))
    };
    assert!(p.kind.label().contains("3 on my way"), "{}", p.kind.label());
    // Nothing typed: nothing sent, and the prompt says so.
    assert!(update(&mut ui, Intent::Submit, &store, now()).is_empty());
    assert!(status(&ui).contains("nothing"), "{}", status(&ui));
    cmd(&mut ui, &store, Command::Call(CallKey::Reply));
    update(&mut ui, Intent::Input('3'), &store, now());
    assert!(update(&mut ui, Intent::Submit, &store, now()).is_empty());
    let Overlay::Confirm(c) = ui.view().overlay() else {
        panic!("no dialog: {}", status(&ui))
    };
    assert!(!c.ok_focused, "Cancel is focused");
    let caller = store.get("s-ring").unwrap().caller().unwrap().from.label();
    assert!(!caller.is_empty());
    assert!(
        c.question
            .starts_with(&format!("Reply to {caller} with “I'm on my way”, for ")),
        "{}",
        c.question
    );
    assert!(
        c.question.contains("instead of an answer"),
        "{}",
        c.question
    );
    // Enter on Cancel sends nothing.
    assert!(update(&mut ui, Intent::Submit, &store, now()).is_empty());
    assert_eq!(status(&ui), "reply “I'm on my way”: cancelled");
    // Words of one's own, confirmed: sent once, on the ringing party.
    cmd(&mut ui, &store, Command::Call(CallKey::Reply));
    for ch in "Back at 3".chars() {
        update(&mut ui, Intent::Input(ch), &store, now());
    }
    update(&mut ui, Intent::Submit, &store, now());
    update(&mut ui, Intent::ToggleFocus, &store, now());
    let fx = update(&mut ui, Intent::Submit, &store, now());
    let sent = controls(&fx);
    assert_eq!(sent.len(), 1, "{fx:?}");
    assert_eq!(sent[0].session(), Some("s-ring"));
    assert_eq!(
        sent[0].action,
        ControlAction::Reply {
            message: ReplyMessage::Text {
                text: "Back at 3".into()
            }
        }
    );
    assert!(
        status(&ui).starts_with("reply “Back at 3” "),
        "{}",
        status(&ui)
    );
    // Done: said of whom, with the reply.
    update(
        &mut ui,
        Event::ControlDone {
            request: sent[0].clone(),
            outcome: Outcome::Done {
                message: "replied “Back at 3”".into(),
            },
        },
        &store,
        now(),
    );
    assert!(
        status(&ui).ends_with(": replied “Back at 3”"),
        "{}",
        status(&ui)
    );
}

/// Read-only: `R` is refused like every control key, in the one wording, which carries
/// the broker's reason when the broker decided it.
#[test]
fn read_only_refuses_reply_in_the_one_wording() {
    for (mode, why, said) in [
        (
            Mode::Live,
            Some("the broker does not let NATS user viewer send control requests"),
            "read-only (the broker does not let NATS user viewer send control requests): control keys are disabled",
        ),
        (Mode::Live, None, "read-only (--read-only): control keys are disabled"),
        (Mode::Replay, None, "read-only (a replay): control keys are disabled"),
    ] {
        let (store, mut ui) = ready_with(BoardConfig {
            read_only: true,
            read_only_why: why.map(str::to_string),
            ..config(mode)
        });
        cmd(&mut ui, &store, Command::Bottom); // s-ring, ringing
        let fx = cmd(&mut ui, &store, Command::Call(CallKey::Reply));
        assert!(fx.is_empty() && *ui.view().overlay() == Overlay::None);
        assert_eq!(status(&ui), said);
        // The supervisor keys say the same.
        cmd(&mut ui, &store, Command::Answer);
        assert_eq!(status(&ui), said);
    }
}

#[test]
fn transfer_prompts_for_a_target_then_confirms() {
    let (store, mut ui) = ready(Mode::Demo);
    cmd(&mut ui, &store, Command::Down); // s-talk
    cmd(&mut ui, &store, Command::Call(CallKey::Transfer));
    assert!(matches!(ui.view().overlay(), Overlay::Prompt(_)));
    for c in "vm:105".chars() {
        update(&mut ui, Intent::Input(c), &store, now());
    }
    update(&mut ui, Intent::Backspace, &store, now());
    update(&mut ui, Intent::Input('6'), &store, now());
    assert!(update(&mut ui, Intent::Submit, &store, now()).is_empty());
    let Overlay::Confirm(c) = ui.view().overlay() else {
        panic!("no dialog")
    };
    assert!(c.question.contains("voicemail 106"), "{}", c.question);
    update(&mut ui, Intent::ToggleFocus, &store, now());
    let fx = update(&mut ui, Intent::Submit, &store, now());
    assert_eq!(
        controls(&fx)[0].action,
        ControlAction::Transfer {
            to: Target::Voicemail("106".into())
        }
    );
    // An empty target sends nothing.
    let (store, mut ui) = ready(Mode::Demo);
    cmd(&mut ui, &store, Command::Down);
    cmd(&mut ui, &store, Command::Call(CallKey::Transfer));
    assert!(update(&mut ui, Intent::Submit, &store, now()).is_empty());
    assert_eq!(*ui.view().overlay(), Overlay::None);
}

#[test]
fn record_starts_pauses_and_resumes_by_state() {
    let (store, mut ui) = ready(Mode::Demo);
    cmd(&mut ui, &store, Command::Down); // s-talk: recording rec-1 active
    let fx = act(&mut ui, &store, Command::Call(CallKey::Record));
    assert_eq!(
        controls(&fx)[0].action,
        ControlAction::PauseRecording {
            recording: "rec-1".into()
        }
    );
    cmd(&mut ui, &store, Command::Top); // s-hold: no recording
    let fx = act(&mut ui, &store, Command::Call(CallKey::Record));
    assert_eq!(controls(&fx)[0].action, ControlAction::StartRecording);
}

#[test]
fn tab_cycles_the_target_party() {
    let (store, mut ui) = ready(Mode::Demo);
    // s-hold: default target is the agent p-hold-2; Tab moves to p-hold-1 (caller, talking).
    cmd(&mut ui, &store, Command::NextParty);
    assert_eq!(
        ui.view().target_party(),
        Some(&("s-hold".into(), "p-hold-1".into()))
    );
    let fx = act(&mut ui, &store, Command::Call(CallKey::Hold));
    assert_eq!(
        controls(&fx)[0],
        ControlRequest::on_party("s-hold", "p-hold-1", ControlAction::Hold)
    );
}

#[test]
fn replay_and_read_only_refuse_every_control_key() {
    for (mode, ro, msg) in [
        (
            Mode::Replay,
            true,
            "read-only (a replay): control keys are disabled",
        ),
        (Mode::Live, true, "read-only"),
    ] {
        let (store, mut ui) = ready_with(BoardConfig {
            read_only: ro,
            ..config(mode)
        });
        for c in [
            Command::Call(CallKey::Hold),
            Command::Call(CallKey::HangUp),
            Command::Call(CallKey::Transfer),
            Command::Call(CallKey::Record),
            Command::Call(CallKey::Mute),
            Command::Call(CallKey::Park),
            Command::Call(CallKey::Forward),
            Command::Call(CallKey::Reject),
        ] {
            let fx = cmd(&mut ui, &store, c);
            assert!(fx.is_empty(), "{mode:?} {c:?}");
            assert_eq!(*ui.view().overlay(), Overlay::None);
            assert!(status(&ui).contains(msg), "{}", status(&ui));
        }
    }
}

#[test]
fn rate_limit_blocks_until_it_expires() {
    let (store, mut ui) = ready(Mode::Demo);
    cmd(&mut ui, &store, Command::Down);
    let fx = act(&mut ui, &store, Command::Call(CallKey::Mute));
    let req = controls(&fx)[0].clone();
    assert_eq!(req.action, ControlAction::Mute { muted: true });
    update(
        &mut ui,
        Event::ControlDone {
            request: req,
            outcome: Outcome::RateLimited {
                retry_after: Duration::from_secs(30),
            },
        },
        &store,
        now(),
    );
    let said = |ui: &UiState| ui.status().unwrap().text_at(now());
    assert_eq!(
        said(&ui),
        "mute: rate limited by the platform, retry in 30s"
    );
    assert!(controls(&cmd(&mut ui, &store, Command::Call(CallKey::Mute))).is_empty());
    assert_eq!(
        said(&ui),
        "mute: not sent, rate limited by the platform, retry in 30s"
    );
    let later = now().plus_millis(31_000);
    update(&mut ui, Event::Tick, &store, later);
    assert_eq!(ui.control().rate_limited_until, None);
    let fx = act_at(&mut ui, &store, Command::Call(CallKey::Mute), later);
    assert_eq!(controls(&fx).len(), 1);
}

#[test]
fn failures_show_the_platform_message() {
    let (store, mut ui) = ready(Mode::Demo);
    cmd(&mut ui, &store, Command::Down);
    let req = controls(&act(&mut ui, &store, Command::Call(CallKey::Park)))[0].clone();
    let msg = "CMN-101: Parameter [parkOrbit] value is invalid";
    let fx = update(
        &mut ui,
        Event::ControlDone {
            request: req,
            outcome: Outcome::Failed {
                message: msg.into(),
            },
        },
        &store,
        now(),
    );
    assert!(fx.is_empty());
    assert_eq!(ui.status().map(|s| s.level), Some(Level::Crit));
    assert_eq!(
        status(&ui),
        format!("Bob Agent +18005550102: park failed: {msg}")
    );
}

#[test]
fn filter_sort_state_filter_and_history() {
    let (store, mut ui) = ready(Mode::Demo);
    cmd(&mut ui, &store, Command::Filter);
    for c in "alice".chars() {
        update(&mut ui, Intent::Input(c), &store, now());
    }
    let ids = |ui: &UiState| {
        ui.rows(&store, now())
            .iter()
            .map(|s| s.id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&ui), vec!["s-ring"]);
    update(&mut ui, Intent::Submit, &store, now());
    assert_eq!(ui.view().filter(), "alice");
    cmd(&mut ui, &store, Command::Back); // Esc clears the filter
    assert_eq!(ids(&ui).len(), 4);
    cmd(&mut ui, &store, Command::StateFilter); // queued: no caller waits in a queue
    assert!(ids(&ui).is_empty());
    cmd(&mut ui, &store, Command::StateFilter); // ringing
    assert_eq!(ids(&ui), vec!["s-ring"]);
    for _ in 0..4 {
        cmd(&mut ui, &store, Command::StateFilter);
    }
    // Sort by timer (longest in state first), then reversed.
    while ui.view().sort() != calltop::tui::view::SortKey::Timer {
        cmd(&mut ui, &store, Command::Sort);
    }
    assert_eq!(ids(&ui), vec!["s-hold", "s-talk", "s-ring", "s-park"]);
    cmd(&mut ui, &store, Command::SortReverse);
    assert_eq!(ids(&ui)[0], "s-park");
    cmd(&mut ui, &store, Command::History);
    assert_eq!(ids(&ui), vec!["s-done"]);
    assert_eq!(ui.view().calls().selected.as_deref(), Some("s-done"));
}

#[test]
fn replay_keys_become_replay_effects() {
    let (store, mut ui) = ready(Mode::Replay);
    let pairs = [
        (Command::Pause, ReplayCmd::TogglePause),
        (Command::Faster, ReplayCmd::Faster),
        (Command::Slower, ReplayCmd::Slower),
        (Command::Step, ReplayCmd::Step),
        (Command::SeekBack, ReplayCmd::Seek(-10_000)),
        (Command::SeekForward, ReplayCmd::Seek(10_000)),
        (Command::SeekBackLong, ReplayCmd::Seek(-60_000)),
        (Command::SeekForwardLong, ReplayCmd::Seek(60_000)),
    ];
    for (c, r) in pairs {
        assert_eq!(cmd(&mut ui, &store, c), vec![Effect::Replay(r)]);
    }
    let (store, mut ui) = ready(Mode::Live);
    assert!(cmd(&mut ui, &store, Command::Pause).is_empty());
    assert_eq!(cmd(&mut ui, &store, Command::Quit), vec![Effect::Quit]);
}

/// `:` asks where to jump; the answer becomes a jump, a typo or a time outside the
/// recording is said and the prompt stays; a click on the progress bar jumps to the
/// time under it; `g` stays "first row".
#[test]
fn the_jump_prompt_and_the_progress_bar_become_jumps() {
    use calltop::source::replay::{JumpTarget, ReplayStatus, Speed};
    use crossterm::event::{Event, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    let (store, mut ui) = ready(Mode::Replay);
    let (start, end) = (at(-3_600), at(3_600));
    let replay = ReplayStatus {
        speed: Speed::X1,
        paused: true,
        pos: start,
        start,
        end,
        applied: 0,
        total: Some(100),
        indexing: None,
        follow: false,
        waiting: false,
        since: tokio::time::Instant::now(),
    };
    update(&mut ui, msg::Event::Replay(replay), &store, now());
    let typed = |ui: &mut UiState, text: &str| {
        assert!(cmd(ui, &store, Command::Jump).is_empty());
        assert!(matches!(ui.view().overlay(), Overlay::Prompt(p) if p.kind == PromptKind::Jump));
        for c in text.chars() {
            update(ui, Intent::Input(c), &store, now());
        }
        update(ui, Intent::Submit, &store, now())
    };
    let fx = typed(&mut ui, "50%");
    assert_eq!(
        fx,
        vec![Effect::Replay(ReplayCmd::Jump(JumpTarget::Fraction(
            500_000
        )))]
    );
    assert_eq!(*ui.view().overlay(), Overlay::None);
    let inside = calltop::tui::views::hms(&ui, now());
    let fx = typed(&mut ui, &inside);
    assert!(matches!(
        fx[..],
        [Effect::Replay(ReplayCmd::Jump(JumpTarget::TimeOfDay(_)))]
    ));
    // A time typed on a board in Paris is Paris's: 14:10 there is 12:10 UTC (now()).
    let (_, mut in_paris) = ready_with(BoardConfig {
        zone: calltop::core::zone::Zone::parse("Europe/Paris").unwrap(),
        ..config(Mode::Replay)
    });
    update(&mut in_paris, msg::Event::Replay(replay), &store, now());
    let paris = calltop::tui::views::hms(&in_paris, now());
    assert_eq!(paris, "14:10:00");
    assert_eq!(
        typed(&mut in_paris, &paris),
        vec![Effect::Replay(ReplayCmd::Jump(JumpTarget::TimeOfDay(
            (12 * 60 + 10) * 60_000
        )))]
    );
    assert!(typed(&mut ui, "10:4x").is_empty());
    assert!(status(&ui).contains("10:42 or 10:42:30"), "{}", status(&ui));
    assert!(
        matches!(ui.view().overlay(), Overlay::Prompt(_)),
        "kept open to fix"
    );
    update(&mut ui, Intent::Cancel, &store, now());
    let outside = calltop::tui::views::hms(&ui, at(4 * 3_600));
    assert!(typed(&mut ui, &outside).is_empty());
    assert!(
        status(&ui).contains("is not in the recording"),
        "{}",
        status(&ui)
    );
    update(&mut ui, Intent::Cancel, &store, now());
    // The progress bar: its first and last columns are the two ends (within a column).
    ui.view_mut().set_size(120, 40);
    let row = calltop::tui::views::progress_row(&ui).unwrap();
    let click = |column| {
        Event::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    let jump = |ui: &UiState, column| match calltop::tui::input::msg_for(&click(column), ui) {
        Some(Msg::Intent(Intent::JumpTo(t))) => Some(t),
        _ => None,
    };
    assert_eq!(jump(&ui, 3), None, "the clock label is not the bar");
    let first = (0..120).find_map(|c| jump(&ui, c)).unwrap();
    let last = (0..120).rev().find_map(|c| jump(&ui, c)).unwrap();
    assert!(start.millis_until(first) < 7_200_000 / 80 && last.millis_until(end) < 7_200_000 / 80);
    let fx = update(&mut ui, Intent::JumpTo(first), &store, now());
    assert_eq!(
        fx,
        vec![Effect::Replay(ReplayCmd::Jump(JumpTarget::At(first)))]
    );
    // `g` is still the first row.
    let key = Event::Key(crossterm::event::KeyEvent::from(
        crossterm::event::KeyCode::Char('g'),
    ));
    assert_eq!(
        calltop::tui::input::msg_for(&key, &ui),
        Some(Intent::Cmd(Command::Top).into())
    );
}

/// Following a file, the board starts at its end: `0` goes back to its start (shown
/// in the footer then, and in the help always); a jump at max says it pauses there
/// (issue 23, item 21).
#[test]
fn rewind_goes_back_to_the_start_and_a_jump_at_max_says_it_pauses() {
    use calltop::source::replay::{JumpTarget, ReplayStatus, Speed};
    let (store, mut ui) = ready(Mode::Replay);
    let (start, end) = (at(-3_600), at(3_600));
    let following = ReplayStatus {
        speed: Speed::X1,
        paused: false,
        pos: end,
        start,
        end,
        applied: 100,
        total: None,
        indexing: None,
        follow: true,
        waiting: false,
        since: tokio::time::Instant::now(),
    };
    update(&mut ui, msg::Event::Replay(following), &store, now());
    let key = crossterm::event::Event::Key(crossterm::event::KeyEvent::from(
        crossterm::event::KeyCode::Char('0'),
    ));
    assert_eq!(
        calltop::tui::input::msg_for(&key, &ui),
        Some(Intent::Cmd(Command::Rewind).into())
    );
    assert_eq!(
        cmd(&mut ui, &store, Command::Rewind),
        vec![Effect::Replay(ReplayCmd::Jump(JumpTarget::At(start)))]
    );
    let term = render_at(&store, &mut ui, now(), 200, 50);
    let screen = format!("{:?}", term.backend());
    assert!(screen.contains("0 start"), "footer names the way back");
    let not_following = ReplayStatus {
        speed: Speed::Max,
        follow: false,
        ..following
    };
    update(&mut ui, msg::Event::Replay(not_following), &store, now());
    assert!(cmd(&mut ui, &store, Command::Jump).is_empty());
    for c in "50%".chars() {
        update(&mut ui, Intent::Input(c), &store, now());
    }
    update(&mut ui, Intent::Submit, &store, now());
    assert!(status(&ui).contains("paused"), "{}", status(&ui));
}

#[test]
fn bell_rings_once_when_a_call_turns_red() {
    let (store, mut ui) = ready_with(BoardConfig {
        bell: true,
        ..config(Mode::Demo)
    });
    assert_eq!(
        update(&mut ui, Event::Tick, &store, now()),
        vec![Effect::Bell]
    );
    assert!(update(&mut ui, Event::Tick, &store, now()).is_empty());
}

#[test]
fn keymap_overrides_duplicates_and_generated_help() {
    let km = Keymap::from_config("# mine\nhold = ctrl-h\nhang-up = X\n").expect("valid");
    let hints = km.hints(&[Command::Call(CallKey::Hold), Command::Call(CallKey::HangUp)]);
    assert_eq!(
        hints,
        vec![("Ctrl-h".to_string(), "hold"), ("X".to_string(), "hang up")]
    );
    assert!(km.markdown().contains("`Ctrl-h`"));
    let help: Vec<String> = km
        .help()
        .into_iter()
        .flat_map(|(_, r)| r.into_iter().map(|(k, _)| k))
        .collect();
    assert!(help.contains(&"X".to_string()) && !help.contains(&"x".to_string()));
    assert_eq!(
        Keymap::from_config("hold = x").unwrap_err(),
        KeymapError::Duplicate {
            key: "x".into(),
            a: "hold",
            b: "hang-up"
        }
    );
    assert!(matches!(
        Keymap::from_config("explode = z"),
        Err(KeymapError::UnknownAction { line: 1, .. })
    ));
    assert!(matches!(
        Keymap::from_config("\nhold"),
        Err(KeymapError::Syntax { line: 2 })
    ));
    assert!(matches!(
        Keymap::from_config("hold = ctrl-"),
        Err(KeymapError::BadKey { .. })
    ));
}

#[test]
fn readme_key_table_is_the_generated_one() {
    let readme = include_str!("../../README.md");
    assert!(
        readme.contains(&Keymap::default().markdown()),
        "README.md key table is out of date: paste `calltop demo --print-keys`"
    );
}

#[test]
fn flip_prompts_for_a_number_from_one_to_eight_then_confirms() {
    let (store, mut ui) = ready(Mode::Demo);
    cmd(&mut ui, &store, Command::Down); // s-talk, answered
    cmd(&mut ui, &store, Command::Call(CallKey::Flip));
    assert!(
        matches!(ui.view().overlay(), Overlay::Prompt(p) if p.kind == PromptKind::Call(CallKey::Flip))
    );
    update(&mut ui, Intent::Input('9'), &store, now());
    assert!(update(&mut ui, Intent::Submit, &store, now()).is_empty());
    assert!(status(&ui).contains("1 to 8"), "{}", status(&ui));
    assert!(
        matches!(ui.view().overlay(), Overlay::Prompt(_)),
        "the prompt stays to fix it"
    );
    update(&mut ui, Intent::Backspace, &store, now());
    update(&mut ui, Intent::Input('3'), &store, now());
    assert!(update(&mut ui, Intent::Submit, &store, now()).is_empty());
    let Overlay::Confirm(c) = ui.view().overlay() else {
        panic!("no dialog")
    };
    assert!(
        c.question
            .starts_with("Flip Bob Agent +18005550102 to call-flip number 3?"),
        "{}",
        c.question
    );
    assert!(!c.ok_focused);
    update(&mut ui, Intent::ToggleFocus, &store, now());
    let fx = update(&mut ui, Intent::Submit, &store, now());
    assert_eq!(
        controls(&fx)[0].action,
        ControlAction::Flip {
            to: FlipNumber::parse("3").unwrap()
        }
    );
    // Not on a ringing party.
    cmd(&mut ui, &store, Command::Bottom); // s-ring
    cmd(&mut ui, &store, Command::Call(CallKey::Flip));
    assert_eq!(*ui.view().overlay(), Overlay::None);
    assert!(status(&ui).contains("can't flip"), "{}", status(&ui));
}

#[test]
fn while_disconnected_the_board_shows_data_as_of_the_drop() {
    use calltop::source::ConnState;
    let (store, mut ui) = ready(Mode::Live);
    update(&mut ui, Event::Conn(ConnState::Live), &store, now());
    ui.set_lag(Some(120));
    assert_ne!(
        calltop::tui::app::clock_now(&ui),
        now(),
        "live: the wall clock"
    );
    let dropped = now();
    let offline = ConnState::Offline {
        retry_at: dropped.plus_millis(5_000),
        attempt: 1,
        reason: "socket closed".into(),
    };
    update(&mut ui, Event::Conn(offline.clone()), &store, dropped);
    assert_eq!(ui.feed().stale_since, Some(dropped));
    assert_eq!(ui.feed().lag_ms, None, "lag is unknown while offline");
    // The board's clock stops at the drop: timers and alerts don't move on.
    assert_eq!(calltop::tui::app::clock_now(&ui), dropped);
    // Another offline state (next attempt) keeps the first drop time.
    update(
        &mut ui,
        Event::Conn(offline),
        &store,
        dropped.plus_millis(9_000),
    );
    assert_eq!(ui.feed().stale_since, Some(dropped));
    // Live again: the clock runs.
    update(
        &mut ui,
        Event::Conn(ConnState::Resubscribed),
        &store,
        dropped.plus_millis(20_000),
    );
    assert_eq!(ui.feed().stale_since, None);
    assert_ne!(calltop::tui::app::clock_now(&ui), dropped);
}

/// A live board that never connected (the platform refused its login) has heard
/// nothing: its counts and times are unknown (`—`), not zero; once events come, they
/// are counted.
#[test]
fn a_board_that_never_connected_shows_its_counts_unknown_not_zero() {
    use calltop::source::ConnState;
    let store = calltop::core::SessionStore::default();
    let mut ui = UiState::new(config(Mode::Live));
    let offline = ConnState::Offline {
        retry_at: now().plus_millis(60_000),
        attempt: 1,
        reason: "login: rate limited: retry in 60s".into(),
    };
    update(&mut ui, Event::Conn(offline), &store, now());
    ui.sync(&store, now());
    let a = render(&store, &mut ui, now()).backend().to_string();
    assert!(a.contains("— calls"), "{a}");
    assert!(
        a.contains("— answered") && a.contains("ring avg — max —"),
        "{a}"
    );
    assert!(!a.contains("0 calls") && !a.contains("0 events"), "{a}");
    // The board store (four calls heard): counted, even before the socket is live.
    let (store, mut ui) = ready(Mode::Live);
    let offline = ConnState::Offline {
        retry_at: now().plus_millis(60_000),
        attempt: 1,
        reason: "connect: connection refused".into(),
    };
    update(&mut ui, Event::Conn(offline), &store, now());
    let b = render(&store, &mut ui, now()).backend().to_string();
    assert!(!b.contains("— calls") && b.contains(" calls"), "{b}");
}

#[test]
fn offline_the_board_says_data_is_as_of_the_drop_and_its_timers_stand_still() {
    use calltop::source::ConnState;
    let (store, mut ui) = ready(Mode::Live);
    update(&mut ui, Event::Conn(ConnState::Live), &store, now());
    let dropped = now();
    let offline = ConnState::Offline {
        retry_at: dropped.plus_millis(60_000),
        attempt: 3,
        reason: "connect: connection refused".into(),
    };
    update(&mut ui, Event::Conn(offline), &store, dropped);
    let frame = |ui: &mut UiState, wall_secs: i64| {
        ui.set_wall(dropped.plus_millis(wall_secs * 1000));
        let clock = calltop::tui::app::clock_now(ui);
        render(&store, ui, clock).backend().to_string()
    };
    let a = frame(&mut ui, 42);
    assert!(a.contains("data as of 12:10:00 · offline 42s"), "{a}");
    assert!(a.contains("as of 12:10:00 (offline)"), "{a}");
    assert!(!a.contains("lag "), "no lag while offline:\n{a}");
    // Nor a rate frozen at its last value, nor calls said to be in progress "now".
    assert!(a.contains("— ev/s"), "{a}");
    assert!(a.contains("last known: ") && !a.contains("now: "), "{a}");
    // The header's clock is the wall's: it runs on while the data stands still.
    assert!(a.contains("12:10:42 UTC"), "{a}");
    let b = frame(&mut ui, 57);
    assert!(b.contains("offline 57s"), "{b}");
    // At 80 columns the header still says so: the state and the time of the data, in
    // short (the reason and the outage length make way, not the whole item).
    ui.set_wall(dropped.plus_millis(57_000));
    let clock = calltop::tui::app::clock_now(&ui);
    let narrow = render_at(&store, &mut ui, clock, 80, 24)
        .backend()
        .to_string();
    let top = narrow.lines().next().unwrap_or_default();
    assert!(top.contains("offline (retry in 3s, attempt 3)"), "{narrow}");
    assert!(top.contains("as of 12:10:00"), "{narrow}");
    assert!(!top.contains("connection refused"), "{narrow}");
    // Only the outage length moved: every call's row (timers included) stands still.
    let rows = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| l.contains("s-") || l.contains("Talk") || l.contains("Hold"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(rows(&a), rows(&b));
}

#[test]
fn the_history_and_detail_show_the_platforms_outcome_markers_and_ids() {
    let (mut store, mut ui) = ready_with(BoardConfig {
        call_log: true,
        ..config(Mode::Live)
    });
    let line = json!({
        "receivedAt": "2024-05-01T12:05:00.000Z",
        "callLog": {
            "telephonySessionId": "s-done",
            "records": [{
                "id": "CL-77", "sessionId": "1", "telephonySessionId": "s-done",
                "result": "Accepted", "startTime": "2024-05-01T12:01:40.000Z",
                "recording": {"id": "REC-9", "contentUri": "https://media.example/recording/REC-9/content?access_token=SECRET"},
                "legs": [{"result": "Accepted", "partyId": "p-done-1", "telephonySessionId": "s-done"}]
            }]
        }
    });
    let parsed = calltop::wire::parse(&line.to_string()).expect("a callLog line parses");
    store.ingest(parsed, now());
    cmd(&mut ui, &store, Command::History);
    let screen = render(&store, &mut ui, now()).backend().to_string();
    assert!(
        screen.contains("Answered ⏺"),
        "platform result and the recording marker:\n{screen}"
    );
    cmd(&mut ui, &store, Command::Open);
    let screen = render(&store, &mut ui, now()).backend().to_string();
    assert!(screen.contains("call log CL-77"), "{screen}");
    assert!(screen.contains("⏺ REC-9"), "{screen}");
    // u: the recording's link, said and copied — never with the access token.
    let fx = cmd(&mut ui, &store, Command::Link);
    let uri = "https://media.example/recording/REC-9/content";
    assert_eq!(fx, vec![Effect::Copy(uri.to_string())]);
    assert!(
        status(&ui).contains(uri) && status(&ui).contains("copied"),
        "{}",
        status(&ui)
    );
    // A call whose records are still awaited says so.
    let (store, mut ui) = ready_with(BoardConfig {
        call_log: true,
        ..config(Mode::Live)
    });
    cmd(&mut ui, &store, Command::History);
    let screen = render(&store, &mut ui, now()).backend().to_string();
    assert!(screen.contains("Platform"), "{screen}");
    // The Platform cell of the call (under its header) says it is awaited.
    let lines: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    let header = lines
        .iter()
        .find(|l| l.iter().collect::<String>().contains("Platform"))
        .unwrap();
    let at = (0..header.len())
        .find(|&i| header[i..].iter().take(8).collect::<String>() == "Platform")
        .unwrap();
    assert!(
        lines
            .iter()
            .any(|l| l.iter().collect::<String>().contains("Answered") && l.get(at) == Some(&'…')),
        "{screen}"
    );
}

fn agent_effects(fx: &[Effect]) -> Vec<ControlRequest> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Control(r) if r.session().is_none() => Some(r.clone()),
            _ => None,
        })
        .collect()
}

fn confirm_text(ui: &UiState) -> String {
    match ui.view().overlay() {
        Overlay::Confirm(c) => {
            assert!(!c.ok_focused, "Cancel is focused");
            c.question.clone()
        }
        o => panic!("no confirm: {o:?} ({})", status(ui)),
    }
}

#[test]
fn a_q_w_switch_views_and_the_same_key_or_esc_goes_back() {
    use calltop::tui::state::Screen;
    let store = center_store();
    let mut ui = ui(Mode::Demo);
    for (key, screen) in [
        (Command::Agents, Screen::Agents),
        (Command::Queues, Screen::Queues),
        (Command::Wallboard, Screen::Wallboard),
    ] {
        cmd(&mut ui, &store, key);
        assert_eq!(ui.view().screen(), screen);
        cmd(&mut ui, &store, key);
        assert_eq!(
            ui.view().screen(),
            Screen::Board,
            "{key:?} again: the calls"
        );
        cmd(&mut ui, &store, key);
        cmd(&mut ui, &store, Command::Back);
        assert_eq!(
            ui.view().screen(),
            Screen::Board,
            "{key:?} then Esc: the calls"
        );
    }
    // The agents view starts on the agent needing a supervisor most: Bob, ringing.
    cmd(&mut ui, &store, Command::Agents);
    assert_eq!(ui.view().agents().selected.as_deref(), Some("202"));
    // Then on hold, longest first: Cy since 500 s; Erin (105) holds since 590 s, when
    // her other call was parked (she was on a call till then).
    cmd(&mut ui, &store, Command::Down);
    assert_eq!(
        ui.view().agents().selected.as_deref(),
        Some("203"),
        "Cy, on hold"
    );
    // Enter: Cy's current call, its detail open on the calls screen.
    cmd(&mut ui, &store, Command::Open);
    assert_eq!(ui.view().screen(), Screen::Board);
    assert!(ui.view().detail());
    assert_eq!(ui.view().calls().selected.as_deref(), Some("c-3"));
}

#[test]
fn enter_on_a_queue_lists_its_agents_and_esc_closes_it() {
    use calltop::tui::state::Screen;
    let store = center_store();
    let mut ui = ui(Mode::Demo);
    cmd(&mut ui, &store, Command::Queues);
    assert_eq!(ui.view().queues().selected.as_deref(), Some("800"));
    cmd(&mut ui, &store, Command::Down);
    assert_eq!(ui.view().queues().selected.as_deref(), Some("801"));
    cmd(&mut ui, &store, Command::Open);
    assert_eq!(ui.view().open_queue(), Some("801"));
    // Support's agents by state: Cy on hold, Eve available, Fay offline.
    assert_eq!(ui.view().members().selected.as_deref(), Some("203"));
    cmd(&mut ui, &store, Command::Bottom);
    assert_eq!(ui.view().members().selected.as_deref(), Some("206"));
    cmd(&mut ui, &store, Command::Back);
    assert_eq!(
        (ui.view().screen(), ui.view().open_queue()),
        (Screen::Queues, None)
    );
}

#[test]
fn o_toggles_an_agents_queue_calls_after_a_confirm_naming_agent_and_queue() {
    let store = center_store();
    let mut ui = ui(Mode::Demo);
    cmd(&mut ui, &store, Command::Queues);
    cmd(&mut ui, &store, Command::Down); // Support
    cmd(&mut ui, &store, Command::Open);
    cmd(&mut ui, &store, Command::Down); // Eve, not taking Support's calls
    assert_eq!(ui.view().members().selected.as_deref(), Some("205"));
    let fx = cmd(&mut ui, &store, Command::QueueCalls);
    assert!(agent_effects(&fx).is_empty(), "nothing before the confirm");
    let q = confirm_text(&ui);
    assert!(
        q.starts_with("Take calls of queue Support for Eve Evans (ext 105)?"),
        "{q}"
    );
    update(&mut ui, Intent::ToggleFocus, &store, now());
    let fx = update(&mut ui, Intent::Submit, &store, now());
    let sent = agent_effects(&fx);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].target_id(), "205");
    assert_eq!(
        sent[0].action,
        ControlAction::AcceptQueueCalls {
            queue: "801".into(),
            accept: true
        }
    );
    // In the agents view, Eve's first queue (Sales), where she takes calls: stop.
    ui = ui_at_agent(&store, "205");
    cmd(&mut ui, &store, Command::QueueCalls);
    let q = confirm_text(&ui);
    assert!(
        q.starts_with("Stop taking calls of queue Sales for Eve Evans (ext 105)?"),
        "{q}"
    );
    assert!(q.contains("Also in: Support"), "{q}");
    // Esc: nothing sent.
    let fx = update(&mut ui, Intent::Cancel, &store, now());
    assert!(agent_effects(&fx).is_empty());
}

fn ui_at_agent(store: &calltop::core::SessionStore, id: &str) -> UiState {
    ui_at_agent_with(store, id, config(Mode::Demo))
}

/// The same, on a board configured otherwise.
fn ui_at_agent_with(store: &calltop::core::SessionStore, id: &str, config: BoardConfig) -> UiState {
    let mut ui = UiState::new(config);
    cmd(&mut ui, store, Command::Agents);
    for _ in 0..20 {
        if ui.view().agents().selected.as_deref() == Some(id) {
            return ui;
        }
        cmd(&mut ui, store, Command::Down);
    }
    panic!("no agent {id}");
}

#[test]
fn l_listens_in_on_the_agent_who_answered_and_a_answers_on_the_supervisors_device() {
    let store = center_store();
    // From the agents view: Ann's call.
    let mut on_agent = ui_at_agent(&store, "201");
    let q = {
        cmd(&mut on_agent, &store, Command::Listen);
        confirm_text(&on_agent)
    };
    assert!(
        q.starts_with("Listen in on Ann Archer (ext 101) from your device?"),
        "{q}"
    );
    assert!(
        q.contains("*81") && q.contains("*82") && q.contains("*83"),
        "{q}"
    );
    update(&mut on_agent, Intent::ToggleFocus, &store, now());
    let fx = update(&mut on_agent, Intent::Submit, &store, now());
    let sent = controls(&fx);
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].session().unwrap_or_default(), sent[0].target_id()),
        ("c-1", "c1-3")
    );
    assert_eq!(
        sent[0].action,
        ControlAction::Supervise {
            agent: "201".into()
        }
    );
    // On the calls screen: the call waiting in Sales has nobody to listen to; `a`
    // answers Bob's ringing leg on the supervisor's device.
    let mut ui = ui(Mode::Demo);
    ui.view_mut().select_row(3, "c-2");
    ui.sync(&store, now());
    assert_eq!(ui.view().calls().selected.as_deref(), Some("c-2"));
    cmd(&mut ui, &store, Command::Listen);
    assert!(
        status(&ui).contains("no agent is on this call"),
        "{}",
        status(&ui)
    );
    let fx = act(&mut ui, &store, Command::Answer);
    let sent = controls(&fx);
    assert_eq!(sent[0].action, ControlAction::Answer);
    assert_eq!(sent[0].target_id(), "c2-3");
    // A parked call is picked up.
    ui.view_mut().select("s-park");
    ui.view_mut().set_pinned(Some("s-park".into()));
    ui.sync(&store, now());
    cmd(&mut ui, &store, Command::Answer);
    assert!(confirm_text(&ui).starts_with("Pick up the parked call of"));
}

/// Answer and listen-in with no device to use (`demo` found none meant for listening
/// in): the key says so in one line naming `--device-id` and opens no dialog.
#[test]
fn l_and_a_without_a_device_say_so_on_screen_and_open_no_dialog() {
    let store = center_store();
    let why = "3 of your devices are Online (1 desk, 2 soft, 3 other): choose one with --device-id";
    let no_device = BoardConfig {
        no_device: Some(why.into()),
        ..config(Mode::Demo)
    };
    let mut agents = ui_at_agent_with(&store, "201", no_device);
    let ui = &mut agents;
    let fx = cmd(ui, &store, Command::Listen);
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(*ui.view().overlay(), Overlay::None, "no confirmation");
    let said = format!("listen in needs your device: {why}");
    assert_eq!(status(ui), said);
    let screen = {
        let term = render(&store, ui, now());
        let buf = term.backend().buffer().clone();
        (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
    };
    let shown: Vec<&String> = screen.iter().filter(|l| l.contains("needs your")).collect();
    assert_eq!(shown.len(), 1, "{}", screen.join("\n"));
    assert!(shown[0].contains(&said), "{}", shown[0]);
    assert!(!screen.iter().any(|l| l.contains("Listen in on")));

    // `a` on the ringing leg of the calls screen: the same, no dialog.
    let mut ui = UiState::new(BoardConfig {
        no_device: Some(why.into()),
        ..config(Mode::Demo)
    });
    ui.view_mut().select_row(3, "c-2");
    ui.sync(&store, now());
    let fx = cmd(&mut ui, &store, Command::Answer);
    assert!(fx.is_empty() && *ui.view().overlay() == Overlay::None);
    assert_eq!(status(&ui), format!("answer needs your device: {why}"));
    // Actions that need no device still ask as before.
    cmd(&mut ui, &store, Command::Call(CallKey::HangUp));
    assert!(matches!(ui.view().overlay(), Overlay::Confirm(_)));
}

#[test]
fn supervisor_keys_are_refused_read_only_and_in_replay() {
    let store = center_store();
    for mode in [Mode::Live, Mode::Replay] {
        let read_only = BoardConfig {
            mode,
            read_only: true,
            ..config(Mode::Demo)
        };
        let mut ui = ui_at_agent_with(&store, "201", read_only);
        for k in [Command::Listen, Command::Answer, Command::QueueCalls] {
            let fx = cmd(&mut ui, &store, k);
            assert!(
                fx.is_empty() && *ui.view().overlay() == Overlay::None,
                "{k:?}"
            );
            assert!(
                status(&ui).contains("read-only"),
                "{mode:?} {k:?}: {}",
                status(&ui)
            );
        }
    }
}

#[test]
fn a_click_in_the_overview_selects_the_calls_row_under_the_queue_strip() {
    use crossterm::event::{Event, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    let (store, mut ui) = ready(Mode::Demo);
    update(&mut ui, msg::Event::Resize(200, 50), &store, now());
    let click = |column, row| {
        Event::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    // The overview: header, the queue strip, then the calls table's title and header.
    let first = calltop::tui::views::header_height(&ui) + calltop::tui::views::STRIP_ROWS + 2;
    assert_eq!(calltop::tui::views::table_first_row(&ui), first);
    let a = calltop::tui::input::msg_for(&click(10, first + 2), &ui).unwrap();
    assert_eq!(a, Intent::Click(2).into());
    update(&mut ui, a, &store, now());
    // Rows by start: s-hold, s-talk, s-park, s-ring.
    assert_eq!(ui.view().calls().selected.as_deref(), Some("s-park"));
    // The agents beside the calls have no cursor: a click there selects nothing.
    assert_eq!(
        calltop::tui::input::msg_for(&click(190, first + 1), &ui),
        None
    );
    // Below the overview's size the table starts under the header, as before.
    update(&mut ui, msg::Event::Resize(120, 40), &store, now());
    let first = calltop::tui::views::header_height(&ui) + 2;
    let a = calltop::tui::input::msg_for(&click(10, first + 1), &ui).unwrap();
    assert_eq!(a, Intent::Click(1).into());
    update(&mut ui, a, &store, now());
    assert_eq!(ui.view().calls().selected.as_deref(), Some("s-talk"));
}

/// `o` done: the status line names the agent and the queue as the board does, not by
/// their ids (issue 23, item 3).
#[test]
fn a_queue_setting_done_is_said_with_names() {
    let store = center_store();
    let mut ui = ui(Mode::Demo);
    let request = ControlRequest::on_agent(
        "205",
        ControlAction::AcceptQueueCalls {
            queue: "801".into(),
            accept: false,
        },
    );
    let outcome = Outcome::Done {
        message: "205 no longer takes calls of queue 801".into(),
    };
    update(
        &mut ui,
        Event::ControlDone { request, outcome },
        &store,
        now(),
    );
    assert_eq!(
        status(&ui),
        "Eve Evans (ext 105) no longer takes calls of Support"
    );
}

/// `l` on a parked call says why it cannot listen in: the call is parked (issue 23,
/// item 17: it said nobody had answered).
#[test]
fn listen_in_on_a_parked_call_says_it_is_parked() {
    let store = board_store();
    let mut ui = ui(Mode::Demo);
    ui.view_mut().select("s-park");
    update(&mut ui, Intent::Cmd(Command::Listen), &store, now());
    assert_eq!(*ui.view().overlay(), Overlay::None, "no confirmation");
    assert_eq!(
        status(&ui),
        "can't listen in: the call is parked, nobody talks on it"
    );
}

/// A call that reached an agent through a queue: every message names the agent by the
/// directory (name and extension), never by the number the caller dialled; a number the
/// directory knows is named; an extension the directory lacks is flagged before anything
/// is sent (issue 23, items 18 and 19).
#[test]
fn messages_name_who_and_what_from_the_directory() {
    // c-1: Ann answered a Sales call; her leg's `to` is the number the caller dialled.
    let store = center_store();
    let mut ui = ui(Mode::Demo);
    ui.view_mut().set_pinned(Some("c-1".into()));
    ui.view_mut().select("c-1");
    ui.sync(&store, now());
    assert_eq!(ui.view().calls().selected.as_deref(), Some("c-1"));
    ui.view_mut()
        .set_target_party(Some(("c-1".into(), "c1-3".into())));
    cmd(&mut ui, &store, Command::Call(CallKey::Hold));
    let q = confirm_text(&ui);
    assert!(q.starts_with("Hold Ann Archer (ext 101)?"), "{q}");
    assert!(!q.contains("+18005550100?"), "not the number dialled: {q}");
    update(&mut ui, Intent::ToggleFocus, &store, now());
    let fx = update(&mut ui, Intent::Submit, &store, now());
    assert_eq!(status(&ui), "hold Ann Archer (ext 101): sent…");
    let request = controls(&fx).remove(0);
    let outcome = Outcome::Done {
        message: "on hold".into(),
    };
    update(
        &mut ui,
        Event::ControlDone { request, outcome },
        &store,
        now(),
    );
    assert_eq!(status(&ui), "Ann Archer (ext 101): on hold");

    // A transfer to an extension the directory has is named; one it lacks is flagged.
    for (typed, says) in [
        ("106", "to ext 106 (Fay Fox (ext 106))?"),
        (
            "99999",
            "to ext 99999 (not in the directory: check the number)?",
        ),
    ] {
        cmd(&mut ui, &store, Command::Call(CallKey::Transfer));
        for c in typed.chars() {
            update(&mut ui, Intent::Input(c), &store, now());
        }
        update(&mut ui, Intent::Submit, &store, now());
        let q = confirm_text(&ui);
        assert!(q.starts_with("Transfer Ann Archer (ext 101) "), "{q}");
        assert!(q.lines().next().unwrap().ends_with(says), "{q}");
        update(&mut ui, Intent::Cancel, &store, now());
    }
}

/// The queue detail names the agents a waiting caller rings and for how long (issue 23,
/// item 24): from the center, the agent legs of that call still ringing.
#[test]
fn a_waiting_call_names_the_agents_it_rings() {
    let store = center_store();
    let c = store.center();
    let offers: Vec<_> = c
        .offered_to("c-2")
        .into_iter()
        .map(|(a, call)| (a.id.clone(), call.since))
        .collect();
    assert_eq!(offers, vec![("202".to_string(), at(580))]);
    assert!(c.offered_to("c-1").is_empty(), "answered: rings nobody");
}

/// A warning of the source (late call outcomes because of the shared rate budget) is
/// said on the status line as a warning (issue 23: "the status says when outcomes are
/// late because of the budget").
#[test]
fn a_source_warning_is_said_on_the_status_line() {
    let (store, mut ui) = ready(Mode::Live);
    let text = "call outcomes late: call log rate-limited, next try in 9 s (3 calls waiting)";
    update(&mut ui, Event::Notice(text.into()), &store, now());
    assert_eq!(status(&ui), text);
    assert_eq!(ui.status().map(|s| s.level), Some(Level::Warn));
}

/// A platform clock a little ahead of ours reads `lag 0ms`, never `lag -1ms` (issue 23,
/// item 15): no event arrives before it happened.
#[test]
fn the_lag_never_reads_below_zero() {
    use calltop::source::ConnState;
    let (store, mut ui) = ready(Mode::Live);
    update(&mut ui, Event::Conn(ConnState::Live), &store, now());
    for (lag, says) in [(-1, "lag 0ms"), (-250, "lag 0ms"), (120, "lag 120ms")] {
        ui.set_lag(Some(lag));
        let screen = render(&store, &mut ui, now()).backend().to_string();
        assert!(screen.contains(says), "{lag}: {screen}");
        assert!(!screen.contains("lag -"), "{screen}");
    }
}

/// Over several accounts the same names and extensions stand in each: the confirm
/// dialog names the account of the call it acts on; a board of one account does not.
#[test]
fn the_confirm_dialog_names_the_account_on_a_board_over_several() {
    let store = two_account_store();
    let mut ui = UiState::new(config(Mode::Live));
    ui.sync(&store, now());
    cmd(&mut ui, &store, Command::Call(CallKey::HangUp));
    let first = confirm_text(&ui);
    assert!(
        first.contains("+14155550199") && first.contains("\nAccount: 400999"),
        "{first}"
    );
    update(&mut ui, Intent::Cancel, &store, now());
    cmd(&mut ui, &store, Command::Down);
    cmd(&mut ui, &store, Command::Call(CallKey::HangUp));
    let second = confirm_text(&ui);
    assert!(second.contains("\nAccount: 400123"), "{second}");

    let one = center_store();
    let mut ui = UiState::new(config(Mode::Live));
    ui.sync(&one, now());
    cmd(&mut ui, &one, Command::Call(CallKey::HangUp));
    let alone = confirm_text(&ui);
    assert!(!alone.contains("Account"), "{alone}");
}
