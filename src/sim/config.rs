//! Simulator settings: CLI flags, the run-time configuration, fault injection and the
//! demo credentials it accepts.

use std::time::Duration;

/// Command-line flags of `calltop sim`.
#[derive(clap::Args, Debug, Clone)]
pub struct SimArgs {
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub addr: std::net::SocketAddr,
    /// Seed of the call generator (same seed, same calls); random when omitted.
    #[arg(long)]
    pub seed: Option<u64>,
    /// New calls started per minute (on average).
    #[arg(long, default_value_t = 8.0)]
    pub calls_per_minute: f64,
    /// Number of user extensions in the simulated account.
    #[arg(long, default_value_t = 12)]
    pub extensions: u32,
    /// Multiplies every call duration (ring, talk, hold…); 0.1 makes calls ten times shorter.
    #[arg(long, default_value_t = 1.0)]
    pub time_scale: f64,
    /// Access-token lifetime in seconds.
    #[arg(long, default_value_t = 3600)]
    pub access_token_ttl: u64,
    /// Requests per minute per user in rate-limit group Light (Call Control, reads).
    #[arg(long, default_value_t = 50)]
    pub light_limit: u32,
    /// Requests per minute per user in rate-limit group Medium (subscriptions).
    #[arg(long, default_value_t = 40)]
    pub medium_limit: u32,
    /// Requests per minute per user in rate-limit group Auth (token, wstoken).
    #[arg(long, default_value_t = 5)]
    pub auth_limit: u32,
    /// WebSocket session recovery window in seconds.
    #[arg(long, default_value_t = 180)]
    pub recovery_timeout: u64,
    /// Fault: probability that a notification is delivered after the next one.
    #[arg(long, default_value_t = 0.0)]
    pub reorder: f64,
    /// Fault: probability that a notification is delivered twice.
    #[arg(long, default_value_t = 0.0)]
    pub duplicate: f64,
    /// Fault: probability that a malformed frame is sent before a notification.
    #[arg(long, default_value_t = 0.0)]
    pub malformed: f64,
    /// Fault: drop every WebSocket connection after this many seconds.
    #[arg(long)]
    pub drop_every: Option<f64>,
    /// Fault: every session recovery attempt fails.
    #[arg(long)]
    pub refuse_recovery: bool,
    /// Fault: every Nth API request gets a 429.
    #[arg(long)]
    pub force_429_every: Option<u32>,
    /// Fault: delay every HTTP response by this many milliseconds.
    #[arg(long)]
    pub slow_ms: Option<u64>,
}

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
            recovery_timeout_secs: 180,
            recovery_buffer_size: 100,
            time_scale: 1.0,
            generate_calls: true,
            talk_secs: (120.0, 300.0),
            extras: true,
        }
    }
}

impl From<&SimArgs> for SimConfig {
    fn from(a: &SimArgs) -> Self {
        let seed = a.seed.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        });
        SimConfig {
            seed,
            calls_per_minute: a.calls_per_minute.max(0.0),
            extensions: a.extensions.clamp(2, 500),
            faults: Faults {
                reorder: a.reorder.clamp(0.0, 1.0),
                duplicate: a.duplicate.clamp(0.0, 1.0),
                malformed: a.malformed.clamp(0.0, 1.0),
                drop_every: a
                    .drop_every
                    .filter(|s| *s > 0.0)
                    .map(Duration::from_secs_f64),
                refuse_recovery: a.refuse_recovery,
                force_429_every: a.force_429_every.filter(|n| *n > 0),
                slow: a.slow_ms.map(Duration::from_millis),
            },
            access_token_ttl_secs: a.access_token_ttl.max(1),
            light_limit_per_min: a.light_limit,
            medium_limit_per_min: a.medium_limit,
            auth_limit_per_min: a.auth_limit,
            recovery_timeout_secs: a.recovery_timeout,
            time_scale: if a.time_scale > 0.0 {
                a.time_scale
            } else {
                1.0
            },
            ..SimConfig::default()
        }
    }
}

/// The app credentials and JWT the simulator accepts.
#[derive(Clone)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: String,
    pub jwt: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("jwt", &"<redacted>")
            .finish()
    }
}

impl Credentials {
    /// The fixed demo credentials: the owner extension is encoded in the JWT subject.
    pub fn demo(owner_extension_id: &str) -> Credentials {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let client_id = "CalltopSimDemoClient01".to_string();
        let header = b64.encode(r#"{"alg":"RS256","typ":"JWT"}"#);
        let payload = b64.encode(format!(
            r#"{{"aud":"https://platform.ringcentral.com/restapi/oauth/token","sub":"{owner_extension_id}","iss":"https://platform.ringcentral.com","exp":3900000000,"iat":1700000000,"jti":"calltop-sim-demo"}}"#
        ));
        let signature = b64.encode("calltop-sim-demo-signature-not-a-real-key");
        Credentials {
            client_id,
            client_secret: "calltop-sim-demo-secret".to_string(),
            jwt: format!("{header}.{payload}.{signature}"),
        }
    }
}
