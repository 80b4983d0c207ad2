//! REST payloads: OAuth and wstoken responses, API error bodies, call sessions and
//! subscriptions.

use super::notification::{Origin, Party};
use super::time::Ts;
use serde::{Deserialize, Serialize};

/// The four values a JWT-grant app needs to log in. `Debug` never shows a secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// e.g. `https://platform.ringcentral.com` (no trailing slash).
    pub server_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub jwt: String,
}

/// The conventional environment variable names, in [`Credentials`] field order.
pub const ENV_VARS: [&str; 4] = [
    "RINGCENTRAL_SERVER_URL",
    "RINGCENTRAL_CLIENT_ID",
    "RINGCENTRAL_CLIENT_SECRET",
    "RINGCENTRAL_JWT",
];

impl Credentials {
    /// `export NAME=value` lines a user can paste into a shell (only for the
    /// simulator's demo credentials: they are not secret).
    pub fn exports(&self) -> String {
        let values = [
            &self.server_url,
            &self.client_id,
            &self.client_secret,
            &self.jwt,
        ];
        ENV_VARS
            .iter()
            .zip(values)
            .map(|(k, v)| format!("export {k}={v}\n"))
            .collect()
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("server_url", &self.server_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("jwt", &"<redacted>")
            .finish()
    }
}

/// `POST /restapi/oauth/token` response.
#[serde_with::skip_serializing_none]
#[derive(Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct TokenResponse {
    pub access_token: String,
    #[serde(default)]
    pub token_type: String,
    pub expires_in: u64,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub refresh_token_expires_in: Option<u64>,
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub owner_id: Option<String>,
    #[serde(default)]
    pub endpoint_id: Option<String>,
    #[serde(default)]
    pub session_id: Option<String>,
    #[serde(default)]
    pub session_expires_in: Option<u64>,
    #[serde(default)]
    pub session_idle_timeout: Option<u64>,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"<redacted>")
            .field("expires_in", &self.expires_in)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .field("scope", &self.scope)
            .field("owner_id", &self.owner_id)
            .finish()
    }
}

/// `POST /restapi/oauth/wstoken` response.
#[derive(Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct WsTokenResponse {
    pub uri: String,
    pub ws_access_token: String,
    pub expires_in: u64,
}

impl std::fmt::Debug for WsTokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsTokenResponse")
            .field("uri", &self.uri)
            .field("ws_access_token", &"<redacted>")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// One entry of an API error body's `errors`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiErrorItem {
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub parameter_name: Option<String>,
    #[serde(default)]
    pub parameter_value: Option<serde_json::Value>,
}

/// The platform's error body: `{errorCode?, message?, errors?[]}`, plus the OAuth
/// (RFC 6749) `error` / `error_description`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiError {
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ApiErrorItem>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default, rename = "error_description", alias = "errorDescription")]
    pub error_description: Option<String>,
}

impl ApiError {
    /// An error body with one code and message, in the platform's shape.
    pub fn new(code: &str, message: &str) -> ApiError {
        ApiError {
            error_code: Some(code.to_string()),
            message: Some(message.to_string()),
            errors: vec![ApiErrorItem {
                error_code: Some(code.to_string()),
                message: Some(message.to_string()),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    /// One human line: `errorCode: message`.
    pub fn summary(&self) -> String {
        let first = self.errors.first();
        let code = self
            .error_code
            .as_deref()
            .or(first.and_then(|e| e.error_code.as_deref()))
            .or(self.error.as_deref());
        let msg = self
            .message
            .as_deref()
            .or(first.and_then(|e| e.message.as_deref()))
            .or(self.error_description.as_deref());
        match (code, msg) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            (Some(c), None) => c.to_string(),
            (None, Some(m)) => m.to_string(),
            (None, None) => "unknown error".to_string(),
        }
    }
}

/// `GET …/telephony/sessions/{id}` response.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallSession {
    pub id: String,
    #[serde(default)]
    pub origin: Option<Origin>,
    #[serde(default)]
    pub voice_call_token: Option<String>,
    #[serde(default)]
    pub parties: Vec<Party>,
    #[serde(default)]
    pub creation_time: Option<Ts>,
}

/// `deliveryMode` of a subscription.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryMode {
    pub transport_type: String,
    #[serde(default)]
    pub encryption: Option<bool>,
}

/// `POST /restapi/v1.0/subscription` request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionRequest {
    pub event_filters: Vec<String>,
    pub delivery_mode: DeliveryMode,
}

/// A subscription as the platform returns it.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionInfo {
    pub id: String,
    #[serde(default)]
    pub uri: String,
    #[serde(default)]
    pub creation_time: Option<Ts>,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub event_filters: Vec<String>,
    #[serde(default)]
    pub expiration_time: Option<Ts>,
    #[serde(default)]
    pub expires_in: Option<u64>,
    pub delivery_mode: DeliveryMode,
}

impl SubscriptionInfo {
    /// The account's id: the platform echoes the filters with `~` expanded to ids
    /// (`/restapi/v1.0/account/{id}/…`); `None` when no filter names it.
    pub fn account_id(&self) -> Option<&str> {
        self.event_filters.iter().find_map(|f| {
            let id = f
                .strip_prefix("/restapi/v1.0/account/")?
                .split(['/', '?'])
                .next()?;
            (!id.is_empty() && id != "~").then_some(id)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_id_is_read_from_the_echoed_filters() {
        let info = |filters: &[&str]| SubscriptionInfo {
            event_filters: filters.iter().map(|f| f.to_string()).collect(),
            ..Default::default()
        };
        let echoed = info(&[
            "/restapi/v1.0/subscription/~?threshold=60",
            "/restapi/v1.0/account/472231004/extension/472231004/telephony/sessions",
        ]);
        assert_eq!(echoed.account_id(), Some("472231004"));
        assert_eq!(
            info(&["/restapi/v1.0/account/480201016/telephony/sessions"]).account_id(),
            Some("480201016")
        );
        assert_eq!(
            info(&["/restapi/v1.0/account/~/telephony/sessions"]).account_id(),
            None
        );
        assert_eq!(info(&[]).account_id(), None);
    }
}
