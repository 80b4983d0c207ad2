//! The store is order-safe: any permutation of a session's events, with any number of
//! repeats, ends in the same state and figures as in-order delivery; late events never
//! resurrect an ended call; retention keeps memory bounded.

use calltop::core::{Applied, Delivery, PartyState, SessionStore, StoreConfig};
use calltop::report;
use calltop::wire::{Direction, Endpoint, Party, Recording, SessionEvent, Status, StatusCode, Ts};
use proptest::prelude::*;

const CODES: [StatusCode; 6] = [
    StatusCode::Setup,
    StatusCode::Proceeding,
    StatusCode::Answered,
    StatusCode::Hold,
    StatusCode::Parked,
    StatusCode::Voicemail,
];

/// One generated step: which party, which state, which optional fields it carries.
#[derive(Clone, Debug)]
struct Step {
    party: u8,
    code: u8,
    dt_ms: u16,
    name: Option<u8>,
    muted: Option<bool>,
    recording: Option<bool>,
}

fn step() -> impl Strategy<Value = Step> {
    (
        0u8..3,
        0u8..6,
        1u16..20_000,
        proptest::option::of(0u8..3),
        proptest::option::of(any::<bool>()),
        proptest::option::of(any::<bool>()),
    )
        .prop_map(|(party, code, dt_ms, name, muted, recording)| Step {
            party,
            code,
            dt_ms,
            name,
            muted,
            recording,
        })
}

/// A whole call: its steps, then every party disconnects (sequence rising from 2).
fn call_events(session: &str, steps: &[Step], parties: u8) -> Vec<SessionEvent> {
    let mut t = 1_600_000_000_000i64;
    let mut out = Vec::new();
    let mut seq = 2;
    let mut push = |party: u8, status: Status, s: Option<&Step>, t: i64| {
        let s = s.cloned().unwrap_or(Step {
            party,
            code: 0,
            dt_ms: 0,
            name: None,
            muted: None,
            recording: None,
        });
        out.push(SessionEvent {
            sequence: Some(seq),
            telephony_session_id: session.to_string(),
            event_time: Some(Ts(t)),
            parties: vec![Party {
                id: format!("p-{session}-{party}"),
                direction: Some(if party == 0 {
                    Direction::Outbound
                } else {
                    Direction::Inbound
                }),
                from: Some(Endpoint {
                    phone_number: Some("+14155550100".into()),
                    name: s.name.map(|n| format!("Caller {n}")),
                    ..Default::default()
                }),
                to: Some(Endpoint {
                    phone_number: Some(format!("+1650555010{party}")),
                    ..Default::default()
                }),
                status: Some(status),
                muted: s.muted,
                recordings: s.recording.map(|active| {
                    vec![Recording {
                        id: "r1".into(),
                        active,
                        mode: None,
                    }]
                }),
                ..Default::default()
            }],
            ..Default::default()
        });
        seq += 1;
    };
    for s in steps {
        t += s.dt_ms as i64;
        push(
            s.party % parties,
            Status::code(CODES[s.code as usize].clone()),
            Some(s),
            t,
        );
    }
    for p in 0..parties {
        t += 500;
        push(p, Status::code(StatusCode::Disconnected), None, t);
    }
    out
}

/// Everything that must not depend on delivery order (arrival times and the timeline,
/// which records arrivals, are left out).
fn fingerprint(store: &SessionStore) -> String {
    let now = Ts(1_700_000_000_000);
    let mut out = serde_json::to_string(&report::build(store, now).sessions).unwrap();
    let mut sessions: Vec<_> = store.sessions().collect();
    sessions.sort_by(|a, b| a.id.cmp(&b.id));
    for s in sessions {
        let mut parties: Vec<&PartyState> = s.parties.iter().collect();
        parties.sort_by(|a, b| a.id.cmp(&b.id));
        out.push_str(&format!(
            "\n{} ended={} start={:?} end={:?} {:?}",
            s.id,
            s.ended,
            s.start,
            s.end(),
            parties
        ));
    }
    out
}

fn apply_all(events: &[SessionEvent], order: &[usize]) -> SessionStore {
    let mut store = report::unbounded_store();
    for (i, &k) in order.iter().enumerate() {
        store.apply_event(events[k].clone(), Ts(i as i64));
    }
    store
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_order_any_repeats_same_state(
        steps_a in proptest::collection::vec(step(), 1..25),
        steps_b in proptest::collection::vec(step(), 1..25),
        parties in 2u8..4,
        shuffle_seed in any::<u64>(),
        repeats in proptest::collection::vec(any::<prop::sample::Index>(), 0..15),
    ) {
        let mut events = call_events("s-a", &steps_a, parties);
        events.extend(call_events("s-b", &steps_b, 2));
        let in_order: Vec<usize> = (0..events.len()).collect();
        let mut order = in_order.clone();
        for r in &repeats {
            order.push(r.index(events.len()));
        }
        // Deterministic Fisher–Yates from the generated seed.
        let mut x = shuffle_seed | 1;
        for i in (1..order.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            order.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let expected = apply_all(&events, &in_order);
        let got = apply_all(&events, &order);
        prop_assert_eq!(fingerprint(&got), fingerprint(&expected));
        prop_assert!(got.get("s-a").unwrap().ended && got.get("s-b").unwrap().ended);
        let c = got.counters();
        prop_assert_eq!(c.duplicate, repeats.len() as u64);
        prop_assert_eq!(c.applied + c.stale, events.len() as u64);
        prop_assert_eq!(expected.counters().stale, 0);
    }
}

fn ev(seq: i64, party: &str, code: StatusCode, t: i64) -> SessionEvent {
    SessionEvent {
        sequence: Some(seq),
        telephony_session_id: "s-1".into(),
        event_time: Some(Ts(t)),
        parties: vec![Party {
            id: party.into(),
            status: Some(Status::code(code)),
            ..Default::default()
        }],
        ..Default::default()
    }
}

#[test]
fn late_events_never_resurrect() {
    let mut store = report::unbounded_store();
    store.apply_event(ev(2, "p-1", StatusCode::Setup, 0), Ts(0));
    store.apply_event(ev(3, "p-1", StatusCode::Answered, 1_000), Ts(1));
    store.apply_event(ev(5, "p-1", StatusCode::Disconnected, 9_000), Ts(2));
    assert!(store.get("s-1").unwrap().ended);
    // A late Hold (seq 4) arrives after the end: kept for the timers, call stays ended.
    let a = store.apply_event(ev(4, "p-1", StatusCode::Hold, 5_000), Ts(3));
    assert_eq!(
        a,
        Applied::Event {
            delivery: Delivery::Stale,
            new_session: false,
            ended: true
        }
    );
    // A late party from before the end does not reopen it either.
    let a = store.apply_event(ev(1, "p-0", StatusCode::Setup, 0), Ts(4));
    assert_eq!(
        a,
        Applied::Event {
            delivery: Delivery::Applied,
            new_session: false,
            ended: true
        }
    );
    let s = store.get("s-1").unwrap();
    assert!(s.ended);
    let f = calltop::core::CallTimes::of(&s.parties[0].history, Some(Ts(99_999)));
    assert_eq!((f.talk_ms, f.hold_ms), (4_000, 4_000));
}

#[test]
fn retention_evicts_and_remembers() {
    let mut store = SessionStore::new(StoreConfig {
        max_ended: 10,
        max_ended_age_ms: 60_000,
        tombstones: 100,
        detail_window: 5,
        ..StoreConfig::default()
    });
    for i in 0..50 {
        let mut a = ev(2, "p-1", StatusCode::Answered, i * 1000);
        let mut b = ev(3, "p-1", StatusCode::Disconnected, i * 1000 + 500);
        a.telephony_session_id = format!("s-{i}");
        b.telephony_session_id = format!("s-{i}");
        store.apply_event(a, Ts(i * 1000));
        store.apply_event(b, Ts(i * 1000 + 500));
    }
    assert_eq!(store.len(), 10, "only the newest ended sessions are kept");
    let sum = store.summary(Ts(60_000));
    assert_eq!(sum.totals.sessions, 50, "evicted sessions still count");
    assert_eq!(sum.totals.answered, 50);
    assert_eq!(sum.totals.talk.count, 50);
    // An evicted call's late event is ignored, not a new session.
    let mut late = ev(4, "p-1", StatusCode::Hold, 10);
    late.telephony_session_id = "s-0".into();
    assert_eq!(store.apply_event(late, Ts(70_000)), Applied::Late);
    assert!(store.get("s-0").is_none());
    assert_eq!(store.counters().late, 1);
    // Age-based eviction, with time passed in.
    store.evict(Ts(49_500 + 60_001));
    assert_eq!(store.len(), 0);
}

#[test]
fn partial_updates_keep_earlier_fields() {
    let mut store = report::unbounded_store();
    let mut first = ev(2, "p-1", StatusCode::Proceeding, 0);
    first.parties[0].from = Some(Endpoint {
        phone_number: Some("+1".into()),
        name: Some("Alice".into()),
        ..Default::default()
    });
    first.parties[0].muted = Some(true);
    store.apply_event(first, Ts(0));
    store.apply_event(ev(3, "p-1", StatusCode::Answered, 10), Ts(1));
    let p = &store.get("s-1").unwrap().parties[0];
    assert_eq!(p.from.name.get().map(String::as_str), Some("Alice"));
    assert_eq!(p.muted.get(), Some(&true));
    assert_eq!(p.code(), Some(&StatusCode::Answered));
}

#[test]
fn ended_sessions_outside_the_detail_window_are_archived() {
    let mut store = SessionStore::new(StoreConfig {
        max_ended: 100,
        max_ended_age_ms: i64::MAX,
        tombstones: 0,
        detail_window: 3,
        ..StoreConfig::default()
    });
    for i in 0..6 {
        for (seq, code) in [
            (2, StatusCode::Proceeding),
            (3, StatusCode::Answered),
            (4, StatusCode::Disconnected),
        ] {
            let mut e = ev(seq, "p-1", code, i * 10_000 + seq * 1_000);
            e.telephony_session_id = format!("s-{i}");
            store.apply_event(e, Ts(i * 10_000 + seq));
        }
    }
    assert_eq!(store.len(), 6);
    assert_eq!(store.archived().count(), 3);
    assert_eq!(store.summary(Ts(100_000)).totals.answered, 6);
    for i in 0..6 {
        let id = format!("s-{i}");
        let compacted = i < 3;
        // Archived sessions are not held in full, but unpack with all but the timeline.
        assert_eq!(store.get(&id).is_none(), compacted, "{id}");
        let s = store.find(&id).unwrap();
        assert_eq!(s.timeline.is_empty(), compacted, "s-{i}");
        assert_eq!(s.timeline_dropped, if compacted { 3 } else { 0 }, "s-{i}");
        // CallTimes and disposition survive compaction.
        let f = calltop::core::CallTimes::of(&s.parties[0].history, None);
        assert_eq!((f.ring_ms, f.talk_ms), (1_000, 1_000), "s-{i}");
        assert_eq!(s.disposition(), calltop::core::Disposition::Answered);
    }
    // An archived session is frozen: a late event is counted as late, changes nothing.
    let before = store.find("s-0").unwrap().into_owned();
    let mut late = ev(5, "p-1", StatusCode::Hold, 99_000);
    late.telephony_session_id = "s-0".into();
    assert_eq!(store.apply_event(late, Ts(99_000)), Applied::Late);
    assert_eq!(store.find("s-0").unwrap().into_owned(), before);
    assert_eq!(store.summary(Ts(100_000)).totals.sessions, 6);
}

/// A call found gone by reconciling after an outage: closed as of the outage start
/// (no figure counts the outage), and no outcome is invented for it.
#[test]
fn calls_that_ended_during_an_outage_count_no_outage_and_no_invented_outcome() {
    let mut store = report::unbounded_store();
    // s-1: answered before the outage; s-2 (parties p-2/p-3): still ringing.
    store.apply_event(ev(2, "p-1", StatusCode::Proceeding, 0), Ts(0));
    store.apply_event(ev(3, "p-1", StatusCode::Answered, 5_000), Ts(5_000));
    let mut ring = ev(2, "p-2", StatusCode::Proceeding, 1_000);
    ring.telephony_session_id = "s-2".into();
    store.apply_event(ring, Ts(1_000));
    let outage_start = Ts(20_000);
    let reconciled = Ts(120_000);
    store.mark_gone("s-1", outage_start);
    store.mark_gone("s-2", outage_start);
    let s1 = store.get("s-1").unwrap();
    assert!(s1.ended && s1.ended_unseen);
    let f = calltop::core::CallTimes::of(&s1.parties[0].history, Some(reconciled));
    assert_eq!(
        f.talk_ms, 15_000,
        "talk up to the outage start, not to the reconcile"
    );
    assert_eq!(
        s1.disposition(),
        calltop::core::Disposition::Answered,
        "the events showed it"
    );
    let s2 = store.get("s-2").unwrap();
    assert_eq!(
        s2.disposition(),
        calltop::core::Disposition::Unknown,
        "rang, then the outage: missed or answered is not known"
    );
    let f = calltop::core::CallTimes::of(&s2.parties[0].history, Some(reconciled));
    assert_eq!(f.ring_ms, 19_000);
    let t = store.summary(reconciled).totals;
    assert_eq!((t.answered, t.missed, t.abandoned, t.unknown), (1, 0, 0, 1));
    // An event time ahead of our clock never puts the close before a seen state.
    let mut ahead = ev(2, "p-9", StatusCode::Answered, 30_000);
    ahead.telephony_session_id = "s-3".into();
    store.apply_event(ahead, Ts(21_000));
    store.mark_gone("s-3", outage_start);
    let s3 = store.get("s-3").unwrap();
    assert_eq!(s3.end(), Some(Ts(30_000)));
}

/// Followers of ended calls (metrics, the end-of-call feed) read each end once, in order.
#[test]
fn ended_calls_are_read_once_in_order_from_a_cursor() {
    let mut store = report::unbounded_store();
    let end = |store: &mut SessionStore, sid: &str, t: i64| {
        for (seq, code) in [(2, StatusCode::Answered), (3, StatusCode::Disconnected)] {
            let mut e = ev(seq, &format!("p-{sid}"), code, t + seq);
            e.telephony_session_id = sid.into();
            store.apply_event(e, Ts(t + seq));
        }
    };
    let first = store.ended_after(0);
    assert!(first.ids.is_empty() && first.cursor == 0);
    end(&mut store, "s-a", 0);
    end(&mut store, "s-b", 10);
    let got = store.ended_after(0);
    assert_eq!(got.ids, vec!["s-a", "s-b"]);
    let cursor = got.cursor;
    assert!(store.ended_after(cursor).ids.is_empty(), "read once");
    end(&mut store, "s-c", 20);
    let got = store.ended_after(cursor);
    assert_eq!((got.ids, got.missed), (vec!["s-c"], 0));
}
