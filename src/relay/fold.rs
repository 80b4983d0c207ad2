//! Folding an account's stream into a store, as a board (`live --from`) and the relay
//! itself do: the newest keyframe of the version this calltop reads, then the stream
//! from the message after it (any keyframe problem: from the first message, saying
//! so); frames and reconcile lines through the store's reducer, audit records into the
//! call's timeline naming who acted. The relay also writes keyframes as it folds: the
//! keyframe at sequence S is the fold of the stream up to S.

use super::audit::{AuditPhase, AuditRecord};
use super::conn::{NatsConn, Start};
use super::follow::{ReadOptions, StreamLine, StreamReader, Subjects};
use super::heartbeat;
use super::keyframe::{codec, KeyframeWrite, Keyframes};
use super::names::{Kind, Names};
use super::setup::open_kv;
use super::RelayError;
use crate::core::control::{ControlRequest, Outcome};
use crate::core::{SessionStore, SharedStore};
use crate::source::{apply_parsed, note_malformed, ConnState, LiveEvent, Loading, StatusRx};
use crate::wire::{self, Ts};
use serde_json::Value;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{broadcast, watch};

/// Applies one message of the stream to the store (gateway frames are skipped).
pub fn apply_line(store: &SharedStore, events: &broadcast::Sender<LiveEvent>, line: &StreamLine) {
    match line.kind {
        Kind::Gw => {}
        Kind::Audit => match AuditRecord::from_line(&line.line) {
            Some(r) => apply_audit(store, events, &r),
            None => tracing::warn!(seq = line.seq, "unreadable audit record"),
        },
        // Nobody prints event lines (a board): borrowed views, copying only what the
        // store keeps.
        _ if events.receiver_count() == 0 => match wire::parse_view(&line.line) {
            Ok(v) => {
                store.write(|s| s.ingest_view(v, line.stored));
            }
            Err(e) => note_malformed(store, events, &e, line.line.len(), line.stored),
        },
        _ => match wire::parse(&line.line) {
            Ok(p) => {
                apply_parsed(store, events, p, line.stored);
            }
            Err(e) => note_malformed(store, events, &e, line.line.len(), line.stored),
        },
    }
}

/// The timeline line of an audit record: what was done, its result, and who did it.
/// `None` for a record that names no call (an agent setting): no timeline takes it.
pub fn audit_text(r: &AuditRecord) -> Option<(String, String)> {
    let a = &r.audit;
    let request: ControlRequest = serde_json::from_value(Value::Object(a.target.clone())).ok()?;
    // An agent's setting belongs to no call's timeline.
    let session = request.session()?.to_string();
    let verb = request.action.verb();
    let line = match a.phase {
        AuditPhase::Sent => request.audit_sent(),
        AuditPhase::Result => {
            let outcome = a
                .outcome
                .clone()
                .and_then(|o| serde_json::from_value::<Outcome>(o).ok())
                .unwrap_or(Outcome::Failed {
                    message: "no result recorded".into(),
                });
            outcome.audit_result(&verb)
        }
        AuditPhase::Refused => {
            let why = a.outcome.as_ref().and_then(Value::as_str).unwrap_or("");
            format!("✕ {verb} refused by the relay: {why}")
        }
    };
    Some((session, format!("{line} — {}", a.by)))
}

fn apply_audit(store: &SharedStore, events: &broadcast::Sender<LiveEvent>, r: &AuditRecord) {
    let Some((session, text)) = audit_text(r) else {
        return;
    };
    store.write(|s| s.audit(&session, r.received_at, text.clone()));
    let _ = events.send(LiveEvent::Audit {
        at: r.received_at,
        session,
        text,
    });
}

/// What [`fold`] does besides following the stream.
#[derive(Clone, Debug, Default)]
pub struct FoldConfig {
    /// Start from the newest keyframe (else from the first message).
    pub from_keyframe: bool,
    /// Write a keyframe as relay `.0` every `.1` while the store changes.
    pub write_keyframes: Option<(String, Duration)>,
    /// One of several accounts folded into the same store.
    pub claim: Option<Claim>,
    /// Live only while a relay of the account reports live (a board; see
    /// [`heartbeat`](super::heartbeat)); else as the broker connection (the relay).
    pub relays: bool,
}

/// One of several accounts' streams folded into one store (a board over several
/// accounts): the agents and queues its lines add are named its own. Every fold into
/// the store applies its lines under the same lock, one at a time, so what a line added
/// is known to be its account's.
#[derive(Clone, Debug)]
pub struct Claim {
    pub account: String,
    pub lock: Arc<Mutex<()>>,
}

impl Claim {
    /// [`apply_line`], then claims what it added.
    fn apply(&self, store: &SharedStore, events: &broadcast::Sender<LiveEvent>, l: &StreamLine) {
        let _one_at_a_time = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        let before = store.read().center().roster_mark();
        apply_line(store, events, l);
        store.write(|s| s.center_mut().claim_since(before, &self.account));
    }
}

/// A running fold. Dropping it stops it.
pub struct Folding {
    /// The account's connection, as the board's status line shows it: the broker's,
    /// and with [`FoldConfig::relays`] its relays' RingCentral connection.
    pub conn: watch::Receiver<ConnState>,
    /// Catching up with the stream.
    pub loading: watch::Receiver<Loading>,
    /// The last stream sequence applied.
    pub seq: watch::Receiver<u64>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Folding {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl crate::source::Running for Folding {
    fn status(&self) -> StatusRx {
        StatusRx::Live {
            conn: self.conn.clone(),
            loading: self.loading.clone(),
        }
    }
}

/// A relay's stream followed as a live source (`live --from nats://…`): [`fold`] as a
/// [`crate::source::Source`].
pub struct Follow {
    pub conn: NatsConn,
    pub names: Names,
    /// Where each applied line is reported.
    pub events: broadcast::Sender<LiveEvent>,
    pub fold: FoldConfig,
}

impl crate::source::Source for Follow {
    type Running = Folding;

    async fn start(self, store: SharedStore) -> anyhow::Result<Folding> {
        Ok(fold(&self.conn, &self.names, store, self.events, self.fold).await?)
    }
}

/// Loads the newest keyframe this calltop can read: its sequence and store.
pub async fn load_keyframe(conn: &NatsConn, names: &Names) -> Result<(u64, SessionStore), String> {
    let version = codec::VERSION.ok_or("no keyframe codec in this build")?;
    let keyframes = Keyframes::open(&conn.js, names)
        .await
        .map_err(|e| e.to_string())?;
    let k = keyframes.get(version).await.map_err(|e| e.to_string())?;
    Ok((k.seq, codec::decode(&k.bytes)?))
}

/// Loads the newest keyframe into `store`: the stream is read on from the sequence after
/// it; without one (or with one this build cannot read, said on `events`), from its first
/// message.
async fn from_keyframe(
    conn: &NatsConn,
    names: &Names,
    store: &SharedStore,
    events: &broadcast::Sender<LiveEvent>,
) -> Start {
    match load_keyframe(conn, names).await {
        Ok((seq, s)) => {
            tracing::info!(seq, "keyframe loaded");
            store.replace(s);
            return Start::Seq(seq + 1);
        }
        Err(why) if codec::VERSION.is_none() => tracing::info!(%why, "no keyframe"),
        Err(why) => {
            let message =
                format!("keyframe not used ({why}): folding the stream from its first message");
            tracing::warn!(%message);
            let _ = events.send(LiveEvent::Warning {
                at: Ts::now(),
                message,
            });
        }
    }
    Start::First
}

/// Folds the stream of `names` into `store` (from a keyframe when asked), reporting
/// each applied line on `events`. [`RelayError::NoStream`] when no relay ever ran for
/// the account.
pub async fn fold(
    conn: &NatsConn,
    names: &Names,
    store: SharedStore,
    events: broadcast::Sender<LiveEvent>,
    cfg: FoldConfig,
) -> Result<Folding, RelayError> {
    let start = if cfg.from_keyframe {
        from_keyframe(conn, names, &store, &events).await
    } else {
        Start::First
    };
    let opts = ReadOptions {
        start,
        follow: true,
        subjects: Subjects::All,
    };
    let mut reader = StreamReader::open(&conn.js, names, opts).await?;
    let total = reader.pending_at_open() as usize;
    let first = match start {
        Start::Seq(s) => s - 1,
        _ => 0,
    };
    let (loading_tx, loading) = watch::channel(Loading {
        done: 0,
        total,
        catching_up: true,
        ..Loading::default()
    });
    let (seq_tx, seq) = watch::channel(first);
    let (conn_rx, mut tasks) = watch_status(conn, names, cfg.relays, &events).await?;
    let keyframes = match cfg.write_keyframes {
        Some((relay, every)) if codec::VERSION.is_some() => Some((
            Keyframes::open(&conn.js, names).await?,
            relay,
            tokio::time::interval_at(tokio::time::Instant::now() + every, every),
        )),
        _ => None,
    };
    let claim = cfg.claim;
    let folder = tokio::spawn(async move {
        let mut done = 0usize;
        let step = (total / 100).max(1);
        let mut keyframes = keyframes;
        let mut written = store.version();
        loop {
            let tick = async {
                match keyframes.as_mut() {
                    Some((_, _, t)) => t.tick().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                next = reader.next() => match next {
                    None => break,
                    Some(Err(e)) => tracing::warn!(error = %e, "reading the stream"),
                    Some(Ok(line)) => {
                        match &claim {
                            Some(c) => c.apply(&store, &events, &line),
                            None => apply_line(&store, &events, &line),
                        }
                        seq_tx.send_replace(line.seq);
                        if done < total {
                            done += 1;
                            if done.is_multiple_of(step) || done == total {
                                loading_tx.send_modify(|l| l.done = done);
                            }
                        }
                    }
                },
                _ = tick => {
                    // This task is the only writer: the store holds exactly the stream up
                    // to the sequence read here.
                    if store.version() != written {
                        written = store.version();
                        let at = *seq_tx.borrow();
                        let bytes = codec::encode(&store.read());
                        if let (Some(bytes), Some((kf, relay, _))) = (bytes, &keyframes) {
                            let (kf, relay) = (kf.clone(), relay.clone());
                            tokio::spawn(write_keyframe(kf, relay, at, bytes));
                        }
                    }
                }
            }
        }
    });
    tasks.push(folder);
    Ok(Folding {
        conn: conn_rx,
        loading,
        seq,
        tasks,
    })
}

/// The fold's connection as the board shows it, announced on `events` as it changes:
/// the broker's, and with `relays` the relays' own reports too (live only while some
/// relay reports RingCentral live); with the tasks that keep it.
async fn watch_status(
    conn: &NatsConn,
    names: &Names,
    relays: bool,
    events: &broadcast::Sender<LiveEvent>,
) -> Result<(watch::Receiver<ConnState>, Vec<tokio::task::JoinHandle<()>>), RelayError> {
    let (broker_tx, broker) = watch::channel(ConnState::Live);
    let mut tasks = vec![tokio::spawn(watch_connection(conn.connected(), broker_tx))];
    let conn_rx = if relays {
        let kv = open_kv(&conn.js, &names.kv()).await?;
        let (tx, rx) = watch::channel(ConnState::Connecting);
        tasks.push(tokio::spawn(heartbeat::follow(kv, broker, tx)));
        rx
    } else {
        broker
    };
    tasks.push(tokio::spawn(announce(conn_rx.clone(), events.clone())));
    Ok((conn_rx, tasks))
}

async fn write_keyframe(kf: Keyframes, relay: String, seq: u64, bytes: Vec<u8>) {
    let Some(version) = codec::VERSION else {
        return;
    };
    match kf.put(&relay, version, seq, &bytes).await {
        Ok(KeyframeWrite::Written(p)) => {
            tracing::info!(seq, bytes = bytes.len(), object = %p.object, "keyframe written")
        }
        Ok(other) => tracing::debug!(?other, "keyframe not written"),
        Err(e) => tracing::warn!(error = %e, "keyframe not written"),
    }
}

/// The broker connection as a [`ConnState`].
async fn watch_connection(mut up: watch::Receiver<bool>, tx: watch::Sender<ConnState>) {
    let mut drops = 0;
    while up.changed().await.is_ok() {
        let state = if *up.borrow_and_update() {
            ConnState::Live
        } else {
            drops += 1;
            ConnState::Offline {
                retry_at: Ts::now(),
                attempt: drops,
                reason: "the broker connection dropped; reconnecting".into(),
            }
        };
        tx.send_if_modified(|s| {
            let changed = *s != state;
            *s = state;
            changed
        });
    }
}

/// Reports the connection on `events`: as it stands, then each change.
async fn announce(mut conn: watch::Receiver<ConnState>, events: broadcast::Sender<LiveEvent>) {
    loop {
        let state = conn.borrow_and_update().clone();
        let _ = events.send(LiveEvent::Conn {
            at: Ts::now(),
            state,
        });
        if conn.changed().await.is_err() {
            return;
        }
    }
}
