//! `calltop relay` and `calltop live --from` as processes, against the simulator and a
//! real nats-server: two relays and three boards on one account, one relay killed
//! mid-stream, control through the relay with the broker's permissions, a relay that
//! starts without its broker, and reports read from the stream.
#![cfg(feature = "nats")]

use crate::sim_support;
use crate::support as relay_support;

use calltop::core::control::{Control, ControlAction, ControlRequest, Outcome, Subject};
use calltop::core::{SessionStore, SharedStore};
use calltop::relay::{
    self, audit::AuditReader, AuditPhase, ControlClient, ControlReply, FoldConfig, Names, NatsConn,
    Outgoing, ReadOptions, RelayControl, Start, StreamReader, Subjects,
};
use calltop::sim::{Faults, SimConfig, SimHandle, ACCOUNT_ID};
use calltop::wire::StatusCode;
use relay_support::*;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Duration;

pub(crate) fn sim_config(seed: u64) -> SimConfig {
    SimConfig {
        seed,
        calls_per_minute: 300.0,
        time_scale: 0.03,
        light_limit_per_min: 100_000,
        medium_limit_per_min: 100_000,
        auth_limit_per_min: 100_000,
        ..SimConfig::default()
    }
}

/// A simulator with no call in progress and none starting (`resume_new_calls` starts
/// them), and how many calls and notifications it made before that.
pub(crate) async fn quiet_sim(cfg: SimConfig) -> (SimHandle, usize, usize) {
    let sim = calltop::sim::start(cfg, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("sim starts");
    sim.stop_new_calls();
    wait_until(60, "the first calls to end", || async {
        sim.active_calls() == 0
    })
    .await;
    let (calls, emitted) = (sim.call_states().len(), sim.emitted_uuids().len());
    (sim, calls, emitted)
}

pub(crate) fn sim_env(sim: &SimHandle) -> Vec<(&'static str, String)> {
    let c = sim.credentials();
    vec![
        ("RINGCENTRAL_SERVER_URL", c.server_url),
        ("RINGCENTRAL_CLIENT_ID", c.client_id),
        ("RINGCENTRAL_CLIENT_SECRET", c.client_secret),
        ("RINGCENTRAL_JWT", c.jwt),
    ]
}

fn relay_process(
    dir: &Path,
    server: &NatsServer,
    sim: &SimHandle,
    id: &str,
    extra: &[&str],
) -> Calltop {
    relay_process_at(dir, &server.url(), sim, id, extra)
}

/// `calltop relay --nats URL` of `sim`'s account as relay `id`.
pub(crate) fn relay_process_at(
    dir: &Path,
    url: &str,
    sim: &SimHandle,
    id: &str,
    extra: &[&str],
) -> Calltop {
    let mut args = vec![
        "relay",
        "--nats",
        url,
        "--relay-id",
        id,
        "--retain-bytes",
        "256M",
    ];
    args.extend_from_slice(extra);
    let mut env = sim_env(sim);
    env.extend(nats_env(User::Relay));
    Calltop::spawn(dir, id, &args, &env)
}

fn board_process(dir: &Path, server: &NatsServer, user: User) -> Calltop {
    let url = server.url();
    let args = ["live", "--from", &url, "--headless", "--format", "json"];
    Calltop::spawn(dir, user.name(), &args, &nats_env(user))
}

/// Every frame line of the stream, to its end now.
pub(crate) async fn frames(conn: &NatsConn, names: &Names) -> Vec<relay::StreamLine> {
    let opts = ReadOptions {
        start: Start::First,
        follow: false,
        subjects: Subjects::Frames,
    };
    let mut r = StreamReader::open(&conn.js, names, opts).await.unwrap();
    let mut out = Vec::new();
    while let Some(l) = r.next().await {
        out.push(l.unwrap());
    }
    out
}

/// How many times each notification uuid is in the stream.
pub(crate) fn uuid_counts(lines: &[relay::StreamLine]) -> HashMap<String, usize> {
    let mut n = HashMap::new();
    for l in lines {
        if let Some(u) = Outgoing::from_line(l.line.clone()).and_then(|o| o.uuid) {
            *n.entry(u).or_default() += 1;
        }
    }
    n
}

/// The final status of each party a headless board printed: its applied event with
/// the highest sequence, by (telephonySessionId, party id).
fn board_state(out: &str) -> BTreeMap<(String, String), String> {
    let mut best: BTreeMap<(String, String), (i64, String)> = BTreeMap::new();
    for line in out.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if v["kind"] != "event" || v["delivery"] != "applied" {
            continue;
        }
        let (Some(s), Some(p), Some(seq), Some(st)) = (
            v["telephonySessionId"].as_str(),
            v["partyId"].as_str(),
            v["sequence"].as_i64(),
            v["status"].as_str(),
        ) else {
            continue;
        };
        let e = best.entry((s.into(), p.into())).or_insert((seq, st.into()));
        if seq >= e.0 {
            *e = (seq, st.into());
        }
    }
    best.into_iter().map(|(k, (_, st))| (k, st)).collect()
}

/// The simulator's final status of every party of the calls made from `from` on.
fn sim_state(sim: &SimHandle, from: usize) -> BTreeMap<(String, String), String> {
    let code = |c: Option<StatusCode>| c.map(|c| c.to_string()).unwrap_or_default();
    sim.call_states()
        .into_iter()
        .skip(from)
        .flat_map(|cs| {
            let id = cs.id;
            cs.parties
                .into_iter()
                .map(move |p| ((id.clone(), p.id), code(p.status.map(|s| s.code))))
        })
        .collect()
}

fn differing(
    want: &BTreeMap<(String, String), String>,
    got: &BTreeMap<(String, String), String>,
) -> Vec<String> {
    want.iter()
        .filter(|(k, v)| got.get(*k) != Some(*v))
        .take(10)
        .map(|(k, v)| format!("{k:?}: sim {v}, board {:?}", got.get(k)))
        .collect()
}

/// An answered party of a call in progress, as the store holds it.
fn answered_party(store: &SharedStore, skip: &[(String, String)]) -> Option<(String, String)> {
    let s = store.read();
    let found = s
        .sessions()
        .filter(|x| !x.ended)
        .flat_map(|x| {
            x.parties
                .iter()
                .filter(|p| p.code() == Some(&StatusCode::Answered))
                .map(|p| (x.id.clone(), p.id.clone()))
                .collect::<Vec<_>>()
        })
        .find(|t| !skip.contains(t));
    found
}

pub(crate) fn requests_for(sim: &SimHandle, action: &str, target: &(String, String)) -> usize {
    sim.control_requests()
        .iter()
        .filter(|(a, s, p)| a == action && *s == target.0 && *p == target.1)
        .count()
}

/// Sim with reordering and duplicates; relays A and B; boards alice, bob and viewer.
/// Every notification is in the stream once, through A's SIGKILL; every board ends
/// where the simulator did; a hold sent twice (one request id) reaches the simulator
/// once and is audited as alice; the viewer cannot act; one login and one
/// subscription per relay. Then an agent setting (acceptQueueCalls) from alice's board
/// Control reaches the simulator once, flips the member there and is audited as alice;
/// a non-member's is refused; the viewer's never leaves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_relays_three_boards_one_relay_killed() {
    let server = NatsServer::start_for(ACCOUNT_ID);
    let names = server.names();
    let mut cfg = sim_config(21);
    cfg.faults = Faults {
        reorder: 0.10,
        duplicate: 0.05,
        ..Faults::default()
    };
    let (sim, base_calls, base_emitted) = quiet_sim(cfg).await;
    let dir = tempfile::tempdir().unwrap();
    let mut relay_a = relay_process(dir.path(), &server, &sim, "relay-a", &[]);
    let mut relay_b = relay_process(dir.path(), &server, &sim, "relay-b", &[]);
    wait_until(60, "both relays subscribed", || async {
        sim.subscriptions() == 2
    })
    .await;
    let viewer_conn = server.connect(User::Viewer).await;
    wait_until(60, "the stream to exist", || async {
        viewer_conn.js.get_stream(names.stream()).await.is_ok()
    })
    .await;
    sim.resume_new_calls();
    let boards: Vec<Calltop> = [User::Alice, User::Bob, User::Viewer]
        .into_iter()
        .map(|u| board_process(dir.path(), &server, u))
        .collect();

    // This test's own fold of the stream, to pick calls to act on.
    let store = SharedStore::new(SessionStore::default());
    let (events, _) = tokio::sync::broadcast::channel(16);
    let _fold = relay::fold(
        &viewer_conn,
        &names,
        store.clone(),
        events,
        FoldConfig::default(),
    )
    .await
    .unwrap();
    wait_until(60, "calls in progress on the stream", || async {
        answered_party(&store, &[]).is_some()
    })
    .await;

    // alice holds a party: the first try gives up at once, the retry (same request id)
    // gets the one result.
    let alice_conn = server.connect(User::Alice).await;
    let alice = ControlClient::new(&alice_conn, &names).unwrap();
    let impatient = alice.clone().with_timeout(Duration::from_millis(1));
    let mut tried = Vec::new();
    let (held, request_id) = loop {
        // The stream moves on: the party tried may have been held or hung up since, and
        // the next answered one may not be there yet.
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        let target = loop {
            if let Some(t) = answered_party(&store, &tried) {
                break t;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no answered party to hold but those tried: {tried:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        tried.push(target.clone());
        let request = ControlRequest::on_party(&target.0, &target.1, ControlAction::Hold);
        let payload = serde_json::to_value(&request).unwrap();
        let id = ControlClient::new_request_id();
        let first = impatient.request("hold", &id, payload.clone()).await;
        let again = alice.request("hold", &id, payload).await.unwrap();
        eprintln!("hold {target:?}: first {first:?}, again {again:?}");
        let applied = match &again {
            ControlReply::Done { result, .. } => {
                assert_eq!(
                    requests_for(&sim, "hold", &target),
                    1,
                    "sent to the platform once"
                );
                serde_json::from_value::<Outcome>(result.clone()).unwrap()
            }
            ControlReply::Refused { .. } => continue,
            other => panic!("{other:?}"),
        };
        if matches!(applied, Outcome::Done { .. }) {
            break (target, id);
        }
        assert!(tried.len() < 20, "no hold went through: {tried:?}");
    };
    // The board's own Control (what `live --from` hands the board): unhold once held.
    wait_until(30, "the hold on the stream", || async {
        let s = store.read();
        s.get(&held.0).is_some_and(|x| {
            x.ended
                || x.parties
                    .iter()
                    .any(|p| p.id == held.1 && p.code() != Some(&StatusCode::Answered))
        })
    })
    .await;
    let unhold = ControlRequest::on_party(&held.0, &held.1, ControlAction::Unhold);
    let out = RelayControl::new(alice.clone()).send(&unhold).await;
    eprintln!("unhold: {out:?}");
    assert!(requests_for(&sim, "unhold", &held) <= 1);

    // The viewer may not act: the broker refuses, nothing reaches the simulator.
    let viewer = RelayControl::new(ControlClient::new(&viewer_conn, &names).unwrap());
    let before = sim.control_requests().len();
    match viewer.send(&unhold).await {
        Outcome::Failed { message } => assert!(message.contains("not permitted"), "{message}"),
        other => panic!("the viewer acted: {other:?}"),
    }
    assert_eq!(sim.control_requests().len(), before);

    // Relay A dies mid-stream; B carries on alone.
    let at_kill = sim.emitted_uuids().len();
    relay_a.kill();
    wait_until(60, "150 more notifications", || async {
        sim.emitted_uuids().len() >= at_kill + 150
    })
    .await;
    sim.stop_new_calls();
    wait_until(120, "every call to end", || async {
        sim.active_calls() == 0
    })
    .await;
    let emitted: Vec<String> = sim.emitted_uuids()[base_emitted..].to_vec();
    wait_until(60, "every notification in the stream", || async {
        let n = uuid_counts(&frames(&viewer_conn, &names).await);
        emitted.iter().all(|u| n.contains_key(u))
    })
    .await;
    let lines = frames(&viewer_conn, &names).await;
    let mut by_relay: BTreeMap<Option<String>, usize> = BTreeMap::new();
    for l in &lines {
        *by_relay.entry(l.relay.clone()).or_default() += 1;
    }
    eprintln!("stream lines by relay: {by_relay:?}");
    let counts = uuid_counts(&lines);
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "in the stream more than once: {twice:?}");
    assert!(
        emitted.len() > 200,
        "a busy stream: {} notifications",
        emitted.len()
    );
    assert!(relay_b.running(), "{}", relay_b.dump());

    // Every board ends where the simulator did.
    let want = sim_state(&sim, base_calls);
    assert!(want.len() > 50, "{} parties", want.len());
    for b in &boards {
        wait_until(60, "the board to reach the simulator's state", || async {
            differing(&want, &board_state(&b.stdout())).is_empty()
        })
        .await;
        let got = board_state(&b.stdout());
        assert!(differing(&want, &got).is_empty(), "{}", b.dump());
    }
    let alice_out = boards[0].stdout();
    assert!(
        alice_out.lines().any(|l| l.contains("\"kind\":\"audit\"")
            && l.contains(&held.0)
            && l.contains("→ hold")
            && l.contains("— alice")),
        "the board shows alice's hold: {}",
        boards[0].dump()
    );
    let viewer_out = boards[2].stdout();
    assert!(
        viewer_out
            .contains("read-only: the broker does not let NATS user viewer send control requests"),
        "{}",
        boards[2].dump()
    );

    // The audit subject: alice's hold, once per phase, by alice.
    let mut audit = AuditReader::open(&viewer_conn.js, &names, Start::First, false)
        .await
        .unwrap();
    let mut mine = Vec::new();
    while let Some(r) = audit.next().await {
        let a = r.unwrap().1.audit;
        if a.request_id == request_id {
            mine.push(a);
        }
    }
    // The relay that took the first try may not have heard of the call yet (the board
    // read it from the other relay's lines, milliseconds ahead): it refuses, and the
    // retry is judged afresh. Sent and applied once, whatever.
    if mine.first().is_some_and(|a| a.phase == AuditPhase::Refused) {
        let why = mine[0]
            .outcome
            .as_ref()
            .and_then(|o| o.as_str())
            .unwrap_or_default();
        assert!(
            why.starts_with("no call ") && why.ends_with(" in progress"),
            "{mine:?}"
        );
        mine.remove(0);
    }
    let phases: Vec<_> = mine.iter().map(|a| a.phase).collect();
    assert_eq!(
        phases,
        vec![AuditPhase::Sent, AuditPhase::Result],
        "{mine:?}"
    );
    assert!(mine.iter().all(|a| a.by == "alice" && a.verb == "hold"));
    assert_eq!(mine[0].target["session"], held.0.as_str());
    assert_eq!(mine[1].outcome.as_ref().unwrap()["result"], "done");

    assert_eq!(requests_for(&sim, "hold", &held), 1, "the hold, once");

    // The platform saw one login and one subscription per relay, whatever the boards.
    assert_eq!(sim.logins(), 2);
    assert_eq!(sim.subscriptions(), 2);

    // An agent setting through the relay (B alone now), with the board's Control.
    let (queue, agent) = {
        let s = store.read();
        let q = s
            .center()
            .queues()
            .find(|q| !q.members.is_empty())
            .expect("a queue with members on the stream");
        (q.id.clone(), q.members.keys().next().unwrap().clone())
    };
    let platform = sim_support::login(&sim).await;
    let accepts = || async {
        let path = format!("/restapi/v1.0/account/~/call-queues/{queue}/presence");
        let v: serde_json::Value = platform.get(&path).await.json().await.unwrap();
        v["records"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["member"]["id"] == agent.as_str())
            .map(|r| r["acceptCurrentQueueCalls"].as_bool())
            .expect("the agent is a member on the platform")
    };
    let before = accepts().await;
    let flip = ControlRequest::on_agent(
        &agent,
        ControlAction::AcceptQueueCalls {
            queue: queue.clone(),
            accept: before == Some(false),
        },
    );
    let alice_control = RelayControl::new(alice.clone());
    let out = alice_control.execute(flip.clone()).await;
    assert!(matches!(out, Outcome::Done { .. }), "{out:?}");
    assert_eq!(accepts().await, Some(before == Some(false)), "flipped");
    let puts = |who: &str| {
        sim.queue_presence_updates()
            .into_iter()
            .filter(|(q, m, _)| *q == queue && m == who)
            .count()
    };
    assert_eq!(puts(&agent), 1, "sent to the platform once");
    // Someone who is not a member of the queue: refused by the relay, naming both.
    let stranger = ControlRequest {
        on: Subject::Agent {
            agent: "999999".into(),
        },
        ..flip.clone()
    };
    match alice_control.execute(stranger).await {
        Outcome::Failed { message } => assert!(
            message.contains("agent 999999 is not a member of queue")
                && message.contains(queue.as_str()),
            "{message}"
        ),
        other => panic!("a stranger's setting went through: {other:?}"),
    }
    // The viewer may not: the broker refuses, nothing reaches the simulator.
    let all_puts = sim.queue_presence_updates().len();
    match viewer.execute(flip.clone()).await {
        Outcome::Failed { message } => assert!(
            message.contains("not permitted") && message.contains("acceptQueueCalls"),
            "{message}"
        ),
        other => panic!("the viewer acted: {other:?}"),
    }
    assert_eq!(sim.queue_presence_updates().len(), all_puts);
    assert_eq!(puts("999999"), 0);
    assert_eq!(accepts().await, Some(before == Some(false)));
    // The audit subject: alice's setting, once per phase, by alice, on the agent and
    // queue; the stranger's refused.
    let mut audit = AuditReader::open(&viewer_conn.js, &names, Start::First, false)
        .await
        .unwrap();
    let mut settings = Vec::new();
    while let Some(r) = audit.next().await {
        let a = r.unwrap().1.audit;
        if a.verb == "acceptQueueCalls" {
            settings.push(a);
        }
    }
    let phases: Vec<_> = settings.iter().map(|a| a.phase).collect();
    assert_eq!(
        phases,
        vec![AuditPhase::Sent, AuditPhase::Result, AuditPhase::Refused],
        "{settings:?}"
    );
    assert!(settings
        .iter()
        .all(|a| a.by == "alice" && a.relay == "relay-b"));
    assert_eq!(settings[0].request_id, settings[1].request_id);
    assert_eq!(
        serde_json::Value::Object(settings[0].target.clone()),
        serde_json::to_value(&flip).unwrap()
    );
    assert_eq!(settings[1].outcome.as_ref().unwrap()["result"], "done");
    assert_eq!(settings[2].target["agent"], "999999");
    drop(boards);
    relay_b.stop();
    sim.shutdown().await;
}

/// A loopback address nobody listens on (for `--metrics`).
pub(crate) fn free_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().to_string()
}

pub(crate) async fn scrape(addr: &str) -> String {
    reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The value of the sample `name` (with its labels) in a scrape.
pub(crate) fn figure(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
}

pub(crate) fn report(args: &[&str], env: &[(&str, String)]) -> serde_json::Value {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_calltop"));
    c.arg("report").args(args).args(["--format", "json"]);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "report {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A relay started while its broker is down keeps its recording file and publishes
/// everything once the broker is up. The stream then reads like that file: `report
/// nats://…` equals the report of the stream's export, and has the file's calls. A
/// corrupt keyframe is never trusted: the fold from it equals the fold from the start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_without_its_broker_records_then_publishes_and_the_stream_reads_like_a_file() {
    let mut server = NatsServer::start_for(ACCOUNT_ID);
    let names = server.names();
    server.stop();
    let (sim, _, _) = quiet_sim(sim_config(22)).await;
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec.jsonl");
    let rec_arg = rec.display().to_string();
    let metrics = free_addr();
    let mut relay = relay_process(
        dir.path(),
        &server,
        &sim,
        "relay-a",
        &["--record", &rec_arg, "--metrics", &metrics],
    );
    wait_until(60, "the relay subscribed", || async {
        sim.subscriptions() == 1
    })
    .await;
    sim.resume_new_calls();
    let recorded = || {
        let text = std::fs::read_to_string(&rec).unwrap_or_default();
        text.lines()
            .filter_map(|l| Outgoing::from_line(l.to_string()).and_then(|o| o.uuid))
            .collect::<Vec<_>>()
    };
    wait_until(60, "40 notifications recorded", || async {
        recorded().len() >= 40
    })
    .await;
    wait_until(60, "the relay to say it retries", || async {
        relay.stdout().contains("retrying")
    })
    .await;
    assert!(relay.running(), "{}", relay.dump());
    let before = scrape(&metrics).await;
    assert!(
        before.contains("calltop_relay_broker_connected 0"),
        "{before}"
    );
    assert!(
        before.contains("calltop_relay_published_total{result=\"stored\"} 0"),
        "{before}"
    );
    server.restart();
    sim.stop_new_calls();
    wait_until(120, "every call to end", || async {
        sim.active_calls() == 0
    })
    .await;
    let viewer = server.connect(User::Viewer).await;
    wait_until(60, "the stream to exist", || async {
        viewer.js.get_stream(names.stream()).await.is_ok()
    })
    .await;
    let in_file = recorded();
    wait_until(60, "every recorded notification in the stream", || async {
        let n = uuid_counts(&frames(&viewer, &names).await);
        in_file.iter().all(|u| n.contains_key(u))
    })
    .await;
    let counts = uuid_counts(&frames(&viewer, &names).await);
    assert!(counts.values().all(|n| *n == 1), "each once");
    let after = scrape(&metrics).await;
    assert!(
        after.contains("calltop_relay_broker_connected 1"),
        "{after}"
    );
    assert!(after.contains("calltop_relay_publish_backlog 0"), "{after}");
    let stored = figure(&after, "calltop_relay_published_total{result=\"stored\"}");
    assert!(stored >= in_file.len() as f64, "{after}");
    assert!(
        ["no_leader", "timeout", "other"]
            .iter()
            .map(|why| figure(
                &after,
                &format!("calltop_relay_publish_retries_total{{why=\"{why}\"}}")
            ))
            .sum::<f64>()
            > 0.0,
        "{after}"
    );
    relay.stop();

    // The stream is a recording.
    let export = dir.path().join("export.jsonl");
    let text = StreamReader::open(
        &viewer.js,
        &names,
        ReadOptions {
            start: Start::First,
            follow: false,
            subjects: Subjects::Frames,
        },
    )
    .await
    .unwrap()
    .read_to_string()
    .await
    .unwrap();
    std::fs::write(&export, text).unwrap();
    let env = nats_env(User::Viewer);
    let from_stream = report(&[&server.url()], &env);
    let from_export = report(&[&export.display().to_string()], &[]);
    assert_eq!(from_stream, from_export);
    let from_file = report(&[&rec_arg], &[]);
    assert!(from_stream["sessions"].as_array().unwrap().len() > 5);
    // The same calls with the same outcomes and parties. (Lines published while the
    // broker was away can be stored a few out of the file's order; on the stream clock
    // that moves some figures by milliseconds, so the figures are not compared here.)
    // (id, disposition, [(party, status)])
    type Call = (String, String, Vec<(String, String)>);
    let calls = |r: &serde_json::Value| -> Vec<Call> {
        r["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let mut parties: Vec<_> = s["parties"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| (p["id"].to_string(), p["status"].to_string()))
                    .collect();
                parties.sort();
                (
                    s["telephonySessionId"].to_string(),
                    s["disposition"].to_string(),
                    parties,
                )
            })
            .collect()
    };
    assert_eq!(calls(&from_stream), calls(&from_file));

    // A keyframe whose bytes are garbage: the fold starts over from the first message.
    let relay_conn = server.connect(User::Relay).await;
    let kf = relay::Keyframes::open(&relay_conn.js, &names)
        .await
        .unwrap();
    let version = relay::keyframe::codec::VERSION.unwrap_or(1);
    kf.put("relay-x", version, 3, b"not a store").await.unwrap();
    let fold_from = |from_keyframe| {
        let (viewer, names) = (&viewer, &names);
        async move {
            let store = SharedStore::new(SessionStore::default());
            let (events, _) = tokio::sync::broadcast::channel(16);
            let cfg = FoldConfig {
                from_keyframe,
                write_keyframes: None,
                ..FoldConfig::default()
            };
            let f = relay::fold(viewer, names, store.clone(), events, cfg)
                .await
                .unwrap();
            let end = frames(viewer, names).await.last().unwrap().seq;
            let mut seq = f.seq.clone();
            seq.wait_for(|s| *s >= end).await.unwrap();
            let codes = store.read().party_codes();
            codes
        }
    };
    let (with_bad_keyframe, from_start) = (fold_from(true).await, fold_from(false).await);
    assert!(!from_start.is_empty());
    assert_eq!(with_bad_keyframe, from_start);
    sim.shutdown().await;
}

/// Many supervisors share one user through the relay: only the relay spends the user's
/// rate budget, and a CRM feed on the relay's stream (`live --from … --headless`) still
/// gets one `callEnded` line per call, joined to the call-log records the relay found.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_on_the_relay_stream_prints_the_calls_the_relay_joined() {
    let server = NatsServer::start_for(ACCOUNT_ID);
    let mut cfg = sim_config(24);
    cfg.call_log_delay_secs = 10.0; // × time scale: records 0.3 s after the end
    let (sim, _, _) = quiet_sim(cfg).await;
    let dir = tempfile::tempdir().unwrap();
    let mut relay = relay_process(
        dir.path(),
        &server,
        &sim,
        "relay-a",
        &["--call-log-wait", "1"],
    );
    wait_until(60, "the relay subscribed", || async {
        sim.subscriptions() == 1
    })
    .await;
    wait_stream_ready(&relay).await;
    let mut feed = board_process(dir.path(), &server, User::Viewer);
    sim.resume_new_calls();
    let joined = |out: &str| -> Vec<serde_json::Value> {
        out.lines()
            .filter(|l| l.contains("\"kind\":\"callEnded\""))
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["callLog"]["join"] == "joined")
            .collect()
    };
    let joins = |out: &str| -> std::collections::BTreeMap<String, usize> {
        let mut n = std::collections::BTreeMap::new();
        for l in out.lines().filter(|l| l.contains("\"kind\":\"callEnded\"")) {
            let v: serde_json::Value = serde_json::from_str(l).unwrap_or_default();
            *n.entry(v["callLog"]["join"].to_string()).or_default() += 1;
        }
        n
    };
    wait_until_or(
        90,
        "10 joined callEnded lines from the stream",
        || async { joined(&feed.stdout()).len() >= 10 },
        || {
            format!(
                "joins so far {:?}\n{}\n{}",
                joins(&feed.stdout()),
                feed.dump(),
                relay.dump()
            )
        },
    )
    .await;
    let truth = sim.ground_truth();
    for e in joined(&feed.stdout()) {
        let id = e["telephonySessionId"].as_str().unwrap();
        let t = truth
            .calls
            .iter()
            .find(|c| c.telephony_session_id == id)
            .unwrap_or_else(|| panic!("the sim made {id}"));
        let mut got: Vec<&str> = e["callLog"]["callLogIds"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        let mut want: Vec<&str> = t.records.iter().map(|r| r.id.as_str()).collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{id}");
    }
    let ids: Vec<String> = joined(&feed.stdout())
        .iter()
        .map(|e| e["telephonySessionId"].to_string())
        .collect();
    let unique: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "one line per call");
    assert!(feed.running(), "{}", feed.dump());
    feed.stop();
    relay.stop();
}

/// Queue alarms on a relay's stream (`live --from … --headless --alarms`): the board
/// starts from the relay's keyframe (it writes one every 30 s) and folds the stream on;
/// a caller waiting in a queue raises the `waiting` alarm as a JSON line, and it clears
/// once nobody waits — the keyframe's store keeps the alarms' intervals counting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alarms_on_a_relays_stream_after_its_keyframe() {
    let server = NatsServer::start_for(ACCOUNT_ID);
    let names = server.names();
    let (sim, _, _) = quiet_sim(sim_config(26)).await;
    let dir = tempfile::tempdir().unwrap();
    let mut relay = relay_process(dir.path(), &server, &sim, "relay-a", &[]);
    let viewer_conn = server.connect(User::Viewer).await;
    wait_until(90, "the relay's first keyframe", || async {
        relay::fold::load_keyframe(&viewer_conn, &names)
            .await
            .is_ok()
    })
    .await;
    let rules = dir.path().join("alarms.toml");
    std::fs::write(&rules, "clear_after = 0\n[default]\nwaiting_over = 0\n").unwrap();
    let url = server.url();
    let rules_arg = rules.display().to_string();
    let args = [
        "live",
        "--from",
        &url,
        "--headless",
        "--format",
        "json",
        "--alarms",
        &rules_arg,
    ];
    let mut board = Calltop::spawn(dir.path(), "alarms", &args, &nats_env(User::Viewer));
    sim.resume_new_calls();
    let alarm_lines = |out: &str| -> Vec<serde_json::Value> {
        out.lines()
            .filter(|l| l.contains("\"alarm\""))
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .collect()
    };
    wait_until(180, "a waiting alarm raised, then cleared", || async {
        let lines = alarm_lines(&board.stdout());
        lines.iter().any(|r| {
            r["type"] == "alarmRaised"
                && r["alarm"] == "waiting"
                && lines
                    .iter()
                    .any(|c| c["type"] == "alarmCleared" && c["queueId"] == r["queueId"])
        })
    })
    .await;
    let out = board.stdout();
    assert!(!out.contains("keyframe not used"), "{out}");
    assert!(board.running(), "{}", board.dump());
    board.stop();
    relay.stop();
}
