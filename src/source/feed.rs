//! A file's values applied to a store in file order, on the stream clock: each value
//! is applied at the newest stream time seen so far (a value without one, or one
//! older, takes the clock as it stands), so the clock never runs backwards whatever
//! the order of the lines. Bad values are counted in the store and remembered (the
//! first few, then a count), never a reason to stop. A file that does not open with
//! calltop's own (a recording line stamped `receivedAt`, or a gateway's connection frame)
//! is a fragment of a stream ([`crate::core::StoreConfig::fragment`]) until such a value
//! comes.

use crate::core::SessionStore;
use crate::wire::{self, ParseError, ParsedView, Ts};

/// Values that could not be used: the first [`BadValues::KEPT`] with their line and
/// error, and how many in all.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BadValues {
    pub first: Vec<(usize, String)>,
    pub count: u64,
}

impl BadValues {
    /// How many are kept with their line and error.
    pub const KEPT: usize = 5;

    /// Notes one.
    pub fn push(&mut self, line: usize, error: String) {
        if self.first.len() < Self::KEPT {
            self.first.push((line, error));
        }
        self.count += 1;
    }

    /// True when every value was used.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// Applies values one at a time on the stream clock.
#[derive(Clone, Debug, Default)]
pub struct Feed {
    /// The newest stream time seen (where the next value without one is applied).
    pub clock: Ts,
    /// Values applied.
    pub good: u64,
    pub bad: BadValues,
}

impl Feed {
    /// A feed whose clock starts at `clock`.
    pub fn new(clock: Ts) -> Feed {
        Feed {
            clock,
            ..Feed::default()
        }
    }

    /// Applies one value parsed into a borrowed view, from `line` of the file (a bad
    /// one is counted in the store and remembered).
    pub fn ingest_view(
        &mut self,
        store: &mut SessionStore,
        line: usize,
        parsed: Result<ParsedView<'_>, ParseError>,
    ) {
        match parsed {
            Ok(p) => {
                // calltop's own: a recording line, or a gateway's connection frame.
                let own = p.received_at.is_some()
                    || matches!(
                        p.item,
                        wire::IncomingView::Other(wire::Incoming::ConnectionDetails { .. })
                    );
                store.note_recorded(own);
                self.clock = self.due(&p);
                store.ingest_view(p, self.clock);
                self.good += 1;
            }
            Err(e) => self.bad_value(store, line, e.to_string()),
        }
    }

    /// Counts a value that could not be used (in the store too) at the clock.
    pub fn bad_value(&mut self, store: &mut SessionStore, line: usize, error: String) {
        store.note_malformed(self.clock);
        self.bad.push(line, error);
    }

    /// The stream time a parsed value is applied at.
    pub fn due(&self, p: &ParsedView<'_>) -> Ts {
        p.stream_time().unwrap_or(self.clock).max(self.clock)
    }

    /// Parses and applies one value's text.
    pub fn ingest_text(
        &mut self,
        store: &mut SessionStore,
        line: usize,
        text: Result<&str, ParseError>,
    ) {
        self.ingest_view(store, line, text.and_then(wire::parse_view))
    }
}
