//! Single calls built party change by party change (call-level figures, history);
//! shared with the tui tests.

use calltop::core::SessionStore;
use calltop::wire::{self, Ts};
use serde_json::json;

/// One party change: (sequence, eventTime ms after the call's t0, party suffix,
/// direction, status code, reason, has an extension).
pub type Change<'a> = (i64, i64, &'a str, &'a str, &'a str, Option<&'a str>, bool);

pub const T0: i64 = 1_592_874_343_940; // 2020-06-23T01:05:43.940Z

pub fn store_of(changes: &[Change]) -> SessionStore {
    let mut store = SessionStore::default();
    for &(seq, ms, suffix, dir, code, reason, ext) in changes {
        let at = Ts(T0 + ms);
        let mut status = json!({ "code": code });
        if let Some(r) = reason {
            status["reason"] = json!(r);
        }
        let mut party = json!({
            "id": format!("p-1{suffix}"),
            "direction": dir,
            "from": { "phoneNumber": "+14083388064" },
            "to": { "phoneNumber": "+18003151571" },
            "status": status,
        });
        if ext {
            party["extensionId"] = json!(format!("ext{suffix}"));
        }
        let text = json!({
            "uuid": format!("u-{seq}"),
            "event": "/restapi/v1.0/account/1/telephony/sessions",
            "timestamp": at.to_rfc3339(),
            "body": {
                "sequence": seq,
                "telephonySessionId": "s-1",
                "eventTime": at.to_rfc3339(),
                "parties": [party],
            }
        })
        .to_string();
        store.ingest(wire::parse(&text).expect("parses"), at);
    }
    store
}

/// PSTN-RingCentral-DataStreams.jsonl: PSTN caller (-1, Outbound) → IVR leg (-2) →
/// user (-3): rings, answers, holds, talks, hangs up.
pub const PSTN_TO_RC: &[Change] = &[
    (2, 0, "-1", "Outbound", "Setup", None, false),
    (3, 24, "-2", "Inbound", "Setup", None, true),
    (4, 143, "-1", "Outbound", "Answered", None, false),
    (5, 8_687, "-2", "Inbound", "Disconnected", None, true),
    (6, 8_687, "-3", "Inbound", "Setup", None, true),
    (7, 8_716, "-3", "Inbound", "Proceeding", None, true),
    (8, 16_061, "-3", "Inbound", "Answered", None, true),
    (9, 20_661, "-3", "Inbound", "Hold", None, true),
    (10, 23_054, "-3", "Inbound", "Answered", None, true),
    (11, 30_868, "-3", "Inbound", "Disconnected", None, true),
    (12, 30_872, "-1", "Outbound", "Disconnected", None, false),
];
