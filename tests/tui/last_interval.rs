//! The live views' interval figures are the report's: a generated hour replayed to its
//! end, the center's figures of the last complete interval (the ones the trends and
//! alarms read) equal `calltop report FILE --intervals 15m --format json` of the file,
//! queue by queue and agent by agent.

use calltop::core::center::Cut;
use calltop::core::zone::Zone;
use calltop::source::replay::{Options, Replay};
use serde_json::Value;
use std::collections::HashMap;
use std::process::Command;

fn calltop(args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_calltop"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A float of the report (`None`: null), to the report's precision.
fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn close(a: Option<f64>, b: Option<f64>, what: &str) {
    match (a, b) {
        (Some(a), Some(b)) => assert!((a - b).abs() < 1e-6, "{what}: {a} vs {b}"),
        _ => assert_eq!(a, b, "{what}"),
    }
}

#[test]
fn the_last_complete_interval_of_a_replay_equals_report_intervals_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hour.jsonl");
    let p = path.to_str().unwrap();
    let truth = dir.path().join("truth.jsonl");
    calltop(&[
        "sim",
        "generate",
        "--duration",
        "1h",
        "--calls-per-minute",
        "20",
        "--extensions",
        "40",
        "--seed",
        "7",
        "--start",
        "2026-12-01T09:00:00Z",
        "--out",
        p,
        "--truth",
        truth.to_str().unwrap(),
    ]);
    let report: Value = serde_json::from_slice(&calltop(&[
        "report",
        p,
        "--intervals",
        "15m",
        "--tz",
        "UTC",
        "--format",
        "json",
    ]))
    .unwrap();

    // The board's way: a replay's store whose center counts the intervals, played out.
    let mut rp = Replay::open(&path, Options::default()).unwrap();
    // The end is known once the index pass has read the whole file.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while rp.summary().is_none() {
        assert!(std::time::Instant::now() < deadline, "index never finished");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let mut store = rp.new_store();
    let cut = Cut {
        len_ms: 15 * 60_000,
        zone: Zone::parse("UTC").unwrap(),
    };
    store.center_mut().count_intervals(cut);
    // Played at top speed to the last value: the stream's clock then is the report's now.
    rp.advance_n(usize::MAX, &mut store);
    assert!(rp.done());
    let now = store.clock().unwrap();
    let c = store.center();
    let iv = c.intervals().unwrap();
    let start = cut.start_of(now);
    let last = cut.starts(start.plus_millis(-1), start)[0];
    assert!(cut.end_of(last) <= now, "complete");

    let rows = report["intervals"].as_array().unwrap();
    let row = rows
        .iter()
        .find(|r| r["start"].as_str() == Some(&last.to_rfc3339()))
        .expect("the report has the interval");
    assert_eq!(
        row["end"].as_str(),
        Some(cut.end_of(last).to_rfc3339().as_str())
    );

    let queues = row["queues"].as_array().unwrap();
    assert_eq!(queues.len(), c.queues().count());
    let mut offered = 0;
    for r in queues {
        let q = c.queue(r["id"].as_str().unwrap()).unwrap();
        let part = iv.queue(q, last);
        let f = part.figures;
        let n = |k: &str| r[k].as_u64().unwrap();
        let id = &q.id;
        assert_eq!(
            [
                n("offered"),
                n("answered"),
                n("answeredWithinSla"),
                n("abandoned")
            ],
            [f.offered, f.answered, f.answered_within_sla, f.abandoned],
            "{id}: offered, answered, in SL, abandoned"
        );
        assert_eq!(
            [n("shortAbandoned"), n("voicemail"), n("overflow")],
            [
                f.abandoned - f.abandoned_over_threshold,
                f.voicemail,
                f.overflow
            ],
            "{id}: short, voicemail, overflow"
        );
        close(num(&r["serviceLevel"]), part.service_level_pct(), "SL");
        let asa = f.avg_answer_wait_ms().map(|ms| ms / 1000.0);
        close(num(&r["avgSpeedOfAnswerSeconds"]), asa, "ASA");
        let aht = iv
            .handling(q, last, now, c.agents())
            .avg_handle_ms()
            .map(|ms| ms / 1000.0);
        close(num(&r["avgHandleSeconds"]), aht, "AHT");
        let longest = part.longest_wait_ms(now) as f64 / 1000.0;
        close(num(&r["longestWaitSeconds"]), Some(longest), "longest wait");
        offered += f.offered;
    }
    assert!(offered > 100, "a busy quarter hour: {offered}");

    let mut agents: HashMap<&str, &Value> = row["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["id"].as_str().unwrap(), a))
        .collect();
    let mut known = 0;
    for a in c.agents() {
        let figures = iv.agent(a, last, now).map(|x| x.figures);
        let occupancy = iv.occupancy(a, last, now);
        let Some(r) = agents.remove(a.id.as_str()) else {
            assert!(figures.is_none() && occupancy.is_none(), "{}: no row", a.id);
            continue;
        };
        let f = figures.unwrap_or_default();
        let n = |k: &str| r[k].as_u64().unwrap();
        assert_eq!(
            [n("offers"), n("handled"), n("missed")],
            [f.offers, f.handled, f.missed],
            "{}: offers, handled, missed",
            a.id
        );
        close(
            num(&r["talkSeconds"]),
            Some(f.talk_ms as f64 / 1000.0),
            "talk",
        );
        close(
            num(&r["holdSeconds"]),
            Some(f.hold_ms as f64 / 1000.0),
            "hold",
        );
        close(num(&r["occupancy"]), occupancy, "occupancy");
        known += usize::from(occupancy.is_some());
    }
    assert!(agents.is_empty(), "rows of no agent: {:?}", agents.keys());
    assert!(known > 10, "occupancy known: {known}");
}
