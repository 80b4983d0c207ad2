//! Audit records: every control action's phases on `calltop.A.audit`, in the stream, as
//! `{"receivedAt":…,"audit":{<target…>,verb,by,requestId,phase,outcome,relay}}`. `by` is the
//! NATS user the broker authenticated (the control subject's user token, which
//! permissions pin to the user), never something the request body claims.

use super::follow::{ReadOptions, StreamReader, Subjects};
use super::names::{Kind, Names, Outgoing};
use super::publish::{publish_acked, Ack};
use super::{RelayError, Start};
use crate::wire::Ts;
use async_nats::jetstream;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Which step of an action a record is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AuditPhase {
    /// Claimed and about to be applied.
    Sent,
    /// Applied; `outcome` is the handler's result.
    Result,
    /// Refused before being applied; `outcome` says why.
    Refused,
}

impl AuditPhase {
    fn as_str(self) -> &'static str {
        match self {
            AuditPhase::Sent => "sent",
            AuditPhase::Result => "result",
            AuditPhase::Refused => "refused",
        }
    }
}

/// One audit entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// What was acted on (e.g. `session`, `party`), as the handler described it.
    #[serde(flatten)]
    pub target: Map<String, Value>,
    pub verb: String,
    /// The authenticated NATS user.
    pub by: String,
    pub request_id: String,
    pub phase: AuditPhase,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Value>,
    /// The relay that applied it.
    pub relay: String,
}

/// An audit line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRecord {
    pub received_at: Ts,
    pub audit: AuditEntry,
}

impl AuditRecord {
    /// Parses an audit line (`None` for anything else).
    pub fn from_line(line: &str) -> Option<AuditRecord> {
        serde_json::from_str(line).ok()
    }

    /// The line to publish; its dedup id `audit.<by>.<requestId>.<phase>` keeps one
    /// record per phase whichever relay or retry writes it.
    pub fn outgoing(&self) -> Outgoing {
        let a = &self.audit;
        Outgoing {
            kind: Kind::Audit,
            msg_id: Some(format!(
                "audit.{}.{}.{}",
                a.by,
                a.request_id,
                a.phase.as_str()
            )),
            uuid: None,
            line: serde_json::to_string(self).expect("an audit record serializes"),
        }
    }
}

/// Publishes an audit record (acked).
pub async fn publish(
    js: &jetstream::Context,
    names: &Names,
    relay: &str,
    record: &AuditRecord,
) -> Result<Ack, RelayError> {
    publish_acked(js, names, relay, &record.outgoing()).await
}

/// Reads audit records (bounded, or following).
pub struct AuditReader(StreamReader);

impl AuditReader {
    pub async fn open(
        js: &jetstream::Context,
        names: &Names,
        start: Start,
        follow: bool,
    ) -> Result<AuditReader, RelayError> {
        let opts = ReadOptions {
            start,
            follow,
            subjects: Subjects::Audit,
        };
        Ok(AuditReader(StreamReader::open(js, names, opts).await?))
    }

    /// The next record with its stream sequence (lines that are not audit records are
    /// skipped).
    pub async fn next(&mut self) -> Option<Result<(u64, AuditRecord), RelayError>> {
        loop {
            match self.0.next().await? {
                Ok(l) => {
                    if let Some(r) = AuditRecord::from_line(&l.line) {
                        return Some(Ok((l.seq, r)));
                    }
                }
                Err(e) => return Some(Err(e)),
            }
        }
    }
}
