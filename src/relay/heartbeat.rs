//! Each relay's RingCentral connection, told to the boards: the relay puts
//! `relay.<id>` = [`Heartbeat`] in the account's KV bucket every [`EVERY`] and at each
//! change of its connection; a board watches `relay.*` and is live only while some
//! relay reports live with a heartbeat younger than [`STALE_AFTER`] ([`Heard::judge`]).
//! Stale data is never shown as live: a relay that lost RingCentral, or that nobody
//! heard from, turns the board offline, naming the relay.

use crate::core::zone::Zone;
use crate::source::ConnState;
use crate::wire::Ts;
use async_nats::jetstream::kv;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::watch;

/// How often a relay puts its heartbeat (besides at each change).
pub const EVERY: Duration = Duration::from_secs(5);
/// A heartbeat older than this is not heard: its relay is gone or cut off.
pub const STALE_AFTER: Duration = Duration::from_secs(15);

/// The KV key of relay `id`.
pub fn key(id: &str) -> String {
    format!("relay.{id}")
}

/// What a relay puts under `relay.<id>`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Heartbeat {
    /// `connecting`, `live`, `recovering`, `offline` or `failed`.
    pub state: String,
    /// Why it is not live (the live source's words).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When the connection entered this state.
    pub since: Ts,
    /// When this heartbeat was written.
    pub at: Ts,
    /// When the stream last acknowledged a line of this relay (`None`: none yet).
    #[serde(default)]
    pub last_frame_at: Option<Ts>,
    /// The stream sequence of that line (0: none yet).
    #[serde(default)]
    pub seq: u64,
    /// While offline: the relay's next attempt and its number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_at: Option<Ts>,
    #[serde(default)]
    pub attempt: u32,
}

impl Heartbeat {
    /// The heartbeat of a relay whose RingCentral connection is `c`, in that state
    /// `since`.
    pub fn of(c: &ConnState, since: Ts, at: Ts) -> Heartbeat {
        let (reason, retry_at, attempt) = match c {
            ConnState::Offline {
                retry_at,
                attempt,
                reason,
            } => (Some(reason.clone()), Some(*retry_at), *attempt),
            ConnState::Failed(m) => (Some(m.clone()), None, 0),
            _ => (None, None, 0),
        };
        Heartbeat {
            state: state_name(c).into(),
            reason,
            since,
            at,
            last_frame_at: None,
            seq: 0,
            retry_at,
            attempt,
        }
    }

    pub fn is_live(&self) -> bool {
        self.state == "live"
    }
}

/// A connection state's name in a heartbeat.
fn state_name(c: &ConnState) -> &'static str {
    match c {
        ConnState::Connecting => "connecting",
        ConnState::Recovering => "recovering",
        ConnState::Offline { .. } => "offline",
        ConnState::Failed(_) => "failed",
        ConnState::Live | ConnState::Recovered | ConnState::Resubscribed => "live",
    }
}

/// `03:51:05 UTC`.
fn clock(t: Ts) -> String {
    format!("{} UTC", Zone::Named(chrono_tz::UTC).hms(t))
}

/// Puts relay `id`'s heartbeat every [`EVERY`] and at each change of `conn`, with the
/// newest acknowledged sequence from `acked`, until aborted.
pub async fn beat(
    kv: kv::Store,
    id: String,
    mut conn: watch::Receiver<ConnState>,
    mut acked: watch::Receiver<u64>,
) {
    let key = key(&id);
    let mut state = conn.borrow_and_update().clone();
    let mut since = Ts::now();
    let (mut seq, mut last_frame_at) = (*acked.borrow_and_update(), None);
    let mut every = tokio::time::interval(EVERY);
    let mut acks_open = true;
    loop {
        tokio::select! {
            _ = every.tick() => {}
            changed = conn.changed() => {
                if changed.is_err() {
                    return;
                }
                let now = conn.borrow_and_update().clone();
                if now == state {
                    continue;
                }
                // Since the state, not the step (recovered is live; attempt 3 offline).
                if state_name(&now) != state_name(&state) {
                    since = Ts::now();
                }
                state = now;
            }
            changed = acked.changed(), if acks_open => {
                match changed {
                    Ok(()) => {
                        seq = *acked.borrow_and_update();
                        last_frame_at = Some(Ts::now());
                    }
                    Err(_) => acks_open = false,
                }
                continue;
            }
        }
        let mut hb = Heartbeat::of(&state, since, Ts::now());
        hb.seq = seq;
        hb.last_frame_at = last_frame_at;
        let Ok(value) = serde_json::to_vec(&hb) else {
            continue;
        };
        if let Err(e) = kv.put(&key, value.into()).await {
            tracing::warn!(error = %e, "heartbeat not written");
        }
    }
}

/// The heartbeats a board heard: each relay's newest, with when it was written
/// (the broker's time of the put, never later than when it arrived).
#[derive(Clone, Debug)]
pub struct Heard {
    relays: BTreeMap<String, (Heartbeat, Ts)>,
    /// When the board began listening.
    started: Ts,
}

impl Heard {
    pub fn new(started: Ts) -> Heard {
        Heard {
            relays: BTreeMap::new(),
            started,
        }
    }

    /// Takes one KV entry of `relay.*` (a deleted key forgets its relay; an unreadable
    /// value is skipped, said in the log).
    pub fn take(&mut self, e: &kv::Entry, now: Ts) {
        let Some(id) = e.key.strip_prefix("relay.") else {
            return;
        };
        if e.operation != kv::Operation::Put {
            self.relays.remove(id);
            return;
        }
        match serde_json::from_slice::<Heartbeat>(&e.value) {
            Ok(hb) => {
                let put = Ts(e.created.timestamp_millis()).min(now);
                self.relays.insert(id.to_string(), (hb, put));
            }
            Err(err) => tracing::warn!(key = %e.key, error = %err, "unreadable heartbeat"),
        }
    }

    /// Records relay `id`'s heartbeat as written at `put`.
    pub fn insert(&mut self, id: &str, hb: Heartbeat, put: Ts) {
        self.relays.insert(id.to_string(), (hb, put));
    }

    /// The account's connection at `now`, its broker connection being `broker`: live
    /// only while the broker is and some relay heard within [`STALE_AFTER`] reports
    /// live; else offline, naming the relay (the first by id) or saying none was heard.
    pub fn judge(&self, broker: &ConnState, now: Ts) -> ConnState {
        if !broker.is_live() {
            return broker.clone();
        }
        let stale = STALE_AFTER.as_millis() as i64;
        let fresh: Vec<_> = self
            .relays
            .iter()
            .filter(|(_, (_, put))| put.millis_until(now) <= stale)
            .collect();
        if fresh.iter().any(|(_, (hb, _))| hb.is_live()) {
            return ConnState::Live;
        }
        if let Some((id, (hb, put))) = fresh.first() {
            let why = hb
                .reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            return ConnState::Offline {
                retry_at: hb
                    .retry_at
                    .unwrap_or(put.plus_millis(EVERY.as_millis() as i64)),
                attempt: hb.attempt,
                reason: format!(
                    "relay {id}: RingCentral {}{why} since {}",
                    hb.state,
                    clock(hb.since)
                ),
            };
        }
        let newest = self.relays.iter().max_by_key(|(_, (_, put))| *put);
        let last = newest.map_or(self.started, |(_, (_, put))| *put);
        if newest.is_none() && self.started.millis_until(now) <= stale {
            return ConnState::Connecting;
        }
        // One state for the whole silence (not one a second): when it turned stale.
        let silent = STALE_AFTER.as_secs();
        ConnState::Offline {
            retry_at: last.plus_millis(stale),
            attempt: 1,
            reason: match newest {
                Some((id, _)) => format!(
                    "no relay heard for {silent} s (relay {id} last at {})",
                    clock(last)
                ),
                None => format!("no relay heard for {silent} s"),
            },
        }
    }
}

/// Watches `relay.*` of `kv` and folds it with the broker connection `broker` into
/// `tx` (see [`Heard::judge`]), judging again every second so that silence turns
/// stale. Returns when the broker state's sender is gone. A watch that cannot start or
/// ends is retried.
pub async fn follow(
    kv: kv::Store,
    mut broker: watch::Receiver<ConnState>,
    tx: watch::Sender<ConnState>,
) {
    let mut heard = Heard::new(Ts::now());
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut entries = None;
    loop {
        if entries.is_none() {
            match kv.watch_with_history("relay.*").await {
                Ok(w) => entries = Some(w),
                Err(e) => tracing::warn!(error = %e, "relay heartbeats not watched; retrying"),
            }
        }
        tokio::select! {
            _ = tick.tick() => {}
            changed = broker.changed() => if changed.is_err() { return },
            next = async {
                match entries.as_mut() {
                    Some(w) => w.next().await,
                    None => std::future::pending().await,
                }
            } => match next {
                Some(Ok(e)) => heard.take(&e, Ts::now()),
                Some(Err(e)) => tracing::warn!(error = %e, "relay heartbeats"),
                None => entries = None,
            },
        }
        let state = heard.judge(&broker.borrow(), Ts::now());
        tx.send_if_modified(|s| {
            let changed = *s != state;
            *s = state;
            changed
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offline(reason: &str) -> ConnState {
        ConnState::Offline {
            retry_at: Ts(90_000),
            attempt: 2,
            reason: reason.into(),
        }
    }

    #[test]
    fn live_only_while_some_relay_heard_lately_is_live() {
        let t0 = Ts(1_700_000_000_000);
        let mut h = Heard::new(t0);
        assert_eq!(h.judge(&ConnState::Live, t0), ConnState::Connecting);
        let down = Heartbeat::of(&offline("socket closed"), Ts(1_700_000_000_000), t0);
        h.insert("a1", down.clone(), t0);
        match h.judge(&ConnState::Live, t0.plus_millis(1000)) {
            ConnState::Offline {
                reason, attempt, ..
            } => {
                assert_eq!(
                    reason,
                    "relay a1: RingCentral offline (socket closed) since 22:13:20 UTC"
                );
                assert_eq!(attempt, 2);
            }
            other => panic!("{other:?}"),
        }
        // Failover: another relay is live.
        h.insert("b2", Heartbeat::of(&ConnState::Live, t0, t0), t0);
        assert_eq!(
            h.judge(&ConnState::Live, t0.plus_millis(1000)),
            ConnState::Live
        );
        // The broker connection first.
        let broker = offline("the broker connection dropped; reconnecting");
        assert_eq!(h.judge(&broker, t0), broker);
        // Nothing heard for longer than 15 s.
        let later = t0.plus_millis(16_000);
        match h.judge(&ConnState::Live, later) {
            ConnState::Offline { reason, .. } => assert_eq!(
                reason,
                "no relay heard for 15 s (relay b2 last at 22:13:20 UTC)"
            ),
            other => panic!("{other:?}"),
        }
        assert!(!Heard::new(t0).judge(&ConnState::Live, later).is_live());
    }

    #[test]
    fn a_heartbeat_reads_back_as_written() {
        let hb = Heartbeat::of(&offline("socket closed"), Ts(1), Ts(2));
        let json = serde_json::to_string(&hb).unwrap();
        assert!(json.contains("\"state\":\"offline\""), "{json}");
        assert!(json.contains("\"lastFrameAt\":null"), "{json}");
        assert_eq!(serde_json::from_str::<Heartbeat>(&json).unwrap(), hb);
    }
}
