//! The background task: login, wstoken, connect, ConnectionDetails, subscribe, pump
//! frames into the store; on any drop reconnect with backoff and `wsc` recovery, and
//! on failed recovery subscribe again and reconcile.

use super::events::{ConnState, LiveEvent, Loading};
use super::pipeline::{FramePipeline, FrameSignal};
use super::LiveConfig;
use crate::core::SharedStore;
use crate::platform::{Auth, ControlClient, HttpError};
use crate::wire::{
    self, encode_frame, ConnectionDetails, DeliveryMode, MessageType, RecoveryState,
    SubscriptionInfo, SubscriptionRequest, Ts, WsMeta,
};
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::{broadcast, watch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long loading one call (or the list of calls) keeps waiting out 429s before
/// reporting it: calls in progress are worth waiting for.
const LOAD_PATIENCE: Duration = Duration::from_secs(600);

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How one socket ended.
enum Ended {
    Shutdown,
    /// Dropped; `was_up` when it had been subscribed; `wait` overrides the backoff;
    /// `unreachable` when the platform did not answer at all (then the wait ends as
    /// soon as it accepts connections again).
    Dropped {
        reason: String,
        was_up: bool,
        wait: Option<Duration>,
        unreachable: bool,
    },
    /// Do not retry (bad credentials).
    Fatal(String),
}

pub(super) struct Task {
    pub cfg: LiveConfig,
    pub store: SharedStore,
    pub auth: Arc<Auth>,
    pub control: ControlClient,
    pub conn_tx: watch::Sender<ConnState>,
    pub events: broadcast::Sender<LiveEvent>,
    pub pipeline: FramePipeline,
    pub recovery_timeout: Duration,
    pub dropped_at: Option<Instant>,
    /// When the connection that was up dropped (the last moment calls were known).
    pub dropped_ts: Option<Ts>,
    pub loading_tx: watch::Sender<Loading>,
    /// When the current socket started pumping, and the store's event count then.
    pub pump_start: Option<(Instant, u64)>,
    /// Notifications per second on the socket that dropped last.
    pub rate_at_drop: f64,
    pub subscribed_once: bool,
    pub next_id: u64,
}

impl Task {
    fn set_state(&self, state: ConnState) {
        tracing::info!(state = %state.describe(Ts::now()), "connection");
        let _ = self.events.send(LiveEvent::Conn {
            at: Ts::now(),
            state: state.clone(),
        });
        self.conn_tx.send_replace(state);
    }

    fn warn(&self, message: String) {
        tracing::warn!(%message);
        let _ = self.events.send(LiveEvent::Warning {
            at: Ts::now(),
            message,
        });
    }

    fn message_id(&mut self) -> String {
        self.next_id += 1;
        format!("calltop-{:08x}-{}", rand::random::<u32>(), self.next_id)
    }

    pub async fn run(mut self, mut shutdown: watch::Receiver<bool>) {
        let refresher = tokio::spawn(refresh_loop(self.auth.clone()));
        let mut attempt: u32 = 0;
        loop {
            if *shutdown.borrow() {
                break;
            }
            // HTTP steps (login, wstoken) are cut short by a shutdown too.
            let mut stop = shutdown.clone();
            let ended = tokio::select! {
                e = self.connection(&mut shutdown) => e,
                _ = stop.wait_for(|s| *s) => Ended::Shutdown,
            };
            let (reason, wait, unreachable) = match ended {
                Ended::Shutdown => break,
                Ended::Fatal(m) => {
                    self.set_state(ConnState::Failed(m));
                    break;
                }
                Ended::Dropped {
                    reason,
                    was_up,
                    wait,
                    unreachable,
                } => {
                    if was_up {
                        attempt = 0;
                        self.dropped_at = Some(Instant::now());
                        self.dropped_ts = Some(Ts::now());
                        self.rate_at_drop = self.pump_rate();
                    }
                    (reason, wait, unreachable)
                }
            };
            attempt += 1;
            // The first retry after a connection that was up goes at once: the
            // platform buffers only `recoveryBufferSize` notifications for recovery,
            // which a busy account fills in well under a second.
            let delay = if self.cfg.backoff.immediate_first
                && attempt == 1
                && self
                    .dropped_at
                    .is_some_and(|d| d.elapsed() < Duration::from_secs(1))
            {
                wait.unwrap_or_default()
            } else {
                self.cfg
                    .backoff
                    .delay(attempt)
                    .max(wait.unwrap_or_default())
            };
            self.set_state(ConnState::Offline {
                retry_at: Ts::now().plus_millis(delay.as_millis() as i64),
                attempt,
                reason,
            });
            let back = async {
                match unreachable {
                    true => self.platform_accepts().await,
                    false => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = back => tracing::info!("the platform accepts connections again: retrying now"),
                _ = shutdown.changed() => break,
            }
        }
        refresher.abort();
        if let Err(e) = self.auth.revoke().await {
            tracing::warn!(error = %e, "revoke failed");
        }
    }

    /// Resolves once the platform's address accepts a TCP connection again (polled
    /// every 500 ms): no request is sent, so no rate limit is spent.
    async fn platform_accepts(&self) {
        let Ok(url) = url::Url::parse(&self.cfg.credentials.server_url) else {
            return std::future::pending().await;
        };
        let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
            return std::future::pending().await;
        };
        let target = format!("{host}:{port}");
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let probe = tokio::net::TcpStream::connect(&target);
            if let Ok(Ok(_)) = tokio::time::timeout(Duration::from_secs(2), probe).await {
                return;
            }
        }
    }

    /// True when the next socket should try `wsc` recovery.
    fn can_recover(&self) -> bool {
        self.subscribed_once
            && self.pipeline.wsc().is_some()
            && self
                .dropped_at
                .is_none_or(|d| d.elapsed() < self.recovery_timeout)
    }

    async fn connection(&mut self, shutdown: &mut watch::Receiver<bool>) -> Ended {
        // Bad credentials end the task with the platform's message.
        if let Err(e) = self.auth.login().await {
            return match e {
                HttpError::Status {
                    status: 400 | 401 | 403,
                    message,
                } => Ended::Fatal(format!("login refused: {message}")),
                HttpError::RateLimited { retry_after } => {
                    dropped(format!("login: {e}"), false, Some(retry_after))
                }
                other => Ended::Dropped {
                    unreachable: matches!(other, HttpError::Transport(_)),
                    reason: format!("login: {other}"),
                    was_up: false,
                    wait: None,
                },
            };
        }
        let recovering = self.can_recover();
        self.set_state(if recovering {
            ConnState::Recovering
        } else {
            ConnState::Connecting
        });
        let mut ws_token = self.auth.wstoken().await;
        if let Err(HttpError::Status { status: 401, .. }) = &ws_token {
            // The access token was invalidated (the platform restarted, or the session
            // was revoked): refresh (or log in again) and use the new token at once.
            match self.auth.refresh().await {
                Ok(()) => ws_token = self.auth.wstoken().await,
                Err(r) => tracing::warn!(error = %r, "refresh after 401 failed"),
            }
        }
        let ws_token = match ws_token {
            Ok(t) => t,
            Err(HttpError::RateLimited { retry_after }) => {
                return dropped("wstoken rate limited".into(), false, Some(retry_after))
            }
            Err(e @ HttpError::Status { status: 403, .. }) => {
                return Ended::Fatal(format!(
                    "wstoken refused (WebSocketsSubscription permission?): {e}"
                ))
            }
            Err(e) => {
                return Ended::Dropped {
                    unreachable: matches!(e, HttpError::Transport(_)),
                    reason: format!("wstoken: {e}"),
                    was_up: false,
                    wait: None,
                }
            }
        };
        let mut url = match url::Url::parse(&ws_token.uri) {
            Ok(u) => u,
            Err(e) => {
                return dropped(
                    format!("bad WebSocket uri {:?}: {e}", ws_token.uri),
                    false,
                    None,
                )
            }
        };
        url.query_pairs_mut()
            .append_pair("access_token", &ws_token.ws_access_token);
        if recovering {
            if let Some(w) = self.pipeline.wsc() {
                url.query_pairs_mut().append_pair("wsc", &w.token);
            }
        }
        let connect = tokio::time::timeout(
            self.cfg.request_timeout,
            tokio_tungstenite::connect_async(url.as_str()),
        );
        let mut ws = match connect.await {
            Ok(Ok((ws, _))) => ws,
            Ok(Err(e)) => {
                return Ended::Dropped {
                    reason: format!("connect: {e}"),
                    was_up: false,
                    wait: None,
                    unreachable: true,
                }
            }
            Err(_) => return dropped("connect timed out".into(), false, None),
        };

        // Nothing may be sent before ConnectionDetails.
        let details = match self.await_details(&mut ws, shutdown).await {
            Ok(d) => d,
            Err(ended) => return ended,
        };
        if let Some(t) = details.recovery_timeout {
            self.recovery_timeout = Duration::from_secs(t.max(1));
        }
        let recovered = recovering && details.recovery_state == Some(RecoveryState::Successful);
        if recovering && !recovered {
            let code = details
                .recovery_error_code
                .clone()
                .unwrap_or_else(|| "no recoveryState".into());
            self.warn(format!(
                "session recovery failed ({code}): subscribing again"
            ));
        }
        if recovered {
            self.set_state(ConnState::Recovered);
            let outage = self.dropped_at.map_or(0.0, |d| d.elapsed().as_secs_f64());
            let buffer = details.recovery_buffer_size.unwrap_or(100) as f64;
            if self.rate_at_drop * outage >= buffer / 2.0 {
                // The platform replays only the newest `buffer` notifications: at this
                // rate the gap may have overflowed it, so check every call we hold.
                self.warn(format!(
                    "recovered after {outage:.1} s at {:.0} notifications/s: the recovery buffer ({buffer}) may have overflowed; reconciling",
                    self.rate_at_drop
                ));
                self.spawn_reconcile(true);
            }
        } else {
            match self.subscribe(&mut ws, shutdown).await {
                Ok(info) => {
                    tracing::info!(subscription = %info.id, filters = ?info.event_filters, "subscribed");
                }
                Err(ended) => return ended,
            }
            let first = !self.subscribed_once;
            self.subscribed_once = true;
            self.set_state(if first {
                ConnState::Live
            } else {
                ConnState::Resubscribed
            });
            if !first || self.cfg.seed {
                self.spawn_reconcile(!first);
            }
        }
        self.dropped_at = None;
        self.dropped_ts = None;
        self.pump(&mut ws, shutdown).await
    }

    async fn await_details(
        &mut self,
        ws: &mut Ws,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Result<ConnectionDetails, Ended> {
        let deadline = tokio::time::sleep(self.cfg.request_timeout.max(Duration::from_secs(5)));
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                _ = &mut deadline => return Err(dropped("no ConnectionDetails from the gateway".into(), false, None)),
                _ = shutdown.changed() => return Err(Ended::Shutdown),
                msg = ws.next() => match self.on_message(msg, ws).await {
                    Ok(FrameSignal::Details(d)) => return Ok(d),
                    Ok(FrameSignal::Error { message, .. }) => return Err(dropped(format!("gateway error before ConnectionDetails: {message}"), false, None)),
                    Ok(_) => {}
                    Err(reason) => return Err(dropped(reason, false, None)),
                },
            }
        }
    }

    async fn subscribe(
        &mut self,
        ws: &mut Ws,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Result<SubscriptionInfo, Ended> {
        let id = self.message_id();
        let req = SubscriptionRequest {
            event_filters: vec![self.cfg.event_filter()],
            delivery_mode: DeliveryMode {
                transport_type: "WebSocket".into(),
                encryption: None,
            },
        };
        let frame = encode_frame(
            &WsMeta::request(id.clone(), "POST", "/restapi/v1.0/subscription"),
            Some(&req),
        );
        if let Err(e) = ws.send(Message::text(frame)).await {
            return Err(dropped(format!("send subscription: {e}"), false, None));
        }
        let deadline = tokio::time::sleep(self.cfg.request_timeout);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                _ = &mut deadline => return Err(dropped("subscription request timed out".into(), false, None)),
                _ = shutdown.changed() => return Err(Ended::Shutdown),
                msg = ws.next() => match self.on_message(msg, ws).await {
                    Ok(FrameSignal::Response { message_id, status, body }) if message_id.as_deref() == Some(id.as_str()) => {
                        if (200..300).contains(&status) {
                            let info = body.and_then(|b| serde_json::from_value::<SubscriptionInfo>(b).ok());
                            return info.ok_or_else(|| dropped("subscription response without a subscription".into(), false, None));
                        }
                        let msg = body
                            .and_then(|b| serde_json::from_value::<wire::ApiError>(b).ok())
                            .map(|e| e.summary())
                            .unwrap_or_else(|| format!("status {status}"));
                        let text = format!("subscription refused: {msg}");
                        return Err(if status == 403 { Ended::Fatal(text) } else { dropped(text, false, None) });
                    }
                    Ok(FrameSignal::Error { message_id, message }) if message_id.as_deref() == Some(id.as_str()) => {
                        return Err(dropped(format!("subscription refused: {message}"), false, None));
                    }
                    Ok(_) => {}
                    Err(reason) => return Err(dropped(reason, false, None)),
                },
            }
        }
    }

    fn events_applied(&self) -> u64 {
        self.store.read().counters().events
    }

    /// Notifications per second since the current socket started pumping.
    fn pump_rate(&self) -> f64 {
        match self.pump_start {
            Some((at, n)) => {
                let secs = at.elapsed().as_secs_f64().max(1.0);
                self.events_applied().saturating_sub(n) as f64 / secs
            }
            None => 0.0,
        }
    }

    async fn pump(&mut self, ws: &mut Ws, shutdown: &mut watch::Receiver<bool>) -> Ended {
        self.pump_start = Some((Instant::now(), self.events_applied()));
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        let mut last_rx = Instant::now();
        let mut heartbeat_sent: Option<Instant> = None;
        loop {
            tokio::select! {
                _ = shutdown.changed() => {
                    let _ = ws.close(None).await;
                    return Ended::Shutdown;
                }
                _ = tick.tick() => {
                    if let Some(sent) = heartbeat_sent {
                        if sent.elapsed() > self.cfg.heartbeat_timeout {
                            return dropped("no answer to heartbeat".into(), true, None);
                        }
                    } else if last_rx.elapsed() >= self.cfg.heartbeat_idle {
                        let id = self.message_id();
                        let frame = encode_frame::<()>(&WsMeta::new(MessageType::Heartbeat, id), None);
                        if let Err(e) = ws.send(Message::text(frame)).await {
                            return dropped(format!("heartbeat send: {e}"), true, None);
                        }
                        heartbeat_sent = Some(Instant::now());
                    }
                }
                msg = ws.next() => {
                    last_rx = Instant::now();
                    heartbeat_sent = None;
                    match self.on_message(msg, ws).await {
                        Ok(FrameSignal::Error { message, .. }) => {
                            // WSG-902/903 and friends: the gateway closes next; reconnect.
                            if message.contains("WSG-90") {
                                return dropped(message, true, None);
                            }
                        }
                        Ok(FrameSignal::Details(d)) => {
                            tracing::info!(?d, "unexpected ConnectionDetails mid-stream");
                        }
                        Ok(_) => {}
                        Err(reason) => return dropped(reason, true, None),
                    }
                }
            }
        }
    }

    /// Handles one WebSocket message: records it, parses it, routes it.
    /// `Err` means the socket is gone.
    async fn on_message(
        &mut self,
        msg: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>,
        ws: &mut Ws,
    ) -> Result<FrameSignal, String> {
        let text = match msg {
            None => return Err("socket closed".into()),
            Some(Err(e)) => return Err(format!("socket error: {e}")),
            Some(Ok(Message::Text(t))) => t.to_string(),
            Some(Ok(Message::Binary(b))) => String::from_utf8_lossy(&b).into_owned(),
            Some(Ok(Message::Close(c))) => {
                let _ = ws.close(None).await;
                return Err(match c {
                    Some(f) => {
                        format!("closed by the gateway ({} {})", u16::from(f.code), f.reason)
                    }
                    None => "closed by the gateway".into(),
                });
            }
            Some(Ok(_)) => return Ok(FrameSignal::None), // ping/pong: answered by tungstenite
        };
        Ok(self.pipeline.handle(&text, Ts::now()))
    }

    /// Seeds (first connect) or reconciles (after a failed recovery) in the background:
    /// every session the store holds as active plus those presence lists, fetched with
    /// `GET …/telephony/sessions/{id}`; a 404 ends it.
    fn spawn_reconcile(&self, reconcile: bool) {
        let store = self.store.clone();
        let control = self.control.clone();
        let events = self.events.clone();
        let loading = self.loading_tx.clone();
        let extension_level = self.cfg.extension_level;
        let tap = self.pipeline.tap();
        // A call found gone ended at the latest when the socket dropped.
        let known_until = self.dropped_ts.unwrap_or_else(Ts::now);
        tokio::spawn(async move {
            let what = if reconcile { "reconcile" } else { "seed" };
            let mut ids = store.read().active_ids();
            let waiting = |until: Ts| {
                loading.send_modify(|l| l.waiting_until = Some(until));
            };
            match patiently(|| control.active_session_ids(extension_level), waiting).await {
                Ok(more) => ids.extend(
                    more.into_iter()
                        .filter(|i| !ids.contains(i))
                        .collect::<Vec<_>>(),
                ),
                Err(e) => {
                    let message = format!("{what}: calls in progress not loaded (presence: {e})");
                    tracing::warn!(%message);
                    let _ = events.send(LiveEvent::Warning {
                        at: Ts::now(),
                        message,
                    });
                }
            }
            tracing::info!(sessions = ids.len(), "{what}");
            loading.send_replace(Loading {
                done: 0,
                total: ids.len(),
                ..Loading::default()
            });
            for id in ids {
                // A background task may wait out a 429 (the board never does).
                let result = patiently(|| control.get_session(&id), waiting).await;
                loading.send_modify(|l| {
                    l.done += 1;
                    l.waiting_until = None;
                });
                let now = Ts::now();
                let found = match &result {
                    Ok(Some(s)) => Some((now, Ok(s))),
                    Ok(None) => Some((known_until, Err(id.as_str()))),
                    Err(_) => None,
                };
                if let (Some((at, found)), Some(t)) = (found, &tap) {
                    let mut t = t.lock().unwrap_or_else(|e| e.into_inner());
                    t.reconcile(at, found);
                }
                let note = match result {
                    Ok(Some(s)) => {
                        store.write(|st| st.apply_rest_session(&s, now));
                        None
                    }
                    Ok(None) => {
                        store.write(|st| {
                            st.mark_gone(&id, known_until);
                            st.audit(
                                &id,
                                now,
                                format!("{what}: ended during the outage (404); closed as of the outage start"),
                            );
                        });
                        None
                    }
                    Err(e) => Some(format!("{what} {id}: {e}")),
                };
                if let Some(message) = note {
                    tracing::warn!(%message);
                    let _ = events.send(LiveEvent::Warning { at: now, message });
                }
            }
        });
    }
}

/// Runs a request again after each 429, waiting out `Retry-After` (telling `waiting`
/// until when), for up to [`LOAD_PATIENCE`].
async fn patiently<T, F>(mut call: impl FnMut() -> F, waiting: impl Fn(Ts)) -> Result<T, HttpError>
where
    F: std::future::Future<Output = Result<T, HttpError>>,
{
    let give_up = tokio::time::Instant::now() + LOAD_PATIENCE;
    let mut result = call().await;
    while tokio::time::Instant::now() < give_up {
        let Err(HttpError::RateLimited { retry_after }) = &result else {
            break;
        };
        let wait = (*retry_after).max(Duration::from_millis(200));
        waiting(Ts::now().plus_millis(wait.as_millis() as i64));
        tokio::time::sleep(wait).await;
        result = call().await;
    }
    result
}

fn dropped(reason: String, was_up: bool, wait: Option<Duration>) -> Ended {
    Ended::Dropped {
        reason,
        was_up,
        wait,
        unreachable: false,
    }
}

/// Refreshes the access token before it expires, whatever the socket is doing.
async fn refresh_loop(auth: Arc<Auth>) {
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        match auth.refresh_if_due().await {
            Ok(_) => {}
            Err(HttpError::RateLimited { retry_after }) => {
                tracing::warn!(wait_s = retry_after.as_secs(), "token refresh rate limited");
                tokio::time::sleep(retry_after).await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "token refresh failed; will retry");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    }
}
