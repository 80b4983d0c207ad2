//! Voicemail in the message store (call-log.md §3): messages, attachments, and the
//! `/message-store` (change counters) and `/voicemail` (the message) notification bodies.

use super::paging::Extra;
use super::time::Ts;
use serde::{Deserialize, Serialize};

wire_enum! {
    /// `type` of a message (the schema and captures write `VoiceMail`, the guide `Voicemail`).
    MessageType {
        VoiceMail = "VoiceMail" | "Voicemail",
        Fax = "Fax",
        Sms = "SMS",
        Pager = "Pager",
        Text = "Text",
    }
}

wire_enum! {
    /// `readStatus` of a message.
    ReadStatus {
        Read = "Read",
        Unread = "Unread",
    }
}

wire_enum! {
    /// `availability` of a message.
    Availability {
        Alive = "Alive",
        Deleted = "Deleted",
        Purged = "Purged",
    }
}

wire_enum! {
    /// `vmTranscriptionStatus` of a voicemail.
    TranscriptionStatus {
        NotAvailable = "NotAvailable",
        InProgress = "InProgress",
        TimedOut = "TimedOut",
        Completed = "Completed",
        CompletedPartially = "CompletedPartially",
        Failed = "Failed",
    }
}

/// `from` / `to[]` of a message.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageParty {
    pub extension_number: Option<String>,
    #[serde(default, deserialize_with = "super::lenient::opt_id")]
    pub extension_id: Option<String>,
    pub location: Option<String>,
    pub name: Option<String>,
    pub phone_number: Option<String>,
    pub target: Option<bool>,
}

/// One attachment (`MessageAttachmentInfo`; `id` is a JSON number).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageAttachment {
    #[serde(
        deserialize_with = "super::lenient::id",
        serialize_with = "super::ids::num"
    )]
    pub id: String,
    pub uri: Option<String>,
    /// `AudioRecording`, `AudioTranscription`, `Text`, …
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub content_type: Option<String>,
    /// Voicemail length in seconds.
    #[serde(default, deserialize_with = "super::lenient::opt_i64")]
    pub vm_duration: Option<i64>,
    pub file_name: Option<String>,
    #[serde(default, deserialize_with = "super::lenient::opt_i64")]
    pub size: Option<i64>,
}

/// A message (`GetMessageInfoResponse`); also the body of a `/voicemail` notification.
/// `id` is a JSON number; a message carries no telephony session id (the link is the
/// call-log record's `message`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    #[serde(
        deserialize_with = "super::lenient::id",
        serialize_with = "super::ids::num"
    )]
    pub id: String,
    pub uri: Option<String>,
    #[serde(default, deserialize_with = "super::lenient::opt_id")]
    pub extension_id: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<MessageType>,
    pub direction: Option<super::enums::Direction>,
    pub from: Option<MessageParty>,
    pub to: Option<Vec<MessageParty>>,
    pub creation_time: Option<Ts>,
    pub last_modified_time: Option<Ts>,
    pub read_status: Option<ReadStatus>,
    pub priority: Option<String>,
    pub availability: Option<Availability>,
    pub message_status: Option<String>,
    pub subject: Option<String>,
    pub attachments: Option<Vec<MessageAttachment>>,
    pub vm_transcription_status: Option<TranscriptionStatus>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `GET …/extension/{id}/message-store`.
pub type MessageList = super::paging::RecordList<Message>;

/// One `changes[]` entry of a `/message-store` notification.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageChange {
    #[serde(rename = "type")]
    pub kind: Option<MessageType>,
    pub new_count: Option<i64>,
    pub updated_count: Option<i64>,
    #[serde(
        default,
        deserialize_with = "super::ids::opt_ids",
        serialize_with = "super::ids::ser_opt_nums"
    )]
    pub new_message_ids: Option<Vec<String>>,
}

/// The body of a `/message-store` notification (counters only, and since 2024 the new ids).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageStoreEvent {
    #[serde(default, deserialize_with = "super::lenient::opt_id")]
    pub account_id: Option<String>,
    #[serde(
        default,
        deserialize_with = "super::lenient::opt_id",
        serialize_with = "super::ids::ser_opt_num"
    )]
    pub extension_id: Option<String>,
    pub last_updated: Option<Ts>,
    #[serde(default)]
    pub changes: Vec<MessageChange>,
    #[serde(default, deserialize_with = "super::lenient::opt_id")]
    pub owner_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captured_message_store_event_and_spec_voicemail() {
        let e: MessageStoreEvent = serde_json::from_str(r#"{"extensionId":133165004,"lastUpdated":"2016-10-26T16:46:22.553+0000","changes":[{"type":"VoiceMail","newCount":1,"updatedCount":0}]}"#).unwrap();
        assert_eq!(e.changes[0].kind, Some(MessageType::VoiceMail));
        assert!(e.last_updated.is_some());
        let m: Message = serde_json::from_str(r#"{"uri":"u","id":402406984008,"to":[{"name":"John Smith"}],"from":{"phoneNumber":"+18442058517","name":"RingCentral"},"type":"VoiceMail","creationTime":"2018-09-18T09:24:03.000Z","readStatus":"Unread","priority":"Normal","attachments":[{"id":402406984008,"uri":"a","type":"AudioRecording","contentType":"audio/x-wav","vmDuration":25}],"direction":"Inbound","availability":"Alive","messageStatus":"Received","lastModifiedTime":"2018-09-18T09:24:03.531Z","vmTranscriptionStatus":"NotAvailable"}"#).unwrap();
        assert_eq!(m.id, "402406984008");
        assert_eq!(m.attachments.as_ref().unwrap()[0].vm_duration, Some(25));
        assert_eq!(serde_json::to_value(&m).unwrap()["id"], 402406984008u64);
    }
}
