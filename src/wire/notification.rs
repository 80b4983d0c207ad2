//! Telephony-session notification payloads: the envelope, the session event body and
//! its parties, and presence bodies with `detailedTelephonyState`.

use super::enums::{ConferenceRole, Direction, OriginType, Reason, StatusCode, TelephonyStatus};
use super::lenient;
use super::presence::{DndStatus, PresenceStatus};
use super::time::Ts;
use serde::{Deserialize, Serialize};

/// One end of a call as a party sees it (`from` / `to`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    #[serde(default)]
    pub phone_number: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub extension_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub device_id: Option<String>,
}

impl Endpoint {
    /// The best short label: name and number, or whichever is known.
    pub fn label(&self) -> String {
        label(
            self.name.as_deref(),
            self.phone_number.as_deref(),
            self.extension_id.as_deref(),
        )
    }
}

/// An end's label: `name number`, else either, else the extension id.
pub fn label(name: Option<&str>, number: Option<&str>, extension_id: Option<&str>) -> String {
    let (head, tail) = label_parts(name, number, extension_id);
    join_label(head, tail)
}

/// An end's label in two parts, joined by a space: the name and the number, else
/// either alone, else the extension id (empty when there is none).
pub fn label_parts<'a>(
    name: Option<&'a str>,
    number: Option<&'a str>,
    extension_id: Option<&'a str>,
) -> (&'a str, Option<&'a str>) {
    match (name, number) {
        (Some(n), Some(p)) => (n, Some(p)),
        (Some(n), None) => (n, None),
        (None, Some(p)) => (p, None),
        (None, None) => (extension_id.unwrap_or_default(), None),
    }
}

/// A label of its [parts](label_parts), built by hand: `format!` costs several times as
/// much, and this runs once per agent party.
pub fn join_label(head: &str, tail: Option<&str>) -> String {
    let mut label = String::with_capacity(head.len() + tail.map_or(0, |t| t.len() + 1));
    label.push_str(head);
    if let Some(tail) = tail {
        label.push(' ');
        label.push_str(tail);
    }
    label
}

/// `status.peerId`: the other end of a cross call (attended transfer, pickup, barge).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerId {
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub session_id: Option<String>,
    #[serde(default)]
    pub telephony_session_id: Option<String>,
    #[serde(default)]
    pub party_id: Option<String>,
}

/// `status.mobilePickupData`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MobilePickupData {
    #[serde(default)]
    pub cc_mailboxes: Option<Vec<String>>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub sid: Option<String>,
    #[serde(default, alias = "srvlvl", deserialize_with = "lenient::opt_id")]
    pub srv_lvl: Option<String>,
    #[serde(default, alias = "srvlvlExt", deserialize_with = "lenient::opt_id")]
    pub srv_lvl_ext: Option<String>,
}

/// A party's status.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    pub code: StatusCode,
    #[serde(default)]
    pub reason: Option<Reason>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub park_data: Option<String>,
    #[serde(default)]
    pub peer_id: Option<Box<PeerId>>,
    #[serde(default)]
    pub mobile_pickup_data: Option<Box<MobilePickupData>>,
    #[serde(default)]
    pub rcc: Option<bool>,
}

impl Status {
    /// A status with just a code.
    pub fn code(code: StatusCode) -> Status {
        Status {
            code,
            reason: None,
            description: None,
            park_data: None,
            peer_id: None,
            mobile_pickup_data: None,
            rcc: None,
        }
    }

    /// A status with a code and a reason.
    pub fn with_reason(code: StatusCode, reason: Reason) -> Status {
        Status {
            reason: Some(reason),
            ..Status::code(code)
        }
    }
}

/// `park` of a party: the park orbit / location id while parked.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Park {
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub id: Option<String>,
}

/// One recording of a party (`recordings[]`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recording {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    #[serde(default)]
    pub active: bool,
    #[serde(default)]
    pub mode: Option<String>,
}

/// `sipData` of a party.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SipData {
    #[serde(default)]
    pub call_id: Option<String>,
    #[serde(default)]
    pub to_tag: Option<String>,
    #[serde(default)]
    pub from_tag: Option<String>,
    #[serde(default)]
    pub remote_uri: Option<String>,
    #[serde(default)]
    pub local_uri: Option<String>,
}

/// One `{type, value}` item of `uiCallInfo`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UiInfoItem {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub value: Option<String>,
}

/// `uiCallInfo`: what the RingCentral app shows for the call (queue name, caller id name).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UiCallInfo {
    #[serde(default)]
    pub primary: Option<UiInfoItem>,
    #[serde(default)]
    pub additional: Option<UiInfoItem>,
}

/// `owner` of a party in REST responses.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Owner {
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub account_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub extension_id: Option<String>,
}

/// A party as notifications and Call Control responses describe it. Every field but
/// `id` is optional: a notification is a partial update of the party.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Party {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub account_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub extension_id: Option<String>,
    #[serde(default)]
    pub direction: Option<Direction>,
    #[serde(default)]
    pub from: Option<Endpoint>,
    #[serde(default)]
    pub to: Option<Endpoint>,
    #[serde(default)]
    pub status: Option<Status>,
    #[serde(default)]
    pub park: Option<Park>,
    #[serde(default)]
    pub recordings: Option<Vec<Recording>>,
    #[serde(default)]
    pub queue_call: Option<bool>,
    #[serde(default)]
    pub missed_call: Option<bool>,
    #[serde(default)]
    pub stand_alone: Option<bool>,
    #[serde(default)]
    pub muted: Option<bool>,
    #[serde(default)]
    pub conference_role: Option<ConferenceRole>,
    #[serde(default)]
    pub sip_data: Option<SipData>,
    #[serde(default)]
    pub ui_call_info: Option<UiCallInfo>,
    #[serde(default)]
    pub owner: Option<Owner>,
}

/// `origin` of a session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    #[serde(rename = "type")]
    pub kind: OriginType,
}

/// The body of a telephony/sessions notification: one update of a session.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionEvent {
    #[serde(default)]
    pub sequence: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub session_id: Option<String>,
    pub telephony_session_id: String,
    #[serde(default)]
    pub server_id: Option<String>,
    #[serde(default)]
    pub event_time: Option<Ts>,
    #[serde(default)]
    pub origin: Option<Origin>,
    #[serde(default)]
    pub parties: Vec<Party>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub account_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub extension_id: Option<String>,
}

/// The delivery envelope around a notification body.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub uuid: Option<String>,
    #[serde(default)]
    pub event: Option<String>,
    #[serde(default)]
    pub timestamp: Option<Ts>,
    #[serde(default)]
    pub subscription_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub owner_id: Option<String>,
}

/// A telephony/sessions notification: envelope plus session event.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    #[serde(flatten)]
    pub envelope: Envelope,
    pub body: SessionEvent,
}

/// One entry of presence `activeCalls` (detailedTelephonyState).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActiveCall {
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub id: Option<String>,
    #[serde(default)]
    pub direction: Option<Direction>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub from: Option<String>,
    #[serde(default)]
    pub from_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub to: Option<String>,
    #[serde(default)]
    pub to_name: Option<String>,
    #[serde(default)]
    pub telephony_status: Option<TelephonyStatus>,
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub session_id: Option<String>,
    #[serde(default)]
    pub start_time: Option<Ts>,
    #[serde(default)]
    pub party_id: Option<String>,
    #[serde(default)]
    pub telephony_session_id: Option<String>,
    #[serde(default)]
    pub termination_type: Option<String>,
}

/// A presence body (`…/presence?detailedTelephonyState=true`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PresenceEvent {
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub extension_id: Option<String>,
    #[serde(default)]
    pub telephony_status: Option<TelephonyStatus>,
    #[serde(default)]
    pub active_calls: Vec<ActiveCall>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub sequence: Option<i64>,
    #[serde(default)]
    pub presence_status: Option<String>,
    #[serde(default)]
    pub total_active_calls: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_status: Option<PresenceStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dnd_status: Option<DndStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dnd_status_personal: Option<DndStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_call_queue_calls: Option<bool>,
}
