//! The store's own tests.

use super::*;

fn fed(lines: &[String]) -> SessionStore {
    let mut store = SessionStore::default();
    for (i, line) in lines.iter().enumerate() {
        store.ingest(crate::wire::parse(line).unwrap(), Ts(i as i64));
    }
    store
}

/// The lag is the newest event's (received − eventTime), whatever session it is of.
#[test]
fn the_newest_lag_is_the_last_events() {
    let lines = crate::synth::stream(40, 5, 3);
    let mut store = SessionStore::default();
    let mut want = None;
    for (i, line) in lines.iter().enumerate() {
        let parsed = crate::wire::parse(line).unwrap();
        let received = Ts(1_714_564_800_000 + 1_000 * i as i64 + 250);
        if let crate::wire::Incoming::Session(n) = &parsed.item {
            want = n.body.event_time.map(|t| received.0 - t.0);
        }
        store.ingest(parsed, received);
        assert_eq!(store.newest_lag(), want, "after line {i}");
    }
    assert!(want.is_some());
}

#[test]
fn changed_since_names_the_changed_sessions_until_the_log_overflows() {
    let lines = crate::synth::stream(ChangeLog::<String>::CAPACITY + 100, 20, 3);
    let mut store = fed(&lines[..10]);
    let v = store.version();
    assert_eq!(store.changed_since(v).unwrap().count(), 0);
    let line = &lines[10];
    let parsed = crate::wire::parse(line).unwrap();
    let crate::wire::Incoming::Session(n) = &parsed.item else {
        panic!("a session event")
    };
    let id = n.body.telephony_session_id.clone();
    store.ingest(parsed, Ts(10));
    assert_eq!(store.changed_since(v).unwrap().collect::<Vec<_>>(), [id]);
    // A clone is another store value: its versions are not this one's.
    assert!(store.clone().changed_since(v).is_none());
    for (i, line) in lines[11..].iter().enumerate() {
        store.ingest(crate::wire::parse(line).unwrap(), Ts(11 + i as i64));
    }
    assert!(store.changed_since(v).is_none(), "too old for the log");
    assert!(store.changed_since(store.version()).is_some());
}
