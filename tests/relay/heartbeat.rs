//! Boards on a relay's stream are live only while a relay of the account is: the relay
//! puts its RingCentral connection in the KV (`relay.<id>`), the board watches
//! `relay.*` (calltop's rule: stale data is never shown as live).
#![cfg(feature = "nats")]

use crate::e2e::{relay_process_at, sim_config, sim_env};
use crate::support::*;
use calltop::core::{SessionStore, SharedStore};
use calltop::relay::heartbeat::{self, Heartbeat};
use calltop::relay::{self, setup::open_kv, FoldConfig};
use calltop::sim::ACCOUNT_ID;
use calltop::source::ConnState;
use calltop::wire::Ts;
use std::time::{Duration, Instant};

/// The last connection line a headless JSON board printed: its state and description.
fn last_connection(board: &Calltop) -> Option<(String, String)> {
    board
        .stdout()
        .lines()
        .rev()
        .filter(|l| l.contains("\"kind\":\"connection\""))
        .find_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| {
            let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
            (s("state"), s("describe"))
        })
}

/// Waits until the board's connection is `state` with a description containing `says`.
async fn board_turns(board: &Calltop, relay: &Calltop, secs: u64, state: &str, says: &str) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let now = last_connection(board);
        if now
            .as_ref()
            .is_some_and(|(s, d)| s == state && d.contains(says))
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the board never turned {state} ({says}); last: {now:?}\n{}\n{}",
            board.dump(),
            relay.dump()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The simulator killed under a relay: a board on the relay's stream turns offline
/// naming the relay and what RingCentral did, and live again once the relay
/// reconnects to the restarted simulator; the relay killed: offline once no relay was
/// heard for 15 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_board_is_live_only_while_its_relay_is() {
    let server = NatsServer::start_for(ACCOUNT_ID);
    let cfg = sim_config(31);
    let sim = calltop::sim::start(cfg.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .expect("sim starts");
    let addr = sim.addr();
    let env = sim_env(&sim);
    let dir = tempfile::tempdir().unwrap();
    let mut relay = relay_process_at(dir.path(), &server.url(), &sim, "r1", &[]);
    wait_stream_ready(&relay).await;
    let url = server.url();
    let args = ["live", "--from", &url, "--headless", "--format", "json"];
    let mut board = Calltop::spawn(dir.path(), "board", &args, &nats_env(User::Viewer));
    board_turns(&board, &relay, 60, "Live", "live").await;

    sim.shutdown().await;
    board_turns(
        &board,
        &relay,
        60,
        "Offline",
        "relay r1: RingCentral offline",
    )
    .await;
    assert!(board.running(), "{}", board.dump());

    let sim = calltop::sim::start(cfg, addr).await.expect("sim restarts");
    assert_eq!(sim_env(&sim), env, "the same credentials");
    board_turns(&board, &relay, 120, "Live", "live").await;

    relay.kill();
    board_turns(&board, &relay, 60, "Offline", "no relay heard for").await;
    let (_, says) = last_connection(&board).unwrap();
    assert!(says.contains("(relay r1 last at"), "{says}");
    assert!(board.running(), "{}", board.dump());
    board.stop();
    sim.shutdown().await;
}

/// Several relays of one account (failover): live while any is; a read-only user may
/// watch the heartbeats but not put one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_relays_are_live_while_any_is_and_readers_cannot_beat() {
    let server = NatsServer::start();
    let names = server.names();
    let relay_conn = server.relay().await;
    let kv = open_kv(&relay_conn.js, &names.kv()).await.unwrap();
    let put = |id: &'static str, c: ConnState| {
        let kv = kv.clone();
        async move {
            let hb = Heartbeat::of(&c, Ts::now(), Ts::now());
            let v = serde_json::to_vec(&hb).unwrap();
            kv.put(heartbeat::key(id), v.into()).await.unwrap();
        }
    };
    let down = ConnState::Offline {
        retry_at: Ts::now(),
        attempt: 3,
        reason: "socket closed".into(),
    };
    put("a", down.clone()).await;
    put("b", ConnState::Live).await;

    let viewer = server.connect(User::Viewer).await;
    let (events, _) = tokio::sync::broadcast::channel(16);
    let store = SharedStore::new(SessionStore::default());
    let cfg = FoldConfig {
        relays: true,
        ..FoldConfig::default()
    };
    let f = relay::fold(&viewer, &names, store, events, cfg)
        .await
        .unwrap();
    let wait = |want: fn(&ConnState) -> bool| {
        let mut conn = f.conn.clone();
        async move {
            tokio::time::timeout(Duration::from_secs(30), conn.wait_for(want))
                .await
                .map(|c| c.map(|c| c.clone()))
        }
    };
    wait(ConnState::is_live).await.unwrap().unwrap();

    put("b", down).await;
    let got = wait(|c| !c.is_live()).await.unwrap().unwrap();
    match got {
        ConnState::Offline {
            reason, attempt, ..
        } => {
            assert!(
                reason.starts_with("relay a: RingCentral offline (socket closed) since "),
                "{reason}"
            );
            assert_eq!(attempt, 3);
        }
        other => panic!("{other:?}"),
    }
    put("a", ConnState::Recovered).await;
    wait(ConnState::is_live).await.unwrap().unwrap();
    assert!(f.conn.borrow().is_live());

    let reader_kv = open_kv(&viewer.js, &names.kv()).await.unwrap();
    let hb = serde_json::to_vec(&Heartbeat::of(&ConnState::Live, Ts::now(), Ts::now())).unwrap();
    assert!(
        reader_kv.put(heartbeat::key("x"), hb.into()).await.is_err(),
        "a reader puts no heartbeat"
    );
}
