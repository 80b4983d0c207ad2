//! One simulated call: its parties (full wire state), its per-session sequence, and the
//! script of steps the generator plays on it. Also the call flows the generator starts.

use super::directory::{Directory, Ext, Outside, MAIN_NUMBER};
use crate::wire::{
    CallSession, Direction, Endpoint, Origin, OriginType, Party, Reason, StatusCode, Ts,
};
use rand::rngs::StdRng;
use rand::Rng;
use std::collections::VecDeque;
use std::time::Duration;
use tokio::time::Instant;

/// The kinds of call the generator makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallKind {
    /// PSTN caller → main number → IVR leg → a user (like the real capture).
    InboundIvr,
    /// PSTN caller → call queue → an agent (`queueCall`, `uiCallInfo`).
    Queue,
    /// One user calls another.
    Internal,
    /// A user calls a PSTN number.
    OutboundPstn,
}

/// A blind-transfer / forward destination.
#[derive(Clone, Debug)]
pub enum Target {
    Extension(Ext),
    Phone(String),
    Voicemail(Ext),
    ParkOrbit(String),
}

/// One scripted thing that happens to a call. Steps that no longer fit the call's state
/// (a control request changed it) are skipped.
#[derive(Clone, Debug)]
pub enum Step {
    Add(Box<Party>),
    Ring(usize),
    Answer(usize),
    Hold(usize),
    Unhold(usize),
    Mute(usize, bool),
    Record(usize),
    PauseRecord(usize),
    Disconnect(usize, Option<Reason>),
    Missed(usize),
    /// Set `to` of a party without an event (it shows in the party's next event).
    SetTo(usize, Endpoint),
    /// Set the caller-id name on `from` without an event.
    SetFromName(usize, String),
    Park(usize),
    /// The parked party is picked up by user `users[i]`.
    Pickup(usize, usize),
    /// Blind transfer to user `users[i]`.
    TransferToUser(usize, usize),
    /// Start a consultation call from this party's user to `users[i]`.
    Consult(usize, usize),
    /// Bridge this party with the consultation call (attended transfer).
    Bridge(usize),
    /// Start an automatic recording of this party (queue policy).
    AutoRecord(usize),
    /// The call enters call queue `.0` through its party `.1` (the router takes over).
    Enqueue(usize, usize),
    /// Every remaining party hangs up.
    End,
}

/// One call as the simulator keeps it.
#[derive(Clone, Debug)]
pub struct SimCall {
    pub id: String,
    /// The id as the seed drew it, before `created` was mixed in: what the call's
    /// routing draws are seeded from, so that one seed routes its calls the same way
    /// whenever it runs.
    pub seed_id: String,
    pub hex: String,
    pub session_id: String,
    pub origin: OriginType,
    pub created: Ts,
    pub parties: Vec<Party>,
    /// The sequence number of the next event (starts at 2).
    pub seq: i64,
    pub script: VecDeque<(Duration, Step)>,
    pub next_at: Option<Instant>,
    pub ended: bool,
    /// The other call of an attended transfer.
    pub linked: Option<usize>,
    pub last_event: Ts,
    /// The caller-id name of an outside caller.
    pub cnam: Option<String>,
    /// A conference's `voiceCallToken`.
    pub voice_call_token: Option<String>,
    /// Its call-log records are scheduled.
    pub logged: bool,
}

/// `hex` (32 hex digits) with its first 16 digits mixed with `created`.
fn salted(hex: &str, created: Ts) -> String {
    let (head, tail) = hex.split_at(16);
    let head = u64::from_str_radix(head, 16).unwrap_or(0);
    // splitmix64's finaliser: nearby times give unrelated salts.
    let mut z = (created.0 as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    format!("{:016x}{tail}", head ^ z)
}

impl SimCall {
    /// A new call with no parties yet, created at `created`; its id starts `s-{prefix}`
    /// (the account's [`id_prefix`](super::directory::id_prefix)).
    ///
    /// The id mixes in `created`, so that a simulator restarted with the same seed never
    /// hands out an id it gave before (the platform never reuses one; a board that held
    /// the old call would merge the new one into it), while the same seed and start
    /// (`sim generate --start`) still give the same ids.
    pub fn new(rng: &mut StdRng, origin: OriginType, created: Ts, prefix: &str) -> SimCall {
        let drawn = super::directory::hex(rng, 16);
        let hex = salted(&drawn, created);
        SimCall {
            id: format!("s-{prefix}{hex}"),
            seed_id: format!("s-{prefix}{drawn}"),
            session_id: format!("{}016", super::directory::digits(rng, 9)),
            hex,
            origin,
            created,
            parties: Vec::new(),
            seq: 2,
            script: VecDeque::new(),
            next_at: None,
            ended: false,
            linked: None,
            last_event: Ts(0),
            cnam: None,
            voice_call_token: None,
            logged: false,
        }
    }

    /// The id the next party gets.
    pub fn next_party_id(&self) -> String {
        format!("p-{}-{}", self.hex, self.parties.len() + 1)
    }

    /// A party's current status code.
    pub fn code(&self, pi: usize) -> Option<&StatusCode> {
        self.parties
            .get(pi)
            .and_then(|p| p.status.as_ref())
            .map(|s| &s.code)
    }

    /// Index of a party by id.
    pub fn party_index(&self, id: &str) -> Option<usize> {
        self.parties.iter().position(|p| p.id == id)
    }

    /// Every extension that has a party in this call.
    pub fn extensions(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .parties
            .iter()
            .filter_map(|p| p.extension_id.clone())
            .collect();
        v.dedup();
        v
    }

    /// True while any party is still on the call.
    pub fn has_live_party(&self) -> bool {
        self.parties
            .iter()
            .any(|p| p.status.as_ref().is_some_and(|s| !s.code.is_terminal()))
    }

    /// The session as `GET …/telephony/sessions/{id}` shows it.
    pub fn to_session(&self) -> CallSession {
        CallSession {
            id: self.id.clone(),
            origin: Some(Origin {
                kind: self.origin.clone(),
            }),
            voice_call_token: self.voice_call_token.clone(),
            parties: self.parties.clone(),
            creation_time: Some(Ts(self.created.0 - self.created.0 % 1000)),
        }
    }

    /// Replaces the script, its first step `delay` after `now`.
    pub fn set_script(&mut self, steps: VecDeque<(Duration, Step)>, now: Instant) {
        self.script = steps;
        self.next_at = self.script.front().map(|(d, _)| now + *d);
    }
}

/// A party with the fields every real event carries.
pub fn party(
    id: String,
    direction: Direction,
    from: Endpoint,
    to: Endpoint,
    ext: Option<&Ext>,
    code: StatusCode,
) -> Party {
    Party {
        id,
        // Set as the call takes it (`World::add_party`).
        account_id: None,
        extension_id: ext.map(|e| e.id.clone()),
        direction: Some(direction),
        from: Some(from),
        to: Some(to),
        status: Some(crate::wire::Status {
            rcc: Some(false),
            ..crate::wire::Status::code(code)
        }),
        park: Some(Default::default()),
        missed_call: Some(false),
        stand_alone: Some(false),
        muted: Some(false),
        ..Default::default()
    }
}

/// `from`/`to` of a user: number, name, extension id (and device when it is the caller).
pub fn user_endpoint(e: &Ext, phone: &str, with_device: bool) -> Endpoint {
    Endpoint {
        phone_number: Some(phone.to_string()),
        name: Some(e.name.clone()),
        extension_id: Some(e.id.clone()),
        device_id: with_device
            .then(|| e.device_id.clone())
            .filter(|d| !d.is_empty()),
    }
}

/// An outside number as an endpoint.
pub fn pstn(number: &str, name: Option<&str>) -> Endpoint {
    Endpoint {
        phone_number: Some(number.to_string()),
        name: name.map(str::to_string),
        ..Default::default()
    }
}

/// Random durations, scaled by the configured time scale.
pub struct Timing {
    pub scale: f64,
    pub talk: (f64, f64),
    pub extras: bool,
}

impl Timing {
    /// A random duration between `lo` and `hi` seconds, scaled.
    pub fn secs(&self, rng: &mut StdRng, lo: f64, hi: f64) -> Duration {
        let s = if hi > lo {
            rng.random_range(lo..hi)
        } else {
            lo
        };
        Duration::from_secs_f64((s * self.scale).max(0.0005))
    }

    /// The short gap between two events of one transition (tens of ms in captures).
    pub fn gap(&self, rng: &mut StdRng) -> Duration {
        Duration::from_millis(rng.random_range(15..120))
            .mul_f64(self.scale.min(1.0))
            .max(Duration::from_micros(500))
    }
}

/// Builds a call's script; tracks the index the next added party will get.
pub struct Script<'a> {
    pub rng: &'a mut StdRng,
    pub t: &'a Timing,
    pub steps: VecDeque<(Duration, Step)>,
    pub next_party: usize,
}

impl<'a> Script<'a> {
    pub fn new(rng: &'a mut StdRng, t: &'a Timing, next_party: usize) -> Self {
        Script {
            rng,
            t,
            steps: VecDeque::new(),
            next_party,
        }
    }

    /// Adds a step after `d`.
    pub fn after(&mut self, d: Duration, step: Step) {
        if matches!(
            step,
            Step::Add(_) | Step::TransferToUser(..) | Step::Pickup(..)
        ) {
            self.next_party += 1;
        }
        self.steps.push_back((d, step));
    }

    /// Adds a step a short gap after the previous one.
    pub fn then(&mut self, step: Step) {
        let d = self.t.gap(self.rng);
        self.after(d, step);
    }

    /// Adds a step `lo..hi` seconds (scaled) after the previous one.
    pub fn wait(&mut self, lo: f64, hi: f64, step: Step) {
        let d = self.t.secs(self.rng, lo, hi);
        self.after(d, step);
    }

    /// Adds a party and returns its index.
    pub fn add(&mut self, p: Party) -> usize {
        let i = self.next_party;
        self.then(Step::Add(Box::new(p)));
        i
    }

    /// The talking phase of an answered user party `pu`, with random extras, ending the
    /// call (or handing it on). `others` are users who may receive transfers.
    pub fn talk(&mut self, pu: usize, others: &[usize], inbound: bool) {
        let (lo, hi) = self.t.talk;
        let total = self.t.secs(self.rng, lo, hi);
        let extras = self.t.extras;
        let mut left = total;
        let mut part = |frac: f64| {
            let d = total.mul_f64(frac);
            left = left.saturating_sub(d);
            d
        };
        if extras && self.rng.random_bool(0.25) {
            let d = part(0.1);
            self.after(d, Step::Record(pu));
            if self.rng.random_bool(0.3) {
                let d = part(0.1);
                self.after(d, Step::PauseRecord(pu));
            }
        }
        if extras && self.rng.random_bool(0.2) {
            let d = part(0.15);
            self.after(d, Step::Mute(pu, true));
            let d = part(0.1);
            self.after(d, Step::Mute(pu, false));
        }
        if extras && self.rng.random_bool(0.4) {
            let d = part(0.2);
            self.after(d, Step::Hold(pu));
            let d = self.t.secs(self.rng, 5.0, 30.0);
            self.after(d, Step::Unhold(pu));
        }
        let pick = |s: &mut Self| others[s.rng.random_range(0..others.len())];
        let roll: f64 = self.rng.random();
        if extras && inbound && !others.is_empty() && roll < 0.07 {
            let d = part(0.3);
            self.after(d, Step::Park(pu));
            let by = pick(self);
            self.wait(10.0, 40.0, Step::Pickup(pu, by));
            self.after(left, Step::End);
        } else if extras && inbound && !others.is_empty() && roll < 0.17 {
            let d = part(0.4);
            let to = pick(self);
            self.after(d, Step::TransferToUser(pu, to));
            let np = self.next_party - 1;
            self.then(Step::Ring(np));
            self.wait(3.0, 10.0, Step::Answer(np));
            self.after(left, Step::End);
        } else if extras && inbound && !others.is_empty() && roll < 0.24 {
            let d = part(0.4);
            self.after(d, Step::Hold(pu));
            let to = pick(self);
            self.then(Step::Consult(pu, to));
            self.wait(8.0, 20.0, Step::Bridge(pu));
            self.after(left, Step::End);
        } else {
            self.after(left, Step::End);
        }
    }
}

/// The parties and script of a new call of `kind`; `users` are indices of users to
/// involve (first = main user, the rest = possible transfer targets).
pub fn build(
    kind: CallKind,
    call: &mut SimCall,
    dir: &Directory,
    users: &[usize],
    queue: Option<usize>,
    rng: &mut StdRng,
    t: &Timing,
) -> VecDeque<(Duration, Step)> {
    let u = &dir.users[users[0]];
    let others: Vec<usize> = users[1..].to_vec();
    let pid = |i: usize| format!("p-{}-{}", call.hex, i + 1);
    let caller = Directory::outside(rng);
    if matches!(kind, CallKind::InboundIvr | CallKind::Queue) {
        call.cnam = Some(caller.cnam.clone());
    }
    let mut s = Script::new(rng, t, 0);
    match kind {
        CallKind::InboundIvr => inbound_ivr(&mut s, dir, u, &caller, &others, pid),
        CallKind::Queue => queue_call(&mut s, dir, queue, &caller, pid),
        CallKind::Internal => {
            let callee = &dir.users[*others.first().unwrap_or(&users[0])];
            let from = user_endpoint(u, &u.phone, true);
            let to = Endpoint {
                phone_number: Some(callee.number.clone()),
                ..Default::default()
            };
            s.add(party(
                pid(0),
                Direction::Outbound,
                from.clone(),
                to,
                Some(u),
                StatusCode::Setup,
            ));
            let from_in = Endpoint {
                phone_number: Some(u.number.clone()),
                ..from.clone()
            };
            let to_in = user_endpoint(callee, &callee.number, false);
            s.add(party(
                pid(1),
                Direction::Inbound,
                from_in,
                to_in.clone(),
                Some(callee),
                StatusCode::Setup,
            ));
            s.then(Step::SetTo(0, to_in));
            s.then(Step::Answer(0));
            s.then(Step::Ring(1));
            if s.rng.random_bool(0.85) || !t.extras {
                s.wait(3.0, 12.0, Step::Answer(1));
                s.talk(0, &[], false);
            } else {
                s.wait(15.0, 25.0, Step::Missed(1));
                s.then(Step::Disconnect(0, None));
            }
        }
        CallKind::OutboundPstn => {
            let callee = Directory::outside(rng_of(&mut s));
            let from = Endpoint {
                phone_number: Some(u.phone.clone()),
                extension_id: Some(u.id.clone()),
                device_id: Some(u.device_id.clone()),
                ..Default::default()
            };
            let to = pstn(&callee.phone, None);
            s.add(party(
                pid(0),
                Direction::Outbound,
                from,
                to.clone(),
                Some(u),
                StatusCode::Setup,
            ));
            let from_p = user_endpoint(u, &u.phone, false);
            let mut p1 = party(
                pid(1),
                Direction::Inbound,
                from_p,
                to,
                None,
                StatusCode::Proceeding,
            );
            p1.extension_id = None;
            s.add(p1);
            s.wait(1.0, 4.0, Step::Ring(0));
            if s.rng.random_bool(0.85) || !t.extras {
                s.wait(3.0, 12.0, Step::Answer(1));
                s.then(Step::Answer(0));
                s.talk(0, &[], false);
            } else {
                s.wait(20.0, 30.0, Step::Disconnect(1, Some(Reason::NoAnswer)));
                s.then(Step::Disconnect(0, None));
            }
        }
    }
    s.steps
}

fn rng_of<'a>(s: &'a mut Script<'_>) -> &'a mut StdRng {
    s.rng
}

fn inbound_ivr(
    s: &mut Script<'_>,
    dir: &Directory,
    u: &Ext,
    caller: &Outside,
    others: &[usize],
    pid: impl Fn(usize) -> String,
) {
    let ivr = &dir.ivr;
    s.add(party(
        pid(0),
        Direction::Outbound,
        pstn(&caller.phone, None),
        pstn(MAIN_NUMBER, None),
        None,
        StatusCode::Setup,
    ));
    let ivr_to = user_endpoint(ivr, MAIN_NUMBER, false);
    s.add(party(
        pid(1),
        Direction::Inbound,
        pstn(&caller.phone, None),
        ivr_to.clone(),
        Some(ivr),
        StatusCode::Setup,
    ));
    s.then(Step::SetTo(0, ivr_to));
    s.then(Step::Answer(0));
    s.wait(4.0, 10.0, Step::Disconnect(1, None));
    s.after(Duration::ZERO, Step::SetFromName(0, caller.cnam.clone()));
    let pu = s.add(party(
        pid(2),
        Direction::Inbound,
        pstn(&caller.phone, Some(&caller.cnam)),
        user_endpoint(u, MAIN_NUMBER, false),
        Some(u),
        StatusCode::Setup,
    ));
    s.then(Step::Ring(pu));
    let roll: f64 = s.rng.random();
    if !s.t.extras || roll < 0.8 {
        s.wait(3.0, 12.0, Step::Answer(pu));
        s.talk(pu, others, true);
    } else if roll < 0.9 {
        s.wait(5.0, 15.0, Step::Missed(pu));
        s.then(Step::Disconnect(0, None));
    } else {
        s.wait(15.0, 25.0, Step::Missed(pu));
        let mut vm = party(
            pid(3),
            Direction::Inbound,
            pstn(&caller.phone, Some(&caller.cnam)),
            user_endpoint(u, MAIN_NUMBER, false),
            Some(u),
            StatusCode::Voicemail,
        );
        if let Some(st) = vm.status.as_mut() {
            st.reason = Some(Reason::Voicemail);
        }
        let v = s.add(vm);
        s.wait(10.0, 40.0, Step::Disconnect(v, None));
        s.then(Step::End);
    }
}

/// A PSTN caller dials a queue's number; the platform answers and the queue's party
/// holds the call until the router (`acd.rs`) rings an agent.
fn queue_call(
    s: &mut Script<'_>,
    dir: &Directory,
    queue: Option<usize>,
    caller: &Outside,
    pid: impl Fn(usize) -> String,
) {
    let qi = queue
        .filter(|&q| q < dir.queues.len())
        .unwrap_or_else(|| usize::from(dir.queues.len() > 1 && s.rng.random_bool(0.45)));
    let q = &dir.queues[qi];
    s.add(party(
        pid(0),
        Direction::Outbound,
        pstn(&caller.phone, None),
        pstn(&q.phone, None),
        None,
        StatusCode::Setup,
    ));
    s.then(Step::SetTo(0, user_endpoint(q, &q.phone, false)));
    s.then(Step::Answer(0));
    let qp = s.add(party(
        pid(1),
        Direction::Inbound,
        pstn(&caller.phone, Some(&caller.cnam)),
        user_endpoint(q, &q.phone, false),
        Some(q),
        StatusCode::Setup,
    ));
    s.then(Step::Enqueue(qi, qp));
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn a_restarted_simulator_gives_new_ids_routed_as_the_seed_draws_them() {
        let id = |created: i64| {
            let mut rng = StdRng::seed_from_u64(5);
            let c = SimCall::new(&mut rng, OriginType::Call, Ts(created), "");
            (c.id.clone(), c.next_party_id(), c.seed_id)
        };
        let at = 1_764_579_600_000;
        assert_eq!(id(at), id(at), "same seed and time: same ids");
        let (a, b) = (id(at), id(at + 1));
        assert_ne!(
            a.0, b.0,
            "a call created later by the same seed: another id"
        );
        assert_ne!(a.1, b.1, "and other party ids");
        assert_eq!(a.2, b.2, "routed as the seed draws it, whenever it runs");
        assert_eq!(a.0.len(), b.0.len());
    }
}
