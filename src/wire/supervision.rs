//! Call-out, conference, supervise and bring-in bodies (supervisor-api.md §6). Their
//! responses carry parties in the Call Control shape ([`Party`], with `owner`).

use super::api::CallSession;
use serde::{Deserialize, Serialize};

/// `from` / `to` of a call-out request.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallOutParty {
    #[serde(default, deserialize_with = "super::lenient::opt_id")]
    pub device_id: Option<String>,
    #[serde(default, deserialize_with = "super::lenient::opt_id")]
    pub extension_id: Option<String>,
    pub phone_number: Option<String>,
    pub extension_number: Option<String>,
}

/// `POST …/telephony/call-out` body (`MakeCallOutRequest`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallOutRequest {
    pub from: Option<CallOutParty>,
    pub to: Option<CallOutParty>,
    pub country_id: Option<serde_json::Value>,
}

/// The 201 body of call-out and conference: the new session, wrapped in `session`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionCreated {
    pub session: CallSession,
}

/// `POST …/sessions/{id}/supervise` and `…/parties/{id}/supervise` bodies: the current
/// keys (`supervisorDeviceId`, `agentExtensionId` / `agentExtensionNumber`) and the
/// legacy ones the call-control SDK still sends (`deviceId`, `extensionNumber`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SuperviseRequest {
    pub mode: Option<String>,
    #[serde(default, deserialize_with = "super::lenient::opt_id")]
    pub supervisor_device_id: Option<String>,
    #[serde(default, deserialize_with = "super::lenient::opt_id")]
    pub agent_extension_id: Option<String>,
    pub agent_extension_number: Option<String>,
    #[serde(default, deserialize_with = "super::lenient::opt_id")]
    pub device_id: Option<String>,
    pub extension_number: Option<String>,
    pub auto_answer: Option<bool>,
    #[serde(rename = "mediaSDP")]
    pub media_sdp: Option<String>,
}

impl SuperviseRequest {
    /// The supervisor's device, current key first.
    pub fn device(&self) -> Option<&str> {
        self.supervisor_device_id
            .as_deref()
            .or(self.device_id.as_deref())
    }

    /// The agent's extension number, current key first.
    pub fn agent_number(&self) -> Option<&str> {
        self.agent_extension_number
            .as_deref()
            .or(self.extension_number.as_deref())
    }
}

/// `POST …/parties/bring-in` body: `sessionId` (current schema, call-control SDK) or
/// `telephonySessionId` (spec 1.0.46 and the guide's example), plus `partyId`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BringInRequest {
    pub session_id: Option<String>,
    pub telephony_session_id: Option<String>,
    pub party_id: Option<String>,
}

impl BringInRequest {
    /// The telephony session of the party to bring in, whichever key carried it.
    pub fn session(&self) -> Option<&str> {
        self.session_id
            .as_deref()
            .or(self.telephony_session_id.as_deref())
    }
}
