//! The call log (call-log.md §1) and call recordings (§4.3): records with their legs
//! (`view=Detailed`), the join keys to telephony sessions (`telephonySessionId`,
//! `sessionId`, `partyId`), `recording` and `message` links.

use super::paging::Extra;
use super::time::Ts;
use serde::{Deserialize, Serialize};

wire_enum! {
    /// `result` of a record or leg. Spellings drift (`Hang Up` / `Hang up`): parsed
    /// case-insensitively, unknown values kept.
    CallResult {
        Accepted = "Accepted" | "Call accepted",
        CallConnected = "Call connected",
        InProgress = "In Progress" | "ResultInProgress",
        Voicemail = "Voicemail",
        SentToVoicemail = "Sent to Voicemail",
        Reply = "Reply",
        Missed = "Missed",
        Busy = "Busy",
        Rejected = "Rejected",
        NoAnswer = "No Answer",
        HangUp = "Hang Up",
        Abandoned = "Abandoned",
        Declined = "Declined",
        Stopped = "Stopped",
        AnsweredElsewhere = "Answered Elsewhere",
        AnsweredNotAccepted = "Answered Not Accepted",
        CallbackRequested = "Callback requested",
        Blocked = "Blocked",
        CallFailed = "Call Failed",
        CallFailure = "Call Failure",
        InternalError = "Internal Error",
        IpPhoneOffline = "IP Phone Offline",
        NoCallingCredit = "No Calling Credit",
        NotAllowed = "Not Allowed",
        RestrictedNumber = "Restricted Number",
        WrongNumber = "Wrong Number",
        InternationalDisabled = "International Disabled",
        InternationalRestricted = "International Restricted",
        SuspendedAccount = "Suspended account",
        Received = "Received",
        Sent = "Sent",
    }
}

wire_enum! {
    /// `reason` of a record or leg (call-log.md §1.4.3).
    CallReason {
        Accepted = "Accepted",
        Connected = "Connected",
        LineBusy = "Line Busy",
        NotAnswered = "Not Answered",
        NoAnswer = "No Answer",
        HangUp = "Hang Up",
        Stopped = "Stopped",
        InternalError = "Internal Error",
        NoCredit = "No Credit",
        RestrictedNumber = "Restricted Number",
        WrongNumber = "Wrong Number",
        InternationalDisabled = "International Disabled",
        InternationalRestricted = "International Restricted",
        BadNumber = "Bad Number",
        NoDigitalLine = "No Digital Line",
        FailedTryAgain = "Failed Try Again",
        MaxCallLimit = "Max Call Limit",
        TooManyCalls = "Too Many Calls",
        CallsNotAccepted = "Calls Not Accepted",
        NumberNotAllowed = "Number Not Allowed",
        NumberBlocked = "Number Blocked",
        NumberDisabled = "Number Disabled",
        CallLoop = "Call Loop",
    }
}

wire_enum! {
    /// `action` of a record or leg.
    CallAction {
        PhoneCall = "Phone Call",
        VoipCall = "VoIP Call",
        AcceptCall = "Accept Call",
        Hunting = "Hunting",
        Transfer = "Transfer",
        CallPark = "Call Park",
        ParkLocation = "Park Location",
        Monitoring = "Monitoring",
        ConferenceCall = "Conference Call",
        CallOutCallMe = "CallOut-CallMe",
        RingOutWeb = "RingOut Web",
        RingOutPc = "RingOut PC",
        RingOutMobile = "RingOut Mobile",
        RingDirectly = "Ring Directly",
        FindMe = "FindMe",
        FollowMe = "FollowMe",
        Pickup = "Pickup",
        IncomingFax = "Incoming Fax",
        OutgoingFax = "Outgoing Fax",
    }
}

wire_enum! {
    /// `legType` of a leg.
    LegType {
        Accept = "Accept",
        PstnToSip = "PstnToSip",
        SipToPstnMetered = "SipToPstnMetered",
        SipToPstnUnmetered = "SipToPstnUnmetered",
        ExtensionToExtension = "ExtensionToExtension",
        Hunting = "Hunting",
        TransferCall = "TransferCall",
        CallPark = "CallPark",
        ParkLocation = "ParkLocation",
        ConferenceCall = "ConferenceCall",
        MoveToConference = "MoveToConference",
        Monitoring = "Monitoring",
        SilentMonitoring = "SilentMonitoring",
        Pickup = "Pickup",
        FindMe = "FindMe",
        FollowMe = "FollowMe",
        CallMeCallOut = "CallMeCallOut",
        RingDirectly = "RingDirectly",
    }
}

wire_enum! {
    /// `type` of a call-log record.
    CallType {
        Voice = "Voice",
        Fax = "Fax",
    }
}

wire_enum! {
    /// `transport` of a record or leg.
    Transport {
        Pstn = "PSTN",
        Voip = "VoIP",
    }
}

wire_enum! {
    /// `recording.type`.
    RecordingType {
        Automatic = "Automatic",
        OnDemand = "OnDemand",
    }
}

/// `from` / `to` of a record or leg.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallLogParty {
    pub phone_number: Option<String>,
    pub extension_number: Option<String>,
    #[serde(default, deserialize_with = "super::lenient::opt_id")]
    pub extension_id: Option<String>,
    pub location: Option<String>,
    pub name: Option<String>,
    pub device: Option<super::directory::Ref>,
    pub dialer_phone_number: Option<String>,
    pub dialed_phone_number: Option<String>,
}

/// `recording` of a record or leg.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallLogRecording {
    #[serde(default, deserialize_with = "super::lenient::opt_id")]
    pub id: Option<String>,
    pub uri: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<RecordingType>,
    pub content_uri: Option<String>,
}

/// `message` of a record or leg: the linked voicemail (or fax).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallLogMessage {
    #[serde(default, deserialize_with = "super::lenient::opt_id")]
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub uri: Option<String>,
}

/// `extension` of a record or leg (`id` is a JSON number).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallLogExtension {
    #[serde(
        default,
        deserialize_with = "super::lenient::opt_id",
        serialize_with = "super::ids::ser_opt_num"
    )]
    pub id: Option<String>,
    pub uri: Option<String>,
}

/// `billing` (Detailed view).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Billing {
    pub cost_included: Option<f64>,
    pub cost_purchased: Option<f64>,
}

/// The fields a record and a leg share (`BaseCallLogRecord`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallLogEntry {
    pub start_time: Option<Ts>,
    #[serde(default, deserialize_with = "super::lenient::opt_i64")]
    pub duration: Option<i64>,
    #[serde(default, deserialize_with = "super::lenient::opt_i64")]
    pub duration_ms: Option<i64>,
    #[serde(rename = "type")]
    pub kind: Option<CallType>,
    pub internal_type: Option<String>,
    pub direction: Option<super::enums::Direction>,
    pub action: Option<CallAction>,
    pub result: Option<CallResult>,
    pub reason: Option<CallReason>,
    pub reason_description: Option<String>,
    pub from: Option<CallLogParty>,
    pub to: Option<CallLogParty>,
    pub transport: Option<Transport>,
    pub recording: Option<CallLogRecording>,
    pub short_recording: Option<bool>,
    pub message: Option<CallLogMessage>,
    pub billing: Option<Billing>,
    pub extension: Option<CallLogExtension>,
    pub telephony_session_id: Option<String>,
    pub party_id: Option<String>,
}

/// One leg of a record (`view=Detailed`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallLogLeg {
    #[serde(flatten)]
    pub entry: CallLogEntry,
    pub leg_type: Option<LegType>,
    pub master: Option<bool>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A call-log record (`CallLogRecord`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallLogRecord {
    #[serde(deserialize_with = "super::lenient::id")]
    pub id: String,
    pub uri: Option<String>,
    #[serde(default, deserialize_with = "super::lenient::opt_id")]
    pub session_id: Option<String>,
    #[serde(flatten)]
    pub entry: CallLogEntry,
    pub legs: Option<Vec<CallLogLeg>>,
    pub last_modified_time: Option<Ts>,
    pub deleted: Option<bool>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `GET …/call-log` (`CallLogResponse`).
pub type CallLogList = super::paging::RecordList<CallLogRecord>;

/// `GET /restapi/v1.0/account/{a}/recording/{id}` (`GetCallRecordingResponse`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallRecordingInfo {
    #[serde(deserialize_with = "super::lenient::id")]
    pub id: String,
    pub content_uri: Option<String>,
    pub content_type: Option<String>,
    #[serde(default, deserialize_with = "super::lenient::opt_i64")]
    pub duration: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guide_example_record_and_leg() {
        let raw = r#"{"uri":"https://platform.ringcentral.com/x?view=Simple","id":"VgLcd1KWffJVzUA","sessionId":"1039811321016","startTime":"2023-04-10T23:58:47.594Z","duration":194,"durationMs":194060,"type":"Voice","internalType":"TollFreeNumber","direction":"Inbound","action":"Phone Call","result":"Accepted","to":{"phoneNumber":"+15625555778","name":"SDK Engineer Candidate"},"from":{"phoneNumber":"+14155555908","name":"SAN FRANCSCO CA","location":"San Francisco (South), CA"},"recording":{"uri":"u","id":"1662272004","type":"OnDemand","contentUri":"c"},"telephonySessionId":"s-a0d178729c49dz1876d9b9d11z19269ec0000","transport":"PSTN","lastModifiedTime":"2023-04-11T00:06:42.028Z","billing":{"costIncluded":0.137,"costPurchased":0},"legs":[{"startTime":"2023-04-10T23:58:47.594Z","duration":55,"type":"Voice","direction":"Inbound","action":"Phone Call","result":"Hang up","legType":"Accept","master":true,"extension":{"uri":"x","id":664573005},"sipUuidInfo":"z"}]}"#;
        let r: CallLogRecord = serde_json::from_str(raw).unwrap();
        assert_eq!(r.entry.result, Some(CallResult::Accepted));
        assert_eq!(r.entry.duration_ms, Some(194060));
        let leg = &r.legs.as_ref().unwrap()[0];
        assert_eq!(
            leg.entry.result,
            Some(CallResult::HangUp),
            "Hang up == Hang Up"
        );
        assert_eq!(
            leg.entry.extension.as_ref().unwrap().id.as_deref(),
            Some("664573005")
        );
        assert_eq!(leg.extra["sipUuidInfo"], "z");
        assert!(r.extra.is_empty(), "{:?}", r.extra);
        let back = serde_json::to_value(&r).unwrap();
        assert_eq!(back["legs"][0]["extension"]["id"], 664573005u64);
        assert_eq!(back["result"], "Accepted");
        assert_eq!(back["action"], "Phone Call");
    }
}

/// A recording line: what joining an ended call to the call log found
/// (`{"receivedAt": …, "callLog": {…}}`), so that replay and report see what live saw.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallLogLine {
    pub telephony_session_id: String,
    /// The records of the session (Detailed view); empty when none appeared.
    #[serde(default)]
    pub records: Vec<CallLogRecord>,
    /// Why nothing was joined, when nothing was: `missing` (no record before the
    /// cutoff) or `forbidden` (no ReadCallLog permission).
    pub unjoined: Option<String>,
}
