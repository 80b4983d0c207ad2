//! The live source against the simulator on 127.0.0.1 with faults on: dropped
//! sockets, reordering, duplicates, refused recovery, short-lived tokens.

use crate::support as live_support;

use calltop::core::Disposition;
use calltop::sim::Faults;
use calltop::source::ConnState;
use live_support::*;
use std::time::Duration;

/// Sockets dropped every 2 s, 10 % reordered, 5 % duplicated: every notification the
/// sim emitted is in the recording, and once the sim drains the store's final state
/// equals the sim's, party by party. Recovery is Successful on each drop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_lose_nothing_and_final_state_matches() {
    let mut cfg = sim_config(11);
    cfg.calls_per_minute = 240.0;
    cfg.time_scale = 0.03;
    cfg.faults = Faults {
        reorder: 0.10,
        duplicate: 0.05,
        drop_every: Some(Duration::from_secs(2)),
        ..Faults::default()
    };
    let sim = start_sim(cfg).await;
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec.jsonl");
    let store = new_store();
    let h = spawn(live_config(&sim, Some(&rec)), &store);
    let mut events = h.subscribe_events();
    wait_live(&h).await;

    tokio::time::sleep(Duration::from_secs(7)).await;
    drain(&sim, &store, 60).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut states = Vec::new();
    drain_states(&mut events, &mut states);
    let recovered = states
        .iter()
        .filter(|s| **s == ConnState::Recovered)
        .count();
    assert!(
        recovered >= 2,
        "socket dropped and recovered several times: {states:?}"
    );
    assert!(
        !states.contains(&ConnState::Resubscribed),
        "recovery never failed here: {states:?}"
    );

    let emitted = sim.emitted_uuids();
    assert!(
        emitted.len() > 50,
        "a busy stream: {} notifications",
        emitted.len()
    );
    let (recorded, lines) = recorded_uuids(&rec);
    // Recovery tokens flowed (the socket recovered) but none reached the recording.
    let text = std::fs::read_to_string(&rec).unwrap();
    assert!(text.contains("\"wsc\""), "gateway frames were recorded");
    let leaked = text
        .lines()
        .filter(|l| l.contains("\"wsc\"") && !l.contains("\"token\":\"<redacted>\""))
        .count();
    assert_eq!(leaked, 0, "recording lines with a session-recovery token");
    let missing: Vec<_> = emitted.iter().filter(|u| !recorded.contains(*u)).collect();
    assert!(
        missing.is_empty(),
        "{} of {} emitted notifications missing from the recording",
        missing.len(),
        emitted.len()
    );

    let c = *store.read().counters();
    assert!(
        c.duplicate > 0,
        "duplicates reached the store and were recognised: {c:?}"
    );
    assert!(lines as u64 >= c.events, "every event is a recorded line");

    let want = sim_state(&sim);
    let got = store_state(&store);
    assert!(!got.is_empty());
    let diff = differing(&want, &got);
    assert!(
        diff.is_empty(),
        "store differs from the sim (first 10, sim side): {diff:?}"
    );
    assert_eq!(got.len(), want.len(), "same parties on both sides");

    // The recording replays through the file reader into the same final state (the
    // live store also holds REST snapshots from seeding, the recording only frames).
    let (_, items) = calltop::source::file::read_path(&rec).unwrap();
    let replay = new_store();
    for item in items {
        if let Ok(parsed) = item.parsed {
            let at = parsed
                .received_at
                .expect("recording lines carry receivedAt");
            replay.write(|s| s.ingest(parsed, at));
        }
    }
    let replayed = store_state(&replay);
    assert!(
        replayed.len() * 10 >= got.len() * 9,
        "{} of {}",
        replayed.len(),
        got.len()
    );
    let diff = differing(&replayed, &got);
    assert!(diff.is_empty(), "replay differs from live: {diff:?}");

    h.shutdown().await;
    sim.shutdown().await;
}

/// Every recovery refused: the client subscribes again on the same socket and
/// reconciles the calls it held as active (404 → ended), so nothing stays stuck and
/// what the store holds matches the sim.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_recovery_resubscribes_and_reconciles() {
    let mut cfg = sim_config(12);
    cfg.calls_per_minute = 240.0;
    cfg.time_scale = 0.03;
    cfg.faults = Faults {
        drop_every: Some(Duration::from_millis(1500)),
        refuse_recovery: true,
        ..Faults::default()
    };
    let sim = start_sim(cfg).await;
    let store = new_store();
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec.jsonl");
    let mut lc = live_config(&sim, Some(&rec));
    // a slower reconnect leaves a gap to act in
    lc.connection.backoff.initial = Duration::from_millis(1600);
    lc.connection.backoff.max = Duration::from_millis(1600);
    lc.connection.backoff.immediate_first = false;
    let h = spawn(lc, &store);
    let mut events = h.subscribe_events();
    wait_live(&h).await;
    wait_until(10, "an active call in the store", || {
        !store.read().active_ids().is_empty()
    })
    .await;

    // While the socket is down, hang up a call the store holds as active: its
    // notifications are lost with the refused recovery, only reconciliation can end it.
    let mut rx = h.conn.clone();
    wait_until(10, "the socket to drop", || {
        matches!(*rx.borrow_and_update(), ConnState::Offline { .. })
    })
    .await;
    let offline_seen = calltop::wire::Ts::now();
    // (a call may end on its own meanwhile: try the next one)
    let mut victim = None;
    let active = store.read().active_ids();
    for id in active {
        if let calltop::core::control::Outcome::Done { .. } =
            act(&h, &id, "", calltop::core::control::ControlAction::HangUp).await
        {
            victim = Some(id);
            break;
        }
    }
    let victim = victim.expect("hung up an active call");
    wait_until(10, "the hung-up call to be reconciled", || {
        store.read().get(&victim).is_some_and(|s| s.ended)
    })
    .await;
    let audit = store.read().get(&victim).unwrap().timeline.clone();
    assert!(
        audit
            .iter()
            .any(|e| matches!(&e.kind, calltop::core::EntryKind::Audit(t) if t.contains("404"))),
        "ended by the 404 of the reconciling GET: {audit:?}"
    );
    // It ended during the outage: closed as of the outage start (its figures don't
    // count the outage), and its outcome is only what the events before showed.
    {
        let s = store.read();
        let v = s.get(&victim).unwrap();
        assert!(v.ended_unseen);
        let end = v.end().expect("an end time");
        assert!(
            end <= offline_seen,
            "closed at {end:?}, after the outage was seen at {offline_seen:?}"
        );
        assert!(
            !matches!(
                v.disposition(),
                Disposition::Missed | Disposition::Abandoned
            ),
            "an outcome the events never showed: {:?}",
            v.disposition()
        );
    }

    tokio::time::sleep(Duration::from_secs(4)).await;
    let mut states = Vec::new();
    drain_states(&mut events, &mut states);
    drain(&sim, &store, 60).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        states
            .iter()
            .filter(|s| **s == ConnState::Resubscribed)
            .count()
            >= 2,
        "{states:?}"
    );
    assert!(!states.contains(&ConnState::Recovered), "{states:?}");

    let want = sim_state(&sim);
    let got = store_state(&store);
    assert!(!got.is_empty());
    let diff = differing(&got, &want);
    assert!(
        diff.is_empty(),
        "store differs from the sim (first 10, store side): {diff:?}"
    );
    h.shutdown().await;
    sim.shutdown().await;

    // The recording holds what reconciling learned (the victim's 404 among it), so a
    // replay of it ends where the live store did, although the frames that would have
    // ended the victim were never delivered.
    let text = std::fs::read_to_string(&rec).unwrap();
    assert!(
        text.lines()
            .any(|l| l.contains("\"sessionGone\"") && l.contains(victim.as_str())),
        "no sessionGone line for {victim}"
    );
    assert!(text.contains("\"restSession\""), "no restSession line");
    let (_, items) = calltop::source::file::read_str(&text);
    let replayed = new_store();
    let bad = replayed.write(|s| calltop::report::ingest_items(s, items));
    assert!(bad.is_empty(), "{bad:?}");
    assert!(replayed.read().find(&victim).is_some_and(|s| s.ended));
    let replayed_state = store_state(&replayed);
    let diff = differing(&got, &replayed_state);
    assert!(
        diff.is_empty(),
        "replay differs from the live store: {diff:?}"
    );
}

/// A 2-second access token: the client refreshes with the refresh token (never a
/// second JWT login), the socket keeps recovering on the same OAuth session, and
/// REST calls keep working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_refresh_keeps_one_oauth_session() {
    let mut cfg = sim_config(13);
    cfg.calls_per_minute = 120.0;
    cfg.time_scale = 0.05;
    cfg.access_token_ttl_secs = 2;
    cfg.faults = Faults {
        drop_every: Some(Duration::from_millis(1500)),
        ..Faults::default()
    };
    let sim = start_sim(cfg).await;
    let store = new_store();
    let h = spawn(live_config(&sim, None), &store);
    let mut events = h.subscribe_events();
    wait_live(&h).await;
    tokio::time::sleep(Duration::from_secs(6)).await;

    let stats = h.auth().stats();
    assert_eq!(stats.logins, 1, "{stats:?}");
    assert!(stats.refreshes >= 3, "{stats:?}");
    let mut states = Vec::new();
    drain_states(&mut events, &mut states);
    assert!(
        states.contains(&ConnState::Recovered),
        "recovery works with refreshed tokens: {states:?}"
    );
    assert!(!states.contains(&ConnState::Resubscribed), "{states:?}");
    // a REST call with the current token
    let ids = h
        .roster
        .presence(false)
        .await
        .expect("presence with a refreshed token");
    let _ = ids;
    h.shutdown().await;
    sim.shutdown().await;
}

/// Bad credentials: a clean `Failed` with the platform's message, no retry loop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_credentials_fail_cleanly() {
    let sim = start_sim(sim_config(14)).await;
    let mut cfg = live_config(&sim, None);
    cfg.connection.credentials.jwt = "not-the-jwt".into();
    let h = spawn(cfg, &new_store());
    let mut rx = h.conn.clone();
    let state = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let ConnState::Failed(m) = &*rx.borrow() {
                return m.clone();
            }
            rx.changed().await.unwrap();
        }
    })
    .await
    .expect("fails within 10 s");
    assert!(state.contains("login refused"), "{state}");
    assert_eq!(h.auth().stats().logins, 0);
    h.shutdown().await;
    sim.shutdown().await;
}

/// Reconnect storms hit the Auth rate-limit group: a 429 on wstoken is waited out
/// (Retry-After), shown as offline with the wait, and no attempt comes before it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wstoken_429_is_waited_out() {
    let mut cfg = sim_config(15);
    cfg.calls_per_minute = 60.0;
    cfg.auth_limit_per_min = 3;
    cfg.penalty_secs = 1;
    cfg.faults = Faults {
        drop_every: Some(Duration::from_millis(400)),
        ..Faults::default()
    };
    let sim = start_sim(cfg).await;
    let store = new_store();
    let h = spawn(live_config(&sim, None), &store);
    let mut events = h.subscribe_events();
    wait_live(&h).await;
    // (at, state) until two rate-limited waits have been seen
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while std::time::Instant::now() < deadline {
        if let calltop::source::LiveEvent::Conn { at, state } = events.recv().await.unwrap() {
            seen.push((at, state));
            let limited = seen
                .iter()
                .filter(|(_, s)| matches!(s, ConnState::Offline { reason, .. } if reason.contains("rate limited")))
                .count();
            if limited >= 2
                && matches!(
                    seen.last(),
                    Some((_, ConnState::Recovering | ConnState::Connecting))
                )
            {
                break;
            }
        }
    }
    let waits: Vec<_> = seen
        .windows(2)
        .filter_map(|w| match (&w[0], &w[1]) {
            (
                (
                    at,
                    ConnState::Offline {
                        retry_at, reason, ..
                    },
                ),
                (next, _),
            ) if reason.contains("rate limited") => {
                Some((at.millis_until(*retry_at), next.0 - retry_at.0))
            }
            _ => None,
        })
        .collect();
    assert!(waits.len() >= 2, "wstoken 429s: {seen:?}");
    for (wait, early) in waits {
        assert!(
            wait >= 900,
            "waits Retry-After (1 s), not the 50 ms backoff: {wait} ms"
        );
        assert!(
            early >= -5,
            "no attempt before the wait is over ({early} ms)"
        );
    }
    h.shutdown().await;
    sim.shutdown().await;
}

/// A board started while its user's Auth budget is spent (another client of the user
/// just logged in) waits the penalty out and comes up: none of its tasks (directory,
/// joins, reconcile) asks for a token before the Retry-After, which would restart the
/// platform's penalty for every client of the user (a board that never came up, found
/// in the tmux trial: each of its login attempts was followed by another task's).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_board_started_on_a_spent_auth_budget_comes_up_after_the_penalty() {
    let (sim, other) = spent_auth_budget(16, 3).await;
    let h = spawn(live_config(&sim, None), &new_store());
    let up = tokio::time::timeout(Duration::from_secs(30), until_live(&h)).await;
    let limited = sim
        .ground_truth()
        .rate_limits
        .iter()
        .find(|g| g.group == Some(calltop::sim::Group::Auth))
        .map_or(0, |g| g.limited);
    assert!(
        up.is_ok(),
        "not live after 30 s: {:?}; Auth requests refused: {limited}",
        *h.conn.borrow()
    );
    // One refused try per wait at most: each needs the penalty (2 s) and the window (3 s)
    // to pass, so more would mean tries during a penalty.
    assert!(limited <= 4, "Auth requests refused: {limited}");
    h.shutdown().await;
    other.shutdown().await;
    sim.shutdown().await;
}

/// Two boards of one user refused together come up: each waits the platform's
/// Retry-After and a random part more, so they do not come back in step, each landing
/// in the penalty the other's try restarted (they did, minute after minute, in the tmux
/// trial).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_boards_of_one_user_refused_together_both_come_up() {
    let (sim, other) = spent_auth_budget(17, 2).await;
    // The second is refused 0.3 s after the first, restarting the penalty: retrying
    // after exactly the Retry-After, each would land in the penalty the other restarted.
    let a = spawn(live_config(&sim, None), &new_store());
    let mut rx = a.conn.clone();
    while !matches!(&*rx.borrow(), ConnState::Offline { reason, .. } if reason.contains("rate limited"))
    {
        rx.changed().await.expect("live task alive");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let b = spawn(live_config(&sim, None), &new_store());
    let both = tokio::time::timeout(Duration::from_secs(60), async {
        tokio::join!(until_live(&a), until_live(&b));
    })
    .await;
    assert!(
        both.is_ok(),
        "not both live after 60 s: {:?} / {:?}",
        *a.conn.borrow(),
        *b.conn.borrow()
    );
    for h in [a, b, other] {
        h.shutdown().await;
    }
    sim.shutdown().await;
}

/// A simulator whose user may log in twice per `window_secs` (a penalty of 2 s), and a
/// client of that user that spent it (login, wstoken) and stays live.
async fn spent_auth_budget(
    seed: u64,
    window_secs: u64,
) -> (calltop::sim::SimHandle, calltop::source::live::LiveHandle) {
    let mut cfg = sim_config(seed);
    cfg.auth_limit_per_min = 2;
    cfg.penalty_secs = 2;
    cfg.rate_window_secs = window_secs;
    let sim = start_sim(cfg).await;
    let other = spawn(live_config(&sim, None), &new_store());
    wait_live(&other).await;
    (sim, other)
}

/// Resolves once `h` is live (whatever it went through before).
async fn until_live(h: &calltop::source::live::LiveHandle) {
    let mut rx = h.conn.clone();
    while !rx.borrow().is_live() {
        rx.changed().await.expect("live task alive");
    }
}
