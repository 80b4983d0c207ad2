//! Capped exponential backoff with jitter for reconnects.

use std::time::Duration;

/// Delays between reconnect attempts: `initial·2^(n-1)` capped at `max`, with the
/// upper half jittered so that many clients do not reconnect in step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
    /// Retry at once after a connection that was up (then back off): the platform keeps
    /// only `recoveryBufferSize` notifications for recovery.
    pub immediate_first: bool,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(60),
            immediate_first: true,
        }
    }
}

impl Backoff {
    /// The delay before attempt `attempt` (1-based), jitter drawn from `unit` in [0, 1).
    pub fn delay_with(&self, attempt: u32, unit: f64) -> Duration {
        let exp = attempt.saturating_sub(1).min(20);
        let base = self.initial.saturating_mul(1u32 << exp).min(self.max);
        base.mul_f64(0.5 + 0.5 * unit.clamp(0.0, 1.0))
    }

    /// The delay before attempt `attempt`, with random jitter.
    pub fn delay(&self, attempt: u32) -> Duration {
        self.delay_with(attempt, rand::random::<f64>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_caps_and_jitters() {
        let b = Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(2),
            immediate_first: true,
        };
        assert_eq!(b.delay_with(1, 0.999_999).as_millis(), 99);
        assert_eq!(b.delay_with(1, 0.0).as_millis(), 50);
        assert_eq!(b.delay_with(3, 0.0).as_millis(), 200);
        assert_eq!(b.delay_with(30, 0.0), Duration::from_secs(1));
        assert!(b.delay_with(30, 1.0) <= Duration::from_secs(2));
        for n in 1..40 {
            assert!(b.delay(n) <= b.max);
        }
    }
}
