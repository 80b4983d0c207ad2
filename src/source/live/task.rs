//! The background task: login, wstoken, connect, ConnectionDetails, subscribe, pump
//! frames into the store; on any drop reconnect with backoff and `wsc` recovery, and
//! on failed recovery subscribe again and reconcile.

use super::load::{LoadQueue, Loader, Plan};
use super::pipeline::{FramePipeline, FrameSignal};
use super::{Connection, Subscription};
use crate::core::SharedStore;
use crate::platform::{Auth, ControlClient, HttpError, Roster};
use crate::source::events::{warn, LiveEvent};
use crate::source::{ConnState, Loading};
use crate::wire::{
    self, encode_frame, ConnectionDetails, DeliveryMode, MessageType, RecoveryState,
    SubscriptionInfo, SubscriptionRequest, Ts, WsMeta,
};
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::{broadcast, mpsc, watch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

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
    pub connection: Connection,
    /// What the subscription follows.
    pub followed: Subscription,
    pub store: SharedStore,
    pub auth: Arc<Auth>,
    pub control: ControlClient,
    pub roster: Roster,
    /// A load tells the pump when the queues are known (the filters follow them).
    pub filters_tx: mpsc::UnboundedSender<()>,
    pub filters_rx: mpsc::UnboundedReceiver<()>,
    /// The subscription's id and filters.
    pub subscription: Option<(String, Vec<String>)>,
    /// A filter update sent and not yet answered: its message id and the filters.
    pub pending_filters: Option<(String, Vec<String>)>,
    pub conn_tx: watch::Sender<ConnState>,
    pub events: broadcast::Sender<LiveEvent>,
    pub pipeline: FramePipeline,
    pub recovery_timeout: Duration,
    pub dropped_at: Option<Instant>,
    /// When the connection that was up dropped (the last moment calls were known).
    pub dropped_ts: Option<Ts>,
    pub loading_tx: watch::Sender<Loading>,
    /// The account's id, as the subscription's echoed filters name it.
    pub account_tx: watch::Sender<Option<String>>,
    /// When the current socket started pumping, and the store's event count then.
    pub pump_start: Option<(Instant, u64)>,
    /// Notifications per second on the socket that dropped last.
    pub rate_at_drop: f64,
    pub subscribed_once: bool,
    pub next_id: u64,
    /// The background loads, one at a time.
    pub loads: Arc<std::sync::Mutex<LoadQueue>>,
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
        warn(&self.events, message);
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
            let delay = if self.connection.backoff.immediate_first
                && attempt == 1
                && self
                    .dropped_at
                    .is_some_and(|d| d.elapsed() < Duration::from_secs(1))
            {
                wait.unwrap_or_default()
            } else {
                self.connection
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
        let Ok(url) = url::Url::parse(&self.connection.credentials.server_url) else {
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

    /// Logs in; bad credentials end the task with the platform's message.
    async fn login(&mut self) -> Result<(), Ended> {
        let Err(e) = self.auth.login().await else {
            return Ok(());
        };
        Err(match e {
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
        })
    }

    /// The gateway's address with a fresh WebSocket token (and the session to recover
    /// when `recovering`).
    async fn socket_url(&mut self, recovering: bool) -> Result<url::Url, Ended> {
        // A 401 (the platform restarted, or the session was revoked) renews the
        // session and asks again at once.
        let ws_token = match self.auth.wstoken().await {
            Ok(t) => t,
            Err(HttpError::RateLimited { retry_after }) => {
                return Err(dropped(
                    "wstoken rate limited".into(),
                    false,
                    Some(retry_after),
                ))
            }
            Err(e @ HttpError::Status { status: 403, .. }) => {
                return Err(Ended::Fatal(format!(
                    "wstoken refused (WebSocketsSubscription permission?): {e}"
                )))
            }
            Err(e) => {
                return Err(Ended::Dropped {
                    unreachable: matches!(e, HttpError::Transport(_)),
                    reason: format!("wstoken: {e}"),
                    was_up: false,
                    wait: None,
                })
            }
        };
        let mut url = match url::Url::parse(&ws_token.uri) {
            Ok(u) => u,
            Err(e) => {
                return Err(dropped(
                    format!("bad WebSocket uri {:?}: {e}", ws_token.uri),
                    false,
                    None,
                ))
            }
        };
        url.query_pairs_mut()
            .append_pair("access_token", &ws_token.ws_access_token);
        if recovering {
            if let Some(w) = self.pipeline.wsc() {
                url.query_pairs_mut().append_pair("wsc", &w.token);
            }
        }
        Ok(url)
    }

    /// Opens the socket, within the request timeout.
    async fn open(&self, url: &url::Url) -> Result<Ws, Ended> {
        let connect = tokio::time::timeout(
            self.connection.request_timeout,
            tokio_tungstenite::connect_async(url.as_str()),
        );
        match connect.await {
            Ok(Ok((ws, _))) => Ok(ws),
            Ok(Err(e)) => Err(Ended::Dropped {
                reason: format!("connect: {e}"),
                was_up: false,
                wait: None,
                unreachable: true,
            }),
            Err(_) => Err(dropped("connect timed out".into(), false, None)),
        }
    }

    /// One connection, from login to its end: socket, recovery or subscription, pump.
    async fn connection(&mut self, shutdown: &mut watch::Receiver<bool>) -> Ended {
        if let Err(ended) = self.login().await {
            return ended;
        }
        let recovering = self.can_recover();
        self.set_state(if recovering {
            ConnState::Recovering
        } else {
            ConnState::Connecting
        });
        let url = match self.socket_url(recovering).await {
            Ok(u) => u,
            Err(ended) => return ended,
        };
        let mut ws = match self.open(&url).await {
            Ok(ws) => ws,
            Err(ended) => return ended,
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
                self.load(Plan {
                    directory: false,
                    presence: self.followed.follows_roster(),
                    sessions: true,
                    reconcile: true,
                    known_until: self.known_until(),
                });
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
            if !first {
                // Subscribed again after an outage: callers who queued meanwhile are
                // unseen until they are heard of again.
                self.store.write(|st| st.heard_gap(Ts::now()));
            }
            self.set_state(if first {
                ConnState::Live
            } else {
                ConnState::Resubscribed
            });
            self.load(Plan {
                directory: self.followed.follows_roster(),
                presence: self.followed.follows_roster(),
                sessions: !first || self.followed.seed,
                reconcile: !first,
                known_until: self.known_until(),
            });
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
        let deadline =
            tokio::time::sleep(self.connection.request_timeout.max(Duration::from_secs(5)));
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

    /// The filters the subscription should have: the queues known so far included, and
    /// the voicemail of every mailbox of the directory (users and queues).
    fn wanted_filters(&self) -> Vec<String> {
        let st = self.store.read();
        let mut queues: Vec<&str> = st.center().queues().map(|q| q.id.as_str()).collect();
        queues.sort_unstable();
        let users = st
            .center()
            .agents()
            .filter(|a| a.extension.is_some())
            .map(|a| a.id.as_str());
        let mut mailboxes: Vec<&str> = users.chain(queues.iter().copied()).collect();
        mailboxes.sort_unstable();
        mailboxes.dedup();
        if self.followed.follows_roster() && mailboxes.len() > super::MAX_VOICEMAIL_FILTERS {
            tracing::warn!(
                mailboxes = mailboxes.len(),
                followed = super::MAX_VOICEMAIL_FILTERS,
                "more mailboxes than voicemail filters: the rest's voicemail comes from the call log only"
            );
        }
        self.followed.event_filters(queues, mailboxes)
    }

    fn subscription_body(filters: &[String]) -> SubscriptionRequest {
        SubscriptionRequest {
            event_filters: filters.to_vec(),
            delivery_mode: DeliveryMode {
                transport_type: "WebSocket".into(),
                encryption: None,
            },
        }
    }

    /// Subscribes with every filter; refused (403) with more than the telephony one, it
    /// says so and subscribes to calls alone.
    async fn subscribe(
        &mut self,
        ws: &mut Ws,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Result<SubscriptionInfo, Ended> {
        let filters = self.wanted_filters();
        let info = match self.subscribe_with(ws, shutdown, &filters).await {
            Err(Refused::Status(403, text)) if filters.len() > 1 => {
                self.warn(format!(
                    "{text}: agents' presence, queue availability and voicemail need the ReadAccounts, ReadPresence and ReadMessages permissions; following calls only"
                ));
                let calls = vec![self.followed.event_filter()];
                let r = self.subscribe_with(ws, shutdown, &calls).await;
                r.map(|i| (i, calls))
            }
            r => r.map(|i| (i, filters)),
        };
        match info {
            Ok((info, filters)) => {
                if let Some(id) = info.account_id() {
                    self.account_tx.send_if_modified(|a| {
                        let changed = a.as_deref() != Some(id);
                        *a = Some(id.to_string());
                        changed
                    });
                }
                self.subscription = Some((info.id.clone(), filters));
                self.pending_filters = None;
                Ok(info)
            }
            Err(Refused::Status(403, text)) => Err(Ended::Fatal(text)),
            Err(Refused::Status(_, text)) => Err(dropped(text, false, None)),
            Err(Refused::Ended(e)) => Err(e),
        }
    }

    async fn subscribe_with(
        &mut self,
        ws: &mut Ws,
        shutdown: &mut watch::Receiver<bool>,
        filters: &[String],
    ) -> Result<SubscriptionInfo, Refused> {
        let id = self.message_id();
        let frame = encode_frame(
            &WsMeta::request(id.clone(), "POST", "/restapi/v1.0/subscription"),
            Some(&Self::subscription_body(filters)),
        );
        if let Err(e) = ws.send(Message::text(frame)).await {
            return Err(Refused::Ended(dropped(
                format!("send subscription: {e}"),
                false,
                None,
            )));
        }
        let deadline = tokio::time::sleep(self.connection.request_timeout);
        tokio::pin!(deadline);
        let gone = |reason: String| Refused::Ended(dropped(reason, false, None));
        loop {
            tokio::select! {
                _ = &mut deadline => return Err(gone("subscription request timed out".into())),
                _ = shutdown.changed() => return Err(Refused::Ended(Ended::Shutdown)),
                msg = ws.next() => match self.on_message(msg, ws).await {
                    Ok(FrameSignal::Response { message_id, status, body }) if message_id.as_deref() == Some(id.as_str()) => {
                        if (200..300).contains(&status) {
                            let info = body.and_then(|b| serde_json::from_value::<SubscriptionInfo>(b).ok());
                            return info.ok_or_else(|| gone("subscription response without a subscription".into()));
                        }
                        return Err(Refused::Status(status, format!("subscription refused: {}", api_message(body, status))));
                    }
                    Ok(FrameSignal::Error { message_id, message }) if message_id.as_deref() == Some(id.as_str()) => {
                        return Err(gone(format!("subscription refused: {message}")));
                    }
                    Ok(_) => {}
                    Err(reason) => return Err(gone(reason)),
                },
            }
        }
    }

    /// Brings the subscription's filters up to the queues known (`PUT` subscription on
    /// the socket); the answer is taken in [`Task::filters_answered`].
    async fn update_filters(&mut self, ws: &mut Ws) -> Result<(), String> {
        let wanted = self.wanted_filters();
        let Some((sub, current)) = &self.subscription else {
            return Ok(());
        };
        let pending = self.pending_filters.as_ref().map(|(_, f)| f);
        if current.len() == 1 || *current == wanted || pending == Some(&wanted) {
            return Ok(()); // calls only (refused before), or nothing new
        }
        let path = format!("/restapi/v1.0/subscription/{sub}");
        let id = self.message_id();
        let frame = encode_frame(
            &WsMeta::request(id.clone(), "PUT", &path),
            Some(&Self::subscription_body(&wanted)),
        );
        tracing::info!(filters = ?wanted, "updating the subscription's filters");
        self.pending_filters = Some((id, wanted));
        ws.send(Message::text(frame))
            .await
            .map_err(|e| format!("send subscription update: {e}"))
    }

    /// The answer to a filter update, if that is what this frame is.
    fn filters_answered(&mut self, signal: &FrameSignal) {
        let FrameSignal::Response {
            message_id: Some(m),
            status,
            body,
        } = signal
        else {
            return;
        };
        if self.pending_filters.as_ref().is_none_or(|(id, _)| id != m) {
            return;
        }
        let Some((_, wanted)) = self.pending_filters.take() else {
            return;
        };
        if (200..300).contains(status) {
            if let Some((_, current)) = self.subscription.as_mut() {
                *current = wanted;
            }
        } else {
            let text = api_message(body.clone(), *status);
            self.warn(format!(
                "queue availability and voicemail not followed: the subscription update was refused: {text}"
            ));
            if let Some((_, current)) = self.subscription.as_mut() {
                *current = wanted; // not asked again
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
                        if sent.elapsed() > self.connection.heartbeat_timeout {
                            return dropped("no answer to heartbeat".into(), true, None);
                        }
                    } else if last_rx.elapsed() >= self.connection.heartbeat_idle {
                        let id = self.message_id();
                        let frame = encode_frame::<()>(&WsMeta::new(MessageType::Heartbeat, id), None);
                        if let Err(e) = ws.send(Message::text(frame)).await {
                            return dropped(format!("heartbeat send: {e}"), true, None);
                        }
                        heartbeat_sent = Some(Instant::now());
                    }
                }
                Some(()) = self.filters_rx.recv() => {
                    if let Err(reason) = self.update_filters(ws).await {
                        return dropped(reason, true, None);
                    }
                }
                msg = ws.next() => {
                    last_rx = Instant::now();
                    heartbeat_sent = None;
                    match self.on_message(msg, ws).await {
                        Ok(signal @ FrameSignal::Response { .. }) => self.filters_answered(&signal),
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

    /// A call found gone ended at the latest when the socket dropped.
    fn known_until(&self) -> Ts {
        self.dropped_ts.unwrap_or_else(Ts::now)
    }

    /// Starts a background load (agents and queues, calls in progress).
    fn load(&self, plan: Plan) {
        if !(plan.directory || plan.presence || plan.sessions) {
            return;
        }
        Loader {
            store: self.store.clone(),
            control: self.control.clone(),
            roster: self.roster.clone(),
            events: self.events.clone(),
            loading: self.loading_tx.clone(),
            tap: self.pipeline.tap(),
            filters: self.filters_tx.clone(),
            extension_level: self.followed.extension_level,
        }
        .spawn(plan, self.loads.clone());
    }
}

/// Why a subscription request did not succeed.
enum Refused {
    /// The platform answered this status with this line.
    Status(u16, String),
    /// The socket ended (or shutdown).
    Ended(Ended),
}

/// The platform's `errorCode: message` from a response body, else the status.
fn api_message(body: Option<serde_json::Value>, status: u16) -> String {
    body.and_then(|b| serde_json::from_value::<wire::ApiError>(b).ok())
        .map(|e| e.summary())
        .unwrap_or_else(|| format!("status {status}"))
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
