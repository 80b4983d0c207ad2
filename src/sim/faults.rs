//! Fault injection on the notification stream of one socket: reordering,
//! duplication and malformed frames (socket drops live in the gateway loop).

use super::config::Faults;
use rand::rngs::StdRng;
use rand::Rng;

/// Per-connection fault state: its own random stream and the frame held back for
/// reordering.
pub struct FaultState {
    rng: StdRng,
    /// A notification held back to be sent after the next one.
    pub held: Option<String>,
}

const MALFORMED: &[&str] = &[
    "[{\"type\":\"ServerNotification\",\"messageId\":\"",
    "{\"not\":\"an array\"}",
    "[]",
    "\u{0}\u{1}garbage",
    "[{\"type\":\"ServerNotification\"},{\"uuid\":1,\"body\":{\"telephonySessionId\":null}}]",
];

impl FaultState {
    /// Fault state seeded per connection.
    pub fn new(rng: StdRng) -> FaultState {
        FaultState { rng, held: None }
    }

    /// The frames to write for one notification, in order.
    pub fn apply(&mut self, f: &Faults, frame: String) -> Vec<String> {
        let mut out = Vec::with_capacity(3);
        if f.malformed > 0.0 && self.rng.random_bool(f.malformed) {
            out.push(MALFORMED[self.rng.random_range(0..MALFORMED.len())].to_string());
        }
        let dup = f.duplicate > 0.0 && self.rng.random_bool(f.duplicate);
        if let Some(h) = self.held.take() {
            out.push(frame.clone());
            out.push(h);
        } else if f.reorder > 0.0 && self.rng.random_bool(f.reorder) {
            self.held = Some(frame.clone());
            if dup {
                out.push(frame);
            }
            return out;
        } else {
            out.push(frame.clone());
        }
        if dup {
            out.push(frame);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn reorder_swaps_neighbours_and_loses_nothing() {
        let mut s = FaultState::new(StdRng::seed_from_u64(3));
        let f = Faults {
            reorder: 1.0,
            ..Faults::default()
        };
        assert!(s.apply(&f, "a".into()).is_empty());
        assert_eq!(
            s.apply(&f, "b".into()),
            vec!["b".to_string(), "a".to_string()]
        );
        assert!(s.apply(&f, "c".into()).is_empty());
        assert_eq!(s.held.as_deref(), Some("c"));
        let none = Faults::default();
        assert_eq!(
            s.apply(&none, "d".into()),
            vec!["d".to_string(), "c".to_string()]
        );
    }

    #[test]
    fn duplicate_and_malformed() {
        let mut s = FaultState::new(StdRng::seed_from_u64(3));
        let f = Faults {
            duplicate: 1.0,
            malformed: 1.0,
            ..Faults::default()
        };
        let out = s.apply(&f, "x".into());
        assert_eq!(out.len(), 3);
        assert_eq!(&out[1..], &["x".to_string(), "x".to_string()]);
        assert!(crate::wire::parse(&out[0]).is_err() || out[0] != "x");
    }
}
