//! Summary figures.

use super::session::{Disposition, Session};
use super::timers::{Bucket, CallTimes, LinearRange, Running};
use crate::wire::{StatusCode, Ts};
use serde::Serialize;
use std::collections::BinaryHeap;

/// Count, sum and maximum of one figure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Stat {
    pub count: u64,
    pub total_ms: i64,
    pub max_ms: i64,
}

impl Stat {
    /// Adds one non-zero observation.
    pub fn add(&mut self, ms: i64) {
        if ms > 0 {
            self.count += 1;
            self.total_ms += ms;
            self.max_ms = self.max_ms.max(ms);
        }
    }

    /// Merges another stat into this one.
    pub fn merge(&mut self, o: &Stat) {
        self.count += o.count;
        self.total_ms += o.total_ms;
        self.max_ms = self.max_ms.max(o.max_ms);
    }

    /// Mean in ms; `None` with no observation (nothing to average, not zero).
    pub fn avg_ms(&self) -> Option<i64> {
        (self.count > 0).then(|| self.total_ms / self.count as i64)
    }

    /// Largest observation in ms; `None` with none.
    pub fn max(&self) -> Option<i64> {
        (self.count > 0).then_some(self.max_ms)
    }
}

/// How the ended sessions ended: one count per [`Disposition`] (but `Active`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Outcomes {
    pub answered: u64,
    pub missed: u64,
    pub voicemail: u64,
    pub transferred: u64,
    pub parked: u64,
    pub abandoned: u64,
    /// Ended during an outage with no outcome the events show.
    pub unknown: u64,
}

impl Outcomes {
    /// The count of this disposition (`None` for `Active`, not an outcome).
    fn of(&mut self, d: Disposition) -> Option<&mut u64> {
        Some(match d {
            Disposition::Answered => &mut self.answered,
            Disposition::Missed => &mut self.missed,
            Disposition::Voicemail => &mut self.voicemail,
            Disposition::Transferred => &mut self.transferred,
            Disposition::Parked => &mut self.parked,
            Disposition::Abandoned => &mut self.abandoned,
            Disposition::Unknown => &mut self.unknown,
            Disposition::Active => return None,
        })
    }

    /// Each count with its name (the metrics' `outcome` label, the report's key).
    pub fn named(&self) -> [(&'static str, u64); 7] {
        [
            ("answered", self.answered),
            ("missed", self.missed),
            ("voicemail", self.voicemail),
            ("transferred", self.transferred),
            ("parked", self.parked),
            ("abandoned", self.abandoned),
            ("unknown", self.unknown),
        ]
    }

    /// Adds the other counts into these.
    fn merge(&mut self, o: &Outcomes) {
        let Outcomes {
            answered,
            missed,
            voicemail,
            transferred,
            parked,
            abandoned,
            unknown,
        } = o;
        self.answered += answered;
        self.missed += missed;
        self.voicemail += voicemail;
        self.transferred += transferred;
        self.parked += parked;
        self.abandoned += abandoned;
        self.unknown += unknown;
    }
}

/// Figures over sessions (call-level ring / talk / hold, one observation per call),
/// kept when sessions are evicted.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Totals {
    pub sessions: u64,
    #[serde(flatten)]
    pub outcomes: Outcomes,
    pub ring: Stat,
    pub talk: Stat,
    pub hold: Stat,
}

impl Totals {
    /// Adds one session's disposition and call-level figures
    /// ([`Session::call_figures`]).
    pub fn add_session(&mut self, s: &Session, now: Ts) {
        self.count(s);
        self.add_figures(&s.call_figures(now));
    }

    /// Counts one session and its disposition.
    fn count(&mut self, s: &Session) {
        self.count_disposition(s.disposition());
    }

    /// Counts one session of this disposition.
    fn count_disposition(&mut self, d: Disposition) {
        self.sessions += 1;
        if let Some(n) = self.outcomes.of(d) {
            *n += 1;
        }
    }

    /// Adds one call's figures (those known: see [`CallTimes::unknown`]).
    fn add_figures(&mut self, f: &CallTimes) {
        for (stat, b) in [
            (&mut self.ring, Bucket::Ring),
            (&mut self.talk, Bucket::Talk),
            (&mut self.hold, Bucket::Hold),
        ] {
            stat.add(f.known(b).unwrap_or(0));
        }
    }

    /// Merges other totals into these.
    pub fn merge(&mut self, o: &Totals) {
        self.add_counts(o);
        self.ring.merge(&o.ring);
        self.talk.merge(&o.talk);
        self.hold.merge(&o.hold);
    }

    /// Adds the other totals' session and disposition counts (not their figures).
    fn add_counts(&mut self, o: &Totals) {
        self.sessions += o.sessions;
        self.outcomes.merge(&o.outcomes);
    }
}

/// Event counters of the store.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Telephony session events seen.
    pub events: u64,
    pub applied: u64,
    pub stale: u64,
    pub duplicate: u64,
    /// Frames or lines that could not be parsed.
    pub malformed: u64,
    /// Events for sessions already evicted (ignored, never resurrected).
    pub late: u64,
    pub presence: u64,
    /// Other notifications and gateway frames.
    pub other: u64,
    /// Calls held as active since before an outage that loading the calls in progress
    /// found gone after it, whatever they showed last: they ended while calltop could
    /// not see.
    pub ended_in_outage: u64,
}

/// The board's header figures at one moment.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Active and finished sessions (evicted ones included).
    pub totals: Totals,
    pub active: u64,
    pub ringing: u64,
    pub on_hold: u64,
    pub parked_now: u64,
    pub counters: Counters,
}

impl Summary {
    /// Adds another store's figures to these (a report over several accounts).
    pub fn merge(&mut self, o: &Summary) {
        self.totals.merge(&o.totals);
        self.active += o.active;
        self.ringing += o.ringing;
        self.on_hold += o.on_hold;
        self.parked_now += o.parked_now;
        let (c, d) = (&mut self.counters, &o.counters);
        c.events += d.events;
        c.applied += d.applied;
        c.stale += d.stale;
        c.duplicate += d.duplicate;
        c.malformed += d.malformed;
        c.late += d.late;
        c.presence += d.presence;
        c.other += d.other;
        c.ended_in_outage += d.ended_in_outage;
    }
}

/// Times `base + now` of the intervals running at one clock: how many, and the sum
/// and maximum of their bases.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Growing {
    count: u64,
    base_sum: i64,
    base_max: i64,
}

impl Default for Growing {
    fn default() -> Self {
        Growing {
            count: 0,
            base_sum: 0,
            base_max: i64::MIN,
        }
    }
}

/// The header figures as a function of the clock: built at one `now` by
/// [`SessionStore::summary_basis`](super::SessionStore::summary_basis) in one walk of
/// the sessions, then [`SummaryBasis::at`] gives the summary at any clock it
/// [covers](SummaryBasis::covers) in constant time.
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryBasis {
    /// Everything but the ring, talk and hold intervals counting at build time.
    fixed: Summary,
    /// Those intervals, by bucket (ring, talk, hold).
    growing: [(Bucket, Growing); 3],
    now: Ts,
    steady: LinearRange,
}

impl SummaryBasis {
    /// Starts from the figures kept outside the sessions, at `now`.
    pub(crate) fn new(totals: Totals, counters: Counters, now: Ts) -> SummaryBasis {
        SummaryBasis {
            fixed: Summary {
                totals,
                counters,
                ..Default::default()
            },
            growing: [Bucket::Ring, Bucket::Talk, Bucket::Hold].map(|b| (b, Growing::default())),
            now,
            steady: LinearRange::ALWAYS,
        }
    }

    /// Adds one retained session.
    pub(crate) fn add_session(&mut self, s: &Session) {
        let sum = &mut self.fixed;
        sum.totals.count(s);
        let (mut f, running) = s.call_split();
        let running = running.filter(|r| f.unknown & r.bucket.bit() == 0);
        if let Some(Running { bucket, since, .. }) = running {
            let g = self.growing.iter_mut().find(|(b, _)| *b == bucket);
            if let (Some(closed), Some((_, g))) = (f.bucket_mut(bucket), g) {
                if self.steady.note(since, self.now) {
                    // Counted as growing: closed + (now − since) = base + now.
                    let base = std::mem::take(closed) - since.0;
                    g.count += 1;
                    g.base_sum += base;
                    g.base_max = g.base_max.max(base);
                }
            }
        }
        sum.totals.add_figures(&f);
        if s.ended {
            return;
        }
        sum.active += 1;
        let live = || s.parties.iter().filter(|p| !p.is_terminal());
        if live().any(|p| p.code().is_some_and(StatusCode::is_ringing)) {
            sum.ringing += 1;
        }
        if live().any(|p| p.code() == Some(&StatusCode::Hold)) {
            sum.on_hold += 1;
        }
        if live().any(|p| p.code() == Some(&StatusCode::Parked)) {
            sum.parked_now += 1;
        }
    }

    /// True when [`SummaryBasis::at`] is exact at `now`.
    pub fn covers(&self, now: Ts) -> bool {
        self.steady.covers(now)
    }

    /// The summary at `now` (exact when the basis [covers](SummaryBasis::covers) it).
    pub fn at(&self, now: Ts) -> Summary {
        let mut sum = self.fixed.clone();
        let t = &mut sum.totals;
        for (stat, g) in [&mut t.ring, &mut t.talk, &mut t.hold]
            .into_iter()
            .zip(self.growing.iter().map(|(_, g)| g))
        {
            if g.count > 0 {
                stat.merge(&Stat {
                    count: g.count,
                    total_ms: g.base_sum + g.count as i64 * now.0,
                    max_ms: g.base_max + now.0,
                });
            }
        }
        sum
    }
}

/// One held session's part of the header figures, whatever the clock: how it went, the
/// call-level figures of its finished intervals and the state it is still in (see
/// [`Session::call_split`]), and what it is doing now. A board keeps one per session
/// and recomputes only those of the sessions that changed ([`HeldFigures`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Part {
    pub disposition: Disposition,
    pub closed: CallTimes,
    pub running: Option<Running>,
    pub ended: bool,
    pub ringing: bool,
    pub on_hold: bool,
    pub parked: bool,
}

impl Part {
    /// The part of a session.
    pub fn of(s: &Session) -> Part {
        let (closed, running) = s.call_split();
        // A figure not known is not counted, nor its running state.
        let running = running.filter(|r| closed.unknown & r.bucket.bit() == 0);
        let live = || s.parties.iter().filter(|p| !p.is_terminal());
        Part {
            disposition: s.disposition(),
            closed,
            running,
            ended: s.ended,
            ringing: live().any(|p| p.code().is_some_and(StatusCode::is_ringing)),
            on_hold: live().any(|p| p.code() == Some(&StatusCode::Hold)),
            parked: live().any(|p| p.code() == Some(&StatusCode::Parked)),
        }
    }
}

/// Count, sum and every value (for the maximum) of some observations, from which one
/// can be taken out again. The values are a max-heap with the ones taken out set aside
/// in another, dropped together when both reach the top: a board's full rebuild puts
/// in every held session's values, which a heap takes in constant time each.
#[derive(Clone, Debug, Default)]
struct Tally {
    count: u64,
    sum: i64,
    values: BinaryHeap<i64>,
    taken: BinaryHeap<i64>,
}

impl PartialEq for Tally {
    /// The same observations: count, sum and the values still in.
    fn eq(&self, o: &Tally) -> bool {
        (self.count, self.sum) == (o.count, o.sum) && self.kept() == o.kept()
    }
}

impl Tally {
    fn put(&mut self, v: i64, add: bool) {
        if add {
            self.count += 1;
            self.sum += v;
            self.values.push(v);
        } else {
            self.count -= 1;
            self.sum -= v;
            self.taken.push(v);
            self.settle();
        }
    }

    /// Drops the values taken out that are on top; compacts when the set-aside values
    /// (taken from below the top, they wait there) are more than half the ones in.
    fn settle(&mut self) {
        while let (Some(v), Some(t)) = (self.values.peek(), self.taken.peek()) {
            if v != t {
                break;
            }
            self.values.pop();
            self.taken.pop();
        }
        if self.taken.len() > 64 && self.taken.len() > self.values.len() / 2 {
            self.values = self.kept().into();
            self.taken.clear();
        }
    }

    /// The values still in, in ascending order.
    fn kept(&self) -> Vec<i64> {
        let mut taken = self.taken.clone().into_sorted_vec().into_iter().peekable();
        let mut kept = Vec::with_capacity(self.values.len());
        for v in self.values.clone().into_sorted_vec() {
            // A value taken out that was never in is passed over.
            while taken.next_if(|t| *t < v).is_some() {}
            if taken.next_if_eq(&v).is_none() {
                kept.push(v);
            }
        }
        kept
    }

    fn max(&self) -> Option<i64> {
        self.values.peek().copied()
    }
}

/// The held sessions' part of the header figures at one clock range, kept as sums
/// from which a session's [`Part`] can be taken out and put back: what a board patches
/// per changed session instead of walking every session per store change
/// ([`SessionStore::summary_basis`](super::SessionStore::summary_basis) is the walk;
/// both give the same [`SummaryBasis::at`] at any clock this [covers](HeldFigures::covers)).
#[derive(Clone, Debug, PartialEq)]
pub struct HeldFigures {
    totals: Totals,
    active: u64,
    ringing: u64,
    on_hold: u64,
    parked_now: u64,
    /// Finished (and not-yet-counting) ring, talk and hold figures above zero.
    closed: [Tally; 3],
    /// Bases (`figure − since`) of the intervals counting, by bucket.
    growing: [Tally; 3],
    now: Ts,
    steady: LinearRange,
}

const BUCKETS: [Bucket; 3] = [Bucket::Ring, Bucket::Talk, Bucket::Hold];

impl HeldFigures {
    /// No sessions, at `now`.
    pub fn new(now: Ts) -> HeldFigures {
        HeldFigures {
            totals: Totals::default(),
            active: 0,
            ringing: 0,
            on_hold: 0,
            parked_now: 0,
            closed: Default::default(),
            growing: Default::default(),
            now,
            steady: LinearRange::ALWAYS,
        }
    }

    /// True when the parts put in keep their meaning at `now` (the running states that
    /// counted still count, those that did not still don't): then parts can be taken
    /// out and put in at `now` ([`HeldFigures::moved_to`]).
    pub fn covers(&self, now: Ts) -> bool {
        self.steady.covers(now)
    }

    /// Moves the clock these figures are patched at to `now`, which they must
    /// [cover](HeldFigures::covers).
    pub fn moved_to(&mut self, now: Ts) {
        debug_assert!(self.covers(now));
        self.now = now;
    }

    /// Puts one session's part in (`add`) or takes it out (the same part put in before,
    /// at a clock these figures still cover).
    pub fn put(&mut self, part: &Part, add: bool) {
        let n = |v: &mut u64, yes: bool| match (yes, add) {
            (false, _) => {}
            (true, true) => *v += 1,
            (true, false) => *v -= 1,
        };
        n(&mut self.totals.sessions, true);
        if let Some(v) = self.totals.outcomes.of(part.disposition) {
            n(v, true);
        }
        let mut f = part.closed;
        if let Some(Running { bucket, since, .. }) = part.running {
            let i = BUCKETS.iter().position(|b| *b == bucket);
            if let (Some(closed), Some(i)) = (f.bucket_mut(bucket), i) {
                let counting = if add {
                    self.steady.note(since, self.now)
                } else {
                    since < self.now
                };
                if counting {
                    let base = std::mem::take(closed) - since.0;
                    self.growing[i].put(base, add);
                }
            }
        }
        for (i, ms) in BUCKETS
            .map(|b| f.known(b).unwrap_or(0))
            .into_iter()
            .enumerate()
        {
            if ms > 0 {
                self.closed[i].put(ms, add);
            }
        }
        if part.ended {
            return;
        }
        n(&mut self.active, true);
        n(&mut self.ringing, part.ringing);
        n(&mut self.on_hold, part.on_hold);
        n(&mut self.parked_now, part.parked);
    }

    /// The basis of the header figures: these plus the figures kept outside the held
    /// sessions (evicted and archived ones) and the counters.
    pub fn basis(&self, evicted: &Totals, counters: Counters) -> SummaryBasis {
        let mut totals = evicted.clone();
        totals.add_counts(&self.totals);
        for (stat, tally) in [&mut totals.ring, &mut totals.talk, &mut totals.hold]
            .into_iter()
            .zip(&self.closed)
        {
            stat.count += tally.count;
            stat.total_ms += tally.sum;
            stat.max_ms = stat.max_ms.max(tally.max().unwrap_or(0));
        }
        let mut growing = BUCKETS.map(|b| (b, Growing::default()));
        for ((_, g), tally) in growing.iter_mut().zip(&self.growing) {
            g.count = tally.count;
            g.base_sum = tally.sum;
            g.base_max = tally.max().unwrap_or(i64::MIN);
        }
        SummaryBasis {
            fixed: Summary {
                totals,
                active: self.active,
                ringing: self.ringing,
                on_hold: self.on_hold,
                parked_now: self.parked_now,
                counters,
            },
            growing,
            now: self.now,
            steady: self.steady,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Tally;

    /// The values still in are what was put in less what was taken out, whatever the
    /// order; a value taken out that was never in changes nothing else.
    #[test]
    fn a_tally_keeps_what_was_put_in_and_not_taken_out() {
        let mut t = Tally::default();
        for v in [3, 5, 5, 9, 1] {
            t.put(v, true);
        }
        t.put(9, false);
        t.put(2, false);
        t.put(3, false);
        assert_eq!(t.kept(), [1, 5, 5]);
        assert_eq!(t.max(), Some(5));
        let mut u = Tally::default();
        for v in [5, 1, 5] {
            u.put(v, true);
        }
        u.put(2, false);
        assert_eq!(t, u, "the same observations, counted alike");
        // Many taken from below the top: compacted, the maximum kept.
        for v in 0..200 {
            t.put(-v, true);
        }
        for v in 0..200 {
            t.put(-v, false);
        }
        assert_eq!((t.kept(), t.max()), (vec![1, 5, 5], Some(5)));
    }
}
