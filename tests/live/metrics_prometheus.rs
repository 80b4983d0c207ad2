//! `calltop live --headless --metrics ADDR` scraped by a real Prometheus (Debian's
//! package; CI installs it): the figures Prometheus stores equal the simulator's own
//! count of the calls it made, per queue too. Fails (not skips) when prometheus is
//! missing.

use crate::prom::*;
use crate::support::*;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_scrapes_the_figures_the_simulator_made() {
    let mut cfg = sim_config(61);
    cfg.calls_per_minute = 600.0;
    cfg.time_scale = 0.02;
    // Only what happens once calltop listens is counted: the generator waits for it.
    cfg.generate_calls = false;
    let sim = start_sim(cfg).await;
    let calls_before = sim.call_states().len();
    let events_before = sim.emitted_uuids().len();
    let logs = tempfile::tempdir().unwrap();
    let (_live, metrics_port) = live_with_metrics(&sim, logs.path());
    let dir = tempfile::tempdir().unwrap();
    let (_prom, api) = prometheus(metrics_port, dir.path());
    // calltop is subscribed: the calls start.
    wait_connected(metrics_port).await;
    sim.resume_new_calls();
    // Calls come and go; then no new calls, and every call ends.
    wait_until(30, "calls ending in the sim", || {
        sim.call_states()
            .iter()
            .filter(|c| {
                c.parties
                    .iter()
                    .all(|p| p.status.as_ref().is_some_and(|s| s.code.is_terminal()))
            })
            .count()
            >= 10
    })
    .await;
    sim.stop_new_calls();
    wait_until(60, "the sim to drain", || sim.active_calls() == 0).await;
    let made = (sim.call_states().len() - calls_before) as f64;
    let events = (sim.emitted_uuids().len() - events_before) as f64;
    // Prometheus, scraping every second, ends up with exactly the simulator's figures.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let (mut ended, mut histo, mut seen, mut up) = (None, None, None, None);
    while std::time::Instant::now() < deadline {
        ended = query(&api, "sum(calltop_calls_ended_total)").await;
        histo = query(&api, "calltop_call_ring_seconds_count").await;
        seen = query(&api, "calltop_events_total").await;
        up = query(&api, "calltop_connected").await;
        if ended == Some(made) && histo == Some(made) && seen == Some(events) && up == Some(1.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(
        ended,
        Some(made),
        "calls ended (every outcome) vs calls the sim made"
    );
    assert_eq!(histo, Some(made), "one ring observation per ended call");
    assert_eq!(
        seen,
        Some(events),
        "events received vs notifications the sim sent"
    );
    assert_eq!(up, Some(1.0), "connected");
    let calls_now = query(&api, "sum(calltop_calls)").await;
    assert_eq!(calls_now, Some(0.0), "no call in progress after the drain");
    // And per queue, the figures the simulator counted.
    let gt = sim.ground_truth();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let series = query_all(&api, r#"{__name__=~"calltop_queue_.*"}"#).await;
        match crate::metrics_queues::compare_queues(&gt, &series, false) {
            Ok(()) => break,
            Err(e) if std::time::Instant::now() > deadline => panic!("per queue: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
    assert!(gt.queues.iter().all(|q| q.offered > 0), "{:?}", gt.queues);
    sim.shutdown().await;
}
