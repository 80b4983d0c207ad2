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
