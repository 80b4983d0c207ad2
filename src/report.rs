//! `calltop report`: reads a recorded stream and prints per-session, per-party figures,
//! the summary, and per-queue and per-agent figures, as JSON, CSV or a table. Calls are
//! written out as they become final, through a sort by start time that spills to
//! temporary files past a memory budget ([`sorted`]), so a recording of any length is
//! reported in bounded memory.

mod accounts;
pub mod html;
pub mod intervals;
mod sink;
mod sorted;
mod write;

pub use write::write;

use crate::core::center::{Agent, AgentFigures, Center, Cut, Queue, QueueFigures};
use crate::core::outcomes::{Join, JoinCounts};
use crate::core::store::Ahead;
use crate::core::{
    secs, Bucket, Counters, Outcomes, PartyState, Session, SessionStore, StoreConfig, Summary,
    Window,
};
use crate::source::chunks;
use crate::source::feed::{BadValues, Feed};
use crate::source::file::{self, Item};
use crate::source::merge;
use crate::wire::{ParseError, ParsedView, Ts};
use serde::Serialize;
use std::borrow::Cow;
use std::io::Write;

/// Output formats of `calltop report`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    #[default]
    Table,
    /// A daily report to open in a browser (one self-contained page, charts per
    /// interval).
    Html,
}

/// One party's line of the report.
#[derive(Debug, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PartyReport<'a> {
    pub id: &'a str,
    pub direction: Option<&'a str>,
    pub from: Option<&'a str>,
    pub from_name: Option<&'a str>,
    pub to: Option<&'a str>,
    pub to_name: Option<&'a str>,
    pub extension_id: Option<&'a str>,
    pub status: Option<&'a str>,
    pub reason: Option<&'a str>,
    /// `null` when not known: a state open where a fragment ends, or time before the
    /// snapshot the party was first learned of by.
    pub ring_seconds: Option<f64>,
    pub talk_seconds: Option<f64>,
    pub hold_seconds: Option<f64>,
    /// Ids of the party's recordings, as the notifications gave them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recordings: Vec<&'a str>,
}

/// One session of the report, borrowed from the store's call.
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SessionReport<'a> {
    /// The account it belongs to, in a report over several (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<&'a str>,
    pub telephony_session_id: &'a str,
    pub session_id: Option<&'a str>,
    pub start_time: Option<Ts>,
    pub end_time: Option<Ts>,
    pub disposition: &'static str,
    /// `null` when not known: still open where a fragment ends, or no time at all.
    pub duration_seconds: Option<f64>,
    /// Sequence gaps: runs of the session's event sequence never heard.
    pub gaps: u32,
    pub parties: Vec<PartyReport<'a>>,
    /// The agent who answered last (after IVR and queue routing, and transfers); absent
    /// while nobody has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<AgentRef<'a>>,
    /// The call queue the call came through; absent when there was none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<QueueRef<'a>>,
    /// The platform's own records of the call, when calltop joined them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_log: Option<&'a Join>,
}

/// The agent of a call (see [`Center::call_agent`]).
#[derive(Debug, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AgentRef<'a> {
    pub extension_id: Option<Cow<'a, str>>,
    pub extension_number: Option<Cow<'a, str>>,
    /// The directory's name, else the name the call gives the agent's end.
    pub name: Option<Cow<'a, str>>,
}

/// The queue of a call (see [`Center::call_queue`]).
#[derive(Debug, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct QueueRef<'a> {
    pub id: Cow<'a, str>,
    pub extension_number: Option<Cow<'a, str>>,
    pub name: Option<Cow<'a, str>>,
}

/// A call's agent and queue as the center names them (see [`names_in`]).
#[derive(Debug, Default, PartialEq)]
pub struct Names<'a> {
    pub agent: Option<AgentRef<'a>>,
    pub queue: Option<QueueRef<'a>>,
}

impl Names<'_> {
    /// The names copied out of the center, to outlive it (a call written out on
    /// another thread).
    pub fn into_owned(self) -> Names<'static> {
        let own = |t: Option<Cow<'_, str>>| t.map(|t| Cow::Owned(t.into_owned()));
        Names {
            agent: self.agent.map(|a| AgentRef {
                extension_id: own(a.extension_id),
                extension_number: own(a.extension_number),
                name: own(a.name),
            }),
            queue: self.queue.map(|q| QueueRef {
                id: Cow::Owned(q.id.into_owned()),
                extension_number: own(q.extension_number),
                name: own(q.name),
            }),
        }
    }
}

/// The agent and the queue `center` names call `s` by now.
pub fn names_in<'a>(s: &'a Session, center: &'a Center) -> Names<'a> {
    Names {
        agent: s.agent_in(center).map(|a| AgentRef {
            extension_id: a.extension_id().map(Cow::Borrowed),
            extension_number: a.extension_number().map(Cow::Borrowed),
            name: a.name().map(Cow::Borrowed),
        }),
        queue: s.queue_in(center).map(|q| QueueRef {
            id: Cow::Borrowed(&q.id),
            extension_number: q.extension_number.as_deref().map(Cow::Borrowed),
            name: q.name.as_deref().map(Cow::Borrowed),
        }),
    }
}

/// The summary block of the report.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SummaryReport {
    pub sessions: u64,
    pub active: u64,
    /// How the ended sessions ended.
    #[serde(flatten)]
    pub outcomes: Outcomes,
    /// The store's event counters, as they are.
    #[serde(flatten)]
    pub counters: Counters,
    /// Joining ended calls to the call log (absent when no call was joined).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_log: Option<JoinCounts>,
    /// Ring, talk and hold over the calls that had any (`null`: none had).
    pub avg_ring_seconds: Option<f64>,
    pub max_ring_seconds: Option<f64>,
    pub avg_talk_seconds: Option<f64>,
    pub max_talk_seconds: Option<f64>,
    pub avg_hold_seconds: Option<f64>,
    pub max_hold_seconds: Option<f64>,
}

/// One call queue's figures (definitions in `core::center`).
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct QueueReport {
    /// The account it belongs to, in a report over several (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub id: String,
    pub extension_number: Option<String>,
    pub name: Option<String>,
    pub offered: u64,
    pub answered: u64,
    pub abandoned: u64,
    pub voicemail: u64,
    pub overflow: u64,
    /// Still waiting at the end of the stream.
    pub waiting: u64,
    /// Answered within the threshold, % (RingCentral's rule); `null` without calls.
    pub service_level: Option<f64>,
    /// `null` for a total over queues whose thresholds differ.
    pub service_level_seconds: Option<f64>,
    pub avg_speed_of_answer_seconds: Option<f64>,
    pub avg_abandon_wait_seconds: Option<f64>,
    /// The longest any call waited (one still waiting: up to the end of the stream).
    pub longest_wait_seconds: f64,
}

/// One agent's figures (definitions in `core::center`).
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AgentReport {
    /// The account it belongs to, in a report over several (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub id: String,
    pub extension_number: Option<String>,
    pub name: Option<String>,
    /// Queue calls offered (agent legs rung).
    pub offers: u64,
    pub handled: u64,
    /// Rang out, ignored or rejected (`missedCall`).
    pub missed: u64,
    /// Queue calls talked on and held, up to the end of the stream.
    pub talk_seconds: f64,
    pub hold_seconds: f64,
    pub avg_handle_seconds: Option<f64>,
}

/// The whole report.
#[derive(Debug, Serialize, PartialEq)]
pub struct Report<'a> {
    pub sessions: Vec<SessionReport<'a>>,
    pub summary: SummaryReport,
    pub queues: Vec<QueueReport>,
    pub agents: Vec<AgentReport>,
}

fn queue_report(c: &Center, q: &Queue, now: Ts) -> QueueReport {
    QueueReport {
        id: q.id.clone(),
        extension_number: q.extension_number.clone(),
        name: q.name.clone(),
        ..queue_figures_report(
            &q.figures,
            q.service_level_pct(),
            c.waiting_count(q) as u64,
            Some(secs(q.sla.threshold_ms)),
            secs(q.longest_wait_ms(now)),
        )
    }
}

/// A queue's line of figures (or a total's), without its names.
fn queue_figures_report(
    f: &QueueFigures,
    service_level: Option<f64>,
    waiting: u64,
    service_level_seconds: Option<f64>,
    longest_wait_seconds: f64,
) -> QueueReport {
    QueueReport {
        account: None,
        id: String::new(),
        extension_number: None,
        name: None,
        offered: f.offered,
        answered: f.answered,
        abandoned: f.abandoned,
        voicemail: f.voicemail,
        overflow: f.overflow,
        waiting,
        service_level,
        service_level_seconds,
        avg_speed_of_answer_seconds: f.avg_answer_wait_ms().map(|ms| ms / 1000.0),
        avg_abandon_wait_seconds: f.avg_abandon_wait_ms().map(|ms| ms / 1000.0),
        longest_wait_seconds,
    }
}

fn agent_report(a: &Agent, f: AgentFigures) -> AgentReport {
    let (id, number, name) = (a.id.clone(), a.extension_number.clone(), a.name.clone());
    agent_figures_report(id, number, name, &f)
}

/// An agent's line of figures (or a total's).
fn agent_figures_report(
    id: String,
    extension_number: Option<String>,
    name: Option<String>,
    f: &AgentFigures,
) -> AgentReport {
    AgentReport {
        account: None,
        id,
        extension_number,
        name,
        offers: f.offers,
        handled: f.handled,
        missed: f.missed,
        talk_seconds: secs(f.talk_ms),
        hold_seconds: secs(f.hold_ms),
        avg_handle_seconds: f.avg_handle_ms().map(|ms| ms / 1000.0),
    }
}

/// Sorts by extension number (numbers as numbers), then id.
fn by_number<T>(v: &mut [T], key: impl Fn(&T) -> (Option<&String>, &String)) {
    v.sort_by_cached_key(|x| {
        let (number, id) = key(x);
        let n = number
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(u64::MAX);
        (n, number.cloned(), id.clone())
    });
}

/// Queues and agents of a center at `now`, in extension-number order.
pub fn center_reports(c: &Center, now: Ts) -> (Vec<QueueReport>, Vec<AgentReport>) {
    let mut queues: Vec<QueueReport> = c.queues().map(|q| queue_report(c, q, now)).collect();
    by_number(&mut queues, |q| (q.extension_number.as_ref(), &q.id));
    let mut agents: Vec<AgentReport> = c
        .agents()
        .map(|a| agent_report(a, c.agent_figures_at(a, now)))
        .collect();
    by_number(&mut agents, |a| (a.extension_number.as_ref(), &a.id));
    (queues, agents)
}

fn endpoint_number(e: &crate::core::party::EndpointState) -> Option<&str> {
    e.phone_number.text().or(e.extension_id.text())
}

fn party_report<'a>(s: &Session, p: &'a PartyState, now: Ts) -> PartyReport<'a> {
    let f = s.party_figures(p, now);
    let known = |b| f.known(b).map(secs);
    PartyReport {
        id: &p.id,
        direction: p.direction.get().map(|d| d.as_str()),
        from: endpoint_number(&p.from),
        from_name: p.from.name.text(),
        to: endpoint_number(&p.to),
        to_name: p.to.name.text(),
        extension_id: p.extension_id.text(),
        status: p.code().map(|c| c.as_str()),
        reason: p.reason().map(|r| r.as_str()),
        ring_seconds: known(Bucket::Ring),
        talk_seconds: known(Bucket::Talk),
        hold_seconds: known(Bucket::Hold),
        recordings: p.recording_ids(),
    }
}

fn session_report<'a>(
    s: &'a Session,
    names: Names<'a>,
    outcome: Option<&'a Join>,
    now: Ts,
) -> SessionReport<'a> {
    SessionReport {
        account: None,
        call_log: outcome,
        telephony_session_id: &s.id,
        session_id: s.session_id.as_deref(),
        start_time: s.start,
        end_time: s.end(),
        disposition: s.disposition().as_str(),
        duration_seconds: s.duration_ms(now).map(secs),
        gaps: s.gaps(),
        parties: s
            .parties_ordered()
            .into_iter()
            .map(|p| party_report(s, p, now))
            .collect(),
        agent: names.agent,
        queue: names.queue,
    }
}

fn summary_report(sum: &Summary, joins: JoinCounts) -> SummaryReport {
    let t = &sum.totals;
    SummaryReport {
        sessions: t.sessions,
        active: sum.active,
        outcomes: t.outcomes,
        counters: sum.counters,
        call_log: (joins != JoinCounts::default()).then_some(joins),
        avg_ring_seconds: t.ring.avg_ms().map(secs),
        max_ring_seconds: t.ring.max().map(secs),
        avg_talk_seconds: t.talk.avg_ms().map(secs),
        max_talk_seconds: t.talk.max().map(secs),
        avg_hold_seconds: t.hold.avg_ms().map(secs),
        max_hold_seconds: t.hold.max().map(secs),
    }
}

/// A store that keeps every session (for reports over a whole file).
pub fn unbounded_store() -> SessionStore {
    SessionStore::new(StoreConfig {
        max_ended: usize::MAX,
        max_ended_age_ms: i64::MAX,
        tombstones: 0,
        detail_window: usize::MAX,
        ..StoreConfig::default()
    })
}

/// The store `calltop report` streams through: no timelines, and a call that ended
/// [`FINAL_AFTER_MS`] of stream time ago or [`FINAL_AFTER_CALLS`] calls ago is final —
/// handed over to be written out and forgotten (the ids of the latest 50 000 remembered,
/// as the board's and the center's are, so an event for one of them after that counts as
/// late). Memory holds the calls in progress and the recently ended, whatever the length
/// of the file.
pub fn streaming_store() -> SessionStore {
    SessionStore::new(StoreConfig {
        max_ended: FINAL_AFTER_CALLS,
        max_ended_age_ms: FINAL_AFTER_MS,
        detail_window: usize::MAX,
        timelines: false,
        hand_over_evicted: true,
        ..StoreConfig::default()
    })
    .without_change_log()
}

/// Bytes of encoded calls a report holds before its sort writes them to disk.
pub const SORT_BUDGET: usize = 4 << 20;

/// Stream time after which an ended call is final in a report.
pub const FINAL_AFTER_MS: i64 = 300_000;
/// Ended calls after which an ended call is final in a report.
pub const FINAL_AFTER_CALLS: usize = 5_000;

/// Applies a file's items to a store in file order (see [`Feed`]); returns the
/// first bad ones (line number and error).
pub fn ingest_items(store: &mut SessionStore, items: Vec<Item>) -> Vec<(usize, String)> {
    let mut feed = Feed::default();
    for item in items {
        feed.ingest_view(store, item.line, item.parsed.map(ParsedView::from));
    }
    feed.bad.first
}

/// The order of the report's sessions: by start time, then id.
fn order_key(s: &Session) -> Vec<u8> {
    let mut k = Vec::with_capacity(9 + s.id.len());
    match s.start {
        None => k.push(0),
        Some(t) => {
            k.push(1);
            k.extend_from_slice(&((t.0 as u64) ^ (1 << 63)).to_be_bytes());
        }
    }
    k.extend_from_slice(s.id.as_bytes());
    k
}

/// The calls of a store in the report's order (by start time), for [`build`].
pub fn calls(store: &SessionStore) -> Vec<Cow<'_, Session>> {
    let mut sessions: Vec<_> = store.all_sessions().collect();
    sessions.sort_by_cached_key(|s| order_key(s));
    sessions
}

/// Builds the report at `now` of a store and its [`calls`].
pub fn build<'a>(store: &'a SessionStore, calls: &'a [Cow<'a, Session>], now: Ts) -> Report<'a> {
    let (queues, agents) = center_reports(store.center(), now);
    Report {
        sessions: calls
            .iter()
            .map(|s| {
                let names = names_in(s, store.center());
                session_report(s, names, store.outcomes().get(&s.id), now)
            })
            .collect(),
        summary: summary_report(&store.summary(now), store.outcomes().counts()),
        queues,
        agents,
    }
}
/// The end-of-call line a CRM integration reads (`live --headless --format json`,
/// `--on-end`): the call as the report shows it — both dispositions, the event-derived
/// one and the platform's (`callLog.result`), the linked ids, the agent who answered
/// (`agent`) and its queue (`queue`) when there are — with its call-level ring/talk/hold
/// (`call`), the `eventTime` of the event that ended it, and its caller's ends split into
/// name and number (`fromName`, `fromNumber`, `toName`, `toNumber`; `null` when unknown).
/// Fields are only ever added to it. `None` when the store no longer holds the call.
pub fn call_ended(store: &SessionStore, telephony_session_id: &str) -> Option<serde_json::Value> {
    let s = store.find(telephony_session_id)?;
    let end = s.end().or(store.clock()).unwrap_or(Ts(0));
    let f = s.call_figures(end);
    let mut v = serde_json::to_value(session_report(
        &s,
        names_in(&s, store.center()),
        store.outcomes().get(telephony_session_id),
        end,
    ))
    .ok()?;
    let obj = v.as_object_mut()?;
    obj.insert("kind".into(), "callEnded".into());
    obj.insert(
        "call".into(),
        serde_json::json!({
            "ringSeconds": f.known(Bucket::Ring).map(secs),
            "talkSeconds": f.known(Bucket::Talk).map(secs),
            "holdSeconds": f.known(Bucket::Hold).map(secs),
        }),
    );
    obj.insert("eventTime".into(), serde_json::to_value(s.end()).ok()?);
    let caller = s.caller();
    for (key, end) in [
        ("from", caller.map(|p| &p.from)),
        ("to", caller.map(|p| &p.to)),
    ] {
        let name = end.and_then(|e| e.name.text());
        let number = end.and_then(|e| e.phone_number.text());
        obj.insert(format!("{key}Name"), name.into());
        obj.insert(format!("{key}Number"), number.into());
    }
    Some(v)
}

/// What a report says of the presence calls it left out
/// ([`SessionStore::presence_only_calls`]), if any.
pub fn presence_only_note(n: usize) -> Option<String> {
    (n > 0).then(|| {
        format!(
            "{n} call{} seen only in presence left out (ended in presence, or without a telephonySessionId): presence alone does not say how a call went",
            if n == 1 { "" } else { "s" }
        )
    })
}

/// Says on stderr which values of `name` (a file, a stream) were skipped (the first
/// few, then a count), and fails when nothing in it could be used.
pub fn check_input(name: &str, good: u64, bad: &BadValues) -> anyhow::Result<()> {
    if let (0, Some((line, err))) = (good, bad.first.first()) {
        anyhow::bail!(
            "{name}: nothing in it is a notification, a gateway frame or a calltop recording ({} malformed {}; line {line}: {err})",
            bad.count,
            if bad.count == 1 { "value" } else { "values" }
        );
    }
    for (line, err) in &bad.first {
        eprintln!("{name}:{line}: skipped: {err}");
    }
    if !bad.is_empty() {
        eprintln!(
            "{name}: {} of {} values skipped as malformed",
            bad.count,
            bad.count + good
        );
    }
    Ok(())
}

/// Runs `calltop report` on `path`: each call is written out (to a sort by start
/// time, in bounded memory) once it is final (see [`streaming_store`]), the calls
/// still held at the end after it, then the summary, the queues and the agents (their
/// figures inside `window`).
/// With `cut`, the queue and agent figures per interval instead (the calls are not
/// written; `--format html`: the daily report). On `threads` above 1, the file is read
/// and decoded on `threads - 1` more, and the calls are written out on another
/// ([`sink::Sink::beside`]).
pub fn run(
    path: &std::path::Path,
    format: Format,
    window: Window,
    cut: Option<Cut>,
    threads: usize,
) -> anyhow::Result<()> {
    // One write per buffer, not per line (stdout alone flushes at every newline).
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let name = path.display().to_string();
    let mut report =
        Reporting::of_one(&name, format, window, cut, SORT_BUDGET).writing_beside(threads > 1);
    chunks::visit_path_views(path, threads.saturating_sub(1), |line, value, next| {
        report.apply_view(0, line, value);
        report.prefetch(0, next);
    })?;
    report.finish(&mut out)?;
    out.flush()?;
    Ok(())
}

/// [`run`], written to `out`, the sort holding up to `budget` bytes in memory.
pub fn run_to(
    path: &std::path::Path,
    format: Format,
    window: Window,
    out: &mut impl Write,
    budget: usize,
) -> anyhow::Result<()> {
    let name = path.display().to_string();
    report_values(&name, format, window, None, out, budget, |each| {
        file::visit_path_values(path, each)?;
        Ok(())
    })
}

/// The report of the values `visit` hands over in order (a file's, a relay stream's),
/// written to `out` as [`run`] writes a file's; `name` says where they came from.
pub fn report_values(
    name: &str,
    format: Format,
    window: Window,
    cut: Option<Cut>,
    out: &mut impl Write,
    budget: usize,
    visit: impl FnOnce(&mut dyn FnMut(usize, Result<&str, ParseError>)) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut report = Reporting::of_one(name, format, window, cut, budget);
    visit(&mut |line, value| report.apply(0, line, value))?;
    report.finish(out)
}

/// The report over several accounts' inputs (each input and the account it stands for),
/// their values applied in time order ([`merge::by_time`]), each account by its own
/// store (its calls kept apart from the others'): rows carry their account, and the
/// summary, queues and agents come per account and in total ([`accounts`]).
pub fn report_accounts(
    inputs: Vec<(merge::Input<'_>, String)>,
    format: Format,
    window: Window,
    cut: Option<Cut>,
    out: &mut impl Write,
    budget: usize,
) -> anyhow::Result<()> {
    let parts = inputs
        .iter()
        .map(|(i, account)| Part::new(i.name.clone(), account.clone(), window, cut))
        .collect();
    let mut report = Reporting::new(parts, format, cut, budget);
    let inputs = inputs.into_iter().map(|(i, _)| i).collect();
    merge::by_time(inputs, |i, line, value| report.apply(i, line, value))?;
    report.finish(out)
}

/// One input of a report: its store and feed, and the account it stands for (empty
/// when it is the only one).
struct Part {
    name: String,
    account: String,
    store: SessionStore,
    feed: Feed,
}

impl Part {
    fn new(name: String, account: String, window: Window, cut: Option<Cut>) -> Part {
        let mut store = streaming_store();
        match cut {
            // Per interval, from the window's start on without starting again at
            // midnight: an interval's calls keep their outcomes past it.
            Some(cut) => {
                store.center_mut().reset(Window {
                    start: window.start,
                    ..Window::all()
                });
                store.center_mut().count_intervals(cut);
            }
            None => store.center_mut().reset(window),
        }
        Part {
            name,
            account,
            store,
            feed: Feed::default(),
        }
    }

    /// The account to name on its rows (none when it is the only input).
    fn named(&self) -> Option<String> {
        (!self.account.is_empty()).then(|| self.account.clone())
    }

    /// Its clock: the newest stream time applied.
    fn now(&self) -> Ts {
        self.store.clock().unwrap_or(Ts(0))
    }

    fn view(&self) -> accounts::Account<'_> {
        accounts::Account {
            account: self.named(),
            store: &self.store,
            now: self.now(),
        }
    }
}

/// A report being made: the inputs' stores, and where their calls are written.
struct Reporting {
    parts: Vec<Part>,
    cut: Option<Cut>,
    /// Where the calls go as they become final.
    sink: sink::Sink,
    failed: Option<std::io::Error>,
}

impl Reporting {
    /// The report of one input, named `name` (no account column).
    fn of_one(name: &str, format: Format, window: Window, cut: Option<Cut>, budget: usize) -> Self {
        let part = Part::new(name.to_string(), String::new(), window, cut);
        Reporting::new(vec![part], format, cut, budget)
    }

    fn new(parts: Vec<Part>, format: Format, cut: Option<Cut>, budget: usize) -> Reporting {
        let several = parts.len() > 1;
        Reporting {
            parts,
            cut,
            sink: sink::Sink::here(sink::Rows::new(write::Writer::new(format, several), budget)),
            failed: None,
        }
    }

    /// This report, writing its calls out on a thread of their own (beside the one
    /// applying the values) when `beside`: what applying does not wait for. The report
    /// is the same either way.
    fn writing_beside(self, beside: bool) -> Reporting {
        if !beside || self.cut.is_some() {
            return self;
        }
        let accounts = self.parts.iter().map(|p| p.account.clone()).collect();
        Reporting {
            sink: self.sink.beside(accounts),
            ..self
        }
    }

    /// Applies one value of input `i`; the calls it made final go to the sort.
    fn apply(&mut self, i: usize, line: usize, value: Result<&str, ParseError>) {
        self.apply_view(i, line, value.and_then(crate::wire::parse_view));
    }

    /// [`apply`](Reporting::apply) of a value already decoded.
    fn apply_view(&mut self, i: usize, line: usize, value: Result<ParsedView<'_>, ParseError>) {
        let part = &mut self.parts[i];
        part.feed.ingest_view(&mut part.store, line, value);
        let evicted: Vec<_> = part.store.take_evicted().collect();
        if self.cut.is_some() {
            return;
        }
        let part = &self.parts[i];
        for (s, join) in evicted {
            let center = part.store.center();
            if let Err(e) = self.sink.add(i, &part.account, s, join, center, part.now()) {
                self.failed.get_or_insert(e);
            }
        }
    }

    /// Starts loading what applying the values `next` of input `i` will read, a step
    /// for each of the next values (see [`SessionStore::prefetch`]).
    fn prefetch(&self, i: usize, next: &[chunks::Value<'_>]) {
        let store = &self.parts[i].store;
        let steps = [Ahead::Details, Ahead::Parties, Ahead::Session];
        for ((_, v), step) in next.iter().zip(steps) {
            if let Ok(v) = v {
                store.prefetch(v, step);
            }
        }
    }

    /// Checks what was read, then writes the report.
    fn finish(mut self, out: &mut impl Write) -> anyhow::Result<()> {
        if let Some(e) = self.failed.take() {
            return Err(e.into());
        }
        let mut rows = self.sink.rows()?;
        for p in &self.parts {
            check_input(&p.name, p.feed.good, &p.feed.bad)?;
            if let Some(note) = presence_only_note(p.store.presence_only_calls()) {
                eprintln!("{}: {note}", p.name);
            }
        }
        let format = rows.writer.format();
        match (self.cut, &self.parts[..]) {
            (Some(cut), [p]) => return write_intervals(&p.store, format, cut, p.now(), out),
            (Some(cut), _) if format == Format::Html => {
                return daily_accounts(&self.parts, cut, out)
            }
            (Some(_), _) => anyhow::bail!("{SEVERAL_INTERVALS}"),
            (None, _) => {}
        }
        for p in &self.parts {
            for s in p.store.sessions() {
                let names = names_in(s, p.store.center());
                rows.add(&p.account, s, names, p.store.outcomes().get(&s.id), p.now())?;
            }
        }
        let views: Vec<accounts::Account> = self.parts.iter().map(Part::view).collect();
        let tail = accounts::tail(&views);
        let sink::Rows { sorted, writer, .. } = rows;
        writer.head(out)?;
        let mut first = true;
        sorted.finish(|session| {
            writer.session(out, session, first)?;
            first = false;
            Ok(())
        })?;
        writer.tail(out, !first, &tail)?;
        // The process ends here: handing the stores' allocations back one by one would
        // only delay the exit.
        std::mem::forget(self.parts);
        Ok(())
    }
}

/// The daily report of several accounts (see [`html::write_accounts`]).
fn daily_accounts(parts: &[Part], cut: Cut, out: &mut impl Write) -> anyhow::Result<()> {
    let views: Vec<accounts::Account> = parts.iter().map(Part::view).collect();
    let tail = accounts::tail(&views);
    let reports = parts
        .iter()
        .map(|p| intervals_of(&p.store, p.now()))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mine = |p: &Part| {
        let of = |a: &Option<String>| *a == p.named();
        let queues = tail.queues.iter().filter(|q| of(&q.account)).cloned();
        let agents = tail.agents.iter().filter(|a| of(&a.account)).cloned();
        (queues.collect::<Vec<_>>(), agents.collect::<Vec<_>>())
    };
    let tables: Vec<_> = parts.iter().map(mine).collect();
    let pages: Vec<(&str, html::Page)> = parts
        .iter()
        .zip(&tail.accounts)
        .zip(&tables)
        .zip(&reports)
        .map(|(((p, totals), (queues, agents)), report)| {
            let page = html::Page {
                cut,
                from: p.store.center().counted_from().map(|(t, _)| t),
                to: p.now(),
                summary: &totals.summary,
                queues,
                agents,
                intervals: report,
            };
            (p.account.as_str(), page)
        })
        .collect();
    html::write_accounts(out, &tail, &pages)?;
    Ok(())
}

/// Why a report of several inputs is not cut into intervals but as the daily report.
pub const SEVERAL_INTERVALS: &str =
    "--intervals takes one input; over several accounts, --format html cuts each into intervals";

/// The figures per interval of a store that kept them, at `now`.
fn intervals_of(store: &SessionStore, now: Ts) -> anyhow::Result<intervals::IntervalReport> {
    let open_since = store
        .sessions()
        .filter(|s| s.end().is_none())
        .filter_map(|s| s.start)
        .min();
    intervals::interval_report(store.center(), now, open_since)
        .ok_or_else(|| anyhow::anyhow!("the figures per interval were not kept"))
}

/// The interval report (or, `--format html`, the daily report) of a store that kept
/// the intervals `cut` makes, at `now`.
fn write_intervals(
    store: &SessionStore,
    format: Format,
    cut: Cut,
    now: Ts,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let report = intervals_of(store, now)?;
    let center = store.center();
    match format {
        Format::Html => {
            let (queues, agents) = center_reports(center, now);
            let summary = summary_report(&store.summary(now), store.outcomes().counts());
            let page = html::Page {
                cut,
                from: center.counted_from().map(|(t, _)| t),
                to: now,
                summary: &summary,
                queues: &queues,
                agents: &agents,
                intervals: &report,
            };
            html::write(out, &page)?;
        }
        _ => intervals::write(out, format, cut, &report)?,
    }
    Ok(())
}
