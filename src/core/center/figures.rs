//! What the center shows: the figures' window, queues and their figures, agents with
//! their calls and figures, availability.

use super::*;
use crate::core::zone::Zone;
use std::collections::VecDeque;

/// Which part of the stream the figures cover: from `start` (the whole stream when
/// `None`), moving on by `every_ms` — or, for a day in a zone, to the zone's next
/// midnight — whenever an event passes the end.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub start: Option<Ts>,
    pub every_ms: Option<i64>,
    /// A day in this zone: days end at its midnights (23 or 25 hours on a clock change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<Zone>,
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
            ..Window::default()
        }
    }

    /// From `midnight` on, starting again every 24 hours.
    pub fn daily(midnight: Ts) -> Window {
        Window {
            start: Some(midnight),
            every_ms: Some(DAY_MS),
            zone: None,
        }
    }

    /// The day of `zone` that `t` falls in, and each of its days after.
    pub fn today(zone: Zone, t: Ts) -> Window {
        Window {
            start: Some(zone.midnight_before(t)),
            every_ms: Some(DAY_MS),
            zone: Some(zone),
        }
    }

    /// When the figures start again, if they do.
    pub fn end(&self) -> Option<Ts> {
        let start = self.start?;
        match self.zone {
            Some(z) => Some(z.midnight_after(start)),
            None => Some(start.plus_millis(self.every_ms.filter(|p| *p > 0)?)),
        }
    }

    pub(super) fn covers(&self, t: Ts) -> bool {
        self.start.is_none_or(|s| t >= s) && self.end().is_none_or(|e| t < e)
    }

    /// Moves the start on past `t`; true when it moved. A day in a zone with no start
    /// yet starts at the midnight before the first `t`.
    pub(super) fn roll(&mut self, t: Ts) -> bool {
        if let (None, Some(z)) = (self.start, self.zone) {
            self.start = Some(z.midnight_before(t));
            return false;
        }
        let (Some(start), Some(end)) = (self.start, self.end()) else {
            return false;
        };
        if t < end {
            return false;
        }
        self.start = Some(match self.zone {
            Some(z) => z.midnight_before(t),
            None => {
                let every = start.millis_until(end);
                start.plus_millis(start.millis_until(t) / every * every)
            }
        });
        true
    }
}

/// From when queue and agent figures count, and in which zone's days.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Period {
    pub since: Since,
    pub zone: Zone,
}

impl Period {
    /// The figures' window for a live run started at `now` (`midnight`: today's), or for
    /// a recording when `now` is `None` (`midnight`: of the day its first event is in).
    pub fn window(self, now: Option<Ts>) -> Window {
        match (self.since, now) {
            (Since::Start, _) => Window::all(),
            (Since::At(t), _) => Window::since(t),
            (Since::Midnight, Some(now)) => Window::today(self.zone, now),
            (Since::Midnight, None) => Window {
                start: None,
                every_ms: Some(DAY_MS),
                zone: Some(self.zone),
            },
        }
    }
}

/// From when queue and agent figures count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Since {
    /// Midnight today (in the `--tz` zone), and again every midnight.
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
    pub(super) fn merge(&mut self, s: &ServiceLevelSettings) {
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
        let (within, denominator) = self.service_level_parts(sla);
        (denominator > 0).then(|| within as f64 * 100.0 / denominator as f64)
    }

    /// The service level's numerator and denominator under `sla`.
    pub fn service_level_parts(&self, sla: &ServiceLevel) -> (u64, u64) {
        let over = if sla.include_abandoned {
            self.abandoned_over_threshold
        } else {
            0
        };
        (
            self.answered_within_sla,
            self.answered + self.voicemail + over,
        )
    }

    /// Several queues as one: their figures added (the longest wait the longest), and
    /// the service level over each queue's own rule (numerators and denominators summed).
    pub fn combined<'a>(
        queues: impl IntoIterator<Item = &'a Queue>,
    ) -> (QueueFigures, Option<f64>) {
        let mut f = QueueFigures::default();
        let (mut within, mut denominator) = (0, 0);
        for q in queues {
            let g = &q.figures;
            let (w, d) = g.service_level_parts(&q.sla);
            (within, denominator) = (within + w, denominator + d);
            f.offered += g.offered;
            f.answered += g.answered;
            f.answered_within_sla += g.answered_within_sla;
            f.abandoned += g.abandoned;
            f.abandoned_over_threshold += g.abandoned_over_threshold;
            f.voicemail += g.voicemail;
            f.overflow += g.overflow;
            f.unknown += g.unknown;
            f.answer_wait_ms += g.answer_wait_ms;
            f.abandon_wait_ms += g.abandon_wait_ms;
            f.longest_wait_ms = f.longest_wait_ms.max(g.longest_wait_ms);
            f.joined += g.joined;
        }
        let sl = (denominator > 0).then(|| within as f64 * 100.0 / denominator as f64);
        (f, sl)
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
#[serde(from = "WaitingKept")]
pub struct Waiting {
    pub session: String,
    /// Entry time; for a joined call whose entry was not seen, when calltop first knew
    /// of it (`bound`: it waited longer).
    pub entered: Ts,
    pub joined: bool,
    /// `entered` is only a bound: the wait is at least `now − entered`.
    #[serde(default)]
    pub bound: bool,
    /// The session id's `fingerprint`: a call is found among hundreds waiting without
    /// reading their ids.
    #[serde(skip)]
    key: u64,
}

/// What is kept of a [`Waiting`] (its key is worked out again when read).
#[derive(Deserialize)]
struct WaitingKept {
    session: String,
    entered: Ts,
    joined: bool,
    #[serde(default)]
    bound: bool,
}

impl From<WaitingKept> for Waiting {
    fn from(w: WaitingKept) -> Waiting {
        Waiting::new(w.session, w.entered, w.joined, w.bound)
    }
}

impl Waiting {
    pub(super) fn new(session: String, entered: Ts, joined: bool, bound: bool) -> Waiting {
        Waiting {
            key: fingerprint(&session),
            session,
            entered,
            joined,
            bound,
        }
    }

    /// Is this the call of session `sid`, whose `fingerprint` is `key`?
    pub(super) fn is(&self, key: u64, sid: &str) -> bool {
        self.key == key && self.session == sid
    }

    /// The session id's `fingerprint`.
    pub(super) fn key(&self) -> u64 {
        self.key
    }
}

/// A call queue.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Queue {
    pub id: String,
    /// The account it belongs to, on a board over several accounts ([`Center::claim`](super::Center::claim)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub extension_number: Option<String>,
    pub name: Option<String>,
    pub sla: ServiceLevel,
    /// The directory record and the queue details, as the platform served them.
    pub extension: Option<ExtensionInfo>,
    pub details: Option<CallQueue>,
    /// How long a caller may wait (the answering rule's `holdTime`).
    #[serde(default)]
    pub hold_time_ms: Option<i64>,
    /// Members by extension id.
    pub members: BTreeMap<String, Member>,
    pub figures: QueueFigures,
    /// Calls waiting now, in entry order (oldest first; of calls that entered at the
    /// same time, the first seen first). A deque: the usual call to leave is the oldest,
    /// and a `Vec` moved every other waiting call down for it.
    pub waiting: VecDeque<Waiting>,
    /// Waits above `longest_sealed` whose calls may still be rebuilt, by call (the
    /// session id's `fingerprint`): the longest is the greatest of them and it.
    #[serde(default)]
    pub(super) undoable_waits: Vec<(u64, i64)>,
    /// The longest wait of calls no longer rebuilt.
    #[serde(default)]
    pub(super) longest_sealed: i64,
}

impl Queue {
    pub(super) fn new(id: &str) -> Queue {
        Queue {
            id: id.to_string(),
            ..Default::default()
        }
    }

    /// The call waiting longest.
    pub fn oldest_waiting(&self) -> Option<&Waiting> {
        self.waiting.front()
    }

    /// Where session `sid`'s call that entered at `entered` waits: found by its entry
    /// time (the calls are in entry order).
    pub(super) fn waiting_at(&self, entered: Ts, sid: &str) -> Option<usize> {
        let from = self.waiting.partition_point(|w| w.entered < entered);
        let key = fingerprint(sid);
        self.waiting
            .range(from..)
            .take_while(|w| w.entered == entered)
            .position(|w| w.is(key, sid))
            .map(|i| from + i)
    }

    /// The current wait of the call waiting longest (0 when none waits).
    pub fn oldest_wait_ms(&self, now: Ts) -> i64 {
        self.oldest_waiting()
            .map_or(0, |w| w.entered.millis_until(now).max(0))
    }

    /// The longest wait at `now`: of a call still waiting, or of one that left.
    pub fn longest_wait_ms(&self, now: Ts) -> i64 {
        self.oldest_wait_ms(now).max(self.figures.longest_wait_ms)
    }

    /// RingCentral's service level of the figures, with this queue's settings.
    pub fn service_level_pct(&self) -> Option<f64> {
        self.figures.service_level_pct(&self.sla)
    }
}

/// A party that stopped occupying an agent: when, which (to take it back when its call
/// is rebuilt), and whether calltop saw it (not a call found gone after an outage).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stop {
    pub at: Ts,
    pub party: u64,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unseen: bool,
}

/// Stops kept per state: enough that a rebuilt call's being taken back leaves the
/// latest of the others.
const STOPS_KEPT: usize = 3;

/// The latest of `stops` (newest first), and whether it was seen (at the same time,
/// seen if any was).
fn latest<'a>(stops: impl Iterator<Item = &'a Stop>) -> Option<(Ts, bool)> {
    stops.fold(None, |m, s| match m {
        Some((t, seen)) if t > s.at => Some((t, seen)),
        Some((t, seen)) if t == s.at => Some((t, seen || !s.unseen)),
        _ => Some((s.at, !s.unseen)),
    })
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

/// A caller leaving a message in the mailbox of the party's user.
pub(super) fn in_mailbox(code: &StatusCode) -> bool {
    matches!(code, StatusCode::Voicemail | StatusCode::VoicemailScreening)
}

impl TelephonyState {
    /// The states a call occupies an agent in, least busy first.
    pub const BUSY: [TelephonyState; 4] = [
        TelephonyState::Parked,
        TelephonyState::OnHold,
        TelephonyState::OnCall,
        TelephonyState::Ringing,
    ];

    pub(super) fn of(code: &StatusCode) -> TelephonyState {
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
    pub(super) party_fp: u64,
    pub code: StatusCode,
    /// `eventTime` of the event that set `code`.
    pub since: Ts,
    /// `code` was found by a REST snapshot, already set: `since` is only when calltop
    /// learned of it.
    #[serde(default)]
    pub since_unseen: bool,
    pub direction: Option<Direction>,
    /// The other end as the agent's party names it.
    pub peer: Option<String>,
    /// A hash of what `peer` was made from: an unchanged end is told without reading it.
    #[serde(skip)]
    pub(super) peer_key: u64,
    /// The queue, for an agent leg.
    pub queue: Option<String>,
    /// Counts in the figures (seen from its start, inside the window).
    pub counted: bool,
    /// When calltop first heard of the party: the interval its figures count in.
    #[serde(default)]
    pub first: Ts,
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
    /// Adds another agent's figures to these (a total over agents).
    pub fn merge(&mut self, o: &AgentFigures) {
        self.offers += o.offers;
        self.handled += o.handled;
        self.missed += o.missed;
        self.unanswered += o.unanswered;
        self.talk_ms += o.talk_ms;
        self.hold_ms += o.hold_ms;
        self.all_talk_ms += o.all_talk_ms;
        self.all_hold_ms += o.all_hold_ms;
    }

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
    /// A snapshot (a REST read after an outage) found `state` changed from the one
    /// calltop knew: it began at some unseen time, maybe after the agent's last call
    /// ended. Cleared by the next change calltop sees (a notification, a call's end).
    #[serde(default)]
    pub changed_unseen: bool,
}

/// A user extension that takes calls.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Agent {
    pub id: String,
    /// The account it belongs to, on a board over several accounts ([`Center::claim`](super::Center::claim)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub extension_number: Option<String>,
    pub name: Option<String>,
    /// The directory record, as the platform served it (`None`: known from events only;
    /// boxed: an agent's hot part, its calls and figures, stays small).
    pub extension: Option<Box<ExtensionInfo>>,
    pub presence: Presence,
    /// Live parties, oldest first.
    pub calls: Vec<AgentCall>,
    /// When a party last stopped making the agent what it made it (it ended, went to
    /// a less busy state, or a caller began leaving a message in its mailbox), by that
    /// state ([`TelephonyState::BUSY`]): newest first, a few per state.
    #[serde(default)]
    pub stops: [Vec<Stop>; 4],
    pub figures: AgentFigures,
}

impl Agent {
    pub(super) fn new(id: &str) -> Agent {
        Agent {
            id: id.to_string(),
            ..Default::default()
        }
    }

    /// The call that sets the telephony state: the busiest, longest in that state. A
    /// party where a caller leaves a message in the agent's mailbox occupies no one (the
    /// platform's presence says NoCall then).
    pub fn current_call(&self) -> Option<&AgentCall> {
        self.calls
            .iter()
            .filter(|c| !in_mailbox(&c.code))
            .max_by_key(|c| (TelephonyState::of(&c.code), std::cmp::Reverse(c.since)))
    }

    /// What its calls make it: the state of [`current_call`](Agent::current_call).
    fn calls_state(&self) -> TelephonyState {
        self.current_call()
            .map_or(TelephonyState::Idle, |c| TelephonyState::of(&c.code))
    }

    /// The latest time a call stopped occupying it, whatever state that call made it.
    pub fn idle_since(&self) -> Option<Ts> {
        latest(self.stops.iter().flatten()).map(|(t, _)| t)
    }

    /// Telephony state from the agent's parties, and since when (`None`: calltop did
    /// not see it begin). The state began at the later of the earliest start of the
    /// calls in it now and the last time a call in a busier state stopped occupying the
    /// agent: a second call ringing, a message left in the mailbox ending, restart
    /// nothing. Worked out from what each call says on its own, so the same whatever
    /// order calls are heard in.
    pub fn telephony_state(&self) -> (TelephonyState, Option<Ts>) {
        let state = self.calls_state();
        let first = self
            .calls
            .iter()
            .filter(|c| !in_mailbox(&c.code) && TelephonyState::of(&c.code) == state)
            .map(|c| (c.since, !c.since_unseen))
            .min();
        let busier = TelephonyState::BUSY
            .iter()
            .zip(&self.stops)
            .filter(|(s, _)| **s > state)
            .flat_map(|(_, v)| v);
        let since = match (first, latest(busier)) {
            // Back in it when the busier call stopped, if that came after this began.
            (Some((t, _)), Some((s, seen))) if s >= t => seen.then_some(s),
            (Some((t, seen)), _) | (None, Some((t, seen))) => seen.then_some(t),
            (None, None) => None,
        };
        (state, since)
    }

    /// Notes that party `party`, making it the state of `code`, stopped occupying it at
    /// `at` (`seen`: calltop heard it).
    pub(super) fn stopped(&mut self, party: u64, code: &StatusCode, at: Ts, seen: bool) {
        let state = TelephonyState::of(code);
        let Some(i) = TelephonyState::BUSY.iter().position(|s| *s == state) else {
            return;
        };
        let v = &mut self.stops[i];
        let stop = Stop {
            at,
            party,
            unseen: !seen,
        };
        let pos = v.iter().position(|s| s.at < at).unwrap_or(v.len());
        v.insert(pos, stop);
        v.truncate(STOPS_KEPT);
        if seen {
            self.presence.changed_unseen = false;
        }
    }

    /// Takes back the stops of `party` (its call is being rebuilt).
    pub(super) fn unstop(&mut self, party: u64) {
        self.stops
            .iter_mut()
            .for_each(|v| v.retain(|s| s.party != party));
    }

    /// What a supervisor view says of the agent: the state of its calls as calltop saw
    /// them (ringing, on call, on hold, parked), else its presence (`None`: nothing
    /// known); and since when (`None`: calltop did not see it change).
    pub fn status(&self) -> (Option<AgentState>, Option<Ts>) {
        let (tel, since) = self.telephony_state();
        let from_calls = match tel {
            TelephonyState::Ringing => Some(AgentState::Ringing),
            TelephonyState::OnCall => Some(AgentState::OnCall),
            TelephonyState::OnHold => Some(AgentState::OnHold),
            TelephonyState::Parked => Some(AgentState::Parked),
            TelephonyState::Idle => None,
        };
        if from_calls.is_some() {
            return (from_calls, since);
        }
        // Idle by its calls: the later of the presence change and the last call's end,
        // unknown when that end was not seen, or when the presence changed unseen since.
        let since = match (self.presence.since, since) {
            _ if self.presence.changed_unseen => None,
            (Some(p), Some(i)) => Some(p.max(i)),
            (p, None) if self.idle_since().is_none() => p,
            (_, i) => i,
        };
        (self.presence.state, since)
    }

    /// The talk and hold still running on the counted calls `until` gives a time, each
    /// up to that time (agent legs' also as handling).
    pub fn running(&self, until: impl Fn(&AgentCall) -> Option<Ts>) -> AgentFigures {
        let mut f = AgentFigures::default();
        for (c, now) in self
            .calls
            .iter()
            .filter(|c| c.counted)
            .filter_map(|c| Some((c, until(c)?)))
        {
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

    /// Takes queue calls at all: online, not DND for queues, accepting queue calls —
    /// on a call or not (its state then says the call).
    pub fn takes_queue_calls(&self) -> bool {
        crate::wire::presence::takes_no_queue_calls(&self.presence.info).is_none()
    }
}

/// How a queue member stands now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Availability {
    /// On a call (ringing, talking, holding, parked), taking the queue's calls.
    OnCall,
    /// Off this queue, off every queue, DND or offline (on a call or not).
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
