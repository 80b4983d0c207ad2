//! The Prometheus endpoint (`--metrics ADDR`, `GET /metrics`): calls by state, call
//! outcomes and ring/talk/hold histograms, events and delivery lag, the connection and
//! its reconnects, control actions by result, and the contact center's queues and agents
//! (`center`). It reads the store (at scrape time, and a follower of ended calls for the
//! histograms); it never writes it.

mod center;

use crate::core::control::{Control, ControlRequest, Outcome};
use crate::core::{Bucket, SessionStore, SharedStore};
use crate::source::ConnState;
use crate::wire::Ts;
use futures_util::future::BoxFuture;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// Control outcomes by (action word, result), kept by [`Counted`].
#[derive(Clone, Debug, Default)]
pub struct ControlTally(Arc<Mutex<BTreeMap<(String, &'static str), u64>>>);

impl ControlTally {
    fn record(&self, verb: &str, outcome: &Outcome) {
        let result = match outcome {
            Outcome::Done { .. } => "done",
            Outcome::Failed { .. } => "failed",
            Outcome::RateLimited { .. } => "rate_limited",
        };
        let key = (verb.to_string(), result);
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t.entry(key).or_default() += 1;
    }

    fn snapshot(&self) -> BTreeMap<(String, &'static str), u64> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// Counts the outcomes of a [`Control`]'s requests into a [`ControlTally`].
pub struct Counted<C> {
    inner: C,
    tally: ControlTally,
}

impl<C: Control> Counted<C> {
    /// Counts `inner`'s outcomes into `tally`.
    pub fn new(inner: C, tally: ControlTally) -> Counted<C> {
        Counted { inner, tally }
    }
}

impl<C: Control> Control for Counted<C> {
    fn execute(&self, request: ControlRequest) -> BoxFuture<'static, Outcome> {
        let tally = self.tally.clone();
        let running = self.inner.execute(request.clone());
        Box::pin(async move {
            let outcome = running.await;
            tally.record(request.action.word(), &outcome);
            outcome
        })
    }
}

/// What the endpoint reads.
pub struct Sources {
    pub store: SharedStore,
    /// The live connection, when there is one.
    pub conn: Option<watch::Receiver<ConnState>>,
    pub control: ControlTally,
    /// Figures another room keeps (a relay's publisher and control server).
    pub extra: Option<Extra>,
    /// The account's id, the `account` label of the queue and agent figures.
    pub account: Account,
}

/// The account's id (`None`: not known yet, the label is empty).
pub type Account = watch::Receiver<Option<String>>;

/// An account known from the start (a relay's, named in its URL).
pub fn account_named(id: &str) -> Account {
    watch::channel(Some(id.to_string())).1
}

/// One figure another room keeps, read at scrape time.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    pub name: &'static str,
    pub help: &'static str,
    /// A counter (only goes up); else a gauge.
    pub counter: bool,
    /// Its labels, when it is one of a family sharing `name`.
    pub labels: Vec<(&'static str, String)>,
    pub value: u64,
}

/// Reads extra figures at scrape time.
pub type Extra = Arc<dyn Fn() -> Vec<Figure> + Send + Sync>;

/// Encodes figures, one family per name (in the order first seen).
fn encode_extra(e: &mut DescriptorEncoder, figures: &[Figure]) -> std::fmt::Result {
    let mut names: Vec<&'static str> = Vec::new();
    for f in figures {
        if !names.contains(&f.name) {
            names.push(f.name);
        }
    }
    for name in names {
        let family: Vec<&Figure> = figures.iter().filter(|f| f.name == name).collect();
        let labels = |f: &Figure| f.labels.clone();
        let (help, counter) = (family[0].help, family[0].counter);
        if counter {
            let values = family
                .iter()
                .map(|f| (labels(f), ConstCounter::new(f.value)))
                .collect();
            labelled(e, name, help, values)?;
        } else {
            let values = family
                .iter()
                .map(|f| (labels(f), ConstGauge::new(f.value as i64)))
                .collect();
            labelled(e, name, help, values)?;
        }
    }
    Ok(())
}

/// Bounds (seconds) of the ring/talk/hold histograms.
const BUCKETS: [f64; 12] = [
    5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 180.0, 300.0, 600.0, 900.0, 1800.0, 3600.0,
];

/// Ring, talk and hold of every call that ended (call-level, as the board's history).
#[derive(Debug)]
struct Durations {
    ring: Histogram,
    talk: Histogram,
    hold: Histogram,
}

impl Durations {
    fn new() -> Durations {
        let h = || Histogram::new(BUCKETS);
        Durations {
            ring: h(),
            talk: h(),
            hold: h(),
        }
    }

    /// Observes the calls that ended after `cursor`; returns the new cursor.
    fn follow(&self, store: &SessionStore, cursor: u64) -> u64 {
        let ended = store.ended_after(cursor);
        for id in ended.ids {
            let Some(s) = store.find(id) else { continue };
            let end = s.end().unwrap_or_else(|| store.clock().unwrap_or(Ts(0)));
            let f = s.call_figures(end);
            // A figure not known (a call joined mid-way) is not observed.
            for (h, b) in [
                (&self.ring, Bucket::Ring),
                (&self.talk, Bucket::Talk),
                (&self.hold, Bucket::Hold),
            ] {
                if let Some(ms) = f.known(b) {
                    h.observe(ms as f64 / 1000.0);
                }
            }
        }
        ended.cursor
    }
}

/// The figures read at scrape time.
struct Scrape {
    store: SharedStore,
    conn: Option<watch::Receiver<ConnState>>,
    reconnects: Arc<AtomicU64>,
    control: ControlTally,
    extra: Option<Extra>,
    account: Account,
}

/// A state's label value.
fn conn_label(c: &ConnState) -> &'static str {
    match c {
        ConnState::Connecting => "connecting",
        ConnState::Live => "live",
        ConnState::Recovering => "recovering",
        ConnState::Recovered => "recovered",
        ConnState::Resubscribed => "resubscribed",
        ConnState::Offline { .. } => "offline",
        ConnState::Failed(_) => "failed",
    }
}

fn gauge(e: &mut DescriptorEncoder, name: &str, help: &str, v: i64) -> std::fmt::Result {
    let g = ConstGauge::new(v);
    g.encode(e.encode_descriptor(name, help, None, g.metric_type())?)
}

fn counter(e: &mut DescriptorEncoder, name: &str, help: &str, v: u64) -> std::fmt::Result {
    let c = ConstCounter::new(v);
    c.encode(e.encode_descriptor(name, help, None, c.metric_type())?)
}

/// One metric with a value per label set.
fn labelled<M: EncodeMetric>(
    e: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    values: Vec<(Vec<(&'static str, String)>, M)>,
) -> std::fmt::Result {
    let Some(kind) = values.first().map(|(_, m)| m.metric_type()) else {
        return Ok(());
    };
    let mut family = e.encode_descriptor(name, help, None, kind)?;
    for (labels, m) in &values {
        m.encode(family.encode_family(labels)?)?;
    }
    Ok(())
}

/// The calls in progress by state, the ended ones by outcome, and the event counters.
fn encode_summary(e: &mut DescriptorEncoder, sum: &crate::core::Summary) -> std::fmt::Result {
    let talking = sum
        .active
        .saturating_sub(sum.ringing + sum.on_hold + sum.parked_now);
    let by_state = [
        ("ringing", sum.ringing),
        ("on_hold", sum.on_hold),
        ("parked", sum.parked_now),
        ("other", talking),
    ];
    labelled(
        e,
        "calltop_calls",
        "Calls in progress by state (a call with a party ringing counts as ringing, then on hold, then parked)",
        by_state
            .iter()
            .map(|(k, v)| (vec![("state", k.to_string())], ConstGauge::new(*v as i64)))
            .collect(),
    )?;
    let t = &sum.totals;
    let ended = t.outcomes.named();
    labelled(
        e,
        "calltop_calls_ended",
        "Calls that ended, by outcome",
        ended
            .iter()
            .map(|(k, v)| (vec![("outcome", k.to_string())], ConstCounter::new(*v)))
            .collect(),
    )?;
    let c = &sum.counters;
    counter(e, "calltop_events", "Telephony events received", c.events)?;
    labelled(
        e,
        "calltop_events_irregular",
        "Events that were stale (older than applied state), duplicate, late, or frames that could not be parsed",
        [
            ("stale", c.stale),
            ("duplicate", c.duplicate),
            ("late", c.late),
            ("malformed", c.malformed),
        ]
        .iter()
        .map(|(k, v)| (vec![("kind", k.to_string())], ConstCounter::new(*v)))
        .collect(),
    )
}

impl std::fmt::Debug for Scrape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scrape").finish_non_exhaustive()
    }
}

impl Collector for Scrape {
    fn encode(&self, mut e: DescriptorEncoder) -> std::fmt::Result {
        if let Some(extra) = &self.extra {
            encode_extra(&mut e, &extra())?;
        }
        let (sum, lag) = {
            let s = self.store.read();
            let account = self.account.borrow().clone().unwrap_or_default();
            // Waits run on the wall clock, as on the board.
            center::encode(&mut e, s.center(), &account, Ts::now())?;
            let now = s.clock().unwrap_or(Ts(0));
            (s.summary(now), s.newest_lag())
        };
        encode_summary(&mut e, &sum)?;
        if let Some(ms) = lag {
            let g = ConstGauge::new(ms as f64 / 1000.0);
            g.encode(e.encode_descriptor(
                "calltop_delivery_lag_seconds",
                "Delivery lag of the newest event (received − eventTime)",
                None,
                g.metric_type(),
            )?)?;
        }
        if let Some(conn) = &self.conn {
            let state = conn.borrow().clone();
            gauge(
                &mut e,
                "calltop_connected",
                "1 while notifications flow from the platform",
                i64::from(state.is_live()),
            )?;
            labelled(
                &mut e,
                "calltop_connection_state",
                "The connection's state (1 for the current one)",
                vec![(
                    vec![("state", conn_label(&state).to_string())],
                    ConstGauge::new(1),
                )],
            )?;
            counter(
                &mut e,
                "calltop_reconnects",
                "Times the connection went offline after being up",
                self.reconnects.load(Ordering::Relaxed),
            )?;
        }
        labelled(
            &mut e,
            "calltop_control_actions",
            "Call-control requests by action and result",
            self.control
                .snapshot()
                .into_iter()
                .map(|((action, result), n)| {
                    (
                        vec![("action", action), ("result", result.to_string())],
                        ConstCounter::new(n),
                    )
                })
                .collect(),
        )
    }
}

/// The running endpoint.
pub struct MetricsHandle {
    /// The bound address.
    pub addr: std::net::SocketAddr,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for MetricsHandle {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Serves the endpoint when an address was given (`--metrics ADDR`).
pub async fn serve_at(
    addr: Option<&str>,
    sources: Sources,
) -> anyhow::Result<Option<MetricsHandle>> {
    match addr {
        Some(a) => serve(a, sources).await.map(Some),
        None => Ok(None),
    }
}

/// Serves `GET /metrics` on `addr` until the handle is dropped.
pub async fn serve(addr: &str, sources: Sources) -> anyhow::Result<MetricsHandle> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("--metrics {addr}: {e}"))?;
    let bound = listener.local_addr()?;
    let durations = Arc::new(Durations::new());
    let reconnects = Arc::new(AtomicU64::new(0));
    let mut registry = Registry::default();
    registry.register(
        "calltop_call_ring_seconds",
        "How long callers waited before an answer (or until they left), per ended call",
        durations.ring.clone(),
    );
    registry.register(
        "calltop_call_talk_seconds",
        "How long callers were connected to someone who answered, per ended call",
        durations.talk.clone(),
    );
    registry.register(
        "calltop_call_hold_seconds",
        "How long callers were on hold or parked, per ended call",
        durations.hold.clone(),
    );
    registry.register_collector(Box::new(Scrape {
        store: sources.store.clone(),
        conn: sources.conn.clone(),
        reconnects: reconnects.clone(),
        control: sources.control,
        extra: sources.extra.clone(),
        account: sources.account,
    }));
    let mut tasks = Vec::new();
    // Follow the calls that end.
    {
        let store = sources.store.clone();
        let durations = durations.clone();
        tasks.push(tokio::spawn(async move {
            let mut changed = store.subscribe();
            let mut cursor = 0;
            loop {
                cursor = durations.follow(&store.read(), cursor);
                if changed.changed().await.is_err() {
                    break;
                }
            }
        }));
    }
    // Count reconnects.
    if let Some(mut conn) = sources.conn {
        let reconnects = reconnects.clone();
        tasks.push(tokio::spawn(async move {
            let mut was_live = conn.borrow().is_live();
            while conn.changed().await.is_ok() {
                let live = conn.borrow_and_update().is_live();
                if was_live && !live {
                    reconnects.fetch_add(1, Ordering::Relaxed);
                }
                was_live = live;
            }
        }));
    }
    let registry = Arc::new(registry);
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let registry = registry.clone();
            async move {
                let mut body = String::new();
                match prometheus_client::encoding::text::encode(&mut body, &registry) {
                    Ok(()) => (
                        [(
                            axum::http::header::CONTENT_TYPE,
                            "application/openmetrics-text; version=1.0.0; charset=utf-8",
                        )],
                        body,
                    )
                        .into_response(),
                    Err(_) => axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response(),
                }
            }
        }),
    );
    tasks.push(tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("metrics endpoint stopped: {e}");
        }
    }));
    tracing::info!(%bound, "metrics endpoint");
    Ok(MetricsHandle { addr: bound, tasks })
}

use axum::response::IntoResponse;
