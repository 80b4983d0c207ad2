//! Deterministic synthetic notification streams for benchmarks and load scripts: many
//! concurrent calls, interleaved, each shaped like the real captures (one party per
//! event, a per-session sequence from 2, eventTime rising); and a contact center's
//! stream of queue calls with its directory.

use crate::wire::directory::{ExtensionInfo, ExtensionType};
use crate::wire::{
    Direction, Endpoint, Envelope, Notification, Origin, OriginType, Party, Reason, RosterLine,
    SessionEvent, Status, StatusCode, Ts,
};

/// A tiny deterministic generator (xorshift64*), so streams are identical everywhere.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

struct Call<S> {
    id: u64,
    seq: i64,
    steps: Vec<S>,
    at: usize,
}

fn plan(rng: &mut Rng) -> Vec<(usize, StatusCode)> {
    use StatusCode::*;
    let mut s = vec![(0, Setup), (1, Proceeding)];
    match rng.below(10) {
        0 => s.push((1, Disconnected)), // missed
        1 => s.extend([(1, Voicemail), (1, Disconnected)]),
        _ => {
            s.extend([(0, Answered), (1, Answered)]);
            for _ in 0..rng.below(3) {
                s.extend([(1, Hold), (1, Answered)]);
            }
            s.push((1, Disconnected));
        }
    }
    s.push((0, Disconnected));
    s
}

/// Generates `events` notifications (as JSON lines) over `concurrent` calls at a time.
pub fn stream(events: usize, concurrent: usize, seed: u64) -> Vec<String> {
    lines(Kind::Calls, events, concurrent, seed).collect()
}

/// The same stream as typed notifications.
pub fn notifications(events: usize, concurrent: usize, seed: u64) -> Vec<Notification> {
    Kind::Calls
        .notifications(events, concurrent, seed)
        .collect()
}

/// What a synthetic stream is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Two-party calls, answered, missed or sent to voicemail ([`stream`]).
    Calls,
    /// A contact center's queue calls ([`center_stream`]; its directory is
    /// [`center_directory`]).
    Center,
}

impl Kind {
    /// The stream's notifications, made one at a time (any length in constant memory).
    pub fn notifications(
        self,
        events: usize,
        concurrent: usize,
        seed: u64,
    ) -> Box<dyn Iterator<Item = Notification>> {
        match self {
            Kind::Calls => Box::new(Interleave::new(
                events,
                concurrent,
                seed,
                plan,
                |call, seq, (party, code): &(usize, StatusCode), t| {
                    event(call, seq, *party, code.clone(), t)
                },
            )),
            Kind::Center => Box::new(Interleave::new(
                events,
                concurrent,
                seed,
                queue_plan,
                queue_event,
            )),
        }
    }
}

/// The stream of `kind` as JSON lines, made one at a time.
pub fn lines(
    kind: Kind,
    events: usize,
    concurrent: usize,
    seed: u64,
) -> impl Iterator<Item = String> {
    kind.notifications(events, concurrent, seed)
        .map(|n| serde_json::to_string(&n).unwrap_or_default())
}

/// Plays `concurrent` calls at a time, each on its own `plan`, one step of a random call
/// per event, a new call replacing each finished one, until `events` events.
struct Interleave<S, P, E> {
    rng: Rng,
    next_id: u64,
    calls: Vec<Call<S>>,
    t: Ts,
    left: usize,
    plan: P,
    event: E,
}

impl<S, P, E> Interleave<S, P, E>
where
    P: Fn(&mut Rng) -> Vec<S>,
    E: Fn(u64, i64, &S, Ts) -> Notification,
{
    fn new(events: usize, concurrent: usize, seed: u64, plan: P, event: E) -> Self {
        let mut it = Interleave {
            rng: Rng::new(seed),
            next_id: 0,
            calls: Vec::with_capacity(concurrent.max(1)),
            t: Ts(1_700_000_000_000),
            left: events,
            plan,
            event,
        };
        for _ in 0..concurrent.max(1) {
            let call = it.new_call();
            it.calls.push(call);
        }
        it
    }

    fn new_call(&mut self) -> Call<S> {
        self.next_id += 1;
        Call {
            id: self.next_id,
            seq: 2,
            steps: (self.plan)(&mut self.rng),
            at: 0,
        }
    }
}

impl<S, P, E> Iterator for Interleave<S, P, E>
where
    P: Fn(&mut Rng) -> Vec<S>,
    E: Fn(u64, i64, &S, Ts) -> Notification,
{
    type Item = Notification;

    fn next(&mut self) -> Option<Notification> {
        self.left = self.left.checked_sub(1)?;
        let i = self.rng.below(self.calls.len() as u64) as usize;
        self.t = self.t.plus_millis(1 + self.rng.below(40) as i64);
        let c = &mut self.calls[i];
        let n = (self.event)(c.id, c.seq, &c.steps[c.at], self.t);
        c.seq += 1;
        c.at += 1;
        if c.at == c.steps.len() {
            self.calls[i] = self.new_call();
        }
        Some(n)
    }
}

fn event(call: u64, seq: i64, party: usize, code: StatusCode, t: Ts) -> Notification {
    let tsid = format!("s-{call:032x}");
    let caller = Endpoint {
        phone_number: Some(format!("+1415555{:04}", call % 10_000)),
        name: Some(format!("Caller {}", call % 997)),
        ..Default::default()
    };
    let callee = Endpoint {
        phone_number: Some("+18005550100".into()),
        name: Some(format!("Agent {}", call % 50)),
        extension_id: Some(format!("{}", 62_000_000 + call % 50)),
        ..Default::default()
    };
    let outbound = party == 0;
    notification(
        call,
        seq,
        t,
        Party {
            id: format!("p-{}-{}", &tsid[2..], party + 1),
            account_id: Some("809646016".into()),
            extension_id: (!outbound).then(|| format!("{}", 62_000_000 + call % 50)),
            direction: Some(if outbound {
                Direction::Outbound
            } else {
                Direction::Inbound
            }),
            from: Some(caller),
            to: Some(callee),
            status: Some(Status {
                rcc: Some(false),
                ..Status::code(code)
            }),
            missed_call: Some(false),
            stand_alone: Some(false),
            muted: Some(false),
            ..Default::default()
        },
    )
}

/// One event of call `call` for one party, in the envelope an account subscription gets
/// (the extension's event path for a party of an extension).
fn notification(call: u64, seq: i64, t: Ts, party: Party) -> Notification {
    Notification {
        envelope: Envelope {
            uuid: Some(format!(
                "{}",
                7_000_000_000_000_000_000u64 + call * 64 + seq as u64
            )),
            event: Some(match &party.extension_id {
                None => "/restapi/v1.0/account/809646016/telephony/sessions".into(),
                Some(e) => {
                    format!("/restapi/v1.0/account/809646016/extension/{e}/telephony/sessions")
                }
            }),
            timestamp: Some(t.plus_millis(50)),
            subscription_id: Some("2461434a-276a-4073-bd26-34089effbad5".into()),
            owner_id: Some("809646016".into()),
        },
        body: SessionEvent {
            sequence: Some(seq),
            session_id: Some(format!("{}", 429_000_000_000u64 + call)),
            telephony_session_id: format!("s-{call:032x}"),
            server_id: Some("10.13.22.27.TAM".into()),
            event_time: Some(t),
            origin: Some(Origin {
                kind: OriginType::Call,
            }),
            parties: vec![party],
            ..Default::default()
        },
    }
}

/// The call queues of the synthetic contact center ([`center_stream`]).
pub const CENTER_QUEUES: [&str; 3] = ["63000001", "63000002", "63000003"];
/// Its agents: user extensions `62000000`… (as many as the calls in progress, so an
/// agent has a live call or two at a time).
pub const CENTER_AGENTS: u64 = 1_000;

/// One step of a queue call: a party (0 the caller, 1 the queue, 2… agent legs), its
/// new code, the reason, and whether the platform marks it missed.
#[derive(Clone, Debug)]
struct QueueStep(usize, StatusCode, Option<Reason>, bool);

/// A queue call: the caller is answered by the queue, which rings an agent (sometimes
/// one who lets it ring out first); answered and put on hold now and then (8 in 10),
/// abandoned while an agent rings (1 in 10), or sent to voicemail (1 in 10).
fn queue_plan(rng: &mut Rng) -> Vec<QueueStep> {
    use StatusCode::*;
    let s = |p, c| QueueStep(p, c, None, false);
    let mut v = vec![s(0, Setup), s(0, Answered), s(1, Setup)];
    match rng.below(10) {
        0 => v.extend([
            s(2, Proceeding),
            s(0, Disconnected),
            QueueStep(2, Disconnected, Some(Reason::Cancelled), false),
            s(1, Disconnected),
        ]),
        1 => v.extend([
            QueueStep(1, Disconnected, Some(Reason::Voicemail), false),
            s(0, Disconnected),
        ]),
        _ => {
            let mut leg = 2;
            if rng.below(3) == 0 {
                v.push(s(2, Proceeding));
                v.push(QueueStep(2, Disconnected, Some(Reason::Timeout), true));
                leg = 3;
            }
            v.extend([s(leg, Proceeding), s(leg, Answered), s(1, Disconnected)]);
            for _ in 0..rng.below(3) {
                v.extend([s(leg, Hold), s(leg, Answered)]);
            }
            v.extend([s(leg, Disconnected), s(0, Disconnected)]);
        }
    }
    v
}

fn queue_event(call: u64, seq: i64, step: &QueueStep, t: Ts) -> Notification {
    let QueueStep(party, code, reason, missed) = step;
    let queue = CENTER_QUEUES[(call % CENTER_QUEUES.len() as u64) as usize];
    let mut p = Party {
        id: format!("p-{call:032x}-{}", party + 1),
        account_id: Some("809646016".into()),
        direction: Some(Direction::Inbound),
        from: Some(Endpoint {
            phone_number: Some(format!("+1415555{:04}", call % 10_000)),
            name: Some(format!("Caller {}", call % 997)),
            ..Default::default()
        }),
        to: Some(Endpoint {
            phone_number: Some("+18885550101".into()),
            name: Some(format!("Queue {queue}")),
            extension_id: Some(queue.into()),
            ..Default::default()
        }),
        status: Some(Status {
            rcc: Some(false),
            reason: reason.clone(),
            ..Status::code(code.clone())
        }),
        missed_call: Some(*missed),
        stand_alone: Some(false),
        muted: Some(false),
        ..Default::default()
    };
    match party {
        0 => p.direction = Some(Direction::Outbound),
        1 => p.extension_id = Some(queue.into()),
        leg => {
            let agent = 62_000_000 + (call + *leg as u64) % CENTER_AGENTS;
            p.extension_id = Some(agent.to_string());
            p.queue_call = Some(true);
        }
    }
    notification(call, seq, t, p)
}

/// A contact center's stream, as typed notifications: `concurrent` queue calls at a time
/// among [`CENTER_AGENTS`] agents of the [`CENTER_QUEUES`] (see [`center_directory`]);
/// every event is of a caller, a queue or an agent leg.
pub fn center_notifications(events: usize, concurrent: usize, seed: u64) -> Vec<Notification> {
    Kind::Center
        .notifications(events, concurrent, seed)
        .collect()
}

/// The same as JSON lines.
pub fn center_stream(events: usize, concurrent: usize, seed: u64) -> Vec<String> {
    lines(Kind::Center, events, concurrent, seed).collect()
}

/// The directory of the synthetic contact center: its queues and agents.
pub fn center_directory() -> RosterLine {
    let ext = |id: String, kind: ExtensionType| ExtensionInfo {
        name: Some(format!("Extension {id}")),
        extension_number: Some(id[id.len() - 4..].to_string()),
        id,
        kind: Some(kind),
        ..Default::default()
    };
    let queues = CENTER_QUEUES
        .iter()
        .map(|q| ext(q.to_string(), ExtensionType::Department));
    let agents = (0..CENTER_AGENTS).map(|a| ext((62_000_000 + a).to_string(), ExtensionType::User));
    RosterLine::Extensions(queues.chain(agents).collect())
}
