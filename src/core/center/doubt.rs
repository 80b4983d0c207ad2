//! Calls in doubt: held in progress since before an outage that was not recovered.
//! Each may have ended while calltop could not see, so until it is heard of again (an
//! event, or the REST snapshot that reconciling fetches) or found gone, a caller among
//! them is not counted as waiting: the queue's figures are then lower bounds that hold,
//! instead of counting callers who may have left.

use super::*;

impl Center {
    /// Doubts the call of session `sid`, known as it was until `heard` (the stream last
    /// heard before the outage; see the module's doc).
    pub(crate) fn doubt(&mut self, sid: &str, heard: Ts) {
        self.doubted.insert(fingerprint(sid), heard);
    }

    /// Session `sid` was heard of again, or found gone: no longer in doubt.
    pub(crate) fn confirm(&mut self, sid: &str) {
        if !self.doubted.is_empty() {
            self.doubted.remove(&fingerprint(sid));
        }
    }

    /// Whether session `sid`'s call is in doubt.
    pub fn doubted(&self, sid: &str) -> bool {
        self.doubted_since(sid).is_some()
    }

    /// Until when the call of session `sid`, in doubt, is known as it was (the stream
    /// last heard before the outage; `None`: not in doubt).
    pub fn doubted_since(&self, sid: &str) -> Option<Ts> {
        match self.doubted.is_empty() {
            true => None,
            false => self.doubted.get(&fingerprint(sid)).copied(),
        }
    }

    /// `now`, or for a call in doubt [`Center::doubted_since`]: how far what calltop
    /// knows of session `sid` runs.
    pub fn known_until(&self, sid: &str, now: Ts) -> Ts {
        self.doubted_since(sid).map_or(now, |t| t.min(now))
    }

    /// Agent `a`'s figures with the talk and hold still running counted up to `now`,
    /// or on a call in doubt up to the outage (not through it).
    pub fn agent_figures_at(&self, a: &Agent, now: Ts) -> AgentFigures {
        let mut f = a.figures;
        f.add(&a.running(|c| c.counted.then(|| self.known_until(&c.session, now))));
        f
    }

    /// How many calls are in doubt.
    pub fn doubted_count(&self) -> usize {
        self.doubted.len()
    }

    /// The callers known to wait in `q`, in entry order: those of calls in doubt left out.
    pub fn waiting_in<'a>(&'a self, q: &'a Queue) -> impl Iterator<Item = &'a Waiting> + 'a {
        q.waiting
            .iter()
            .filter(move |w| !self.doubted.contains_key(&w.key()))
    }

    /// How many callers are known to wait in `q` ([`Center::waiting_in`]).
    pub fn waiting_count(&self, q: &Queue) -> usize {
        match self.doubted.is_empty() {
            true => q.waiting.len(),
            false => self.waiting_in(q).count(),
        }
    }

    /// Whether a caller waiting in `q` is left out for its call being in doubt.
    pub(super) fn waiting_doubted(&self, q: &Queue) -> bool {
        !self.doubted.is_empty()
            && q.waiting
                .iter()
                .any(|w| self.doubted.contains_key(&w.key()))
    }

    /// The current wait of the caller known to wait longest in `q` (0 when none).
    pub fn oldest_known_ms(&self, q: &Queue, now: Ts) -> i64 {
        self.oldest_wait(q, now).map_or(0, |(ms, _)| ms)
    }
}
