//! Unit tests of the requests: the checks before sending, and the JSON they travel in.

use super::*;

#[test]
fn pickup_supervise_and_the_queue_toggle_check_first() {
    assert!(ControlAction::Pickup
        .check(Some(&StatusCode::Parked))
        .is_ok());
    let e = ControlAction::Pickup
        .check(Some(&StatusCode::Answered))
        .unwrap_err();
    assert_eq!(
        e,
        "can't pick up: the party is Answered (only a parked call can be picked up)"
    );
    let listen = ControlAction::Supervise { agent: "7".into() };
    assert!(listen.check(Some(&StatusCode::Answered)).is_ok());
    assert!(listen.check(Some(&StatusCode::Proceeding)).is_err());
    assert!(listen.needs_device() && !ControlAction::Hold.needs_device());
    let text = serde_json::to_string(&listen).unwrap();
    assert_eq!(text, r#"{"action":"supervise","agent":"7"}"#);

    let off = Member {
        accept_current: Some(false),
        accept_all: None,
    };
    let on = ControlAction::toggle_queue_calls("q", Some(&off));
    assert_eq!(
        on,
        ControlAction::AcceptQueueCalls {
            queue: "q".into(),
            accept: true
        }
    );
    assert!(on.check_member(Some(&off)).is_ok());
    let stop = ControlAction::toggle_queue_calls("q", None);
    assert_eq!(
        stop.check_member(None).unwrap_err(),
        "can't stop taking calls of queue q: the agent is not a member of queue q"
    );
    let r = ControlRequest::on_agent("7", stop);
    let text = serde_json::to_string(&r).unwrap();
    assert_eq!(
        text,
        r#"{"agent":"7","action":"acceptQueueCalls","queue":"q","accept":false}"#
    );
    assert_eq!(serde_json::from_str::<ControlRequest>(&text).unwrap(), r);
}

#[test]
fn requests_roundtrip_as_json() {
    let r = ControlRequest::on_party(
        "s-1",
        "p-1",
        ControlAction::Transfer {
            to: Target::ExtensionNumber("102".into()),
        },
    );
    let text = serde_json::to_string(&r).unwrap();
    assert_eq!(serde_json::from_str::<ControlRequest>(&text).unwrap(), r);
    // A listen-in names its agent beside the party: still a party's request.
    let listen =
        ControlRequest::on_party("s-1", "p-1", ControlAction::Supervise { agent: "7".into() });
    let text = serde_json::to_string(&listen).unwrap();
    assert_eq!(
        serde_json::from_str::<ControlRequest>(&text).unwrap(),
        listen
    );
}
