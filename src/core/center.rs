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

mod rebuild;

use super::changes::{ChangeLog, Instance};
use super::party::PartyState;
use super::session::Session;
use super::tombstones::{fingerprint, Tombstones};
use crate::wire::directory::{ExtensionInfo, ExtensionType, ServiceLevelSettings};
use crate::wire::presence::{agent_state, AgentState, PresenceInfo, PresenceStatus};
use crate::wire::queues::{CallQueue, QueueMemberPresence, QueuePresenceEvent};
use crate::wire::view::{EndpointView, PartyView, SessionEventView};
use crate::wire::{CallSession, Direction, PresenceEvent, Reason, RosterLine, StatusCode, Ts};
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;
use std::collections::{BTreeMap, HashMap};

use rebuild::Effect;

/// A map by extension or session id. The upkeep looks ids up on every event, so with a
/// fast hash (foldhash, as the store's maps; still seeded per map).
type Map<V> = HashMap<String, V, foldhash::fast::RandomState>;

/// A day, the period of figures since local midnight.
pub const DAY_MS: i64 = 86_400_000;
/// RingCentral's default service-level threshold.
pub const DEFAULT_SLA_MS: i64 = 20_000;
/// Finished calls remembered so that a late event does not count them again.
const DONE_IDS: usize = 50_000;

/// Which part of the stream the figures cover: from `start` (the whole stream when
/// `None`), moving on by `every_ms` whenever an event passes the end.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub start: Option<Ts>,
    pub every_ms: Option<i64>,
}

impl Window {
    /// The whole stream.
    pub fn all() -> Window {
        Window::default()
    }

    /// From `start` on.
    pub fn since(start: Ts) -> Window {
        Window {
            start: Some(start),
            every_ms: None,
        }
    }

    /// From `midnight` on, starting again every 24 hours.
    pub fn daily(midnight: Ts) -> Window {
        Window {
            start: Some(midnight),
            every_ms: Some(DAY_MS),
        }
    }

    /// When the figures start again, if they do.
    pub fn end(&self) -> Option<Ts> {
        Some(self.start?.plus_millis(self.every_ms.filter(|p| *p > 0)?))
    }

    fn covers(&self, t: Ts) -> bool {
        self.start.is_none_or(|s| t >= s) && self.end().is_none_or(|e| t < e)
    }

    /// Moves the start on past `t`; true when it moved.
    fn roll(&mut self, t: Ts) -> bool {
        let (Some(start), Some(every)) = (self.start, self.every_ms.filter(|p| *p > 0)) else {
            return false;
        };
        if t < start.plus_millis(every) {
            return false;
        }
        let periods = start.millis_until(t) / every;
        self.start = Some(start.plus_millis(periods * every));
        true
    }
}

/// From when queue and agent figures count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Since {
    /// Local midnight today, and again every midnight.
    #[default]
    Midnight,
    /// The start of the stream.
    Start,
    /// This time on.
    At(Ts),
}

impl Since {
    /// Parses `midnight`, `start` or an RFC 3339 time.
    pub fn parse(s: &str) -> Result<Since, String> {
        match s.trim() {
            "midnight" => Ok(Since::Midnight),
            "start" => Ok(Since::Start),
            t => Ts::parse(t).map(Since::At).ok_or_else(|| {
                format!("{t:?} is not midnight, start or a time like 2024-05-01T08:00:00Z")
            }),
        }
    }
}

/// A queue's service-level settings (`serviceLevelSettings` / `callQueueInfo`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceLevel {
    pub threshold_ms: i64,
    /// Target percentage, as configured.
    pub goal_pct: Option<i64>,
    /// Abandoned calls waiting at least `abandoned_threshold_ms` count against the level.
    pub include_abandoned: bool,
    pub abandoned_threshold_ms: i64,
}

impl Default for ServiceLevel {
    fn default() -> Self {
        ServiceLevel {
            threshold_ms: DEFAULT_SLA_MS,
            goal_pct: None,
            include_abandoned: false,
            abandoned_threshold_ms: 0,
        }
    }
}

impl ServiceLevel {
    fn merge(&mut self, s: &ServiceLevelSettings) {
        if let Some(t) = s.sla_threshold_seconds {
            self.threshold_ms = t.saturating_mul(1000);
        }
        self.goal_pct = s.sla_goal.or(self.goal_pct);
        self.include_abandoned = s.include_abandoned_calls.unwrap_or(self.include_abandoned);
        if let Some(t) = s.abandoned_threshold_seconds {
            self.abandoned_threshold_ms = t.saturating_mul(1000);
        }
    }
}

/// One queue's figures inside the window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueFigures {
    /// Entries seen entering (waiting ones included).
    pub offered: u64,
    pub answered: u64,
    /// Answered within the threshold in force when they were answered.
    pub answered_within_sla: u64,
    pub abandoned: u64,
    /// Abandoned after waiting at least the abandoned threshold.
    pub abandoned_over_threshold: u64,
    pub voicemail: u64,
    pub overflow: u64,
    /// The call ended while calltop was disconnected: no outcome invented.
    pub unknown: u64,
    /// Σ speed of answer over answered entries.
    pub answer_wait_ms: i64,
    /// Σ wait before abandon.
    pub abandon_wait_ms: i64,
    /// The longest wait of any entry that left the queue.
    pub longest_wait_ms: i64,
    /// Calls found waiting when calltop joined (counted in no other figure).
    pub joined: u64,
}

impl QueueFigures {
    /// RingCentral's service level (%): answered within the threshold / (answered +
    /// voicemail [+ abandoned over the threshold when the queue includes them]).
    pub fn service_level_pct(&self, sla: &ServiceLevel) -> Option<f64> {
        let over = if sla.include_abandoned {
            self.abandoned_over_threshold
        } else {
            0
        };
        let denominator = self.answered + self.voicemail + over;
        (denominator > 0).then(|| self.answered_within_sla as f64 * 100.0 / denominator as f64)
    }

    /// Average speed of answer (ms).
    pub fn avg_answer_wait_ms(&self) -> Option<f64> {
        (self.answered > 0).then(|| self.answer_wait_ms as f64 / self.answered as f64)
    }

    /// Average wait before abandon (ms).
    pub fn avg_abandon_wait_ms(&self) -> Option<f64> {
        (self.abandoned > 0).then(|| self.abandon_wait_ms as f64 / self.abandoned as f64)
    }
}

/// A member of a queue and whether it takes the queue's calls.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// `acceptCurrentQueueCalls`: this queue.
    pub accept_current: Option<bool>,
    /// `acceptQueueCalls`: every queue (mirrors DND).
    pub accept_all: Option<bool>,
}

/// A call waiting in a queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiting {
    pub session: String,
    /// Entry time; for a joined call, when calltop first knew of it (it waited longer).
    pub entered: Ts,
    pub joined: bool,
}

/// A call queue.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Queue {
    pub id: String,
    pub extension_number: Option<String>,
    pub name: Option<String>,
    pub sla: ServiceLevel,
    /// The directory record and the queue details, as the platform served them.
    pub extension: Option<ExtensionInfo>,
    pub details: Option<CallQueue>,
    /// Members by extension id.
    pub members: BTreeMap<String, Member>,
    pub figures: QueueFigures,
    /// Calls waiting now, in entry order (oldest first; of calls that entered at the
    /// same time, the first seen first).
    pub waiting: Vec<Waiting>,
    /// Waits above `longest_sealed` whose calls may still be rebuilt, by call (the
    /// session id's `fingerprint`): the longest is the greatest of them and it.
    #[serde(default)]
    undoable_waits: Vec<(u64, i64)>,
    /// The longest wait of calls no longer rebuilt.
    #[serde(default)]
    longest_sealed: i64,
}

impl Queue {
    fn new(id: &str) -> Queue {
        Queue {
            id: id.to_string(),
            ..Default::default()
        }
    }

    /// The call waiting longest.
    pub fn oldest_waiting(&self) -> Option<&Waiting> {
        self.waiting.first()
    }

    /// Where session `sid`'s call that entered at `entered` waits: found by its entry
    /// time (the calls are in entry order).
    fn waiting_at(&self, entered: Ts, sid: &str) -> Option<usize> {
        let from = self.waiting.partition_point(|w| w.entered < entered);
        self.waiting[from..]
            .iter()
            .take_while(|w| w.entered == entered)
            .position(|w| w.session == sid)
            .map(|i| from + i)
    }

    /// The longest wait at `now`: of a call still waiting, or of one that left.
    pub fn longest_wait_ms(&self, now: Ts) -> i64 {
        let current = self
            .oldest_waiting()
            .map_or(0, |w| w.entered.millis_until(now).max(0));
        current.max(self.figures.longest_wait_ms)
    }

    /// RingCentral's service level of the figures, with this queue's settings.
    pub fn service_level_pct(&self) -> Option<f64> {
        self.figures.service_level_pct(&self.sla)
    }
}

/// What an agent's calls make it: the busiest of its live parties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TelephonyState {
    Idle,
    Parked,
    OnHold,
    OnCall,
    Ringing,
}

impl TelephonyState {
    fn of(code: &StatusCode) -> TelephonyState {
        match code {
            StatusCode::Setup | StatusCode::Proceeding => TelephonyState::Ringing,
            StatusCode::Hold => TelephonyState::OnHold,
            StatusCode::Parked => TelephonyState::Parked,
            _ => TelephonyState::OnCall,
        }
    }

    /// Words for a view.
    pub fn as_str(self) -> &'static str {
        match self {
            TelephonyState::Idle => "Idle",
            TelephonyState::Parked => "Parked",
            TelephonyState::OnHold => "On hold",
            TelephonyState::OnCall => "On call",
            TelephonyState::Ringing => "Ringing",
        }
    }
}

/// One live party of an agent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentCall {
    pub session: String,
    pub party: String,
    /// `fingerprint(party)`, what the call is found by.
    #[serde(default)]
    party_fp: u64,
    pub code: StatusCode,
    /// `eventTime` of the event that set `code`.
    pub since: Ts,
    pub direction: Option<Direction>,
    /// The other end as the agent's party names it.
    pub peer: Option<String>,
    /// A hash of what `peer` was made from: an unchanged end is told without reading it.
    #[serde(skip)]
    peer_key: u64,
    /// The queue, for an agent leg.
    pub queue: Option<String>,
    /// Counts in the figures (seen from its start, inside the window).
    pub counted: bool,
}

/// One agent's figures inside the window (closed intervals only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentFigures {
    pub offers: u64,
    pub handled: u64,
    pub missed: u64,
    pub unanswered: u64,
    pub talk_ms: i64,
    pub hold_ms: i64,
    pub all_talk_ms: i64,
    pub all_hold_ms: i64,
}

impl AgentFigures {
    /// Average handle time: (talk + hold) / handled, in ms.
    pub fn avg_handle_ms(&self) -> Option<f64> {
        (self.handled > 0).then(|| (self.talk_ms + self.hold_ms) as f64 / self.handled as f64)
    }
}

/// What the presence notifications (and the REST snapshot) say about an agent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Presence {
    /// The merged presence fields (no calls), as the platform sent them (boxed: read
    /// when presence changes, not on every event).
    pub info: Box<PresenceInfo>,
    pub state: Option<AgentState>,
    /// Envelope `timestamp` of the notification that changed `state`; `None` while the
    /// state is known only from a snapshot or a first notification.
    pub since: Option<Ts>,
}

/// A user extension that takes calls.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Agent {
    pub id: String,
    pub extension_number: Option<String>,
    pub name: Option<String>,
    /// The directory record, as the platform served it (`None`: known from events only;
    /// boxed: an agent's hot part, its calls and figures, stays small).
    pub extension: Option<Box<ExtensionInfo>>,
    pub presence: Presence,
    /// Live parties, oldest first.
    pub calls: Vec<AgentCall>,
    /// When the last live party left (idle since, once no call is live): the latest end
    /// of any of its parties, whatever order the ends were heard in.
    pub idle_since: Option<Ts>,
    pub figures: AgentFigures,
}

impl Agent {
    fn new(id: &str) -> Agent {
        Agent {
            id: id.to_string(),
            ..Default::default()
        }
    }

    /// The call that sets the telephony state: the busiest, longest in that state.
    pub fn current_call(&self) -> Option<&AgentCall> {
        self.calls
            .iter()
            .max_by_key(|c| (TelephonyState::of(&c.code), std::cmp::Reverse(c.since)))
    }

    /// Telephony state from the agent's parties, and since when.
    pub fn telephony_state(&self) -> (TelephonyState, Option<Ts>) {
        match self.current_call() {
            Some(c) => (TelephonyState::of(&c.code), Some(c.since)),
            None => (TelephonyState::Idle, self.idle_since),
        }
    }

    /// The figures with the talk and hold still running counted up to `now`.
    pub fn figures_at(&self, now: Ts) -> AgentFigures {
        let mut f = self.figures;
        for c in self.calls.iter().filter(|c| c.counted) {
            let d = c.since.millis_until(now).max(0);
            let (talk, hold) = match c.code {
                StatusCode::Answered => (d, 0),
                StatusCode::Hold => (0, d),
                _ => (0, 0),
            };
            f.all_talk_ms += talk;
            f.all_hold_ms += hold;
            if c.queue.is_some() {
                f.talk_ms += talk;
                f.hold_ms += hold;
            }
        }
        f
    }

    /// Takes queue calls at all: online, not DND for queues, accepting queue calls.
    pub fn takes_queue_calls(&self) -> bool {
        !matches!(
            self.presence.state,
            Some(AgentState::Offline | AgentState::Dnd | AgentState::OffQueue)
        )
    }
}

/// How a queue member stands now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Availability {
    /// On a call (ringing, talking, holding, parked).
    OnCall,
    /// Off this queue, off every queue, DND or offline.
    NotAccepting,
    /// `userStatus` Busy.
    Busy,
    Available,
}

/// A queue's members by availability.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Staff {
    pub available: u32,
    pub on_call: u32,
    pub not_accepting: u32,
    pub busy: u32,
}

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
    /// What changed, for the views (this instance's; not kept in a keyframe).
    #[serde(skip)]
    changes: AgentChanges,
    /// The effects of the call being updated (its own, lent while it is).
    #[serde(skip)]
    effects: Vec<Effect>,
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

impl<T: Keyed + Serialize> Serialize for ByKey<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.values().map(|a| (a.id(), a)))
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

fn starting(code: &StatusCode) -> bool {
    matches!(code, StatusCode::Setup | StatusCode::Proceeding)
}

/// Sets `peer` to the label of `e` (`name number`, else either, else the extension id)
/// unless it is empty; `key` is a hash of what it was made from, so an unchanged end
/// costs no read of the label, and a label is built only when it changed.
fn put_label(peer: &mut Option<String>, key: &mut u64, e: Option<&EndpointView<'_>>) {
    use std::hash::BuildHasher;
    let Some(e) = e else {
        return;
    };
    let (head, tail) = match (&e.name, &e.phone_number) {
        (Some(n), Some(p)) => (n.as_ref(), Some(p.as_ref())),
        (Some(n), None) => (n.as_ref(), None),
        (None, Some(p)) => (p.as_ref(), None),
        (None, None) => (e.extension_id.as_deref().unwrap_or_default(), None),
    };
    let made_from = foldhash::fast::FixedState::default().hash_one((head, tail));
    if *key == made_from && peer.is_some() {
        return;
    }
    *key = made_from;
    let same = match (peer.as_deref(), tail) {
        (Some(old), None) => old == head,
        (Some(old), Some(tail)) => {
            old.len() == head.len() + 1 + tail.len()
                && old.starts_with(head)
                && old.as_bytes()[head.len()] == b' '
                && old.ends_with(tail)
        }
        (None, _) => false,
    };
    if same || (head.is_empty() && tail.is_none()) {
        return;
    }
    // Built by hand: `format!` costs several times as much, once per agent party.
    let mut label = String::with_capacity(head.len() + tail.map_or(0, |t| t.len() + 1));
    label.push_str(head);
    if let Some(tail) = tail {
        label.push(' ');
        label.push_str(tail);
    }
    *peer = Some(label);
}

/// Keeps one live party of an agent (`counted`: it counts in the figures; `queues`, to
/// name an agent leg's queue).
fn follow(
    a: &mut Agent,
    queues: &Queues,
    sid: &str,
    t: &Track,
    p: &PartyView<'_>,
    at: Ts,
    counted: bool,
) {
    let Some(code) = t.code.as_ref() else {
        return;
    };
    let i = match a.calls.iter().position(|c| c.party_fp == t.fp) {
        Some(i) => i,
        None => {
            a.calls.push(AgentCall {
                session: sid.to_string(),
                party: p.id.to_string(),
                party_fp: t.fp,
                code: code.clone(),
                since: at,
                direction: None,
                peer: None,
                peer_key: 0,
                queue: match t.role {
                    Role::Leg(q) => queues.by_key(q).map(|q| q.id.clone()),
                    _ => None,
                },
                counted,
            });
            a.calls.len() - 1
        }
    };
    let c = &mut a.calls[i];
    if &c.code != code {
        c.code = code.clone();
        c.since = at;
    }
    if let Some(d) = &p.direction {
        let end = match d {
            Direction::Inbound => p.from.as_ref(),
            _ => p.to.as_ref(),
        };
        put_label(&mut c.peer, &mut c.peer_key, end);
        if c.direction.as_ref() != Some(d) {
            c.direction = Some(d.clone());
        }
    }
}

/// Agent `key`, or the candidate of that extension.
fn person_mut<'a>(
    agents: &'a mut Agents,
    candidates: &'a mut Agents,
    key: u64,
) -> Option<&'a mut Agent> {
    match agents.by_key_mut(key) {
        Some(a) => Some(a),
        None => candidates.by_key_mut(key),
    }
}

/// Agent `id`, made one (from its candidate, with what it was followed for, if any).
fn promote<'a>(agents: &'a mut Agents, candidates: &'a mut Agents, id: &str) -> &'a mut Agent {
    if !agents.contains_key(id) {
        if let Some(c) = candidates.remove(id) {
            agents.0.insert(fingerprint(id), c);
        }
    }
    agents.entry(id)
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
            changes: AgentChanges::default(),
            effects: Vec::new(),
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

    /// Every queue, in no particular order.
    pub fn queues(&self) -> impl Iterator<Item = &Queue> {
        self.queues.values()
    }

    /// A queue by extension id.
    pub fn queue(&self, id: &str) -> Option<&Queue> {
        self.queues.get(id)
    }

    /// Every agent, in no particular order.
    pub fn agents(&self) -> impl Iterator<Item = &Agent> {
        self.agents.values()
    }

    /// An agent by extension id.
    pub fn agent(&self, id: &str) -> Option<&Agent> {
        self.agents.get(id)
    }

    /// Calls in progress it tracks itself (bounded by the calls in progress); a store's
    /// center tracks most in the store's sessions ([`SessionStore::tracked_calls`]).
    ///
    /// [`SessionStore::tracked_calls`]: super::SessionStore::tracked_calls
    pub fn tracked_calls(&self) -> usize {
        self.calls.len()
    }

    /// The queues an agent belongs to, with its membership.
    pub fn queues_of(&self, agent: &str) -> Vec<(&Queue, &Member)> {
        let mut v: Vec<_> = self
            .queues
            .values()
            .filter_map(|q| q.members.get(agent).map(|m| (q, m)))
            .collect();
        v.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        v
    }

    /// How member `agent` of `queue` stands now.
    pub fn availability(&self, queue: &Queue, agent: &str) -> Availability {
        let a = self.agents.get(agent);
        if a.is_some_and(|a| !a.calls.is_empty()) {
            return Availability::OnCall;
        }
        let member_off = queue
            .members
            .get(agent)
            .is_some_and(|m| m.accept_current == Some(false) || m.accept_all == Some(false));
        if member_off || a.is_some_and(|a| !a.takes_queue_calls()) {
            return Availability::NotAccepting;
        }
        if a.is_some_and(|a| a.presence.info.user_status == Some(PresenceStatus::Busy)) {
            return Availability::Busy;
        }
        Availability::Available
    }

    /// A queue's members by availability.
    pub fn staff(&self, queue: &Queue) -> Staff {
        let mut s = Staff::default();
        for id in queue.members.keys() {
            match self.availability(queue, id) {
                Availability::OnCall => s.on_call += 1,
                Availability::NotAccepting => s.not_accepting += 1,
                Availability::Busy => s.busy += 1,
                Availability::Available => s.available += 1,
            }
        }
        s
    }

    /// The queue of a call: of its agent legs, else of its queue parties.
    pub fn call_queue(&self, s: &Session) -> Option<&Queue> {
        let leg = s.parties.iter().find_map(|p| {
            (p.queue_call.get() == Some(&true))
                .then(|| p.to.extension_id.get())
                .flatten()
        });
        leg.or_else(|| {
            s.parties
                .iter()
                .filter_map(|p| p.extension_id.get())
                .find(|e| self.queues.contains_key(e))
        })
        .and_then(|q| self.queues.get(q))
    }

    fn epoch_if(&self, counted: bool, at: Ts) -> Option<u32> {
        (counted && self.window.covers(at)).then_some(self.epoch)
    }

    fn roll(&mut self, at: Ts) {
        if self.window.roll(at) {
            self.zero();
        }
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
            };
            self.update_at(&ev.telephony_session_id, &mut place, u);
        }
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
        for p in &cs.parties {
            let p = PartyView::from(p.clone());
            let u = Update {
                party: &p,
                seq: None,
                at: now,
                snapshot: true,
            };
            self.update_at(&cs.id, &mut place, u);
        }
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
                self.leave(&t, at);
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
                self.queues.entry(q);
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

    /// What the center itself knows of a call a session now holds: taken out of its map
    /// (a keyframe's, or kept while the store held no session), or done.
    fn adopt(&mut self, sid: &str) -> Option<Slot> {
        if self.calls.is_empty() && self.done.is_empty() {
            return None;
        }
        let key = fingerprint(sid);
        match self.calls.remove(&key) {
            Some(call) => Some(Slot::Live(call)),
            None => self
                .done
                .contains_fingerprint(key)
                .then_some(Slot::Over(None)),
        }
    }

    /// The store no longer holds session `sid`: a call still in progress comes back to
    /// the center's map.
    pub(crate) fn release(&mut self, sid: &str, slot: &mut CallSlot) {
        match std::mem::take(&mut slot.0) {
            Slot::Unknown => {}
            Slot::Live(call) => {
                self.calls.insert(fingerprint(sid), call);
            }
            // A later event is late to the store, which lets the center see it only if
            // its call is still followed (`observe_released`): it is over for good.
            Slot::Over(Some(effects)) => self.seal(fingerprint(sid), &effects),
            Slot::Over(None) => {}
        }
    }

    /// The center as a keyframe keeps it, with the calls the store's sessions hold
    /// (`held`: each session's id and slot).
    pub(crate) fn with_held<'a>(
        &'a self,
        held: impl Iterator<Item = (&'a str, &'a CallSlot)>,
    ) -> impl Serialize + 'a {
        /// [`Center`]'s fields, as it reads them back.
        #[derive(Serialize)]
        struct Kept<'a> {
            window: &'a Window,
            epoch: u32,
            queues: &'a Queues,
            agents: &'a Agents,
            candidates: &'a Agents,
            others: &'a Map<ExtensionInfo>,
            calls: HashMap<u64, &'a Call>,
            done: Tombstones,
        }
        // Every field by name: one added to the center does not compile here until the
        // keyframe carries it.
        let Center {
            window,
            epoch,
            queues,
            agents,
            candidates,
            others,
            calls: own,
            done,
            changes: _,
            effects: _,
        } = self;
        let mut calls: HashMap<u64, &Call> = own.iter().map(|(k, c)| (*k, c)).collect();
        let mut done = done.clone();
        for (sid, slot) in held {
            match &slot.0 {
                Slot::Unknown => {}
                Slot::Live(call) => {
                    calls.insert(fingerprint(sid), call);
                }
                Slot::Over(_) => done.insert(sid),
            }
        }
        Kept {
            window,
            epoch: *epoch,
            queues,
            agents,
            candidates,
            others,
            calls,
            done,
        }
    }

    /// After a keyframe is read: each session the store holds takes its call back from
    /// the center (in progress, or done), as it was before [`with_held`](Self::with_held);
    /// waiting calls are in entry order (as an older keyframe may not have kept them).
    pub(crate) fn restore<'a>(&mut self, held: impl Iterator<Item = (&'a str, &'a mut CallSlot)>) {
        for q in self.queues.values_mut() {
            q.waiting.sort_by_key(|w| w.entered);
        }
        if self.calls.is_empty() && self.done.is_empty() {
            return;
        }
        let mut over = std::collections::HashSet::new();
        for (sid, slot) in held {
            let key = fingerprint(sid);
            if let Some(call) = self.calls.remove(&key) {
                slot.0 = Slot::Live(call);
            } else if self.done.contains_fingerprint(key) {
                slot.0 = Slot::Over(None);
                over.insert(key);
            }
        }
        if !over.is_empty() {
            self.done.forget_where(|f| over.contains(&f));
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
                let seen_start = call.from_start || code.is_some_and(starting);
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
            call.ended += u32::from(call.parties[i].ended && !ended);
        }
        call.entries.is_empty() && call.ended as usize == call.parties.len()
    }

    /// One fresh update of a party's track (`call.parties[i]`).
    fn apply(&mut self, sid: &str, call: &mut Call, i: usize, u: &Update<'_>, new: bool) {
        let p = u.party;
        let code = p.status.as_ref().map(|s| &s.code);
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
        self.person(sid, t, p, u.at, newly_answered);
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
            Role::QueueParty(q) => self.queue_party(sid, &mut call.entries, *q, t, u, new),
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

    /// Changes the figures of the party's agent, when the party counts in this epoch.
    fn agent_figures(&mut self, t: &Track, change: impl FnOnce(&mut AgentFigures)) {
        if t.counted != Some(self.epoch) {
            return;
        }
        let Some(key) = t.ext else {
            return;
        };
        if let Some(a) = person_mut(&mut self.agents, &mut self.candidates, key) {
            let before = a.figures;
            change(&mut a.figures);
            let delta = a.figures.since(&before);
            let epoch = self.epoch;
            self.effects.push(Effect::Agent { key, epoch, delta });
        }
    }

    /// Keeps the live calls of the party's agent: agents are created from events when
    /// an agent leg rings them or a party of theirs is answered.
    fn person(&mut self, sid: &str, t: &Track, p: &PartyView<'_>, at: Ts, answered: bool) {
        let Some(key) = t.ext else {
            return;
        };
        if t.ended {
            return self.leave(t, at);
        }
        if matches!(t.role, Role::QueueParty(_)) {
            return;
        }
        let counted = t.counted == Some(self.epoch);
        // Agents and other extensions are apart: a known agent is no other extension.
        if let Some(a) = self.agents.by_key_mut(key) {
            follow(a, &self.queues, sid, t, p, at, counted);
            return self.agent_changed(key);
        }
        // Not an agent yet: the event names the extension (the one the track is keyed by).
        let Some(ext) = p.extension_id.as_deref().filter(|e| fingerprint(e) == key) else {
            return;
        };
        if self.others.contains_key(ext) {
            return;
        }
        if matches!(t.role, Role::Leg(_)) || answered {
            let a = promote(&mut self.agents, &mut self.candidates, ext);
            follow(a, &self.queues, sid, t, p, at, counted);
            self.directory_changed();
        } else {
            follow(
                self.candidates.entry(ext),
                &self.queues,
                sid,
                t,
                p,
                at,
                counted,
            );
        }
    }

    /// The party left: it is no agent's live call any more.
    fn leave(&mut self, t: &Track, at: Ts) {
        let Some(key) = t.ext else {
            return;
        };
        let Some(a) = person_mut(&mut self.agents, &mut self.candidates, key) else {
            return;
        };
        if let Some(i) = a.calls.iter().position(|c| c.party_fp == t.fp) {
            a.calls.remove(i);
            // The latest end of any party, not the end heard last: calls that overlapped
            // may end heard in either order, and idle starts at the later end.
            a.idle_since = a.idle_since.max(Some(at));
            self.agent_changed(key);
        }
    }
    /// A queue party: its `Setup` enters the queue (a REST snapshot: joined); its
    /// `Disconnected` with reason `Voicemail` / `CallRedirected` ends the entry.
    fn queue_party(
        &mut self,
        sid: &str,
        entries: &mut Vec<Entry>,
        q: u64,
        t: &Track,
        u: &Update<'_>,
        new: bool,
    ) {
        let status = u.party.status.as_ref();
        let code = status.map(|s| &s.code);
        // An entry joined through an agent leg knows no party yet.
        let unclaimed = entries
            .iter()
            .position(|e| e.party.is_none() && e.queue == q);
        if new && code == Some(&StatusCode::Setup) {
            match unclaimed {
                Some(i) => entries[i].party = Some(t.fp),
                None => {
                    let party = Some(t.fp);
                    self.enter(sid, entries, q, party, u.at, t.counted, u.snapshot)
                }
            }
            return;
        }
        if code != Some(&StatusCode::Disconnected) {
            return;
        }
        let outcome = match status.and_then(|s| s.reason.as_ref()) {
            Some(Reason::Voicemail) => Outcome::Voicemail,
            Some(Reason::CallRedirected) => Outcome::Overflow,
            _ => return,
        };
        let own = entries.iter().position(|e| e.party == Some(t.fp));
        if let Some(i) = own.or(unclaimed) {
            let e = entries.remove(i);
            self.settle(sid, e, outcome, u.at);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn enter(
        &mut self,
        sid: &str,
        entries: &mut Vec<Entry>,
        q: u64,
        party: Option<u64>,
        at: Ts,
        counted: Option<u32>,
        joined: bool,
    ) {
        // Its queue is known: it was made when the role naming it was.
        let Some(queue) = self.queues.by_key_mut(q) else {
            return;
        };
        let before = queue.figures;
        if counted == Some(self.epoch) {
            queue.figures.offered += 1;
        }
        if joined {
            queue.figures.joined += 1;
        }
        let (key, epoch) = (q, self.epoch);
        let delta = queue.figures.since(&before);
        if delta != QueueFigures::default() {
            self.effects.push(Effect::Queue { key, epoch, delta });
        }
        self.effects.push(Effect::Entered { key });
        let queue = self.queues.by_key_mut(q).expect("the queue found above");
        // Kept in entry order (after any that entered at the same time).
        let i = queue.waiting.partition_point(|w| w.entered <= at);
        queue.waiting.insert(
            i,
            Waiting {
                session: sid.to_string(),
                entered: at,
                joined,
            },
        );
        entries.push(Entry {
            queue: q,
            party,
            entered: at,
            counted,
        });
    }

    /// An agent leg of `q` rings in a call with no entry in `q`: the queue became known
    /// only now (its party, still waiting, enters as of its first event), or the call was
    /// waiting when calltop joined (it waits from now on, joined).
    fn leg_without_entry(&mut self, sid: &str, call: &mut Call, leg: usize, at: Ts) {
        let Role::Leg(q) = call.parties[leg].role else {
            return;
        };
        if call.entries.iter().any(|e| e.queue == q) {
            return;
        }
        // The queue's own party, of an extension not known for a queue when it came.
        let unknown_then = call.parties.iter_mut().find(|t| {
            t.role == Role::Other
                && t.ext == Some(q)
                && t.code == Some(StatusCode::Setup)
                && !t.ended
        });
        if let Some(t) = unknown_then {
            t.role = Role::QueueParty(q);
            let (id, first, counted) = (t.fp, t.first, t.counted);
            self.enter(sid, &mut call.entries, q, Some(id), first, counted, false);
        } else if !call.from_start {
            self.enter(sid, &mut call.entries, q, None, at, None, true);
        }
    }

    /// An agent leg of a queue answered: the session's oldest open entry in that queue
    /// is answered.
    fn decide(&mut self, sid: &str, call: &mut Call, leg: usize, at: Ts) {
        let Role::Leg(q) = call.parties[leg].role else {
            return;
        };
        if let Some(i) = call.entries.iter().position(|e| e.queue == q) {
            let e = call.entries.remove(i);
            self.settle(sid, e, Outcome::Answered, at);
        }
    }

    /// Gives an entry (already out of its call) its outcome.
    fn settle(&mut self, sid: &str, e: Entry, outcome: Outcome, at: Ts) {
        let Some(queue) = self.queues.by_key_mut(e.queue) else {
            return;
        };
        if let Some(i) = queue.waiting_at(e.entered, sid) {
            queue.waiting.remove(i);
        }
        if e.counted != Some(self.epoch) {
            return;
        }
        let wait = e.entered.millis_until(at);
        let before = queue.figures;
        let f = &mut queue.figures;
        match outcome {
            Outcome::Answered => {
                f.answered += 1;
                f.answer_wait_ms += wait;
                f.answered_within_sla += u64::from(wait <= queue.sla.threshold_ms);
            }
            Outcome::Abandoned => {
                f.abandoned += 1;
                f.abandon_wait_ms += wait;
                f.abandoned_over_threshold += u64::from(wait >= queue.sla.abandoned_threshold_ms);
            }
            Outcome::Voicemail => f.voicemail += 1,
            Outcome::Overflow => f.overflow += 1,
            Outcome::Unknown => f.unknown += 1,
        }
        let (key, epoch) = (e.queue, self.epoch);
        let delta = queue.figures.since(&before);
        if !matches!(outcome, Outcome::Unknown) {
            queue.waited(fingerprint(sid), wait);
            self.effects.push(Effect::Waited { key, epoch });
        }
        self.effects.push(Effect::Queue { key, epoch, delta });
    }

    /// A presence notification, at its envelope `timestamp`. Older than the newest seen
    /// for the extension (by `sequence`): ignored.
    pub fn presence(&mut self, p: &PresenceEvent, at: Ts) {
        let Some(ext) = p.extension_id.as_deref() else {
            return;
        };
        let info = PresenceInfo {
            presence_status: p.presence_status.as_deref().map(PresenceStatus::parse),
            user_status: p.user_status.clone(),
            telephony_status: p.telephony_status.clone(),
            dnd_status: p.dnd_status.clone(),
            dnd_status_personal: p.dnd_status_personal.clone(),
            accept_call_queue_calls: p.accept_call_queue_calls,
            sequence: p.sequence,
            ..Default::default()
        };
        self.merge_presence(ext, &info, Some(at));
    }

    /// Merges presence fields into the agent; `at` is the notification's time (`None`:
    /// a REST snapshot, which never times a state).
    fn merge_presence(&mut self, ext: &str, p: &PresenceInfo, at: Option<Ts>) {
        if self.queues.contains_key(ext) || self.others.contains_key(ext) {
            return;
        }
        // Only users have these (queues, IVR menus… are just `Offline`, §2.1).
        let user =
            p.user_status.is_some() || p.dnd_status.is_some() || p.telephony_status.is_some();
        if !user && !self.agents.contains_key(ext) {
            return;
        }
        if !self.agents.contains_key(ext) {
            self.directory_changed();
        }
        self.agent_changed(fingerprint(ext));
        let a = promote(&mut self.agents, &mut self.candidates, ext);
        let cur = &mut a.presence.info;
        if let (Some(new), Some(old), Some(_)) = (p.sequence, cur.sequence, at) {
            if new <= old {
                return;
            }
        }
        fn take<T: Clone>(into: &mut Option<T>, v: &Option<T>) {
            if v.is_some() {
                into.clone_from(v);
            }
        }
        take(&mut cur.presence_status, &p.presence_status);
        take(&mut cur.user_status, &p.user_status);
        take(&mut cur.telephony_status, &p.telephony_status);
        take(&mut cur.dnd_status, &p.dnd_status);
        take(&mut cur.dnd_status_personal, &p.dnd_status_personal);
        take(&mut cur.accept_call_queue_calls, &p.accept_call_queue_calls);
        take(&mut cur.meeting_status, &p.meeting_status);
        take(&mut cur.message, &p.message);
        if at.is_some() {
            take(&mut cur.sequence, &p.sequence);
        }
        cur.extra.extend(p.extra.clone());
        let state = agent_state(cur);
        let before = a.presence.state.replace(state);
        if before != Some(state) {
            // Timed only when calltop saw the state change.
            a.presence.since = at.filter(|_| before.is_some());
        }
    }

    /// A queue-presence notification (either shape) for `queue`.
    pub fn queue_presence(&mut self, queue: Option<&str>, body: &QueuePresenceEvent) {
        let Some(q) = body.call_queue_id.as_deref().or(queue) else {
            return;
        };
        self.directory_changed();
        if let Some(records) = &body.records {
            self.members_presence(q, records);
        }
        if let (Some(ext), Some(accept)) = (&body.extension_id, body.accept_calls) {
            self.member(q, ext).accept_current = Some(accept);
        }
    }

    fn member(&mut self, q: &str, ext: &str) -> &mut Member {
        self.queues
            .entry(q)
            .members
            .entry(ext.to_string())
            .or_default()
    }

    fn members_presence(&mut self, q: &str, records: &[QueueMemberPresence]) {
        for r in records {
            let Some(id) = r.member.id.as_deref() else {
                continue;
            };
            let m = self.member(q, id);
            if r.accept_current_queue_calls.is_some() {
                m.accept_current = r.accept_current_queue_calls;
            }
            if r.accept_queue_calls.is_some() {
                m.accept_all = r.accept_queue_calls;
            }
            let a = promote(&mut self.agents, &mut self.candidates, id);
            if a.name.is_none() {
                a.name.clone_from(&r.member.name);
            }
            if a.extension_number.is_none() {
                a.extension_number.clone_from(&r.member.extension_number);
            }
        }
    }

    /// What the live client learned by REST.
    pub fn roster(&mut self, line: &RosterLine) {
        self.directory_changed();
        match line {
            RosterLine::Extensions(v) => v.iter().for_each(|e| self.extension(e)),
            RosterLine::Queue(cq) => {
                let Some(id) = cq.id.as_deref() else { return };
                let q = self.queues.entry(id);
                if let Some(s) = &cq.service_level_settings {
                    q.sla.merge(s);
                }
                q.name = cq.name.clone().or(q.name.take());
                q.extension_number = cq.extension_number.clone().or(q.extension_number.take());
                q.details = Some((**cq).clone());
            }
            RosterLine::Members(m) => {
                let q = self.queues.entry(&m.queue_id);
                let ids: Vec<&str> = m.records.iter().filter_map(|r| r.id.as_deref()).collect();
                q.members.retain(|id, _| ids.contains(&id.as_str()));
                for id in ids {
                    q.members.entry(id.to_string()).or_default();
                }
                for r in &m.records {
                    if let Some(id) = r.id.as_deref() {
                        let a = promote(&mut self.agents, &mut self.candidates, id);
                        a.extension_number =
                            r.extension_number.clone().or(a.extension_number.take());
                    }
                }
            }
            RosterLine::QueuePresence(m) => self.members_presence(&m.queue_id, &m.records),
            RosterLine::Presence(v) => {
                for p in v {
                    let ext = p
                        .extension_id
                        .as_deref()
                        .or(p.extension.as_ref().and_then(|e| e.id.as_deref()));
                    if let Some(ext) = ext {
                        self.merge_presence(ext, p, None);
                    }
                }
            }
        }
    }

    /// One directory record: users are agents, `Department`s are queues.
    fn extension(&mut self, e: &ExtensionInfo) {
        let id = e.id.as_str();
        match e.kind {
            Some(ExtensionType::User) => {
                self.others.remove(id);
                let a = promote(&mut self.agents, &mut self.candidates, id);
                a.name = e.name.clone().or(a.name.take());
                a.extension_number = e.extension_number.clone().or(a.extension_number.take());
                a.extension = Some(Box::new(e.clone()));
            }
            Some(ExtensionType::Department) => {
                self.agents.remove(id);
                self.candidates.remove(id);
                let q = self.queues.entry(id);
                if let Some(s) = &e.call_queue_info {
                    q.sla.merge(s);
                }
                q.name = e.name.clone().or(q.name.take());
                q.extension_number = e.extension_number.clone().or(q.extension_number.take());
                q.extension = Some(e.clone());
            }
            _ => {
                if !self.queues.contains_key(id) {
                    self.agents.remove(id);
                    self.candidates.remove(id);
                    self.others.insert(id.to_string(), e.clone());
                }
            }
        }
    }

    /// A directory record of another kind (IVR, announcement…), by id.
    pub fn other_extension(&self, id: &str) -> Option<&ExtensionInfo> {
        self.others.get(id)
    }
}

/// The agent of a call: the party of a user that answered last (after IVR and queue
/// routing, and transfers); else the account's first party of a user still in the call.
pub fn agent_party(s: &Session) -> Option<&PartyState> {
    let internal = |p: &&PartyState| p.extension_id.get().is_some();
    let answered_at = |p: &PartyState| {
        p.history
            .iter()
            .find(|m| m.code == Some(StatusCode::Answered))
            .map(|m| (m.at, m.seq))
    };
    s.parties
        .iter()
        .filter(internal)
        .filter_map(|p| answered_at(p).map(|k| (k, p)))
        .max_by_key(|(k, _)| *k)
        .map(|(_, p)| p)
        .or_else(|| s.parties.iter().filter(internal).find(|p| !p.is_terminal()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::directory::ExtensionInfo;
    use crate::wire::queues::{QueueMember, QueueMemberInfo};
    use crate::wire::roster::QueueRecords;
    use crate::wire::{Endpoint, Party, SessionEvent, Status};

    const SALES: &str = "q-sales";
    const SUPPORT: &str = "q-support";
    const ANN: &str = "u-ann";
    const BOB: &str = "u-bob";
    const T0: i64 = 1_700_000_000_000;

    /// A party in one event, built up field by field.
    fn party(id: &str, code: StatusCode) -> Party {
        Party {
            id: id.into(),
            status: Some(Status::code(code)),
            ..Default::default()
        }
    }

    fn caller(code: StatusCode) -> Party {
        Party {
            direction: Some(Direction::Outbound),
            from: Some(Endpoint {
                phone_number: Some("+14155550100".into()),
                ..Default::default()
            }),
            ..party("p-1", code)
        }
    }

    fn queue_party(id: &str, q: &str, code: StatusCode, reason: Option<Reason>) -> Party {
        let mut p = party(id, code);
        p.direction = Some(Direction::Inbound);
        p.extension_id = Some(q.into());
        p.status.as_mut().unwrap().reason = reason;
        p
    }

    fn leg(id: &str, q: &str, agent: &str, code: StatusCode) -> Party {
        Party {
            direction: Some(Direction::Inbound),
            extension_id: Some(agent.into()),
            queue_call: Some(true),
            from: Some(Endpoint {
                phone_number: Some("+14155550100".into()),
                name: Some("Sales - CALLER".into()),
                ..Default::default()
            }),
            to: Some(Endpoint {
                extension_id: Some(q.into()),
                ..Default::default()
            }),
            ..party(id, code)
        }
    }

    fn with_reason(mut p: Party, r: Reason, missed: bool) -> Party {
        p.status.as_mut().unwrap().reason = Some(r);
        p.missed_call = Some(missed);
        p
    }

    /// Feeds events of one session at T0 + ms, numbering them.
    struct Feed<'a> {
        c: &'a mut Center,
        sid: String,
        seq: i64,
    }

    impl Feed<'_> {
        fn at(&mut self, ms: i64, p: Party) -> &mut Self {
            self.seq += 1;
            let ev = SessionEvent {
                sequence: Some(self.seq),
                telephony_session_id: self.sid.clone(),
                event_time: Some(Ts(T0 + ms)),
                parties: vec![p],
                ..Default::default()
            };
            self.c.observe(&ev.into(), Ts(T0 + ms));
            self
        }
    }

    fn call<'a>(c: &'a mut Center, sid: &str) -> Feed<'a> {
        Feed {
            c,
            sid: sid.into(),
            seq: 0,
        }
    }

    fn ext(id: &str, kind: ExtensionType, name: &str) -> ExtensionInfo {
        ExtensionInfo {
            id: id.into(),
            kind: Some(kind),
            name: Some(name.into()),
            call_queue_info: (name == "Sales" || name == "Support").then(|| ServiceLevelSettings {
                sla_threshold_seconds: Some(20),
                include_abandoned_calls: Some(true),
                abandoned_threshold_seconds: Some(10),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    /// Ann is in both queues, Bob in Sales.
    fn center() -> Center {
        let mut c = Center::default();
        c.roster(&RosterLine::Extensions(vec![
            ext(SALES, ExtensionType::Department, "Sales"),
            ext(SUPPORT, ExtensionType::Department, "Support"),
            ext(ANN, ExtensionType::User, "Ann"),
            ext(BOB, ExtensionType::User, "Bob"),
            ext("ivr", ExtensionType::IvrMenu, "IVR"),
        ]));
        for (q, members) in [(SALES, vec![ANN, BOB]), (SUPPORT, vec![ANN])] {
            c.roster(&RosterLine::Members(QueueRecords {
                queue_id: q.into(),
                records: members
                    .iter()
                    .map(|m| QueueMemberInfo {
                        id: Some(m.to_string()),
                        ..Default::default()
                    })
                    .collect(),
            }));
        }
        c
    }

    fn q(c: &Center, id: &str) -> QueueFigures {
        c.queue(id).unwrap().figures
    }

    fn a(c: &Center, id: &str) -> AgentFigures {
        c.agent(id).unwrap().figures
    }

    /// Caller answered by the platform, queue party waiting from `entered`.
    fn enter(c: &mut Center, sid: &str, queue: &str, entered: i64) -> i64 {
        let mut f = call(c, sid);
        f.at(0, caller(StatusCode::Setup))
            .at(100, caller(StatusCode::Answered))
            .at(entered, queue_party("p-q", queue, StatusCode::Setup, None));
        f.seq
    }

    #[test]
    fn waiting_calls_are_in_entry_order_whatever_order_they_are_heard_in() {
        let mut c = center();
        // Heard late: s-b entered at 3 s, s-a (heard after) at 1 s, s-c at 3 s too.
        enter(&mut c, "s-b", SALES, 3_000);
        enter(&mut c, "s-a", SALES, 1_000);
        enter(&mut c, "s-c", SALES, 3_000);
        let order = |c: &Center| -> Vec<String> {
            let q = c.queue(SALES).unwrap();
            q.waiting.iter().map(|w| w.session.clone()).collect()
        };
        assert_eq!(order(&c), ["s-a", "s-b", "s-c"]);
        assert_eq!(
            c.queue(SALES).unwrap().oldest_waiting().unwrap().session,
            "s-a"
        );
        // Each leaves by its own entry, the one entered at the same time stays.
        let mut f = call(&mut c, "s-b");
        f.seq = 3;
        f.at(5_000, caller(StatusCode::Disconnected));
        assert_eq!(order(&c), ["s-a", "s-c"]);
        assert_eq!(q(&c, SALES).abandoned, 1);
    }

    #[test]
    fn since_values() {
        assert_eq!(Since::parse("midnight"), Ok(Since::Midnight));
        assert_eq!(Since::parse("start"), Ok(Since::Start));
        assert_eq!(
            Since::parse("2024-05-01T08:00:00Z"),
            Ok(Since::At(Ts::parse("2024-05-01T08:00:00Z").unwrap()))
        );
        assert!(Since::parse("yesterday").is_err());
    }

    #[test]
    fn answered_within_and_outside_the_sla_with_talk_and_hold() {
        use StatusCode::*;
        let mut c = center();
        let seq = enter(&mut c, "s-1", SALES, 1_000);
        let mut f = Feed {
            seq,
            ..call(&mut c, "s-1")
        };
        f.at(2_000, leg("p-a", SALES, ANN, Proceeding))
            .at(6_000, leg("p-a", SALES, ANN, Answered))
            .at(6_000, queue_party("p-q", SALES, Disconnected, None))
            .at(16_000, leg("p-a", SALES, ANN, Hold))
            .at(19_000, leg("p-a", SALES, ANN, Answered))
            .at(30_000, leg("p-a", SALES, ANN, Disconnected))
            .at(30_000, caller(Disconnected));
        let seq = enter(&mut c, "s-2", SALES, 1_000);
        let mut f = Feed {
            seq,
            ..call(&mut c, "s-2")
        };
        f.at(2_000, leg("p-b", SALES, BOB, Proceeding))
            .at(22_000, leg("p-b", SALES, BOB, Answered))
            .at(22_000, queue_party("p-q", SALES, Disconnected, None))
            .at(40_000, caller(Disconnected))
            .at(40_000, leg("p-b", SALES, BOB, Disconnected));
        let s = q(&c, SALES);
        assert_eq!((s.offered, s.answered, s.answered_within_sla), (2, 2, 1));
        assert_eq!(s.answer_wait_ms, 5_000 + 21_000);
        assert_eq!(s.longest_wait_ms, 21_000);
        assert_eq!(c.queue(SALES).unwrap().service_level_pct(), Some(50.0));
        assert_eq!(s.avg_answer_wait_ms(), Some(13_000.0));
        let ann = a(&c, ANN);
        assert_eq!(
            (ann.offers, ann.handled, ann.missed, ann.unanswered),
            (1, 1, 0, 0)
        );
        assert_eq!((ann.talk_ms, ann.hold_ms), (10_000 + 11_000, 3_000));
        assert_eq!((ann.all_talk_ms, ann.all_hold_ms), (21_000, 3_000));
        assert_eq!(ann.avg_handle_ms(), Some(24_000.0));
        assert_eq!(a(&c, BOB).talk_ms, 18_000);
        assert!(c.queue(SALES).unwrap().waiting.is_empty());
        assert_eq!(
            c.tracked_calls(),
            0,
            "finished calls are folded and dropped"
        );
    }

    #[test]
    fn abandon_voicemail_and_overflow() {
        use StatusCode::*;
        let mut c = center();
        // Abandoned while Ann rings: her leg is cancelled (unanswered, not missed).
        let seq = enter(&mut c, "s-ab", SALES, 1_000);
        let mut f = Feed {
            seq,
            ..call(&mut c, "s-ab")
        };
        f.at(2_000, leg("p-a", SALES, ANN, Proceeding));
        assert_eq!(c.queue(SALES).unwrap().waiting.len(), 1);
        assert_eq!(
            c.queue(SALES).unwrap().longest_wait_ms(Ts(T0 + 9_000)),
            8_000
        );
        let mut f = Feed {
            seq: 10,
            ..call(&mut c, "s-ab")
        };
        f.at(13_000, caller(Disconnected))
            .at(
                13_000,
                with_reason(
                    leg("p-a", SALES, ANN, Disconnected),
                    Reason::Cancelled,
                    false,
                ),
            )
            .at(13_000, queue_party("p-q", SALES, Disconnected, None));
        // Voicemail after the hold time: the queue's voicemail party is no new entry.
        let seq = enter(&mut c, "s-vm", SALES, 1_000);
        let mut f = Feed {
            seq,
            ..call(&mut c, "s-vm")
        };
        f.at(
            9_000,
            queue_party("p-q", SALES, Disconnected, Some(Reason::Voicemail)),
        )
        .at(
            9_000,
            queue_party("p-vm", SALES, Voicemail, Some(Reason::Voicemail)),
        )
        .at(30_000, queue_party("p-vm", SALES, Disconnected, None))
        .at(30_000, caller(Disconnected));
        // Overflow from Support to Sales, answered there.
        let seq = enter(&mut c, "s-of", SUPPORT, 1_000);
        let mut f = Feed {
            seq,
            ..call(&mut c, "s-of")
        };
        f.at(
            5_000,
            queue_party("p-q", SUPPORT, Disconnected, Some(Reason::CallRedirected)),
        )
        .at(5_000, queue_party("p-q2", SALES, Setup, None))
        .at(6_000, leg("p-b", SALES, BOB, Proceeding))
        .at(8_000, leg("p-b", SALES, BOB, Answered))
        .at(8_000, queue_party("p-q2", SALES, Disconnected, None));
        let s = q(&c, SALES);
        assert_eq!(
            (s.offered, s.answered, s.abandoned, s.voicemail, s.overflow),
            (3, 1, 1, 1, 0)
        );
        assert_eq!(s.abandon_wait_ms, 12_000);
        assert_eq!(s.abandoned_over_threshold, 1, "12 s ≥ the 10 s threshold");
        assert_eq!(s.answer_wait_ms, 3_000, "entered Sales at its own Setup");
        // within / (answered + voicemail + abandoned over the threshold)
        assert_eq!(
            c.queue(SALES).unwrap().service_level_pct(),
            Some(100.0 / 3.0)
        );
        let t = q(&c, SUPPORT);
        assert_eq!((t.offered, t.overflow, t.answered), (1, 1, 0));
        let ann = a(&c, ANN);
        assert_eq!((ann.offers, ann.unanswered, ann.missed), (1, 1, 0));
    }

    #[test]
    fn missed_is_a_ring_out_unanswered_any_leg_left_unanswered() {
        use StatusCode::*;
        let mut c = center();
        let seq = enter(&mut c, "s-1", SALES, 1_000);
        let mut f = Feed {
            seq,
            ..call(&mut c, "s-1")
        };
        f.at(2_000, leg("p-a", SALES, ANN, Proceeding))
            .at(
                17_000,
                with_reason(leg("p-a", SALES, ANN, Disconnected), Reason::Timeout, true),
            )
            .at(17_000, leg("p-b", SALES, BOB, Proceeding))
            .at(17_000, leg("p-a2", SALES, ANN, Proceeding))
            .at(20_000, leg("p-b", SALES, BOB, Answered))
            .at(
                20_000,
                with_reason(
                    leg("p-a2", SALES, ANN, Disconnected),
                    Reason::AgentAnswered,
                    false,
                ),
            );
        let ann = a(&c, ANN);
        assert_eq!(
            (ann.offers, ann.handled, ann.missed, ann.unanswered),
            (2, 0, 1, 2)
        );
        assert_eq!(a(&c, BOB).handled, 1);
        assert_eq!(q(&c, SALES).answered, 1, "one entry, one answer");
        // Ann has nothing live; Bob talks on a Sales call from the caller.
        let bob = c.agent(BOB).unwrap();
        assert_eq!(
            bob.telephony_state(),
            (TelephonyState::OnCall, Some(Ts(T0 + 20_000)))
        );
        let cur = bob.current_call().unwrap();
        assert_eq!(cur.queue.as_deref(), Some(SALES));
        assert_eq!(cur.direction, Some(Direction::Inbound));
        assert_eq!(cur.peer.as_deref(), Some("Sales - CALLER +14155550100"));
        assert_eq!(
            bob.figures_at(Ts(T0 + 25_000)).talk_ms,
            5_000,
            "running talk counted at now"
        );
        assert_eq!(
            c.agent(ANN).unwrap().telephony_state(),
            (TelephonyState::Idle, Some(Ts(T0 + 20_000)))
        );
    }

    #[test]
    fn a_transfer_keeps_the_queue_answer_and_moves_the_agent() {
        use StatusCode::*;
        let mut c = center();
        let seq = enter(&mut c, "s-1", SALES, 1_000);
        let mut f = Feed {
            seq,
            ..call(&mut c, "s-1")
        };
        let to_bob = Party {
            direction: Some(Direction::Inbound),
            extension_id: Some(BOB.into()),
            ..party("p-b", Setup)
        };
        f.at(2_000, leg("p-a", SALES, ANN, Proceeding))
            .at(4_000, leg("p-a", SALES, ANN, Answered))
            .at(4_000, queue_party("p-q", SALES, Disconnected, None))
            .at(
                14_000,
                with_reason(
                    leg("p-a", SALES, ANN, Disconnected),
                    Reason::BlindTransfer,
                    false,
                ),
            )
            .at(14_000, to_bob.clone())
            .at(
                15_000,
                Party {
                    status: Some(Status::code(Answered)),
                    ..to_bob.clone()
                },
            )
            .at(
                45_000,
                Party {
                    status: Some(Status::code(Disconnected)),
                    ..to_bob
                },
            )
            .at(45_000, caller(Disconnected));
        assert_eq!((q(&c, SALES).answered, q(&c, SALES).offered), (1, 1));
        let ann = a(&c, ANN);
        assert_eq!((ann.handled, ann.talk_ms), (1, 10_000));
        let bob = a(&c, BOB);
        assert_eq!(
            (bob.offers, bob.handled, bob.talk_ms, bob.all_talk_ms),
            (0, 0, 0, 30_000)
        );
    }

    #[test]
    fn an_agent_in_two_queues_and_queue_presence() {
        use StatusCode::*;
        let mut c = center();
        for (sid, queue) in [("s-1", SALES), ("s-2", SUPPORT)] {
            let seq = enter(&mut c, sid, queue, 1_000);
            let mut f = Feed {
                seq,
                ..call(&mut c, sid)
            };
            f.at(2_000, leg("p-a", queue, ANN, Proceeding))
                .at(3_000, leg("p-a", queue, ANN, Answered));
        }
        assert_eq!(a(&c, ANN).handled, 2);
        assert_eq!((q(&c, SALES).answered, q(&c, SUPPORT).answered), (1, 1));
        let queues: Vec<&str> = c
            .queues_of(ANN)
            .iter()
            .map(|(q, _)| q.id.as_str())
            .collect();
        assert_eq!(queues, [SALES, SUPPORT]);
        // Both notification shapes; Bob leaves Sales.
        c.queue_presence(
            Some(SALES),
            &QueuePresenceEvent {
                records: Some(vec![QueueMemberPresence {
                    member: QueueMember {
                        id: Some(BOB.into()),
                        ..Default::default()
                    },
                    accept_queue_calls: None,
                    accept_current_queue_calls: Some(false),
                }]),
                ..Default::default()
            },
        );
        let sales = c.queue(SALES).unwrap();
        assert_eq!(sales.members[BOB].accept_current, Some(false));
        assert_eq!(
            c.staff(sales),
            Staff {
                on_call: 1,
                not_accepting: 1,
                ..Default::default()
            }
        );
        c.queue_presence(
            None,
            &QueuePresenceEvent {
                extension_id: Some(BOB.into()),
                call_queue_id: Some(SALES.into()),
                accept_calls: Some(true),
                ..Default::default()
            },
        );
        let sales = c.queue(SALES).unwrap();
        assert_eq!(c.availability(sales, BOB), Availability::Available);
    }

    #[test]
    fn an_agent_and_a_queue_seen_only_in_events() {
        use StatusCode::*;
        let mut c = Center::default();
        let seq = enter(&mut c, "s-1", "q-new", 1_000);
        let mut f = Feed {
            seq,
            ..call(&mut c, "s-1")
        };
        f.at(2_000, leg("p-x", "q-new", "u-new", Proceeding))
            .at(5_000, leg("p-x", "q-new", "u-new", Answered))
            .at(5_000, queue_party("p-q", "q-new", Disconnected, None))
            .at(9_000, leg("p-x", "q-new", "u-new", Disconnected))
            .at(9_000, caller(Disconnected));
        let f = q(&c, "q-new");
        assert_eq!((f.offered, f.answered, f.answer_wait_ms), (1, 1, 4_000));
        let x = c.agent("u-new").unwrap();
        assert_eq!((x.figures.handled, x.figures.talk_ms), (1, 4_000));
        assert!(x.extension.is_none(), "known from events only");
        // The next call of that queue is an entry from its Setup on.
        let seq = enter(&mut c, "s-2", "q-new", 1_000);
        let mut f = Feed {
            seq,
            ..call(&mut c, "s-2")
        };
        f.at(3_000, caller(Disconnected));
        assert_eq!((q(&c, "q-new").offered, q(&c, "q-new").abandoned), (2, 1));
    }

    #[test]
    fn repeats_and_older_events_change_nothing_and_late_events_are_ignored() {
        use StatusCode::*;
        let mut c = center();
        let seq = enter(&mut c, "s-1", SALES, 1_000);
        let ev = |seq: i64, ms: i64, p: Party| {
            SessionEventView::from(SessionEvent {
                sequence: Some(seq),
                telephony_session_id: "s-1".into(),
                event_time: Some(Ts(T0 + ms)),
                parties: vec![p],
                ..Default::default()
            })
        };
        let ring = ev(seq + 1, 2_000, leg("p-a", SALES, ANN, Proceeding));
        let answer = ev(seq + 2, 4_000, leg("p-a", SALES, ANN, Answered));
        c.observe(&ring, Ts(0));
        c.observe(&answer, Ts(0));
        c.observe(&answer, Ts(0));
        c.observe(&ring, Ts(0));
        assert_eq!((a(&c, ANN).offers, a(&c, ANN).handled), (1, 1));
        c.observe(
            &ev(seq + 3, 9_000, leg("p-a", SALES, ANN, Disconnected)),
            Ts(0),
        );
        c.observe(&ev(seq + 4, 9_000, caller(Disconnected)), Ts(0));
        c.observe(
            &ev(
                seq + 5,
                9_000,
                queue_party("p-q", SALES, Disconnected, None),
            ),
            Ts(0),
        );
        assert_eq!(c.tracked_calls(), 0);
        c.observe(
            &ev(seq + 6, 9_500, leg("p-z", SALES, ANN, Proceeding)),
            Ts(0),
        );
        assert_eq!(
            (a(&c, ANN).offers, c.tracked_calls()),
            (1, 0),
            "a finished call stays finished"
        );
    }

    #[test]
    fn joined_calls_wait_but_count_in_no_figure() {
        use StatusCode::*;
        let mut c = center();
        // Found by REST waiting (a snapshot), answered after calltop joined.
        let cs = CallSession {
            id: "s-old".into(),
            parties: vec![caller(Answered), queue_party("p-q", SALES, Setup, None)],
            ..Default::default()
        };
        c.snapshot(&cs, Ts(T0));
        let sales = c.queue(SALES).unwrap();
        assert_eq!(
            (
                sales.waiting.len(),
                sales.figures.joined,
                sales.figures.offered
            ),
            (1, 1, 0)
        );
        let mut f = Feed {
            seq: 20,
            ..call(&mut c, "s-old")
        };
        f.at(5_000, leg("p-a", SALES, ANN, Proceeding))
            .at(7_000, leg("p-a", SALES, ANN, Answered));
        assert!(c.queue(SALES).unwrap().waiting.is_empty());
        assert_eq!(q(&c, SALES).answered, 0, "its entry was not seen");
        assert_eq!(
            a(&c, ANN).handled,
            1,
            "the leg was seen from its first ring"
        );
        // First heard of through an agent leg ringing: waiting, joined.
        let mut f = Feed {
            seq: 40,
            ..call(&mut c, "s-mid")
        };
        f.at(8_000, leg("p-b", SALES, BOB, Proceeding));
        assert_eq!(c.queue(SALES).unwrap().waiting.len(), 1);
        let mut f = Feed {
            seq: 41,
            ..call(&mut c, "s-mid")
        };
        f.at(
            9_000,
            queue_party("p-q", SALES, Disconnected, Some(Reason::Voicemail)),
        );
        assert!(c.queue(SALES).unwrap().waiting.is_empty());
        assert_eq!((q(&c, SALES).joined, q(&c, SALES).voicemail), (2, 0));
        // Gone during an outage: no invented outcome.
        let seq = enter(&mut c, "s-gone", SALES, 1_000);
        let _ = seq;
        c.gone("s-gone", Ts(T0 + 60_000));
        assert_eq!((q(&c, SALES).unknown, q(&c, SALES).abandoned), (1, 0));
        assert_eq!(c.tracked_calls(), 2, "s-old and s-mid are still up");
    }

    #[test]
    fn figures_count_inside_the_window_and_start_again_each_day() {
        use StatusCode::*;
        let mut c = center();
        c.reset(Window::daily(Ts(T0 + 500)));
        enter(&mut c, "s-before", SALES, 200);
        let seq = enter(&mut c, "s-in", SALES, 1_000);
        assert_eq!(
            q(&c, SALES).offered,
            1,
            "the entry before the start is not counted"
        );
        assert_eq!(c.queue(SALES).unwrap().waiting.len(), 2, "but waits");
        assert!(!c.ended_by(Ts(T0 + DAY_MS)) && c.ended_by(Ts(T0 + 500 + DAY_MS)));
        let mut f = Feed {
            seq,
            ..call(&mut c, "s-in")
        };
        f.at(DAY_MS + 2_000, leg("p-a", SALES, ANN, Proceeding))
            .at(DAY_MS + 3_000, leg("p-a", SALES, ANN, Answered));
        assert_eq!(c.window().start, Some(Ts(T0 + 500 + DAY_MS)));
        assert_eq!((q(&c, SALES).offered, q(&c, SALES).answered), (0, 0));
        assert_eq!(a(&c, ANN).offers, 1, "the leg rang in the new day");
    }

    #[test]
    fn presence_state_is_timed_only_when_seen_changing() {
        let mut c = center();
        let info = |status: &str, dnd: Option<DndStatus>| PresenceInfo {
            extension: Some(crate::wire::presence::PresenceExtension {
                id: Some(ANN.into()),
                ..Default::default()
            }),
            presence_status: Some(PresenceStatus::parse(status)),
            dnd_status: dnd,
            ..Default::default()
        };
        use crate::wire::presence::DndStatus;
        c.roster(&RosterLine::Presence(vec![info("Available", None)]));
        let ann = c.agent(ANN).unwrap();
        assert_eq!(
            (ann.presence.state, ann.presence.since),
            (Some(AgentState::Available), None)
        );
        let note = |seq: i64, dnd: &str| PresenceEvent {
            extension_id: Some(ANN.into()),
            presence_status: Some("Available".into()),
            dnd_status: Some(DndStatus::parse(dnd)),
            sequence: Some(seq),
            ..Default::default()
        };
        c.presence(&note(5, "TakeAllCalls"), Ts(T0));
        assert_eq!(c.agent(ANN).unwrap().presence.since, None, "no change seen");
        c.presence(&note(6, "DoNotAcceptDepartmentCalls"), Ts(T0 + 1_000));
        c.presence(&note(4, "TakeAllCalls"), Ts(T0 + 2_000));
        let ann = c.agent(ANN).unwrap();
        assert_eq!(
            (ann.presence.state, ann.presence.since),
            (Some(AgentState::OffQueue), Some(Ts(T0 + 1_000))),
            "an older sequence is ignored"
        );
        assert!(!ann.takes_queue_calls());
        let sales = c.queue(SALES).unwrap();
        assert_eq!(c.availability(sales, ANN), Availability::NotAccepting);
        // A queue's own presence (always Offline) makes no agent of it.
        c.presence(
            &PresenceEvent {
                extension_id: Some(SALES.into()),
                presence_status: Some("Offline".into()),
                ..Default::default()
            },
            Ts(T0),
        );
        assert!(c.agent(SALES).is_none());
        let odd = PresenceEvent {
            dnd_status: Some(DndStatus::parse("SomethingNew")),
            ..note(7, "x")
        };
        c.presence(&odd, Ts(T0 + 3_000));
        assert_eq!(
            c.agent(ANN)
                .unwrap()
                .presence
                .info
                .dnd_status
                .as_ref()
                .unwrap()
                .as_str(),
            "SomethingNew",
            "unknown values are kept"
        );
    }

    #[test]
    fn a_contact_center_stream_adds_up_and_keeps_only_the_calls_in_progress() {
        let mut c = Center::default();
        c.roster(&crate::synth::center_directory());
        for n in crate::synth::center_notifications(60_000, 300, 3) {
            c.observe(&n.body.into(), Ts(0));
        }
        assert!(c.tracked_calls() <= 300, "{}", c.tracked_calls());
        let mut answered = 0;
        for q in c.queues() {
            let f = q.figures;
            assert!(
                f.offered > 1_000 && f.voicemail > 0 && f.abandoned > 0,
                "{f:?}"
            );
            assert_eq!(
                f.offered,
                f.answered + f.abandoned + f.voicemail + f.overflow + q.waiting.len() as u64,
                "{f:?}"
            );
            answered += f.answered;
        }
        let agents = || c.agents().map(|a| a.figures);
        assert_eq!(answered, agents().map(|f| f.handled).sum::<u64>());
        assert!(agents().map(|f| f.missed).sum::<u64>() > 0);
        assert!(agents().all(|f| f.missed <= f.unanswered && f.handled <= f.offers));
        assert!(agents().map(|f| f.hold_ms).sum::<i64>() > 0);
    }

    #[test]
    fn the_agent_of_a_call_is_the_last_user_to_answer() {
        use crate::core::SessionStore;
        let mut store = SessionStore::default();
        let sid = "s-1";
        let feed = |store: &mut SessionStore, t: i64, p: Party| {
            store.apply_event(
                SessionEvent {
                    sequence: Some(t + 1),
                    telephony_session_id: sid.into(),
                    event_time: Some(Ts(T0 + t)),
                    parties: vec![p],
                    ..Default::default()
                },
                Ts(T0 + t),
            );
        };
        let ivr = Party {
            extension_id: Some("ivr".into()),
            ..party("p-ivr", StatusCode::Setup)
        };
        feed(&mut store, 0, caller(StatusCode::Answered));
        feed(&mut store, 1, ivr.clone());
        feed(
            &mut store,
            2,
            Party {
                status: Some(Status::code(StatusCode::Disconnected)),
                ..ivr
            },
        );
        feed(
            &mut store,
            3,
            leg("p-a", SALES, ANN, StatusCode::Proceeding),
        );
        feed(&mut store, 4, leg("p-a", SALES, ANN, StatusCode::Answered));
        let s = store.get(sid).unwrap();
        assert_eq!(agent_party(s).unwrap().id, "p-a");
        feed(
            &mut store,
            5,
            Party {
                extension_id: Some(BOB.into()),
                ..party("p-b", StatusCode::Answered)
            },
        );
        let s = store.get(sid).unwrap();
        assert_eq!(agent_party(s).unwrap().id, "p-b");
        let mut c = center();
        c.roster(&RosterLine::Extensions(vec![ext(
            SALES,
            ExtensionType::Department,
            "Sales",
        )]));
        assert_eq!(c.call_queue(s).unwrap().id, SALES);
    }
}
