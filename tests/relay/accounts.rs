//! One board over two accounts (issue 27, item 3): two simulators standing for two
//! accounts (`calltop sim --account-id`), a relay for each into one real nats-server,
//! and one `calltop live --from A --from B --headless --metrics`: each account's queue
//! figures on `/metrics`, labelled with its account, equal that simulator's ground
//! truth — while calls go on (sampled when neither truth moved around a scrape) and
//! once they are over.
#![cfg(feature = "nats")]

use crate::e2e::{quiet_sim, relay_process_at, requests_for, sim_config};
use crate::prom::{free_port, scrape, wait_connected, Series};
use crate::support::*;
use calltop::core::control::{ControlAction, ControlRequest, Outcome};
use calltop::core::{SessionStore, SharedStore};
use calltop::relay::{
    self, heartbeat, setup::open_kv, AccountsControl, Claim, ControlClient, FoldConfig, Names,
    RelayControl,
};
use calltop::sim::{GroundTruth, QueuePolicy, SimConfig, SimHandle, ACCOUNT_ID};
use calltop::source::ConnState;
use calltop::wire::StatusCode;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The second account (the first is the simulator's default).
const OTHER: &str = "730112016";

/// A queue series' value by metric name, queue id and account.
fn value(series: &[Series], name: &str, queue: &str, account: &str) -> Option<f64> {
    series
        .iter()
        .find(|s| {
            s.name == name
                && s.labels.get("queue").map(String::as_str) == Some(queue)
                && s.labels.get("account").map(String::as_str) == Some(account)
        })
        .map(|s| s.value)
}

/// Account `account`'s queues in `series` are exactly `gt`'s, and their waiting,
/// offered, answered, abandoned, voicemail and overflow counts are `gt`'s.
fn compare(account: &str, gt: &GroundTruth, series: &[Series]) -> Result<(), String> {
    let mut listed: Vec<&str> = series
        .iter()
        .filter(|s| s.name == "calltop_queue_calls_offered_total")
        .filter(|s| s.labels.get("account").map(String::as_str) == Some(account))
        .filter_map(|s| s.labels.get("queue").map(String::as_str))
        .collect();
    let mut truth: Vec<&str> = gt.queues.iter().map(|q| q.id.as_str()).collect();
    listed.sort();
    truth.sort();
    if listed != truth {
        return Err(format!("{account}: queues {listed:?}, truth {truth:?}"));
    }
    for q in &gt.queues {
        let counts = [
            ("calltop_queue_seen_waiting_calls", q.waiting_now),
            ("calltop_queue_calls_offered_total", q.offered),
            ("calltop_queue_calls_answered_total", q.answered),
            ("calltop_queue_calls_abandoned_total", q.abandoned),
            ("calltop_queue_calls_voicemail_total", q.voicemail),
            ("calltop_queue_calls_overflow_total", q.overflow),
        ];
        for (name, want) in counts {
            let got = value(series, name, &q.id, account);
            if got != Some(want as f64) {
                return Err(format!("{account} {}: {name} {got:?}, truth {want}", q.id));
            }
        }
    }
    Ok(())
}

/// The queue figures compared (and the agents' states: a call in flight) did not move.
fn same_moment(a: &GroundTruth, b: &GroundTruth) -> bool {
    let key = |g: &GroundTruth| {
        let q: Vec<_> = g
            .queues
            .iter()
            .map(|q| {
                let c = (q.offered, q.answered, q.abandoned, q.voicemail, q.overflow);
                (q.waiting_now, c)
            })
            .collect();
        q
    };
    key(a) == key(b)
}

/// A scrape that both truths held still around and that agrees with both; panics when
/// none did in 150 tries.
async fn sample(port: u16, sims: &[(&str, &SimHandle)]) -> Vec<GroundTruth> {
    let mut last = String::from("the truths never held still");
    for _ in 0..150 {
        let before: Vec<GroundTruth> = sims.iter().map(|(_, s)| s.ground_truth()).collect();
        let series = scrape(port).await;
        let after: Vec<GroundTruth> = sims.iter().map(|(_, s)| s.ground_truth()).collect();
        if before.iter().zip(&after).all(|(a, b)| same_moment(a, b)) {
            let agree = sims
                .iter()
                .zip(&before)
                .try_for_each(|((account, _), gt)| compare(account, gt, &series));
            match agree {
                Ok(()) => return before,
                Err(e) => last = e,
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the board never agreed with both ground truths: {last}");
}

fn account_sim(account: &str, seed: u64) -> SimConfig {
    // Callers wait at most 12 s × the time scale (then voicemail or overflow): callers
    // leave queues unanswered as well.
    let policies = QueuePolicy::defaults()
        .into_iter()
        .map(|p| QueuePolicy {
            hold_time_secs: 12.0,
            ..p
        })
        .collect();
    SimConfig {
        account_id: account.into(),
        generate_calls: false,
        agent_churn: false,
        heavy_limit_per_min: 100_000,
        queue_policies: policies,
        ..sim_config(seed)
    }
}

/// Two accounts on one nats-server: a simulator each and its relay, the streams ready.
struct TwoAccounts {
    server: NatsServer,
    a: SimHandle,
    b: SimHandle,
    dir: tempfile::TempDir,
    relay_a: Calltop,
    relay_b: Calltop,
}

/// [`TwoAccounts`], the simulators seeded `seed` and `seed + 1`; no call starts before
/// both relays subscribed, so the streams hold every call of the truths.
async fn two_accounts(seed: u64) -> TwoAccounts {
    let server = NatsServer::start_for_accounts(&[ACCOUNT_ID, OTHER]);
    let (a, _, _) = quiet_sim(account_sim(ACCOUNT_ID, seed)).await;
    let (b, _, _) = quiet_sim(account_sim(OTHER, seed + 1)).await;
    let dir = tempfile::tempdir().unwrap();
    let (url_a, url_b) = (server.url_of(ACCOUNT_ID), server.url_of(OTHER));
    let relay_a = relay_process_at(dir.path(), &url_a, &a, "relay-a", &[]);
    let relay_b = relay_process_at(dir.path(), &url_b, &b, "relay-b", &[]);
    wait_until(60, "both relays subscribed", || async {
        a.subscriptions() == 1 && b.subscriptions() == 1
    })
    .await;
    wait_stream_ready(&relay_a).await;
    wait_stream_ready(&relay_b).await;
    TwoAccounts {
        server,
        a,
        b,
        dir,
        relay_a,
        relay_b,
    }
}

/// The must-show: a board over two accounts from two relays, each account's
/// queue figures equal to that simulator's ground truth.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_board_over_two_accounts_equals_each_simulators_ground_truth() {
    let TwoAccounts {
        server,
        a,
        b,
        dir,
        mut relay_a,
        mut relay_b,
    } = two_accounts(41).await;
    let (url_a, url_b) = (server.url_of(ACCOUNT_ID), server.url_of(OTHER));
    let port = free_port();
    let metrics = format!("127.0.0.1:{port}");
    let args = [
        "live",
        "--from",
        &url_a,
        "--from",
        &url_b,
        "--headless",
        "--metrics",
        &metrics,
    ];
    let mut board = Calltop::spawn(dir.path(), "board", &args, &nats_env(User::Viewer));
    wait_connected(port).await;
    a.resume_new_calls();
    b.resume_new_calls();
    let sims = [(ACCOUNT_ID, &a), (OTHER, &b)];
    let started = Instant::now();
    // While calls go on: until both accounts answered calls and lost some, and callers
    // were waiting in one of them when the board agreed.
    let (mut answered, mut left, mut waited) = (false, false, false);
    while !answered || !left || !waited {
        assert!(
            started.elapsed() < Duration::from_secs(150),
            "answered {answered}, left unanswered {left}, waiting {waited}\n{}",
            board.dump()
        );
        let truths = sample(port, &sims).await;
        let queues = || truths.iter().flat_map(|t| &t.queues);
        answered = truths
            .iter()
            .all(|t| t.queues.iter().any(|q| q.answered > 0));
        left = truths.iter().all(|t| {
            t.queues
                .iter()
                .any(|q| q.abandoned + q.voicemail + q.overflow > 0)
        });
        waited |= queues().any(|q| q.waiting_now > 0);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Once every call is over, the figures stand still: exactly the truths'.
    for s in [&a, &b] {
        s.stop_new_calls();
    }
    wait_until(120, "every call over", || async {
        a.active_calls() == 0 && b.active_calls() == 0
    })
    .await;
    let (ta, tb) = (a.ground_truth(), b.ground_truth());
    assert!(ta.queues.iter().all(|q| q.offered > 0), "{:?}", ta.queues);
    wait_until(60, "the board's figures equal both truths", || async {
        let series = scrape(port).await;
        compare(ACCOUNT_ID, &ta, &series).is_ok() && compare(OTHER, &tb, &series).is_ok()
    })
    .await;
    // Agents are labelled with their own account too.
    let series = scrape(port).await;
    for (account, t) in [(ACCOUNT_ID, &ta), (OTHER, &tb)] {
        for agent in t.agents.iter().skip(1) {
            let labelled = series.iter().any(|s| {
                s.name == "calltop_agent_state"
                    && s.labels.get("agent") == Some(&agent.id)
                    && s.labels.get("account").map(String::as_str) == Some(account)
            });
            assert!(labelled, "{account}: agent {} not labelled", agent.id);
        }
    }
    assert!(board.running(), "{}", board.dump());
    board.stop();
    // `report A B` of both streams: each account's queues are that simulator's truth.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_calltop"))
        .args(["report", &url_a, &url_b, "--format", "json"])
        .envs(nats_env(User::Viewer))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for (account, t) in [(ACCOUNT_ID, &ta), (OTHER, &tb)] {
        for q in &t.queues {
            let row = report["queues"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["account"] == account && r["id"] == q.id.as_str());
            let row = row.unwrap_or_else(|| panic!("{account} {}: {report}", q.id));
            let counts = [
                ("offered", q.offered),
                ("answered", q.answered),
                ("abandoned", q.abandoned),
                ("voicemail", q.voicemail),
                ("overflow", q.overflow),
            ];
            for (key, want) in counts {
                assert_eq!(row[key], want, "{account} {}: {key}", q.id);
            }
        }
    }
    relay_a.stop();
    relay_b.stop();
    a.shutdown().await;
    b.shutdown().await;
}

/// A relay's heartbeat on `server`, reporting live until the returned sender drops.
async fn beating(server: &NatsServer, id: &str) -> tokio::sync::watch::Sender<ConnState> {
    let conn = server.relay().await;
    let kv = open_kv(&conn.js, &server.names().kv()).await.unwrap();
    let (tx, rx) = tokio::sync::watch::channel(ConnState::Live);
    let (_, acked) = tokio::sync::watch::channel(0);
    tokio::spawn(heartbeat::beat(kv, id.into(), rx, acked));
    tx
}

/// One account's broker gone: the board over both is not live (`calltop_connected` 0,
/// and the headless feed names that account), and is again once it is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_accounts_outage_is_never_shown_as_live() {
    let server_a = NatsServer::start_for(ACCOUNT_ID);
    let mut server_b = NatsServer::start_for(OTHER);
    // The streams and the relays' heartbeats, as relays make them.
    let _relays = (
        beating(&server_a, "relay-a").await,
        beating(&server_b, "relay-b").await,
    );
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let metrics = format!("127.0.0.1:{port}");
    let (url_a, url_b) = (server_a.url(), server_b.url());
    let args = [
        "live",
        "--from",
        &url_a,
        "--from",
        &url_b,
        "--headless",
        "--format",
        "json",
        "--metrics",
        &metrics,
    ];
    let mut board = Calltop::spawn(dir.path(), "board", &args, &nats_env(User::Viewer));
    wait_connected(port).await;
    let connected = || async {
        let series = scrape(port).await;
        let c = series.iter().find(|s| s.name == "calltop_connected");
        c.map(|s| s.value)
    };
    server_b.stop();
    wait_until(60, "the board no longer live", || async {
        connected().await == Some(0.0)
    })
    .await;
    let out = board.stdout();
    assert!(
        out.contains(&format!("account {OTHER}: ")),
        "{}",
        board.dump()
    );
    server_b.restart();
    wait_until(60, "the board live again", || async {
        connected().await == Some(1.0)
    })
    .await;
    assert!(board.running(), "{}", board.dump());
    board.stop();
}

/// An answered party of a call in progress of `account`, as the store knows it.
fn answered_in(store: &SharedStore, account: &str) -> Option<(String, String)> {
    let s = store.read();
    let found = s
        .sessions()
        .filter(|x| !x.ended && x.account() == Some(account))
        .find_map(|x| {
            let p = x
                .parties
                .iter()
                .find(|p| p.code() == Some(&StatusCode::Answered))?;
            Some((x.id.clone(), p.id.clone()))
        });
    found
}

/// Control from a board over two accounts: a request goes to the relay of its call's
/// account, and only that simulator is asked; an account this user may not act in fails
/// saying why and sends nothing; a call the board has not heard of is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_board_over_two_accounts_acts_through_each_calls_own_relay() {
    let TwoAccounts {
        server,
        a,
        b,
        dir: _dir,
        mut relay_a,
        mut relay_b,
    } = two_accounts(43).await;
    // The board's store, as `live --from A --from B` folds it: each stream from its
    // first message, each line claimed by its account.
    let alice = server.connect(User::Alice).await;
    let store = SharedStore::new(SessionStore::default());
    let (events, _) = tokio::sync::broadcast::channel(16);
    let lock = Arc::default();
    let mut folds = Vec::new();
    for account in [ACCOUNT_ID, OTHER] {
        let cfg = FoldConfig {
            from_keyframe: false,
            claim: Some(Claim {
                account: account.into(),
                lock: Arc::clone(&lock),
            }),
            ..FoldConfig::default()
        };
        let names = Names::new(account).unwrap();
        let fold = relay::fold(&alice, &names, store.clone(), events.clone(), cfg);
        folds.push(fold.await.unwrap());
    }
    a.resume_new_calls();
    b.resume_new_calls();
    let relay_of = |account: &str| {
        let names = Names::new(account).unwrap();
        RelayControl::new(ControlClient::new(&alice, &names).unwrap())
    };
    let both = AccountsControl::new(
        store.clone(),
        BTreeMap::from([
            (ACCOUNT_ID.to_string(), Ok(relay_of(ACCOUNT_ID))),
            (OTHER.to_string(), Ok(relay_of(OTHER))),
        ]),
    );

    // A hold on a call of the second account reaches its simulator once, the first's
    // never.
    let mut tried = Vec::new();
    let held = loop {
        assert!(tried.len() < 20, "no hold went through: {tried:?}");
        let mut target = None;
        wait_until(60, "an answered call of the second account", || {
            target = answered_in(&store, OTHER).filter(|t| !tried.contains(t));
            let found = target.is_some();
            async move { found }
        })
        .await;
        let target = target.unwrap();
        tried.push(target.clone());
        let hold = ControlRequest::on_party(&target.0, &target.1, ControlAction::Hold);
        match both.send(&hold).await {
            Outcome::Done { .. } => break target,
            other => eprintln!("hold {target:?}: {other:?}"),
        }
    };
    assert_eq!(
        requests_for(&b, "hold", &held),
        1,
        "{:?}",
        b.control_requests()
    );
    assert!(
        a.control_requests().is_empty(),
        "{:?}",
        a.control_requests()
    );

    // The first account read-only for this user: its calls' requests fail saying so.
    let why = "the broker does not let NATS user alice send control requests";
    let one = AccountsControl::new(
        store.clone(),
        BTreeMap::from([
            (ACCOUNT_ID.to_string(), Err(why.to_string())),
            (OTHER.to_string(), Ok(relay_of(OTHER))),
        ]),
    );
    let mut target = None;
    wait_until(60, "an answered call of the first account", || {
        target = answered_in(&store, ACCOUNT_ID);
        let found = target.is_some();
        async move { found }
    })
    .await;
    let target = target.unwrap();
    let hold = ControlRequest::on_party(&target.0, &target.1, ControlAction::Hold);
    match one.send(&hold).await {
        Outcome::Failed { message } => {
            assert!(
                message.contains(ACCOUNT_ID) && message.contains(why),
                "{message}"
            )
        }
        other => panic!("sent in a read-only account: {other:?}"),
    }
    let unknown = ControlRequest::on_party("s-never-heard-of", "p-1", ControlAction::Hold);
    match both.send(&unknown).await {
        Outcome::Failed { message } => assert!(message.contains("not known"), "{message}"),
        other => panic!("sent for an unknown call: {other:?}"),
    }
    assert!(
        a.control_requests().is_empty(),
        "{:?}",
        a.control_requests()
    );
    drop(folds);
    relay_a.stop();
    relay_b.stop();
    a.shutdown().await;
    b.shutdown().await;
}
