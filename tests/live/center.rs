//! Agents and queues over real sockets: calltop's live client against a busy simulated
//! contact center computes exactly the simulator's ground truth (queues, agents, presence,
//! queue membership and availability), `calltop report` of the same run's recording gives
//! the same figures, a warm start is exact for what calltop saw from its start, and a
//! missing directory permission is one clear message while the calls board goes on.

use crate::support as live_support;

use calltop::core::center::{Center, Window};
use calltop::core::control::{ControlAction, ControlRequest, Outcome};
use calltop::core::{secs, SharedStore};
use calltop::sim::{GroundTruth, Outcome as Settled, SimConfig, SimHandle};
use calltop::wire::Incoming;
use live_support::*;
use serde_json::Value;
use std::collections::HashSet;
use std::path::Path;

const SALES: &str = "62299101016";

/// A busy contact center, faults off, a hundred times faster than life; the generator
/// waits for the test.
fn busy(seed: u64) -> SimConfig {
    SimConfig {
        generate_calls: false,
        calls_per_minute: 1500.0,
        time_scale: 0.01,
        talk_secs: (60.0, 180.0),
        heavy_limit_per_min: 100_000,
        ..sim_config(seed)
    }
}

/// Waits until the directory, every queue's settings, members and member availability
/// are in the store.
async fn roster_loaded(store: &SharedStore) {
    wait_until(30, "agents and queues loaded", || {
        let st = store.read();
        let c = st.center();
        c.queues().count() >= 2
            && c.queues().all(|q| {
                q.details.is_some()
                    && !q.members.is_empty()
                    && q.members.values().all(|m| m.accept_current.is_some())
            })
    })
    .await;
}

/// Runs new calls for `secs`, then lets every call end and waits until the store has
/// applied every telephony event the simulator emitted since calltop subscribed: the
/// last one is in the recording (delivery is in order), and the store has applied as
/// many as the recording holds.
async fn run_and_drain(sim: &SimHandle, store: &SharedStore, secs: u64, rec: &Path) {
    sim.resume_new_calls();
    tokio::time::sleep(std::time::Duration::from_secs(secs)).await;
    drain(sim, store, 60).await;
    let last = sim.emitted_uuids().last().cloned().unwrap();
    wait_until(30, "the last event recorded", || {
        recorded_uuids(rec).0.contains(&last)
    })
    .await;
    let recorded = recorded_events(rec).len() as u64;
    wait_until(30, "every recorded event applied", || {
        store.read().counters().events >= recorded
    })
    .await;
}

/// Queue figures as the ground truth computes them, from a set of its entries.
#[derive(Debug, Default, PartialEq)]
struct Expected {
    offered: u64,
    answered: u64,
    within: u64,
    abandoned: u64,
    voicemail: u64,
    overflow: u64,
    answer_wait_ms: i64,
    abandon_wait_ms: i64,
}

fn expected<'a>(
    entries: impl Iterator<Item = &'a calltop::sim::QueueEntryTruth>,
    sla_secs: u32,
) -> Expected {
    let mut x = Expected::default();
    for e in entries {
        x.offered += 1;
        let wait = e.wait_ms.unwrap_or(0);
        match e.outcome {
            Some(Settled::Answered) => {
                x.answered += 1;
                x.answer_wait_ms += wait;
                x.within += u64::from(wait <= sla_secs as i64 * 1000);
            }
            Some(Settled::Abandoned) => {
                x.abandoned += 1;
                x.abandon_wait_ms += wait;
            }
            Some(Settled::Voicemail) => x.voicemail += 1,
            Some(Settled::Overflow) => x.overflow += 1,
            None => {}
        }
    }
    x
}

fn mine(c: &Center, queue: &str) -> Expected {
    let f = c.queue(queue).expect("queue known").figures;
    Expected {
        offered: f.offered,
        answered: f.answered,
        within: f.answered_within_sla,
        abandoned: f.abandoned,
        voicemail: f.voicemail,
        overflow: f.overflow,
        answer_wait_ms: f.answer_wait_ms,
        abandon_wait_ms: f.abandon_wait_ms,
    }
}

/// Per agent: offers, handled, missed, unanswered, talk, hold.
type AgentSums = (u64, u64, u64, u64, i64, i64);

fn agent_sums<'a>(legs: impl Iterator<Item = &'a calltop::sim::AgentLegTruth>) -> AgentSums {
    legs.fold((0, 0, 0, 0, 0, 0), |s, l| {
        (
            s.0 + 1,
            s.1 + u64::from(l.answered.is_some()),
            s.2 + u64::from(l.missed),
            s.3 + u64::from(l.answered.is_none() && l.ended.is_some()),
            s.4 + l.talk_ms,
            s.5 + l.hold_ms,
        )
    })
}

fn my_sums(c: &Center, agent: &str) -> AgentSums {
    let f = c.agent(agent).map(|a| a.figures).unwrap_or_default();
    (
        f.offers,
        f.handled,
        f.missed,
        f.unanswered,
        f.talk_ms,
        f.hold_ms,
    )
}

/// Equal up to the last bit a JSON number's text may lose (serde_json reads floats
/// within an ulp).
fn same(got: &Value, want: Option<f64>) -> bool {
    match (got.as_f64(), want) {
        (Some(g), Some(w)) => (g - w).abs() <= 1e-12 * w.abs().max(1.0),
        (None, None) => got.is_null(),
        _ => false,
    }
}

fn by_id<'a>(v: &'a Value, list: &str, id: &str) -> &'a Value {
    v[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id)
        .unwrap_or_else(|| panic!("{list} has no {id}"))
}

/// The (telephonySessionId, party id, eventTime) of every telephony event recorded.
fn recorded_events(path: &Path) -> HashSet<(String, String, i64)> {
    let mut seen = HashSet::new();
    for line in std::fs::read_to_string(path).unwrap().lines() {
        if let Ok(p) = calltop::wire::parse(line) {
            if let Incoming::Session(n) = p.item {
                let t = n.body.event_time.map_or(0, |t| t.0);
                for party in n.body.parties {
                    seen.insert((n.body.telephony_session_id.clone(), party.id, t));
                }
            }
        }
    }
    seen
}

fn ground_truth_checks(gt: &GroundTruth, c: &Center) {
    for q in &gt.queues {
        assert!(q.offered > 0, "a busy queue: {q:?}");
        let cq = c.queue(&q.id).unwrap();
        let want = Expected {
            offered: q.offered,
            answered: q.answered,
            within: q.answered_within_sla,
            abandoned: q.abandoned,
            voicemail: q.voicemail,
            overflow: q.overflow,
            answer_wait_ms: q.total_answer_wait_ms,
            abandon_wait_ms: q.total_abandon_wait_ms,
        };
        assert_eq!(mine(c, &q.id), want, "{}", q.name);
        assert_eq!(cq.waiting.len() as u64, q.waiting_now, "{}", q.name);
        assert_eq!(
            cq.figures.abandoned_over_threshold, q.abandoned_over_threshold,
            "{}",
            q.name
        );
        assert_eq!(cq.service_level_pct(), q.service_level_pct, "{}", q.name);
        assert_eq!(cq.sla.threshold_ms, q.sla_threshold_seconds as i64 * 1000);
        assert_eq!(cq.name.as_deref(), Some(q.name.as_str()));
    }
    let mut talked = 0;
    for a in &gt.agents {
        let ca = c.agent(&a.id).unwrap_or_else(|| panic!("agent {}", a.name));
        let f = ca.figures;
        assert_eq!(
            (
                f.offers,
                f.handled,
                f.missed,
                f.unanswered,
                f.talk_ms,
                f.hold_ms
            ),
            (
                a.offers,
                a.handled,
                a.missed,
                a.unanswered,
                a.talk_ms,
                a.hold_ms
            ),
            "{}",
            a.name
        );
        assert_eq!(
            (f.all_talk_ms, f.all_hold_ms),
            (a.all_talk_ms, a.all_hold_ms),
            "{} (every call)",
            a.name
        );
        let mut queues: Vec<String> = c
            .queues_of(&a.id)
            .iter()
            .map(|(q, _)| q.id.clone())
            .collect();
        let mut want = a.queues.clone();
        queues.sort();
        want.sort();
        assert_eq!(queues, want, "{}'s queues", a.name);
        assert_eq!(ca.name.as_deref(), Some(a.name.as_str()));
        assert!(ca.calls.is_empty(), "{} has no live call", a.name);
        talked += u64::from(f.handled > 0);
    }
    assert!(talked >= 3, "agents took calls");
}

/// The headline: calltop's agent and queue figures equal the simulator's ground truth to
/// the millisecond, live and in `calltop report` of the recording the live run made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_and_report_equal_the_ground_truth() {
    let sim = start_sim(busy(61)).await;
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("center.jsonl");
    let store = new_store();
    let h = spawn(live_config(&sim, Some(&rec)), &store);
    wait_live(&h).await;
    roster_loaded(&store).await;
    run_and_drain(&sim, &store, 6, &rec).await;

    // Presence: the §7.2 state of every agent, timed where calltop saw it change.
    let gt = sim.ground_truth();
    let agree = |st: &SharedStore| {
        gt.agents.iter().all(|a| {
            st.read()
                .center()
                .agent(&a.id)
                .is_some_and(|x| x.presence.state == a.state)
        })
    };
    wait_until(20, "every agent's presence state", || agree(&store)).await;
    let gt = sim.ground_truth();
    let c = store.read().center().clone();
    ground_truth_checks(&gt, &c);
    let mut timed = 0;
    for a in &gt.agents {
        let p = &c.agent(&a.id).unwrap().presence;
        assert_eq!(p.state, a.state, "{}", a.name);
        if let Some(since) = p.since {
            assert_eq!(Some(since), a.state_since, "{} state since", a.name);
            timed += 1;
        }
    }
    assert!(timed > 0, "some agents changed state while calltop watched");

    // Queue availability follows the notifications: equal to the platform's, also after
    // calltop itself takes an agent off a queue.
    let member = c
        .queue(SALES)
        .unwrap()
        .members
        .keys()
        .next()
        .unwrap()
        .clone();
    let out = h
        .control
        .execute(&ControlRequest::on_agent(
            &member,
            ControlAction::AcceptQueueCalls {
                queue: SALES.into(),
                accept: false,
            },
        ))
        .await;
    assert!(matches!(out, Outcome::Done { .. }), "{out:?}");
    wait_until(10, "the queue-presence notification", || {
        store.read().center().queue(SALES).unwrap().members[&member].accept_current == Some(false)
    })
    .await;
    let toggled = store.read().center().clone();
    for q in toggled.queues() {
        let platform = h.roster.queue_presence(&q.id).await.unwrap();
        for r in platform {
            let id = r.member.id.unwrap();
            assert_eq!(
                q.members[&id].accept_current, r.accept_current_queue_calls,
                "{id} in {}",
                q.id
            );
        }
    }

    // The report of the recording: the same figures, from the file alone.
    let v = report_json(&rec);
    for q in &gt.queues {
        let r = by_id(&v, "queues", &q.id);
        assert_eq!(r["name"], q.name.as_str());
        for (k, want) in [
            ("offered", q.offered),
            ("answered", q.answered),
            ("abandoned", q.abandoned),
            ("voicemail", q.voicemail),
            ("overflow", q.overflow),
        ] {
            assert_eq!(r[k].as_u64(), Some(want), "{} {k}", q.name);
        }
        assert!(
            same(&r["serviceLevel"], q.service_level_pct),
            "{} {r}",
            q.name
        );
        assert_eq!(r["serviceLevelSeconds"].as_f64(), Some(20.0));
        let asa =
            (q.answered > 0).then(|| q.total_answer_wait_ms as f64 / q.answered as f64 / 1000.0);
        assert!(same(&r["avgSpeedOfAnswerSeconds"], asa), "{} {r}", q.name);
        let longest = c.queue(&q.id).unwrap().figures.longest_wait_ms;
        assert!(same(&r["longestWaitSeconds"], Some(secs(longest))), "{r}");
    }
    for a in &gt.agents {
        let r = by_id(&v, "agents", &a.id);
        assert_eq!(r["extensionNumber"], a.extension_number.as_str());
        assert_eq!(r["name"], a.name.as_str());
        assert_eq!(r["handled"].as_u64(), Some(a.handled), "{}", a.name);
        assert_eq!(r["missed"].as_u64(), Some(a.missed), "{}", a.name);
        assert!(
            same(&r["talkSeconds"], Some(secs(a.talk_ms))),
            "{} {r}",
            a.name
        );
        assert!(
            same(&r["holdSeconds"], Some(secs(a.hold_ms))),
            "{} {r}",
            a.name
        );
        let aht =
            (a.handled > 0).then(|| (a.talk_ms + a.hold_ms) as f64 / a.handled as f64 / 1000.0);
        assert!(same(&r["avgHandleSeconds"], aht), "{} {r}", a.name);
    }
    // …and the store a replay builds from the file holds the same model.
    let mut replayed = calltop::report::unbounded_store();
    let mut feed = calltop::source::feed::Feed::default();
    calltop::source::file::visit_path_values(&rec, |line, value| {
        feed.ingest_text(&mut replayed, line, value)
    })
    .unwrap();
    assert!(feed.bad.is_empty(), "{:?}", feed.bad);
    ground_truth_checks(&gt, replayed.center());
    assert_eq!(replayed.center().window(), Window::all());

    h.shutdown().await;
    sim.shutdown().await;
}

/// A warm start: calls were in progress before calltop subscribed. What it saw from its
/// start is exact; what it joined waits but counts in no figure. Not exact, and so not
/// compared: entries and legs that began before the subscription (their start events
/// never reached calltop; the simulator counts them, marked `seeded` or not).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warm_start_is_exact_for_what_calltop_saw_begin() {
    let sim = start_sim(SimConfig {
        warm_start: true,
        agent_churn: false,
        time_scale: 0.02,
        ..busy(62)
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("warm.jsonl");
    let store = new_store();
    let h = spawn(live_config(&sim, Some(&rec)), &store);
    wait_live(&h).await;
    roster_loaded(&store).await;
    wait_until(30, "the calls in progress loaded", || {
        let l = *h.loading.borrow();
        l.total > 0 && !l.busy()
    })
    .await;
    assert!(
        store.read().center().agents().any(|a| !a.calls.is_empty()),
        "agents were on calls when calltop joined"
    );
    run_and_drain(&sim, &store, 4, &rec).await;

    let gt = sim.ground_truth();
    let seen = recorded_events(&rec);
    let c = store.read().center().clone();
    let mut joined = 0;
    for q in &gt.queues {
        let entries = gt.queue_entries.iter().filter(|e| {
            e.queue_id == q.id
                && seen.contains(&(
                    e.telephony_session_id.clone(),
                    e.party_id.clone(),
                    e.entered.0,
                ))
        });
        assert_eq!(
            mine(&c, &q.id),
            expected(entries, q.sla_threshold_seconds),
            "{}",
            q.name
        );
        let cq = c.queue(&q.id).unwrap();
        assert!(cq.waiting.is_empty(), "every call left {}", q.name);
        joined += cq.figures.joined;
    }
    assert!(
        gt.queue_entries.iter().any(|e| e.seeded),
        "the simulator had calls waiting before calltop"
    );
    for a in &gt.agents {
        let legs = gt.agent_legs.iter().filter(|l| {
            l.agent_id == a.id
                && seen.contains(&(
                    l.telephony_session_id.clone(),
                    l.party_id.clone(),
                    l.offered.0,
                ))
        });
        assert_eq!(my_sums(&c, &a.id), agent_sums(legs), "{}", a.name);
    }
    let unseen_legs = gt
        .agent_legs
        .iter()
        .filter(|l| {
            !seen.contains(&(
                l.telephony_session_id.clone(),
                l.party_id.clone(),
                l.offered.0,
            ))
        })
        .count();
    assert!(
        unseen_legs > 0,
        "some legs began before calltop: not counted"
    );
    assert!(joined > 0, "calls found waiting (joined), counted apart");
    h.shutdown().await;
    sim.shutdown().await;
}

/// Without the ReadAccounts permission the directory and queue endpoints answer 403: one
/// clear warning names it, the calls board goes on, agents and queues come from the
/// events. And answer without `--device-id` says which devices it could use.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forbidden_directory_is_one_clear_message_and_calls_go_on() {
    let mut cfg = busy(63);
    cfg.faults.directory_forbidden = true;
    cfg.generate_calls = true;
    let sim = start_sim(cfg).await;
    let store = new_store();
    let h = spawn(live_config(&sim, None), &store);
    let warnings = collect_warnings(&h);
    wait_live(&h).await;
    wait_until(30, "calls on the board", || store.read().len() >= 5).await;
    wait_until(30, "a queue and an agent known from the events", || {
        let answered = store
            .read()
            .center()
            .queues()
            .any(|q| q.figures.answered > 0);
        answered
    })
    .await;
    // The loader may still be waiting out a 429 (with jitter) before its 403: wait for
    // the message, then hold it to being the only one.
    wait_until(30, "the directory's 403 said", || {
        warnings
            .lock()
            .unwrap()
            .iter()
            .any(|m| m.contains("ReadAccounts"))
    })
    .await;
    let warnings = warnings.lock().unwrap().clone();
    let about: Vec<&String> = warnings
        .iter()
        .filter(|m| m.contains("ReadAccounts"))
        .collect();
    assert_eq!(about.len(), 1, "one message: {warnings:?}");
    assert!(
        about[0].contains("the directory") && about[0].contains("403"),
        "{}",
        about[0]
    );
    assert!(h.conn.borrow().is_live());
    {
        let st = store.read();
        let c = st.center();
        assert!(c.queues().all(|q| q.name.is_none()), "no directory names");
        assert!(c.agents().any(|a| a.figures.handled > 0));
    }

    // The supervisor has three Online devices: calltop will not guess.
    let ringing = wait_for_ringing(&store).await;
    let out = act(&h, &ringing.0, &ringing.1, ControlAction::Answer).await;
    let Outcome::Failed { message } = out else {
        panic!("{out:?}")
    };
    assert!(
        message.contains("3 of your devices are Online") && message.contains("--device-id"),
        "{message}"
    );
    h.shutdown().await;
    sim.shutdown().await;
}

/// A ringing party of a user, from the store.
async fn wait_for_ringing(store: &SharedStore) -> (String, String) {
    let mut found = None;
    wait_until(30, "a ringing party", || {
        let st = store.read();
        found = st.sessions().filter(|s| !s.ended).find_map(|s| {
            s.parties
                .iter()
                .find(|p| {
                    p.extension_id.get().is_some()
                        && p.code() == Some(&calltop::wire::StatusCode::Proceeding)
                })
                .map(|p| (s.id.clone(), p.id.clone()))
        });
        found.is_some()
    })
    .await;
    found.unwrap()
}
