//! The contact center behind the call queues: callers wait in a queue, members are rung
//! by the queue's rules (rotating = longest idle first, or simultaneous), an agent who
//! does not answer within the agent timeout is skipped, callers abandon after their own
//! patience, the hold time sends a call to voicemail or overflows it to another queue,
//! a full queue sends new callers to voicemail, agents wrap up between calls, and agents
//! go DND, offline, off one queue or busy now and then (their presence says so).
//!
//! Telephony shape of a queue call (supervisor-api.md §4.2/§4.3): the caller's party
//! (`Outbound`, no `extensionId`, answered by the platform), the queue's party
//! (`Inbound`, `extensionId` = queue, `Setup` while waiting), one agent leg per member
//! rung (`Inbound`, `queueCall: true`, `to.extensionId` = queue, `from.name` "Queue -
//! CALLER", `uiCallInfo` QueueName / CallerIdName, starting at `Proceeding`). Answer: the
//! agent leg `Answered`, the other legs `Disconnected`/`AgentAnswered`, the queue party
//! `Disconnected`. No answer in time: the leg `Disconnected`/`Timeout`, `missedCall`.
//! Abandon: the caller `Disconnected`, legs `Cancelled`, the queue party `Disconnected`.
//! Hold time / full queue: the queue party `Disconnected` with reason `Voicemail` (then
//! the queue's voicemail party, code `Voicemail`) or `CallRedirected` (then the next
//! queue's party, `Setup`).

use super::calls::{party, pstn, user_endpoint, Script, Step};
use super::config::QueuePolicy;
use super::presence::UserPresence;
use super::world::World;
use crate::wire::presence::{DndStatus, PresenceStatus};
use crate::wire::{Direction, Endpoint, Reason, StatusCode, Ts, UiCallInfo, UiInfoItem};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;
use tokio::time::Instant;

/// One member being rung for a waiting call.
#[derive(Clone, Debug)]
pub struct Ring {
    pub agent: usize,
    pub pi: usize,
    /// When the agent picks up; `None`: lets it ring out.
    pub answer_at: Option<Instant>,
    pub timeout_at: Instant,
}

/// A call waiting in a queue.
#[derive(Clone, Debug)]
pub struct Entry {
    pub ci: usize,
    /// The queue's party in the call.
    pub qpi: usize,
    pub entered: Instant,
    /// The caller hangs up then (carried over to an overflow queue).
    pub patience_at: Instant,
    /// The queue's hold time runs out then.
    pub expire_at: Instant,
    pub rings: Vec<Ring>,
    /// Members already rung without answering (rotating mode skips them once).
    pub tried: Vec<usize>,
    rng: StdRng,
}

/// Why an agent is away for a while.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Away {
    /// `DoNotAcceptDepartmentCalls`: off every queue, direct calls still ring.
    DndQueues,
    /// `DoNotAcceptAnyCalls`.
    DndAll,
    /// Every device unregistered.
    Offline,
    /// `userStatus` Busy.
    Busy,
    /// `acceptCurrentQueueCalls` false in one queue.
    LeftQueue(usize),
}

/// An agent's routing state (what the platform keeps and does not publish).
#[derive(Clone, Debug)]
pub struct AgentDyn {
    pub wrap_until: Option<Instant>,
    pub wrap_until_ts: Option<Ts>,
    pub idle_since: Instant,
    pub away: Option<(Away, Instant)>,
}

/// One queue's routing state.
#[derive(Clone, Debug, Default)]
pub struct AcdQueue {
    /// `acceptCurrentQueueCalls` per member (parallel to `Directory::members[q]`).
    pub accept: Vec<bool>,
    pub waiting: Vec<Entry>,
}

/// What the router itself decided, per queue: a cross-check for the event-derived ground
/// truth (both must agree when nothing but the generator acts on queue calls).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AcdTally {
    pub queue_id: String,
    pub entered: u64,
    pub answered: u64,
    pub abandoned: u64,
    pub voicemail: u64,
    pub overflow: u64,
    /// Left the queue some other way (Call Control moved or dropped the call).
    pub other: u64,
}

/// The router.
#[derive(Clone, Debug)]
pub struct Acd {
    pub queues: Vec<AcdQueue>,
    pub agents: Vec<AgentDyn>,
    pub tally: Vec<AcdTally>,
    rng: StdRng,
    next_churn: Option<Instant>,
    /// Answered agent legs still up: (call, party) → (agent, queue), for wrap-up.
    live_legs: HashMap<(usize, usize), (usize, usize)>,
}

impl Acd {
    /// A router for `queues` (ids) with `members` each and `users` agents.
    pub fn new(seed: u64, queue_ids: &[String], members: &[Vec<usize>], users: usize) -> Acd {
        let now = Instant::now();
        Acd {
            queues: members
                .iter()
                .map(|m| AcdQueue {
                    accept: vec![true; m.len()],
                    waiting: Vec::new(),
                })
                .collect(),
            agents: (0..users)
                .map(|_| AgentDyn {
                    wrap_until: None,
                    wrap_until_ts: None,
                    idle_since: now,
                    away: None,
                })
                .collect(),
            tally: queue_ids
                .iter()
                .map(|q| AcdTally {
                    queue_id: q.clone(),
                    ..Default::default()
                })
                .collect(),
            rng: StdRng::seed_from_u64(seed ^ 0xACD0_C0DE),
            next_churn: None,
            live_legs: HashMap::new(),
        }
    }
}

/// A user's party in this state keeps the user on the phone.
fn on_the_phone(code: &StatusCode) -> bool {
    matches!(
        code,
        StatusCode::Setup | StatusCode::Proceeding | StatusCode::Answered | StatusCode::Hold
    )
}

fn seed_of(s: &str, salt: u64) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64 ^ salt, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

impl World {
    fn policy(&self, q: usize) -> QueuePolicy {
        self.cfg
            .queue_policies
            .get(q)
            .cloned()
            .unwrap_or_else(|| QueuePolicy::defaults()[0].clone())
    }

    /// The caller's endpoint with the caller-id name (for legs joining the call).
    fn caller_endpoint(&self, ci: usize) -> Endpoint {
        let c = &self.calls[ci];
        let phone = c
            .parties
            .first()
            .and_then(|p| p.from.as_ref())
            .and_then(|f| f.phone_number.clone())
            .unwrap_or_default();
        pstn(&phone, c.cnam.as_deref())
    }

    /// The queue's party of a call entering queue `q` (`Setup`).
    pub fn queue_party(&self, ci: usize, q: usize) -> crate::wire::Party {
        let qe = &self.dir.queues[q];
        party(
            String::new(),
            Direction::Inbound,
            self.caller_endpoint(ci),
            user_endpoint(qe, &qe.phone, false),
            Some(qe),
            StatusCode::Setup,
        )
    }

    /// A call enters queue `q` through its party `qpi` (`patience_at`: carried over from
    /// the queue it overflowed from).
    pub fn enqueue(&mut self, ci: usize, q: usize, qpi: usize, patience_at: Option<Instant>) {
        if self.calls[ci].ended || q >= self.acd.queues.len() {
            return;
        }
        let pol = self.policy(q);
        let now = self.instant_now();
        self.acd.tally[q].entered += 1;
        if self.acd.queues[q].waiting.len() >= pol.max_callers {
            self.acd.tally[q].voicemail += 1;
            self.queue_voicemail(ci, q, qpi);
            return;
        }
        let mut rng = StdRng::seed_from_u64(seed_of(&self.calls[ci].seed_id, q as u64));
        let patience_at = patience_at.unwrap_or_else(|| {
            let d = if rng.random_bool(0.6) {
                self.timing.secs(&mut rng, 90.0, 420.0)
            } else {
                self.timing.secs(&mut rng, 15.0, 90.0)
            };
            now + d
        });
        let hold = Duration::from_secs_f64(pol.hold_time_secs * self.timing.scale);
        self.acd.queues[q].waiting.push(Entry {
            ci,
            qpi,
            entered: now,
            patience_at,
            expire_at: now + hold,
            rings: Vec::new(),
            tried: Vec::new(),
            rng,
        });
    }

    /// The queue party leaves with reason `Voicemail`; the queue's voicemail takes the call.
    fn queue_voicemail(&mut self, ci: usize, q: usize, qpi: usize) {
        let _ = self.disconnect(ci, qpi, Some(Reason::Voicemail), false);
        let qe = self.dir.queues[q].clone();
        let mut vm = party(
            String::new(),
            Direction::Inbound,
            self.caller_endpoint(ci),
            user_endpoint(&qe, &qe.phone, false),
            Some(&qe),
            StatusCode::Voicemail,
        );
        if let Some(st) = vm.status.as_mut() {
            st.reason = Some(Reason::Voicemail);
        }
        let v = self.add_party(ci, vm);
        let next = self.calls[ci].parties.len();
        let mut s = Script::new(&mut self.rng, &self.timing, next);
        s.wait(10.0, 40.0, Step::Disconnect(v, None));
        s.then(Step::End);
        let steps = s.steps;
        self.set_script(ci, steps);
    }

    /// Rings member `agent` of queue `q` for the waiting entry.
    pub(super) fn ring_agent(&mut self, q: usize, e: &mut Entry, agent: usize, now: Instant) {
        let qe = self.dir.queues[q].clone();
        let a = self.dir.users[agent].clone();
        let caller = self.caller_endpoint(e.ci);
        let cnam = self.calls[e.ci].cnam.clone().unwrap_or_else(|| {
            caller
                .phone_number
                .clone()
                .unwrap_or_default()
                .trim_start_matches('+')
                .to_string()
        });
        let mut p = party(
            String::new(),
            Direction::Inbound,
            pstn(
                caller.phone_number.as_deref().unwrap_or_default(),
                Some(&format!("{} - {cnam}", qe.name)),
            ),
            user_endpoint(&qe, &qe.phone, false),
            Some(&a),
            StatusCode::Proceeding,
        );
        p.queue_call = Some(true);
        p.ui_call_info = Some(UiCallInfo {
            primary: Some(UiInfoItem {
                kind: Some("QueueName".into()),
                value: Some(qe.name.clone()),
            }),
            additional: Some(UiInfoItem {
                kind: Some("CallerIdName".into()),
                value: Some(cnam),
            }),
        });
        let pi = self.add_party(e.ci, p);
        let pol = self.policy(q);
        let timeout_at = now + Duration::from_secs_f64(pol.agent_timeout_secs * self.timing.scale);
        let answer_at = e
            .rng
            .random_bool(0.82)
            .then(|| now + self.timing.secs(&mut e.rng, 2.0, 12.0))
            .filter(|t| *t < timeout_at);
        e.rings.push(Ring {
            agent,
            pi,
            answer_at,
            timeout_at,
        });
    }

    /// Users on a call: a party of theirs is being set up, ringing, connected or held
    /// (a call they parked, or a caller leaving them a voicemail, does not keep them).
    pub(super) fn busy_users(&self) -> HashSet<usize> {
        self.active
            .iter()
            .flat_map(|&ci| self.calls[ci].parties.iter())
            .filter(|p| p.status.as_ref().is_some_and(|s| on_the_phone(&s.code)))
            .filter_map(|p| p.extension_id.as_deref())
            .filter_map(|e| self.dir.user_index(e))
            .collect()
    }

    /// The calls other than `except` that hold user `u`: connected (`Answered` or
    /// `Hold`) or dialing out (an `Outbound` party not answered yet).
    pub(super) fn engaged_elsewhere(&self, u: usize, except: usize) -> usize {
        let id = &self.dir.users[u].id;
        let holds = |p: &crate::wire::Party| {
            p.status.as_ref().is_some_and(|s| match s.code {
                StatusCode::Answered | StatusCode::Hold => true,
                ref c => c.is_pre_answer() && p.direction == Some(Direction::Outbound),
            })
        };
        self.active
            .iter()
            .filter(|&&ci| ci != except)
            .filter(|&&ci| {
                self.calls[ci]
                    .parties
                    .iter()
                    .any(|p| p.extension_id.as_ref() == Some(id) && holds(p))
            })
            .count()
    }

    /// True when user `u` can be given a new call now: reachable by direct calls, on no
    /// call (`busy`), not wrapping up after a queue call.
    pub(super) fn idle(&self, u: usize, busy: &HashSet<usize>, now: Instant) -> bool {
        !busy.contains(&u)
            && self.presence[u].takes_direct_calls()
            && self.acd.agents[u].wrap_until.is_none_or(|t| t <= now)
    }

    /// The user a scripted hand-over of call `ci` (transfer, park pickup, consult) goes
    /// to: `hint` when idle, else another idle user; none while every user is busy. The
    /// call's own users are never picked.
    pub(super) fn idle_user_for(&self, ci: usize, hint: usize) -> Option<usize> {
        let busy = self.busy_users();
        let now = self.instant_now();
        let mine: HashSet<usize> = self.calls[ci]
            .parties
            .iter()
            .filter_map(|p| p.extension_id.as_deref())
            .filter_map(|e| self.dir.user_index(e))
            .collect();
        let n = self.dir.users.len();
        (0..n)
            .map(|k| (hint + k) % n)
            .find(|&u| !mine.contains(&u) && self.idle(u, &busy, now))
    }

    /// True when user `u` may be offered a call of queue `q` now.
    fn free_for(&self, q: usize, u: usize, busy: &HashSet<usize>, now: Instant) -> bool {
        let Some(m) = self.dir.members[q].iter().position(|&x| x == u) else {
            return false;
        };
        let p: &UserPresence = &self.presence[u];
        let a = &self.acd.agents[u];
        self.acd.queues[q].accept[m]
            && p.takes_queue_calls()
            && p.user_status != PresenceStatus::Busy
            && !busy.contains(&u)
            && a.wrap_until.is_none_or(|t| t <= now)
    }

    /// Whether the agent of ring `r` picks up now: on schedule, and only while on no
    /// other call (an agent who took another call meanwhile lets it ring out).
    fn picks_up(&self, ci: usize, r: &Ring, now: Instant) -> bool {
        r.answer_at.is_some_and(|t| now >= t) && self.engaged_elsewhere(r.agent, ci) == 0
    }

    /// Plays the router: rings, answers, timeouts, abandons, hold-time expiry, new
    /// assignments, agents coming and going. Returns the next time it has work.
    pub fn acd_tick(&mut self, now: Instant) -> Option<Instant> {
        if self.cfg.agent_churn && !self.stop_new {
            self.churn(now);
        }
        for q in 0..self.acd.queues.len() {
            let mut i = 0;
            while i < self.acd.queues[q].waiting.len() {
                let mut e = self.acd.queues[q].waiting[i].clone();
                if self.step_entry(q, &mut e, now) {
                    self.acd.queues[q].waiting.remove(i);
                } else {
                    self.acd.queues[q].waiting[i] = e;
                    i += 1;
                }
            }
        }
        self.assign(now);
        let mut next: Option<Instant> = self.acd.next_churn.filter(|_| self.cfg.agent_churn);
        let mut at = |t: Instant| next = Some(next.map_or(t, |n| n.min(t)));
        for qs in &self.acd.queues {
            for e in &qs.waiting {
                at(e.patience_at);
                at(e.expire_at);
                for r in &e.rings {
                    at(r.timeout_at);
                    if let Some(a) = r.answer_at {
                        at(a);
                    }
                }
            }
        }
        let waiting = self.acd.queues.iter().any(|q| !q.waiting.is_empty());
        for a in &self.acd.agents {
            if let Some(t) = a.wrap_until.filter(|t| *t > now && waiting) {
                at(t);
            }
            if let Some((_, t)) = a.away {
                at(t);
            }
        }
        next
    }

    /// One waiting entry; true when it left the queue.
    fn step_entry(&mut self, q: usize, e: &mut Entry, now: Instant) -> bool {
        let ci = e.ci;
        let live = |w: &World, pi: usize| w.calls[ci].code(pi).is_some_and(|c| !c.is_terminal());
        if self.calls[ci].ended || !live(self, e.qpi) {
            // Moved or dropped by Call Control.
            for r in &e.rings {
                let _ = self.disconnect(ci, r.pi, Some(Reason::Cancelled), false);
            }
            self.acd.tally[q].other += 1;
            return true;
        }
        let caller = self.calls[ci]
            .parties
            .iter()
            .position(|p| p.extension_id.is_none() && p.direction == Some(Direction::Outbound));
        if now >= e.patience_at || caller.is_some_and(|c| !live(self, c)) {
            if let Some(c) = caller {
                let _ = self.disconnect(ci, c, None, false);
            }
            for r in &e.rings {
                let _ = self.disconnect(ci, r.pi, Some(Reason::Cancelled), false);
            }
            let _ = self.disconnect(ci, e.qpi, None, false);
            self.end_call(ci);
            self.acd.tally[q].abandoned += 1;
            return true;
        }
        // Rings: answered (on schedule or through Call Control), rung out, or ended.
        let mut k = 0;
        while k < e.rings.len() {
            let r = e.rings[k].clone();
            let code = self.calls[ci].code(r.pi).cloned();
            let answered = code == Some(StatusCode::Answered)
                || (code.as_ref().is_some_and(|c| c.is_ringing()) && self.picks_up(ci, &r, now));
            if answered {
                self.answered(q, e, k);
                return true;
            }
            if code.as_ref().is_none_or(|c| c.is_terminal()) {
                e.tried.push(r.agent);
                e.rings.remove(k);
                continue;
            }
            if now >= r.timeout_at {
                let _ = self.disconnect(ci, r.pi, Some(Reason::Timeout), true);
                e.tried.push(r.agent);
                e.rings.remove(k);
                continue;
            }
            k += 1;
        }
        if now >= e.expire_at {
            for r in &e.rings {
                let _ = self.disconnect(ci, r.pi, Some(Reason::Cancelled), false);
            }
            match self
                .policy(q)
                .overflow_to
                .filter(|&t| t != q && t < self.acd.queues.len())
            {
                Some(t) => {
                    let _ = self.disconnect(ci, e.qpi, Some(Reason::CallRedirected), false);
                    self.acd.tally[q].overflow += 1;
                    let p = self.queue_party(ci, t);
                    let np = self.add_party(ci, p);
                    self.enqueue(ci, t, np, Some(e.patience_at));
                }
                None => {
                    self.acd.tally[q].voicemail += 1;
                    self.queue_voicemail(ci, q, e.qpi);
                }
            }
            return true;
        }
        false
    }

    /// Ring `k` of the entry was answered: the other legs and the queue party leave,
    /// the agent talks.
    pub(super) fn answered(&mut self, q: usize, e: &mut Entry, k: usize) {
        let ci = e.ci;
        let r = e.rings[k].clone();
        if self.calls[ci].code(r.pi).is_some_and(|c| c.is_ringing()) {
            let dev = self.dir.users[r.agent].device_id.clone();
            if let Some(to) = self.calls[ci].parties[r.pi].to.as_mut() {
                to.device_id = Some(dev);
            }
            let _ = self.answer(ci, r.pi);
        }
        for (j, o) in e.rings.iter().enumerate() {
            if j != k {
                let _ = self.disconnect(ci, o.pi, Some(Reason::AgentAnswered), false);
            }
        }
        let _ = self.disconnect(ci, e.qpi, None, false);
        self.acd.tally[q].answered += 1;
        self.acd.live_legs.insert((ci, r.pi), (r.agent, q));
        let users = self.dir.users.len();
        // Transfer targets are hints: the script hands the call to an idle user then.
        let others: Vec<usize> = (0..3)
            .map(|_| e.rng.random_range(1..users.max(2)))
            .collect();
        let auto = self.policy(q).auto_record;
        let next = self.calls[ci].parties.len();
        let mut s = Script::new(&mut e.rng, &self.timing, next);
        if auto {
            s.then(Step::AutoRecord(r.pi));
        }
        s.talk(r.pi, &others, true);
        let steps: VecDeque<_> = s.steps;
        self.set_script(ci, steps);
    }

    /// Rings free members for waiting calls, oldest call first across queues.
    fn assign(&mut self, now: Instant) {
        let mut busy = self.busy_users();
        let mut order: Vec<(Instant, usize, usize)> = self
            .acd
            .queues
            .iter()
            .enumerate()
            .flat_map(|(q, qs)| {
                qs.waiting
                    .iter()
                    .enumerate()
                    .map(move |(i, e)| (e.entered, q, i))
            })
            .collect();
        order.sort();
        for (_, q, i) in order {
            let simultaneous = self.policy(q).simultaneous;
            let mut e = self.acd.queues[q].waiting[i].clone();
            if !e.rings.is_empty() {
                continue;
            }
            let mut free: Vec<usize> = self.dir.members[q]
                .iter()
                .copied()
                .filter(|&u| self.free_for(q, u, &busy, now))
                .collect();
            if free.is_empty() {
                continue;
            }
            free.sort_by_key(|&u| self.acd.agents[u].idle_since);
            let fresh: Vec<usize> = free
                .iter()
                .copied()
                .filter(|u| !e.tried.contains(u))
                .collect();
            let pick = if fresh.is_empty() {
                e.tried.clear();
                free
            } else {
                fresh
            };
            let chosen: Vec<usize> = if simultaneous {
                pick
            } else {
                pick.into_iter().take(1).collect()
            };
            for u in chosen {
                self.ring_agent(q, &mut e, u, now);
                busy.insert(u);
            }
            self.acd.queues[q].waiting[i] = e;
        }
    }

    /// After every event: an answered agent leg that ended (or that the agent parked)
    /// starts the agent's wrap-up, for the wrap-up time of the queue the call came from.
    pub fn acd_after_event(&mut self, ci: usize, pi: usize) {
        let ended = self.calls[ci]
            .code(pi)
            .is_some_and(|c| c.is_terminal() || *c == StatusCode::Parked);
        if !ended {
            return;
        }
        let Some((u, q)) = self.acd.live_legs.remove(&(ci, pi)) else {
            return;
        };
        let wrap = Duration::from_secs_f64(self.policy(q).wrap_up_secs * self.timing.scale);
        let now = self.instant_now();
        let until_ts = self.now_ts().plus_millis(wrap.as_millis() as i64);
        let a = &mut self.acd.agents[u];
        a.wrap_until = Some(now + wrap);
        a.wrap_until_ts = Some(until_ts);
        a.idle_since = now + wrap;
    }

    /// Agents go away and come back now and then (presence follows).
    fn churn(&mut self, now: Instant) {
        let scale = self.timing.scale;
        let next = *self
            .acd
            .next_churn
            .get_or_insert_with(|| now + Duration::from_secs_f64(40.0 * scale));
        for u in 0..self.acd.agents.len() {
            if let Some((why, until)) = self.acd.agents[u].away {
                if now >= until {
                    self.set_away(u, why, false);
                    self.acd.agents[u].away = None;
                }
            }
        }
        if now < next {
            return;
        }
        let gap = self.acd.rng.random_range(30.0..120.0);
        self.acd.next_churn = Some(now + Duration::from_secs_f64(gap * scale));
        let users = self.dir.users.len();
        if users < 2 {
            return;
        }
        let away = self.acd.agents.iter().filter(|a| a.away.is_some()).count();
        if away * 3 >= users - 1 {
            return;
        }
        let u = self.acd.rng.random_range(1..users);
        if self.acd.agents[u].away.is_some() || self.busy_users().contains(&u) {
            return;
        }
        let roll = self.acd.rng.random_range(0..100);
        let queues = self.dir.queues_of(u);
        let why = match roll {
            0..35 => Away::DndQueues,
            35..55 => Away::Offline,
            55..75 if !queues.is_empty() => {
                Away::LeftQueue(queues[self.acd.rng.random_range(0..queues.len())])
            }
            75..85 => Away::DndAll,
            _ => Away::Busy,
        };
        let secs = self.acd.rng.random_range(60.0..300.0);
        self.acd.agents[u].away = Some((why, now + Duration::from_secs_f64(secs * scale)));
        self.set_away(u, why, true);
    }

    /// Applies or lifts one kind of absence and publishes the presence change.
    pub fn set_away(&mut self, u: usize, why: Away, on: bool) {
        let p = &mut self.presence[u];
        match why {
            Away::DndQueues => {
                p.dnd = if on {
                    DndStatus::DoNotAcceptDepartmentCalls
                } else {
                    DndStatus::TakeAllCalls
                }
            }
            Away::DndAll => {
                p.dnd = if on {
                    DndStatus::DoNotAcceptAnyCalls
                } else {
                    DndStatus::TakeAllCalls
                }
            }
            Away::Offline => p.offline = on,
            Away::Busy => {
                p.user_status = if on {
                    PresenceStatus::Busy
                } else {
                    PresenceStatus::Available
                }
            }
            Away::LeftQueue(q) => {
                self.set_queue_accept(q, u, !on);
                return;
            }
        }
        let ext = self.dir.users[u].id.clone();
        self.presence_changed(&ext);
    }

    /// Sets `acceptCurrentQueueCalls` of member `u` in queue `q`; publishes it on the
    /// queue-presence filter. Returns false when `u` is not a member.
    pub fn set_queue_accept(&mut self, q: usize, u: usize, accept: bool) -> bool {
        let Some(m) = self.dir.members[q].iter().position(|&x| x == u) else {
            return false;
        };
        if self.acd.queues[q].accept[m] == accept {
            return true;
        }
        self.acd.queues[q].accept[m] = accept;
        let body = serde_json::json!({
            "records": [{
                "member": { "id": self.dir.users[u].id },
                "acceptCurrentQueueCalls": accept,
            }]
        });
        let qid = self.dir.queues[q].id.clone();
        let uuid = super::directory::digits(&mut self.rng, 19);
        let rcreq = super::directory::uuid(&mut self.rng);
        let ts = self.now_ts();
        self.hub.deliver_to(
            &uuid,
            &rcreq,
            ts,
            &body,
            |f| matches!(f, super::hub::Filter::QueuePresence(x) if *x == qid),
        );
        true
    }

    /// `acceptCurrentQueueCalls` of member `u` in queue `q` (`None`: not a member).
    pub fn queue_accept(&self, q: usize, u: usize) -> Option<bool> {
        let m = self.dir.members[q].iter().position(|&x| x == u)?;
        Some(self.acd.queues[q].accept[m])
    }
}
