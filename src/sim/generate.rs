//! `calltop sim generate`: the simulator's contact center (the same routing, presence,
//! queues and call log) on a simulated clock, as fast as the machine allows. It writes
//! what a client subscribed as `calltop live` is would record — the first REST load
//! (directory, presence, queues) and every notification of the live client's event
//! filters, and what joining each ended call to the call log finds — as a calltop
//! recording, and the ground truth as JSON Lines: the figures every 15 minutes of
//! simulated time, then everything at the end (the last line).

use super::hub::{parse_filter, Out, Subscription, WsSession};
use super::world::{Clock, World};
use super::SimConfig;
use crate::wire::calllog::CallLogLine;
use crate::wire::{RosterLine, Ts};
use std::collections::VecDeque;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

/// The base URL the stream's URIs carry (no server listens: the stream is made offline).
const BASE_URL: &str = "http://127.0.0.1:8080";

/// Where the generated stream goes (in `calltop sim generate`: the recorder).
pub trait Sink {
    /// The event filters a client of the account subscribes to, given the ids of its
    /// call queues and users.
    fn event_filters(&self, queues: &[&str], users: &[&str]) -> Vec<String>;
    /// A REST answer about the contact center, learned at `at`.
    fn roster(&mut self, at: Ts, line: &RosterLine) -> std::io::Result<()>;
    /// A WebSocket frame received at `at`.
    fn frame(&mut self, at: Ts, raw: &str) -> std::io::Result<()>;
    /// Something else learned by REST at `at` (a call-log join: `{"callLog": …}`).
    fn learned(&mut self, at: Ts, v: serde_json::Value) -> std::io::Result<()>;
    /// Lines written so far.
    fn lines(&self) -> u64;
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct Plan {
    pub cfg: SimConfig,
    /// The wall time the stream starts at.
    pub start: Ts,
    pub duration: Duration,
    /// The ground truth (JSON Lines).
    pub truth: PathBuf,
    /// A ground-truth line per this much simulated time.
    pub every: Duration,
}

/// What was generated.
#[derive(Clone, Debug, Default)]
pub struct Generated {
    pub lines: u64,
    pub calls: usize,
    pub truth_lines: usize,
}

/// Runs the plan to its end, the stream into `rec`.
pub fn generate(plan: &Plan, rec: &mut dyn Sink) -> anyhow::Result<Generated> {
    let mut w = World::new(plan.cfg.clone());
    w.base_url = BASE_URL.to_string();
    w.set_clock(Clock::simulated(plan.start));
    let t0 = w.clock_instant();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    subscribe(&mut w, &*rec, tx, plan.start);
    for line in super::roster::roster_lines(BASE_URL, &w) {
        rec.roster(plan.start, &line)?;
    }
    let mut truth = std::io::BufWriter::new(
        std::fs::File::create(&plan.truth)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", plan.truth.display()))?,
    );
    let mut out = Generated::default();
    let end = t0 + plan.duration;
    let every = plan.every.max(Duration::from_secs(1));
    let mut next_truth = t0 + every;
    let mut logged = 0;
    loop {
        let now = w.clock_instant();
        let next = w.tick(now);
        while let Ok(msg) = rx.try_recv() {
            if let Out::Notification(frame) | Out::Frame(frame) = msg {
                rec.frame(w.clock_ts(), &frame)?;
            }
        }
        logged = join_call_log(&w, logged, rec)?;
        if now >= end {
            break;
        }
        if now >= next_truth {
            let mut g = w.ground_truth();
            // The running figures only; the last line has every entry, leg and call.
            g.queue_entries.clear();
            g.agent_legs.clear();
            g.calls.clear();
            serde_json::to_writer(&mut truth, &g)?;
            truth.write_all(b"\n")?;
            out.truth_lines += 1;
            next_truth += every;
        }
        // Something due now is played by the next tick; otherwise jump to what is next.
        let to = next.unwrap_or(end).min(end).min(next_truth);
        w.advance_to(to.max(now + Duration::from_millis(1)));
    }
    serde_json::to_writer(&mut truth, &w.ground_truth())?;
    truth.write_all(b"\n")?;
    truth.flush()?;
    out.truth_lines += 1;
    out.lines = rec.lines();
    out.calls = w.calls.len();
    Ok(out)
}

/// Writes the call-log records published since record `from` as the live client's
/// call-log join records them (one line per call, its records in the Detailed view,
/// oldest first); returns how many records there are now.
fn join_call_log(w: &World, from: usize, rec: &mut dyn Sink) -> anyhow::Result<usize> {
    let mut calls: Vec<CallLogLine> = Vec::new();
    for r in &w.history.records[from..] {
        let Some(id) = r.record.entry.telephony_session_id.clone() else {
            continue;
        };
        let record = super::records::view(&r.record, true);
        match calls.iter_mut().find(|c| c.telephony_session_id == id) {
            Some(c) => c.records.push(record),
            None => calls.push(CallLogLine {
                telephony_session_id: id,
                records: vec![record],
                unjoined: None,
            }),
        }
    }
    for mut line in calls {
        line.records
            .sort_by(|a, b| (a.entry.start_time, &a.id).cmp(&(b.entry.start_time, &b.id)));
        rec.learned(w.clock_ts(), serde_json::json!({ "callLog": line }))?;
    }
    Ok(w.history.records.len())
}

/// A subscription with the sink's event filters (the live client's: every call,
/// everyone's presence, each queue's member availability, the users' voicemail), as the
/// account's first user, delivering to `tx`.
fn subscribe(w: &mut World, sink: &dyn Sink, tx: tokio::sync::mpsc::UnboundedSender<Out>, at: Ts) {
    let owner = w.dir.users[0].id.clone();
    let queues: Vec<&str> = w.dir.queues.iter().map(|q| q.id.as_str()).collect();
    let users: Vec<&str> = w.dir.users.iter().map(|u| u.id.as_str()).collect();
    let filters = sink
        .event_filters(&queues, &users)
        .iter()
        .filter_map(|f| parse_filter(f, &w.dir.account, &owner))
        .collect();
    w.hub.sessions.insert(
        "generate".to_string(),
        WsSession {
            wsc_token: "generate".to_string(),
            wsc_sequence: 0,
            oauth_session: String::new(),
            owner,
            subscription: Some(Subscription {
                id: "00000000-0000-4000-8000-000000000001".to_string(),
                filters,
                created: at,
            }),
            conn_id: 0,
            tx: Some(tx),
            disconnected_at: None,
            buffer: VecDeque::new(),
        },
    );
}
