//! The Call Control REST client: one request per [`ControlAction`], with a timeout;
//! results are [`Outcome`]s (never panics); a 429 blocks the client until
//! `Retry-After` (each request during the penalty would reset it).

use super::auth::Auth;
use super::http::HttpError;
use crate::core::control::{Control, ControlAction, ControlRequest, Outcome, Target};
use crate::wire::{CallSession, Party};
use futures_util::future::BoxFuture;
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The request body field of a transfer or forward target.
fn target_body(t: &Target) -> Value {
    match t {
        Target::PhoneNumber(v) => json!({ "phoneNumber": v }),
        Target::ExtensionNumber(v) => json!({ "extensionNumber": v }),
        Target::Voicemail(v) => json!({ "voicemail": v }),
        Target::ParkOrbit(v) => json!({ "parkOrbit": v }),
    }
}

/// The Call Control REST client (cheap to clone).
#[derive(Clone, Debug)]
pub struct ControlClient {
    auth: Arc<Auth>,
    account_path: String,
    device_id: Option<String>,
    blocked_until: Arc<Mutex<Option<Instant>>>,
}

impl ControlClient {
    /// A client for account `~` acting with the given OAuth session. `device_id` is
    /// the supervisor's device for answer and supervise.
    pub fn new(auth: Arc<Auth>, device_id: Option<String>) -> ControlClient {
        ControlClient {
            auth,
            account_path: "/restapi/v1.0/account/~".into(),
            device_id,
            blocked_until: Arc::new(Mutex::new(None)),
        }
    }

    /// The OAuth session this client uses.
    pub fn auth(&self) -> &Arc<Auth> {
        &self.auth
    }

    fn session_path(&self, session: &str) -> String {
        format!("{}/telephony/sessions/{}", self.account_path, enc(session))
    }

    fn party_path(&self, session: &str, party: &str, tail: &str) -> String {
        format!(
            "{}/parties/{}{}",
            self.session_path(session),
            enc(party),
            tail
        )
    }

    fn penalty_left(&self) -> Option<Duration> {
        let mut b = self.blocked_until.lock().unwrap_or_else(|e| e.into_inner());
        match *b {
            Some(until) if until > Instant::now() => Some(until - Instant::now()),
            Some(_) => {
                *b = None;
                None
            }
            None => None,
        }
    }

    fn note(&self, e: &HttpError) {
        if let HttpError::RateLimited { retry_after } = e {
            let mut b = self.blocked_until.lock().unwrap_or_else(|e| e.into_inner());
            *b = Some(Instant::now() + *retry_after);
        }
    }

    /// One request; body text of a 2xx answer.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<String, HttpError> {
        if let Some(left) = self.penalty_left() {
            return Err(HttpError::RateLimited { retry_after: left });
        }
        let mut r = self.send_once(method.clone(), path, body.as_ref()).await;
        if let Err(HttpError::Status { status: 401, .. }) = &r {
            // token invalidated behind our back: refresh once and retry
            if self.auth.refresh().await.is_ok() {
                r = self.send_once(method, path, body.as_ref()).await;
            }
        }
        if let Err(e) = &r {
            self.note(e);
        }
        r
    }

    async fn send_once(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<String, HttpError> {
        let mut req = self.auth.bearer(method, path).await?;
        if let Some(b) = body {
            req = req.json(b);
        }
        self.auth.http().send(req).await
    }

    /// `GET …/telephony/sessions/{id}`; `Ok(None)` on 404 (the call is over).
    pub async fn get_session(&self, session: &str) -> Result<Option<CallSession>, HttpError> {
        match self
            .call(Method::GET, &self.session_path(session), None)
            .await
        {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| HttpError::Transport(format!("unexpected session body: {e}"))),
            Err(HttpError::Status { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Telephony session ids of calls in progress, from presence with
    /// `detailedTelephonyState` (account level, or the current extension).
    pub async fn active_session_ids(
        &self,
        extension_level: bool,
    ) -> Result<Vec<String>, HttpError> {
        let path = if extension_level {
            format!(
                "{}/extension/~/presence?detailedTelephonyState=true",
                self.account_path
            )
        } else {
            format!("{}/presence?detailedTelephonyState=true", self.account_path)
        };
        let text = self.call(Method::GET, &path, None).await?;
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| HttpError::Transport(format!("unexpected presence body: {e}")))?;
        let mut ids = Vec::new();
        let records = match v.get("records").and_then(Value::as_array) {
            Some(r) => r.clone(),
            None => vec![v],
        };
        for rec in records {
            if let Ok(p) = serde_json::from_value::<crate::wire::PresenceEvent>(rec) {
                for c in p.active_calls {
                    if let Some(id) = c.telephony_session_id {
                        if !ids.contains(&id) {
                            ids.push(id);
                        }
                    }
                }
            }
        }
        Ok(ids)
    }

    /// Runs one request.
    pub async fn execute(&self, request: &ControlRequest) -> Outcome {
        let ControlRequest {
            session,
            party,
            action,
        } = request;
        let verb = action.verb();
        let (method, path, body) = match self.request_for(session, party, action) {
            Ok(r) => r,
            Err(message) => return Outcome::Failed { message },
        };
        tracing::info!(%session, %party, action = %verb, %method, %path, "call control");
        match self.call(method, &path, body).await {
            Ok(text) => Outcome::Done {
                message: done_message(action, &text),
            },
            Err(HttpError::RateLimited { retry_after }) => {
                tracing::warn!(action = %verb, wait_s = retry_after.as_secs(), "call control rate limited");
                Outcome::RateLimited { retry_after }
            }
            Err(e) => {
                let message = match e {
                    HttpError::Status { message, .. } => message,
                    other => other.to_string(),
                };
                tracing::warn!(action = %verb, %message, "call control failed");
                Outcome::Failed { message }
            }
        }
    }

    /// The method, path and body an action sends.
    pub fn request_for(
        &self,
        session: &str,
        party: &str,
        action: &ControlAction,
    ) -> Result<(Method, String, Option<Value>), String> {
        let p = |tail: &str| self.party_path(session, party, tail);
        let device = || {
            self.device_id
                .clone()
                .map(|d| json!({ "deviceId": d }))
                .unwrap_or_else(|| json!({}))
        };
        Ok(match action {
            ControlAction::Hold => (Method::POST, p("/hold"), Some(json!({}))),
            ControlAction::Unhold => (Method::POST, p("/unhold"), None),
            ControlAction::Transfer { to } => (Method::POST, p("/transfer"), Some(target_body(to))),
            ControlAction::Forward {
                to: Target::ParkOrbit(_),
            } => return Err("forward cannot target a park orbit (use transfer)".into()),
            ControlAction::Forward { to } => (Method::POST, p("/forward"), Some(target_body(to))),
            ControlAction::Park => (Method::POST, p("/park"), None),
            ControlAction::Reject => (Method::POST, p("/reject"), None),
            ControlAction::Answer => (Method::POST, p("/answer"), Some(device())),
            ControlAction::Flip { to } => (
                Method::POST,
                p("/flip"),
                Some(json!({ "callFlipId": to.get().to_string() })),
            ),
            ControlAction::Mute { muted } => {
                (Method::PATCH, p(""), Some(json!({ "muted": muted })))
            }
            ControlAction::StartRecording => (Method::POST, p("/recordings"), None),
            ControlAction::PauseRecording { recording } => (
                Method::PATCH,
                p(&format!("/recordings/{}", enc(recording))),
                Some(json!({ "active": false })),
            ),
            ControlAction::ResumeRecording { recording } => (
                Method::PATCH,
                p(&format!("/recordings/{}", enc(recording))),
                Some(json!({ "active": true })),
            ),
            ControlAction::HangUp => (Method::DELETE, self.session_path(session), None),
            ControlAction::DropParty => (Method::DELETE, p(""), None),
            ControlAction::Supervise => {
                let Some(d) = &self.device_id else {
                    return Err("listening in needs your device id (--device-id)".into());
                };
                let body = json!({ "mode": "Listen", "supervisorDeviceId": d, "autoAnswer": true });
                (Method::POST, p("/supervise"), Some(body))
            }
        })
    }
}

impl Control for ControlClient {
    fn execute(&self, request: ControlRequest) -> BoxFuture<'static, Outcome> {
        let client = self.clone();
        Box::pin(async move { ControlClient::execute(&client, &request).await })
    }
}

/// What a done action did, in words, from the platform's answer (`parked at *801`).
fn done_message(action: &ControlAction, text: &str) -> String {
    let v: Option<Value> = serde_json::from_str(text).ok();
    let party = v
        .as_ref()
        .filter(|v| v.get("id").is_some() && v.get("status").is_some())
        .and_then(|v| serde_json::from_value::<Party>(v.clone()).ok());
    let recording = || {
        v.as_ref()
            .and_then(|v| v.get("id"))
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
            .unwrap_or_default()
    };
    match action {
        ControlAction::Hold => "on hold".into(),
        ControlAction::Unhold => "taken off hold".into(),
        ControlAction::Transfer { to } => format!("transferred to {to}"),
        ControlAction::Park => match party.and_then(|p| p.park).and_then(|k| k.id) {
            Some(orbit) => format!("parked at {orbit}"),
            None => "parked".into(),
        },
        ControlAction::Forward { to } => format!("forwarded to {to}"),
        ControlAction::Reject => "rejected".into(),
        ControlAction::Answer => "answered on your device".into(),
        ControlAction::Flip { to } => format!("flipped to {}", to.get()),
        ControlAction::Mute { muted: true } => "muted".into(),
        ControlAction::Mute { muted: false } => "unmuted".into(),
        ControlAction::StartRecording => format!("recording {} started", recording()),
        ControlAction::PauseRecording { recording } => format!("recording {recording} paused"),
        ControlAction::ResumeRecording { recording } => format!("recording {recording} resumed"),
        ControlAction::HangUp => "hung up".into(),
        ControlAction::DropParty => "party dropped".into(),
        ControlAction::Supervise => "listening in on your device".into(),
    }
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_match_the_api() {
        let auth = Arc::new(Auth::new(
            crate::platform::Credentials {
                server_url: "http://127.0.0.1:1".into(),
                client_id: "a".into(),
                client_secret: "b".into(),
                jwt: "c".into(),
            },
            Default::default(),
        ));
        let c = ControlClient::new(auth, Some("dev1".into()));
        let base = "/restapi/v1.0/account/~/telephony/sessions/s-1";
        let (m, path, body) = c
            .request_for("s-1", "p-1-2", &ControlAction::Mute { muted: true })
            .unwrap();
        assert_eq!(
            (m, path.as_str()),
            (Method::PATCH, format!("{base}/parties/p-1-2").as_str())
        );
        assert_eq!(body, Some(json!({"muted": true})));
        let (m, path, _) = c.request_for("s-1", "p", &ControlAction::HangUp).unwrap();
        assert_eq!((m, path), (Method::DELETE, base.to_string()));
        let (_, _, body) = c.request_for("s-1", "p", &ControlAction::Answer).unwrap();
        assert_eq!(body, Some(json!({"deviceId": "dev1"})));
        let pause = ControlAction::PauseRecording {
            recording: "r9".into(),
        };
        let (_, path, body) = c.request_for("s-1", "p", &pause).unwrap();
        assert!(path.ends_with("/parties/p/recordings/r9"));
        assert_eq!(body, Some(json!({"active": false})));
        let flip = ControlAction::Flip {
            to: crate::core::control::FlipNumber::parse("3").unwrap(),
        };
        let (m, path, body) = c.request_for("s-1", "p", &flip).unwrap();
        assert_eq!((m, path.ends_with("/parties/p/flip")), (Method::POST, true));
        assert_eq!(body, Some(json!({"callFlipId": "3"})));
        let park_orbit = ControlAction::Forward {
            to: Target::ParkOrbit("*8".into()),
        };
        assert!(c.request_for("s-1", "p", &park_orbit).is_err());
        let to = Target::parse("park:*813").unwrap();
        assert_eq!(target_body(&to), json!({"parkOrbit": "*813"}));
    }

    #[test]
    fn done_messages_say_what_happened_once() {
        let park = done_message(
            &ControlAction::Park,
            r#"{"id":"p-1","status":{"code":"Parked"},"park":{"id":"*801"}}"#,
        );
        assert_eq!(park, "parked at *801");
        let rec = done_message(
            &ControlAction::StartRecording,
            r#"{"id":"40003430000","active":true}"#,
        );
        assert_eq!(rec, "recording 40003430000 started");
        assert_eq!(done_message(&ControlAction::HangUp, ""), "hung up");
        assert_eq!(
            done_message(
                &ControlAction::Mute { muted: true },
                r#"{"id":"p","status":{"code":"Answered"}}"#
            ),
            "muted"
        );
    }
}
