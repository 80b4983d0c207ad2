//! `calltop report` as a person runs it: the real binary, real files.

use crate::common;

use std::process::Command;

fn report(args: &[&str]) -> (i32, String, String) {
    crate::calltop(&[&["report"], args].concat())
}

fn capture(name: &str) -> String {
    common::fixture(&format!("captures/{name}"))
        .display()
        .to_string()
}

#[test]
fn json_has_the_documented_keys_and_figures() {
    let (code, out, err) = report(&[
        &capture("PSTN-RingCentral-DataStreams.jsonl"),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let s = &v["sessions"][0];
    assert_eq!(
        s["telephonySessionId"],
        "s-718107795d564867a6f635fd81e89940"
    );
    assert_eq!(s["disposition"], "Answered");
    assert_eq!(s["startTime"], "2020-06-23T01:05:43.940Z");
    assert_eq!(s["endTime"], "2020-06-23T01:06:14.812Z");
    let p = &s["parties"][2];
    assert_eq!(p["id"], "p-718107795d564867a6f635fd81e89940-3");
    assert_eq!(
        (p["direction"].as_str(), p["status"].as_str()),
        (Some("Inbound"), Some("Disconnected"))
    );
    assert_eq!(
        (
            p["ringSeconds"].as_f64(),
            p["talkSeconds"].as_f64(),
            p["holdSeconds"].as_f64()
        ),
        (Some(7.345), Some(12.414), Some(2.393))
    );
    assert_eq!(p["from"], "+14083388064");
    let m = &v["summary"];
    for (k, want) in [
        ("sessions", 1),
        ("answered", 1),
        ("missed", 0),
        ("voicemail", 0),
        ("events", 11),
        ("stale", 0),
        ("duplicate", 0),
        ("malformed", 0),
    ] {
        assert_eq!(m[k].as_u64(), Some(want), "summary.{k}");
    }
}

#[test]
fn csv_is_one_row_per_party() {
    let (code, out, _) = report(&[&capture("RingCentral-PSTN.jsonl"), "--format", "csv"]);
    assert_eq!(code, 0);
    let sections: Vec<Vec<&str>> = out.split("\n\n").map(|s| s.lines().collect()).collect();
    let rows = &sections[0];
    assert_eq!(rows.len(), 3, "header + 2 parties");
    assert!(rows[0].starts_with("telephonySessionId,startTime,endTime,disposition,partyId"));
    // The columns it always had, then the agent and queue (by the header).
    let old = |row: &str| row.split(',').take(19).collect::<Vec<_>>().join(",");
    assert!(
        old(rows[1]).ends_with(",3.734,12.843,3.275,,,,"),
        "{}",
        rows[1]
    );
    assert!(
        old(rows[2]).ends_with(",7.209,16.160,0.000,,,,"),
        "{}",
        rows[2]
    );
    let header: Vec<&str> = rows[0].split(',').collect();
    assert_eq!(
        header[19..],
        [
            "agentExtensionId",
            "agentExtensionNumber",
            "agentName",
            "queueId",
            "queueExtensionNumber",
            "queueName",
            "gaps"
        ]
    );
    for row in &rows[1..] {
        assert_eq!(row.split(',').count(), header.len(), "{row}");
    }
    // then the queues (none in this call) and the agents (the user who answered)
    assert_eq!(sections.len(), 3, "{out}");
    assert_eq!(sections[1].len(), 1);
    assert!(sections[1][0].starts_with("queueId,extensionNumber,name,offered,answered"));
    assert_eq!(sections[2].len(), 2, "{out}");
    assert!(sections[2][0].starts_with("agentId,extensionNumber,name,offers,handled,missed"));
    assert!(
        sections[2][1].ends_with(",0,0,0,0.000,0.000,"),
        "not a queue call: {}",
        sections[2][1]
    );
}

#[test]
fn concatenated_pretty_json_and_arrays_are_detected() {
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<serde_json::Value> =
        std::fs::read_to_string(capture("RingCentral-RingCentral.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
    let pretty: String = lines
        .iter()
        .map(|v| serde_json::to_string_pretty(v).unwrap() + "\n")
        .collect();
    let array = serde_json::to_string_pretty(&lines).unwrap();
    let recorded: String = lines.iter().map(|v| format!("{{\"receivedAt\":\"2020-06-23T01:20:00.000Z\",\"frame\":[{{\"type\":\"ServerNotification\",\"messageId\":\"x\"}},{v}]}}\n")).collect();
    for (name, text) in [
        ("pretty.json", pretty),
        ("array.json", array),
        ("rec.jsonl", recorded),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let (code, out, err) = report(&[path.to_str().unwrap(), "--format", "json"]);
        assert_eq!(code, 0, "{name}: {err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["summary"]["events"], 9, "{name}");
        assert_eq!(
            v["sessions"][0]["parties"][1]["ringSeconds"], 6.674,
            "{name}"
        );
    }
}

#[test]
fn bad_lines_are_listed_then_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mixed.jsonl");
    let good = std::fs::read_to_string(capture("RingCentral-PSTN.jsonl")).unwrap();
    let mut text = String::from(&good);
    for i in 0..8 {
        text.push_str(&format!("{{\"broken\": {i}\n"));
    }
    std::fs::write(&path, text).unwrap();
    let (code, out, err) = report(&[path.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(
        err.contains("mixed.jsonl:10: skipped: invalid JSON"),
        "{err}"
    );
    assert_eq!(
        err.lines().filter(|l| l.contains("skipped")).count(),
        6,
        "five listed, then a count: {err}"
    );
    assert!(err.contains("8 of 17 values skipped as malformed"), "{err}");
    assert!(out.contains("malformed 8"), "{out}");
    assert!(out.contains("answered 1"), "{out}");
}

#[test]
fn missing_or_empty_files_fail_with_one_line() {
    let (code, out, err) = report(&["/nonexistent/file.jsonl"]);
    assert_ne!(code, 0);
    assert!(out.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/nonexistent/file.jsonl"), "{err}");
    assert_eq!(err.matches("No such file").count(), 1, "said once: {err}");
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "\n  \n").unwrap();
    let (code, _, err) = report(&[empty.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(err.contains("empty"), "{err}");
    let (code, _, err) = report(&[dir.path().to_str().unwrap()]);
    assert_ne!(code, 0, "a directory is unreadable as a stream: {err}");
}

#[test]
fn a_file_of_which_nothing_parses_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.bin");
    std::fs::write(&path, b"\x7fELF\x02\x01 not a stream\nstill not\n").unwrap();
    let (code, out, err) = report(&[path.to_str().unwrap()]);
    assert_ne!(code, 0, "{out}");
    assert!(out.is_empty(), "{out}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("nothing in it is a notification"), "{err}");
    assert!(err.contains("(1 malformed value; line 1"), "{err}");
    // Two JSON values, neither a notification: two values (issue 23, item 23: it said
    // `1 malformed values`).
    let two = dir.path().join("two.jsonl");
    std::fs::write(&two, b"{\"a\":1}\n{\"b\":2}\n").unwrap();
    let (_, _, err2) = report(&[two.to_str().unwrap()]);
    assert!(err2.contains("(2 malformed values; line 1"), "{err2}");
    let replay = Command::new(env!("CARGO_BIN_EXE_calltop"))
        .args(["replay", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_ne!(replay.status.code(), Some(0));
    let err = String::from_utf8_lossy(&replay.stderr);
    assert!(err.contains("nothing in it is a notification"), "{err}");
}

#[test]
fn a_reader_that_leaves_early_ends_the_report_quietly() {
    use std::io::{BufRead, BufReader, Write};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.jsonl");
    let one = std::fs::read_to_string(capture("RingCentral-PSTN.jsonl")).unwrap();
    let mut text = String::new();
    for i in 0..3000 {
        text.push_str(&one.replace("s-c23b203d62db4f6aaee00717bafa99be", &format!("s-{i}")));
    }
    std::fs::File::create(&path)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_calltop"))
        .args(["report", path.to_str().unwrap(), "--format", "csv"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("telephonySessionId"), "{first}");
    // stdout is closed now, like `| head -1`
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("Broken pipe"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}

/// A generated recording: many calls, 40 at a time, seven minutes of stream (so most
/// calls are final, written out and forgotten before the end), lines out of time
/// order and malformed ones.
fn long_recording(dir: &std::path::Path) -> std::path::PathBuf {
    let mut lines = calltop::synth::stream(20_000, 40, 11);
    for i in (3..lines.len() - 1).step_by(13) {
        lines.swap(i, i + 1);
    }
    for i in (5..lines.len()).step_by(501) {
        lines[i] = "{\"body\": [oops".into();
    }
    let path = dir.join("long.jsonl");
    std::fs::write(&path, lines.join("\n")).unwrap();
    path
}

/// The report streamed through a store that forgets final calls, sorted through
/// temporary files, is byte for byte the report of a store that keeps everything.
#[test]
fn streamed_in_bounded_memory_the_report_is_the_whole_store_report() {
    use calltop::report::{self, Format};
    let dir = tempfile::tempdir().unwrap();
    let path = long_recording(dir.path());
    let mut whole_store = report::unbounded_store();
    let (_, items) = calltop::source::file::read_path(&path).unwrap();
    report::ingest_items(&mut whole_store, items);
    let calls = report::calls(&whole_store);
    let whole = report::build(&whole_store, &calls, whole_store.clock().unwrap());
    assert!(whole.sessions.len() > 2_000 && whole.summary.counters.malformed > 30);
    for format in [Format::Json, Format::Csv, Format::Table] {
        let mut want = Vec::new();
        report::write(&mut want, format, &whole).unwrap();
        for budget in [64 << 10, 64 << 20] {
            let mut got = Vec::new();
            report::run_to(
                &path,
                format,
                calltop::core::Window::all(),
                &mut got,
                budget,
            )
            .unwrap();
            assert!(got == want, "{format:?}, budget {budget}");
        }
    }
    // The JSON is the document serde writes for the whole report.
    let mut json = Vec::new();
    report::write(&mut json, Format::Json, &whole).unwrap();
    assert_eq!(
        String::from_utf8(json).unwrap(),
        format!("{}\n", serde_json::to_string_pretty(&whole).unwrap())
    );
}

/// An event for a call that ended more than five minutes of stream before it is late
/// (the call was written out), as the board counts one for an archived call.
#[test]
fn an_event_long_after_its_call_ended_is_late() {
    use calltop::report::{self, Format};
    let dir = tempfile::tempdir().unwrap();
    let mut lines = calltop::synth::stream(20_000, 40, 11);
    let first_call = lines[..200]
        .iter()
        .rev()
        .find(|l| l.contains("s-00000000000000000000000000000001"))
        .unwrap()
        .clone();
    lines.push(first_call);
    let path = dir.path().join("late.jsonl");
    std::fs::write(&path, lines.join("\n")).unwrap();
    let mut out = Vec::new();
    report::run_to(
        &path,
        Format::Json,
        calltop::core::Window::all(),
        &mut out,
        1 << 20,
    )
    .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["summary"]["late"], 1, "{}", v["summary"]);
}

/// The queues' `offered` of `calltop report assets/sample-hour.jsonl` with `flags`.
fn offered(flags: &[&str]) -> Vec<(String, u64)> {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/sample-hour.jsonl");
    let mut args = vec![file, "--format", "json"];
    args.extend_from_slice(flags);
    let (code, out, err) = report(&args);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["name"].as_str().unwrap().to_string(),
                q["offered"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// `--since midnight` counts from the midnight (in `--tz`) before the recording's first
/// event — not today's, which for a recording of another day counted nothing — and
/// starts again at the zone's next midnight (issue 23, item 26).
#[test]
fn since_midnight_is_the_recordings_day_in_the_zone() {
    let all = offered(&[]);
    assert!(all.iter().all(|(_, n)| *n > 0), "{all:?}");
    // The hour (09:00–10:00 UTC) lies inside one UTC day.
    assert_eq!(offered(&["--since", "midnight", "--tz", "UTC"]), all);
    // In Pacific/Marquesas (UTC−09:30) a day starts at 09:30 UTC, in the middle.
    let marquesas = offered(&["--since", "midnight", "--tz", "Pacific/Marquesas"]);
    assert_eq!(marquesas, offered(&["--since", "2026-12-01T09:30:00Z"]));
    assert!(
        marquesas.iter().zip(&all).all(|(m, a)| m.1 < a.1),
        "{marquesas:?}"
    );
    // A zone that does not exist: one clear line, exit 2.
    let (code, _, err) = report(&["x.jsonl", "--tz", "Mars/Olympus"]);
    assert_eq!(code, 2);
    assert!(err.contains("\"Mars/Olympus\" is not a time zone"), "{err}");
}

/// A presence-only capture in the older format (`sessionId`, no `telephonySessionId`): an
/// inbound call that rang 20 s and ended unanswered, as RingCentral's presence examples
/// show it. No session can be made of it; the report says so once on stderr (issue 24).
#[test]
fn presence_calls_left_out_are_said_once_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("presence.jsonl");
    let line = |ts: &str, status: &str| {
        serde_json::json!({
            "uuid": format!("u-{ts}"),
            "event": "/restapi/v1.0/account/~/extension/1234/presence?detailedTelephonyState=true",
            "timestamp": ts,
            "body": {"extensionId": 1234, "telephonyStatus": status, "sequence": 3,
                     "activeCalls": [{"id": "c-1", "direction": "Inbound", "from": "+14155550101",
                                      "to": "+18005550100", "telephonyStatus": status,
                                      "sessionId": "4512", "startTime": "2024-05-01T12:00:00Z"}]}
        })
        .to_string()
    };
    std::fs::write(
        &path,
        [
            line("2024-05-01T12:00:00Z", "Ringing"),
            line("2024-05-01T12:00:20Z", "NoCall"),
        ]
        .join("\n"),
    )
    .unwrap();
    let (code, out, err) = report(&[path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["sessions"], serde_json::json!([]));
    let said: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("seen only in presence"))
        .collect();
    assert_eq!(said.len(), 1, "{err}");
    assert!(
        said[0].ends_with("presence.jsonl: 1 call seen only in presence left out (ended in presence, or without a telephonySessionId): presence alone does not say how a call went"),
        "{err}"
    );
}

/// FNV-1a, 64 bits: a fingerprint of a report's bytes.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The report of a generated contact-center stream (its directory, then 30 000 events,
/// 500 calls at once: most calls final and written out before the end) is byte for byte
/// what `calltop report` wrote at 6c232b4, before its memory and speed work (issue 25),
/// in every format: length and FNV-1a of the output, taken from that commit's binary.
#[test]
fn a_generated_streams_report_is_byte_identical_to_the_starting_commits() {
    use calltop::synth::{self, Kind};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("center.jsonl");
    let roster = serde_json::json!({ "roster": synth::center_directory() });
    let mut text =
        calltop::record::learned_line(calltop::wire::Ts(1_700_000_000_000), roster, None);
    for line in synth::lines(Kind::Center, 30_000, 500, 7) {
        text.push_str(&line);
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    let file = path.to_str().unwrap();
    for (format, len, hash) in GOLDEN {
        let out = Command::new(env!("CARGO_BIN_EXE_calltop"))
            .args(["report", file, "--format", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{format}");
        assert_eq!(
            (out.stdout.len(), fnv1a(&out.stdout)),
            (len, hash),
            "{format}: the report's bytes changed"
        );
    }
}

/// (format, bytes, FNV-1a) of `calltop report` at 6c232b4 on the stream above.
const GOLDEN: [(&str, usize, u64); 3] = [
    ("json", 6_499_467, 0xd9fd_01ca_7f2a_a589),
    ("csv", 2_988_658, 0x7208_84c1_4012_dda9),
    ("table", 3_159_211, 0xde4e_817a_0f21_a53b),
];

/// `report`'s output and exit code for `args` on `--threads threads`.
fn report_on(threads: &str, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["--threads", threads];
    all.extend_from_slice(args);
    report(&all)
}

/// A contact center's stream (`calltop::synth`, its directory first) of `events` events.
fn center_stream(events: usize) -> tempfile::NamedTempFile {
    use calltop::synth::{self, Kind};
    use std::io::Write;
    let mut f = tempfile::NamedTempFile::new().unwrap();
    let mut w = std::io::BufWriter::new(f.as_file_mut());
    let roster = serde_json::json!({ "roster": synth::center_directory() });
    let at = calltop::wire::Ts(1_700_000_000_000);
    w.write_all(calltop::record::learned_line(at, roster, None).as_bytes())
        .unwrap();
    for line in synth::lines(Kind::Center, events, 300, 11) {
        writeln!(w, "{line}").unwrap();
    }
    w.flush().unwrap();
    drop(w);
    f
}

#[test]
fn a_report_decoded_on_more_threads_is_byte_identical_to_one_thread() {
    let stream = center_stream(30_000);
    let stream = stream.path().display().to_string();
    let mut files = vec![stream.clone()];
    for name in [
        "PSTN-RingCentral-DataStreams.jsonl",
        "RingCentral-PSTN.jsonl",
        "RingCentral-RingCentral.jsonl",
        "account-telephony-sessions.json",
    ] {
        files.push(capture(name));
    }
    files.push(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/sample-hour.jsonl").into());
    let formats: [&[&str]; 5] = [
        &["--format", "csv"],
        &["--format", "json"],
        &["--format", "table"],
        &["--format", "csv", "--intervals", "15m"],
        &["--format", "html", "--tz", "UTC"],
    ];
    for file in &files {
        for format in formats {
            let mut args = vec![file.as_str()];
            args.extend_from_slice(format);
            let one = report_on("1", &args);
            assert_eq!(one.0, 0, "{file} {format:?}: {}", one.2);
            assert!(one.1.len() > 100, "{file} {format:?}: {}", one.1);
            for threads in ["2", "3"] {
                let more = report_on(threads, &args);
                assert!(
                    more == one,
                    "{file} {format:?} on {threads} threads differs"
                );
            }
        }
    }
}
