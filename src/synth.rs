//! Deterministic synthetic notification streams for benchmarks and load scripts: many
//! concurrent calls, interleaved, each shaped like the real captures (one party per
//! event, a per-session sequence from 2, eventTime rising).

use crate::wire::{
    Direction, Endpoint, Envelope, Notification, Origin, OriginType, Party, SessionEvent, Status,
    StatusCode, Ts,
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

struct Call {
    id: u64,
    seq: i64,
    steps: Vec<(usize, StatusCode)>,
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
    notifications(events, concurrent, seed)
        .iter()
        .map(|n| serde_json::to_string(n).unwrap_or_default())
        .collect()
}

/// The same stream as typed notifications.
pub fn notifications(events: usize, concurrent: usize, seed: u64) -> Vec<Notification> {
    let mut rng = Rng::new(seed);
    let mut next_id = 0u64;
    let mut new_call = |rng: &mut Rng| {
        next_id += 1;
        Call {
            id: next_id,
            seq: 2,
            steps: plan(rng),
            at: 0,
        }
    };
    let mut calls: Vec<Call> = (0..concurrent.max(1)).map(|_| new_call(&mut rng)).collect();
    let mut t = Ts(1_700_000_000_000);
    let mut out = Vec::with_capacity(events);
    while out.len() < events {
        let i = rng.below(calls.len() as u64) as usize;
        let c = &mut calls[i];
        let (party, code) = c.steps[c.at].clone();
        t = t.plus_millis(1 + rng.below(40) as i64);
        out.push(event(c.id, c.seq, party, code, t));
        c.seq += 1;
        c.at += 1;
        if c.at == c.steps.len() {
            calls[i] = new_call(&mut rng);
        }
    }
    out
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
    Notification {
        envelope: Envelope {
            uuid: Some(format!(
                "{}",
                7_000_000_000_000_000_000u64 + call * 64 + seq as u64
            )),
            event: Some(if outbound {
                "/restapi/v1.0/account/809646016/telephony/sessions".into()
            } else {
                format!(
                    "/restapi/v1.0/account/809646016/extension/{}/telephony/sessions",
                    62_000_000 + call % 50
                )
            }),
            timestamp: Some(t.plus_millis(50)),
            subscription_id: Some("2461434a-276a-4073-bd26-34089effbad5".into()),
            owner_id: Some("809646016".into()),
        },
        body: SessionEvent {
            sequence: Some(seq),
            session_id: Some(format!("{}", 429_000_000_000u64 + call)),
            telephony_session_id: tsid.clone(),
            server_id: Some("10.13.22.27.TAM".into()),
            event_time: Some(t),
            origin: Some(Origin {
                kind: OriginType::Call,
            }),
            parties: vec![Party {
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
            }],
            ..Default::default()
        },
    }
}
