//! Publishing recording lines: each with its dedup id (`Nats-Msg-Id`), acked by the
//! stream, up to 256 acks in flight. A line whose ack does not come (broker down,
//! timeout) is published again under the same id after a backoff, so the stream keeps one
//! copy of it however often it is retried, and whichever relay sends it.

use super::names::{Names, Outgoing};
use super::RelayError;
use crate::source::live::Backoff;
use async_nats::jetstream;
use async_nats::HeaderMap;
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
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
    ack_of(send(js, names, relay, out).await?.await)
}

fn ack_of(
    r: Result<jetstream::publish::PublishAck, jetstream::context::PublishError>,
) -> Result<Ack, RelayError> {
    let a = r.map_err(|e| RelayError::nats("publish ack", e))?;
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
) -> Result<jetstream::context::PublishAckFuture, RelayError> {
    let payload = out.line.trim_end().to_string();
    js.publish_with_headers(
        out.subject(names, relay),
        headers(out, relay),
        payload.into(),
    )
    .await
    .map_err(|e| RelayError::nats("publish", e))
}

/// Publisher settings.
#[derive(Clone, Copy, Debug)]
pub struct PublisherConfig {
    /// Acks awaited at once.
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
            backoff: Backoff {
                initial: Duration::from_millis(100),
                max: Duration::from_secs(5),
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
    /// Publishes retried after a failed or missing ack.
    pub retries: u64,
    /// Lines dropped because the queue was full.
    pub dropped: u64,
    /// The stream sequence of the newest ack.
    pub last_seq: u64,
    /// Lines queued or awaiting an ack.
    pub pending: u64,
    /// The last failure, cleared by the next ack.
    pub last_error: Option<String>,
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

/// Lines whose ack failed, sent again together once the backoff has passed.
#[derive(Default)]
struct Retry {
    queue: VecDeque<Outgoing>,
    /// Failures since the last ack: the backoff grows with them.
    failures: u32,
    /// When the queue may be sent again.
    at: Option<tokio::time::Instant>,
}

impl Task {
    async fn run(self, mut rx: mpsc::Receiver<Outgoing>) {
        let mut in_flight = FuturesUnordered::new();
        let mut retry = Retry::default();
        let mut open = true;
        loop {
            let room = in_flight.len() < self.cfg.in_flight;
            let due = retry.at.is_none_or(|t| tokio::time::Instant::now() >= t);
            let next = match retry.queue.pop_front() {
                Some(out) if room && due => Some(out),
                held => {
                    retry.queue.extend(held);
                    let wait = async {
                        match retry.at {
                            Some(t) if !retry.queue.is_empty() => tokio::time::sleep_until(t).await,
                            _ => std::future::pending().await,
                        }
                    };
                    tokio::select! {
                        Some((out, res)) = in_flight.next(), if !in_flight.is_empty() => {
                            self.acked(out, res, &mut retry);
                            None
                        }
                        // New lines wait behind lines being retried (the broker is away).
                        out = rx.recv(), if room && open && retry.queue.is_empty() => {
                            open = out.is_some();
                            out
                        }
                        _ = wait, if room && !retry.queue.is_empty() => None,
                        else => break,
                    }
                }
            };
            if let Some(out) = next {
                // Sent here, in queue order; only the acks are awaited concurrently.
                match send(&self.js, &self.names, &self.relay, &out).await {
                    Ok(fut) => in_flight.push(async move { (out, ack_of(fut.await)) }),
                    Err(e) => self.acked(out, Err(e), &mut retry),
                }
            }
            let queued = (rx.len() + retry.queue.len() + in_flight.len()) as u64;
            self.stats.send_modify(|s| {
                s.pending = queued;
                s.dropped = self.dropped.load(Ordering::Relaxed);
            });
        }
    }

    fn acked(&self, out: Outgoing, res: Result<Ack, RelayError>, retry: &mut Retry) {
        match res {
            Ok(ack) => {
                retry.failures = 0;
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
                // Acks that failed together (a broker away) back off once, not each.
                let now = tokio::time::Instant::now();
                if retry.at.is_none_or(|t| t <= now) {
                    retry.failures = retry.failures.saturating_add(1);
                    retry.at = Some(now + self.cfg.backoff.delay(retry.failures));
                }
                tracing::warn!(error = %e, kind = %out.kind, "publish not acked; retrying");
                self.stats.send_modify(|s| {
                    s.retries += 1;
                    s.last_error = Some(e.to_string());
                });
                retry.queue.push_back(out);
            }
        }
    }
}
