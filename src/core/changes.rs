//! Change logs: which ids a value changed at which generation, so that a reader patches
//! what it derived from the value instead of walking all of it. The store logs its
//! sessions ([`SessionStore::changed_since`](super::SessionStore::changed_since)), the
//! center its agents ([`Center::agents_changed_since`](super::Center::agents_changed_since)).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};

/// One value's identity, for its change log: fresh for every value made, cloned or
/// decoded, so a generation of one value is never read as another's.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Instance(pub(crate) u64);

impl Instance {
    pub(crate) fn fresh() -> Instance {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        Instance(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

impl Default for Instance {
    fn default() -> Instance {
        Instance::fresh()
    }
}

impl Clone for Instance {
    fn clone(&self) -> Instance {
        Instance::fresh()
    }
}

/// What a change log names a changed thing by: an id (its string reused when the
/// log is full) or an id's fingerprint.
pub(crate) trait LogKey: Default {
    type Ref: ?Sized;
    fn is(&self, r: &Self::Ref) -> bool;
    fn set(&mut self, r: &Self::Ref);
    fn get(&self) -> &Self::Ref;
}

impl LogKey for String {
    type Ref = str;
    fn is(&self, r: &str) -> bool {
        self == r
    }
    fn set(&mut self, r: &str) {
        self.clear();
        self.push_str(r);
    }
    fn get(&self) -> &str {
        self
    }
}

impl LogKey for u64 {
    type Ref = u64;
    fn is(&self, r: &u64) -> bool {
        self == r
    }
    fn set(&mut self, r: &u64) {
        *self = *r;
    }
    fn get(&self) -> &u64 {
        self
    }
}

/// The ids changed by the latest generations. Bounded.
#[derive(Clone, Debug, Default)]
pub(crate) struct ChangeLog<K = String> {
    entries: VecDeque<(u64, K)>,
    /// The newest generation no longer (wholly) logged.
    dropped: u64,
    /// Logs nothing (nobody patches from this value: a report).
    off: bool,
}

impl<K: LogKey> ChangeLog<K> {
    pub(crate) const CAPACITY: usize = 4_096;

    /// Logs `id` as changed at `generation` (≥ every generation logged before; once
    /// when it was the last id logged).
    pub(crate) fn note(&mut self, generation: u64, id: &K::Ref) {
        if self.off {
            return;
        }
        if let Some((g, i)) = self.entries.back_mut() {
            if i.is(id) {
                // The same id again: its newest change is the one kept.
                *g = generation;
                return;
            }
        }
        let mut kept = K::default();
        if self.entries.len() == Self::CAPACITY {
            if let Some((g, old)) = self.entries.pop_front() {
                self.dropped = g;
                kept = old;
            }
        }
        kept.set(id);
        self.entries.push_back((generation, kept));
    }

    /// Stops logging: from now on no reader can patch from it.
    pub(crate) fn turn_off(&mut self) {
        self.off = true;
        self.entries = VecDeque::new();
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }

    /// The ids changed after generation `since` (newest first, an id maybe more than
    /// once) when the log still holds them all and `since` ≤ `now`, the value's own.
    pub(crate) fn since(&self, since: u64, now: u64) -> Option<impl Iterator<Item = &K::Ref>> {
        (!self.off && self.dropped <= since && since <= now).then(|| {
            self.entries
                .iter()
                .rev()
                .take_while(move |(g, _)| *g > since)
                .map(|(_, id)| id.get())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_names_what_changed_until_it_overflows() {
        let mut log = ChangeLog::<String>::default();
        log.note(1, "a");
        log.note(1, "a");
        log.note(2, "b");
        assert_eq!(log.since(0, 2).unwrap().collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(log.since(1, 2).unwrap().collect::<Vec<_>>(), ["b"]);
        assert!(log.since(3, 2).is_none(), "a generation from the future");
        log.note(3, "a");
        assert_eq!(log.since(1, 3).unwrap().collect::<Vec<_>>(), ["a", "b"]);
        log.note(4, "a");
        assert_eq!(log.len(), 3, "the same id again is logged once");
        assert_eq!(log.since(3, 4).unwrap().collect::<Vec<_>>(), ["a"]);
        for g in 5..5 + ChangeLog::<String>::CAPACITY as u64 {
            log.note(g, &g.to_string());
        }
        assert!(log.since(1, 5_000).is_none(), "too old for the log");
        assert!(log.since(5, 5_000).is_some());
    }

    #[test]
    fn a_clone_is_another_instance() {
        let a = Instance::fresh();
        assert_ne!(a, a.clone());
    }
}
