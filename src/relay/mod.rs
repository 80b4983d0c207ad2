//! `calltop relay` on NATS JetStream: one relay per account holds the RingCentral
//! subscription and publishes each recording line to the stream `CALLTOP_<account>`;
//! boards, replays and reports read that stream like a recording file.
//!
//! The transport (publisher, reader, keyframe bytes, request-reply) moves recording
//! lines, opaque bytes and JSON payloads; [`fold`] and [`act`] speak the store's and
//! the control vocabulary's language for boards and relays.
//! - [`names`]: subjects, stream, buckets, dedup ids, broker permissions per role;
//! - [`conn`]: `nats://host:port/ACCOUNT` addresses and connecting;
//! - [`setup`]: creating or checking the stream and buckets (2.9-compatible);
//! - [`publish`]: the acked, deduplicated publisher with reconnect and backoff;
//! - [`follow`]: reading the stream from a sequence or a time, live or bounded;
//! - [`keyframe`]: store snapshots in the object store behind a KV pointer;
//! - [`control`]: control requests (queue group, applied once per request id);
//! - [`audit`]: who did what, in the stream;
//! - [`fold`]: a store from the stream (keyframe, then the messages after it);
//! - [`act`]: `core::control` requests through the relay, both ends;
//! - [`heartbeat`]: each relay's RingCentral connection in the KV, judged by boards;
//! - [`sink`]: a live source's recording lines to the publisher.

pub mod act;
pub mod audit;
pub mod conn;
pub mod control;
pub mod fold;
pub mod follow;
pub mod heartbeat;
pub mod inherited;
pub mod keyframe;
pub mod names;
pub mod publish;
pub mod setup;
pub mod sink;

pub use act::{AccountsControl, Applier, RelayControl};
pub use audit::{AuditEntry, AuditPhase, AuditRecord};
pub use conn::{connect, connect_url, NatsAuth, NatsConn, NatsOptions, NatsUrl, Start, TlsFiles};
pub use control::{
    ControlCall, ControlClient, ControlError, ControlHandler, ControlReply, ControlServer,
    ServeStats,
};
pub use fold::{fold, Claim, FoldConfig, Folding, Follow};
pub use follow::{ReadOptions, StreamLine, StreamReader, Subjects};
pub use keyframe::{Keyframe, KeyframeError, KeyframeWrite, Keyframes};
pub use names::{Kind, Names, Outgoing, Permissions};
pub use publish::{Ack, PublishStats, Publisher, PublisherConfig, Retries, Unacked};
pub use setup::{ensure, StreamSettings};
pub use sink::PublishSink;

/// What went wrong talking to the broker, or before.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error("bad NATS address {0}")]
    Url(String),
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Name(#[from] names::BadName),
    #[error("stream {0} does not exist (no relay has run for this account)")]
    NoStream(String),
    #[error("NATS {what}: {source}")]
    Nats {
        what: &'static str,
        source: async_nats::Error,
    },
}

impl RelayError {
    /// Wraps a client error with what was being done.
    pub fn nats(what: &'static str, e: impl Into<async_nats::Error>) -> RelayError {
        RelayError::Nats {
            what,
            source: e.into(),
        }
    }
}
