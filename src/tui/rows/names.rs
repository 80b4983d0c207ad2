//! Agents and queues as the views name them, an agent's place in the agents view, and
//! the case-blind text match every filter uses.

use crate::core::center::{Agent, Queue};
use crate::wire::presence::AgentState;
use crate::wire::Ts;

/// True when `hay` contains `needle` (already lower case) whatever the case: ASCII is
/// compared in place; anything else is lower-cased first.
pub(crate) fn has_text(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if hay.is_ascii() && needle.is_ascii() {
        let n = needle.as_bytes();
        return hay
            .as_bytes()
            .windows(n.len())
            .any(|w| w.eq_ignore_ascii_case(n));
    }
    hay.to_lowercase().contains(needle)
}

/// An agent as a view names it: `name ext`, or what of them is known.
pub fn agent_name(a: &Agent) -> String {
    match (&a.name, &a.extension_number) {
        (Some(n), Some(x)) => format!("{n} {x}"),
        (Some(n), None) => n.clone(),
        (None, Some(x)) => format!("ext {x}"),
        (None, None) => format!("id {}", a.id),
    }
}

/// A queue as a view names it: its name, else its extension number, else its id.
pub fn queue_name(q: &Queue) -> String {
    match (&q.name, &q.extension_number) {
        (Some(n), _) => n.clone(),
        (None, Some(x)) => format!("queue {x}"),
        (None, None) => format!("queue {}", q.id),
    }
}

/// The order of states in the agents view: those needing a supervisor first.
pub fn agent_rank(state: Option<AgentState>) -> u8 {
    match state {
        Some(AgentState::Ringing) => 0,
        Some(AgentState::OnHold) => 1,
        Some(AgentState::Parked) => 2,
        Some(AgentState::OnCall) => 3,
        Some(AgentState::Available) => 4,
        None => 5,
        Some(AgentState::Busy) => 6,
        Some(AgentState::OffQueue) => 7,
        Some(AgentState::Dnd) => 8,
        Some(AgentState::Offline) => 9,
    }
}

/// Where an agent goes in the agents view: by state (see [`agent_rank`]), then longest
/// in it first (the earliest change first; unknown last), then name, then id. Read
/// from the agent alone, not the clock.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct AgentKey {
    rank: u8,
    unknown: bool,
    since: Option<Ts>,
    name: Option<String>,
    pub id: String,
}

impl AgentKey {
    pub fn of(a: &Agent) -> AgentKey {
        let (state, since) = a.status();
        AgentKey {
            rank: agent_rank(state),
            unknown: since.is_none(),
            since,
            name: a.name.clone(),
            id: a.id.clone(),
        }
    }
}

impl AsRef<str> for AgentKey {
    fn as_ref(&self) -> &str {
        &self.id
    }
}
