//! Joining ended calls to the platform's call log, live (call-log.md §2.4): follows the
//! calls that end in the store, waits until their records can have appeared, asks for
//! one window of Detailed records covering every call waiting (the call log is in the
//! Heavy rate-limit group, which every client of the user shares: each request is
//! taken from the login's budget — paced on `X-Rate-Limit-Remaining` within
//! `--heavy-share`, nothing after a 429 for `Retry-After` plus jitter — see
//! [`crate::platform::budget`]), and writes what it found — or that nothing came
//! before the cutoff, or that the app may not read the call log — into the recording
//! and the store, one `callLog` line per call. When the budget holds due calls back
//! for long it says so (a warning: outcomes are late, and until when). It never
//! touches the Light group the control keys use.

use crate::core::SharedStore;
use crate::platform::budget::{Hold, Pace, RateGroup};
use crate::platform::calllog::CallLogClient;
use crate::platform::HttpError;
use crate::record::Tap;
use crate::wire::calllog::{CallLogLine, CallLogRecord};
use crate::wire::{Incoming, Parsed, Ts};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;
use tokio::time::Instant;

use super::LiveEvent;

/// How joining waits and spends.
#[derive(Clone, Copy, Debug)]
pub struct JoinConfig {
    /// Wait this long after a call ends before looking (records take 15–30 s).
    pub delay: Duration,
    /// Give up on a call this long after it ended.
    pub cutoff: Duration,
    /// How often waiting calls are looked at (how many requests that makes is the
    /// Heavy budget's to say).
    pub poll: Duration,
}

impl Default for JoinConfig {
    fn default() -> Self {
        JoinConfig {
            delay: Duration::from_secs(30),
            cutoff: Duration::from_secs(300),
            poll: Duration::from_secs(2),
        }
    }
}

/// A call waiting for its records.
struct Waiting {
    id: String,
    start: Ts,
    seen: Instant,
}

/// Due calls held back this long by the budget are said to be late.
const LATE: Duration = Duration::from_secs(15);

/// The running join.
pub struct Join {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Join {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts joining the calls that end in `store` from now on.
pub fn spawn(
    cfg: JoinConfig,
    client: CallLogClient,
    store: SharedStore,
    tap: Option<Arc<Mutex<Tap>>>,
    events: broadcast::Sender<LiveEvent>,
) -> Join {
    let task = tokio::spawn(async move {
        let mut j = Joiner {
            cfg,
            client,
            store,
            tap,
            events,
            waiting: Vec::new(),
            late_until: None,
            forbidden: false,
        };
        j.run().await
    });
    Join { task }
}

struct Joiner {
    cfg: JoinConfig,
    client: CallLogClient,
    store: SharedStore,
    tap: Option<Arc<Mutex<Tap>>>,
    events: broadcast::Sender<LiveEvent>,
    waiting: Vec<Waiting>,
    /// The end of the last wait said to make outcomes late.
    late_until: Option<Instant>,
    /// The app may not read the call log: every call is told so, nothing is asked.
    forbidden: bool,
}

impl Joiner {
    async fn run(&mut self) {
        let mut changed = self.store.subscribe();
        // Only calls that end from now on (a recording may already hold the others).
        let mut cursor = self.store.read().ended_after(u64::MAX).cursor;
        let mut tick = tokio::time::interval(self.cfg.poll);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Ended calls are taken in as the store changes (the cursor must not fall behind
        // its bounded log); the call log is looked at once a poll, not once a change.
        loop {
            tokio::select! {
                r = changed.changed() => {
                    if r.is_err() {
                        return;
                    }
                    cursor = self.follow(cursor);
                }
                _ = tick.tick() => {
                    cursor = self.follow(cursor);
                    self.round().await;
                }
            }
        }
    }

    /// Takes in the calls that ended after `cursor`.
    fn follow(&mut self, cursor: u64) -> u64 {
        let now = Instant::now();
        let s = self.store.read();
        let ended = s.ended_after(cursor);
        for id in ended.ids {
            let start = s
                .find(id)
                .and_then(|x| x.start.or(Some(x.first_seen)))
                .unwrap_or(Ts(0));
            self.waiting.push(Waiting {
                id: id.to_string(),
                start,
                seen: now,
            });
        }
        ended.cursor
    }

    /// Looks for the records of the calls that waited long enough.
    async fn round(&mut self) {
        if self.waiting.is_empty() {
            return;
        }
        if self.forbidden {
            let all: Vec<String> = self.waiting.drain(..).map(|w| w.id).collect();
            for id in all {
                self.learned(unjoined(&id, "forbidden"));
            }
            return;
        }
        let now = Instant::now();
        let due = self
            .waiting
            .iter()
            .any(|w| now.duration_since(w.seen) >= self.cfg.delay);
        let budget = self.client.budget().clone();
        match budget.wait(RateGroup::Heavy, Pace::Even, now) {
            Some(wait) if due => {
                budget.want(RateGroup::Heavy, now);
                self.late(wait.until, wait.why, now)
            }
            Some(_) => {}
            None if due => {
                // One window covering every waiting call, due or not (a record starts
                // when its call does).
                let from = self
                    .waiting
                    .iter()
                    .map(|w| w.start)
                    .min()
                    .unwrap_or(Ts(0))
                    .plus_millis(-60_000);
                let result = self
                    .client
                    .window(from, Ts::now().plus_millis(60_000))
                    .await;
                match result {
                    Ok(records) => {
                        self.late_until = None;
                        self.match_records(records)
                    }
                    Err(HttpError::RateLimited { retry_after }) => {
                        let now = Instant::now();
                        // The HTTP client paused the group when the answer named it.
                        let until =
                            budget
                                .paused_until(RateGroup::Heavy, now)
                                .unwrap_or_else(|| {
                                    budget.rate_limited(RateGroup::Heavy, retry_after, now)
                                });
                        tracing::warn!(
                            wait_s = until.duration_since(now).as_secs(),
                            "call log rate limited"
                        );
                        self.late(until, Hold::RateLimited, now);
                    }
                    Err(HttpError::Status {
                        status: 403,
                        message,
                    }) => {
                        self.forbidden = true;
                        let message = format!(
                            "call outcomes off: the app may not read the call log (ReadCallLog permission): {message}"
                        );
                        tracing::warn!(%message);
                        let _ = self.events.send(LiveEvent::Warning {
                            at: Ts::now(),
                            message,
                        });
                        return Box::pin(self.round()).await;
                    }
                    Err(e) => tracing::warn!(error = %e, "call log request failed; will retry"),
                }
            }
            None => {}
        }
        // Past the cutoff: the call keeps its event-derived outcome. The calls wait in
        // the order they ended (joining keeps it), so those past it are a prefix.
        let cutoff = self.cfg.cutoff;
        let past = self
            .waiting
            .partition_point(|w| now.duration_since(w.seen) >= cutoff);
        for w in self.waiting.drain(..past).collect::<Vec<_>>() {
            tracing::info!(call = %w.id, "no call-log record before the cutoff");
            self.learned(unjoined(&w.id, "missing"));
        }
    }

    /// Says (once per wait) that due calls wait for the budget until `until`: after a
    /// 429, or when the wait is long ([`LATE`]) because the user's Heavy requests are
    /// spent — by this client or another of the same user.
    fn late(&mut self, until: Instant, why: Hold, now: Instant) {
        let secs = until.saturating_duration_since(now);
        let said = self
            .late_until
            .is_some_and(|u| u + Duration::from_secs(1) >= until);
        // This process's own pacing (its share) is the usual cadence, not lateness.
        let long = why == Hold::RateLimited || (why == Hold::Spent && secs >= LATE);
        if said || !long {
            return;
        }
        self.late_until = Some(until);
        let reason = match why {
            Hold::RateLimited => "call log rate-limited",
            Hold::Spent | Hold::Share => {
                "the user's Heavy rate limit is spent for now (by its clients together)"
            }
        };
        let waiting = self.waiting.len();
        let message = format!(
            "call outcomes late: {reason}, next try in {} s ({waiting} calls waiting)",
            secs.as_secs_f64().ceil() as u64
        );
        tracing::warn!(%message);
        let _ = self.events.send(LiveEvent::Warning {
            at: Ts::now(),
            message,
        });
    }

    /// Joins every waiting call that has records; forgets those the store let go of.
    fn match_records(&mut self, records: Vec<CallLogRecord>) {
        {
            let s = self.store.read();
            self.waiting.retain(|w| s.find(&w.id).is_some());
        }
        let mut by_call: HashMap<String, Vec<CallLogRecord>> = HashMap::new();
        for r in records {
            if let Some(id) = r.entry.telephony_session_id.clone() {
                by_call.entry(id).or_default().push(r);
            }
        }
        let waiting = std::mem::take(&mut self.waiting);
        for w in waiting {
            match by_call.remove(&w.id) {
                Some(mut records) => {
                    records.sort_by(|a, b| {
                        (a.entry.start_time, &a.id).cmp(&(b.entry.start_time, &b.id))
                    });
                    self.learned(CallLogLine {
                        telephony_session_id: w.id,
                        records,
                        unjoined: None,
                    });
                }
                None => self.waiting.push(w),
            }
        }
    }

    /// Records a join line and applies it to the store (the same line a replay reads).
    fn learned(&self, line: CallLogLine) {
        let at = Ts::now();
        let value = serde_json::json!({ "callLog": line });
        if let Some(t) = &self.tap {
            let mut t = t.lock().unwrap_or_else(|e| e.into_inner());
            t.learned(at, value);
        }
        let telephony_session_id = line.telephony_session_id.clone();
        let parsed = Parsed {
            received_at: Some(at),
            meta: None,
            item: Incoming::CallLog(Box::new(line)),
        };
        self.store.write(|s| s.ingest(parsed, at));
        let _ = self.events.send(LiveEvent::Joined {
            at,
            telephony_session_id,
        });
    }
}

fn unjoined(id: &str, why: &str) -> CallLogLine {
    CallLogLine {
        telephony_session_id: id.to_string(),
        records: Vec::new(),
        unjoined: Some(why.to_string()),
    }
}
