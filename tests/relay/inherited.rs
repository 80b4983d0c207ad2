//! Calls a relay inherits from its stream: the relay and its RingCentral account gone
//! while calls were in progress, a new relay on a platform that no longer has them
//! closes them in the stream, as of when they were last heard of — not "in progress
//! for ever" on every board.
#![cfg(feature = "nats")]

use crate::e2e::{relay_process_at, sim_config};
use crate::support::*;
use calltop::core::{SessionStore, SharedStore};
use calltop::relay::{self, FoldConfig};
use calltop::sim::{SimConfig, ACCOUNT_ID};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_relay_closes_the_calls_its_stream_left_in_progress() {
    let server = NatsServer::start_for(ACCOUNT_ID);
    let names = server.names();
    let dir = tempfile::tempdir().unwrap();
    // Busy when the first relay starts: it loads calls already in progress.
    let busy = SimConfig {
        warm_start: true,
        ..sim_config(41)
    };
    let sim = calltop::sim::start(busy, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("sim starts");
    let mut first = relay_process_at(dir.path(), &server.url(), &sim, "r1", &[]);

    // A board on the stream, as a viewer.
    let viewer = server.connect(User::Viewer).await;
    let (events, _) = tokio::sync::broadcast::channel(16);
    let board = SharedStore::new(SessionStore::default());
    let deadline = Instant::now() + Duration::from_secs(60);
    let _fold = loop {
        let cfg = FoldConfig::default();
        match relay::fold(&viewer, &names, board.clone(), events.clone(), cfg).await {
            Ok(f) => break f,
            // The relay creates the stream as it starts.
            Err(e) => assert!(Instant::now() < deadline, "{e}\n{}", first.dump()),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    wait_until(60, "calls in progress on the board", || {
        let n = board.read().active_ids().len();
        async move { n >= 5 }
    })
    .await;
    // The relay and the account's platform go away with those calls unfinished.
    first.kill();
    sim.shutdown().await;
    let stopped = calltop::wire::Ts::now();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let left = board.read().active_ids();
    assert!(left.len() >= 5, "{left:?}");

    // A new relay on a platform that never had them.
    let sim = calltop::sim::start(sim_config(42), "127.0.0.1:0".parse().unwrap())
        .await
        .expect("sim starts");
    let mut second = relay_process_at(dir.path(), &server.url(), &sim, "r2", &[]);
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let open: Vec<String> = {
            let b = board.read();
            left.iter()
                .filter(|id| b.get(id).is_some_and(|s| !s.ended))
                .cloned()
                .collect()
        };
        if open.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still in progress on the board: {open:?}\n{}",
            second.dump()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Closed as of when they were last heard of, ended unseen: no call grew by the time
    // nobody watched.
    for id in &left {
        let b = board.read();
        let s = b.get(id).expect("still held");
        assert!(s.ended_unseen, "{id}");
        let end = s.newest_event().expect("an event time");
        assert!(
            end <= stopped,
            "{id} ended at {end:?}, after the relay stopped"
        );
    }
    // Each counted as ended during an outage (the header's "outage: N ended unseen").
    let counted = board.read().counters().ended_in_outage;
    assert!(counted >= left.len() as u64, "{counted} of {}", left.len());
    assert!(
        second.stdout().contains("were gone from RingCentral"),
        "{}",
        second.dump()
    );
    second.stop();
    sim.shutdown().await;
}
