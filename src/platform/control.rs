//! The Call Control REST client: one request per [`ControlAction`] (on a party, or an
//! agent's queue setting), with a timeout; results are [`Outcome`]s (never panics); a 429
//! blocks the client until `Retry-After` (each request during the penalty would reset
//! it). Answer, pickup and listen-in use the supervisor's device: `--device-id`, else the
//! one `Online` device of the user.

use super::auth::Auth;
use super::http::HttpError;
use super::roster::{enc, Roster};
use crate::core::control::{
    Aim, Control, ControlAction, ControlRequest, Outcome, ReplyMessage, Subject, Target,
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

    /// Runs one request, on a party or an agent.
    pub async fn execute(&self, request: &ControlRequest) -> Outcome {
        let action = &request.action;
        let verb = action.verb();
        let device = match action.needs_device() {
            true => match self.device().await {
                Ok(d) => Some(d),
                Err(message) => return Outcome::Failed { message },
            },
            false => None,
        };
        let (method, path, body) = match self.request_for(request, device) {
            Ok(r) => r,
            Err(message) => return Outcome::Failed { message },
        };
        let on = request.key();
        tracing::info!(%on, action = %verb, %method, %path, "control");
        self.outcome(&verb, method, &path, body, |text| {
            action.done_text(answer(text).as_deref())
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

    /// The method, path and body a request sends; `device` is the supervisor's (for
    /// the actions that need one).
    pub fn request_for(
        &self,
        request: &ControlRequest,
        device: Option<String>,
    ) -> Result<(Method, String, Option<Value>), String> {
        let action = &request.action;
        let (session, party) = match &request.on {
            Subject::Party { session, party } => (session.as_str(), party.as_str()),
            Subject::Agent { agent } => return self.agent_request(agent, action),
        };
        if action.facts().aim == Aim::Agent {
            return Err(format!(
                "{} is an agent's setting, not a call's",
                action.verb()
            ));
        }
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
            ControlAction::Reply { message } => {
                (Method::POST, p("/reply"), Some(reply_body(message)))
            }
            ControlAction::AcceptQueueCalls { .. } => {
                return Err(format!("{} needs an agent", action.verb()))
            }
        })
    }

    /// An agent's setting: `PUT …/call-queues/{id}/presence` for the member.
    fn agent_request(
        &self,
        agent: &str,
        action: &ControlAction,
    ) -> Result<(Method, String, Option<Value>), String> {
        match action {
            ControlAction::AcceptQueueCalls { queue, accept } => {
                let path = format!("{}/call-queues/{}/presence", self.account_path, enc(queue));
                let body = json!({"records": [{"member": {"id": agent}, "acceptCurrentQueueCalls": accept}]});
                Ok((Method::PUT, path, Some(body)))
            }
            other => Err(format!(
                "{} acts on a call's party, not an agent",
                other.verb()
            )),
        }
    }
}

impl Control for ControlClient {
    fn execute(&self, request: ControlRequest) -> BoxFuture<'static, Outcome> {
        let client = self.clone();
        Box::pin(async move { ControlClient::execute(&client, &request).await })
    }
}

/// A reply's body: `replyWithPattern` (with its time, for the patterns that take one)
/// or `replyWithText`.
fn reply_body(m: &ReplyMessage) -> Value {
    match m {
        ReplyMessage::Text { text } => json!({ "replyWithText": text }),
        ReplyMessage::Pattern {
            pattern,
            time,
            unit,
        } => {
            let mut p = json!({ "pattern": pattern });
            if let (Some(t), Some(u)) = (time, unit) {
                p["time"] = json!(t);
                p["timeUnit"] = json!(u);
            }
            json!({ "replyWithPattern": p })
        }
    }
}

/// What the platform's answer names for the done text: a parked party's orbit, or the
/// id of a recording (an answer with an id that is not a party).
fn answer(text: &str) -> Option<String> {
    let v: Value = serde_json::from_str(text).ok()?;
    if v.get("status").is_some() {
        let party = serde_json::from_value::<Party>(v).ok()?;
        return party.park.and_then(|k| k.id);
    }
    let id = v.get("id")?;
    Some(id.as_str().map_or_else(|| id.to_string(), str::to_string))
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
            .request_for(
                &ControlRequest::on_party("s-1", "p-1-2", ControlAction::Mute { muted: true }),
                None,
            )
            .unwrap();
        assert_eq!(
            (m, path.as_str()),
            (Method::PATCH, format!("{base}/parties/p-1-2").as_str())
        );
        assert_eq!(body, Some(json!({"muted": true})));
        let (m, path, _) = c
            .request_for(
                &ControlRequest::on_party("s-1", "p", ControlAction::HangUp),
                None,
            )
            .unwrap();
        assert_eq!((m, path), (Method::DELETE, base.to_string()));
        let (_, _, body) = c
            .request_for(
                &ControlRequest::on_party("s-1", "p", ControlAction::Answer),
                dev(),
            )
            .unwrap();
        assert_eq!(body, Some(json!({"deviceId": "dev1"})));
        let (_, path, body) = c
            .request_for(
                &ControlRequest::on_party("s-1", "p", ControlAction::Pickup),
                dev(),
            )
            .unwrap();
        assert!(path.ends_with("/parties/p/pickup"));
        assert_eq!(body, Some(json!({"deviceId": "dev1"})));
        let listen = ControlAction::Supervise { agent: "62".into() };
        let (_, path, body) = c
            .request_for(&ControlRequest::on_party("s-1", "p", listen.clone()), dev())
            .unwrap();
        assert!(path.ends_with("/parties/p/supervise"));
        assert_eq!(
            body,
            Some(
                json!({"mode": "Listen", "supervisorDeviceId": "dev1", "agentExtensionId": "62", "autoAnswer": true})
            )
        );
        let no_device = c
            .request_for(&ControlRequest::on_party("s-1", "p", listen.clone()), None)
            .unwrap_err();
        assert_eq!(no_device, "listen in needs your device (--device-id)");
        let pause = ControlAction::PauseRecording {
            recording: "r9".into(),
        };
        let (_, path, body) = c
            .request_for(&ControlRequest::on_party("s-1", "p", pause.clone()), None)
            .unwrap();
        assert!(path.ends_with("/parties/p/recordings/r9"));
        assert_eq!(body, Some(json!({"active": false})));
        let flip = ControlAction::Flip {
            to: crate::core::control::FlipNumber::parse("3").unwrap(),
        };
        let (m, path, body) = c
            .request_for(&ControlRequest::on_party("s-1", "p", flip.clone()), None)
            .unwrap();
        assert_eq!((m, path.ends_with("/parties/p/flip")), (Method::POST, true));
        assert_eq!(body, Some(json!({"callFlipId": "3"})));
        let park_orbit = ControlAction::Forward {
            to: Target::ParkOrbit("*8".into()),
        };
        assert!(c
            .request_for(
                &ControlRequest::on_party("s-1", "p", park_orbit.clone()),
                None
            )
            .is_err());
        let agent = ControlRequest::on_agent(
            "62",
            ControlAction::AcceptQueueCalls {
                queue: "q1".into(),
                accept: false,
            },
        );
        let (m, path, body) = c.request_for(&agent, None).unwrap();
        assert_eq!(
            (m, path.as_str()),
            (
                Method::PUT,
                "/restapi/v1.0/account/~/call-queues/q1/presence"
            )
        );
        assert_eq!(
            body,
            Some(json!({"records": [{"member": {"id": "62"}, "acceptCurrentQueueCalls": false}]}))
        );
        let hold_agent = ControlRequest::on_agent("62", ControlAction::Hold);
        assert!(c.request_for(&hold_agent, None).is_err());
        let reply = |s: &str| ControlAction::Reply {
            message: ReplyMessage::parse(s).unwrap(),
        };
        let (m, path, body) = c
            .request_for(&ControlRequest::on_party("s-1", "p", reply("1")), None)
            .unwrap();
        assert_eq!(
            (m, path.ends_with("/parties/p/reply")),
            (Method::POST, true)
        );
        assert_eq!(
            body,
            Some(
                json!({"replyWithPattern": {"pattern": "WillCallYouBack", "time": 5, "timeUnit": "Minute"}})
            )
        );
        let (_, _, body) = c
            .request_for(&ControlRequest::on_party("s-1", "p", reply("3")), None)
            .unwrap();
        assert_eq!(
            body,
            Some(json!({"replyWithPattern": {"pattern": "OnMyWay"}}))
        );
        let (_, _, body) = c
            .request_for(
                &ControlRequest::on_party("s-1", "p", reply("Back at 3")),
                None,
            )
            .unwrap();
        assert_eq!(body, Some(json!({"replyWithText": "Back at 3"})));
        let to = Target::parse("park:*813").unwrap();
        assert_eq!(target_body(&to), json!({"parkOrbit": "*813"}));
    }

    fn done(action: &ControlAction, text: &str) -> String {
        action.done_text(answer(text).as_deref())
    }

    #[test]
    fn done_messages_say_what_happened_once() {
        let park = done(
            &ControlAction::Park,
            r#"{"id":"p-1","status":{"code":"Parked"},"park":{"id":"*801"}}"#,
        );
        assert_eq!(park, "parked at *801");
        let rec = done(
            &ControlAction::StartRecording,
            r#"{"id":"40003430000","active":true}"#,
        );
        assert_eq!(rec, "recording 40003430000 started");
        assert_eq!(done(&ControlAction::HangUp, ""), "hung up");
        assert_eq!(
            done(
                &ControlAction::Mute { muted: true },
                r#"{"id":"p","status":{"code":"Answered"}}"#
            ),
            "muted"
        );
    }
}
