//! The WebSocket gateway at `/ws?access_token=…[&wsc=…]`: ConnectionDetails first,
//! subscriptions as `ClientRequest`s, heartbeats, Error frames, session recovery, and
//! REST-over-WebSocket for every other path.

use super::auth::WsGrant;
use super::directory;
use super::faults::FaultState;
use super::hub::{parse_filter, Hub, Out, Subscription, WsSession};
use super::ratelimit::Group;
use super::state::Shared;
use crate::wire::{
    encode_frame, ConnectionDetails, MessageType, RecoveryState, SubscriptionInfo, Ts, WsError,
    WsMeta, Wsc,
};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{RawQuery, State};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use rand::SeedableRng;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

const WSC_PREFIX: &str = "V1NDMDF8";

/// `GET /ws`: upgrades and runs one connection.
pub async fn ws(
    State(sim): State<Arc<Shared>>,
    RawQuery(q): RawQuery,
    up: WebSocketUpgrade,
) -> Response {
    up.on_upgrade(move |socket| connection(sim, q.unwrap_or_default(), socket))
}

fn gateway_time() -> String {
    Ts::now()
        .to_datetime()
        .format("%Y-%m-%dT%H:%M:%S%.3f+0000")
        .to_string()
}

fn http_date() -> String {
    chrono::Utc::now()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

fn error_frame(message_id: Option<&str>, status: u16, code: &str, message: &str) -> String {
    let mut meta = WsMeta::new(MessageType::Error, message_id.unwrap_or_default());
    if message_id.is_none() {
        meta.message_id = None;
    }
    meta.status = Some(status);
    let body = WsError {
        error_code: Some(code.into()),
        message: Some(message.into()),
    };
    encode_frame(&meta, Some(&body))
}

async fn close(mut socket: WebSocket, frame: Option<String>, code: u16, reason: &str) {
    if let Some(f) = frame {
        let _ = socket.send(Message::Text(f.into())).await;
    }
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await;
}

fn well_formed_wsc(t: &str) -> bool {
    t.strip_prefix(WSC_PREFIX).is_some_and(|r| {
        r.len() >= 16
            && r.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// Why a connection is closed at its handshake: the error frame, close code and reason.
struct Refusal {
    frame: Option<String>,
    code: u16,
    reason: &'static str,
}

/// Checks a connection's query: its one-use WebSocket token and its session context
/// (`wsc`), when it names one.
fn admit(sim: &Shared, query: &str) -> Result<(WsGrant, Option<String>), Refusal> {
    let params: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let Some(tok) = params.get("access_token") else {
        tracing::info!("ws: connection without access_token");
        return Err(Refusal {
            frame: None,
            code: 4400,
            reason: "Authorization is required",
        });
    };
    let Some(grant) = sim.auth().take_ws(tok) else {
        tracing::info!("ws: unknown, used or expired wstoken");
        let f = error_frame(
            None,
            401,
            "WSG-401",
            "Invalid or expired WebSocket access token",
        );
        return Err(Refusal {
            frame: Some(f),
            code: 4401,
            reason: "Unauthorized",
        });
    };
    let wsc = params.get("wsc").cloned();
    if let Some(w) = &wsc {
        if !well_formed_wsc(w) {
            tracing::info!("ws: malformed wsc");
            let f = error_frame(
                None,
                400,
                "WSG-400",
                "Malformed WebSocket session context token",
            );
            return Err(Refusal {
                frame: Some(f),
                code: 4400,
                reason: "Malformed WebSocket session context token",
            });
        }
    }
    Ok((grant, wsc))
}

/// Puts back into the session's recovery buffer what a closed connection did not write
/// (`held` and what is left in `rx`); a session with no subscription is forgotten.
fn park_unsent(
    sim: &Shared,
    token: &str,
    conn: u64,
    held: Option<String>,
    rx: &mut mpsc::UnboundedReceiver<Out>,
) {
    let mut unsent: VecDeque<String> = held.into_iter().collect();
    {
        let mut w = sim.world();
        let cap = w.hub.buffer_size;
        if let Some(s) = w.hub.sessions.get_mut(token) {
            if s.conn_id == conn {
                s.tx = None;
                s.disconnected_at = Some(Instant::now());
                while let Ok(o) = rx.try_recv() {
                    if let Out::Notification(f) = o {
                        unsent.push_back(f);
                    }
                }
                for f in unsent.into_iter().rev() {
                    s.buffer.push_front(f);
                }
                while s.buffer.len() > cap {
                    s.buffer.pop_front();
                }
                if s.subscription.is_none() {
                    w.hub.sessions.remove(token);
                }
            }
        }
    }
}

/// One gateway connection, from handshake to close.
async fn connection(sim: Arc<Shared>, query: String, socket: WebSocket) {
    let (grant, wsc) = match admit(&sim, &query) {
        Ok(admitted) => admitted,
        Err(Refusal {
            frame,
            code,
            reason,
        }) => return close(socket, frame, code, reason).await,
    };
    let conn = sim.next_conn_id();
    let (tx, mut rx) = mpsc::unbounded_channel::<Out>();
    let token = register(&sim, &grant, wsc.as_deref(), conn, &tx);
    tracing::info!(conn, "ws: connected");

    let (mut sink, mut stream) = socket.split();
    let mut faults = FaultState::new(rand::rngs::StdRng::seed_from_u64(
        sim.cfg.seed ^ conn.wrapping_mul(0x9E37_79B9_7F4A_7C15),
    ));
    let mut drop_at = sim.faults().drop_every.map(|d| Instant::now() + d);
    let mut shutdown = sim.shutdown.subscribe();
    let mut abrupt = false;
    loop {
        tokio::select! {
            out = rx.recv() => match out {
                Some(Out::Notification(f)) => {
                    let frames = faults.apply(&sim.faults(), f);
                    let mut failed = false;
                    for fr in frames {
                        if sink.send(Message::Text(fr.into())).await.is_err() {
                            failed = true;
                            break;
                        }
                    }
                    if failed { break; }
                }
                Some(Out::Frame(f)) => {
                    if sink.send(Message::Text(f.into())).await.is_err() { break; }
                }
                Some(Out::Close) | None => {
                    let _ = sink.send(Message::Close(Some(CloseFrame { code: 1000, reason: "Session taken over".into() }))).await;
                    break;
                }
            },
            msg = stream.next() => match msg {
                Some(Ok(Message::Text(t))) => {
                    if let Some(reply) = handle_frame(&sim, &grant, &token, t.as_str()).await {
                        let _ = tx.send(Out::Frame(reply));
                    }
                }
                Some(Ok(Message::Binary(b))) => {
                    let reply = match std::str::from_utf8(&b) {
                        Ok(t) => handle_frame(&sim, &grant, &token, t).await,
                        Err(_) => Some(error_frame(None, 400, "WSG-400", "Malformed message: not UTF-8")),
                    };
                    if let Some(r) = reply { let _ = tx.send(Out::Frame(r)); }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            _ = sleep_opt(drop_at) => {
                if sim.faults().drop_every.is_some() {
                    tracing::info!(conn, "fault: dropping socket");
                    abrupt = true;
                    break;
                }
                drop_at = None;
            },
            _ = sleep_opt(faults.held.as_ref().map(|_| Instant::now() + Duration::from_millis(150))) => {
                if let Some(h) = faults.held.take() {
                    if sink.send(Message::Text(h.into())).await.is_err() { break; }
                }
            },
            _ = shutdown.changed() => {
                let _ = sink.send(Message::Close(Some(CloseFrame { code: 1001, reason: "Server shutting down".into() }))).await;
                break;
            }
        }
    }
    park_unsent(&sim, &token, conn, faults.held.take(), &mut rx);
    if abrupt {
        drop(sink);
    }
    tracing::info!(conn, abrupt, "ws: closed");
}

async fn sleep_opt(at: Option<Instant>) {
    match at {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

/// Creates or recovers the WebSocket session; queues ConnectionDetails (and the
/// How a recovery went (with the error code when it failed), and the session token it
/// recovered.
type Recovery = (
    Option<(RecoveryState, Option<&'static str>)>,
    Option<String>,
);

/// A connection's recovery of session `wsc`, when it names one.
fn recovery(hub: &mut Hub, grant: &WsGrant, wsc: Option<&str>, refuse: bool) -> Recovery {
    let mut outcome: Option<(RecoveryState, Option<&'static str>)> = None;
    let mut recovered: Option<String> = None;
    if let Some(t) = wsc {
        let code = match hub.sessions.get(t) {
            _ if refuse => Some("WSG-1005"),
            None => Some("WSG-1005"),
            Some(s) if s.oauth_session != grant.session => Some("WSG-1003"),
            Some(s) if s.subscription.is_none() => Some("WSG-1005"),
            Some(_) => None,
        };
        match code {
            Some(c) => {
                tracing::info!(code = c, "ws: recovery failed");
                if refuse {
                    hub.sessions.remove(t);
                }
                outcome = Some((RecoveryState::Failed, Some(c)));
            }
            None => {
                outcome = Some((RecoveryState::Successful, None));
                recovered = Some(t.to_string());
            }
        }
    }
    (outcome, recovered)
}

/// replayed notifications) before any live notification. Returns the wsc token.
fn register(
    sim: &Shared,
    grant: &WsGrant,
    wsc: Option<&str>,
    conn: u64,
    tx: &mpsc::UnboundedSender<Out>,
) -> String {
    let refuse = sim.faults().refuse_recovery;
    let mut w = sim.world();
    let now = Instant::now();
    w.hub.expire(now);
    let (outcome, recovered) = recovery(&mut w.hub, grant, wsc, refuse);
    let token = match recovered {
        Some(t) => t,
        None => {
            let t = directory::token(&mut w.rng, WSC_PREFIX);
            w.hub.sessions.insert(
                t.clone(),
                WsSession {
                    wsc_token: t.clone(),
                    wsc_sequence: 0,
                    oauth_session: grant.session.clone(),
                    owner: grant.owner.clone(),
                    subscription: None,
                    conn_id: conn,
                    tx: None,
                    disconnected_at: None,
                    buffer: VecDeque::new(),
                },
            );
            t
        }
    };
    let rcreq = directory::uuid(&mut w.rng);
    let recovery_timeout = sim.cfg.recovery_timeout_secs;
    let buffer_size = w.hub.buffer_size as u32;
    let Some(s) = w.hub.sessions.get_mut(&token) else {
        return token;
    };
    if let Some(old) = s.tx.take() {
        let _ = old.send(Out::Close);
    }
    s.tx = Some(tx.clone());
    s.conn_id = conn;
    s.disconnected_at = None;
    s.wsc_sequence += 1;
    let mut meta = WsMeta::new(MessageType::ConnectionDetails, rcreq.clone());
    meta.status = Some(200);
    meta.headers.insert("RCRequestId".into(), rcreq);
    meta.wsc = Some(Wsc {
        token: token.clone(),
        sequence: s.wsc_sequence,
    });
    let details = ConnectionDetails {
        creation_time: None,
        recovery_state: outcome.as_ref().map(|o| o.0.clone()),
        recovery_error_code: outcome.and_then(|o| o.1).map(str::to_string),
        max_connections_per_session: Some(50),
        recovery_buffer_size: Some(buffer_size),
        recovery_timeout: Some(recovery_timeout),
        idle_timeout: Some(1800),
        absolute_timeout: Some(86400),
        max_active_requests: Some(10),
    };
    let mut body = serde_json::to_value(&details).unwrap_or_default();
    if let Some(o) = body.as_object_mut() {
        o.insert("creationTime".into(), gateway_time().into());
    }
    let _ = tx.send(Out::Frame(encode_frame(&meta, Some(&body))));
    let replay: Vec<String> = s.buffer.drain(..).collect();
    if !replay.is_empty() {
        tracing::info!(
            n = replay.len(),
            "ws: recovery replays missed notifications"
        );
    }
    for f in replay {
        let _ = tx.send(Out::Frame(f));
    }
    token
}

/// A subscription as the platform returns it.
pub fn subscription_info(s: &Subscription) -> SubscriptionInfo {
    SubscriptionInfo {
        uri: format!("/restapi/v1.0/subscription/{}", s.id),
        id: s.id.clone(),
        creation_time: Some(s.created),
        status: "Active".into(),
        event_filters: s.filters.iter().map(|(_, raw)| raw.clone()).collect(),
        expiration_time: Some(s.created.plus_millis(86_400_000)),
        expires_in: Some(86_399),
        delivery_mode: crate::wire::DeliveryMode {
            transport_type: "WebSocket".into(),
            encryption: Some(false),
        },
    }
}

fn reply(
    message_id: &str,
    status: u16,
    headers: BTreeMap<String, String>,
    body: Option<&Value>,
) -> String {
    let mut meta = WsMeta::new(MessageType::ClientRequest, message_id);
    meta.status = Some(status);
    meta.headers = headers;
    encode_frame(&meta, body)
}

fn base_headers(rcreq: String) -> BTreeMap<String, String> {
    let mut h = BTreeMap::new();
    h.insert("Server".into(), "nginx".into());
    h.insert("Date".into(), http_date());
    h.insert("RoutingKey".into(), "SJC01P01".into());
    h.insert("RCRequestId".into(), rcreq);
    h
}

fn error_body(code: &str, message: &str) -> Value {
    serde_json::to_value(crate::wire::ApiError::new(code, message)).unwrap_or_default()
}

/// The filters of a subscription request's body, or the platform's error body.
fn subscription_filters(
    body: Option<Value>,
    account: &str,
    owner: &str,
) -> Result<Vec<(super::hub::Filter, String)>, Value> {
    let req: crate::wire::SubscriptionRequest = body
        .and_then(|b| serde_json::from_value(b).ok())
        .ok_or_else(|| {
        error_body(
            "CMN-101",
            "Parameter [eventFilters] or [deliveryMode] is invalid",
        )
    })?;
    if req.delivery_mode.transport_type != "WebSocket" {
        return Err(error_body(
            "SUB-521",
            "Only WebSocket delivery is supported on this connection",
        ));
    }
    if req.event_filters.is_empty() {
        return Err(error_body(
            "CMN-101",
            "Parameter [eventFilters] is required",
        ));
    }
    req.event_filters
        .iter()
        .map(|f| {
            parse_filter(f, account, owner)
                .ok_or_else(|| error_body("SUB-522", &format!("Event filter [{f}] is not valid")))
        })
        .collect()
}

/// Handles one client frame; returns the reply frame, if any.
async fn handle_frame(
    sim: &Arc<Shared>,
    grant: &WsGrant,
    token: &str,
    text: &str,
) -> Option<String> {
    let v: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            tracing::info!("ws: malformed frame: {e}");
            return Some(error_frame(
                None,
                400,
                "WSG-400",
                "Malformed message: invalid JSON",
            ));
        }
    };
    let Some(meta) = v
        .as_array()
        .and_then(|a| a.first())
        .and_then(Value::as_object)
    else {
        tracing::info!("ws: frame is not [meta, body]");
        return Some(error_frame(
            None,
            400,
            "WSG-400",
            "Malformed message: expected [meta, body]",
        ));
    };
    let id = meta
        .get("messageId")
        .and_then(Value::as_str)
        .map(str::to_string);
    let kind = meta.get("type").and_then(Value::as_str).unwrap_or_default();
    match kind {
        "Heartbeat" => {
            let m = WsMeta::new(MessageType::Heartbeat, id.unwrap_or_default());
            Some(encode_frame::<Value>(&m, None))
        }
        "ClientRequest" => {
            let Some(id) = id else {
                return Some(error_frame(
                    None,
                    400,
                    "WSG-400",
                    "Malformed message: messageId is required",
                ));
            };
            let method = meta
                .get("method")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_uppercase();
            let Some(path) = meta.get("path").and_then(Value::as_str).map(str::to_string) else {
                return Some(error_frame(
                    Some(&id),
                    400,
                    "WSG-400",
                    "Malformed message: path is required",
                ));
            };
            let body = v.as_array().and_then(|a| a.get(1)).cloned();
            Some(
                client_request(
                    sim,
                    grant,
                    token,
                    &id,
                    &method,
                    &path,
                    meta.get("query"),
                    body,
                )
                .await,
            )
        }
        other => {
            tracing::info!("ws: unexpected frame type {other:?}");
            Some(error_frame(
                id.as_deref(),
                400,
                "WSG-400",
                &format!("Unsupported message type [{other}]"),
            ))
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn client_request(
    sim: &Arc<Shared>,
    grant: &WsGrant,
    token: &str,
    id: &str,
    method: &str,
    path: &str,
    query: Option<&Value>,
    body: Option<Value>,
) -> String {
    let clean = path
        .split('?')
        .next()
        .unwrap_or_default()
        .trim_end_matches('/');
    let mut rcreq = format!("{}-0", directory::uuid(&mut sim.world().rng));
    if let Some(rest) = clean.strip_prefix("/restapi/v1.0/subscription") {
        let sub_id = rest.trim_start_matches('/');
        let group = if method == "GET" {
            Group::Light
        } else {
            Group::Medium
        };
        let limit = sim.limit_of(group);
        let v = sim.limits().check(
            &grant.owner,
            group,
            limit,
            Duration::from_secs(sim.cfg.penalty_secs),
        );
        let mut h = base_headers(std::mem::take(&mut rcreq));
        h.insert("X-Rate-Limit-Group".into(), group.name().into());
        h.insert("X-Rate-Limit-Limit".into(), v.limit.to_string());
        h.insert("X-Rate-Limit-Remaining".into(), v.remaining.to_string());
        h.insert("X-Rate-Limit-Window".into(), "60".into());
        h.insert("Content-Type".into(), "application/json".into());
        if !v.allowed {
            h.insert("Retry-After".into(), v.retry_after.to_string());
            return reply(
                id,
                429,
                h,
                Some(&error_body("CMN-301", "Request rate exceeded")),
            );
        }
        return subscription_request(sim, grant, token, id, method, sub_id, body, h);
    }
    rest_over_ws(sim, grant, id, method, path, query, body).await
}

#[allow(clippy::too_many_arguments)]
fn subscription_request(
    sim: &Shared,
    grant: &WsGrant,
    token: &str,
    id: &str,
    method: &str,
    sub_id: &str,
    body: Option<Value>,
    mut h: BTreeMap<String, String>,
) -> String {
    let mut w = sim.world();
    let now = Ts::now();
    let sub_uuid = directory::uuid(&mut w.rng);
    let Some(s) = w.hub.sessions.get_mut(token) else {
        return reply(
            id,
            404,
            h,
            Some(&error_body("CMN-102", "WebSocket session not found")),
        );
    };
    let current = s.subscription.as_ref().map(|x| x.id.clone());
    let parse = |body| subscription_filters(body, &sim.cfg.account_id, &grant.owner);
    match (method, sub_id) {
        ("POST", "") => match parse(body) {
            Ok(filters) => {
                let sub = Subscription {
                    id: sub_uuid,
                    filters,
                    created: now,
                };
                let info = subscription_info(&sub);
                tracing::info!(subscription = %sub.id, "ws: subscription created");
                sim.counts.subscriptions.fetch_add(1, Ordering::Relaxed);
                h.insert("WSG-SubscriptionId".into(), sub.id.clone());
                s.subscription = Some(sub);
                reply(id, 200, h, serde_json::to_value(info).ok().as_ref())
            }
            Err(e) => reply(id, 400, h, Some(&e)),
        },
        ("PUT", sid) if Some(sid) == current.as_deref() => match parse(body) {
            Ok(filters) => {
                let sub = s.subscription.as_mut().expect("checked above");
                sub.filters = filters;
                let info = subscription_info(sub);
                h.insert("WSG-SubscriptionId".into(), sub.id.clone());
                reply(id, 200, h, serde_json::to_value(info).ok().as_ref())
            }
            Err(e) => reply(id, 400, h, Some(&e)),
        },
        ("GET", sid) if Some(sid) == current.as_deref() => {
            let info = s.subscription.as_ref().map(subscription_info);
            reply(id, 200, h, serde_json::to_value(info).ok().as_ref())
        }
        ("DELETE", sid) if Some(sid) == current.as_deref() => {
            s.subscription = None;
            h.remove("Content-Type");
            reply(id, 204, h, None)
        }
        ("POST", _) | ("PUT", _) | ("GET", _) | ("DELETE", _) => reply(
            id,
            404,
            h,
            Some(&error_body(
                "CMN-102",
                &format!("Subscription [{sub_id}] not found"),
            )),
        ),
        _ => reply(
            id,
            405,
            h,
            Some(&error_body(
                "CMN-405",
                &format!("Method [{method}] is not allowed"),
            )),
        ),
    }
}

/// Any other ClientRequest is served by the REST routes as the socket's user.
async fn rest_over_ws(
    sim: &Arc<Shared>,
    grant: &WsGrant,
    id: &str,
    method: &str,
    path: &str,
    query: Option<&Value>,
    body: Option<Value>,
) -> String {
    use tower::ServiceExt;
    let mut uri = path.to_string();
    if let Some(Value::Object(q)) = query {
        let qs: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(q.iter().map(|(k, v)| {
                (
                    k.clone(),
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string()),
                )
            }))
            .finish();
        if !qs.is_empty() {
            uri.push(if uri.contains('?') { '&' } else { '?' });
            uri.push_str(&qs);
        }
    }
    let Some(router) = sim.router.get().cloned() else {
        return reply(
            id,
            503,
            BTreeMap::new(),
            Some(&error_body("CMN-211", "Service unavailable")),
        );
    };
    let req = axum::http::Request::builder()
        .method(method)
        .uri(&uri)
        .header("authorization", format!("Bearer {}", grant.access_token))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(
            body.map(|b| b.to_string()).unwrap_or_default(),
        ));
    let Ok(req) = req else {
        return reply(
            id,
            400,
            BTreeMap::new(),
            Some(&error_body("CMN-101", "Malformed request")),
        );
    };
    let Ok(resp) = router.oneshot(req).await;
    let status = resp.status().as_u16();
    let mut h = base_headers(format!("{}-0", directory::uuid(&mut sim.world().rng)));
    for (k, v) in resp.headers() {
        let name = k.as_str();
        let keep =
            name.starts_with("x-rate-limit") || name == "content-type" || name == "retry-after";
        if let (true, Ok(v)) = (keep, v.to_str()) {
            let canon = name
                .split('-')
                .map(|p| {
                    let mut c = p.chars();
                    c.next()
                        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                        .unwrap_or_default()
                })
                .collect::<Vec<_>>()
                .join("-");
            h.insert(canon, v.to_string());
        }
    }
    let bytes = axum::body::to_bytes(resp.into_body(), 4 << 20)
        .await
        .unwrap_or_default();
    let body: Option<Value> = if bytes.is_empty() {
        None
    } else {
        serde_json::from_slice(&bytes)
            .ok()
            .or_else(|| Some(json!(String::from_utf8_lossy(&bytes))))
    };
    reply(id, status, h, body.as_ref())
}
