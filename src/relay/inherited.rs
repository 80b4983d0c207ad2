//! Calls a relay inherits from its stream: a relay that stopped (or lost RingCentral for
//! good) leaves calls in the stream that never end there. A new relay's subscription
//! knows only the calls in progress now, so those would show as in progress on every
//! board for ever. Once the stream is folded and RingCentral is live, each such call is
//! fetched; one the platform no longer has (404) is published as gone, closed when it was
//! last heard of — as the live source reconciles after an outage.

use crate::core::{Session, SharedStore};
use crate::platform::ControlClient;
use crate::record::{reconcile_line, LineSink};
use crate::source::{ConnState, Loading};
use crate::wire::Ts;
use std::sync::Arc;
use tokio::sync::watch;

/// What settling the inherited calls reads and where it publishes.
pub struct Inherited {
    /// The stream folded (what every board holds).
    pub stream: SharedStore,
    /// Folding the stream: settled once it has caught up.
    pub folded: watch::Receiver<Loading>,
    /// The relay's own subscription's store, and its loading of the calls in progress.
    pub socket: SharedStore,
    pub seeding: watch::Receiver<Loading>,
    /// The relay's RingCentral connection.
    pub ringcentral: watch::Receiver<ConnState>,
    pub rest: ControlClient,
    pub sink: Arc<dyn LineSink>,
}

/// The calls the stream holds as in progress that the subscription does not.
pub fn orphans(stream: &SharedStore, socket: &SharedStore) -> Vec<(String, Ts)> {
    let socket = socket.read();
    let known = |id: &str| socket.get(id).is_some_and(|s| !s.ended);
    let stream = stream.read();
    stream
        .active_ids()
        .into_iter()
        .filter(|id| !known(id))
        .filter_map(|id| {
            let s: &Session = stream.get(&id)?;
            // When the stream last heard of it: its newest line, or a later event time.
            let heard = s.newest_event().map_or(s.last_seen, |t| t.max(s.last_seen));
            Some((id, heard))
        })
        .collect()
}

/// Waits for the stream to be folded, RingCentral live and the calls in progress loaded,
/// then settles every orphan once; returns how many were published as gone.
pub async fn settle(mut i: Inherited) -> usize {
    let folded = i.folded.wait_for(|l| !l.busy()).await.is_ok();
    let live = i.ringcentral.wait_for(ConnState::is_live).await.is_ok();
    let seeded = i.seeding.wait_for(|l| !l.busy()).await.is_ok();
    if !(folded && live && seeded) {
        return 0;
    }
    let mut gone = 0;
    for (id, heard) in orphans(&i.stream, &i.socket) {
        match i.rest.get_session(&id).await {
            // Still running: its next event tells the stream.
            Ok(Some(_)) => {}
            Ok(None) => {
                i.sink.send(reconcile_line(heard, Err(&id), None), None);
                gone += 1;
            }
            Err(e) => tracing::warn!(session = %id, error = %e, "inherited call not settled"),
        }
    }
    if gone > 0 {
        tracing::info!(gone, "inherited calls closed");
    }
    gone
}
