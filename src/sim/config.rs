//! Simulator settings: the run-time configuration, fault injection and the demo
//! credentials it accepts.

use crate::wire::Credentials;
use std::time::Duration;

/// Fault injection, changeable at run time ([`super::SimHandle::set_faults`]).
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Probability that a notification is held back and sent after the next one.
    pub reorder: f64,
    /// Probability that a notification is sent twice.
    pub duplicate: f64,
    /// Probability that a malformed frame is sent before a notification.
    pub malformed: f64,
    /// Close every WebSocket connection this long after it opened.
    pub drop_every: Option<Duration>,
    /// Answer every recovery attempt with `recoveryState: Failed`.
    pub refuse_recovery: bool,
    /// Every Nth API request (any group) gets a 429.
    pub force_429_every: Option<u32>,
    /// Delay every HTTP response by this much.
    pub slow: Option<Duration>,
}

/// The simulator's configuration.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub seed: u64,
    pub calls_per_minute: f64,
    /// User extensions in the account (besides the IVR and the call queues).
    pub extensions: u32,
    pub faults: Faults,
    pub access_token_ttl_secs: u64,
    pub refresh_token_ttl_secs: u64,
    /// Lifetime of a wstoken (single use).
    pub ws_token_ttl_secs: u64,
    pub light_limit_per_min: u32,
    pub medium_limit_per_min: u32,
    pub auth_limit_per_min: u32,
    /// Penalty after exceeding a limit (reset by every request made during it).
    pub penalty_secs: u64,
    /// The rate-limit window (the platform's is a minute; tests shorten it).
    pub rate_window_secs: u64,
    pub recovery_timeout_secs: u64,
    pub recovery_buffer_size: usize,
    /// Multiplies every call duration; tests use e.g. 0.01.
    pub time_scale: f64,
    /// Whether the generator starts calls on its own.
    pub generate_calls: bool,
    /// Talk time range in seconds (before scaling).
    pub talk_secs: (f64, f64),
    /// Random extras during calls: hold, mute, recording, park, transfers, missed calls.
    pub extras: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 1,
            calls_per_minute: 8.0,
            extensions: 12,
            faults: Faults::default(),
            access_token_ttl_secs: 3600,
            refresh_token_ttl_secs: 604_800,
            ws_token_ttl_secs: 60,
            light_limit_per_min: 50,
            medium_limit_per_min: 40,
            auth_limit_per_min: 5,
            penalty_secs: 60,
            rate_window_secs: 60,
            recovery_timeout_secs: 180,
            recovery_buffer_size: 100,
            time_scale: 1.0,
            generate_calls: true,
            talk_secs: (120.0, 300.0),
            extras: true,
        }
    }
}

/// The fixed demo credentials the simulator accepts, for a server at `server_url`:
/// the owner extension is encoded in the JWT subject.
pub fn demo_credentials(owner_extension_id: &str, server_url: String) -> Credentials {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = b64.encode(r#"{"alg":"RS256","typ":"JWT"}"#);
    let payload = b64.encode(format!(
        r#"{{"aud":"https://platform.ringcentral.com/restapi/oauth/token","sub":"{owner_extension_id}","iss":"https://platform.ringcentral.com","exp":3900000000,"iat":1700000000,"jti":"calltop-sim-demo"}}"#
    ));
    let signature = b64.encode("calltop-sim-demo-signature-not-a-real-key");
    Credentials {
        server_url,
        client_id: "CalltopSimDemoClient01".to_string(),
        client_secret: "calltop-sim-demo-secret".to_string(),
        jwt: format!("{header}.{payload}.{signature}"),
    }
}
