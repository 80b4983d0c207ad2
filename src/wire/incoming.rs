//! Recognising whatever arrives — a gateway frame `[meta, body]`, a notification
//! envelope, the same wrapped in `pn_apns`, a bare body, or one of calltop's own
//! recording lines — in a single pass over the text.

use super::api::CallSession;
use super::enums::{MessageType, TelephonyStatus};
use super::frame::{ConnectionDetails, WsError, WsMeta};
use super::lenient;
use super::notification::{
    ActiveCall, Envelope, Notification, Origin, Party, PresenceEvent, SessionEvent,
};
use super::presence::{DndStatus, PresenceStatus};
use super::queues::{queue_of_presence_path, QueuePresenceEvent};
use super::roster::RosterLine;
use super::scan::scan;
use super::time::Ts;
use super::view::ParsedView;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// What one frame, line or JSON value turned out to be.
#[derive(Clone, Debug, PartialEq)]
pub enum Incoming {
    /// A telephony/sessions notification.
    Session(Notification),
    /// A presence notification (detailedTelephonyState).
    Presence {
        envelope: Envelope,
        body: PresenceEvent,
    },
    /// A `/call-queues/{id}/presence` notification: members taking the queue's calls or
    /// not (`queue_id` from the body, else from the event path).
    QueuePresence {
        envelope: Envelope,
        queue_id: Option<String>,
        body: QueuePresenceEvent,
    },
    /// Some other notification (message-store, …): recognised and counted.
    OtherNotification { envelope: Envelope },
    /// The gateway's first frame after connecting.
    ConnectionDetails { details: ConnectionDetails },
    /// A heartbeat request or echo.
    Heartbeat,
    /// The gateway's reply to a `ClientRequest`.
    Response { body: Option<serde_json::Value> },
    /// A gateway `Error` frame.
    Error { body: Option<WsError> },
    /// A recording line: a session as calltop fetched it by REST while reconciling.
    Snapshot(Box<CallSession>),
    /// A recording line: reconciling found the session gone (404).
    Gone { telephony_session_id: String },
    /// A recording line: what calltop learned by REST about agents and queues.
    Roster(Box<RosterLine>),
    /// A recording line: an ended call joined to its call-log records.
    CallLog(Box<super::calllog::CallLogLine>),
    /// A `/voicemail` notification: a new voicemail message.
    Voicemail {
        envelope: Envelope,
        message: VoicemailNote,
    },
}

/// What a voicemail notification says of the message.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VoicemailNote {
    /// The message id.
    pub id: String,
    /// The mailbox's extension.
    pub extension_id: Option<String>,
    /// The caller's number.
    pub from: Option<String>,
    pub created: Option<Ts>,
}

/// A parsed item with the gateway meta (when it came as a frame) and the time calltop
/// received it (when read from a recording).
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed {
    pub received_at: Option<Ts>,
    pub meta: Option<Box<WsMeta>>,
    pub item: Incoming,
}

impl Parsed {
    /// The best time for this item on the stream clock: when calltop received it,
    /// else the envelope's send time, else the event time.
    pub fn stream_time(&self) -> Option<Ts> {
        let event_time = match &self.item {
            Incoming::Session(n) => n.body.event_time,
            _ => None,
        };
        self.received_at
            .or(self.item.envelope().and_then(|e| e.timestamp))
            .or(event_time)
    }
}

impl Incoming {
    /// The delivery envelope, for notifications (not for gateway frames).
    pub fn envelope(&self) -> Option<&Envelope> {
        match self {
            Incoming::Session(n) => Some(&n.envelope),
            Incoming::Presence { envelope, .. }
            | Incoming::QueuePresence { envelope, .. }
            | Incoming::OtherNotification { envelope }
            | Incoming::Voicemail { envelope, .. } => Some(envelope),
            _ => None,
        }
    }
}

/// Why a piece of input could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("not a notification or gateway frame: {0}")]
    Unrecognised(&'static str),
}

/// Parses one frame / line / value of text.
pub fn parse(text: &str) -> Result<Parsed, ParseError> {
    parse_view(text).map(ParsedView::into_owned)
}

/// Parses one frame / line / value of text into a view that borrows its strings from
/// `text`: the fast decoder ([`scan`]) for session notifications, else serde.
pub fn parse_view(text: &str) -> Result<ParsedView<'_>, ParseError> {
    match scan(text) {
        Some(p) => Ok(p),
        None => parse_with_serde(text).map(ParsedView::from),
    }
}

/// The serde decoder alone: the reference the fast decoder agrees with (for tests and
/// fuzzing), and what decodes every shape the fast decoder declines.
pub fn parse_with_serde(text: &str) -> Result<Parsed, ParseError> {
    let any: AnyValue = serde_json::from_str(text)?;
    classify(any, None)
}

/// Parses bytes that may not even be UTF-8.
pub fn parse_bytes(bytes: &[u8]) -> Result<Parsed, ParseError> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return parse(text);
    }
    let any: AnyValue = serde_json::from_slice(bytes)?;
    classify(any, None)
}

/// The union of every top-level shape; decoded in one pass and classified after.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawObject {
    // envelope
    #[serde(default, deserialize_with = "lenient::opt_id")]
    uuid: Option<String>,
    event: Option<String>,
    timestamp: Option<Ts>,
    subscription_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    owner_id: Option<String>,
    body: Option<Box<RawObject>>,
    #[serde(rename = "pn_apns")]
    pn_apns: Option<Box<RawObject>>,
    // calltop recording line
    received_at: Option<Ts>,
    frame: Option<Box<AnyValue>>,
    rest_session: Option<Box<CallSession>>,
    session_gone: Option<String>,
    call_log: Option<Box<super::calllog::CallLogLine>>,
    // voicemail message body
    #[serde(default, deserialize_with = "lenient::opt_id")]
    id: Option<String>,
    creation_time: Option<Ts>,
    from: Option<super::message::MessageParty>,
    roster: Option<Box<RosterLine>>,
    // telephony session body
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    sequence: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    session_id: Option<String>,
    telephony_session_id: Option<String>,
    server_id: Option<String>,
    event_time: Option<Ts>,
    origin: Option<Origin>,
    parties: Option<Vec<Party>>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    account_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    extension_id: Option<String>,
    // presence body
    telephony_status: Option<TelephonyStatus>,
    active_calls: Option<Vec<ActiveCall>>,
    presence_status: Option<String>,
    total_active_calls: Option<u32>,
    user_status: Option<PresenceStatus>,
    dnd_status: Option<DndStatus>,
    dnd_status_personal: Option<DndStatus>,
    accept_call_queue_calls: Option<bool>,
    // queue presence body (records kept loose: other bodies may use the name)
    records: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    call_queue_id: Option<String>,
    accept_calls: Option<serde_json::Value>,
}

/// A frame body, decoded according to the meta that precedes it.
enum FrameBody {
    Object(Box<RawObject>),
    Details(ConnectionDetails),
    Error(WsError),
    Value(serde_json::Value),
}

enum AnyValue {
    Object(Box<RawObject>),
    Frame(Box<WsMeta>, Option<FrameBody>),
    /// A recorded frame that was not valid JSON, kept as text.
    Text(String),
}

impl<'de> Deserialize<'de> for AnyValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = AnyValue;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object or a gateway frame array")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<AnyValue, A::Error> {
                let obj = RawObject::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(AnyValue::Object(Box::new(obj)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<AnyValue, A::Error> {
                let meta: WsMeta = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::custom("empty gateway frame"))?;
                let body = match meta.kind {
                    MessageType::ServerNotification => seq
                        .next_element::<RawObject>()?
                        .map(|o| FrameBody::Object(Box::new(o))),
                    MessageType::ConnectionDetails => seq.next_element()?.map(FrameBody::Details),
                    MessageType::Error => seq.next_element()?.map(FrameBody::Error),
                    _ => seq.next_element()?.map(FrameBody::Value),
                };
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(AnyValue::Frame(Box::new(meta), body))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<AnyValue, E> {
                Ok(AnyValue::Text(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<AnyValue, E> {
                Ok(AnyValue::Text(v))
            }
        }
        d.deserialize_any(V)
    }
}

fn classify(any: AnyValue, received_at: Option<Ts>) -> Result<Parsed, ParseError> {
    match any {
        AnyValue::Text(t) => {
            let inner: AnyValue = serde_json::from_str(&t)?;
            classify(inner, received_at)
        }
        AnyValue::Frame(meta, body) => {
            let item = match (&meta.kind, body) {
                (MessageType::ServerNotification, Some(FrameBody::Object(o))) => {
                    classify_object(*o, received_at)?.item
                }
                (MessageType::ServerNotification, _) => {
                    return Err(ParseError::Unrecognised(
                        "ServerNotification without a body",
                    ))
                }
                (MessageType::ConnectionDetails, Some(FrameBody::Details(d))) => {
                    Incoming::ConnectionDetails { details: d }
                }
                (MessageType::ConnectionDetails, _) => Incoming::ConnectionDetails {
                    details: ConnectionDetails::default(),
                },
                (MessageType::Heartbeat, _) => Incoming::Heartbeat,
                (MessageType::Error, Some(FrameBody::Error(e))) => {
                    Incoming::Error { body: Some(e) }
                }
                (MessageType::Error, _) => Incoming::Error { body: None },
                (_, Some(FrameBody::Value(v))) => Incoming::Response { body: Some(v) },
                (_, _) => Incoming::Response { body: None },
            };
            Ok(Parsed {
                received_at,
                meta: Some(meta),
                item,
            })
        }
        AnyValue::Object(o) => classify_object(*o, received_at),
    }
}

fn classify_object(mut o: RawObject, received_at: Option<Ts>) -> Result<Parsed, ParseError> {
    if let Some(frame) = o.frame.take() {
        return classify(*frame, o.received_at.or(received_at));
    }
    let received_at = o.received_at.or(received_at);
    let snapshot = match (
        o.rest_session.take(),
        o.session_gone.take(),
        o.call_log.take(),
        o.roster.take(),
    ) {
        (Some(cs), _, _, _) => Some(Incoming::Snapshot(cs)),
        (None, Some(id), _, _) => Some(Incoming::Gone {
            telephony_session_id: id,
        }),
        (None, None, Some(line), _) => Some(Incoming::CallLog(line)),
        (None, None, None, Some(r)) => Some(Incoming::Roster(r)),
        (None, None, None, None) => None,
    };
    if let Some(item) = snapshot {
        return Ok(Parsed {
            received_at,
            meta: None,
            item,
        });
    }
    if let Some(mut inner) = o.pn_apns.take() {
        inherit_envelope(&mut inner, &o);
        return classify_object(*inner, received_at);
    }
    let envelope = Envelope {
        uuid: o.uuid.take(),
        event: o.event.take(),
        timestamp: o.timestamp,
        subscription_id: o.subscription_id.take(),
        owner_id: o.owner_id.take(),
    };
    let body = match o.body.take() {
        Some(b) => *b,
        None => o,
    };
    let item = classify_body(body, envelope)?;
    Ok(Parsed {
        received_at,
        meta: None,
        item,
    })
}

fn inherit_envelope(inner: &mut RawObject, outer: &RawObject) {
    if inner.uuid.is_none() {
        inner.uuid = outer.uuid.clone();
    }
    if inner.subscription_id.is_none() {
        inner.subscription_id = outer.subscription_id.clone();
    }
    if inner.owner_id.is_none() {
        inner.owner_id = outer.owner_id.clone();
    }
}

fn classify_body(b: RawObject, envelope: Envelope) -> Result<Incoming, ParseError> {
    if let Some(telephony_session_id) = b.telephony_session_id.filter(|_| b.active_calls.is_none())
    {
        return Ok(Incoming::Session(Notification {
            envelope,
            body: SessionEvent {
                sequence: b.sequence,
                session_id: b.session_id,
                telephony_session_id,
                server_id: b.server_id,
                event_time: b.event_time,
                origin: b.origin,
                parties: b.parties.unwrap_or_default(),
                account_id: b.account_id,
                extension_id: b.extension_id,
            },
        }));
    }
    let path_queue = envelope.event.as_deref().and_then(queue_of_presence_path);
    if (path_queue.is_some() || b.call_queue_id.is_some())
        && (b.records.is_some() || b.accept_calls.is_some())
    {
        let queue_id = b.call_queue_id.clone().or(path_queue.map(str::to_string));
        // Records that do not have the member shape are skipped, not fatal.
        let records = b.records.and_then(|r| match r {
            serde_json::Value::Array(v) => Some(
                v.into_iter()
                    .filter_map(|r| serde_json::from_value(r).ok())
                    .collect(),
            ),
            _ => None,
        });
        return Ok(Incoming::QueuePresence {
            envelope,
            queue_id,
            body: QueuePresenceEvent {
                records,
                extension_id: b.extension_id,
                call_queue_id: b.call_queue_id,
                accept_calls: b.accept_calls.and_then(|v| v.as_bool()),
            },
        });
    }
    if b.active_calls.is_some() || b.telephony_status.is_some() || b.presence_status.is_some() {
        return Ok(Incoming::Presence {
            envelope,
            body: PresenceEvent {
                extension_id: b.extension_id,
                telephony_status: b.telephony_status,
                active_calls: b.active_calls.unwrap_or_default(),
                sequence: b.sequence,
                presence_status: b.presence_status,
                total_active_calls: b.total_active_calls,
                user_status: b.user_status,
                dnd_status: b.dnd_status,
                dnd_status_personal: b.dnd_status_personal,
                accept_call_queue_calls: b.accept_call_queue_calls,
            },
        });
    }
    let voicemail = envelope
        .event
        .as_deref()
        .is_some_and(|e| e.split('?').next().unwrap_or(e).ends_with("/voicemail"));
    if voicemail {
        if let Some(id) = b.id {
            return Ok(Incoming::Voicemail {
                envelope,
                message: VoicemailNote {
                    id,
                    extension_id: b.extension_id,
                    from: b.from.and_then(|f| f.phone_number.or(f.extension_number)),
                    created: b.creation_time,
                },
            });
        }
    }
    if envelope.event.is_some() {
        return Ok(Incoming::OtherNotification { envelope });
    }
    Err(ParseError::Unrecognised(
        "no telephonySessionId, activeCalls or event",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::StatusCode;

    const EVENT: &str = r#"{"uuid":"1","event":"/restapi/v1.0/account/1/telephony/sessions","timestamp":"2020-06-23T01:05:44.013Z","subscriptionId":"x","ownerId":"809646016","body":{"sequence":2,"sessionId":"429180487016","telephonySessionId":"s-1","serverId":"10.13.22.27.TAM","eventTime":"2020-06-23T01:05:43.940Z","parties":[{"accountId":"809646016","id":"p-1-1","direction":"Outbound","to":{"phoneNumber":"+18003151571"},"from":{"phoneNumber":"+14083388064"},"status":{"code":"Setup","rcc":false},"park":{},"missedCall":false,"standAlone":false,"muted":false}],"origin":{"type":"Call"}}}"#;

    fn session(p: Parsed) -> Notification {
        match p.item {
            Incoming::Session(n) => n,
            other => panic!("not a session event: {other:?}"),
        }
    }

    #[test]
    fn envelope_bare_frame_and_recording_agree() {
        let direct = session(parse(EVENT).unwrap());
        assert_eq!(direct.body.sequence, Some(2));
        assert_eq!(
            direct.body.parties[0].status.as_ref().unwrap().code,
            StatusCode::Setup
        );
        assert_eq!(direct.envelope.uuid.as_deref(), Some("1"));

        let body = serde_json::to_string(
            &serde_json::from_str::<serde_json::Value>(EVENT).unwrap()["body"],
        )
        .unwrap();
        assert_eq!(session(parse(&body).unwrap()).body, direct.body);

        let frame = format!(
            r#"[{{"type":"ServerNotification","messageId":"1","status":200,"wsc":{{"token":"t","sequence":7}}}},{EVENT}]"#
        );
        let p = parse(&frame).unwrap();
        assert_eq!(p.meta.as_ref().unwrap().wsc.as_ref().unwrap().sequence, 7);
        assert_eq!(session(p), direct);

        let line = format!(r#"{{"receivedAt":"2020-06-23T01:05:44.100Z","frame":{frame}}}"#);
        let p = parse(&line).unwrap();
        assert_eq!(p.received_at, Ts::parse("2020-06-23T01:05:44.100Z"));
        assert_eq!(session(p), direct);

        let apns = format!(
            r#"{{"uuid":"1","pn_apns":{{"aps":{{}},{}}}}}"#,
            &EVENT[1..EVENT.len() - 1]
        );
        assert_eq!(session(parse(&apns).unwrap()), direct);
    }

    #[test]
    fn text_frames_in_recordings_and_garbage() {
        let line = r#"{"receivedAt":"2020-06-23T01:05:44.100Z","frame":"[{\"type\":\"Heartbeat\",\"messageId\":\"a\"}]"}"#;
        assert_eq!(parse(line).unwrap().item, Incoming::Heartbeat);
        let bad = r#"{"receivedAt":"2020-06-23T01:05:44.100Z","frame":"not json"}"#;
        assert!(matches!(parse(bad), Err(ParseError::Json(_))));
        for junk in [
            "",
            "{",
            "[]",
            "[1]",
            "null",
            "42",
            "{\"a\":1}",
            "{\"body\":{\"sequence\":\"x\"}}",
            "\u{0}\u{1}",
        ] {
            assert!(parse(junk).is_err(), "{junk:?} should not parse");
        }
        assert!(parse_bytes(&[0xff, 0xfe, b'{']).is_err());
    }

    #[test]
    fn queue_presence_both_shapes_presence_fields_and_roster_lines() {
        let guide = r#"{"uuid":"u","event":"/restapi/v1.0/account/1/call-queues/9/presence","timestamp":"2019-06-14T12:00:00.000Z","body":{"records":[{"member":{"id":"411753183004"},"acceptCurrentQueueCalls":true},{"bad":1}]}}"#;
        let Incoming::QueuePresence { queue_id, body, .. } = parse(guide).unwrap().item else {
            panic!("not queue presence")
        };
        assert_eq!(queue_id.as_deref(), Some("9"));
        let records = body.records.unwrap();
        assert_eq!(records.len(), 1, "a record of another shape is skipped");
        assert_eq!(records[0].accept_current_queue_calls, Some(true));
        let schema = r#"{"event":"/restapi/v1.0/account/1/call-queues/9/presence","body":{"extensionId":7,"callQueueId":"8","acceptCalls":false}}"#;
        let Incoming::QueuePresence { queue_id, body, .. } = parse(schema).unwrap().item else {
            panic!("not queue presence")
        };
        assert_eq!(queue_id.as_deref(), Some("8"), "the body's queue wins");
        assert_eq!(
            (body.extension_id.as_deref(), body.accept_calls),
            (Some("7"), Some(false))
        );
        // another notification with `records` stays another notification
        let other =
            r#"{"event":"/restapi/v1.0/account/1/extension/2/message-store","body":{"records":5}}"#;
        assert!(matches!(
            parse(other).unwrap().item,
            Incoming::OtherNotification { .. }
        ));

        let presence = r#"{"event":"/restapi/v1.0/account/1/extension/2/presence?detailedTelephonyState=true","timestamp":"2022-02-10T08:43:42.805Z","body":{"extensionId":2,"telephonyStatus":"NoCall","presenceStatus":"Busy","userStatus":"Busy","dndStatus":"Sleeping","acceptCallQueueCalls":false,"sequence":3}}"#;
        let Incoming::Presence { body, .. } = parse(presence).unwrap().item else {
            panic!("not presence")
        };
        assert_eq!(body.user_status, Some(PresenceStatus::Busy));
        assert_eq!(body.dnd_status, Some(DndStatus::Unknown("Sleeping".into())));
        assert_eq!(body.accept_call_queue_calls, Some(false));

        let line = r#"{"receivedAt":"2024-05-01T12:00:01.500Z","roster":{"queue":{"id":"9","name":"Sales","serviceLevelSettings":{"slaThresholdSeconds":30}}}}"#;
        let p = parse(line).unwrap();
        assert_eq!(p.received_at, Ts::parse("2024-05-01T12:00:01.500Z"));
        let Incoming::Roster(r) = p.item else {
            panic!("not a roster line")
        };
        let RosterLine::Queue(q) = *r else { panic!() };
        assert_eq!(
            q.service_level_settings.unwrap().sla_threshold_seconds,
            Some(30)
        );
    }
}
