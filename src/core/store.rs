//! The session store: a pure reducer over notifications. The same events in any order
//! and with any number of repeats give the same final state; time is an argument.

use super::archive::{pack_struct, Archived, Pack, Reader, Writer};
use super::center::Center;
use super::changes::{ChangeLog, Instance};
use super::metrics::{Counters, Summary, SummaryBasis, Totals};
use super::party::Delivery;
pub use super::prefetch::Ahead;
use super::session::{EntryKind, Session, TimelineEntry};
use super::tombstones::{fingerprint, Tombstones};
use crate::wire::{
    CallSession, Direction, Incoming, IncomingView, Parsed, ParsedView, Party, PartyView,
    SessionEvent, SessionEventView, Status, StatusCode, Ts,
};
use sessions::{Found, Sessions};
use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};

/// Status code per (telephonySessionId, party id).
pub type PartyCodes = std::collections::BTreeMap<(String, String), Option<StatusCode>>;

/// How long ended sessions are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoreConfig {
    /// At most this many ended sessions are retained.
    pub max_ended: usize,
    /// Ended sessions older than this (ms since they ended) are evicted.
    pub max_ended_age_ms: i64,
    /// Ids of evicted sessions remembered so late events cannot resurrect them.
    pub tombstones: usize,
    /// The newest this-many ended sessions keep their full timeline; older ones are
    /// archived: packed without their timeline (see [`Archived`]) and frozen, so that a
    /// shift of history fits in memory. Events for an archived session count as late.
    pub detail_window: usize,
    /// Sessions keep their timeline of events (the detail view); a report keeps none.
    pub timelines: bool,
    /// Evicted sessions wait in [`SessionStore::take_evicted`] instead of being dropped
    /// (a report writes each one out as it goes).
    pub hand_over_evicted: bool,
    /// The input is a fragment of a stream (a capture of loose notifications, not
    /// calltop's own recording): a state still open where it ends has no known length
    /// ([`Session::fragment`]). Live and calltop's own recordings are continuous.
    pub fragment: bool,
}

// A keyframe keeps the store's settings.
pack_struct!(StoreConfig {
    max_ended,
    max_ended_age_ms,
    tombstones,
    detail_window,
    timelines,
    hand_over_evicted,
    fragment,
});

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            max_ended: 5_000,
            max_ended_age_ms: 3_600_000,
            tombstones: 50_000,
            detail_window: 200,
            timelines: true,
            hand_over_evicted: false,
            fragment: false,
        }
    }
}

/// What the store did with one input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// A session event, with the delivery of its (first) party.
    Event {
        delivery: Delivery,
        new_session: bool,
        ended: bool,
    },
    /// An event for a session already evicted: ignored.
    Late,
    /// A presence notification; `seeded` sessions were created from it.
    Presence { seeded: usize },
    /// Anything else (other notifications, gateway frames): counted only.
    Other,
}

/// The latest [`EndedFeed::CAPACITY`] calls to end, numbered from 1 in the order they
/// ended (a call that comes back and ends again is in it twice).
#[derive(Clone, Debug, Default)]
pub(super) struct EndedFeed {
    pub(super) ids: VecDeque<String>,
    /// The number of the newest entry.
    pub(super) last: u64,
}

impl EndedFeed {
    pub(super) const CAPACITY: usize = 10_000;

    fn push(&mut self, id: &str) {
        if self.ids.len() == Self::CAPACITY {
            self.ids.pop_front();
        }
        self.ids.push_back(id.to_string());
        self.last += 1;
    }
}

/// Calls that ended after a follower's cursor: their ids, the new cursor, and how many
/// the follower fell too far behind to see.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndedSince<'a> {
    pub ids: Vec<&'a str>,
    pub cursor: u64,
    pub missed: u64,
}

/// How one event changed a session's ended state.
#[derive(Clone, Copy)]
enum EndChange {
    None,
    Ended(Ts),
    Reopened,
}

/// Ended calls packed away, by their id's fingerprint.
pub(super) type Archive = HashMap<u64, Archived, foldhash::fast::RandomState>;

/// [`SessionStore::is_gone`], of the store's parts (while its sessions are borrowed), for
/// the session whose id's fingerprint is `key`.
fn is_gone(tombstones: &Tombstones, archive: &Archive, key: u64) -> bool {
    tombstones.contains_fingerprint(key) || (!archive.is_empty() && archive.contains_key(&key))
}

/// The session id, cloned only when the ended queue needs it.
fn s_id_if(change: EndChange, s: &Session) -> Option<String> {
    matches!(change, EndChange::Ended(_)).then(|| s.id.clone())
}

/// One state of one store: a new or cloned store is a new instance and the generation
/// moves on every change, so one version never names two different sets of sessions
/// (a replay seek replaces the store, restarting its generation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Version {
    instance: u64,
    generation: u64,
}

/// All sessions calltop knows about.
#[derive(Clone, Debug)]
pub struct SessionStore {
    pub(super) instance: Instance,
    pub(super) config: StoreConfig,
    /// Looked up on every event, by the fingerprint taken where the event was decoded:
    /// an event of a call held finds it in one look-up.
    pub(super) sessions: Sessions,
    /// Ended sessions past the detail window, by id fingerprint.
    pub(super) archive: Archive,
    pub(super) ended: VecDeque<(Ts, String)>,
    pub(super) ended_count: usize,
    /// The most recent ends, numbered: what followers of ended calls read
    /// ([`SessionStore::ended_after`]).
    pub(super) ended_feed: EndedFeed,
    /// Ended calls joined with the platform's records.
    pub(super) outcomes: super::outcomes::Outcomes,
    pub(super) tombstones: Tombstones,
    pub(super) evicted: Totals,
    pub(super) counters: Counters,
    pub(super) generation: u64,
    pub(super) clock: Ts,
    /// Agents and queues, from the same inputs.
    pub(super) center: Center,
    /// Evicted sessions not yet taken, with their platform records (with
    /// `hand_over_evicted` only).
    pub(super) handed: Vec<(Session, Option<super::outcomes::Join>)>,
    /// Which sessions changed at which generation (this instance's; not kept in a
    /// keyframe: a decoded store is a new instance).
    pub(super) changes: ChangeLog,
    /// Delivery lag of the newest event heard, in ms (this instance's, as `changes`).
    pub(super) lag: Option<i64>,
    /// Presence calls not taken as sessions (ended in presence, or without the ids a
    /// session needs), by telephony or legacy session id, until an event names them
    /// (not kept in a keyframe: only a report says how many were left out).
    pub(super) presence_only: std::collections::HashSet<String>,
}

impl Default for SessionStore {
    fn default() -> Self {
        SessionStore::new(StoreConfig::default())
    }
}

impl SessionStore {
    /// An empty store.
    pub fn new(config: StoreConfig) -> SessionStore {
        SessionStore {
            instance: Instance::fresh(),
            config,
            sessions: Sessions::default(),
            archive: HashMap::default(),
            ended: VecDeque::new(),
            ended_count: 0,
            ended_feed: EndedFeed::default(),
            outcomes: Default::default(),
            tombstones: Tombstones::new(config.tombstones),
            evicted: Totals::default(),
            counters: Counters::default(),
            generation: 0,
            clock: Ts(i64::MIN),
            center: Center::default(),
            handed: Vec::new(),
            changes: ChangeLog::default(),
            lag: None,
            presence_only: Default::default(),
        }
    }

    /// Agents and queues.
    pub fn center(&self) -> &Center {
        &self.center
    }

    /// Agents and queues, to set the figures' window.
    pub fn center_mut(&mut self) -> &mut Center {
        &mut self.center
    }

    /// Calls in progress the center tracks (in the sessions, and on its own).
    pub fn tracked_calls(&self) -> usize {
        let held = self
            .sessions
            .values()
            .filter(|s| s.center.is_live())
            .count();
        held + self.center.tracked_calls()
    }

    /// Applies whatever a source parsed. `now` is when it was received (stream clock
    /// in replay); a recording's own `receivedAt` wins when present.
    pub fn ingest(&mut self, parsed: Parsed, now: Ts) -> Applied {
        self.ingest_view(parsed.into(), now)
    }

    /// [`ingest`](SessionStore::ingest) of a borrowed parse ([`crate::wire::parse_view`]):
    /// only what the store keeps is copied out of the input.
    pub fn ingest_view(&mut self, parsed: ParsedView<'_>, now: Ts) -> Applied {
        let now = parsed.received_at.unwrap_or(now);
        self.center.watched(now);
        let item = match parsed.item {
            IncomingView::Session(n) => {
                let key = n.session_key();
                return self.apply_session_event(n.body, key, now, true);
            }
            IncomingView::Other(item) => item,
        };
        match item {
            Incoming::Session(n) => {
                let n = crate::wire::NotificationView::from(n);
                let key = n.session_key();
                self.apply_session_event(n.body, key, now, true)
            }
            Incoming::Presence { envelope, body } => {
                let at = envelope.timestamp.unwrap_or(now);
                self.center.presence(&body, at);
                self.apply_presence(&body, now)
            }
            Incoming::QueuePresence { queue_id, body, .. } => {
                self.counters.presence += 1;
                self.touch(now);
                self.center.queue_presence(queue_id.as_deref(), &body);
                Applied::Presence { seeded: 0 }
            }
            Incoming::Roster(line) => {
                self.touch(now);
                self.center.roster(&line);
                self.center.time_states(now);
                Applied::Other
            }
            Incoming::Snapshot(cs) => {
                self.apply_rest_session(&cs, now);
                Applied::Other
            }
            Incoming::Gone {
                telephony_session_id,
            } => {
                let _ = self.mark_gone(&telephony_session_id, now);
                Applied::Other
            }
            Incoming::CallLog(line) => {
                self.touch(now);
                // Only for a call the store still keeps (an evicted one is gone for good).
                let mut outcomes = std::mem::take(&mut self.outcomes);
                let applied = match self.find(&line.telephony_session_id) {
                    Some(session) => {
                        outcomes.apply(&line, Some(&session));
                        Applied::Other
                    }
                    None => Applied::Late,
                };
                self.outcomes = outcomes;
                if applied == Applied::Late {
                    self.counters.late += 1;
                }
                applied
            }
            Incoming::ConnectionDetails { details } => {
                // A recording's new subscription after an outage it did not recover.
                if details.recovery_state != Some(crate::wire::RecoveryState::Successful) {
                    self.heard_gap(now);
                }
                self.counters.other += 1;
                Applied::Other
            }
            Incoming::Voicemail { message, .. } => {
                self.touch(now);
                self.counters.other += 1;
                self.outcomes.note_voicemail(message);
                Applied::Other
            }
            _ => {
                self.counters.other += 1;
                Applied::Other
            }
        }
    }

    /// Counts a frame or line that could not be parsed.
    pub fn note_malformed(&mut self, now: Ts) {
        self.counters.malformed += 1;
        self.touch(now);
    }

    fn touch(&mut self, now: Ts) {
        self.generation += 1;
        self.clock = self.clock.max(now);
    }

    /// Applies one telephony session event received at `now`.
    pub fn apply_event(&mut self, ev: SessionEvent, now: Ts) -> Applied {
        self.apply_event_view(ev.into(), now)
    }

    /// [`apply_event`](SessionStore::apply_event) of a borrowed event.
    pub fn apply_event_view(&mut self, ev: SessionEventView<'_>, now: Ts) -> Applied {
        let key = fingerprint(&ev.telephony_session_id);
        self.apply_session_event(ev, key, now, false)
    }

    /// Starts loading what applying `v` will read, in steps a value apart, each reading
    /// what the one before loaded: its session ([`Ahead::Session`], read from the table
    /// alone), its call's parties, then their ids, status changes and the center's state
    /// of the call. Changes nothing.
    pub fn prefetch(&self, v: &ParsedView<'_>, step: Ahead) {
        let IncomingView::Session(n) = &v.item else {
            return;
        };
        if let Some(s) = self.sessions.hinted(n.session_key()) {
            match step {
                Ahead::Session => s.prefetch_self(),
                Ahead::Parties => s.prefetch_parties(),
                Ahead::Details => s.prefetch_for_event(),
            }
        }
    }

    /// [`apply_event_view`](SessionStore::apply_event_view), and with `upkeep` the
    /// center's too (through the session's slot, found by the same look-up).
    /// `key` is the session id's fingerprint.
    fn apply_session_event(
        &mut self,
        ev: SessionEventView<'_>,
        key: u64,
        now: Ts,
        upkeep: bool,
    ) -> Applied {
        self.counters.events += 1;
        self.touch(now);
        let (s, new_session) = match self.sessions.entry(key, &ev.telephony_session_id) {
            Found::Held(s) => (s, false),
            Found::Vacant(v) => {
                if is_gone(&self.tombstones, &self.archive, key) {
                    if upkeep {
                        // The center may still follow a call the store let go of.
                        self.center.observe_released(&ev, now);
                    }
                    self.counters.late += 1;
                    return Applied::Late;
                }
                let id = ev.telephony_session_id.to_string();
                (v.insert(Session::new(id, now)), true)
            }
        };
        self.center.confirm(&s.id);
        let seq = ev
            .sequence
            .unwrap_or_else(|| s.max_seq.saturating_add(1).max(0));
        // Heard out of order (older than an event applied, and not a repeat of one): the
        // center rebuilds the call from its parties once the event is merged into them.
        let rebuild = upkeep
            && seq < s.max_seq
            && !s.has_event(&ev, seq)
            && self.center.rebuildable(&mut s.center, &s.id);
        if upkeep && !rebuild {
            self.center.observe_in(&mut s.center, &ev, now);
        }
        let event_time = ev.event_time;
        self.changes.note(self.generation, &s.id);
        s.last_seen = now;
        self.lag = event_time.map(|t| now.0 - t.0);
        s.fragment = self.config.fragment;
        if !self.presence_only.is_empty() {
            self.presence_only.remove(&*ev.telephony_session_id);
            if let Some(sid) = &ev.session_id {
                self.presence_only.remove(&**sid);
            }
        }
        if s.session_id.is_none() {
            s.session_id = ev.session_id.map(Cow::into_owned);
        }
        if s.server_id.is_none() {
            s.server_id = ev.server_id.map(Cow::into_owned);
        }
        if let Some(o) = ev.origin {
            s.origin.get_or_insert(o.kind);
        }
        if let Some(t) = ev.event_time {
            s.start = Some(s.start.map_or(t, |st| st.min(t)));
        }
        let late_for_session = seq < s.max_seq;
        s.max_seq = s.max_seq.max(seq);
        let mut first = None;
        for p in ev.parties {
            let idx = s.party_index(&p.id);
            let (delivery, changes) = s.parties[idx].merge(p, seq, ev.event_time, false);
            first.get_or_insert(delivery);
            match delivery {
                Delivery::Applied => self.counters.applied += 1,
                Delivery::Stale => self.counters.stale += 1,
                Delivery::Duplicate => self.counters.duplicate += 1,
            }
            if self.config.timelines {
                s.push_event_entry(idx, seq, (delivery, changes), ev.event_time, now);
            }
        }
        if rebuild {
            let at = event_time.unwrap_or(now);
            self.center.rebuild_in(&mut s.center, &s.id, &s.parties, at);
        }
        let (ended, change) = Self::recompute_ended(s, late_for_session, now);
        let id = s_id_if(change, s);
        self.note_end_change(change, id);
        self.evict(now);
        Applied::Event {
            delivery: first.unwrap_or(Delivery::Duplicate),
            new_session,
            ended,
        }
    }

    /// Recomputes whether a session has ended. Once ended, only an event newer than
    /// everything seen can reopen it: a late event never resurrects a call.
    fn recompute_ended(s: &mut Session, late: bool, now: Ts) -> (bool, EndChange) {
        let was = s.ended;
        if !(was && late) {
            s.ended = s.all_parties_gone() || s.caller_left_unanswered();
        }
        let change = match (was, s.ended) {
            (false, true) => {
                s.ended_seen = Some(now);
                s.trim();
                EndChange::Ended(now)
            }
            (true, false) => {
                s.ended_seen = None;
                EndChange::Reopened
            }
            _ => EndChange::None,
        };
        (s.ended, change)
    }

    fn note_end_change(&mut self, change: EndChange, id: Option<String>) {
        match (change, id) {
            (EndChange::Ended(at), Some(id)) => {
                self.ended_feed.push(&id);
                self.ended.push_back((at, id));
                self.ended_count += 1;
                self.compact_outside_window();
            }
            (EndChange::Reopened, _) => self.ended_count -= 1,
            _ => {}
        }
    }

    fn update_ended(&mut self, id: &str, late: bool, now: Ts) -> bool {
        let Some(s) = self.sessions.get_mut(id) else {
            return false;
        };
        let (ended, change) = Self::recompute_ended(s, late, now);
        let id = s_id_if(change, s);
        self.note_end_change(change, id);
        ended
    }

    /// Archives the ended session that just left the detail window; its figures move
    /// to the totals kept for sessions no longer held in full.
    fn compact_outside_window(&mut self) {
        let Some(i) = self
            .ended
            .len()
            .checked_sub(self.config.detail_window.saturating_add(1))
        else {
            return;
        };
        let (at, id) = &self.ended[i];
        let current = self
            .sessions
            .get(id)
            .is_some_and(|s| s.ended && s.ended_seen == Some(*at));
        if !current {
            return;
        }
        if let Some(mut s) = self.sessions.remove(id) {
            self.center.release(&s.id, &mut s.center);
            self.changes.note(self.generation, &s.id);
            s.compact();
            self.evicted.add_session(&s, *at);
            self.archive.insert(fingerprint(&s.id), Archived::pack(&s));
        }
    }

    /// Evicted (tombstoned) or archived: later events for it are late.
    fn is_gone(&self, id: &str) -> bool {
        is_gone(&self.tombstones, &self.archive, fingerprint(id))
    }

    /// Evicts ended sessions past the retention count or age, as of `now`.
    pub fn evict(&mut self, now: Ts) {
        while let Some((at, id)) = self.ended.front() {
            let too_many = self.ended_count > self.config.max_ended;
            let too_old = at.millis_until(now) > self.config.max_ended_age_ms;
            if !too_many && !too_old {
                break;
            }
            let (at, id) = (*at, id.clone());
            self.ended.pop_front();
            // Skip queue entries for sessions that reopened (or re-ended later).
            let fp = fingerprint(&id);
            if self
                .archive
                .get(&fp)
                .is_some_and(|a| a.ended_seen == Some(at))
            {
                // Its figures are already in the totals.
                self.archive.remove(&fp);
                self.ended_count -= 1;
                self.tombstones.insert(&id);
                self.outcomes.forget(&id);
                continue;
            }
            let current = self
                .sessions
                .get(&id)
                .is_some_and(|s| s.ended && s.ended_seen == Some(at));
            if !current {
                continue;
            }
            if let Some(mut s) = self.sessions.remove(&id) {
                self.center.release(&s.id, &mut s.center);
                self.changes.note(self.generation, &id);
                self.ended_count -= 1;
                self.evicted.add_session(&s, now);
                self.tombstones.insert(&s.id);
                let join = self.outcomes.forget(&s.id);
                if self.config.hand_over_evicted {
                    self.handed.push((s, join));
                }
            }
        }
    }

    /// A value of a file is about to be applied, `own` when it is calltop's own (a
    /// recording line, a connection frame): a file whose first value is not is a
    /// fragment, until one comes.
    pub fn note_recorded(&mut self, own: bool) {
        if own && self.config.fragment {
            self.set_fragment(false);
        } else if !own && self.generation == 0 && self.counters == Counters::default() {
            self.set_fragment(true);
        }
    }

    /// Marks the input a fragment (see [`StoreConfig::fragment`]), for the sessions held
    /// and those to come: a report learns it only at the end of its input.
    pub fn set_fragment(&mut self, fragment: bool) {
        self.config.fragment = fragment;
        for s in self.sessions.values_mut() {
            s.fragment = fragment;
        }
    }

    /// Merges a party as REST or presence showed it at `now`: a state it was found in
    /// counts from `now` as a lower bound (when it began was not seen).
    fn snapshot_party(&mut self, s: &mut Session, party: Party, now: Ts) {
        let party = PartyView::from(party);
        let idx = s.party_index(&party.id);
        let p = &mut s.parties[idx];
        let seq = p.max_seq.max(0);
        let before = p.code().cloned();
        let changed = before.as_ref() != party.status.as_ref().map(|st| &st.code);
        let at = Some(now);
        if changed || p.history.is_empty() {
            p.merge(party, seq, at, true);
        } else {
            // Same state: refresh fields without adding a status change.
            let mut q = party;
            q.status = None;
            p.merge(q, seq, None, true);
            p.history.retain(|m| !(m.synthetic && m.code.is_none()));
        }
        if !self.config.timelines {
            return;
        }
        let code = s.parties[idx].code().cloned();
        s.push_timeline(TimelineEntry {
            received: now,
            seq: None,
            at,
            kind: EntryKind::Snapshot {
                party: idx as u16,
                code,
            },
        });
    }

    /// Seeds or reconciles a session from `GET …/telephony/sessions/{id}`.
    pub fn apply_rest_session(&mut self, cs: &CallSession, now: Ts) {
        self.touch(now);
        if self.is_gone(&cs.id) {
            return;
        }
        let mut s = self
            .sessions
            .remove(&cs.id)
            .unwrap_or_else(|| Session::new(cs.id.clone(), now));
        s.fragment = self.config.fragment;
        self.center.confirm(&cs.id);
        self.center.snapshot_in(&mut s.center, cs, now);
        if let Some(o) = &cs.origin {
            s.origin.get_or_insert(o.kind.clone());
        }
        if s.start.is_none() {
            s.start = cs.creation_time;
        }
        for party in &cs.parties {
            self.snapshot_party(&mut s, party.clone(), now);
        }
        self.changes.note(self.generation, &cs.id);
        self.sessions.insert(s);
        self.update_ended(&cs.id, false, now);
    }

    /// Loading the calls in progress found the session gone (404): every party still in
    /// the call is closed (Disconnected) at `known_until` — when the call was last known,
    /// the start of the outage — so no figure counts the outage, and the session ends as
    /// [`Session::ended_unseen`]. A session seen to end is left as it is. Returns
    /// whether it was closed (`None`: not held, or it had ended) and, if so, whether it
    /// ended during an outage: held since `known_until` or before (counted in
    /// [`Counters::ended_in_outage`]) — at start, with no outage, nothing was held.
    pub fn mark_gone(&mut self, id: &str, known_until: Ts) -> Option<bool> {
        self.touch(known_until);
        self.center.confirm(id);
        if self.sessions.get(id).is_some_and(|s| s.ended) {
            return None;
        }
        let Some(mut s) = self.sessions.remove(id) else {
            self.center.gone(id, known_until);
            return None;
        };
        let outage = s.first_seen <= known_until;
        self.counters.ended_in_outage += u64::from(outage);
        self.center.gone_in(&mut s.center, id, known_until);
        // Never before a state it was seen in (event times may run ahead of ours).
        let now = s.newest_event().map_or(known_until, |t| t.max(known_until));
        s.ended_unseen = true;
        let live: Vec<String> = s
            .parties
            .iter()
            .filter(|p| !p.is_terminal())
            .map(|p| p.id.clone())
            .collect();
        for pid in live {
            let party = Party {
                id: pid,
                status: Some(Status::code(StatusCode::Disconnected)),
                ..Default::default()
            };
            self.snapshot_party(&mut s, party, now);
        }
        self.changes.note(self.generation, id);
        self.sessions.insert(s);
        self.update_ended(id, false, now);
        Some(outage)
    }

    /// Adds an audit line (a control action or its result) to a session's timeline.
    pub fn audit(&mut self, id: &str, at: Ts, text: String) {
        if let Some(s) = self.sessions.get_mut(id).filter(|_| self.config.timelines) {
            s.push_timeline(TimelineEntry {
                received: at,
                seq: None,
                at: Some(at),
                kind: EntryKind::Audit(text),
            });
            self.generation += 1;
            self.changes.note(self.generation, id);
        }
    }

    /// The calls that ended after `cursor` (start at 0), oldest first; pass the returned
    /// cursor next time. Look each id up with [`SessionStore::find`].
    pub fn ended_after(&self, cursor: u64) -> EndedSince<'_> {
        let f = &self.ended_feed;
        let first = f.last - f.ids.len() as u64; // number of the entry before the oldest
        let from = cursor.max(first);
        EndedSince {
            ids: f
                .ids
                .iter()
                .skip((from - first) as usize)
                .map(String::as_str)
                .collect(),
            cursor: f.last,
            missed: from - cursor.min(from),
        }
    }

    /// Ended calls joined with the platform's records.
    pub fn outcomes(&self) -> &super::outcomes::Outcomes {
        &self.outcomes
    }

    /// The store without its change log (a report: no board patches its frames from
    /// it, so the ids an event changed are not kept); `changed_since` is then unknown.
    pub fn without_change_log(mut self) -> SessionStore {
        self.changes.turn_off();
        self
    }

    /// The sessions evicted since the last call, oldest first, each with its platform
    /// records (with [`StoreConfig::hand_over_evicted`]; their figures are in the totals
    /// already).
    pub fn take_evicted(
        &mut self,
    ) -> std::vec::Drain<'_, (Session, Option<super::outcomes::Join>)> {
        self.handed.drain(..)
    }

    /// Delivery lag of the newest event, in ms: received − eventTime (kept as events
    /// are applied: no walk of the sessions).
    pub fn newest_lag(&self) -> Option<i64> {
        self.lag
    }

    /// The ids of the held sessions that changed since version `v` of this store
    /// (added, changed, ended, archived or evicted; an id may come more than once),
    /// newest first; `None` when `v` is another store value's (a clone, a decoded
    /// keyframe, a replay seek's) or older than the log keeps: derive from every
    /// session then.
    pub fn changed_since(&self, v: Version) -> Option<impl Iterator<Item = &str>> {
        (v.instance == self.instance.0)
            .then(|| self.changes.since(v.generation, self.generation))
            .flatten()
    }

    /// The figures of the sessions no longer held in full (archived and evicted).
    pub fn evicted_totals(&self) -> &Totals {
        &self.evicted
    }

    /// Calltop heard nothing until `until` (a new subscription after an outage that was
    /// not recovered): callers who queued meanwhile may be unseen, and every call held in
    /// progress is in doubt until heard of again or found gone (see `center/doubt.rs`).
    pub fn heard_gap(&mut self, until: Ts) {
        self.center.heard_gap(until);
        // The stream was heard until its clock: a call silent till then was as it was.
        let heard = self.clock().map_or(until, |c| c.min(until));
        for s in self.sessions.values().filter(|s| !s.ended) {
            self.center.doubt(&s.id, heard);
        }
    }

    /// Ids of sessions still in progress.
    pub fn active_ids(&self) -> Vec<String> {
        self.sessions
            .values()
            .filter(|s| !s.ended)
            .map(|s| s.id.clone())
            .collect()
    }

    /// A session held in full (active, or ended within the detail window).
    pub fn get(&self, id: &str) -> Option<&Session> {
        self.sessions.get(id)
    }

    /// A session held in full or archived (unpacked).
    pub fn find(&self, id: &str) -> Option<Cow<'_, Session>> {
        if let Some(s) = self.sessions.get(id) {
            return Some(Cow::Borrowed(s));
        }
        let a = self
            .archive
            .get(&fingerprint(id))
            .filter(|a| &*a.id == id)?;
        a.unpack().map(Cow::Owned)
    }

    /// Sessions held in full (active, and ended within the detail window), in no
    /// particular order. Older ended sessions are in [`SessionStore::archived`].
    pub fn sessions(&self) -> impl Iterator<Item = &Session> {
        self.sessions.values()
    }

    /// [`SessionStore::sessions`] for a walk that reads their parties: those a few ahead
    /// are loaded meanwhile.
    pub fn walk(&self) -> impl Iterator<Item = &Session> {
        self.sessions.walk()
    }

    /// Archived ended sessions, in no particular order.
    pub fn archived(&self) -> impl Iterator<Item = &Archived> {
        self.archive.values()
    }

    /// The current status code of every party of every retained session, by
    /// (telephonySessionId, party id): what checks compare with another source.
    pub fn party_codes(&self) -> PartyCodes {
        self.all_sessions()
            .flat_map(|s| {
                s.parties
                    .iter()
                    .map(|p| ((s.id.clone(), p.id.clone()), p.code().cloned()))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Every retained session, archived ones unpacked, in no particular order.
    pub fn all_sessions(&self) -> impl Iterator<Item = Cow<'_, Session>> {
        self.sessions.values().map(Cow::Borrowed).chain(
            self.archive
                .values()
                .filter_map(|a| a.unpack().map(Cow::Owned)),
        )
    }

    /// Number of retained sessions (archived included).
    pub fn len(&self) -> usize {
        self.sessions.len() + self.archive.len()
    }

    /// True when no session is retained.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Event counters.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Bumped on every change; a UI redraws when it moves.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// This store's instance and generation (what a UI keys derived views on).
    pub fn version(&self) -> Version {
        Version {
            instance: self.instance.0,
            generation: self.generation,
        }
    }

    /// The newest receive time seen (the stream clock).
    pub fn clock(&self) -> Option<Ts> {
        (self.clock.0 != i64::MIN).then_some(self.clock)
    }

    /// Header figures at `now`: finished, archived and evicted sessions plus running ones.
    pub fn summary(&self, now: Ts) -> Summary {
        self.summary_basis(now).at(now)
    }

    /// The header figures as a function of the clock, built at `now`: a UI keeps it
    /// while the store's [`version`](SessionStore::version) holds and re-evaluates it
    /// each frame instead of walking every session.
    pub fn summary_basis(&self, now: Ts) -> SummaryBasis {
        let mut basis = SummaryBasis::new(self.evicted.clone(), self.counters, now);
        for s in self.sessions.walk() {
            basis.add_session(s);
        }
        basis
    }

    /// The name the store has seen for a number (an extension number such as `101`,
    /// a phone number) or an extension id, on any party of a call it holds, if any.
    pub fn name_for(&self, key: &str) -> Option<&str> {
        let is = |f: &super::party::Sequenced<super::party::Short>| f.text() == Some(key);
        self.sessions()
            .flat_map(|s| s.parties.iter())
            .flat_map(|p| [&p.from, &p.to])
            .find(|e| (is(&e.phone_number) || is(&e.extension_id)) && e.name.get().is_some())
            .and_then(|e| e.name.text())
    }

    /// The party a supervisor most likely means in a session: the first party still in
    /// the call that belongs to the account (has an extension), else any party still in
    /// the call, else the last one.
    pub fn default_party(s: &Session) -> Option<usize> {
        let live = |p: &&super::party::PartyState| !p.is_terminal();
        s.parties
            .iter()
            .position(|p| {
                live(&p)
                    && p.extension_id.get().is_some()
                    && p.direction.get() == Some(&Direction::Inbound)
            })
            .or_else(|| {
                s.parties
                    .iter()
                    .position(|p| live(&p) && p.extension_id.get().is_some())
            })
            .or_else(|| s.parties.iter().position(|p| live(&p)))
            .or(s.parties.len().checked_sub(1))
    }
}

mod presence;
pub(super) mod sessions;
#[cfg(test)]
mod tests;
