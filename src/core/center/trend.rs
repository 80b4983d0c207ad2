//! Trends (the board's last hour per queue): per interval of the center's [`Cut`], the
//! **peak waiting** — the most callers waiting in the queue at once at any moment of the
//! interval, as the center's waiting list changed on the stream's clock (callers
//! already waiting when the interval started count) — and the interval's service level
//! (the interval figures' own: the calls that entered in it). An interval that ended before
//! the center heard its first call after counting began is unknown (`None`), not zero.

use super::*;

/// The board's interval (minutes) when no alarms file sets one.
pub const TREND_INTERVAL_MIN: i64 = 15;

/// One queue's waiting count per interval, as it changed.
#[derive(Clone, Debug, Default)]
pub(super) struct WaitPeaks {
    /// By (queue key, interval start): the peak in the interval and the count its last
    /// change left.
    peaks: BTreeMap<(u64, Ts), Peak>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Peak {
    max: u64,
    last: u64,
}

impl WaitPeaks {
    /// The count the interval starting at `start` began with: the last change before it
    /// (0 when the queue never had one).
    fn carried(&self, key: u64, start: Ts) -> u64 {
        self.peaks
            .range((key, Ts(i64::MIN))..(key, start))
            .next_back()
            .map_or(0, |(_, p)| p.last)
    }

    /// Queue `key` has `n` callers waiting from `at`, in the interval starting `start`.
    pub(super) fn note(&mut self, key: u64, start: Ts, n: u64) {
        let carried = self.carried(key, start);
        let p = self.peaks.entry((key, start)).or_insert(Peak {
            max: carried,
            last: carried,
        });
        p.max = p.max.max(n);
        p.last = n;
    }

    /// The peak of queue `key` in the interval starting at `start`.
    pub(super) fn peak(&self, key: u64, start: Ts) -> u64 {
        self.peaks
            .get(&(key, start))
            .map_or_else(|| self.carried(key, start), |p| p.max)
    }
}

/// One interval of a queue's trend.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrendPoint {
    /// The interval's start.
    pub start: Ts,
    /// The most callers waiting at once in it; `None`: unknown (before calltop heard).
    pub waiting_peak: Option<u64>,
    /// The peak is a lower bound: callers may have waited unseen in the interval (it
    /// began before calltop could know every caller waiting, after joining or an outage).
    pub waiting_bound: bool,
    /// Its service level (%); `None`: unknown (calltop joined after the interval began),
    /// or no call to measure.
    pub service_level: Option<f64>,
    /// The interval `now` falls in: its figures still move.
    pub current: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::center::Cut;
    use crate::core::zone::Zone;

    fn at(s: &str) -> Ts {
        Ts::parse(s).unwrap()
    }

    /// The peak counts callers carried into the interval and every rise in it, not the
    /// count at its end; an interval with no change holds the count it began with.
    #[test]
    fn the_peak_is_the_most_waiting_at_once_in_each_interval() {
        let cut = Cut {
            len_ms: 15 * 60_000,
            zone: Zone::parse("UTC").unwrap(),
        };
        let mut p = WaitPeaks::default();
        let mut note = |t: &str, n| p.note(7, cut.start_of(at(t)), n);
        note("2026-12-01T09:01:00Z", 1);
        note("2026-12-01T09:02:00Z", 3);
        note("2026-12-01T09:10:00Z", 2);
        // 09:15–09:30 starts with 2 waiting, one leaves: its peak is 2.
        note("2026-12-01T09:20:00Z", 1);
        let s = |t| cut.start_of(at(t));
        assert_eq!(p.peak(7, s("2026-12-01T09:00:00Z")), 3);
        assert_eq!(p.peak(7, s("2026-12-01T09:15:00Z")), 2);
        // 09:30–09:45: nothing changed, the one still waiting.
        assert_eq!(p.peak(7, s("2026-12-01T09:30:00Z")), 1);
        // Before any change, and another queue: none waiting.
        assert_eq!(p.peak(7, s("2026-12-01T08:45:00Z")), 0);
        assert_eq!(p.peak(8, s("2026-12-01T09:00:00Z")), 0);
    }
}
