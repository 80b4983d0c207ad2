//! Calls the stream leaves unfinished (issue 24): sparse real captures — loose
//! notifications with sequence gaps, a caller-only hang-up, one-event calls far apart,
//! presence-only calls in both formats, presence snapshots on hold — through the report
//! as `calltop report` runs it (the file reader, the feed, the streaming store). The
//! shapes are those of the platform's notifications (the captures in tests/fixtures and
//! the presence notification of RingCentral's gateway fixtures); the figures are worked
//! out by hand from each line's time.

use calltop::core::{SessionStore, Window};
use calltop::report::{self, Format};
use serde_json::{json, Value};
use std::io::Write;

/// 2024-05-01T12:00:00Z.
const T0: i64 = 1_714_564_800_000;

fn iso(secs: f64) -> String {
    calltop::wire::Ts(T0 + (secs * 1000.0) as i64).to_rfc3339()
}

/// A telephony/sessions notification at `secs` (envelope and event time alike).
fn event(tsid: &str, seq: i64, secs: f64, parties: Value) -> Value {
    json!({
        "uuid": format!("u-{tsid}-{seq}"),
        "event": "/restapi/v1.0/account/400123/telephony/sessions",
        "timestamp": iso(secs),
        "body": {
            "sequence": seq,
            "telephonySessionId": tsid,
            "sessionId": format!("4{}", tsid.len()),
            "eventTime": iso(secs),
            "parties": parties,
            "origin": { "type": "Call" },
        }
    })
}

fn caller(tsid: &str, code: &str) -> Value {
    json!({"id": format!("p-{tsid}-1"), "direction": "Outbound",
           "from": {"phoneNumber": "+14155550101"}, "to": {"phoneNumber": "+18005550100"},
           "status": {"code": code}})
}

fn callee(tsid: &str, code: &str) -> Value {
    json!({"id": format!("p-{tsid}-2"), "direction": "Inbound", "extensionId": "62000101",
           "from": {"phoneNumber": "+14155550101"},
           "to": {"phoneNumber": "+18005550102", "extensionId": "62000101"},
           "status": {"code": code}})
}

/// A detailed presence notification of extension 908199004 at `secs` (the gateway's
/// captured presence notification, `activeCalls` replaced).
fn presence(secs: f64, calls: Value) -> Value {
    json!({
        "uuid": format!("pr-{secs}"),
        "event": "/restapi/v1.0/account/400123/extension/908199004/presence?detailedTelephonyState=true",
        "timestamp": iso(secs),
        "body": {"extensionId": 908199004, "telephonyStatus": "CallConnected",
                 "activeCalls": calls, "sequence": 10, "presenceStatus": "Busy"}
    })
}

/// The gateway's first frame after connecting (calltop's recordings start with it).
fn connection_frame() -> Value {
    json!([{"type": "ConnectionDetails", "messageId": "m-1", "status": 200,
            "wsc": {"token": "t", "sequence": 1}},
           {"creationTime": iso(0.0), "maxConnectionsPerSession": 50,
            "recoveryBufferSize": 100, "recoveryTimeout": 180, "idleTimeout": 1800,
            "absoluteTimeout": 86400, "maxActiveRequests": 10}])
}

fn file_of(lines: &[Value]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    for l in lines {
        writeln!(f, "{l}").unwrap();
    }
    f
}

/// `calltop report` of the lines in a format.
fn report_text(lines: &[Value], format: Format) -> String {
    let f = file_of(lines);
    let mut out = Vec::new();
    report::run_to(f.path(), format, Window::all(), &mut out, 1 << 20).unwrap();
    String::from_utf8(out).unwrap()
}

fn report_json(lines: &[Value]) -> Value {
    serde_json::from_str(&report_text(lines, Format::Json)).unwrap()
}

fn session<'a>(r: &'a Value, tsid: &str) -> &'a Value {
    r["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["telephonySessionId"] == tsid)
        .unwrap_or_else(|| panic!("{tsid} in {r:#}"))
}

fn party<'a>(s: &'a Value, suffix: &str) -> &'a Value {
    s["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"].as_str().unwrap().ends_with(suffix))
        .unwrap()
}

/// A store fed the lines as a file is (the feed decides whether it is a fragment).
fn store_of(lines: &[Value]) -> SessionStore {
    let f = file_of(lines);
    let (_, items) = calltop::source::file::read_path(f.path()).unwrap();
    let mut store = report::unbounded_store();
    assert!(report::ingest_items(&mut store, items).is_empty());
    store
}

/// A caller hangs up while the callee still rings; the callee's own end is missing
/// (later sequences lost), and an unrelated call comes 27 minutes later.
fn caller_only_hang_up() -> Vec<Value> {
    vec![
        event("s-a", 2, 0.0, json!([caller("s-a", "Setup")])),
        event("s-a", 3, 1.0, json!([callee("s-a", "Proceeding")])),
        event("s-a", 4, 11.0, json!([caller("s-a", "Disconnected")])),
        event("s-b", 2, 1620.0, json!([caller("s-b", "Setup")])),
    ]
}

#[test]
fn a_caller_who_hung_up_before_an_answer_abandoned_the_call_and_nobody_rings_on() {
    let r = report_json(&caller_only_hang_up());
    let s = session(&r, "s-a");
    assert_eq!(s["disposition"], "Abandoned", "{s:#}");
    assert_eq!(s["endTime"], iso(11.0));
    assert_eq!(s["durationSeconds"], 11.0);
    // The callee rang from 1 s to the caller's hang-up at 11 s, not to the end of the file.
    assert_eq!(party(s, "-2")["ringSeconds"], 10.0);
    assert_eq!(r["summary"]["abandoned"], 1);
    assert_eq!(r["summary"]["active"], 1, "only the later call is open");
    // The board's header: nothing rings.
    let store = store_of(&caller_only_hang_up());
    let sum = store.summary(store.clock().unwrap());
    assert_eq!((sum.active, sum.ringing), (1, 0));
}

/// A recording begun while a call was under way, heard only at its end (its calls in
/// progress not loaded: the rate limit held them back): who left first says nothing of
/// an answer before, so its outcome is unknown, not missed nor abandoned; one heard from
/// its start that rang out is still missed.
#[test]
fn a_call_heard_only_at_its_end_has_an_unknown_outcome() {
    let lines = vec![
        connection_frame(),
        event("s-m", 7, 5.0, json!([callee("s-m", "Disconnected")])),
        event("s-m", 8, 5.1, json!([caller("s-m", "Disconnected")])),
        event("s-r", 2, 6.0, json!([caller("s-r", "Setup")])),
        event("s-r", 3, 7.0, json!([callee("s-r", "Proceeding")])),
        event("s-r", 4, 30.0, json!([callee("s-r", "Disconnected")])),
        event("s-r", 5, 30.1, json!([caller("s-r", "Disconnected")])),
    ];
    let r = report_json(&lines);
    let midway = session(&r, "s-m");
    assert_eq!(midway["disposition"], "Unknown", "{midway:#}");
    assert_eq!(midway["durationSeconds"], Value::Null, "{midway:#}");
    let seen = session(&r, "s-r");
    assert_eq!(seen["disposition"], "Missed", "{seen:#}");
    assert_eq!(
        (
            r["summary"]["missed"].clone(),
            r["summary"]["unknown"].clone()
        ),
        (json!(1), json!(1)),
        "{:#}",
        r["summary"]
    );
}

/// One answered call seen in one event, and 4 h 25 min later another call seen only in
/// Setup: loose notifications (no connection frame).
fn one_event_calls_far_apart() -> Vec<Value> {
    vec![
        event(
            "s-c",
            5,
            0.0,
            json!([caller("s-c", "Answered"), callee("s-c", "Answered")]),
        ),
        event("s-d", 2, 15_941.0, json!([caller("s-d", "Setup")])),
        event("s-e", 2, 15_900.0, json!([caller("s-e", "Setup")])),
        event("s-e", 3, 15_900.17, json!([caller("s-e", "Disconnected")])),
    ]
}

#[test]
fn in_a_fragment_a_state_open_at_the_end_has_no_length_and_no_call_stretches_another() {
    let r = report_json(&one_event_calls_far_apart());
    let c = session(&r, "s-c");
    assert_eq!(c["disposition"], "Active");
    assert_eq!(c["durationSeconds"], Value::Null, "{c:#}");
    let callee = party(c, "-2");
    assert_eq!(
        callee["talkSeconds"],
        Value::Null,
        "not 4 h 25 min: {callee:#}"
    );
    // First heard answered, part way through: how long it rang, talked or waited
    // before is not known.
    assert_eq!(
        callee["ringSeconds"],
        Value::Null,
        "first heard answered: {callee:#}"
    );
    // Setup is not ringing by RingCentral's formulas; the call-level ring of s-d (open
    // in Setup) is unknown, so the summary's longest ring is s-e's 0.17 s, not 41 s.
    assert_eq!(session(&r, "s-d")["parties"][0]["ringSeconds"], 0.0);
    assert_eq!(r["summary"]["maxRingSeconds"], 0.17);
    // A call that ended in the fragment is timed as ever.
    assert_eq!(session(&r, "s-e")["durationSeconds"], 0.17);
    // Unknown figures are not averaged in as zeros or as hours: no call's talk is
    // known, so the longest talk is unknown too.
    assert_eq!(r["summary"]["maxTalkSeconds"], Value::Null);
    assert_eq!(r["summary"]["avgTalkSeconds"], Value::Null);
    // The table and the CSV say so too.
    let table = report_text(&one_event_calls_far_apart(), Format::Table);
    let line = table.lines().find(|l| l.starts_with("s-c ")).unwrap();
    let cells: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(cells[2..4], ["Active", "—"], "outcome, total: {line}");
    let csv = report_text(&one_event_calls_far_apart(), Format::Csv);
    let row = csv.lines().find(|l| l.contains("p-s-c-2")).unwrap();
    assert!(row.contains(",,,"), "ring, talk and hold unknown: {row}");
    // The board's header does not count the open talk either.
    let store = store_of(&one_event_calls_far_apart());
    let sum = store.summary(store.clock().unwrap());
    assert_eq!(sum.totals.talk.max(), None);
}

#[test]
fn in_a_continuous_recording_a_state_open_at_the_end_runs_to_the_end() {
    // calltop's own recordings open with a connection frame, or a line it stamped.
    let roster = json!({"receivedAt": iso(0.0),
                        "roster": {"queue": {"id": "9", "name": "Sales"}}});
    for opener in [connection_frame(), roster] {
        // s-c heard from its start this time (its caller set up).
        let mut lines = vec![
            opener,
            event("s-c", 4, 0.0, json!([caller("s-c", "Setup")])),
        ];
        lines.extend(one_event_calls_far_apart());
        let r = report_json(&lines);
        let c = session(&r, "s-c");
        assert_eq!(c["durationSeconds"], 15_941.0);
        assert_eq!(party(c, "-2")["talkSeconds"], 15_941.0);
    }
}

#[test]
fn presence_seeded_calls_belong_to_the_extension_and_their_split_before_the_snapshot_is_unknown() {
    // A snapshot of an outbound call of the extension, on hold, started 10.3 s before
    // the snapshot; then the call is heard to end 5 s later.
    let lines = vec![
        presence(
            10.3,
            json!([{"id": "c-1", "direction": "Outbound", "from": "+19073490936",
                    "to": "+12055439065", "telephonyStatus": "OnHold",
                    "sessionId": "45561702004", "startTime": iso(0.0),
                    "partyId": "p-s-f-1", "telephonySessionId": "s-f"}]),
        ),
        connection_frame(),
        event("s-f", 7, 15.3, json!([caller("s-f", "Answered")])),
        event("s-f", 8, 20.3, json!([caller("s-f", "Disconnected")])),
    ];
    let r = report_json(&lines);
    let s = session(&r, "s-f");
    let p = &s["parties"][0];
    assert_eq!(p["extensionId"], "908199004", "{p:#}");
    assert_eq!(p["direction"], "Outbound");
    // On hold at 10.3 s is all the snapshot says: the hold and talk before it are not
    // known (not "10.3 s on hold", not "0 talk").
    for k in ["ringSeconds", "talkSeconds", "holdSeconds"] {
        assert_eq!(p[k], Value::Null, "{k}: {p:#}");
    }
    assert_eq!(s["durationSeconds"], 20.3, "start and end are known");
}

#[test]
fn presence_calls_no_event_names_are_counted_for_the_note_on_stderr() {
    let lines = vec![
        // Detailed presence: an ended (NoCall) call never heard in events.
        presence(
            1.0,
            json!([{"id": "c-2", "direction": "Inbound", "from": "+14155550101",
                    "to": "+18005550100", "telephonyStatus": "NoCall",
                    "sessionId": "111", "startTime": iso(0.0),
                    "partyId": "p-s-g-1", "telephonySessionId": "s-g"}]),
        ),
        // The older format: `sessionId` only, ringing then ended unanswered.
        presence(
            2.0,
            json!([{"id": "c-3", "direction": "Inbound", "from": "+14155550109",
                    "to": "+18005550100", "telephonyStatus": "Ringing",
                    "sessionId": "222", "startTime": iso(2.0)}]),
        ),
        presence(
            22.0,
            json!([{"id": "c-3", "direction": "Inbound", "from": "+14155550109",
                    "to": "+18005550100", "telephonyStatus": "NoCall",
                    "sessionId": "222", "startTime": iso(2.0)}]),
        ),
        // Older format again, but the call is heard in events too: not left out.
        presence(
            23.0,
            json!([{"id": "c-4", "direction": "Inbound", "telephonyStatus": "Ringing",
                    "sessionId": "333"}]),
        ),
        json!({"uuid": "u-h", "event": "/restapi/v1.0/account/400123/telephony/sessions",
               "timestamp": iso(24.0),
               "body": {"sequence": 2, "telephonySessionId": "s-h", "sessionId": "333",
                        "eventTime": iso(24.0), "parties": [caller("s-h", "Setup")]}}),
    ];
    let store = store_of(&lines);
    assert_eq!(store.len(), 1);
    assert_eq!(store.presence_only_calls(), 2, "s-g and 222");
    let note = report::presence_only_note(store.presence_only_calls()).unwrap();
    assert!(
        note.starts_with("2 calls seen only in presence left out"),
        "{note}"
    );
    assert_eq!(report::presence_only_note(0), None);
}

#[test]
fn sequence_gaps_are_counted_per_session_in_every_format() {
    let lines = vec![
        event("s-i", 2, 0.0, json!([caller("s-i", "Setup")])),
        event("s-i", 3, 1.0, json!([callee("s-i", "Proceeding")])),
        event(
            "s-i",
            8,
            9.0,
            json!([caller("s-i", "Disconnected"), callee("s-i", "Disconnected")]),
        ),
        event("s-j", 2, 0.0, json!([caller("s-j", "Setup")])),
        event("s-j", 3, 2.0, json!([caller("s-j", "Disconnected")])),
    ];
    let r = report_json(&lines);
    assert_eq!(session(&r, "s-i")["gaps"], 1);
    assert_eq!(session(&r, "s-j")["gaps"], 0);
    let table = report_text(&lines, Format::Table);
    let line = table.lines().find(|l| l.starts_with("s-i ")).unwrap();
    assert!(table.lines().next().unwrap().contains(" Gaps "), "{table}");
    let cells: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(cells[2..4], ["Abandoned", "1"], "outcome, gaps: {line}");
    let csv = report_text(&lines, Format::Csv);
    assert!(csv.lines().next().unwrap().ends_with(",gaps"));
    let row = csv.lines().find(|l| l.starts_with("s-i,")).unwrap();
    assert!(row.ends_with(",1"), "{row}");
}

#[test]
fn recording_ids_from_the_notifications_are_in_the_report() {
    let mut answered = callee("s-k", "Answered");
    answered["recordings"] = json!([{"id": "7112263004", "active": true}]);
    let lines = vec![
        event("s-k", 2, 0.0, json!([caller("s-k", "Answered"), answered])),
        event(
            "s-k",
            3,
            5.0,
            json!([caller("s-k", "Disconnected"), callee("s-k", "Disconnected")]),
        ),
    ];
    let r = report_json(&lines);
    assert_eq!(
        party(session(&r, "s-k"), "-2")["recordings"],
        json!(["7112263004"])
    );
    let csv = report_text(&lines, Format::Csv);
    let row = csv.lines().find(|l| l.contains("p-s-k-2")).unwrap();
    assert!(row.contains(",7112263004,"), "{row}");
    let table = report_text(&lines, Format::Table);
    assert!(table.contains("recordings 7112263004"), "{table}");
}

/// A call first heard part way through (its first event heard already answered) and
/// one heard from its start, both ended, in a continuous recording: the first one's
/// length and times are unknown — they began before calltop heard — not the 30 s it
/// heard of; the second is timed as ever. The board shows the first's time in state
/// as a lower bound.
#[test]
fn a_call_first_heard_part_way_through_has_its_length_and_times_unknown() {
    let answered = |tsid| json!([caller(tsid, "Answered"), callee(tsid, "Answered")]);
    let gone = |tsid| json!([caller(tsid, "Disconnected"), callee(tsid, "Disconnected")]);
    let lines = vec![
        connection_frame(),
        event("s-m", 5, 10.0, answered("s-m")),
        event("s-f", 1, 10.0, json!([caller("s-f", "Setup")])),
        event("s-f", 2, 12.0, answered("s-f")),
        event("s-m", 6, 40.0, gone("s-m")),
        event("s-f", 3, 40.0, gone("s-f")),
    ];
    let r = report_json(&lines);
    let m = session(&r, "s-m");
    assert_eq!(m["durationSeconds"], Value::Null, "{m:#}");
    assert_eq!(party(m, "-2")["talkSeconds"], Value::Null, "{m:#}");
    let f = session(&r, "s-f");
    assert_eq!(f["durationSeconds"], 30.0);
    assert_eq!(party(f, "-2")["talkSeconds"], 28.0);
    assert_eq!(
        r["summary"]["maxTalkSeconds"], 28.0,
        "s-m's 30 s is not known"
    );
    // While it lasts, its time in state is at least what calltop heard.
    let store = store_of(&lines[..2]);
    let s = store.get("s-m").unwrap();
    let t = s.party_figures(&s.parties[1], calltop::wire::Ts(T0 + 25_000));
    assert_eq!((t.in_state_ms, t.in_state_bound), (15_000, true));
}
