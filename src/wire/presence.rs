//! Presence (supervisor-api.md §2): `GET`/`PUT …/extension/{id}/presence`, the paged
//! account presence, and the presence notification bodies (simple, detailed with
//! `activeCalls`, with `sipData`, DND). One type serves the REST body and the
//! notification body: REST carries `uri` + `extension`, notifications `extensionId` +
//! `sequence` (+ `totalActiveCalls`).

use super::enums::TelephonyStatus;
use super::notification::{ActiveCall, UiCallInfo};
use super::paging::Extra;
use serde::{Deserialize, Serialize};

wire_enum! {
    /// `presenceStatus` (aggregated) and `userStatus` (user-published).
    PresenceStatus {
        Offline = "Offline",
        Busy = "Busy",
        Available = "Available",
    }
}

wire_enum! {
    /// `dndStatus` (and `dndStatusPersonal`, which uses two of the values).
    DndStatus {
        TakeAllCalls = "TakeAllCalls",
        DoNotAcceptDepartmentCalls = "DoNotAcceptDepartmentCalls",
        TakeDepartmentCallsOnly = "TakeDepartmentCallsOnly",
        DoNotAcceptAnyCalls = "DoNotAcceptAnyCalls",
    }
}

impl DndStatus {
    /// True when the status keeps call-queue calls away (§2.3).
    pub fn blocks_queue_calls(&self) -> bool {
        matches!(
            self,
            DndStatus::DoNotAcceptDepartmentCalls | DndStatus::DoNotAcceptAnyCalls
        )
    }
}

wire_enum! {
    /// `meetingStatus`.
    MeetingStatus {
        Connected = "Connected",
        Disconnected = "Disconnected",
    }
}

/// `extension` of a REST presence body (`id` is a JSON number).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PresenceExtension {
    #[serde(
        default,
        deserialize_with = "super::lenient::opt_id",
        serialize_with = "super::ids::ser_opt_num"
    )]
    pub id: Option<String>,
    pub uri: Option<String>,
    pub extension_number: Option<String>,
}

/// `activeCalls[].sipData` (only with `sipData=true`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActiveCallSipData {
    pub call_id: Option<String>,
    pub to_tag: Option<String>,
    pub from_tag: Option<String>,
    pub remote_uri: Option<String>,
    pub local_uri: Option<String>,
    pub rc_session_id: Option<String>,
}

/// One `activeCalls[]` entry as REST and detailed notifications carry it
/// (`ActiveCallInfo`): the base fields of [`ActiveCall`] plus the queue-call flag, the
/// queue display info (`callInfo`, the presence twin of `uiCallInfo`) and `sipData`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActiveCallInfo {
    #[serde(flatten)]
    pub call: ActiveCall,
    pub queue_call: Option<bool>,
    pub call_info: Option<UiCallInfo>,
    pub sip_data: Option<ActiveCallSipData>,
    pub on_behalf_of: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A presence: `PresenceInfoResponse` (REST), a record of the account presence, or a
/// presence notification body (simple / detailed / DND).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PresenceInfo {
    pub uri: Option<String>,
    pub extension: Option<PresenceExtension>,
    /// Notifications: the extension (documented string, captured as a number).
    #[serde(
        default,
        deserialize_with = "super::lenient::opt_id",
        serialize_with = "super::ids::ser_opt_num"
    )]
    pub extension_id: Option<String>,
    pub presence_status: Option<PresenceStatus>,
    pub user_status: Option<PresenceStatus>,
    pub telephony_status: Option<TelephonyStatus>,
    pub dnd_status: Option<DndStatus>,
    pub dnd_status_personal: Option<DndStatus>,
    pub accept_call_queue_calls: Option<bool>,
    pub meeting_status: Option<MeetingStatus>,
    pub message: Option<String>,
    pub allow_see_my_presence: Option<bool>,
    pub ring_on_monitored_call: Option<bool>,
    pub pick_up_calls_on_hold: Option<bool>,
    pub active_calls: Option<Vec<ActiveCallInfo>>,
    pub total_active_calls: Option<u32>,
    /// Notifications: per-extension order number.
    #[serde(default, deserialize_with = "super::lenient::opt_i64")]
    pub sequence: Option<i64>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The agent state a supervisor view derives from one presence body (supervisor-api.md
/// §7.2), shared by the client and the simulator's ground truth.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AgentState {
    /// `presenceStatus` Offline.
    Offline,
    /// `telephonyStatus` Ringing.
    Ringing,
    /// `telephonyStatus` CallConnected.
    OnCall,
    /// `telephonyStatus` OnHold.
    OnHold,
    /// `telephonyStatus` ParkedCall.
    Parked,
    /// `dndStatus` or `dndStatusPersonal` DoNotAcceptAnyCalls.
    Dnd,
    /// `dndStatus` DoNotAcceptDepartmentCalls or `acceptCallQueueCalls` false.
    OffQueue,
    /// `userStatus` Busy.
    Busy,
    /// None of the above.
    Available,
}

/// What the user set that keeps queue calls away, whatever its calls: `Offline`, `Dnd`
/// (no calls at all), `OffQueue` (DND for queue calls, or not accepting them); `None`:
/// it takes them.
pub fn takes_no_queue_calls(p: &PresenceInfo) -> Option<AgentState> {
    if p.presence_status == Some(PresenceStatus::Offline) {
        return Some(AgentState::Offline);
    }
    let any = Some(DndStatus::DoNotAcceptAnyCalls);
    if p.dnd_status == any || p.dnd_status_personal == any {
        return Some(AgentState::Dnd);
    }
    if p.dnd_status == Some(DndStatus::DoNotAcceptDepartmentCalls)
        || p.accept_call_queue_calls == Some(false)
    {
        return Some(AgentState::OffQueue);
    }
    None
}

/// §7.2, in this order: Offline; the telephony status; DND; off queue; Busy; Available.
pub fn agent_state(p: &PresenceInfo) -> AgentState {
    if p.presence_status == Some(PresenceStatus::Offline) {
        return AgentState::Offline;
    }
    match p.telephony_status {
        Some(TelephonyStatus::Ringing) => return AgentState::Ringing,
        Some(TelephonyStatus::CallConnected) => return AgentState::OnCall,
        Some(TelephonyStatus::OnHold) => return AgentState::OnHold,
        Some(TelephonyStatus::ParkedCall) => return AgentState::Parked,
        _ => {}
    }
    if let Some(away) = takes_no_queue_calls(p) {
        return away;
    }
    if p.user_status == Some(PresenceStatus::Busy) {
        return AgentState::Busy;
    }
    AgentState::Available
}
/// `PUT …/extension/{id}/presence` body (`PresenceInfoRequest`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PresenceUpdate {
    pub user_status: Option<PresenceStatus>,
    pub dnd_status: Option<DndStatus>,
    pub dnd_status_personal: Option<DndStatus>,
    pub message: Option<String>,
    pub allow_see_my_presence: Option<bool>,
    pub ring_on_monitored_call: Option<bool>,
    pub pick_up_calls_on_hold: Option<bool>,
    pub accept_call_queue_calls: Option<bool>,
}

/// `GET /restapi/v1.0/account/{a}/presence` (`AccountPresenceInfo`).
pub type AccountPresence = super::paging::RecordList<PresenceInfo>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captured_presence_notification_body() {
        // The 2022 capture (supervisor-api.md §2.5), body only.
        let raw = r#"{"extensionId":908199004,"telephonyStatus":"Ringing","activeCalls":[{"id":"j4d3cdrpsor53mefq01c","direction":"Outbound","from":"+19073490936","to":"+12055439065","telephonyStatus":"Ringing","sipData":{"toTag":"c13ltuhnoj","fromTag":"10.74.13.130-5070-881943ee-889e-440a","remoteUri":"-","localUri":"-"},"sessionId":"45561702004","startTime":"2022-02-10T08:43:42.718Z","partyId":"p-a4a0d8226a3d4z17ee2cd74ddz2edde0000-1","telephonySessionId":"s-a4a0d8226a3d4z17ee2cd74ddz2edde0000"}],"sequence":10,"presenceStatus":"Available","userStatus":"Available","dndStatus":"TakeAllCalls","meetingStatus":"Disconnected","allowSeeMyPresence":true,"ringOnMonitoredCall":false,"pickUpCallsOnHold":false,"totalActiveCalls":1}"#;
        let p: PresenceInfo = serde_json::from_str(raw).unwrap();
        assert_eq!(p.extension_id.as_deref(), Some("908199004"));
        assert_eq!(p.sequence, Some(10));
        let c = &p.active_calls.as_ref().unwrap()[0];
        assert_eq!(
            c.call.party_id.as_deref(),
            Some("p-a4a0d8226a3d4z17ee2cd74ddz2edde0000-1")
        );
        assert_eq!(
            c.sip_data.as_ref().unwrap().to_tag.as_deref(),
            Some("c13ltuhnoj")
        );
        assert!(
            c.extra.is_empty(),
            "named fields are not kept twice: {:?}",
            c.extra
        );
        let back = serde_json::to_value(&p).unwrap();
        assert_eq!(back["extensionId"], 908199004u64);
        assert_eq!(back["activeCalls"][0]["sessionId"], "45561702004");
    }
}
