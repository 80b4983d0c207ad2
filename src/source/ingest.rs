//! A parsed frame or line into the store, reported to whoever listens: one path for
//! every live source (the RingCentral subscription, a relay's stream).

use super::events::{EventLine, LiveEvent};
use crate::core::{Applied, SharedStore};
use crate::wire::{Incoming, ParseError, Parsed, Ts};
use tokio::sync::broadcast;

/// Applies one parsed notification or reconcile line to the store, and reports it as
/// an event line when anyone listens — a call-log join line (a relay's stream carries
/// them) as the call's outcome made final. `now`: when it was received (a recording
/// line's own `receivedAt` wins).
pub fn apply_parsed(
    store: &SharedStore,
    events: &broadcast::Sender<LiveEvent>,
    parsed: Parsed,
    now: Ts,
) -> Applied {
    let at = parsed.received_at.unwrap_or(now);
    let listened = events.receiver_count() > 0;
    let joined = match &parsed.item {
        Incoming::CallLog(l) if listened => Some(l.telephony_session_id.clone()),
        _ => None,
    };
    let line = (listened && joined.is_none()).then(|| EventLine::of(&parsed, at));
    let applied = store.write(|s| s.ingest(parsed, now));
    if let Some(l) = line {
        let _ = events.send(LiveEvent::Notification(Box::new(l.with(applied))));
    }
    if let Some(telephony_session_id) = joined {
        let _ = events.send(LiveEvent::Joined {
            at,
            telephony_session_id,
        });
    }
    applied
}

/// Counts a frame or line that did not parse, and reports it.
pub fn note_malformed(
    store: &SharedStore,
    events: &broadcast::Sender<LiveEvent>,
    error: &ParseError,
    len: usize,
    now: Ts,
) {
    store.write(|s| s.note_malformed(now));
    tracing::warn!(%error, len, "malformed frame (kept in the recording)");
    let _ = events.send(LiveEvent::Malformed {
        at: now,
        error: error.to_string(),
    });
}
