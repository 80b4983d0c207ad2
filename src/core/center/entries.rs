//! Queue entries: a call entering a queue, waiting there, and its outcome (answered,
//! abandoned, voicemail, overflow) in the queue's figures.

use super::*;

/// How a call enters a queue: when, whether it was waiting when calltop joined, and
/// whether that time is only a bound.
pub(super) struct Entered {
    pub at: Ts,
    pub joined: bool,
    pub bound: bool,
}

impl Center {
    /// A queue party: its `Setup` enters the queue (a REST snapshot: joined); its
    /// `Disconnected` with reason `Voicemail` / `CallRedirected` ends the entry.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn queue_party(
        &mut self,
        sid: &str,
        entries: &mut Vec<Entry>,
        q: u64,
        t: &Track,
        u: &Update<'_>,
        new: bool,
        direct: bool,
    ) {
        let status = u.party.status.as_ref();
        let code = status.map(|s| &s.code);
        // An entry joined through an agent leg knows no party yet.
        let unclaimed = entries
            .iter()
            .position(|e| e.party.is_none() && e.queue == q);
        if new && code == Some(&StatusCode::Setup) {
            match unclaimed {
                Some(i) => entries[i].party = Some(t.fp),
                None => {
                    let party = Some(t.fp);
                    // Joined: the session began with this queue (nothing but the
                    // caller before it) at its `creationTime`, else at some unseen time.
                    let began = u.created.filter(|c| *c <= u.at && direct);
                    let (at, bound) = match (u.snapshot, began) {
                        (true, Some(c)) => (c, false),
                        (snapshot, _) => (u.at, snapshot),
                    };
                    let entry = Entered {
                        at,
                        joined: u.snapshot,
                        bound,
                    };
                    self.enter(sid, entries, q, party, t.counted, entry)
                }
            }
            return;
        }
        if code != Some(&StatusCode::Disconnected) {
            return;
        }
        let outcome = match status.and_then(|s| s.reason.as_ref()) {
            Some(Reason::Voicemail) => Outcome::Voicemail,
            Some(Reason::CallRedirected) => Outcome::Overflow,
            _ => return,
        };
        let own = entries.iter().position(|e| e.party == Some(t.fp));
        if let Some(i) = own.or(unclaimed) {
            let e = entries.remove(i);
            self.settle(sid, e, outcome, u.at);
        }
    }

    pub(super) fn enter(
        &mut self,
        sid: &str,
        entries: &mut Vec<Entry>,
        q: u64,
        party: Option<u64>,
        counted: Option<u32>,
        Entered { at, joined, bound }: Entered,
    ) {
        // Its queue is known: it was made when the role naming it was.
        let Some(queue) = self.queues.by_key_mut(q) else {
            return;
        };
        let before = queue.figures;
        if counted == Some(self.epoch) {
            queue.figures.offered += 1;
        }
        if joined {
            queue.figures.joined += 1;
        }
        let (key, epoch) = (q, self.epoch);
        let delta = queue.figures.since(&before);
        if delta != QueueFigures::default() {
            self.effect(Effect::Queue {
                key,
                epoch,
                delta,
                at,
            });
        }
        self.effects.push(Effect::Entered { key });
        let queue = self.queues.by_key_mut(q).expect("the queue found above");
        // Kept in entry order (after any that entered at the same time).
        let i = queue.waiting.partition_point(|w| w.entered <= at);
        queue
            .waiting
            .insert(i, Waiting::new(sid.to_string(), at, joined, bound));
        entries.push(Entry {
            queue: q,
            party,
            entered: at,
            counted,
        });
        self.waiting_changed(q, at);
    }

    /// An agent leg of `q` rings in a call with no entry in `q`: the queue became known
    /// only now (its party, still waiting, enters as of its first event), or the call was
    /// waiting when calltop joined (it waits from now on, joined).
    pub(super) fn leg_without_entry(&mut self, sid: &str, call: &mut Call, leg: usize, at: Ts) {
        let Role::Leg(q) = call.parties[leg].role else {
            return;
        };
        if call.entries.iter().any(|e| e.queue == q) {
            return;
        }
        let ringing = call.parties[leg]
            .code
            .as_ref()
            .is_some_and(StatusCode::is_pre_answer);
        // The queue's own party, of an extension not known for a queue when it came.
        let unknown_then = call.parties.iter_mut().find(|t| {
            t.role == Role::Other
                && t.ext == Some(q)
                && t.code == Some(StatusCode::Setup)
                && !t.ended
        });
        if let Some(t) = unknown_then {
            t.role = Role::QueueParty(q);
            let (id, first, counted) = (t.fp, t.first, t.counted);
            let entry = Entered {
                at: first,
                joined: false,
                bound: false,
            };
            self.enter(sid, &mut call.entries, q, Some(id), counted, entry);
        } else if !call.from_start && ringing {
            // Waiting when calltop joined (a leg already answered or held: the caller no
            // longer waits).
            let entry = Entered {
                at,
                joined: true,
                bound: true,
            };
            self.enter(sid, &mut call.entries, q, None, None, entry);
        }
    }

    /// An agent leg of a queue answered: the session's oldest open entry in that queue
    /// is answered.
    pub(super) fn decide(&mut self, sid: &str, call: &mut Call, leg: usize, at: Ts) {
        let Role::Leg(q) = call.parties[leg].role else {
            return;
        };
        if let Some(i) = call.entries.iter().position(|e| e.queue == q) {
            let e = call.entries.remove(i);
            self.settle(sid, e, Outcome::Answered, at);
        }
    }

    /// Gives an entry (already out of its call) its outcome.
    pub(super) fn settle(&mut self, sid: &str, e: Entry, outcome: Outcome, at: Ts) {
        let Some(queue) = self.queues.by_key_mut(e.queue) else {
            return;
        };
        if let Some(i) = queue.waiting_at(e.entered, sid) {
            queue.waiting.remove(i);
            self.waiting_changed(e.queue, at);
        }
        let Some(queue) = self.queues.by_key_mut(e.queue) else {
            return;
        };
        if e.counted != Some(self.epoch) {
            return;
        }
        let wait = e.entered.millis_until(at);
        let before = queue.figures;
        let f = &mut queue.figures;
        match outcome {
            Outcome::Answered => {
                f.answered += 1;
                f.answer_wait_ms += wait;
                f.answered_within_sla += u64::from(wait <= queue.sla.threshold_ms);
            }
            Outcome::Abandoned => {
                f.abandoned += 1;
                f.abandon_wait_ms += wait;
                f.abandoned_over_threshold += u64::from(wait >= queue.sla.abandoned_threshold_ms);
            }
            Outcome::Voicemail => f.voicemail += 1,
            Outcome::Overflow => f.overflow += 1,
            Outcome::Unknown => f.unknown += 1,
        }
        let (key, epoch) = (e.queue, self.epoch);
        let delta = queue.figures.since(&before);
        let at = e.entered;
        if !matches!(outcome, Outcome::Unknown) {
            queue.waited(fingerprint(sid), wait);
            if let Some(iv) = self.intervals.as_deref_mut() {
                iv.waited(key, at, fingerprint(sid), wait);
            }
            self.effects.push(Effect::Waited { key, epoch, at });
        }
        self.effect(Effect::Queue {
            key,
            epoch,
            delta,
            at,
        });
    }
}
