//! The store shared between one writer (a source task, the control side) and any
//! number of readers (the board, headless printers, the metrics endpoint).
//!
//! [`SharedStore`] owns the lock and the change signal: [`SharedStore::write`] runs a
//! change under the write lock, then publishes the store's new [`Version`] once, so no
//! caller ever bumps or forwards a generation by hand. Readers hold the read lock only
//! while they copy or render what they need, never across I/O.
//!
//! One rule for a poisoned lock: a panic inside a change is a bug, but the store's
//! reducer keeps it consistent event by event, so the lock is recovered and the board
//! keeps running on what the store holds.

use super::store::{SessionStore, Version};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use tokio::sync::watch;

/// A [`SessionStore`] behind a lock, with a change signal. Cheap to clone.
#[derive(Clone, Debug)]
pub struct SharedStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: RwLock<SessionStore>,
    changed: watch::Sender<Version>,
}

impl SharedStore {
    /// Shares `store`.
    pub fn new(store: SessionStore) -> SharedStore {
        let (changed, _) = watch::channel(store.version());
        SharedStore {
            inner: Arc::new(Inner {
                store: RwLock::new(store),
                changed,
            }),
        }
    }

    /// A read guard. Hold it only while copying or rendering, never across I/O.
    pub fn read(&self) -> RwLockReadGuard<'_, SessionStore> {
        self.inner
            .store
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lock(&self) -> RwLockWriteGuard<'_, SessionStore> {
        self.inner
            .store
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs one change under the write lock, then tells the watchers once if the
    /// store's version moved.
    pub fn write<R>(&self, change: impl FnOnce(&mut SessionStore) -> R) -> R {
        let (out, version) = {
            let mut s = self.lock();
            let out = change(&mut s);
            (out, s.version())
        };
        self.inner.changed.send_if_modified(|v| {
            let moved = *v != version;
            *v = version;
            moved
        });
        out
    }

    /// Replaces the whole store (a replay seek, a keyframe), telling the watchers. The
    /// new store's center goes on counting intervals as the old one did (from now on).
    pub fn replace(&self, mut store: SessionStore) {
        self.write(|s| {
            if let Some(cut) = s.center().intervals().map(|iv| iv.cut()) {
                store.center_mut().count_intervals(cut);
            }
            *s = store
        });
    }

    /// A receiver that wakes after every change (the version it carries is the
    /// newest; intermediate ones may be skipped).
    pub fn subscribe(&self) -> watch::Receiver<Version> {
        self.inner.changed.subscribe()
    }

    /// The store's current version.
    pub fn version(&self) -> Version {
        *self.inner.changed.borrow()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Ts;

    #[test]
    fn a_write_that_changes_notifies_once() {
        let shared = SharedStore::new(SessionStore::default());
        let mut rx = shared.subscribe();
        assert!(!rx.has_changed().unwrap());
        shared.write(|s| s.note_malformed(Ts(1)));
        assert!(rx.has_changed().unwrap());
        assert_eq!(*rx.borrow_and_update(), shared.read().version());
        shared.write(|s| s.counters().events);
        assert!(
            !rx.has_changed().unwrap(),
            "a read-only closure is no change"
        );
    }

    #[test]
    fn replace_moves_the_version() {
        let shared = SharedStore::new(SessionStore::default());
        let before = shared.version();
        let rx = shared.subscribe();
        shared.replace(SessionStore::default());
        assert_ne!(before, shared.version());
        assert!(rx.has_changed().unwrap());
    }

    #[test]
    fn a_poisoned_lock_is_recovered() {
        let shared = SharedStore::new(SessionStore::default());
        let s2 = shared.clone();
        let _ = std::thread::spawn(move || s2.write(|_| panic!("bug inside a change"))).join();
        shared.write(|s| s.note_malformed(Ts(1)));
        assert_eq!(shared.read().counters().malformed, 1);
    }
}
