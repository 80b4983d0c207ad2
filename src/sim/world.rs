//! The simulated platform's call state: every call, the generator that starts them,
//! the engine that plays their scripts, and the emission of notifications (telephony
//! sessions and presence) to the WebSocket hub.

use super::acd::Acd;
use super::calls::{self, CallKind, SimCall, Step, Timing};
use super::config::SimConfig;
use super::directory::{self, Directory, ExtKind};
use super::hub::{Hub, SessionScope};
use super::presence::UserPresence;
use super::truth::Truth;
use crate::wire::{Direction, OriginType, StatusCode, Ts};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use tokio::time::Instant;

/// The simulator's clock: the system's, or a simulated one that only
/// [`World::advance_to`] moves, as fast as the machine allows (`sim generate`).
#[derive(Clone, Copy, Debug)]
pub enum Clock {
    System,
    /// Started at `start` (wall time `start_ts`), now at `at`.
    Simulated {
        start: Instant,
        start_ts: Ts,
        at: Instant,
    },
}

impl Clock {
    /// A simulated clock starting now at wall time `ts`.
    pub fn simulated(ts: Ts) -> Clock {
        let now = Instant::now();
        Clock::Simulated {
            start: now,
            start_ts: ts,
            at: now,
        }
    }
}

/// Everything the calls engine owns (behind one mutex, never held across an await).
pub struct World {
    pub cfg: SimConfig,
    pub dir: Directory,
    pub rng: StdRng,
    pub calls: Vec<SimCall>,
    pub index: HashMap<String, usize>,
    pub active: Vec<usize>,
    pub emitted: Vec<String>,
    pub hub: Hub,
    pub stop_new: bool,
    pub next_arrival: Option<Instant>,
    pub parked: HashSet<String>,
    pub timing: Timing,
    /// Per user (parallel to `dir.users`).
    pub presence: Vec<UserPresence>,
    pub acd: Acd,
    pub truth: Truth,
    /// While seeding a warm start: the event time to use instead of the clock.
    pub virtual_now: Option<Ts>,
    /// The system clock, or a simulated one (`sim generate`).
    pub clock: Clock,
    pub history: super::history::History,
    /// `http://ADDR`, for the URIs records and messages carry.
    pub base_url: String,
    /// The current faults (kept in step with `Shared::faults`).
    pub faults: super::config::Faults,
    /// How each recording was started (Automatic / OnDemand), by recording id.
    pub recording_modes: HashMap<String, crate::wire::calllog::RecordingType>,
    recording_ids: u64,
    arrivals: StdRng,
    calls_made: u64,
    started: Instant,
}

impl World {
    /// A world with no calls yet.
    pub fn new(cfg: SimConfig) -> World {
        let dir = Directory::new(cfg.extensions.max(2), &cfg.account_id);
        let timing = Timing {
            scale: cfg.time_scale,
            talk: (cfg.talk_secs.0, cfg.talk_secs.1),
            extras: cfg.extras,
        };
        let hub = Hub {
            buffer_size: cfg.recovery_buffer_size,
            recovery_timeout: Duration::from_secs(cfg.recovery_timeout_secs),
            account: cfg.account_id.clone(),
            ..Default::default()
        };
        let queue_ids: Vec<String> = dir.queues.iter().map(|q| q.id.clone()).collect();
        let truth = Truth::new(
            queue_ids
                .iter()
                .cloned()
                .zip(cfg.queue_policies.iter().map(|p| p.sla_threshold_secs)),
        );
        World {
            rng: StdRng::seed_from_u64(cfg.seed),
            presence: vec![UserPresence::default(); dir.users.len()],
            acd: Acd::new(cfg.seed, &queue_ids, &dir.members, dir.users.len()),
            truth,
            virtual_now: None,
            clock: Clock::System,
            history: super::history::History::new(cfg.seed),
            base_url: String::new(),
            faults: cfg.faults.clone(),
            started: Instant::now(),
            dir,
            calls: Vec::new(),
            index: HashMap::new(),
            active: Vec::new(),
            emitted: Vec::new(),
            hub,
            stop_new: !cfg.generate_calls,
            next_arrival: None,
            parked: HashSet::new(),
            timing,
            recording_modes: HashMap::new(),
            recording_ids: 40_003_430_000 + cfg.seed % 1000 * 1000,
            arrivals: StdRng::seed_from_u64(cfg.seed ^ 0xA11_1CA1),
            calls_made: 0,
            cfg,
        }
    }

    /// The clock's monotonic time now.
    pub fn clock_instant(&self) -> Instant {
        match self.clock {
            Clock::System => Instant::now(),
            Clock::Simulated { at, .. } => at,
        }
    }

    /// The clock's wall time now.
    pub fn clock_ts(&self) -> Ts {
        match self.clock {
            Clock::System => Ts::now(),
            Clock::Simulated {
                start,
                start_ts,
                at,
            } => start_ts.plus_millis(at.duration_since(start).as_millis() as i64),
        }
    }

    /// Runs on `clock` from now on (load swings start over with it).
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
        self.started = self.clock_instant();
    }

    /// Moves a simulated clock on to `to` (no effect on the system clock).
    pub fn advance_to(&mut self, to: Instant) {
        if let Clock::Simulated { at, .. } = &mut self.clock {
            *at = (*at).max(to);
        }
    }

    /// Replaces call `ci`'s script, its first step due after the step's delay.
    pub fn set_script(&mut self, ci: usize, steps: std::collections::VecDeque<(Duration, Step)>) {
        let now = self.clock_instant();
        self.calls[ci].set_script(steps, now);
    }

    /// The monotonic clock matching [`World::now_ts`] (in the past while seeding).
    pub fn instant_now(&self) -> Instant {
        let now = self.clock_instant();
        match self.virtual_now {
            Some(v) => {
                let back = Duration::from_millis(v.millis_until(self.clock_ts()) as u64);
                now.checked_sub(back).unwrap_or(now)
            }
            None => now,
        }
    }

    /// The current fault settings.
    pub fn faults_now(&self) -> super::config::Faults {
        self.faults.clone()
    }

    /// The time stamped on the next event: the clock, or the seeding clock.
    pub fn now_ts(&self) -> Ts {
        self.virtual_now.unwrap_or_else(|| self.clock_ts())
    }

    /// A fresh recording id.
    pub fn recording_id(&mut self) -> String {
        self.recording_ids += 1;
        self.recording_ids.to_string()
    }

    /// Plays every due step, starts due calls; returns when to wake up next.
    pub fn tick(&mut self, now: Instant) -> Option<Instant> {
        if !self.stop_new && self.cfg.calls_per_minute > 0.0 {
            let next = *self
                .next_arrival
                .get_or_insert_with(|| now + Duration::from_millis(50));
            if now >= next {
                let kind = self.random_kind();
                // A user places internal and outbound calls only between calls.
                let placed = matches!(kind, CallKind::Internal | CallKind::OutboundPstn);
                if !placed || self.someone_idle() {
                    self.start_call(kind);
                }
                // Load swings over a (scaled) ten-minute cycle: queues back up at peaks.
                let phase = now.duration_since(self.started).as_secs_f64()
                    / (600.0 * self.timing.scale).max(0.001);
                let load = 1.0 + 0.7 * (phase * std::f64::consts::TAU).sin();
                let mean = 60.0 / (self.cfg.calls_per_minute * load.max(0.1));
                let u: f64 = self.arrivals.random_range(0.0001..1.0);
                self.next_arrival =
                    Some(now + Duration::from_secs_f64((-u.ln() * mean).min(mean * 6.0)));
            }
        } else {
            self.next_arrival = None;
        }
        let due: Vec<usize> = self
            .active
            .iter()
            .copied()
            .filter(|&ci| self.calls[ci].next_at.is_some_and(|t| t <= now))
            .collect();
        for ci in due {
            let mut budget = 64;
            while let Some(t) = self.calls[ci].next_at {
                if t > now || budget == 0 {
                    break;
                }
                budget -= 1;
                let Some((_, step)) = self.calls[ci].script.pop_front() else {
                    self.calls[ci].next_at = None;
                    break;
                };
                self.run_step(ci, step);
                let c = &mut self.calls[ci];
                c.next_at = c
                    .script
                    .front()
                    .map(|(d, _)| t.max(now - Duration::from_millis(5)) + *d);
            }
        }
        let acd = self.acd_tick(now);
        let history = self.history_tick(now);
        self.active.retain(|&ci| !self.calls[ci].ended);
        self.hub.expire(now);
        self.active
            .iter()
            .filter_map(|&ci| self.calls[ci].next_at)
            .chain(self.next_arrival)
            .chain(acd)
            .chain(history)
            .min()
    }

    fn random_kind(&mut self) -> CallKind {
        match self.arrivals.random_range(0..100) {
            0..25 => CallKind::InboundIvr,
            25..70 => CallKind::Queue,
            70..82 => CallKind::Internal,
            _ => CallKind::OutboundPstn,
        }
    }

    /// `n` users for a new call: idle ones first (on no call, reachable, not wrapping
    /// up), in random order; when too few are idle, others who take direct calls (a
    /// direct call may ring a busy user, who lets it go to voicemail).
    fn pick_users(&self, rng: &mut StdRng, n: usize) -> Vec<usize> {
        let busy = self.busy_users();
        let now = self.instant_now();
        let total = self.dir.users.len();
        let mut idle: Vec<usize> = (0..total).filter(|&u| self.idle(u, &busy, now)).collect();
        let mut rest: Vec<usize> = (0..total)
            .filter(|u| !idle.contains(u) && self.presence[*u].takes_direct_calls())
            .collect();
        let mut out = Vec::new();
        while out.len() < n {
            let pool = if !idle.is_empty() {
                &mut idle
            } else if !rest.is_empty() {
                &mut rest
            } else {
                out.push(rng.random_range(0..total));
                continue;
            };
            let k = rng.random_range(0..pool.len());
            out.push(pool.remove(k));
        }
        out
    }

    /// True when someone can place a call now (a user on no call).
    fn someone_idle(&self) -> bool {
        let busy = self.busy_users();
        let now = self.instant_now();
        (0..self.dir.users.len()).any(|u| self.idle(u, &busy, now))
    }

    /// Starts a call of `kind` now; returns its telephonySessionId.
    pub fn start_call(&mut self, kind: CallKind) -> String {
        let ci = self.start_call_in(kind, None);
        self.calls[ci].id.clone()
    }

    /// Starts a call of `kind` now (a queue call into queue `queue` when given); returns
    /// its index.
    pub fn start_call_in(&mut self, kind: CallKind, queue: Option<usize>) -> usize {
        // Each call has its own random stream, so call N looks the same in every run
        // with the same seed whatever the timing.
        self.calls_made += 1;
        let mut rng = StdRng::seed_from_u64(
            self.cfg
                .seed
                .wrapping_add(self.calls_made.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        );
        let users = self.pick_users(&mut rng, 3.min(self.dir.users.len()));
        let mut call = SimCall::new(
            &mut rng,
            OriginType::Call,
            self.clock_ts(),
            &self.dir.prefix,
        );
        let steps = calls::build(
            kind,
            &mut call,
            &self.dir,
            &users,
            queue,
            &mut rng,
            &self.timing,
        );
        let id = call.id.clone();
        let ci = self.calls.len();
        self.calls.push(call);
        self.index.insert(id.clone(), ci);
        self.active.push(ci);
        self.set_script(ci, steps.into_iter().collect());
        // The first steps (parties appear) happen at once.
        self.calls[ci].next_at = Some(self.clock_instant());
        tracing::debug!(call = %id, ?kind, "call started");
        ci
    }

    /// Registers a call built elsewhere (consultation calls).
    pub fn add_call(&mut self, call: SimCall) -> usize {
        let ci = self.calls.len();
        self.index.insert(call.id.clone(), ci);
        self.calls.push(call);
        self.active.push(ci);
        ci
    }

    /// Appends a party to a call and emits it.
    pub fn add_party(&mut self, ci: usize, mut p: crate::wire::Party) -> usize {
        let call = &mut self.calls[ci];
        p.id = call.next_party_id();
        p.account_id = Some(self.dir.account.clone());
        call.parties.push(p);
        let pi = call.parties.len() - 1;
        self.emit(ci, pi);
        pi
    }

    /// Emits the current state of one party as a telephony notification.
    pub fn emit(&mut self, ci: usize, pi: usize) {
        let uuid = directory::digits(&mut self.rng, 19);
        let rcreq = format!("{}-{}", directory::uuid(&mut self.rng), 0);
        let clock = self.now_ts();
        let call = &mut self.calls[ci];
        let Some(party) = call.parties.get(pi).cloned() else {
            return;
        };
        let now = clock.max(call.last_event.plus_millis(1));
        call.last_event = now;
        let seq = call.seq;
        call.seq += 1;
        let event = crate::wire::SessionEvent {
            sequence: Some(seq),
            session_id: Some(call.session_id.clone()),
            telephony_session_id: call.id.clone(),
            server_id: Some(directory::SERVER_ID.to_string()),
            event_time: Some(now),
            origin: Some(crate::wire::Origin {
                kind: call.origin.clone(),
            }),
            parties: vec![party.clone()],
            account_id: None,
            extension_id: None,
        };
        let exts = call.extensions();
        let sid = call.id.clone();
        self.emitted.push(uuid.clone());
        self.hub
            .deliver_session(&uuid, &event, &SessionScope { extensions: &exts }, &rcreq);
        let seeded = self.virtual_now.is_some();
        self.truth.observe(&self.dir, &sid, &party, now, seeded);
        self.acd_after_event(ci, pi);
        self.history_after_event(ci, pi);
        if let Some(ext) = party.extension_id {
            self.presence_changed(&ext);
        }
        if !self.calls[ci].has_live_party() && !self.calls[ci].parties.is_empty() {
            self.finish(ci);
        }
    }

    /// Marks a call over (all parties gone) and frees its park orbit.
    fn finish(&mut self, ci: usize) {
        let call = &mut self.calls[ci];
        call.ended = true;
        call.script.clear();
        call.next_at = None;
        for p in &call.parties {
            if let Some(id) = p.park.as_ref().and_then(|k| k.id.clone()) {
                self.parked.remove(&id);
            }
        }
        self.history_call_ended(ci);
    }

    /// Plays one scripted step; steps that no longer fit are skipped.
    pub(super) fn run_step(&mut self, ci: usize, step: Step) {
        let r = match step {
            Step::Add(p) => {
                self.add_party(ci, *p);
                Ok(())
            }
            Step::Ring(pi) => self.ring(ci, pi),
            Step::Answer(pi) if self.busy_elsewhere(ci, pi) => self.reject(ci, pi),
            Step::Answer(pi) => self.answer(ci, pi).map(drop),
            Step::Hold(pi) => self.hold(ci, pi).map(drop),
            Step::Unhold(pi) => self.unhold(ci, pi).map(drop),
            Step::Mute(pi, m) => self.update_party(ci, pi, Some(m), None).map(drop),
            Step::Record(pi) => self.start_recording(ci, pi, false).map(drop),
            Step::AutoRecord(pi) => self.start_recording(ci, pi, true).map(drop),
            Step::Enqueue(q, qpi) => {
                self.enqueue(ci, q, qpi, None);
                Ok(())
            }
            Step::PauseRecord(pi) => {
                let id = self.calls[ci].parties[pi]
                    .recordings
                    .as_ref()
                    .and_then(|r| r.first())
                    .map(|r| r.id.clone());
                match id {
                    Some(id) => self.update_recording(ci, pi, &id, false).map(drop),
                    None => Ok(()),
                }
            }
            Step::Disconnect(pi, reason) => self.disconnect(ci, pi, reason, false),
            Step::Missed(pi) => self.disconnect(ci, pi, None, true),
            Step::SetTo(pi, to) => {
                if let Some(p) = self.calls[ci].parties.get_mut(pi) {
                    p.to = Some(to);
                }
                Ok(())
            }
            Step::SetFromName(pi, name) => {
                if let Some(f) = self.calls[ci]
                    .parties
                    .get_mut(pi)
                    .and_then(|p| p.from.as_mut())
                {
                    f.name = Some(name);
                }
                Ok(())
            }
            Step::Park(pi) => self.park(ci, pi).map(drop),
            Step::Pickup(pi, u) => match self.idle_user_for(ci, u) {
                Some(u) => {
                    let ext = self.dir.users[u].clone();
                    self.pickup(ci, pi, &ext).map(drop)
                }
                None => Ok(()),
            },
            Step::TransferToUser(pi, u) => match self.idle_user_for(ci, u) {
                Some(u) => {
                    let ext = self.dir.users[u].clone();
                    self.transfer(ci, pi, calls::Target::Extension(ext), false)
                        .map(drop)
                }
                None => Ok(()),
            },
            Step::Consult(pi, u) => self.consult(ci, pi, u),
            Step::Bridge(pi) => match self.calls[ci].linked {
                Some(other) if !self.calls[other].ended => self.bridge(ci, pi, other, 0).map(drop),
                _ => Ok(()),
            },
            Step::End => {
                self.end_call(ci);
                Ok(())
            }
        };
        if let Err(e) = r {
            tracing::debug!(call = %self.calls[ci].id, "scripted step skipped: {e}");
        }
    }

    /// True when party `pi` is a user's inbound leg and that user is on another call
    /// (connected, or dialing out): the user lets it ring out (voicemail).
    fn busy_elsewhere(&self, ci: usize, pi: usize) -> bool {
        let Some(p) = self.calls[ci].parties.get(pi) else {
            return false;
        };
        p.direction == Some(Direction::Inbound)
            && p.queue_call != Some(true)
            && p.extension_id
                .as_deref()
                .and_then(|e| self.dir.user_index(e))
                .is_some_and(|u| self.engaged_elsewhere(u, ci) > 0)
    }

    /// Starts the consultation call of an attended transfer from party `pi`'s user.
    fn consult(
        &mut self,
        ci: usize,
        pi: usize,
        u: usize,
    ) -> Result<(), super::control::ActionError> {
        let Some(a_ext) = self.calls[ci]
            .parties
            .get(pi)
            .and_then(|p| p.extension_id.clone())
        else {
            return Ok(());
        };
        let Some(a) = self.dir.users.iter().find(|e| e.id == a_ext).cloned() else {
            return Ok(());
        };
        let Some(b) = self.idle_user_for(ci, u).map(|b| self.dir.users[b].clone()) else {
            // Nobody free to consult: back to the caller.
            return self.unhold(ci, pi).map(drop);
        };
        if a.kind != ExtKind::User || a.id == b.id {
            return Ok(());
        }
        let created = self.clock_ts();
        let call = SimCall::new(&mut self.rng, OriginType::Call, created, &self.dir.prefix);
        let hex = call.hex.clone();
        let oi = self.add_call(call);
        let to_b = calls::user_endpoint(&b, &b.number, false);
        let from_a = calls::user_endpoint(&a, &a.phone, true);
        let mut s = calls::Script::new(&mut self.rng, &self.timing, 0);
        s.add(calls::party(
            format!("p-{hex}-1"),
            Direction::Outbound,
            from_a.clone(),
            to_b.clone(),
            Some(&a),
            StatusCode::Setup,
        ));
        s.add(calls::party(
            format!("p-{hex}-2"),
            Direction::Inbound,
            from_a,
            to_b,
            Some(&b),
            StatusCode::Setup,
        ));
        s.then(Step::Answer(0));
        s.then(Step::Ring(1));
        s.wait(2.0, 6.0, Step::Answer(1));
        let steps = s.steps;
        self.set_script(oi, steps);
        self.calls[oi].next_at = Some(self.clock_instant());
        self.calls[oi].linked = Some(ci);
        self.calls[ci].linked = Some(oi);
        Ok(())
    }
}
