//! A source's one status: the connection and loading of a live one, the position of a
//! replay; and its receivers, as the board, the metrics and the alarms read them.

use super::replay::ReplayStatus;
use crate::wire::Ts;
use serde::Serialize;
use tokio::sync::watch;

/// Loading the calls in progress (at start, and reconciling after an outage).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Loading {
    /// Calls fetched so far.
    pub done: usize,
    /// Calls to fetch.
    pub total: usize,
    /// Rate limited by the platform: waiting until then.
    pub waiting_until: Option<Ts>,
    /// The wait is the login's rate budget's, not a 429: the user's requests of the
    /// window are spent (by this or another of its clients) or this process's share is.
    pub paced: bool,
    /// Catching up with a relay's stream (`done`/`total` are messages), not loading calls.
    pub catching_up: bool,
    /// The first load of the agents, queues and calls in progress has not finished: what
    /// the board shows of them is not known yet (rate limited or under way).
    pub seeding: bool,
    /// The load after an outage has not loaded the calls in progress yet (the directory,
    /// presence, then the calls): a call begun during the outage is not known yet.
    pub reloading: bool,
}

impl Loading {
    /// Why the load waits, for the board: `rate limited by the platform` after a 429,
    /// `paced by the user's rate budget` when the budget holds it back.
    pub fn waiting_why(&self) -> &'static str {
        match self.paced {
            true => "paced by the user's rate budget",
            false => "rate limited by the platform",
        }
    }

    /// True while calls are still being fetched.
    pub fn busy(&self) -> bool {
        self.done < self.total || self.waiting_until.is_some()
    }

    /// Whole seconds of the wait left at `wall` (rounded up; `None`: no wait left).
    pub fn wait_left_secs(&self, wall: Ts) -> Option<i64> {
        self.waiting_until
            .map(|u| (wall.millis_until(u) + 999) / 1000)
            .filter(|s| *s > 0)
    }

    /// [`Loading::progress`] with the wait still to run at `wall`, and why:
    /// `…: N of M, paced by the user's rate budget, waiting 12s`.
    pub fn progress_at(&self, wall: Ts) -> Option<String> {
        let p = self.progress()?;
        Some(match self.wait_left_secs(wall) {
            Some(s) => format!("{p}, {}, waiting {s}s", self.waiting_why()),
            None => p,
        })
    }

    /// What the load is at while it runs: `loading the calls in progress: N of M`; before
    /// the calls are listed (everyone's presence), or after them (the queues' members),
    /// said while it waits.
    pub fn progress(&self) -> Option<String> {
        if !self.busy() || self.catching_up {
            return None;
        }
        Some(match (self.done < self.total, self.total) {
            (true, _) => format!(
                "loading the calls in progress: {} of {}",
                self.done, self.total
            ),
            (false, 0) => "loading the agents and the calls in progress".to_string(),
            (false, _) => "loading the queues' members".to_string(),
        })
    }
}

/// The connection as the UI shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state")]
pub enum ConnState {
    /// Logging in / opening the first socket.
    Connecting,
    /// Subscribed and receiving.
    Live,
    /// Reconnecting with the session-context token.
    Recovering,
    /// Recovery succeeded: the subscription survived and missed events were replayed.
    Recovered,
    /// Recovery failed (or came too late): subscribed again and reconciled.
    Resubscribed,
    /// Disconnected; the next attempt is at `retry_at`.
    Offline {
        retry_at: Ts,
        attempt: u32,
        reason: String,
    },
    /// Gave up (bad credentials, permission missing): the platform's message.
    Failed(String),
}

impl ConnState {
    /// True while notifications are flowing.
    pub fn is_live(&self) -> bool {
        matches!(
            self,
            ConnState::Live | ConnState::Recovered | ConnState::Resubscribed
        )
    }

    /// One short human line, e.g. `offline (retry in 3s, attempt 2): socket closed`.
    pub fn describe(&self, now: Ts) -> String {
        match self {
            ConnState::Connecting => "connecting".into(),
            ConnState::Live => "live".into(),
            ConnState::Recovering => "recovering".into(),
            ConnState::Recovered => "recovered".into(),
            ConnState::Resubscribed => "resubscribed".into(),
            ConnState::Offline {
                retry_at,
                attempt,
                reason,
            } => format!("{}: {reason}", offline(*retry_at, *attempt, now)),
            ConnState::Failed(m) => format!("failed: {m}"),
        }
    }

    /// The state without its reason, where [`describe`](ConnState::describe) adds one:
    /// `offline (retry in 3s, attempt 2)`; `None` for the others.
    pub fn headline(&self, now: Ts) -> Option<String> {
        match self {
            ConnState::Offline {
                retry_at, attempt, ..
            } => Some(offline(*retry_at, *attempt, now)),
            _ => None,
        }
    }
}

/// `offline (retry in 3s, attempt 2)`: the seconds rounded up.
fn offline(retry_at: Ts, attempt: u32, now: Ts) -> String {
    let s = (now.millis_until(retry_at) + 999) / 1000;
    format!("offline (retry in {s}s, attempt {attempt})")
}

/// A source's status as one value: what the status line shows of it.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    /// Following something live (the RingCentral subscription, a relay's stream): the
    /// connection, and loading what is in progress (or catching up).
    Live { conn: ConnState, loading: Loading },
    /// Playing a recording: its position.
    Replay(ReplayStatus),
}

/// One part of a status that changed.
#[derive(Clone, Debug, PartialEq)]
pub enum Update {
    Conn(ConnState),
    Loading(Loading),
    Replay(ReplayStatus),
}

/// A source's status as it changes: a receiver per part.
#[derive(Clone, Debug)]
pub enum StatusRx {
    Live {
        conn: watch::Receiver<ConnState>,
        loading: watch::Receiver<Loading>,
    },
    Replay(watch::Receiver<ReplayStatus>),
}

impl StatusRx {
    /// The status as it stands.
    pub fn now(&self) -> Status {
        match self {
            StatusRx::Live { conn, loading } => Status::Live {
                conn: conn.borrow().clone(),
                loading: *loading.borrow(),
            },
            StatusRx::Replay(r) => Status::Replay(*r.borrow()),
        }
    }

    /// The connection's receiver (`None` for a replay).
    pub fn conn(&self) -> Option<watch::Receiver<ConnState>> {
        match self {
            StatusRx::Live { conn, .. } => Some(conn.clone()),
            StatusRx::Replay(_) => None,
        }
    }

    /// The replay position's receiver (`None` for a live source).
    pub fn replay(&self) -> Option<watch::Receiver<ReplayStatus>> {
        match self {
            StatusRx::Replay(r) => Some(r.clone()),
            StatusRx::Live { .. } => None,
        }
    }

    /// The next change, one part at a time; `None` once the source is gone.
    pub async fn changed(&mut self) -> Option<Update> {
        match self {
            StatusRx::Live { conn, loading } => tokio::select! {
                Ok(()) = conn.changed() => Some(Update::Conn(conn.borrow_and_update().clone())),
                Ok(()) = loading.changed() => Some(Update::Loading(*loading.borrow_and_update())),
                else => None,
            },
            StatusRx::Replay(r) => match r.changed().await {
                Ok(()) => Some(Update::Replay(*r.borrow_and_update())),
                Err(_) => None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each part's change comes once, in order; a part whose sender is gone is no
    /// longer waited on; `None` once the whole source is.
    #[tokio::test]
    async fn a_live_status_tells_each_change_then_ends_with_its_source() {
        let (conn_tx, conn) = watch::channel(ConnState::Connecting);
        let (loading_tx, loading) = watch::channel(Loading::default());
        let mut rx = StatusRx::Live { conn, loading };
        assert!(rx.conn().is_some() && rx.replay().is_none());
        let connecting = Status::Live {
            conn: ConnState::Connecting,
            loading: Loading::default(),
        };
        assert_eq!(rx.now(), connecting);
        conn_tx.send_replace(ConnState::Live);
        assert_eq!(rx.changed().await, Some(Update::Conn(ConnState::Live)));
        loading_tx.send_modify(|l| l.total = 3);
        let three = Loading {
            total: 3,
            ..Loading::default()
        };
        assert_eq!(rx.changed().await, Some(Update::Loading(three)));
        drop(conn_tx);
        loading_tx.send_modify(|l| l.done = 1);
        let one = Loading { done: 1, ..three };
        assert_eq!(rx.changed().await, Some(Update::Loading(one)));
        assert_eq!(
            rx.now(),
            Status::Live {
                conn: ConnState::Live,
                loading: one
            }
        );
        drop(loading_tx);
        assert_eq!(rx.changed().await, None, "the source is gone");
    }
}
