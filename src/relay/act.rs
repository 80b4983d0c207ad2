//! Control through the relay, in the one control vocabulary: a board's [`RelayControl`]
//! sends each `core::control::ControlRequest` (an action on a call's party, or an
//! agent's setting) as a request to `calltop.A.ctl.<user>.<verb>`; a
//! relay's [`Applier`] checks it against its store (the party's state, the queue's
//! members) and runs it on the platform under the Light 50/min budget, answering with the
//! `Outcome`.

use super::control::{ControlCall, ControlClient, ControlError, ControlHandler, ControlReply};
use crate::core::control::{Aim, Control, ControlAction, ControlRequest, Outcome, Subject};
use crate::core::{SessionStore, SharedStore};
use futures_util::future::BoxFuture;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The `action` tag of a serialized action or request.
fn tag_of(v: &Value) -> Option<&str> {
    v.get("action").and_then(Value::as_str)
}

/// The verb of a request: its action's name in the JSON (`hold`, `transfer`,
/// `startRecording`, `hangUp`, `acceptQueueCalls`…), so permissions can grant single
/// actions. Takes a [`ControlAction`] (or a request, which carries its action's tag).
pub fn verb_of<A: Serialize + ?Sized>(action: &A) -> String {
    serde_json::to_value(action)
        .ok()
        .as_ref()
        .and_then(tag_of)
        .unwrap_or_default()
        .to_string()
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
        let payload = match serde_json::to_value(request) {
            Ok(v) => v,
            Err(e) => return failed(format!("cannot encode the request: {e}")),
        };
        let verb = tag_of(&payload).unwrap_or_default().to_string();
        let id = ControlClient::new_request_id();
        let tries = if request.action.facts().retry { 2 } else { 1 };
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
}

/// A board's [`Control`] over several accounts: each request goes to the relay of the
/// account whose call or agent it acts on, as the store knows it (the call's parties'
/// account, the account that claimed the agent). An account whose relay may not be
/// asked holds why, and its requests fail saying so.
#[derive(Clone, Debug)]
pub struct AccountsControl {
    store: SharedStore,
    relays: Arc<BTreeMap<String, Result<RelayControl, String>>>,
}

impl AccountsControl {
    pub fn new(
        store: SharedStore,
        relays: BTreeMap<String, Result<RelayControl, String>>,
    ) -> AccountsControl {
        AccountsControl {
            store,
            relays: Arc::new(relays),
        }
    }

    /// The account a request acts in, when the store knows it.
    fn account_of(&self, on: &Subject) -> Option<String> {
        let st = self.store.read();
        match on {
            Subject::Party { session, .. } => st.get(session)?.account().map(str::to_string),
            Subject::Agent { agent } => st.center().agent(agent)?.account.clone(),
        }
    }

    /// Sends `request` to the relay of its account.
    pub async fn send(&self, request: &ControlRequest) -> Outcome {
        let Some(account) = self.account_of(&request.on) else {
            return failed(format!(
                "{}: not sent, the account of this call or agent is not known yet",
                request.action.word()
            ));
        };
        match self.relays.get(&account) {
            Some(Ok(relay)) => relay.send(request).await,
            Some(Err(why)) => failed(format!("account {account} is read-only: {why}")),
            None => failed(format!("account {account} is not one this board follows")),
        }
    }
}

impl Control for AccountsControl {
    fn execute(&self, request: ControlRequest) -> BoxFuture<'static, Outcome> {
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

/// The request in `call`, whose action must be the subject's verb and whose party or
/// agent must be what its verb acts on.
fn parse(call: &ControlCall) -> Result<ControlRequest, String> {
    let named = |k: &str| call.payload.get(k).is_some();
    let party = named("session") && named("party");
    if !party && !named("agent") {
        return Err("bad request: it names no party (session, party) and no agent".into());
    }
    let request: ControlRequest =
        serde_json::from_value(call.payload.clone()).map_err(|e| match tag_of(&call.payload) {
            Some(tag) if tag != call.verb => format!("a {tag} request sent as {}", call.verb),
            _ => format!("bad request: {e}"),
        })?;
    let verb = verb_of(&request.action);
    if verb != call.verb {
        // Permissions may grant single verbs: the subject's must be the action's.
        return Err(format!("a {verb} request sent as {}", call.verb));
    }
    match (&request.on, request.action.facts().aim) {
        (Subject::Agent { .. }, Aim::Party | Aim::Call) => {
            Err(format!("bad request: a {verb} request names no party"))
        }
        (Subject::Party { .. }, Aim::Agent) => {
            Err(format!("bad request: a {verb} request names no agent"))
        }
        _ => Ok(request),
    }
}

/// What a request acts on, for the audit: the request itself.
fn audit_target(request: &ControlRequest) -> Map<String, Value> {
    match serde_json::to_value(request) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// Whether the store allows it now: the call is in progress and its party in a state
/// the action allows; the queue is one the relay knows and the agent one of its members.
fn check(store: &SessionStore, request: &ControlRequest) -> Result<(), String> {
    let verb = request.action.verb();
    match (&request.on, &request.action) {
        (Subject::Agent { agent }, ControlAction::AcceptQueueCalls { queue, .. }) => {
            match store.center().queue(queue) {
                None => Err(format!("can't {verb}: the relay knows no queue {queue}")),
                Some(q) if !q.members.contains_key(agent) => Err(format!(
                    "can't {verb}: agent {agent} is not a member of queue {queue}"
                )),
                Some(_) => Ok(()),
            }
        }
        (Subject::Agent { .. }, _) => Err(format!("can't {verb}: it acts on a call's party")),
        (Subject::Party { session, party }, action) => match store.get(session) {
            None => Err(format!("no call {session} in progress")),
            Some(sess) if sess.ended => Err("the call has ended".into()),
            // A request on the call as a whole (hang up) names no party.
            Some(_) if party.is_empty() => Ok(()),
            Some(sess) => match sess.parties.iter().find(|p| p.id == *party) {
                Some(p) => action.check(p.code()),
                None => Err(format!("no party {party} in the call")),
            },
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
        match parse(call) {
            Ok(r) => (audit_target(&r), check(&self.store.read(), &r)),
            Err(e) => (Map::new(), Err(e)),
        }
    }

    fn apply(&self, call: &ControlCall) -> impl std::future::Future<Output = Value> + Send {
        let outcome = match parse(call) {
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
        assert!(!ControlAction::HangUp.facts().retry);
        assert!(ControlAction::Hold.facts().retry);
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
        let req = ControlRequest::on_party("s", "p", ControlAction::HangUp);
        assert_eq!(parse(&call("hangUp", &req)), Ok(req.clone()));
        assert_eq!(
            parse(&call("hold", &req)).unwrap_err(),
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

    fn agent_request(agent: &str, queue: &str) -> ControlRequest {
        ControlRequest::on_agent(
            agent,
            ControlAction::AcceptQueueCalls {
                queue: queue.into(),
                accept: false,
            },
        )
    }

    #[test]
    fn the_agent_verb_is_its_action_tag() {
        let r = agent_request("a-1", "q-1");
        assert_eq!(verb_of(&r.action), "acceptQueueCalls");
        assert_eq!(verb_of(&r), "acceptQueueCalls");
        assert!(crate::relay::names::check_token("verb", &verb_of(&r)).is_ok());
        // A setting is idempotent: a board may send it again after a timeout.
        assert!(r.action.facts().retry);
    }

    #[test]
    fn agent_requests_parse_by_their_verb() {
        let r = agent_request("a-1", "q-1");
        let payload = serde_json::to_value(&r).unwrap();
        assert_eq!(
            payload,
            serde_json::json!({"agent": "a-1", "action": "acceptQueueCalls", "queue": "q-1", "accept": false})
        );
        let parsed = parse(&call("acceptQueueCalls", &r)).unwrap();
        assert_eq!(parsed, r);
        // The audit's target is the request.
        assert_eq!(Value::Object(audit_target(&parsed)), payload);

        // Sent under another verb, either way round.
        let hold = ControlRequest::on_party("s", "p", ControlAction::Hold);
        assert_eq!(
            parse(&call("hold", &r)).unwrap_err(),
            "a acceptQueueCalls request sent as hold"
        );
        assert_eq!(
            parse(&call("acceptQueueCalls", &hold)).unwrap_err(),
            "a hold request sent as acceptQueueCalls"
        );
        // No agent named.
        let e = parse(&call(
            "acceptQueueCalls",
            &serde_json::json!({"action": "acceptQueueCalls", "queue": "q-1", "accept": true}),
        ))
        .unwrap_err();
        assert_eq!(
            e,
            "bad request: it names no party (session, party) and no agent"
        );
        // A call's verb on an agent, an agent's verb on a party.
        let hold_agent = ControlRequest::on_agent("a-1", ControlAction::Hold);
        assert_eq!(
            parse(&call("hold", &hold_agent)).unwrap_err(),
            "bad request: a hold request names no party"
        );
        let on_party = ControlRequest::on_party("s", "p", r.action.clone());
        assert_eq!(
            parse(&call("acceptQueueCalls", &on_party)).unwrap_err(),
            "bad request: a acceptQueueCalls request names no agent"
        );
    }

    #[test]
    fn an_agent_request_needs_a_known_queue_and_a_member() {
        let mut store = SessionStore::default();
        let presence: crate::wire::queues::QueuePresenceEvent =
            serde_json::from_value(serde_json::json!({"extensionId": "a-1", "acceptCalls": true}))
                .unwrap();
        store.center_mut().queue_presence(Some("q-1"), &presence);
        let check = |agent, queue| check(&store, &agent_request(agent, queue));
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
