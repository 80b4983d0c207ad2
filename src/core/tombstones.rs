//! Ids of evicted sessions, so a late event cannot bring a finished call back. Kept as
//! 64-bit fingerprints in insertion order (one 8-byte value in the set, one in the queue)
//! instead of two copies of the id: over a shift of evictions, kilobytes not megabytes.

use std::collections::{HashSet, VecDeque};

/// A bounded set of forgotten session ids (oldest forgotten first).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(into = "Kept", from = "Kept")]
pub struct Tombstones {
    cap: usize,
    set: HashSet<u64>,
    order: VecDeque<u64>,
}

/// What a keyframe keeps of [`Tombstones`]: the capacity and the fingerprints, oldest
/// first (the set is rebuilt from them).
#[derive(serde::Serialize, serde::Deserialize)]
struct Kept {
    cap: usize,
    order: Vec<u64>,
}

impl From<Tombstones> for Kept {
    fn from(t: Tombstones) -> Kept {
        Kept {
            cap: t.cap,
            order: t.order.into(),
        }
    }
}

impl From<Kept> for Tombstones {
    fn from(k: Kept) -> Tombstones {
        Tombstones::from_order(k.cap, k.order)
    }
}

pub(crate) use crate::wire::fingerprint;

impl Tombstones {
    /// Remembers at most `cap` ids (0: none).
    pub fn new(cap: usize) -> Tombstones {
        Tombstones {
            cap,
            ..Default::default()
        }
    }

    /// Was `id` evicted (and still remembered)?
    pub fn contains(&self, id: &str) -> bool {
        !self.set.is_empty() && self.contains_fingerprint(fingerprint(id))
    }

    /// [`contains`](Tombstones::contains) of an id's [`fingerprint`].
    pub fn contains_fingerprint(&self, f: u64) -> bool {
        !self.set.is_empty() && self.set.contains(&f)
    }

    /// Remembers `id`, forgetting the oldest when full.
    pub fn insert(&mut self, id: &str) {
        self.insert_fingerprint(fingerprint(id));
    }

    /// [`insert`](Tombstones::insert) of an id's [`fingerprint`].
    pub fn insert_fingerprint(&mut self, f: u64) {
        if self.cap == 0 {
            return;
        }
        if !self.set.insert(f) {
            return;
        }
        self.order.push_back(f);
        while self.order.len() > self.cap {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
    }

    /// The remembered fingerprints, oldest first (what a keyframe keeps).
    pub(super) fn order(&self) -> impl ExactSizeIterator<Item = u64> + '_ {
        self.order.iter().copied()
    }

    /// Tombstones from their fingerprints, oldest first (the newest `cap` kept).
    pub(super) fn from_order(cap: usize, order: impl IntoIterator<Item = u64>) -> Tombstones {
        let mut t = Tombstones::new(cap);
        for f in order {
            t.insert_fingerprint(f);
        }
        t
    }

    /// Forgets the fingerprints `drop` says to (the order of the rest kept).
    pub(super) fn forget_where(&mut self, mut drop: impl FnMut(u64) -> bool) {
        self.order.retain(|f| {
            let gone = drop(*f);
            if gone {
                self.set.remove(f);
            }
            !gone
        });
    }

    /// How many ids are remembered.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// True when nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_up_to_cap_oldest_forgotten_first() {
        let mut t = Tombstones::new(2);
        t.insert("a");
        t.insert("b");
        t.insert("a");
        assert!(t.contains("a") && t.contains("b") && !t.contains("c"));
        t.insert("c");
        assert_eq!(t.len(), 2);
        assert!(!t.contains("a") && t.contains("b") && t.contains("c"));
    }

    #[test]
    fn zero_cap_remembers_nothing() {
        let mut t = Tombstones::new(0);
        t.insert("a");
        assert!(!t.contains("a") && t.is_empty());
    }
}
