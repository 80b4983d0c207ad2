//! The real captures from the platform, end to end through the file reader, the store
//! and the report. Expected figures are worked out by hand from each event's eventTime
//! (RingCentral's formulas), e.g. party -3 of the inbound call: ring = Answered
//! 01:06:00.001 − Proceeding 01:05:52.656 = 7.345 s.

use crate::support as common;

use calltop::core::SessionStore;
use calltop::report::{self, Report};
use calltop::source::file;
use calltop::wire::{self, Incoming, StatusCode};

/// The store of a capture: `with_report` reads its report.
fn store_of(name: &str) -> SessionStore {
    let (_, items) = file::read_path(&common::fixture(&format!("captures/{name}"))).unwrap();
    let mut store = report::unbounded_store();
    let bad = report::ingest_items(&mut store, items);
    assert!(bad.is_empty(), "{name}: {bad:?}");
    store
}

fn with_report<T>(store: &SessionStore, f: impl FnOnce(&Report) -> T) -> T {
    let calls = report::calls(store);
    f(&report::build(store, &calls, store.clock().unwrap()))
}

/// (party id suffix, ring, talk, hold, final status)
fn check(name: &str, events: u64, expect: &[(&str, f64, f64, f64)]) {
    with_report(&store_of(name), |r| check_report(r, name, events, expect))
}

fn check_report(r: &Report, name: &str, events: u64, expect: &[(&str, f64, f64, f64)]) {
    assert_eq!(r.sessions.len(), 1, "{name}: one call per file");
    let s = &r.sessions[0];
    assert_eq!(s.disposition, "Answered", "{name}");
    assert!(s.end_time.is_some(), "{name}: the call ended");
    assert_eq!(r.summary.counters.events, events);
    assert_eq!(
        (
            r.summary.counters.applied,
            r.summary.counters.stale,
            r.summary.counters.duplicate,
            r.summary.counters.malformed
        ),
        (events, 0, 0, 0)
    );
    assert_eq!(s.parties.len(), expect.len());
    for (p, (suffix, ring, talk, hold)) in s.parties.iter().zip(expect) {
        assert!(p.id.ends_with(suffix), "{} vs {suffix}", p.id);
        assert_eq!(p.status, Some("Disconnected"));
        let got = (p.ring_seconds, p.talk_seconds, p.hold_seconds);
        assert_eq!(
            got,
            (Some(*ring), Some(*talk), Some(*hold)),
            "{name} party {}",
            p.id
        );
    }
}

#[test]
fn pstn_to_ringcentral_via_ivr() {
    // -1 caller: Answered 01:05:44.083 → Disconnected 01:06:14.812 = 30.729 talk.
    // -2 IVR leg: Setup → Disconnected, no ring (never Proceeding), no talk.
    // -3 user: ring 7.345, talk 4.600 + 7.814, hold 2.393 (tests/fixtures/README.md).
    check(
        "PSTN-RingCentral-DataStreams.jsonl",
        11,
        &[
            ("-1", 0.0, 30.729, 0.0),
            ("-2", 0.0, 0.0, 0.0),
            ("-3", 7.345, 12.414, 2.393),
        ],
    );
    let store = store_of("PSTN-RingCentral-DataStreams.jsonl");
    let calls = report::calls(&store);
    let r = report::build(&store, &calls, store.clock().unwrap());
    assert_eq!(
        r.sessions[0].start_time.unwrap().to_rfc3339(),
        "2020-06-23T01:05:43.940Z"
    );
    assert_eq!(
        r.sessions[0].end_time.unwrap().to_rfc3339(),
        "2020-06-23T01:06:14.812Z"
    );
}

#[test]
fn ringcentral_to_pstn() {
    // -1: Proceeding 25.166 → Answered 28.900 = 3.734; talk 6.690 + 6.153; hold 35.590 → 38.865.
    // -2: Proceeding 21.663 → Answered 28.872 = 7.209; talk 28.872 → 45.032.
    check(
        "RingCentral-PSTN.jsonl",
        9,
        &[("-1", 3.734, 12.843, 3.275), ("-2", 7.209, 16.160, 0.0)],
    );
}

#[test]
fn ringcentral_to_ringcentral() {
    // -1: Answered at once (destination reached): talk 10.627 + 5.717, hold 25.015 → 29.334.
    // -2: Proceeding 14.410 → Answered 21.084 = 6.674; talk 21.084 → 35.061.
    check(
        "RingCentral-RingCentral.jsonl",
        9,
        &[("-1", 0.0, 16.344, 4.319), ("-2", 6.674, 13.977, 0.0)],
    );
}

#[test]
fn single_event_files_parse() {
    for (name, code) in [
        ("telephony-session-event.json", StatusCode::Setup),
        ("account-telephony-sessions.json", StatusCode::Proceeding),
        ("extension-telephony-sessions.json", StatusCode::Proceeding),
    ] {
        let text = std::fs::read_to_string(common::fixture(&format!("captures/{name}"))).unwrap();
        let parsed = wire::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let Incoming::Session(n) = parsed.item else {
            panic!("{name}: not a session event")
        };
        assert!(n.body.telephony_session_id.len() > 10);
        assert_eq!(n.body.parties.len(), 1);
        assert_eq!(
            n.body.parties[0].status.as_ref().unwrap().code,
            code,
            "{name}"
        );
        assert!(
            n.body.event_time.is_some() && n.envelope.uuid.is_some(),
            "{name}"
        );
    }
}

#[test]
fn gateway_frames_parse() {
    let dir = common::fixture("ws-frames");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        if name == "captured-wstoken.json" {
            // The REST reply that hands out the socket address, not a frame.
            let t: wire::WsTokenResponse = serde_json::from_str(&text).unwrap();
            assert_eq!(
                (t.uri.as_str(), t.expires_in),
                ("wss://ws-api-xmnup.rc-lab-mock-domain.com/ws", 60)
            );
            assert!(
                !format!("{t:?}").contains(&t.ws_access_token),
                "Debug must not print the token"
            );
            continue;
        }
        let parsed = wire::parse(&text);
        if name == "session-recovery.json" {
            // The guide's sample holds a literal `...`: not JSON, so an error, not a panic.
            assert!(parsed.is_err());
            continue;
        }
        let parsed = parsed.unwrap_or_else(|e| panic!("{name}: {e}"));
        seen += 1;
        match name.as_str() {
            "captured-connectionDetails.json" => {
                let Incoming::ConnectionDetails { details } = parsed.item else {
                    panic!()
                };
                assert_eq!(details.recovery_error_code.as_deref(), Some("WSG-1005"));
                assert_eq!(details.recovery_timeout, Some(180));
                assert!(parsed.meta.unwrap().wsc.is_some());
            }
            "captured-serverNotification_presence.json" => {
                let Incoming::Presence { body, .. } = parsed.item else {
                    panic!()
                };
                assert_eq!(
                    body.active_calls[0].telephony_session_id.as_deref(),
                    Some("s-a4a0d8226a3d4z17ee2cd74ddz2edde0000")
                );
            }
            "websocket-notification.json" => {
                assert!(matches!(parsed.item, Incoming::OtherNotification { .. }))
            }
            "captured-subscriptionResponse.json" => {
                let meta = parsed.meta.unwrap();
                assert_eq!(
                    meta.headers.get("WSG-SubscriptionId").map(String::as_str),
                    Some("9c5bf39a-2c66-43e4-a927-737de24097b1")
                );
                assert!(matches!(parsed.item, Incoming::Response { body: Some(_) }));
            }
            "captured-clientRequest_204.json" => {
                assert!(matches!(parsed.item, Incoming::Response { body: None }))
            }
            n if n.contains("eart") => assert_eq!(parsed.item, Incoming::Heartbeat),
            _ => {}
        }
    }
    assert!(seen >= 10, "only {seen} frames read");
}

#[test]
fn presence_seeds_a_call_joined_mid_way() {
    let text = std::fs::read_to_string(common::fixture(
        "ws-frames/captured-serverNotification_presence.json",
    ))
    .unwrap();
    let mut store = report::unbounded_store();
    let applied = store.ingest(wire::parse(&text).unwrap(), wire::Ts(0));
    assert_eq!(applied, calltop::core::Applied::Presence { seeded: 1 });
    let s = store.get("s-a4a0d8226a3d4z17ee2cd74ddz2edde0000").unwrap();
    assert_eq!(s.parties[0].code(), Some(&StatusCode::Proceeding));
    assert_eq!(s.start.unwrap().to_rfc3339(), "2022-02-10T08:43:42.718Z");
    assert_eq!(store.counters().presence, 1);
}
