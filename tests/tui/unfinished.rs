//! What the board may claim of calls the stream leaves unfinished (issue 24): sparse
//! real captures drawn — a presence-seeded outbound call, sequence gaps, an input
//! without any time, a long timer on the agents pane.

use crate::support as tui_support;

use calltop::core::clock;
use calltop::source::replay::{Options, Replay, Speed};
use calltop::tui::keymap::Command;
use calltop::tui::msg::{Event, Intent};
use calltop::tui::reducer::update;
use calltop::tui::state::{Mode, Screen};
use serde_json::json;
use std::io::Write;
use tui_support::*;

fn text(store: &calltop::core::SessionStore, ui: &mut calltop::tui::state::UiState) -> String {
    render_at(store, ui, now(), 160, 40).backend().to_string()
}

/// A detailed presence notification of extension 62000101 (the shape of the gateway's
/// captured presence notification) with one outbound call connected: how a board
/// subscribed to presence learns of a call it joined mid-way.
#[test]
fn a_presence_seeded_outbound_call_of_the_extension_is_drawn_out() {
    let mut store = calltop::core::SessionStore::default();
    raw(
        &mut store,
        100,
        json!({
            "uuid": "pr-1",
            "event": "/restapi/v1.0/account/400123/extension/62000101/presence?detailedTelephonyState=true",
            "timestamp": at(100).to_rfc3339(),
            "body": {"extensionId": 62000101, "telephonyStatus": "CallConnected", "sequence": 4,
                     "activeCalls": [{"id": "c-1", "direction": "Outbound",
                                      "from": "+18005550102", "to": "+14155550177",
                                      "telephonyStatus": "CallConnected", "sessionId": "555",
                                      "startTime": at(40).to_rfc3339(), "partyId": "p-s-out-1",
                                      "telephonySessionId": "s-out"}]}
        }),
    );
    let mut ui = ui(Mode::Demo);
    let screen = text(&store, &mut ui);
    let row = screen
        .lines()
        .find(|l| l.contains("+14155550177"))
        .unwrap_or_else(|| panic!("no row:\n{screen}"));
    assert!(row.contains(" Out "), "{row}");
    assert!(!row.contains(" In "), "{row}");
}

/// Loose notifications whose sequences jump (2, 3, 8), as in captures of a busy account.
#[test]
fn the_detail_says_how_many_sequence_gaps_a_call_has() {
    let mut store = calltop::core::SessionStore::default();
    let spec = |code| PartySpec {
        id: "p-s-gap-1",
        dir: "Outbound",
        from: ALICE,
        to: SALES,
        code,
        ext: None,
    };
    event(&mut store, "s-gap", 2, 500, &[spec("Setup")], json!({}));
    event(
        &mut store,
        "s-gap",
        3,
        501,
        &[spec("Proceeding")],
        json!({}),
    );
    event(&mut store, "s-gap", 8, 510, &[spec("Answered")], json!({}));
    let mut ui = ui(Mode::Demo);
    ui.view_mut().select("s-gap");
    update(&mut ui, Intent::Cmd(Command::Open), &store, now());
    let screen = text(&store, &mut ui);
    assert!(screen.contains("· 1 sequence gap "), "{screen}");
}

/// Values without any time (no envelope timestamp, no eventTime): the stream clock has
/// nothing to tell.
#[test]
fn a_replay_of_values_without_any_time_shows_no_clock() {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    let line = json!({"uuid": "u-1", "event": "/restapi/v1.0/account/400123/telephony/sessions",
                      "body": {"sequence": 2, "telephonySessionId": "s-notime",
                               "parties": [{"id": "p-s-notime-1", "direction": "Outbound",
                                            "status": {"code": "Setup"}}]}});
    writeln!(f, "{line}").unwrap();
    let mut rp = Replay::open(f.path(), Options::default()).expect("replay");
    let mut store = rp.new_store();
    rp.seek(rp.start(), &mut store);
    while rp.step(&mut store) {}
    let mut ui = ui(Mode::Replay);
    let st = rp.status(Speed::X1, true);
    let now = st.clock_at(st.since);
    update(&mut ui, Event::Replay(st), &store, now);
    let screen = render_at(&store, &mut ui, now, 160, 40)
        .backend()
        .to_string();
    assert!(!screen.contains("00:00:00"), "{screen}");
    assert!(!screen.contains("UTC"), "{screen}");
}

/// An agent talking for hours: at no width does the agents pane cut a timer without
/// `…` (at 160 columns `4:25:41` was drawn `4:25:4`), alone or beside the calls.
#[test]
fn the_agents_pane_never_cuts_a_timer() {
    let store = center_store();
    let later = now().plus_millis(4 * 3_600_000 + 25 * 60_000);
    let ann = store.center().agent("201").expect("Ann");
    let since = ann.calls.first().expect("Ann is on a call").since;
    let want = clock(since.millis_until(later));
    assert!(want.len() >= 7, "{want}");
    let mut whole = 0;
    for (screen, w) in (60..=200u16)
        .map(|w| (Screen::Agents, w))
        .chain((160..=200).map(|w| (Screen::Board, w)))
    {
        let mut ui = ui(Mode::Demo);
        ui.view_mut().show(screen);
        let text = render_at(&store, &mut ui, later, w, 40)
            .backend()
            .to_string();
        let Some(row) = text.lines().find(|l| l.contains("Ann Arch")) else {
            continue;
        };
        for cell in row.split_whitespace() {
            let cut = cell != want && cell.len() >= 3 && want.starts_with(cell);
            assert!(!cut, "{w} columns: {cell:?} of {want} in {row}");
            whole += usize::from(cell == want);
        }
    }
    assert!(whole > 100, "the timer is shown: {whole}");
}
