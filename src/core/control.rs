//! The one control vocabulary, from key to request: [`ControlAction`] (what to do, with
//! its target already parsed) and its [`Verb`] (every word, button, question, allowed
//! state and done text of it, in one table), the call keys ([`CALL_KEYS`]: what each
//! asks before its request), [`ControlRequest`] (an action on a party of a call or on an
//! agent), [`Outcome`] (what came of it) and [`Control`] (whatever carries a request to
//! the platform: the REST client, the relay). Which party states allow an action is
//! decided here, once, before any request is sent.

use super::center::Member;
use super::PartyState;
use crate::wire::StatusCode;

mod outcome;
mod target;
pub use outcome::{Control, Outcome};
pub use target::{FlipNumber, Target};

/// A reply to a ringing caller, instead of an answer: one of the platform's patterns
/// (`replyWithPattern`) or a text of the user's (`replyWithText`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ReplyMessage {
    /// A pattern by the platform's name (`OnMyWay`), with a time for those that take
    /// one (`time` units of `unit`: `Minute`, `Hour`, `Day`).
    Pattern {
        pattern: String,
        time: Option<u32>,
        unit: Option<String>,
    },
    Text {
        text: String,
    },
}

/// The canned replies the prompt offers by number: pattern, time, unit, words.
const CANNED: &[(&str, Option<u32>, Option<&str>, &str)] = &[
    (
        "WillCallYouBack",
        Some(5),
        Some("Minute"),
        "I will call you back in 5 minutes",
    ),
    (
        "CallMeBack",
        Some(5),
        Some("Minute"),
        "Call me back in 5 minutes",
    ),
    ("OnMyWay", None, None, "I'm on my way"),
    ("InAMeeting", None, None, "I'm in a meeting"),
];

impl ReplyMessage {
    /// What the user typed: `1`–`4`, a canned reply; anything else, the text itself.
    pub fn parse(input: &str) -> Result<ReplyMessage, String> {
        let t = input.trim();
        let canned = t
            .parse::<usize>()
            .ok()
            .and_then(|n| CANNED.get(n.wrapping_sub(1)));
        match (t.is_empty(), canned) {
            (true, _) => Err("nothing to reply: type 1-4 or a message".into()),
            (false, Some((pattern, time, unit, _))) => Ok(ReplyMessage::Pattern {
                pattern: pattern.to_string(),
                time: *time,
                unit: unit.map(str::to_string),
            }),
            (false, None) => Ok(ReplyMessage::Text { text: t.into() }),
        }
    }

    /// What the caller is told, in words (a pattern the board does not offer: its name).
    pub fn words(&self) -> &str {
        match self {
            ReplyMessage::Text { text } => text,
            ReplyMessage::Pattern { pattern, time, .. } => CANNED
                .iter()
                .find(|(p, t, ..)| p == pattern && t == time)
                .map_or(pattern, |c| c.3),
        }
    }
}

/// One control action: on a party (or, for [`ControlAction::HangUp`], the whole call),
/// or a setting of an agent ([`ControlAction::AcceptQueueCalls`]). Everything said or
/// checked of it comes from its [`Verb`] ([`ControlAction::facts`]).
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
    /// Reply to a ringing caller with a message instead of answering; the call ends.
    Reply {
        message: ReplyMessage,
    },
    /// An agent's setting: take (or stop taking) one queue's calls, the member's
    /// `acceptCurrentQueueCalls`.
    AcceptQueueCalls {
        queue: String,
        accept: bool,
    },
}

/// What a verb acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aim {
    /// One party of a call.
    Party,
    /// The whole call (its selected party only says which call).
    Call,
    /// An agent (a setting, not a call).
    Agent,
}

/// One verb's facts, in one place: its words, its button, its question, the party
/// states that allow it, whether it needs the supervisor's device, what is said when it
/// is done. In the texts `{who}` is the party or agent acted on, `{to}` the action's
/// object ([`Object`]: a target, a flip number, an agent, a queue, a recording, a
/// reply), `{caller}` the call's caller, and `{answer}` what the platform's answer named
/// (a park orbit, a recording id).
#[derive(Debug)]
pub struct Verb {
    /// The verb alone, as refusals say it (`transfer`).
    pub word: &'static str,
    /// The verb with its object, for messages, the pending marker and the audit trail
    /// (`transfer to {to}`).
    pub says: &'static str,
    /// The confirming button (`Transfer to {to}`).
    pub button: &'static str,
    /// The confirmation's question, naming who and what.
    pub confirm: &'static str,
    /// The party states that allow it (none for an agent's setting).
    pub states: &'static [StatusCode],
    /// Why another state does not, in words.
    pub need: &'static str,
    /// Whether it needs the supervisor's device.
    pub device: bool,
    /// What the status line says when it is done.
    pub done: &'static str,
    /// What it acts on.
    pub aim: Aim,
    /// Whether a board may send it again after a timeout (a hang-up, a transfer or a
    /// reply could act on a call that has moved on meanwhile).
    pub retry: bool,
}

/// A party verb that can be retried and needs no device; the builders below say otherwise.
const fn verb(
    word: &'static str,
    says: &'static str,
    button: &'static str,
    confirm: &'static str,
    states: &'static [StatusCode],
    need: &'static str,
    done: &'static str,
) -> Verb {
    Verb {
        word,
        says,
        button,
        confirm,
        states,
        need,
        device: false,
        done,
        aim: Aim::Party,
        retry: true,
    }
}

impl Verb {
    const fn device(self) -> Verb {
        Verb {
            device: true,
            ..self
        }
    }

    const fn once(self) -> Verb {
        Verb {
            retry: false,
            ..self
        }
    }

    const fn on(self, aim: Aim) -> Verb {
        Verb { aim, ..self }
    }

    /// Checks a party's state before anything is sent: `Err` says why not, in words.
    pub fn check(&self, code: Option<&StatusCode>) -> Result<(), String> {
        match code {
            Some(c) if self.states.contains(c) => Ok(()),
            other => Err(format!(
                "can't {}: the party is {} ({})",
                self.word,
                other.map_or("in an unknown state", |c| c.as_str()),
                self.need
            )),
        }
    }
}

/// `template` with `{who}` and `{to}` filled in.
pub fn fill(template: &str, who: &str, to: &str) -> String {
    template.replace("{who}", who).replace("{to}", to)
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
const RECORDED: &str = "only a connected call can be recorded";
const LEFT: &str = "the party has already left";

#[rustfmt::skip]
static HOLD: Verb = verb("hold", "hold", "Hold", "Hold {who}?", ANSWERED, "only an answered party can be held", "on hold");
#[rustfmt::skip]
static UNHOLD: Verb = verb("unhold", "unhold", "Unhold", "Unhold {who}?", &[StatusCode::Hold], "only a held party can be unheld", "taken off hold");
#[rustfmt::skip]
static TRANSFER: Verb = verb("transfer", "transfer to {to}", "Transfer to {to}", "Transfer {who} to {to}?", CONNECTED, "only a connected or held party can be transferred", "transferred to {to}").once();
#[rustfmt::skip]
static PARK: Verb = verb("park", "park", "Park", "Park {who}?", ANSWERED, "only an answered party can be parked", "parked at {answer}");
#[rustfmt::skip]
static FORWARD: Verb = verb("forward", "forward to {to}", "Forward to {to}", "Forward {who} to {to}?", RINGING, "only a ringing party can be forwarded", "forwarded to {to}");
#[rustfmt::skip]
static REJECT: Verb = verb("reject", "reject", "Reject", "Reject {who}?", RINGING, "only a ringing party can be rejected", "rejected");
#[rustfmt::skip]
static ANSWER: Verb = verb("answer", "answer", "Answer", "Answer {who} on your device?", RINGING, "only a ringing party can be answered", "answered on your device").device();
#[rustfmt::skip]
static PICKUP: Verb = verb("pick up", "pick up", "Pick up", "Pick up the parked call of {who} on your device?", PARKED, "only a parked call can be picked up", "picked up on your device").device();
#[rustfmt::skip]
static FLIP: Verb = verb("flip", "flip to {to}", "Flip to {to}", "Flip {who} to call-flip number {to}?", ANSWERED, "only an answered party can be flipped", "flipped to {to}");
#[rustfmt::skip]
static MUTE: Verb = verb("mute", "mute", "Mute", "Mute {who}?", CONNECTED, "only a connected party can be muted", "muted");
#[rustfmt::skip]
static UNMUTE: Verb = verb("unmute", "unmute", "Unmute", "Unmute {who}?", CONNECTED, "only a connected party can be muted", "unmuted");
#[rustfmt::skip]
static START_RECORDING: Verb = verb("start recording", "start recording", "Start recording", "Start recording {who}?", CONNECTED, RECORDED, "recording {answer} started");
#[rustfmt::skip]
static PAUSE_RECORDING: Verb = verb("pause recording", "pause recording", "Pause recording", "Pause recording {who}?", CONNECTED, RECORDED, "recording {to} paused");
#[rustfmt::skip]
static RESUME_RECORDING: Verb = verb("resume recording", "resume recording", "Resume recording", "Resume recording {who}?", CONNECTED, RECORDED, "recording {to} resumed");
#[rustfmt::skip]
static HANG_UP: Verb = verb("hang up", "hang up", "Hang up", "Hang up the whole call?", IN_CALL, LEFT, "hung up").once().on(Aim::Call);
#[rustfmt::skip]
static DROP_PARTY: Verb = verb("drop party", "drop party", "Drop party", "Drop party {who}?", IN_CALL, LEFT, "party dropped").once();
#[rustfmt::skip]
static SUPERVISE: Verb = verb("listen in", "listen in", "Listen in", "Listen in on {to} from your device?\nWhisper, barge, take over: dial *81, *82, *83 + the agent's ext# from your phone.", ANSWERED, "only an answered party can be listened to", "listening in on your device").device();
#[rustfmt::skip]
static REPLY: Verb = verb("reply", "reply {to}", "Reply", "Reply to {caller} with {to}, for {who}?\nThe caller hears it instead of an answer, and the call ends.", RINGING, "only a ringing party can be replied to", "replied {to}").once();
#[rustfmt::skip]
static TAKE_QUEUE_CALLS: Verb = verb("take queue calls", "take calls of queue {to}", "Change", "Take calls of queue {to} for {who}?", &[], "", "{who} takes calls of {to} again").on(Aim::Agent);
#[rustfmt::skip]
static STOP_QUEUE_CALLS: Verb = verb("stop taking queue calls", "stop taking calls of queue {to}", "Change", "Stop taking calls of queue {to} for {who}?", &[], "", "{who} no longer takes calls of {to}").on(Aim::Agent);

/// What an action is done to or with, beside its party or agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Object<'a> {
    None,
    /// A transfer or forward target.
    Target(&'a Target),
    /// A call-flip number.
    Flip(u8),
    /// A monitored agent's extension id.
    Agent(&'a str),
    /// A queue's id.
    Queue(&'a str),
    /// A recording's id.
    Recording(&'a str),
    /// A reply's message.
    Reply(&'a ReplyMessage),
}

/// The object as the platform names it (`ext 101`, `3`, a queue's id).
impl std::fmt::Display for Object<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Object::None => Ok(()),
            Object::Target(t) => write!(f, "{t}"),
            Object::Flip(n) => write!(f, "{n}"),
            Object::Agent(x) | Object::Queue(x) | Object::Recording(x) => f.write_str(x),
            Object::Reply(m) => write!(f, "“{}”", m.words()),
        }
    }
}

impl ControlAction {
    /// This action's verb: the one row of facts every message, button and check uses.
    pub fn facts(&self) -> &'static Verb {
        match self {
            ControlAction::Hold => &HOLD,
            ControlAction::Unhold => &UNHOLD,
            ControlAction::Transfer { .. } => &TRANSFER,
            ControlAction::Park => &PARK,
            ControlAction::Forward { .. } => &FORWARD,
            ControlAction::Reject => &REJECT,
            ControlAction::Answer => &ANSWER,
            ControlAction::Pickup => &PICKUP,
            ControlAction::Flip { .. } => &FLIP,
            ControlAction::Mute { muted: true } => &MUTE,
            ControlAction::Mute { muted: false } => &UNMUTE,
            ControlAction::StartRecording => &START_RECORDING,
            ControlAction::PauseRecording { .. } => &PAUSE_RECORDING,
            ControlAction::ResumeRecording { .. } => &RESUME_RECORDING,
            ControlAction::HangUp => &HANG_UP,
            ControlAction::DropParty => &DROP_PARTY,
            ControlAction::Supervise { .. } => &SUPERVISE,
            ControlAction::Reply { .. } => &REPLY,
            ControlAction::AcceptQueueCalls { accept: true, .. } => &TAKE_QUEUE_CALLS,
            ControlAction::AcceptQueueCalls { accept: false, .. } => &STOP_QUEUE_CALLS,
        }
    }

    /// What the action is done to or with, beside its party or agent.
    pub fn object(&self) -> Object<'_> {
        match self {
            ControlAction::Transfer { to } | ControlAction::Forward { to } => Object::Target(to),
            ControlAction::Flip { to } => Object::Flip(to.get()),
            ControlAction::Supervise { agent } => Object::Agent(agent),
            ControlAction::AcceptQueueCalls { queue, .. } => Object::Queue(queue),
            ControlAction::Reply { message } => Object::Reply(message),
            ControlAction::PauseRecording { recording }
            | ControlAction::ResumeRecording { recording } => Object::Recording(recording),
            _ => Object::None,
        }
    }

    /// The verb with its object, for messages, the pending marker and the audit trail
    /// (`transfer to ext 101`).
    pub fn verb(&self) -> String {
        fill(self.facts().says, "", &self.object().to_string())
    }

    /// The verb alone (`transfer`), as refusals say it.
    pub fn word(&self) -> &'static str {
        self.facts().word
    }

    /// True for the actions that need the supervisor's device.
    pub fn needs_device(&self) -> bool {
        self.facts().device
    }

    /// Checks the party's state before anything is sent: `Err` says why not, in words.
    pub fn check(&self, code: Option<&StatusCode>) -> Result<(), String> {
        self.facts().check(code)
    }

    /// What was done, in words, with what the platform's answer named (`parked at
    /// *801`); without it the words that need it are left out (`parked`).
    pub fn done_text(&self, answer: Option<&str>) -> String {
        let done = self.facts().done;
        let done = match answer {
            Some(a) => done.replace("{answer}", a),
            None => done.replace(" at {answer}", "").replace("{answer} ", ""),
        };
        fill(&done, "", &self.object().to_string())
    }

    /// The toggle of a member's acceptance of `queue`'s calls (unknown counts as taking them).
    pub fn toggle_queue_calls(queue: &str, member: Option<&Member>) -> ControlAction {
        ControlAction::AcceptQueueCalls {
            queue: queue.to_string(),
            accept: member.and_then(|m| m.accept_current) == Some(false),
        }
    }

    /// Checks an agent's membership of the queue before anything is sent (`member`:
    /// the agent in the queue, if a member).
    pub fn check_member(&self, member: Option<&Member>) -> Result<(), String> {
        match (self.object(), member) {
            (_, Some(_)) => Ok(()),
            (o, None) => Err(format!(
                "can't {}: the agent is not a member of queue {o}",
                self.verb()
            )),
        }
    }
}

/// A call-control key: what the board asks, then sends, for the selected party.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallKey {
    Hold,
    Transfer,
    Record,
    HangUp,
    Mute,
    Park,
    Forward,
    Reject,
    Flip,
    Reply,
}

/// What a call key asks before its request.
#[derive(Clone, Copy, Debug)]
pub enum Ask {
    /// A confirmation of the action this picks for the target party (`hold` or
    /// `unhold`).
    Confirm(fn(&PartyState) -> ControlAction),
    /// A line of text first (`label` says what), which `parse` turns into the action;
    /// `verb`'s states are checked before the prompt opens.
    Prompt {
        label: &'static str,
        verb: &'static Verb,
        parse: fn(&str) -> Result<ControlAction, String>,
    },
}

/// A call key's facts: its name in the key file, its footer hint and priority (the
/// higher stays longer when the footer is short), its help line, what it asks.
#[derive(Debug)]
pub struct KeyFacts {
    pub key: CallKey,
    pub name: &'static str,
    pub hint: &'static str,
    pub priority: u8,
    pub help: &'static str,
    pub ask: Ask,
}

/// The call keys, in the order of the help and the README.
pub static CALL_KEYS: &[KeyFacts] = &[
    KeyFacts {
        key: CallKey::Hold,
        name: "hold",
        hint: "hold",
        priority: 6,
        help: "hold / unhold",
        ask: Ask::Confirm(|p| match p.code() {
            Some(StatusCode::Hold) => ControlAction::Unhold,
            _ => ControlAction::Hold,
        }),
    },
    KeyFacts {
        key: CallKey::Transfer,
        name: "transfer",
        hint: "transfer",
        priority: 5,
        help: "transfer (number, ext, vm:ID, park:ORBIT), confirmed",
        ask: Ask::Prompt {
            label: "transfer to (number, ext, vm:ID, park:ORBIT)",
            verb: &TRANSFER,
            parse: |s| {
                Ok(ControlAction::Transfer {
                    to: Target::parse(s)?,
                })
            },
        },
    },
    KeyFacts {
        key: CallKey::Record,
        name: "record",
        hint: "record",
        priority: 3,
        help: "start / pause / resume recording",
        ask: Ask::Confirm(|p| {
            let recs = p.recordings.get().map(Vec::as_slice).unwrap_or_default();
            match (recs.iter().find(|r| r.active), recs.last()) {
                (Some(r), _) => ControlAction::PauseRecording {
                    recording: r.id.clone(),
                },
                (None, Some(r)) => ControlAction::ResumeRecording {
                    recording: r.id.clone(),
                },
                (None, None) => ControlAction::StartRecording,
            }
        }),
    },
    KeyFacts {
        key: CallKey::HangUp,
        name: "hang-up",
        hint: "hang up",
        priority: 6,
        help: "hang up the call, confirmed",
        ask: Ask::Confirm(|_| ControlAction::HangUp),
    },
    KeyFacts {
        key: CallKey::Mute,
        name: "mute",
        hint: "mute",
        priority: 3,
        help: "mute / unmute",
        ask: Ask::Confirm(|p| ControlAction::Mute {
            muted: p.muted.get() != Some(&true),
        }),
    },
    KeyFacts {
        key: CallKey::Park,
        name: "park",
        hint: "park",
        priority: 4,
        help: "park",
        ask: Ask::Confirm(|_| ControlAction::Park),
    },
    KeyFacts {
        key: CallKey::Forward,
        name: "forward",
        hint: "forward",
        priority: 3,
        help: "forward a ringing party",
        ask: Ask::Prompt {
            label: "forward to (number, ext, vm:ID)",
            verb: &FORWARD,
            parse: |s| match Target::parse(s)? {
                Target::ParkOrbit(_) => Err("forward cannot go to a park orbit".into()),
                to => Ok(ControlAction::Forward { to }),
            },
        },
    },
    KeyFacts {
        key: CallKey::Reject,
        name: "reject",
        hint: "reject",
        priority: 4,
        help: "reject a ringing party",
        ask: Ask::Confirm(|_| ControlAction::Reject),
    },
    KeyFacts {
        key: CallKey::Flip,
        name: "flip",
        hint: "flip",
        priority: 2,
        help: "flip to a call-flip number (1-8), confirmed",
        ask: Ask::Prompt {
            label: "flip to (call-flip number 1-8)",
            verb: &FLIP,
            parse: |s| {
                Ok(ControlAction::Flip {
                    to: FlipNumber::parse(s)?,
                })
            },
        },
    },
    KeyFacts {
        key: CallKey::Reply,
        name: "reply",
        hint: "reply",
        priority: 2,
        help: "reply to a ringing caller with a message instead of answering, confirmed",
        ask: Ask::Prompt {
            label: "reply (1 call you back in 5 min, 2 call me back in 5 min, 3 on my way, 4 in a meeting, or your words)",
            verb: &REPLY,
            parse: |s| Ok(ControlAction::Reply { message: ReplyMessage::parse(s)? }),
        },
    },
];

impl CallKey {
    /// This key's facts.
    pub fn facts(self) -> &'static KeyFacts {
        CALL_KEYS
            .iter()
            .find(|k| k.key == self)
            .expect("every call key has its facts in CALL_KEYS")
    }
}

/// Whom a request acts on: a party of a call, or an agent.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum Subject {
    Party {
        session: String,
        party: String,
    },
    /// The agent's extension id.
    Agent {
        agent: String,
    },
}

/// One control request: an action on a party of a call, or on an agent.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ControlRequest {
    #[serde(flatten)]
    pub on: Subject,
    #[serde(flatten)]
    pub action: ControlAction,
}

impl ControlRequest {
    /// `action` on party `party` of call `session`.
    pub fn on_party(session: &str, party: &str, action: ControlAction) -> ControlRequest {
        ControlRequest {
            on: Subject::Party {
                session: session.into(),
                party: party.into(),
            },
            action,
        }
    }

    /// `action` on the agent of extension id `agent`.
    pub fn on_agent(agent: &str, action: ControlAction) -> ControlRequest {
        ControlRequest {
            on: Subject::Agent {
                agent: agent.into(),
            },
            action,
        }
    }

    /// The call acted on, if a call's.
    pub fn session(&self) -> Option<&str> {
        match &self.on {
            Subject::Party { session, .. } => Some(session),
            Subject::Agent { .. } => None,
        }
    }

    /// The party or agent acted on (its id).
    pub fn target_id(&self) -> &str {
        match &self.on {
            Subject::Party { party, .. } => party,
            Subject::Agent { agent } => agent,
        }
    }

    /// The key of this request among those running: the call's id, or `agent:ID`
    /// (one request at a time per call or agent).
    pub fn key(&self) -> String {
        match &self.on {
            Subject::Party { session, .. } => session.clone(),
            Subject::Agent { agent } => format!("agent:{agent}"),
        }
    }

    /// The audit trail's line for sending it: `→ hold (party p-2)`.
    pub fn audit_sent(&self) -> String {
        let kind = match self.on {
            Subject::Party { .. } => "party",
            Subject::Agent { .. } => "agent",
        };
        format!("→ {} ({kind} {})", self.action.verb(), self.target_id())
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod verb_table;
