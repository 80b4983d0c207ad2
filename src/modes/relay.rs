//! `calltop relay`: the live source (the account's one subscription, its recovery and
//! reconcile) hands every recording line to the publisher, beside the `--record` file;
//! once the broker answers, the relay creates or checks the stream, folds the stream
//! into its own store (keyframes, the state checks of control requests, metrics) and
//! serves control requests with the platform client under the Light budget.

use crate::cli::RelayArgs;
use crate::core::center::{Period, Since};
use crate::core::zone::Zone;
use crate::core::{SessionStore, SharedStore};
use crate::metrics::{ControlTally, Counted, Figure};
use crate::platform::ControlClient as RestControl;
use crate::relay::heartbeat;
use crate::relay::inherited::Inherited;
use crate::relay::{
    self, act, names::check_token, Applier, ControlServer, FoldConfig, Names, NatsConn,
    PublishSink, Publisher, PublisherConfig, ServeStats, Start, StreamSettings,
};
use crate::source::{live, ConnState, Loading};
use crate::source::{Backoff, LineFormat};
use crate::wire::Ts;
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::watch;

/// How often the relay writes a keyframe while the store changes.
const KEYFRAME_EVERY: Duration = Duration::from_secs(30);

/// Runs the relay until Ctrl-C / SIGTERM.
pub async fn run(args: RelayArgs) -> anyhow::Result<()> {
    let _log = crate::logging::init("relay");
    let url = super::nats::url(&args.nats)?;
    if url.start != Start::First {
        anyhow::bail!("--nats {}: a relay takes no since= or seq=", args.nats);
    }
    let names = url.names();
    let relay_id = args.relay_id.clone().unwrap_or_else(default_id);
    check_token("relay id", &relay_id)?;
    let shared_key = std::env::var("CALLTOP_REDACT_KEY").is_ok_and(|k| !k.is_empty());
    if args.connect.redact && !shared_key {
        anyhow::bail!(
            "--redact on a relay needs CALLTOP_REDACT_KEY: every relay of an account must mask alike"
        );
    }
    let mut cfg = super::live::source_config(&args.connect)?;
    cfg.recording.path = args.record.clone();
    let mut opts = super::nats::options(&args.nats_args, format!("calltop relay {relay_id}"))?;
    // Start at once: the live source records to the file and queues lines meanwhile.
    opts.wait_for_server = true;
    let conn = relay::connect_url(&url, &opts).await?;
    let settings = StreamSettings {
        max_age: args.retain,
        max_bytes: args.retain_bytes as i64,
        replicas: args.replicas.into(),
        ..StreamSettings::default()
    };
    let publisher = Arc::new(Publisher::spawn(
        conn.js.clone(),
        names.clone(),
        relay_id.clone(),
        PublisherConfig::default(),
    ));
    let socket_store = SharedStore::new(SessionStore::new(cfg.store));
    let stream_store = super::live_store(
        cfg.store,
        Period {
            since: Since::Start,
            zone: Zone::default(),
        },
    );
    let printed = stream_store.clone();
    let sink = Arc::new(PublishSink(publisher.clone()));
    let mut handle = live::spawn_with_sink(cfg, socket_store.clone(), Some(sink.clone()));
    let mut events = handle.subscribe_events();
    std::mem::swap(&mut events, &mut handle.events);
    let tally = ControlTally::default();
    let served: Arc<OnceLock<Arc<ServeStats>>> = Arc::default();
    let broker = tokio::spawn(broker_side(Broker {
        conn: conn.clone(),
        names: names.clone(),
        relay_id: relay_id.clone(),
        settings,
        store: stream_store.clone(),
        control: Counted::new(handle.control.clone(), tally.clone()),
        served: served.clone(),
        ringcentral: handle.conn.clone(),
        acked: acked_seq(&publisher),
        socket: (socket_store, handle.loading.clone()),
        rest: handle.control.clone(),
        sink,
    }));
    let _metrics = crate::metrics::serve_at(
        args.metrics.as_deref(),
        crate::metrics::Sources {
            store: stream_store,
            conn: Some(handle.conn.clone()),
            control: tally,
            extra: Some(figures(&conn, &publisher, served)),
            account: handle.account.clone(),
        },
    )
    .await?;
    println!(
        "{} relay {relay_id}: account {} → stream {} on {}",
        Ts::now().to_rfc3339(),
        names.account(),
        names.stream(),
        url.servers.join(",")
    );
    let result =
        super::headless::print_until_signal(events, LineFormat::Text, false, &printed).await;
    handle.shutdown().await;
    broker.abort();
    // The broker's side holds the publisher too: once it is gone, the publisher is ours
    // to close, and the lines still waiting for the stream are sent before the relay
    // exits (an abort only asks; the task lets go of what it holds when it stops).
    let _ = broker.await;
    match Arc::try_unwrap(publisher) {
        Ok(p) => {
            let s = p.close(Duration::from_secs(5)).await;
            tracing::info!(?s, "publisher closed");
        }
        Err(_) => tracing::warn!("publisher still shared at exit: lines not yet sent are lost"),
    }
    result
}

/// `host-pid`, in the characters a relay id may use.
fn default_id() -> String {
    let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    let host: String = host
        .trim()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(40)
        .collect();
    let host = if host.is_empty() {
        "relay".into()
    } else {
        host
    };
    format!("{host}-{}", std::process::id())
}

struct Broker {
    conn: NatsConn,
    names: Names,
    relay_id: String,
    settings: StreamSettings,
    store: SharedStore,
    control: Counted<RestControl>,
    served: Arc<OnceLock<Arc<ServeStats>>>,
    /// The live source's RingCentral connection, told to the boards.
    ringcentral: watch::Receiver<ConnState>,
    /// The stream sequence of the newest acknowledged line.
    acked: watch::Receiver<u64>,
    /// The live source's store, and its loading of the calls in progress.
    socket: (SharedStore, watch::Receiver<Loading>),
    /// Its REST client and the publisher's sink (for the calls the stream inherited).
    rest: RestControl,
    sink: Arc<PublishSink>,
}

/// The publisher's newest acknowledged sequence, as it changes.
fn acked_seq(publisher: &Publisher) -> watch::Receiver<u64> {
    let mut stats = publisher.stats();
    let (tx, rx) = watch::channel(stats.borrow().last_seq);
    tokio::spawn(async move {
        while stats.changed().await.is_ok() {
            let seq = stats.borrow_and_update().last_seq;
            tx.send_if_modified(|s| std::mem::replace(s, seq) != seq);
            if tx.is_closed() {
                return;
            }
        }
    });
    rx
}

/// Creates or checks the stream (retrying with backoff until the broker answers),
/// then puts the relay's heartbeat, folds the stream and serves control requests,
/// until aborted.
async fn broker_side(b: Broker) {
    let backoff = Backoff {
        initial: Duration::from_millis(250),
        max: Duration::from_secs(10),
        immediate_first: true,
    };
    let mut attempt = 0;
    let buckets = loop {
        let e = match relay::ensure(&b.conn.js, &b.names, &b.settings).await {
            Ok(buckets) => break buckets,
            Err(e) => e,
        };
        attempt += 1;
        let wait = backoff.delay(attempt);
        tracing::warn!(error = %e, wait_ms = wait.as_millis() as u64, "stream not ready");
        if attempt == 1 {
            println!(
                "{} nats: {e}; retrying (the recording file, if any, keeps every frame)",
                Ts::now().to_rfc3339()
            );
        }
        tokio::time::sleep(wait).await;
    };
    println!(
        "{} nats: stream {} ready",
        Ts::now().to_rfc3339(),
        b.names.stream()
    );
    let _beat = Aborting(tokio::spawn(heartbeat::beat(
        buckets.kv,
        b.relay_id.clone(),
        b.ringcentral.clone(),
        b.acked,
    )));
    let (events, _) = tokio::sync::broadcast::channel(16);
    let fold = FoldConfig {
        from_keyframe: true,
        write_keyframes: Some((b.relay_id.clone(), KEYFRAME_EVERY)),
        claim: None,
        relays: false,
    };
    let _folding = loop {
        match relay::fold(
            &b.conn,
            &b.names,
            b.store.clone(),
            events.clone(),
            fold.clone(),
        )
        .await
        {
            Ok(f) => break f,
            Err(e) => {
                tracing::warn!(error = %e, "cannot fold the stream; retrying");
                tokio::time::sleep(backoff.max).await;
            }
        }
    };
    let _settle = Aborting(tokio::spawn({
        let inherited = Inherited {
            stream: b.store.clone(),
            folded: _folding.loading.clone(),
            socket: b.socket.0,
            seeding: b.socket.1,
            ringcentral: b.ringcentral,
            rest: b.rest,
            sink: b.sink,
        };
        async move {
            let gone = relay::inherited::settle(inherited).await;
            if gone > 0 {
                println!(
                    "{} {gone} calls the stream held as in progress were gone from RingCentral: closed",
                    Ts::now().to_rfc3339()
                );
            }
        }
    }));
    let applier = Applier::new(b.store.clone(), b.control, act::LIGHT_PER_MINUTE);
    let _server = match ControlServer::start(&b.conn, &b.names, &b.relay_id, applier).await {
        Ok(s) => {
            let _ = b.served.set(s.stats());
            s
        }
        Err(e) => {
            tracing::error!(error = %e, "control requests not served");
            println!(
                "{} nats: control requests not served: {e}",
                Ts::now().to_rfc3339()
            );
            return std::future::pending().await;
        }
    };
    std::future::pending::<()>().await
}

/// A task aborted when dropped (with `broker_side`, which is aborted).
struct Aborting(tokio::task::JoinHandle<()>);

impl Drop for Aborting {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The relay's figures for `/metrics`: publish acks, duplicates, retries, drops and
/// backlog, the broker connection, and control requests served.
fn figures(
    conn: &NatsConn,
    publisher: &Publisher,
    served: Arc<OnceLock<Arc<ServeStats>>>,
) -> crate::metrics::Extra {
    let stats = publisher.stats();
    let up = conn.connected();
    Arc::new(move || {
        let s = stats.borrow().clone();
        let f = |name, help, counter, label: Option<(&'static str, &str)>, value| Figure {
            name,
            help,
            counter,
            labels: label.map(|(k, v)| (k, v.to_string())).into_iter().collect(),
            value,
        };
        let published = "calltop_relay_published";
        let help = "Lines the stream acknowledged: stored, or already there (another relay or a retry sent them)";
        let mut out = vec![
            f(published, help, true, Some(("result", "stored")), s.stored),
            f(
                published,
                help,
                true,
                Some(("result", "duplicate")),
                s.duplicates,
            ),
            f(
                "calltop_relay_publish_dropped",
                "Lines dropped because the publish queue was full",
                true,
                None,
                s.dropped,
            ),
            f(
                "calltop_relay_publish_backlog",
                "Lines queued or awaiting an ack",
                false,
                None,
                s.pending,
            ),
            f(
                "calltop_relay_stream_sequence",
                "Stream sequence of the newest ack",
                false,
                None,
                s.last_seq,
            ),
            f(
                "calltop_relay_broker_connected",
                "1 while connected to the broker",
                false,
                None,
                u64::from(*up.borrow()),
            ),
        ];
        for (why, n) in s.retries.by_kind() {
            out.push(f(
                "calltop_relay_publish_retries",
                "Publishes sent again after a failed or missing ack, by why: no_leader (no responders: a cluster electing the stream's leader, or no stream yet), timeout, other",
                true,
                Some(("why", why.label())),
                n,
            ));
        }
        out.push(f(
            "calltop_relay_oldest_unacked_seconds",
            "Age of the oldest line sent and not yet acknowledged (0: none); a leader election shows as a few seconds",
            false,
            None,
            s.oldest_unacked.map_or(0, |t| t.elapsed().as_secs()),
        ));
        if let Some(c) = served.get() {
            let name = "calltop_relay_control_requests";
            let help = "Control requests served, by what came of them";
            for (result, n) in [
                ("applied", &c.applied),
                ("replayed", &c.replayed),
                ("refused", &c.refused),
                ("in_progress", &c.in_progress),
            ] {
                out.push(f(
                    name,
                    help,
                    true,
                    Some(("result", result)),
                    n.load(Ordering::Relaxed),
                ));
            }
        }
        out
    })
}
