//! `calltop report --intervals`: per interval, every queue's and agent's figures equal
//! the simulator's ground truth for two hours of a contact center generated on the
//! simulated clock (`calltop sim generate`), at 15 and 30 minutes — the truth's own
//! queue entries and agent legs, bucketed by entry / offer time — and the last
//! interval's figures are the whole-period figures `--since` its start.

use calltop::sim::{GroundTruth, Outcome, QueuePolicy};
use calltop::wire::Ts;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const START: &str = "2026-12-01T09:00:00Z";

/// Two generated hours (made once for the module): the recording and the last truth line.
/// A static is never dropped, so they are in the build's scratch space, not the system's.
fn generated() -> &'static (tempfile::TempDir, PathBuf, GroundTruth) {
    static DAY: OnceLock<(tempfile::TempDir, PathBuf, GroundTruth)> = OnceLock::new();
    DAY.get_or_init(|| {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
        let (out, truth) = (dir.path().join("day.jsonl"), dir.path().join("truth.jsonl"));
        let status = Command::new(env!("CARGO_BIN_EXE_calltop"))
            .args([
                "sim",
                "generate",
                "--duration",
                "2h",
                "--calls-per-minute",
                "20",
            ])
            .args(["--extensions", "40", "--seed", "26", "--start", START])
            .arg("--out")
            .arg(&out)
            .arg("--truth")
            .arg(&truth)
            .status()
            .unwrap();
        assert!(status.success());
        let text = std::fs::read_to_string(&truth).unwrap();
        let last = serde_json::from_str(text.lines().last().unwrap()).unwrap();
        (dir, out, last)
    })
}

fn report(path: &Path, args: &[&str]) -> Value {
    let out = crate::common::stdout_of(
        Command::new(env!("CARGO_BIN_EXE_calltop"))
            .arg("report")
            .arg(path)
            .args(["--tz", "UTC", "--format", "json"])
            .args(args),
    );
    serde_json::from_slice(&out).unwrap()
}

/// What one queue's entries of one interval add up to.
#[derive(Debug, Default, PartialEq)]
struct QueueExpect {
    offered: u64,
    answered: u64,
    within: u64,
    abandoned: u64,
    short: u64,
    voicemail: u64,
    overflow: u64,
    waiting: u64,
    answer_wait_ms: i64,
    /// Longest wait of an entry that left.
    longest_left_ms: i64,
    /// Oldest entry still waiting.
    oldest_open: Option<Ts>,
    /// The queue's agent legs offered in the interval: handled, talk + hold of closed
    /// parts, whether one is still answered (its talk runs on).
    handled: u64,
    handle_ms: i64,
    running: bool,
}

#[derive(Debug, Default, PartialEq)]
struct AgentExpect {
    offers: u64,
    handled: u64,
    missed: u64,
    talk_ms: i64,
    hold_ms: i64,
    /// A handled leg is still in progress: its talk or hold runs on.
    running: bool,
}

fn bucket(t: Ts, len_ms: i64) -> Ts {
    Ts(t.0.div_euclid(len_ms) * len_ms)
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-6,
        (a, b) => a.is_none() && b.is_none(),
    }
}

fn assert_intervals_are_truth(path: &Path, truth: &GroundTruth, minutes: i64) {
    let len = minutes * 60_000;
    let policy: HashMap<&str, QueuePolicy> = truth
        .queues
        .iter()
        .map(|q| q.id.as_str())
        .zip(QueuePolicy::defaults())
        .collect();
    let mut queues: HashMap<(Ts, &str), QueueExpect> = HashMap::new();
    for e in &truth.queue_entries {
        let x = queues
            .entry((bucket(e.entered, len), &e.queue_id))
            .or_default();
        x.offered += 1;
        let wait = e.wait_ms.unwrap_or(0);
        let short_ms = i64::from(policy[e.queue_id.as_str()].abandoned_threshold_secs) * 1000;
        match e.outcome {
            None => {
                x.waiting += 1;
                x.oldest_open = Some(x.oldest_open.map_or(e.entered, |o| o.min(e.entered)));
            }
            Some(o) => {
                x.longest_left_ms = x.longest_left_ms.max(wait);
                match o {
                    Outcome::Answered => {
                        x.answered += 1;
                        x.answer_wait_ms += wait;
                        x.within += u64::from(e.within_sla == Some(true));
                    }
                    Outcome::Abandoned => {
                        x.abandoned += 1;
                        x.short += u64::from(wait < short_ms);
                    }
                    Outcome::Voicemail => x.voicemail += 1,
                    Outcome::Overflow => x.overflow += 1,
                }
            }
        }
    }
    let mut agents: HashMap<(Ts, &str), AgentExpect> = HashMap::new();
    for l in &truth.agent_legs {
        let at = bucket(l.offered, len);
        let a = agents.entry((at, &l.agent_id)).or_default();
        a.offers += 1;
        a.handled += u64::from(l.answered.is_some());
        a.missed += u64::from(l.missed);
        a.talk_ms += l.talk_ms;
        a.hold_ms += l.hold_ms;
        let running = l.answered.is_some() && l.ended.is_none();
        a.running |= running;
        let q = queues.entry((at, &l.queue_id)).or_default();
        q.handled += u64::from(l.answered.is_some());
        q.handle_ms += l.talk_ms + l.hold_ms;
        q.running |= running;
    }

    let r = report(path, &["--intervals", &format!("{minutes}m")]);
    assert_eq!(r["intervalMinutes"].as_f64(), Some(minutes as f64));
    let intervals = r["intervals"].as_array().unwrap();
    assert_eq!(
        intervals.len() as i64,
        120 / minutes,
        "two hours of intervals"
    );
    let (mut queue_rows, mut agent_rows) = (0, 0);
    for iv in intervals {
        let start = Ts::parse(iv["start"].as_str().unwrap()).unwrap();
        let end = Ts::parse(iv["end"].as_str().unwrap()).unwrap();
        assert_eq!(end.0 - start.0, len);
        for q in iv["queues"].as_array().unwrap() {
            let id = q["id"].as_str().unwrap();
            let x = queues.remove(&(start, id)).unwrap_or_default();
            let n = |k: &str| q[k].as_u64().unwrap();
            let at = format!("{id} at {}", iv["start"]);
            assert_eq!(
                [
                    n("offered"),
                    n("answered"),
                    n("answeredWithinSla"),
                    n("abandoned"),
                    n("shortAbandoned"),
                    n("voicemail"),
                    n("overflow"),
                    n("waiting"),
                ],
                [
                    x.offered,
                    x.answered,
                    x.within,
                    x.abandoned,
                    x.short,
                    x.voicemail,
                    x.overflow,
                    x.waiting
                ],
                "{at}: offered, answered, within SLA, abandoned, short, voicemail, overflow, waiting"
            );
            let p = &policy[id];
            let counted_abandons = if p.include_abandoned {
                x.abandoned - x.short
            } else {
                0
            };
            let denominator = x.answered + x.voicemail + counted_abandons;
            let sl = (denominator > 0).then(|| x.within as f64 * 100.0 / denominator as f64);
            assert!(
                close(q["serviceLevel"].as_f64(), sl),
                "{at}: SL {q} vs {sl:?}"
            );
            let asa = (x.answered > 0).then(|| x.answer_wait_ms as f64 / x.answered as f64 / 1e3);
            let got = q["avgSpeedOfAnswerSeconds"].as_f64();
            assert!(close(got, asa), "{at}: ASA {got:?} vs {asa:?}");
            let aht = (x.handled > 0).then(|| x.handle_ms as f64 / x.handled as f64 / 1e3);
            let got = q["avgHandleSeconds"].as_f64();
            if x.running {
                // The truth counts closed parts; the report adds the talk running on
                // up to the stream's last event (exact in the whole-period test below).
                assert!(
                    got >= aht && got.is_some(),
                    "{at}: AHT {got:?} vs ≥ {aht:?}"
                );
            } else {
                assert!(close(got, aht), "{at}: AHT {got:?} vs {aht:?}");
            }
            let longest = q["longestWaitSeconds"].as_f64().unwrap();
            match x.oldest_open {
                None => assert!(
                    close(Some(longest), Some(x.longest_left_ms as f64 / 1e3)),
                    "{at}: longest wait {longest} vs {}",
                    x.longest_left_ms
                ),
                // Still waiting: up to the stream's last event, at most the truth's end.
                Some(o) => {
                    let most = o.millis_until(truth.generated_at) as f64 / 1e3;
                    assert!(longest >= x.longest_left_ms as f64 / 1e3 && longest <= most);
                    assert!(iv["provisional"].as_bool().unwrap(), "{at}: still waiting");
                }
            }
            queue_rows += 1;
        }
        for a in iv["agents"].as_array().unwrap() {
            let id = a["id"].as_str().unwrap();
            let x = agents.remove(&(start, id)).unwrap_or_default();
            let n = |k: &str| a[k].as_u64().unwrap();
            let ms = |k: &str| (a[k].as_f64().unwrap() * 1000.0).round() as i64;
            assert_eq!(
                (n("offers"), n("handled"), n("missed")),
                (x.offers, x.handled, x.missed),
                "{id} at {}: offers, handled, missed",
                iv["start"]
            );
            let talk = (ms("talkSeconds"), ms("holdSeconds"));
            if x.running {
                assert!(
                    talk.0 + talk.1 >= x.talk_ms + x.hold_ms,
                    "{id} at {}: talk and hold {talk:?}, with closed parts {:?}",
                    iv["start"],
                    (x.talk_ms, x.hold_ms)
                );
            } else {
                assert_eq!(
                    talk,
                    (x.talk_ms, x.hold_ms),
                    "{id} at {}: talk and hold",
                    iv["start"]
                );
            }
            agent_rows += 1;
        }
    }
    assert!(
        queue_rows >= 2 * intervals.len(),
        "every queue in every interval"
    );
    assert!(agent_rows > intervals.len(), "agents took calls");
    let left: Vec<_> = queues.keys().chain(agents.keys()).collect();
    assert!(left.is_empty(), "truth with no row: {left:?}");
    let first = &intervals[0];
    assert_eq!(
        first["provisional"], false,
        "the first interval's calls ended"
    );
    assert_eq!(
        intervals.last().unwrap()["provisional"],
        true,
        "calls of the last interval are in progress"
    );
}

#[test]
fn interval_figures_are_the_ground_truth_at_15_and_30_minutes() {
    let (_dir, path, truth) = generated();
    assert!(truth.queue_entries.len() > 500, "a busy two hours");
    assert_intervals_are_truth(path, truth, 15);
    assert_intervals_are_truth(path, truth, 30);
}

#[test]
fn the_last_interval_is_the_whole_period_figures_since_its_start() {
    let (_dir, path, _) = generated();
    let r = report(path, &["--intervals", "30m"]);
    let last = r["intervals"].as_array().unwrap().last().unwrap().clone();
    let start = last["start"].as_str().unwrap();
    assert_eq!(start, "2026-12-01T10:30:00.000Z");
    let whole = report(path, &["--since", start]);
    let queues = whole["queues"].as_array().unwrap();
    assert_eq!(queues.len(), last["queues"].as_array().unwrap().len());
    for (w, i) in queues.iter().zip(last["queues"].as_array().unwrap()) {
        for (k, v) in w.as_object().unwrap() {
            assert_eq!(
                &i[k], v,
                "{}: {k}, the whole period's vs the interval's",
                w["id"]
            );
        }
    }
    let by_id = |v: &Value| -> HashMap<String, Value> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|a| (a["id"].as_str().unwrap().to_string(), a.clone()))
            .collect()
    };
    let interval = by_id(&last["agents"]);
    let mut offered = 0;
    for (id, w) in by_id(&whole["agents"]) {
        let n = |v: &Value, k: &str| v[k].as_u64().unwrap_or(0);
        let i = interval.get(&id).cloned().unwrap_or(Value::Null);
        for k in ["offers", "handled", "missed"] {
            assert_eq!(n(&i, k), n(&w, k), "{id}: {k}");
        }
        // Talk and hold still running count up to the stream's end in both.
        // (An agent with no row in the interval had none.)
        let f = |v: &Value, k: &str| v[k].as_f64().unwrap_or(0.0);
        for k in ["talkSeconds", "holdSeconds"] {
            assert_eq!(f(&i, k), f(&w, k), "{id}: {k}");
        }
        let k = "avgHandleSeconds";
        assert_eq!(i[k].as_f64(), w[k].as_f64(), "{id}: {k}");
        offered += n(&w, "offers");
    }
    assert!(offered > 20, "agents took calls in the last interval");
}

#[test]
fn a_bad_interval_length_is_a_one_line_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_calltop"))
        .args(["report", "assets/sample-hour.jsonl", "--intervals", "0m"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--intervals"), "{err}");
}

/// The agent rows of every interval of a `--format json` interval report.
fn agent_rows(r: &Value) -> Vec<Value> {
    r["intervals"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["agents"].as_array().unwrap().clone())
        .collect()
}

#[test]
fn agent_occupancy_is_shown_per_interval_and_unknown_without_presence() {
    let (_dir, path, _) = generated();
    let r = report(path, &["--intervals", "15m"]);
    let rows = agent_rows(&r);
    assert!(rows.iter().all(|a| a.get("occupancy").is_some()), "a field");
    let occ: Vec<f64> = rows
        .iter()
        .filter_map(|a| a["occupancy"].as_f64())
        .collect();
    assert!(occ.len() * 10 > rows.len() * 9, "known almost everywhere");
    assert!(occ.iter().all(|o| (0.0..=100.0).contains(o)), "{occ:?}");
    assert!(occ.iter().any(|o| *o > 0.0 && *o < 100.0), "{occ:?}");
    // The roster's presence is timed when it came (09:00): the first interval is known.
    let first = &r["intervals"][0]["agents"];
    assert!(first
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["occupancy"].is_f64()));
    let table = crate::common::stdout_of(
        Command::new(env!("CARGO_BIN_EXE_calltop"))
            .arg("report")
            .arg(path)
            .args(["--tz", "UTC", "--intervals", "15m"]),
    );
    let table = String::from_utf8(table).unwrap();
    assert!(table.contains("Occ*") && table.contains("occupancy, experimental"));
    let csv = crate::common::stdout_of(
        Command::new(env!("CARGO_BIN_EXE_calltop"))
            .arg("report")
            .arg(path)
            .args(["--tz", "UTC", "--intervals", "15m", "--format", "csv"]),
    );
    let csv = String::from_utf8(csv).unwrap();
    let agents = csv.split("\n\n").nth(1).unwrap();
    assert!(agents.lines().next().unwrap().ends_with(",occupancy"));

    // Without presence, an agent between calls is in no known state: never 0, unknown.
    let dir = tempfile::tempdir().unwrap();
    let bare = dir.path().join("no-presence.jsonl");
    let text = std::fs::read_to_string(path).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !l.contains("\"presenceStatus\"") && !l.contains("\"roster\":{\"presence\""))
        .collect();
    assert!(kept.len() < text.lines().count(), "presence was there");
    std::fs::write(&bare, kept.join("\n")).unwrap();
    let rows = agent_rows(&report(&bare, &["--intervals", "15m"]));
    assert!(rows.len() > 50, "agents took calls");
    assert!(rows.iter().all(|a| a["occupancy"].is_null()), "unknown");
}

/// The interval a stream starts in (a board joined, or a recording began, after it
/// began), or that a `--since` falls in, is `partial`: calls that entered it before are
/// not in its figures. The next intervals, and a stream that began with its interval,
/// are not.
#[test]
fn the_interval_a_stream_starts_in_is_partial() {
    let (dir, path, _) = generated();
    let partial = |r: &Value| -> Vec<(String, bool)> {
        let intervals = r["intervals"].as_array().unwrap();
        intervals
            .iter()
            .take(2)
            .map(|i| {
                (
                    i["start"].as_str().unwrap().to_string(),
                    i["partial"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    let at = |hm: &str| format!("2026-12-01T{hm}:00.000Z");
    let whole = report(path, &["--intervals", "15m"]);
    assert_eq!(
        partial(&whole),
        [(at("09:00"), false), (at("09:15"), false)],
        "a stream that began with its first interval"
    );
    let since = report(
        path,
        &["--intervals", "15m", "--since", "2026-12-01T09:07:00Z"],
    );
    assert_eq!(partial(&since), [(at("09:00"), true), (at("09:15"), false)]);
    // The same stream as a recording begun at 09:07.
    let text = std::fs::read_to_string(path).unwrap();
    let late: String = text
        .lines()
        .filter(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["receivedAt"].as_str().unwrap() >= at("09:07").as_str()
        })
        .flat_map(|l| [l, "\n"])
        .collect();
    let joined = dir.path().join("joined.jsonl");
    std::fs::write(&joined, late).unwrap();
    let r = report(&joined, &["--intervals", "15m"]);
    assert_eq!(partial(&r), [(at("09:00"), true), (at("09:15"), false)]);
}
