//! The archive form of an ended session: the compacted [`Session`] packed into a few
//! hundred bytes (varints, timestamps relative to when the call was first seen) so that
//! a shift's worth of history fits in memory. Packing is lossless for a compacted
//! session: `unpack(pack(s)) == s`. The same encoding, timeline included, packs every
//! session of a [keyframe](super::keyframe).

use super::metrics::{Counters, Outcomes, Stat, Totals};
use super::party::{Changes, Delivery, EndpointState, PartyState, Sequenced, Short, StatusChange};
use super::session::{EntryKind, Session, TimelineEntry};
use crate::wire::{
    ConferenceRole, Direction, MobilePickupData, OriginType, Park, PeerId, Reason, Recording,
    SipData, Status, StatusCode, Ts, UiCallInfo, UiInfoItem,
};
use std::cell::RefCell;
use std::hash::BuildHasher;

/// An archived session: what the history needs without unpacking, and the packed rest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Archived {
    /// The telephonySessionId (also packed; kept out here for lists and lookups).
    pub id: Box<str>,
    /// When the call ended (see [`Session::end`]).
    pub end: Option<Ts>,
    /// When the store saw it end.
    pub ended_seen: Option<Ts>,
    bytes: Box<[u8]>,
}

impl Archived {
    /// Packs a session (its timeline must already be dropped: see `Session::compact`).
    pub fn pack(s: &Session) -> Archived {
        debug_assert!(s.timeline.is_empty(), "archive a compacted session");
        thread_local! {
            /// Reused by every packing on the thread, so packing a session allocates
            /// only its bytes, not a growing buffer and string table each time.
            static SCRATCH: RefCell<Writer> = RefCell::new(Writer::with_capacity(1024));
        }
        let bytes = SCRATCH.with_borrow_mut(|w| {
            w.buf.clear();
            s.put(w);
            Box::<[u8]>::from(w.buf.as_slice())
        });
        Archived {
            id: s.id.as_str().into(),
            end: s.end(),
            ended_seen: s.ended_seen,
            bytes,
        }
    }

    /// The session back. `None` only if the bytes were corrupted, which packing never does.
    pub fn unpack(&self) -> Option<Session> {
        let mut r = Reader::new(&self.bytes);
        let s = Session::get(&mut r)?;
        (r.remaining() == 0).then_some(s)
    }

    /// Packed size in bytes.
    pub fn packed_len(&self) -> usize {
        self.bytes.len()
    }

    /// The packed bytes (what a keyframe copies).
    pub(super) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// An archived session from its parts, as a keyframe carries them.
    pub(super) fn from_parts(
        id: Box<str>,
        end: Option<Ts>,
        ended_seen: Option<Ts>,
        bytes: Box<[u8]>,
    ) -> Archived {
        Archived {
            id,
            end,
            ended_seen,
            bytes,
        }
    }
}

/// Packs values into bytes: varints, strings written once per session then by index.
pub(super) struct Writer {
    pub(super) buf: Vec<u8>,
    /// Timestamps are written relative to this.
    base: i64,
    /// Each distinct string's hash and where it was written (`at`, `len`): a repeat is
    /// written as its index here.
    strings: Vec<(u64, usize, usize)>,
    /// Indexes into `strings` by the string's hash, to find a repeat without a walk.
    seen: hashbrown::HashTable<u32>,
    /// The session id's hex, which party ids repeat (`s-X` → `p-X-1`).
    session_core: String,
}

/// Reads what a [`Writer`] packed; every read is checked (`None` on corrupt bytes).
pub(super) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: i64,
    strings: Vec<(usize, usize)>,
    session_core: String,
}

impl Writer {
    pub(super) fn with_capacity(n: usize) -> Writer {
        Writer::reusing(Vec::with_capacity(n))
    }

    /// Writes after what `buf` holds (its capacity reused).
    pub(super) fn reusing(buf: Vec<u8>) -> Writer {
        Writer {
            buf,
            base: 0,
            strings: Vec::new(),
            seen: hashbrown::HashTable::new(),
            session_core: String::new(),
        }
    }

    pub(super) fn uint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push(v as u8 | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    pub(super) fn int(&mut self, v: i64) {
        self.uint(((v << 1) ^ (v >> 63)) as u64);
    }

    /// Bytes with their length, never by index (for many distinct strings).
    pub(super) fn bytes(&mut self, b: &[u8]) {
        self.uint(b.len() as u64);
        self.buf.extend_from_slice(b);
    }

    /// A string: `len << 1` and its bytes the first time, `index << 1 | 1` after.
    fn str(&mut self, s: &str) {
        let state = foldhash::fast::FixedState::default();
        let hash = state.hash_one(s);
        let (strings, buf) = (&self.strings, &self.buf);
        let found = self.seen.find(hash, |&i| {
            let (_, at, n) = strings[i as usize];
            &buf[at..at + n] == s.as_bytes()
        });
        match found {
            Some(&i) => self.uint(u64::from(i) << 1 | 1),
            None => {
                let i = self.strings.len() as u32;
                self.uint((s.len() as u64) << 1);
                self.strings.push((hash, self.buf.len(), s.len()));
                self.buf.extend_from_slice(s.as_bytes());
                let strings = &self.strings;
                self.seen.insert_unique(hash, i, |&j| strings[j as usize].0);
            }
        }
    }

    fn ts(&mut self, t: Ts) {
        self.int(t.0.wrapping_sub(self.base));
    }
}

impl<'a> Reader<'a> {
    pub(super) fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader {
            buf,
            pos: 0,
            base: 0,
            strings: Vec::new(),
            session_core: String::new(),
        }
    }

    pub(super) fn byte(&mut self) -> Option<u8> {
        let b = *self.buf.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    pub(super) fn uint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Some(v);
            }
        }
        None
    }

    pub(super) fn int(&mut self) -> Option<i64> {
        let u = self.uint()?;
        Some((u >> 1) as i64 ^ -((u & 1) as i64))
    }

    /// What [`Writer::bytes`] wrote.
    pub(super) fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = usize::try_from(self.uint()?).ok()?;
        self.take(n)
    }

    /// The next `n` bytes as they are.
    pub(super) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.remaining() {
            return None;
        }
        self.pos += n;
        Some(&self.buf[self.pos - n..self.pos])
    }

    fn str(&mut self) -> Option<String> {
        let tag = self.uint()?;
        let (at, n) = if tag & 1 == 1 {
            *self.strings.get(usize::try_from(tag >> 1).ok()?)?
        } else {
            let n = usize::try_from(tag >> 1).ok()?;
            if n > self.buf.len() - self.pos {
                return None;
            }
            self.strings.push((self.pos, n));
            self.pos += n;
            (self.pos - n, n)
        };
        String::from_utf8(self.buf[at..at + n].to_vec()).ok()
    }

    fn ts(&mut self) -> Option<Ts> {
        Some(Ts(self.int()?.wrapping_add(self.base)))
    }

    pub(super) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }
}

/// A value that packs into the archive.
pub(super) trait Pack: Sized {
    fn put(&self, w: &mut Writer);
    fn get(r: &mut Reader) -> Option<Self>;
}

impl Pack for String {
    fn put(&self, w: &mut Writer) {
        w.str(self)
    }
    fn get(r: &mut Reader) -> Option<Self> {
        r.str()
    }
}

impl Pack for Short {
    fn put(&self, w: &mut Writer) {
        w.str(self)
    }
    fn get(r: &mut Reader) -> Option<Self> {
        r.str().map(Short::from)
    }
}

impl Pack for bool {
    fn put(&self, w: &mut Writer) {
        w.buf.push(u8::from(*self))
    }
    fn get(r: &mut Reader) -> Option<Self> {
        Some(r.byte()? != 0)
    }
}

impl Pack for i64 {
    fn put(&self, w: &mut Writer) {
        w.int(*self)
    }
    fn get(r: &mut Reader) -> Option<Self> {
        r.int()
    }
}

/// Unsigned integers pack as varints (a value too large for the type does not read).
macro_rules! pack_uint {
    ($($t:ty),+) => {$(
        impl Pack for $t {
            fn put(&self, w: &mut Writer) {
                w.uint(*self as u64)
            }
            fn get(r: &mut Reader) -> Option<Self> {
                <$t>::try_from(r.uint()?).ok()
            }
        }
    )+};
}
pack_uint!(u16, u32, u64, usize);

impl Pack for Ts {
    fn put(&self, w: &mut Writer) {
        w.ts(*self)
    }
    fn get(r: &mut Reader) -> Option<Self> {
        r.ts()
    }
}

impl<T: Pack> Pack for Option<T> {
    fn put(&self, w: &mut Writer) {
        match self {
            None => w.buf.push(0),
            Some(v) => {
                w.buf.push(1);
                v.put(w);
            }
        }
    }
    fn get(r: &mut Reader) -> Option<Self> {
        match r.byte()? {
            0 => Some(None),
            1 => Some(Some(T::get(r)?)),
            _ => None,
        }
    }
}

impl<T: Pack> Pack for Box<T> {
    fn put(&self, w: &mut Writer) {
        (**self).put(w)
    }
    fn get(r: &mut Reader) -> Option<Self> {
        T::get(r).map(Box::new)
    }
}

impl<T: Pack> Pack for Vec<T> {
    fn put(&self, w: &mut Writer) {
        w.uint(self.len() as u64);
        for v in self {
            v.put(w);
        }
    }
    fn get(r: &mut Reader) -> Option<Self> {
        let n = usize::try_from(r.uint()?).ok()?;
        // Each element takes at least one byte: a corrupt length cannot over-allocate.
        let mut v = Vec::with_capacity(n.min(r.remaining()));
        for _ in 0..n {
            v.push(T::get(r)?);
        }
        Some(v)
    }
}

/// Wire enums pack as their spelling (unknown values kept verbatim).
macro_rules! pack_enum {
    ($($t:ty),+) => {$(
        impl Pack for $t {
            fn put(&self, w: &mut Writer) {
                w.str(self.as_str())
            }
            fn get(r: &mut Reader) -> Option<Self> {
                Some(<$t>::parse(&r.str()?))
            }
        }
    )+};
}
pack_enum!(Direction, StatusCode, Reason, ConferenceRole, OriginType);

/// Rare, larger wire structs pack as their JSON.
macro_rules! pack_json {
    ($($t:ty),+) => {$(
        impl Pack for $t {
            fn put(&self, w: &mut Writer) {
                w.str(&serde_json::to_string(self).unwrap_or_default())
            }
            fn get(r: &mut Reader) -> Option<Self> {
                serde_json::from_str(&r.str()?).ok()
            }
        }
    )+};
}
pack_json!(PeerId, MobilePickupData, SipData);

/// Structs pack field by field, in declaration order.
macro_rules! pack_struct {
    ($t:ident { $($f:tt),+ $(,)? }) => {
        impl Pack for $t {
            fn put(&self, w: &mut Writer) {
                $(self.$f.put(w);)+
            }
            fn get(r: &mut Reader) -> Option<Self> {
                Some($t { $($f: Pack::get(r)?,)+ })
            }
        }
    };
}
pub(super) use pack_struct;
pack_struct!(Park { id });
pack_struct!(Stat {
    count,
    total_ms,
    max_ms
});
pack_struct!(Totals {
    sessions,
    outcomes,
    ring,
    talk,
    hold,
});
pack_struct!(Outcomes {
    answered,
    missed,
    voicemail,
    transferred,
    parked,
    abandoned,
    unknown,
});
pack_struct!(Counters {
    events,
    applied,
    stale,
    duplicate,
    malformed,
    late,
    presence,
    other,
    ended_in_outage,
});
pack_struct!(Changes { 0 });
pack_struct!(TimelineEntry {
    received,
    seq,
    at,
    kind
});

impl Pack for Delivery {
    fn put(&self, w: &mut Writer) {
        w.buf.push(match self {
            Delivery::Applied => 0,
            Delivery::Stale => 1,
            Delivery::Duplicate => 2,
        })
    }
    fn get(r: &mut Reader) -> Option<Self> {
        Some(match r.byte()? {
            0 => Delivery::Applied,
            1 => Delivery::Stale,
            2 => Delivery::Duplicate,
            _ => return None,
        })
    }
}

impl Pack for EntryKind {
    fn put(&self, w: &mut Writer) {
        match self {
            EntryKind::Event {
                party,
                code,
                reason,
                changes,
                delivery,
            } => {
                w.buf.push(0);
                party.put(w);
                code.put(w);
                reason.put(w);
                changes.put(w);
                delivery.put(w);
            }
            EntryKind::Snapshot { party, code } => {
                w.buf.push(1);
                party.put(w);
                code.put(w);
            }
            EntryKind::Audit(text) => {
                w.buf.push(2);
                text.put(w);
            }
        }
    }
    fn get(r: &mut Reader) -> Option<Self> {
        Some(match r.byte()? {
            0 => EntryKind::Event {
                party: Pack::get(r)?,
                code: Pack::get(r)?,
                reason: Pack::get(r)?,
                changes: Pack::get(r)?,
                delivery: Pack::get(r)?,
            },
            1 => EntryKind::Snapshot {
                party: Pack::get(r)?,
                code: Pack::get(r)?,
            },
            2 => EntryKind::Audit(Pack::get(r)?),
            _ => return None,
        })
    }
}
pack_struct!(Recording { id, active, mode });
pack_struct!(UiInfoItem { kind, value });
pack_struct!(UiCallInfo {
    primary,
    additional
});
pack_struct!(Status {
    code,
    reason,
    description,
    park_data,
    peer_id,
    mobile_pickup_data,
    rcc
});
pack_struct!(EndpointState {
    phone_number,
    name,
    extension_id,
    device_id
});
pack_struct!(StatusChange {
    seq,
    at,
    code,
    reason,
    synthetic
});
/// A party id `p-X-N` of session `s-X` packs as `-N` (flag 1); any other id verbatim.
struct PartyId(String);

impl Pack for PartyId {
    fn put(&self, w: &mut Writer) {
        let rest = self
            .0
            .strip_prefix("p-")
            .and_then(|r| r.strip_prefix(w.session_core.as_str()))
            .filter(|_| !w.session_core.is_empty());
        match rest {
            Some(rest) => {
                w.buf.push(1);
                w.str(rest);
            }
            None => {
                w.buf.push(0);
                w.str(&self.0);
            }
        }
    }
    fn get(r: &mut Reader) -> Option<Self> {
        match r.byte()? {
            0 => r.str().map(PartyId),
            1 => {
                let rest = r.str()?;
                Some(PartyId(format!("p-{}{rest}", r.session_core)))
            }
            _ => None,
        }
    }
}

impl Pack for PartyState {
    fn put(&self, w: &mut Writer) {
        PartyId(self.id.clone()).put(w);
        PartyFields::put_of(self, w);
    }
    fn get(r: &mut Reader) -> Option<Self> {
        let id = PartyId::get(r)?.0;
        PartyFields::get_into(PartyState::new(id), r)
    }
}

/// Every field of a party but its id.
struct PartyFields;

macro_rules! pack_party_fields {
    ($($f:ident),+ $(,)?) => {
        impl PartyFields {
            fn put_of(p: &PartyState, w: &mut Writer) {
                $(p.$f.put(w);)+
            }
            fn get_into(mut p: PartyState, r: &mut Reader) -> Option<PartyState> {
                $(p.$f = Pack::get(r)?;)+
                Some(p)
            }
        }
    };
}
pack_party_fields!(
    account_id,
    extension_id,
    direction,
    from,
    to,
    status,
    park,
    recordings,
    queue_call,
    missed_call,
    stand_alone,
    muted,
    conference_role,
    sip_data,
    ui_call_info,
    history,
    max_seq,
);

impl<T: Pack> Pack for Sequenced<T> {
    // 0: never set (one byte); 1: a value and its sequence; 2: no value, a sequence.
    fn put(&self, w: &mut Writer) {
        match self.parts() {
            (None, i64::MIN) => w.buf.push(0),
            (Some(v), seq) => {
                w.buf.push(1);
                v.put(w);
                w.int(seq);
            }
            (None, seq) => {
                w.buf.push(2);
                w.int(seq);
            }
        }
    }
    fn get(r: &mut Reader) -> Option<Self> {
        match r.byte()? {
            0 => Some(Sequenced::default()),
            1 => {
                let v = T::get(r)?;
                Some(Sequenced::from_parts(Some(v), r.int()?))
            }
            2 => Some(Sequenced::from_parts(None, r.int()?)),
            _ => None,
        }
    }
}

impl Pack for Session {
    /// A session starts afresh: its strings, its time base and its party-id prefix.
    fn put(&self, w: &mut Writer) {
        w.strings.clear();
        w.seen.clear();
        w.base = self.first_seen.0;
        // first_seen is the base of every other timestamp, so it goes first, absolute.
        w.int(self.first_seen.0);
        self.id.put(w);
        w.session_core.clear();
        w.session_core
            .push_str(self.id.strip_prefix("s-").unwrap_or_default());
        self.session_id.put(w);
        self.server_id.put(w);
        self.origin.put(w);
        self.parties.put(w);
        self.timeline.put(w);
        self.timeline_dropped.put(w);
        self.max_seq.put(w);
        self.start.put(w);
        self.last_seen.put(w);
        self.ended.put(w);
        self.ended_seen.put(w);
        self.ended_unseen.put(w);
        self.fragment.put(w);
    }
    fn get(r: &mut Reader) -> Option<Self> {
        r.strings.clear();
        let first_seen = Ts(r.int()?);
        r.base = first_seen.0;
        let id: String = Pack::get(r)?;
        r.session_core = id.strip_prefix("s-").unwrap_or_default().to_string();
        let s = Session {
            id,
            session_id: Pack::get(r)?,
            server_id: Pack::get(r)?,
            origin: Pack::get(r)?,
            parties: Pack::get(r)?,
            timeline: Pack::get(r)?,
            timeline_dropped: Pack::get(r)?,
            max_seq: Pack::get(r)?,
            start: Pack::get(r)?,
            first_seen,
            last_seen: Pack::get(r)?,
            ended: Pack::get(r)?,
            ended_seen: Pack::get(r)?,
            ended_unseen: Pack::get(r)?,
            fragment: Pack::get(r)?,
            center: Default::default(),
        };
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{SessionStore, StoreConfig};

    fn sessions() -> Vec<Session> {
        let mut store = SessionStore::new(StoreConfig {
            max_ended: usize::MAX,
            max_ended_age_ms: i64::MAX,
            tombstones: 0,
            detail_window: usize::MAX,
            ..StoreConfig::default()
        });
        for n in crate::synth::notifications(20_000, 50, 5) {
            let t = n.body.event_time.unwrap_or(Ts(0));
            store.apply_event(n.body, t);
        }
        store.sessions().cloned().collect()
    }

    #[test]
    fn unpack_gives_back_the_compacted_session() {
        let all = sessions();
        assert!(all.len() > 1_000 && all.iter().any(|s| s.ended) && all.iter().any(|s| !s.ended));
        let (mut bytes, mut n) = (0, 0);
        for mut s in all {
            s.compact();
            let a = Archived::pack(&s);
            assert_eq!(a.end, s.end());
            assert_eq!(a.unpack().as_ref(), Some(&s), "session {}", s.id);
            bytes += a.packed_len();
            n += 1;
        }
        // Packing is what makes archiving worth it: far below the in-memory form.
        assert!(bytes / n < 450, "{} bytes per session", bytes / n);
    }

    #[test]
    fn unknown_values_and_rare_fields_survive() {
        let mut s = sessions().into_iter().find(|s| s.ended).unwrap();
        s.compact();
        s.origin = Some(OriginType::Unknown("Teleport".into()));
        let p = PartyState {
            status: Sequenced::from_parts(
                Some(Status {
                    peer_id: Some(Box::new(PeerId {
                        session_id: Some("1".into()),
                        telephony_session_id: Some("s-2".into()),
                        party_id: Some("p-3".into()),
                    })),
                    ..Status::code(StatusCode::Unknown("Levitating".into()))
                }),
                i64::MAX,
            ),
            sip_data: Sequenced::from_parts(Some(Box::default()), -4),
            ..PartyState::new("p-ü".into())
        };
        s.parties.push(p);
        assert_eq!(Archived::pack(&s).unpack(), Some(s));
    }

    #[test]
    fn corrupt_bytes_give_none_not_a_panic() {
        let mut s = sessions().into_iter().find(|s| s.ended).unwrap();
        s.compact();
        let a = Archived::pack(&s);
        for cut in 0..a.bytes.len() {
            let mut b = a.clone();
            b.bytes = a.bytes[..cut].into();
            assert_eq!(b.unpack(), None, "cut at {cut}");
            let mut c = a.clone();
            c.bytes[cut] ^= 0xff;
            let _ = c.unpack();
        }
    }
}
