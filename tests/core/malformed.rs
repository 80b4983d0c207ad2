//! Bad input is counted, reported and skipped — never a panic, never a stopped stream.

use crate::support as common;

use calltop::report;
use calltop::source::file;
use calltop::wire;
use proptest::prelude::*;

fn good_lines() -> Vec<String> {
    std::fs::read_to_string(common::fixture(
        "captures/PSTN-RingCentral-DataStreams.jsonl",
    ))
    .unwrap()
    .lines()
    .map(String::from)
    .collect()
}

#[test]
fn truncated_wrong_types_and_garbage_are_skipped() {
    let good = good_lines();
    let mut text = String::new();
    for (i, l) in good.iter().enumerate() {
        text.push_str(l);
        text.push('\n');
        match i {
            1 => text.push_str(&l[..l.len() / 2]), // truncated JSON
            3 => text.push_str(&l.replace("\"sequence\": 5", "\"sequence\": \"five\"")), // wrong type
            5 => text.push_str("\u{1}\u{2}\u{fffd}garbage\u{0}"), // binary garbage
            7 => text.push_str(
                &l.replace("\"parties\": [", "\"parties\": {")
                    .replace("]}", "}"),
            ), // wrong shape
            _ => continue,
        }
        text.push('\n');
    }
    let (_, items) = file::read_str(&text);
    let mut store = report::unbounded_store();
    let bad = report::ingest_items(&mut store, items);
    let lines: Vec<usize> = bad.iter().map(|(l, _)| *l).collect();
    assert_eq!(
        lines,
        vec![3, 6, 9, 12],
        "bad lines reported by number: {bad:?}"
    );
    let calls = report::calls(&store);
    let r = report::build(&store, &calls, store.clock().unwrap());
    assert_eq!(r.summary.counters.malformed, 4);
    assert_eq!(
        r.summary.counters.events, 11,
        "every good line still applied"
    );
    let p3 = &r.sessions[0].parties[2];
    assert_eq!(
        (p3.ring_seconds, p3.talk_seconds, p3.hold_seconds),
        (Some(7.345), Some(12.414), Some(2.393))
    );
}

#[test]
fn unknown_enum_values_are_kept() {
    let line = good_lines()[8]
        .replace("\"Answered\"", "\"Teleported\"")
        .replace("\"Inbound\"", "\"Sideways\"");
    let parsed = wire::parse(&line).unwrap();
    let wire::Incoming::Session(n) = parsed.item else {
        panic!()
    };
    let p = &n.body.parties[0];
    assert_eq!(
        p.status.as_ref().unwrap().code,
        wire::StatusCode::Unknown("Teleported".into())
    );
    assert_eq!(
        p.direction,
        Some(wire::Direction::Unknown("Sideways".into()))
    );
    assert_eq!(
        serde_json::to_value(p).unwrap()["status"]["code"],
        "Teleported",
        "round-trips verbatim"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = wire::parse_bytes(&bytes);
        let text = String::from_utf8_lossy(&bytes);
        let (_, items) = file::read_str(&text);
        let mut store = report::unbounded_store();
        report::ingest_items(&mut store, items);
    }

    #[test]
    fn mangled_real_lines_never_panic(cut in 0usize..1200, flip in 0usize..1200, byte in any::<u8>()) {
        let good = good_lines();
        let mut l = good[6].clone().into_bytes();
        if flip < l.len() { l[flip] = byte; }
        l.truncate(cut.max(1));
        let text = format!("{}\n{}\n{}\n", good[0], String::from_utf8_lossy(&l), good[1]);
        let (_, items) = file::read_str(&text);
        let mut store = report::unbounded_store();
        report::ingest_items(&mut store, items);
        prop_assert!(store.counters().events >= 2, "the good lines around it still count");
    }
}
