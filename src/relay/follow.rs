//! Reading an account's stream as recording lines, through an ordered pull consumer
//! (recreated after gaps and reconnects, and by a watchdog when its node dies): from a
//! sequence or a time, following live (`live --from`) or bounded to the stream's end at
//! open time (`replay`/`report`).

use super::conn::Start;
use super::names::{Kind, Names};
use super::setup::open_stream;
use super::RelayError;
use crate::wire::Ts;
use async_nats::jetstream::{self, consumer, stream};
use futures_util::StreamExt;
use std::time::Duration;

/// Which subjects of the stream to read (one filter subject: the 2.9 API).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Subjects {
    /// Frames and reconcile lines: what a recording file holds.
    #[default]
    Frames,
    /// Control audit records.
    Audit,
    /// Everything: frames, audit records, gateway frames.
    All,
}

/// What to read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadOptions {
    pub start: Start,
    /// Keep following new messages; otherwise stop at the last one stored at open time.
    pub follow: bool,
    pub subjects: Subjects,
}

/// One message of the stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamLine {
    /// Its stream sequence.
    pub seq: u64,
    pub kind: Kind,
    /// When the stream stored it.
    pub stored: Ts,
    /// The relay that published it (header `Calltop-Relay`).
    pub relay: Option<String>,
    /// The recording line, without its newline.
    pub line: String,
}

/// Silence after which a reader checks its consumer is alive.
const IDLE: Duration = Duration::from_secs(3);
/// How long the stream info of that check, or creating a consumer, may take.
const CHECK_TIMEOUT: Duration = Duration::from_millis(1500);
/// A bounded read that makes no progress this long fails (a following one goes on).
const GIVE_UP: Duration = Duration::from_secs(120);

/// A reader of an account's stream. Its ordered consumer lives on one node (async-nats
/// makes it R1): when that node dies nothing moves it, and the client notices after 80 s
/// or never. So the reader owns its liveness: after [`IDLE`] without a message it asks
/// the stream's state, and when the stream is ahead of what it read, or does not answer,
/// it recreates the consumer from the sequence after the last one it returned. Lines
/// are never repeated nor skipped.
pub struct StreamReader {
    names: Names,
    stream: stream::Stream,
    filter_subject: String,
    /// Where the first consumer started; later ones start after `last`.
    start: consumer::DeliverPolicy,
    messages: Option<consumer::pull::Ordered>,
    /// The sequence of the last line returned.
    last: Option<u64>,
    /// The stream's last sequence when the watchdog last recreated the consumer for it.
    checked: u64,
    /// The last sequence to read (bounded reads).
    end: Option<u64>,
    follow: bool,
    pending_at_open: u64,
    /// Consumers recreated by the watchdog.
    recreated: u64,
}

impl StreamReader {
    /// Opens a reader; [`RelayError::NoStream`] when no relay ever ran for the account.
    pub async fn open(
        js: &jetstream::Context,
        names: &Names,
        opts: ReadOptions,
    ) -> Result<StreamReader, RelayError> {
        let stream = open_stream(js, names).await?;
        let last = stream.cached_info().state.last_sequence;
        let filter_subject = match opts.subjects {
            Subjects::Frames => names.frames(),
            Subjects::Audit => names.audit(),
            Subjects::All => names.all(),
        };
        let start = match opts.start {
            Start::First => consumer::DeliverPolicy::All,
            Start::Seq(s) => consumer::DeliverPolicy::ByStartSequence { start_sequence: s },
            Start::Since(t) => consumer::DeliverPolicy::ByStartTime {
                start_time: t.to_datetime(),
            },
        };
        let mut r = StreamReader {
            names: names.clone(),
            stream,
            filter_subject,
            start,
            messages: None,
            last: None,
            checked: 0,
            end: (!opts.follow).then_some(last),
            follow: opts.follow,
            pending_at_open: 0,
            recreated: 0,
        };
        let c = r.consumer().await?;
        r.pending_at_open = c.cached_info().num_pending;
        if opts.follow || r.pending_at_open > 0 {
            r.messages = Some(
                c.messages()
                    .await
                    .map_err(|e| RelayError::nats("consume", e))?,
            );
        }
        Ok(r)
    }

    /// A new ordered consumer from where this reader is.
    fn consumer(
        &self,
    ) -> impl std::future::Future<
        Output = Result<consumer::Consumer<consumer::pull::OrderedConfig>, RelayError>,
    > + Send
           + 'static {
        let deliver_policy = match self.last {
            Some(seq) => consumer::DeliverPolicy::ByStartSequence {
                start_sequence: seq + 1,
            },
            None => self.start,
        };
        let config = consumer::pull::OrderedConfig {
            filter_subject: self.filter_subject.clone(),
            deliver_policy,
            ..Default::default()
        };
        let stream = self.stream.clone();
        async move {
            stream
                .create_consumer(config)
                .await
                .map_err(|e| RelayError::nats("create consumer", e))
        }
    }

    /// Messages from the start to the stream's end when opened (progress of a catch-up).
    pub fn pending_at_open(&self) -> u64 {
        self.pending_at_open
    }

    /// Consumers recreated so far because the old one fell silent.
    pub fn recreated(&self) -> u64 {
        self.recreated
    }

    /// Whether a silent consumer may have died. A bounded read knows more is pending;
    /// a following one asks whether the stream has more than it read (messages of
    /// other subjects count too: a consumer recreated for them that stays silent is not
    /// recreated again for them), or gets no answer.
    async fn stalled(&mut self) -> bool {
        if !self.follow {
            return true;
        }
        match tokio::time::timeout(CHECK_TIMEOUT, self.stream.info()).await {
            Ok(Ok(info)) => {
                let last = info.state.last_sequence;
                let ahead = last > self.last.unwrap_or(0) && last > self.checked;
                if ahead {
                    self.checked = last;
                }
                ahead
            }
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "stream info");
                true
            }
            Err(_) => true,
        }
    }

    /// Replaces a consumer that fell silent with one from the next sequence.
    async fn recreate(&mut self) -> Result<(), RelayError> {
        // Bounded like the check: a create sent during an election may never be
        // answered, and the next one succeeds as soon as the stream has a leader.
        let c = tokio::time::timeout(CHECK_TIMEOUT, self.consumer())
            .await
            .map_err(|_| RelayError::Config("creating a consumer timed out".into()))??;
        let m = c
            .messages()
            .await
            .map_err(|e| RelayError::nats("consume", e))?;
        self.messages = Some(m);
        self.recreated += 1;
        tracing::info!(
            after = self.last.unwrap_or(0),
            "stream reader: consumer recreated"
        );
        Ok(())
    }

    /// The next message, recreating the consumer as long as it stays silent while the
    /// stream has more (a bounded read gives up after [`GIVE_UP`] without progress).
    async fn next_message(&mut self) -> Option<Result<jetstream::Message, RelayError>> {
        let since = tokio::time::Instant::now();
        let mut suspect = false;
        loop {
            if suspect {
                if let Err(e) = self.recreate().await {
                    tracing::warn!(error = %e, "stream reader: consumer not recreated; retrying");
                    if !self.follow && since.elapsed() >= GIVE_UP {
                        self.messages = None;
                        return Some(Err(e));
                    }
                    tokio::time::sleep(Duration::from_millis(250)).await;
                    continue;
                }
            }
            let messages = self.messages.as_mut()?;
            match tokio::time::timeout(IDLE, messages.next()).await {
                Ok(Some(Ok(m))) => return Some(Ok(m)),
                Ok(Some(Err(e))) => {
                    tracing::warn!(error = %e, "reading the stream");
                    suspect = self.stalled().await;
                }
                Ok(None) => suspect = true,
                Err(_) => suspect = self.stalled().await,
            }
            if !self.follow && since.elapsed() >= GIVE_UP {
                self.messages = None;
                return Some(Err(RelayError::Config(format!(
                    "no message from stream {} in {} s",
                    self.names.stream(),
                    GIVE_UP.as_secs()
                ))));
            }
        }
    }

    /// The next line; `None` at the end of a bounded read. A reader rides out a node's
    /// death (see [`StreamReader`]); an error ends a bounded read that cannot go on.
    pub async fn next(&mut self) -> Option<Result<StreamLine, RelayError>> {
        let m = match self.next_message().await? {
            Ok(m) => m,
            Err(e) => return Some(Err(e)),
        };
        let (seq, stored, pending) = match m.info() {
            Ok(i) => (
                i.stream_sequence,
                Ts(i.published.timestamp_millis()),
                i.pending,
            ),
            Err(e) => return Some(Err(RelayError::nats("message info", e))),
        };
        if self.end.is_some_and(|end| seq > end) {
            self.messages = None;
            return None;
        }
        self.last = Some(seq);
        if !self.follow && (pending == 0 || self.end == Some(seq)) {
            self.messages = None;
        }
        let header = |name: &str| m.headers.as_ref().and_then(|h| h.get(name));
        Some(Ok(StreamLine {
            seq,
            kind: header("Calltop-Kind")
                .and_then(|k| Kind::from_name(k.as_str()))
                .or_else(|| self.names.kind_of(&m.subject))
                .unwrap_or(Kind::Raw),
            stored,
            relay: header("Calltop-Relay").map(|r| r.to_string()),
            line: String::from_utf8_lossy(&m.payload).into_owned(),
        }))
    }

    /// Reads a bounded range to its end as recording-file text (one line each), for
    /// `report`/`replay nats://…`.
    pub async fn read_to_string(mut self) -> Result<String, RelayError> {
        let mut text = String::new();
        while let Some(l) = self.next().await {
            text.push_str(&l?.line);
            text.push('\n');
        }
        Ok(text)
    }
}
