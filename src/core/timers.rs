//! Ring, talk and hold time by RingCentral's formulas, from `eventTime`:
//! ring = Proceeding → the next state (Answered, Disconnected, …) before the first answer;
//! talk = each Answered → the next state (Hold, Disconnected, …);
//! hold = each Hold → the next state (Answered, Disconnected, …).
//! A party still in a timed state accrues time up to the `now` passed in.

use super::party::StatusChange;
use crate::wire::{StatusCode, Ts};

/// One party's call-time figures, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CallTimes {
    pub ring_ms: i64,
    pub talk_ms: i64,
    pub hold_ms: i64,
    /// Time in the current state (0 once the party has left the call).
    pub in_state_ms: i64,
    /// `in_state_ms` is a lower bound: calltop learned of the state already under way
    /// (a REST snapshot), not when it began.
    pub in_state_bound: bool,
    /// Figures not known in full ([`Bucket::bit`]s): a state still open where the input
    /// ends without saying how long it lasted (a fragment), or any time of a party first
    /// learned of by snapshot (how its call went before the snapshot was not seen).
    pub unknown: u8,
    /// `in_state_ms` is not known: a state still open at the end of a fragment.
    pub in_state_unknown: bool,
}

/// Which figure time in a state counts towards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bucket {
    Ring,
    Talk,
    Hold,
    None,
}

/// The state a party is still in (not terminal): the figure its time counts towards
/// and since when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Running {
    pub bucket: Bucket,
    pub since: Ts,
    /// `since` is when the state began; false: only when calltop learned of it.
    pub known: bool,
}

/// A clock range `(after, until]` in which no running state starts counting: time
/// in each state is `max(0, now − since)`, so over this range every running state
/// either grows 1 ms per ms (since ≤ after) or stays at zero (since ≥ until).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinearRange {
    after: i64,
    until: i64,
}

impl LinearRange {
    /// Every clock.
    pub const ALWAYS: LinearRange = LinearRange {
        after: i64::MIN,
        until: i64::MAX,
    };

    /// Narrows the range, built at `now`, by a state running since `since`; true when
    /// that state is counting at `now`.
    pub fn note(&mut self, since: Ts, now: Ts) -> bool {
        if since < now {
            self.after = self.after.max(since.0);
            true
        } else {
            self.until = self.until.min(since.0);
            false
        }
    }

    /// True when `now` is in the range.
    pub fn covers(&self, now: Ts) -> bool {
        self.after < now.0 && now.0 <= self.until
    }
}

impl Bucket {
    /// The bucket's bit in [`CallTimes::unknown`] (none for [`Bucket::None`]).
    pub fn bit(self) -> u8 {
        match self {
            Bucket::Ring => 1,
            Bucket::Talk => 2,
            Bucket::Hold => 4,
            Bucket::None => 0,
        }
    }

    /// Every figure's bit.
    pub const ALL: u8 = 7;

    /// The figures time unseen may have gone to, from a state in `bucket` to a change
    /// learned by snapshot (a call found gone, or in another state, after an outage):
    /// that state's, and talk and hold (answered, held, picked up in the gap), and ring
    /// while not yet answered.
    pub fn unseen_gap(bucket: Bucket, answered: bool) -> u8 {
        let ring = if answered { 0 } else { Bucket::Ring.bit() };
        bucket.bit() | Bucket::Talk.bit() | Bucket::Hold.bit() | ring
    }
}

fn bucket(code: &StatusCode, answered_before: bool) -> Bucket {
    match code {
        StatusCode::Proceeding if !answered_before => Bucket::Ring,
        StatusCode::Answered => Bucket::Talk,
        StatusCode::Hold => Bucket::Hold,
        _ => Bucket::None,
    }
}

impl CallTimes {
    /// The time counted towards a bucket (none for [`Bucket::None`]).
    pub fn bucket_mut(&mut self, b: Bucket) -> Option<&mut i64> {
        match b {
            Bucket::Ring => Some(&mut self.ring_ms),
            Bucket::Talk => Some(&mut self.talk_ms),
            Bucket::Hold => Some(&mut self.hold_ms),
            Bucket::None => None,
        }
    }

    /// The time counted towards a bucket, `None` when it is not known
    /// ([`CallTimes::unknown`]).
    pub fn known(&self, b: Bucket) -> Option<i64> {
        let ms = match b {
            Bucket::Ring => self.ring_ms,
            Bucket::Talk => self.talk_ms,
            Bucket::Hold => self.hold_ms,
            Bucket::None => return None,
        };
        (self.unknown & b.bit() == 0).then_some(ms)
    }

    /// The time in the current state, `None` when it is not known.
    pub fn in_state(&self) -> Option<i64> {
        (!self.in_state_unknown).then_some(self.in_state_ms)
    }

    pub(crate) fn add(&mut self, b: Bucket, ms: i64) {
        if let Some(v) = self.bucket_mut(b) {
            *v += ms;
        }
    }

    /// The figures of a party's finished intervals, and the state it is still in.
    /// [`CallTimes::of`] at `now` is these plus `since → now` in the running bucket.
    /// A party whose start was not seen — first learned of by snapshot (its first
    /// status change is synthetic), or `joined` part way through (first heard past its
    /// start, in a call not heard from its start) — has every figure unknown and its
    /// first state's length a lower bound: how its time went before was not seen. A
    /// state left at a change learned by snapshot has an unknown length, and so has
    /// every figure the time between may have gone to ([`Bucket::unseen_gap`]): when it
    /// ended, and what came between, was not seen (a call found gone after an outage).
    pub fn split(history: &[StatusChange], joined: bool) -> (CallTimes, Option<Running>) {
        let mut f = CallTimes::default();
        let first = history.iter().position(|m| m.code.is_some());
        if joined || first.is_some_and(|i| history[i].synthetic) {
            f.unknown = Bucket::ALL;
        }
        let mut cur: Option<(&StatusCode, Ts, bool)> = None;
        let mut answered = false;
        for (i, m) in history.iter().enumerate() {
            let (Some(code), Some(at)) = (&m.code, m.at) else {
                continue;
            };
            if let Some((c, since, _)) = cur {
                if c == code {
                    // Still in that state (a mute, a recording, a repeat): it runs on.
                    continue;
                }
                // Learned by snapshot (a reconcile finding the call gone after an
                // outage): when the state before ended, and what came between, unseen.
                match m.synthetic {
                    true => f.unknown |= Bucket::unseen_gap(bucket(c, answered), answered),
                    false => f.add(bucket(c, answered), since.millis_until(at)),
                }
            }
            answered |= *code == StatusCode::Answered;
            let unseen = m.synthetic || (joined && Some(i) == first);
            cur = Some((code, at, !unseen));
        }
        let running = cur
            .filter(|(c, _, _)| !c.is_terminal())
            .map(|(c, since, known)| Running {
                bucket: bucket(c, answered),
                since,
                known,
            });
        (f, running)
    }

    /// Computes the figures of a party's status history (sorted by sequence; `joined`
    /// as in [`CallTimes::split`]). `now` extends the current state's interval; `None`:
    /// its length is not known (the input ended without saying), so that figure is
    /// unknown.
    pub fn of(history: &[StatusChange], now: Option<Ts>, joined: bool) -> CallTimes {
        CallTimes::at(CallTimes::split(history, joined), now)
    }

    /// Finished figures plus the running state's `since → now` (see [`CallTimes::split`]).
    pub fn at((mut f, running): (CallTimes, Option<Running>), now: Option<Ts>) -> CallTimes {
        match (running, now) {
            (Some(r), Some(now)) => {
                let ms = r.since.millis_until(now);
                f.add(r.bucket, ms);
                f.in_state_ms = ms;
                f.in_state_bound = !r.known;
            }
            (Some(r), None) => {
                f.unknown |= r.bucket.bit();
                f.in_state_unknown = true;
            }
            (None, _) => {}
        }
        f
    }
}

/// Milliseconds as seconds with three decimals (for reports).
pub fn secs(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// Milliseconds as a compact clock: `7s`, `4:05`, `1:02:03`.
pub fn clock(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    let (h, m, s) = (s / 3600, (s / 60) % 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else if m > 0 {
        format!("{m}:{s:02}")
    } else {
        format!("{s}s")
    }
}

/// [`clock`], `≥` before it when it is only a lower bound (a state, or a wait, under way
/// when calltop learned of it).
pub fn clock_bound(ms: i64, bound: bool) -> String {
    if bound {
        format!("≥{}", clock(ms))
    } else {
        clock(ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(seq: i64, at: i64, code: StatusCode) -> StatusChange {
        StatusChange {
            seq,
            at: Some(Ts(at)),
            code: Some(code),
            reason: None,
            synthetic: false,
        }
    }

    #[test]
    fn an_event_without_a_state_change_does_not_restart_the_timer() {
        use StatusCode::*;
        // Answered at 1 s, then a mute (same code) at 5 s: still talking since 1 s.
        let h = [
            mark(2, 0, Proceeding),
            mark(3, 1_000, Answered),
            mark(4, 5_000, Answered),
        ];
        let f = CallTimes::of(&h, Some(Ts(9_000)), false);
        assert_eq!((f.ring_ms, f.talk_ms, f.in_state_ms), (1_000, 8_000, 8_000));
        assert!(!f.in_state_bound);
    }

    #[test]
    fn a_state_learned_by_snapshot_is_a_lower_bound_until_it_changes() {
        use StatusCode::*;
        let seeded = StatusChange {
            synthetic: true,
            ..mark(0, 10_000, Parked)
        };
        let f = CallTimes::of(std::slice::from_ref(&seeded), Some(Ts(14_000)), false);
        assert_eq!((f.in_state_ms, f.in_state_bound), (4_000, true));
        let f = CallTimes::of(
            &[seeded, mark(5, 20_000, Answered)],
            Some(Ts(21_000)),
            false,
        );
        assert_eq!((f.in_state_ms, f.in_state_bound), (1_000, false));
    }

    #[test]
    fn formulas() {
        use StatusCode::*;
        let h = [
            mark(6, 0, Setup),
            mark(7, 1_000, Proceeding),
            mark(8, 8_345, Answered),
            mark(9, 12_945, Hold),
            mark(10, 15_338, Answered),
            mark(11, 23_152, Disconnected),
        ];
        let f = CallTimes::of(&h, Some(Ts(99_999)), false);
        assert_eq!(
            (f.ring_ms, f.talk_ms, f.hold_ms, f.in_state_ms),
            (7_345, 4_600 + 7_814, 2_393, 0)
        );
        // Still on hold at 14s: hold runs, in-state is the hold so far.
        let f = CallTimes::of(&h[..4], Some(Ts(14_000)), false);
        assert_eq!(
            (f.ring_ms, f.talk_ms, f.hold_ms, f.in_state_ms),
            (7_345, 4_600, 1_055, 1_055)
        );
        // Without a clock the running interval is not counted.
        assert_eq!(CallTimes::of(&h[..4], None, false).hold_ms, 0);
        // Ringing that ends unanswered counts as ring time.
        let missed = [mark(2, 0, Proceeding), mark(3, 20_000, Disconnected)];
        assert_eq!(CallTimes::of(&missed, None, false).ring_ms, 20_000);
    }

    #[test]
    fn clocks() {
        assert_eq!(clock(7_345), "7s");
        assert_eq!(clock(245_000), "4:05");
        assert_eq!(clock(3_723_000), "1:02:03");
    }
}
