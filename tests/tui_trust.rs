//! What a supervisor trying the board found wrong, each pinned by a test: figures,
//! words, the target party, counters, sort, detail, scrolling, small terminals,
//! confirms, messages and line editing.

mod tui_support;

use calltop::tui::action::{update, Action};
use calltop::tui::keymap::Command;
use calltop::tui::state::Mode;
use calltop::wire::Ts;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tui_support::*;

/// The screen's lines.
fn lines(term: &Terminal<TestBackend>) -> Vec<String> {
    let buf = term.backend().buffer();
    let w = buf.area.width;
    (0..buf.area.height)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect()
}

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
        Action::Cmd(Command::History),
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
    ui.view.selected = Some("s-1".into());
    assert_eq!(
        target_id(&ui, &store),
        "p-1-2",
        "the default: the first agent"
    );
    update(&mut ui, Action::Cmd(Command::NextParty), &store, now);
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
    update(&mut ui, Action::Cmd(Command::NextParty), &store, now);
    assert_eq!(target_id(&ui, &store), "p-1-1");
    update(&mut ui, Action::Cmd(Command::NextParty), &store, now);
    assert_eq!(target_id(&ui, &store), "p-1-2");

    // The default target leaves.
    let mut changes = CONFERENCE.to_vec();
    changes.push((5, 2_000, "-2", "Inbound", "Disconnected", None, true));
    let store = calls::store_of(&changes);
    let mut fresh = tui_support::ui(Mode::Demo);
    fresh.view.selected = Some("s-1".into());
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
        ui2.config.thresholds.session_level(s, later),
        calltop::tui::theme::Level::Normal
    );
    let mut view = calltop::tui::state::ViewState::default();
    view.state_filter = calltop::tui::rows::StateFilter::Ringing;
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
    update(&mut ui, Action::Cmd(Command::SortTimer), &store, now());
    assert_eq!(
        row_ids(&ui, &store),
        ["s-hold", "s-talk", "s-ring", "s-park"]
    );
    assert!(ui.view.sort_descending);
    // Start ↓: newest first.
    update(&mut ui, Action::Cmd(Command::SortStart), &store, now());
    assert_eq!(
        row_ids(&ui, &store),
        ["s-ring", "s-park", "s-talk", "s-hold"]
    );
    // The same key again reverses: oldest first, shown ↑.
    update(&mut ui, Action::Cmd(Command::SortStart), &store, now());
    assert_eq!(
        row_ids(&ui, &store),
        ["s-hold", "s-talk", "s-park", "s-ring"]
    );
    let term = render(&store, &mut ui, now());
    assert!(line_with(&lines(&term), " Calls ").contains("sort start ↑"));
    // Words start A→Z (↑); S reverses to Z→A (↓).
    update(&mut ui, Action::Cmd(Command::SortFrom), &store, now());
    assert!(!ui.view.sort_descending);
    let up = row_ids(&ui, &store);
    update(&mut ui, Action::Cmd(Command::SortReverse), &store, now());
    let mut down = row_ids(&ui, &store);
    down.reverse();
    assert_eq!(up, down);
    // s cycles every column.
    let mut seen = vec![ui.view.sort];
    for _ in 0..6 {
        update(&mut ui, Action::Cmd(Command::Sort), &store, now());
        seen.push(ui.view.sort);
    }
    seen.sort_by_key(|k| k.label());
    seen.dedup();
    assert_eq!(seen.len(), 7);
}
