//! The README's sample recording (`assets/sample-hour.jsonl`, made by `scripts/sample-hour`;
//! see assets/README.md) still reads: `calltop report` takes every line, finds many calls, and
//! its queue and agent sections have real figures. So the asset cannot rot silently when the
//! reader or the recording format changes.

use std::path::PathBuf;
use std::process::Command;

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/sample-hour.jsonl")
}

fn report_json() -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_calltop"))
        .arg("report")
        .arg(sample())
        .args(["--format", "json"])
        .output()
        .expect("calltop report runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "report failed: {err}");
    assert!(
        !err.contains("skipped") && !err.contains("malformed"),
        "report skipped lines: {err}"
    );
    serde_json::from_slice(&out.stdout).expect("report --format json prints one object")
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
