//! Rate limiting by group (Light / Medium / Heavy / Auth) per user, with the
//! platform's 429 body, `Retry-After` and `X-Rate-Limit-*` headers, plus the
//! slow-response and forced-429 faults. Applied as a middleware to every route.

use super::auth::{basic, oauth_user};
use super::errors::api_error;
use super::state::Shared;
use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// A rate-limit group.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Group {
    Light,
    Medium,
    Heavy,
    Auth,
}

impl Group {
    /// The name the platform puts in `X-Rate-Limit-Group`.
    pub fn name(self) -> &'static str {
        match self {
            Group::Light => "light",
            Group::Medium => "medium",
            Group::Heavy => "heavy",
            Group::Auth => "auth",
        }
    }

    /// The group of a request (supervisor-api.md §8, call-log.md §6).
    pub fn of(method: &Method, path: &str) -> Option<Group> {
        if path == "/ws" || path.starts_with("/sim/") {
            return None;
        }
        if path.starts_with("/restapi/oauth/") {
            return Some(Group::Auth);
        }
        if path.starts_with("/restapi/v1.0/subscription") {
            return Some(if method == Method::GET {
                Group::Light
            } else {
                Group::Medium
            });
        }
        let segs: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        let rest = match segs.as_slice() {
            ["", "restapi", "v1.0", "account", _, rest @ ..] => rest,
            _ => return Some(Group::Light),
        };
        let put = method == Method::PUT;
        let medium_on_put = if put { Group::Medium } else { Group::Light };
        Some(match rest {
            ["extension"] | ["call-queues"] => Group::Medium,
            ["presence"] | ["call-log", ..] | ["recording", ..] | ["active-calls"] => Group::Heavy,
            ["extension", _, "call-log" | "call-log-sync" | "active-calls", ..] => Group::Heavy,
            ["telephony", "call-out" | "conference"] => Group::Heavy,
            ["extension", _, "presence"]
            | ["call-queues", _, "presence"]
            | ["extension", _, "call-queue-presence"] => medium_on_put,
            ["extension", _, "message-store", _, "content", _] => Group::Medium,
            _ => Group::Light,
        })
    }
}

/// Requests seen in one group (all users together), for tests to check limits.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct GroupStats {
    pub group: Option<Group>,
    /// The configured requests per minute per user.
    pub limit: u32,
    /// Requests counted (allowed or not).
    pub requests: u64,
    /// Requests answered 429 (by the limiter or a fault).
    pub limited: u64,
    /// The most requests one user had allowed in any 60-second window.
    pub peak_per_minute: u32,
}

#[derive(Default)]
struct Window {
    hits: VecDeque<Instant>,
    penalty_until: Option<Instant>,
}

/// The verdict on one request.
pub struct Verdict {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    pub retry_after: u64,
    /// The window's length in seconds (`X-Rate-Limit-Window`).
    pub window_secs: u64,
}

/// Sliding windows (one minute, as the platform's) per (user, group), and what each
/// group saw.
pub struct Limiter {
    windows: HashMap<(String, Group), Window>,
    window: Duration,
    pub stats: HashMap<Group, GroupStats>,
}

impl Default for Limiter {
    fn default() -> Self {
        Limiter::new(Duration::from_secs(60))
    }
}

impl Limiter {
    /// Limits per `window` (tests shorten it).
    pub fn new(window: Duration) -> Limiter {
        Limiter {
            windows: HashMap::new(),
            window,
            stats: HashMap::new(),
        }
    }

    /// Counts a request; during a penalty every request resets the penalty.
    pub fn check(&mut self, key: &str, group: Group, limit: u32, penalty: Duration) -> Verdict {
        let now = Instant::now();
        let st = self.stats.entry(group).or_default();
        st.group = Some(group);
        st.limit = limit;
        st.requests += 1;
        let w = self.windows.entry((key.to_string(), group)).or_default();
        while w
            .hits
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            w.hits.pop_front();
        }
        let window_secs = self.window.as_secs().max(1);
        let deny = |w: &mut Window| {
            w.penalty_until = Some(now + penalty);
            Verdict {
                allowed: false,
                limit,
                remaining: 0,
                retry_after: penalty.as_secs().max(1),
                window_secs,
            }
        };
        if w.penalty_until.is_some_and(|t| t > now) || w.hits.len() as u32 >= limit {
            st.limited += 1;
            return deny(w);
        }
        w.penalty_until = None;
        w.hits.push_back(now);
        st.peak_per_minute = st.peak_per_minute.max(w.hits.len() as u32);
        Verdict {
            allowed: true,
            limit,
            remaining: limit.saturating_sub(w.hits.len() as u32),
            retry_after: 0,
            window_secs,
        }
    }
}

fn set(resp: &mut Response, name: &'static str, value: String) {
    if let Ok(v) = HeaderValue::from_str(&value) {
        resp.headers_mut().insert(HeaderName::from_static(name), v);
    }
}

fn too_many(group: Group, v: &Verdict) -> Response {
    let mut r = api_error(
        StatusCode::TOO_MANY_REQUESTS,
        "CMN-301",
        "Request rate exceeded",
    );
    set(&mut r, "retry-after", v.retry_after.to_string());
    headers(&mut r, group, v);
    r
}

fn headers(r: &mut Response, group: Group, v: &Verdict) {
    set(r, "x-rate-limit-group", group.name().to_string());
    set(r, "x-rate-limit-limit", v.limit.to_string());
    set(r, "x-rate-limit-remaining", v.remaining.to_string());
    set(r, "x-rate-limit-window", v.window_secs.to_string());
}

/// The middleware: slow fault, forced 429 fault, per-user group limits, headers.
pub async fn middleware(State(sim): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let Some(group) = Group::of(req.method(), req.uri().path()) else {
        return next.run(req).await;
    };
    let faults = sim.faults();
    if let Some(d) = faults.slow {
        tokio::time::sleep(d).await;
    }
    let n = sim.requests.fetch_add(1, Ordering::Relaxed) + 1;
    let limit = sim.limit_of(group);
    let storm = group == Group::Heavy
        && faults.heavy_429_storm.is_some_and(|d| {
            let s = sim.started.elapsed().as_secs_f64() % 60.0;
            s < d.as_secs_f64()
        });
    if storm
        || faults
            .force_429_every
            .is_some_and(|k| k > 0 && n % k as u64 == 0)
    {
        tracing::info!(path = req.uri().path(), "forced 429");
        let mut l = sim.limits();
        let st = l.stats.entry(group).or_default();
        st.group = Some(group);
        st.limit = limit;
        st.requests += 1;
        st.limited += 1;
        let v = Verdict {
            allowed: false,
            limit,
            remaining: 0,
            retry_after: 1,
            window_secs: sim.cfg.rate_window_secs.max(1),
        };
        return too_many(group, &v);
    }
    // Per user: the token's owner, or the user a token / revoke request acts for (its
    // body read here and handed on); the app when it names none.
    let (key, req) = if req.uri().path() == "/restapi/oauth/token"
        || req.uri().path() == "/restapi/oauth/revoke"
    {
        let (parts, body) = req.into_parts();
        let body = axum::body::to_bytes(body, 1 << 20)
            .await
            .unwrap_or_default();
        let key = oauth_user(&sim, &body)
            .or_else(|| basic(&parts.headers).map(|b| format!("client:{}", b.0)));
        (key, Request::from_parts(parts, body.into()))
    } else {
        let key = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .and_then(|t| sim.auth().owner_of(t.trim()));
        (key, req)
    };
    let verdict = key.map(|k| {
        sim.limits()
            .check(&k, group, limit, Duration::from_secs(sim.cfg.penalty_secs))
    });
    if let Some(v) = &verdict {
        if !v.allowed {
            tracing::info!(path = req.uri().path(), "rate limited");
            return too_many(group, v);
        }
    }
    let mut resp = next.run(req).await;
    if let Some(v) = &verdict {
        headers(&mut resp, group, v);
    }
    // A request may have changed calls (ended one, started one): replan the engine.
    sim.wake.notify_one();
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn window_then_penalty() {
        let mut l = Limiter::default();
        let p = Duration::from_secs(60);
        for i in 0..3 {
            let v = l.check("u", Group::Light, 3, p);
            assert!(v.allowed);
            assert_eq!(v.remaining, 2 - i);
        }
        let v = l.check("u", Group::Light, 3, p);
        assert!(!v.allowed);
        assert_eq!(v.retry_after, 60);
        assert!(
            l.check("u", Group::Auth, 3, p).allowed,
            "groups are separate"
        );
        assert!(
            l.check("other", Group::Light, 3, p).allowed,
            "users are separate"
        );
    }
}
