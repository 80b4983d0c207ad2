//! A live source's recording lines to the stream: the [`LineSink`] a relay hands the
//! live source, queueing each line for the [`Publisher`] without ever waiting (a full
//! queue drops and counts; the relay's own recording file still has the line).

use super::names::Outgoing;
use super::publish::Publisher;
use crate::record::LineSink;
use crate::wire::Parsed;
use std::sync::Arc;

/// Queues recording lines for a publisher.
pub struct PublishSink(pub Arc<Publisher>);

impl LineSink for PublishSink {
    fn send(&self, line: String, parsed: Option<&Parsed>) {
        let out = match parsed {
            Some(p) => Outgoing::from_parsed(Some(p), line),
            None => Outgoing::from_line(line),
        };
        if let Some(out) = out {
            self.0.try_send(out);
        }
    }
}
