//! What a live source (the RingCentral subscription, a relay's stream) reports
//! besides the store, in order: connection changes and one summary per notification,
//! for the headless printer and the status line.

use super::status::ConnState;
use crate::core::{Applied, Delivery};
use crate::wire::{Incoming, Parsed, Ts};
use serde::Serialize;

/// Output format of the headless lines.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LineFormat {
    /// One human line per event.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// One received notification, summarised.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventLine {
    pub received_at: Ts,
    /// `applied`, `stale`, `duplicate`, `late`, `presence`, `other`.
    pub delivery: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub telephony_session_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequence: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// The notification's `eventTime`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_time: Option<Ts>,
    /// `from` and `to` split into name and number (added beside the labels above).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_session: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended: Option<bool>,
}

impl EventLine {
    /// Summarises a parsed item before it goes to the store.
    pub fn of(p: &Parsed, received_at: Ts) -> EventLine {
        let mut e = EventLine {
            received_at,
            delivery: "other",
            telephony_session_id: None,
            sequence: None,
            party_id: None,
            status: None,
            reason: None,
            direction: None,
            from: None,
            to: None,
            event_time: None,
            from_name: None,
            from_number: None,
            to_name: None,
            to_number: None,
            new_session: None,
            ended: None,
        };
        match &p.item {
            Incoming::Session(n) => {
                e.telephony_session_id = Some(n.body.telephony_session_id.clone());
                e.sequence = n.body.sequence;
                e.event_time = n.body.event_time;
                if let Some(party) = n.body.parties.first() {
                    e.party_id = Some(party.id.clone());
                    e.status = party.status.as_ref().map(|s| s.code.to_string());
                    e.reason = party
                        .status
                        .as_ref()
                        .and_then(|s| s.reason.as_ref())
                        .map(|r| r.to_string());
                    e.direction = party.direction.as_ref().map(|d| d.to_string());
                    e.from = party.from.as_ref().map(|f| f.label());
                    e.to = party.to.as_ref().map(|t| t.label());
                    e.from_name = party.from.as_ref().and_then(|f| f.name.clone());
                    e.from_number = party.from.as_ref().and_then(|f| f.phone_number.clone());
                    e.to_name = party.to.as_ref().and_then(|t| t.name.clone());
                    e.to_number = party.to.as_ref().and_then(|t| t.phone_number.clone());
                }
            }
            Incoming::Presence { body, .. } => {
                e.telephony_session_id = body
                    .active_calls
                    .first()
                    .and_then(|c| c.telephony_session_id.clone());
                e.status = body.telephony_status.as_ref().map(|s| s.to_string());
                e.sequence = body.sequence;
            }
            _ => {}
        }
        e
    }

    /// Records what the store did with it.
    pub fn with(mut self, applied: Applied) -> EventLine {
        self.delivery = match applied {
            Applied::Event {
                delivery,
                new_session,
                ended,
            } => {
                self.new_session = Some(new_session);
                self.ended = Some(ended);
                match delivery {
                    Delivery::Applied => "applied",
                    Delivery::Stale => "stale",
                    Delivery::Duplicate => "duplicate",
                }
            }
            Applied::Late => "late",
            Applied::Presence { .. } => "presence",
            Applied::Other => "other",
        };
        self
    }

    /// True for what the headless mode prints: applied session events and presence.
    pub fn is_applied(&self) -> bool {
        matches!(self.delivery, "applied" | "presence")
    }
}

/// Everything the live source reports, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveEvent {
    /// The connection changed.
    Conn { at: Ts, state: ConnState },
    /// A notification reached the store.
    Notification(Box<EventLine>),
    /// A frame that could not be parsed (it is in the recording).
    Malformed { at: Ts, error: String },
    /// A gateway Error frame or a failed request: one human line.
    Warning { at: Ts, message: String },
    /// An ended call's outcome is final: joined to the call log, or given up on.
    Joined {
        at: Ts,
        telephony_session_id: String,
    },
    /// A control action's audit line (through a relay: who did what, and its result).
    Audit {
        at: Ts,
        session: String,
        text: String,
    },
}

/// A warning: to the log file and to whoever listens (status line, headless output).
pub(crate) fn warn(events: &tokio::sync::broadcast::Sender<LiveEvent>, message: String) {
    tracing::warn!(%message);
    let _ = events.send(LiveEvent::Warning {
        at: Ts::now(),
        message,
    });
}

/// A source's warnings, from its event stream, as a board's notices (the board is woken
/// by these, not by every notification).
pub fn notices(
    mut events: tokio::sync::broadcast::Receiver<LiveEvent>,
) -> tokio::sync::mpsc::UnboundedReceiver<String> {
    use tokio::sync::broadcast::error::RecvError;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(LiveEvent::Warning { message, .. }) => {
                    if tx.send(message).is_err() {
                        return;
                    }
                }
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            }
        }
    });
    rx
}

impl LiveEvent {
    /// One output line in the given format.
    pub fn line(&self, format: LineFormat) -> String {
        match format {
            LineFormat::Json => self.json().to_string(),
            LineFormat::Text => self.text(),
        }
    }

    fn json(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            LiveEvent::Conn { at, state } => {
                let mut v =
                    json!({"kind": "connection", "at": at, "describe": state.describe(*at)});
                if let (Some(obj), Ok(serde_json::Value::Object(s))) =
                    (v.as_object_mut(), serde_json::to_value(state))
                {
                    obj.extend(s);
                } else if let ConnState::Failed(m) = state {
                    v["state"] = json!("Failed");
                    v["message"] = json!(m);
                }
                v
            }
            LiveEvent::Notification(e) => {
                let mut v = serde_json::to_value(e).unwrap_or_default();
                v["kind"] = json!("event");
                v
            }
            LiveEvent::Malformed { at, error } => {
                json!({"kind": "malformed", "at": at, "error": error})
            }
            LiveEvent::Warning { at, message } => {
                json!({"kind": "warning", "at": at, "message": message})
            }
            LiveEvent::Joined {
                at,
                telephony_session_id,
            } => json!({"kind": "joined", "at": at, "telephonySessionId": telephony_session_id}),
            LiveEvent::Audit { at, session, text } => {
                json!({"kind": "audit", "at": at, "telephonySessionId": session, "text": text})
            }
        }
    }

    fn text(&self) -> String {
        match self {
            LiveEvent::Conn { at, state } => {
                format!("{} connection {}", at.to_rfc3339(), state.describe(*at))
            }
            LiveEvent::Notification(e) => {
                let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
                let mut s = format!(
                    "{} {} {} seq={} {} {}",
                    e.received_at.to_rfc3339(),
                    e.delivery,
                    opt(&e.telephony_session_id),
                    e.sequence
                        .map(|n| n.to_string())
                        .unwrap_or_else(|| "-".into()),
                    opt(&e.party_id),
                    opt(&e.status),
                );
                if let Some(r) = &e.reason {
                    s.push_str(&format!(" ({r})"));
                }
                if let Some(d) = &e.direction {
                    s.push_str(&format!(" {d} {} -> {}", opt(&e.from), opt(&e.to)));
                }
                if e.ended == Some(true) {
                    s.push_str(" [call ended]");
                }
                s
            }
            LiveEvent::Malformed { at, error } => {
                format!("{} malformed frame: {error}", at.to_rfc3339())
            }
            LiveEvent::Warning { at, message } => format!("{} warning: {message}", at.to_rfc3339()),
            LiveEvent::Joined {
                at,
                telephony_session_id,
            } => format!("{} outcome final {telephony_session_id}", at.to_rfc3339()),
            LiveEvent::Audit { at, session, text } => {
                format!("{} audit {session} {text}", at.to_rfc3339())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The board hears the source's warnings, in order, and nothing else of its stream.
    #[tokio::test]
    async fn the_board_is_told_the_sources_warnings_only() {
        let (tx, rx) = tokio::sync::broadcast::channel(16);
        let mut notices = notices(rx);
        let warn = |m: &str| LiveEvent::Warning {
            at: Ts(0),
            message: m.into(),
        };
        tx.send(warn("call outcomes late: call log rate-limited"))
            .unwrap();
        tx.send(LiveEvent::Malformed {
            at: Ts(0),
            error: "x".into(),
        })
        .unwrap();
        tx.send(warn("second")).unwrap();
        drop(tx);
        assert_eq!(
            notices.recv().await.as_deref(),
            Some("call outcomes late: call log rate-limited")
        );
        assert_eq!(notices.recv().await.as_deref(), Some("second"));
        assert_eq!(notices.recv().await, None, "closed with the source");
    }
}
