//! The center's own tests: figures event by event, against hand-made calls.

use super::*;
use crate::wire::directory::ExtensionInfo;
use crate::wire::queues::{QueueMember, QueueMemberInfo};
use crate::wire::roster::QueueRecords;
use crate::wire::{Endpoint, Party, SessionEvent, Status};

const SALES: &str = "q-sales";
const SUPPORT: &str = "q-support";
const ANN: &str = "u-ann";
const BOB: &str = "u-bob";
const T0: i64 = 1_700_000_000_000;

/// A party in one event, built up field by field.
fn party(id: &str, code: StatusCode) -> Party {
    Party {
        id: id.into(),
        status: Some(Status::code(code)),
        ..Default::default()
    }
}

fn caller(code: StatusCode) -> Party {
    Party {
        direction: Some(Direction::Outbound),
        from: Some(Endpoint {
            phone_number: Some("+14155550100".into()),
            ..Default::default()
        }),
        ..party("p-1", code)
    }
}

fn queue_party(id: &str, q: &str, code: StatusCode, reason: Option<Reason>) -> Party {
    let mut p = party(id, code);
    p.direction = Some(Direction::Inbound);
    p.extension_id = Some(q.into());
    p.status.as_mut().unwrap().reason = reason;
    p
}

fn leg(id: &str, q: &str, agent: &str, code: StatusCode) -> Party {
    Party {
        direction: Some(Direction::Inbound),
        extension_id: Some(agent.into()),
        queue_call: Some(true),
        from: Some(Endpoint {
            phone_number: Some("+14155550100".into()),
            name: Some("Sales - CALLER".into()),
            ..Default::default()
        }),
        to: Some(Endpoint {
            extension_id: Some(q.into()),
            ..Default::default()
        }),
        ..party(id, code)
    }
}

fn with_reason(mut p: Party, r: Reason, missed: bool) -> Party {
    p.status.as_mut().unwrap().reason = Some(r);
    p.missed_call = Some(missed);
    p
}

/// Feeds events of one session at T0 + ms, numbering them.
struct Feed<'a> {
    c: &'a mut Center,
    sid: String,
    seq: i64,
}

impl Feed<'_> {
    fn at(&mut self, ms: i64, p: Party) -> &mut Self {
        self.seq += 1;
        let ev = SessionEvent {
            sequence: Some(self.seq),
            telephony_session_id: self.sid.clone(),
            event_time: Some(Ts(T0 + ms)),
            parties: vec![p],
            ..Default::default()
        };
        self.c.observe(&ev.into(), Ts(T0 + ms));
        self
    }
}

fn call<'a>(c: &'a mut Center, sid: &str) -> Feed<'a> {
    Feed {
        c,
        sid: sid.into(),
        seq: 0,
    }
}

fn ext(id: &str, kind: ExtensionType, name: &str) -> ExtensionInfo {
    ExtensionInfo {
        id: id.into(),
        kind: Some(kind),
        name: Some(name.into()),
        call_queue_info: (name == "Sales" || name == "Support").then(|| ServiceLevelSettings {
            sla_threshold_seconds: Some(20),
            include_abandoned_calls: Some(true),
            abandoned_threshold_seconds: Some(10),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Ann is in both queues, Bob in Sales.
fn center() -> Center {
    let mut c = Center::default();
    c.roster(&RosterLine::Extensions(vec![
        ext(SALES, ExtensionType::Department, "Sales"),
        ext(SUPPORT, ExtensionType::Department, "Support"),
        ext(ANN, ExtensionType::User, "Ann"),
        ext(BOB, ExtensionType::User, "Bob"),
        ext("ivr", ExtensionType::IvrMenu, "IVR"),
    ]));
    for (q, members) in [(SALES, vec![ANN, BOB]), (SUPPORT, vec![ANN])] {
        c.roster(&RosterLine::Members(QueueRecords {
            queue_id: q.into(),
            records: members
                .iter()
                .map(|m| QueueMemberInfo {
                    id: Some(m.to_string()),
                    ..Default::default()
                })
                .collect(),
        }));
    }
    c
}

fn q(c: &Center, id: &str) -> QueueFigures {
    c.queue(id).unwrap().figures
}

fn a(c: &Center, id: &str) -> AgentFigures {
    c.agent(id).unwrap().figures
}

/// Caller answered by the platform, queue party waiting from `entered`.
fn enter(c: &mut Center, sid: &str, queue: &str, entered: i64) -> i64 {
    let mut f = call(c, sid);
    f.at(0, caller(StatusCode::Setup))
        .at(100, caller(StatusCode::Answered))
        .at(entered, queue_party("p-q", queue, StatusCode::Setup, None));
    f.seq
}

#[test]
fn waiting_calls_are_in_entry_order_whatever_order_they_are_heard_in() {
    let mut c = center();
    // Heard late: s-b entered at 3 s, s-a (heard after) at 1 s, s-c at 3 s too.
    enter(&mut c, "s-b", SALES, 3_000);
    enter(&mut c, "s-a", SALES, 1_000);
    enter(&mut c, "s-c", SALES, 3_000);
    let order = |c: &Center| -> Vec<String> {
        let q = c.queue(SALES).unwrap();
        q.waiting.iter().map(|w| w.session.clone()).collect()
    };
    assert_eq!(order(&c), ["s-a", "s-b", "s-c"]);
    assert_eq!(
        c.queue(SALES).unwrap().oldest_waiting().unwrap().session,
        "s-a"
    );
    // Each leaves by its own entry, the one entered at the same time stays.
    let mut f = call(&mut c, "s-b");
    f.seq = 3;
    f.at(5_000, caller(StatusCode::Disconnected));
    assert_eq!(order(&c), ["s-a", "s-c"]);
    assert_eq!(q(&c, SALES).abandoned, 1);
}

#[test]
fn since_values() {
    assert_eq!(Since::parse("midnight"), Ok(Since::Midnight));
    assert_eq!(Since::parse("start"), Ok(Since::Start));
    assert_eq!(
        Since::parse("2024-05-01T08:00:00Z"),
        Ok(Since::At(Ts::parse("2024-05-01T08:00:00Z").unwrap()))
    );
    assert!(Since::parse("yesterday").is_err());
}

#[test]
fn answered_within_and_outside_the_sla_with_talk_and_hold() {
    use StatusCode::*;
    let mut c = center();
    let seq = enter(&mut c, "s-1", SALES, 1_000);
    let mut f = Feed {
        seq,
        ..call(&mut c, "s-1")
    };
    f.at(2_000, leg("p-a", SALES, ANN, Proceeding))
        .at(6_000, leg("p-a", SALES, ANN, Answered))
        .at(6_000, queue_party("p-q", SALES, Disconnected, None))
        .at(16_000, leg("p-a", SALES, ANN, Hold))
        .at(19_000, leg("p-a", SALES, ANN, Answered))
        .at(30_000, leg("p-a", SALES, ANN, Disconnected))
        .at(30_000, caller(Disconnected));
    let seq = enter(&mut c, "s-2", SALES, 1_000);
    let mut f = Feed {
        seq,
        ..call(&mut c, "s-2")
    };
    f.at(2_000, leg("p-b", SALES, BOB, Proceeding))
        .at(22_000, leg("p-b", SALES, BOB, Answered))
        .at(22_000, queue_party("p-q", SALES, Disconnected, None))
        .at(40_000, caller(Disconnected))
        .at(40_000, leg("p-b", SALES, BOB, Disconnected));
    let s = q(&c, SALES);
    assert_eq!((s.offered, s.answered, s.answered_within_sla), (2, 2, 1));
    assert_eq!(s.answer_wait_ms, 5_000 + 21_000);
    assert_eq!(s.longest_wait_ms, 21_000);
    assert_eq!(c.queue(SALES).unwrap().service_level_pct(), Some(50.0));
    assert_eq!(s.avg_answer_wait_ms(), Some(13_000.0));
    let ann = a(&c, ANN);
    assert_eq!(
        (ann.offers, ann.handled, ann.missed, ann.unanswered),
        (1, 1, 0, 0)
    );
    assert_eq!((ann.talk_ms, ann.hold_ms), (10_000 + 11_000, 3_000));
    assert_eq!((ann.all_talk_ms, ann.all_hold_ms), (21_000, 3_000));
    assert_eq!(ann.avg_handle_ms(), Some(24_000.0));
    assert_eq!(a(&c, BOB).talk_ms, 18_000);
    assert!(c.queue(SALES).unwrap().waiting.is_empty());
    assert_eq!(
        c.tracked_calls(),
        0,
        "finished calls are folded and dropped"
    );
}

#[test]
fn abandon_voicemail_and_overflow() {
    use StatusCode::*;
    let mut c = center();
    // Abandoned while Ann rings: her leg is cancelled (unanswered, not missed).
    let seq = enter(&mut c, "s-ab", SALES, 1_000);
    let mut f = Feed {
        seq,
        ..call(&mut c, "s-ab")
    };
    f.at(2_000, leg("p-a", SALES, ANN, Proceeding));
    assert_eq!(c.queue(SALES).unwrap().waiting.len(), 1);
    assert_eq!(
        c.queue(SALES).unwrap().longest_wait_ms(Ts(T0 + 9_000)),
        8_000
    );
    let mut f = Feed {
        seq: 10,
        ..call(&mut c, "s-ab")
    };
    f.at(13_000, caller(Disconnected))
        .at(
            13_000,
            with_reason(
                leg("p-a", SALES, ANN, Disconnected),
                Reason::Cancelled,
                false,
            ),
        )
        .at(13_000, queue_party("p-q", SALES, Disconnected, None));
    // Voicemail after the hold time: the queue's voicemail party is no new entry.
    let seq = enter(&mut c, "s-vm", SALES, 1_000);
    let mut f = Feed {
        seq,
        ..call(&mut c, "s-vm")
    };
    f.at(
        9_000,
        queue_party("p-q", SALES, Disconnected, Some(Reason::Voicemail)),
    )
    .at(
        9_000,
        queue_party("p-vm", SALES, Voicemail, Some(Reason::Voicemail)),
    )
    .at(30_000, queue_party("p-vm", SALES, Disconnected, None))
    .at(30_000, caller(Disconnected));
    // Overflow from Support to Sales, answered there.
    let seq = enter(&mut c, "s-of", SUPPORT, 1_000);
    let mut f = Feed {
        seq,
        ..call(&mut c, "s-of")
    };
    f.at(
        5_000,
        queue_party("p-q", SUPPORT, Disconnected, Some(Reason::CallRedirected)),
    )
    .at(5_000, queue_party("p-q2", SALES, Setup, None))
    .at(6_000, leg("p-b", SALES, BOB, Proceeding))
    .at(8_000, leg("p-b", SALES, BOB, Answered))
    .at(8_000, queue_party("p-q2", SALES, Disconnected, None));
    let s = q(&c, SALES);
    assert_eq!(
        (s.offered, s.answered, s.abandoned, s.voicemail, s.overflow),
        (3, 1, 1, 1, 0)
    );
    assert_eq!(s.abandon_wait_ms, 12_000);
    assert_eq!(s.abandoned_over_threshold, 1, "12 s ≥ the 10 s threshold");
    assert_eq!(s.answer_wait_ms, 3_000, "entered Sales at its own Setup");
    // within / (answered + voicemail + abandoned over the threshold)
    assert_eq!(
        c.queue(SALES).unwrap().service_level_pct(),
        Some(100.0 / 3.0)
    );
    let t = q(&c, SUPPORT);
    assert_eq!((t.offered, t.overflow, t.answered), (1, 1, 0));
    let ann = a(&c, ANN);
    assert_eq!((ann.offers, ann.unanswered, ann.missed), (1, 1, 0));
}

#[test]
fn missed_is_a_ring_out_unanswered_any_leg_left_unanswered() {
    use StatusCode::*;
    let mut c = center();
    let seq = enter(&mut c, "s-1", SALES, 1_000);
    let mut f = Feed {
        seq,
        ..call(&mut c, "s-1")
    };
    f.at(2_000, leg("p-a", SALES, ANN, Proceeding))
        .at(
            17_000,
            with_reason(leg("p-a", SALES, ANN, Disconnected), Reason::Timeout, true),
        )
        .at(17_000, leg("p-b", SALES, BOB, Proceeding))
        .at(17_000, leg("p-a2", SALES, ANN, Proceeding))
        .at(20_000, leg("p-b", SALES, BOB, Answered))
        .at(
            20_000,
            with_reason(
                leg("p-a2", SALES, ANN, Disconnected),
                Reason::AgentAnswered,
                false,
            ),
        );
    let ann = a(&c, ANN);
    assert_eq!(
        (ann.offers, ann.handled, ann.missed, ann.unanswered),
        (2, 0, 1, 2)
    );
    assert_eq!(a(&c, BOB).handled, 1);
    assert_eq!(q(&c, SALES).answered, 1, "one entry, one answer");
    // Ann has nothing live; Bob talks on a Sales call from the caller.
    let bob = c.agent(BOB).unwrap();
    assert_eq!(
        bob.telephony_state(),
        (TelephonyState::OnCall, Some(Ts(T0 + 20_000)))
    );
    let cur = bob.current_call().unwrap();
    assert_eq!(cur.queue.as_deref(), Some(SALES));
    assert_eq!(cur.direction, Some(Direction::Inbound));
    assert_eq!(cur.peer.as_deref(), Some("Sales - CALLER +14155550100"));
    assert_eq!(
        c.agent_figures_at(bob, Ts(T0 + 25_000)).talk_ms,
        5_000,
        "running talk counted at now"
    );
    assert_eq!(
        c.agent(ANN).unwrap().telephony_state(),
        (TelephonyState::Idle, Some(Ts(T0 + 20_000)))
    );
}

/// A caller leaving a message in the agent's mailbox occupies no one: the agent is
/// idle from then, as the platform's presence says (NoCall).
#[test]
fn a_caller_in_the_agents_mailbox_leaves_the_agent_idle() {
    use StatusCode::*;
    let mut c = center();
    let mut f = call(&mut c, "s-vm");
    f.at(1_000, leg("p-1", SALES, ANN, Proceeding));
    assert_eq!(
        c.agent(ANN).unwrap().telephony_state(),
        (TelephonyState::Ringing, Some(Ts(T0 + 1_000)))
    );
    let mut f = Feed {
        seq: 1,
        ..call(&mut c, "s-vm")
    };
    f.at(9_000, leg("p-1", SALES, ANN, Voicemail));
    let ann = c.agent(ANN).unwrap();
    assert_eq!(ann.current_call(), None);
    assert_eq!(
        ann.telephony_state(),
        (TelephonyState::Idle, Some(Ts(T0 + 9_000)))
    );
    // The message ends: she was idle all along, since the call went to her mailbox.
    let mut f = Feed {
        seq: 2,
        ..call(&mut c, "s-vm")
    };
    f.at(40_000, leg("p-1", SALES, ANN, Disconnected));
    assert_eq!(
        c.agent(ANN).unwrap().telephony_state(),
        (TelephonyState::Idle, Some(Ts(T0 + 9_000)))
    );
}

/// The trial's sequence (an agent on a call found at the join, two more ringing him,
/// one going to his mailbox): the time in a state restarts only when the state changes.
/// A second call ringing him does not restart "Ringing"; the message in his mailbox
/// ending does not restart "On call".
#[test]
fn an_agents_time_in_a_state_restarts_only_when_the_state_changes() {
    use StatusCode::*;
    let mut c = center();
    let state = |c: &Center| c.agent(ANN).unwrap().telephony_state();
    // On a call before calltop joined: on call, since when unknown.
    let cs = CallSession {
        id: "s-old".into(),
        parties: vec![caller(Answered), leg("p-old", SALES, ANN, Answered)],
        ..Default::default()
    };
    c.snapshot(&cs, Ts(T0));
    assert_eq!(state(&c), (TelephonyState::OnCall, None));
    // A second call rings him (heard): ringing from its setup, alerting or not.
    call(&mut c, "s-vm")
        .at(53_000, leg("p-vm", SALES, ANN, Setup))
        .at(55_000, leg("p-vm", SALES, ANN, Proceeding));
    assert_eq!(state(&c), (TelephonyState::Ringing, Some(Ts(T0 + 53_000))));
    // A third rings him too: still ringing since the first.
    call(&mut c, "s-ring").at(57_000, leg("p-r", SALES, ANN, Proceeding));
    assert_eq!(state(&c), (TelephonyState::Ringing, Some(Ts(T0 + 53_000))));
    // The first goes to his mailbox: the third still rings, since it began (calltop
    // keeps no history of calls: that another rang him before it is not kept).
    let mut f = Feed {
        seq: 2,
        ..call(&mut c, "s-vm")
    };
    f.at(58_000, leg("p-vm", SALES, ANN, Voicemail));
    assert_eq!(state(&c), (TelephonyState::Ringing, Some(Ts(T0 + 57_000))));
    // The third stops ringing: back on the first call, from then.
    let mut f = Feed {
        seq: 1,
        ..call(&mut c, "s-ring")
    };
    f.at(63_000, leg("p-r", SALES, ANN, Disconnected));
    assert_eq!(state(&c), (TelephonyState::OnCall, Some(Ts(T0 + 63_000))));
    // The message in his mailbox ends: nothing about him changed.
    let mut f = Feed {
        seq: 3,
        ..call(&mut c, "s-vm")
    };
    f.at(81_000, leg("p-vm", SALES, ANN, Disconnected));
    assert_eq!(state(&c), (TelephonyState::OnCall, Some(Ts(T0 + 63_000))));
    let ann = c.agent(ANN).unwrap();
    assert_eq!(
        ann.status(),
        (Some(AgentState::OnCall), Some(Ts(T0 + 63_000)))
    );
    // The call he was on when calltop joined ends, heard: idle from then.
    let mut f = Feed {
        seq: 10,
        ..call(&mut c, "s-old")
    };
    f.at(90_000, leg("p-old", SALES, ANN, Disconnected));
    assert_eq!(state(&c), (TelephonyState::Idle, Some(Ts(T0 + 90_000))));
}

/// A call first heard through a leg that had stopped ringing (its first event), then
/// another leg ringing the same agent: the call is not over, the agent rings.
#[test]
fn a_call_first_heard_through_a_leg_that_left_is_not_over() {
    use StatusCode::*;
    let mut c = center();
    let mut f = Feed {
        seq: 5,
        ..call(&mut c, "s-mid")
    };
    f.at(
        1_000,
        with_reason(leg("p-3", SALES, ANN, Disconnected), Reason::Timeout, false),
    )
    .at(1_000, leg("p-4", SALES, ANN, Proceeding));
    assert_eq!(
        c.agent(ANN).unwrap().telephony_state().0,
        TelephonyState::Ringing
    );
    let mut f = Feed {
        seq: 7,
        ..call(&mut c, "s-mid")
    };
    f.at(4_000, leg("p-4", SALES, ANN, Answered));
    assert_eq!(
        c.agent(ANN).unwrap().telephony_state(),
        (TelephonyState::OnCall, Some(Ts(T0 + 4_000)))
    );
}

/// A call found gone after an outage ended at a time calltop did not see: the agent it
/// leaves idle is idle since when, unknown, whatever presence said before.
#[test]
fn an_agent_left_idle_by_a_call_found_gone_is_idle_since_unknown() {
    use StatusCode::*;
    let mut c = center();
    let mut f = call(&mut c, "s-1");
    f.at(1_000, leg("p-a", SALES, ANN, Proceeding))
        .at(3_000, leg("p-a", SALES, ANN, Answered));
    assert_eq!(
        c.agent(ANN).unwrap().telephony_state(),
        (TelephonyState::OnCall, Some(Ts(T0 + 3_000)))
    );
    c.gone("s-1", Ts(T0 + 60_000));
    let ann = c.agent(ANN).unwrap();
    assert_eq!(ann.telephony_state(), (TelephonyState::Idle, None));
    assert_eq!(ann.status().1, None);
}

#[test]
fn a_transfer_keeps_the_queue_answer_and_moves_the_agent() {
    use StatusCode::*;
    let mut c = center();
    let seq = enter(&mut c, "s-1", SALES, 1_000);
    let mut f = Feed {
        seq,
        ..call(&mut c, "s-1")
    };
    let to_bob = Party {
        direction: Some(Direction::Inbound),
        extension_id: Some(BOB.into()),
        ..party("p-b", Setup)
    };
    f.at(2_000, leg("p-a", SALES, ANN, Proceeding))
        .at(4_000, leg("p-a", SALES, ANN, Answered))
        .at(4_000, queue_party("p-q", SALES, Disconnected, None))
        .at(
            14_000,
            with_reason(
                leg("p-a", SALES, ANN, Disconnected),
                Reason::BlindTransfer,
                false,
            ),
        )
        .at(14_000, to_bob.clone())
        .at(
            15_000,
            Party {
                status: Some(Status::code(Answered)),
                ..to_bob.clone()
            },
        )
        .at(
            45_000,
            Party {
                status: Some(Status::code(Disconnected)),
                ..to_bob
            },
        )
        .at(45_000, caller(Disconnected));
    assert_eq!((q(&c, SALES).answered, q(&c, SALES).offered), (1, 1));
    let ann = a(&c, ANN);
    assert_eq!((ann.handled, ann.talk_ms), (1, 10_000));
    let bob = a(&c, BOB);
    assert_eq!(
        (bob.offers, bob.handled, bob.talk_ms, bob.all_talk_ms),
        (0, 0, 0, 30_000)
    );
}

#[test]
fn an_agent_and_a_queue_seen_only_in_events() {
    use StatusCode::*;
    let mut c = Center::default();
    let seq = enter(&mut c, "s-1", "q-new", 1_000);
    let mut f = Feed {
        seq,
        ..call(&mut c, "s-1")
    };
    f.at(2_000, leg("p-x", "q-new", "u-new", Proceeding))
        .at(5_000, leg("p-x", "q-new", "u-new", Answered))
        .at(5_000, queue_party("p-q", "q-new", Disconnected, None))
        .at(9_000, leg("p-x", "q-new", "u-new", Disconnected))
        .at(9_000, caller(Disconnected));
    let f = q(&c, "q-new");
    assert_eq!((f.offered, f.answered, f.answer_wait_ms), (1, 1, 4_000));
    let x = c.agent("u-new").unwrap();
    assert_eq!((x.figures.handled, x.figures.talk_ms), (1, 4_000));
    assert!(x.extension.is_none(), "known from events only");
    // The next call of that queue is an entry from its Setup on.
    let seq = enter(&mut c, "s-2", "q-new", 1_000);
    let mut f = Feed {
        seq,
        ..call(&mut c, "s-2")
    };
    f.at(3_000, caller(Disconnected));
    assert_eq!((q(&c, "q-new").offered, q(&c, "q-new").abandoned), (2, 1));
}

#[test]
fn repeats_and_older_events_change_nothing_and_late_events_are_ignored() {
    use StatusCode::*;
    let mut c = center();
    let seq = enter(&mut c, "s-1", SALES, 1_000);
    let ev = |seq: i64, ms: i64, p: Party| {
        SessionEventView::from(SessionEvent {
            sequence: Some(seq),
            telephony_session_id: "s-1".into(),
            event_time: Some(Ts(T0 + ms)),
            parties: vec![p],
            ..Default::default()
        })
    };
    let ring = ev(seq + 1, 2_000, leg("p-a", SALES, ANN, Proceeding));
    let answer = ev(seq + 2, 4_000, leg("p-a", SALES, ANN, Answered));
    c.observe(&ring, Ts(0));
    c.observe(&answer, Ts(0));
    c.observe(&answer, Ts(0));
    c.observe(&ring, Ts(0));
    assert_eq!((a(&c, ANN).offers, a(&c, ANN).handled), (1, 1));
    c.observe(
        &ev(seq + 3, 9_000, leg("p-a", SALES, ANN, Disconnected)),
        Ts(0),
    );
    c.observe(&ev(seq + 4, 9_000, caller(Disconnected)), Ts(0));
    c.observe(
        &ev(
            seq + 5,
            9_000,
            queue_party("p-q", SALES, Disconnected, None),
        ),
        Ts(0),
    );
    assert_eq!(c.tracked_calls(), 0);
    c.observe(
        &ev(seq + 6, 9_500, leg("p-z", SALES, ANN, Proceeding)),
        Ts(0),
    );
    assert_eq!(
        (a(&c, ANN).offers, c.tracked_calls()),
        (1, 0),
        "a finished call stays finished"
    );
}

#[test]
fn joined_calls_wait_but_count_in_no_figure() {
    use StatusCode::*;
    let mut c = center();
    // Found by REST waiting (a snapshot), answered after calltop joined.
    let cs = CallSession {
        id: "s-old".into(),
        parties: vec![caller(Answered), queue_party("p-q", SALES, Setup, None)],
        ..Default::default()
    };
    c.snapshot(&cs, Ts(T0));
    let sales = c.queue(SALES).unwrap();
    assert_eq!(
        (
            sales.waiting.len(),
            sales.figures.joined,
            sales.figures.offered
        ),
        (1, 1, 0)
    );
    let mut f = Feed {
        seq: 20,
        ..call(&mut c, "s-old")
    };
    f.at(5_000, leg("p-a", SALES, ANN, Proceeding))
        .at(7_000, leg("p-a", SALES, ANN, Answered));
    assert!(c.queue(SALES).unwrap().waiting.is_empty());
    assert_eq!(q(&c, SALES).answered, 0, "its entry was not seen");
    assert_eq!(
        a(&c, ANN).handled,
        1,
        "the leg was seen from its first ring"
    );
    // First heard of through an agent leg ringing: waiting, joined.
    let mut f = Feed {
        seq: 40,
        ..call(&mut c, "s-mid")
    };
    f.at(8_000, leg("p-b", SALES, BOB, Proceeding));
    assert_eq!(c.queue(SALES).unwrap().waiting.len(), 1);
    let mut f = Feed {
        seq: 41,
        ..call(&mut c, "s-mid")
    };
    f.at(
        9_000,
        queue_party("p-q", SALES, Disconnected, Some(Reason::Voicemail)),
    );
    assert!(c.queue(SALES).unwrap().waiting.is_empty());
    assert_eq!((q(&c, SALES).joined, q(&c, SALES).voicemail), (2, 0));
    // Gone during an outage: no invented outcome.
    let seq = enter(&mut c, "s-gone", SALES, 1_000);
    let _ = seq;
    c.gone("s-gone", Ts(T0 + 60_000));
    assert_eq!((q(&c, SALES).unknown, q(&c, SALES).abandoned), (1, 0));
    assert_eq!(c.tracked_calls(), 2, "s-old and s-mid are still up");
}

#[test]
fn figures_count_inside_the_window_and_start_again_each_day() {
    use StatusCode::*;
    let mut c = center();
    c.reset(Window::daily(Ts(T0 + 500)));
    enter(&mut c, "s-before", SALES, 200);
    let seq = enter(&mut c, "s-in", SALES, 1_000);
    assert_eq!(
        q(&c, SALES).offered,
        1,
        "the entry before the start is not counted"
    );
    assert_eq!(c.queue(SALES).unwrap().waiting.len(), 2, "but waits");
    assert!(!c.ended_by(Ts(T0 + DAY_MS)) && c.ended_by(Ts(T0 + 500 + DAY_MS)));
    let mut f = Feed {
        seq,
        ..call(&mut c, "s-in")
    };
    f.at(DAY_MS + 2_000, leg("p-a", SALES, ANN, Proceeding))
        .at(DAY_MS + 3_000, leg("p-a", SALES, ANN, Answered));
    assert_eq!(c.window().start, Some(Ts(T0 + 500 + DAY_MS)));
    assert_eq!((q(&c, SALES).offered, q(&c, SALES).answered), (0, 0));
    assert_eq!(a(&c, ANN).offers, 1, "the leg rang in the new day");
}

#[test]
fn a_contact_center_stream_adds_up_and_keeps_only_the_calls_in_progress() {
    let mut c = Center::default();
    c.roster(&crate::synth::center_directory());
    for n in crate::synth::center_notifications(60_000, 300, 3) {
        c.observe(&n.body.into(), Ts(0));
    }
    assert!(c.tracked_calls() <= 300, "{}", c.tracked_calls());
    let mut answered = 0;
    for q in c.queues() {
        let f = q.figures;
        assert!(
            f.offered > 1_000 && f.voicemail > 0 && f.abandoned > 0,
            "{f:?}"
        );
        assert_eq!(
            f.offered,
            f.answered + f.abandoned + f.voicemail + f.overflow + q.waiting.len() as u64,
            "{f:?}"
        );
        answered += f.answered;
    }
    let agents = || c.agents().map(|a| a.figures);
    assert_eq!(answered, agents().map(|f| f.handled).sum::<u64>());
    assert!(agents().map(|f| f.missed).sum::<u64>() > 0);
    assert!(agents().all(|f| f.missed <= f.unanswered && f.handled <= f.offers));
    assert!(agents().map(|f| f.hold_ms).sum::<i64>() > 0);
}

#[test]
fn the_agent_of_a_call_is_the_last_user_to_answer() {
    use crate::core::SessionStore;
    let mut store = SessionStore::default();
    let sid = "s-1";
    let feed = |store: &mut SessionStore, t: i64, p: Party| {
        store.apply_event(
            SessionEvent {
                sequence: Some(t + 1),
                telephony_session_id: sid.into(),
                event_time: Some(Ts(T0 + t)),
                parties: vec![p],
                ..Default::default()
            },
            Ts(T0 + t),
        );
    };
    let ivr = Party {
        extension_id: Some("ivr".into()),
        ..party("p-ivr", StatusCode::Setup)
    };
    feed(&mut store, 0, caller(StatusCode::Answered));
    feed(&mut store, 1, ivr.clone());
    feed(
        &mut store,
        2,
        Party {
            status: Some(Status::code(StatusCode::Disconnected)),
            ..ivr
        },
    );
    feed(
        &mut store,
        3,
        leg("p-a", SALES, ANN, StatusCode::Proceeding),
    );
    feed(&mut store, 4, leg("p-a", SALES, ANN, StatusCode::Answered));
    let s = store.get(sid).unwrap();
    assert_eq!(s.agent_party().unwrap().id, "p-a");
    feed(
        &mut store,
        5,
        Party {
            extension_id: Some(BOB.into()),
            ..party("p-b", StatusCode::Answered)
        },
    );
    let s = store.get(sid).unwrap();
    assert_eq!(s.agent_party().unwrap().id, "p-b");
    let mut c = center();
    c.roster(&RosterLine::Extensions(vec![ext(
        SALES,
        ExtensionType::Department,
        "Sales",
    )]));
    assert_eq!(s.queue_in(&c).unwrap().id, SALES);
}

#[test]
fn an_agent_first_heard_midway_through_a_call_is_on_it_since_unknown() {
    use StatusCode::*;
    let mut c = center();
    // The first event heard of the call finds Ann's leg answered: when it was answered
    // was not heard.
    let mut f = call(&mut c, "s-1");
    f.at(5_000, leg("p-a", SALES, ANN, Answered));
    assert_eq!(
        f.c.agent(ANN).unwrap().telephony_state(),
        (TelephonyState::OnCall, None)
    );
    // What happens next is heard as it happens.
    f.at(9_000, leg("p-a", SALES, ANN, Hold));
    assert_eq!(
        f.c.agent(ANN).unwrap().telephony_state(),
        (TelephonyState::OnHold, Some(Ts(T0 + 9_000)))
    );
    // A call heard from its start: its legs' states are timed from the first.
    let seq = enter(&mut c, "s-2", SALES, 1_000);
    let mut f = Feed {
        seq,
        ..call(&mut c, "s-2")
    };
    f.at(12_000, leg("p-b", SALES, BOB, Answered));
    assert_eq!(
        f.c.agent(BOB).unwrap().telephony_state(),
        (TelephonyState::OnCall, Some(Ts(T0 + 12_000)))
    );
    // A call known from a snapshot (its parties listed): a party that comes after is
    // new, whatever its first state: one picking the call up from park is answered when
    // heard, though it never rang.
    let cs = CallSession {
        id: "s-park".into(),
        parties: vec![caller(Answered), leg("p-park", SALES, ANN, Parked)],
        ..Default::default()
    };
    c.snapshot(&cs, Ts(T0 + 20_000));
    let pickup = Party {
        direction: Some(Direction::Inbound),
        extension_id: Some(BOB.into()),
        ..party("p-pick", Answered)
    };
    let mut f = Feed {
        seq: 5,
        ..call(&mut c, "s-park")
    };
    f.at(30_000, pickup);
    let bob = c.agent(BOB).unwrap();
    let call = bob.calls.iter().find(|k| k.session == "s-park").unwrap();
    assert_eq!((call.since, call.since_unseen), (Ts(T0 + 30_000), false));
}

mod directory;
mod intervals;
mod presence;
