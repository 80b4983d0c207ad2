//! Order safety inside a call: what a call changes in the figures is kept as effects, so
//! that when one of its events is heard out of order (an older sequence than one already
//! applied; not a repeat) the call is undone and applied again from its parties' status
//! changes in sequence order, as if heard in order. A call known from a REST snapshot or
//! closed by a reconcile is fixed (not rebuilt: what it was built from is not in its
//! events), as is one the store no longer holds.

use super::{AgentFigures, Call, Center, QueueFigures, Slot, Update};
use crate::core::party::{EndpointState, PartyState, Sequenced, Short, StatusChange};
use crate::core::tombstones::fingerprint;
use crate::wire::view::{EndpointView, PartyView, StatusView};
use crate::wire::Ts;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// One change a call made to the figures.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) enum Effect {
    /// To the figures of agent `key` in epoch `epoch`.
    /// `at`: when its party started; `queue`: of an agent leg.
    Agent {
        key: u64,
        epoch: u32,
        delta: AgentFigures,
        #[serde(default)]
        at: Ts,
        #[serde(default)]
        queue: Option<u64>,
    },
    /// To the figures of queue `key` in epoch `epoch` (the longest wait apart); `at`:
    /// when its entry entered.
    Queue {
        key: u64,
        epoch: u32,
        delta: QueueFigures,
        #[serde(default)]
        at: Ts,
    },
    /// A wait that left queue `key` (entered at `at`): a candidate for its longest.
    Waited {
        key: u64,
        epoch: u32,
        #[serde(default)]
        at: Ts,
    },
    /// The call waited in queue `key`.
    Entered { key: u64 },
}

impl AgentFigures {
    /// What `self` has more than `before` (figures only grow while a call is applied).
    pub(super) fn since(&self, before: &AgentFigures) -> AgentFigures {
        AgentFigures {
            offers: self.offers - before.offers,
            handled: self.handled - before.handled,
            missed: self.missed - before.missed,
            unanswered: self.unanswered - before.unanswered,
            talk_ms: self.talk_ms - before.talk_ms,
            hold_ms: self.hold_ms - before.hold_ms,
            all_talk_ms: self.all_talk_ms - before.all_talk_ms,
            all_hold_ms: self.all_hold_ms - before.all_hold_ms,
        }
    }

    pub(super) fn add(&mut self, d: &AgentFigures) {
        self.offers += d.offers;
        self.handled += d.handled;
        self.missed += d.missed;
        self.unanswered += d.unanswered;
        self.talk_ms += d.talk_ms;
        self.hold_ms += d.hold_ms;
        self.all_talk_ms += d.all_talk_ms;
        self.all_hold_ms += d.all_hold_ms;
    }

    pub(super) fn take_back(&mut self, d: &AgentFigures) {
        self.offers = self.offers.saturating_sub(d.offers);
        self.handled = self.handled.saturating_sub(d.handled);
        self.missed = self.missed.saturating_sub(d.missed);
        self.unanswered = self.unanswered.saturating_sub(d.unanswered);
        self.talk_ms -= d.talk_ms;
        self.hold_ms -= d.hold_ms;
        self.all_talk_ms -= d.all_talk_ms;
        self.all_hold_ms -= d.all_hold_ms;
    }
}

impl QueueFigures {
    /// What `self` has more than `before`, its longest wait apart (see [`Effect::Waited`]).
    pub(super) fn since(&self, before: &QueueFigures) -> QueueFigures {
        QueueFigures {
            offered: self.offered - before.offered,
            answered: self.answered - before.answered,
            answered_within_sla: self.answered_within_sla - before.answered_within_sla,
            abandoned: self.abandoned - before.abandoned,
            abandoned_over_threshold: self.abandoned_over_threshold
                - before.abandoned_over_threshold,
            voicemail: self.voicemail - before.voicemail,
            overflow: self.overflow - before.overflow,
            unknown: self.unknown - before.unknown,
            answer_wait_ms: self.answer_wait_ms - before.answer_wait_ms,
            abandon_wait_ms: self.abandon_wait_ms - before.abandon_wait_ms,
            longest_wait_ms: 0,
            joined: self.joined - before.joined,
        }
    }

    pub(super) fn add(&mut self, d: &QueueFigures) {
        self.offered += d.offered;
        self.answered += d.answered;
        self.answered_within_sla += d.answered_within_sla;
        self.abandoned += d.abandoned;
        self.abandoned_over_threshold += d.abandoned_over_threshold;
        self.voicemail += d.voicemail;
        self.overflow += d.overflow;
        self.unknown += d.unknown;
        self.answer_wait_ms += d.answer_wait_ms;
        self.abandon_wait_ms += d.abandon_wait_ms;
        self.joined += d.joined;
    }

    pub(super) fn take_back(&mut self, d: &QueueFigures) {
        self.offered = self.offered.saturating_sub(d.offered);
        self.answered = self.answered.saturating_sub(d.answered);
        self.answered_within_sla = self
            .answered_within_sla
            .saturating_sub(d.answered_within_sla);
        self.abandoned = self.abandoned.saturating_sub(d.abandoned);
        self.abandoned_over_threshold = self
            .abandoned_over_threshold
            .saturating_sub(d.abandoned_over_threshold);
        self.voicemail = self.voicemail.saturating_sub(d.voicemail);
        self.overflow = self.overflow.saturating_sub(d.overflow);
        self.unknown = self.unknown.saturating_sub(d.unknown);
        self.answer_wait_ms -= d.answer_wait_ms;
        self.abandon_wait_ms -= d.abandon_wait_ms;
        self.joined = self.joined.saturating_sub(d.joined);
    }
}

/// The party as one of its status changes left it, for applying it again: the party's
/// merged fields (ids, direction, ends, queue and missed flags) with that change's status.
fn party_at<'a>(p: &'a PartyState, m: &StatusChange) -> PartyView<'a> {
    fn text(s: &Sequenced<Short>) -> Option<Cow<'_, str>> {
        s.text().map(Cow::Borrowed)
    }
    fn end(e: &EndpointState) -> EndpointView<'_> {
        EndpointView {
            phone_number: text(&e.phone_number),
            name: text(&e.name),
            extension_id: text(&e.extension_id),
            device_id: text(&e.device_id),
        }
    }
    PartyView {
        id: Cow::Borrowed(p.id.as_str()),
        extension_id: text(&p.extension_id),
        direction: p.direction.get().cloned(),
        from: Some(end(&p.from)),
        to: Some(end(&p.to)),
        status: m.code.clone().map(|code| StatusView {
            description: None,
            park_data: None,
            code,
            reason: m.reason.clone(),
            peer_id: None,
            mobile_pickup_data: None,
            rcc: None,
        }),
        queue_call: p.queue_call.get().copied(),
        missed_call: p.missed_call.get().copied(),
        ..Default::default()
    }
}

impl Center {
    /// Whether the call of session `sid` (`slot`) can be rebuilt from its parties: one
    /// followed from its events (in progress, or over while the store holds it).
    pub(crate) fn rebuildable(&mut self, slot: &mut super::CallSlot, sid: &str) -> bool {
        if let Slot::Unknown = slot.0 {
            if let Some(s) = self.adopt(sid) {
                slot.0 = s;
            }
        }
        match &slot.0 {
            Slot::Live(call) => !call.fixed,
            Slot::Over(effects) => effects.is_some(),
            Slot::Unknown => false,
        }
    }

    /// Rebuilds the call of session `sid` (`slot`, [`rebuildable`](Self::rebuildable))
    /// after an event heard out of order was merged into its `parties`: what the call
    /// changed is undone, then its parties' status changes are applied in sequence order,
    /// up to where the call was over, as if heard in order (`at`: the event's time, which
    /// moves the figures' window on as any event's does).
    pub(crate) fn rebuild_in(
        &mut self,
        slot: &mut super::CallSlot,
        sid: &str,
        parties: &[PartyState],
        at: Ts,
    ) {
        self.roll(at);
        let (effects, tracks) = match std::mem::take(&mut slot.0) {
            Slot::Live(call) => (call.effects, call.parties),
            Slot::Over(Some(effects)) => (effects, Vec::new()),
            other => {
                slot.0 = other;
                return;
            }
        };
        self.undo(sid, &effects, &tracks);
        // What its parties' ends told their agents is told again in order.
        for p in parties {
            let key = p.extension_id.get().map(|e| fingerprint(e));
            let agent =
                key.and_then(|k| super::person_mut(&mut self.agents, &mut self.candidates, k));
            if let Some(a) = agent {
                a.unstop(fingerprint(&p.id));
            }
        }
        let mut marks: Vec<(i64, usize, usize)> = parties
            .iter()
            .enumerate()
            .flat_map(|(pi, p)| {
                p.history
                    .iter()
                    .enumerate()
                    .filter(|(_, m)| !m.synthetic)
                    .map(move |(mi, m)| (m.seq, pi, mi))
            })
            .collect();
        marks.sort_unstable();
        let mut call: Option<Call> = None;
        let mut time = None;
        for (seq, pi, mi) in marks {
            let (p, m) = (&parties[pi], &parties[pi].history[mi]);
            // A change with no time takes the time before it (as heard, it took its
            // arrival, which is not kept).
            time = m.at.or(time);
            let Some(at) = time else {
                continue;
            };
            let view = party_at(p, m);
            let u = Update {
                party: &view,
                seq: Some(seq),
                at,
                snapshot: false,
                created: None,
            };
            let c = call.get_or_insert_with(|| Call::starting(&u));
            if self.update_call(sid, c, &u) {
                let c = call.take().unwrap_or_default();
                slot.0 = Slot::Over(Some(c.effects));
                return;
            }
        }
        slot.0 = call.map_or(Slot::Unknown, Slot::Live);
    }

    /// Takes back what a call changed (`effects`) and its parties' (`tracks`) live calls.
    fn undo(&mut self, sid: &str, effects: &[Effect], tracks: &[super::Track]) {
        let call = fingerprint(sid);
        for e in effects {
            if let Some(iv) = self.intervals.as_deref_mut() {
                iv.take_back(e, self.epoch, call);
            }
            match *e {
                Effect::Agent {
                    key, epoch, delta, ..
                } if epoch == self.epoch => {
                    if let Some(a) = super::person_mut(&mut self.agents, &mut self.candidates, key)
                    {
                        a.figures.take_back(&delta);
                        self.agent_changed(key);
                    }
                }
                Effect::Queue {
                    key, epoch, delta, ..
                } if epoch == self.epoch => {
                    if let Some(q) = self.queues.by_key_mut(key) {
                        q.figures.take_back(&delta);
                    }
                }
                Effect::Waited { key, epoch, .. } if epoch == self.epoch => {
                    if let Some(q) = self.queues.by_key_mut(key) {
                        q.unwait(call);
                    }
                }
                Effect::Entered { key } => {
                    if let Some(q) = self.queues.by_key_mut(key) {
                        q.waiting.retain(|w| !w.is(call, sid));
                    }
                }
                _ => {}
            }
        }
        for t in tracks {
            let Some(key) = t.ext else {
                continue;
            };
            if let Some(a) = super::person_mut(&mut self.agents, &mut self.candidates, key) {
                let before = a.calls.len();
                a.calls.retain(|c| c.party_fp != t.fp);
                if a.calls.len() != before {
                    self.agent_changed(key);
                }
            }
        }
    }

    /// A call is over for good (no longer rebuilt): its waits become part of its queues'
    /// longest for good.
    pub(super) fn seal(&mut self, call: u64, effects: &[Effect]) {
        for e in effects {
            if let Some(iv) = self.intervals.as_deref_mut() {
                iv.seal(e, self.epoch, call);
            }
            if let Effect::Waited { key, epoch, .. } = *e {
                if epoch == self.epoch {
                    if let Some(q) = self.queues.by_key_mut(key) {
                        q.seal(call);
                    }
                }
            }
        }
    }
}

impl super::Queue {
    /// A wait of call `call` that left at `wait` ms: the longest so far, undone with the
    /// call until it is sealed.
    pub(super) fn waited(&mut self, call: u64, wait: i64) {
        if wait > self.longest_sealed {
            self.undoable_waits.push((call, wait));
        }
        self.figures.longest_wait_ms = self.figures.longest_wait_ms.max(wait);
    }

    pub(super) fn unwait(&mut self, call: u64) {
        self.undoable_waits.retain(|(c, _)| *c != call);
        self.figures.longest_wait_ms = self
            .undoable_waits
            .iter()
            .map(|(_, w)| *w)
            .fold(self.longest_sealed, i64::max);
    }

    pub(super) fn seal(&mut self, call: u64) {
        for (_, w) in self.undoable_waits.iter().filter(|(c, _)| *c == call) {
            self.longest_sealed = self.longest_sealed.max(*w);
        }
        let sealed = self.longest_sealed;
        self.undoable_waits
            .retain(|(c, w)| *c != call && *w > sealed);
    }
}
