//! Interval figures (`calltop report --intervals`): every change the center makes to a
//! queue's or an agent's figures (its effects, [`super::rebuild`]) is also added to the
//! interval its call started in — a queue entry by its entry time, an agent's party by
//! its first event (its offer), as RingCentral's analytics counts a call where it
//! started — and taken back with it when a call is rebuilt. An interval's figures are
//! so the figures of the calls that started in it, by the very formulas of the
//! whole-period ones. Intervals are half-open, `len` long, aligned on midnight in
//! `zone`.

use super::rebuild::Effect;
use super::trend::{TrendPoint, WaitPeaks};
use super::*;
use crate::core::zone::Zone;
use crate::wire::presence::AgentState;
use std::collections::{BTreeMap, HashMap};

/// How the figures are cut into intervals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cut {
    pub len_ms: i64,
    pub zone: Zone,
}

impl Cut {
    /// The start of the interval `t` falls in: the local midnight before it plus a
    /// whole number of intervals.
    pub fn start_of(&self, t: Ts) -> Ts {
        let midnight = self.zone.midnight_before(t);
        let len = self.len_ms.max(1);
        midnight.plus_millis(midnight.millis_until(t) / len * len)
    }

    /// The end of the interval starting at `start` (the next midnight, if sooner).
    pub fn end_of(&self, start: Ts) -> Ts {
        let next = start.plus_millis(self.len_ms.max(1));
        next.min(self.zone.midnight_after(start))
    }

    /// The starts of the intervals from the one `from` falls in to the one `to` falls in.
    pub fn starts(&self, from: Ts, to: Ts) -> Vec<Ts> {
        let mut v = Vec::new();
        let mut s = self.start_of(from);
        while s <= to {
            v.push(s);
            s = self.end_of(s);
        }
        v
    }
}

/// What an agent's state counts as in its occupancy: on calls (talking, holding,
/// parked), available (free, or ringing), or neither (busy, DND, off queue, offline).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Use {
    OnCalls,
    Available,
    Away,
}

impl Use {
    fn of(state: AgentState) -> Use {
        match state {
            AgentState::OnCall | AgentState::OnHold | AgentState::Parked => Use::OnCalls,
            AgentState::Available | AgentState::Ringing => Use::Available,
            AgentState::Busy | AgentState::Dnd | AgentState::OffQueue | AgentState::Offline => {
                Use::Away
            }
        }
    }
}

/// An agent's time in one interval, by what its state counted as (ms).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Occupied {
    on_calls: i64,
    available: i64,
    /// Time calltop knew the state (on calls, available or away).
    known: i64,
}

impl Occupied {
    /// Adds `ms` spent as `u` (`None`: state unknown).
    fn add(&mut self, u: Option<Use>, ms: i64) {
        match u {
            Some(Use::OnCalls) => self.on_calls += ms,
            Some(Use::Available) => self.available += ms,
            _ => {}
        }
        if u.is_some() {
            self.known += ms;
        }
    }
}

/// The figures per interval (by its start) and queue or agent (by its key).
#[derive(Clone, Debug)]
pub struct Intervals {
    cut: Cut,
    /// Queue figures and longest waits of the entries that entered in the interval.
    queues: BTreeMap<(Ts, u64), Queue>,
    /// Per queue, its agent legs offered in the interval (their handling).
    handling: BTreeMap<(Ts, u64), AgentFigures>,
    agents: BTreeMap<(Ts, u64), AgentFigures>,
    /// The queues' waiting counts per interval (the trends').
    peaks: WaitPeaks,
    /// When calltop first heard anything of the stream since counting began (its first
    /// value: a frame, a recording line): intervals that ended before it are unknown,
    /// one begun before it is partial.
    heard_from: Option<Ts>,
    /// Agents' time per interval by what their state counted as (their occupancy).
    occupied: BTreeMap<(Ts, u64), Occupied>,
    /// Per agent, what its state counts as (`None`: unknown) and since when.
    states: HashMap<u64, (Option<Use>, Ts)>,
    /// Agents that may have changed state since their states were last timed.
    restated: Vec<u64>,
}

impl Intervals {
    fn new(cut: Cut) -> Intervals {
        Intervals {
            cut,
            queues: BTreeMap::new(),
            handling: BTreeMap::new(),
            agents: BTreeMap::new(),
            peaks: WaitPeaks::default(),
            heard_from: None,
            occupied: BTreeMap::new(),
            states: HashMap::new(),
            restated: Vec::new(),
        }
    }

    /// Calls `spend(interval start, ms)` for each interval's part of `from..to`.
    fn split(&self, from: Ts, to: Ts, mut spend: impl FnMut(Ts, i64)) {
        if to <= from {
            return;
        }
        for s in self.cut.starts(from, to) {
            let ms = s.max(from).millis_until(self.cut.end_of(s).min(to));
            if ms > 0 {
                spend(s, ms);
            }
        }
    }

    /// Agent `key`'s state counts as `u` from `at` on (the time before spent as it was).
    fn restate(&mut self, key: u64, u: Option<Use>, at: Ts) {
        let Some(&(was, since)) = self.states.get(&key) else {
            self.states.insert(key, (u, at));
            return;
        };
        if was == u || at <= since {
            // The same, or heard out of order: the later state goes on from `since`.
            self.states.insert(key, (u, since));
            return;
        }
        let mut parts = Vec::new();
        self.split(since, at, |s, ms| parts.push((s, ms)));
        for (s, ms) in parts {
            self.occupied.entry((s, key)).or_default().add(was, ms);
        }
        self.states.insert(key, (u, at));
    }

    /// Agent `a`'s occupancy in the interval starting at `start`, up to `now` (its
    /// state as it stands then goes on to `now`): time on calls / (time available +
    /// time on calls), in percent. `None` when calltop did not know its state for all
    /// of that time, or it spent none of it available or on calls.
    pub fn occupancy(&self, a: &Agent, start: Ts, now: Ts) -> Option<f64> {
        let key = fingerprint(&a.id);
        let end = self.cut.end_of(start).min(now);
        let mut o = self
            .occupied
            .get(&(start, key))
            .copied()
            .unwrap_or_default();
        if let Some(&(u, since)) = self.states.get(&key) {
            let from = since.max(start);
            self.split(from, end, |s, ms| {
                if s == start {
                    o.add(u, ms)
                }
            });
        }
        let busy = o.on_calls + o.available;
        (o.known >= start.millis_until(end) && busy > 0)
            .then(|| o.on_calls as f64 * 100.0 / busy as f64)
    }

    /// When calltop first heard anything of the stream since counting began.
    pub fn heard_from(&self) -> Option<Ts> {
        self.heard_from
    }

    pub(super) fn peaks(&self) -> &WaitPeaks {
        &self.peaks
    }

    /// Queue `key` has `n` callers waiting from `at` on.
    fn note_waiting(&mut self, key: u64, at: Ts, n: usize) {
        self.peaks.note(key, self.cut.start_of(at), n as u64);
    }

    /// How the figures are cut.
    pub fn cut(&self) -> Cut {
        self.cut
    }

    fn queue_mut(&mut self, at: Ts, key: u64) -> &mut Queue {
        let start = self.cut.start_of(at);
        self.queues
            .entry((start, key))
            .or_insert_with(|| Queue::new(""))
    }

    /// Adds a change of the figures to its interval.
    fn apply(&mut self, e: &Effect) {
        match *e {
            Effect::Agent {
                key,
                delta,
                at,
                queue,
                ..
            } => {
                let start = self.cut.start_of(at);
                self.agents.entry((start, key)).or_default().add(&delta);
                if let Some(q) = queue {
                    self.handling.entry((start, q)).or_default().add(&delta);
                }
            }
            Effect::Queue { key, delta, at, .. } => self.queue_mut(at, key).figures.add(&delta),
            Effect::Waited { .. } | Effect::Entered { .. } => {}
        }
    }

    /// Takes back a change of the figures (a call rebuilt), as the whole-period
    /// figures do: `epoch` is the center's.
    pub(super) fn take_back(&mut self, e: &Effect, epoch: u32, call: u64) {
        let start = |at| self.cut.start_of(at);
        match *e {
            Effect::Agent {
                key,
                epoch: of,
                delta,
                at,
                queue,
            } if of == epoch => {
                let s = start(at);
                if let Some(f) = self.agents.get_mut(&(s, key)) {
                    f.take_back(&delta);
                }
                if let Some(f) = queue.and_then(|q| self.handling.get_mut(&(s, q))) {
                    f.take_back(&delta);
                }
            }
            Effect::Queue {
                key,
                epoch: of,
                delta,
                at,
            } if of == epoch => {
                if let Some(q) = self.queues.get_mut(&(start(at), key)) {
                    q.figures.take_back(&delta);
                }
            }
            Effect::Waited { key, epoch: of, at } if of == epoch => {
                if let Some(q) = self.queues.get_mut(&(start(at), key)) {
                    q.unwait(call);
                }
            }
            _ => {}
        }
    }

    /// A call is over for good: its waits are its intervals' for good.
    pub(super) fn seal(&mut self, e: &Effect, epoch: u32, call: u64) {
        if let Effect::Waited { key, epoch: of, at } = *e {
            if of == epoch {
                if let Some(q) = self.queues.get_mut(&(self.cut.start_of(at), key)) {
                    q.seal(call);
                }
            }
        }
    }

    /// A wait that left queue `key` after entering at `entered`.
    pub(super) fn waited(&mut self, key: u64, entered: Ts, call: u64, wait: i64) {
        self.queue_mut(entered, key).waited(call, wait);
    }

    /// Queue `q` in the interval starting at `start`: its figures there (those of the
    /// entries that entered in it) and its calls still waiting that entered in it.
    pub fn queue(&self, q: &Queue, start: Ts) -> Queue {
        let part = self.queues.get(&(start, fingerprint(&q.id)));
        Queue {
            id: q.id.clone(),
            extension_number: q.extension_number.clone(),
            name: q.name.clone(),
            sla: q.sla,
            hold_time_ms: q.hold_time_ms,
            figures: part.map(|p| p.figures).unwrap_or_default(),
            waiting: q
                .waiting
                .iter()
                .filter(|w| !w.joined && self.cut.start_of(w.entered) == start)
                .cloned()
                .collect(),
            ..Queue::default()
        }
    }

    /// The handling of queue `q`'s agent legs offered in the interval starting at
    /// `start`, their talk and hold still running counted up to `now` (`agents`: whose
    /// calls are running); average handle time = talk and hold / handled.
    pub fn handling<'a>(
        &self,
        q: &Queue,
        start: Ts,
        now: Ts,
        agents: impl IntoIterator<Item = &'a Agent>,
    ) -> AgentFigures {
        let key = (start, fingerprint(&q.id));
        let mut f = self.handling.get(&key).copied().unwrap_or_default();
        for a in agents {
            f.add(&a.running(|c| {
                let ours = c.queue.as_ref() == Some(&q.id) && self.cut.start_of(c.first) == start;
                ours.then_some(now)
            }));
        }
        f
    }

    /// Agent `a` in the interval starting at `start`: the figures of its parties that
    /// started in it, talk and hold still running counted up to `now`; `None` when it
    /// had none.
    pub fn agent(&self, a: &Agent, start: Ts, now: Ts) -> Option<Agent> {
        let mut f = *self.agents.get(&(start, fingerprint(&a.id)))?;
        f.add(&a.running(|c| (self.cut.start_of(c.first) == start).then_some(now)));
        (f != AgentFigures::default()).then(|| Agent {
            figures: f,
            ..self.agent_part(a)
        })
    }

    /// Agent `a` with no figures (an interval's row of an agent that had none).
    pub fn agent_part(&self, a: &Agent) -> Agent {
        Agent {
            id: a.id.clone(),
            extension_number: a.extension_number.clone(),
            name: a.name.clone(),
            ..Agent::default()
        }
    }
}

impl Center {
    /// Keeps the figures per interval too, from now on (see [`Intervals`]); already
    /// kept by `cut`, they go on.
    pub fn count_intervals(&mut self, cut: Cut) {
        if self.intervals.as_ref().is_some_and(|iv| iv.cut == cut) {
            return;
        }
        let mut iv = Intervals::new(cut);
        // Every agent's state is timed from the next time calltop hears anything.
        iv.restated = self.agents.0.keys().copied().collect();
        self.intervals = Some(Box::new(iv));
    }

    /// Agent `key` may have changed state: timed at the next [`Center::time_states`].
    pub(super) fn restated(&mut self, key: u64) {
        if let Some(iv) = self.intervals.as_deref_mut() {
            iv.restated.push(key);
        }
    }

    /// The agents that may have changed state did so at `at`: their time until then
    /// counts as their state was (for their occupancy). Done by every timed input; a
    /// roster line, untimed, is timed so by whoever knows when it came.
    pub fn time_states(&mut self, at: Ts) {
        let Some(iv) = self.intervals.as_deref_mut() else {
            return;
        };
        if iv.restated.is_empty() {
            return;
        }
        let mut keys = std::mem::take(&mut iv.restated);
        keys.sort_unstable();
        keys.dedup();
        for key in keys {
            let state = self.agents.by_key(key).and_then(|a| a.status().0);
            iv.restate(key, state.map(Use::of), at);
        }
    }

    /// The figures per interval, when kept.
    pub fn intervals(&self) -> Option<&Intervals> {
        self.intervals.as_deref()
    }

    /// calltop heard something of the stream at `at`: the first time since counting
    /// began, every queue's waiting count as of then.
    pub(super) fn heard_for_intervals(&mut self, at: Ts) {
        let Some(iv) = self.intervals.as_deref_mut() else {
            return;
        };
        if iv.heard_from.is_none() {
            iv.heard_from = Some(at);
            for q in self.queues.values() {
                iv.note_waiting(fingerprint(&q.id), at, q.waiting.len());
            }
        }
    }

    /// Queue `key`'s waiting list changed at `at` (for the trends' peaks).
    pub(super) fn waiting_changed(&mut self, key: u64, at: Ts) {
        if let Some(iv) = self.intervals.as_deref_mut() {
            let n = self.queues.by_key(key).map_or(0, |q| q.waiting.len());
            iv.note_waiting(key, at, n);
        }
    }

    /// Records a change of the figures: in the call's effects, and in its interval.
    pub(super) fn effect(&mut self, e: Effect) {
        if let Some(iv) = self.intervals.as_deref_mut() {
            iv.apply(&e);
        }
        self.effects.push(e);
    }
}

/// The board's trends (see [`super::trend`]).
impl Intervals {
    /// How many intervals cover `span_ms` (1 to 24).
    pub fn trend_len(&self, span_ms: i64) -> usize {
        let len = self.cut().len_ms.max(1);
        ((span_ms + len - 1) / len).clamp(1, 24) as usize
    }

    /// Queue `q`'s trend over the intervals that cover the `span_ms` up to `now`
    /// (oldest first, the current one last); `unsure`: the times callers may have waited
    /// there unseen ([`Center::waiting_unsure`]).
    pub fn trend(&self, q: &Queue, now: Ts, span_ms: i64, unsure: &[(Ts, Ts)]) -> Vec<TrendPoint> {
        let cut = self.cut();
        let mut starts = vec![cut.start_of(now)];
        for _ in 1..self.trend_len(span_ms) {
            let before = starts[starts.len() - 1].plus_millis(-1);
            starts.push(cut.start_of(before));
        }
        starts.reverse();
        let key = fingerprint(&q.id);
        starts
            .into_iter()
            .map(|start| {
                let end = cut.end_of(start);
                let known = self.heard_from().is_some_and(|h| h < end);
                // Heard from its start: else calls answered or abandoned before are unseen.
                let whole = self.heard_from().is_some_and(|h| h <= start);
                TrendPoint {
                    start,
                    waiting_peak: known.then(|| self.peaks().peak(key, start)),
                    waiting_bound: unsure.iter().any(|&(a, b)| a < end && start < b),
                    service_level: whole
                        .then(|| self.queue(q, start).service_level_pct())
                        .flatten(),
                    current: start == cut.start_of(now),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Ts {
        Ts::parse(s).unwrap()
    }

    fn cut(minutes: i64, zone: &str) -> Cut {
        Cut {
            len_ms: minutes * 60_000,
            zone: Zone::parse(zone).unwrap(),
        }
    }

    #[test]
    fn intervals_are_half_open_and_aligned_on_local_midnight() {
        let c = cut(60, "Asia/Kolkata");
        // 15:40 in Kolkata (+05:30): the hour from 15:00 local, not from 10:00 UTC.
        let start = c.start_of(at("2026-12-01T10:10:00Z"));
        assert_eq!(start, at("2026-12-01T09:30:00Z"));
        assert_eq!(c.end_of(start), at("2026-12-01T10:30:00Z"));
        assert_eq!(
            c.start_of(at("2026-12-01T10:30:00Z")),
            at("2026-12-01T10:30:00Z")
        );
        let q = cut(15, "UTC");
        assert_eq!(
            q.start_of(at("2026-12-01T09:14:59.999Z")),
            at("2026-12-01T09:00:00Z")
        );
        assert_eq!(
            q.starts(at("2026-12-01T09:10:00Z"), at("2026-12-01T09:45:00Z"))
                .len(),
            4
        );
    }

    #[test]
    fn a_clock_change_keeps_intervals_on_the_wall_clock() {
        // Paris springs forward at 02:00 CET on 2026-03-29: 03:20 CEST is 01:20Z.
        let c = cut(30, "Europe/Paris");
        let start = c.start_of(at("2026-03-29T01:20:00Z"));
        assert_eq!(start, at("2026-03-29T01:00:00Z"), "03:00 CEST");
        // An interval that does not divide the day ends at midnight.
        let odd = cut(25 * 60, "UTC");
        let s = odd.start_of(at("2026-12-01T09:00:00Z"));
        assert_eq!(odd.end_of(s), at("2026-12-02T00:00:00Z"));
    }
}
