//! The README's sample recording (`assets/sample-hour.jsonl`, made by `scripts/sample-hour`;
//! see assets/README.md) still reads: `calltop report` takes every line, finds many calls, and
//! its queue and agent sections have real figures. So the asset cannot rot silently when the
//! reader or the recording format changes.

use std::path::PathBuf;
use std::process::Command;

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/sample-hour.jsonl")
}

/// `calltop report` of the sample in `format`: its stdout.
fn report(format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_calltop"))
        .arg("report")
        .arg(sample())
        .args(["--format", format])
        .output()
        .expect("calltop report runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "report failed: {err}");
    assert!(
        !err.contains("skipped") && !err.contains("malformed"),
        "report skipped lines: {err}"
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn report_json() -> serde_json::Value {
    serde_json::from_str(&report("json")).expect("report --format json prints one object")
}

fn num(v: &serde_json::Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or(0.0)
}

#[test]
fn sample_recording_reports_cleanly_with_queues_and_agents() {
    let file = sample();
    let len = std::fs::metadata(&file)
        .expect("assets/sample-hour.jsonl exists")
        .len();
    assert!(len < 8 << 20, "the sample grew past 8 MB: {len} bytes");

    let v = report_json();
    let s = &v["summary"];
    assert_eq!(s["malformed"].as_u64(), Some(0), "summary: {s}");
    assert!(
        num(s, "sessions") >= 100.0,
        "a busy stretch has many calls: {s}"
    );
    assert!(num(s, "answered") > 0.0, "summary: {s}");
    assert!(num(s, "events") > 1000.0, "summary: {s}");

    let sessions = v["sessions"].as_array().expect("sessions[]");
    assert_eq!(sessions.len() as f64, num(s, "sessions"));

    let queues = v["queues"].as_array().expect("queues[]");
    assert!(!queues.is_empty(), "no queue section");
    let offered: f64 = queues.iter().map(|q| num(q, "offered")).sum();
    let answered: f64 = queues.iter().map(|q| num(q, "answered")).sum();
    assert!(offered > 0.0 && answered > 0.0, "queues: {queues:?}");
    assert!(
        queues.iter().any(|q| q["serviceLevel"].as_f64().is_some()),
        "no queue has a service level: {queues:?}"
    );

    let agents = v["agents"].as_array().expect("agents[]");
    assert!(!agents.is_empty(), "no agent section");
    let handled: f64 = agents.iter().map(|a| num(a, "handled")).sum();
    let talk: f64 = agents.iter().map(|a| num(a, "talkSeconds")).sum();
    assert!(handled > 0.0 && talk > 0.0, "agents: {agents:?}");
}

/// The span assets/README.md promises (an hour; at least 55 minutes): first to last `receivedAt`
/// (the replay's clock).
#[test]
fn sample_recording_spans_what_assets_readme_says() {
    let text = std::fs::read_to_string(sample()).expect("sample");
    let times: Vec<chrono::DateTime<chrono::Utc>> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["receivedAt"].as_str().and_then(|t| t.parse().ok()))
        .collect();
    let (first, last) = (times.first().expect("lines"), times.last().expect("lines"));
    let minutes = (*last - *first).num_seconds() as f64 / 60.0;
    assert!(
        minutes >= 55.0,
        "the sample spans only {minutes:.1} minutes"
    );
}

/// The platform's call-log records in the sample, by telephony session id; and the
/// directory's extensions (id → (extension number, name)).
type Records = std::collections::HashMap<String, Vec<serde_json::Value>>;
fn records_and_directory() -> (Records, std::collections::HashMap<String, (String, String)>) {
    let text = std::fs::read_to_string(sample()).expect("sample");
    let (mut records, mut directory) = (Records::new(), std::collections::HashMap::new());
    for v in text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
    {
        for r in v["callLog"]["records"].as_array().into_iter().flatten() {
            let id = r["telephonySessionId"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            records.entry(id).or_default().push(r.clone());
        }
        for e in v["roster"]["extensions"].as_array().into_iter().flatten() {
            let number = e["extensionNumber"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let name = e["name"].as_str().unwrap_or_default().to_string();
            directory.insert(e["id"].to_string(), (number, name));
        }
    }
    (records, directory)
}

/// JSON sessions carry the agent who answered and the queue the call came through,
/// as the platform's own call log of the sample says: a record in the queue's log and
/// one in the agent's, accepted; named as the directory names them.
#[test]
fn report_sessions_name_their_agent_and_queue_as_the_call_log_does() {
    let v = report_json();
    let (records, directory) = records_and_directory();
    let mut checked = 0;
    for s in v["sessions"].as_array().unwrap() {
        let (Some(agent), Some(queue)) = (s.get("agent"), s.get("queue")) else {
            continue;
        };
        let id = s["telephonySessionId"].as_str().unwrap();
        let Some(recs) = records.get(id) else {
            continue;
        };
        let owner = |r: &serde_json::Value| r["extension"]["id"].to_string();
        let queue_id = queue["id"].as_str().unwrap();
        assert!(
            recs.iter().any(|r| owner(r) == queue_id),
            "{id}: no record in queue {queue_id}'s log"
        );
        let agent_id = agent["extensionId"].as_str().unwrap();
        if s["disposition"] == "Answered" {
            assert!(
                recs.iter()
                    .any(|r| owner(r) == agent_id && r["result"] == "Accepted"),
                "{id}: agent {agent_id} accepted no record of it"
            );
            checked += 1;
        }
        let (number, name) = &directory[agent_id];
        assert_eq!(agent["extensionNumber"], number.as_str(), "{id}");
        assert_eq!(agent["name"], name.as_str(), "{id}");
        let (number, name) = &directory[queue_id];
        assert_eq!(queue["extensionNumber"], number.as_str(), "{id}");
        assert_eq!(queue["name"], name.as_str(), "{id}");
    }
    assert!(checked >= 50, "only {checked} answered queue calls checked");
}

/// The CSV's sessions carry the same agent and queue as the JSON, in columns added
/// after the ones it had (a reader by position keeps working), named by its one header.
#[test]
fn report_csv_rows_have_agent_and_queue_columns_after_the_old_ones() {
    const BEFORE: &str = "telephonySessionId,startTime,endTime,disposition,partyId,direction,from,fromName,to,toName,status,reason,ringSeconds,talkSeconds,holdSeconds,platformResult,callLogIds,recordingIds,voicemailIds";
    let csv = report("csv");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert!(header.join(",").starts_with(BEFORE), "{header:?}");
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (sid, aname, anum, qid, qname) = (
        col("telephonySessionId"),
        col("agentName"),
        col("agentExtensionNumber"),
        col("queueId"),
        col("queueName"),
    );
    let json = report_json();
    let by_id: std::collections::HashMap<&str, &serde_json::Value> = json["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["telephonySessionId"].as_str().unwrap(), s))
        .collect();
    let mut with_agent = 0;
    for line in lines.take_while(|l| !l.is_empty()) {
        // No field of the sample holds a comma or a quote.
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), header.len(), "{line}");
        let s = by_id[cells[sid]];
        let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
        assert_eq!(cells[aname], text(&s["agent"]["name"]), "{line}");
        assert_eq!(cells[anum], text(&s["agent"]["extensionNumber"]), "{line}");
        assert_eq!(cells[qid], text(&s["queue"]["id"]), "{line}");
        assert_eq!(cells[qname], text(&s["queue"]["name"]), "{line}");
        with_agent += usize::from(!cells[aname].is_empty());
    }
    assert!(with_agent > 100, "{with_agent} rows name an agent");
}

/// The table for people: a header over aligned columns — each cell of a text column
/// starts under its header, each figure ends under it — for the sessions, the queues
/// and the agents.
#[test]
fn report_table_has_headers_and_aligned_columns() {
    let table = report("table");
    let json = report_json();
    let blocks: Vec<Vec<&str>> = table.split("\n\n").map(|b| b.lines().collect()).collect();
    let sessions = &blocks[0];
    let header = sessions[0];
    for h in [
        "Session", "Start", "Outcome", "Total", "Agent", "Queue", "Party", "From", "To", "Ring",
        "Talk", "Hold",
    ] {
        assert!(header.contains(h), "{h} not in {header}");
    }
    let chars = |l: &str| l.chars().collect::<Vec<char>>();
    let start = |h: &str| {
        chars(header)
            .windows(h.len())
            .position(|w| w.iter().collect::<String>() == h)
            .unwrap()
    };
    let cell_at = |l: &str, at: usize| -> String {
        chars(l)[at.min(chars(l).len())..]
            .iter()
            .take_while(|c| **c != ' ')
            .collect()
    };
    let (party, outcome, agent, talk) = (
        start("Party"),
        start("Outcome"),
        start("Agent"),
        start("Talk") + 3,
    );
    let by_id: std::collections::HashMap<&str, &serde_json::Value> = json["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["telephonySessionId"].as_str().unwrap(), s))
        .collect();
    let mut calls = 0;
    for l in &sessions[1..] {
        assert!(cell_at(l, party).starts_with("p-"), "Party misaligned: {l}");
        // Figures end under their header's last letter.
        let c = chars(l);
        assert!(
            c[talk] == 's' && c.get(talk + 1) == Some(&' '),
            "Talk misaligned: {l}"
        );
        if l.starts_with("s-") {
            let s = by_id[cell_at(l, 0).as_str()];
            assert_eq!(
                cell_at(l, outcome),
                s["disposition"].as_str().unwrap(),
                "{l}"
            );
            let first = s["agent"]["name"]
                .as_str()
                .map_or("—", |n| n.split(' ').next().unwrap());
            assert_eq!(cell_at(l, agent), first, "{l}");
            calls += 1;
        } else {
            assert!(l.starts_with(' '), "a party of the call above: {l}");
        }
    }
    assert_eq!(calls, by_id.len());
    // The queues and the agents: a header, then one aligned line each.
    let queues = blocks.iter().find(|b| b[0] == "queues").expect("queues");
    assert!(
        queues[1].starts_with("Queue ") && queues[1].contains("Offered"),
        "{queues:?}"
    );
    let end = |h: &str| queues[1].find(h).unwrap() + h.len();
    for (line, q) in queues[2..].iter().zip(json["queues"].as_array().unwrap()) {
        let offered = line[..end("Offered")].rsplit(' ').next().unwrap();
        assert_eq!(offered, q["offered"].to_string(), "{line}");
        let answered = line[..end("Answered")].rsplit(' ').next().unwrap();
        assert_eq!(answered, q["answered"].to_string(), "{line}");
    }
    let agents = blocks.iter().find(|b| b[0] == "agents").expect("agents");
    assert!(
        agents[1].starts_with("Agent ") && agents[1].contains("Handled"),
        "{agents:?}"
    );
    let end = |h: &str| agents[1].find(h).unwrap() + h.len();
    for (line, a) in agents[2..].iter().zip(json["agents"].as_array().unwrap()) {
        let handled = line[..end("Handled")].rsplit(' ').next().unwrap();
        assert_eq!(handled, a["handled"].to_string(), "{line}");
    }
}
