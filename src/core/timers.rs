//! Ring, talk and hold time by RingCentral's formulas, from `eventTime`:
//! ring = Proceeding → the next state (Answered, Disconnected, …) before the first answer;
//! talk = each Answered → the next state (Hold, Disconnected, …);
//! hold = each Hold → the next state (Answered, Disconnected, …).
//! A party still in a timed state accrues time up to the `now` passed in.

use super::party::Mark;
use crate::wire::{StatusCode, Ts};

/// One party's call-time figures, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    pub ring_ms: i64,
    pub talk_ms: i64,
    pub hold_ms: i64,
    /// Time in the current state (0 once the party has left the call).
    pub in_state_ms: i64,
}

enum Bucket {
    Ring,
    Talk,
    Hold,
    None,
}

fn bucket(code: &StatusCode, answered_before: bool) -> Bucket {
    match code {
        StatusCode::Proceeding if !answered_before => Bucket::Ring,
        StatusCode::Answered => Bucket::Talk,
        StatusCode::Hold => Bucket::Hold,
        _ => Bucket::None,
    }
}

impl Figures {
    fn add(&mut self, b: Bucket, ms: i64) {
        match b {
            Bucket::Ring => self.ring_ms += ms,
            Bucket::Talk => self.talk_ms += ms,
            Bucket::Hold => self.hold_ms += ms,
            Bucket::None => {}
        }
    }

    /// Computes the figures of a party's status history (sorted by sequence).
    /// `now` extends the current state's interval; `None` stops at the last event.
    pub fn of(history: &[Mark], now: Option<Ts>) -> Figures {
        let mut f = Figures::default();
        let mut cur: Option<(&StatusCode, Ts)> = None;
        let mut answered = false;
        for m in history {
            let (Some(code), Some(at)) = (&m.code, m.at) else {
                continue;
            };
            if let Some((c, since)) = cur {
                f.add(bucket(c, answered), since.millis_until(at));
            }
            answered |= *code == StatusCode::Answered;
            cur = Some((code, at));
        }
        if let (Some((c, since)), Some(now)) = (cur, now) {
            if !c.is_terminal() {
                let ms = since.millis_until(now);
                f.add(bucket(c, answered), ms);
                f.in_state_ms = ms;
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(seq: i64, at: i64, code: StatusCode) -> Mark {
        Mark {
            seq,
            at: Some(Ts(at)),
            code: Some(code),
            reason: None,
            synthetic: false,
        }
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
        let f = Figures::of(&h, Some(Ts(99_999)));
        assert_eq!(
            (f.ring_ms, f.talk_ms, f.hold_ms, f.in_state_ms),
            (7_345, 4_600 + 7_814, 2_393, 0)
        );
        // Still on hold at 14s: hold runs, in-state is the hold so far.
        let f = Figures::of(&h[..4], Some(Ts(14_000)));
        assert_eq!(
            (f.ring_ms, f.talk_ms, f.hold_ms, f.in_state_ms),
            (7_345, 4_600, 1_055, 1_055)
        );
        // Without a clock the running interval is not counted.
        assert_eq!(Figures::of(&h[..4], None).hold_ms, 0);
        // Ringing that ends unanswered counts as ring time.
        let missed = [mark(2, 0, Proceeding), mark(3, 20_000, Disconnected)];
        assert_eq!(Figures::of(&missed, None).ring_ms, 20_000);
    }

    #[test]
    fn clocks() {
        assert_eq!(clock(7_345), "7s");
        assert_eq!(clock(245_000), "4:05");
        assert_eq!(clock(3_723_000), "1:02:03");
    }
}
