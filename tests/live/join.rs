//! A board that joins a contact center in progress (issue 23, item 2), against a
//! warm-started simulator joined 40 s late. No platform API lists the callers waiting in
//! a queue: one that waits since before calltop joined is heard of only once an agent is
//! offered the call, or it leaves the queue. So until calltop has watched for the
//! queue's hold time, the board's waiting calls are a lower bound (shown `≥N`), never
//! above the truth; from then on they are exactly the ground truth's, and the oldest
//! wait is within 3 s of it. An answered queue call on hold is no caller waiting. Every
//! agent's state is the truth's, timed where calltop saw it change, `—` (unknown) where
//! the change came before calltop joined.

use crate::support::*;
use calltop::core::SharedStore;
use calltop::sim::{GroundTruth, QueuePolicy, SimConfig, SimHandle};
use calltop::wire::Ts;
use std::time::Duration;

/// One sample: the truth and the store agree on it, read while the truth held still.
async fn sample(sim: &SimHandle, store: &SharedStore, joined: Ts, complete: bool) {
    let mut last = String::new();
    for _ in 0..60 {
        let before = sim.ground_truth();
        match compare(&before, store, joined, complete) {
            Ok(()) if same_moment(&before, &sim.ground_truth()) => return,
            Ok(()) => {}
            Err(e) => last = e,
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the board never agreed with the ground truth: {last}");
}

/// Nothing a sample compares changed between two truths.
fn same_moment(a: &GroundTruth, b: &GroundTruth) -> bool {
    let key = |g: &GroundTruth| {
        let q: Vec<_> = g
            .queues
            .iter()
            .map(|q| (q.waiting_now, q.oldest_waiting_since))
            .collect();
        let a: Vec<_> = g.agents.iter().map(|a| (a.state, a.state_since)).collect();
        (q, a)
    };
    key(a) == key(b)
}

fn compare(
    gt: &GroundTruth,
    store: &SharedStore,
    joined: Ts,
    complete: bool,
) -> Result<(), String> {
    let st = store.read();
    let c = st.center();
    let now = gt.generated_at;
    for q in &gt.queues {
        let mine = c.queue(&q.id).ok_or("queue unknown")?;
        if c.waiting_complete(mine, now) != complete {
            return Err(format!("{}: complete {}", q.name, !complete));
        }
        if !complete {
            if mine.waiting.len() as u64 > q.waiting_now {
                return Err(format!("{}: more waiting than the truth", q.name));
            }
            continue;
        }
        if mine.waiting.len() as u64 != q.waiting_now {
            let open: Vec<_> = gt
                .queue_entries
                .iter()
                .filter(|e| e.queue_id == q.id && e.outcome.is_none())
                .filter(|e| {
                    !mine
                        .waiting
                        .iter()
                        .any(|w| w.session == e.telephony_session_id)
                })
                .map(|e| {
                    format!(
                        "{} entered {} seeded {}",
                        e.telephony_session_id, e.entered, e.seeded
                    )
                })
                .collect();
            return Err(format!(
                "{} at {now} (watching since {:?}): {} waiting, truth {}; unseen: {open:?}",
                q.name,
                c.watching_since(),
                mine.waiting.len(),
                q.waiting_now
            ));
        }
        let (Some(w), Some(truth)) = (mine.oldest_waiting(), q.oldest_waiting_since) else {
            continue;
        };
        let (wait, truth_wait) = (w.entered.millis_until(now), truth.millis_until(now));
        if mine.waiting.iter().any(|w| w.bound) {
            return Err(format!("{}: a bound left after the hold time", q.name));
        } else if (wait - truth_wait).abs() > 3_000 {
            return Err(format!("{}: oldest {wait} ms, truth {truth_wait}", q.name));
        }
    }
    for a in gt.agents.iter().filter(|a| a.id != gt.agents[0].id) {
        let mine = c.agent(&a.id).ok_or(format!("{} unknown", a.name))?;
        let (state, since) = mine.status();
        if state != a.state {
            return Err(format!("{}: {state:?}, truth {:?}", a.name, a.state));
        }
        match (since, a.state_since) {
            (Some(t), Some(truth)) if (t.0 - truth.0).abs() > 1_500 => {
                return Err(format!("{}: since {t}, truth {truth}", a.name))
            }
            (Some(_), Some(truth)) if truth < joined => {
                return Err(format!("{}: a time for a change before calltop", a.name))
            }
            (None, Some(truth))
                if c.watching_since()
                    .is_none_or(|w| truth > w.plus_millis(1_000)) =>
            {
                return Err(format!(
                    "{}: `—` for a change calltop saw ({state:?} since {truth}, watching since {:?}; calls {:?}, presence since {:?}, idle since {:?})",
                    a.name,
                    c.watching_since(),
                    mine.calls,
                    mine.presence.since,
                    mine.idle_since()
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_board_joining_a_busy_center_late_shows_what_the_truth_says() {
    // Callers wait at most 30 s in a queue (then voicemail, or Support overflows to Sales).
    let policies = QueuePolicy::defaults()
        .into_iter()
        .map(|p| QueuePolicy {
            hold_time_secs: 30.0,
            ..p
        })
        .collect();
    let sim = start_sim(SimConfig {
        warm_start: true,
        agent_churn: false,
        calls_per_minute: 12.0,
        heavy_limit_per_min: 100_000,
        queue_policies: policies,
        ..sim_config(71)
    })
    .await;
    tokio::time::sleep(Duration::from_secs(40)).await;
    let joined = Ts::now();
    let store = new_store();
    let h = spawn(live_config(&sim, None), &store);
    wait_live(&h).await;
    wait_until(30, "the calls in progress loaded", || {
        let l = *h.loading.borrow();
        l.total > 0 && !l.busy()
    })
    .await;
    let waiting: u64 = sim
        .ground_truth()
        .queues
        .iter()
        .map(|q| q.waiting_now)
        .sum();
    assert!(waiting > 0, "callers were waiting when calltop joined");
    sample(&sim, &store, joined, false).await;
    let hold_time_passed = joined.plus_millis(32_000);
    let left = (hold_time_passed.0 - Ts::now().0).max(0) as u64 + 500;
    tokio::time::sleep(Duration::from_millis(left)).await;
    for _ in 0..3 {
        sample(&sim, &store, joined, true).await;
        tokio::time::sleep(Duration::from_secs(4)).await;
    }
    h.shutdown().await;
    sim.shutdown().await;
}
