//! The sessions a store holds, found by their id's [`fingerprint`] and then their id.
//! The table holds a fingerprint and a pointer per session, not the session: small
//! enough to stay in the cache, so finding where a session is waits for nothing, and
//! loading it ahead ([`Sessions::hinted`]) can start before it is read. A fingerprint
//! taken where the event was decoded spares hashing the id again.

use crate::core::session::Session;
use crate::wire::fingerprint;
use hashbrown::hash_table::{Entry, HashTable};

/// Sessions by id.
#[derive(Clone, Debug, Default)]
pub struct Sessions {
    table: HashTable<Held>,
}

#[derive(Clone, Debug)]
struct Held {
    key: u64,
    session: Box<Session>,
}

/// A session found, or where a new one goes ([`Sessions::entry`]).
pub enum Found<'a> {
    Held(&'a mut Session),
    Vacant(Vacant<'a>),
}

/// Room for the session of one id.
pub struct Vacant<'a>(hashbrown::hash_table::VacantEntry<'a, Held>, u64);

impl<'a> Vacant<'a> {
    /// Holds `s` (whose id is the one looked up).
    pub fn insert(self, s: Session) -> &'a mut Session {
        let Vacant(v, key) = self;
        debug_assert_eq!(key, fingerprint(&s.id));
        &mut v
            .insert(Held {
                key,
                session: Box::new(s),
            })
            .into_mut()
            .session
    }
}

impl Sessions {
    /// Room for `n` sessions.
    pub fn with_capacity(n: usize) -> Sessions {
        Sessions {
            table: HashTable::with_capacity(n),
        }
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// The session of `id`.
    pub fn get(&self, id: &str) -> Option<&Session> {
        self.get_keyed(fingerprint(id), id)
    }

    /// The session of `id`, whose fingerprint is `key`.
    pub fn get_keyed(&self, key: u64, id: &str) -> Option<&Session> {
        let held = self
            .table
            .find(key, |h| h.key == key && h.session.id == id)?;
        Some(&held.session)
    }

    /// The session whose id's fingerprint is `key`, read from the table alone (no id is
    /// compared): what to load ahead, not what to apply to.
    pub fn hinted(&self, key: u64) -> Option<&Session> {
        Some(&self.table.find(key, |h| h.key == key)?.session)
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut Session> {
        let key = fingerprint(id);
        let held = self
            .table
            .find_mut(key, |h| h.key == key && h.session.id == id)?;
        Some(&mut held.session)
    }

    pub fn contains_key(&self, id: &str) -> bool {
        self.get(id).is_some()
    }

    /// The session of `id` (fingerprint `key`), or room for it.
    pub fn entry(&mut self, key: u64, id: &str) -> Found<'_> {
        let same = |h: &Held| h.key == key && h.session.id == id;
        match self.table.entry(key, same, |h| h.key) {
            Entry::Occupied(o) => Found::Held(&mut o.into_mut().session),
            Entry::Vacant(v) => Found::Vacant(Vacant(v, key)),
        }
    }

    /// Holds `s` under its id, replacing the session held under it, if any.
    pub fn insert(&mut self, s: Session) {
        let key = fingerprint(&s.id);
        match self.entry(key, &s.id) {
            Found::Held(held) => *held = s,
            Found::Vacant(v) => {
                v.insert(s);
            }
        }
    }

    /// Lets go of the session of `id`.
    pub fn remove(&mut self, id: &str) -> Option<Session> {
        let key = fingerprint(id);
        let same = |h: &Held| h.key == key && h.session.id == id;
        let (held, _) = self.table.find_entry(key, same).ok()?.remove();
        Some(*held.session)
    }

    /// Every session, in no particular order.
    pub fn values(&self) -> impl Iterator<Item = &Session> {
        self.table.iter().map(|h| &*h.session)
    }

    /// [`Sessions::values`] for a walk that reads each session's parties: each session is
    /// a pointer away from the table, so those a few ahead are loaded meanwhile, their
    /// place and then their parties.
    pub fn walk(&self) -> impl Iterator<Item = &Session> {
        const AHEAD: usize = 8;
        let mut far = self.table.iter();
        let mut near = self.table.iter();
        for h in far.by_ref().take(2 * AHEAD) {
            h.session.prefetch_self();
        }
        for h in near.by_ref().take(AHEAD) {
            h.session.prefetch_parties();
        }
        self.table.iter().map(move |h| {
            if let Some(a) = far.next() {
                a.session.prefetch_self();
            }
            if let Some(a) = near.next() {
                a.session.prefetch_parties();
            }
            &*h.session
        })
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Session> {
        self.table.iter_mut().map(|h| &mut *h.session)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Ts;

    fn session(id: &str) -> Session {
        Session::new(id.to_string(), Ts(0))
    }

    #[test]
    fn a_session_is_found_by_its_key_and_its_id_together() {
        let mut all = Sessions::default();
        all.insert(session("s-1"));
        all.insert(session("s-2"));
        let (one, two) = (fingerprint("s-1"), fingerprint("s-2"));
        assert_eq!(all.get_keyed(one, "s-1").map(|s| &*s.id), Some("s-1"));
        // A key names a session only with its id: as if two ids shared a fingerprint.
        assert!(all.get_keyed(one, "s-2").is_none());
        assert!(matches!(all.entry(one, "s-2"), Found::Vacant(_)));
        // Loading ahead goes by the key alone.
        assert_eq!(all.hinted(two).map(|s| &*s.id), Some("s-2"));
        assert!(all.hinted(fingerprint("s-3")).is_none());
    }

    #[test]
    fn insert_replaces_remove_lets_go() {
        let mut all = Sessions::with_capacity(4);
        all.insert(session("s-1"));
        let mut again = session("s-1");
        again.max_seq = 7;
        all.insert(again);
        assert_eq!(all.len(), 1);
        assert_eq!(all.get("s-1").map(|s| s.max_seq), Some(7));
        match all.entry(fingerprint("s-2"), "s-2") {
            Found::Vacant(v) => v.insert(session("s-2")).max_seq = 3,
            Found::Held(_) => panic!("s-2 is not held"),
        }
        assert_eq!(all.get_mut("s-2").map(|s| s.max_seq), Some(3));
        assert_eq!(all.remove("s-1").map(|s| s.id), Some("s-1".to_string()));
        assert!(all.remove("s-1").is_none() && !all.contains_key("s-1"));
        let ids: Vec<&str> = all.values().map(|s| &*s.id).collect();
        assert_eq!(ids, ["s-2"]);
    }
}
