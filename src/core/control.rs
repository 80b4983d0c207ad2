//! The one call-control vocabulary, from key to request: [`ControlAction`] (what to do,
//! with its target already parsed), [`ControlRequest`] (on which party of which call),
//! [`AgentRequest`] (a setting of an agent, not a party action), [`Outcome`] (what came
//! of it) and [`Control`] (whatever carries a request to the platform: the REST client,
//! a test double). Which party states allow an action is decided here, once, before any
//! request is sent.

use super::center::Member;
use crate::wire::StatusCode;
use futures_util::future::BoxFuture;
use std::time::Duration;

/// Where a transfer or forward goes.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "camelCase")]
pub enum Target {
    /// E.164 number (`+1555…`), or `main*ext`.
    PhoneNumber(String),
    /// A short extension number (`101`).
    ExtensionNumber(String),
    /// The voicemail of an extension id (`vm:ID`).
    Voicemail(String),
    /// A park location id (`park:ORBIT`; transfer only).
    ParkOrbit(String),
}

impl Target {
    /// Parses what the user typed: `+1555…` / long digits → phone number, short
    /// digits → extension number, `vm:ID`, `park:ORBIT`, `ext:N`, `tel:N`.
    pub fn parse(input: &str) -> Result<Target, String> {
        let s = input.trim();
        let (prefix, rest) = match s.split_once(':') {
            Some((p, r)) => (Some(p.trim().to_ascii_lowercase()), r.trim()),
            None => (None, s),
        };
        if rest.is_empty() {
            return Err("empty target".into());
        }
        let t = match prefix.as_deref() {
            Some("vm" | "voicemail") => Target::Voicemail(rest.into()),
            Some("park" | "orbit") => Target::ParkOrbit(rest.into()),
            Some("ext" | "x") => Target::ExtensionNumber(rest.into()),
            Some("tel" | "phone") => Target::PhoneNumber(rest.into()),
            Some(p) => {
                return Err(format!(
                    "unknown target kind {p:?} (use vm:, park:, ext: or a number)"
                ))
            }
            None => {
                let digits = rest.trim_start_matches('+');
                let ok = !digits.is_empty()
                    && digits
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == '*' || c == '#');
                if !ok {
                    return Err(format!(
                        "{rest:?} is not a number, ext:N, vm:ID or park:ORBIT"
                    ));
                }
                if rest.starts_with('+') || digits.len() > 5 {
                    Target::PhoneNumber(rest.into())
                } else {
                    Target::ExtensionNumber(rest.into())
                }
            }
        };
        Ok(t)
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::PhoneNumber(v) => write!(f, "{v}"),
            Target::ExtensionNumber(v) => write!(f, "ext {v}"),
            Target::Voicemail(v) => write!(f, "voicemail {v}"),
            Target::ParkOrbit(v) => write!(f, "park {v}"),
        }
    }
}

/// A call-flip number (`1`–`8`): the user's call-flip list entry the call moves to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FlipNumber(u8);

impl FlipNumber {
    /// Parses `1`…`8` (also `*1`…`*8`, as dialled).
    pub fn parse(input: &str) -> Result<FlipNumber, String> {
        let t = input.trim().trim_start_matches('*');
        match t.parse::<u8>() {
            Ok(n @ 1..=8) => Ok(FlipNumber(n)),
            _ => Err(format!(
                "flip number must be 1 to 8, not {:?}",
                input.trim()
            )),
        }
    }

    /// The number.
    pub fn get(self) -> u8 {
        self.0
    }
}

/// One call-control action on a party (or, for [`ControlAction::HangUp`], the call).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "action", rename_all = "camelCase")]
pub enum ControlAction {
    Hold,
    Unhold,
    Transfer {
        to: Target,
    },
    Park,
    Forward {
        to: Target,
    },
    Reject,
    /// Answer a ringing party on the supervisor's device.
    Answer,
    /// Pick up a parked party on the supervisor's device.
    Pickup,
    /// Move the call to one of the user's call-flip numbers.
    Flip {
        to: FlipNumber,
    },
    Mute {
        muted: bool,
    },
    StartRecording,
    PauseRecording {
        recording: String,
    },
    ResumeRecording {
        recording: String,
    },
    /// Drop the whole call (`DELETE` session).
    HangUp,
    /// Remove one party (`DELETE` party).
    DropParty,
    /// Listen in from the supervisor's device on this party; `agent` is the monitored
    /// user's extension id (`agentExtensionId`).
    Supervise {
        agent: String,
    },
}

/// How an action's allowed states are described to the user.
struct Allowed {
    codes: &'static [StatusCode],
    need: &'static str,
}

const CONNECTED: &[StatusCode] = &[StatusCode::Answered, StatusCode::Hold];
const ANSWERED: &[StatusCode] = &[StatusCode::Answered];
const RINGING: &[StatusCode] = &[StatusCode::Proceeding];
const PARKED: &[StatusCode] = &[StatusCode::Parked];
const IN_CALL: &[StatusCode] = &[
    StatusCode::Setup,
    StatusCode::Proceeding,
    StatusCode::Answered,
    StatusCode::Hold,
    StatusCode::Parked,
    StatusCode::Voicemail,
    StatusCode::VoicemailScreening,
    StatusCode::FaxReceive,
    StatusCode::Tds,
];

impl ControlAction {
    /// A short verb for messages, the pending marker and the audit trail, with the
    /// target (`transfer to ext 101`).
    pub fn verb(&self) -> String {
        match self {
            ControlAction::Transfer { to } => format!("transfer to {to}"),
            ControlAction::Forward { to } => format!("forward to {to}"),
            ControlAction::Flip { to } => format!("flip to {}", to.get()),
            other => other.word().into(),
        }
    }

    /// The verb alone (`transfer`), as refusals say it: the target plays no part in
    /// which party states allow an action.
    pub fn word(&self) -> &'static str {
        match self {
            ControlAction::Hold => "hold",
            ControlAction::Unhold => "unhold",
            ControlAction::Transfer { .. } => "transfer",
            ControlAction::Park => "park",
            ControlAction::Forward { .. } => "forward",
            ControlAction::Reject => "reject",
            ControlAction::Answer => "answer",
            ControlAction::Pickup => "pick up",
            ControlAction::Flip { .. } => "flip",
            ControlAction::Mute { muted: true } => "mute",
            ControlAction::Mute { muted: false } => "unmute",
            ControlAction::StartRecording => "start recording",
            ControlAction::PauseRecording { .. } => "pause recording",
            ControlAction::ResumeRecording { .. } => "resume recording",
            ControlAction::HangUp => "hang up",
            ControlAction::DropParty => "drop party",
            ControlAction::Supervise { .. } => "listen in",
        }
    }

    fn allowed(&self) -> Allowed {
        let (codes, need) = match self {
            ControlAction::Hold => (ANSWERED, "only an answered party can be held"),
            ControlAction::Unhold => (&[StatusCode::Hold][..], "only a held party can be unheld"),
            ControlAction::Transfer { .. } => (
                CONNECTED,
                "only a connected or held party can be transferred",
            ),
            ControlAction::Park => (ANSWERED, "only an answered party can be parked"),
            ControlAction::Forward { .. } => (RINGING, "only a ringing party can be forwarded"),
            ControlAction::Reject => (RINGING, "only a ringing party can be rejected"),
            ControlAction::Answer => (RINGING, "only a ringing party can be answered"),
            ControlAction::Pickup => (PARKED, "only a parked call can be picked up"),
            ControlAction::Flip { .. } => (ANSWERED, "only an answered party can be flipped"),
            ControlAction::Mute { .. } => (CONNECTED, "only a connected party can be muted"),
            ControlAction::StartRecording
            | ControlAction::PauseRecording { .. }
            | ControlAction::ResumeRecording { .. } => {
                (CONNECTED, "only a connected call can be recorded")
            }
            ControlAction::HangUp | ControlAction::DropParty => {
                (IN_CALL, "the party has already left")
            }
            ControlAction::Supervise { .. } => {
                (ANSWERED, "only an answered party can be listened to")
            }
        };
        Allowed { codes, need }
    }

    /// True for the actions that need the supervisor's device.
    pub fn needs_device(&self) -> bool {
        matches!(
            self,
            ControlAction::Answer | ControlAction::Pickup | ControlAction::Supervise { .. }
        )
    }

    /// Checks the party's state before anything is sent: `Err` says why not, in words.
    pub fn check(&self, code: Option<&StatusCode>) -> Result<(), String> {
        let a = self.allowed();
        match code {
            Some(c) if a.codes.contains(c) => Ok(()),
            other => Err(format!(
                "can't {}: the party is {} ({})",
                self.word(),
                other.map_or("in an unknown state", |c| c.as_str()),
                a.need
            )),
        }
    }
}

/// One control request: an action on a party of a session.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ControlRequest {
    pub session: String,
    pub party: String,
    #[serde(flatten)]
    pub action: ControlAction,
}

/// A setting of one agent (not an action on a party of a call).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AgentRequest {
    /// The agent's extension id.
    pub agent: String,
    #[serde(flatten)]
    pub action: AgentAction,
}

/// What to set for an agent.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "action", rename_all = "camelCase")]
pub enum AgentAction {
    /// Take (or stop taking) one queue's calls: the member's `acceptCurrentQueueCalls`.
    AcceptQueueCalls { queue: String, accept: bool },
}

impl AgentAction {
    /// The toggle of a member's acceptance of `queue`'s calls (unknown counts as taking them).
    pub fn toggle_queue_calls(queue: &str, member: Option<&Member>) -> AgentAction {
        AgentAction::AcceptQueueCalls {
            queue: queue.to_string(),
            accept: member.and_then(|m| m.accept_current) == Some(false),
        }
    }

    /// A short verb for messages and the log.
    pub fn verb(&self) -> String {
        match self {
            AgentAction::AcceptQueueCalls {
                queue,
                accept: true,
            } => {
                format!("take calls of queue {queue}")
            }
            AgentAction::AcceptQueueCalls {
                queue,
                accept: false,
            } => format!("stop taking calls of queue {queue}"),
        }
    }

    /// Checks the agent's membership before anything is sent (`member`: the agent in
    /// the queue, if a member).
    pub fn check(&self, member: Option<&Member>) -> Result<(), String> {
        match (self, member) {
            (AgentAction::AcceptQueueCalls { .. }, Some(_)) => Ok(()),
            (AgentAction::AcceptQueueCalls { queue, .. }, None) => Err(format!(
                "can't {}: the agent is not a member of queue {queue}",
                self.verb()
            )),
        }
    }
}

impl ControlRequest {
    /// The audit trail's line for sending it: `→ hold (party p-2)`.
    pub fn audit_sent(&self) -> String {
        format!("→ {} (party {})", self.action.verb(), self.party)
    }
}

/// What came of a control request.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "result", rename_all = "camelCase")]
pub enum Outcome {
    /// Done: what happened, in words (`parked at *801`).
    Done { message: String },
    /// Refused or failed: the platform's `errorCode: message`, or why it wasn't sent.
    Failed { message: String },
    /// 429: nothing is sent until this has passed.
    RateLimited {
        #[serde(with = "millis")]
        retry_after: Duration,
    },
}

impl Outcome {
    /// The status-line text for `verb`, said once (`parked at *801`,
    /// `park failed: TAS-106 …`, `park: rate limited by the platform, retry in 3s`).
    pub fn describe(&self, verb: &str) -> String {
        match self {
            Outcome::Done { message } if message.is_empty() => format!("{verb}: done"),
            Outcome::Done { message } => message.clone(),
            Outcome::Failed { message } => format!("{verb} failed: {message}"),
            Outcome::RateLimited { retry_after } => format!(
                "{verb}: rate limited by the platform, retry in {}s",
                retry_after.as_secs_f64().ceil().max(1.0) as u64
            ),
        }
    }
}

impl Outcome {
    /// The audit trail's line for this outcome of `verb`: `← hold: done`.
    pub fn audit_result(&self, verb: &str) -> String {
        format!("← {}", self.describe(verb))
    }
}

mod millis {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

/// Carries control requests to the platform. Implemented by the REST client, by the
/// relay's request-reply client, and by test doubles; the board holds one as a trait
/// object and never awaits it in its loop.
pub trait Control: Send + Sync {
    /// Runs one request; never panics, every failure is an [`Outcome`].
    fn execute(&self, request: ControlRequest) -> BoxFuture<'static, Outcome>;
    /// Runs one agent request; never panics, every failure is an [`Outcome`].
    fn execute_agent(&self, request: AgentRequest) -> BoxFuture<'static, Outcome>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse() {
        let ok = |s: &str| Target::parse(s).unwrap();
        assert_eq!(
            ok("+15551234567"),
            Target::PhoneNumber("+15551234567".into())
        );
        assert_eq!(ok(" 101 "), Target::ExtensionNumber("101".into()));
        assert_eq!(ok("6505551234"), Target::PhoneNumber("6505551234".into()));
        assert_eq!(
            ok("vm:62242421016"),
            Target::Voicemail("62242421016".into())
        );
        assert_eq!(ok("park:*813"), Target::ParkOrbit("*813".into()));
        assert_eq!(ok("ext:1234567"), Target::ExtensionNumber("1234567".into()));
        for bad in ["", "vm:", "bob", "foo:1"] {
            assert!(Target::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn flip_numbers_are_one_to_eight() {
        assert_eq!(FlipNumber::parse("3").unwrap().get(), 3);
        assert_eq!(FlipNumber::parse(" *8 ").unwrap().get(), 8);
        for bad in ["0", "9", "", "x", "-1", "300"] {
            assert!(FlipNumber::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn pickup_supervise_and_the_queue_toggle_check_first() {
        assert!(ControlAction::Pickup
            .check(Some(&StatusCode::Parked))
            .is_ok());
        let e = ControlAction::Pickup
            .check(Some(&StatusCode::Answered))
            .unwrap_err();
        assert_eq!(
            e,
            "can't pick up: the party is Answered (only a parked call can be picked up)"
        );
        let listen = ControlAction::Supervise { agent: "7".into() };
        assert!(listen.check(Some(&StatusCode::Answered)).is_ok());
        assert!(listen.check(Some(&StatusCode::Proceeding)).is_err());
        assert!(listen.needs_device() && !ControlAction::Hold.needs_device());
        let text = serde_json::to_string(&listen).unwrap();
        assert_eq!(text, r#"{"action":"supervise","agent":"7"}"#);

        let off = Member {
            accept_current: Some(false),
            accept_all: None,
        };
        let on = AgentAction::toggle_queue_calls("q", Some(&off));
        assert_eq!(
            on,
            AgentAction::AcceptQueueCalls {
                queue: "q".into(),
                accept: true
            }
        );
        assert!(on.check(Some(&off)).is_ok());
        let stop = AgentAction::toggle_queue_calls("q", None);
        assert_eq!(
            stop.check(None).unwrap_err(),
            "can't stop taking calls of queue q: the agent is not a member of queue q"
        );
        let r = AgentRequest {
            agent: "7".into(),
            action: stop,
        };
        let text = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<AgentRequest>(&text).unwrap(), r);
    }

    #[test]
    fn requests_roundtrip_as_json() {
        let r = ControlRequest {
            session: "s-1".into(),
            party: "p-1".into(),
            action: ControlAction::Transfer {
                to: Target::ExtensionNumber("102".into()),
            },
        };
        let text = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<ControlRequest>(&text).unwrap(), r);
        let o = Outcome::RateLimited {
            retry_after: Duration::from_millis(1500),
        };
        let text = serde_json::to_string(&o).unwrap();
        assert_eq!(serde_json::from_str::<Outcome>(&text).unwrap(), o);
        assert_eq!(
            o.describe("hold"),
            "hold: rate limited by the platform, retry in 2s"
        );
    }
}
