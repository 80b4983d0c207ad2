//! Queue alarms on the board: raised, a queue's row and wallboard tile in the alarm
//! colour, ALARM in the header, the bell with `--bell`; cleared, it says so.

use crate::support as tui_support;

use calltop::core::alarms::{AlarmRules, Alarms};
use calltop::tui::msg::{Effect, Event};
use calltop::tui::reducer::update;
use calltop::tui::state::{BoardConfig, Mode, Screen, UiState};
use calltop::tui::theme::Level;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tui_support::*;

/// The style of the first cell of `text` on the screen.
fn style_of(term: &Terminal<TestBackend>, text: &str) -> ratatui::style::Style {
    let l = lines(term);
    let y = l.iter().position(|r| r.contains(text)).expect(text);
    let col = l[y][..l[y].find(text).unwrap()].chars().count();
    term.backend().buffer()[(col as u16, y as u16)].style()
}

#[test]
fn a_raised_alarm_colours_its_queue_rings_and_shows_until_it_clears() {
    let store = center_store();
    // Sales has a caller waiting 30 s.
    let rules = AlarmRules::parse("[queue.800]\noldest_wait_over = 10\n").unwrap();
    let mut alarms = Alarms::new(rules);
    let changes = alarms.evaluate(store.center(), now());
    assert_eq!(changes.len(), 1, "{changes:?}");
    let raised = changes[0].clone();
    let mut ui = UiState::new(BoardConfig {
        bell: true,
        ..config(Mode::Live)
    });
    ui.view_mut().show(Screen::Queues);
    let before = render(&store, &mut ui, now());
    let crit = ui.theme().level(Level::Crit);
    assert_ne!(style_of(&before, "Sales 800").fg, crit.fg);
    let fx = update(&mut ui, Event::Alarm(raised.clone()), &store, now());
    assert!(fx.contains(&Effect::Bell), "{fx:?}");
    let term = render(&store, &mut ui, now());
    let text = lines(&term).join("\n");
    assert!(text.contains("ALARM 800 oldest wait"), "{text}");
    assert!(
        text.contains("alarm raised: queue 800 oldest wait (30, threshold 10)"),
        "{text}"
    );
    assert_eq!(style_of(&term, "Sales 800").fg, crit.fg, "{text}");
    assert_ne!(style_of(&term, "Support 801").fg, crit.fg, "{text}");
    ui.view_mut().show(Screen::Wallboard);
    let wall = render(&store, &mut ui, now());
    assert_eq!(style_of(&wall, "⚠ Sales").fg, crit.fg);
    // Without --bell, no bell.
    let mut quiet = tui_support::ui(Mode::Live);
    let fx = update(&mut quiet, Event::Alarm(raised.clone()), &store, now());
    assert!(!fx.contains(&Effect::Bell), "{fx:?}");
    // Cleared: it says so, and the queue is back to its colours.
    let cleared = calltop::core::alarms::AlarmChange {
        raised: false,
        ..raised
    };
    update(&mut ui, Event::Alarm(cleared), &store, now());
    ui.view_mut().show(Screen::Queues);
    let term = render(&store, &mut ui, now());
    let text = lines(&term).join("\n");
    assert!(!text.contains("ALARM"), "{text}");
    assert!(
        text.contains("alarm cleared: queue 800 oldest wait"),
        "{text}"
    );
    assert_ne!(style_of(&term, "Sales 800").fg, crit.fg, "{text}");
}

/// A recording of one caller entering queue 800 (Sales) at second 10, answered at second
/// 100, hanging up at second 1000 (lines as calltop records them), from 12:00:00Z.
fn breach_recording(dir: &std::path::Path) -> std::path::PathBuf {
    use serde_json::json;
    let t = |s: i64| at(s).to_rfc3339();
    let call = |seq: i64, s: i64, parties: serde_json::Value| {
        json!({"uuid": format!("u-{seq}"), "event": "/restapi/v1.0/account/400123/telephony/sessions",
               "timestamp": t(s), "body": {"sequence": seq, "telephonySessionId": "c-1",
               "eventTime": t(s), "parties": parties, "origin": {"type": "Call"}}})
    };
    let n = "+14155550111";
    let lines = [
        json!({"receivedAt": t(1), "roster": {"extensions": [
            {"id": "201", "extensionNumber": "101", "name": "Ann Archer", "type": "User", "status": "Enabled"},
            {"id": "800", "extensionNumber": "800", "name": "Sales", "type": "Department",
             "callQueueInfo": {"slaThresholdSeconds": 30}}]}}),
        call(1, 10, json!([caller("c1-1", n, "Setup")])),
        call(2, 10, json!([queue_party("c1-2", "800", n, "Setup")])),
        call(
            3,
            100,
            json!([agent_leg("c1-3", "800", "201", n, "Proceeding")]),
        ),
        call(
            4,
            100,
            json!([agent_leg("c1-3", "800", "201", n, "Answered")]),
        ),
        call(5, 100, json!([caller("c1-1", n, "Answered")])),
        call(6, 1000, json!([caller("c1-1", n, "Disconnected")])),
    ];
    let path = dir.join("breach.jsonl");
    let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    std::fs::write(&path, text.join("\n") + "\n").unwrap();
    path
}

/// Alarms on a replay run on the stream's clock: a caller waiting since second 10
/// passes a 20 s oldest-wait threshold at second 30 of the stream — the alarm is raised
/// then (played at ×1 on tokio's virtual clock: within one evaluation, 0.5 s), not when
/// the wall clock says; a jump back before the breach clears it; a jump to second 60
/// (paused) raises it at exactly second 60; a jump past the answer clears it.
#[tokio::test(start_paused = true)]
async fn a_replay_raises_and_clears_alarms_at_the_streams_time() {
    use calltop::modes::alarms::{spawn, Clock};
    use calltop::source::replay::{self, JumpTarget, Options, Replay, ReplayCmd, Speed};
    let dir = tempfile::tempdir().unwrap();
    let rp = Replay::open(&breach_recording(dir.path()), Options::default()).unwrap();
    let store = calltop::core::SharedStore::new(calltop::core::SessionStore::default());
    let h = replay::spawn(rp, store.clone(), Speed::X1, false);
    let rules = AlarmRules::parse("clear_after = 0\n[queue.800]\noldest_wait_over = 20\n");
    let zone = calltop::core::zone::Zone::parse("UTC").unwrap();
    let clock = Clock::Replay(h.status.clone());
    let mut w = spawn(rules.unwrap(), store.clone(), zone, None, clock);
    let raised = w.changes.recv().await.unwrap();
    assert!(raised.raised, "{raised:?}");
    assert_eq!(raised.key.kind.as_str(), "oldestWait");
    let late = at(31).millis_until(raised.at);
    assert!(
        (0..=500).contains(&late),
        "raised at {} (stream), the breach at {}",
        raised.at.to_rfc3339(),
        at(31).to_rfc3339()
    );
    // Back to second 20 (paused there): cleared at that stream time.
    h.cmds.send(ReplayCmd::TogglePause).unwrap();
    h.cmds
        .send(ReplayCmd::Jump(JumpTarget::At(at(20))))
        .unwrap();
    let cleared = w.changes.recv().await.unwrap();
    assert!(!cleared.raised, "{cleared:?}");
    assert_eq!(cleared.at, at(20));
    // To second 60: raised at exactly second 60, the wait 50 s.
    h.cmds
        .send(ReplayCmd::Jump(JumpTarget::At(at(60))))
        .unwrap();
    let again = w.changes.recv().await.unwrap();
    assert!(again.raised, "{again:?}");
    assert_eq!(again.at, at(60));
    assert_eq!(again.value, Some(50.0));
    // Past the answer, at the call's end (second 1000: calltop has watched longer than a
    // caller may wait, so nobody unseen waits): cleared then.
    h.cmds
        .send(ReplayCmd::Jump(JumpTarget::At(at(1000))))
        .unwrap();
    let done = w.changes.recv().await.unwrap();
    assert!(!done.raised, "{done:?}");
    assert_eq!(done.at, at(1000));
    h.task.abort();
}
