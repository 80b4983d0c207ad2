//! The simulator behaves like a real contact center (issue 21): over a long busy run,
//! read from the notification stream alone, no agent ever has more than two calls
//! connected, no queue call is offered to an agent who is on a call, rung for another
//! queue call or wrapping up after one (the queue's own wrap-up time), and every
//! queue's figures in `calltop report` of the stream equal the simulator's ground truth.
//! Once on a simulated clock (`calltop sim generate`, two hours), once live (a minute
//! at `--time-scale 0.2`, recorded by `calltop record`).

use crate::support::*;
use calltop::sim::{GroundTruth, QueuePolicy, SimConfig};
use calltop::wire::{Incoming, StatusCode, Ts};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// What the stream shows about each agent, checked event by event.
#[derive(Default)]
struct Watch {
    /// Wrap-up per queue id (ms).
    wrap_ms: HashMap<String, i64>,
    /// How early an offer may look against the end of wrap-up (event times vs the
    /// router's clock).
    slack_ms: i64,
    /// Per agent: sessions with a party connected (`Answered`/`Hold`), and their parties.
    connected: HashMap<String, HashMap<String, HashSet<String>>>,
    most: HashMap<String, usize>,
    /// Queue legs: (session, party) → (agent, queue, answered).
    legs: HashMap<(String, String), (String, String, bool)>,
    /// Per agent: its queue legs not ended (nor parked) yet.
    live_legs: HashMap<String, HashSet<(String, String)>>,
    /// Per agent: when its wrap-up after the last answered queue call ends.
    free_at: HashMap<String, Ts>,
    offers: usize,
    faults: Vec<String>,
}

impl Watch {
    fn new(truth: &GroundTruth, scale: f64) -> Watch {
        let policies = QueuePolicy::defaults();
        Watch {
            wrap_ms: truth
                .queues
                .iter()
                .zip(&policies)
                .map(|(q, p)| (q.id.clone(), (p.wrap_up_secs * scale * 1000.0) as i64))
                .collect(),
            slack_ms: 250,
            ..Watch::default()
        }
    }

    fn read(&mut self, recording: &Path) {
        let text = std::fs::read_to_string(recording).unwrap();
        for line in text.lines() {
            let p = calltop::wire::parse(line).expect("every line of the recording parses");
            let Incoming::Session(n) = p.item else {
                continue;
            };
            let t = n.body.event_time.expect("eventTime");
            let sid = n.body.telephony_session_id.clone();
            for party in &n.body.parties {
                self.party(&sid, party, t);
            }
        }
    }

    fn party(&mut self, sid: &str, p: &calltop::wire::Party, t: Ts) {
        let Some(agent) = p.extension_id.clone() else {
            return;
        };
        let code = p.status.as_ref().map(|s| s.code.clone());
        let key = (sid.to_string(), p.id.clone());
        let queue = p.to.as_ref().and_then(|to| to.extension_id.clone());
        if p.queue_call == Some(true) && !self.legs.contains_key(&key) {
            let queue = queue.unwrap_or_default();
            self.offers += 1;
            let on_calls = self.connected.get(&agent).map_or(0, |c| c.len());
            if on_calls > 0 {
                self.faults.push(format!(
                    "{t}: {agent} offered a {queue} call on {on_calls} connected call(s)"
                ));
            }
            if let Some(free) = self.free_at.get(&agent) {
                if t.0 + self.slack_ms < free.0 {
                    self.faults.push(format!(
                        "{t}: {agent} offered a {queue} call in wrap-up (until {free})"
                    ));
                }
            }
            let rung = self.live_legs.entry(agent.clone()).or_default();
            if !rung.is_empty() {
                self.faults.push(format!(
                    "{t}: {agent} offered a {queue} call with {} queue call(s) already",
                    rung.len()
                ));
            }
            rung.insert(key.clone());
            self.legs.insert(key.clone(), (agent.clone(), queue, false));
        }
        let is_connected = matches!(code, Some(StatusCode::Answered | StatusCode::Hold));
        let calls = self.connected.entry(agent.clone()).or_default();
        if is_connected {
            calls
                .entry(sid.to_string())
                .or_default()
                .insert(p.id.clone());
        } else if let Some(parties) = calls.get_mut(sid) {
            parties.remove(&p.id);
            if parties.is_empty() {
                calls.remove(sid);
            }
        }
        let n = calls.len();
        let most = self.most.entry(agent.clone()).or_default();
        *most = (*most).max(n);
        if let Some((a, q, answered)) = self.legs.get_mut(&key) {
            *answered |= code == Some(StatusCode::Answered);
            // An agent who parks the call is off it (its wrap-up starts then).
            let off = code
                .as_ref()
                .is_some_and(|c| c.is_terminal() || *c == StatusCode::Parked);
            let rung = self.live_legs.get_mut(a.as_str());
            if off && rung.is_some_and(|r| r.remove(&key)) && *answered {
                let wrap = self.wrap_ms.get(q.as_str()).copied().unwrap_or(0);
                self.free_at.insert(a.clone(), t.plus_millis(wrap));
            }
        }
    }

    /// The checks every run must pass.
    fn assert_realistic(&self, truth: &GroundTruth) {
        assert!(
            self.faults.is_empty(),
            "{} routing faults, first: {:?}",
            self.faults.len(),
            &self.faults[..self.faults.len().min(5)]
        );
        for a in &truth.agents {
            let seen = self.most.get(&a.id).copied().unwrap_or(0);
            assert!(seen <= 2, "{} had {seen} calls connected at once", a.name);
            assert_eq!(
                a.max_connected_calls, seen,
                "{}: the ground truth's most connected calls is the stream's",
                a.name
            );
        }
    }
}

/// `calltop report --format json` of a recording: its queues, by id.
fn report_queues(recording: &Path) -> HashMap<String, serde_json::Value> {
    report_json(recording)["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| (q["id"].as_str().unwrap().to_string(), q.clone()))
        .collect()
}

/// Every queue's figures in the report equal the ground truth's.
fn assert_report_is_truth(recording: &Path, truth: &GroundTruth) {
    let report = report_queues(recording);
    for q in &truth.queues {
        let r = &report[&q.id];
        let figures = |v: &serde_json::Value| {
            [
                "offered",
                "answered",
                "abandoned",
                "voicemail",
                "overflow",
                "waiting",
            ]
            .map(|k| v[k].as_u64().unwrap())
        };
        assert_eq!(
            figures(r),
            [
                q.offered,
                q.answered,
                q.abandoned,
                q.voicemail,
                q.overflow,
                q.waiting_now
            ],
            "{}: report vs ground truth",
            q.name
        );
        let sl = r["serviceLevel"].as_f64();
        assert!(
            match (sl, q.service_level_pct) {
                (Some(a), Some(b)) => (a - b).abs() < 1e-9,
                (a, b) => a.is_none() && b.is_none(),
            },
            "{}: service level {sl:?} vs {:?}",
            q.name,
            q.service_level_pct
        );
        if q.answered > 0 {
            let asa = r["avgSpeedOfAnswerSeconds"].as_f64().unwrap();
            let truth_asa = q.total_answer_wait_ms as f64 / q.answered as f64 / 1000.0;
            assert!(
                (asa - truth_asa).abs() < 1e-6,
                "{}: ASA {asa} vs {truth_asa}",
                q.name
            );
        }
    }
}

#[test]
fn two_generated_busy_hours_route_like_a_contact_center() {
    let dir = tempfile::tempdir().unwrap();
    let (out, truth_path) = (dir.path().join("day.jsonl"), dir.path().join("truth.jsonl"));
    let status = Command::new(env!("CARGO_BIN_EXE_calltop"))
        .args([
            "sim",
            "generate",
            "--duration",
            "2h",
            "--calls-per-minute",
            "40",
        ])
        .args([
            "--extensions",
            "60",
            "--seed",
            "21",
            "--start",
            "2026-12-01T09:00:00Z",
        ])
        .arg("--out")
        .arg(&out)
        .arg("--truth")
        .arg(&truth_path)
        .status()
        .unwrap();
    assert!(status.success());
    let lines = std::fs::read_to_string(&truth_path).unwrap();
    let snapshots: Vec<GroundTruth> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(snapshots.len(), 8, "every 15 minutes, then the end");
    let truth = snapshots.last().unwrap();
    assert_eq!(
        truth.generated_at,
        Ts::parse("2026-12-01T11:00:00Z").unwrap(),
        "two simulated hours"
    );
    let mut w = Watch::new(truth, 1.0);
    w.slack_ms = 50;
    w.read(&out);
    assert!(w.offers > 1000, "a busy two hours: {} offers", w.offers);
    w.assert_realistic(truth);
    assert!(
        truth.agents.iter().any(|a| a.max_connected_calls == 2),
        "consultations still put a caller on hold"
    );
    // The 15-minute snapshots only grow.
    for pair in snapshots.windows(2) {
        for (a, b) in pair[0].queues.iter().zip(&pair[1].queues) {
            assert!(
                a.offered <= b.offered && a.answered <= b.answered,
                "{a:?} {b:?}"
            );
        }
    }
    assert_report_is_truth(&out, truth);
    for (q, r) in truth.queues.iter().zip(&truth.router) {
        assert_eq!((q.answered, r.other), (r.answered, 0), "{}", q.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_minute_routes_like_a_contact_center() {
    let scale = 0.2;
    let sim = start_sim(SimConfig {
        time_scale: scale,
        calls_per_minute: 30.0,
        generate_calls: false,
        ..sim_config(23)
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("minute.jsonl");
    let mut child = calltop(&sim, &["record", "--out", out.to_str().unwrap()]);
    wait_until(20, "the recorder subscribed", || {
        std::fs::read_to_string(&out).is_ok_and(|t| t.contains("eventFilters"))
    })
    .await;
    sim.resume_new_calls();
    tokio::time::sleep(Duration::from_secs(60)).await;
    sim.stop_new_calls();
    wait_until(120, "every queue emptied", || {
        sim.ground_truth().queues.iter().all(|q| q.waiting_now == 0)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let truth = sim.ground_truth();
    assert!(stop(&mut child).success());
    sim.shutdown().await;
    let mut w = Watch::new(&truth, scale);
    w.read(&out);
    assert!(w.offers > 20, "a busy minute: {} offers", w.offers);
    w.assert_realistic(&truth);
    assert_report_is_truth(&out, &truth);
}

#[test]
fn the_same_seed_and_start_generate_the_same_stream() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, seed: &str| {
        let out = dir.path().join(name);
        let status = Command::new(env!("CARGO_BIN_EXE_calltop"))
            .args(["sim", "generate", "--duration", "10m", "--seed", seed])
            .args(["--start", "2026-12-01T09:00:00Z", "--out"])
            .arg(&out)
            .arg("--truth")
            .arg(dir.path().join(format!("{name}.truth")))
            .status()
            .unwrap();
        assert!(status.success());
        std::fs::read(out).unwrap()
    };
    let (a, b, c) = (run("a", "5"), run("b", "5"), run("c", "6"));
    assert!(a.len() > 100_000, "ten minutes of calls: {} bytes", a.len());
    assert!(a == b, "same seed, same stream");
    assert!(a != c, "another seed, another stream");
}
