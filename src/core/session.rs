//! A call session: its parties, its timeline, and whether it has ended.

use super::center::{CallAgent, CallSlot, Center, Queue};
use super::party::{Changes, Delivery, PartyState};
use super::timers::{Bucket, CallTimes, Running};
use crate::wire::{Direction, OriginType, Reason, StatusCode, Ts};
use smallvec::SmallVec;

/// The most timeline entries one session keeps (older ones are dropped and counted).
pub const TIMELINE_CAP: usize = 200;

/// What a timeline entry records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A notification for one party.
    Event {
        party: u16,
        code: Option<StatusCode>,
        reason: Option<Reason>,
        changes: Changes,
        delivery: Delivery,
    },
    /// A snapshot from REST or presence (seeding / reconciling).
    Snapshot {
        party: u16,
        code: Option<StatusCode>,
    },
    /// A control action or its result (the audit trail).
    Audit(String),
}

/// One line of a session's timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelineEntry {
    /// When calltop received it (stream clock in replay).
    pub received: Ts,
    pub seq: Option<i64>,
    /// The event's `eventTime`.
    pub at: Option<Ts>,
    pub kind: EntryKind,
}

/// One status change of a call, as [`Session::call_split`] walks them: when, its
/// sequence, the party's index and the change's index in the party's history (a
/// quarter of the change's own size to sort and move).
type Change = (Ts, i64, u32, u32);

/// A telephony session as the store knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub id: String,
    /// Legacy numeric session id.
    pub session_id: Option<String>,
    pub server_id: Option<String>,
    pub origin: Option<OriginType>,
    /// Parties in order of first appearance.
    pub parties: Vec<PartyState>,
    pub timeline: Vec<TimelineEntry>,
    /// Timeline entries dropped past [`TIMELINE_CAP`].
    pub timeline_dropped: u32,
    /// Newest sequence seen in the session.
    pub max_seq: i64,
    /// Earliest `eventTime` seen.
    pub start: Option<Ts>,
    /// When calltop first heard of the session.
    pub first_seen: Ts,
    /// When calltop last heard of it.
    pub last_seen: Ts,
    /// All parties have left (Disconnected / Gone).
    pub ended: bool,
    /// When the session was seen to end (for retention).
    pub ended_seen: Option<Ts>,
    /// It ended while calltop was disconnected: reconciling found it gone, so its
    /// parties were closed when it was last known and its outcome is what the events
    /// before the outage show, if anything.
    pub ended_unseen: bool,
    /// Heard in a fragment of a stream ([`super::StoreConfig::fragment`]): a state still
    /// open where the input ends has no known length.
    pub fragment: bool,
    /// The contact center's part of the call (not packed: a keyframe keeps it with the
    /// center).
    pub(crate) center: CallSlot,
}

/// Party ids of one call share their long prefix (`p-<session>-1`, `p-<session>-2`):
/// compared from their last byte, another party's is told apart without reading the rest.
fn same_party(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes().last() == b.as_bytes().last() && a == b
}

impl Session {
    /// The account of the call: its parties' (a board over several accounts shows it
    /// and sends control requests to that account's relay).
    pub fn account(&self) -> Option<&str> {
        self.parties.iter().find_map(|p| p.account_id.text())
    }

    /// The newest time an event of this call states (`None`: no event time): when the
    /// call was last heard of.
    pub fn newest_event(&self) -> Option<Ts> {
        self.parties
            .iter()
            .filter_map(|p| p.history.iter().filter_map(|m| m.at).max())
            .max()
    }

    /// An empty session first heard of at `now`.
    pub fn new(id: String, now: Ts) -> Session {
        Session {
            id,
            session_id: None,
            server_id: None,
            origin: None,
            parties: Vec::new(),
            timeline: Vec::new(),
            timeline_dropped: 0,
            max_seq: i64::MIN,
            start: None,
            first_seen: now,
            last_seen: now,
            ended: false,
            ended_seen: None,
            ended_unseen: false,
            fragment: false,
            center: CallSlot::default(),
        }
    }

    /// Index of a party, adding it if new.
    pub(crate) fn party_index(&mut self, id: &str) -> usize {
        match self.parties.iter().position(|p| same_party(&p.id, id)) {
            Some(i) => i,
            None => {
                // A queue's call has three parties (the caller, the queue, the agent who
                // answers): room for them on the first, so the third does not copy the two
                // (728 bytes each) into a vector of four.
                if self.parties.is_empty() {
                    self.parties.reserve_exact(3);
                }
                self.parties.push(PartyState::new(id.to_string()));
                self.parties.len() - 1
            }
        }
    }

    /// Parties in call order (by their first sequence, then id): the same whatever
    /// order the events arrived in.
    pub fn parties_ordered(&self) -> Vec<&PartyState> {
        let mut v: Vec<&PartyState> = self.parties.iter().collect();
        v.sort_by_key(|p| (p.history.first().map_or(i64::MAX, |m| m.seq), p.id.as_str()));
        v
    }

    /// Finds a party by id.
    pub fn party(&self, id: &str) -> Option<&PartyState> {
        self.parties.iter().find(|p| same_party(&p.id, id))
    }

    pub(crate) fn push_timeline(&mut self, e: TimelineEntry) {
        if self.timeline.len() >= TIMELINE_CAP {
            self.timeline.remove(0);
            self.timeline_dropped += 1;
        }
        self.timeline.push(e);
    }

    /// True when every known party has left the call.
    pub(crate) fn all_parties_gone(&self) -> bool {
        !self.parties.is_empty() && self.parties.iter().all(PartyState::is_terminal)
    }

    /// When the call ended: the latest final status change among its parties.
    pub fn end(&self) -> Option<Ts> {
        if !self.ended {
            return None;
        }
        self.parties.iter().filter_map(PartyState::since).max()
    }

    /// The clock a state still open is timed to at `now`: `now` while the call is in
    /// progress, its end once it ended (a party still ringing when the caller hung up
    /// stops there); `None` in a [fragment](Session::fragment), where how long it lasted
    /// is not known.
    pub fn clock(&self, now: Ts) -> Option<Ts> {
        if self.ended {
            return self.end();
        }
        (!self.fragment).then_some(now)
    }

    /// Call length: start to end, or to `now` while active ([`Session::clock`]); `None`
    /// when not known (in a fragment, or the call was heard from part way through).
    pub fn duration_ms(&self, now: Ts) -> Option<i64> {
        if self.heard_midway() {
            return None;
        }
        Some(self.start?.millis_until(self.clock(now)?))
    }

    /// Sequence gaps: how many runs of sequence numbers are missing between the
    /// lowest and the newest seen (2, 3, 8: one gap) — events calltop never heard.
    pub fn gaps(&self) -> u32 {
        let mut seqs: Vec<i64> = self
            .parties
            .iter()
            .flat_map(|p| p.history.iter().filter(|m| !m.synthetic).map(|m| m.seq))
            .collect();
        seqs.sort_unstable();
        seqs.dedup();
        seqs.windows(2).filter(|w| w[1] > w[0] + 1).count() as u32
    }

    /// The caller hung up before anyone answered (not by handing the call on), and the
    /// parties still in the call were only being set up or ringing: the call is over
    /// although their own ends were not heard (they ring for nobody).
    pub(crate) fn caller_left_unanswered(&self) -> bool {
        let Some(caller) = self.caller() else {
            return false;
        };
        let left = caller.history.iter().rev().find(|m| m.code.is_some());
        caller.direction.get() == Some(&Direction::Outbound)
            && self.parties.len() > 1
            && left.is_some_and(|m| {
                m.code.as_ref().is_some_and(StatusCode::is_terminal)
                    && !m.reason.as_ref().is_some_and(Reason::is_transfer)
            })
            && self.parties.iter().filter(|p| p.id != caller.id).all(|p| {
                !p.ever(&StatusCode::Answered)
                    && (p.is_terminal()
                        || matches!(p.code(), Some(StatusCode::Setup | StatusCode::Proceeding)))
            })
    }

    /// The party that started the call: the first Outbound party, else the first.
    pub fn caller(&self) -> Option<&PartyState> {
        self.parties
            .iter()
            .find(|p| p.direction.get() == Some(&Direction::Outbound))
            .or(self.parties.first())
    }

    /// The call as its caller lived it, at `now`: ring = waiting before the first
    /// answer (or until the caller left unanswered), talk = connected to someone who
    /// answered, hold = on hold or parked. See [`Session::call_split`].
    pub fn call_figures(&self, now: Ts) -> CallTimes {
        CallTimes::at(self.call_split(), Some(now))
    }

    /// A party's figures at `now`, timed to [`Session::clock`].
    pub fn party_figures(&self, p: &PartyState, now: Ts) -> CallTimes {
        CallTimes::of(&p.history, self.clock(now), self.joined(p))
    }

    /// The call was heard from part way through: the earliest change calltop heard of
    /// it (not from a snapshot) was already past a call's start (not `Setup` or
    /// `Proceeding`), so how its time went before was not seen.
    pub fn heard_midway(&self) -> bool {
        !self.seeded()
            && self
                .parties
                .iter()
                .filter_map(|p| {
                    p.history
                        .iter()
                        .find(|m| m.code.is_some() && m.at.is_some())
                })
                .min_by_key(|m| (m.at, m.seq))
                .is_some_and(|m| !m.code.as_ref().is_some_and(StatusCode::is_start))
    }

    /// A party was first learned of by snapshot (its first status change is synthetic).
    fn seeded(&self) -> bool {
        self.parties.iter().any(|p| {
            p.history
                .iter()
                .find(|m| m.code.is_some())
                .is_some_and(|m| m.synthetic)
        })
    }

    /// Party `p` was first heard past its start in a call heard from part way through
    /// ([`CallTimes::split`]'s `joined`).
    pub fn joined(&self, p: &PartyState) -> bool {
        let first = p.history.iter().find(|m| m.code.is_some());
        first.is_some_and(|m| !m.code.as_ref().is_some_and(StatusCode::is_start))
            && self.heard_midway()
    }

    /// Call-level figures of the finished intervals, and the call's running state.
    /// The parties' status changes are walked in `eventTime` order; between two changes
    /// the call is *held* while any party still in it is on Hold or Parked, else
    /// *talking* while a party other than the caller ([`Session::caller`]) is
    /// Answered, else *ringing* until the first answer (Answered or voicemail) by a
    /// party other than the caller (IVR menus and queue greetings, which answer the
    /// caller's own leg, count as waiting), else nothing (a transfer between
    /// agents). A call seen through one party only is timed on that party. Time stops
    /// when the caller leaves (unless by transferring the call) or every party has.
    /// As for a party ([`CallTimes::split`]), a call with a party first learned of by
    /// snapshot, or heard from part way through ([`Session::heard_midway`]), has every
    /// figure unknown (a state it was first heard in is a lower bound), and the state
    /// still open at the end of a [fragment](Session::fragment) has an unknown length
    /// (no running state).
    pub fn call_split(&self) -> (CallTimes, Option<Running>) {
        let seeded = self.seeded();
        let caller = self.caller();
        let solo = self.parties.len() < 2;
        // Whether each party counts as answering: the caller is one of the parties.
        let answering: SmallVec<[bool; 4]> = self
            .parties
            .iter()
            .map(|p| solo || !caller.is_some_and(|c| std::ptr::eq(c, p)))
            .collect();
        let answers = |i: usize| answering[i];
        // On the stack: a call's changes are few, and this runs per session per rebuild.
        let mut changes: SmallVec<[Change; 12]> = SmallVec::new();
        for (i, p) in self.parties.iter().enumerate() {
            changes.extend(p.history.iter().enumerate().filter_map(|(j, m)| {
                m.code.as_ref()?;
                Some((m.at?, m.seq, i as u32, j as u32))
            }));
        }
        changes.sort_unstable();
        // Heard from part way through: the state it was first heard in began before.
        let midway = self.heard_midway();
        let first_at = changes.first().map(|c| c.0);
        let mut state: SmallVec<[Option<&StatusCode>; 4]> =
            smallvec::smallvec![None; self.parties.len()];
        let mut f = CallTimes {
            unknown: if seeded || midway { Bucket::ALL } else { 0 },
            ..CallTimes::default()
        };
        let mut cur: Option<Running> = None;
        let mut answered = false;
        for (at, _, i, j) in changes {
            let (i, m) = (i as usize, &self.parties[i as usize].history[j as usize]);
            let (code, reason, synthetic) = (
                m.code.as_ref().expect("kept"),
                m.reason.as_ref(),
                m.synthetic,
            );
            state[i] = Some(code);
            let answered_before = answered;
            answered |= answers(i)
                && matches!(
                    code,
                    StatusCode::Answered | StatusCode::Voicemail | StatusCode::VoicemailScreening
                );
            let caller_left =
                !answers(i) && code.is_terminal() && !reason.is_some_and(Reason::is_transfer);
            let over = caller_left || state.iter().all(|c| c.is_some_and(StatusCode::is_terminal));
            let live = || state.iter().flatten().filter(|c| !c.is_terminal());
            let talking =
                || (0..state.len()).any(|j| answers(j) && state[j] == Some(&StatusCode::Answered));
            let bucket = if live().any(|c| matches!(c, StatusCode::Hold | StatusCode::Parked)) {
                Bucket::Hold
            } else if talking() {
                Bucket::Talk
            } else if !answered {
                Bucket::Ring
            } else {
                Bucket::None
            };
            if over || cur.is_some_and(|r| r.bucket != bucket) {
                if let Some(r) = cur.take() {
                    // Left at a change learned by snapshot: when, and what came
                    // between, was not seen.
                    match synthetic {
                        true => f.unknown |= Bucket::unseen_gap(r.bucket, answered_before),
                        false => f.add(r.bucket, r.since.millis_until(at)),
                    }
                }
            }
            if over {
                return (f, None);
            }
            cur = cur.or(Some(Running {
                bucket,
                since: at,
                known: !(synthetic || (midway && Some(at) == first_at)),
            }));
        }
        match cur {
            Some(r) if self.fragment && !self.ended => {
                f.unknown |= r.bucket.bit();
                f.in_state_unknown = true;
                (f, None)
            }
            _ => (f, cur),
        }
    }

    /// How the call went (see [`Disposition`]).
    pub fn disposition(&self) -> Disposition {
        Disposition::of(self)
    }

    /// Queue name, from `uiCallInfo` or a queue party's `to.name`.
    pub fn queue(&self) -> Option<&str> {
        self.parties.iter().find_map(|p| {
            let info = p.ui_call_info.get().and_then(|u| u.primary.as_ref());
            match info {
                Some(i) if i.kind.as_deref() == Some("QueueName") => i.value.as_deref(),
                _ if p.queue_call.get() == Some(&true) => p.to.name.text(),
                _ => None,
            }
        })
    }

    /// Releases spare capacity once the call has ended (its timeline rarely grows
    /// again): a store that keeps every session (a report) holds ~0.7 KB less each.
    /// Every party of `ev` already has its event of sequence `seq` (a repeat).
    pub(crate) fn has_event(&self, ev: &crate::wire::SessionEventView<'_>, seq: i64) -> bool {
        ev.parties.iter().all(|p| {
            self.parties
                .iter()
                .find(|q| q.id == *p.id)
                .is_some_and(|q| {
                    q.history
                        .binary_search_by(|m| (m.seq, m.synthetic).cmp(&(seq, false)))
                        .is_ok()
                })
        })
    }

    pub(crate) fn trim(&mut self) {
        self.timeline.shrink_to_fit();
    }

    /// Keeps only what the history view and the figures need: the timeline is dropped
    /// (counted in `timeline_dropped`) and spare capacity released.
    pub(crate) fn compact(&mut self) {
        self.timeline_dropped += self.timeline.len() as u32;
        self.timeline = Vec::new();
        for p in &mut self.parties {
            p.compact();
        }
        self.parties.shrink_to_fit();
    }
}

impl Session {
    /// The timeline entry of event `seq` as party `idx` took it (`delivery`, what it
    /// changed), with the state the event set when it was applied.
    pub(crate) fn push_event_entry(
        &mut self,
        idx: usize,
        seq: i64,
        (delivery, changes): (Delivery, Changes),
        at: Option<Ts>,
        received: Ts,
    ) {
        let mark = (delivery != Delivery::Duplicate)
            .then(|| {
                self.parties[idx]
                    .history
                    .iter()
                    .find(|m| m.seq == seq && !m.synthetic)
            })
            .flatten();
        let kind = EntryKind::Event {
            party: idx as u16,
            code: mark.and_then(|m| m.code.clone()),
            reason: mark.and_then(|m| m.reason.clone()),
            changes,
            delivery,
        };
        self.push_timeline(TimelineEntry {
            received,
            seq: Some(seq),
            at,
            kind,
        });
    }
}

/// Who and where a call is, as the center knows its agents and queues.
impl Session {
    /// The agent of a call: the party of a user that answered last (after IVR and queue
    /// routing, and transfers); else the account's first party of a user still in the
    /// call.
    pub fn agent_party(&self) -> Option<&PartyState> {
        // A supervisor listening in (reason `Supervising`) is nobody's agent.
        let internal = |p: &&PartyState| {
            p.extension_id.get().is_some()
                && !p
                    .history
                    .iter()
                    .any(|m| m.reason == Some(Reason::Supervising))
        };
        let answered_at = |p: &PartyState| {
            p.history
                .iter()
                .find(|m| m.code == Some(StatusCode::Answered))
                .map(|m| (m.at, m.seq))
        };
        self.parties
            .iter()
            .filter(internal)
            .filter_map(|p| answered_at(p).map(|k| (k, p)))
            .max_by_key(|(k, _)| *k)
            .map(|(_, p)| p)
            .or_else(|| {
                self.parties
                    .iter()
                    .filter(internal)
                    .find(|p| !p.is_terminal())
            })
    }

    /// The agent who answered the call (the last to, after IVR and queue routing, and
    /// transfers); `None` while nobody has.
    pub fn agent_in<'a>(&'a self, center: &'a Center) -> Option<CallAgent<'a>> {
        let party = self.agent_party()?;
        party.ever(&StatusCode::Answered).then_some(())?;
        let known = party.extension_id.get().and_then(|e| center.agent(e));
        Some(CallAgent { party, known })
    }

    /// The queue of the call: where it waits now, else of its latest agent leg, else of
    /// its latest queue party (a call that overflowed is in the queue it went to).
    pub fn queue_in<'a>(&self, center: &'a Center) -> Option<&'a Queue> {
        if let Some((q, _)) = center.queued(&self.id) {
            return Some(q);
        }
        let leg = self.parties.iter().rev().find_map(|p| {
            (p.queue_call.get() == Some(&true))
                .then(|| p.to.extension_id.get())
                .flatten()
        });
        leg.or_else(|| {
            self.parties
                .iter()
                .rev()
                .filter_map(|p| p.extension_id.get())
                .find(|e| center.queue(e).is_some())
        })
        .and_then(|q| center.queue(q))
    }
}

/// How a call went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Disposition {
    /// Still going.
    Active,
    /// A callee answered.
    Answered,
    /// Rang out unanswered (timeout, rejected, missed).
    Missed,
    /// Went to voicemail.
    Voicemail,
    /// Moved on to another party by a transfer.
    Transferred,
    /// Ended while (or after being) parked.
    Parked,
    /// The caller hung up before anyone answered.
    Abandoned,
    /// Ended while calltop was disconnected, and the events before the outage don't
    /// show how (no answer, voicemail, transfer or park seen).
    Unknown,
}

impl Disposition {
    /// The display name.
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Active => "Active",
            Disposition::Answered => "Answered",
            Disposition::Missed => "Missed",
            Disposition::Voicemail => "Voicemail",
            Disposition::Transferred => "Transferred",
            Disposition::Parked => "Parked",
            Disposition::Abandoned => "Abandoned",
            Disposition::Unknown => "Unknown",
        }
    }

    /// Classifies a session (a pure function of its parties' histories).
    pub fn of(s: &Session) -> Disposition {
        if !s.ended {
            return Disposition::Active;
        }
        let marks = || s.parties.iter().flat_map(|p| p.history.iter());
        let voicemail = marks().any(|m| {
            matches!(
                m.code,
                Some(StatusCode::Voicemail | StatusCode::VoicemailScreening)
            ) || m.reason == Some(Reason::Voicemail)
        });
        if voicemail {
            return Disposition::Voicemail;
        }
        // A transfer hands on a call someone took; a party redirected before anyone
        // answered it (a queue overflowing, a forward) is routing, not a transfer.
        let transferred = s.parties.iter().any(|p| {
            p.ever(&StatusCode::Answered)
                && p.history
                    .iter()
                    .any(|m| m.reason.as_ref().is_some_and(Reason::is_transfer))
        });
        if transferred {
            return Disposition::Transferred;
        }
        // Parked, and nobody took the call back after.
        let parked = marks()
            .filter(|m| m.code == Some(StatusCode::Parked))
            .map(|m| m.seq)
            .max();
        if let Some(at) = parked {
            let picked_up = marks().any(|m| m.seq > at && m.code == Some(StatusCode::Answered));
            if !picked_up {
                return Disposition::Parked;
            }
        }
        let inbound =
            |p: &&super::party::PartyState| p.direction.get() != Some(&Direction::Outbound);
        if s.parties
            .iter()
            .filter(inbound)
            .any(|p| p.ever(&StatusCode::Answered))
        {
            return Disposition::Answered;
        }
        if s.ended_unseen {
            // Who left first is not known: the parties were closed by reconciling.
            return Disposition::Unknown;
        }
        if s.parties.iter().any(|p| p.missed_call.get() == Some(&true)) {
            return Disposition::Missed;
        }
        if s.heard_midway() {
            // Heard from part way through (a recording begun during it, calls not
            // loaded): it may have been answered before, so who left first says nothing.
            return Disposition::Unknown;
        }
        // Who left first: the caller (abandoned) or the callee (missed)? A party that
        // handed the call on (a queue overflowing) did not leave it.
        let first_gone = s
            .parties
            .iter()
            .filter_map(|p| {
                p.history
                    .iter()
                    .find(|m| m.code.as_ref().is_some_and(StatusCode::is_terminal))
                    .filter(|m| !m.reason.as_ref().is_some_and(Reason::is_transfer))
                    .map(|m| (m.seq, p))
            })
            .min_by_key(|(seq, _)| *seq);
        match first_gone {
            Some((_, p)) if p.direction.get() == Some(&Direction::Outbound) => {
                Disposition::Abandoned
            }
            _ => Disposition::Missed,
        }
    }
}
