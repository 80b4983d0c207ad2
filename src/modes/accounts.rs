//! A board over several accounts' relays (`live --from A --from B`): their folds as one
//! source. The connection is live only while every account's is (else it is the first
//! one's that is not, named by its account: one account's stale data is never shown as
//! live), each account's own changes go to the status line, and the catch-up counts
//! every stream's messages.

use crate::relay::Folding;
use crate::source::{ConnState, LiveEvent, Loading};
use crate::wire::Ts;
use tokio::sync::{broadcast, mpsc, watch};

/// The folds as one source. Dropping `task` stops following them.
pub struct Merged {
    pub conn: watch::Receiver<ConnState>,
    pub loading: watch::Receiver<Loading>,
    /// `account A: offline (…)` and `account A: live` as each changes.
    pub notices: mpsc::UnboundedReceiver<String>,
    pub task: AbortOnDrop,
}

/// A task stopped when this is dropped.
pub struct AbortOnDrop(Vec<tokio::task::JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        for t in &self.0 {
            t.abort();
        }
    }
}

/// One account's change.
enum Change {
    Conn(usize, ConnState),
    Loading(usize, Loading),
}

/// The connection of several accounts: live while all are, else the first one's that
/// is not, its reason naming the account.
pub fn combined(states: &[(String, ConnState)]) -> ConnState {
    let Some((account, state)) = states.iter().find(|(_, s)| !s.is_live()) else {
        return ConnState::Live;
    };
    match state.clone() {
        ConnState::Offline {
            retry_at,
            attempt,
            reason,
        } => ConnState::Offline {
            retry_at,
            attempt,
            reason: format!("account {account}: {reason}"),
        },
        ConnState::Failed(m) => ConnState::Failed(format!("account {account}: {m}")),
        other => other,
    }
}

/// The catch-up of several streams: their messages together.
fn summed(all: &[Loading]) -> Loading {
    all.iter().fold(Loading::default(), |t, l| Loading {
        done: t.done + l.done,
        total: t.total + l.total,
        waiting_until: t.waiting_until.max(l.waiting_until),
        // Why the latest wait ends when it does.
        paced: match t.waiting_until >= l.waiting_until {
            true => t.paced,
            false => l.paced,
        },
        catching_up: t.catching_up || l.catching_up,
        seeding: t.seeding || l.seeding,
        reloading: t.reloading || l.reloading,
    })
}

/// Follows the folds of `accounts` (each with its account id) as one source; each
/// account's change is also a warning on `events` (the headless feed prints it).
pub fn merge(folds: &[(String, Folding)], events: broadcast::Sender<LiveEvent>) -> Merged {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut tasks = Vec::new();
    for (i, (_, f)) in folds.iter().enumerate() {
        let (mut conn, tx_conn) = (f.conn.clone(), tx.clone());
        tasks.push(tokio::spawn(async move {
            while conn.changed().await.is_ok() {
                let state = conn.borrow_and_update().clone();
                if tx_conn.send(Change::Conn(i, state)).is_err() {
                    break;
                }
            }
        }));
        let (mut loading, tx_loading) = (f.loading.clone(), tx.clone());
        tasks.push(tokio::spawn(async move {
            while loading.changed().await.is_ok() {
                let l = *loading.borrow_and_update();
                if tx_loading.send(Change::Loading(i, l)).is_err() {
                    break;
                }
            }
        }));
    }
    drop(tx);
    let mut states: Vec<(String, ConnState)> = folds
        .iter()
        .map(|(a, f)| (a.clone(), f.conn.borrow().clone()))
        .collect();
    let mut loads: Vec<Loading> = folds.iter().map(|(_, f)| *f.loading.borrow()).collect();
    let (conn_tx, conn) = watch::channel(combined(&states));
    let (loading_tx, loading) = watch::channel(summed(&loads));
    let (notice_tx, notices) = mpsc::unbounded_channel();
    tasks.push(tokio::spawn(async move {
        while let Some(change) = rx.recv().await {
            match change {
                Change::Conn(i, state) => {
                    if states[i].1 == state {
                        continue;
                    }
                    let at = Ts::now();
                    let message = format!("account {}: {}", states[i].0, state.describe(at));
                    let _ = events.send(LiveEvent::Warning {
                        at,
                        message: message.clone(),
                    });
                    let _ = notice_tx.send(message);
                    states[i].1 = state;
                    conn_tx.send_replace(combined(&states));
                }
                Change::Loading(i, l) => {
                    loads[i] = l;
                    loading_tx.send_replace(summed(&loads));
                }
            }
        }
    }));
    Merged {
        conn,
        loading,
        notices,
        task: AbortOnDrop(tasks),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_accounts_are_live_only_while_each_is() {
        let offline = ConnState::Offline {
            retry_at: Ts(0),
            attempt: 1,
            reason: "the broker connection dropped".into(),
        };
        let both = |b: ConnState| vec![("A".into(), ConnState::Live), ("B".into(), b)];
        assert_eq!(combined(&both(ConnState::Live)), ConnState::Live);
        match combined(&both(offline)) {
            ConnState::Offline { reason, .. } => {
                assert_eq!(reason, "account B: the broker connection dropped")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            combined(&both(ConnState::Failed("no stream".into()))),
            ConnState::Failed("account B: no stream".into())
        );
    }
}
