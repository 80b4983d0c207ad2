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
    /// Probability that a call's call-log records never appear.
    pub call_log_missing: f64,
    /// Heavy requests get 429 during the first this-many seconds of every minute.
    pub heavy_429_storm: Option<Duration>,
    /// The call-log endpoints answer 403 (missing ReadCallLog permission).
    pub call_log_forbidden: bool,
    /// The directory and call-queue endpoints (list, details, members) answer 403
    /// (missing ReadAccounts permission).
    pub directory_forbidden: bool,
    /// Probability per voicemail of an extra voicemail for a call that does not exist.
    pub orphan_voicemail: f64,
    /// Probability that a call-log record's legs do not match the call's parties.
    pub mismatched_legs: f64,
}

/// How one call queue routes its calls (its business-hours answering rule, §3.7) and
/// its service-level settings (§3.2).
#[derive(Clone, Debug)]
pub struct QueuePolicy {
    pub sla_threshold_secs: u32,
    pub sla_goal: u32,
    pub include_abandoned: bool,
    pub abandoned_threshold_secs: u32,
    /// `Simultaneous` (ring every free member) instead of `Rotating` (longest idle first).
    pub simultaneous: bool,
    /// How long one member rings before the next is tried (platform seconds).
    pub agent_timeout_secs: f64,
    /// Longest wait in the queue before `overflow_to` / voicemail (platform seconds).
    pub hold_time_secs: f64,
    /// Callers waiting at most; more go to voicemail at once.
    pub max_callers: usize,
    /// The queue (index) a call moves to when the hold time expires; `None`: voicemail.
    pub overflow_to: Option<usize>,
    /// Wrap-up after each answered call before the agent gets the next (platform seconds).
    pub wrap_up_secs: f64,
    /// Answered calls are recorded automatically.
    pub auto_record: bool,
}

impl QueuePolicy {
    /// The two queues of the simulated account: Sales (rotating, to voicemail) and
    /// Support (simultaneous, overflows to Sales, recorded).
    pub fn defaults() -> Vec<QueuePolicy> {
        vec![
            QueuePolicy {
                sla_threshold_secs: 20,
                sla_goal: 80,
                include_abandoned: false,
                abandoned_threshold_secs: 0,
                simultaneous: false,
                agent_timeout_secs: 15.0,
                hold_time_secs: 180.0,
                max_callers: 10,
                overflow_to: None,
                wrap_up_secs: 15.0,
                auto_record: false,
            },
            QueuePolicy {
                sla_threshold_secs: 20,
                sla_goal: 90,
                include_abandoned: true,
                abandoned_threshold_secs: 10,
                simultaneous: true,
                agent_timeout_secs: 20.0,
                hold_time_secs: 120.0,
                max_callers: 8,
                overflow_to: Some(0),
                wrap_up_secs: 10.0,
                auto_record: true,
            },
        ]
    }
}

/// The simulator's configuration.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub seed: u64,
    /// The account's id (its ids start with [`id_prefix`](super::directory::id_prefix)
    /// of it).
    pub account_id: String,
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
    pub heavy_limit_per_min: u32,
    /// Start with calls in progress (`calltop sim --warm-start`; `calltop demo` always).
    pub warm_start: bool,
    /// One per call queue, in directory order.
    pub queue_policies: Vec<QueuePolicy>,
    /// Agents go DND / offline / leave a queue now and then.
    pub agent_churn: bool,
    /// Platform seconds from the end of a call to its call-log records (scaled).
    pub call_log_delay_secs: f64,
    /// Platform seconds from the end of a voicemail to its message (scaled).
    pub voicemail_delay_secs: f64,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 1,
            account_id: super::directory::ACCOUNT_ID.to_string(),
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
            heavy_limit_per_min: 10,
            warm_start: false,
            queue_policies: QueuePolicy::defaults(),
            agent_churn: true,
            call_log_delay_secs: 20.0,
            voicemail_delay_secs: 5.0,
        }
    }
}

/// The fixed demo credentials the simulator accepts, for a server at `server_url`:
/// the owner extension is encoded in the JWT subject.
pub fn demo_credentials(owner_extension_id: &str, server_url: String) -> Credentials {
    Credentials {
        server_url,
        client_id: "CalltopSimDemoClient01".to_string(),
        client_secret: "calltop-sim-demo-secret".to_string(),
        jwt: demo_jwt(owner_extension_id),
    }
}

const JWT_HEADER: &str = r#"{"alg":"RS256","typ":"JWT"}"#;
const JWT_SIGNATURE: &str = "calltop-sim-demo-signature-not-a-real-key";

/// The demo JWT that logs in as the user with extension id `extension_id` (its
/// subject), under the fixed demo signature.
pub fn demo_jwt(extension_id: &str) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let payload = format!(
        r#"{{"aud":"https://platform.ringcentral.com/restapi/oauth/token","sub":"{extension_id}","iss":"https://platform.ringcentral.com","exp":3900000000,"iat":1700000000,"jti":"calltop-sim-demo"}}"#
    );
    format!(
        "{}.{}.{}",
        b64.encode(JWT_HEADER),
        b64.encode(payload),
        b64.encode(JWT_SIGNATURE)
    )
}

/// The subject (an extension id) of `assertion` when it is a demo JWT exactly as
/// [`demo_jwt`] makes it; `None` for anything else.
pub fn demo_jwt_subject(assertion: &str) -> Option<String> {
    use base64::Engine;
    let payload = assertion.split('.').nth(1)?;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&raw).ok()?;
    let sub = v.get("sub")?.as_str()?;
    let plain = !sub.is_empty() && sub.bytes().all(|b| b.is_ascii_digit());
    (plain && demo_jwt(sub) == assertion).then(|| sub.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_demo_jwt_names_its_subject_and_nothing_else_passes() {
        let jwt = demo_jwt("62242401016");
        assert_eq!(demo_jwt_subject(&jwt).as_deref(), Some("62242401016"));
        assert_eq!(
            demo_credentials("62242400016", "http://x".into()).jwt,
            demo_jwt("62242400016")
        );
        let mut parts: Vec<&str> = jwt.split('.').collect();
        parts[2] = "Zm9yZ2Vk";
        assert_eq!(
            demo_jwt_subject(&parts.join(".")),
            None,
            "another signature"
        );
        for bad in ["", "a.b.c", "not a jwt", &jwt[..jwt.len() - 1]] {
            assert_eq!(demo_jwt_subject(bad), None, "{bad:?}");
        }
        assert_eq!(demo_jwt_subject(&demo_jwt("x\"1")), None, "not an id");
    }
}
