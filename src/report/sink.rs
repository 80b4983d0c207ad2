//! Where a report's calls go as they become final: each one encoded ([`write::Writer`])
//! into the sort by start time ([`sorted`]), on the applying thread, or on a writer
//! thread beside it ([`Sink::beside`]) so that applying the next events does not wait
//! for it. The calls reach the sort in the same order either way, so the report is the
//! same.

use super::{names_in, order_key, session_report, sorted, write, Names};
use crate::core::center::Center;
use crate::core::outcomes::Join;
use crate::core::Session;
use crate::wire::Ts;
use std::sync::mpsc::{sync_channel, SyncSender};
use std::thread::JoinHandle;

/// The calls encoded so far, in the sort, and the writer that encodes them.
pub(super) struct Rows {
    pub sorted: sorted::Sorter,
    pub writer: write::Writer,
    payload: Vec<u8>,
}

impl Rows {
    pub fn new(writer: write::Writer, budget: usize) -> Rows {
        Rows {
            sorted: sorted::Sorter::new(budget),
            writer,
            payload: Vec::new(),
        }
    }

    /// Encodes call `s` of `account` (empty: the only input) into the sort, as `names`
    /// and `join` tell of it at `now`.
    pub fn add(
        &mut self,
        account: &str,
        s: &Session,
        names: Names<'_>,
        join: Option<&Join>,
        now: Ts,
    ) -> std::io::Result<()> {
        let mut r = session_report(s, names, join, now);
        r.account = (!account.is_empty()).then_some(account);
        self.payload.clear();
        self.writer.encode(&mut self.payload, &r)?;
        let mut key = order_key(s);
        key.extend_from_slice(account.as_bytes());
        self.sorted.push(&key, &self.payload)
    }
}

/// A call made final, with what the writer thread needs to write it out.
struct Final {
    /// Its input (an index into the writer's accounts).
    part: usize,
    session: Session,
    join: Option<Join>,
    names: Names<'static>,
    now: Ts,
}

/// Calls handed to the writer thread at once.
const BATCH: usize = 64;
/// Batches on their way to the writer thread at most: the calls in flight are few.
const IN_FLIGHT: usize = 4;

/// Where the calls of a report go.
pub(super) struct Sink(Way);

enum Way {
    /// Encoded on this thread.
    Here(Rows),
    /// Handed over, a batch at a time, to a writer thread.
    Beside {
        batch: Vec<Final>,
        /// `None` once the writer thread stopped early (its error comes with it).
        to: Option<SyncSender<Vec<Final>>>,
        thread: JoinHandle<std::io::Result<Rows>>,
    },
}

impl Sink {
    /// A sink that encodes calls on this thread.
    pub fn here(rows: Rows) -> Sink {
        Sink(Way::Here(rows))
    }

    /// This sink, writing calls out on a thread of its own from now on, the inputs'
    /// accounts as `accounts` name them.
    pub fn beside(self, accounts: Vec<String>) -> Sink {
        let mut rows = match self.0 {
            Way::Here(rows) => rows,
            beside => return Sink(beside),
        };
        let (to, from) = sync_channel::<Vec<Final>>(IN_FLIGHT);
        let thread = std::thread::spawn(move || {
            for batch in from {
                for f in batch {
                    let join = f.join.as_ref();
                    rows.add(&accounts[f.part], &f.session, f.names, join, f.now)?;
                }
            }
            Ok(rows)
        });
        Sink(Way::Beside {
            batch: Vec::with_capacity(BATCH),
            to: Some(to),
            thread,
        })
    }

    /// Writes out call `s`, final, of input `part` (account `account`), as `center`
    /// names it at `now`.
    pub fn add(
        &mut self,
        part: usize,
        account: &str,
        s: Session,
        join: Option<Join>,
        center: &Center,
        now: Ts,
    ) -> std::io::Result<()> {
        match &mut self.0 {
            Way::Here(rows) => rows.add(account, &s, names_in(&s, center), join.as_ref(), now),
            Way::Beside { batch, to, .. } => {
                let names = names_in(&s, center).into_owned();
                batch.push(Final {
                    part,
                    session: s,
                    join,
                    names,
                    now,
                });
                if batch.len() >= BATCH {
                    let full = std::mem::replace(batch, Vec::with_capacity(BATCH));
                    // A writer thread that stopped says why when it is joined.
                    if to.as_ref().is_some_and(|t| t.send(full).is_err()) {
                        *to = None;
                    }
                }
                Ok(())
            }
        }
    }

    /// Every call handed over written out: the rows.
    pub fn rows(self) -> std::io::Result<Rows> {
        match self.0 {
            Way::Here(rows) => Ok(rows),
            Way::Beside { batch, to, thread } => {
                if let Some(to) = to {
                    if !batch.is_empty() {
                        // Fails only when the thread stopped: joining says why.
                        let _ = to.send(batch);
                    }
                }
                join(thread)
            }
        }
    }
}

/// The rows of a writer thread, or the error that stopped it (its panic goes on).
fn join(thread: JoinHandle<std::io::Result<Rows>>) -> std::io::Result<Rows> {
    thread
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}
