//! OAuth: the JWT bearer grant (any enabled user of the directory logs in), refresh,
//! revoke, the single-use wstoken, and the Bearer check every API call goes through.

// Helpers return ready HTTP error responses (the axum idiom), so Err is large.
#![allow(clippy::result_large_err)]

use super::directory;
use super::errors::{api_error, oauth_error};
use super::state::Shared;
use crate::wire::{TokenResponse, WsTokenResponse};
use axum::body::Bytes;
use axum::extract::{FromRequestParts, State};
use axum::http::{header, request::Parts, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::rngs::StdRng;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

const SCOPE: &str = "CallControl ReadAccounts ReadPresence ReadCallLog WebSocketsSubscription SubscriptionWebSocket";
const JWT_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

#[derive(Clone, Debug)]
struct Issued {
    owner: String,
    session: String,
    expires: Instant,
}

/// A single-use WebSocket token.
#[derive(Clone, Debug)]
pub struct WsGrant {
    pub owner: String,
    pub session: String,
    pub access_token: String,
}

/// Every token the platform has issued.
pub struct AuthStore {
    rng: StdRng,
    access: HashMap<String, Issued>,
    refresh: HashMap<String, Issued>,
    ws: HashMap<String, (WsGrant, Instant)>,
}

/// Who made an authenticated API call.
#[derive(Clone, Debug)]
pub struct Authed {
    pub owner: String,
    pub session: String,
    pub access_token: String,
}

impl AuthStore {
    /// An empty store whose tokens come from `rng`.
    pub fn new(rng: StdRng) -> AuthStore {
        AuthStore {
            rng,
            access: HashMap::new(),
            refresh: HashMap::new(),
            ws: HashMap::new(),
        }
    }

    /// Checks a Bearer token.
    pub fn check(&self, token: &str) -> Result<Authed, (&'static str, &'static str)> {
        match self.access.get(token) {
            None => Err(("OAU-129", "Access token corrupted")),
            Some(i) if i.expires <= Instant::now() => Err(("OAU-128", "Access token expired")),
            Some(i) => Ok(Authed {
                owner: i.owner.clone(),
                session: i.session.clone(),
                access_token: token.to_string(),
            }),
        }
    }

    /// The owner of a valid Bearer token (for rate-limit keys).
    pub fn owner_of(&self, token: &str) -> Option<String> {
        self.check(token).ok().map(|a| a.owner)
    }

    fn issue(&mut self, owner: &str, session: &str, ttl: u64, rttl: u64) -> TokenResponse {
        let now = Instant::now();
        let access = directory::token(&mut self.rng, "U0lNMDFQMDFQQVMwMHxB");
        let refresh = directory::token(&mut self.rng, "U0lNMDFQMDFQQVMwMHxS");
        let issued = |secs: u64| Issued {
            owner: owner.to_string(),
            session: session.to_string(),
            expires: now + Duration::from_secs(secs),
        };
        self.access.insert(access.clone(), issued(ttl));
        self.refresh.insert(refresh.clone(), issued(rttl));
        TokenResponse {
            access_token: access,
            token_type: "bearer".into(),
            expires_in: ttl,
            refresh_token: Some(refresh),
            refresh_token_expires_in: Some(rttl),
            scope: SCOPE.into(),
            owner_id: Some(owner.to_string()),
            endpoint_id: Some(
                directory::token(&mut self.rng, "")
                    .chars()
                    .take(22)
                    .collect(),
            ),
            session_id: Some(session.to_string()),
            session_expires_in: None,
            session_idle_timeout: None,
        }
    }

    fn revoke_session(&mut self, session: &str) {
        self.access.retain(|_, i| i.session != session);
        self.refresh.retain(|_, i| i.session != session);
        self.ws.retain(|_, (g, _)| g.session != session);
    }

    /// Consumes a wstoken (single use).
    pub fn take_ws(&mut self, token: &str) -> Option<WsGrant> {
        let (g, exp) = self.ws.remove(token)?;
        (exp > Instant::now() && self.access.contains_key(&g.access_token)).then_some(g)
    }
}

impl FromRequestParts<Arc<Shared>> for Authed {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        sim: &Arc<Shared>,
    ) -> Result<Self, Self::Rejection> {
        // Media URIs (recording and message content) may carry the token as a query
        // parameter instead of the header (call-log.md §4.2).
        let from_query = parts.uri.query().and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "access_token")
                .map(|(_, v)| format!("Bearer {v}"))
        });
        let Some(h) = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or(from_query)
        else {
            return Err(api_error(
                StatusCode::UNAUTHORIZED,
                "AGW-401",
                "Authorization header is not specified",
            ));
        };
        let Some(token) = h
            .strip_prefix("Bearer ")
            .or_else(|| h.strip_prefix("bearer "))
            .map(str::trim)
        else {
            return Err(api_error(
                StatusCode::UNAUTHORIZED,
                "OAU-149",
                "Unparsable access token",
            ));
        };
        sim.auth()
            .check(token)
            .map_err(|(code, msg)| api_error(StatusCode::UNAUTHORIZED, code, msg))
    }
}

/// `client_id:client_secret` from an HTTP Basic header.
pub fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    use base64::Engine;
    let h = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let b = h
        .strip_prefix("Basic ")
        .or_else(|| h.strip_prefix("basic "))?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b.trim())
        .ok()?;
    let s = String::from_utf8(raw).ok()?;
    let (id, secret) = s.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

fn form(body: &Bytes) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn client_ok(
    sim: &Shared,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<(), Response> {
    let ok = match basic(headers) {
        Some((id, secret)) => id == sim.creds.client_id && secret == sim.creds.client_secret,
        None => false,
    };
    if ok {
        return Ok(());
    }
    let id = basic(headers)
        .map(|b| b.0)
        .or_else(|| form.get("client_id").cloned())
        .unwrap_or_default();
    tracing::info!("oauth: invalid client credentials");
    Err(oauth_error(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "OAU-153",
        &format!("Invalid client: {id}"),
    ))
}

/// The user a JWT logs in: any enabled user of the directory, named by its subject.
fn jwt_owner(sim: &Shared, assertion: &str) -> Option<String> {
    super::config::demo_jwt_subject(assertion).filter(|id| sim.world().dir.user_index(id).is_some())
}

/// The user an OAuth request body (token, revoke) acts for — the JWT's subject, or the
/// owner of the token it presents — so that its Auth-group limit is that user's.
pub fn oauth_user(sim: &Shared, body: &Bytes) -> Option<String> {
    let f = form(body);
    if let Some(a) = f.get("assertion") {
        return jwt_owner(sim, a);
    }
    let tok = f.get("refresh_token").or_else(|| f.get("token"))?;
    let auth = sim.auth();
    auth.refresh
        .get(tok)
        .or_else(|| auth.access.get(tok))
        .map(|i| i.owner.clone())
}

/// `POST /restapi/oauth/token`: JWT bearer and refresh_token grants.
pub async fn token(State(sim): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let f = form(&body);
    if let Err(r) = client_ok(&sim, &headers, &f) {
        return r;
    }
    let ttl = |key: &str, default: u64, max: u64| {
        f.get(key)
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|v| *v > 0)
            .map(|v| v.min(max))
            .unwrap_or(default)
    };
    let at_ttl = ttl("access_token_ttl", sim.cfg.access_token_ttl_secs, 86_400);
    let rt_ttl = ttl(
        "refresh_token_ttl",
        sim.cfg.refresh_token_ttl_secs,
        2_592_000,
    );
    let mut auth = sim.auth();
    match f.get("grant_type").map(String::as_str) {
        Some(JWT_GRANT) => {
            let Some(owner) = f.get("assertion").and_then(|a| jwt_owner(&sim, a)) else {
                tracing::info!("oauth: invalid JWT assertion");
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "OAU-140",
                    "Invalid resource owner credentials",
                );
            };
            tracing::info!(extension = %owner, "oauth: JWT login");
            let session = directory::digits(&mut auth.rng, 19);
            sim.counts.logins.fetch_add(1, Ordering::Relaxed);
            Json(auth.issue(&owner, &session, at_ttl, rt_ttl)).into_response()
        }
        Some("refresh_token") => {
            let rt = f.get("refresh_token").cloned().unwrap_or_default();
            let Some(i) = auth.refresh.remove(&rt) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "OAU-211",
                    "Token is revoked",
                );
            };
            if i.expires <= Instant::now() {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "OAU-212",
                    "Token is expired",
                );
            }
            // The previous access tokens of this session are invalidated at once.
            auth.access.retain(|_, a| a.session != i.session);
            Json(auth.issue(&i.owner, &i.session, at_ttl, rt_ttl)).into_response()
        }
        Some(other) => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "OAU-250",
            &format!("Unsupported grant type: {other}"),
        ),
        None => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "OAU-101",
            "Parameter [grant_type] is invalid",
        ),
    }
}

/// `POST /restapi/oauth/revoke`: ends the OAuth session the token belongs to.
pub async fn revoke(State(sim): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let f = form(&body);
    if let Err(r) = client_ok(&sim, &headers, &f) {
        return r;
    }
    let Some(tok) = f.get("token") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "OAU-101",
            "Parameter [token] is invalid",
        );
    };
    let mut auth = sim.auth();
    let session = auth
        .access
        .get(tok)
        .or_else(|| auth.refresh.get(tok))
        .map(|i| i.session.clone());
    if let Some(s) = session {
        auth.revoke_session(&s);
    }
    StatusCode::OK.into_response()
}

/// `POST /restapi/oauth/wstoken`: a single-use token for the WebSocket gateway.
pub async fn wstoken(State(sim): State<Arc<Shared>>, a: Authed) -> Response {
    let mut auth = sim.auth();
    let tok = directory::token(&mut auth.rng, "c2ltMDFwMDFwYXN8");
    let ttl = sim.cfg.ws_token_ttl_secs;
    let grant = WsGrant {
        owner: a.owner,
        session: a.session,
        access_token: a.access_token,
    };
    let now = Instant::now();
    auth.ws.retain(|_, (_, exp)| *exp > now);
    auth.ws
        .insert(tok.clone(), (grant, now + Duration::from_secs(ttl)));
    Json(WsTokenResponse {
        uri: format!("ws://{}/ws", sim.addr),
        ws_access_token: tok,
        expires_in: ttl,
    })
    .into_response()
}
