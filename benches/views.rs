//! A frame of the agents view and of the queues view with 5 000 agents in 200 queues
//! into a TestBackend (goal ≤ 2 ms), as the UI loop makes it (`sync`, then `draw`),
//! the clock moving one second per frame. The center is fed through the store from
//! roster lines (directory, memberships), presence and 2 000 queue calls in progress.
//! `agents_view_5000_changed`: the agents frame after a store change — before each frame
//! one presence notification moves one agent to another state (what every frame pays at
//! a steady event rate: the order is patched for the agents changed).
//! `agents_view_5000_rebuilt`: the agents frame with its rows ordered afresh each frame
//! (what a frame pays when the `/` filter or the directory changed).

use calltop::core::SessionStore;
use calltop::tui::keymap::Command;
use calltop::tui::msg::Intent;
use calltop::tui::reducer::update;
use calltop::tui::state::{BoardConfig, Mode, UiState};
use calltop::tui::views;
use calltop::wire::{self, Ts};
use criterion::{criterion_group, criterion_main, Criterion};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use serde_json::json;
use std::hint::black_box;

const T0: i64 = 1_714_564_800_000;
const AGENTS: usize = 5_000;
const QUEUES: usize = 200;

fn feed(store: &mut SessionStore, t: Ts, line: serde_json::Value) {
    let parsed = wire::parse(&line.to_string()).expect("bench line parses");
    store.ingest(parsed, t);
}

/// 5 000 agents, 200 queues of 25 members, 2 000 agents on a queue call.
fn center_store() -> SessionStore {
    let mut s = SessionStore::default();
    let t = Ts(T0);
    let mut ext: Vec<serde_json::Value> = (0..AGENTS)
        .map(|i| json!({"id": format!("{}", 100_000 + i), "extensionNumber": format!("{}", 1000 + i), "name": format!("Agent {i}"), "type": "User"}))
        .collect();
    ext.extend((0..QUEUES).map(|q| json!({"id": format!("{}", 900_000 + q), "extensionNumber": format!("{}", 8000 + q), "name": format!("Queue {q}"), "type": "Department"})));
    feed(
        &mut s,
        t,
        json!({"receivedAt": t.to_rfc3339(), "roster": {"extensions": ext}}),
    );
    for q in 0..QUEUES {
        let recs: Vec<serde_json::Value> = (0..AGENTS / QUEUES)
            .map(|k| json!({"id": format!("{}", 100_000 + q * (AGENTS / QUEUES) + k)}))
            .collect();
        feed(
            &mut s,
            t,
            json!({"receivedAt": t.to_rfc3339(), "roster": {"members": {"queueId": format!("{}", 900_000 + q), "records": recs}}}),
        );
    }
    for i in 0..2_000 {
        let at = Ts(T0 + i as i64 * 10);
        let q = 900_000 + (i % QUEUES);
        let agent = 100_000 + (i % QUEUES) * (AGENTS / QUEUES) + (i / QUEUES) % (AGENTS / QUEUES);
        let num = format!("+1415{i:07}");
        let parties = json!([
            {"id": format!("c{i}-1"), "direction": "Outbound", "from": {"phoneNumber": num}, "to": {"phoneNumber": "+18005550100"}, "status": {"code": "Setup"}},
            {"id": format!("c{i}-2"), "direction": "Inbound", "extensionId": q.to_string(), "from": {"phoneNumber": num}, "to": {"phoneNumber": "+18005550100"}, "status": {"code": "Setup"}},
            {"id": format!("c{i}-3"), "direction": "Inbound", "extensionId": agent.to_string(), "queueCall": true, "from": {"phoneNumber": num, "name": "Q - CALLER"}, "to": {"phoneNumber": "+18005550100", "extensionId": q.to_string()}, "status": {"code": if i % 3 == 0 { "Proceeding" } else { "Answered" }}}
        ]);
        feed(
            &mut s,
            at,
            json!({"uuid": format!("u{i}"), "event": "/restapi/v1.0/account/1/telephony/sessions", "timestamp": at.to_rfc3339(),
            "body": {"sequence": 2, "telephonySessionId": format!("s-{i}"), "eventTime": at.to_rfc3339(), "parties": parties}}),
        );
    }
    s
}

/// A board at 200×50 showing the screen `key` opens.
fn board(store: &SessionStore, key: Command) -> (UiState, Terminal<TestBackend>) {
    let mut ui = UiState::new(BoardConfig::new(Mode::Demo));
    ui.view_mut().set_size(200, 50);
    update(&mut ui, Intent::Cmd(key), store, Ts(T0 + 60_000));
    (ui, Terminal::new(TestBackend::new(200, 50)).unwrap())
}

/// One frame as the UI loop makes it.
fn frame(ui: &mut UiState, term: &mut Terminal<TestBackend>, store: &SessionStore, now: Ts) {
    ui.sync(store, now);
    term.draw(|f| views::draw(f, store, ui, now)).unwrap();
    black_box(&term);
}

fn frames(c: &mut Criterion) {
    let store = center_store();
    assert_eq!(store.center().agents().count(), AGENTS);
    assert_eq!(store.center().queues().count(), QUEUES);
    for (name, key) in [
        ("agents_view_5000", Command::Agents),
        ("queues_view_200", Command::Queues),
    ] {
        let (mut ui, mut term) = board(&store, key);
        let mut tick = 0i64;
        c.bench_function(name, |b| {
            b.iter(|| {
                tick += 1_000;
                frame(&mut ui, &mut term, &store, Ts(T0 + 60_000 + tick));
            })
        });
    }
}

/// The agents frame after one presence change per frame: agent `k` alternates between
/// Available and Busy (each notification a newer `sequence`), agents taken in turn.
fn changed(c: &mut Criterion) {
    let mut store = center_store();
    let (mut ui, mut term) = board(&store, Command::Agents);
    let mut tick = 0i64;
    c.bench_function("agents_view_5000_changed", |b| {
        b.iter(|| {
            tick += 1;
            let now = Ts(T0 + 60_000 + tick * 1_000);
            let agent = 100_000 + (tick as usize * 7) % AGENTS;
            let status = if (tick / 2) % 2 == 0 { "Busy" } else { "Available" };
            feed(
                &mut store,
                now,
                json!({"event": format!("/restapi/v1.0/account/1/extension/{agent}/presence?detailedTelephonyState=true"),
                "timestamp": now.to_rfc3339(),
                "body": {"extensionId": agent.to_string(), "telephonyStatus": "NoCall", "presenceStatus": status, "userStatus": status, "dndStatus": "TakeAllCalls", "sequence": tick}}),
            );
            frame(&mut ui, &mut term, &store, now);
        })
    });
}

/// The agents frame when all agents are ordered afresh (as after a filter or directory
/// change): the `/` filter alternates between "" and "agent" (which every agent
/// matches), so no frame finds the order of the one before.
fn rebuilt(c: &mut Criterion) {
    let store = center_store();
    let (mut ui, mut term) = board(&store, Command::Agents);
    let mut tick = 0i64;
    c.bench_function("agents_view_5000_rebuilt", |b| {
        b.iter(|| {
            tick += 1_000;
            ui.view_mut()
                .set_filter(if tick % 2_000 == 0 { "" } else { "agent" });
            frame(&mut ui, &mut term, &store, Ts(T0 + 60_000 + tick));
        })
    });
}

criterion_group!(benches, frames, changed, rebuilt);
criterion_main!(benches);
