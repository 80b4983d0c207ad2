//! Reading an account's stream as recording lines, through an ordered pull consumer
//! (recreated after gaps and reconnects): from a sequence or a time, following live
//! (`live --from`) or bounded to the stream's end at open time (`replay`/`report`).

use super::conn::Start;
use super::names::{Kind, Names};
use super::setup::open_stream;
use super::RelayError;
use crate::wire::Ts;
use async_nats::jetstream::{self, consumer};
use futures_util::StreamExt;

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

/// A reader of an account's stream.
pub struct StreamReader {
    names: Names,
    messages: Option<consumer::pull::Ordered>,
    /// The last sequence to read (bounded reads).
    end: Option<u64>,
    follow: bool,
    pending_at_open: u64,
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
        let deliver_policy = match opts.start {
            Start::First => consumer::DeliverPolicy::All,
            Start::Seq(s) => consumer::DeliverPolicy::ByStartSequence { start_sequence: s },
            Start::Since(t) => consumer::DeliverPolicy::ByStartTime {
                start_time: t.to_datetime(),
            },
        };
        let c = stream
            .create_consumer(consumer::pull::OrderedConfig {
                filter_subject,
                deliver_policy,
                ..Default::default()
            })
            .await
            .map_err(|e| RelayError::nats("create consumer", e))?;
        let pending_at_open = c.cached_info().num_pending;
        let messages = if opts.follow || pending_at_open > 0 {
            Some(
                c.messages()
                    .await
                    .map_err(|e| RelayError::nats("consume", e))?,
            )
        } else {
            None
        };
        Ok(StreamReader {
            names: names.clone(),
            messages,
            end: (!opts.follow).then_some(last),
            follow: opts.follow,
            pending_at_open,
        })
    }

    /// Messages from the start to the stream's end when opened (progress of a catch-up).
    pub fn pending_at_open(&self) -> u64 {
        self.pending_at_open
    }

    /// The next line; `None` at the end of a bounded read. An error (broker gone, a
    /// consumer being recreated) may be followed by more lines: a live reader goes on.
    pub async fn next(&mut self) -> Option<Result<StreamLine, RelayError>> {
        let m = match self.messages.as_mut()?.next().await? {
            Ok(m) => m,
            Err(e) => return Some(Err(RelayError::nats("read stream", e))),
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
