//! Call control through the relay, in the one control vocabulary: a board's
//! [`RelayControl`] sends each `core::control::ControlRequest` as a request to
//! `calltop.A.ctl.<user>.<action>`; a relay's [`Applier`] checks it against the party's
//! state and runs it on the platform under the Light 50/min budget, answering with the
//! `Outcome`.

use super::control::{ControlCall, ControlClient, ControlError, ControlHandler, ControlReply};
use crate::core::control::{AgentRequest, Control, ControlAction, ControlRequest, Outcome};
use crate::core::SharedStore;
use futures_util::future::BoxFuture;
use serde_json::{Map, Value};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The verb of a request: its action's name in the JSON (`hold`, `transfer`,
/// `startRecording`, `hangUp`…), so permissions can grant single actions.
pub fn verb_of(action: &ControlAction) -> String {
    match serde_json::to_value(action) {
        Ok(Value::Object(m)) => m
            .get("action")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    }
}

/// Actions a board never sends twice on its own: a retry after a timeout could act on
/// a call that has moved on meanwhile.
fn retry_allowed(action: &ControlAction) -> bool {
    !matches!(
        action,
        ControlAction::HangUp | ControlAction::Transfer { .. } | ControlAction::DropParty
    )
}

/// A board's [`Control`]: each request goes to the relay as this NATS user.
#[derive(Clone, Debug)]
pub struct RelayControl {
    client: ControlClient,
}

impl RelayControl {
    pub fn new(client: ControlClient) -> RelayControl {
        RelayControl { client }
    }

    /// Sends one request (one request id, retried once after a timeout unless it is a
    /// hang-up or transfer) and says what came of it.
    pub async fn send(&self, request: &ControlRequest) -> Outcome {
        let verb = verb_of(&request.action);
        let id = ControlClient::new_request_id();
        let payload = match serde_json::to_value(request) {
            Ok(v) => v,
            Err(e) => return failed(format!("cannot encode the request: {e}")),
        };
        let tries = if retry_allowed(&request.action) { 2 } else { 1 };
        let mut left = tries;
        loop {
            left -= 1;
            let reply = self.client.request(&verb, &id, payload.clone()).await;
            return match reply {
                Ok(ControlReply::Done { result, .. }) => serde_json::from_value(result)
                    .unwrap_or_else(|e| failed(format!("bad reply from the relay: {e}"))),
                Ok(ControlReply::Refused { message, .. }) => failed(message),
                Ok(ControlReply::InProgress { .. }) => {
                    failed("an earlier try is still being applied; not sent again".into())
                }
                Err(ControlError::TimedOut) if left > 0 => continue,
                Err(ControlError::TimedOut) if tries == 1 => failed(format!(
                    "no reply from the relay in time; not sent again (a {} may have been applied: check the call)",
                    request.action.word()
                )),
                Err(ControlError::NotPermitted) => failed(format!(
                    "not permitted: this NATS user may not send {verb} requests"
                )),
                Err(ControlError::NoRelay) => {
                    failed("no relay serves control requests for this account".into())
                }
                Err(e) => failed(e.to_string()),
            };
        }
    }
}

fn failed(message: String) -> Outcome {
    Outcome::Failed { message }
}

impl Control for RelayControl {
    fn execute(&self, request: ControlRequest) -> BoxFuture<'static, Outcome> {
        let me = self.clone();
        Box::pin(async move { me.send(&request).await })
    }

    /// Agent settings have no control subject on the relay yet: refused here, with the
    /// reason, and nothing is sent.
    fn execute_agent(&self, request: AgentRequest) -> BoxFuture<'static, Outcome> {
        let message = format!(
            "{} is not carried by the relay: set it from a board with its own RingCentral login",
            request.action.verb()
        );
        Box::pin(async move { failed(message) })
    }
}

/// A token bucket: `per_minute` requests a minute, as many at once.
#[derive(Debug)]
pub struct Bucket {
    per_minute: f64,
    tokens: f64,
    at: Instant,
}

impl Bucket {
    pub fn new(per_minute: u32) -> Bucket {
        Bucket {
            per_minute: per_minute.max(1) as f64,
            tokens: per_minute.max(1) as f64,
            at: Instant::now(),
        }
    }

    /// Takes a token at `now`, or says how long until one is free.
    pub fn take(&mut self, now: Instant) -> Result<(), Duration> {
        let refill = now.saturating_duration_since(self.at).as_secs_f64() * self.per_minute / 60.0;
        self.tokens = (self.tokens + refill).min(self.per_minute);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            let secs = (1.0 - self.tokens) * 60.0 / self.per_minute;
            Err(Duration::from_secs_f64(secs))
        }
    }
}

/// The platform's Light group: 50 Call Control requests a minute per user.
pub const LIGHT_PER_MINUTE: u32 = 50;

/// A relay's [`ControlHandler`]: runs each request with the relay's own [`Control`]
/// (the platform's REST client) once its party's state (in the relay's fold of the
/// stream) allows it, within the bucket.
pub struct Applier<C> {
    store: SharedStore,
    control: C,
    bucket: Mutex<Bucket>,
}

impl<C: Control> Applier<C> {
    pub fn new(store: SharedStore, control: C, per_minute: u32) -> Applier<C> {
        Applier {
            store,
            control,
            bucket: Mutex::new(Bucket::new(per_minute)),
        }
    }

    fn request(call: &ControlCall) -> Result<ControlRequest, String> {
        let r: ControlRequest = serde_json::from_value(call.payload.clone())
            .map_err(|e| format!("bad request: {e}"))?;
        let verb = verb_of(&r.action);
        if verb != call.verb {
            // Permissions may grant single verbs: the subject's must be the action's.
            return Err(format!("a {verb} request sent as {}", call.verb));
        }
        Ok(r)
    }
}

impl<C: Control + 'static> ControlHandler for Applier<C> {
    fn target(&self, call: &ControlCall) -> (Map<String, Value>, Result<(), String>) {
        let request = match Self::request(call) {
            Ok(r) => r,
            Err(e) => return (Map::new(), Err(e)),
        };
        let target = match serde_json::to_value(&request) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        let checked = {
            let s = self.store.read();
            match s.get(&request.session) {
                None => Err(format!("no call {} in progress", request.session)),
                Some(sess) if sess.ended => Err("the call has ended".into()),
                // A request on the call as a whole (hang up) names no party.
                Some(_) if request.party.is_empty() => Ok(()),
                Some(sess) => match sess.parties.iter().find(|p| p.id == request.party) {
                    Some(p) => request.action.check(p.code()),
                    None => Err(format!("no party {} in the call", request.party)),
                },
            }
        };
        (target, checked)
    }

    fn apply(&self, call: &ControlCall) -> impl std::future::Future<Output = Value> + Send {
        let outcome = match Self::request(call) {
            Err(message) => Err(Outcome::Failed { message }),
            Ok(r) => {
                let mut b = self.bucket.lock().unwrap_or_else(|e| e.into_inner());
                match b.take(Instant::now()) {
                    Ok(()) => Ok(self.control.execute(r)),
                    Err(retry_after) => Err(Outcome::RateLimited { retry_after }),
                }
            }
        };
        async move {
            let outcome = match outcome {
                Ok(running) => running.await,
                Err(o) => o,
            };
            serde_json::to_value(&outcome).unwrap_or(Value::Null)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::control::Target;

    #[test]
    fn verbs_are_subject_tokens() {
        for (a, v) in [
            (ControlAction::Hold, "hold"),
            (ControlAction::StartRecording, "startRecording"),
            (ControlAction::HangUp, "hangUp"),
            (
                ControlAction::Transfer {
                    to: Target::ExtensionNumber("101".into()),
                },
                "transfer",
            ),
        ] {
            assert_eq!(verb_of(&a), v);
            assert!(crate::relay::names::check_token("verb", v).is_ok());
        }
        assert!(!retry_allowed(&ControlAction::HangUp));
        assert!(retry_allowed(&ControlAction::Hold));
    }

    #[test]
    fn the_bucket_allows_fifty_a_minute() {
        let t0 = Instant::now();
        let mut b = Bucket::new(50);
        for _ in 0..50 {
            assert!(b.take(t0).is_ok());
        }
        let wait = b.take(t0).unwrap_err();
        assert!((1.19..=1.21).contains(&wait.as_secs_f64()), "{wait:?}");
        assert!(b.take(t0 + Duration::from_millis(1200)).is_ok());
        assert!(b.take(t0 + Duration::from_millis(1200)).is_err());
    }

    #[test]
    fn a_request_under_another_verb_is_refused() {
        let req = ControlRequest {
            session: "s".into(),
            party: "p".into(),
            action: ControlAction::HangUp,
        };
        let call = |verb: &str| ControlCall {
            user: "alice".into(),
            verb: verb.into(),
            request_id: "r".into(),
            payload: serde_json::to_value(&req).unwrap(),
        };
        assert!(Applier::<RelayControl>::request(&call("hangUp")).is_ok());
        let e = Applier::<RelayControl>::request(&call("hold")).unwrap_err();
        assert_eq!(e, "a hangUp request sent as hold");
    }
}
