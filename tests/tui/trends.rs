//! The queues' trends on the queues view and the wallboard: per 15-minute interval of
//! the last hour, the peak of callers waiting and the service level, following a
//! synthesized stream; unknown intervals (before calltop heard a call) show `—`, as does
//! the service level of the interval it joined in; a peak while callers may have waited
//! unseen (after joining or an outage) is a lower bound (`≥`); the charts are dropped
//! whole where they do not fit.

use crate::support as tui_support;

use calltop::core::center::Cut;
use calltop::core::zone::Zone;
use calltop::core::SessionStore;
use calltop::tui::keymap::Command;
use calltop::tui::msg::Intent;
use calltop::tui::reducer::update;
use calltop::tui::state::{Mode, Screen};
use calltop::wire::Ts;
use serde_json::json;
use tui_support::*;

/// Second `s` of minute `m` after T0 (12:00:00Z), in seconds.
fn hm(m: i64, s: i64) -> i64 {
    m * 60 + s
}

const N: &str = "+14155550199";

/// A caller `id` enters queue 800 (Sales, SLA 30 s) at second `t`.
fn enter(s: &mut SessionStore, id: &str, t: i64) {
    let (c, q) = (format!("{id}-1"), format!("{id}-2"));
    call_event(s, id, 1, t, json!([caller(&c, N, "Setup")]));
    call_event(s, id, 2, t, json!([queue_party(&q, "800", N, "Setup")]));
}

/// Agent Ann (201) answers caller `id` at second `t`.
fn answer(s: &mut SessionStore, id: &str, t: i64) {
    let leg = |code| json!([agent_leg(&format!("{id}-3"), "800", "201", N, code)]);
    call_event(s, id, 3, t, leg("Proceeding"));
    call_event(s, id, 4, t, leg("Answered"));
    call_event(
        s,
        id,
        5,
        t,
        json!([caller(&format!("{id}-1"), N, "Answered")]),
    );
}

/// Queues Sales (800, SLA 30 s) and Support (801), agent Ann (201); the center counts
/// 15-minute intervals in UTC. calltop joins at 12:20 (its directory load, then the
/// first call), so 12:00–12:15 is
/// unknown, and 12:15's service level too (calls may have been answered unseen before
/// 12:20); until 12:35 (15 minutes, the hold time when not known) callers may wait
/// unseen, so the peaks of 12:15 and 12:30 are lower bounds. 12:15: two callers at once,
/// one answered within the SLA. 12:30: three at once, then a fourth alone at 12:44:30
/// still waiting at 12:45; two of the four within the SLA (50 %). 12:45: one waiting
/// carried in, no call entered (no SL).
fn trend_store() -> SessionStore {
    trend_store_with(0, hm(20, 0))
}

/// [`trend_store`] with `more` queues without calls (900, 901…), joined at second
/// `joined` (the directory load).
fn trend_store_with(more: usize, joined: i64) -> SessionStore {
    let mut s = SessionStore::default();
    s.center_mut().count_intervals(Cut {
        len_ms: 15 * 60_000,
        zone: Zone::parse("UTC").unwrap(),
    });
    let mut extensions = vec![
        json!({"id": "201", "extensionNumber": "101", "name": "Ann Archer", "type": "User", "status": "Enabled"}),
        json!({"id": "800", "extensionNumber": "800", "name": "Sales", "type": "Department",
               "callQueueInfo": {"slaThresholdSeconds": 30}}),
        json!({"id": "801", "extensionNumber": "801", "name": "Support", "type": "Department",
               "callQueueInfo": {"slaThresholdSeconds": 20}}),
    ];
    for i in 0..more {
        let id = (900 + i).to_string();
        extensions.push(
            json!({"id": id, "extensionNumber": id, "name": format!("Queue {id}"),
                               "type": "Department", "callQueueInfo": {"slaThresholdSeconds": 20}}),
        );
    }
    raw(
        &mut s,
        1,
        json!({"receivedAt": at(joined).to_rfc3339(), "roster": {"extensions": extensions}}),
    );
    // In the stream's order.
    enter(&mut s, "a", hm(20, 0));
    enter(&mut s, "b", hm(20, 0));
    answer(&mut s, "a", hm(20, 10));
    answer(&mut s, "b", hm(21, 0));
    enter(&mut s, "c", hm(31, 0));
    enter(&mut s, "d", hm(31, 5));
    enter(&mut s, "e", hm(31, 10));
    answer(&mut s, "c", hm(31, 20));
    answer(&mut s, "d", hm(31, 25));
    answer(&mut s, "e", hm(32, 30));
    enter(&mut s, "f", hm(44, 30));
    answer(&mut s, "f", hm(46, 0));
    s
}

/// 12:50.
fn trend_now() -> Ts {
    at(hm(50, 0))
}

/// The figures of the screen's row that starts with `name` (after `skip` columns),
/// bars left out: `["—", "2", …]`.
fn figures_of(rows: &[String], prefix: &str) -> Vec<String> {
    let row = rows
        .iter()
        .find(|r| r.trim_start().starts_with(prefix))
        .unwrap_or_else(|| panic!("no row {prefix:?} in\n{}", rows.join("\n")));
    let rest = &row.trim_start()[prefix.len()..];
    rest.chars()
        .map(|c| if ('▁'..='█').contains(&c) { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

fn screen(store: &SessionStore, cmd: Command, w: u16, h: u16) -> Vec<String> {
    screen_at(store, cmd, w, h, trend_now())
}

fn screen_at(store: &SessionStore, cmd: Command, w: u16, h: u16, now: Ts) -> Vec<String> {
    let mut ui = ui(Mode::Live);
    update(&mut ui, Intent::Cmd(cmd), store, now);
    lines(&render_at(store, &mut ui, now, w, h))
}

#[test]
fn the_queues_view_charts_each_intervals_peak_waiting_and_service_level() {
    let mut store = trend_store();
    let rows = screen(&store, Command::Queues, 80, 24);
    let text = rows.join("\n");
    assert!(text.contains("Last hour, 15-minute intervals"), "{text}");
    assert!(
        text.contains("12:00 12:15 12:30 12:45"),
        "the last hour's intervals: {text}"
    );
    assert_eq!(
        figures_of(&rows, "Sales  "),
        ["—", "≥2", "≥3", "1", "—", "—", "50%", "—"],
        "{text}"
    );
    // Support heard no call: known intervals have none waiting (at least, while callers
    // may wait unseen), no service level.
    assert_eq!(
        figures_of(&rows, "Support  "),
        ["—", "≥0", "≥0", "0", "—", "—", "—", "—"],
        "{text}"
    );
    // Three more enter at 12:52 and wait, one is answered within the SLA at 12:52:10.
    enter(&mut store, "g", hm(52, 0));
    enter(&mut store, "h", hm(52, 0));
    enter(&mut store, "i", hm(52, 5));
    answer(&mut store, "g", hm(52, 10));
    let rows = screen_at(&store, Command::Queues, 80, 24, at(hm(53, 0)));
    assert_eq!(
        figures_of(&rows, "Sales  "),
        ["—", "≥2", "≥3", "3", "—", "—", "50%", "100%"],
        "{}",
        rows.join("\n")
    );
    // An outage calltop did not recover from, heard of at 12:54: callers may have
    // waited unseen since, so the running interval's peak is a lower bound again.
    raw(&mut store, hm(54, 0), recovery_details(hm(54, 0), "Failed"));
    let rows = screen_at(&store, Command::Queues, 80, 24, at(hm(55, 0)));
    assert_eq!(
        figures_of(&rows, "Sales  "),
        ["—", "≥2", "≥3", "≥3", "—", "—", "50%", "100%"],
        "{}",
        rows.join("\n")
    );
}

/// What calltop heard of the stream counts, not only calls: a board listening from
/// 12:00:01 that heard its first call at 12:20 knew 12:00–12:15 had no caller it could
/// see (a lower bound: callers waiting since before 12:00:01 may be unseen until
/// 12:15:01), and heard all of 12:15, so its service level is known.
#[test]
fn a_quiet_start_is_known_not_unknown() {
    let store = trend_store_with(0, 1);
    let rows = screen(&store, Command::Queues, 80, 24);
    assert_eq!(
        figures_of(&rows, "Sales  "),
        ["≥0", "≥2", "3", "1", "—", "50%", "50%", "—"],
        "{}",
        rows.join("\n")
    );
    // The report reads the same time: its 12:00 is partial, its 12:15 whole.
    let c = store.center();
    let iv = c.intervals().unwrap();
    assert_eq!(iv.heard_from(), Some(at(1)));
    assert_eq!(c.watching_since(), Some(at(1)));
}

#[test]
fn the_wallboard_shows_each_queues_last_hour_under_its_panel() {
    let store = trend_store();
    let rows = screen(&store, Command::Wallboard, 80, 24);
    let text = rows.join("\n");
    let sales = rows.iter().position(|r| r.starts_with("Sales")).unwrap();
    let trend = rows[sales..]
        .iter()
        .find(|r| r.starts_with("last hour"))
        .unwrap_or_else(|| panic!("{text}"));
    let figures: Vec<String> = figures_of(&[trend.replace("  SL", " ")], "last hour  waiting");
    assert_eq!(
        figures,
        ["—", "≥2", "≥3", "1", "—", "—", "50%", "—"],
        "{text}"
    );
}

#[test]
fn the_charts_are_dropped_whole_where_they_do_not_fit() {
    let store = trend_store();
    // Too narrow for the charts: no chart, no part of one; the table stays.
    for cmd in [Command::Queues, Command::Wallboard] {
        let text = screen(&store, cmd, 60, 24).join("\n");
        assert!(
            !text.contains("Last hour") && !text.contains("last hour"),
            "{text}"
        );
        assert!(!text.contains("12:15"), "{text}");
        assert!(text.contains("Sales"), "{text}");
    }
    // Too low for the whole queue table and the charts: the table alone.
    let text = screen(&trend_store_with(4, hm(20, 0)), Command::Queues, 80, 16).join("\n");
    assert!(!text.contains("Last hour"), "{text}");
    assert!(text.contains("Sales"), "{text}");
    // A wallboard whose trend rows would leave out a queue's panel: no trend row.
    // (80×21: two panels of seven rows fit, not two of eight.)
    let text = screen(&trend_store_with(4, hm(20, 0)), Command::Wallboard, 80, 21).join("\n");
    assert!(!text.contains("last hour"), "{text}");
    assert!(text.contains("\nSales"), "{text}");
    // Without intervals counted (a board that keeps none): no chart.
    let text = screen(&center_store(), Command::Queues, 80, 24).join("\n");
    assert!(!text.contains("Last hour"), "{text}");
}

#[test]
fn trends_at_80x24_and_200x50() {
    let store = trend_store();
    for (w, h) in [(80, 24), (200, 50)] {
        for (name, cmd, screen) in [
            ("trends_queues", Command::Queues, Screen::Queues),
            ("trends_wallboard", Command::Wallboard, Screen::Wallboard),
        ] {
            let mut ui = ui(Mode::Live);
            update(&mut ui, Intent::Cmd(cmd), &store, trend_now());
            assert_eq!(ui.view().screen(), screen);
            let term = render_at(&store, &mut ui, trend_now(), w, h);
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), term.backend());
        }
    }
}
