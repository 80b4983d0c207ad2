//! `calltop sim`: a loopback RingCentral platform — OAuth (JWT grant, refresh, revoke),
//! the single-use wstoken, the WebSocket gateway (ConnectionDetails, subscriptions,
//! heartbeats, recovery), REST (extension, presence, Call Control) with rate limits —
//! and its own call generator with a per-call state machine. It shares the wire
//! types with the client but never the store.

mod acd;
mod auth;
mod calls;
mod config;
mod control;
mod debug;
mod directory;
mod errors;
mod extract;
mod faults;
mod gateway;
pub mod generate;
mod history;
mod hub;
mod presence;
mod ratelimit;
mod records;
mod rest;
mod roster;
mod seed;
mod state;
mod supervise;
mod truth;
mod world;

pub use crate::wire::presence::{agent_state, AgentState};
pub use acd::AcdTally;
pub use calls::CallKind;
pub use config::{Faults, QueuePolicy, SimConfig};
pub use directory::{id_prefix, ACCOUNT_ID, MAIN_NUMBER};
pub use history::{CallOutcomeTruth, LegTruth, RecordTruth, RecordingTruth};
pub use ratelimit::{Group, GroupStats};
pub use truth::{AgentLegTruth, AgentTruth, GroundTruth, Outcome, QueueEntryTruth, QueueTruth};

use anyhow::Context;
use axum::routing::{get, patch, post};
use axum::Router;
use state::Shared;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Duration;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// A running simulator.
pub struct SimHandle {
    shared: Arc<Shared>,
    server: JoinHandle<()>,
    engine: JoinHandle<()>,
}

/// The account's directory: extensions, presence, queues, devices.
fn roster_routes() -> Router<Arc<Shared>> {
    let a = "/restapi/v1.0/account/{acc}";
    Router::new()
        .route(a, get(roster::account_info))
        .route(&format!("{a}/extension"), get(roster::extension_list))
        .route(&format!("{a}/extension/{{ext}}"), get(roster::extension))
        .route(
            &format!("{a}/extension/{{ext}}/presence"),
            get(roster::presence).put(roster::presence_put),
        )
        .route(&format!("{a}/presence"), get(roster::account_presence))
        .route(&format!("{a}/call-queues"), get(roster::queue_list))
        .route(&format!("{a}/call-queues/{{id}}"), get(roster::queue_get))
        .route(
            &format!("{a}/call-queues/{{id}}/members"),
            get(roster::queue_members),
        )
        .route(
            &format!("{a}/call-queues/{{id}}/presence"),
            get(roster::queue_presence_get).put(roster::queue_presence_put),
        )
        .route(
            &format!("{a}/extension/{{ext}}/call-queue-presence"),
            get(roster::agent_queues_get).put(roster::agent_queues_put),
        )
        .route(
            &format!("{a}/extension/{{ext}}/answering-rule/business-hours-rule"),
            get(roster::business_hours_rule),
        )
        .route(
            &format!("{a}/extension/{{ext}}/device"),
            get(roster::device_list),
        )
        .route(&format!("{a}/device/{{id}}"), get(roster::device_get))
}

/// The call log, recordings and voicemail.
fn records_routes() -> Router<Arc<Shared>> {
    let a = "/restapi/v1.0/account/{acc}";
    Router::new()
        .route(&format!("{a}/call-log"), get(records::account_call_log))
        .route(&format!("{a}/call-log/{{id}}"), get(records::call_record))
        .route(
            &format!("{a}/extension/{{ext}}/call-log"),
            get(records::extension_call_log),
        )
        .route(
            &format!("{a}/extension/{{ext}}/call-log/{{id}}"),
            get(records::call_record),
        )
        .route(&format!("{a}/recording/{{id}}"), get(records::recording))
        .route(
            &format!("{a}/recording/{{id}}/content"),
            get(records::recording_content),
        )
        .route(
            &format!("{a}/extension/{{ext}}/message-store"),
            get(records::message_list),
        )
        .route(
            &format!("{a}/extension/{{ext}}/message-store/{{id}}"),
            get(records::message),
        )
        .route(
            &format!("{a}/extension/{{ext}}/message-store/{{id}}/content/{{att}}"),
            get(records::message_content),
        )
}

/// Subscriptions over HTTP, and Call Control.
fn telephony_routes() -> Router<Arc<Shared>> {
    let a = "/restapi/v1.0/account/{acc}";
    let t = "/restapi/v1.0/account/{acc}/telephony/sessions/{sid}";
    Router::new()
        .route("/restapi/v1.0/subscription", post(rest::subscription_http))
        .route(
            "/restapi/v1.0/subscription/{id}",
            get(rest::subscription_get),
        )
        .route(t, get(rest::session_get).delete(rest::session_delete))
        .route(
            &format!("{t}/supervise"),
            post(supervise::session_supervise),
        )
        .route(&format!("{t}/parties/bring-in"), post(supervise::bring_in))
        .route(
            &format!("{t}/parties/{{pid}}/supervise"),
            post(supervise::party_supervise),
        )
        .route(
            &format!("{a}/telephony/call-out"),
            post(supervise::call_out),
        )
        .route(
            &format!("{a}/telephony/conference"),
            post(supervise::conference),
        )
        .route(
            &format!("{t}/parties/{{pid}}"),
            get(rest::party_get)
                .patch(rest::party_patch)
                .delete(rest::party_delete),
        )
        .route(
            &format!("{t}/parties/{{pid}}/{{action}}"),
            post(rest::party_action),
        )
        .route(
            &format!("{t}/parties/{{pid}}/recordings/{{rid}}"),
            patch(rest::recording_patch),
        )
}

fn router(sim: Arc<Shared>) -> Router {
    Router::new()
        .route("/restapi/oauth/token", post(auth::token))
        .route("/restapi/oauth/revoke", post(auth::revoke))
        .route("/restapi/oauth/wstoken", post(auth::wstoken))
        .route("/ws", get(gateway::ws))
        .route("/sim/ground-truth", get(debug::ground_truth))
        .route("/sim/ring", post(debug::ring))
        .merge(roster_routes())
        .merge(records_routes())
        .merge(telephony_routes())
        .fallback(rest::fallback)
        .method_not_allowed_fallback(|| async {
            errors::api_error(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "CMN-405",
                "HTTP method is not allowed for this resource",
            )
        })
        .layer(axum::middleware::from_fn_with_state(
            sim.clone(),
            ratelimit::middleware,
        ))
        .with_state(sim)
}

/// Plays call scripts and starts new calls until shutdown.
async fn engine(sim: Arc<Shared>) {
    let mut stop = sim.shutdown.subscribe();
    loop {
        let now = Instant::now();
        let next = sim.world().tick(now);
        let cap = now + Duration::from_millis(500);
        let at = next.map_or(cap, |n| n.min(cap));
        tokio::select! {
            _ = tokio::time::sleep_until(at) => {}
            _ = sim.wake.notified() => {}
            _ = stop.changed() => break,
        }
    }
}

/// The JWT that logs in as one user of a simulated account of `users` user extensions
/// (the same for every seed); `extension` is the user's extension number (`102`) or id.
pub fn user_jwt(users: u32, account: &str, extension: &str) -> Result<String, String> {
    let dir = directory::Directory::new(users.max(2), account);
    let user = dir
        .users
        .iter()
        .find(|u| u.number == extension || u.id == extension);
    match (user, dir.users.first(), dir.users.last()) {
        (Some(u), _, _) => Ok(config::demo_jwt(&u.id)),
        (None, Some(first), Some(last)) => Err(format!(
            "no user with extension number or id {extension:?} in the simulator (its users are {}-{}, ids {}-{})",
            first.number, last.number, first.id, last.id
        )),
        _ => Err("the simulator has no users".into()),
    }
}

/// Starts the simulator on `addr` (port 0 picks a free port).
pub async fn start(cfg: SimConfig, addr: SocketAddr) -> anyhow::Result<SimHandle> {
    use rand::SeedableRng;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    let addr = listener.local_addr()?;
    let mut world = world::World::new(cfg.clone());
    world.base_url = format!("http://{addr}");
    if cfg.warm_start {
        world.warm_start();
    }
    let creds = config::demo_credentials(&world.dir.owner().id, format!("http://{addr}"));
    let (shutdown, mut stopped) = watch::channel(false);
    let shared = Arc::new(Shared {
        world: Mutex::new(world),
        wake: Notify::new(),
        auth: Mutex::new(auth::AuthStore::new(rand::rngs::StdRng::seed_from_u64(
            cfg.seed.rotate_left(17) ^ 0x5EED,
        ))),
        limits: Mutex::new(ratelimit::Limiter::new(Duration::from_secs(
            cfg.rate_window_secs.max(1),
        ))),
        faults: RwLock::new(cfg.faults.clone()),
        creds,
        addr,
        shutdown,
        requests: AtomicU64::new(0),
        conn_ids: AtomicU64::new(0),
        router: OnceLock::new(),
        started: Instant::now(),
        counts: Default::default(),
        cfg,
    });
    let app = router(shared.clone());
    let _ = shared.router.set(app.clone());
    let server = tokio::spawn(async move {
        let stop = async move {
            let _ = stopped.wait_for(|s| *s).await;
        };
        if let Err(e) = axum::serve(listener, app)
            .with_graceful_shutdown(stop)
            .await
        {
            tracing::error!("sim server error: {e}");
        }
    });
    let engine = tokio::spawn(engine(shared.clone()));
    tracing::info!(%addr, seed = shared.cfg.seed, "simulator started");
    Ok(SimHandle {
        shared,
        server,
        engine,
    })
}

impl SimHandle {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.shared.base_url()
    }

    /// The credentials the simulator accepts (with its URL as the server).
    pub fn credentials(&self) -> crate::wire::Credentials {
        self.shared.creds.clone()
    }

    /// The uuid of every telephony notification emitted (before fault injection), in order.
    pub fn emitted_uuids(&self) -> Vec<String> {
        self.shared.world().emitted.clone()
    }

    /// The simulator's own view of every call it made (ended ones too).
    pub fn call_states(&self) -> Vec<crate::wire::CallSession> {
        self.shared
            .world()
            .calls
            .iter()
            .map(|c| c.to_session())
            .collect()
    }

    /// The final status code of every party of every call made, by
    /// (telephonySessionId, party id).
    pub fn party_codes(
        &self,
    ) -> std::collections::BTreeMap<(String, String), Option<crate::wire::StatusCode>> {
        self.call_states()
            .into_iter()
            .flat_map(|cs| {
                let id = cs.id;
                cs.parties
                    .into_iter()
                    .map(move |p| ((id.clone(), p.id), p.status.map(|s| s.code)))
            })
            .collect()
    }

    /// Successful JWT logins so far (a token refresh is not one).
    pub fn logins(&self) -> u64 {
        self.shared.counts.logins.load(Ordering::Relaxed)
    }

    /// WebSocket subscriptions created so far.
    pub fn subscriptions(&self) -> u64 {
        self.shared.counts.subscriptions.load(Ordering::Relaxed)
    }

    /// Every Call Control request received, in order: (action, session, party; `""`
    /// when it names the session).
    pub fn control_requests(&self) -> Vec<(String, String, String)> {
        let c = &self.shared.counts.control;
        c.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Every member change asked of `PUT …/call-queues/{id}/presence`, in order:
    /// (queue id, member extension id, acceptCurrentQueueCalls).
    pub fn queue_presence_updates(&self) -> Vec<(String, String, bool)> {
        let c = &self.shared.counts.queue_presence;
        c.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The generator stops starting calls; running calls play to their end.
    pub fn stop_new_calls(&self) {
        self.shared.world().stop_new = true;
    }

    /// Lets the generator start calls again (after `stop_new_calls`).
    pub fn resume_new_calls(&self) {
        self.shared.world().stop_new = false;
        self.shared.wake.notify_one();
    }

    /// Calls not yet over.
    pub fn active_calls(&self) -> usize {
        let w = self.shared.world();
        w.active.iter().filter(|&&ci| !w.calls[ci].ended).count()
    }

    /// Starts one call of `kind` now; returns its telephonySessionId.
    pub fn start_call(&self, kind: CallKind) -> String {
        let id = self.shared.world().start_call(kind);
        self.shared.wake.notify_one();
        id
    }

    /// What the simulator knows to be true about its contact center (and, for calls
    /// that ended, their call-log records, recordings and voicemail): see
    /// `src/sim/truth.rs` for the exact definition of every figure.
    pub fn ground_truth(&self) -> GroundTruth {
        self.shared.ground_truth()
    }

    /// Replaces the fault settings at run time.
    pub fn set_faults(&self, f: Faults) {
        self.shared.world().faults = f.clone();
        match self.shared.faults.write() {
            Ok(mut g) => *g = f,
            Err(e) => *e.into_inner() = f,
        }
    }

    /// Stops the server, the gateway connections and the engine.
    pub async fn shutdown(self) {
        let _ = self.shared.shutdown.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(5), self.server).await;
        let _ = tokio::time::timeout(Duration::from_secs(1), self.engine).await;
    }
}
