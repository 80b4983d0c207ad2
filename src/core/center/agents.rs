//! Agents from calls: an agent's live calls (followed party by party, with the peer's
//! label), its figures, and extensions followed before they are agents.

use super::*;
use crate::wire::notification::{join_label, label_parts};

/// Sets `peer` to the label of `e` (`name number`, else either, else the extension id)
/// unless it is empty; `key` is a hash of what it was made from, so an unchanged end
/// costs no read of the label, and a label is built only when it changed.
pub(super) fn put_label(peer: &mut Option<String>, key: &mut u64, e: Option<&EndpointView<'_>>) {
    use std::hash::BuildHasher;
    let Some(e) = e else {
        return;
    };
    let (head, tail) = label_parts(
        e.name.as_deref(),
        e.phone_number.as_deref(),
        e.extension_id.as_deref(),
    );
    let made_from = foldhash::fast::FixedState::default().hash_one((head, tail));
    if *key == made_from && peer.is_some() {
        return;
    }
    *key = made_from;
    let same = match (peer.as_deref(), tail) {
        (Some(old), None) => old == head,
        (Some(old), Some(tail)) => {
            old.len() == head.len() + 1 + tail.len()
                && old.starts_with(head)
                && old.as_bytes()[head.len()] == b' '
                && old.ends_with(tail)
        }
        (None, _) => false,
    };
    if same || (head.is_empty() && tail.is_none()) {
        return;
    }
    *peer = Some(join_label(head, tail));
}

/// How a party's update was heard: when, whether it counts in the figures, whether
/// calltop saw it happen (an event) or found it so (a REST snapshot).
#[derive(Clone, Copy)]
pub(super) struct Heard {
    pub at: Ts,
    pub counted: bool,
    pub seen: bool,
}

/// Keeps one live party of an agent (`queues`, to name an agent leg's queue).
pub(super) fn follow(
    a: &mut Agent,
    queues: &Queues,
    sid: &str,
    t: &Track,
    p: &PartyView<'_>,
    Heard { at, counted, seen }: Heard,
) {
    let Some(code) = t.code.as_ref() else {
        return;
    };
    let i = match a.calls.iter().position(|c| c.party_fp == t.fp) {
        Some(i) => i,
        None => {
            a.calls.push(AgentCall {
                session: sid.to_string(),
                party: p.id.to_string(),
                party_fp: t.fp,
                code: code.clone(),
                since: at,
                since_unseen: !seen,
                direction: None,
                peer: None,
                peer_key: 0,
                queue: match t.role {
                    Role::Leg(q) => queues.by_key(q).map(|q| q.id.clone()),
                    _ => None,
                },
                counted,
                first: t.first,
            });
            a.calls.len() - 1
        }
    };
    // The call stops making the agent what it made it: a caller beginning a message in
    // the mailbox (the call no longer occupies it), or a less busy state (parked, held).
    let was = &a.calls[i].code;
    let less = in_mailbox(code) || TelephonyState::of(code) < TelephonyState::of(was);
    if less && !in_mailbox(was) {
        let was = was.clone();
        a.stopped(t.fp, &was, at, seen);
    }
    let c = &mut a.calls[i];
    if &c.code != code {
        // Set up, then alerting: one ring, from its start.
        let ringing = |k| TelephonyState::of(k) == TelephonyState::Ringing;
        if !(ringing(&c.code) && ringing(code)) {
            c.since = at;
            c.since_unseen = !seen;
        }
        c.code = code.clone();
    }
    if let Some(d) = &p.direction {
        let end = match d {
            Direction::Inbound => p.from.as_ref(),
            _ => p.to.as_ref(),
        };
        put_label(&mut c.peer, &mut c.peer_key, end);
        if c.direction.as_ref() != Some(d) {
            c.direction = Some(d.clone());
        }
    }
}

/// Agent `key`, or the candidate of that extension.
pub(super) fn person_mut<'a>(
    agents: &'a mut Agents,
    candidates: &'a mut Agents,
    key: u64,
) -> Option<&'a mut Agent> {
    match agents.by_key_mut(key) {
        Some(a) => Some(a),
        None => candidates.by_key_mut(key),
    }
}

/// Agent `id`, made one (from its candidate, with what it was followed for, if any).
pub(super) fn promote<'a>(
    agents: &'a mut Agents,
    candidates: &'a mut Agents,
    id: &str,
) -> &'a mut Agent {
    if !agents.contains_key(id) {
        if let Some(c) = candidates.remove(id) {
            agents.0.insert(fingerprint(id), c);
        }
    }
    agents.entry(id)
}

/// The agent of a call (see [`Session::agent_party`](crate::core::Session::agent_party)) and what the directory knows of it: the
/// board's Agent column, the history's and the report's `agent` all come from here.
#[derive(Clone, Copy, Debug)]
pub struct CallAgent<'a> {
    /// The agent's party on the call.
    pub party: &'a PartyState,
    /// The directory's agent of that extension, when it knows one.
    pub known: Option<&'a Agent>,
}

impl<'a> CallAgent<'a> {
    /// The agent's extension id.
    pub fn extension_id(&self) -> Option<&'a str> {
        self.party.extension_id.text()
    }

    /// The agent's extension number, from the directory.
    pub fn extension_number(&self) -> Option<&'a str> {
        self.known.and_then(|a| a.extension_number.as_deref())
    }

    /// The directory's name of the agent, else the name the call gives its own end.
    pub fn name(&self) -> Option<&'a str> {
        self.known
            .and_then(|a| a.name.as_deref())
            .or_else(|| self.party.own_end().name.text())
    }
}

impl Center {
    /// Changes the figures of the party's agent, when the party counts in this epoch.
    pub(super) fn agent_figures(&mut self, t: &Track, change: impl FnOnce(&mut AgentFigures)) {
        if t.counted != Some(self.epoch) {
            return;
        }
        let Some(key) = t.ext else {
            return;
        };
        let Some(a) = person_mut(&mut self.agents, &mut self.candidates, key) else {
            return;
        };
        let before = a.figures;
        change(&mut a.figures);
        let delta = a.figures.since(&before);
        let queue = match t.role {
            Role::Leg(q) => Some(q),
            _ => None,
        };
        self.effect(Effect::Agent {
            key,
            epoch: self.epoch,
            delta,
            at: t.first,
            queue,
        });
    }

    /// Keeps the live calls of the party's agent: agents are created from events when
    /// an agent leg rings them or a party of theirs is answered. `snapshot`: heard from a
    /// REST snapshot; `midway`: first heard already past its start, in a call not heard
    /// from its start (in both, when its state began was not seen).
    pub(super) fn person(
        &mut self,
        sid: &str,
        t: &Track,
        p: &PartyView<'_>,
        at: Ts,
        answered: bool,
        (snapshot, midway): (bool, bool),
    ) {
        let Some(key) = t.ext else {
            return;
        };
        if t.ended {
            return self.leave(t, at, !snapshot);
        }
        if matches!(t.role, Role::QueueParty(_)) {
            return;
        }
        let heard = Heard {
            at,
            counted: t.counted == Some(self.epoch),
            seen: !snapshot && !midway,
        };
        // Agents and other extensions are apart: a known agent is no other extension.
        if let Some(a) = self.agents.by_key_mut(key) {
            follow(a, &self.queues, sid, t, p, heard);
            return self.agent_changed(key);
        }
        // Not an agent yet: the event names the extension (the one the track is keyed by).
        let Some(ext) = p.extension_id.as_deref().filter(|e| fingerprint(e) == key) else {
            return;
        };
        if self.others.contains_key(ext) {
            return;
        }
        if matches!(t.role, Role::Leg(_)) || answered {
            let a = promote(&mut self.agents, &mut self.candidates, ext);
            follow(a, &self.queues, sid, t, p, heard);
            self.directory_changed();
            self.restated(key);
        } else {
            follow(self.candidates.entry(ext), &self.queues, sid, t, p, heard);
        }
    }

    /// The party left at `at` (`seen`: calltop heard it leave): it is no agent's live
    /// call any more.
    pub(super) fn leave(&mut self, t: &Track, at: Ts, seen: bool) {
        let Some(key) = t.ext else {
            return;
        };
        let Some(a) = person_mut(&mut self.agents, &mut self.candidates, key) else {
            return;
        };
        if let Some(i) = a.calls.iter().position(|c| c.party_fp == t.fp) {
            let gone = a.calls.remove(i);
            // The latest end of any party, not the end heard last: calls that overlapped
            // may end heard in either order, and idle starts at the later end. A message
            // left in the mailbox ending occupied no one.
            if !in_mailbox(&gone.code) {
                a.stopped(t.fp, &gone.code, at, seen);
            }
            self.agent_changed(key);
        }
    }
}
