//! Telephony-session notification payloads: the envelope, the session event body and
//! its parties, and presence bodies with `detailedTelephonyState`.

use super::enums::{ConferenceRole, Direction, OriginType, Reason, StatusCode, TelephonyStatus};
use super::lenient;
use super::presence::{DndStatus, PresenceStatus};
use super::time::Ts;
use serde::{Deserialize, Serialize};

/// One end of a call as a party sees it (`from` / `to`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub extension_id: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub device_id: Option<String>,
}

impl Endpoint {
    /// The best short label: name and number, or whichever is known.
    pub fn label(&self) -> String {
        match (&self.name, &self.phone_number) {
            (Some(n), Some(p)) => format!("{n} {p}"),
            (Some(n), None) => n.clone(),
            (None, Some(p)) => p.clone(),
            (None, None) => self.extension_id.clone().unwrap_or_default(),
        }
    }
}

/// `status.peerId`: the other end of a cross call (attended transfer, pickup, barge).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerId {
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telephony_session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party_id: Option<String>,
}

/// `status.mobilePickupData`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MobilePickupData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cc_mailboxes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub sid: Option<String>,
    #[serde(
        default,
        alias = "srvlvl",
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub srv_lvl: Option<String>,
    #[serde(
        default,
        alias = "srvlvlExt",
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub srv_lvl_ext: Option<String>,
}

/// A party's status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    pub code: StatusCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub park_data: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_id: Option<Box<PeerId>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_pickup_data: Option<Box<MobilePickupData>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Park {
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<String>,
}

/// One recording of a party (`recordings[]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recording {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    #[serde(default)]
    pub active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
}

/// `sipData` of a party.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SipData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_tag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_tag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_uri: Option<String>,
}

/// One `{type, value}` item of `uiCallInfo`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UiInfoItem {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// `uiCallInfo`: what the RingCentral app shows for the call (queue name, caller id name).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UiCallInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<UiInfoItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional: Option<UiInfoItem>,
}

/// `owner` of a party in REST responses.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Owner {
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub account_id: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub extension_id: Option<String>,
}

/// A party as notifications and Call Control responses describe it. Every field but
/// `id` is optional: a notification is a partial update of the party.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Party {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub account_id: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub extension_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Endpoint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Endpoint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub park: Option<Park>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recordings: Option<Vec<Recording>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_call: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missed_call: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stand_alone: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub muted: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conference_role: Option<ConferenceRole>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sip_data: Option<SipData>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ui_call_info: Option<UiCallInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
}

/// `origin` of a session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    #[serde(rename = "type")]
    pub kind: OriginType,
}

/// The body of a telephony/sessions notification: one update of a session.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionEvent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<i64>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub session_id: Option<String>,
    pub telephony_session_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_time: Option<Ts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
    #[serde(default)]
    pub parties: Vec<Party>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub account_id: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub extension_id: Option<String>,
}

/// The delivery envelope around a notification body.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub uuid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Ts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
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
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActiveCall {
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_name: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telephony_status: Option<TelephonyStatus>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<Ts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telephony_session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_type: Option<String>,
}

/// A presence body (`…/presence?detailedTelephonyState=true`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PresenceEvent {
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub extension_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telephony_status: Option<TelephonyStatus>,
    #[serde(default)]
    pub active_calls: Vec<ActiveCall>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub sequence: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
