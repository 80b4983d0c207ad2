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

/// After an outage that was not recovered, every call held in progress is in doubt: its
/// caller is not counted as waiting (a queue's figures stay lower bounds that hold)
/// until the call is heard of again, or found gone.
#[test]
fn calls_held_over_an_unrecovered_outage_are_doubted_until_heard_of() {
    let mut store = SessionStore::default();
    store.center_mut().roster(&crate::synth::center_directory());
    let lines = crate::synth::center_stream(2_000, 40, 7);
    let mut last_line: HashMap<String, &String> = HashMap::default();
    for (i, line) in lines.iter().enumerate() {
        let parsed = crate::wire::parse(line).unwrap();
        if let crate::wire::Incoming::Session(n) = &parsed.item {
            last_line.insert(n.body.telephony_session_id.clone(), line);
        }
        store.ingest(parsed, Ts(1_714_564_800_000 + 100 * i as i64));
    }
    let now = store.clock().unwrap();
    let waiting = |s: &SessionStore| -> Vec<(String, Vec<String>)> {
        let c = s.center();
        let mut v: Vec<_> = c
            .queues()
            .map(|q| {
                (
                    q.id.clone(),
                    c.waiting_in(q).map(|w| w.session.clone()).collect(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let before = waiting(&store);
    let (queue, callers) = before
        .iter()
        .find(|(_, w)| w.len() >= 2)
        .expect("a queue with two callers waiting")
        .clone();
    // Talk runs on for an agent on a call, until the outage: then not through it.
    let talk = |s: &SessionStore, at: Ts| -> i64 {
        let c = s.center();
        c.agents()
            .map(|a| c.agent_figures_at(a, at).all_talk_ms)
            .sum()
    };
    let (later, later_still) = (now.plus_millis(60_000), now.plus_millis(120_000));
    assert!(talk(&store, later_still) > talk(&store, later), "talk runs");
    store.heard_gap(now);
    assert_eq!(
        talk(&store, later_still),
        talk(&store, later),
        "the talk of the calls in doubt stops at the outage"
    );
    let c = store.center();
    assert_eq!(c.doubted_count(), store.active_ids().len());
    for q in c.queues() {
        assert_eq!(c.waiting_count(q), 0, "{}", q.id);
        assert_eq!(c.oldest_wait(q, now), None, "{}", q.id);
        assert!(
            !c.waiting_complete(q, now.plus_millis(86_400_000)),
            "{}",
            q.id
        );
    }
    // The second caller is heard of again: known to wait, from its own entry.
    let (first, second) = (&callers[0], &callers[1]);
    let line = last_line[second.as_str()];
    store.ingest(crate::wire::parse(line).unwrap(), now);
    let c = store.center();
    let q = c.queue(&queue).unwrap();
    assert_eq!(c.waiting_count(q), 1);
    let entered = q
        .waiting
        .iter()
        .find(|w| &w.session == second)
        .unwrap()
        .entered;
    assert_eq!(
        c.oldest_wait(q, now).map(|(ms, _)| ms),
        Some(entered.millis_until(now))
    );
    assert!(c.doubted(first) && !c.doubted(second));
    // The first is found gone: ended, no longer in doubt nor waiting.
    assert_eq!(store.mark_gone(first, now), Some(true));
    let c = store.center();
    assert!(!c.doubted(first));
    let q = c.queue(&queue).unwrap();
    assert!(q.waiting.iter().all(|w| &w.session != first));
    assert_eq!(c.waiting_count(q), 1);
}
