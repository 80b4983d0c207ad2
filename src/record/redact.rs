//! Masking phone numbers and names in recorded frames, stably: the same value gives
//! the same mask within a recording (a short keyed hash), so a replay still groups
//! calls by caller. Secrets (tokens) are always masked.

use serde_json::Value;
use std::hash::{Hash, Hasher};

/// Keys whose string values are phone numbers.
const PHONE_KEYS: [&str; 3] = ["phoneNumber", "from", "to"];
/// Keys whose string values are names or addresses.
const NAME_KEYS: [&str; 6] = [
    "name",
    "fromName",
    "toName",
    "remoteUri",
    "localUri",
    "callerIdName",
];
/// Keys whose values are secrets.
const SECRET_KEYS: [&str; 4] = ["access_token", "refresh_token", "ws_access_token", "token"];

/// A keyed masker.
#[derive(Clone, Debug)]
pub struct Redactor {
    key: u64,
}

impl Redactor {
    /// A masker with a fresh random key, or the key in `CALLTOP_REDACT_KEY` (so that
    /// several recordings mask the same caller the same way).
    pub fn new() -> Redactor {
        match std::env::var("CALLTOP_REDACT_KEY") {
            Ok(k) if !k.is_empty() => Redactor::with_key(&k),
            _ => Redactor {
                key: rand::random(),
            },
        }
    }

    /// A masker with a fixed key.
    pub fn with_key(key: &str) -> Redactor {
        Redactor {
            key: hash64(0x5eed, key),
        }
    }

    fn digest(&self, v: &str) -> u64 {
        hash64(self.key, v)
    }

    /// `+15551234567` → `+999` and eight digits.
    pub fn phone(&self, v: &str) -> String {
        let d = self.digest(v) % 100_000_000;
        if v.starts_with('+') || v.len() > 5 {
            format!("+999{d:08}")
        } else {
            // short extension numbers keep their length
            let s = format!("{d:08}");
            s[s.len() - v.len().clamp(1, 8)..].to_string()
        }
    }

    /// A name → `Name-1a2b3c`.
    pub fn name(&self, v: &str) -> String {
        format!("Name-{:06x}", self.digest(v) & 0xff_ffff)
    }

    /// Masks a JSON value in place.
    pub fn value(&self, v: &mut Value) {
        self.walk(v, None);
    }

    fn walk(&self, v: &mut Value, parent: Option<&str>) {
        match v {
            Value::Object(map) => {
                for (k, child) in map.iter_mut() {
                    if let Value::String(s) = child {
                        if SECRET_KEYS.contains(&k.as_str()) {
                            *s = "<redacted>".into();
                        } else if PHONE_KEYS.contains(&k.as_str()) {
                            *s = self.phone(s);
                        } else if NAME_KEYS.contains(&k.as_str())
                            || (k == "value" && parent == Some("uiCallInfo"))
                        {
                            *s = self.name(s);
                        }
                    } else {
                        let under = if parent == Some("uiCallInfo") {
                            Some("uiCallInfo")
                        } else {
                            Some(k.as_str())
                        };
                        self.walk(child, under);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| self.walk(i, parent)),
            _ => {}
        }
    }

    /// Masks text that is not JSON: every run of 7+ digits.
    pub fn text(&self, t: &str) -> String {
        let mut out = String::with_capacity(t.len());
        let mut run = String::new();
        let flush = |run: &mut String, out: &mut String| {
            if run.len() >= 7 {
                out.push_str(&self.phone(run)[1..]);
            } else {
                out.push_str(run);
            }
            run.clear();
        };
        for c in t.chars() {
            if c.is_ascii_digit() {
                run.push(c);
            } else {
                flush(&mut run, &mut out);
                out.push(c);
            }
        }
        flush(&mut run, &mut out);
        out
    }
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor::new()
    }
}

/// True when raw text may hold a secret [`scrub_secrets`] would replace.
pub fn mentions_secret(text: &str) -> bool {
    SECRET_KEYS
        .iter()
        .any(|k| text.contains(&format!("\"{k}\"")))
}

/// Replaces secret values (tokens: OAuth, WebSocket, session recovery) with
/// `<redacted>`; always applied when a frame mentions one.
pub fn scrub_secrets(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if SECRET_KEYS.contains(&k.as_str()) && child.is_string() {
                    *child = Value::String("<redacted>".into());
                } else {
                    scrub_secrets(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(scrub_secrets),
        _ => {}
    }
}

fn hash64(key: u64, v: &str) -> u64 {
    #[allow(deprecated)]
    let mut h =
        std::hash::SipHasher::new_with_keys(key, key.rotate_left(32) ^ 0x9e37_79b9_7f4a_7c15);
    v.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_are_stable_and_hide_values() {
        let r = Redactor::with_key("k");
        assert_eq!(r.phone("+14083388064"), r.phone("+14083388064"));
        assert_ne!(r.phone("+14083388064"), r.phone("+14083388065"));
        assert!(r.phone("+14083388064").starts_with("+999"));
        assert_eq!(r.phone("101").len(), 3);
        let mut v = json!({"body": {"parties": [{"id": "p-1", "from": {"phoneNumber": "+14083388064", "name": "TESTER Babji"},
            "to": {"phoneNumber": "+18003151571"}, "uiCallInfo": {"primary": {"type": "QueueName", "value": "Sales"}},
            "status": {"code": "Setup", "mobilePickupData": {"to": "#1052016@sip"}}}],
            "activeCalls": [{"from": "+14083388064", "fromName": "Bob"}]}, "wsc": {"token": "abc", "sequence": 3}});
        r.value(&mut v);
        let s = v.to_string();
        for secret in [
            "4083388064",
            "Babji",
            "8003151571",
            "Sales",
            "Bob",
            "1052016",
            "abc",
        ] {
            assert!(!s.contains(secret), "{secret} leaked: {s}");
        }
        assert!(s.contains("p-1") && s.contains("Setup") && s.contains("QueueName"));
        assert_eq!(
            v["body"]["parties"][0]["from"]["phoneNumber"],
            v["body"]["activeCalls"][0]["from"]
        );
        assert_eq!(
            r.text("call +14083388064 now"),
            format!("call +{} now", &r.phone("14083388064")[1..])
        );
    }

    #[test]
    fn secrets_are_scrubbed() {
        let mut v = json!([{"type": "ClientRequest"}, {"access_token": "AT", "uri": "wss://x", "ws_access_token": "WT"}]);
        assert!(mentions_secret(&v.to_string()));
        scrub_secrets(&mut v);
        assert!(!v.to_string().contains("AT\"") && !v.to_string().contains("WT"));
        let mut v = json!([{"type": "ServerNotification", "wsc": {"token": "RECOVERY", "sequence": 7}}, {}]);
        assert!(mentions_secret(&v.to_string()));
        scrub_secrets(&mut v);
        assert_eq!(v[0]["wsc"], json!({"token": "<redacted>", "sequence": 7}));
        assert!(!mentions_secret(r#"[{"type":"Heartbeat"}]"#));
    }
}
