//! Presence and queue presence: what an agent's state is, since when, and whether it
//! takes a queue's calls.

use super::*;

/// A presence notification of `ext`: Available, with DND `dnd`, numbered `seq`.
fn dnd_note(ext: &str, seq: i64, dnd: &str) -> PresenceEvent {
    PresenceEvent {
        extension_id: Some(ext.into()),
        presence_status: Some("Available".into()),
        dnd_status: Some(crate::wire::presence::DndStatus::parse(dnd)),
        sequence: Some(seq),
        ..Default::default()
    }
}

#[test]
fn an_agent_in_two_queues_and_queue_presence() {
    use StatusCode::*;
    let mut c = center();
    for (sid, queue) in [("s-1", SALES), ("s-2", SUPPORT)] {
        let seq = enter(&mut c, sid, queue, 1_000);
        let mut f = Feed {
            seq,
            ..call(&mut c, sid)
        };
        f.at(2_000, leg("p-a", queue, ANN, Proceeding))
            .at(3_000, leg("p-a", queue, ANN, Answered));
    }
    assert_eq!(a(&c, ANN).handled, 2);
    assert_eq!((q(&c, SALES).answered, q(&c, SUPPORT).answered), (1, 1));
    let queues: Vec<&str> = c
        .queues_of(ANN)
        .iter()
        .map(|(q, _)| q.id.as_str())
        .collect();
    assert_eq!(queues, [SALES, SUPPORT]);
    // Both notification shapes; Bob leaves Sales.
    c.queue_presence(
        Some(SALES),
        &QueuePresenceEvent {
            records: Some(vec![QueueMemberPresence {
                member: QueueMember {
                    id: Some(BOB.into()),
                    ..Default::default()
                },
                accept_queue_calls: None,
                accept_current_queue_calls: Some(false),
            }]),
            ..Default::default()
        },
    );
    let sales = c.queue(SALES).unwrap();
    assert_eq!(sales.members[BOB].accept_current, Some(false));
    assert_eq!(
        c.staff(sales),
        Staff {
            on_call: 1,
            not_accepting: 1,
            ..Default::default()
        }
    );
    c.queue_presence(
        None,
        &QueuePresenceEvent {
            extension_id: Some(BOB.into()),
            call_queue_id: Some(SALES.into()),
            accept_calls: Some(true),
            ..Default::default()
        },
    );
    let sales = c.queue(SALES).unwrap();
    assert_eq!(c.availability(sales, BOB), Availability::Available);
}

/// After an outage not recovered (a new subscription), presence numbered lower than
/// any before is news, timed when heard: the platform's count may have started again (a
/// restart), and the old subscription sends nothing more.
#[test]
fn a_new_subscriptions_presence_is_news_whatever_its_number() {
    let mut c = center();
    let note = |seq: i64, dnd: &str| dnd_note(ANN, seq, dnd);
    c.presence(&note(40, "TakeAllCalls"), Ts(T0));
    c.presence(&note(3, "DoNotAcceptAnyCalls"), Ts(T0 + 1_000));
    assert_eq!(
        c.agent(ANN).unwrap().presence.state,
        Some(AgentState::Available)
    );
    c.heard_gap(Ts(T0 + 60_000));
    c.presence(&note(3, "DoNotAcceptAnyCalls"), Ts(T0 + 61_000));
    let ann = c.agent(ANN).unwrap();
    assert_eq!(
        (ann.presence.state, ann.presence.since),
        (Some(AgentState::Dnd), Some(Ts(T0 + 61_000)))
    );
    c.presence(&note(2, "TakeAllCalls"), Ts(T0 + 62_000));
    assert_eq!(
        c.agent(ANN).unwrap().presence.state,
        Some(AgentState::Dnd),
        "then older numbers are older again"
    );
}

/// A queue's member list read while an agent had DND for queues says `acceptQueueCalls:
/// false`; that flag mirrors DND, whose end comes as presence, never as queue presence:
/// the agent takes the queue's calls again once presence says so.
#[test]
fn the_member_lists_all_queues_flag_gives_way_to_presence() {
    let mut c = center();
    let member = |all: bool| QueueMemberPresence {
        member: QueueMember {
            id: Some(BOB.into()),
            ..Default::default()
        },
        accept_queue_calls: Some(all),
        accept_current_queue_calls: Some(true),
    };
    c.queue_presence(
        Some(SALES),
        &QueuePresenceEvent {
            records: Some(vec![member(false)]),
            ..Default::default()
        },
    );
    let sales = |c: &Center| c.queue(SALES).unwrap().clone();
    assert_eq!(
        c.availability(&sales(&c), BOB),
        Availability::NotAccepting,
        "no presence known: the list says"
    );
    let note = |seq: i64, dnd: &str| dnd_note(BOB, seq, dnd);
    c.presence(&note(1, "DoNotAcceptDepartmentCalls"), Ts(T0));
    assert_eq!(c.availability(&sales(&c), BOB), Availability::NotAccepting);
    c.presence(&note(2, "TakeAllCalls"), Ts(T0 + 60_000));
    assert_eq!(c.availability(&sales(&c), BOB), Availability::Available);
    // On a call with DND for queues: off the queue, not about to be free for it.
    let on_call_dnd = PresenceEvent {
        telephony_status: Some(crate::wire::TelephonyStatus::CallConnected),
        ..note(3, "DoNotAcceptDepartmentCalls")
    };
    c.presence(&on_call_dnd, Ts(T0 + 70_000));
    assert_eq!(
        c.agent(BOB).unwrap().presence.state,
        Some(AgentState::OnCall)
    );
    assert_eq!(c.availability(&sales(&c), BOB), Availability::NotAccepting);
}

#[test]
fn presence_state_is_timed_only_when_seen_changing() {
    let mut c = center();
    let info = |status: &str, dnd: Option<DndStatus>| PresenceInfo {
        extension: Some(crate::wire::presence::PresenceExtension {
            id: Some(ANN.into()),
            ..Default::default()
        }),
        presence_status: Some(PresenceStatus::parse(status)),
        dnd_status: dnd,
        ..Default::default()
    };
    use crate::wire::presence::DndStatus;
    c.roster(&RosterLine::Presence(vec![info("Available", None)]));
    let ann = c.agent(ANN).unwrap();
    assert_eq!(
        (ann.presence.state, ann.presence.since),
        (Some(AgentState::Available), None)
    );
    let note = |seq: i64, dnd: &str| dnd_note(ANN, seq, dnd);
    c.presence(&note(5, "TakeAllCalls"), Ts(T0));
    assert_eq!(c.agent(ANN).unwrap().presence.since, None, "no change seen");
    c.presence(&note(6, "DoNotAcceptDepartmentCalls"), Ts(T0 + 1_000));
    c.presence(&note(4, "TakeAllCalls"), Ts(T0 + 2_000));
    let ann = c.agent(ANN).unwrap();
    assert_eq!(
        (ann.presence.state, ann.presence.since),
        (Some(AgentState::OffQueue), Some(Ts(T0 + 1_000))),
        "an older sequence is ignored"
    );
    assert!(!ann.takes_queue_calls());
    let sales = c.queue(SALES).unwrap();
    assert_eq!(c.availability(sales, ANN), Availability::NotAccepting);
    // A queue's own presence (always Offline) makes no agent of it.
    c.presence(
        &PresenceEvent {
            extension_id: Some(SALES.into()),
            presence_status: Some("Offline".into()),
            ..Default::default()
        },
        Ts(T0),
    );
    assert!(c.agent(SALES).is_none());
    let odd = PresenceEvent {
        dnd_status: Some(DndStatus::parse("SomethingNew")),
        ..note(7, "x")
    };
    c.presence(&odd, Ts(T0 + 3_000));
    assert_eq!(
        c.agent(ANN)
            .unwrap()
            .presence
            .info
            .dnd_status
            .as_ref()
            .unwrap()
            .as_str(),
        "SomethingNew",
        "unknown values are kept"
    );
    // Read again by REST (after an outage, say), then a notification numbered lower than
    // any before (the count started again): taken, and the next older one is not.
    c.roster(&RosterLine::Presence(vec![info("Available", None)]));
    c.presence(&note(2, "DoNotAcceptDepartmentCalls"), Ts(T0 + 4_000));
    let dnd = |c: &Center| c.agent(ANN).unwrap().presence.info.dnd_status.clone();
    assert_eq!(
        dnd(&c).as_ref().map(|d| d.as_str()),
        Some("DoNotAcceptDepartmentCalls")
    );
    c.presence(&note(1, "TakeAllCalls"), Ts(T0 + 5_000));
    assert_eq!(
        dnd(&c).as_ref().map(|d| d.as_str()),
        Some("DoNotAcceptDepartmentCalls"),
        "older than the new count"
    );
}

/// A state a snapshot found changed (presence read again after an outage) began at a
/// time calltop did not see, maybe after the agent's last call: unknown, not timed from
/// that call's end, until calltop sees the agent change again.
#[test]
fn a_presence_found_changed_by_a_snapshot_is_timed_from_no_call_before_it() {
    use crate::wire::presence::DndStatus;
    use StatusCode::*;
    let mut c = center();
    let read = |dnd: DndStatus| {
        RosterLine::Presence(vec![PresenceInfo {
            extension: Some(crate::wire::presence::PresenceExtension {
                id: Some(ANN.into()),
                ..Default::default()
            }),
            presence_status: Some(PresenceStatus::parse("Available")),
            dnd_status: Some(dnd),
            ..Default::default()
        }])
    };
    c.roster(&read(DndStatus::TakeAllCalls));
    call(&mut c, "s-1")
        .at(1_000, leg("p-a", SALES, ANN, Proceeding))
        .at(3_000, leg("p-a", SALES, ANN, Answered))
        .at(10_000, leg("p-a", SALES, ANN, Disconnected));
    let status = |c: &Center| c.agent(ANN).unwrap().status();
    assert_eq!(
        status(&c),
        (Some(AgentState::Available), Some(Ts(T0 + 10_000))),
        "idle since the call's end: the state it had at the load began before"
    );
    // Read again: the same state keeps its time; a changed one has none.
    c.roster(&read(DndStatus::TakeAllCalls));
    assert_eq!(status(&c).1, Some(Ts(T0 + 10_000)));
    c.roster(&read(DndStatus::DoNotAcceptAnyCalls));
    assert_eq!(status(&c), (Some(AgentState::Dnd), None));
    c.roster(&read(DndStatus::DoNotAcceptAnyCalls));
    assert_eq!(status(&c).1, None, "read again unchanged: still unknown");
    // A call seen ending after the read: the state held since that end at least.
    call(&mut c, "s-2")
        .at(20_000, leg("p-b", SALES, ANN, Proceeding))
        .at(25_000, leg("p-b", SALES, ANN, Disconnected));
    assert_eq!(status(&c), (Some(AgentState::Dnd), Some(Ts(T0 + 25_000))));
}
