//! Publishing recording lines: each with its dedup id (`Nats-Msg-Id`), acked by the
//! stream, up to 256 acks in flight. A line whose ack does not come (broker down,
//! timeout) is published again under the same id after a backoff, so the stream keeps one
//! copy of it however often it is retried, and whichever relay sends it.
//!
//! Lines go out in the order they were handed over, and a call has at most one line
//! awaiting its ack (lines without a call share one such lane): the next line waits for
//! it. So a line lost with a dropped connection is stored again before the next line of
//! its call is sent, and each call's lines are stored in order. Lines of other calls sent
//! meanwhile may be stored before the lost one.

use super::names::{Names, Outgoing};
use super::RelayError;
use crate::source::Backoff;
use async_nats::jetstream;
use async_nats::jetstream::context::{PublishError, PublishErrorKind};
use async_nats::HeaderMap;
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// The stream's answer to one publish.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ack {
    pub seq: u64,
    /// The id was already in the stream (within the duplicate window): not stored again.
    pub duplicate: bool,
}

/// Builds the headers of a line: `Nats-Msg-Id`, `Calltop-Kind`, `Calltop-Uuid`,
/// `Calltop-Relay`.
pub fn headers(out: &Outgoing, relay: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let Some(id) = &out.msg_id {
        h.insert(async_nats::header::NATS_MESSAGE_ID, id.as_str());
    }
    h.insert("Calltop-Kind", out.kind.as_str());
    if let Some(u) = &out.uuid {
        h.insert("Calltop-Uuid", u.as_str());
    }
    h.insert("Calltop-Relay", relay);
    h
}

/// Publishes one line and waits for its ack.
pub async fn publish_acked(
    js: &jetstream::Context,
    names: &Names,
    relay: &str,
    out: &Outgoing,
) -> Result<Ack, RelayError> {
    let fut = send(js, names, relay, out)
        .await
        .map_err(|e| RelayError::nats("publish", e))?;
    ack_of(fut.await).map_err(|e| RelayError::nats("publish ack", e))
}

fn ack_of(r: Result<jetstream::publish::PublishAck, PublishError>) -> Result<Ack, PublishError> {
    let a = r?;
    Ok(Ack {
        seq: a.sequence,
        duplicate: a.duplicate,
    })
}

async fn send(
    js: &jetstream::Context,
    names: &Names,
    relay: &str,
    out: &Outgoing,
) -> Result<jetstream::context::PublishAckFuture, PublishError> {
    let payload = out.line.trim_end().to_string();
    js.publish_with_headers(
        out.subject(names, relay),
        headers(out, relay),
        payload.into(),
    )
    .await
}

/// Why a publish was not acked, as the retry counters tell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unacked {
    /// "No responders" (async-nats' `StreamNotFound`): in a cluster, the stream is
    /// electing a leader (4–9 s after its leader's node died); alone, no stream yet.
    NoLeader,
    /// No ack in time: in flight when a node died, or no quorum.
    TimedOut,
    /// Anything else (reconnecting, a server error).
    Other,
}

impl Unacked {
    fn of(e: &PublishError) -> Unacked {
        match e.kind() {
            PublishErrorKind::StreamNotFound => Unacked::NoLeader,
            PublishErrorKind::TimedOut => Unacked::TimedOut,
            _ => Unacked::Other,
        }
    }

    /// The metrics label: `no_leader`, `timeout`, `other`.
    pub fn label(self) -> &'static str {
        match self {
            Unacked::NoLeader => "no_leader",
            Unacked::TimedOut => "timeout",
            Unacked::Other => "other",
        }
    }
}

/// Publisher settings.
#[derive(Clone, Copy, Debug)]
pub struct PublisherConfig {
    /// Acks awaited at once (at most one per call).
    pub in_flight: usize,
    /// Lines queued before [`Publisher::try_send`] drops (the relay's own recording
    /// file still has them).
    pub queue: usize,
    /// Between retries of unacked lines.
    pub backoff: Backoff,
}

impl Default for PublisherConfig {
    fn default() -> Self {
        PublisherConfig {
            in_flight: 256,
            queue: 65_536,
            // Short: an election (4–9 s) is a pause to ride out, not an outage; the
            // lines go out at most a second after the stream has a leader again.
            backoff: Backoff {
                initial: Duration::from_millis(100),
                max: Duration::from_secs(1),
                immediate_first: false,
            },
        }
    }
}

/// What the publisher has done so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PublishStats {
    /// Lines the stream stored.
    pub stored: u64,
    /// Lines the stream already had (same id): another relay or a retry sent them first.
    pub duplicates: u64,
    /// Publishes retried after a failed or missing ack, by why.
    pub retries: Retries,
    /// Lines dropped because the queue was full.
    pub dropped: u64,
    /// The stream sequence of the newest ack.
    pub last_seq: u64,
    /// Lines queued or awaiting an ack.
    pub pending: u64,
    /// When the oldest line sent and not yet acked was first sent: during an election
    /// it ages while its retries wait (the relay's `oldest_unacked_seconds`).
    pub oldest_unacked: Option<Instant>,
    /// The last failure, cleared by the next ack.
    pub last_error: Option<String>,
}

/// Retries counted by [`Unacked`] kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Retries {
    pub no_leader: u64,
    pub timed_out: u64,
    pub other: u64,
}

impl Retries {
    pub fn total(&self) -> u64 {
        self.no_leader + self.timed_out + self.other
    }

    /// Each kind with its count.
    pub fn by_kind(&self) -> [(Unacked, u64); 3] {
        [
            (Unacked::NoLeader, self.no_leader),
            (Unacked::TimedOut, self.timed_out),
            (Unacked::Other, self.other),
        ]
    }

    fn count(&mut self, kind: Unacked) {
        match kind {
            Unacked::NoLeader => self.no_leader += 1,
            Unacked::TimedOut => self.timed_out += 1,
            Unacked::Other => self.other += 1,
        }
    }
}

/// A background publisher of recording lines (a relay's `FramePipeline` feeds it).
pub struct Publisher {
    tx: mpsc::Sender<Outgoing>,
    dropped: Arc<AtomicU64>,
    stats: watch::Receiver<PublishStats>,
    join: tokio::task::JoinHandle<()>,
}

impl Publisher {
    /// Starts publishing on the current runtime as relay `relay`.
    pub fn spawn(
        js: jetstream::Context,
        names: Names,
        relay: String,
        cfg: PublisherConfig,
    ) -> Publisher {
        let (tx, rx) = mpsc::channel(cfg.queue.max(1));
        let (stats_tx, stats) = watch::channel(PublishStats::default());
        let dropped = Arc::new(AtomicU64::new(0));
        let task = Task {
            js,
            names,
            relay,
            cfg,
            dropped: dropped.clone(),
            stats: stats_tx,
        };
        let join = tokio::spawn(task.run(rx));
        Publisher {
            tx,
            dropped,
            stats,
            join,
        }
    }

    /// Queues a line without waiting; a full queue drops it (counted). False if dropped.
    pub fn try_send(&self, out: Outgoing) -> bool {
        let ok = self.tx.try_send(out).is_ok();
        if !ok {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
        ok
    }

    /// Queues a line, waiting for room.
    pub async fn send(&self, out: Outgoing) {
        let _ = self.tx.send(out).await;
    }

    /// Watches the counters.
    pub fn stats(&self) -> watch::Receiver<PublishStats> {
        self.stats.clone()
    }

    /// Stops at once, as a killed relay would: queued and unacked lines are not published.
    pub fn abort(&self) {
        self.join.abort();
    }

    /// Stops taking lines, waits until every queued line is acked (at most `within`),
    /// and returns the counters.
    pub async fn close(self, within: Duration) -> PublishStats {
        let Publisher {
            tx, stats, join, ..
        } = self;
        drop(tx);
        let abort = join.abort_handle();
        if tokio::time::timeout(within, join).await.is_err() {
            abort.abort();
        }
        let s = stats.borrow().clone();
        s
    }
}

struct Task {
    js: jetstream::Context,
    names: Names,
    relay: String,
    cfg: PublisherConfig,
    dropped: Arc<AtomicU64>,
    stats: watch::Sender<PublishStats>,
}

/// New lines wait while an ack is this late: a leader may be gone, and a line sent now
/// could be stored before the late one's retry.
const HOLD_BEHIND: Duration = Duration::from_secs(1);

/// A line with its place in the order lines were handed over.
struct Numbered {
    n: u64,
    out: Outgoing,
}

/// The lane of a line: its call session, or `""` for lines without one.
fn lane(out: &Outgoing) -> &str {
    out.session().unwrap_or("")
}

/// One line of a lane is awaited at a time; the next line to send waits for its lane.
#[derive(Default)]
struct Lanes {
    /// Lanes with a line sent and not yet acked (in flight or to be retried).
    busy: HashSet<String>,
    /// The next line, handed over while its lane was busy.
    parked: Option<Numbered>,
}

impl Lanes {
    /// The parked line, once its lane is free.
    fn next(&mut self) -> Option<Numbered> {
        self.parked.take_if(|x| !self.busy.contains(lane(&x.out)))
    }

    /// A line handed over: returned to send now, or parked until its lane is free.
    fn arrive(&mut self, x: Numbered) -> Option<Numbered> {
        if self.busy.contains(lane(&x.out)) {
            self.parked = Some(x);
            None
        } else {
            Some(x)
        }
    }
}

/// Lines whose ack failed, sent again in their first order once the backoff has passed
/// and every ack in flight has come back: the stream keeps the order of the recording.
/// After a failure the oldest goes alone first; the rest follow its ack.
#[derive(Default)]
struct Retry {
    queue: BTreeMap<u64, Outgoing>,
    /// Failures since the last ack: the backoff grows with them.
    failures: u32,
    /// When the queue may be sent again.
    at: Option<tokio::time::Instant>,
    /// A round of retries is going out; `probe`: only its first line.
    round: bool,
    probe: bool,
}

impl Retry {
    /// The next line to send again, if a round may send one now.
    fn next(&mut self, idle: bool, room: bool) -> Option<Numbered> {
        let due = self.at.is_none_or(|t| tokio::time::Instant::now() >= t);
        if !self.round && idle && due && !self.queue.is_empty() {
            self.round = true;
            self.probe = self.failures > 0;
        }
        if !self.round || !room {
            return None;
        }
        let (n, out) = self.queue.pop_first()?;
        if self.probe || self.queue.is_empty() {
            self.round = false;
        }
        Some(Numbered { n, out })
    }
}

impl Task {
    async fn run(self, mut rx: mpsc::Receiver<Outgoing>) {
        let mut in_flight = FuturesUnordered::new();
        let mut retry = Retry::default();
        let mut lanes = Lanes::default();
        // When each line sent and not yet acked was first sent, by its number.
        let mut unacked: BTreeMap<u64, Instant> = BTreeMap::new();
        let mut numbered = 0u64;
        let mut open = true;
        loop {
            let room = in_flight.len() < self.cfg.in_flight;
            let late_at = unacked.first_key_value().map(|(_, at)| *at + HOLD_BEHIND);
            let late = late_at.is_some_and(|t| t <= Instant::now());
            // New lines wait behind lines being retried or late.
            let hold = !retry.queue.is_empty() || late;
            let next = retry
                .next(in_flight.is_empty(), room)
                .or_else(|| (room && !hold).then(|| lanes.next()).flatten());
            let next = match next {
                Some(x) => Some(x),
                None => {
                    let waiting = !retry.queue.is_empty() && in_flight.is_empty();
                    let wait = async {
                        match (retry.at, late_at) {
                            (Some(t), _) if waiting => tokio::time::sleep_until(t).await,
                            // Wake when the oldest ack becomes late: new lines then wait.
                            (_, Some(t)) if !late => tokio::time::sleep_until(t.into()).await,
                            _ => std::future::pending().await,
                        }
                    };
                    tokio::select! {
                        Some((x, res)) = in_flight.next(), if !in_flight.is_empty() => {
                            self.acked(x, res, &mut retry, &mut unacked, &mut lanes);
                            None
                        }
                        out = rx.recv(), if room && open && !hold && lanes.parked.is_none() => {
                            open = out.is_some();
                            out.and_then(|out| {
                                numbered += 1;
                                lanes.arrive(Numbered { n: numbered, out })
                            })
                        }
                        _ = wait, if waiting || (late_at.is_some() && !late) => None,
                        else => break,
                    }
                }
            };
            if let Some(x) = next {
                unacked.entry(x.n).or_insert_with(Instant::now);
                lanes.busy.insert(lane(&x.out).to_string());
                // Sent here, in order; only the acks are awaited concurrently.
                match send(&self.js, &self.names, &self.relay, &x.out).await {
                    Ok(fut) => in_flight.push(async move {
                        let res = ack_of(fut.await);
                        (x, res)
                    }),
                    Err(e) => self.acked(x, Err(e), &mut retry, &mut unacked, &mut lanes),
                }
            }
            let queued = (rx.len()
                + usize::from(lanes.parked.is_some())
                + retry.queue.len()
                + in_flight.len()) as u64;
            let oldest = unacked.first_key_value().map(|(_, at)| *at);
            self.stats.send_modify(|s| {
                s.pending = queued;
                s.oldest_unacked = oldest;
                s.dropped = self.dropped.load(Ordering::Relaxed);
            });
        }
    }

    fn acked(
        &self,
        x: Numbered,
        res: Result<Ack, PublishError>,
        retry: &mut Retry,
        unacked: &mut BTreeMap<u64, Instant>,
        lanes: &mut Lanes,
    ) {
        match res {
            Ok(ack) => {
                unacked.remove(&x.n);
                lanes.busy.remove(lane(&x.out));
                retry.failures = 0;
                retry.at = None;
                self.stats.send_modify(|s| {
                    if ack.duplicate {
                        s.duplicates += 1;
                    } else {
                        s.stored += 1;
                    }
                    s.last_seq = s.last_seq.max(ack.seq);
                    s.last_error = None;
                });
            }
            Err(e) => {
                let kind = Unacked::of(&e);
                // Acks that failed together (a broker away) back off once, not each.
                let now = tokio::time::Instant::now();
                if retry.at.is_none_or(|t| t <= now) {
                    retry.failures = retry.failures.saturating_add(1);
                    retry.at = Some(now + self.cfg.backoff.delay(retry.failures));
                }
                tracing::warn!(error = %e, kind = %x.out.kind, why = kind.label(), "publish not acked; retrying");
                retry.round = false;
                self.stats.send_modify(|s| {
                    s.retries.count(kind);
                    s.last_error = Some(e.to_string());
                });
                retry.queue.insert(x.n, x.out);
            }
        }
    }
}
