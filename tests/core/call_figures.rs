//! Call-level ring / talk / hold (`Session::call_figures`): what the caller lived
//! through, on the real captures' eventTimes (rebuilt here event by event) and on the
//! call shapes the simulator makes (IVR, queue, missed, parked, transfer).

use crate::calls::{store_of, Change, PSTN_TO_RC, T0};
use calltop::core::CallTimes;
use calltop::wire::Ts;

fn figures(changes: &[Change], now_ms: i64) -> (i64, i64, i64) {
    let store = store_of(changes);
    let s = store.get("s-1").expect("the call");
    let CallTimes {
        ring_ms,
        talk_ms,
        hold_ms,
        ..
    } = s.call_figures(Ts(T0 + now_ms));
    (ring_ms, talk_ms, hold_ms)
}

#[test]
fn pstn_caller_through_the_ivr_to_a_user() {
    // Ring: the caller waited 43.940 → 01:06:00.001 (IVR menu and ringing) = 16.061 s,
    // not the user's 7.345 s of Proceeding. Talk: 4.600 + 7.814 with the user, not the
    // caller leg's 30.729 s (it was "Answered" by the IVR). Hold: 2.393.
    assert_eq!(figures(PSTN_TO_RC, 60_000), (16_061, 12_414, 2_393));
    // The per-party figures are unchanged (the detail view and the report use them).
    let store = store_of(PSTN_TO_RC);
    let s = store.get("s-1").unwrap();
    let caller = CallTimes::of(&s.parties[0].history, None, s.joined(&s.parties[0]));
    assert_eq!(caller.talk_ms, 30_729);
}

#[test]
fn mid_call_figures_run_to_now() {
    // 18 s in: ring done (16.061), talking for 1.939 s.
    assert_eq!(figures(&PSTN_TO_RC[..7], 18_000), (16_061, 1_939, 0));
    // 21 s in: on hold for 0.339 s.
    assert_eq!(figures(&PSTN_TO_RC[..8], 21_000), (16_061, 4_600, 339));
    // Still in the IVR at 5 s: waiting.
    assert_eq!(figures(&PSTN_TO_RC[..3], 5_000), (5_000, 0, 0));
}

/// RingCentral-PSTN.jsonl: a user (-1, Outbound, extension) calls a PSTN number
/// (-2); the user holds the callee once.
#[test]
fn internal_caller_calling_out_holds_the_callee() {
    let changes: &[Change] = &[
        (2, 0, "-1", "Outbound", "Setup", None, true),
        (3, 36, "-2", "Inbound", "Proceeding", None, false),
        (4, 3_539, "-1", "Outbound", "Proceeding", None, true),
        (5, 7_245, "-2", "Inbound", "Answered", None, false),
        (6, 7_273, "-1", "Outbound", "Answered", None, true),
        (7, 13_963, "-1", "Outbound", "Hold", None, true),
        (8, 17_238, "-1", "Outbound", "Answered", None, true),
        (9, 23_391, "-1", "Outbound", "Disconnected", None, true),
        (10, 23_405, "-2", "Inbound", "Disconnected", None, false),
    ];
    // ring 7.245; talk 7.245 → 13.963 and 17.238 → 23.391; hold 3.275.
    assert_eq!(figures(changes, 60_000), (7_245, 6_718 + 6_153, 3_275));
}

#[test]
fn a_missed_queue_call_is_all_ring() {
    // The queue answers the caller's leg, the agent rings and misses, the caller leaves.
    let changes: &[Change] = &[
        (2, 0, "-1", "Outbound", "Setup", None, false),
        (3, 100, "-1", "Outbound", "Answered", None, false),
        (4, 5_000, "-2", "Inbound", "Setup", None, true),
        (5, 5_100, "-2", "Inbound", "Proceeding", None, true),
        (
            6,
            15_000,
            "-2",
            "Inbound",
            "Disconnected",
            Some("Timeout"),
            true,
        ),
        (7, 16_000, "-1", "Outbound", "Disconnected", None, false),
    ];
    assert_eq!(figures(changes, 60_000), (16_000, 0, 0));
}

#[test]
fn a_parked_caller_is_on_hold_and_a_transfer_gap_is_neither() {
    let changes: &[Change] = &[
        (2, 0, "-1", "Outbound", "Setup", None, false),
        (3, 0, "-2", "Inbound", "Proceeding", None, true),
        (4, 4_000, "-2", "Inbound", "Answered", None, true),
        (5, 4_000, "-1", "Outbound", "Answered", None, false),
        // Parked 10 s, picked up by -3.
        (6, 10_000, "-2", "Inbound", "Parked", None, true),
        (
            7,
            20_000,
            "-2",
            "Inbound",
            "Disconnected",
            Some("Pickup"),
            true,
        ),
        (8, 20_000, "-3", "Inbound", "Answered", Some("Pickup"), true),
        // -3 blind-transfers to -4, which rings 3 s then answers.
        (
            9,
            30_000,
            "-3",
            "Inbound",
            "Disconnected",
            Some("BlindTransfer"),
            true,
        ),
        (10, 30_000, "-4", "Inbound", "Proceeding", None, true),
        (11, 33_000, "-4", "Inbound", "Answered", None, true),
        (12, 40_000, "-1", "Outbound", "Disconnected", None, false),
        (13, 40_010, "-4", "Inbound", "Disconnected", None, true),
    ];
    assert_eq!(
        figures(changes, 60_000),
        (4_000, 6_000 + 10_000 + 7_000, 10_000)
    );
}

#[test]
fn a_call_seen_through_one_party_is_timed_on_it() {
    // An extension subscription sees only the user's own outbound leg.
    let changes: &[Change] = &[
        (2, 0, "-1", "Outbound", "Setup", None, true),
        (3, 2_000, "-1", "Outbound", "Proceeding", None, true),
        (4, 7_000, "-1", "Outbound", "Answered", None, true),
        (5, 9_000, "-1", "Outbound", "Disconnected", None, true),
    ];
    assert_eq!(figures(changes, 60_000), (7_000, 2_000, 0));
}

#[test]
fn header_averages_are_per_call() {
    let store = store_of(PSTN_TO_RC);
    let sum = store.summary(Ts(T0 + 60_000));
    let t = &sum.totals;
    // One call: one observation of each figure, the call's own.
    assert_eq!((t.ring.count, t.ring.total_ms), (1, 16_061));
    assert_eq!((t.talk.count, t.talk.total_ms), (1, 12_414));
    assert_eq!((t.hold.count, t.hold.total_ms), (1, 2_393));
}

/// A call that overflowed from one queue to another and was abandoned there ends as
/// abandoned, as the queue figures and the call log say — an overflow is routing, not a
/// transfer (issue 23, item 6); a blind transfer of an answered call is still one.
#[test]
fn an_overflow_is_routing_and_a_transfer_hands_on_a_taken_call() {
    use calltop::core::Disposition;
    let overflow: &[Change] = &[
        (2, 0, "-1", "Outbound", "Setup", None, false),
        (3, 10, "-1", "Outbound", "Answered", None, false),
        (4, 20, "-2", "Inbound", "Setup", None, true),
        (
            5,
            120_000,
            "-2",
            "Inbound",
            "Disconnected",
            Some("CallRedirected"),
            true,
        ),
        (6, 120_010, "-3", "Inbound", "Setup", None, true),
        (7, 150_000, "-1", "Outbound", "Disconnected", None, false),
        (8, 150_010, "-3", "Inbound", "Disconnected", None, true),
    ];
    let store = store_of(overflow);
    assert_eq!(
        store.get("s-1").unwrap().disposition(),
        Disposition::Abandoned
    );
    let transfer: &[Change] = &[
        (2, 0, "-1", "Outbound", "Setup", None, false),
        (3, 10, "-2", "Inbound", "Proceeding", None, true),
        (4, 5_000, "-2", "Inbound", "Answered", None, true),
        (5, 6_000, "-1", "Outbound", "Answered", None, false),
        (
            6,
            60_000,
            "-2",
            "Inbound",
            "Disconnected",
            Some("BlindTransfer"),
            true,
        ),
        (7, 60_010, "-3", "Inbound", "Setup", None, true),
        (8, 90_000, "-1", "Outbound", "Disconnected", None, false),
        (9, 90_010, "-3", "Inbound", "Disconnected", None, true),
    ];
    let store = store_of(transfer);
    assert_eq!(
        store.get("s-1").unwrap().disposition(),
        Disposition::Transferred
    );
}

/// A parked call that a colleague picked up and talked on ends as answered, not parked;
/// one that ended while parked is parked (issue 23, item 7).
#[test]
fn a_park_picked_up_is_answered() {
    use calltop::core::Disposition;
    let picked: &[Change] = &[
        (2, 0, "-1", "Outbound", "Setup", None, false),
        (3, 10, "-2", "Inbound", "Proceeding", None, true),
        (4, 5_000, "-2", "Inbound", "Answered", None, true),
        (5, 5_010, "-1", "Outbound", "Answered", None, false),
        (6, 30_000, "-2", "Inbound", "Parked", None, true),
        (
            7,
            50_000,
            "-2",
            "Inbound",
            "Disconnected",
            Some("Pickup"),
            true,
        ),
        (8, 50_010, "-3", "Inbound", "Answered", Some("Pickup"), true),
        (9, 90_000, "-1", "Outbound", "Disconnected", None, false),
        (10, 90_010, "-3", "Inbound", "Disconnected", None, true),
    ];
    let store = store_of(picked);
    assert_eq!(
        store.get("s-1").unwrap().disposition(),
        Disposition::Answered
    );
    let left_parked = &picked[..6];
    let mut ended = left_parked.to_vec();
    ended.push((7, 80_000, "-1", "Outbound", "Disconnected", None, false));
    ended.push((8, 80_010, "-2", "Inbound", "Disconnected", None, true));
    let store = store_of(&ended);
    assert_eq!(store.get("s-1").unwrap().disposition(), Disposition::Parked);
}

/// A supervisor listening in answers last but is not the call's agent (issue 23, item 5).
#[test]
fn a_supervisor_listening_in_is_not_the_agent() {
    let listened: &[Change] = &[
        (2, 0, "-1", "Outbound", "Setup", None, false),
        (3, 10, "-2", "Inbound", "Proceeding", None, true),
        (4, 5_000, "-2", "Inbound", "Answered", None, true),
        (5, 5_010, "-1", "Outbound", "Answered", None, false),
        (
            6,
            9_000,
            "-3",
            "Outbound",
            "Answered",
            Some("Supervising"),
            true,
        ),
    ];
    let store = store_of(listened);
    let s = store.get("s-1").unwrap();
    let agent = s.agent_party().expect("an agent");
    assert_eq!(agent.id, "p-1-2");
}
