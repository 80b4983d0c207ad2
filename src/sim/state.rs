//! The state every handler shares: the world (calls + WebSocket hub), the token
//! store, the rate limiter, faults and the shutdown signal.

use super::auth::AuthStore;
use super::config::{Faults, SimConfig};
use super::ratelimit::Limiter;
use super::world::World;
use crate::wire::Credentials;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, RwLock};
use tokio::sync::{watch, Notify};

/// Shared simulator state (behind an `Arc`).
pub struct Shared {
    pub cfg: SimConfig,
    pub world: Mutex<World>,
    /// Wakes the engine when a control request or `start_call` changed the schedule.
    pub wake: Notify,
    pub auth: Mutex<AuthStore>,
    pub limits: Mutex<Limiter>,
    pub faults: RwLock<Faults>,
    pub creds: Credentials,
    pub addr: SocketAddr,
    pub shutdown: watch::Sender<bool>,
    pub requests: AtomicU64,
    pub conn_ids: AtomicU64,
    /// The HTTP router, for REST-over-WebSocket requests.
    pub router: OnceLock<axum::Router>,
    pub started: tokio::time::Instant,
    pub counts: Counts,
}

/// What clients asked of the platform, for tests: JWT logins, subscriptions created,
/// every Call Control request as (action, session, party; `""` for the session), and
/// every member change a queue-presence PUT asked for as (queue, member, accept).
#[derive(Default)]
pub struct Counts {
    pub logins: AtomicU64,
    pub subscriptions: AtomicU64,
    pub control: Mutex<Vec<(String, String, String)>>,
    pub queue_presence: Mutex<Vec<(String, String, bool)>>,
}

impl Counts {
    /// Notes one Call Control request.
    pub fn control(&self, action: &str, session: &str, party: &str) {
        self.control
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((action.into(), session.into(), party.into()));
    }

    /// Notes one member change of a `PUT …/call-queues/{id}/presence`.
    pub fn queue_presence(&self, queue: &str, member: &str, accept: bool) {
        self.queue_presence
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((queue.into(), member.into(), accept));
    }
}

impl Shared {
    /// Locks the world; a poisoned lock is recovered (a panic elsewhere must not stop serving).
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Locks the token store.
    pub fn auth(&self) -> MutexGuard<'_, AuthStore> {
        self.auth.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Locks the rate limiter.
    pub fn limits(&self) -> MutexGuard<'_, Limiter> {
        self.limits.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current faults.
    pub fn faults(&self) -> Faults {
        self.faults
            .read()
            .map(|f| f.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    /// A new connection id.
    pub fn next_conn_id(&self) -> u64 {
        self.conn_ids.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Requests per minute per user allowed in `group`.
    pub fn limit_of(&self, group: super::ratelimit::Group) -> u32 {
        use super::ratelimit::Group;
        match group {
            Group::Light => self.cfg.light_limit_per_min,
            Group::Medium => self.cfg.medium_limit_per_min,
            Group::Heavy => self.cfg.heavy_limit_per_min,
            Group::Auth => self.cfg.auth_limit_per_min,
        }
    }

    /// What each rate-limit group saw so far.
    pub fn rate_stats(&self) -> Vec<super::ratelimit::GroupStats> {
        use super::ratelimit::Group;
        let l = self.limits();
        [Group::Light, Group::Medium, Group::Heavy, Group::Auth]
            .into_iter()
            .map(|g| {
                l.stats
                    .get(&g)
                    .cloned()
                    .unwrap_or(super::ratelimit::GroupStats {
                        group: Some(g),
                        limit: self.limit_of(g),
                        ..Default::default()
                    })
            })
            .collect()
    }

    /// The ground truth, with the rate-limit counts.
    pub fn ground_truth(&self) -> super::truth::GroundTruth {
        let mut t = self.world().ground_truth();
        t.rate_limits = self.rate_stats();
        t
    }

    /// The HTTP base URL.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}
