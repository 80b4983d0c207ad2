//! What calltop learns about the contact center by REST — the directory, each call
//! queue's settings, members and member availability, and everyone's presence — as the
//! recording line `{"receivedAt": …, "roster": {…}}`, so that a replay or a report of a
//! recording knows what the live run knew. One variant per kind of answer; the records
//! are the platform's own (unknown fields and enum values kept).

use super::directory::ExtensionInfo;
use super::presence::PresenceInfo;
use super::queues::{AnsweringRule, CallQueue, QueueMemberInfo, QueueMemberPresence};
use serde::{Deserialize, Serialize};

/// Records of one call queue (the queue id is in the request path, not in the body).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueRecords<T> {
    pub queue_id: String,
    #[serde(default = "Vec::new")]
    pub records: Vec<T>,
}

/// A call queue's answering rule (the queue id is in the request path).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueRule {
    pub queue_id: String,
    pub rule: AnsweringRule,
}

/// One REST answer (all its pages) about the contact center.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RosterLine {
    /// `GET …/extension` (every page): users, call queues (`Department`) and the rest.
    Extensions(Vec<ExtensionInfo>),
    /// `GET …/call-queues/{id}`: a queue with its `serviceLevelSettings`.
    Queue(Box<CallQueue>),
    /// `GET …/call-queues/{id}/members` (every page): the whole membership.
    Members(QueueRecords<QueueMemberInfo>),
    /// `GET …/call-queues/{id}/presence`: whether each member takes this queue's calls.
    QueuePresence(QueueRecords<QueueMemberPresence>),
    /// `GET …/extension/{queueId}/answering-rule/business-hours-rule`: how the queue
    /// rings, how long a caller may wait (`holdTime`), wrap-up.
    Rule(Box<QueueRule>),
    /// `GET …/presence` (every page), or one extension's presence.
    Presence(Vec<PresenceInfo>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_with_unknowns() {
        let raw = r#"{"members":{"queueId":"9","records":[{"id":7,"extensionNumber":"102","badge":"x"}]}}"#;
        let line: RosterLine = serde_json::from_str(raw).unwrap();
        let RosterLine::Members(m) = &line else {
            panic!("{line:?}")
        };
        assert_eq!(m.queue_id, "9");
        assert_eq!(m.records[0].id.as_deref(), Some("7"));
        assert!(m.records[0].extra.contains_key("badge"));
        let back = serde_json::to_string(&line).unwrap();
        assert_eq!(serde_json::from_str::<RosterLine>(&back).unwrap(), line);
        let ext: RosterLine =
            serde_json::from_str(r#"{"extensions":[{"id":5,"type":"Robot"}]}"#).unwrap();
        assert!(
            matches!(ext, RosterLine::Extensions(v) if v[0].kind.as_ref().unwrap().as_str() == "Robot")
        );
    }
}
