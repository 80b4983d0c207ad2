//! `calltop live --headless` and `calltop record` as processes, against the simulator
//! with the RINGCENTRAL_* variables pointing at it.

use crate::support as live_support;

use live_support::*;
use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

/// The child's stdout lines until `n` JSON lines of `kind` came (or `secs` passed).
async fn read_until(
    child: &mut std::process::Child,
    kind: &str,
    n: usize,
    secs: u64,
) -> Vec<String> {
    let stdout = child.stdout.take().unwrap();
    let needle = format!("\"kind\":\"{kind}\"");
    tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(secs);
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            out.push(line);
            if out.iter().filter(|l| l.contains(&needle)).count() >= n || Instant::now() > deadline
            {
                break;
            }
        }
        out
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headless_json_lines_against_the_sim() {
    let mut cfg = sim_config(21);
    cfg.calls_per_minute = 300.0;
    cfg.time_scale = 0.05;
    let sim = start_sim(cfg).await;
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec.jsonl");
    let rec_arg = rec.to_str().unwrap();
    let mut child = calltop(
        &sim,
        &[
            "live",
            "--headless",
            "--format",
            "json",
            "--record",
            rec_arg,
        ],
    );
    let lines = read_until(&mut child, "event", 20, 20).await;
    let status = stop(&mut child);
    assert!(status.success(), "clean exit on SIGTERM: {status:?}");
    let values: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).expect("every line is JSON"))
        .collect();
    let conn: Vec<_> = values
        .iter()
        .filter(|v| v["kind"] == "connection")
        .map(|v| v["state"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        conn.first().map(String::as_str),
        Some("Connecting"),
        "{conn:?}"
    );
    assert!(conn.contains(&"Live".to_string()), "{conn:?}");
    let events: Vec<_> = values.iter().filter(|v| v["kind"] == "event").collect();
    assert!(events.len() >= 20, "{} event lines", events.len());
    for e in &events {
        assert!(
            e["delivery"] == "applied" || e["delivery"] == "presence",
            "only applied events are printed: {e}"
        );
        assert!(
            e["telephonySessionId"]
                .as_str()
                .is_some_and(|s| !s.is_empty()),
            "{e}"
        );
    }
    // Each session event line carries the notification's eventTime and its first party's
    // ends split into name and number, beside the old `from`/`to` labels — as the
    // notification received (the recording) says.
    let received: std::collections::HashMap<(String, i64), serde_json::Value> =
        std::fs::read_to_string(&rec)
            .unwrap()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .map(|v| v["frame"][1]["body"].clone())
            .filter(|b| b["telephonySessionId"].is_string())
            .map(|b| {
                let key = (
                    b["telephonySessionId"].as_str().unwrap().to_string(),
                    b["sequence"].as_i64().unwrap(),
                );
                (key, b)
            })
            .collect();
    let ts = |v: &serde_json::Value| serde_json::from_value::<calltop::wire::Ts>(v.clone()).ok();
    let mut checked = 0;
    for e in events.iter().filter(|e| e["delivery"] == "applied") {
        let key = (
            e["telephonySessionId"].as_str().unwrap().to_string(),
            e["sequence"].as_i64().unwrap(),
        );
        let body = &received[&key];
        let party = &body["parties"][0];
        assert_eq!(ts(&e["eventTime"]), ts(&body["eventTime"]), "{e}");
        assert!(ts(&e["eventTime"]).is_some(), "{e}");
        for end in ["from", "to"] {
            assert_eq!(e[format!("{end}Name")], party[end]["name"], "{e}");
            assert_eq!(e[format!("{end}Number")], party[end]["phoneNumber"], "{e}");
            assert!(e[end].is_string(), "the label stays: {e}");
        }
        checked += 1;
    }
    assert!(checked >= 10, "{checked} session event lines checked");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_command_writes_a_private_redacted_file() {
    let mut cfg = sim_config(22);
    cfg.calls_per_minute = 300.0;
    cfg.time_scale = 0.05;
    let sim = start_sim(cfg).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cap.jsonl");
    let mut child = calltop(
        &sim,
        &["record", "--out", out.to_str().unwrap(), "--redact"],
    );
    wait_until(20, "a few recorded lines", || {
        std::fs::read_to_string(&out)
            .map(|t| t.lines().count() >= 20)
            .unwrap_or(false)
    })
    .await;
    let status = stop(&mut child);
    assert!(status.success(), "{status:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let text = std::fs::read_to_string(&out).unwrap();
    let mut sessions = 0;
    for line in text.lines() {
        let p = calltop::wire::parse(line).expect("the recording replays");
        assert!(p.received_at.is_some());
        if let calltop::wire::Incoming::Session(n) = p.item {
            sessions += 1;
            for party in &n.body.parties {
                for ep in [&party.from, &party.to].into_iter().flatten() {
                    if let Some(num) = &ep.phone_number {
                        assert!(
                            num.starts_with("+999") || num.len() <= 5,
                            "unmasked number {num}"
                        );
                    }
                    if let Some(name) = &ep.name {
                        assert!(name.starts_with("Name-"), "unmasked name {name}");
                    }
                }
            }
        }
    }
    assert!(sessions > 0);
    let c = credentials(&sim);
    assert!(!text.contains(&c.jwt) && !text.contains(&c.client_secret));
    sim.shutdown().await;
}

/// The end-of-call feed: one `callEnded` JSON line per call whose outcome is final
/// (both dispositions, the call's figures, the linked ids), and `--on-end CMD` gets the
/// same line on its stdin — a slow command holds nothing up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_ended_lines_and_the_on_end_command() {
    let mut cfg = sim_config(23);
    cfg.calls_per_minute = 300.0;
    cfg.time_scale = 0.03;
    cfg.call_log_delay_secs = 10.0;
    let sim = start_sim(cfg).await;
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("feed.jsonl");
    let on_end = format!("sleep 1; cat >> {}", feed.display());
    let mut child = calltop(
        &sim,
        &[
            "live",
            "--headless",
            "--format",
            "json",
            "--call-log-wait",
            "1",
            "--on-end",
            &on_end,
        ],
    );
    // Enough calls that queue calls (longer than the rest) are among them.
    let lines = read_until(&mut child, "callEnded", 24, 60).await;
    // Let the last commands (1 s each, four at a time) finish.
    let want = lines
        .iter()
        .filter(|l| l.contains("\"kind\":\"callEnded\""))
        .count();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::fs::read_to_string(&feed)
        .unwrap_or_default()
        .lines()
        .count()
        < want
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let status = stop(&mut child);
    assert!(status.success(), "{status:?}");
    let ended: Vec<serde_json::Value> = lines
        .iter()
        .filter(|l| l.contains("\"kind\":\"callEnded\""))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(ended.len() >= 8, "{} callEnded lines", ended.len());
    let truth = sim.ground_truth();
    let sim_calls = sim.call_states();
    let mut queue_calls = 0;
    let mut timed_calls = 0;
    for e in &ended {
        let id = e["telephonySessionId"].as_str().unwrap();
        let t = truth
            .calls
            .iter()
            .find(|c| c.telephony_session_id == id)
            .unwrap();
        has_the_fields_of_before(e);
        // The new fields: the time of the event that ended the call, and the caller's
        // ends split into name and number, as the simulator made them.
        assert_eq!(
            e["eventTime"],
            serde_json::to_value(t.ended).unwrap(),
            "{e}"
        );
        let call = sim_calls.iter().find(|c| c.id == id).unwrap();
        let caller = call
            .parties
            .iter()
            .find(|p| p.direction == Some(calltop::wire::Direction::Outbound))
            .or(call.parties.first())
            .unwrap();
        for (key, end) in [("from", &caller.from), ("to", &caller.to)] {
            let end = end.clone().unwrap_or_default();
            assert_eq!(e[format!("{key}Name")], serde_json::json!(end.name), "{e}");
            assert_eq!(
                e[format!("{key}Number")],
                serde_json::json!(end.phone_number),
                "{e}"
            );
        }
        assert!(e["disposition"].is_string(), "{e}");
        // Numbers, or all null for a call joined mid-way (seeded by REST at connect: how
        // it split its time before was not seen).
        let figures = ["ringSeconds", "talkSeconds", "holdSeconds"].map(|k| &e["call"][k]);
        let timed = figures.iter().all(|v| v.is_number());
        assert!(timed || figures.iter().all(|v| v.is_null()), "{e}");
        timed_calls += usize::from(timed);
        let mut ids: Vec<&str> = e["callLog"]["callLogIds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let mut want: Vec<&str> = t.records.iter().map(|r| r.id.as_str()).collect();
        ids.sort();
        want.sort();
        assert_eq!(ids, want, "{id}");
        assert!(
            e["callLog"]["result"].is_string(),
            "the platform's result: {e}"
        );
        // A queue call one agent answered: that agent and that queue.
        let answered: Vec<_> = truth
            .agent_legs
            .iter()
            .filter(|l| l.telephony_session_id == id && l.answered.is_some())
            .collect();
        if let [leg] = answered[..] {
            assert_eq!(e["agent"]["extensionId"], leg.agent_id.as_str(), "{e}");
            assert_eq!(e["queue"]["id"], leg.queue_id.as_str(), "{e}");
            let agent = truth.agents.iter().find(|a| a.id == leg.agent_id).unwrap();
            assert_eq!(e["agent"]["name"], agent.name.as_str(), "{e}");
            queue_calls += 1;
        }
    }
    assert!(
        queue_calls > 0,
        "no answered queue call among {} ended calls",
        ended.len()
    );
    assert!(timed_calls > 0, "none of {} ended calls timed", ended.len());
    let fed: Vec<serde_json::Value> = std::fs::read_to_string(&feed)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for e in &ended {
        assert!(fed.contains(e), "--on-end got {}", e["telephonySessionId"]);
    }
    assert!(
        ended.iter().any(|e| e["fromName"].is_string())
            && ended.iter().any(|e| e["toNumber"].is_string()),
        "names and numbers among the lines"
    );
    sim.shutdown().await;
}

/// Every field a `callEnded` line had before `eventTime` and the split from/to were
/// added (main at 6a5f39a), with the same kind of value: consumers of the lines and of
/// `--on-end` keep working. One change, on purpose (issue 24): a time calltop did not
/// see — how a call joined mid-way split its time before — is `null`, not a number it
/// would have to invent.
fn has_the_fields_of_before(e: &serde_json::Value) {
    use serde_json::Value;
    let is = |v: &Value, key: &str, check: fn(&Value) -> bool| {
        assert!(check(&v[key]), "{key} missing or changed: {v}");
    };
    let text_or_null = |v: &Value| v.is_string() || v.is_null();
    let seconds = |v: &Value| v.is_number() || v.is_null();
    assert_eq!(e["kind"], "callEnded");
    is(e, "telephonySessionId", Value::is_string);
    is(e, "sessionId", text_or_null);
    is(e, "startTime", text_or_null);
    is(e, "endTime", Value::is_string);
    is(e, "disposition", Value::is_string);
    // A number, or `null` for a call joined mid-way (seeded by REST at connect, as when
    // the board subscribes after the simulator's first calls began): its start was not
    // seen, and its call figures are `null` too.
    is(e, "durationSeconds", seconds);
    is(e, "parties", Value::is_array);
    is(e, "call", Value::is_object);
    if e["durationSeconds"].is_null() {
        assert!(e["call"]["talkSeconds"].is_null(), "joined mid-way: {e}");
    }
    for k in ["ringSeconds", "talkSeconds", "holdSeconds"] {
        is(&e["call"], k, seconds);
    }
    for p in e["parties"].as_array().unwrap() {
        for k in [
            "id",
            "direction",
            "from",
            "fromName",
            "to",
            "toName",
            "extensionId",
            "status",
            "reason",
        ] {
            is(p, k, text_or_null);
        }
        for k in ["ringSeconds", "talkSeconds", "holdSeconds"] {
            is(p, k, seconds);
        }
    }
    if let Some(a) = e.get("agent") {
        for k in ["extensionId", "extensionNumber", "name"] {
            is(a, k, text_or_null);
        }
    }
    if let Some(q) = e.get("queue") {
        is(q, "id", Value::is_string);
        for k in ["extensionNumber", "name"] {
            is(q, k, text_or_null);
        }
    }
    if let Some(c) = e.get("callLog") {
        is(c, "join", Value::is_string);
    }
}

/// `--alarms` headless: a caller waiting in Sales past the file's 1 s is one
/// `alarmRaised` JSON line, the same object on `--on-alert`'s stdin, and
/// `calltop_queue_alarm … 1` on `--metrics`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headless_alarms_are_lines_commands_and_metrics() {
    let mut cfg = sim_config(22);
    cfg.calls_per_minute = 0.0;
    let sim = start_sim(cfg).await;
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("alarms.toml");
    std::fs::write(&rules, "[queue.2001]\noldest_wait_over = 1\n").unwrap();
    let out = dir.path().join("alerts.jsonl");
    let port = crate::prom::free_port();
    let addr = format!("127.0.0.1:{port}");
    let on_alert = format!("cat >> {}", out.display());
    let mut child = calltop(
        &sim,
        &[
            "live",
            "--headless",
            "--format",
            "json",
            "--alarms",
            rules.to_str().unwrap(),
            "--on-alert",
            &on_alert,
            "--metrics",
            &addr,
        ],
    );
    let stdout = child.stdout.take().unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    next_line(&mut rx, "\"state\":\"Live\"").await;
    let rang = reqwest::Client::new()
        .post(format!("{}/sim/ring", sim.base_url()))
        .json(&serde_json::json!({"queueNumber": "2001"}))
        .send()
        .await
        .unwrap();
    assert!(rang.status().is_success());
    let line = next_line(&mut rx, "alarmRaised").await;
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["alarm"], "oldestWait", "{v}");
    assert_eq!(v["queueNumber"], "2001", "{v}");
    assert_eq!(v["threshold"], 1.0, "{v}");
    let alerted = loop {
        let text = std::fs::read_to_string(&out).unwrap_or_default();
        if let Some(l) = text.lines().next() {
            break serde_json::from_str::<serde_json::Value>(l).unwrap();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(alerted, v, "--on-alert gets the line");
    let body = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let metric = body
        .lines()
        .find(|l| l.starts_with("calltop_queue_alarm{") && l.contains("oldestWait"))
        .unwrap_or_else(|| panic!("no alarm metric:\n{body}"));
    assert!(
        metric.contains("queue=\"2001\"") && metric.ends_with(" 1"),
        "{metric}"
    );
    assert!(stop(&mut child).success());
}

/// The next line from `rx` containing `what` (30 s at most).
async fn next_line(rx: &mut tokio::sync::mpsc::UnboundedReceiver<String>, what: &str) -> String {
    let wait = async {
        while let Some(l) = rx.recv().await {
            if l.contains(what) {
                return l;
            }
        }
        panic!("calltop stopped before {what}")
    };
    tokio::time::timeout(Duration::from_secs(30), wait)
        .await
        .unwrap_or_else(|_| panic!("no {what} line"))
}
