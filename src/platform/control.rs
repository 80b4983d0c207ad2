//! The Call Control client: one async function per action on a party or session.
//! Results are values (never panics); every request has a timeout; a 429 blocks the
//! client until `Retry-After` (each request during the penalty would reset it).

use super::auth::Auth;
use super::http::HttpError;
use crate::wire::{CallSession, Party};
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Where a transfer or forward goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// E.164 number (`+1555…`), or `main*ext`.
    PhoneNumber(String),
    /// A short extension number (`101`).
    ExtensionNumber(String),
    /// The voicemail of an extension id (`vm:ID`).
    Voicemail(String),
    /// A park location id (`park:ORBIT`; transfer only).
    ParkOrbit(String),
}

impl Target {
    /// Parses what the user typed: `+1555…` / long digits → phone number, short
    /// digits → extension number, `vm:ID`, `park:ORBIT`, `ext:N`, `tel:N`.
    pub fn parse(input: &str) -> Result<Target, String> {
        let s = input.trim();
        let (prefix, rest) = match s.split_once(':') {
            Some((p, r)) => (Some(p.trim().to_ascii_lowercase()), r.trim()),
            None => (None, s),
        };
        if rest.is_empty() {
            return Err("empty target".into());
        }
        let t = match prefix.as_deref() {
            Some("vm" | "voicemail") => Target::Voicemail(rest.into()),
            Some("park" | "orbit") => Target::ParkOrbit(rest.into()),
            Some("ext" | "x") => Target::ExtensionNumber(rest.into()),
            Some("tel" | "phone") => Target::PhoneNumber(rest.into()),
            Some(p) => {
                return Err(format!(
                    "unknown target kind {p:?} (use vm:, park:, ext: or a number)"
                ))
            }
            None => {
                let digits = rest.trim_start_matches('+');
                let ok = !digits.is_empty()
                    && digits
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == '*' || c == '#');
                if !ok {
                    return Err(format!(
                        "{rest:?} is not a number, ext:N, vm:ID or park:ORBIT"
                    ));
                }
                if rest.starts_with('+') || digits.len() > 5 {
                    Target::PhoneNumber(rest.into())
                } else {
                    Target::ExtensionNumber(rest.into())
                }
            }
        };
        Ok(t)
    }

    /// The request body field for this target.
    pub fn body(&self) -> Value {
        match self {
            Target::PhoneNumber(v) => json!({ "phoneNumber": v }),
            Target::ExtensionNumber(v) => json!({ "extensionNumber": v }),
            Target::Voicemail(v) => json!({ "voicemail": v }),
            Target::ParkOrbit(v) => json!({ "parkOrbit": v }),
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::PhoneNumber(v) => write!(f, "{v}"),
            Target::ExtensionNumber(v) => write!(f, "ext {v}"),
            Target::Voicemail(v) => write!(f, "voicemail {v}"),
            Target::ParkOrbit(v) => write!(f, "park {v}"),
        }
    }
}

/// One Call Control action, as the board asks for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ControlAction {
    Hold,
    Unhold,
    Transfer(Target),
    Park,
    Forward(Target),
    Reject,
    Answer,
    /// Flip to a call-flip id (`*2`).
    Flip(String),
    Mute(bool),
    StartRecording,
    PauseRecording(String),
    ResumeRecording(String),
    /// Drop the whole call (`DELETE` session).
    HangUp,
    /// Remove one party (`DELETE` party; supervised or parked parties only).
    DropParty,
    /// Listen in from the supervisor's device: on the selected party when no agent is
    /// named, else on the session's agent extension.
    Supervise {
        agent_extension_id: Option<String>,
        agent_extension_number: Option<String>,
    },
}

impl ControlAction {
    /// A short verb for messages and logs.
    pub fn verb(&self) -> String {
        match self {
            ControlAction::Hold => "hold".into(),
            ControlAction::Unhold => "unhold".into(),
            ControlAction::Transfer(t) => format!("transfer to {t}"),
            ControlAction::Park => "park".into(),
            ControlAction::Forward(t) => format!("forward to {t}"),
            ControlAction::Reject => "reject".into(),
            ControlAction::Answer => "answer".into(),
            ControlAction::Flip(id) => format!("flip to {id}"),
            ControlAction::Mute(true) => "mute".into(),
            ControlAction::Mute(false) => "unmute".into(),
            ControlAction::StartRecording => "start recording".into(),
            ControlAction::PauseRecording(_) => "pause recording".into(),
            ControlAction::ResumeRecording(_) => "resume recording".into(),
            ControlAction::HangUp => "hang up".into(),
            ControlAction::DropParty => "drop party".into(),
            ControlAction::Supervise { .. } => "supervise".into(),
        }
    }
}

/// What came of an action.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)] // one value per key press
pub enum ControlOutcome {
    /// Done; `party` is the updated party when the platform returned one.
    Ok {
        party: Option<Party>,
        message: String,
    },
    /// Refused or failed: `errorCode: message`.
    Failed { message: String },
    /// 429: nothing is sent until `retry_after` has passed.
    RateLimited { retry_after: Duration },
}

impl ControlOutcome {
    /// One line for the status bar.
    pub fn message(&self) -> String {
        match self {
            ControlOutcome::Ok { message, .. } | ControlOutcome::Failed { message } => {
                message.clone()
            }
            ControlOutcome::RateLimited { retry_after } => {
                format!("rate limited: wait {}s", retry_after.as_secs().max(1))
            }
        }
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

    /// Runs one action on `party` of `session`.
    pub async fn execute(
        &self,
        session: &str,
        party: &str,
        action: ControlAction,
    ) -> ControlOutcome {
        let verb = action.verb();
        let (method, path, body) = match self.request_for(session, party, &action) {
            Ok(r) => r,
            Err(message) => return ControlOutcome::Failed { message },
        };
        tracing::info!(%session, %party, action = %verb, %method, %path, "call control");
        match self.call(method, &path, body).await {
            Ok(text) => ok_outcome(&verb, &text),
            Err(HttpError::RateLimited { retry_after }) => {
                tracing::warn!(action = %verb, wait_s = retry_after.as_secs(), "call control rate limited");
                ControlOutcome::RateLimited { retry_after }
            }
            Err(e) => {
                let message = match &e {
                    HttpError::Status { message, .. } => format!("{verb} failed: {message}"),
                    other => format!("{verb} failed: {other}"),
                };
                tracing::warn!(%message, "call control");
                ControlOutcome::Failed { message }
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
            ControlAction::Transfer(t) => (Method::POST, p("/transfer"), Some(t.body())),
            ControlAction::Forward(Target::ParkOrbit(_)) => {
                return Err("forward cannot target a park orbit (use transfer)".into())
            }
            ControlAction::Forward(t) => (Method::POST, p("/forward"), Some(t.body())),
            ControlAction::Park => (Method::POST, p("/park"), None),
            ControlAction::Reject => (Method::POST, p("/reject"), None),
            ControlAction::Answer => (Method::POST, p("/answer"), Some(device())),
            ControlAction::Flip(id) => {
                (Method::POST, p("/flip"), Some(json!({ "callFlipId": id })))
            }
            ControlAction::Mute(m) => (Method::PATCH, p(""), Some(json!({ "muted": m }))),
            ControlAction::StartRecording => (Method::POST, p("/recordings"), None),
            ControlAction::PauseRecording(id) => (
                Method::PATCH,
                p(&format!("/recordings/{}", enc(id))),
                Some(json!({ "active": false })),
            ),
            ControlAction::ResumeRecording(id) => (
                Method::PATCH,
                p(&format!("/recordings/{}", enc(id))),
                Some(json!({ "active": true })),
            ),
            ControlAction::HangUp => (Method::DELETE, self.session_path(session), None),
            ControlAction::DropParty => (Method::DELETE, p(""), None),
            ControlAction::Supervise {
                agent_extension_id,
                agent_extension_number,
            } => {
                let Some(d) = &self.device_id else {
                    return Err("supervise needs your device id (--device-id)".into());
                };
                let mut body =
                    json!({ "mode": "Listen", "supervisorDeviceId": d, "autoAnswer": true });
                if agent_extension_id.is_none() && agent_extension_number.is_none() {
                    // the selected party is the agent
                    return Ok((Method::POST, p("/supervise"), Some(body)));
                }
                if let Some(id) = agent_extension_id {
                    body["agentExtensionId"] = json!(id);
                }
                if let Some(n) = agent_extension_number {
                    body["agentExtensionNumber"] = json!(n);
                }
                (
                    Method::POST,
                    format!("{}/supervise", self.session_path(session)),
                    Some(body),
                )
            }
        })
    }

    /// Hold the party.
    pub async fn hold(&self, s: &str, p: &str) -> ControlOutcome {
        self.execute(s, p, ControlAction::Hold).await
    }
    /// Take the party off hold.
    pub async fn unhold(&self, s: &str, p: &str) -> ControlOutcome {
        self.execute(s, p, ControlAction::Unhold).await
    }
    /// Blind-transfer an answered or held party.
    pub async fn transfer(&self, s: &str, p: &str, to: Target) -> ControlOutcome {
        self.execute(s, p, ControlAction::Transfer(to)).await
    }
    /// Park the party (own incoming calls).
    pub async fn park(&self, s: &str, p: &str) -> ControlOutcome {
        self.execute(s, p, ControlAction::Park).await
    }
    /// Forward a ringing party.
    pub async fn forward(&self, s: &str, p: &str, to: Target) -> ControlOutcome {
        self.execute(s, p, ControlAction::Forward(to)).await
    }
    /// Reject a ringing party.
    pub async fn reject(&self, s: &str, p: &str) -> ControlOutcome {
        self.execute(s, p, ControlAction::Reject).await
    }
    /// Answer a ringing party on the configured device.
    pub async fn answer(&self, s: &str, p: &str) -> ControlOutcome {
        self.execute(s, p, ControlAction::Answer).await
    }
    /// Flip the call to a call-flip id.
    pub async fn flip(&self, s: &str, p: &str, call_flip_id: &str) -> ControlOutcome {
        self.execute(s, p, ControlAction::Flip(call_flip_id.into()))
            .await
    }
    /// Mute or unmute the party.
    pub async fn mute(&self, s: &str, p: &str, muted: bool) -> ControlOutcome {
        self.execute(s, p, ControlAction::Mute(muted)).await
    }
    /// Start recording the call.
    pub async fn start_recording(&self, s: &str, p: &str) -> ControlOutcome {
        self.execute(s, p, ControlAction::StartRecording).await
    }
    /// Pause a recording.
    pub async fn pause_recording(&self, s: &str, p: &str, id: &str) -> ControlOutcome {
        self.execute(s, p, ControlAction::PauseRecording(id.into()))
            .await
    }
    /// Resume a recording.
    pub async fn resume_recording(&self, s: &str, p: &str, id: &str) -> ControlOutcome {
        self.execute(s, p, ControlAction::ResumeRecording(id.into()))
            .await
    }
    /// Drop the whole call.
    pub async fn hang_up(&self, s: &str) -> ControlOutcome {
        self.execute(s, "", ControlAction::HangUp).await
    }
    /// Remove one party.
    pub async fn drop_party(&self, s: &str, p: &str) -> ControlOutcome {
        self.execute(s, p, ControlAction::DropParty).await
    }
    /// Listen in on a party (the agent) from the configured device.
    pub async fn supervise(&self, s: &str, p: &str) -> ControlOutcome {
        let a = ControlAction::Supervise {
            agent_extension_id: None,
            agent_extension_number: None,
        };
        self.execute(s, p, a).await
    }
}

fn ok_outcome(verb: &str, text: &str) -> ControlOutcome {
    let v: Option<Value> = serde_json::from_str(text).ok();
    let party = v
        .as_ref()
        .filter(|v| {
            v.get("id").is_some() && (v.get("status").is_some() || v.get("direction").is_some())
        })
        .and_then(|v| serde_json::from_value::<Party>(v.clone()).ok());
    let message = match (&party, &v) {
        (Some(p), _) => match &p.status {
            Some(s) => format!("{verb}: {}", s.code),
            None => format!("{verb}: done"),
        },
        (None, Some(v)) if v.get("active").is_some() => {
            let id = v
                .get("id")
                .map(|i| i.to_string().trim_matches('"').to_string())
                .unwrap_or_default();
            let active = v.get("active").and_then(Value::as_bool).unwrap_or(false);
            format!(
                "{verb}: recording {id} {}",
                if active { "active" } else { "paused" }
            )
        }
        _ => format!("{verb}: done"),
    };
    ControlOutcome::Ok { party, message }
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse() {
        assert_eq!(
            Target::parse("+15551234567").unwrap(),
            Target::PhoneNumber("+15551234567".into())
        );
        assert_eq!(
            Target::parse(" 101 ").unwrap(),
            Target::ExtensionNumber("101".into())
        );
        assert_eq!(
            Target::parse("6505551234").unwrap(),
            Target::PhoneNumber("6505551234".into())
        );
        assert_eq!(
            Target::parse("vm:62242421016").unwrap(),
            Target::Voicemail("62242421016".into())
        );
        assert_eq!(
            Target::parse("park:*813").unwrap(),
            Target::ParkOrbit("*813".into())
        );
        assert_eq!(
            Target::parse("ext:1234567").unwrap(),
            Target::ExtensionNumber("1234567".into())
        );
        assert!(Target::parse("").is_err());
        assert!(Target::parse("vm:").is_err());
        assert!(Target::parse("bob").is_err());
        assert!(Target::parse("foo:1").is_err());
        assert_eq!(
            Target::parse("park:*813").unwrap().body(),
            json!({"parkOrbit": "*813"})
        );
    }

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
            .request_for("s-1", "p-1-2", &ControlAction::Mute(true))
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
        let (_, path, body) = c
            .request_for("s-1", "p", &ControlAction::PauseRecording("r9".into()))
            .unwrap();
        assert!(path.ends_with("/parties/p/recordings/r9"));
        assert_eq!(body, Some(json!({"active": false})));
        assert!(c
            .request_for(
                "s-1",
                "p",
                &ControlAction::Forward(Target::ParkOrbit("*8".into()))
            )
            .is_err());
    }

    #[test]
    fn outcomes_from_bodies() {
        let o = ok_outcome(
            "hold",
            r#"{"id":"p-1","direction":"Inbound","status":{"code":"Hold"}}"#,
        );
        match o {
            ControlOutcome::Ok {
                party: Some(p),
                message,
            } => {
                assert_eq!(p.id, "p-1");
                assert_eq!(message, "hold: Hold");
            }
            other => panic!("{other:?}"),
        }
        let o = ok_outcome("start recording", r#"{"id":"40003430000","active":true}"#);
        assert_eq!(o.message(), "start recording: recording 40003430000 active");
        assert_eq!(ok_outcome("hang up", "").message(), "hang up: done");
    }
}
