//! What a supervisor trying the board found wrong, each pinned by a test: figures,
//! words, the target party, counters, sort, detail, scrolling, small terminals,
//! confirms, messages and line editing.

use crate::support as tui_support;

use calltop::core::control::CallKey;
use calltop::tui::keymap::Command;
use calltop::tui::msg::{Event, Intent};
use calltop::tui::reducer::update;
use calltop::tui::state::{BoardConfig, Mode, UiState};
use calltop::wire::Ts;
use tui_support::*;

fn line_with<'a>(lines: &'a [String], needle: &str) -> &'a str {
    lines
        .iter()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in\n{}", lines.join("\n")))
}

#[test]
fn history_shows_call_level_ring_talk_hold() {
    let store = calls::store_of(calls::PSTN_TO_RC);
    let mut ui = ui(Mode::Replay);
    update(
        &mut ui,
        Intent::Cmd(Command::History),
        &store,
        Ts(calls::T0),
    );
    let term = render(&store, &mut ui, Ts(calls::T0 + 60_000));
    let l = lines(&term);
    let row = line_with(&l, "Answered");
    let cells: Vec<&str> = row.split_whitespace().collect();
    // Total, ring (waited for an answer), talk (with the user), hold.
    assert!(
        cells.ends_with(&["Answered", "30s", "16s", "12s", "2s"]),
        "{row}"
    );
}

/// A conference: caller -1, agents -2 and -3, all answered.
const CONFERENCE: &[calls::Change] = &[
    (2, 0, "-1", "Outbound", "Answered", None, false),
    (3, 0, "-2", "Inbound", "Answered", None, true),
    (4, 0, "-3", "Inbound", "Answered", None, true),
];

fn target_id(ui: &calltop::tui::state::UiState, store: &calltop::core::SessionStore) -> String {
    let s = store.get("s-1").expect("the call");
    s.parties[ui.target_index(s).expect("a target")].id.clone()
}

#[test]
fn the_target_moves_off_a_party_that_left() {
    let now = Ts(calls::T0 + 5_000);
    // A Tab-chosen target leaves.
    let mut store = calls::store_of(CONFERENCE);
    let mut ui = ui(Mode::Demo);
    ui.view_mut().select("s-1");
    assert_eq!(
        target_id(&ui, &store),
        "p-1-2",
        "the default: the first agent"
    );
    update(&mut ui, Intent::Cmd(Command::NextParty), &store, now);
    assert_eq!(target_id(&ui, &store), "p-1-3");
    let mut changes = CONFERENCE.to_vec();
    changes.push((5, 2_000, "-3", "Inbound", "Disconnected", None, true));
    store = calls::store_of(&changes);
    assert_eq!(
        target_id(&ui, &store),
        "p-1-2",
        "back to a party still in the call"
    );
    let term = render(&store, &mut ui, now);
    let l = lines(&term);
    let row = line_with(&l, "+14083388064");
    assert!(row.contains("▸● Answered") && !row.contains("▸✕"), "{row}");
    // Tab skips the party that left: -2 → -1 → -2.
    update(&mut ui, Intent::Cmd(Command::NextParty), &store, now);
    assert_eq!(target_id(&ui, &store), "p-1-1");
    update(&mut ui, Intent::Cmd(Command::NextParty), &store, now);
    assert_eq!(target_id(&ui, &store), "p-1-2");

    // The default target leaves.
    let mut changes = CONFERENCE.to_vec();
    changes.push((5, 2_000, "-2", "Inbound", "Disconnected", None, true));
    let store = calls::store_of(&changes);
    let mut fresh = tui_support::ui(Mode::Demo);
    fresh.view_mut().select("s-1");
    assert_eq!(target_id(&fresh, &store), "p-1-3");
}

#[test]
fn header_counters_say_what_they_count_and_setup_is_not_ringing() {
    let store = board_store();
    let mut ui = ui(Mode::Demo);
    let term = render(&store, &mut ui, now());
    let l = lines(&term);
    let counts = line_with(&l, "now: ");
    assert!(
        counts.contains(
            "now: 4 calls · 1 ringing · 1 on hold · 1 parked │ ended: 1 answered · 0 missed"
        ),
        "{counts}"
    );

    // A call still in Setup (an IVR leg, a queue leg being set up) is not ringing:
    // not counted, not alerted, not under the ringing filter.
    let setup: &[calls::Change] = &[(2, 0, "-1", "Outbound", "Setup", None, false)];
    let store = calls::store_of(setup);
    let later = Ts(calls::T0 + 120_000);
    assert_eq!(store.summary(later).ringing, 0);
    let s = store.get("s-1").unwrap();
    let ui2 = tui_support::ui(Mode::Demo);
    assert_eq!(
        ui2.config()
            .thresholds
            .session_level(s, store.center(), later),
        calltop::tui::theme::Level::Normal
    );
    let mut view = calltop::tui::state::ViewState::default();
    view.set_state_filter(calltop::tui::view::StateFilter::Ringing);
    assert!(calltop::tui::rows::board_rows(&store, &view, later)
        .0
        .is_empty());
}

fn row_ids(ui: &calltop::tui::state::UiState, store: &calltop::core::SessionStore) -> Vec<String> {
    ui.rows(store, now()).iter().map(|s| s.id.clone()).collect()
}

#[test]
fn sort_defaults_to_waiting_calls_and_down_means_largest_first_for_every_column() {
    let store = board_store();
    let mut ui = ui(Mode::Demo);
    // Waiting calls first (on hold 200 s, ringing 30 s, parked 10 s), then the rest.
    assert_eq!(
        row_ids(&ui, &store),
        ["s-hold", "s-ring", "s-park", "s-talk"]
    );
    let term = render(&store, &mut ui, now());
    assert!(line_with(&lines(&term), " Calls ").contains("sort waiting ↓"));
    // Timer ↓: longest in state first.
    update(&mut ui, Intent::Cmd(Command::SortTimer), &store, now());
    assert_eq!(
        row_ids(&ui, &store),
        ["s-hold", "s-talk", "s-ring", "s-park"]
    );
    assert!(ui.view().sort_descending());
    // Start ↓: newest first.
    update(&mut ui, Intent::Cmd(Command::SortStart), &store, now());
    assert_eq!(
        row_ids(&ui, &store),
        ["s-ring", "s-park", "s-talk", "s-hold"]
    );
    // The same key again reverses: oldest first, shown ↑.
    update(&mut ui, Intent::Cmd(Command::SortStart), &store, now());
    assert_eq!(
        row_ids(&ui, &store),
        ["s-hold", "s-talk", "s-park", "s-ring"]
    );
    let term = render(&store, &mut ui, now());
    assert!(line_with(&lines(&term), " Calls ").contains("sort start ↑"));
    // Words start A→Z (↑); S reverses to Z→A (↓).
    update(&mut ui, Intent::Cmd(Command::SortFrom), &store, now());
    assert!(!ui.view().sort_descending());
    let up = row_ids(&ui, &store);
    update(&mut ui, Intent::Cmd(Command::SortReverse), &store, now());
    let mut down = row_ids(&ui, &store);
    down.reverse();
    assert_eq!(up, down);
    // s cycles every column.
    let mut seen = vec![ui.view().sort()];
    for _ in 0..6 {
        update(&mut ui, Intent::Cmd(Command::Sort), &store, now());
        seen.push(ui.view().sort());
    }
    seen.sort_by_key(|k| k.label());
    seen.dedup();
    assert_eq!(seen.len(), 7);
}

/// The real capture PSTN → IVR → user, read through the file reader into a store.
fn capture_store() -> calltop::core::SessionStore {
    let (_, items) =
        calltop::source::file::read_path(&capture_path("PSTN-RingCentral-DataStreams.jsonl"))
            .expect("capture");
    let mut store = calltop::report::unbounded_store();
    assert!(calltop::report::ingest_items(&mut store, items).is_empty());
    store
}

fn open_detail(
    ui: &mut calltop::tui::state::UiState,
    store: &calltop::core::SessionStore,
    id: &str,
) {
    ui.view_mut().select(id.to_string());
    update(ui, Intent::Cmd(Command::Open), store, now());
    assert!(ui.view().detail());
}

#[test]
fn the_detail_never_cuts_a_number_and_labels_parties_as_the_timeline_does() {
    let store = capture_store();
    let id = store.sessions().next().unwrap().id.clone();
    for (w, h) in [(80, 24), (120, 40), (200, 50)] {
        let mut ui = ui(Mode::Replay);
        ui.view_mut().show(calltop::tui::state::Screen::History);
        open_detail(&mut ui, &store, &id);
        let term = render_at(&store, &mut ui, Ts(calls::T0 + 60_000), w, h);
        let l = lines(&term);
        // Each party row: its pN label, its distinguishing id suffix, whole numbers.
        for (n, suffix) in [("p1", "…1 "), ("p2", "…2 "), ("p3", "…3 ")] {
            let row = l
                .iter()
                .find(|r| r.contains(&format!("{n} {suffix}")))
                .unwrap_or_else(|| panic!("{w}x{h}: no party row {n}:\n{}", l.join("\n")));
            assert!(row.contains("+14083388064"), "{w}x{h}: {row}");
            assert!(row.contains("+18003151571"), "{w}x{h}: {row}");
        }
        // The timeline names the same parties.
        let timeline = l.iter().position(|r| r.contains(" Timeline ")).unwrap();
        assert!(
            l[timeline..].iter().any(|r| r.contains(" p3  ")),
            "{w}x{h}:\n{}",
            l.join("\n")
        );
        // At 120 columns and more the names are there too.
        if w >= 120 {
            assert!(l.iter().any(|r| r.contains("DIBYENDU ROY +14083388064")));
            assert!(l.iter().any(|r| r.contains("TESTER Babji +18003151571")));
        }
    }
}

/// A call with `n` hold / unhold events after it was answered.
fn long_call(n: i64) -> calltop::core::SessionStore {
    let mut changes: Vec<calls::Change> = vec![
        (2, 0, "-1", "Outbound", "Setup", None, false),
        (3, 100, "-2", "Inbound", "Proceeding", None, true),
        (4, 5_000, "-2", "Inbound", "Answered", None, true),
    ];
    for k in 0..n {
        let code = if k % 2 == 0 { "Hold" } else { "Answered" };
        changes.push((5 + k, 6_000 + k * 1_000, "-2", "Inbound", code, None, true));
    }
    calls::store_of(&changes)
}

#[test]
fn the_timeline_scrolls_to_the_ring_and_back_to_the_newest() {
    let store = long_call(40);
    let mut ui = ui(Mode::Demo);
    open_detail(&mut ui, &store, "s-1");
    let at = |ui: &mut calltop::tui::state::UiState, store| {
        let term = render_at(store, ui, Ts(calls::T0 + 60_000), 80, 24);
        lines(&term).join("\n")
    };
    let first = at(&mut ui, &store);
    assert!(
        !first.contains("☏ Proceeding"),
        "the ring is off screen:\n{first}"
    );
    assert!(first.contains("#44"), "the newest shows:\n{first}");
    // Home: the oldest entries, the ring among them.
    update(&mut ui, Intent::Cmd(Command::Top), &store, now());
    let top = at(&mut ui, &store);
    assert!(top.contains("☏ Proceeding") && top.contains("#2 "), "{top}");
    assert!(top.contains("1–"), "the title says where: {top}");
    // ↓ one line, PgDn a page.
    update(&mut ui, Intent::Cmd(Command::Down), &store, now());
    assert_eq!(ui.view().timeline_top(), Some(1));
    update(&mut ui, Intent::Cmd(Command::PageDown), &store, now());
    assert!(ui.view().timeline_top().unwrap() > 2);
    update(&mut ui, Intent::Cmd(Command::PageUp), &store, now());
    assert_eq!(ui.view().timeline_top(), Some(1));
    // The board's cursor did not move meanwhile.
    assert_eq!(ui.view().calls().selected.as_deref(), Some("s-1"));
    // End: back to the newest, following.
    update(&mut ui, Intent::Cmd(Command::Bottom), &store, now());
    assert_eq!(ui.view().timeline_top(), None);
    assert!(at(&mut ui, &store).contains("#44"));
    // Scrolled up, new events keep the view where it is.
    update(&mut ui, Intent::Cmd(Command::Top), &store, now());
    let more = long_call(45);
    assert!(at(&mut ui, &more).contains("#2 "));
    // Closing and reopening the detail starts at the newest again.
    update(&mut ui, Intent::Cmd(Command::Back), &more, now());
    update(&mut ui, Intent::Cmd(Command::Open), &more, now());
    assert_eq!(ui.view().timeline_top(), None);
}

#[test]
fn every_screen_fits_80x24_with_help_and_quit_and_small_terminals_say_so() {
    let store = board_store();
    let check = |ui: &mut calltop::tui::state::UiState, what: &str| {
        let term = render_at(&store, ui, now(), 80, 24);
        let l = lines(&term);
        assert!(
            l[23].trim_end().ends_with("? help  q quit"),
            "{what}: footer:\n{}",
            l.join("\n")
        );
        // The header keeps the clock and whole numbers.
        assert!(l[0].contains("12:10:00 UTC"), "{what}: {}", l[0]);
        assert!(
            l[2].contains("16 events") || !l[2].contains("events"),
            "{}",
            l[2]
        );
        l
    };
    let mut board = ui(Mode::Demo);
    let l = check(&mut board, "board");
    assert!(l[1].contains("now: 4 calls"), "{}", l[1]);
    let mut detail = ui(Mode::Demo);
    open_detail(&mut detail, &store, "s-hold");
    let l = check(&mut detail, "detail");
    assert!(
        l.iter().any(|r| r.contains("+18005550105")),
        "detail shows To:\n{}",
        l.join("\n")
    );
    let mut history = ui(Mode::Demo);
    update(&mut history, Intent::Cmd(Command::History), &store, now());
    let l = check(&mut history, "history");
    assert!(
        line_with(&l, "Answered").contains("+14155550101"),
        "numbers are never cut"
    );
    let mut help = ui(Mode::Demo);
    help.view_mut().set_size(80, 24);
    update(&mut help, Intent::Cmd(Command::Help), &store, now());
    let term = render_at(&store, &mut help, now(), 80, 24);
    assert!(
        !lines(&term).join("\n").contains(" Replay"),
        "the help starts at the top"
    );
    // The help scrolls to its last section.
    update(&mut help, Intent::Cmd(Command::Bottom), &store, now());
    let term = render_at(&store, &mut help, now(), 80, 24);
    let text = lines(&term).join("\n");
    assert!(
        text.contains("Replay") && text.contains("seek forward 1 min"),
        "{text}"
    );
    let mut replay = ui(Mode::Replay);
    check(&mut replay, "replay");
    let mut read_only = UiState::new(BoardConfig {
        read_only: true,
        ..config(Mode::Live)
    });
    check(&mut read_only, "read-only");

    // 40×10: the board says it needs more room, also with the detail open.
    for open in [false, true] {
        let mut small = ui(Mode::Demo);
        if open {
            open_detail(&mut small, &store, "s-hold");
        }
        let term = render_at(&store, &mut small, now(), 40, 10);
        let text = lines(&term).join("\n");
        assert!(
            text.contains("terminal too small") && text.contains("40×10"),
            "{text}"
        );
    }
}

#[test]
fn columns_are_sized_by_priority_and_every_cut_has_an_ellipsis() {
    let store = board_store();
    // 159 columns (the widest calls table: from 160×40 the screen is the overview):
    // nothing is cut, From/To are no wider than their widest cell.
    let mut ui = ui(Mode::Demo);
    let term = render_at(&store, &mut ui, now(), 159, 50);
    let l = lines(&term);
    let head = line_with(&l, "Parties");
    let from = head.find("From").unwrap();
    let to = head.find("To ").unwrap();
    assert!(
        to - from <= "Dave Customer +14155550144".len() + 1,
        "{head}"
    );
    // The queue, then who answered (nobody yet: `—`), then the parties.
    let alice = line_with(&l, "Alice Caller");
    let (q, a, p) = (
        alice.find("Sales Queue —").unwrap_or(usize::MAX),
        alice.find("—").unwrap_or(0),
        alice.find("☏ Proceeding").unwrap_or(0),
    );
    assert!(q < a && a < p, "{alice}");
    assert!(line_with(&l, "Dave Customer").contains("Erin Ops +18005550105"));
    assert!(line_with(&l, "Dave Customer").contains("● Answered ▸‖ Hold"));
    // 80 columns: parties and timers whole, numbers whole, the queue cut with "…".
    let term = render_at(&store, &mut ui, now(), 80, 24);
    let l = lines(&term);
    let ring = line_with(&l, "+14155550101");
    assert!(
        ring.contains("Sale…") && ring.contains("☏ Proceeding") && ring.contains("30s"),
        "{ring}"
    );
    let hold = line_with(&l, "+14155550144");
    assert!(
        hold.contains("● Answered ▸‖ Hold") && hold.contains("3:20"),
        "{hold}"
    );
}

/// The history names who answered each ended call and its queue, as the calls board
/// does (the directory's `name ext`, `—` for nobody); at 80 columns the numbers stay
/// whole and the agent keeps its first letters (the queue goes first when it must).
#[test]
fn the_history_has_agent_and_queue_columns() {
    let mut store = center_store();
    // Support's call that Cy answered ends.
    let n3 = "+14155550133";
    let gone = |id: &str, ext: Option<&str>| {
        let mut p = serde_json::json!({"id": id, "direction": "Inbound", "status": {"code": "Disconnected"},
            "from": {"phoneNumber": n3}, "to": {"phoneNumber": "+18005550100", "extensionId": "801"}});
        if let Some(e) = ext {
            p["extensionId"] = serde_json::json!(e);
        }
        p
    };
    call_event(
        &mut store,
        "c-3",
        7,
        590,
        serde_json::json!([gone("c3-3", Some("203"))]),
    );
    call_event(
        &mut store,
        "c-3",
        8,
        590,
        serde_json::json!([gone("c3-2", Some("801"))]),
    );
    call_event(
        &mut store,
        "c-3",
        9,
        590,
        serde_json::json!([{"id": "c3-1", "direction": "Outbound", "status": {"code": "Disconnected"},
            "from": {"phoneNumber": n3, "name": "CALLER"}, "to": {"phoneNumber": "+18005550100"}}]),
    );
    let mut ui = ui(Mode::Demo);
    update(&mut ui, Intent::Cmd(Command::History), &store, now());
    let l = lines(&render(&store, &mut ui, now()));
    let head = line_with(&l, "Outcome");
    assert!(head.contains("Queue") && head.contains("Agent"), "{head}");
    let answered = line_with(&l, n3);
    assert!(
        answered.contains("Support") && answered.contains("Cy Chen 103"),
        "{answered}"
    );
    // Abandoned in Support's queue: nobody answered.
    let abandoned = line_with(&l, "+14155550144");
    let (q, a) = (
        abandoned.find("Support").unwrap(),
        abandoned.find('—').unwrap(),
    );
    assert!(q < a && abandoned.contains("Abandoned"), "{abandoned}");
    // 80×24: numbers whole, the agent's first letters, the outcome and figures.
    let l = lines(&render_at(&store, &mut ui, now(), 80, 24));
    let answered = line_with(&l, n3);
    assert!(
        answered.contains("Cy Chen") && answered.contains("Answered"),
        "{answered}"
    );
    assert!(line_with(&l, "Outcome").contains("Agent"), "{l:?}");
}

/// The calls row shows recording, mute and park orbit where the width allows — `⏺ rec`,
/// `muted`, `park 801` — and leaves them out first on a narrow terminal (the numbers
/// and states stay whole).
#[test]
fn the_calls_row_marks_recording_mute_and_park_orbit_where_there_is_room() {
    let mut store = board_store();
    // The agent on hold mutes.
    event(
        &mut store,
        "s-hold",
        7,
        595,
        &[PartySpec {
            id: "p-hold-2",
            dir: "Inbound",
            from: DAVE,
            to: ERIN,
            code: "Hold",
            ext: Some("105"),
        }],
        serde_json::json!({"muted": true}),
    );
    let mut ui = ui(Mode::Demo);
    let l = lines(&render_at(&store, &mut ui, now(), 160, 30));
    assert!(line_with(&l, "Parties").contains("Marks"), "{l:?}");
    assert!(line_with(&l, "Bob Agent").contains("⏺ rec"), "{l:?}");
    assert!(line_with(&l, "Dave Customer").contains("muted"), "{l:?}");
    assert!(line_with(&l, "P Parked").contains("park 801"), "{l:?}");
    assert!(!line_with(&l, "Alice Caller").contains('⏺'), "{l:?}");
    // 80×24: the marks go first; numbers and states stay.
    let l = lines(&render_at(&store, &mut ui, now(), 80, 24));
    assert!(!line_with(&l, "Parties").contains("Marks"), "{l:?}");
    let hold = line_with(&l, "+14155550144");
    assert!(
        hold.contains("● Answered ▸‖ Hold") && !hold.contains("muted"),
        "{hold}"
    );
    assert!(
        !l.iter()
            .any(|x| x.contains("park 801") || x.contains("⏺ rec")),
        "{l:?}"
    );
}

/// Every status code a party can be in (`None`: no status seen yet).
fn every_state() -> Vec<Option<calltop::wire::StatusCode>> {
    use calltop::wire::StatusCode::*;
    let mut v: Vec<Option<calltop::wire::StatusCode>> = [
        Setup,
        Proceeding,
        Answered,
        Hold,
        Parked,
        Disconnected,
        Gone,
        Voicemail,
        VoicemailScreening,
        FaxReceive,
        Tds,
        Unknown("Other".into()),
    ]
    .into_iter()
    .map(Some)
    .collect();
    v.push(None);
    v
}

/// The one table of allowed party states, by action verb (the specification).
fn allowed(action: &calltop::core::control::ControlAction, code: Option<&str>) -> bool {
    use calltop::core::control::ControlAction::*;
    let Some(code) = code else { return false };
    let is = |ok: &[&str]| ok.contains(&code);
    match action {
        Hold | Park | Flip { .. } | Supervise { .. } => is(&["Answered"]),
        Unhold => is(&["Hold"]),
        Transfer { .. }
        | Mute { .. }
        | StartRecording
        | PauseRecording { .. }
        | ResumeRecording { .. } => is(&["Answered", "Hold"]),
        Forward { .. } | Reject | Answer | Reply { .. } => is(&["Proceeding"]),
        Pickup => is(&["Parked"]),
        // Still in the call, in a state the platform names.
        HangUp | DropParty => !is(&["Disconnected", "Gone", "Other"]),
        // An agent's setting: no party state allows it.
        AcceptQueueCalls { .. } => false,
    }
}

#[test]
fn every_action_in_every_party_state_follows_the_one_table() {
    use calltop::core::control::{ControlAction::*, FlipNumber, Target};
    let to = || Target::ExtensionNumber("101".into());
    let actions = [
        Hold,
        Unhold,
        Transfer { to: to() },
        Park,
        Forward { to: to() },
        Reject,
        Answer,
        Flip {
            to: FlipNumber::parse("1").unwrap(),
        },
        Mute { muted: true },
        StartRecording,
        PauseRecording {
            recording: "r".into(),
        },
        ResumeRecording {
            recording: "r".into(),
        },
        HangUp,
        DropParty,
        Supervise { agent: "62".into() },
        Pickup,
        Reply {
            message: calltop::core::control::ReplyMessage::parse("1").unwrap(),
        },
    ];
    for a in &actions {
        for code in every_state() {
            let want = allowed(a, code.as_ref().map(|c| c.as_str()));
            let got = a.check(code.as_ref());
            assert_eq!(got.is_ok(), want, "{a:?} on {code:?}: {got:?}");
            if let Err(why) = got {
                assert!(why.starts_with(&format!("can't {}: ", a.word())), "{why}");
            }
        }
    }
}

#[test]
fn every_control_key_in_every_party_state_confirms_or_refuses_before_any_request() {
    use calltop::core::control::ControlAction as A;
    use calltop::tui::state::Overlay;
    let keys = [
        (Command::Call(CallKey::Hold), A::Hold),
        (
            Command::Call(CallKey::Transfer),
            A::Transfer {
                to: calltop::core::control::Target::ExtensionNumber("1".into()),
            },
        ),
        (Command::Call(CallKey::Record), A::StartRecording),
        (Command::Call(CallKey::HangUp), A::HangUp),
        (Command::Call(CallKey::Mute), A::Mute { muted: true }),
        (Command::Call(CallKey::Park), A::Park),
        (
            Command::Call(CallKey::Forward),
            A::Forward {
                to: calltop::core::control::Target::ExtensionNumber("1".into()),
            },
        ),
        (Command::Call(CallKey::Reject), A::Reject),
        (
            Command::Call(CallKey::Flip),
            A::Flip {
                to: calltop::core::control::FlipNumber::parse("1").unwrap(),
            },
        ),
        (
            Command::Call(CallKey::Reply),
            A::Reply {
                message: calltop::core::control::ReplyMessage::parse("1").unwrap(),
            },
        ),
    ];
    // A party still in the call in each state (the call has not ended).
    for code in [
        "Setup",
        "Proceeding",
        "Answered",
        "Hold",
        "Parked",
        "Voicemail",
        "VMScreening",
        "FaxReceive",
    ] {
        let store = calls::store_of(&[
            (2, 0, "-1", "Outbound", "Answered", None, false),
            (3, 0, "-2", "Inbound", code, None, true),
        ]);
        for (key, action) in &keys {
            let mut ui = ui(Mode::Demo);
            ui.view_mut().select("s-1");
            let fx = update(&mut ui, Intent::Cmd(*key), &store, now());
            assert!(
                fx.is_empty(),
                "{key:?} on {code}: a request before any confirm"
            );
            let action = match (key, code) {
                (Command::Call(CallKey::Hold), "Hold") => A::Unhold,
                _ => action.clone(),
            };
            let expect = allowed(&action, Some(code));
            let opened = matches!(
                ui.view().overlay(),
                Overlay::Confirm(_) | Overlay::Prompt(_)
            );
            assert_eq!(opened, expect, "{key:?} on {code}: {:?}", ui.status());
            if !expect {
                let why = ui.status().map(|s| s.text.clone()).unwrap_or_default();
                let said = format!("can't {}: the party is {code} (", action.word());
                assert!(why.starts_with(&said), "{key:?} on {code}: {why}");
            }
        }
    }
}

fn confirm_ok(
    ui: &mut calltop::tui::state::UiState,
    store: &calltop::core::SessionStore,
) -> Vec<calltop::tui::msg::Effect> {
    update(ui, Intent::ToggleFocus, store, now());
    update(ui, Intent::Submit, store, now())
}

fn question(ui: &calltop::tui::state::UiState) -> String {
    match ui.view().overlay() {
        calltop::tui::state::Overlay::Confirm(c) => {
            assert!(!c.ok_focused, "Cancel is focused");
            c.question.clone()
        }
        o => panic!("no confirm: {o:?} ({:?})", ui.status()),
    }
}

#[test]
fn every_action_is_confirmed_and_the_selection_stays_on_the_call_acted_on() {
    use calltop::tui::msg::Effect;
    let mut store = board_store();
    let ring2 = PartySpec {
        id: "p-ring2-2",
        dir: "Inbound",
        from: DAVE,
        to: SALES,
        code: "Proceeding",
        ext: Some("101"),
    };
    event(
        &mut store,
        "s-ring2",
        2,
        580,
        &[ring2],
        serde_json::json!({}),
    );
    let mut ui = ui(Mode::Demo);
    update(&mut ui, Intent::Cmd(Command::StateFilter), &store, now()); // queued
    update(&mut ui, Intent::Cmd(Command::StateFilter), &store, now()); // ringing
    ui.sync(&store, now());
    assert_eq!(row_ids(&ui, &store), ["s-ring", "s-ring2"]);
    assert_eq!(ui.view().calls().selected.as_deref(), Some("s-ring"));
    // d: a confirm naming who, nothing sent; OK sends the reject of that call.
    assert!(update(
        &mut ui,
        Intent::Cmd(Command::Call(CallKey::Reject)),
        &store,
        now()
    )
    .is_empty());
    assert!(
        question(&ui).starts_with("Reject Sales Queue +18005550100?"),
        "{}",
        question(&ui)
    );
    let fx = confirm_ok(&mut ui, &store);
    assert!(
        matches!(&fx[..], [Effect::Control(r)] if r.session() == Some("s-ring")),
        "{fx:?}"
    );
    // The call ends: it stays on the board, selected, until the user moves.
    let gone = PartySpec {
        id: "p-ring-2",
        dir: "Inbound",
        from: ALICE,
        to: SALES,
        code: "Disconnected",
        ext: Some("101"),
    };
    event(&mut store, "s-ring", 9, 598, &[gone], serde_json::json!({}));
    update(&mut ui, Event::StoreChanged, &store, now());
    ui.sync(&store, now());
    assert_eq!(ui.view().calls().selected.as_deref(), Some("s-ring"));
    // d again: refused, and the other ringing call is not touched.
    let fx = update(
        &mut ui,
        Intent::Cmd(Command::Call(CallKey::Reject)),
        &store,
        now(),
    );
    assert!(fx.is_empty());
    assert_eq!(*ui.view().overlay(), calltop::tui::state::Overlay::None);
    assert!(ui.status().unwrap().text.contains("ended"));
    // The user moves: the filter applies again.
    update(&mut ui, Intent::Cmd(Command::Down), &store, now());
    assert_eq!(row_ids(&ui, &store), ["s-ring2"]);
    assert_eq!(ui.view().calls().selected.as_deref(), Some("s-ring2"));
}

#[test]
fn confirms_name_the_party_and_the_target_and_a_queued_callers_hold() {
    let mut store = board_store();
    // Erin's extension number seen on an internal call.
    let internal = PartySpec {
        id: "p-int-2",
        dir: "Inbound",
        from: BOB,
        to: ("Erin Ops", "105"),
        code: "Answered",
        ext: Some("105"),
    };
    event(
        &mut store,
        "s-int",
        2,
        590,
        &[internal],
        serde_json::json!({}),
    );
    let mut ui = ui(Mode::Demo);
    ui.view_mut().select("s-talk");
    update(
        &mut ui,
        Intent::Cmd(Command::Call(CallKey::Transfer)),
        &store,
        now(),
    );
    for c in "105".chars() {
        update(&mut ui, Intent::Input(c), &store, now());
    }
    update(&mut ui, Intent::Submit, &store, now());
    let q = question(&ui);
    assert!(
        q.starts_with("Transfer Bob Agent +18005550102 to ext 105 (Erin Ops)?"),
        "{q}"
    );
    assert!(
        q.contains("Call: Bob Agent +18005550102 → +442071234567"),
        "{q}"
    );
    // Drawn whole at 80×24.
    let term = render_at(&store, &mut ui, now(), 80, 24);
    let text = lines(&term).join("\n");
    assert!(
        text.contains("to ext 105 (Erin Ops)?") && text.contains("[> Cancel <]"),
        "{text}"
    );

    // An agent reached through a queue is named by the name seen for its extension.
    let seen = PartySpec {
        id: "p-int2-2",
        dir: "Inbound",
        from: BOB,
        to: ("Ann Agent", "101"),
        code: "Answered",
        ext: Some("101"),
    };
    event(&mut store, "s-int2", 2, 591, &[seen], serde_json::json!({}));
    let mut ui = tui_support::ui(Mode::Demo);
    ui.view_mut().select("s-ring");
    update(
        &mut ui,
        Intent::Cmd(Command::Call(CallKey::Reject)),
        &store,
        now(),
    );
    let q = question(&ui);
    assert!(
        q.starts_with("Reject Ann Agent (Sales Queue +18005550100)?"),
        "{q}"
    );

    // A queue call with no agent yet: h holds the caller, and the confirm says so.
    let queued: &[calls::Change] = &[
        (2, 0, "-1", "Outbound", "Setup", None, false),
        (3, 100, "-1", "Outbound", "Answered", None, false),
    ];
    let store = calls::store_of(queued);
    let mut ui = tui_support::ui(Mode::Demo);
    ui.view_mut().select("s-1");
    update(
        &mut ui,
        Intent::Cmd(Command::Call(CallKey::Hold)),
        &store,
        now(),
    );
    let q = question(&ui);
    assert!(q.starts_with("Hold +14083388064?"), "{q}");
    assert!(
        q.contains("No agent has answered yet: this puts the caller on hold."),
        "{q}"
    );
}

#[test]
fn errors_show_in_full_even_under_a_prompt() {
    let store = board_store();
    let mut ui = ui(Mode::Demo);
    ui.view_mut().select("s-talk");
    update(
        &mut ui,
        Intent::Cmd(Command::Call(CallKey::Transfer)),
        &store,
        now(),
    );
    for c in "bob".chars() {
        update(&mut ui, Intent::Input(c), &store, now());
    }
    update(&mut ui, Intent::Submit, &store, now());
    let term = render_at(&store, &mut ui, now(), 80, 24);
    let l = lines(&term);
    let text = l.join("\n");
    assert!(
        text.contains("\"bob\" is not a number, ext:N, vm:ID or park:ORBIT"),
        "{text}"
    );
    assert!(
        text.contains("transfer to (number, ext, vm:ID, park:ORBIT): bob"),
        "{text}"
    );
    assert!(l[23].trim_end().ends_with("? help  q quit"), "{text}");
    // Fixed, the complaint goes: the confirm speaks.
    for _ in 0..3 {
        update(&mut ui, Intent::Backspace, &store, now());
    }
    update(&mut ui, Intent::Input('7'), &store, now());
    update(&mut ui, Intent::Submit, &store, now());
    assert!(question(&ui).starts_with("Transfer Bob Agent"));
    assert!(ui.status().is_none(), "{:?}", ui.status());

    // A long platform error wraps instead of being cut.
    let mut ui = tui_support::ui(Mode::Demo);
    let request = calltop::core::control::ControlRequest::on_party(
        "s-talk",
        "p-talk-1",
        calltop::core::control::ControlAction::Park,
    );
    let message = "CMN-102: Resource for parameter [parkOrbit] is not found; the park location *899 does not exist on this account";
    update(
        &mut ui,
        Event::ControlDone {
            request,
            outcome: calltop::core::control::Outcome::Failed {
                message: message.into(),
            },
        },
        &store,
        now(),
    );
    let term = render_at(&store, &mut ui, now(), 80, 24);
    let words = lines(&term).join(" ");
    let squeezed = words.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        squeezed.contains(&format!("park failed: {message}")),
        "{words}"
    );
}

#[test]
fn messages_are_said_once_and_clear_after_a_while() {
    let store = board_store();
    let mut ui = ui(Mode::Demo);
    let request = calltop::core::control::ControlRequest::on_party(
        "s-talk",
        "p-talk-1",
        calltop::core::control::ControlAction::Mute { muted: true },
    );
    update(
        &mut ui,
        Event::ControlDone {
            request,
            outcome: calltop::core::control::Outcome::RateLimited {
                retry_after: std::time::Duration::from_secs(3),
            },
        },
        &store,
        now(),
    );
    let screen = |ui: &mut calltop::tui::state::UiState, at: Ts| {
        lines(&render_at(&store, ui, at, 120, 40)).join("\n")
    };
    let text = screen(&mut ui, now().plus_millis(2_000));
    assert_eq!(text.matches("retry in").count(), 1, "{text}");
    assert!(
        text.contains("mute: rate limited by the platform, retry in 1s"),
        "{text}"
    );
    // A key during the wait says it once too.
    ui.view_mut().select("s-talk");
    update(
        &mut ui,
        Intent::Cmd(Command::Call(CallKey::Mute)),
        &store,
        now().plus_millis(2_000),
    );
    let text = screen(&mut ui, now().plus_millis(2_000));
    assert_eq!(text.matches("retry in").count(), 1, "{text}");
    // After the wait, then after a while, the line goes.
    update(&mut ui, Event::Tick, &store, now().plus_millis(4_000));
    assert!(screen(&mut ui, now().plus_millis(4_000)).contains("you can retry now"));
    update(&mut ui, Event::Tick, &store, now().plus_millis(30_000));
    assert!(ui.status().is_none());

    // A refusal (a warning) stays 20 s, a plain message 10 s.
    ui.view_mut().select("s-talk");
    update(
        &mut ui,
        Intent::Cmd(Command::Call(CallKey::Forward)),
        &store,
        now(),
    );
    assert!(ui.status().unwrap().text.starts_with("can't forward"));
    update(&mut ui, Event::Tick, &store, now().plus_millis(15_000));
    assert!(ui.status().is_some());
    update(&mut ui, Event::Tick, &store, now().plus_millis(20_000));
    assert!(ui.status().is_none(), "a stale refusal is gone");
    update(&mut ui, Intent::Cmd(Command::NextParty), &store, now());
    update(&mut ui, Event::Tick, &store, now().plus_millis(10_000));
    assert!(ui.status().is_none());
}

#[test]
fn prompts_and_the_filter_edit_like_a_shell_line_with_a_visible_cursor() {
    use calltop::tui::input::msg_for;
    use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
    let store = board_store();
    let mut ui = ui(Mode::Demo);
    let key = |ui: &mut calltop::tui::state::UiState, code: KeyCode, mods: KeyModifiers| {
        let ev = Event::Key(KeyEvent::new(code, mods));
        if let Some(a) = msg_for(&ev, ui) {
            update(ui, a, &store, now());
        }
    };
    let type_in = |ui: &mut calltop::tui::state::UiState, s: &str| {
        for c in s.chars() {
            key(ui, KeyCode::Char(c), KeyModifiers::NONE);
        }
    };
    update(&mut ui, Intent::Cmd(Command::Filter), &store, now());
    type_in(&mut ui, "Sales");
    key(&mut ui, KeyCode::Char('u'), KeyModifiers::CONTROL);
    assert_eq!(ui.view().filter(), "", "Ctrl-U clears, never types u");
    type_in(&mut ui, "Sales Queue");
    key(&mut ui, KeyCode::Char('w'), KeyModifiers::CONTROL);
    assert_eq!(ui.view().filter(), "Sales ");
    key(&mut ui, KeyCode::Char('a'), KeyModifiers::CONTROL);
    key(&mut ui, KeyCode::Delete, KeyModifiers::NONE);
    key(&mut ui, KeyCode::End, KeyModifiers::NONE);
    key(&mut ui, KeyCode::Left, KeyModifiers::NONE);
    key(&mut ui, KeyCode::Backspace, KeyModifiers::NONE);
    assert_eq!(ui.view().filter(), "ale ");
    key(&mut ui, KeyCode::Home, KeyModifiers::NONE);
    key(&mut ui, KeyCode::Right, KeyModifiers::NONE);
    // The cursor shows on the character it is on.
    let term = render_at(&store, &mut ui, now(), 80, 24);
    let buf = term.backend().buffer();
    let y = (0..24)
        .find(|y| {
            (0..80)
                .map(|x| buf[(x, *y)].symbol())
                .collect::<String>()
                .starts_with("filter: ")
        })
        .expect("the filter line");
    let cell = &buf[("filter: a".len() as u16, y)];
    assert_eq!(cell.symbol(), "l");
    assert!(cell.modifier.contains(ratatui::style::Modifier::REVERSED));
    key(&mut ui, KeyCode::Char('e'), KeyModifiers::CONTROL);
    key(&mut ui, KeyCode::Enter, KeyModifiers::NONE);

    // The same in a prompt.
    let mut ui = tui_support::ui(Mode::Demo);
    ui.view_mut().select("s-talk");
    update(
        &mut ui,
        Intent::Cmd(Command::Call(CallKey::Transfer)),
        &store,
        now(),
    );
    type_in(&mut ui, "ext 1O1");
    key(&mut ui, KeyCode::Char('w'), KeyModifiers::CONTROL);
    type_in(&mut ui, "101");
    match ui.view().overlay() {
        calltop::tui::state::Overlay::Prompt(p) => assert_eq!(p.input, "ext 101"),
        o => panic!("{o:?}"),
    }
}

#[test]
fn on_the_first_row_the_selection_stays_on_the_most_urgent_call() {
    let mut store = board_store();
    let mut ui = ui(Mode::Demo);
    ui.sync(&store, now());
    assert_eq!(ui.view().calls().selected.as_deref(), Some("s-hold"));
    // A call on hold longer comes on top: the first row stays selected.
    let held = |id: &'static str| PartySpec {
        id,
        dir: "Inbound",
        from: DAVE,
        to: ERIN,
        code: "Hold",
        ext: Some("105"),
    };
    event(
        &mut store,
        "s-old",
        2,
        100,
        &[held("p-old-2")],
        serde_json::json!({}),
    );
    ui.sync(&store, now());
    assert_eq!(ui.view().calls().selected.as_deref(), Some("s-old"));
    // Away from the first row, the selection follows its call.
    update(&mut ui, Intent::Cmd(Command::Down), &store, now());
    assert_eq!(ui.view().calls().selected.as_deref(), Some("s-hold"));
    event(
        &mut store,
        "s-older",
        2,
        50,
        &[held("p-older-2")],
        serde_json::json!({}),
    );
    ui.sync(&store, now());
    assert_eq!(ui.view().calls().selected.as_deref(), Some("s-hold"));
    assert_eq!(ui.view().calls().cursor, 2);
}

#[test]
fn at_80_columns_numbers_stay_whole_beside_many_parties() {
    let store = calls::store_of(&[
        (1, 0, "-1", "Outbound", "Setup", None, false),
        (2, 0, "-1", "Outbound", "Answered", None, false),
        (3, 0, "-2", "Inbound", "Disconnected", None, true),
        (4, 0, "-3", "Inbound", "Proceeding", None, true),
        (5, 0, "-4", "Inbound", "Proceeding", None, true),
        (6, 0, "-5", "Inbound", "Hold", None, true),
    ]);
    let mut ui = ui(Mode::Demo);
    let term = render_at(&store, &mut ui, Ts(calls::T0 + 5_000), 80, 24);
    let l = lines(&term);
    let row = line_with(&l, "+14083388064");
    assert!(row.contains("+18003151571"), "{row}");
    assert!(
        row.contains('…'),
        "the parties are cut with an ellipsis: {row}"
    );
    assert_eq!(row.matches(" 5s").count(), 2, "timer and total show: {row}");
}

#[test]
fn the_history_starts_on_its_newest_call_after_an_action_on_the_board() {
    let mut store = board_store();
    let mut ui = ui(Mode::Demo);
    ui.view_mut().select("s-talk");
    update(
        &mut ui,
        Intent::Cmd(Command::Call(CallKey::HangUp)),
        &store,
        now(),
    );
    update(&mut ui, Intent::Cancel, &store, now());
    assert_eq!(ui.view().pinned(), Some("s-talk"));
    update(&mut ui, Intent::Cmd(Command::History), &store, now());
    assert_eq!(ui.view().calls().selected.as_deref(), Some("s-done"));
    // A call ending now comes on top and is selected.
    let done = PartySpec {
        id: "p-park-2",
        dir: "Inbound",
        from: CAROL,
        to: ERIN,
        code: "Disconnected",
        ext: Some("105"),
    };
    event(&mut store, "s-park", 9, 599, &[done], serde_json::json!({}));
    ui.sync(&store, now());
    assert_eq!(ui.view().calls().selected.as_deref(), Some("s-park"));
    // The footer offers no sort or state filter there (they apply to the board).
    let term = render_at(&store, &mut ui, now(), 200, 50);
    let l = lines(&term);
    assert!(
        !l[49].contains(" sort") && !l[49].contains("c state"),
        "{}",
        l[49]
    );
}

/// Twelve callers waiting in one queue, one call on hold: at 80×24 the calls board puts
/// the callers first (longest wait on top, red past the queue's SLA) and the queue's
/// detail counts the callers it has no room for instead of cutting them silently
/// (issue 23, items 1 and 8).
#[test]
fn waiting_callers_come_first_and_none_is_cut_silently() {
    use calltop::tui::state::Screen;
    let mut store = tui_support::center_store();
    for k in 0..12 {
        let (id, n) = (format!("w-{k}"), format!("+1415555{:04}", 2000 + k));
        let parties = serde_json::json!([
            {"id": format!("{id}-1"), "direction": "Outbound",
             "from": {"phoneNumber": n, "name": "CALLER"}, "to": {"phoneNumber": "+18005550100"},
             "status": {"code": "Answered"}},
            {"id": format!("{id}-2"), "direction": "Inbound", "extensionId": "800",
             "from": {"phoneNumber": n}, "to": {"phoneNumber": "+18005550100", "extensionId": "800"},
             "status": {"code": "Setup"}},
        ]);
        tui_support::call_event(&mut store, &id, 1, 500 + k, parties);
    }
    let now = tui_support::now();
    let mut ui = tui_support::ui(Mode::Demo);
    let text = |t: &ratatui::Terminal<ratatui::backend::TestBackend>| {
        let b = t.backend().buffer();
        (0..b.area.height)
            .map(|y| {
                (0..b.area.width)
                    .map(|x| b[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let board = text(&tui_support::render_at(&store, &mut ui, now, 80, 24));
    let rows: Vec<&str> = board.lines().skip(5).take(13).collect();
    // The call waiting longest (entered at 500 s, 100 s ago) first, then by wait; each red.
    assert!(
        rows[0].contains("+14155552000") && rows[0].contains('‼'),
        "{board}"
    );
    let queued = rows.iter().take_while(|r| r.contains("+1415555")).count();
    assert!(
        queued >= 12,
        "every queued caller before the rest:\n{board}"
    );
    ui.view_mut().show(Screen::Queues);
    ui.view_mut().set_open_queue(Some("800".into()));
    let detail = text(&tui_support::render_at(&store, &mut ui, now, 80, 24));
    let listed = detail.lines().filter(|l| l.contains(" since ")).count();
    let more = detail
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix('+')
                .and_then(|m| m.strip_suffix(" more waiting"))
        })
        .and_then(|n| n.parse::<usize>().ok());
    let waiting = store.center().queue("800").unwrap().waiting.len();
    assert_eq!(listed + more.unwrap_or(0), waiting, "{detail}");
    assert!(more.is_some(), "a cut list says how many more:\n{detail}");
}

/// An agent on a call who stops taking a queue's calls (`o`, or the platform's
/// notification of it) shows Takes `no` and counts as off the queue, not on a call
/// (issue 23, item 3: the board kept `yes` and Off 0).
#[test]
fn an_agent_on_a_call_off_a_queue_is_off_it() {
    use calltop::tui::state::Screen;
    let mut store = tui_support::center_store();
    let now = tui_support::now();
    let staff = |store: &calltop::core::SessionStore| {
        let c = store.center();
        c.staff(c.queue("800").unwrap())
    };
    let before = staff(&store);
    tui_support::raw(
        &mut store,
        590,
        serde_json::json!({
            "uuid": "u-qp-1",
            "event": "/restapi/v1.0/account/400123/call-queues/800/presence",
            "timestamp": tui_support::at(590).to_rfc3339(),
            "body": {"records": [{"member": {"id": "201"}, "acceptCurrentQueueCalls": false}]}
        }),
    );
    let after = staff(&store);
    assert_eq!(
        after.on_call + 1,
        before.on_call,
        "Ann was on a call: {before:?} {after:?}"
    );
    assert_eq!(after.not_accepting, before.not_accepting + 1);
    let mut ui = tui_support::ui(Mode::Demo);
    ui.view_mut().show(Screen::Queues);
    ui.view_mut().set_open_queue(Some("800".into()));
    let term = tui_support::render_at(&store, &mut ui, now, 100, 30);
    let text = term.backend().to_string();
    let ann = text
        .lines()
        .find(|l| l.contains("Ann Archer"))
        .unwrap_or_default()
        .to_string();
    assert!(ann.contains(" no "), "Takes no:\n{text}");
}

/// The light theme's dim text (labels, footer descriptions, `ready`, `+1✕`, `✕ Offline`)
/// reads on a white terminal: at least WCAG AA's 4.5:1 (issue 23, item 9: ANSI silver
/// was about 1.8:1).
#[test]
fn light_dim_text_reads_on_white() {
    use calltop::tui::theme::{Theme, ThemeName};
    use ratatui::style::Color;
    let fg = Theme::named(ThemeName::Light).dim().fg;
    let Some(Color::Rgb(r, g, b)) = fg else {
        panic!("the light theme's dim is no fixed colour: {fg:?}");
    };
    let lum = |c: u8| {
        let c = c as f64 / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let l = 0.2126 * lum(r) + 0.7152 * lum(g) + 0.0722 * lum(b);
    let contrast = 1.05 / (l + 0.05);
    assert!(contrast >= 4.5, "dim on white is {contrast:.1}:1");
}

/// A call kept on the board after it ended (the one just acted on) is not counted as
/// shown among the active ones: never `Calls 5/4` (issue 23, item 14).
#[test]
fn a_pinned_ended_call_is_not_counted_active() {
    let store = tui_support::board_store();
    let mut ui = tui_support::ui(Mode::Demo);
    ui.view_mut().set_pinned(Some("s-done".into()));
    let text = tui_support::render(&store, &mut ui, tui_support::now())
        .backend()
        .to_string();
    assert!(ui
        .rows(&store, tui_support::now())
        .iter()
        .any(|s| s.id == "s-done"));
    assert!(text.contains("Calls 4/4"), "{text}");
}

/// An audit line too long for the detail ends with `…`, not cut mid-word (issue 23,
/// item 20).
#[test]
fn a_long_audit_line_is_cut_with_an_ellipsis() {
    let mut store = tui_support::board_store();
    let text = "hold: Dave Customer +14155550144 on hold by Erin Ops +18005550105 at the supervisor's request, confirmed";
    store.audit("s-hold", tui_support::now(), text.to_string());
    let mut ui = tui_support::ui(Mode::Demo);
    ui.view_mut().select("s-hold");
    ui.view_mut().set_detail(true);
    let screen = tui_support::render_at(&store, &mut ui, tui_support::now(), 80, 24)
        .backend()
        .to_string();
    let line = screen
        .lines()
        .find(|l| l.contains('⚑'))
        .expect("the audit line shows");
    assert!(line.trim_end_matches(['"', ' ']).ends_with('…'), "{screen}");
}

/// Every figure says the period it covers, in the `--tz` zone: `since 14:01 (joined)`
/// while calltop joined after the day began, with the outage it did not recover from
/// (`; outage until 14:05`), `today since 00:00` once a whole day is watched; the
/// header's clock is that zone's (issue 23, item 26).
#[test]
fn figures_say_their_period_in_the_boards_zone() {
    use calltop::core::center::Window;
    use calltop::core::zone::Zone;
    let paris = Zone::parse("Europe/Paris").unwrap();
    let mut store = calltop::core::SessionStore::new(calltop::core::StoreConfig::default());
    // Figures of today in Paris; calltop hears its first call at 12:01 UTC, 14:01 there.
    store.center_mut().reset(Window::today(paris, at(60)));
    let leg = |code| PartySpec {
        id: "p-1",
        dir: "Inbound",
        from: ALICE,
        to: BOB,
        code,
        ext: Some("102"),
    };
    let mut ui = UiState::new(BoardConfig {
        zone: paris,
        ..config(Mode::Demo)
    });
    update(&mut ui, Intent::Cmd(Command::Agents), &store, at(50));
    // Nothing heard yet: no period is claimed.
    let l = lines(&render_at(&store, &mut ui, at(50), 120, 30));
    assert!(!line_with(&l, " Agents ").contains("since"), "{l:?}");
    event(
        &mut store,
        "s-1",
        1,
        60,
        &[leg("Proceeding")],
        serde_json::json!({}),
    );
    ui.set_wall(at(70));
    let l = lines(&render_at(&store, &mut ui, at(70), 120, 30));
    line_with(&l, " since 14:01 (joined) ─");
    line_with(&l, "14:01:10 CEST");
    // An outage calltop did not recover from: what happened in it is not in the figures.
    store.heard_gap(at(300));
    let l = lines(&render_at(&store, &mut ui, at(310), 120, 30));
    line_with(&l, " since 14:01 (joined; outage until 14:05) ─");
    // The header's calls ended: over the same period, said once in the titles.
    assert!(!l.iter().any(|r| r.contains("ended since")), "{l:?}");
    // Past midnight in Paris (22:00 UTC) the day was watched from its start.
    let midnight = 10 * 3_600;
    event(
        &mut store,
        "s-1",
        2,
        midnight + 60,
        &[leg("Disconnected")],
        serde_json::json!({}),
    );
    let l = lines(&render_at(&store, &mut ui, at(midnight + 70), 120, 30));
    line_with(&l, " today since 00:00 ─");
    // The header counts every call calltop saw end: since it began, and says so.
    line_with(&l, "ended since yesterday 14:01: ");
}

/// A board that joined a busy queue knows its waiting callers only from their next
/// event on: until every caller waiting since before it joined would have been heard of
/// (the queue's hold time, 15 min when not known), the oldest wait it shows is a lower
/// bound (`≥40s` on the queues view, `oldest wait ≥` on the wallboard), never
/// a wait counted from when calltop joined; after it, the plain wait — until an outage
/// calltop did not recover from, after which the caller is not counted until heard of
/// again (it may have left unseen), and then as a lower bound for a hold time.
#[test]
fn the_oldest_wait_of_a_queue_joined_late_is_a_lower_bound() {
    use calltop::core::SessionStore;
    use calltop::tui::state::Screen;
    let mut store = SessionStore::default();
    raw(
        &mut store,
        100,
        serde_json::json!({"receivedAt": at(100).to_rfc3339(), "roster": {"extensions": [
            {"id": "800", "extensionNumber": "800", "name": "Sales", "type": "Department",
             "callQueueInfo": {"slaThresholdSeconds": 30}},
        ]}}),
    );
    let n = "+14155550199";
    call_event(
        &mut store,
        "s-q",
        1,
        100,
        serde_json::json!([caller("s-q-1", n, "Setup")]),
    );
    call_event(
        &mut store,
        "s-q",
        2,
        100,
        serde_json::json!([queue_party("s-q-2", "800", n, "Setup")]),
    );
    let sales = |lines: &[String]| line_with(lines, "Sales").to_string();
    let mut ui = tui_support::ui(Mode::Live);
    ui.view_mut().show(Screen::Queues);
    let early = sales(&lines(&render(&store, &mut ui, at(140))));
    assert!(early.contains("≥1 "), "waiting: {early}");
    assert!(
        early.contains("≥40s"),
        "the oldest wait is a bound: {early}"
    );
    ui.view_mut().show(Screen::Wallboard);
    let board = lines(&render(&store, &mut ui, at(140))).join("\n");
    assert!(board.contains("oldest wait ≥"), "{board}");
    // 15 minutes after the first call heard of, every waiting caller is known.
    let mut ui = tui_support::ui(Mode::Live);
    ui.view_mut().show(Screen::Queues);
    let late = sales(&lines(&render(&store, &mut ui, at(1_010))));
    assert!(!late.contains('≥'), "complete: {late}");
    assert!(late.contains("15:10"), "the whole wait: {late}");
    // An outage not recovered (a new subscription): callers may have queued unseen, so
    // the waiting calls are a lower bound again for a hold time; a recovered one is no
    // gap.
    let details = recovery_details;
    raw(&mut store, 1_015, details(1_015, "Successful"));
    let recovered = sales(&lines(&render(&store, &mut ui, at(1_020))));
    assert!(!recovered.contains('≥'), "a recovered outage: {recovered}");
    raw(&mut store, 1_020, details(1_020, "Failed"));
    // The caller may have left unseen: not counted until heard of again.
    let doubted = sales(&lines(&render(&store, &mut ui, at(1_022))));
    assert!(doubted.contains("≥0 "), "after a gap: {doubted}");
    assert!(doubted.contains(" — "), "after a gap: {doubted}");
    call_event(
        &mut store,
        "s-q",
        3,
        1_025,
        serde_json::json!([queue_party("s-q-2", "800", n, "Setup")]),
    );
    let resubscribed = sales(&lines(&render(&store, &mut ui, at(1_030))));
    assert!(resubscribed.contains("≥1 "), "heard again: {resubscribed}");
    assert!(
        resubscribed.contains("≥15:30"),
        "after a gap: {resubscribed}"
    );
    let later = sales(&lines(&render(&store, &mut ui, at(1_930))));
    assert!(!later.contains('≥'), "a hold time after the gap: {later}");
}

/// A call held since before an outage calltop did not recover from may have ended
/// unseen: at every width its row says so (`?` in the first column instead of an alert
/// glyph, drawn dim), until it is heard of again.
#[test]
fn a_call_in_doubt_after_an_outage_is_marked_at_every_width() {
    marked_while_in_doubt(
        calltop::core::SessionStore::default(),
        None,
        DOUBT_CALLER,
        "+",
    );
}

/// The agents view says the same of an agent whose call is in doubt: its row is marked
/// `?` (no alert, however long the call has run) and drawn dim at every width, until the
/// call is heard of again (a supervisor read an agent "on call 1:20" for a call that had
/// ended during the outage).
#[test]
fn an_agent_on_a_call_in_doubt_is_marked_at_every_width() {
    use calltop::tui::state::Screen;
    let mut store = calltop::core::SessionStore::default();
    raw(
        &mut store,
        90,
        serde_json::json!({"receivedAt": at(90).to_rfc3339(), "roster": {"extensions": [
            {"id": "101", "extensionNumber": "101", "name": "Dora Doubt", "type": "User",
             "status": "Enabled"},
        ]}}),
    );
    marked_while_in_doubt(store, Some(Screen::Agents), "Dora", "D");
}

/// The caller of the call [`marked_while_in_doubt`] holds.
const DOUBT_CALLER: &str = "+14155550199";

/// With a call to extension 101 held in `store`, the row of `screen` (the calls board
/// when `None`) that contains `row` is marked `?` and drawn dim (the cell beginning with
/// `cell` takes the dim colour) at 80×24 and 200×50 after an outage not recovered, and
/// neither before nor once the call is heard of again.
fn marked_while_in_doubt(
    mut store: calltop::core::SessionStore,
    screen: Option<calltop::tui::state::Screen>,
    row: &str,
    cell: &str,
) {
    use calltop::core::SessionStore;
    let n = DOUBT_CALLER;
    let parties = |code: &str| {
        serde_json::json!([caller("s-d-1", n, "Answered"), {
            "id": "s-d-2", "status": {"code": code}, "direction": "Inbound",
            "to": {"phoneNumber": "+18885550100", "extensionId": "101"},
            "from": {"phoneNumber": n}, "extensionId": "101"}])
    };
    call_event(&mut store, "s-d", 1, 50, parties("Proceeding"));
    call_event(&mut store, "s-d", 2, 100, parties("Answered"));
    // The stream heard of until 900 s (another call): s-d was as it was until then.
    let other = serde_json::json!([caller("s-e-1", "+14155550111", "Setup")]);
    call_event(&mut store, "s-e", 1, 900, other);
    for (w, h) in [(80, 24), (200, 50)] {
        let mut ui = tui_support::ui(Mode::Live);
        if let Some(screen) = screen {
            ui.view_mut().show(screen);
        }
        // The row's first cell, and the style of its cell `cell`.
        let shown = |store: &SessionStore, ui: &mut UiState, secs: i64| {
            let term = render_at(store, ui, at(secs), w, h);
            let lines = lines(&term);
            let y = lines
                .iter()
                .position(|l| l.contains(row))
                .unwrap_or_else(|| panic!("the row of {row}: {}", lines.join("\n")));
            let buf = term.backend().buffer();
            let x = (0..w)
                .find(|&x| buf[(x, y as u16)].symbol() == cell)
                .unwrap();
            let (mark, cell) = (&buf[(1, y as u16)], &buf[(x, y as u16)]);
            (lines[y].clone(), mark.symbol().to_string(), cell.fg)
        };
        let dim = ui.theme().dim().fg.expect("a colour theme");
        let (live, mark, fg) = shown(&store, &mut ui, 990);
        assert_ne!(mark, "?", "heard of ({w}×{h}): {live}");
        assert_ne!(fg, dim, "heard of ({w}×{h}): {live}");
        let mut doubted = store.clone();
        raw(&mut doubted, 1_000, recovery_details(1_000, "Failed"));
        let (line, mark, fg) = shown(&doubted, &mut ui, 1_002);
        assert_eq!(mark, "?", "in doubt ({w}×{h}): {line}");
        assert_eq!(fg, dim, "in doubt, drawn dim ({w}×{h}): {line}");
        // Its timer stops where the stream was last heard (900 s: 800 s after the call
        // was answered), a lower bound: not running on through the outage as if known.
        let (later, ..) = shown(&doubted, &mut ui, 1_060);
        assert!(
            later.contains("≥13:20"),
            "timed up to the outage ({w}×{h}): {later}"
        );
        assert!(
            !later.contains("16:00"),
            "not through it ({w}×{h}): {later}"
        );
        call_event(&mut doubted, "s-d", 3, 1_003, parties("Hold"));
        let (heard, mark, fg) = shown(&doubted, &mut ui, 1_004);
        assert_ne!(mark, "?", "heard of again ({w}×{h}): {heard}");
        assert_ne!(fg, dim, "heard of again ({w}×{h}): {heard}");
    }
}

/// A call found gone after an outage (reconciling) ended at a time calltop did not see:
/// its history row says it ended after the outage began and times it as a lower bound
/// up to then, and what its time went to in the outage (talk, hold) is not known, not
/// `0s`.
#[test]
fn a_call_that_ended_in_an_outage_is_a_lower_bound_in_the_history() {
    let mut store = calltop::core::SessionStore::default();
    let n = "+14155550177";
    let agent = |code: &str| {
        serde_json::json!({"id": "s-g-2", "status": {"code": code}, "direction": "Inbound",
            "to": {"phoneNumber": "+18885550100", "extensionId": "101"},
            "from": {"phoneNumber": n}, "extensionId": "101"})
    };
    call_event(
        &mut store,
        "s-g",
        1,
        50,
        serde_json::json!([caller("s-g-1", n, "Proceeding"), agent("Proceeding")]),
    );
    call_event(
        &mut store,
        "s-g",
        2,
        60,
        serde_json::json!([caller("s-g-1", n, "Answered"), agent("Answered")]),
    );
    store.mark_gone("s-g", at(200));
    for (w, h) in [(80, 24), (200, 50)] {
        let mut ui = tui_support::ui(Mode::Live);
        update(&mut ui, Intent::Cmd(Command::History), &store, at(300));
        let l = lines(&render_at(&store, &mut ui, at(300), w, h));
        let row = l
            .iter()
            .find(|r| r.contains(n))
            .unwrap_or_else(|| panic!("{w}x{h}: no row:\n{}", l.join("\n")));
        assert!(
            row.contains("≥12:03:20"),
            "ended after the outage began ({w}x{h}): {row}"
        );
        let cells: Vec<&str> = row.split_whitespace().collect();
        // Total, Ring, Talk, Hold: the ring was seen to end (10 s), the rest was not.
        assert_eq!(
            cells[cells.len() - 4..],
            ["≥2:30", "10s", "—", "—"],
            "{w}x{h}: {row}"
        );
    }
}
