//! Every name the relay uses for one RingCentral account `A`: subjects, the stream, the
//! buckets, the dedup id of each frame, and the broker permissions of each role.

use crate::wire::{Incoming, Parsed};
use std::fmt;

/// Why a name part was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {value:?} must be 1–64 characters of A–Z a–z 0–9 _ -")]
pub struct BadName {
    pub what: &'static str,
    pub value: String,
}

/// A token that is safe in a subject, a stream name and a bucket name.
pub fn check_token(what: &'static str, value: &str) -> Result<(), BadName> {
    let ok = (1..=64).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(BadName {
            what,
            value: value.to_string(),
        })
    }
}

/// The names of one account's relay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Names {
    account: String,
}

impl Names {
    /// Names for account `account` (the RingCentral account id).
    pub fn new(account: &str) -> Result<Names, BadName> {
        check_token("account", account)?;
        Ok(Names {
            account: account.to_string(),
        })
    }

    pub fn account(&self) -> &str {
        &self.account
    }

    /// `calltop.A.frames`: notification frames and reconcile lines.
    pub fn frames(&self) -> String {
        format!("calltop.{}.frames", self.account)
    }

    /// `calltop.A.audit`: one record per control action phase.
    pub fn audit(&self) -> String {
        format!("calltop.{}.audit", self.account)
    }

    /// `calltop.A.gw.<relay>`: a relay's other gateway frames.
    pub fn gw(&self, relay: &str) -> String {
        format!("calltop.{}.gw.{relay}", self.account)
    }

    /// `calltop.A.>`: everything in the stream.
    pub fn all(&self) -> String {
        format!("calltop.{}.>", self.account)
    }

    /// `calltop.A.ctl.<user>.<verb>`: a control request (outside the stream).
    pub fn ctl(&self, user: &str, verb: &str) -> String {
        format!("calltop.{}.ctl.{user}.{verb}", self.account)
    }

    /// `calltop.A.ctl.*.*`: what the relays queue-subscribe.
    pub fn ctl_any(&self) -> String {
        self.ctl("*", "*")
    }

    /// The relays' queue group for control requests.
    pub fn ctl_queue(&self) -> String {
        format!("calltop_{}_relays", self.account)
    }

    /// Stream `CALLTOP_A`.
    pub fn stream(&self) -> String {
        format!("CALLTOP_{}", self.account)
    }

    /// KV bucket `calltop_A`: relay status and the keyframe pointer.
    pub fn kv(&self) -> String {
        format!("calltop_{}", self.account)
    }

    /// KV bucket `calltop_A_ctl`: one execution claim per request id.
    pub fn kv_ctl(&self) -> String {
        format!("calltop_{}_ctl", self.account)
    }

    /// Object store `calltop_A_kf`: serialized stores.
    pub fn objects(&self) -> String {
        format!("calltop_{}_kf", self.account)
    }

    /// The (user, verb) of a control subject of this account.
    pub fn parse_ctl<'a>(&self, subject: &'a str) -> Option<(&'a str, &'a str)> {
        let rest = subject
            .strip_prefix("calltop.")?
            .strip_prefix(self.account.as_str())?
            .strip_prefix(".ctl.")?;
        let (user, verb) = rest.split_once('.')?;
        (!user.is_empty() && !verb.is_empty() && !verb.contains('.')).then_some((user, verb))
    }

    /// What a stream subject of this account carries.
    pub fn kind_of(&self, subject: &str) -> Option<Kind> {
        let rest = subject
            .strip_prefix("calltop.")?
            .strip_prefix(self.account.as_str())?
            .strip_prefix('.')?;
        match rest {
            "frames" => Some(Kind::Event),
            "audit" => Some(Kind::Audit),
            r if r.starts_with("gw.") => Some(Kind::Gw),
            _ => None,
        }
    }

    /// The broker permissions of a read-only board (user `user`).
    pub fn reader_permissions(&self, user: &str) -> Permissions {
        let (s, kv, obj) = (
            self.stream(),
            format!("KV_{}", self.kv()),
            self.obj_stream(),
        );
        let publish = vec![
            "$JS.API.INFO".to_string(),
            format!("$JS.API.STREAM.INFO.{s}"),
            format!("$JS.API.STREAM.INFO.{kv}"),
            format!("$JS.API.STREAM.INFO.{obj}"),
            format!("$JS.API.CONSUMER.CREATE.{s}"),
            format!("$JS.API.CONSUMER.CREATE.{s}.>"),
            format!("$JS.API.CONSUMER.MSG.NEXT.{s}.>"),
            format!("$JS.API.CONSUMER.DELETE.{s}.>"),
            format!("$JS.API.CONSUMER.INFO.{s}.>"),
            format!("$JS.API.DIRECT.GET.{kv}.>"),
            // Watching the relays' heartbeats (`relay.*`): an ordered consumer.
            format!("$JS.API.CONSUMER.CREATE.{kv}"),
            format!("$JS.API.CONSUMER.CREATE.{kv}.>"),
            format!("$JS.API.CONSUMER.DELETE.{kv}.>"),
            format!("$JS.FC.{kv}.>"),
            format!("$JS.API.DIRECT.GET.{obj}.>"),
            format!("$JS.API.STREAM.MSG.GET.{obj}"),
            format!("$JS.API.CONSUMER.CREATE.{obj}"),
            format!("$JS.API.CONSUMER.CREATE.{obj}.>"),
            format!("$JS.API.CONSUMER.DELETE.{obj}.>"),
            format!("$JS.FC.{obj}.>"),
        ];
        Permissions {
            publish,
            subscribe: vec![format!("{}.>", inbox_prefix(user))],
            allow_responses: false,
        }
    }

    /// A supervisor: read, plus control requests as `user` — every verb, or only `verbs`
    /// (grant `ping` too, or the board cannot tell it may act).
    pub fn supervisor_permissions(&self, user: &str, verbs: Option<&[&str]>) -> Permissions {
        let mut p = self.reader_permissions(user);
        match verbs {
            None => p
                .publish
                .push(format!("calltop.{}.ctl.{user}.>", self.account)),
            Some(vs) => p.publish.extend(vs.iter().map(|v| self.ctl(user, v))),
        }
        p
    }

    /// A relay: publish frames, audit, gateway frames, the buckets and the JetStream API;
    /// serve control requests (replies through `allow_responses`).
    pub fn relay_permissions(&self, user: &str) -> Permissions {
        let a = &self.account;
        Permissions {
            publish: vec![
                self.frames(),
                self.audit(),
                format!("calltop.{a}.gw.>"),
                format!("$KV.{}.>", self.kv()),
                format!("$KV.{}.>", self.kv_ctl()),
                format!("$O.{}.>", self.objects()),
                "$JS.API.>".to_string(),
                format!("$JS.FC.{}.>", self.obj_stream()),
            ],
            subscribe: vec![self.ctl_any(), format!("{}.>", inbox_prefix(user))],
            allow_responses: true,
        }
    }

    fn obj_stream(&self) -> String {
        format!("OBJ_{}", self.objects())
    }
}

/// The inbox prefix of `user` (`_INBOX_<user>`), so that permissions can confine each
/// user's replies to its own inboxes.
pub fn inbox_prefix(user: &str) -> String {
    format!("_INBOX_{user}")
}

/// Publish/subscribe allow-lists of one NATS user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Permissions {
    pub publish: Vec<String>,
    pub subscribe: Vec<String>,
    /// May publish to the reply subject of a request it received.
    pub allow_responses: bool,
}

impl Permissions {
    /// The `permissions` block of a nats-server config.
    pub fn to_server_config(&self) -> String {
        let list = |v: &[String]| {
            v.iter()
                .map(|s| format!("{s:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "{{ publish: {{ allow: [{}] }}, subscribe: {{ allow: [{}] }}{} }}",
            list(&self.publish),
            list(&self.subscribe),
            if self.allow_responses {
                ", allow_responses: true"
            } else {
                ""
            }
        )
    }
}

/// What a published line is (header `Calltop-Kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A notification frame.
    Event,
    /// What was fetched by REST: a session while reconciling (`restSession`), or
    /// agents and queues (`roster`).
    Rest,
    /// A session reconciling found gone (`sessionGone`).
    Gone,
    /// A gateway frame other than a heartbeat (on `gw.<relay>`).
    Gw,
    /// A control audit record.
    Audit,
    /// A frame that did not parse: kept like the recording keeps it, without a dedup id.
    Raw,
}

impl Kind {
    const ALL: [Kind; 6] = [
        Kind::Event,
        Kind::Rest,
        Kind::Gone,
        Kind::Gw,
        Kind::Audit,
        Kind::Raw,
    ];

    /// The kind named `name` (as in [`Kind::as_str`]).
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Event => "event",
            Kind::Rest => "rest",
            Kind::Gone => "gone",
            Kind::Gw => "gw",
            Kind::Audit => "audit",
            Kind::Raw => "raw",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One recording line ready to publish: its kind and dedup id (`Nats-Msg-Id`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    pub kind: Kind,
    /// `ev.<telephonySessionId>.<sequence>` for a session event (it names the event
    /// itself; the notification uuid is per delivery, so two subscriptions may not share
    /// it), else `uuid.<uuid>`, `rest.<tsid>.<sha256(session)>`, `gone.<tsid>`.
    pub msg_id: Option<String>,
    /// The notification uuid, when there is one (header `Calltop-Uuid`).
    pub uuid: Option<String>,
    /// The recording line (with or without its newline).
    pub line: String,
}

impl Outgoing {
    /// Classifies a recording line (parsing it). `None` for what is not published:
    /// heartbeats.
    pub fn from_line(line: String) -> Option<Outgoing> {
        let parsed = crate::wire::parse(line.trim_end()).ok();
        Outgoing::from_parsed(parsed.as_ref(), line)
    }

    /// Classifies a recording line already parsed (`None`: it did not parse).
    pub fn from_parsed(parsed: Option<&Parsed>, line: String) -> Option<Outgoing> {
        let Some(p) = parsed else {
            return Some(Outgoing {
                kind: Kind::Raw,
                msg_id: None,
                uuid: None,
                line,
            });
        };
        let uuid = p.item.envelope().and_then(|e| e.uuid.clone());
        let by_uuid = || uuid.as_ref().map(|u| format!("uuid.{u}"));
        let (kind, msg_id) = match &p.item {
            Incoming::Heartbeat => return None,
            Incoming::Session(n) => (
                Kind::Event,
                n.body
                    .sequence
                    .map(|seq| format!("ev.{}.{seq}", n.body.telephony_session_id))
                    .or_else(by_uuid),
            ),
            Incoming::Presence { .. }
            | Incoming::QueuePresence { .. }
            | Incoming::OtherNotification { .. }
            | Incoming::Voicemail { .. } => (Kind::Event, by_uuid()),
            Incoming::CallLog(line) => {
                let body = serde_json::to_vec(line).unwrap_or_default();
                (
                    Kind::Rest,
                    Some(format!(
                        "calllog.{}.{}",
                        line.telephony_session_id,
                        sha256_hex(&body)
                    )),
                )
            }
            Incoming::Snapshot(cs) => {
                let body = serde_json::to_vec(cs).unwrap_or_default();
                (
                    Kind::Rest,
                    Some(format!("rest.{}.{}", cs.id, sha256_hex(&body))),
                )
            }
            Incoming::Roster(r) => {
                let body = serde_json::to_vec(r).unwrap_or_default();
                (Kind::Rest, Some(format!("roster.{}", sha256_hex(&body))))
            }
            Incoming::Gone {
                telephony_session_id,
            } => (Kind::Gone, Some(format!("gone.{telephony_session_id}"))),
            Incoming::ConnectionDetails { .. }
            | Incoming::Response { .. }
            | Incoming::Error { .. } => (Kind::Gw, None),
        };
        Some(Outgoing {
            kind,
            msg_id,
            uuid,
            line,
        })
    }

    /// The call session a line is about (its `telephonySessionId`), read from its dedup
    /// id: `ev.`, `rest.`, `calllog.` and `gone.` lines have one, the rest none.
    pub fn session(&self) -> Option<&str> {
        let (kind, rest) = self.msg_id.as_deref()?.split_once('.')?;
        match kind {
            "gone" => Some(rest),
            "ev" | "rest" | "calllog" => rest.rsplit_once('.').map(|(s, _)| s),
            _ => None,
        }
    }

    /// The subject this line goes to, for relay `relay`.
    pub fn subject(&self, names: &Names, relay: &str) -> String {
        match self.kind {
            Kind::Gw => names.gw(relay),
            Kind::Audit => names.audit(),
            _ => names.frames(),
        }
    }
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::record_line;
    use crate::wire::Ts;

    #[test]
    fn names_of_an_account() {
        let n = Names::new("37439510").unwrap();
        assert_eq!(n.frames(), "calltop.37439510.frames");
        assert_eq!(n.stream(), "CALLTOP_37439510");
        assert_eq!(n.kv(), "calltop_37439510");
        assert_eq!(n.kv_ctl(), "calltop_37439510_ctl");
        assert_eq!(n.objects(), "calltop_37439510_kf");
        assert_eq!(
            n.parse_ctl("calltop.37439510.ctl.alice.hold"),
            Some(("alice", "hold"))
        );
        assert_eq!(n.parse_ctl("calltop.1.ctl.alice.hold"), None);
        assert_eq!(n.parse_ctl("calltop.37439510.ctl.alice"), None);
        assert_eq!(n.kind_of("calltop.37439510.gw.r1"), Some(Kind::Gw));
        assert!(Names::new("a.b").is_err() && Names::new("").is_err() && Names::new("*").is_err());
        assert!(n
            .relay_permissions("relay")
            .to_server_config()
            .contains("allow_responses: true"));
    }

    #[test]
    fn dedup_ids_name_the_event_not_the_delivery() {
        let at = Ts(0);
        let ev = |uuid: &str| {
            record_line(
                at,
                &format!(
                    r#"{{"uuid":"{uuid}","event":"/restapi/v1.0/account/1/telephony/sessions","body":{{"sequence":7,"telephonySessionId":"s-1","parties":[]}}}}"#
                ),
                None,
            )
        };
        let a = Outgoing::from_line(ev("u-1")).unwrap();
        let b = Outgoing::from_line(ev("u-2")).unwrap();
        assert_eq!(a.kind, Kind::Event);
        assert_eq!(a.msg_id.as_deref(), Some("ev.s-1.7"));
        assert_eq!(
            a.msg_id, b.msg_id,
            "two deliveries of one event share the id"
        );
        assert_eq!(a.uuid.as_deref(), Some("u-1"));
        assert_eq!(a.session(), Some("s-1"));
        let hb = record_line(at, r#"[{"type":"Heartbeat","messageId":"x"}]"#, None);
        assert_eq!(Outgoing::from_line(hb), None);
        let gone = Outgoing::from_line(
            r#"{"receivedAt":"2024-01-01T00:00:00Z","sessionGone":"s-9"}"#.into(),
        )
        .unwrap();
        assert_eq!(
            (gone.kind, gone.msg_id.as_deref()),
            (Kind::Gone, Some("gone.s-9"))
        );
        assert_eq!(gone.session(), Some("s-9"));
        let raw = Outgoing::from_line(record_line(at, "garbage", None)).unwrap();
        assert_eq!(raw.session(), None);
        assert_eq!((raw.kind, raw.msg_id), (Kind::Raw, None));
        let rest = |t: &str| {
            Outgoing::from_line(format!(
                r#"{{"receivedAt":"{t}","restSession":{{"id":"s-2","parties":[]}}}}"#
            ))
            .unwrap()
        };
        let (r1, r2) = (rest("2024-01-01T00:00:00Z"), rest("2024-01-01T00:00:09Z"));
        assert_eq!(r1.kind, Kind::Rest);
        assert_eq!(r1.session(), Some("s-2"));
        assert_eq!(
            r1.msg_id, r2.msg_id,
            "the id hashes the session, not the line"
        );
        assert!(r1.msg_id.unwrap().starts_with("rest.s-2."));
    }
}
