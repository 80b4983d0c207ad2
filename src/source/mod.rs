//! Where events come from: recorded files and the live WebSocket subscription.

pub mod file;
pub mod live;
pub mod replay;

use crate::core::SessionStore;
use std::sync::{Arc, RwLock};

/// The store shared between a source task (writer) and the UI (reader). Hold the
/// write lock only around `ingest`; readers copy what they draw.
pub type SharedStore = Arc<RwLock<SessionStore>>;

/// Wraps a store for sharing.
pub fn shared(store: SessionStore) -> SharedStore {
    Arc::new(RwLock::new(store))
}
