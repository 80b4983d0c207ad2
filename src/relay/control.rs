//! Control by request-reply. A board sends `{"requestId","payload"}` to
//! `calltop.A.ctl.<user>.<verb>`; the relays queue-subscribe `calltop.A.ctl.*.*`, so one
//! takes each request. The user is the subject's 4th token: the broker's publish
//! permissions allow each supervisor only its own (`calltop.A.ctl.alice.>`), which makes
//! it the authenticated identity (nats-server 2.9 puts no user header on a message).
//!
//! A request id is applied at most once, across retries and relays: the relay claims
//! `<user>.<requestId>` in KV `calltop_A_ctl` (create-if-absent) before applying it, and
//! stores the result there; a retry gets that result back (`replayed`).

use super::audit::{self, AuditEntry, AuditPhase, AuditRecord};
use super::conn::NatsConn;
use super::names::{check_token, Names};
use super::setup::open_kv;
use super::RelayError;
use crate::wire::Ts;
use async_nats::jetstream::kv;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The verb every relay answers without a claim or an audit: "is a relay there, and may
/// I send control requests?".
pub const PING: &str = "ping";

/// A request body: the payload (a `core::control::ControlRequest` or `AgentRequest` as
/// JSON) and the id that makes its retries one action.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    /// Chosen by the board (a nuid), the same on every retry.
    pub request_id: String,
    pub payload: Value,
}

/// A reply body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum ControlReply {
    /// Applied; `replayed` when this is the stored result of an earlier try.
    #[serde(rename_all = "camelCase")]
    Done {
        request_id: String,
        result: Value,
        replayed: bool,
    },
    /// Not applied.
    #[serde(rename_all = "camelCase")]
    Refused { request_id: String, message: String },
    /// Being applied by an earlier try (still running, or its relay died mid-way): it
    /// will not be applied again.
    #[serde(rename_all = "camelCase")]
    InProgress { request_id: String },
}

/// One request as the handler sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct ControlCall {
    /// The authenticated NATS user.
    pub user: String,
    pub verb: String,
    pub request_id: String,
    pub payload: Value,
}

/// What a relay does with control requests.
pub trait ControlHandler: Send + Sync + 'static {
    /// What the call acts on, for the audit (e.g. `{"session":…,"party":…}`), and
    /// whether it may go ahead: an `Err` refuses it with that message, unapplied.
    fn target(&self, call: &ControlCall) -> (Map<String, Value>, Result<(), String>);
    /// Applies the call (once per request id) and returns its result.
    fn apply(&self, call: &ControlCall) -> impl Future<Output = Value> + Send;
}

/// The state of a claim in KV `calltop_A_ctl`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "camelCase")]
enum Claim {
    Running { relay: String, at: Ts },
    Done { relay: String, result: Value },
}

/// How long a retry waits for a running claim to finish before answering `InProgress`.
const CLAIM_WAIT: Duration = Duration::from_secs(10);

/// Requests a control server answered, by what came of them.
#[derive(Debug, Default)]
pub struct ServeStats {
    /// Applied (the handler ran).
    pub applied: AtomicU64,
    /// A retry answered with the stored result of an earlier try.
    pub replayed: AtomicU64,
    /// Refused before being applied.
    pub refused: AtomicU64,
    /// A retry of a request still being applied elsewhere.
    pub in_progress: AtomicU64,
}

/// A running control server (one per relay). Dropping it stops it.
pub struct ControlServer {
    join: tokio::task::JoinHandle<()>,
    stats: Arc<ServeStats>,
}

impl ControlServer {
    /// What it answered so far.
    pub fn stats(&self) -> Arc<ServeStats> {
        self.stats.clone()
    }
}

impl Drop for ControlServer {
    fn drop(&mut self) {
        self.join.abort();
    }
}

struct Served<H> {
    conn: NatsConn,
    names: Names,
    relay: String,
    claims: kv::Store,
    handler: H,
    stats: Arc<ServeStats>,
}

impl ControlServer {
    /// Queue-subscribes the account's control subjects as relay `relay`.
    pub async fn start<H: ControlHandler>(
        conn: &NatsConn,
        names: &Names,
        relay: &str,
        handler: H,
    ) -> Result<ControlServer, RelayError> {
        let claims = open_kv(&conn.js, &names.kv_ctl()).await?;
        let mut sub = conn
            .client
            .queue_subscribe(names.ctl_any(), names.ctl_queue())
            .await
            .map_err(|e| RelayError::nats("subscribe to control", e))?;
        // The subscription is live once the server has seen it.
        conn.client
            .flush()
            .await
            .map_err(|e| RelayError::nats("flush", e))?;
        let served = Arc::new(Served {
            conn: conn.clone(),
            names: names.clone(),
            relay: relay.to_string(),
            claims,
            handler,
            stats: Arc::default(),
        });
        let stats = served.stats.clone();
        let join = tokio::spawn(async move {
            while let Some(msg) = sub.next().await {
                let served = served.clone();
                tokio::spawn(async move { served.serve(msg).await });
            }
        });
        Ok(ControlServer { join, stats })
    }
}

impl<H: ControlHandler> Served<H> {
    async fn serve(&self, msg: async_nats::Message) {
        let Some(reply_to) = msg.reply.clone() else {
            return;
        };
        let Some((user, verb)) = self.names.parse_ctl(&msg.subject) else {
            return;
        };
        let reply = match serde_json::from_slice::<Envelope>(&msg.payload) {
            Err(e) => ControlReply::Refused {
                request_id: String::new(),
                message: format!("bad request: {e}"),
            },
            Ok(req) if verb == PING => ControlReply::Done {
                request_id: req.request_id,
                result: serde_json::json!({ "relay": self.relay }),
                replayed: false,
            },
            Ok(req) => {
                let call = ControlCall {
                    user: user.to_string(),
                    verb: verb.to_string(),
                    request_id: req.request_id,
                    payload: req.payload,
                };
                self.run(call).await
            }
        };
        let body = serde_json::to_vec(&reply).expect("a reply serializes");
        if let Err(e) = self.conn.client.publish(reply_to, body.into()).await {
            tracing::warn!(error = %e, "control reply not sent");
        }
    }

    async fn run(&self, call: ControlCall) -> ControlReply {
        let refuse = |message: String| ControlReply::Refused {
            request_id: call.request_id.clone(),
            message,
        };
        if let Err(e) = check_token("request id", &call.request_id)
            .and_then(|_| check_token("user", &call.user))
        {
            self.stats.refused.fetch_add(1, Ordering::Relaxed);
            return refuse(e.to_string());
        }
        let (target, checked) = self.handler.target(&call);
        if let Err(message) = checked {
            self.stats.refused.fetch_add(1, Ordering::Relaxed);
            self.audit(
                &call,
                target,
                AuditPhase::Refused,
                Some(message.clone().into()),
            )
            .await;
            return refuse(message);
        }
        let key = format!("{}.{}", call.user, call.request_id);
        let running = Claim::Running {
            relay: self.relay.clone(),
            at: Ts::now(),
        };
        let revision = match self.claims.create(&key, to_bytes(&running).into()).await {
            Ok(rev) => rev,
            Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => {
                return self.replay(&key, &call.request_id).await;
            }
            // Without a claim nothing is applied: a retry could then apply it twice.
            Err(e) => {
                self.stats.refused.fetch_add(1, Ordering::Relaxed);
                return refuse(format!("cannot claim the request: {e}"));
            }
        };
        self.stats.applied.fetch_add(1, Ordering::Relaxed);
        self.audit(&call, target.clone(), AuditPhase::Sent, None)
            .await;
        let result = self.handler.apply(&call).await;
        let done = Claim::Done {
            relay: self.relay.clone(),
            result: result.clone(),
        };
        if let Err(e) = self
            .claims
            .update(&key, to_bytes(&done).into(), revision)
            .await
        {
            tracing::warn!(error = %e, key, "control result not stored");
        }
        self.audit(&call, target, AuditPhase::Result, Some(result.clone()))
            .await;
        ControlReply::Done {
            request_id: call.request_id,
            result,
            replayed: false,
        }
    }

    /// The stored result of an earlier try, waiting a while for a running one.
    async fn replay(&self, key: &str, request_id: &str) -> ControlReply {
        let deadline = tokio::time::Instant::now() + CLAIM_WAIT;
        loop {
            let claim = self
                .claims
                .get(key)
                .await
                .ok()
                .flatten()
                .and_then(|b| serde_json::from_slice::<Claim>(&b).ok());
            if let Some(Claim::Done { result, .. }) = claim {
                self.stats.replayed.fetch_add(1, Ordering::Relaxed);
                return ControlReply::Done {
                    request_id: request_id.to_string(),
                    result,
                    replayed: true,
                };
            }
            if tokio::time::Instant::now() >= deadline {
                self.stats.in_progress.fetch_add(1, Ordering::Relaxed);
                return ControlReply::InProgress {
                    request_id: request_id.to_string(),
                };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn audit(
        &self,
        call: &ControlCall,
        target: Map<String, Value>,
        phase: AuditPhase,
        outcome: Option<Value>,
    ) {
        let record = AuditRecord {
            received_at: Ts::now(),
            audit: AuditEntry {
                target,
                verb: call.verb.clone(),
                by: call.user.clone(),
                request_id: call.request_id.clone(),
                phase,
                outcome,
                relay: self.relay.clone(),
            },
        };
        if let Err(e) = audit::publish(&self.conn.js, &self.names, &self.relay, &record).await {
            tracing::error!(error = %e, "audit record not published");
        }
    }
}

fn to_bytes(claim: &Claim) -> Vec<u8> {
    serde_json::to_vec(claim).expect("a claim serializes")
}

/// Why a control request got no reply.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    /// The broker refused the publish: this user may not send this request.
    #[error("not permitted")]
    NotPermitted,
    /// Nobody serves control requests for this account.
    #[error("no relay")]
    NoRelay,
    /// No reply in time: retry with the same request id (applied at most once).
    #[error("no reply from the relay in time")]
    TimedOut,
    #[error("{0}")]
    Failed(String),
}

/// A board's side: sends control requests as its NATS user.
#[derive(Clone, Debug)]
pub struct ControlClient {
    conn: NatsConn,
    names: Names,
    user: String,
    timeout: Duration,
}

impl ControlClient {
    /// A client for the connection's user (which must be known).
    pub fn new(conn: &NatsConn, names: &Names) -> Result<ControlClient, RelayError> {
        let user = conn
            .user
            .clone()
            .ok_or_else(|| RelayError::Config("control requests need the NATS user name".into()))?;
        Ok(ControlClient {
            conn: conn.clone(),
            names: names.clone(),
            user,
            timeout: Duration::from_secs(15),
        })
    }

    /// Waits this long for a reply.
    pub fn with_timeout(mut self, timeout: Duration) -> ControlClient {
        self.timeout = timeout;
        self
    }

    /// A fresh request id.
    pub fn new_request_id() -> String {
        use rand::distr::{Alphanumeric, SampleString};
        Alphanumeric.sample_string(&mut rand::rng(), 22)
    }

    /// Whether this user may send control requests and a relay answers them
    /// (`Err(NotPermitted)`: the board is read-only).
    pub async fn ping(&self) -> Result<(), ControlError> {
        self.request(PING, &Self::new_request_id(), Value::Null)
            .await
            .map(drop)
    }

    /// Sends one request. After `TimedOut`, send it again with the same `request_id`.
    pub async fn request(
        &self,
        verb: &str,
        request_id: &str,
        payload: Value,
    ) -> Result<ControlReply, ControlError> {
        let subject = self.names.ctl(&self.user, verb);
        let body = serde_json::to_vec(&Envelope {
            request_id: request_id.to_string(),
            payload,
        })
        .expect("a request serializes");
        // Subscribed before sending, so a refusal for this publish cannot be missed.
        let mut errors = self.conn.server_errors();
        let request = self.conn.client.send_request(
            subject.clone(),
            async_nats::Request::new()
                .payload(body.into())
                .timeout(Some(self.timeout)),
        );
        tokio::pin!(request);
        let refused = format!("publish to \"{subject}\"").to_lowercase();
        loop {
            tokio::select! {
                res = &mut request => {
                    let msg = res.map_err(|e| match e.kind() {
                        async_nats::RequestErrorKind::NoResponders => ControlError::NoRelay,
                        async_nats::RequestErrorKind::TimedOut => ControlError::TimedOut,
                        _ => ControlError::Failed(e.to_string()),
                    })?;
                    return serde_json::from_slice(&msg.payload)
                        .map_err(|e| ControlError::Failed(format!("bad reply: {e}")));
                }
                Ok(err) = errors.recv() => {
                    let err = err.to_lowercase();
                    if err.contains("permissions violation") && err.contains(&refused) {
                        return Err(ControlError::NotPermitted);
                    }
                }
            }
        }
    }
}
