//! WebSocket sessions and their subscriptions: which notifications go where, and the
//! recovery buffer that keeps what a dropped socket missed.

use crate::wire::{
    encode_frame, Envelope, MessageType, Notification, SessionEvent, Ts, WsMeta, Wsc,
};
use std::collections::{HashMap, VecDeque};
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;

/// What the gateway writer task sends on a socket.
#[derive(Debug)]
pub enum Out {
    /// A notification frame (subject to fault injection).
    Notification(String),
    /// Any other frame (replies, heartbeats, errors).
    Frame(String),
    /// Close the socket (another connection took the session over).
    Close,
}

/// How much a presence filter asks for (§2.4): `detailedTelephonyState=true` adds
/// `activeCalls`, `sipData=true` adds their SIP data (and implies detailed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Detail {
    Simple,
    Detailed,
    Sip,
}

impl Detail {
    /// The detail a filter's (or a REST request's) query asks for.
    pub fn of(query: Option<&str>) -> Detail {
        let on = |k: &str| {
            query.is_some_and(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .any(|(key, v)| key == k && v.eq_ignore_ascii_case("true"))
            })
        };
        if on("sipData") {
            Detail::Sip
        } else if on("detailedTelephonyState") {
            Detail::Detailed
        } else {
            Detail::Simple
        }
    }
}

/// The bodies of one presence change, one per filter variant.
pub struct PresenceBodies {
    pub simple: serde_json::Value,
    pub detailed: serde_json::Value,
    pub sip: serde_json::Value,
    /// `{extensionId, dndStatus}` when the DND status changed (`…/presence/dnd`).
    pub dnd: Option<serde_json::Value>,
}

/// One parsed event filter.
#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    /// `/restapi/v1.0/account/{a}/telephony/sessions`: every call of the account.
    AccountSessions,
    /// `/restapi/v1.0/account/{a}/extension/{e}/telephony/sessions`: calls with a party of `e`.
    ExtensionSessions(String),
    /// `/restapi/v1.0/account/{a}/extension/{e}/presence…`: presence of `e`.
    Presence(String, Detail),
    /// `/restapi/v1.0/account/{a}/presence…`: presence of every user.
    AccountPresence(Detail),
    /// `…/extension/{e}/presence/dnd`: DND changes of `e`.
    PresenceDnd(String),
    /// `/restapi/v1.0/account/{a}/call-queues/{q}/presence`: member availability in `q`.
    QueuePresence(String),
    /// `…/extension/{e}/message-store[?type=…]`: message-store change counters of `e`
    /// (only of that message type when given).
    MessageStore(String, Option<String>),
    /// `…/extension/{e}/voicemail`: each new voicemail of `e`.
    Voicemail(String),
    /// Anything else the platform knows (extension list, directory, …): accepted, never fires.
    Other,
}

/// Parses one event filter, expanding `~`; returns the echoed (expanded) filter.
pub fn parse_filter(raw: &str, account: &str, owner: &str) -> Option<(Filter, String)> {
    let (path, query) = match raw.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (raw, None),
    };
    let path = path.trim_end_matches('/');
    let rest = path.strip_prefix("/restapi/v1.0/")?;
    let segs: Vec<&str> = rest.split('/').collect();
    let acc_ok = |a: &str| a == "~" || a == account;
    let ext = |e: &str| {
        if e == "~" {
            owner.to_string()
        } else {
            e.to_string()
        }
    };
    let filter = match segs.as_slice() {
        ["account", a, "telephony", "sessions"] if acc_ok(a) => Filter::AccountSessions,
        ["account", a, "extension", e, "telephony", "sessions"] if acc_ok(a) => {
            Filter::ExtensionSessions(ext(e))
        }
        ["account", a, "extension", e, "presence"] if acc_ok(a) => {
            Filter::Presence(ext(e), Detail::of(query))
        }
        ["account", a, "presence"] if acc_ok(a) => Filter::AccountPresence(Detail::of(query)),
        ["account", a, "extension", e, "presence", "dnd"] if acc_ok(a) => {
            Filter::PresenceDnd(ext(e))
        }
        ["account", a, "call-queues", q, "presence"] if acc_ok(a) => {
            Filter::QueuePresence(q.to_string())
        }
        ["account", a, "extension", e, "message-store"] if acc_ok(a) => Filter::MessageStore(
            ext(e),
            query.and_then(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .find(|(k, _)| k == "type")
                    .map(|(_, v)| v.into_owned())
            }),
        ),
        ["account", a, "extension", e, "voicemail"] if acc_ok(a) => Filter::Voicemail(ext(e)),
        ["account", a, ..] if acc_ok(a) => Filter::Other,
        ["subscription", ..] | ["glip", ..] | ["team-messaging", ..] => Filter::Other,
        _ => return None,
    };
    let mut expanded = String::from("/restapi/v1.0/");
    let parts: Vec<String> = segs
        .iter()
        .enumerate()
        .map(|(i, s)| match (i, *s) {
            (1, "~") if segs[0] == "account" => account.to_string(),
            (3, "~") if segs.get(2) == Some(&"extension") => owner.to_string(),
            (_, s) => s.to_string(),
        })
        .collect();
    expanded.push_str(&parts.join("/"));
    if let Some(q) = query {
        expanded.push('?');
        expanded.push_str(q);
    }
    Some((filter, expanded))
}

/// A subscription bound to a WebSocket session.
#[derive(Clone, Debug)]
pub struct Subscription {
    pub id: String,
    pub filters: Vec<(Filter, String)>,
    pub created: Ts,
}

/// One WebSocket session (what a `wsc` token names).
#[derive(Debug)]
pub struct WsSession {
    pub wsc_token: String,
    pub wsc_sequence: i64,
    pub oauth_session: String,
    pub owner: String,
    pub subscription: Option<Subscription>,
    pub conn_id: u64,
    pub tx: Option<UnboundedSender<Out>>,
    pub disconnected_at: Option<Instant>,
    pub buffer: VecDeque<String>,
}

/// What a telephony event is about, for filter matching.
pub struct SessionScope<'a> {
    /// Every extension that has (or had) a party in the session.
    pub extensions: &'a [String],
}

/// All WebSocket sessions of the platform.
#[derive(Debug, Default)]
pub struct Hub {
    pub sessions: HashMap<String, WsSession>,
    pub buffer_size: usize,
    pub recovery_timeout: std::time::Duration,
    /// The account's id, in the event paths.
    pub account: String,
}

impl Hub {
    /// Forgets sessions that stayed disconnected past the recovery window.
    pub fn expire(&mut self, now: Instant) {
        let window = self.recovery_timeout;
        self.sessions.retain(|_, s| {
            s.disconnected_at
                .is_none_or(|t| now.duration_since(t) <= window)
        });
    }

    /// The subscription with this id, if any socket holds it.
    pub fn subscription(&self, id: &str) -> Option<&Subscription> {
        self.sessions
            .values()
            .filter_map(|s| s.subscription.as_ref())
            .find(|s| s.id == id)
    }

    /// Delivers one telephony event to every matching subscription.
    pub fn deliver_session(
        &mut self,
        uuid: &str,
        event: &SessionEvent,
        scope: &SessionScope<'_>,
        rcreq: &str,
    ) {
        let Some(party) = event.parties.first() else {
            return;
        };
        let path = match &party.extension_id {
            Some(e) => {
                format!(
                    "/restapi/v1.0/account/{}/extension/{e}/telephony/sessions",
                    self.account
                )
            }
            None => format!("/restapi/v1.0/account/{}/telephony/sessions", self.account),
        };
        let now = Instant::now();
        for s in self.sessions.values_mut() {
            let Some(sub) = &s.subscription else { continue };
            let hit = sub.filters.iter().any(|(f, _)| match f {
                Filter::AccountSessions => true,
                Filter::ExtensionSessions(e) => scope.extensions.iter().any(|x| x == e),
                _ => false,
            });
            if !hit {
                continue;
            }
            let n = Notification {
                envelope: Envelope {
                    uuid: Some(uuid.to_string()),
                    event: Some(path.clone()),
                    timestamp: event
                        .event_time
                        .map(|t| t.plus_millis(14 + (uuid.len() as i64 * 3) % 90)),
                    subscription_id: Some(sub.id.clone()),
                    owner_id: Some(s.owner.clone()),
                },
                body: event.clone(),
            };
            let frame = notification_frame(s, uuid, rcreq, &n);
            push(s, frame, self.buffer_size, now);
        }
    }

    /// Delivers one presence change of extension `ext`: per subscription, the most
    /// detailed body any of its filters asks for (simple + detailed filters give the
    /// detailed body, §2.4), with the extension's path as `event`; DND filters get the
    /// DND body when DND changed.
    pub fn deliver_presence(
        &mut self,
        uuid: &str,
        ext: &str,
        bodies: &PresenceBodies,
        rcreq: &str,
        ts: Ts,
    ) {
        if let Some(dnd) = &bodies.dnd {
            let dnd_uuid = format!("{uuid}1");
            self.deliver_to(
                &dnd_uuid,
                rcreq,
                ts,
                dnd,
                |f| matches!(f, Filter::PresenceDnd(e) if e == ext),
            );
        }
        let account = self.account.clone();
        self.deliver(uuid, rcreq, ts, |f, raw| {
            let detail = match f {
                Filter::Presence(e, d) if e == ext => *d,
                Filter::AccountPresence(d) => *d,
                _ => return None,
            };
            let query = raw
                .split_once('?')
                .map(|(_, q)| format!("?{q}"))
                .unwrap_or_default();
            let event = format!("/restapi/v1.0/account/{account}/extension/{ext}/presence{query}");
            let body = match detail {
                Detail::Simple => &bodies.simple,
                Detail::Detailed => &bodies.detailed,
                Detail::Sip => &bodies.sip,
            };
            Some((1 + detail as u8, event, body))
        });
    }

    /// Delivers a body to the subscriptions with a filter `pick` accepts (its event path).
    pub fn deliver_to(
        &mut self,
        uuid: &str,
        rcreq: &str,
        ts: Ts,
        body: &serde_json::Value,
        pick: impl Fn(&Filter) -> bool,
    ) {
        self.deliver(uuid, rcreq, ts, |f, raw| {
            pick(f).then(|| (0, raw.to_string(), body))
        });
    }

    /// For each subscription, the match with the highest rank among its filters
    /// (`pick` gives rank, event path and body), delivered once.
    fn deliver<'b>(
        &mut self,
        uuid: &str,
        rcreq: &str,
        ts: Ts,
        pick: impl Fn(&Filter, &str) -> Option<(u8, String, &'b serde_json::Value)>,
    ) {
        let now = Instant::now();
        for s in self.sessions.values_mut() {
            let Some(sub) = &s.subscription else { continue };
            let Some((_, event, body)) = sub
                .filters
                .iter()
                .filter_map(|(f, raw)| pick(f, raw))
                .max_by_key(|m| m.0)
            else {
                continue;
            };
            let n = serde_json::json!({
                "uuid": uuid,
                "event": event,
                "timestamp": ts,
                "subscriptionId": sub.id,
                "ownerId": s.owner,
                "body": body,
            });
            let frame = notification_frame(s, uuid, rcreq, &n);
            push(s, frame, self.buffer_size, now);
        }
    }
}

fn notification_frame<B: serde::Serialize>(
    s: &mut WsSession,
    uuid: &str,
    rcreq: &str,
    body: &B,
) -> String {
    s.wsc_sequence += 1;
    let mut meta = WsMeta::new(MessageType::ServerNotification, uuid);
    meta.status = Some(200);
    meta.headers.insert("RCRequestId".into(), rcreq.to_string());
    meta.wsc = Some(Wsc {
        token: s.wsc_token.clone(),
        sequence: s.wsc_sequence,
    });
    encode_frame(&meta, Some(body))
}

/// Sends on the live socket, or keeps the frame for recovery (latest `cap` only).
fn push(s: &mut WsSession, frame: String, cap: usize, now: Instant) {
    if let Some(tx) = &s.tx {
        match tx.send(Out::Notification(frame)) {
            Ok(()) => return,
            Err(e) => {
                s.tx = None;
                s.disconnected_at.get_or_insert(now);
                if let Out::Notification(f) = e.0 {
                    buffer(s, f, cap);
                }
                return;
            }
        }
    }
    buffer(s, frame, cap);
}

fn buffer(s: &mut WsSession, frame: String, cap: usize) {
    s.buffer.push_back(frame);
    while s.buffer.len() > cap {
        s.buffer.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::ACCOUNT_ID;

    #[test]
    fn filters_expand_and_classify() {
        let (f, raw) = parse_filter(
            "/restapi/v1.0/account/~/extension/~/telephony/sessions",
            ACCOUNT_ID,
            "77",
        )
        .unwrap();
        assert_eq!(f, Filter::ExtensionSessions("77".into()));
        assert_eq!(
            raw,
            format!("/restapi/v1.0/account/{ACCOUNT_ID}/extension/77/telephony/sessions")
        );
        let (f, raw) = parse_filter(
            "/restapi/v1.0/account/~/extension/~/presence?detailedTelephonyState=true",
            ACCOUNT_ID,
            "77",
        )
        .unwrap();
        assert_eq!(f, Filter::Presence("77".into(), Detail::Detailed));
        assert!(raw.ends_with("/extension/77/presence?detailedTelephonyState=true"));
        assert_eq!(
            parse_filter(
                "/restapi/v1.0/account/~/telephony/sessions",
                ACCOUNT_ID,
                "1"
            )
            .unwrap()
            .0,
            Filter::AccountSessions
        );
        assert!(parse_filter(
            "/restapi/v1.0/account/999/telephony/sessions",
            ACCOUNT_ID,
            "1"
        )
        .is_none());
        assert!(parse_filter("nonsense", ACCOUNT_ID, "1").is_none());
    }
}
