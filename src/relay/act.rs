//! Control through the relay, in the one control vocabulary: a board's [`RelayControl`]
//! sends each `core::control::ControlRequest` (an action on a call) and each
//! `AgentRequest` (an agent's setting) as a request to `calltop.A.ctl.<user>.<verb>`; a
//! relay's [`Applier`] checks it against its store (the party's state, the queue's
//! members) and runs it on the platform under the Light 50/min budget, answering with the
//! `Outcome`.

use super::control::{ControlCall, ControlClient, ControlError, ControlHandler, ControlReply};
use crate::core::center::Center;
use crate::core::control::{
    AgentAction, AgentRequest, Control, ControlAction, ControlRequest, Outcome,
};
use crate::core::{SessionStore, SharedStore};
use futures_util::future::BoxFuture;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The `action` tag of a serialized action or request.
fn tag_of(v: &Value) -> Option<&str> {
    v.get("action").and_then(Value::as_str)
}

/// The verb of a request: its action's name in the JSON (`hold`, `transfer`,
/// `startRecording`, `hangUp`, `acceptQueueCalls`…), so permissions can grant single
/// actions. Takes a [`ControlAction`] or an [`AgentAction`] (or a request, which carries
/// its action's tag).
pub fn verb_of<A: Serialize + ?Sized>(action: &A) -> String {
    serde_json::to_value(action)
        .ok()
        .as_ref()
        .and_then(tag_of)
        .unwrap_or_default()
        .to_string()
}

/// One of each agent action: their verbs are the agent verbs (list a new one here).
fn agent_actions() -> [AgentAction; 1] {
    [AgentAction::AcceptQueueCalls {
        queue: String::new(),
        accept: true,
    }]
}

/// Whether `verb` is an agent action's (else it is a call action's).
fn is_agent_verb(verb: &str) -> bool {
    agent_actions().iter().any(|a| verb_of(a) == verb)
}

/// Actions a board never sends twice on its own: a retry after a timeout could act on
/// a call that has moved on meanwhile.
fn retry_allowed(action: &ControlAction) -> bool {
    !matches!(
        action,
        ControlAction::HangUp | ControlAction::Transfer { .. } | ControlAction::DropParty
    )
}

/// A request the relay carries: an action on a call ([`ControlRequest`]) or an agent's
/// setting ([`AgentRequest`]). Its verb is its action's `action` tag ([`verb_of`]).
pub trait Carried: Serialize {
    /// Whether a board may send it again (same request id) after a timeout.
    fn retry_allowed(&self) -> bool;
    /// What it does, for the message when a timeout leaves that in doubt.
    fn word(&self) -> String;
}

impl Carried for ControlRequest {
    fn retry_allowed(&self) -> bool {
        retry_allowed(&self.action)
    }

    fn word(&self) -> String {
        self.action.word().into()
    }
}

impl Carried for AgentRequest {
    /// A setting is idempotent: applying it twice leaves it as once.
    fn retry_allowed(&self) -> bool {
        true
    }

    fn word(&self) -> String {
        self.action.verb()
    }
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
    pub async fn send<R: Carried>(&self, request: &R) -> Outcome {
        let payload = match serde_json::to_value(request) {
            Ok(v) => v,
            Err(e) => return failed(format!("cannot encode the request: {e}")),
        };
        let verb = tag_of(&payload).unwrap_or_default().to_string();
        let id = ControlClient::new_request_id();
        let tries = if request.retry_allowed() { 2 } else { 1 };
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
                    request.word()
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

    fn execute_agent(&self, request: AgentRequest) -> BoxFuture<'static, Outcome> {
        let me = self.clone();
        Box::pin(async move { me.send(&request).await })
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

/// A request as a relay receives it: parsed by its subject's verb.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Request {
    Call(ControlRequest),
    Agent(AgentRequest),
}

impl Request {
    /// The request in `call`: an agent request under an agent verb, else a call's; its
    /// action must be the subject's verb.
    fn parse(call: &ControlCall) -> Result<Request, String> {
        let request = if is_agent_verb(&call.verb) {
            Request::Agent(payload(call)?)
        } else {
            Request::Call(payload(call)?)
        };
        let verb = match &request {
            Request::Call(r) => verb_of(&r.action),
            Request::Agent(r) => verb_of(&r.action),
        };
        if verb != call.verb {
            // Permissions may grant single verbs: the subject's must be the action's.
            return Err(format!("a {verb} request sent as {}", call.verb));
        }
        Ok(request)
    }

    /// What it acts on, for the audit: the request itself.
    fn target(&self) -> Map<String, Value> {
        let v = match self {
            Request::Call(r) => serde_json::to_value(r),
            Request::Agent(r) => serde_json::to_value(r),
        };
        match v {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        }
    }

    /// Whether the store allows it now.
    fn check(&self, store: &SessionStore) -> Result<(), String> {
        match self {
            Request::Call(r) => check_call(store, r),
            Request::Agent(r) => check_agent(store.center(), r),
        }
    }
}

/// The payload as a `T`; one that names another action than the subject's verb is
/// refused as such.
fn payload<T: DeserializeOwned>(call: &ControlCall) -> Result<T, String> {
    serde_json::from_value(call.payload.clone()).map_err(|e| match tag_of(&call.payload) {
        Some(tag) if tag != call.verb => format!("a {tag} request sent as {}", call.verb),
        _ => format!("bad request: {e}"),
    })
}

/// The call is in progress and its party (if named) in a state the action allows.
fn check_call(store: &SessionStore, request: &ControlRequest) -> Result<(), String> {
    match store.get(&request.session) {
        None => Err(format!("no call {} in progress", request.session)),
        Some(sess) if sess.ended => Err("the call has ended".into()),
        // A request on the call as a whole (hang up) names no party.
        Some(_) if request.party.is_empty() => Ok(()),
        Some(sess) => match sess.parties.iter().find(|p| p.id == request.party) {
            Some(p) => request.action.check(p.code()),
            None => Err(format!("no party {} in the call", request.party)),
        },
    }
}

/// The queue is one the relay knows and the agent one of its members.
fn check_agent(center: &Center, request: &AgentRequest) -> Result<(), String> {
    let verb = request.action.verb();
    let agent = &request.agent;
    match &request.action {
        AgentAction::AcceptQueueCalls { queue, .. } => match center.queue(queue) {
            None => Err(format!("can't {verb}: the relay knows no queue {queue}")),
            Some(q) if !q.members.contains_key(agent) => Err(format!(
                "can't {verb}: agent {agent} is not a member of queue {queue}"
            )),
            Some(_) => Ok(()),
        },
    }
}

/// A relay's [`ControlHandler`]: runs each request with the relay's own [`Control`]
/// (the platform's REST client) once the relay's fold of the stream allows it (the
/// party's state; the queue's members), within the bucket.
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
}

impl<C: Control + 'static> ControlHandler for Applier<C> {
    fn target(&self, call: &ControlCall) -> (Map<String, Value>, Result<(), String>) {
        match Request::parse(call) {
            Ok(r) => (r.target(), r.check(&self.store.read())),
            Err(e) => (Map::new(), Err(e)),
        }
    }

    fn apply(&self, call: &ControlCall) -> impl std::future::Future<Output = Value> + Send {
        let outcome = match Request::parse(call) {
            Err(message) => Err(Outcome::Failed { message }),
            Ok(r) => {
                let mut b = self.bucket.lock().unwrap_or_else(|e| e.into_inner());
                match b.take(Instant::now()) {
                    Ok(()) => Ok(match r {
                        Request::Call(r) => self.control.execute(r),
                        Request::Agent(r) => self.control.execute_agent(r),
                    }),
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
        assert_eq!(
            Request::parse(&call("hangUp", &req)),
            Ok(Request::Call(req.clone()))
        );
        assert_eq!(
            Request::parse(&call("hold", &req)).unwrap_err(),
            "a hangUp request sent as hold"
        );
    }

    fn call(verb: &str, payload: &impl Serialize) -> ControlCall {
        ControlCall {
            user: "alice".into(),
            verb: verb.into(),
            request_id: "r".into(),
            payload: serde_json::to_value(payload).unwrap(),
        }
    }

    fn agent_request(agent: &str, queue: &str) -> AgentRequest {
        AgentRequest {
            agent: agent.into(),
            action: AgentAction::AcceptQueueCalls {
                queue: queue.into(),
                accept: false,
            },
        }
    }

    #[test]
    fn the_agent_verb_is_its_action_tag() {
        let r = agent_request("a-1", "q-1");
        assert_eq!(verb_of(&r.action), "acceptQueueCalls");
        assert_eq!(verb_of(&r), "acceptQueueCalls");
        assert!(crate::relay::names::check_token("verb", &verb_of(&r)).is_ok());
        assert!(is_agent_verb("acceptQueueCalls"));
        for v in ["hold", "hangUp", "supervise", "ping", ""] {
            assert!(!is_agent_verb(v), "{v}");
        }
        // A setting is idempotent: a board may send it again after a timeout.
        assert!(r.retry_allowed());
    }

    #[test]
    fn agent_requests_parse_by_their_verb() {
        let r = agent_request("a-1", "q-1");
        let payload = serde_json::to_value(&r).unwrap();
        assert_eq!(
            payload,
            serde_json::json!({"agent": "a-1", "action": "acceptQueueCalls", "queue": "q-1", "accept": false})
        );
        let parsed = Request::parse(&call("acceptQueueCalls", &r)).unwrap();
        assert_eq!(parsed, Request::Agent(r.clone()));
        // The audit's target is the request.
        assert_eq!(Value::Object(parsed.target()), payload);

        // Sent under another verb, either way round.
        let hold = ControlRequest {
            session: "s".into(),
            party: "p".into(),
            action: ControlAction::Hold,
        };
        assert_eq!(
            Request::parse(&call("hold", &r)).unwrap_err(),
            "a acceptQueueCalls request sent as hold"
        );
        assert_eq!(
            Request::parse(&call("acceptQueueCalls", &hold)).unwrap_err(),
            "a hold request sent as acceptQueueCalls"
        );
        // No agent named.
        let e = Request::parse(&call(
            "acceptQueueCalls",
            &serde_json::json!({"action": "acceptQueueCalls", "queue": "q-1", "accept": true}),
        ))
        .unwrap_err();
        assert!(e.starts_with("bad request: missing field `agent`"), "{e}");
    }

    #[test]
    fn an_agent_request_needs_a_known_queue_and_a_member() {
        let mut store = SessionStore::default();
        let presence: crate::wire::queues::QueuePresenceEvent =
            serde_json::from_value(serde_json::json!({"extensionId": "a-1", "acceptCalls": true}))
                .unwrap();
        store.center_mut().queue_presence(Some("q-1"), &presence);
        let check = |agent, queue| Request::Agent(agent_request(agent, queue)).check(&store);
        assert_eq!(check("a-1", "q-1"), Ok(()));
        assert_eq!(
            check("a-2", "q-1").unwrap_err(),
            "can't stop taking calls of queue q-1: agent a-2 is not a member of queue q-1"
        );
        assert_eq!(
            check("a-1", "q-2").unwrap_err(),
            "can't stop taking calls of queue q-2: the relay knows no queue q-2"
        );
    }
}
