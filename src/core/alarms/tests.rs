use super::*;
use crate::wire::directory::{ExtensionInfo, ExtensionType, ServiceLevelSettings};
use crate::wire::queues::QueueMemberInfo;
use crate::wire::roster::QueueRecords;
use crate::wire::{Direction, Party, RosterLine, SessionEvent, Status, StatusCode};

const SALES: &str = "q-sales";
const T0: i64 = 1_700_000_000_000;
const MIN: i64 = 60_000;

/// Sales (extension 2001, SL 20 s, abandons over 10 s count, goal `goal`) with Ann as
/// its member when `staffed`.
fn center(goal: Option<i64>, staffed: bool) -> Center {
    let mut c = Center::default();
    let sales = ExtensionInfo {
        id: SALES.into(),
        extension_number: Some("2001".into()),
        kind: Some(ExtensionType::Department),
        name: Some("Sales".into()),
        call_queue_info: Some(ServiceLevelSettings {
            sla_threshold_seconds: Some(20),
            sla_goal: goal,
            include_abandoned_calls: Some(true),
            abandoned_threshold_seconds: Some(10),
        }),
        ..Default::default()
    };
    let ann = ExtensionInfo {
        id: "u-ann".into(),
        kind: Some(ExtensionType::User),
        ..Default::default()
    };
    c.roster(&RosterLine::Extensions(vec![sales, ann]));
    let records = staffed
        .then(|| QueueMemberInfo {
            id: Some("u-ann".into()),
            ..Default::default()
        })
        .into_iter()
        .collect();
    c.roster(&RosterLine::Members(QueueRecords {
        queue_id: SALES.into(),
        records,
    }));
    c
}

fn party(id: &str, code: StatusCode, dir: Direction, ext: Option<&str>) -> Party {
    Party {
        id: id.into(),
        status: Some(Status::code(code)),
        direction: Some(dir),
        extension_id: ext.map(Into::into),
        ..Default::default()
    }
}

fn event(c: &mut Center, sid: &str, seq: i64, ms: i64, p: Party) {
    let ev = SessionEvent {
        sequence: Some(seq),
        telephony_session_id: sid.into(),
        event_time: Some(Ts(T0 + ms)),
        parties: vec![p],
        ..Default::default()
    };
    c.observe(&ev.into(), Ts(T0 + ms));
}

/// A caller (first heard at T0) entering Sales at T0 + `at`.
fn enter(c: &mut Center, sid: &str, at: i64) {
    event(
        c,
        sid,
        1,
        0,
        party("p-1", StatusCode::Setup, Direction::Outbound, None),
    );
    let q = party("p-q", StatusCode::Setup, Direction::Inbound, Some(SALES));
    event(c, sid, 2, at, q);
}

/// The caller hangs up at T0 + `at`.
fn leave(c: &mut Center, sid: &str, at: i64) {
    let p = party("p-1", StatusCode::Disconnected, Direction::Outbound, None);
    event(c, sid, 3, at, p);
}

fn rules(text: &str) -> Alarms {
    Alarms::new(AlarmRules::parse(text).unwrap())
}

/// (kind, raised) of each change at T0 + `ms`.
fn eval(a: &mut Alarms, c: &Center, ms: i64) -> Vec<(AlarmKind, bool)> {
    let v = a.evaluate(c, Ts(T0 + ms));
    v.iter().map(|ch| (ch.key.kind, ch.raised)).collect()
}

#[test]
fn a_long_wait_raises_on_a_lower_bound_and_clears_only_when_known() {
    let mut c = center(None, true);
    let mut a = rules("[default]\noldest_wait_over = 30\n");
    enter(&mut c, "s-a", 1_000);
    assert_eq!(eval(&mut a, &c, 20_000), []);
    // Calltop has watched less than a caller may wait: the wait is a lower bound, and
    // already over the threshold.
    assert_eq!(eval(&mut a, &c, 40_000), [(AlarmKind::OldestWait, true)]);
    assert_eq!(eval(&mut a, &c, 41_000), [], "raised once");
    leave(&mut c, "s-a", 45_000);
    // Nobody seen waiting, but someone may wait unseen: not cleared on a guess.
    assert_eq!(eval(&mut a, &c, 50_000), []);
    assert_eq!(eval(&mut a, &c, 5 * MIN), []);
    assert_eq!(a.on_queue(SALES), [AlarmKind::OldestWait]);
    // Complete: clear for 10 s, then cleared.
    assert_eq!(eval(&mut a, &c, 16 * MIN), []);
    assert_eq!(eval(&mut a, &c, 16 * MIN + 9_000), []);
    assert_eq!(
        eval(&mut a, &c, 16 * MIN + 10_000),
        [(AlarmKind::OldestWait, false)]
    );
    assert!(a.on_queue(SALES).is_empty());
}

#[test]
fn an_alarm_does_not_flap_while_its_condition_comes_back_within_clear_after() {
    let mut c = center(None, true);
    let mut a = rules("[default]\nwaiting_over = 0\n");
    let t = 16 * MIN;
    enter(&mut c, "s-a", t);
    assert_eq!(eval(&mut a, &c, t + 1_000), [(AlarmKind::Waiting, true)]);
    leave(&mut c, "s-a", t + 2_000);
    assert_eq!(eval(&mut a, &c, t + 3_000), []);
    enter(&mut c, "s-b", t + 6_000);
    assert_eq!(eval(&mut a, &c, t + 7_000), [], "back before it cleared");
    leave(&mut c, "s-b", t + 8_000);
    assert_eq!(eval(&mut a, &c, t + 9_000), []);
    assert_eq!(
        eval(&mut a, &c, t + 12_000),
        [],
        "the countdown started again"
    );
    assert_eq!(eval(&mut a, &c, t + 19_000), [(AlarmKind::Waiting, false)]);
}

#[test]
fn the_service_level_alarm_uses_the_file_else_the_queues_goal_and_never_a_guess() {
    // An abandon over the abandoned threshold counts against the level: 0 %.
    let breach = |goal, file: &str| {
        let mut c = center(goal, true);
        let mut a = rules(file);
        assert_eq!(eval(&mut a, &c, 1_000), [], "no calls: no level, no alarm");
        enter(&mut c, "s-a", 1_000);
        leave(&mut c, "s-a", 16_000);
        eval(&mut a, &c, 17_000)
    };
    let raised = [(AlarmKind::ServiceLevel, true)];
    assert_eq!(
        breach(None, "[default]\nservice_level_below = 80\n"),
        raised
    );
    assert_eq!(breach(Some(80), ""), raised, "the queue's own goal");
    assert_eq!(breach(None, ""), [], "no goal anywhere");
    let own = "[queue.2001]\nservice_level_below = 0\n";
    assert_eq!(breach(Some(80), own), [], "the queue's table first");
}

#[test]
fn a_service_level_alarm_ends_with_its_interval_and_an_unknown_level_raises_nothing() {
    let mut c = center(Some(80), true);
    let mut a = rules("clear_after = 0\ninterval_minutes = 1\n");
    c.count_intervals(a.rules().cut(Zone::Local));
    enter(&mut c, "s-a", 1_000);
    leave(&mut c, "s-a", 16_000);
    assert_eq!(eval(&mut a, &c, 17_000), [(AlarmKind::ServiceLevel, true)]);
    // T0 is 20 s into its minute.
    assert_eq!(eval(&mut a, &c, 39_999), []);
    // The next minute has no calls yet: the last one's alarm is over, and an unknown
    // level raises nothing.
    assert_eq!(eval(&mut a, &c, 40_000), [(AlarmKind::ServiceLevel, false)]);
    assert_eq!(eval(&mut a, &c, 70_000), []);
    assert!(a.on_queue(SALES).is_empty());
}

#[test]
fn callers_waiting_with_nobody_to_take_them() {
    let mut c = center(None, false);
    let mut a = rules("[default]\nno_agent_available = true\n");
    let t = 16 * MIN;
    assert_eq!(eval(&mut a, &c, t), []);
    enter(&mut c, "s-a", t);
    assert_eq!(eval(&mut a, &c, t + 1_000), [(AlarmKind::NoAgent, true)]);
    let mut staffed = center(None, true);
    let mut b = rules("[default]\nno_agent_available = true\n");
    enter(&mut staffed, "s-a", t);
    assert_eq!(eval(&mut b, &staffed, t + 1_000), [], "Ann is available");
}

#[test]
fn a_bad_line_is_named() {
    let e = AlarmRules::parse("[default]\noldest_wait_over = 30\nwaiting_over = \"x\"\n");
    assert!(e.as_ref().unwrap_err().starts_with("line 3: "), "{e:?}");
    let e = AlarmRules::parse("[default]\n\nnot_a_rule = 1\n").unwrap_err();
    assert!(e.starts_with("line 3: ") && e.contains("not_a_rule"), "{e}");
    assert!(!e.contains('\n'), "{e}");
}

#[test]
fn an_alarm_is_a_json_line() {
    let mut c = center(None, true);
    let mut a = rules("[default]\noldest_wait_over = 5\n");
    enter(&mut c, "s-a", 1_000);
    let ch = a.evaluate(&c, Ts(T0 + 8_000)).remove(0);
    let j = ch.json();
    assert_eq!(j["type"], "alarmRaised");
    assert_eq!(j["alarm"], "oldestWait");
    assert_eq!(j["queueNumber"], "2001");
    assert_eq!(j["value"], 7.0);
    assert!(ch
        .text()
        .contains("alarm raised: queue 2001 oldest wait (7, threshold 5)"));
}

/// Ann's leg of a Sales call, as the center hears it.
fn ann_leg(code: StatusCode) -> Party {
    Party {
        queue_call: Some(true),
        to: Some(crate::wire::Endpoint {
            extension_id: Some(SALES.into()),
            ..Default::default()
        }),
        ..party("p-a", code, Direction::Inbound, Some("u-ann"))
    }
}

#[test]
fn an_agent_missing_calls_raises_an_alarm_of_its_own() {
    let mut c = center(None, true);
    let mut a = rules("[queue.2001]\nmissed_over = 0\n");
    enter(&mut c, "s-a", 1_000);
    assert_eq!(eval(&mut a, &c, 1_500), [], "nothing missed yet");
    event(&mut c, "s-a", 3, 2_000, ann_leg(StatusCode::Proceeding));
    let mut timeout = ann_leg(StatusCode::Disconnected);
    timeout.status.as_mut().unwrap().reason = Some(crate::wire::Reason::Timeout);
    timeout.missed_call = Some(true);
    event(&mut c, "s-a", 4, 17_000, timeout);
    assert_eq!(c.agent("u-ann").unwrap().figures.missed, 1);
    let v = a.evaluate(&c, Ts(T0 + 18_000));
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].key.kind, AlarmKind::Missed);
    assert_eq!(v[0].key.agent.as_deref(), Some("u-ann"));
    assert_eq!(v[0].json()["agentId"], "u-ann");
}
