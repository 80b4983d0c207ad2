//! What the views ask of the center: its queues and agents, who takes a queue's calls,
//! where a call waits and whom it rings, and what period its figures cover.

use super::*;

/// Several queues as one: a wallboard's "All queues", the totals rows per account.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Together {
    /// Their figures added ([`QueueFigures::combined`]).
    pub figures: QueueFigures,
    /// The service level over each queue's own rule.
    pub sl: Option<f64>,
    /// Callers known to wait, summed: a lower bound when any queue's count is.
    pub waiting: usize,
    pub waiting_bound: bool,
    /// The longest wait of any caller known to wait ([`Center::oldest_wait`]) …
    pub oldest_ms: Option<i64>,
    /// … a lower bound when any queue's is, or may miss callers.
    pub oldest_bound: bool,
}

impl Center {
    /// `queues` as one, at `now`.
    pub fn together<'a>(&self, queues: impl IntoIterator<Item = &'a Queue>, now: Ts) -> Together {
        let queues: Vec<&Queue> = queues.into_iter().collect();
        let (figures, sl) = QueueFigures::combined(queues.iter().copied());
        let mut t = Together {
            figures,
            sl,
            ..Together::default()
        };
        for q in queues {
            let complete = self.waiting_complete(q, now);
            t.waiting += self.waiting_count(q);
            t.waiting_bound |= !complete;
            match self.oldest_wait(q, now) {
                Some((ms, bound)) => {
                    t.oldest_ms = Some(t.oldest_ms.map_or(ms, |o| o.max(ms)));
                    t.oldest_bound |= bound;
                }
                None => t.oldest_bound |= !complete,
            }
        }
        t
    }

    /// Every queue, in no particular order.
    pub fn queues(&self) -> impl Iterator<Item = &Queue> {
        self.queues.values()
    }

    /// A queue by extension id.
    pub fn queue(&self, id: &str) -> Option<&Queue> {
        self.queues.get(id)
    }

    /// Every agent, in no particular order.
    pub fn agents(&self) -> impl Iterator<Item = &Agent> {
        self.agents.values()
    }

    /// An agent by extension id.
    pub fn agent(&self, id: &str) -> Option<&Agent> {
        self.agents.get(id)
    }

    /// The accounts [`Center::claim`] named, in order: more than one on a board over
    /// several accounts, none otherwise (kept as they are named: the views ask each frame).
    pub fn accounts(&self) -> Vec<&str> {
        self.accounts.iter().map(String::as_str).collect()
    }

    /// Calls in progress it tracks itself (bounded by the calls in progress); a store's
    /// center tracks most in the store's sessions ([`SessionStore::tracked_calls`]).
    ///
    /// [`SessionStore::tracked_calls`]: super::SessionStore::tracked_calls
    pub fn tracked_calls(&self) -> usize {
        self.calls.len()
    }

    /// The queues an agent belongs to, with its membership.
    pub fn queues_of(&self, agent: &str) -> Vec<(&Queue, &Member)> {
        let mut v: Vec<_> = self
            .queues
            .values()
            .filter_map(|q| q.members.get(agent).map(|m| (q, m)))
            .collect();
        v.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        v
    }

    /// How member `agent` of `queue` stands now.
    pub fn availability(&self, queue: &Queue, agent: &str) -> Availability {
        let a = self.agents.get(agent);
        // Not taking the queue's calls comes first: an agent who turned them off while
        // on a call is off the queue, not about to be free for it. The all-queues flag
        // of a queue's member list mirrors the agent's DND, whose changes come as
        // presence: once presence is known, it says (the list read earlier goes stale).
        let presence_known = a.is_some_and(|a| a.presence.state.is_some());
        let member_off = queue.members.get(agent).is_some_and(|m| {
            m.accept_current == Some(false) || (m.accept_all == Some(false) && !presence_known)
        });
        if member_off || a.is_some_and(|a| !a.takes_queue_calls()) {
            return Availability::NotAccepting;
        }
        if a.is_some_and(|a| !a.calls.is_empty()) {
            return Availability::OnCall;
        }
        if a.is_some_and(|a| a.presence.info.user_status == Some(PresenceStatus::Busy)) {
            return Availability::Busy;
        }
        Availability::Available
    }

    /// A queue's members by availability.
    pub fn staff(&self, queue: &Queue) -> Staff {
        let mut s = Staff::default();
        for id in queue.members.keys() {
            match self.availability(queue, id) {
                Availability::OnCall => s.on_call += 1,
                Availability::NotAccepting => s.not_accepting += 1,
                Availability::Busy => s.busy += 1,
                Availability::Available => s.available += 1,
            }
        }
        s
    }

    /// Where session `sid`'s caller waits now: its queue and place there.
    pub fn queued(&self, sid: &str) -> Option<(&Queue, &Waiting)> {
        let key = fingerprint(sid);
        self.queues
            .values()
            .find_map(|q| q.waiting.iter().find(|w| w.is(key, sid)).map(|w| (q, w)))
    }

    /// The agents a waiting call rings now (offered, not yet answered), the longest
    /// ringing first, each with its ringing leg.
    pub fn offered_to(&self, sid: &str) -> Vec<(&Agent, &AgentCall)> {
        let mut v: Vec<_> = self
            .agents()
            .flat_map(|a| a.calls.iter().map(move |c| (a, c)))
            .filter(|(_, c)| c.session == sid && c.code == StatusCode::Proceeding)
            .collect();
        v.sort_by_key(|(a, c)| (c.since, a.id.as_str()));
        v
    }

    /// The earliest time calltop heard anything of the stream.
    pub fn watching_since(&self) -> Option<Ts> {
        self.watching_since
    }

    /// The end of the latest outage calltop did not recover from ([`Center::heard_gap`]):
    /// the figures miss what happened during it.
    pub fn unseen_until(&self) -> Option<Ts> {
        self.unseen_until
    }

    /// From when the figures count what calltop saw: the window's start, or later when
    /// calltop joined after it (`true`: the figures miss what happened before); `None`
    /// while it has heard nothing.
    pub fn counted_from(&self) -> Option<(Ts, bool)> {
        match (self.window.start, self.watching_since) {
            (_, None) => None,
            (Some(start), Some(seen)) if seen > start => Some((seen, true)),
            (Some(start), Some(_)) => Some((start, false)),
            (None, Some(seen)) => Some((seen, false)),
        }
    }

    /// True when every caller waiting in `q` is known: calltop has watched longer than a
    /// caller may wait there (the queue's `holdTime`; 15 minutes when not known), since
    /// it joined and since its latest unrecovered outage ([`Center::heard_gap`]), so a
    /// caller waiting since before either has left or been offered to an agent (and so
    /// heard of) by now, and no caller there is left out for its call being in doubt
    /// ([`Center::waiting_in`]). Before that, the queue's waiting calls are a lower bound.
    pub fn waiting_complete(&self, q: &Queue, now: Ts) -> bool {
        self.watching_since.is_some()
            && self.waiting_unsure(q).iter().all(|&(_, end)| end <= now)
            && !self.waiting_doubted(q)
    }

    /// When callers may have waited in `q` unseen ([`Center::waiting_complete`]): for as
    /// long as a caller may wait there, from when calltop joined and from the end of its
    /// latest unrecovered outage.
    pub fn waiting_unsure(&self, q: &Queue) -> SmallVec<[(Ts, Ts); 2]> {
        let hold = q.hold_time_ms.unwrap_or(DEFAULT_HOLD_TIME_MS);
        [self.watching_since, self.unseen_until]
            .into_iter()
            .flatten()
            .map(|t| (t, t.plus_millis(hold)))
            .collect()
    }

    /// The longest a caller known to wait in `q` has waited by `now`, and whether that
    /// is only a lower bound: the caller's entry was not seen, or callers waiting since
    /// before calltop joined may be unseen ([`Center::waiting_complete`]). `None` while
    /// no caller is known to wait.
    pub fn oldest_wait(&self, q: &Queue, now: Ts) -> Option<(i64, bool)> {
        let w = self.waiting_in(q).next()?;
        Some((
            w.entered.millis_until(now).max(0),
            w.bound || !self.waiting_complete(q, now),
        ))
    }
}
