//! What the board says of calls it could not see: an outage counts every call held
//! before it that ended during it, answered or not; a start that is only rate limited
//! is no outage, and says it is loading instead of showing zeros (issue 23, items 13
//! and 22).

use crate::support::*;
use calltop::core::SharedStore;
use calltop::sim::{Faults, SimHandle};
use calltop::source::live::LiveHandle;
use calltop::source::ConnState;
use calltop::tui::msg::Event;
use calltop::tui::reducer::update;
use calltop::tui::state::{BoardConfig, Mode, Screen, UiState};
use calltop::wire::{StatusCode, Ts};
use std::time::Duration;

/// The board as the live source feeds it, drawn at 200×50 on `screen`.
/// The socket drops every `secs` seconds and no recovery succeeds.
fn unrecovered_drops(secs: u64) -> Faults {
    Faults {
        drop_every: Some(Duration::from_secs(secs)),
        refuse_recovery: true,
        ..Faults::default()
    }
}

/// Reconnects 3 s after each drop, not at once.
fn reconnect_after_3s(lc: &mut calltop::source::live::LiveConfig) {
    lc.connection.backoff.initial = Duration::from_secs(3);
    lc.connection.backoff.max = Duration::from_secs(3);
    lc.connection.backoff.immediate_first = false;
}

/// Once the socket dropped: the next one stays up (recovery still refused) and no new
/// call starts.
async fn dropped_then_quiet(sim: &SimHandle, rx: &mut tokio::sync::watch::Receiver<ConnState>) {
    wait_until(15, "the socket to drop", || {
        matches!(*rx.borrow_and_update(), ConnState::Offline { .. })
    })
    .await;
    sim.set_faults(Faults {
        refuse_recovery: true,
        ..Faults::default()
    });
    sim.stop_new_calls();
}

fn board(store: &SharedStore, h: &LiveHandle, screen: Screen) -> String {
    let mut ui = UiState::new(BoardConfig::new(Mode::Live));
    let now = Ts::now();
    {
        // As the board's loop hands them on: the connection, then the loading.
        let st = store.read();
        update(&mut ui, Event::Conn(h.conn.borrow().clone()), &st, now);
        update(&mut ui, Event::Loading(*h.loading.borrow()), &st, now);
    }
    ui.set_wall(now);
    ui.view_mut().show(screen);
    screen_at(store, &mut ui, now)
}

/// One socket drop, recovery refused: every call the board held when the socket dropped
/// is hung up during the outage — answered ones too — and after reconciling the header
/// counts them all as `ended unseen` (it counted only those with no outcome before).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_counts_every_call_held_before_it_that_ended_during_it() {
    let mut cfg = sim_config(23);
    cfg.warm_start = true;
    cfg.calls_per_minute = 120.0;
    // Nothing ends on its own while the test runs.
    cfg.talk_secs = (900.0, 900.0);
    cfg.extras = false;
    cfg.agent_churn = false;
    cfg.faults = unrecovered_drops(5);
    let sim = start_sim(cfg).await;
    let store = new_store();
    let mut lc = live_config(&sim, None);
    // Room to hang up the calls before the reconnect.
    reconnect_after_3s(&mut lc);
    let h = spawn(lc, &store);
    wait_live(&h).await;
    let mut rx = h.conn.clone();
    // The next socket stays up; recovery is still refused.
    dropped_then_quiet(&sim, &mut rx).await;
    let held = store.read().active_ids();
    let answered = held
        .iter()
        .filter(|id| {
            store.read().get(id).is_some_and(|s| {
                s.parties
                    .iter()
                    .any(|p| p.code() == Some(&StatusCode::Answered))
            })
        })
        .count();
    assert!(
        held.len() >= 3 && answered >= 1,
        "{} held, {answered} answered",
        held.len()
    );
    let mut outcomes = Vec::new();
    for id in &held {
        outcomes.push(act(&h, id, "", calltop::core::control::ControlAction::HangUp).await);
    }
    // (The sim keeps an ended call, its parties all gone; its GET answers 404.)
    wait_until(10, "every held call ended in the sim", || {
        sim.call_states()
            .iter()
            .filter(|c| held.contains(&c.id))
            .all(|c| {
                c.parties
                    .iter()
                    .all(|p| p.status.as_ref().is_some_and(|s| s.code.is_terminal()))
            })
    })
    .await;
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, calltop::core::control::Outcome::Done { .. })),
        "{outcomes:?}"
    );
    wait_until(30, "every held call reconciled", || {
        let st = store.read();
        held.iter().all(|id| st.get(id).is_some_and(|s| s.ended))
    })
    .await;
    // The load after the outage ends: what the agents are doing is known again.
    wait_until(30, "the load after the outage over", || {
        !h.loading.borrow().reloading
    })
    .await;
    let header = board(&store, &h, Screen::Board);
    let want = format!("outage: {} ended unseen", held.len());
    assert!(
        header.lines().take(3).any(|l| l.contains(&want)),
        "want {want:?} ({answered} of them answered):\n{header}"
    );
    h.shutdown().await;
    sim.shutdown().await;
}

/// A start whose seeding is rate limited (everyone's presence, Heavy, refused): the
/// agents and queues views say they are loading — not a blank call or `0/0/0` — until
/// the first load is over; calls that end meanwhile are seen to end, and no outage is
/// claimed once the seed catches up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_start_says_loading_and_is_no_outage() {
    let mut cfg = sim_config(22);
    cfg.warm_start = true;
    cfg.calls_per_minute = 120.0;
    cfg.time_scale = 0.05;
    cfg.faults = Faults {
        heavy_429_storm: Some(Duration::from_secs(60)),
        ..Faults::default()
    };
    let sim = start_sim(cfg).await;
    let store = new_store();
    let h = spawn(live_config(&sim, None), &store);
    wait_live(&h).await;
    assert!(h.loading.borrow().seeding, "seeding from the start");
    wait_until(20, "presence rate limited", || {
        h.loading.borrow().waiting_until.is_some()
    })
    .await;
    wait_until(20, "the directory's queues", || {
        store.read().center().queues().count() > 0
    })
    .await;
    let queues = board(&store, &h, Screen::Queues);
    assert!(queues.contains("loading… (rate limited"), "{queues}");
    assert!(!queues.contains("0/0/0"), "{queues}");
    let agents = board(&store, &h, Screen::Agents);
    assert!(agents.contains("loading…"), "{agents}");
    // Calls end in sight meanwhile.
    wait_until(30, "a call seen to end", || {
        store.read().sessions().any(|s| s.ended)
    })
    .await;
    sim.set_faults(Faults::default());
    wait_until(90, "the seed over", || !h.loading.borrow().seeding).await;
    let queues = board(&store, &h, Screen::Queues);
    assert!(!queues.contains("loading…"), "{queues}");
    assert!(!queues.contains("outage"), "{queues}");
    assert_eq!(store.read().counters().ended_in_outage, 0);
    h.shutdown().await;
    sim.shutdown().await;
}

/// How many calls the board holds in doubt.
fn st_doubted(store: &SharedStore) -> usize {
    store.read().center().doubted_count()
}

/// Callers waiting when the socket drops who hang up during the outage: after it, until
/// reconciling (here slowed to 0.7 s a request) reaches their calls, the board holds
/// calls it has not heard of since. Those are in doubt: the queues never count a caller
/// among them as waiting (the board's `≥N` stays at or below the truth), and the header
/// counts them (`outage: N unchecked`); once reconciled, they are closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_who_left_during_an_outage_are_not_counted_as_waiting_after_it() {
    let mut cfg = sim_config(24);
    cfg.warm_start = true;
    cfg.calls_per_minute = 60.0;
    cfg.agent_churn = false;
    cfg.faults = unrecovered_drops(6);
    let sim = start_sim(cfg).await;
    let store = new_store();
    let mut lc = live_config(&sim, None);
    reconnect_after_3s(&mut lc);
    let h = spawn(lc, &store);
    wait_live(&h).await;
    let waiting = |store: &SharedStore| -> Vec<String> {
        let st = store.read();
        let c = st.center();
        c.queues()
            .flat_map(|q| c.waiting_in(q).map(|w| w.session.clone()))
            .collect()
    };
    let mut rx = h.conn.clone();
    dropped_then_quiet(&sim, &mut rx).await;
    let left = waiting(&store);
    assert!(!left.is_empty(), "callers wait when the socket drops");
    for id in &left {
        act(&h, id, "", calltop::core::control::ControlAction::HangUp).await;
    }
    // Reconciling goes slowly from here on.
    sim.set_faults(Faults {
        refuse_recovery: true,
        slow: Some(Duration::from_millis(700)),
        ..Faults::default()
    });
    wait_until(30, "subscribed again", || {
        matches!(*rx.borrow_and_update(), ConnState::Resubscribed)
    })
    .await;
    // Until every call held over the outage is checked: the load may not have started
    // yet when the socket is back.
    let mut checked = 0;
    let until = std::time::Instant::now() + Duration::from_secs(60);
    while h.loading.borrow().busy() || store.read().center().doubted_count() > 0 {
        assert!(
            std::time::Instant::now() < until,
            "calls still unchecked after 60 s"
        );
        let truth: u64 = sim
            .ground_truth()
            .queues
            .iter()
            .map(|q| q.waiting_now)
            .sum();
        let shown = waiting(&store);
        assert!(
            shown.len() as u64 <= truth,
            "{} shown waiting, truth {truth}: {shown:?} (left during the outage: {left:?})",
            shown.len()
        );
        if checked == 0 {
            let st = store.read();
            assert!(left.iter().all(|id| st.center().doubted(id)));
            drop(st);
            let calls = board(&store, &h, Screen::Board);
            let want = format!("outage: {} unchecked", st_doubted(&store));
            assert!(
                calls.lines().nth(1).unwrap().contains(&want),
                "{want}\n{calls}"
            );
        }
        checked += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(checked > 0, "the calls held over the outage were doubted");
    let ended = |id: &String| store.read().get(id).is_none_or(|s| s.ended);
    assert!(left.iter().all(ended), "every call that left is found gone");
    h.shutdown().await;
    sim.shutdown().await;
}
