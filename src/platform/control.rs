//! The Call Control REST client: one request per [`ControlAction`] (and per
//! [`AgentAction`]), with a timeout; results are [`Outcome`]s (never panics); a 429
//! blocks the client until `Retry-After` (each request during the penalty would reset
//! it). Answer, pickup and listen-in use the supervisor's device: `--device-id`, else the
//! one `Online` device of the user.

use super::auth::Auth;
use super::http::HttpError;
use super::roster::{enc, Roster};
use crate::core::control::{
    AgentAction, AgentRequest, Control, ControlAction, ControlRequest, Outcome, Target,
};
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

    /// The same client acting with the supervisor's device `id` (answer, listen-in).
    pub fn with_device(self, id: String) -> ControlClient {
        ControlClient {
            device_id: Some(id),
            ..self
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
        let r = self.auth.request(method, path, body.as_ref()).await;
        if let Err(e) = &r {
            self.note(e);
        }
        r
    }

    /// The supervisor's device: `--device-id`, else the one `Online` device.
    async fn device(&self) -> Result<String, String> {
        match &self.device_id {
            Some(d) => Ok(d.clone()),
            None => Roster::new(self.auth.clone()).online_device().await,
        }
    }

    /// `GET …/telephony/sessions/{id}`; `Ok(None)` on 404 (the call is over). A
    /// background read: taken from the Light budget first.
    pub async fn get_session(&self, session: &str) -> Result<Option<CallSession>, HttpError> {
        self.auth
            .http()
            .budget()
            .take(super::budget::RateGroup::Light, super::budget::Pace::Now)
            .await;
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

    /// Runs one request.
    pub async fn execute(&self, request: &ControlRequest) -> Outcome {
        let ControlRequest {
            session,
            party,
            action,
        } = request;
        let verb = action.verb();
        let device = match action.needs_device() {
            true => match self.device().await {
                Ok(d) => Some(d),
                Err(message) => return Outcome::Failed { message },
            },
            false => None,
        };
        let (method, path, body) = match self.request_for(session, party, action, device) {
            Ok(r) => r,
            Err(message) => return Outcome::Failed { message },
        };
        tracing::info!(%session, %party, action = %verb, %method, %path, "call control");
        self.outcome(&verb, method, &path, body, |text| {
            done_message(action, text)
        })
        .await
    }

    /// Runs one agent request: `PUT …/call-queues/{id}/presence` for the member.
    pub async fn execute_agent(&self, request: &AgentRequest) -> Outcome {
        let AgentAction::AcceptQueueCalls { queue, accept } = &request.action;
        let path = format!("{}/call-queues/{}/presence", self.account_path, enc(queue));
        let body = json!({"records": [{"member": {"id": request.agent}, "acceptCurrentQueueCalls": accept}]});
        let verb = request.action.verb();
        tracing::info!(agent = %request.agent, action = %verb, %path, "agent setting");
        let agent = &request.agent;
        self.outcome(&verb, Method::PUT, &path, Some(body), |_| match accept {
            true => format!("{agent} takes calls of queue {queue}"),
            false => format!("{agent} no longer takes calls of queue {queue}"),
        })
        .await
    }

    /// Sends one request and says what came of it.
    async fn outcome(
        &self,
        verb: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
        done: impl FnOnce(&str) -> String,
    ) -> Outcome {
        match self.call(method, path, body).await {
            Ok(text) => Outcome::Done {
                message: done(&text),
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

    /// The method, path and body an action sends; `device` is the supervisor's (for
    /// the actions that need one).
    pub fn request_for(
        &self,
        session: &str,
        party: &str,
        action: &ControlAction,
        device: Option<String>,
    ) -> Result<(Method, String, Option<Value>), String> {
        let p = |tail: &str| self.party_path(session, party, tail);
        let device = || {
            device
                .clone()
                .ok_or_else(|| format!("{} needs your device (--device-id)", action.verb()))
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
            ControlAction::Answer => (
                Method::POST,
                p("/answer"),
                Some(json!({ "deviceId": device()? })),
            ),
            ControlAction::Pickup => (
                Method::POST,
                p("/pickup"),
                Some(json!({ "deviceId": device()? })),
            ),
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
            ControlAction::Supervise { agent } => {
                let body = json!({
                    "mode": "Listen",
                    "supervisorDeviceId": device()?,
                    "agentExtensionId": agent,
                    "autoAnswer": true,
                });
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

    fn execute_agent(&self, request: AgentRequest) -> BoxFuture<'static, Outcome> {
        let client = self.clone();
        Box::pin(async move { ControlClient::execute_agent(&client, &request).await })
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
        ControlAction::Pickup => "picked up on your device".into(),
        ControlAction::Flip { to } => format!("flipped to {}", to.get()),
        ControlAction::Mute { muted: true } => "muted".into(),
        ControlAction::Mute { muted: false } => "unmuted".into(),
        ControlAction::StartRecording => format!("recording {} started", recording()),
        ControlAction::PauseRecording { recording } => format!("recording {recording} paused"),
        ControlAction::ResumeRecording { recording } => format!("recording {recording} resumed"),
        ControlAction::HangUp => "hung up".into(),
        ControlAction::DropParty => "party dropped".into(),
        ControlAction::Supervise { .. } => "listening in on your device".into(),
    }
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
        let dev = || Some("dev1".to_string());
        let (m, path, body) = c
            .request_for("s-1", "p-1-2", &ControlAction::Mute { muted: true }, None)
            .unwrap();
        assert_eq!(
            (m, path.as_str()),
            (Method::PATCH, format!("{base}/parties/p-1-2").as_str())
        );
        assert_eq!(body, Some(json!({"muted": true})));
        let (m, path, _) = c
            .request_for("s-1", "p", &ControlAction::HangUp, None)
            .unwrap();
        assert_eq!((m, path), (Method::DELETE, base.to_string()));
        let (_, _, body) = c
            .request_for("s-1", "p", &ControlAction::Answer, dev())
            .unwrap();
        assert_eq!(body, Some(json!({"deviceId": "dev1"})));
        let (_, path, body) = c
            .request_for("s-1", "p", &ControlAction::Pickup, dev())
            .unwrap();
        assert!(path.ends_with("/parties/p/pickup"));
        assert_eq!(body, Some(json!({"deviceId": "dev1"})));
        let listen = ControlAction::Supervise { agent: "62".into() };
        let (_, path, body) = c.request_for("s-1", "p", &listen, dev()).unwrap();
        assert!(path.ends_with("/parties/p/supervise"));
        assert_eq!(
            body,
            Some(
                json!({"mode": "Listen", "supervisorDeviceId": "dev1", "agentExtensionId": "62", "autoAnswer": true})
            )
        );
        let no_device = c.request_for("s-1", "p", &listen, None).unwrap_err();
        assert_eq!(no_device, "listen in needs your device (--device-id)");
        let pause = ControlAction::PauseRecording {
            recording: "r9".into(),
        };
        let (_, path, body) = c.request_for("s-1", "p", &pause, None).unwrap();
        assert!(path.ends_with("/parties/p/recordings/r9"));
        assert_eq!(body, Some(json!({"active": false})));
        let flip = ControlAction::Flip {
            to: crate::core::control::FlipNumber::parse("3").unwrap(),
        };
        let (m, path, body) = c.request_for("s-1", "p", &flip, None).unwrap();
        assert_eq!((m, path.ends_with("/parties/p/flip")), (Method::POST, true));
        assert_eq!(body, Some(json!({"callFlipId": "3"})));
        let park_orbit = ControlAction::Forward {
            to: Target::ParkOrbit("*8".into()),
        };
        assert!(c.request_for("s-1", "p", &park_orbit, None).is_err());
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
