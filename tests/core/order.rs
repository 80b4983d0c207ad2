//! The store is order-safe: any permutation of a session's events, with any number of
//! repeats, ends in the same state and figures as in-order delivery; late events never
//! resurrect an ended call; retention keeps memory bounded. With the center's upkeep on,
//! agents' and queues' figures and states do not depend on how the calls interleave, on
//! how late a call's lines come, or on repeats.

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
                // The callees are users: the center follows them as agents.
                extension_id: (party > 0).then(|| format!("ext-{party}")),
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
    let calls = report::calls(store);
    let mut out = serde_json::to_string(&report::build(store, &calls, now).sessions).unwrap();
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

/// The events in `order` through the store with the center's upkeep on, as a source
/// feeds it (arrival time: the delivery position).
fn apply_all(events: &[SessionEvent], order: &[usize]) -> SessionStore {
    let mut store = report::unbounded_store();
    for (i, &k) in order.iter().enumerate() {
        let parsed = Parsed {
            received_at: None,
            meta: None,
            item: Incoming::Session(calltop::wire::Notification {
                envelope: Default::default(),
                body: events[k].clone(),
            }),
        };
        store.ingest(parsed, Ts(i as i64));
    }
    store
}

proptest! {
    #![proptest_config(crate::support::proptest_cases(300))]

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
        let diff = differences(&center_print(expected.center()), &center_print(got.center()));
        prop_assert!(diff.is_empty(), "the center differs:{}", diff);
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
    let f = calltop::core::CallTimes::of(
        &s.parties[0].history,
        Some(Ts(99_999)),
        s.joined(&s.parties[0]),
    );
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
        let mut s = ev(1, "p-1", StatusCode::Setup, i * 1000);
        let mut a = ev(2, "p-1", StatusCode::Answered, i * 1000);
        let mut b = ev(3, "p-1", StatusCode::Disconnected, i * 1000 + 500);
        s.telephony_session_id = format!("s-{i}");
        a.telephony_session_id = format!("s-{i}");
        b.telephony_session_id = format!("s-{i}");
        store.apply_event(s, Ts(i * 1000));
        store.apply_event(a, Ts(i * 1000));
        store.apply_event(b, Ts(i * 1000 + 500));
    }
    assert_eq!(store.len(), 10, "only the newest ended sessions are kept");
    let sum = store.summary(Ts(60_000));
    assert_eq!(sum.totals.sessions, 50, "evicted sessions still count");
    assert_eq!(sum.totals.outcomes.answered, 50);
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
    assert_eq!(p.from.name.text(), Some("Alice"));
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
    assert_eq!(store.summary(Ts(100_000)).totals.outcomes.answered, 6);
    for i in 0..6 {
        let id = format!("s-{i}");
        let compacted = i < 3;
        // Archived sessions are not held in full, but unpack with all but the timeline.
        assert_eq!(store.get(&id).is_none(), compacted, "{id}");
        let s = store.find(&id).unwrap();
        assert_eq!(s.timeline.is_empty(), compacted, "s-{i}");
        assert_eq!(s.timeline_dropped, if compacted { 3 } else { 0 }, "s-{i}");
        // CallTimes and disposition survive compaction.
        let f = calltop::core::CallTimes::of(&s.parties[0].history, None, s.joined(&s.parties[0]));
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
/// (no figure counts the outage), the state it was in then of unknown length (when it
/// ended was not seen: not the time up to the outage as if it were), and no outcome is
/// invented for it.
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
    let f = calltop::core::CallTimes::of(
        &s1.parties[0].history,
        Some(reconciled),
        s1.joined(&s1.parties[0]),
    );
    use calltop::core::timers::Bucket;
    assert_eq!(
        (f.known(Bucket::Ring), f.known(Bucket::Talk)),
        (Some(5_000), None),
        "the ring was seen to end; the talk was not: not up to the outage start, nor the reconcile"
    );
    assert_eq!(s1.call_figures(reconciled).known(Bucket::Talk), None);
    assert_eq!(
        s1.call_figures(reconciled).known(Bucket::Hold),
        None,
        "held or not in the outage: not known, not 0s"
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
    let f = calltop::core::CallTimes::of(
        &s2.parties[0].history,
        Some(reconciled),
        s2.joined(&s2.parties[0]),
    );
    assert_eq!(f.known(Bucket::Ring), None, "how long it rang is not known");
    let whole = s2.call_figures(reconciled);
    assert_eq!(
        (
            whole.known(Bucket::Ring),
            whole.known(Bucket::Talk),
            whole.known(Bucket::Hold)
        ),
        (None, None, None),
        "answered, held, or not, in the outage: not known, not 0s"
    );
    let t = store.summary(reconciled).totals;
    assert_eq!(
        (t.talk.count, t.ring.count),
        (0, 1),
        "only s-1's ring is known"
    );
    assert_eq!(
        (
            t.outcomes.answered,
            t.outcomes.missed,
            t.outcomes.abandoned,
            t.outcomes.unknown
        ),
        (1, 0, 0, 1)
    );
    // An event time ahead of our clock never puts the close before a seen state.
    let mut ahead = ev(2, "p-9", StatusCode::Answered, 30_000);
    ahead.telephony_session_id = "s-3".into();
    store.apply_event(ahead, Ts(21_000));
    store.mark_gone("s-3", outage_start);
    let s3 = store.get("s-3").unwrap();
    assert_eq!(s3.end(), Some(Ts(30_000)));
}

/// The outage figure counts every call held since before the outage that reconciling
/// found gone — answered or not — and nothing else: not a call first heard of after
/// the drop, not one seen to end, not a 404 while seeding at start (issue 23, item 13).
#[test]
fn the_outage_counts_every_call_held_before_it_that_ended_unseen() {
    let mut store = report::unbounded_store();
    let call = |store: &mut SessionStore, sid: &str, code: StatusCode, t: i64| {
        let mut e = ev(2, &format!("p-{sid}"), code, t);
        e.telephony_session_id = sid.into();
        store.apply_event(e, Ts(t));
    };
    // Before the drop at 20 s: one answered, one ringing, one that ends in sight.
    call(&mut store, "s-talk", StatusCode::Answered, 1_000);
    call(&mut store, "s-ring", StatusCode::Proceeding, 2_000);
    call(&mut store, "s-done", StatusCode::Answered, 3_000);
    let mut bye = ev(3, "p-s-done", StatusCode::Disconnected, 4_000);
    bye.telephony_session_id = "s-done".into();
    store.apply_event(bye, Ts(4_000));
    let done_before = store.get("s-done").unwrap().disposition();
    // After the reconnect: a call first heard of then.
    call(&mut store, "s-new", StatusCode::Proceeding, 30_000);
    let drop = Ts(20_000);
    for sid in ["s-talk", "s-ring", "s-done", "s-new", "s-never"] {
        store.mark_gone(sid, drop);
    }
    assert_eq!(store.counters().ended_in_outage, 2, "s-talk and s-ring");
    let done = store.get("s-done").unwrap();
    assert!(!done.ended_unseen, "its end was seen");
    assert_eq!(done.disposition(), done_before);
    assert!(store.get("s-new").unwrap().ended, "closed all the same");
    // A second reconcile of the same calls counts nothing again.
    store.mark_gone("s-talk", drop);
    assert_eq!(store.counters().ended_in_outage, 2);
    // Seeding at start, rate limited: the plan's time is before every call heard of.
    let mut seeded = report::unbounded_store();
    call(&mut seeded, "s-a", StatusCode::Answered, 50_000);
    call(&mut seeded, "s-b", StatusCode::Proceeding, 51_000);
    let mut bye = ev(3, "p-s-b", StatusCode::Disconnected, 52_000);
    bye.telephony_session_id = "s-b".into();
    seeded.apply_event(bye, Ts(52_000));
    for sid in ["s-a", "s-b"] {
        seeded.mark_gone(sid, Ts(49_000));
    }
    assert_eq!(seeded.counters().ended_in_outage, 0, "no outage at start");
    assert!(!seeded.get("s-b").unwrap().ended_unseen);
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

// The same property through the whole core: a contact center's stream (the synthetic
// generator's, its directory first) through `ingest_view`, so the center's upkeep runs;
// the agents' and queues' figures, waiting calls and states are compared as well as the
// calls'. The center takes each party's events in the order they come and lets an older
// one go (see `src/core/center.rs`), so what it is held to is: the calls heard in any
// interleaving, late by any number of lines, and lines heard again at any time later,
// each call's own lines in their order. Each call's lines in any order are held to the
// calls' figures and to agents never keeping a call that ended.

use calltop::core::center::{AgentFigures, Center, Cut, Window, DAY_MS};
use calltop::wire::{parse_view, Incoming, IncomingView, Parsed};

/// Arrival times start here and rise with the delivery position (event times are the
/// stream's, from 1 700 000 000 000 on): anything taking arrival for event time shows.
const ARRIVAL: i64 = 1_700_000_000_000;
/// When running talk and hold and the longest waits are read at the end.
const END: Ts = Ts(1_700_000_600_000);
/// Lines of a stream, and calls at a time: about 130 queue calls, 40 of them in
/// progress at the end, in three queues among a thousand agents.
const LINES: usize = 1_500;
const CONCURRENT: usize = 40;

/// A contact center's stream (seed `seed`): its lines, and the call of each line.
fn center_stream(seed: u64) -> (Vec<String>, Vec<String>) {
    calltop::synth::center_notifications(LINES, CONCURRENT, seed)
        .into_iter()
        .map(|n| {
            let line = serde_json::to_string(&n).expect("a notification");
            (line, n.body.telephony_session_id)
        })
        .unzip()
}

/// The event time of a line of the stream.
fn event_time(line: &str) -> Ts {
    match parse_view(line).expect("a line of the stream").item {
        IncomingView::Session(n) => n.body.event_time.expect("an event time"),
        IncomingView::Other(_) => panic!("not an event"),
    }
}

/// A board's store with figures over `window`, fed the directory (as a board reads it at
/// start), then the lines in `order`; a line's arrival time is its delivery position.
fn center_fed(lines: &[String], order: &[usize], window: Window) -> SessionStore {
    center_fed_watched(lines, order, window, |_| {})
}

/// [`center_fed`], with a look at the store after each line.
fn center_fed_watched(
    lines: &[String],
    order: &[usize],
    window: Window,
    mut watch: impl FnMut(&SessionStore),
) -> SessionStore {
    let mut store = report::unbounded_store();
    store.center_mut().reset(window);
    // Per 5 seconds too: the intervals are held to the same as the whole figures.
    let zone = calltop::core::zone::Zone::parse("UTC").expect("a zone");
    store.center_mut().count_intervals(Cut {
        len_ms: 5_000,
        zone,
    });
    let directory = Parsed {
        received_at: None,
        meta: None,
        item: Incoming::Roster(Box::new(calltop::synth::center_directory())),
    };
    store.ingest(directory, Ts(ARRIVAL));
    for (i, &k) in order.iter().enumerate() {
        let p = parse_view(&lines[k]).expect("a line of the stream");
        store.ingest_view(p, Ts(ARRIVAL + 25 * i as i64));
        watch(&store);
    }
    store
}

/// Everything of the center that must not depend on delivery order, a line per queue and
/// per agent, sorted: a queue's figures (offered, answered, abandoned, voicemail… and the
/// waits), service level, speed of answer, waiting calls with their entry times, oldest
/// and longest wait; an agent's telephony state and since when, presence, figures (closed,
/// and with what still runs at [`END`]), idle since, and live calls (code, since when,
/// peer, queue); and the same per 5 s of the window (queues' figures, longest waits and
/// handling, agents' figures).
fn center_print(c: &Center) -> Vec<String> {
    // The intervals inside the current window (a day that ended took its late outcomes
    // with it).
    let from = c.window().start.unwrap_or(Ts(1_700_000_000_000));
    let minutes = c.intervals().into_iter().flat_map(move |iv| {
        let starts = iv.cut().starts(from, END).into_iter();
        starts
            .filter(move |t| *t >= from)
            .flat_map(move |t| minute(c, iv, t))
    });
    let queues = c.queues().map(|q| {
        format!(
            "queue {} {:?} sl={:?} asa={:?} abandon-wait={:?} longest={} oldest={:?} waiting={:?}",
            q.id,
            q.figures,
            q.service_level_pct(),
            q.figures.avg_answer_wait_ms(),
            q.figures.avg_abandon_wait_ms(),
            q.longest_wait_ms(END),
            q.oldest_waiting(),
            q.waiting,
        )
    });
    let agents = c.agents().map(|a| {
        // Kept in the order first heard: compared as a set (the state says which leads).
        let mut calls: Vec<String> = a
            .calls
            .iter()
            .map(|k| {
                format!(
                    "{}/{} {:?} since={:?} {:?} peer={:?} queue={:?} counted={}",
                    k.session, k.party, k.code, k.since, k.direction, k.peer, k.queue, k.counted
                )
            })
            .collect();
        calls.sort();
        format!(
            "agent {} state={:?} presence={:?}/{:?} {:?} at-end={:?} idle-since={:?} calls={:?}",
            a.id,
            a.telephony_state(),
            a.presence.state,
            a.presence.since,
            a.figures,
            c.agent_figures_at(a, END),
            a.idle_since(),
            calls,
        )
    });
    let mut v: Vec<String> = queues.chain(agents).chain(minutes).collect();
    v.sort();
    v
}

/// The lines of [`center_print`] for the interval starting at `t`.
fn minute(c: &Center, iv: &calltop::core::center::Intervals, t: Ts) -> Vec<String> {
    let queues = c.queues().map(|q| {
        let part = iv.queue(q, t);
        format!(
            "at {t} queue {} {:?} longest={} waiting={} handling={:?}",
            q.id,
            part.figures,
            part.longest_wait_ms(END),
            part.waiting.len(),
            iv.handling(q, t, END, c.agents())
        )
    });
    let agents = c.agents().filter_map(|a| {
        let f = iv.agent(a, t, END)?.figures;
        Some(format!("at {t} agent {} {f:?}", a.id))
    });
    queues.chain(agents).collect()
}

/// The lines of `want` and `got` that differ (a few of each), empty when they are equal.
fn differences(want: &[String], got: &[String]) -> String {
    use std::collections::BTreeSet;
    let (w, g): (BTreeSet<_>, BTreeSet<_>) = (want.iter().collect(), got.iter().collect());
    let mut out = String::new();
    for (sign, only) in [("-", w.difference(&g)), ("+", g.difference(&w))] {
        for line in only.take(4) {
            out.push_str(&format!("\n{sign} {line}"));
        }
    }
    out
}

/// What delivery in order gives: the center and the calls.
struct Want {
    center: Vec<String>,
    calls: String,
}

impl Want {
    fn of(store: &SessionStore) -> Want {
        Want {
            center: center_print(store.center()),
            calls: fingerprint(store),
        }
    }

    /// Delivery in `order` ends in the same center and calls.
    fn check(
        &self,
        lines: &[String],
        order: &[usize],
        window: Window,
        what: &str,
    ) -> Result<(), TestCaseError> {
        let got = center_fed(lines, order, window);
        let diff = differences(&self.center, &center_print(got.center()));
        prop_assert!(diff.is_empty(), "{}: the center differs:{}", what, diff);
        prop_assert_eq!(
            &fingerprint(&got),
            &self.calls,
            "{}: the calls differ",
            what
        );
        Ok(())
    }
}

/// The store fed in order, after checking that its center has something to compare:
/// calls offered and answered in every queue, abandoned and sent to voicemail, calls
/// waiting on the way; agents handling, missing, talking and holding, on calls at the
/// end and idle since a call's end. (Calls waiting at the end too, nearly always: see
/// `a_center_stream_has_every_figure_to_compare`.)
fn center_in_order(lines: &[String], window: Window) -> SessionStore {
    let waiting =
        |store: &SessionStore| -> usize { store.center().queues().map(|q| q.waiting.len()).sum() };
    let mut peak = 0;
    let in_order: Vec<usize> = (0..lines.len()).collect();
    let store = center_fed_watched(lines, &in_order, window, |s| peak = peak.max(waiting(s)));
    let c = store.center();
    let queues: Vec<_> = c.queues().collect();
    assert_eq!(queues.len(), 3);
    for q in &queues {
        let f = q.figures;
        assert!(f.offered > 5 && f.answered > 0, "queue {} {f:?}", q.id);
        assert!(q.service_level_pct().is_some() && f.answer_wait_ms > 0);
    }
    let abandoned_or_voicemail: u64 = queues
        .iter()
        .map(|q| q.figures.abandoned + q.figures.voicemail)
        .sum();
    assert!(
        abandoned_or_voicemail > 0 && peak > 1,
        "{peak} waiting at most"
    );
    let sum = |f: fn(&AgentFigures) -> i64| -> i64 { c.agents().map(|a| f(&a.figures)).sum() };
    assert!(sum(|f| f.handled as i64) > 10 && sum(|f| f.missed as i64) > 0);
    assert!(sum(|f| f.talk_ms) > 0 && sum(|f| f.hold_ms) > 0);
    assert!(c.agents().filter(|a| !a.calls.is_empty()).count() > 3);
    assert!(c.agents().filter(|a| a.idle_since().is_some()).count() > 10);
    store
}

/// The streams the properties take have every figure to compare, calls waiting at the
/// end among them (the properties check what is all but certain for any stream; this,
/// all of it, for a few).
#[test]
fn a_center_stream_has_every_figure_to_compare() {
    for seed in [0, 1, 2] {
        let (lines, _) = center_stream(seed);
        let store = center_in_order(&lines, Window::all());
        let c = store.center();
        for q in c.queues() {
            let f = q.figures;
            assert!(f.abandoned > 0 && f.voicemail > 0, "queue {} {f:?}", q.id);
            assert!(f.answered_within_sla > 0 && f.longest_wait_ms > 0);
        }
        assert!(c.queues().filter(|q| !q.waiting.is_empty()).count() > 1);
        assert!(c.agents().any(|a| a
            .calls
            .iter()
            .any(|k| k.code == calltop::wire::StatusCode::Hold)));
    }
}

/// A deterministic generator for the delivery orders.
struct Mix(u64);

impl Mix {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }

    fn shuffle(&mut self, v: &mut [usize]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
    }
}

/// Every line held back up to `window` positions (a random number each), then sent
/// when due.
fn late_order(n: usize, window: usize, mix: &mut Mix) -> Vec<usize> {
    let mut due: Vec<(usize, usize)> = (0..n).map(|i| (i + mix.below(window + 1), i)).collect();
    due.sort();
    due.into_iter().map(|(_, i)| i).collect()
}

/// `order` with `copies` lines sent again, each `delay` positions after it was first
/// sent (past the end: at the end).
fn with_copies(order: &[usize], copies: &[(prop::sample::Index, usize)]) -> Vec<usize> {
    let mut due: Vec<(usize, usize)> = order.iter().copied().enumerate().collect();
    for (which, delay) in copies {
        let at = which.index(order.len());
        due.push((at + delay, order[at]));
    }
    // Stable: a copy goes after the line first sent at the position it is due.
    due.sort_by_key(|(at, _)| *at);
    due.into_iter().map(|(_, k)| k).collect()
}

/// `order`, with each call's lines put back in their own order in the positions that
/// call's lines have in it: the calls interleave as in `order`.
fn each_call_in_order(calls: &[String], order: &[usize]) -> Vec<usize> {
    let mut positions: std::collections::HashMap<&str, Vec<usize>> = Default::default();
    for (at, &k) in order.iter().enumerate() {
        positions.entry(&calls[k]).or_default().push(at);
    }
    let mut out = order.to_vec();
    for at in positions.values() {
        let mut ks: Vec<usize> = at.iter().map(|&i| order[i]).collect();
        ks.sort();
        for (&i, k) in at.iter().zip(ks) {
            out[i] = k;
        }
    }
    out
}

/// `order`, with each call's lines shuffled among the positions that call's lines have
/// in it.
fn each_call_shuffled(calls: &[String], order: &[usize], mix: &mut Mix) -> Vec<usize> {
    let mut positions: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for (at, &k) in order.iter().enumerate() {
        positions.entry(&calls[k]).or_default().push(at);
    }
    let mut out = order.to_vec();
    for at in positions.values() {
        let mut ks: Vec<usize> = at.iter().map(|&i| order[i]).collect();
        mix.shuffle(&mut ks);
        for (&i, k) in at.iter().zip(ks) {
            out[i] = k;
        }
    }
    out
}

fn copies() -> impl Strategy<Value = Vec<(prop::sample::Index, usize)>> {
    proptest::collection::vec((any::<prop::sample::Index>(), 0usize..3_000), 0..60)
}

proptest! {
    #![proptest_config(crate::support::proptest_cases(16))]

    /// Lines late by up to `window` positions (each call's own lines still in their
    /// order: the calls come late against each other), lines heard twice (at once, or
    /// thousands of lines on), and both: the same center and calls as in order.
    #[test]
    fn the_center_is_the_same_whatever_call_comes_late_or_twice(
        stream in 0u64..1_000_000,
        window in 1usize..400,
        mix in any::<u64>(),
        copies in copies(),
    ) {
        let (lines, calls) = center_stream(stream);
        let want = Want::of(&center_in_order(&lines, Window::all()));
        let late = each_call_in_order(&calls, &late_order(lines.len(), window, &mut Mix(mix | 1)));
        want.check(&lines, &late, Window::all(), "late")?;
        let in_order: Vec<usize> = (0..lines.len()).collect();
        want.check(&lines, &with_copies(&in_order, &copies), Window::all(), "twice")?;
        want.check(&lines, &with_copies(&late, &copies), Window::all(), "late and twice")?;
    }

    /// The calls in any interleaving at all (each call's own lines in their order), with
    /// repeats; with figures over the whole stream, or over a day that ends mid-stream
    /// (they start again at the first event past midnight, whichever call it is of).
    #[test]
    fn the_center_is_the_same_whatever_order_the_calls_are_heard_in(
        stream in 0u64..1_000_000,
        mix in any::<u64>(),
        copies in copies(),
        midnight_at in proptest::option::of(0.2f64..0.8),
    ) {
        let (lines, calls) = center_stream(stream);
        let whole = center_in_order(&lines, Window::all());
        // A day ending `midnight_at` of the way through the stream.
        let (window, want) = match midnight_at {
            None => (Window::all(), whole),
            Some(f) => {
                let (first, last) = (event_time(&lines[0]), event_time(&lines[lines.len() - 1]));
                let midnight = first.plus_millis((first.millis_until(last) as f64 * f) as i64);
                let window = Window::daily(midnight.plus_millis(-DAY_MS));
                let want = center_fed(&lines, &(0..lines.len()).collect::<Vec<_>>(), window);
                let offered = |s: &SessionStore| -> u64 {
                    s.center().queues().map(|q| q.figures.offered).sum()
                };
                prop_assert_eq!(want.center().window().start, Some(midnight), "a new day");
                prop_assert!(0 < offered(&want) && offered(&want) < offered(&whole));
                (window, want)
            }
        };
        let mut order: Vec<usize> = (0..lines.len()).collect();
        Mix(mix | 1).shuffle(&mut order);
        let order = with_copies(&each_call_in_order(&calls, &order), &copies);
        Want::of(&want).check(&lines, &order, window, "any interleaving")?;
    }

    /// Each call's lines in any order (the calls interleaved as they were), with
    /// repeats, and lines late against other calls' and heard twice: the same center as
    /// in order — a call heard out of order is rebuilt from its parties in sequence
    /// order.
    #[test]
    fn the_center_is_the_same_whatever_order_each_calls_own_lines_come_in(
        stream in 0u64..1_000_000,
        window in 1usize..400,
        mix in any::<u64>(),
        copies in copies(),
    ) {
        let (lines, calls) = center_stream(stream);
        let want = center_print(center_in_order(&lines, Window::all()).center());
        let in_order: Vec<usize> = (0..lines.len()).collect();
        let mut mix = Mix(mix | 1);
        let shuffled = each_call_shuffled(&calls, &in_order, &mut mix);
        let late = each_call_shuffled(&calls, &late_order(lines.len(), window, &mut mix), &mut mix);
        for (what, order) in [
            ("each call shuffled", with_copies(&shuffled, &copies)),
            ("each call shuffled, late", with_copies(&late, &copies)),
        ] {
            let got = center_fed(&lines, &order, Window::all());
            let diff = differences(&want, &center_print(got.center()));
            prop_assert!(diff.is_empty(), "{}: the center differs:{}", what, diff);
        }
    }

    /// Each call's lines in any order (the calls interleaved as they were), with
    /// repeats, of the calls that end in the stream: the calls' figures are the same
    /// with the center's upkeep on, and no agent is left on a call. (A call still in
    /// progress is left out of the calls' figures: it may end on its last party's end
    /// heard first, and the store never reopens a call for a late event.)
    #[test]
    fn each_call_in_any_order_keeps_the_calls_and_leaves_no_agent_on_a_call(
        stream in 0u64..1_000_000,
        mix in any::<u64>(),
        copies in copies(),
    ) {
        let (all, calls) = center_stream(stream);
        let ended = center_fed(&all, &(0..all.len()).collect::<Vec<_>>(), Window::all());
        let (lines, calls): (Vec<String>, Vec<String>) = all
            .into_iter()
            .zip(calls)
            // Every party's own end heard: a call the caller left while an agent leg still
            // rang has ended (Abandoned), but the agents pane follows the leg's own events.
            .filter(|(_, c)| {
                ended
                    .get(c)
                    .is_some_and(|s| s.ended && s.parties.iter().all(|p| p.is_terminal()))
            })
            .unzip();
        prop_assert!(lines.len() > 1_000, "{} lines of calls that ended", lines.len());
        let in_order: Vec<usize> = (0..lines.len()).collect();
        let want = center_fed(&lines, &in_order, Window::all());
        let order = with_copies(&each_call_shuffled(&calls, &in_order, &mut Mix(mix | 1)), &copies);
        let got = center_fed(&lines, &order, Window::all());
        prop_assert_eq!(fingerprint(&got), fingerprint(&want));
        for a in got.center().agents() {
            prop_assert!(a.calls.is_empty(), "agent {} is left on {:?}", a.id, a.calls);
        }
    }
}
