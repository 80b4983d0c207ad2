//! The contact center on `--metrics` (issue 23, item 29): `calltop live --headless
//! --metrics` against a busy simulator, scraped by plain HTTP and by a real Prometheus,
//! equals the simulator's ground truth per queue, sampled at the same moment — waiting
//! exactly, the oldest wait within 3 s, offered, answered, abandoned, voicemail and
//! overflow exactly, the service level as a ratio and the average speed of answer in
//! seconds — and every agent's state is the truth's (a caller leaving a message in an
//! agent's mailbox occupies no one, as the platform says). A call in flight between the
//! reads (the truth moved on, or calltop has not heard the event yet) is no sample: the
//! test reads again until the truth held still around a scrape. Before calltop has
//! watched for a queue's hold time, callers waiting since before it joined could be
//! unseen: the exact waiting count and the oldest wait are absent then, not 0.

use crate::prom::*;
use crate::support::*;
use calltop::sim::{GroundTruth, QueuePolicy, SimConfig, ACCOUNT_ID};
use calltop::wire::presence::AgentState;
use calltop::wire::Ts;
use std::time::{Duration, Instant};

/// A queue series' value, by metric name and queue id.
fn value(series: &[Series], name: &str, queue: &str) -> Option<f64> {
    series
        .iter()
        .find(|s| s.name == name && s.labels.get("queue").map(String::as_str) == Some(queue))
        .map(|s| s.value)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

/// The label value of an agent state, as the endpoint names it.
fn state_label(s: AgentState) -> &'static str {
    match s {
        AgentState::Available => "available",
        AgentState::Ringing => "ringing",
        AgentState::OnCall => "on_call",
        AgentState::OnHold => "on_hold",
        AgentState::Parked => "parked",
        AgentState::Busy => "busy",
        AgentState::OffQueue => "off_queue",
        AgentState::Dnd => "dnd",
        AgentState::Offline => "offline",
    }
}

/// Every queue's figures in `series` equal `gt`'s (calltop saw every call from its
/// start); with `exact`, the exact waiting count and the oldest wait are present.
pub fn compare_queues(gt: &GroundTruth, series: &[Series], exact: bool) -> Result<(), String> {
    for s in series
        .iter()
        .filter(|s| s.name.starts_with("calltop_queue_"))
    {
        if s.labels.get("account").map(String::as_str) != Some(ACCOUNT_ID) {
            return Err(format!(
                "{} is not labelled with the account: {s:?}",
                s.name
            ));
        }
    }
    for q in &gt.queues {
        let v = |name: &str| value(series, name, &q.id);
        let named = series.iter().any(|s| {
            s.labels.get("queue") == Some(&q.id) && s.labels.get("queue_name") == Some(&q.name)
        });
        if !named {
            return Err(format!("no series of {} named {:?}", q.id, q.name));
        }
        let waiting = q.waiting_now as f64;
        let counts = [
            ("calltop_queue_seen_waiting_calls", waiting),
            ("calltop_queue_calls_offered_total", q.offered as f64),
            ("calltop_queue_calls_answered_total", q.answered as f64),
            ("calltop_queue_calls_abandoned_total", q.abandoned as f64),
            ("calltop_queue_calls_voicemail_total", q.voicemail as f64),
            ("calltop_queue_calls_overflow_total", q.overflow as f64),
        ];
        for (name, want) in counts {
            if v(name) != Some(want) {
                return Err(format!("{}: {name} {:?}, truth {want}", q.name, v(name)));
            }
        }
        match (v("calltop_queue_waiting_calls"), exact) {
            (Some(n), _) if n != waiting => {
                return Err(format!("{}: waiting {n}, truth {waiting}", q.name))
            }
            (None, true) => return Err(format!("{}: no exact waiting count", q.name)),
            _ => {}
        }
        let truth_oldest = q
            .oldest_waiting_since
            .map_or(0.0, |t| t.millis_until(gt.generated_at) as f64 / 1000.0);
        match (v("calltop_queue_oldest_wait_seconds"), exact) {
            (Some(s), _) if (s - truth_oldest).abs() > 3.0 => {
                return Err(format!("{}: oldest {s} s, truth {truth_oldest} s", q.name))
            }
            (None, true) => return Err(format!("{}: no oldest wait", q.name)),
            _ => {}
        }
        let sl = v("calltop_queue_service_level_ratio");
        let truth_sl = q.service_level_pct.map(|p| p / 100.0);
        if sl.is_some() != truth_sl.is_some() || sl.zip(truth_sl).is_some_and(|(a, b)| !close(a, b))
        {
            return Err(format!("{}: SL {sl:?}, truth {truth_sl:?}", q.name));
        }
        let asa = v("calltop_queue_average_speed_of_answer_seconds");
        let truth_asa =
            (q.answered > 0).then(|| q.total_answer_wait_ms as f64 / q.answered as f64 / 1000.0);
        if asa.is_some() != truth_asa.is_some()
            || asa.zip(truth_asa).is_some_and(|(a, b)| !close(a, b))
        {
            return Err(format!("{}: ASA {asa:?}, truth {truth_asa:?}", q.name));
        }
    }
    Ok(())
}

/// Every agent's state in `series` is the truth's (1 for it, 0 for the others).
fn compare_agents(gt: &GroundTruth, series: &[Series]) -> Result<(), String> {
    // The first user is the supervisor calltop logs in as (left out as in `join`).
    for a in gt.agents.iter().skip(1) {
        let Some(want) = a.state else { continue };
        let on: Vec<&str> = series
            .iter()
            .filter(|s| {
                s.name == "calltop_agent_state"
                    && s.labels.get("agent") == Some(&a.id)
                    && s.value == 1.0
            })
            .filter_map(|s| s.labels.get("state").map(String::as_str))
            .collect();
        if on != [state_label(want)] {
            return Err(format!("{}: state {on:?}, truth {want:?}", a.name));
        }
    }
    Ok(())
}

/// Nothing compared changed between two truths.
fn same_moment(a: &GroundTruth, b: &GroundTruth) -> bool {
    let key = |g: &GroundTruth| {
        let q: Vec<_> = g
            .queues
            .iter()
            .map(|q| {
                (
                    q.waiting_now,
                    q.oldest_waiting_since,
                    (q.offered, q.answered, q.abandoned, q.voicemail, q.overflow),
                    (q.answered_within_sla, q.total_answer_wait_ms),
                )
            })
            .collect();
        let a: Vec<_> = g.agents.iter().map(|a| a.state).collect();
        (q, a)
    };
    key(a) == key(b)
}

/// Reads `series` between two truths until they held still around it and agree;
/// returns that truth.
async fn sample<F>(sim: &calltop::sim::SimHandle, what: &str, read: impl Fn() -> F) -> GroundTruth
where
    F: std::future::Future<Output = Vec<Series>>,
{
    let mut last = String::from("the truth never held still");
    for _ in 0..150 {
        let before = sim.ground_truth();
        let series = read().await;
        let after = sim.ground_truth();
        if same_moment(&before, &after) {
            match compare_queues(&before, &series, true)
                .and_then(|()| compare_agents(&before, &series))
            {
                Ok(()) => return before,
                Err(e) => last = e,
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} never agreed with the ground truth: {last}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scrape_of_metrics_equals_the_ground_truth_per_queue() {
    // Callers wait at most 12 s (then voicemail, or Support overflows to Sales): calltop
    // knows every waiting caller 12 s after it first heard of a call.
    let policies = QueuePolicy::defaults()
        .into_iter()
        .map(|p| QueuePolicy {
            hold_time_secs: 12.0,
            ..p
        })
        .collect();
    let sim = start_sim(SimConfig {
        generate_calls: false,
        calls_per_minute: 90.0,
        talk_secs: (4.0, 15.0),
        agent_churn: false,
        heavy_limit_per_min: 100_000,
        queue_policies: policies,
        ..sim_config(29)
    })
    .await;
    let logs = tempfile::tempdir().unwrap();
    let launched = Ts::now();
    let (_live, port) = live_with_metrics(&sim, logs.path());
    let dir = tempfile::tempdir().unwrap();
    let (_prom, api) = prometheus(port, dir.path());
    wait_connected(port).await;
    // Before any call: the queues are there, their waiting callers not known to be all.
    let queues = sim.ground_truth().queues;
    let deadline = Instant::now() + Duration::from_secs(30);
    let early = loop {
        let series = scrape(port).await;
        let listed = queues.iter().all(|q| {
            value(&series, "calltop_queue_seen_waiting_calls", &q.id) == Some(0.0)
                && value(&series, "calltop_queue_calls_offered_total", &q.id) == Some(0.0)
        });
        if listed {
            break series;
        }
        assert!(
            Instant::now() < deadline,
            "the queues never appeared on /metrics"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let counting_from = |series: &[Series]| {
        series
            .iter()
            .find(|s| s.name == "calltop_figures_start_timestamp_seconds")
            .map(|s| s.value * 1000.0)
    };
    // Listening before any call: the figures count from then (no call is known to have
    // been missed since), not from the first call.
    let listening = counting_from(&early).expect("the counters' start");
    assert!(
        listening >= launched.0 as f64 && listening <= Ts::now().0 as f64,
        "counting from {listening} ms, launched at {}",
        launched.0
    );
    for q in &queues {
        for unknown in [
            "calltop_queue_waiting_calls",
            "calltop_queue_oldest_wait_seconds",
            "calltop_queue_service_level_ratio",
            "calltop_queue_average_speed_of_answer_seconds",
        ] {
            assert_eq!(
                value(&early, unknown, &q.id),
                None,
                "{unknown} of {} before calltop could know it",
                q.name
            );
        }
    }
    let resumed = Ts::now();
    sim.resume_new_calls();
    let started = Instant::now();
    // The queue's hold time after the first call, every waiting caller is known.
    loop {
        let series = scrape(port).await;
        if queues
            .iter()
            .all(|q| value(&series, "calltop_queue_waiting_calls", &q.id).is_some())
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the exact waiting count never appeared"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Samples until callers were waiting in some, every queue answered calls (so its
    // service level and speed of answer are figures, not absent) and callers left a
    // queue unanswered.
    let (mut direct, mut scraped, mut waited) = (0, 0, 0);
    let (mut answered, mut left) = (false, false);
    while direct < 3 || scraped < 3 || waited < 2 || !answered || !left {
        assert!(
            started.elapsed() < Duration::from_secs(150),
            "samples: {direct} direct, {scraped} Prometheus, {waited} with callers waiting; \
             answered everywhere: {answered}, left unanswered: {left}"
        );
        for prometheus in [false, true] {
            let gt = if prometheus {
                scraped += 1;
                let q = r#"{__name__=~"calltop_(queue|agent)_.*"}"#;
                sample(&sim, "Prometheus", || query_all(&api, q)).await
            } else {
                direct += 1;
                sample(&sim, "GET /metrics", || scrape(port)).await
            };
            waited += usize::from(gt.queues.iter().any(|q| q.waiting_now > 0));
            answered = gt.queues.iter().all(|q| q.answered > 0);
            left = gt
                .queues
                .iter()
                .any(|q| q.abandoned + q.voicemail + q.overflow > 0);
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    // calltop joined after midnight: the counters count from when it began listening,
    // not 00:00, and not from its first call.
    let from = counting_from(&scrape(port).await).expect("the counters' start");
    assert_eq!(from, listening, "calls began at {}", resumed.0);
    sim.shutdown().await;
}
