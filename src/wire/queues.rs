//! Call queues (supervisor-api.md §3): the list, details with service-level settings,
//! members, queue presence (member availability per queue), the agent's view of its
//! queues, the queue-presence notification bodies, and the queue's routing rules
//! (business-hours answering rule).

use super::directory::{Ref, ServiceLevelSettings};
use super::paging::Extra;
use serde::{Deserialize, Serialize};

/// A call queue: a record of `GET /call-queues` (`CallQueueInfo`) or the body of
/// `GET /call-queues/{id}` (`CallQueueDetails`, with `serviceLevelSettings`). `id` is a
/// string here (a number in `/extension`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallQueue {
    pub uri: Option<String>,
    #[serde(default, deserialize_with = "super::lenient::opt_id")]
    pub id: Option<String>,
    pub extension_number: Option<String>,
    pub name: Option<String>,
    pub status: Option<super::directory::ExtensionStatus>,
    pub sub_type: Option<String>,
    pub site: Option<Ref>,
    pub service_level_settings: Option<ServiceLevelSettings>,
    pub editable_member_status: Option<bool>,
    /// Seconds before members are alerted when a call is queued.
    #[serde(default, deserialize_with = "super::lenient::opt_i64")]
    pub alert_timer: Option<i64>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A record of `GET /call-queues/{id}/members` (`id` is a number, no name).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueMemberInfo {
    pub uri: Option<String>,
    #[serde(
        default,
        deserialize_with = "super::lenient::opt_id",
        serialize_with = "super::ids::ser_opt_num"
    )]
    pub id: Option<String>,
    pub extension_number: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `member` of a queue-presence record (`CallQueueMember`; `id` is a string).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueMember {
    #[serde(default, deserialize_with = "super::lenient::opt_id")]
    pub id: Option<String>,
    pub name: Option<String>,
    pub extension_number: Option<String>,
    pub site: Option<Ref>,
    pub extension_sub_type: Option<String>,
}

/// One member's availability in a queue (`CallQueueMemberPresence`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueMemberPresence {
    pub member: QueueMember,
    /// Availability for all queues: mirrors DND (ignored in a PUT body).
    pub accept_queue_calls: Option<bool>,
    /// Availability in this queue.
    pub accept_current_queue_calls: Option<bool>,
}

/// `GET`/`PUT /call-queues/{id}/presence` (and the PUT body).
pub type CallQueuePresence = super::paging::Records<QueueMemberPresence>;

/// `callQueue` of the agent view.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueRef {
    #[serde(default, deserialize_with = "super::lenient::opt_id")]
    pub id: Option<String>,
    pub name: Option<String>,
    pub extension_number: Option<String>,
    pub editable_member_status: Option<bool>,
}

/// One queue of `GET`/`PUT …/extension/{id}/call-queue-presence`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtensionQueuePresence {
    pub call_queue: QueueRef,
    pub accept_calls: Option<bool>,
}

/// `GET`/`PUT …/extension/{id}/call-queue-presence` (and the PUT body).
pub type ExtensionCallQueuePresence = super::paging::Records<ExtensionQueuePresence>;

/// The body of a `/call-queues/{id}/presence` notification. RingCentral documents two
/// shapes (§3.5); both decode into this: the guide's `{records: [{member: {id},
/// acceptCurrentQueueCalls}]}` and the schema's `{extensionId, callQueueId, acceptCalls}`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueuePresenceEvent {
    pub records: Option<Vec<QueueMemberPresence>>,
    #[serde(default, deserialize_with = "super::lenient::opt_id")]
    pub extension_id: Option<String>,
    #[serde(default, deserialize_with = "super::lenient::opt_id")]
    pub call_queue_id: Option<String>,
    pub accept_calls: Option<bool>,
}

/// The event filter of a queue's member availability (§3.5).
pub fn queue_presence_filter(queue_id: &str) -> String {
    format!("/restapi/v1.0/account/~/call-queues/{queue_id}/presence")
}

/// The queue id of a `…/call-queues/{id}/presence` event path (or filter).
pub fn queue_of_presence_path(event: &str) -> Option<&str> {
    let path = event.split('?').next()?.trim_end_matches('/');
    let rest = path.strip_suffix("/presence")?;
    let (before, id) = rest.rsplit_once('/')?;
    (before.ends_with("/call-queues") && !id.is_empty()).then_some(id)
}

wire_enum! {
    /// `queue.transferMode` of a queue's answering rule.
    TransferMode {
        Rotating = "Rotating",
        Simultaneous = "Simultaneous",
        FixedOrder = "FixedOrder",
    }
}

/// One `queue.transfer[]` target of a queue's answering rule.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueTransfer {
    pub extension: Option<QueueRef>,
    /// `HoldTimeExpiration`, `MaxCallers` or `NoAnswer`.
    pub action: Option<String>,
}

/// `queue` of a queue's business-hours answering rule (`QueueInfo`, §3.7): what decides
/// ringing, waiting, overflow and wrap-up.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueRules {
    pub transfer_mode: Option<TransferMode>,
    /// Seconds one member rings before the next is tried.
    #[serde(default, deserialize_with = "super::lenient::opt_i64")]
    pub agent_timeout: Option<i64>,
    /// Longest wait in the queue (seconds) before `holdTimeExpirationAction`.
    #[serde(default, deserialize_with = "super::lenient::opt_i64")]
    pub hold_time: Option<i64>,
    /// `TransferToExtension`, `UnconditionalForwarding` or `Voicemail`.
    pub hold_time_expiration_action: Option<String>,
    #[serde(default, deserialize_with = "super::lenient::opt_i64")]
    pub max_callers: Option<i64>,
    pub max_callers_action: Option<String>,
    pub no_answer_action: Option<String>,
    /// Seconds after a call before the member is offered the next one.
    #[serde(default, deserialize_with = "super::lenient::opt_i64")]
    pub wrap_up_time: Option<i64>,
    pub transfer: Option<Vec<QueueTransfer>>,
}

/// `GET …/extension/{queueId}/answering-rule/business-hours-rule` (`CallHandlingRuleInfo`,
/// the parts a supervisor view reads).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnsweringRule {
    pub uri: Option<String>,
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub enabled: Option<bool>,
    pub call_handling_action: Option<String>,
    pub queue: Option<QueueRules>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_queue_presence_event_shapes() {
        let a: QueuePresenceEvent = serde_json::from_str(
            r#"{"records":[{"member":{"id":"411753183004"},"acceptCurrentQueueCalls":true}]}"#,
        )
        .unwrap();
        assert_eq!(
            a.records.unwrap()[0].member.id.as_deref(),
            Some("411753183004")
        );
        let b: QueuePresenceEvent =
            serde_json::from_str(r#"{"extensionId":7,"callQueueId":"9","acceptCalls":false}"#)
                .unwrap();
        assert_eq!(b.extension_id.as_deref(), Some("7"));
        assert_eq!(b.accept_calls, Some(false));
    }

    #[test]
    fn queue_presence_paths() {
        let f = queue_presence_filter("62299101016");
        assert_eq!(queue_of_presence_path(&f), Some("62299101016"));
        assert_eq!(
            queue_of_presence_path("/restapi/v1.0/account/1/call-queues/9/presence?x=1"),
            Some("9")
        );
        for other in [
            "/restapi/v1.0/account/1/extension/9/presence",
            "/restapi/v1.0/account/1/call-queues//presence",
            "/restapi/v1.0/account/1/presence",
        ] {
            assert_eq!(queue_of_presence_path(other), None, "{other}");
        }
    }
}
