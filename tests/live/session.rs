//! Session life of the live source against the simulator: seeding calls already in
//! progress, heartbeats on a quiet socket, malformed frames, revoke on shutdown.

use crate::support as live_support;

use calltop::core::EntryKind;
use calltop::sim::Faults;
use calltop::source::{ConnState, LiveEvent};
use live_support::*;
use std::time::Duration;

/// Calls in progress before calltop starts are loaded (presence + session GETs) with
/// their real start time, so their timers are right from the first frame.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeds_calls_in_progress_with_their_start_time() {
    let mut cfg = sim_config(41);
    cfg.calls_per_minute = 300.0;
    cfg.time_scale = 1.0;
    let sim = start_sim(cfg).await;
    wait_until(20, "users talking in the sim", || {
        sim.call_states().iter().filter(|c| user_talking(c)).count() >= 2
    })
    .await;
    sim.stop_new_calls();
    let before: Vec<_> = sim
        .call_states()
        .into_iter()
        .filter(|c| {
            c.parties
                .iter()
                .any(|p| p.status.as_ref().is_some_and(|s| !s.code.is_terminal()))
        })
        .collect();
    assert!(before.len() >= 2, "calls in progress: {}", before.len());
    let store = new_store();
    let h = spawn(live_config(&sim, None), &store);
    wait_live(&h).await;
    let must: Vec<_> = before.iter().filter(|c| user_talking(c)).collect();
    assert!(!must.is_empty(), "some users are talking");
    let seeded = |s: &calltop::core::SessionStore, id: &str| {
        s.get(id).is_some_and(|x| {
            matches!(
                x.timeline.first().map(|e| &e.kind),
                Some(EntryKind::Snapshot { .. })
            )
        })
    };
    wait_until(10, "every call with a user talking seeded", || {
        let s = store.read();
        must.iter().all(|c| seeded(&s, &c.id))
    })
    .await;
    {
        let s = store.read();
        for c in &before {
            if seeded(&s, &c.id) {
                assert_eq!(
                    s.get(&c.id).unwrap().start,
                    c.creation_time,
                    "start time of {}",
                    c.id
                );
            }
        }
    }
    h.shutdown().await;
    sim.shutdown().await;
}

/// A quiet socket gets Heartbeats after the idle time; the gateway answers and the
/// connection stays up (no reconnect).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_keep_a_quiet_socket_up() {
    let mut cfg = sim_config(42);
    cfg.calls_per_minute = 0.0;
    cfg.generate_calls = false;
    let sim = start_sim(cfg).await;
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec.jsonl");
    let store = new_store();
    let mut lc = live_config(&sim, Some(&rec));
    lc.connection.heartbeat_idle = Duration::from_millis(300);
    lc.connection.heartbeat_timeout = Duration::from_secs(2);
    let h = spawn(lc, &store);
    let mut events = h.subscribe_events();
    wait_live(&h).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut states = Vec::new();
    drain_states(&mut events, &mut states);
    assert!(
        !states
            .iter()
            .any(|s| matches!(s, ConnState::Offline { .. } | ConnState::Recovering)),
        "never dropped: {states:?}"
    );
    let text = std::fs::read_to_string(&rec).unwrap();
    let echoes = text
        .lines()
        .filter(|l| {
            matches!(
                calltop::wire::parse(l).map(|p| p.item),
                Ok(calltop::wire::Incoming::Heartbeat)
            )
        })
        .count();
    assert!(echoes >= 4, "heartbeat answers recorded: {echoes}");
    h.shutdown().await;
    sim.shutdown().await;
}

/// Malformed frames are recorded, counted and reported; the stream goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_frames_are_kept_counted_and_skipped() {
    let mut cfg = sim_config(43);
    cfg.calls_per_minute = 300.0;
    cfg.time_scale = 0.05;
    cfg.faults = Faults {
        malformed: 0.2,
        ..Faults::default()
    };
    let sim = start_sim(cfg).await;
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec.jsonl");
    let store = new_store();
    let h = spawn(live_config(&sim, Some(&rec)), &store);
    let mut events = h.subscribe_events();
    wait_live(&h).await;
    wait_until(20, "malformed frames and events after them", || {
        let c = *store.read().counters();
        c.malformed >= 3 && c.applied >= 30
    })
    .await;
    let mut reported = 0;
    while let Ok(e) = events.try_recv() {
        if let LiveEvent::Malformed { error, .. } = e {
            assert!(!error.is_empty());
            reported += 1;
        }
    }
    assert!(reported >= 3);
    assert_eq!(*h.conn.borrow(), ConnState::Live, "the stream went on");
    let text = std::fs::read_to_string(&rec).unwrap();
    let unparsable = text
        .lines()
        .filter(|l| calltop::wire::parse(l).is_err())
        .count();
    assert!(
        unparsable >= 3,
        "malformed frames are in the recording: {unparsable}"
    );
    for l in text.lines() {
        let v: serde_json::Value = serde_json::from_str(l).expect("every recording line is JSON");
        // a gateway frame, or what calltop learned by REST: the directory (`roster`), a
        // session fetched while reconciling after a bad frame (`restSession`) or found gone
        let learned = ["frame", "roster", "restSession", "sessionGone"];
        assert!(
            v["receivedAt"].is_string() && learned.iter().any(|k| !v[k].is_null()),
            "{l}"
        );
    }
    h.shutdown().await;
    sim.shutdown().await;
}

/// Shutdown revokes the OAuth session: its access token stops working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_revokes_the_token() {
    let sim = start_sim(sim_config(44)).await;
    let h = spawn(live_config(&sim, None), &new_store());
    wait_live(&h).await;
    let token = h.auth().access_token().await.unwrap();
    let url = format!("{}/restapi/v1.0/account/~/extension/~", sim.base_url());
    let get = || reqwest::Client::new().get(&url).bearer_auth(&token).send();
    assert_eq!(get().await.unwrap().status(), 200);
    h.shutdown().await;
    assert_eq!(get().await.unwrap().status(), 401);
    sim.shutdown().await;
}

/// A token invalidated behind calltop's back (the OAuth session revoked elsewhere):
/// the next REST calls get a 401, calltop refreshes — here that fails too, so it logs
/// in again — and retries once; the callers never see the 401. Requests that met the
/// 401 together renew the session once: each refresh invalidates the token the one
/// before handed out, so renewing in turn had a retry meet a second 401.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_session_is_replaced_transparently() {
    let sim = start_sim(sim_config(45)).await;
    let h = spawn(live_config(&sim, None), &new_store());
    wait_live(&h).await;
    let token = h.auth().access_token().await.unwrap();
    let c = credentials(&sim);
    let revoked = reqwest::Client::new()
        .post(format!("{}/restapi/oauth/revoke", sim.base_url()))
        .basic_auth(&c.client_id, Some(&c.client_secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={token}"))
        .send()
        .await
        .unwrap();
    assert!(revoked.status().is_success());
    assert_eq!(h.auth().stats().logins, 1);
    let together = futures_util::future::join_all((0..4).map(|_| h.roster.presence(true))).await;
    for r in together {
        r.expect("retried with a fresh session");
    }
    let stats = h.auth().stats();
    assert_eq!((stats.logins, stats.refreshes), (2, 0), "{stats:?}");
    h.shutdown().await;
    sim.shutdown().await;
}

/// A start-up load that the platform rate-limits is waited out, not skipped: every
/// call in progress is loaded, and the board is told how loading goes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_start_up_load_waits_and_loads_every_call() {
    let mut cfg = sim_config(43);
    cfg.calls_per_minute = 300.0;
    cfg.time_scale = 1.0;
    cfg.light_limit_per_min = 8;
    cfg.penalty_secs = 2;
    cfg.rate_window_secs = 6;
    let sim = start_sim(cfg).await;
    wait_until(30, "users talking in the sim", || {
        sim.call_states().iter().filter(|c| user_talking(c)).count() >= 4
    })
    .await;
    sim.stop_new_calls();
    let must: Vec<String> = sim
        .call_states()
        .into_iter()
        .filter(user_talking)
        .map(|c| c.id)
        .collect();
    // Spend the user's Light budget first, so that even the presence request that
    // lists the calls in progress is answered with a 429.
    let mut quiet = live_config(&sim, None);
    quiet.subscription.seed = false;
    let h0 = spawn(quiet, &new_store());
    wait_live(&h0).await;
    for _ in 0..9 {
        act(
            &h0,
            "s-none",
            "p-none",
            calltop::core::control::ControlAction::Hold,
        )
        .await;
    }
    h0.shutdown().await;
    let store = new_store();
    let h = spawn(live_config(&sim, None), &store);
    let mut loading = h.loading.clone();
    wait_live(&h).await;
    let mut waited = false;
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    loop {
        let l = *loading.borrow_and_update();
        waited |= l.waiting_until.is_some();
        if l.total > 0 && !l.busy() {
            assert!(l.total >= must.len(), "{l:?}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still loading: {l:?}; requests by rate-limit group: {:?}",
            sim.ground_truth().rate_limits
        );
        let _ = tokio::time::timeout(Duration::from_secs(1), loading.changed()).await;
    }
    assert!(waited, "the load was rate limited and waited");
    let missing: Vec<String> = {
        let s = store.read();
        must.iter()
            .filter(|id| s.get(id).is_none())
            .cloned()
            .collect()
    };
    assert!(
        missing.is_empty(),
        "calls in progress not loaded: {missing:?}"
    );
    h.shutdown().await;
    sim.shutdown().await;
}
