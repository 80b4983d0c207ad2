//! Ids of evicted sessions, so a late event cannot bring a finished call back. Kept as
//! 64-bit fingerprints in one table allocated at its capacity on the first eviction (a
//! ring of fingerprints in insertion order, found through an open-addressed index of
//! their positions: ~14 bytes an id), so remembering more ids never reallocates.

use std::hash::BuildHasher;

/// A free slot of the index (positions are stored plus one, so a zeroed index is empty).
const FREE: u32 = 0;

/// A bounded set of forgotten session ids (oldest forgotten first).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(into = "Kept", from = "Kept")]
pub struct Tombstones {
    cap: usize,
    /// The fingerprints; once `cap` are kept, the oldest is at `oldest` and each new one
    /// takes its place.
    ring: Vec<u64>,
    oldest: usize,
    /// Linear probing over positions in `ring` (plus one; [`FREE`] when free), at most
    /// two thirds full.
    index: Vec<u32>,
}

/// What a keyframe keeps of [`Tombstones`]: the capacity and the fingerprints, oldest
/// first (the index is rebuilt from them).
#[derive(serde::Serialize, serde::Deserialize)]
struct Kept {
    cap: usize,
    order: Vec<u64>,
}

impl From<Tombstones> for Kept {
    fn from(t: Tombstones) -> Kept {
        Kept {
            cap: t.cap,
            order: t.order().collect(),
        }
    }
}

impl From<Kept> for Tombstones {
    fn from(k: Kept) -> Tombstones {
        Tombstones::from_order(k.cap, k.order)
    }
}

/// A fixed-key hash of an id (foldhash, fast): the same on every run, so a collision is
/// reproducible. What sessions, parties, agents and queues are found by without reading
/// their ids; with at most tens of thousands of ids the chance of any collision is ~1e-10.
pub(crate) fn fingerprint(id: &str) -> u64 {
    foldhash::fast::FixedState::default().hash_one(id)
}

impl Tombstones {
    /// Remembers at most `cap` ids (0: none; at most `u32::MAX - 1`).
    pub fn new(cap: usize) -> Tombstones {
        Tombstones {
            cap: cap.min(u32::MAX as usize - 1),
            ..Default::default()
        }
    }

    /// Was `id` evicted (and still remembered)?
    pub fn contains(&self, id: &str) -> bool {
        !self.is_empty() && self.contains_fingerprint(fingerprint(id))
    }

    /// [`contains`](Tombstones::contains) of an id's [`fingerprint`].
    pub fn contains_fingerprint(&self, f: u64) -> bool {
        !self.is_empty() && self.find(f, |pos| self.ring[pos] == f).is_some()
    }

    /// Remembers `id`, forgetting the oldest when full.
    pub fn insert(&mut self, id: &str) {
        self.insert_fingerprint(fingerprint(id));
    }

    /// [`insert`](Tombstones::insert) of an id's [`fingerprint`].
    pub fn insert_fingerprint(&mut self, f: u64) {
        if self.cap == 0 || self.contains_fingerprint(f) {
            return;
        }
        if self.index.is_empty() {
            // Zeroed: untouched pages cost no memory until used.
            self.ring = Vec::with_capacity(self.cap);
            self.index = vec![FREE; self.cap + self.cap / 2 + 1];
        }
        let pos = if self.ring.len() < self.cap {
            // A clone's ring is only as long as it was.
            self.ring.reserve_exact(self.cap - self.ring.len());
            self.ring.push(f);
            self.ring.len() - 1
        } else {
            let pos = self.oldest;
            self.unindex(pos);
            self.ring[pos] = f;
            self.oldest = (pos + 1) % self.cap;
            pos
        };
        let mut slot = self.home(f);
        while self.index[slot] != FREE {
            slot = (slot + 1) % self.index.len();
        }
        self.index[slot] = pos as u32 + 1;
    }

    /// Where the index's probe for `f` starts.
    fn home(&self, f: u64) -> usize {
        ((f as u128 * self.index.len() as u128) >> 64) as usize
    }

    /// The index slot, among those probed for `f`, of the position `is` accepts.
    fn find(&self, f: u64, is: impl Fn(usize) -> bool) -> Option<usize> {
        let mut slot = self.home(f);
        loop {
            match self.index[slot] {
                FREE => return None,
                p if is(p as usize - 1) => return Some(slot),
                _ => slot = (slot + 1) % self.index.len(),
            }
        }
    }

    /// Takes ring position `pos` out of the index, shifting back the entries probed
    /// past it so every entry stays reachable from its home slot.
    fn unindex(&mut self, pos: usize) {
        let n = self.index.len();
        let Some(mut hole) = self.find(self.ring[pos], |p| p == pos) else {
            return;
        };
        let mut next = hole;
        loop {
            next = (next + 1) % n;
            let p = self.index[next];
            if p == FREE {
                break;
            }
            let home = self.home(self.ring[p as usize - 1]);
            // Movable into the hole unless its home lies after the hole (cyclically).
            if (next + n - home) % n >= (next + n - hole) % n {
                self.index[hole] = p;
                hole = next;
            }
        }
        self.index[hole] = FREE;
    }

    /// The remembered fingerprints, oldest first (what a keyframe keeps).
    pub(super) fn order(&self) -> impl ExactSizeIterator<Item = u64> + '_ {
        let n = self.ring.len();
        (0..n).map(move |i| self.ring[(self.oldest + i) % n])
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
        let kept: Vec<u64> = self.order().filter(|f| !drop(*f)).collect();
        if kept.len() < self.len() {
            *self = Tombstones::from_order(self.cap, kept);
        }
    }

    /// How many ids are remembered.
    pub fn len(&self) -> usize {
        self.ring.len()
    }

    /// True when nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.ring.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashSet, VecDeque};

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

    /// The set and queue these tombstones replaced: what they must answer like.
    struct Model {
        cap: usize,
        set: HashSet<u64>,
        order: VecDeque<u64>,
    }

    impl Model {
        fn insert(&mut self, f: u64) {
            if self.cap > 0 && self.set.insert(f) {
                self.order.push_back(f);
                if self.order.len() > self.cap {
                    let old = self.order.pop_front().unwrap();
                    self.set.remove(&old);
                }
            }
        }
    }

    #[test]
    fn answers_like_a_set_and_queue_through_wraps_clashes_and_forgetting() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for cap in [1, 2, 7, 64, 1000] {
            let mut t = Tombstones::new(cap);
            let mut m = Model {
                cap,
                set: HashSet::new(),
                order: VecDeque::new(),
            };
            for step in 0..20_000u64 {
                // Few distinct values (repeats), clustered high bits (same home slots).
                let r = next();
                let f = if r % 3 == 0 {
                    ((r % 8) << 61) | (r >> 32) % (2 * cap as u64 + 3)
                } else {
                    r % (4 * cap as u64 + 5)
                };
                t.insert_fingerprint(f);
                m.insert(f);
                if step % 997 == 0 {
                    t.forget_where(|g| g % 5 == 0);
                    m.order.retain(|g| g % 5 != 0);
                    m.set.retain(|g| g % 5 != 0);
                }
                if step % 50 == 0 {
                    t = t.clone();
                }
                let probe = next() % (4 * cap as u64 + 5);
                assert_eq!(t.contains_fingerprint(probe), m.set.contains(&probe));
                assert_eq!(t.contains_fingerprint(f), m.set.contains(&f));
                assert_eq!(t.len(), m.order.len());
            }
            assert!(t.order().eq(m.order.iter().copied()), "cap {cap}");
            let back = Tombstones::from_order(cap, t.order());
            assert!(back.order().eq(t.order()));
        }
    }

    #[test]
    fn is_allocated_once_at_its_capacity() {
        let mut t = Tombstones::new(1000);
        t.insert("first");
        let (ring, index) = (t.ring.as_ptr(), t.index.as_ptr());
        for i in 0..5_000 {
            t.insert(&format!("call-{i}"));
        }
        assert_eq!(t.len(), 1000);
        assert!(t.ring.as_ptr() == ring && t.index.as_ptr() == index);
        assert_eq!((t.ring.capacity(), t.index.len()), (1000, 1501));
    }
}
