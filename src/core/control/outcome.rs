//! What came of a control request ([`Outcome`]) and whatever carries requests to the
//! platform ([`Control`]).

use super::ControlRequest;
use futures_util::future::BoxFuture;
use std::time::Duration;

/// What came of a control request.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "result", rename_all = "camelCase")]
pub enum Outcome {
    /// Done: what happened, in words (`parked at *801`).
    Done { message: String },
    /// Refused or failed: the platform's `errorCode: message`, or why it wasn't sent.
    Failed { message: String },
    /// 429: nothing is sent until this has passed.
    RateLimited {
        #[serde(with = "millis")]
        retry_after: Duration,
    },
}

impl Outcome {
    /// The status-line text for `verb`, said once (`parked at *801`,
    /// `park failed: TAS-106 …`, `park: rate limited by the platform, retry in 3s`).
    pub fn describe(&self, verb: &str) -> String {
        match self {
            Outcome::Done { message } if message.is_empty() => format!("{verb}: done"),
            Outcome::Done { message } => message.clone(),
            Outcome::Failed { message } => format!("{verb} failed: {message}"),
            Outcome::RateLimited { retry_after } => format!(
                "{verb}: rate limited by the platform, retry in {}s",
                retry_after.as_secs_f64().ceil().max(1.0) as u64
            ),
        }
    }
}

impl Outcome {
    /// The audit trail's line for this outcome of `verb`: `← hold: done`.
    pub fn audit_result(&self, verb: &str) -> String {
        format!("← {}", self.describe(verb))
    }
}

mod millis {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

/// Carries control requests to the platform. Implemented by the REST client, by the
/// relay's request-reply client, and by test doubles; the board holds one as a trait
/// object and never awaits it in its loop.
pub trait Control: Send + Sync {
    /// Runs one request (on a party or an agent); never panics, every failure is an
    /// [`Outcome`].
    fn execute(&self, request: ControlRequest) -> BoxFuture<'static, Outcome>;
}

/// A shared control is a control (a board's, counted by `--metrics`).
impl<C: Control + ?Sized> Control for std::sync::Arc<C> {
    fn execute(&self, request: ControlRequest) -> BoxFuture<'static, Outcome> {
        (**self).execute(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_roundtrip_and_say_their_wait() {
        let o = Outcome::RateLimited {
            retry_after: Duration::from_millis(1500),
        };
        let text = serde_json::to_string(&o).unwrap();
        assert_eq!(serde_json::from_str::<Outcome>(&text).unwrap(), o);
        assert_eq!(
            o.describe("hold"),
            "hold: rate limited by the platform, retry in 2s"
        );
    }
}
