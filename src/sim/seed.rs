//! A warm start (`--warm-start`): the account starts with a contact center already in
//! progress — agents talking on queue calls (some on hold), a queue call ringing an
//! agent, calls waiting in each queue, a parked call, direct calls, agents away. The
//! calls are played from a few (scaled) minutes in the past with their event times in
//! the past, so the sessions, presence (`activeCalls`) and ground truth agree, and a
//! client that joins loads them through `GET …/telephony/sessions/{id}` and presence.

use super::acd::Away;
use super::calls::{CallKind, Script, Step};
use super::world::World;
use crate::wire::{StatusCode, Ts};
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::time::Duration;

impl World {
    /// Plays call `ci`'s script with event times from `start`, up to `end` or until
    /// `stop` holds; the rest is rescheduled in real time. Returns the time reached.
    fn fast_forward(
        &mut self,
        ci: usize,
        start: Ts,
        end: Ts,
        stop: &dyn Fn(&World, usize) -> bool,
    ) -> Ts {
        let mut t = start;
        while let Some((d, _)) = self.calls[ci].script.front() {
            let at = t.plus_millis(d.as_millis() as i64);
            if at > end || stop(self, ci) || self.calls[ci].ended {
                break;
            }
            let Some((_, step)) = self.calls[ci].script.pop_front() else {
                break;
            };
            t = at;
            self.virtual_now = Some(t);
            self.run_step(ci, step);
        }
        self.virtual_now = None;
        let now = self.clock_instant();
        let c = &mut self.calls[ci];
        c.next_at = c.script.front().map(|(d, _)| {
            let at = t.plus_millis(d.as_millis() as i64);
            now + Duration::from_millis(at.0.saturating_sub(end.0).max(0) as u64)
        });
        t
    }

    fn ago(&self, rng: &mut StdRng, lo: f64, hi: f64) -> i64 {
        self.timing.secs(rng, lo, hi).as_millis() as i64
    }

    /// The first live party of user extension `ext` in call `ci`.
    fn party_of_user(&self, ci: usize) -> Option<usize> {
        self.calls[ci].parties.iter().position(|p| {
            p.extension_id
                .as_deref()
                .is_some_and(|e| self.dir.user_index(e).is_some())
                && p.status.as_ref().is_some_and(|s| !s.code.is_terminal())
        })
    }

    /// A queue call that entered queue `q` `ago_ms` ago; returns its call index.
    fn seed_queue_call(&mut self, q: usize, ago_ms: i64) -> usize {
        let start = self.clock_ts().plus_millis(-ago_ms);
        let ci = self.start_call_in(CallKind::Queue, Some(q));
        // The session began in the past, as its events say.
        self.calls[ci].created = start;
        let now = self.clock_ts();
        self.fast_forward(ci, start, now, &|_, _| false);
        ci
    }

    /// Takes call `ci`'s entry out of queue `q` (to ring an agent by hand).
    fn take_entry(&mut self, q: usize, ci: usize) -> Option<super::acd::Entry> {
        let i = self.acd.queues[q].waiting.iter().position(|e| e.ci == ci)?;
        Some(self.acd.queues[q].waiting.remove(i))
    }

    /// An inbound call answered by a user a minute or two ago, parked half-way since when
    /// `park`; false when the call did not reach an answer.
    fn seed_direct(&mut self, rng: &mut StdRng, now: Ts, park: bool) -> bool {
        let ci = self.start_call_in(CallKind::InboundIvr, None);
        let start = now.plus_millis(-self.ago(rng, 40.0, 120.0));
        self.calls[ci].created = start;
        let answered = |w: &World, ci: usize| {
            w.calls[ci].parties.iter().any(|p| {
                p.extension_id.is_some()
                    && p.status
                        .as_ref()
                        .is_some_and(|s| s.code == StatusCode::Answered)
                    && p.direction == Some(crate::wire::Direction::Inbound)
            })
        };
        let t = self.fast_forward(ci, start, now, &answered);
        let Some(pu) = self.party_of_user(ci).filter(|_| answered(self, ci)) else {
            self.end_call(ci);
            return false;
        };
        if !park {
            self.fast_forward(ci, t, now, &|_, _| false);
            return true;
        }
        let t_park = now
            .plus_millis(-self.ago(rng, 2.0, 8.0))
            .max(t.plus_millis(1));
        self.virtual_now = Some(t_park);
        let parked = self.park(ci, pu).is_ok();
        if parked {
            self.follow_up(ci, pu);
        }
        self.virtual_now = None;
        self.fast_forward(ci, t_park, now, &|_, _| false);
        parked
    }

    /// Starts the contact center in progress (see the module docs).
    pub fn warm_start(&mut self) {
        let mut rng = StdRng::seed_from_u64(self.cfg.seed ^ 0x5EED_CA11);
        let now = self.clock_ts();
        let users = self.dir.users.len();
        let agents: Vec<usize> = (1..users).collect();
        let mut taken: Vec<usize> = Vec::new();
        // Two agents away: one off the queues (DND), one offline.
        for (k, why) in [(6, Away::DndQueues), (8, Away::Offline)] {
            if agents.len() >= k {
                let u = agents[agents.len() - 1 - taken.len()];
                let until = self.clock_instant() + self.timing.secs(&mut rng, 120.0, 400.0);
                self.virtual_now = Some(now.plus_millis(-self.ago(&mut rng, 30.0, 200.0)));
                self.acd.agents[u].away = Some((why, until));
                self.set_away(u, why, true);
                self.virtual_now = None;
                taken.push(u);
            }
        }
        // Agents talking on queue calls (about half the agents), one of them on hold.
        let talking = (agents.len() / 2).max(1);
        let nq = self.dir.queues.len();
        for k in 0..talking {
            let q = k % nq;
            let Some(&u) = self.dir.members[q]
                .iter()
                .find(|u| !taken.contains(u) && **u != 0)
            else {
                continue;
            };
            taken.push(u);
            let talk_ago = self.ago(&mut rng, 10.0, 100.0);
            let wait = self.ago(&mut rng, 3.0, 30.0);
            let ring = self.ago(&mut rng, 2.0, 8.0);
            let entered_ago = talk_ago + ring + wait;
            let ci = self.seed_queue_call(q, entered_ago);
            let Some(mut e) = self.take_entry(q, ci) else {
                continue;
            };
            let t_ring = now.plus_millis(-(talk_ago + ring));
            self.virtual_now = Some(t_ring);
            let at = self.instant_now();
            self.ring_agent(q, &mut e, u, at);
            let t_answer = now.plus_millis(-talk_ago);
            self.virtual_now = Some(t_answer);
            self.answered(q, &mut e, 0);
            self.virtual_now = None;
            let pa = e.rings[0].pi;
            if k == 1 {
                // On hold for a while now.
                self.fast_forward(ci, t_answer, now.plus_millis(-talk_ago / 3), &|_, _| false);
                self.virtual_now = Some(now.plus_millis(-talk_ago / 3));
                if self.hold(ci, pa).is_ok() {
                    let mut s = Script::new(&mut rng, &self.timing, self.calls[ci].parties.len());
                    s.wait(20.0, 60.0, Step::Unhold(pa));
                    s.talk(pa, &[], true);
                    let steps = s.steps;
                    self.calls[ci].script = steps;
                }
                self.virtual_now = None;
                self.fast_forward(ci, now.plus_millis(-talk_ago / 3), now, &|_, _| false);
            } else {
                self.fast_forward(ci, t_answer, now, &|_, _| false);
            }
        }
        // A queue call ringing an agent right now.
        if let Some(&u) = self.dir.members[0].iter().find(|u| !taken.contains(u)) {
            taken.push(u);
            let ci = self.seed_queue_call(0, self.ago(&mut rng, 4.0, 12.0));
            if let Some(mut e) = self.take_entry(0, ci) {
                self.virtual_now = Some(now.plus_millis(-self.ago(&mut rng, 0.5, 2.0)));
                let at = self.instant_now();
                self.ring_agent(0, &mut e, u, at);
                self.virtual_now = None;
                self.acd.queues[0].waiting.push(e);
            }
        }
        // A parked call and a direct call (inbound through the IVR); a call that goes to
        // voicemail or is missed before it is answered is tried again.
        for park in [true, false] {
            for _ in 0..6 {
                if self.seed_direct(&mut rng, now, park) {
                    break;
                }
            }
        }
        // Calls waiting in every queue (the agents left are busy or away).
        for q in 0..nq {
            for _ in 0..2 {
                let ci = self.seed_queue_call(q, self.ago(&mut rng, 5.0, 45.0));
                let floor = self.clock_instant() + self.timing.secs(&mut rng, 30.0, 90.0);
                if let Some(e) = self.acd.queues[q].waiting.iter_mut().find(|e| e.ci == ci) {
                    e.patience_at = e.patience_at.max(floor);
                }
            }
        }
        self.virtual_now = None;
    }
}
