//! The figures per interval: occupancy, and handle time while calls run on.

use super::*;

#[test]
fn occupancy_per_interval_is_time_on_calls_over_available_and_on_calls() {
    use crate::core::zone::Zone;
    let mut c = center();
    let cut = Cut {
        len_ms: 15 * 60_000,
        zone: Zone::parse("UTC").unwrap(),
    };
    c.count_intervals(cut);
    // T0 is 22:13:20Z; `m(h, mm)` is `hh:mm:00` that evening, as an offset from T0.
    let m = |h: i64, mm: i64| (h * 60 + mm) * 60_000 - (22 * 3600 + 13 * 60 + 20) * 1000;
    let note = |seq: i64, dnd: &str| PresenceEvent {
        extension_id: Some(ANN.into()),
        presence_status: Some("Available".into()),
        dnd_status: Some(crate::wire::presence::DndStatus::parse(dnd)),
        sequence: Some(seq),
        ..Default::default()
    };
    // Ann's state is first known at 22:20 (Available).
    c.presence(&note(1, "TakeAllCalls"), Ts(T0 + m(22, 20)));
    // 22:33 rings, 22:34–22:40 on a call.
    call(&mut c, "s-1")
        .at(m(22, 33), leg("p-3", SALES, ANN, StatusCode::Proceeding))
        .at(m(22, 34), leg("p-3", SALES, ANN, StatusCode::Answered))
        .at(m(22, 40), leg("p-3", SALES, ANN, StatusCode::Disconnected));
    // 22:50–22:52 DND; 22:55–23:05 on a call.
    c.presence(&note(2, "DoNotAcceptAnyCalls"), Ts(T0 + m(22, 50)));
    c.presence(&note(3, "TakeAllCalls"), Ts(T0 + m(22, 52)));
    call(&mut c, "s-2")
        .at(m(22, 55), leg("p-4", SALES, ANN, StatusCode::Answered))
        .at(m(23, 5), leg("p-4", SALES, ANN, StatusCode::Disconnected));
    let iv = c.intervals().unwrap();
    let ann = c.agent(ANN).unwrap();
    let now = Ts(T0 + m(23, 5));
    let occ = |h, mm| iv.occupancy(ann, Ts(T0 + m(h, mm)), now);
    assert_eq!(occ(22, 0), None, "before anything was known");
    assert_eq!(occ(22, 15), None, "known from 22:20 only: unknown, not 0");
    // 6 min on a call, 9 available (ringing included).
    assert_eq!(occ(22, 30), Some(360_000.0 * 100.0 / 900_000.0));
    // 5 min on a call, 5 + 3 available, 2 in DND (neither).
    assert_eq!(occ(22, 45), Some(300_000.0 * 100.0 / 780_000.0));
    // Up to now: 5 min, all on the call.
    assert_eq!(occ(23, 0), Some(100.0));
}

#[test]
fn an_interval_in_progress_counts_running_talk_in_its_handle_time() {
    use crate::core::zone::Zone;
    let mut c = center();
    c.count_intervals(Cut {
        len_ms: 15 * 60_000,
        zone: Zone::parse("UTC").unwrap(),
    });
    // T0 is 22:13:20Z; `m(h, mm)` is `hh:mm:00` that evening, as an offset from T0.
    let m = |h: i64, mm: i64| (h * 60 + mm) * 60_000 - (22 * 3600 + 13 * 60 + 20) * 1000;
    // Ann: 22:16–22:20 on a finished call, then one answered at 22:25 still going.
    call(&mut c, "s-1")
        .at(m(22, 15), leg("p-1", SALES, ANN, StatusCode::Proceeding))
        .at(m(22, 16), leg("p-1", SALES, ANN, StatusCode::Answered))
        .at(m(22, 20), leg("p-1", SALES, ANN, StatusCode::Disconnected));
    call(&mut c, "s-2")
        .at(m(22, 24), leg("p-2", SALES, ANN, StatusCode::Proceeding))
        .at(m(22, 25), leg("p-2", SALES, ANN, StatusCode::Answered));
    let iv = c.intervals().unwrap();
    let start = Ts(T0 + m(22, 15));
    let now = Ts(T0 + m(22, 28));
    let sales = c.queue(SALES).unwrap();
    let h = iv.handling(sales, start, now, c.agents());
    assert_eq!((h.handled, h.talk_ms), (2, 7 * 60_000));
    // (4 min + 3 min so far) over the two calls handled, not 4 min over two.
    assert_eq!(h.avg_handle_ms(), Some(210_000.0));
    let ann = iv.agent(c.agent(ANN).unwrap(), start, now).unwrap();
    assert_eq!((ann.figures.handled, ann.figures.talk_ms), (2, 7 * 60_000));
    // Nothing of it runs into the next interval, which the call did not start in.
    let next = Ts(T0 + m(22, 30));
    assert_eq!(
        iv.handling(sales, next, Ts(T0 + m(22, 31)), c.agents())
            .talk_ms,
        0
    );
}
