//! WebSocket gateway frames: `[meta]` or `[meta, body]`, both directions.

use super::enums::{MessageType, RecoveryState};
use super::time::Ts;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The session-context token that lets a client recover a dropped socket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wsc {
    pub token: String,
    #[serde(default)]
    pub sequence: i64,
}

/// Element 0 of every gateway frame.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WsMeta {
    #[serde(rename = "type")]
    pub kind: MessageType,
    #[serde(default)]
    pub message_id: Option<String>,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub wsc: Option<Wsc>,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub query: Option<serde_json::Value>,
}

impl WsMeta {
    /// A meta of the given type with a message id and nothing else.
    pub fn new(kind: MessageType, message_id: impl Into<String>) -> WsMeta {
        WsMeta {
            kind,
            message_id: Some(message_id.into()),
            status: None,
            headers: BTreeMap::new(),
            wsc: None,
            method: None,
            path: None,
            query: None,
        }
    }

    /// A client request meta (`ClientRequest` with method and path).
    pub fn request(message_id: impl Into<String>, method: &str, path: &str) -> WsMeta {
        WsMeta {
            method: Some(method.to_string()),
            path: Some(path.to_string()),
            ..WsMeta::new(MessageType::ClientRequest, message_id)
        }
    }
}

/// Body of the `ConnectionDetails` frame.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionDetails {
    #[serde(default)]
    pub creation_time: Option<Ts>,
    #[serde(default)]
    pub recovery_state: Option<RecoveryState>,
    #[serde(default)]
    pub recovery_error_code: Option<String>,
    #[serde(default)]
    pub max_connections_per_session: Option<u32>,
    #[serde(default)]
    pub recovery_buffer_size: Option<u32>,
    #[serde(default)]
    pub recovery_timeout: Option<u64>,
    #[serde(default)]
    pub idle_timeout: Option<u64>,
    #[serde(default)]
    pub absolute_timeout: Option<u64>,
    #[serde(default)]
    pub max_active_requests: Option<u32>,
}

/// Body of a gateway `Error` frame (and of REST errors with a single code).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WsError {
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

/// Serializes a frame as the gateway writes it: `[meta]` or `[meta, body]`.
pub fn encode_frame<B: Serialize>(meta: &WsMeta, body: Option<&B>) -> String {
    match body {
        Some(b) => serde_json::to_string(&(meta, b)),
        None => serde_json::to_string(&[meta]),
    }
    .unwrap_or_else(|_| "[]".to_string())
}
