//! Where events come from: the live WebSocket subscription, a relay's stream
//! ([`crate::relay::fold`]), a recording file played back ([`replay`]). Each source
//! writes into a [`crate::core::SharedStore`] and keeps to one contract: it starts
//! from its configuration ([`Source`]), and once running ([`Running`]) it reports one
//! status ([`Status`], as it changes: [`StatusRx`]), may take commands and may tell
//! warnings; a board drives it through one [`Handle`]. What every live source speaks
//! (the connection, loading, its event stream, reconnect backoff, applying a parsed
//! frame) lives here, not in [`live`].

pub mod backoff;
pub mod chunks;
pub mod cursor;
pub mod events;
pub mod feed;
pub mod file;
pub mod index;
pub mod ingest;
pub mod join;
pub mod live;
pub mod merge;
pub mod replay;
pub mod status;

pub use backoff::Backoff;
pub use events::{notices, EventLine, LineFormat, LiveEvent};
pub use ingest::{apply_parsed, note_malformed};
pub use status::{ConnState, Loading, Status, StatusRx, Update};

use crate::core::control::Control;
use crate::core::SharedStore;
use replay::ReplayCmd;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::mpsc;

/// A source before it runs: its configuration.
pub trait Source: Sized {
    /// The source once started.
    type Running: Running;

    /// Starts it on the current tokio runtime, feeding `store`.
    fn start(
        self,
        store: SharedStore,
    ) -> impl Future<Output = anyhow::Result<Self::Running>> + Send;
}

/// What every running source offers a board, the metrics and the alarms.
pub trait Running {
    /// Its one status, as it changes.
    fn status(&self) -> StatusRx;

    /// Where its commands go (a replay: pace, pause, jumps); `None`: it takes none.
    fn commands(&self) -> Option<mpsc::UnboundedSender<ReplayCmd>> {
        None
    }

    /// Its warnings (late call outcomes, gateway errors…); `None`: it tells none.
    fn notices(&self) -> Option<mpsc::UnboundedReceiver<String>> {
        None
    }

    /// The handle a board drives it by, with `control` of its calls.
    fn handle(&self, control: Option<Arc<dyn Control>>) -> Handle {
        Handle {
            status: self.status(),
            commands: self.commands(),
            notices: self.notices(),
            control,
        }
    }
}

/// A running source as a board drives it, whatever its kind.
pub struct Handle {
    pub status: StatusRx,
    /// Where its commands go; `None`: it takes none.
    pub commands: Option<mpsc::UnboundedSender<ReplayCmd>>,
    /// Its warnings, for the status line.
    pub notices: Option<mpsc::UnboundedReceiver<String>>,
    /// Control of its calls; `None`: control requests fail with a message.
    pub control: Option<Arc<dyn Control>>,
}
