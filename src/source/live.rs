//! The live source: the RingCentral WebSocket subscription with recovery, feeding the
//! shared store from a background task, and the headless mode.

mod load;
mod pipeline;
mod task;

pub use pipeline::{FramePipeline, FrameSignal};

use super::{Backoff, ConnState, LiveEvent, Loading, StatusRx};

use crate::core::SharedStore;
use crate::platform::{Auth, ControlClient, Credentials, Http, RateBudget, Roster};
use crate::record::{LineSink, Recorder, Redactor, Tap};
use crate::wire::queues::queue_presence_filter;
use crate::wire::Ts;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, watch};

/// Everything the live source needs, one concern a field.
#[derive(Clone, Debug)]
pub struct LiveConfig {
    /// Logging in and staying connected.
    pub connection: Connection,
    /// What the subscription follows.
    pub subscription: Subscription,
    /// Where every raw frame is recorded.
    pub recording: Recording,
    /// Control: the supervisor's device (answer, supervise).
    pub device_id: Option<String>,
    /// Retention of ended sessions in the store the source feeds.
    pub store: crate::core::StoreConfig,
    /// Join ended calls to the call log (`None`: don't).
    pub join: Option<super::join::JoinConfig>,
    /// The share of the user's Heavy rate limit this source uses at most (the call log,
    /// account presence; see [`crate::platform::budget`]).
    pub heavy_share: f64,
}

/// Logging in, and reconnecting.
#[derive(Clone, Debug)]
pub struct Connection {
    pub credentials: Credentials,
    pub backoff: Backoff,
    /// Send a Heartbeat after this long without any frame.
    pub heartbeat_idle: Duration,
    /// Reconnect when a Heartbeat is not answered within this.
    pub heartbeat_timeout: Duration,
    /// Timeout of every HTTP request, the WebSocket connect and the subscription.
    pub request_timeout: Duration,
}

/// What the subscription follows, and what is loaded at start.
#[derive(Clone, Debug)]
pub struct Subscription {
    /// Subscribe to `…/extension/~/telephony/sessions` instead of the account.
    pub extension_level: bool,
    /// Event-filter query parameters (`direction=Inbound`, `statusCode=Answered`, …).
    pub filters: Vec<String>,
    /// Load calls already in progress at start (presence + session GETs).
    pub seed: bool,
    /// Agents and queues (account level): load the directory, queue settings, members
    /// and everyone's presence at start and after a failed recovery, and subscribe to
    /// presence and queue member availability too.
    pub roster: bool,
}

/// The recording of raw frames.
#[derive(Clone, Debug, Default)]
pub struct Recording {
    /// Append every raw frame here.
    pub path: Option<PathBuf>,
    /// Mask phone numbers and names in the recording.
    pub redact: bool,
    /// Rotate the recording past this size.
    pub rotate_bytes: Option<u64>,
}

impl LiveConfig {
    /// Defaults for a real account.
    pub fn new(credentials: Credentials) -> LiveConfig {
        LiveConfig {
            connection: Connection {
                credentials,
                backoff: Backoff::default(),
                heartbeat_idle: Duration::from_secs(30),
                heartbeat_timeout: Duration::from_secs(15),
                request_timeout: crate::platform::http::REQUEST_TIMEOUT,
            },
            subscription: Subscription::default(),
            recording: Recording::default(),
            device_id: None,
            store: crate::core::StoreConfig::default(),
            join: Some(super::join::JoinConfig::default()),
            heavy_share: crate::platform::budget::DEFAULT_HEAVY_SHARE,
        }
    }
}

impl Default for Subscription {
    /// The account, unfiltered, with the calls in progress, agents and queues.
    fn default() -> Subscription {
        Subscription {
            extension_level: false,
            filters: Vec::new(),
            seed: true,
            roster: true,
        }
    }
}

impl Subscription {
    /// Agents and queues are loaded and followed.
    pub fn follows_roster(&self) -> bool {
        self.roster && !self.extension_level
    }

    /// Every event filter of the subscription: the telephony one, and (agents and
    /// queues followed) everyone's detailed presence, each queue's member availability
    /// and the voicemail of every mailbox (`mailboxes`: the users' and queues'
    /// extension ids, at most [`MAX_VOICEMAIL_FILTERS`]). At extension level: the
    /// telephony filter and the current extension's voicemail.
    pub fn event_filters<'a, 'b>(
        &self,
        queues: impl IntoIterator<Item = &'a str>,
        mailboxes: impl IntoIterator<Item = &'b str>,
    ) -> Vec<String> {
        let mut v = vec![self.event_filter()];
        if self.follows_roster() {
            v.push(ACCOUNT_PRESENCE.to_string());
            v.extend(queues.into_iter().map(queue_presence_filter));
            v.extend(
                mailboxes
                    .into_iter()
                    .take(MAX_VOICEMAIL_FILTERS)
                    .map(voicemail_filter),
            );
        } else if self.extension_level {
            v.push(voicemail_filter("~"));
        }
        v
    }

    /// The telephony event filter.
    pub fn event_filter(&self) -> String {
        let base = if self.extension_level {
            "/restapi/v1.0/account/~/extension/~/telephony/sessions"
        } else {
            "/restapi/v1.0/account/~/telephony/sessions"
        };
        if self.filters.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", self.filters.join("&"))
        }
    }
}

/// Everyone's presence with the calls (one notification per changed extension).
pub const ACCOUNT_PRESENCE: &str = "/restapi/v1.0/account/~/presence?detailedTelephonyState=true";

/// The new voicemail messages of one mailbox (call-log.md §3.1): the message itself,
/// id included. The platform documents no account-wide voicemail filter, so it is one
/// filter per extension.
pub fn voicemail_filter(extension_id: &str) -> String {
    format!("/restapi/v1.0/account/~/extension/{extension_id}/voicemail")
}

/// Mailboxes followed at most. RingCentral documents no limit on the filters of one
/// subscription (supervisor-api.md §0.6); the largest tested is a subscription of
/// "over 2000 extensions" (the Ruby SDK's notes). Past this, the rest of the
/// directory's mailboxes are not followed (said once in the log) — their voicemail
/// still comes from the call log's message links.
pub const MAX_VOICEMAIL_FILTERS: usize = 2000;

/// The running live source. Dropping it stops the task too (without waiting);
/// [`LiveHandle::shutdown`] also waits for the token to be revoked.
pub struct LiveHandle {
    /// The connection state (for the status line).
    pub conn: watch::Receiver<ConnState>,
    /// Loading the calls in progress.
    pub loading: watch::Receiver<Loading>,
    /// The account's id, once a subscription named it (`None` before).
    pub account: watch::Receiver<Option<String>>,
    /// Call Control on the same OAuth session.
    pub control: ControlClient,
    /// The directory readers on the same OAuth session.
    pub roster: Roster,
    /// Every connection change and notification summary, in order (may lag).
    pub events: broadcast::Receiver<LiveEvent>,
    events_tx: broadcast::Sender<LiveEvent>,
    shutdown: watch::Sender<bool>,
    join: tokio::task::JoinHandle<()>,
    /// Joining ended calls to the call log (stops with the handle).
    _join: Option<super::join::Join>,
}

impl LiveHandle {
    /// Another receiver of the event stream (from now on).
    pub fn subscribe_events(&self) -> broadcast::Receiver<LiveEvent> {
        self.events_tx.subscribe()
    }

    /// The OAuth session (stats, tokens).
    pub fn auth(&self) -> &Arc<Auth> {
        self.control.auth()
    }

    /// Closes the socket, revokes the token and waits for the task (at most 10 s).
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let mut join = self.join;
        if tokio::time::timeout(Duration::from_secs(10), &mut join)
            .await
            .is_err()
        {
            join.abort();
        }
    }
}

impl super::Running for LiveHandle {
    fn status(&self) -> StatusRx {
        StatusRx::Live {
            conn: self.conn.clone(),
            loading: self.loading.clone(),
        }
    }

    fn notices(&self) -> Option<tokio::sync::mpsc::UnboundedReceiver<String>> {
        Some(super::notices(self.subscribe_events()))
    }
}

impl super::Source for LiveConfig {
    type Running = LiveHandle;

    async fn start(self, store: SharedStore) -> anyhow::Result<LiveHandle> {
        Ok(spawn(self, store))
    }
}

/// Starts the live source on the current tokio runtime. A recording file that cannot
/// be opened is reported as `Failed`.
pub fn spawn(cfg: LiveConfig, store: SharedStore) -> LiveHandle {
    spawn_with_sink(cfg, store, None)
}

/// [`spawn`], handing every recording line to `sink` as well (the relay's publisher),
/// masked as the file is. Relays that share a stream must mask alike: set
/// `CALLTOP_REDACT_KEY`.
pub fn spawn_with_sink(
    cfg: LiveConfig,
    store: SharedStore,
    sink: Option<Arc<dyn LineSink>>,
) -> LiveHandle {
    // One rate budget per group for everything this source spends (one login).
    let budget = Arc::new(RateBudget::new(cfg.heavy_share));
    let http = Http::new(cfg.connection.request_timeout).with_budget(budget);
    let auth = Arc::new(Auth::new(cfg.connection.credentials.clone(), http));
    let control = ControlClient::new(auth.clone(), cfg.device_id.clone());
    let roster = Roster::new(auth.clone());
    let (filters_tx, filters_rx) = tokio::sync::mpsc::unbounded_channel();
    let (conn_tx, conn) = watch::channel(ConnState::Connecting);
    // Seeding until the first load (agents and queues, calls in progress) is over.
    let (loading_tx, loading) = watch::channel(Loading {
        seeding: cfg.subscription.follows_roster() || cfg.subscription.seed,
        ..Loading::default()
    });
    let (account_tx, account) = watch::channel(None);
    let (events_tx, events) = broadcast::channel(8192);
    let (shutdown, shutdown_rx) = watch::channel(false);
    let rec = &cfg.recording;
    let file = rec.path.as_ref().map(|p| {
        Recorder::create(p, false)
            .map(|r| r.with_rotation(rec.rotate_bytes))
            .map_err(|e| format!("cannot open recording {}: {e}", p.display()))
    });
    let redactor = rec.redact.then(Redactor::new);
    // One tap for every line the source records: frames, reconcile and roster answers,
    // call-log joins; to the file and to the sink alike.
    let (tap, failed) = match file.transpose() {
        Err(m) => (None, Some(m)),
        Ok(file) if file.is_some() || sink.is_some() => (
            Some(Arc::new(std::sync::Mutex::new(Tap::new(
                redactor, file, sink,
            )))),
            None,
        ),
        Ok(_) => (None, None),
    };
    let joiner = cfg.join.map(|j| {
        super::join::spawn(
            j,
            crate::platform::calllog::CallLogClient::new(auth.clone()),
            store.clone(),
            tap.clone(),
            events_tx.clone(),
        )
    });
    let task = task::Task {
        store: store.clone(),
        auth,
        control: control.clone(),
        roster: roster.clone(),
        filters_tx,
        filters_rx,
        subscription: None,
        pending_filters: None,
        conn_tx,
        events: events_tx.clone(),
        pipeline: FramePipeline::new(store, tap, events_tx.clone()),
        recovery_timeout: Duration::from_secs(180),
        dropped_at: None,
        dropped_ts: None,
        loading_tx,
        account_tx,
        pump_start: None,
        rate_at_drop: 0.0,
        subscribed_once: false,
        next_id: 0,
        loads: Default::default(),
        connection: cfg.connection,
        followed: cfg.subscription,
    };
    let join = tokio::spawn(async move {
        let task = task;
        if let Some(m) = failed {
            tracing::error!(%m);
            let _ = task.events.send(LiveEvent::Conn {
                at: Ts::now(),
                state: ConnState::Failed(m.clone()),
            });
            task.conn_tx.send_replace(ConnState::Failed(m));
            return;
        }
        task.run(shutdown_rx).await
    });
    LiveHandle {
        _join: joiner,
        conn,
        loading,
        account,
        control,
        roster,
        events,
        events_tx,
        shutdown,
        join,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_filter_levels_and_query() {
        let creds = Credentials {
            server_url: "http://x".into(),
            client_id: "a".into(),
            client_secret: "b".into(),
            jwt: "c".into(),
        };
        let mut c = LiveConfig::new(creds).subscription;
        assert_eq!(
            c.event_filter(),
            "/restapi/v1.0/account/~/telephony/sessions"
        );
        c.extension_level = true;
        c.filters = vec!["direction=Inbound".into(), "missedCall=true".into()];
        assert_eq!(
            c.event_filter(),
            "/restapi/v1.0/account/~/extension/~/telephony/sessions?direction=Inbound&missedCall=true"
        );
        assert_eq!(
            c.event_filters(["9"], ["7"]),
            [
                c.event_filter(),
                "/restapi/v1.0/account/~/extension/~/voicemail".to_string()
            ],
            "no agents at extension level, only the own voicemail"
        );
        c.extension_level = false;
        c.filters.clear();
        assert_eq!(
            c.event_filters(["9"], ["7", "9"]),
            [
                "/restapi/v1.0/account/~/telephony/sessions",
                ACCOUNT_PRESENCE,
                "/restapi/v1.0/account/~/call-queues/9/presence",
                "/restapi/v1.0/account/~/extension/7/voicemail",
                "/restapi/v1.0/account/~/extension/9/voicemail"
            ]
        );
        let many: Vec<String> = (0..MAX_VOICEMAIL_FILTERS + 5)
            .map(|i| i.to_string())
            .collect();
        let n = c
            .event_filters([], many.iter().map(String::as_str))
            .iter()
            .filter(|f| f.ends_with("/voicemail"))
            .count();
        assert_eq!(n, MAX_VOICEMAIL_FILTERS, "bounded");
        c.roster = false;
        assert_eq!(c.event_filters(["9"], ["7"]), [c.event_filter()]);
    }
}
