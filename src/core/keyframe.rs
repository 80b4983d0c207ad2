//! Keyframes: the whole [`SessionStore`] as bytes, so a reader restores the store as
//! it stood at one point of a stream instead of applying every event before it. A
//! replay keeps one every few thousand events of a recording (its index); the relay
//! keeps them for boards that join a stream.
//!
//! `encode` writes every field of the store but its instance and its change log (a decoded
//! store is a new store value, with its own [`Version`](super::Version)s and an empty log).
//! The layout: `CTKF`, [`VERSION`] (u32 LE), the payload's length (u64 LE), the
//! payload, a 64-bit checksum of everything before it (u64 LE). The payload holds
//! the retention config, generation and clock, counters, evicted totals, the ended
//! queue and feed, the tombstones, the archive (as packed), the sessions held in full
//! with their timelines and those evicted but not yet handed over (in the archive's
//! encoding, strings once per session),
//! maps in key order so the same store always gives the same bytes. `decode` checks
//! the magic, the version, the length and the checksum before reading anything, and
//! every read after: a keyframe from another version, truncated or corrupted is a
//! [`KeyframeError`], never a store.

use super::archive::{Archived, Pack, Reader, Writer};
use super::center::Center;
use super::changes::Instance;
use super::session::Session;
use super::store::{EndedFeed, SessionStore, StoreConfig};
use super::tombstones::{fingerprint, Tombstones};
use crate::wire::Ts;
use std::collections::{HashMap, VecDeque};

/// The encoding version: bumped whenever the bytes of a store change meaning.
pub const VERSION: u32 = 11;

const MAGIC: [u8; 4] = *b"CTKF";
/// Magic, version, payload length.
const HEADER: usize = 16;
/// The checksum.
const TRAILER: usize = 8;

/// Why bytes are not a keyframe this calltop can use.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyframeError {
    #[error("not a calltop keyframe")]
    NotAKeyframe,
    #[error("keyframe has encoding version {found}, this calltop reads {expected}")]
    OtherVersion { found: u32, expected: u32 },
    #[error("keyframe is truncated")]
    Truncated,
    #[error("keyframe checksum does not match: corrupted")]
    Checksum,
    #[error("keyframe is corrupt: {0}")]
    Corrupt(&'static str),
}

/// The store as keyframe bytes.
pub fn encode(store: &SessionStore) -> Vec<u8> {
    let mut bytes = Vec::new();
    encode_into(store, &mut bytes);
    bytes
}

/// [`encode`] into `buf`, replacing what it held: one who writes keyframe after
/// keyframe reuses its memory instead of taking fresh pages for each.
pub fn encode_into(store: &SessionStore, buf: &mut Vec<u8>) {
    // Every field by name: a field added to the store does not compile here until the
    // keyframe carries it (and VERSION moves).
    let SessionStore {
        instance: _,
        config,
        sessions,
        archive,
        ended,
        ended_count,
        ended_feed,
        tombstones,
        evicted,
        counters,
        generation,
        clock,
        handed,
        outcomes,
        center,
        changes: _,
        lag: _,
        presence_only: _,
    } = store;
    let mut w = Writer::reusing(std::mem::take(buf));
    w.buf.clear();
    w.buf
        .reserve(4096 + 512 * sessions.len() + 400 * archive.len());
    w.buf.extend_from_slice(&MAGIC);
    w.buf.extend_from_slice(&VERSION.to_le_bytes());
    w.buf.extend_from_slice(&[0; 8]);
    config.put(&mut w);
    generation.put(&mut w);
    w.int(clock.0);
    counters.put(&mut w);
    evicted.put(&mut w);
    ended_count.put(&mut w);
    w.uint(ended.len() as u64);
    for (at, id) in ended {
        w.int(at.0);
        w.bytes(id.as_bytes());
    }
    w.uint(ended_feed.last);
    w.uint(ended_feed.ids.len() as u64);
    for id in &ended_feed.ids {
        w.bytes(id.as_bytes());
    }
    w.uint(tombstones.len() as u64);
    for f in tombstones.order() {
        w.buf.extend_from_slice(&f.to_le_bytes());
    }
    let mut archived: Vec<&Archived> = archive.values().collect();
    archived.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    w.uint(archived.len() as u64);
    for a in archived {
        w.bytes(a.id.as_bytes());
        a.end.put(&mut w);
        a.ended_seen.put(&mut w);
        w.bytes(a.bytes());
    }
    let mut held: Vec<&Session> = sessions.values().collect();
    held.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    w.uint(held.len() as u64);
    for s in &held {
        s.put(&mut w);
    }
    w.uint(handed.len() as u64);
    for (s, join) in handed {
        s.put(&mut w);
        put_json(&mut w, join);
    }
    put_json(&mut w, outcomes);
    // The calls the sessions hold are kept with the center's own (a decoded session
    // takes its call back on its next event).
    put_json(
        &mut w,
        &center.with_held(held.iter().map(|s| (s.id.as_str(), &s.center))),
    );
    *buf = w.buf;
    let len = (buf.len() - HEADER) as u64;
    buf[8..HEADER].copy_from_slice(&len.to_le_bytes());
    let sum = checksum(buf);
    buf.extend_from_slice(&sum.to_le_bytes());
}

/// A store from keyframe bytes, checked (see the module docs).
pub fn decode(bytes: &[u8]) -> Result<SessionStore, KeyframeError> {
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().expect("4 bytes"));
    let u64_at = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
    if bytes.len() < 4 || bytes[..4] != MAGIC {
        return Err(KeyframeError::NotAKeyframe);
    }
    if bytes.len() < 8 {
        return Err(KeyframeError::Truncated);
    }
    let found = u32_at(4);
    if found != VERSION {
        return Err(KeyframeError::OtherVersion {
            found,
            expected: VERSION,
        });
    }
    if bytes.len() < HEADER + TRAILER {
        return Err(KeyframeError::Truncated);
    }
    let len = usize::try_from(u64_at(8)).map_err(|_| KeyframeError::Truncated)?;
    let end = HEADER.checked_add(len).ok_or(KeyframeError::Truncated)?;
    match end.checked_add(TRAILER) {
        Some(total) if total == bytes.len() => {}
        Some(total) if total > bytes.len() => return Err(KeyframeError::Truncated),
        _ => return Err(KeyframeError::Corrupt("bytes after the checksum")),
    }
    if checksum(&bytes[..end]) != u64_at(end) {
        return Err(KeyframeError::Checksum);
    }
    let mut r = Reader::new(&bytes[HEADER..end]);
    read_store(&mut r)
        .filter(|_| r.remaining() == 0)
        .ok_or(KeyframeError::Corrupt("a field does not read back"))
}

fn read_store(r: &mut Reader) -> Option<SessionStore> {
    let text = |r: &mut Reader| String::from_utf8(r.bytes()?.to_vec()).ok();
    // A corrupt count cannot over-allocate: each element takes at least a byte.
    let count = |r: &mut Reader| {
        let n = usize::try_from(r.uint()?).ok()?;
        (n <= r.remaining()).then_some(n)
    };
    let config = StoreConfig::get(r)?;
    let generation = u64::get(r)?;
    let clock = Ts(r.int()?);
    let counters = Pack::get(r)?;
    let evicted = Pack::get(r)?;
    let ended_count = usize::get(r)?;
    let mut ended = VecDeque::with_capacity(count(r)?);
    for _ in 0..ended.capacity() {
        ended.push_back((Ts(r.int()?), text(r)?));
    }
    let last = r.uint()?;
    let n = count(r)?;
    let mut ids = VecDeque::with_capacity(n);
    for _ in 0..n {
        ids.push_back(text(r)?);
    }
    let n = count(r)?;
    let mut order = Vec::with_capacity(n);
    for _ in 0..n {
        order.push(u64::from_le_bytes(r.take(8)?.try_into().ok()?));
    }
    let n = count(r)?;
    let mut archive = HashMap::with_capacity_and_hasher(n, Default::default());
    for _ in 0..n {
        let id: Box<str> = text(r)?.into();
        let end = Pack::get(r)?;
        let ended_seen = Pack::get(r)?;
        let bytes = r.bytes()?.into();
        archive.insert(
            fingerprint(&id),
            Archived::from_parts(id, end, ended_seen, bytes),
        );
    }
    let n = count(r)?;
    let mut sessions = super::store::sessions::Sessions::with_capacity(n);
    for _ in 0..n {
        sessions.insert(Session::get(r)?);
    }
    let n = count(r)?;
    let mut handed = Vec::with_capacity(n);
    for _ in 0..n {
        handed.push((Session::get(r)?, get_json(r)?));
    }
    let outcomes = get_json(r)?;
    let mut center: Center = get_json(r)?;
    center.restore(
        sessions
            .values_mut()
            .map(|s| (s.id.as_str(), &mut s.center)),
    );
    Some(SessionStore {
        instance: Instance::fresh(),
        config,
        sessions,
        archive,
        ended,
        ended_count,
        ended_feed: EndedFeed { ids, last },
        tombstones: Tombstones::from_order(config.tombstones, order),
        evicted,
        counters,
        generation,
        clock,
        handed,
        outcomes,
        center,
        changes: Default::default(),
        lag: None,
        presence_only: Default::default(),
    })
}

/// The parts kept as JSON inside the keyframe (agents and queues, the platform joins):
/// their types change with the views more often than the sessions' packed encoding.
/// Written straight from the value, whose hash maps serialise in key order
/// ([`super::ordered`]): the same store always gives the same bytes.
fn put_json(w: &mut Writer, value: &impl serde::Serialize) {
    w.bytes(&serde_json::to_vec(value).unwrap_or_default());
}

fn get_json<T: serde::de::DeserializeOwned>(r: &mut Reader) -> Option<T> {
    serde_json::from_slice(r.bytes()?).ok()
}

/// A 64-bit checksum (not cryptographic): each 8-byte word goes through invertible
/// steps, so a change to any one word always changes it; the length is mixed in.
fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = (bytes.len() as u64) ^ 0x243F_6A88_85A3_08D3;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
        h = (h ^ w).wrapping_mul(K).rotate_left(29);
    }
    let mut tail = [0u8; 8];
    tail[..words.remainder().len()].copy_from_slice(words.remainder());
    h = (h ^ u64::from_le_bytes(tail)).wrapping_mul(K);
    h ^ (h >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::Applied;
    use crate::wire::Notification;

    /// A store that has been through everything: archived and evicted calls,
    /// tombstones, a full ended feed window, calls in progress, audit lines.
    fn busy(events: &[Notification]) -> SessionStore {
        let mut store = SessionStore::new(StoreConfig {
            max_ended: 300,
            max_ended_age_ms: 3_600_000,
            tombstones: 100,
            detail_window: 50,
            ..StoreConfig::default()
        });
        for n in events {
            let t = n.body.event_time.unwrap_or(Ts(0));
            store.apply_event(n.body.clone(), t);
        }
        let id = store
            .active_ids()
            .into_iter()
            .min()
            .expect("a call in progress");
        store.audit(&id, Ts(1), "⚑ hold: done".into());
        store.note_malformed(Ts(2));
        store
    }

    fn events() -> Vec<Notification> {
        crate::synth::notifications(8_000, 60, 9)
    }

    #[test]
    fn a_decoded_store_encodes_the_same_and_goes_on_the_same() {
        let all = events();
        let (head, tail) = all.split_at(6_000);
        let store = busy(head);
        assert!(store.archived().count() > 0 && store.tombstones.len() == 100);
        assert!(store.sessions().any(|s| !s.timeline.is_empty()));
        let bytes = encode(&store);
        let mut back = decode(&bytes).expect("decodes");
        assert_eq!(encode(&back), bytes, "every field read back");
        assert_ne!(back.version(), store.version(), "a new store value");
        assert_eq!(back.generation(), store.generation());
        let later = store.clock().expect("a clock").plus_millis(60_000);
        assert_eq!(back.summary(later), store.summary(later));
        assert_eq!(back.party_codes(), store.party_codes());
        // The same events from here on give the same store, late ones included.
        let mut store = store;
        for n in tail {
            let t = n.body.event_time.unwrap_or(Ts(0));
            let a = store.apply_event(n.body.clone(), t);
            assert_eq!(back.apply_event(n.body.clone(), t), a);
        }
        let evicted = head.iter().find(|n| {
            let id = &n.body.telephony_session_id;
            store.tombstones.contains(id)
        });
        let late = evicted.expect("a tombstoned call").body.clone();
        assert_eq!(back.apply_event(late.clone(), Ts(0)), Applied::Late);
        assert_eq!(store.apply_event(late, Ts(0)), Applied::Late);
        assert_eq!(encode(&back), encode(&store));
    }

    /// What the center shows: every queue's figures and waiting calls, every agent's
    /// figures and live calls.
    fn center_state(c: &Center) -> Vec<String> {
        let mut v: Vec<String> = c
            .queues()
            .map(|q| format!("{} {:?} {:?}", q.id, q.figures, q.waiting))
            .chain(c.agents().map(|a| {
                let calls: Vec<_> = a
                    .calls
                    .iter()
                    .map(|k| (&k.session, &k.party, &k.code, k.since, &k.peer, k.counted))
                    .collect();
                format!("{} {:?} {:?} {:?}", a.id, a.figures, a.idle_since(), calls)
            }))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn the_center_kept_in_the_sessions_is_a_center_on_its_own_and_survives_a_keyframe() {
        use crate::wire::{parse_view, IncomingView};
        // A contact center's stream, with every 37th line sent again 2 500 lines on
        // (late), through a store that lets ended calls go after 20.
        let lines = crate::synth::center_stream(30_000, 200, 4);
        let mut fed = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            fed.push(l);
            if i >= 2_500 && (i - 2_500) % 37 == 0 {
                fed.push(&lines[i - 2_500]);
            }
        }
        let config = StoreConfig {
            max_ended: 20,
            detail_window: 5,
            ..StoreConfig::default()
        };
        let mut store = SessionStore::new(config);
        let mut alone = Center::default();
        for c in [store.center_mut(), &mut alone] {
            c.roster(&crate::synth::center_directory());
        }
        let mut back: Option<SessionStore> = None;
        for (i, l) in fed.iter().enumerate() {
            for s in std::iter::once(&mut store).chain(back.as_mut()) {
                let p = parse_view(l).expect("a line of the stream");
                let now = p.stream_time().unwrap_or(Ts(0));
                s.ingest_view(p, now);
            }
            let p = parse_view(l).expect("a line of the stream");
            let now = p.received_at.or(p.stream_time()).unwrap_or(Ts(0));
            if let IncomingView::Session(n) = p.item {
                alone.observe(&n.body, now);
            }
            if i == fed.len() / 2 {
                let bytes = encode(&store);
                let decoded = decode(&bytes).expect("decodes");
                assert_eq!(encode(&decoded), bytes, "every call read back in place");
                back = Some(decoded);
            }
        }
        let back = back.expect("a keyframe was taken");
        assert!(store.tombstones.len() > 1_000, "ended calls were let go");
        assert!(store.counters().late > 500, "late events were seen");
        let want = center_state(&alone);
        let offered: u64 = alone.queues().map(|q| q.figures.offered).sum();
        let busy = alone.agents().filter(|a| !a.calls.is_empty()).count();
        assert!(
            offered > 1_000 && busy > 10,
            "{offered} offered, {busy} agents on calls"
        );
        assert_eq!(center_state(store.center()), want);
        assert_eq!(center_state(back.center()), want);
        assert_eq!(encode(&back), encode(&store));
    }

    #[test]
    fn an_empty_store_round_trips() {
        let empty = SessionStore::default();
        let back = decode(&encode(&empty)).expect("decodes");
        assert_eq!(back.len(), 0);
        assert_eq!(back.clock(), None);
        assert_eq!(encode(&back), encode(&empty));
    }

    #[test]
    fn another_version_or_damaged_bytes_are_errors_never_a_store() {
        let bytes = encode(&busy(&events()[..2_000]));
        let mut other = bytes.clone();
        other[4..8].copy_from_slice(&(VERSION + 1).to_le_bytes());
        assert_eq!(
            decode(&other).err(),
            Some(KeyframeError::OtherVersion {
                found: VERSION + 1,
                expected: VERSION
            })
        );
        assert_eq!(
            decode(b"{\"json\":1}").err(),
            Some(KeyframeError::NotAKeyframe)
        );
        for cut in [0, 3, 7, 15, 16, bytes.len() / 2, bytes.len() - 1] {
            assert!(decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer).is_err());
        // Any byte flipped after the magic and version is caught.
        for i in (8..bytes.len()).step_by(7) {
            let mut bad = bytes.clone();
            bad[i] ^= 0x10;
            assert!(decode(&bad).is_err(), "flip at {i}");
        }
    }
}
