//! The relay on a three-node JetStream cluster, run from the deployment example
//! (`assets/deploy`: the nats-server configs and the systemd units' command lines): the
//! stream's leader killed, then a second node killed and brought back, then the first
//! restarted; every frame reaches both boards once, in order, and the stream reports
//! like the relay's recording.
#![cfg(feature = "nats")]

use crate::e2e::{figure, frames, free_addr, quiet_sim, report, scrape, sim_config, sim_env};
use crate::support::*;
use calltop::relay::{self, Outgoing};
use calltop::sim::ACCOUNT_ID;
use clap::Parser;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

const DEPLOY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/deploy");
/// The servers the example units name.
const EXAMPLE_SERVERS: &str = "nats://127.0.0.1:14221,127.0.0.1:14222,127.0.0.1:14223/";

/// The arguments of a unit's `ExecStart` after the binary, each `(from, to)` replaced.
fn exec_start(unit: &str, swap: &[(&str, &str)]) -> Vec<String> {
    let text = std::fs::read_to_string(format!("{DEPLOY}/{unit}")).unwrap();
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .unwrap_or_else(|| panic!("{unit} has an ExecStart"));
    let args: Vec<String> = line
        .split_whitespace()
        .skip(1)
        .map(|a| {
            swap.iter()
                .fold(a.to_string(), |a, (from, to)| a.replace(from, to))
        })
        .collect();
    assert!(!args.is_empty());
    args
}

/// The applied session events a headless board printed, in order: (session, sequence).
fn applied(out: &str) -> Vec<(String, i64)> {
    out.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["kind"] == "event" && v["delivery"] == "applied")
        .filter_map(|v| {
            Some((
                v["telephonySessionId"].as_str()?.to_string(),
                v["sequence"].as_i64()?,
            ))
        })
        .collect()
}

/// The (session, sequence) of a frame line (its dedup id `ev.<session>.<sequence>`).
fn event_key(line: &str) -> Option<(String, i64)> {
    let id = Outgoing::from_line(line.to_string())?.msg_id?;
    let (session, seq) = id.strip_prefix("ev.")?.rsplit_once('.')?;
    Some((session.to_string(), seq.parse().ok()?))
}

/// The consumers of `stream` that node `node` leads, from its own `/jsz` (an ordered
/// consumer has one replica: it lives and dies with that node).
async fn led_consumers(cluster: &NatsCluster, node: usize, stream: &str) -> Vec<String> {
    let url = format!(
        "http://{}/jsz?accounts=true&streams=true&consumers=true",
        cluster.monitor(node)
    );
    let Ok(r) = reqwest::get(url).await else {
        return Vec::new();
    };
    let v: serde_json::Value = r.json().await.unwrap_or_default();
    let me = format!("n{}", node + 1);
    let empty = Vec::new();
    let list = |v: &serde_json::Value, k: &str| v[k].as_array().unwrap_or(&empty).clone();
    list(&v, "account_details")
        .iter()
        .flat_map(|a| list(a, "stream_detail"))
        .filter(|s| s["name"] == stream)
        .flat_map(|s| list(&s, "consumer_detail"))
        .filter(|c| c["cluster"]["leader"] == me.as_str())
        .filter_map(|c| c["name"].as_str().map(str::to_string))
        .collect()
}

/// The stream's leader node.
async fn stream_leader(
    conn: &relay::NatsConn,
    cluster: &NatsCluster,
    stream: &str,
) -> Option<usize> {
    let mut s = conn.js.get_stream(stream).await.ok()?;
    let info = s.info().await.ok()?;
    let name = info.cluster.as_ref()?.leader.clone()?;
    cluster.node_named(&name)
}

/// Every message of the stream, frames, audit and gateway frames.
async fn read_all_subjects(conn: &relay::NatsConn, names: &relay::Names) -> Vec<relay::StreamLine> {
    let opts = relay::ReadOptions {
        start: relay::Start::First,
        follow: false,
        subjects: relay::Subjects::All,
    };
    let mut r = relay::StreamReader::open(&conn.js, names, opts)
        .await
        .unwrap();
    let mut out = Vec::new();
    while let Some(l) = r.next().await {
        out.push(l.unwrap());
    }
    out
}

/// Where two JSON values first differ: the path and both values.
fn difference(path: &str, a: &serde_json::Value, b: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                let none = Value::Null;
                let (p, q) = (x.get(k).unwrap_or(&none), y.get(k).unwrap_or(&none));
                difference(&format!("{path}.{k}"), p, q)
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| difference(&format!("{path}[{i}]"), p, q)),
        _ if a == b => None,
        _ => Some(format!("{path}: stream {a}, file {b}")),
    }
}

/// What a board's output showed while nodes died: the longest time it printed nothing.
#[derive(Default)]
struct Watch {
    count: usize,
    changed: Option<Instant>,
    longest: Duration,
}

impl Watch {
    fn poll(&mut self, board: &Calltop, now: Instant) {
        let n = applied(&board.stdout()).len();
        let since = self.changed.unwrap_or(now);
        if n != self.count {
            self.longest = self.longest.max(now - since);
            self.count = n;
            self.changed = Some(now);
        } else {
            self.changed = Some(since);
        }
    }
}

/// Polls both boards every 50 ms (and the relay's oldest unacked line) until each has
/// printed `more` lines beyond `from`; the longest silence of each board, and the
/// oldest unacked age the relay reported.
async fn ride_out(
    boards: &[Calltop],
    relay_metrics: &str,
    more: usize,
    what: &str,
) -> (Vec<Duration>, f64) {
    let start = Instant::now();
    let mut watches: Vec<Watch> = boards
        .iter()
        .map(|b| Watch {
            count: applied(&b.stdout()).len(),
            changed: Some(start),
            longest: Duration::ZERO,
        })
        .collect();
    let targets: Vec<usize> = watches.iter().map(|w| w.count + more).collect();
    let mut unacked = 0f64;
    let mut scraped = start;
    loop {
        let now = Instant::now();
        for (w, b) in watches.iter_mut().zip(boards) {
            w.poll(b, now);
        }
        if now - scraped >= Duration::from_millis(250) {
            scraped = now;
            let text = scrape(relay_metrics).await;
            unacked = unacked.max(figure(&text, "calltop_relay_oldest_unacked_seconds"));
        }
        if watches.iter().zip(&targets).all(|(w, t)| w.count >= *t) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{what}: the boards stalled\n{}",
            boards
                .iter()
                .map(Calltop::dump)
                .collect::<Vec<_>>()
                .join("\n")
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (watches.iter().map(|w| w.longest).collect(), unacked)
}

/// How many times a board's log says its reader recreated a silent consumer.
fn recreations(dir: &Path, name: &str) -> usize {
    let Ok(entries) = std::fs::read_dir(dir.join(format!("{name}-logs"))) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .map(|t| t.matches("consumer recreated").count())
        .sum()
}

/// A relay with `--replicas 3` and two headless boards (alice's, and the CRM feed's
/// unit as the viewer) on the example's three-node cluster. The stream's leader is
/// SIGKILLed, then a second node is killed and brought back (no quorum meanwhile),
/// then the first restarted. Every notification the simulator emitted is in the stream
/// once and reaches both boards once, in order per call, with no duplicate or stale
/// event; the relay said its publishing paused; `report nats://…` equals `report` of
/// the relay's `--record` file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_three_node_cluster_loses_no_frame_when_nodes_die() {
    let mut cluster = NatsCluster::start();
    let names = relay::Names::new(ACCOUNT_ID).unwrap();
    let url = cluster.url(ACCOUNT_ID);
    let (sim, _, base_emitted) = quiet_sim(sim_config(27)).await;
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("relay.jsonl").display().to_string();
    let relay_metrics = free_addr();
    let mut args = exec_start(
        "calltop-relay.service",
        &[
            (EXAMPLE_SERVERS, &url.replace(ACCOUNT_ID, "")),
            ("%l", "r1"),
            ("/var/lib/calltop/relay.jsonl", &rec),
            ("127.0.0.1:9464", &relay_metrics),
        ],
    );
    assert!(
        args.windows(2).any(|w| w == ["--replicas", "3"]),
        "{args:?}"
    );
    args.extend(["--retain-bytes".into(), "256M".into()]);
    let relay_conn = cluster.connect(User::Relay).await;
    let mut env = sim_env(&sim);
    env.extend(nats_env(User::Relay));
    let args_ref: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut relay = Calltop::spawn(dir.path(), "relay", &args_ref, &env);
    wait_stream_ready(&relay).await; // on three nodes
    let viewer = cluster.connect(User::Viewer).await;
    let info = viewer
        .js
        .get_stream(names.stream())
        .await
        .unwrap()
        .info()
        .await
        .unwrap()
        .clone();
    assert_eq!(info.config.num_replicas, 3);
    for bucket in [
        format!("KV_{}", names.kv()),
        format!("KV_{}", names.kv_ctl()),
        format!("OBJ_{}", names.objects()),
    ] {
        let mut s = relay_conn.js.get_stream(&bucket).await.unwrap();
        let replicas = s.info().await.unwrap().config.num_replicas;
        assert_eq!(replicas, 3, "{bucket}");
    }
    let feed_metrics = free_addr();
    let alice_metrics = free_addr();
    let feed_args = exec_start(
        "calltop-crm-feed.service",
        &[
            (EXAMPLE_SERVERS, &url.replace(ACCOUNT_ID, "")),
            ("127.0.0.1:9465", &feed_metrics),
        ],
    );
    let feed_ref: Vec<&str> = feed_args.iter().map(String::as_str).collect();
    let alice_args = [
        "live",
        "--from",
        &url,
        "--headless",
        "--format",
        "json",
        "--metrics",
        &alice_metrics,
    ];
    // The consumers there before the boards (the relay's own fold).
    let mut before = HashSet::new();
    for node in 0..3 {
        before.extend(led_consumers(&cluster, node, &names.stream()).await);
    }
    let boards = vec![
        Calltop::spawn(dir.path(), "alice", &alice_args, &nats_env(User::Alice)),
        Calltop::spawn(dir.path(), "feed", &feed_ref, &nats_env(User::Viewer)),
    ];
    wait_until(60, "the relay subscribed", || async {
        sim.subscriptions() == 1
    })
    .await;
    sim.resume_new_calls();
    wait_until(60, "both boards following", || async {
        boards.iter().all(|b| applied(&b.stdout()).len() >= 50)
    })
    .await;

    // 1. The stream's leader dies, with board consumers on it (the worst case: nothing
    // but the reader's watchdog moves an ordered consumer off a dead node).
    let mut boards_on = [0usize; 3];
    for (node, n) in boards_on.iter_mut().enumerate() {
        *n = led_consumers(&cluster, node, &names.stream())
            .await
            .iter()
            .filter(|c| !before.contains(*c))
            .count();
    }
    let leader = (0..3).max_by_key(|n| boards_on[*n]).unwrap();
    assert!(
        boards_on[leader] > 0,
        "no board consumer found: {boards_on:?}"
    );
    let stepdown = format!("$JS.API.STREAM.LEADER.STEPDOWN.{}", names.stream());
    for _ in 0..20 {
        if stream_leader(&viewer, &cluster, &names.stream()).await == Some(leader) {
            break;
        }
        let _ = relay_conn.client.request(stepdown.clone(), "".into()).await;
        let mut moved = false;
        for _ in 0..40 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if stream_leader(&viewer, &cluster, &names.stream())
                .await
                .is_some()
            {
                moved = true;
                break;
            }
        }
        assert!(moved, "the stream found no leader after a step-down");
    }
    assert_eq!(
        stream_leader(&viewer, &cluster, &names.stream()).await,
        Some(leader),
        "the leader never moved to the boards' node"
    );
    cluster.kill(leader);
    let (pauses, unacked) = ride_out(&boards, &relay_metrics, 50, "leader killed").await;
    // 2. A second node dies (no quorum) and comes back.
    let second = (leader + 1) % 3;
    cluster.kill(second);
    tokio::time::sleep(Duration::from_secs(4)).await;
    cluster.start_node(second);
    let (pauses2, unacked2) = ride_out(&boards, &relay_metrics, 50, "quorum back").await;
    // 3. The first comes back.
    cluster.start_node(leader);
    ride_out(&boards, &relay_metrics, 50, "all three back").await;
    sim.stop_new_calls();
    wait_until(120, "every call to end", || async {
        sim.active_calls() == 0
    })
    .await;

    // The stream: every notification once.
    let emitted: Vec<String> = sim.emitted_uuids()[base_emitted..].to_vec();
    wait_until(60, "every notification in the stream", || async {
        let n = crate::e2e::uuid_counts(&frames(&viewer, &names).await);
        emitted.iter().all(|u| n.contains_key(u))
    })
    .await;
    let lines = frames(&viewer, &names).await;
    let counts = crate::e2e::uuid_counts(&lines);
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "stored twice: {twice:?}");
    let emitted_set: HashSet<&String> = emitted.iter().collect();
    let want: Vec<(String, i64)> = lines
        .iter()
        .filter(|l| {
            Outgoing::from_line(l.line.clone())
                .and_then(|o| o.uuid)
                .is_some_and(|u| emitted_set.contains(&u))
        })
        .filter_map(|l| event_key(&l.line))
        .collect();
    // (Presence notifications are emitted too: the boards print them apart.)
    let unique: HashSet<&(String, i64)> = want.iter().collect();
    assert!(
        unique.len() == want.len() && want.len() > 300,
        "{} session events, {} distinct",
        want.len(),
        unique.len()
    );

    // Both boards: each event once, in order per call; no duplicate, no stale one.
    for (board, metrics) in boards.iter().zip([&alice_metrics, &feed_metrics]) {
        wait_until(60, "the board has every event", || async {
            applied(&board.stdout()).len() >= want.len()
        })
        .await;
        let got = applied(&board.stdout());
        let mut seen: HashMap<&(String, i64), usize> = HashMap::new();
        for k in &got {
            *seen.entry(k).or_default() += 1;
        }
        let lost: Vec<_> = want
            .iter()
            .filter(|k| !seen.contains_key(k))
            .take(5)
            .collect();
        let repeated: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).take(5).collect();
        assert!(
            lost.is_empty() && repeated.is_empty(),
            "{}: lost {lost:?}, repeated {repeated:?}",
            board.name
        );
        assert_eq!(got.len(), want.len(), "{}", board.name);
        let mut last: BTreeMap<&str, i64> = BTreeMap::new();
        for (session, seq) in &got {
            let prev = last.insert(session, *seq);
            assert!(
                prev.is_none_or(|p| p < *seq),
                "{}: {session} {seq} after {prev:?}",
                board.name
            );
        }
        let text = scrape(metrics).await;
        for kind in ["duplicate", "stale"] {
            let name = format!("calltop_events_irregular_total{{kind=\"{kind}\"}}");
            assert_eq!(figure(&text, &name), 0.0, "{}: {name}", board.name);
        }
    }
    let relay_text = scrape(&relay_metrics).await;
    let retries: Vec<String> = ["no_leader", "timeout", "other"]
        .iter()
        .map(|why| {
            let name = format!("calltop_relay_publish_retries_total{{why=\"{why}\"}}");
            format!("{why} {}", figure(&relay_text, &name))
        })
        .collect();
    // The election showed: lines waited seconds for their ack.
    assert!(unacked >= 1.0, "{relay_text}");
    assert!(relay.running(), "{}", relay.dump());
    relay.stop();

    // The stream reads like the relay's recording.
    let env = nats_env(User::Viewer);
    let (from_stream, mut from_file) = (report(&[&url], &env), report(&[&rec], &[]));
    // Gateway frames (ConnectionDetails…) are in the file but kept apart in the stream
    // (`gw.<relay>`, not read by the report): the report counts them as "other".
    let gateway = read_all_subjects(&viewer, &names)
        .await
        .iter()
        .filter(|l| l.kind == relay::Kind::Gw)
        .count();
    let other = from_file["summary"]["other"].as_u64().unwrap();
    from_file["summary"]["other"] = (other - gateway as u64).into();
    if let Some(d) = difference("", &from_stream, &from_file) {
        panic!("report nats://… differs from the recording's: {d}");
    }

    let ms = |d: &[Duration]| {
        d.iter()
            .map(|d| format!("{:.1} s", d.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    eprintln!(
        "cluster: {} notifications ({} session events), lost 0, duplicates 0; board consumers on the killed leader: {}; boards' longest pause (alice, feed): leader killed {}, quorum lost 4 s {}; relay's oldest unacked line: {unacked} s, {unacked2} s; retries {}; consumers recreated: alice {}, feed {}",
        emitted.len(),
        want.len(),
        boards_on[leader],
        ms(&pauses),
        ms(&pauses2),
        retries.join(", "),
        recreations(dir.path(), "alice"),
        recreations(dir.path(), "feed"),
    );
    sim.shutdown().await;
}

/// The example's accounts grant each role what `relay::Names` says it needs.
#[test]
fn the_cluster_example_grants_each_role_its_permissions() {
    let text = std::fs::read_to_string(format!("{CLUSTER_CONFIGS}/accounts.conf")).unwrap();
    let n = relay::Names::new(ACCOUNT_ID).unwrap();
    for (user, p) in [
        ("relay", n.relay_permissions("relay")),
        ("alice", n.supervisor_permissions("alice", None)),
        ("viewer", n.reader_permissions("viewer")),
    ] {
        let line = format!(
            "{{ user: {user:?}, password: ${}_PASSWORD, permissions: {} }}",
            user.to_uppercase(),
            p.to_server_config()
        );
        assert!(text.contains(&line), "accounts.conf lacks\n{line}");
    }
}

/// The units' command lines are calltop's: they parse.
#[test]
fn the_units_command_lines_parse() {
    for unit in ["calltop-relay.service", "calltop-crm-feed.service"] {
        let args = exec_start(unit, &[("%l", "relay-host")]);
        let argv = std::iter::once("calltop".to_string()).chain(args);
        if let Err(e) = calltop::cli::Cli::try_parse_from(argv) {
            panic!("{unit}: {e}");
        }
    }
}
