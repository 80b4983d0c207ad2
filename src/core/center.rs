//! The contact center — agents and call queues — kept by the store from the same inputs
//! as the sessions: telephony events (by `eventTime`), presence and queue-presence
//! notifications (by the envelope `timestamp`), and what the live client learned by REST
//! (the directory, queue settings and members, a presence snapshot; recorded as
//! `roster` lines so a replay or report knows it too). Time is always passed in.
//!
//! Every figure follows the simulator's ground truth (`src/sim/truth.rs`, after
//! supervisor-api.md §4.3 and §7), event by event:
//! * a *queue party* of queue Q has `extensionId` = Q; an *agent leg* of Q has
//!   `queueCall: true` and `to.extensionId` = Q (the agent is its `extensionId`); the
//!   *caller* has no `extensionId` and direction `Outbound`;
//! * a call **enters** Q at the first event of a queue party of Q whose code is `Setup`.
//!   Its outcome is the first of: an agent leg of Q reaches `Answered` (**answered**; the
//!   oldest open entry of that session and queue; speed of answer = answer − entry, **within
//!   SLA** when ≤ the queue's `slaThresholdSeconds`), the caller reaches
//!   `Disconnected`/`Gone` (**abandoned**; every open entry of the session), the queue party
//!   reaches `Disconnected` with reason `Voicemail` (**voicemail**) or `CallRedirected`
//!   (**overflow**). Entries still open are **waiting**;
//! * per agent: an **offer** is an agent leg's first event; **handled** = legs that reached
//!   `Answered`; **missed** = legs that ended without `Answered` in an event with
//!   `missedCall: true` (ring timeout, ignore, reject); **unanswered** = every leg that ended
//!   without `Answered` (a colleague answered, the caller hung up, …); **talk** / **hold** =
//!   the closed intervals from an `Answered` / `Hold` event to the party's next event with
//!   another code, on agent legs (`all_talk_ms` / `all_hold_ms`: on every party of the
//!   agent); average handle time = (talk + hold) / handled.
//!
//! What calltop did not see from its start is *joined*: a party first seen in a REST
//! snapshot, or first seen in an event with another code than `Setup`/`Proceeding` in a
//! call whose first event seen was not a `Setup`, counts in no figure; a queue call found waiting that way
//! (or through an agent leg of a queue entry never seen) is waiting, but is not offered.
//! Figures count what started inside the [`Window`] (an entry by its entry time, a party
//! by its first event). Memory is bounded by the calls in progress: a finished call's
//! tracking is folded into the counters and dropped. In a store, a call's tracking lives
//! in its session ([`CallSlot`], found by the store's own look-up of the session); a
//! standalone center, and a call still in progress that the store let go of, keep it in
//! the center's own map.

// The rooms of the center: `figures` (what it shows: queues, agents and their figures),
// `entries` (queue entries and outcomes), `agents` (agents' live calls and figures),
// `directory` (presence, queue presence, REST), `held` (where a call's tracking lives),
// `rebuild` (a call heard out of order applied again), `intervals` (the figures per
// interval its calls started in), `queries` (what the views ask of it: queues, agents,
// availability, where a call waits); here, the center and a call's upkeep event by event.
mod agents;
mod directory;
mod doubt;
mod entries;
mod figures;
mod held;
mod intervals;
mod queries;
mod rebuild;
mod trend;

use super::changes::{ChangeLog, Instance};
use super::party::PartyState;
use super::tombstones::{fingerprint, Tombstones};
use crate::wire::directory::{ExtensionInfo, ExtensionType, ServiceLevelSettings};
use crate::wire::presence::{agent_state, AgentState, PresenceInfo, PresenceStatus};
use crate::wire::queues::{CallQueue, QueueMemberPresence, QueuePresenceEvent};
use crate::wire::view::{EndpointView, PartyView, SessionEventView};
use crate::wire::{CallSession, Direction, PresenceEvent, Reason, RosterLine, StatusCode, Ts};
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub use agents::CallAgent;
use agents::{person_mut, promote};
pub use figures::*;
pub use intervals::{Cut, Intervals};
pub use queries::Together;
use rebuild::Effect;
pub use trend::{TrendPoint, TREND_INTERVAL_MIN};

/// A map by extension or session id. The upkeep looks ids up on every event, so with a
/// fast hash (foldhash, as the store's maps; still seeded per map).
type Map<V> = HashMap<String, V, foldhash::fast::RandomState>;

/// A day, the period of figures since local midnight.
pub const DAY_MS: i64 = 86_400_000;
/// RingCentral's default service-level threshold.
pub const DEFAULT_SLA_MS: i64 = 20_000;

/// How long a caller may wait in a queue whose answering rule calltop does not know (the
/// platform allows up to 15 minutes of hold time).
pub const DEFAULT_HOLD_TIME_MS: i64 = 15 * 60_000;
/// Finished calls remembered so that a late event does not count them again.
const DONE_IDS: usize = 50_000;

/// What a party is to the contact center, fixed at its first event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Role {
    /// An agent leg of the queue (its `fingerprint`).
    Leg(u64),
    /// The queue's own party (its `fingerprint`).
    QueueParty(u64),
    Caller,
    Other,
}

/// One party of a call in progress.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Track {
    /// `fingerprint` of the party id, what the track is found by (the id itself is not kept:
    /// an agent's call takes it from the event that starts it).
    fp: u64,
    /// `fingerprint` of its extension id: its agent's key, if it is one.
    ext: Option<u64>,
    role: Role,
    code: Option<StatusCode>,
    /// Start of the open talk / hold interval.
    open: Option<Ts>,
    answered: bool,
    ended: bool,
    /// Counts in the figures of this epoch.
    counted: Option<u32>,
    seq: i64,
    /// Its first event.
    first: Ts,
}

/// A call's stay in a queue, until its outcome.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Entry {
    /// The queue's `fingerprint`.
    queue: u64,
    /// The queue party's key (`Track::fp`), once known.
    party: Option<u64>,
    entered: Ts,
    counted: Option<u32>,
}

/// One call in progress.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Call {
    /// Its first event seen was a party being set up: seen from its start.
    from_start: bool,
    /// The parties' keys (`fingerprint`), in the order of `parties`: a party is found without
    /// reading the tracks (each a cache line or more apart).
    keys: SmallVec<[u64; 4]>,
    /// Parties that ended.
    ended: u32,
    parties: Vec<Track>,
    /// Open entries, oldest first.
    entries: Vec<Entry>,
    /// What it changed in the figures (undone when it is rebuilt).
    #[serde(default)]
    effects: Vec<Effect>,
    /// Known from a REST snapshot or closed by a reconcile: not rebuilt from its events.
    #[serde(default)]
    fixed: bool,
    /// The last party to leave handed the call on (a transfer, a queue overflowing): a
    /// party is still to come, so the call is not over when all the known ones left.
    #[serde(default)]
    handed_on: bool,
}

/// The center's part of one call, kept in the store's session: an event finds it by the
/// store's own look-up of the session (no second map, no hash of the id). A standalone
/// center, and calls the store no longer holds, keep theirs in [`Center`]'s own map.
#[derive(Clone, Debug, Default)]
pub struct CallSlot(Slot);

#[derive(Clone, Debug, Default)]
enum Slot {
    /// Not looked at yet: the call may be in the center's map (a keyframe's) or done.
    #[default]
    Unknown,
    Live(Call),
    /// Finished: a later event changes nothing; an older one rebuilds it from what it
    /// changed (`Some`; `None`: fixed, or found done).
    Over(Option<Vec<Effect>>),
}

/// A session's equality is the store's: the center's part is compared through the
/// center (a session restored from a keyframe finds its call on its next event).
impl PartialEq for CallSlot {
    fn eq(&self, _: &CallSlot) -> bool {
        true
    }
}

impl Eq for CallSlot {}

impl CallSlot {
    /// A call in progress is tracked here.
    pub(crate) fn is_live(&self) -> bool {
        matches!(self.0, Slot::Live(_))
    }

    /// Starts loading the tracks, open entries and effects of a call in progress
    /// (reads nothing of them).
    pub(crate) fn prefetch(&self) {
        if let Slot::Live(call) = &self.0 {
            super::prefetch::slice(&call.parties);
            super::prefetch::slice(&call.entries);
            super::prefetch::slice(&call.effects);
        }
    }
}

impl Call {
    /// A call starts with its first party being set up (seen from its start).
    fn starting(u: &Update<'_>) -> Call {
        let code = u.party.status.as_ref().map(|s| &s.code);
        Call {
            from_start: !u.snapshot && code == Some(&StatusCode::Setup),
            ..Default::default()
        }
    }
}

enum Outcome {
    Answered,
    Abandoned,
    Voicemail,
    Overflow,
    Unknown,
}

/// Where a call's state is kept: the center's own map (by the id's fingerprint), or a
/// store's session.
enum Place<'a> {
    Map(u64),
    Slot(&'a mut CallSlot),
}

/// One party's update, however it arrived.
struct Update<'a> {
    party: &'a PartyView<'a>,
    seq: Option<i64>,
    at: Ts,
    /// From a REST snapshot: a new party is joined, never counted.
    snapshot: bool,
    /// A snapshot's session `creationTime`.
    created: Option<Ts>,
}

/// The agents and queues of the account.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Center {
    window: Window,
    epoch: u32,
    queues: Queues,
    agents: Agents,
    /// Extensions of call parties that are no agent (yet): followed as agents are, so
    /// that an agent's figures do not depend on whether it became one (an agent leg rang
    /// it, a party of it was answered) before or after another call of it was heard.
    #[serde(default)]
    candidates: Agents,
    /// Other extensions of the directory (IVR, announcements, park locations…).
    others: Map<ExtensionInfo>,
    /// By the session id's fingerprint (as the finished ones in `done`): a look-up reads
    /// no id (with a thousand calls at a time, a collision is a ~1e-13 chance).
    calls: HashMap<u64, Call, foldhash::fast::RandomState>,
    done: Tombstones,
    /// The earliest time calltop heard anything of the stream: before it, it saw nothing.
    #[serde(default)]
    watching_since: Option<Ts>,
    /// The end of the latest outage that was not recovered: a caller who entered a
    /// queue before it may be unseen ([`Center::waiting_complete`]).
    #[serde(default)]
    unseen_until: Option<Ts>,
    /// What changed, for the views (this instance's; not kept in a keyframe).
    #[serde(skip)]
    changes: AgentChanges,
    /// The effects of the call being updated (its own, lent while it is).
    #[serde(skip)]
    effects: Vec<Effect>,
    /// The figures per interval, when asked for (a report's; not kept in a keyframe).
    #[serde(skip)]
    intervals: Option<Box<Intervals>>,
    /// The accounts [`claim`](Center::claim) named (a board over several accounts).
    #[serde(default)]
    accounts: BTreeSet<String>,
    /// Calls in doubt, by the session id's fingerprint (see `doubt.rs`; this instance's).
    #[serde(skip)]
    doubted: std::collections::HashMap<u64, Ts, foldhash::fast::RandomState>,
}

/// A record found by its id's key (`fingerprint`).
trait Keyed {
    fn id(&self) -> &str;
    fn new(id: &str) -> Self;
}

impl Keyed for Agent {
    fn id(&self) -> &str {
        &self.id
    }
    fn new(id: &str) -> Agent {
        Agent::new(id)
    }
}

impl Keyed for Queue {
    fn id(&self) -> &str {
        &self.id
    }
    fn new(id: &str) -> Queue {
        Queue::new(id)
    }
}

/// Agents or queues by their id's key (`fingerprint`, the key tracks, roles and entries keep:
/// a look-up by key reads no id string; one by id checks it); kept as a map by id in a
/// keyframe.
#[derive(Clone, Debug)]
struct ByKey<T>(HashMap<u64, T, foldhash::fast::RandomState>);

type Agents = ByKey<Agent>;
type Queues = ByKey<Queue>;

impl<T> Default for ByKey<T> {
    fn default() -> Self {
        ByKey(HashMap::default())
    }
}

impl<T: Keyed> ByKey<T> {
    fn get(&self, id: &str) -> Option<&T> {
        self.0.get(&fingerprint(id)).filter(|a| a.id() == id)
    }

    fn contains_key(&self, id: &str) -> bool {
        self.get(id).is_some()
    }

    fn remove(&mut self, id: &str) -> Option<T> {
        let fp = fingerprint(id);
        self.0
            .get(&fp)
            .is_some_and(|a| a.id() == id)
            .then(|| self.0.remove(&fp))
            .flatten()
    }

    /// The record, a new one if unknown.
    fn entry(&mut self, id: &str) -> &mut T {
        self.0.entry(fingerprint(id)).or_insert_with(|| T::new(id))
    }

    /// By key: a collision of two keys among thousands is a ~1e-13 chance, as for the
    /// calls.
    fn by_key_mut(&mut self, key: u64) -> Option<&mut T> {
        self.0.get_mut(&key)
    }

    fn by_key(&self, key: u64) -> Option<&T> {
        self.0.get(&key)
    }

    fn values(&self) -> impl Iterator<Item = &T> {
        self.0.values()
    }

    fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.0.values_mut()
    }
}

/// By id, in id order: the same center always gives the same keyframe bytes.
impl<T: Keyed + Serialize> Serialize for ByKey<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut v: Vec<&T> = self.0.values().collect();
        v.sort_unstable_by(|a, b| a.id().cmp(b.id()));
        s.collect_map(v.into_iter().map(|a| (a.id(), a)))
    }
}

impl<'de, T: Keyed + Deserialize<'de>> Deserialize<'de> for ByKey<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ByKey<T>, D::Error> {
        let by_id = HashMap::<String, T>::deserialize(d)?;
        Ok(ByKey(
            by_id
                .into_values()
                .map(|a| (fingerprint(a.id()), a))
                .collect(),
        ))
    }
}

/// The agents changed at each revision of a center, and the revision of its last
/// directory change (agents or queues added or removed, names, memberships).
#[derive(Clone, Debug, Default)]
struct AgentChanges {
    instance: Instance,
    revision: u64,
    directory: u64,
    log: ChangeLog<u64>,
}

/// Where a center stands in its changes: what a view derived from it was derived from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CenterStamp {
    instance: u64,
    revision: u64,
    directory: u64,
}

impl CenterStamp {
    /// The same center with the same directory (agents, queues, names, memberships).
    pub fn same_directory(&self, other: &CenterStamp) -> bool {
        self.instance == other.instance && self.directory == other.directory
    }
}

impl Default for Center {
    fn default() -> Self {
        Center::new(Window::all())
    }
}

impl Center {
    /// An empty center whose figures cover `window`.
    pub fn new(window: Window) -> Center {
        Center {
            window,
            epoch: 0,
            queues: Queues::default(),
            agents: Agents::default(),
            candidates: Agents::default(),
            others: Map::default(),
            calls: HashMap::default(),
            done: Tombstones::new(DONE_IDS),
            watching_since: None,
            unseen_until: None,
            changes: AgentChanges::default(),
            effects: Vec::new(),
            intervals: None,
            accounts: BTreeSet::new(),
            doubted: Default::default(),
        }
    }

    /// Where this center stands in its changes.
    pub fn stamp(&self) -> CenterStamp {
        let c = &self.changes;
        CenterStamp {
            instance: c.instance.0,
            revision: c.revision,
            directory: c.directory,
        }
    }

    /// The agents whose state, calls or presence changed since `s` (newest first, an
    /// agent maybe more than once); `None` when `s` is another center value's, older
    /// than the log keeps, or the directory changed since: derive from every agent then.
    /// Figures (handled, talk…) are not logged: read them when drawn.
    pub fn agents_changed_since(&self, s: CenterStamp) -> Option<impl Iterator<Item = &Agent>> {
        let c = &self.changes;
        (s.instance == c.instance.0 && c.directory <= s.revision)
            .then(|| c.log.since(s.revision, c.revision))
            .flatten()
            .map(|keys| keys.filter_map(|k| self.agents.by_key(*k)))
    }

    /// Agent `key` (its id's `fingerprint`) changed.
    fn agent_changed(&mut self, key: u64) {
        self.restated(key);
        let c = &mut self.changes;
        c.revision += 1;
        c.log.note(c.revision, &key);
    }

    fn directory_changed(&mut self) {
        let c = &mut self.changes;
        c.revision += 1;
        c.directory = c.revision;
    }

    /// The window the figures cover.
    pub fn window(&self) -> Window {
        self.window
    }

    /// Starts the figures again from `window` (calls in progress count no more).
    pub fn reset(&mut self, window: Window) {
        self.window = window;
        self.zero();
    }

    /// True when `now` is past the window's end: the figures are the last window's until
    /// the next event starts the new one.
    pub fn ended_by(&self, now: Ts) -> bool {
        self.window.end().is_some_and(|e| now >= e)
    }

    fn zero(&mut self) {
        self.epoch = self.epoch.wrapping_add(1);
        for q in self.queues.values_mut() {
            q.figures = QueueFigures::default();
            q.undoable_waits.clear();
            q.longest_sealed = 0;
        }
        for a in self.agents.values_mut().chain(self.candidates.values_mut()) {
            a.figures = AgentFigures::default();
            // No call in progress counts in the new window (as no track does): its talk
            // and hold running now are not the new window's either.
            a.calls.iter_mut().for_each(|c| c.counted = false);
        }
    }

    fn epoch_if(&self, counted: bool, at: Ts) -> Option<u32> {
        (counted && self.window.covers(at)).then_some(self.epoch)
    }

    fn roll(&mut self, at: Ts) {
        self.watched(at);
        if self.window.roll(at) {
            self.zero();
        }
    }

    /// Calltop heard nothing until `until` (a new subscription after an outage that was
    /// not recovered): callers who entered a queue before it may be unseen.
    pub fn heard_gap(&mut self, until: Ts) {
        self.unseen_until = Some(self.unseen_until.map_or(until, |u| u.max(until)));
        // A new subscription's presence is news whatever its number: the platform's
        // count may have started again (a restart), and none of the old one comes now.
        for a in self.agents.values_mut() {
            a.presence.info.sequence = None;
        }
    }

    /// calltop heard something of the stream at `at`: a call's event, or any value of
    /// the stream (a frame, a recording's line), which says calltop was listening.
    pub fn watched(&mut self, at: Ts) {
        self.watching_since = Some(self.watching_since.map_or(at, |w| w.min(at)));
        self.heard_for_intervals(at);
        self.time_states(at);
    }

    /// One telephony event (every party in it), at its `eventTime` (else `now`).
    pub fn observe(&mut self, ev: &SessionEventView<'_>, now: Ts) {
        let key = fingerprint(&ev.telephony_session_id);
        self.event(ev, now, Place::Map(key));
    }

    /// [`observe`](Center::observe) of an event the store found late (its session let go
    /// of): only a call the center still follows takes it.
    pub(crate) fn observe_released(&mut self, ev: &SessionEventView<'_>, now: Ts) {
        let key = (!self.calls.is_empty())
            .then(|| fingerprint(&ev.telephony_session_id))
            .filter(|k| self.calls.contains_key(k));
        match key {
            Some(key) => self.event(ev, now, Place::Map(key)),
            None => self.roll(ev.event_time.unwrap_or(now)),
        }
    }

    /// [`observe`](Center::observe) of a call whose session the store holds (`slot`).
    pub(crate) fn observe_in(&mut self, slot: &mut CallSlot, ev: &SessionEventView<'_>, now: Ts) {
        self.event(ev, now, Place::Slot(slot));
    }

    fn event(&mut self, ev: &SessionEventView<'_>, now: Ts, mut place: Place<'_>) {
        let at = ev.event_time.unwrap_or(now);
        self.roll(at);
        for p in &ev.parties {
            let u = Update {
                party: p,
                seq: ev.sequence,
                at,
                snapshot: false,
                created: None,
            };
            self.update_at(&ev.telephony_session_id, &mut place, u);
        }
        self.time_states(at);
    }

    /// A session fetched by REST (`GET …/telephony/sessions/{id}`) at `now`: new parties
    /// are joined; a known party whose state changed takes the change at `now`.
    pub fn snapshot(&mut self, cs: &CallSession, now: Ts) {
        self.rest_session(cs, now, Place::Map(fingerprint(&cs.id)));
    }

    /// [`snapshot`](Center::snapshot) of a call whose session the store holds (`slot`).
    pub(crate) fn snapshot_in(&mut self, slot: &mut CallSlot, cs: &CallSession, now: Ts) {
        self.rest_session(cs, now, Place::Slot(slot));
    }

    fn rest_session(&mut self, cs: &CallSession, now: Ts, mut place: Place<'_>) {
        self.watched(now);
        for p in &cs.parties {
            let p = PartyView::from(p.clone());
            let u = Update {
                party: &p,
                seq: None,
                at: now,
                snapshot: true,
                created: cs.creation_time,
            };
            self.update_at(&cs.id, &mut place, u);
        }
        self.time_states(now);
    }

    fn update_at(&mut self, sid: &str, place: &mut Place<'_>, u: Update<'_>) {
        match place {
            Place::Map(key) => self.update(sid, *key, u),
            Place::Slot(slot) => self.update_slot(sid, slot, u),
        }
    }

    /// Reconciling found the call gone: its parties leave at `at`, its open entries get
    /// no invented outcome (`unknown`).
    pub fn gone(&mut self, session: &str, at: Ts) {
        let key = fingerprint(session);
        if let Some(call) = self.calls.remove(&key) {
            self.end(session, call, at);
            self.done.insert(session);
        }
        self.time_states(at);
    }

    /// [`gone`](Center::gone) of a call whose session the store holds (`slot`).
    pub(crate) fn gone_in(&mut self, slot: &mut CallSlot, session: &str, at: Ts) {
        if let Slot::Unknown = slot.0 {
            slot.0 = self.adopt(session).unwrap_or_default();
        }
        if let Slot::Live(call) = std::mem::take(&mut slot.0) {
            self.end(session, call, at);
            slot.0 = Slot::Over(None);
        }
        self.time_states(at);
    }

    /// Ends a call for good (a reconcile found it gone): its parties leave at `at`, its
    /// entries get no outcome, and what it changed is sealed.
    fn end(&mut self, session: &str, mut call: Call, at: Ts) {
        let outer = std::mem::replace(&mut self.effects, std::mem::take(&mut call.effects));
        for e in std::mem::take(&mut call.entries) {
            self.settle(session, e, Outcome::Unknown, at);
        }
        for mut t in std::mem::take(&mut call.parties) {
            if !t.ended {
                self.close_interval(&mut t, at);
                t.ended = true;
                if matches!(t.role, Role::Leg(_)) && !t.answered {
                    self.agent_figures(&t, |f| f.unanswered += 1);
                }
                // Found gone: when it ended was not seen.
                self.leave(&t, at, false);
            }
        }
        let effects = std::mem::replace(&mut self.effects, outer);
        self.seal(fingerprint(session), &effects);
    }

    fn role(&mut self, p: &PartyView<'_>) -> Role {
        let to = p.to.as_ref().and_then(|t| t.extension_id.as_deref());
        if let (Some(true), Some(q)) = (p.queue_call, to) {
            let user = self.agents.get(q).is_some_and(|a| a.extension.is_some());
            if !user && !self.others.contains_key(q) {
                // A queue: taken for an agent before (from presence) only if nothing said.
                if self.agents.remove(q).is_some() {
                    self.directory_changed();
                }
                self.candidates.remove(q);
                if !self.queues.contains_key(q) {
                    // A queue first learned of from a call: what names calls changed.
                    self.directory_changed();
                    self.queues.entry(q);
                }
                return Role::Leg(fingerprint(q));
            }
        }
        match &p.extension_id {
            Some(e) if self.queues.contains_key(e) => Role::QueueParty(fingerprint(e)),
            Some(_) => Role::Other,
            None if p.direction == Some(Direction::Outbound) => Role::Caller,
            None => Role::Other,
        }
    }

    /// One party's update of session `sid` (`key`: its fingerprint).
    fn update(&mut self, sid: &str, key: u64, u: Update<'_>) {
        // The calls are set aside while one of them is updated (nothing else reads them)
        // and put back after: one look-up of the call per party.
        let mut calls = std::mem::take(&mut self.calls);
        let over = match calls.get_mut(&key) {
            Some(call) => self.update_call(sid, call, &u).then(|| calls.remove(&key)),
            None if self.done.contains_fingerprint(key) => None,
            None => {
                let mut call = Call::starting(&u);
                if self.update_call(sid, &mut call, &u) {
                    Some(Some(call))
                } else {
                    calls.insert(key, call);
                    None
                }
            }
        };
        // Over: no session to rebuild it from, so what it changed is sealed.
        if let Some(call) = over {
            self.seal(key, call.map(|c| c.effects).as_deref().unwrap_or_default());
            self.done.insert_fingerprint(key);
        }
        self.calls = calls;
    }

    /// One party's update of the call in a store's session (`slot`).
    fn update_slot(&mut self, sid: &str, slot: &mut CallSlot, u: Update<'_>) {
        if let Slot::Unknown = slot.0 {
            slot.0 = self
                .adopt(sid)
                .unwrap_or_else(|| Slot::Live(Call::starting(&u)));
        }
        if let Slot::Live(call) = &mut slot.0 {
            if self.update_call(sid, call, &u) {
                let effects = std::mem::take(&mut call.effects);
                slot.0 = if call.fixed {
                    self.seal(fingerprint(sid), &effects);
                    Slot::Over(None)
                } else {
                    Slot::Over(Some(effects))
                };
            }
        }
    }

    /// One party's update of a call; true when the call is over. What it changes in the
    /// figures is kept in the call's effects.
    fn update_call(&mut self, sid: &str, call: &mut Call, u: &Update<'_>) -> bool {
        std::mem::swap(&mut self.effects, &mut call.effects);
        call.fixed |= u.snapshot;
        let over = self.update_call_with(sid, call, u);
        std::mem::swap(&mut self.effects, &mut call.effects);
        over
    }

    /// [`update_call`](Self::update_call), the call's effects in `self.effects`.
    fn update_call_with(&mut self, sid: &str, call: &mut Call, u: &Update<'_>) -> bool {
        let p = u.party;
        let code = p.status.as_ref().map(|s| &s.code);
        // The party's track is updated where it is (found by its key).
        let fp = fingerprint(&p.id);
        let found = call.keys.iter().position(|k| *k == fp);
        let new = found.is_none();
        let i = match found {
            Some(i) => i,
            None => {
                let seen_start = call.from_start || code.is_some_and(StatusCode::is_start);
                let t = Track {
                    fp,
                    ext: p.extension_id.as_deref().map(fingerprint),
                    role: self.role(p),
                    code: None,
                    open: None,
                    answered: false,
                    ended: false,
                    counted: self.epoch_if(!u.snapshot && seen_start, u.at),
                    seq: i64::MIN,
                    first: u.at,
                };
                call.keys.push(fp);
                call.parties.push(t);
                call.parties.len() - 1
            }
        };
        // An older or repeated event changes nothing.
        let t = &mut call.parties[i];
        if u.seq.is_none_or(|seq| seq > t.seq) {
            t.seq = u.seq.unwrap_or(t.seq);
            let ended = t.ended;
            self.apply(sid, call, i, u, new);
            let newly_ended = call.parties[i].ended && !ended;
            call.ended += u32::from(newly_ended);
            if new {
                call.handed_on = false;
            }
            if newly_ended {
                let reason = p.status.as_ref().and_then(|s| s.reason.as_ref());
                call.handed_on = reason.is_some_and(Reason::is_transfer);
            }
        }
        // A call first heard mid-way through one party that had left (a ring that timed
        // out) is not over: its other parties were not heard yet.
        let whole = call.from_start || call.parties.len() > 1;
        whole
            && call.entries.is_empty()
            && call.ended as usize == call.parties.len()
            && !call.handed_on
    }

    /// One fresh update of a party's track (`call.parties[i]`).
    fn apply(&mut self, sid: &str, call: &mut Call, i: usize, u: &Update<'_>, new: bool) {
        let p = u.party;
        let code = p.status.as_ref().map(|s| &s.code);
        // Nothing but the caller before this party (a queue the call went to first).
        let direct = call.parties[..i].iter().all(|x| x.role == Role::Caller);
        let t = &mut call.parties[i];
        if let Some(c) = code {
            if t.code.as_ref() != Some(c) {
                self.close_interval(t, u.at);
                if matches!(c, StatusCode::Answered | StatusCode::Hold) {
                    t.open = Some(u.at);
                }
                t.code = Some(c.clone());
            }
        }
        let newly_answered = code == Some(&StatusCode::Answered) && !t.answered;
        t.answered |= newly_answered;
        let newly_ended = code.is_some_and(StatusCode::is_terminal) && !t.ended;
        t.ended |= newly_ended;
        // First heard in a call not heard from its start, past its start: when its state
        // began was not seen — unless a snapshot listed the call's parties before (one
        // new since came then: a pickup from park is answered when first heard).
        let listed = call.fixed && !u.snapshot;
        let midway = new && !call.from_start && !listed && !code.is_some_and(StatusCode::is_start);
        self.person(sid, t, p, u.at, newly_answered, (u.snapshot, midway));
        match &t.role {
            Role::Leg(_) => {
                let answered = t.answered;
                if new {
                    self.agent_figures(t, |f| f.offers += 1);
                    self.leg_without_entry(sid, call, i, u.at);
                }
                if newly_answered {
                    self.agent_figures(&call.parties[i], |f| f.handled += 1);
                    self.decide(sid, call, i, u.at);
                }
                if newly_ended && !answered {
                    let missed = p.missed_call == Some(true);
                    self.agent_figures(&call.parties[i], |f| {
                        f.unanswered += 1;
                        f.missed += u64::from(missed);
                    });
                }
            }
            Role::QueueParty(q) => self.queue_party(sid, &mut call.entries, *q, t, u, new, direct),
            Role::Caller if newly_ended => {
                for e in std::mem::take(&mut call.entries) {
                    self.settle(sid, e, Outcome::Abandoned, u.at);
                }
            }
            Role::Caller | Role::Other => {}
        }
    }

    /// Closes a talk / hold interval at `at` and adds it to the agent's figures.
    fn close_interval(&mut self, t: &mut Track, at: Ts) {
        let Some(start) = t.open.take() else {
            return;
        };
        let d = start.millis_until(at);
        let (talk, hold) = match t.code {
            Some(StatusCode::Answered) => (d, 0),
            Some(StatusCode::Hold) => (0, d),
            _ => return,
        };
        let leg = matches!(t.role, Role::Leg(_));
        self.agent_figures(t, |f| {
            f.all_talk_ms += talk;
            f.all_hold_ms += hold;
            if leg {
                f.talk_ms += talk;
                f.hold_ms += hold;
            }
        });
    }
}

#[cfg(test)]
mod tests;
