//! Ground truth for the supervisor views: the simulator watches every telephony event it
//! emits and applies, event by event, the same rules a client of the notification stream
//! can apply (supervisor-api.md §4.3, §7.2). A client that receives every event and
//! follows these rules computes exactly these figures, to the millisecond: every time
//! below is an `eventTime` the notifications carry.
//!
//! Terms (per telephony session):
//! * *queue party* of queue Q: a party with `extensionId` = Q that is not a `queueCall`
//!   agent leg; *agent leg* of Q: a party with `queueCall: true` and `to.extensionId` = Q
//!   (the agent is its `extensionId`); *caller*: a party without `extensionId` whose
//!   direction is `Outbound` (the PSTN caller's leg).
//! * A session **enters** Q at the `eventTime` of the first event of a queue party of Q
//!   whose `status.code` is `Setup` (one entry per such party).
//!
//! The first of these events after entering decides the entry's **outcome** (later ones
//! do not change it):
//! * **answered**: an agent leg of Q reaches `Answered` (answer time = that event's
//!   `eventTime`; speed of answer = answer time − entry time, in ms; **within SLA** when
//!   that is ≤ the queue's `slaThresholdSeconds` × 1000);
//! * **abandoned**: the caller reaches `Disconnected` or `Gone` (wait before abandon =
//!   that `eventTime` − entry time);
//! * **voicemail**: the queue party reaches `Disconnected` with reason `Voicemail`;
//! * **overflow**: the queue party reaches `Disconnected` with reason `CallRedirected`.
//!
//! *Waiting now* = entries without an outcome, so offered = answered + abandoned +
//! voicemail + overflow + waiting, always.
//!
//! Per agent (user extension): an **offer** is an agent leg's first event; **handled** =
//! agent legs that reached `Answered`; **missed** = agent legs that reached
//! `Disconnected`/`Gone` without `Answered` in an event with `missedCall: true` (ring
//! timeouts, ignore, reject — not a colleague answering, `AgentAnswered`, nor the caller
//! hanging up, `Cancelled`); **unanswered** = every agent leg that ended without
//! `Answered` (supervisor-api.md §7.2's "missed offers"). **Talk** = Σ of the intervals
//! from an event whose code is `Answered` to the party's next event with another code;
//! **hold** likewise from `Hold`. `talk_ms`/`hold_ms` count agent legs only,
//! `all_talk_ms`/`all_hold_ms` every party of the extension; an interval still open
//! counts only once it closes.

use super::directory::Directory;
use crate::wire::presence::AgentState;
use crate::wire::{Direction, Party, Reason, StatusCode, Ts};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// How a queue entry ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Answered,
    Abandoned,
    Voicemail,
    Overflow,
}

/// One session's stay in one queue.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct QueueEntryTruth {
    pub telephony_session_id: String,
    pub queue_id: String,
    /// The queue party that entered.
    pub party_id: String,
    pub entered: Ts,
    pub outcome: Option<Outcome>,
    pub outcome_time: Option<Ts>,
    /// Answered: the agent's extension id.
    pub answered_by: Option<String>,
    /// `outcome_time − entered` (speed of answer / wait before abandon…).
    pub wait_ms: Option<i64>,
    pub within_sla: Option<bool>,
    /// Emitted while seeding a warm start (before anyone could subscribe).
    pub seeded: bool,
}

/// One agent leg of a queue call.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AgentLegTruth {
    pub telephony_session_id: String,
    pub party_id: String,
    pub agent_id: String,
    pub queue_id: String,
    pub offered: Ts,
    pub answered: Option<Ts>,
    pub ended: Option<Ts>,
    /// Ended without `Answered`, with `missedCall: true`.
    pub missed: bool,
    pub talk_ms: i64,
    pub hold_ms: i64,
    pub seeded: bool,
}

/// What the observer keeps per party.
#[derive(Clone, Debug, Default)]
pub struct PartyTrack {
    pub extension_id: Option<String>,
    pub code: Option<StatusCode>,
    pub first: Ts,
    pub answered: Option<Ts>,
    pub ended: Option<Ts>,
    pub talk_ms: i64,
    pub hold_ms: i64,
    /// Reached `Voicemail` (a voicemail party).
    pub voicemail: bool,
    since: Option<Ts>,
    leg: Option<usize>,
}

/// The event observer.
#[derive(Debug, Default)]
pub struct Truth {
    pub entries: Vec<QueueEntryTruth>,
    pub legs: Vec<AgentLegTruth>,
    /// Per (telephonySessionId, party id), in first-event order per session.
    pub parties: HashMap<(String, String), PartyTrack>,
    /// Open (no outcome) entries per (session, queue id).
    open: HashMap<(String, String), Vec<usize>>,
    /// The queue party of each entry: (session, party id) → entry.
    queue_parties: HashMap<(String, String), usize>,
    /// `slaThresholdSeconds` × 1000 per queue id.
    sla_ms: HashMap<String, i64>,
    /// Per extension: its parties connected now (`Answered` or `Hold`), per session.
    connected: HashMap<String, HashMap<String, u32>>,
    /// Per extension: the most sessions it had connected at once.
    pub max_connected: HashMap<String, usize>,
}

/// One emitted party event as [`Truth::observe`] hands it on.
struct Seen<'a> {
    sid: &'a str,
    key: (String, String),
    p: &'a Party,
    t: Ts,
    is_new: bool,
    seeded: bool,
    terminal: bool,
    newly_answered: bool,
}

impl Truth {
    /// An observer for queues with these service-level thresholds (queue id, seconds).
    pub fn new(thresholds: impl IntoIterator<Item = (String, u32)>) -> Truth {
        Truth {
            sla_ms: thresholds
                .into_iter()
                .map(|(q, s)| (q, s as i64 * 1000))
                .collect(),
            ..Default::default()
        }
    }

    /// Applies one emitted event (one party, at `t`).
    pub fn observe(&mut self, dir: &Directory, sid: &str, p: &Party, t: Ts, seeded: bool) {
        let key = (sid.to_string(), p.id.clone());
        let code = p.status.as_ref().map(|s| s.code.clone());
        let reason = p.status.as_ref().and_then(|s| s.reason.clone());
        let is_new = !self.parties.contains_key(&key);
        let track = self
            .parties
            .entry(key.clone())
            .or_insert_with(|| PartyTrack {
                extension_id: p.extension_id.clone(),
                first: t,
                ..Default::default()
            });
        // Talk / hold intervals.
        let prev = track.code.clone();
        if prev != code {
            if let Some(since) = track.since.take() {
                let d = since.millis_until(t);
                match prev {
                    Some(StatusCode::Answered) => track.talk_ms += d,
                    Some(StatusCode::Hold) => track.hold_ms += d,
                    _ => {}
                }
            }
            if matches!(code, Some(StatusCode::Answered | StatusCode::Hold)) {
                track.since = Some(t);
            }
        }
        track.code = code.clone();
        track.voicemail |= code == Some(StatusCode::Voicemail);
        let terminal = code.as_ref().is_some_and(StatusCode::is_terminal);
        let newly_answered = code == Some(StatusCode::Answered) && track.answered.is_none();
        if newly_answered {
            track.answered = Some(t);
        }
        if terminal && track.ended.is_none() {
            track.ended = Some(t);
        }
        let (talk, hold, answered) = (track.talk_ms, track.hold_ms, track.answered);
        if let Some(ext) = &p.extension_id {
            self.count_connected(ext, sid, &prev, &code);
        }
        fn queue_of<'a>(dir: &Directory, e: Option<&'a str>) -> Option<&'a str> {
            e.filter(|e| dir.queue_index(e).is_some())
        }
        let agent_queue = (p.queue_call == Some(true))
            .then(|| queue_of(dir, p.to.as_ref().and_then(|t| t.extension_id.as_deref())))
            .flatten();

        let seen = Seen {
            sid,
            key,
            p,
            t,
            is_new,
            seeded,
            terminal,
            newly_answered,
        };
        if let Some(q) = agent_queue {
            return self.agent_leg(&seen, q, (talk, hold, answered));
        }
        if let Some(q) = queue_of(dir, p.extension_id.as_deref()) {
            return self.queue_party(&seen, q, code, reason);
        }
        let caller = p.extension_id.is_none() && p.direction == Some(Direction::Outbound);
        if caller && terminal {
            let open: Vec<usize> = self
                .open
                .iter()
                .filter(|((s, _), _)| s == sid)
                .flat_map(|(_, v)| v.iter().copied())
                .collect();
            for ei in open {
                self.settle(ei, Outcome::Abandoned, t, None);
            }
        }
    }

    /// Counts `ext`'s connected calls as party state `prev` becomes `code` in `sid`.
    fn count_connected(
        &mut self,
        ext: &str,
        sid: &str,
        prev: &Option<StatusCode>,
        code: &Option<StatusCode>,
    ) {
        let connected =
            |c: &Option<StatusCode>| matches!(c, Some(StatusCode::Answered | StatusCode::Hold));
        if connected(prev) == connected(code) {
            return;
        }
        let calls = self.connected.entry(ext.to_string()).or_default();
        if connected(code) {
            *calls.entry(sid.to_string()).or_default() += 1;
        } else if let Some(n) = calls.get_mut(sid) {
            *n -= 1;
            if *n == 0 {
                calls.remove(sid);
            }
        }
        let most = self.max_connected.entry(ext.to_string()).or_default();
        *most = (*most).max(calls.len());
    }

    /// An agent's leg of a queue call to `q`; `figures`: the party's talk, hold and
    /// answer time so far.
    fn agent_leg(&mut self, s: &Seen, q: &str, figures: (i64, i64, Option<Ts>)) {
        let (talk, hold, answered) = figures;
        let li = match self.parties[&s.key].leg {
            Some(li) => li,
            None if s.is_new => {
                self.legs.push(AgentLegTruth {
                    telephony_session_id: s.sid.to_string(),
                    party_id: s.p.id.clone(),
                    agent_id: s.p.extension_id.clone().unwrap_or_default(),
                    queue_id: q.to_string(),
                    offered: s.t,
                    answered: None,
                    ended: None,
                    missed: false,
                    talk_ms: 0,
                    hold_ms: 0,
                    seeded: s.seeded,
                });
                let li = self.legs.len() - 1;
                if let Some(tr) = self.parties.get_mut(&s.key) {
                    tr.leg = Some(li);
                }
                li
            }
            None => return,
        };
        let leg = &mut self.legs[li];
        leg.talk_ms = talk;
        leg.hold_ms = hold;
        leg.answered = answered;
        if s.terminal && leg.ended.is_none() {
            leg.ended = Some(s.t);
            leg.missed = answered.is_none() && s.p.missed_call == Some(true);
        }
        if s.newly_answered {
            let who = s.p.extension_id.clone();
            self.decide(s.sid, q, Outcome::Answered, s.t, who);
        }
    }

    /// A queue's party (or the queue's voicemail) now in state `code`.
    fn queue_party(&mut self, s: &Seen, q: &str, code: Option<StatusCode>, reason: Option<Reason>) {
        if s.is_new && code == Some(StatusCode::Setup) {
            self.entries.push(QueueEntryTruth {
                telephony_session_id: s.sid.to_string(),
                queue_id: q.to_string(),
                party_id: s.p.id.clone(),
                entered: s.t,
                outcome: None,
                outcome_time: None,
                answered_by: None,
                wait_ms: None,
                within_sla: None,
                seeded: s.seeded,
            });
            let ei = self.entries.len() - 1;
            self.open
                .entry((s.sid.to_string(), q.to_string()))
                .or_default()
                .push(ei);
            self.queue_parties.insert(s.key.clone(), ei);
            return;
        }
        if code == Some(StatusCode::Disconnected) {
            if let Some(&ei) = self.queue_parties.get(&s.key) {
                let outcome = match reason {
                    Some(Reason::Voicemail) => Outcome::Voicemail,
                    Some(Reason::CallRedirected) => Outcome::Overflow,
                    _ => return,
                };
                self.settle(ei, outcome, s.t, None);
            }
        }
    }

    /// The oldest open entry of `sid` in queue `q` gets `outcome`.
    fn decide(&mut self, sid: &str, q: &str, outcome: Outcome, t: Ts, who: Option<String>) {
        let first = self
            .open
            .get(&(sid.to_string(), q.to_string()))
            .and_then(|v| v.first().copied());
        if let Some(ei) = first {
            self.settle(ei, outcome, t, who);
        }
    }

    fn settle(&mut self, ei: usize, outcome: Outcome, t: Ts, who: Option<String>) {
        let e = &mut self.entries[ei];
        if e.outcome.is_some() {
            return;
        }
        let wait = e.entered.millis_until(t);
        e.outcome = Some(outcome);
        e.outcome_time = Some(t);
        e.answered_by = who;
        e.wait_ms = Some(wait);
        if outcome == Outcome::Answered {
            let threshold = self.sla_ms.get(&e.queue_id).copied().unwrap_or(20_000);
            e.within_sla = Some(wait <= threshold);
        }
        let k = (e.telephony_session_id.clone(), e.queue_id.clone());
        if let Some(v) = self.open.get_mut(&k) {
            v.retain(|&i| i != ei);
            if v.is_empty() {
                self.open.remove(&k);
            }
        }
    }
}

/// Per-queue figures (definitions in the module docs).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct QueueTruth {
    pub id: String,
    pub extension_number: String,
    pub name: String,
    pub sla_threshold_seconds: u32,
    pub waiting_now: u64,
    /// The entry time of the longest-waiting call.
    pub oldest_waiting_since: Option<Ts>,
    pub offered: u64,
    pub answered: u64,
    pub answered_within_sla: u64,
    pub abandoned: u64,
    pub voicemail: u64,
    pub overflow: u64,
    /// Σ speed of answer over answered entries (ms); average = this / answered.
    pub total_answer_wait_ms: i64,
    /// Σ wait before abandon (ms).
    pub total_abandon_wait_ms: i64,
    /// Abandoned entries whose wait was ≥ `abandonedThresholdSeconds`.
    pub abandoned_over_threshold: u64,
    /// RingCentral's rule (§7.1): within SLA / (answered + voicemail), plus abandoned
    /// over the threshold when the queue includes abandoned calls; `None` with no calls.
    pub service_level_pct: Option<f64>,
}

/// Per-agent figures (definitions in the module docs).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AgentTruth {
    pub id: String,
    pub extension_number: String,
    pub name: String,
    /// The queues (extension ids) the agent is a member of.
    pub queues: Vec<String>,
    /// §7.2 state of the last presence notification, and that notification's timestamp.
    pub state: Option<AgentState>,
    pub state_since: Option<Ts>,
    /// Not observable on the platform (no wrap-up state in any API): the simulator's own.
    pub wrap_up_until: Option<Ts>,
    /// The most calls the agent had connected (`Answered` or `Hold`) at once.
    pub max_connected_calls: usize,
    pub offers: u64,
    pub handled: u64,
    pub missed: u64,
    pub unanswered: u64,
    pub talk_ms: i64,
    pub hold_ms: i64,
    pub all_talk_ms: i64,
    pub all_hold_ms: i64,
}

impl Truth {
    /// Per-queue figures; `policies` give thresholds and the abandoned rule.
    pub fn queues(
        &self,
        dir: &Directory,
        policies: &[super::config::QueuePolicy],
    ) -> Vec<QueueTruth> {
        dir.queues
            .iter()
            .enumerate()
            .map(|(qi, q)| {
                let pol = policies.get(qi);
                let mut t = QueueTruth {
                    id: q.id.clone(),
                    extension_number: q.number.clone(),
                    name: q.name.clone(),
                    sla_threshold_seconds: pol.map_or(20, |p| p.sla_threshold_secs),
                    ..Default::default()
                };
                let abandon_threshold = pol.map_or(0, |p| p.abandoned_threshold_secs as i64 * 1000);
                for e in self.entries.iter().filter(|e| e.queue_id == q.id) {
                    t.offered += 1;
                    let wait = e.wait_ms.unwrap_or(0);
                    match e.outcome {
                        None => {
                            t.waiting_now += 1;
                            t.oldest_waiting_since = Some(
                                t.oldest_waiting_since
                                    .map_or(e.entered, |o| o.min(e.entered)),
                            );
                        }
                        Some(Outcome::Answered) => {
                            t.answered += 1;
                            t.total_answer_wait_ms += wait;
                            if e.within_sla == Some(true) {
                                t.answered_within_sla += 1;
                            }
                        }
                        Some(Outcome::Abandoned) => {
                            t.abandoned += 1;
                            t.total_abandon_wait_ms += wait;
                            if wait >= abandon_threshold {
                                t.abandoned_over_threshold += 1;
                            }
                        }
                        Some(Outcome::Voicemail) => t.voicemail += 1,
                        Some(Outcome::Overflow) => t.overflow += 1,
                    }
                }
                let include = pol.is_some_and(|p| p.include_abandoned);
                let denominator = t.answered
                    + t.voicemail
                    + if include {
                        t.abandoned_over_threshold
                    } else {
                        0
                    };
                t.service_level_pct = (denominator > 0)
                    .then(|| t.answered_within_sla as f64 * 100.0 / denominator as f64);
                t
            })
            .collect()
    }

    /// Per-agent counters (state and wrap-up are filled in by the caller).
    pub fn agents(&self, dir: &Directory) -> Vec<AgentTruth> {
        dir.users
            .iter()
            .enumerate()
            .map(|(u, e)| {
                let mut t = AgentTruth {
                    id: e.id.clone(),
                    extension_number: e.number.clone(),
                    name: e.name.clone(),
                    max_connected_calls: self.max_connected.get(&e.id).copied().unwrap_or(0),
                    queues: dir
                        .queues_of(u)
                        .into_iter()
                        .map(|q| dir.queues[q].id.clone())
                        .collect(),
                    ..Default::default()
                };
                for l in self.legs.iter().filter(|l| l.agent_id == e.id) {
                    t.offers += 1;
                    t.handled += u64::from(l.answered.is_some());
                    t.missed += u64::from(l.missed);
                    t.unanswered += u64::from(l.answered.is_none() && l.ended.is_some());
                    t.talk_ms += l.talk_ms;
                    t.hold_ms += l.hold_ms;
                }
                for p in self
                    .parties
                    .values()
                    .filter(|p| p.extension_id.as_deref() == Some(&e.id))
                {
                    t.all_talk_ms += p.talk_ms;
                    t.all_hold_ms += p.hold_ms;
                }
                t
            })
            .collect()
    }
}

/// Everything the simulator knows to be true, for tests to compare a client against
/// (`SimHandle::ground_truth`, `GET /sim/ground-truth`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct GroundTruth {
    /// When the snapshot was taken.
    pub generated_at: Ts,
    pub queues: Vec<QueueTruth>,
    pub agents: Vec<AgentTruth>,
    /// Every queue entry so far (the per-queue figures are sums over these).
    pub queue_entries: Vec<QueueEntryTruth>,
    /// Every agent leg so far (the per-agent figures are sums over these).
    pub agent_legs: Vec<AgentLegTruth>,
    /// What the router decided (must agree with `queues` when only the generator acts).
    pub router: Vec<super::acd::AcdTally>,
    /// Requests per rate-limit group (all users): counted, answered 429, peak per minute.
    pub rate_limits: Vec<super::ratelimit::GroupStats>,
    /// Per ended call: its call-log records (ids, result per leg), recordings, voicemail.
    pub calls: Vec<super::history::CallOutcomeTruth>,
    /// Voicemail messages sent for calls that never existed (fault `orphan_voicemail`).
    pub orphan_voicemails: Vec<String>,
}

impl super::world::World {
    /// A snapshot of the ground truth.
    pub fn ground_truth(&self) -> GroundTruth {
        let mut agents = self.truth.agents(&self.dir);
        for (u, a) in agents.iter_mut().enumerate() {
            a.state = Some(self.presence[u].state);
            a.state_since = self.presence[u].state_since;
            a.wrap_up_until = self.acd.agents[u]
                .wrap_until_ts
                .filter(|t| *t > self.clock_ts());
        }
        GroundTruth {
            generated_at: self.clock_ts(),
            queues: self.truth.queues(&self.dir, &self.cfg.queue_policies),
            agents,
            queue_entries: self.truth.entries.clone(),
            agent_legs: self.truth.legs.clone(),
            router: self.acd.tally.clone(),
            rate_limits: Vec::new(),
            calls: self.history.outcomes.clone(),
            orphan_voicemails: self.history.orphan_voicemails.clone(),
        }
    }
}
