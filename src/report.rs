//! `calltop report`: reads a recorded stream and prints per-session, per-party figures,
//! the summary, and per-queue and per-agent figures, as JSON, CSV or a table. Calls are
//! written out as they become final, through a sort by start time that spills to
//! temporary files past a memory budget ([`sorted`]), so a recording of any length is
//! reported in bounded memory.

mod sorted;

use crate::core::center::{Agent, Center, Queue};
use crate::core::outcomes::{Join, JoinCounts};
use crate::core::{
    secs, Bucket, Counters, PartyState, Session, SessionStore, StoreConfig, Summary, Window,
};
use crate::source::feed::{BadValues, Feed};
use crate::source::file::{self, Item};
use crate::wire::{ParseError, ParsedView, Ts};
use serde::Serialize;
use std::io::Write;

/// Output formats of `calltop report`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    #[default]
    Table,
}

/// One party's line of the report.
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PartyReport {
    pub id: String,
    pub direction: Option<String>,
    pub from: Option<String>,
    pub from_name: Option<String>,
    pub to: Option<String>,
    pub to_name: Option<String>,
    pub extension_id: Option<String>,
    pub status: Option<String>,
    pub reason: Option<String>,
    /// `null` when not known: a state open where a fragment ends, or time before the
    /// snapshot the party was first learned of by.
    pub ring_seconds: Option<f64>,
    pub talk_seconds: Option<f64>,
    pub hold_seconds: Option<f64>,
    /// Ids of the party's recordings, as the notifications gave them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recordings: Vec<String>,
}

/// One session of the report.
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SessionReport {
    pub telephony_session_id: String,
    pub session_id: Option<String>,
    pub start_time: Option<Ts>,
    pub end_time: Option<Ts>,
    pub disposition: &'static str,
    /// `null` when not known: still open where a fragment ends, or no time at all.
    pub duration_seconds: Option<f64>,
    /// Sequence gaps: runs of the session's event sequence never heard.
    pub gaps: u32,
    pub parties: Vec<PartyReport>,
    /// The platform's own records of the call, when calltop joined them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_log: Option<Join>,
}

/// The summary block of the report.
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SummaryReport {
    pub sessions: u64,
    pub active: u64,
    pub answered: u64,
    pub missed: u64,
    pub voicemail: u64,
    pub transferred: u64,
    pub parked: u64,
    pub abandoned: u64,
    /// Ended during an outage, with no outcome the events show.
    pub unknown: u64,
    /// The store's event counters, as they are.
    #[serde(flatten)]
    pub counters: Counters,
    /// Joining ended calls to the call log (absent when no call was joined).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_log: Option<JoinCounts>,
    pub avg_ring_seconds: f64,
    pub max_ring_seconds: f64,
    pub avg_talk_seconds: f64,
    pub max_talk_seconds: f64,
    pub avg_hold_seconds: f64,
    pub max_hold_seconds: f64,
}

/// One call queue's figures (definitions in `core::center`).
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct QueueReport {
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
    pub service_level_seconds: f64,
    pub avg_speed_of_answer_seconds: Option<f64>,
    pub avg_abandon_wait_seconds: Option<f64>,
    /// The longest any call waited (one still waiting: up to the end of the stream).
    pub longest_wait_seconds: f64,
}

/// One agent's figures (definitions in `core::center`).
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AgentReport {
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
pub struct Report {
    pub sessions: Vec<SessionReport>,
    pub summary: SummaryReport,
    pub queues: Vec<QueueReport>,
    pub agents: Vec<AgentReport>,
}

fn queue_report(q: &Queue, now: Ts) -> QueueReport {
    let f = &q.figures;
    QueueReport {
        id: q.id.clone(),
        extension_number: q.extension_number.clone(),
        name: q.name.clone(),
        offered: f.offered,
        answered: f.answered,
        abandoned: f.abandoned,
        voicemail: f.voicemail,
        overflow: f.overflow,
        waiting: q.waiting.len() as u64,
        service_level: q.service_level_pct(),
        service_level_seconds: secs(q.sla.threshold_ms),
        avg_speed_of_answer_seconds: f.avg_answer_wait_ms().map(|ms| ms / 1000.0),
        avg_abandon_wait_seconds: f.avg_abandon_wait_ms().map(|ms| ms / 1000.0),
        longest_wait_seconds: secs(q.longest_wait_ms(now)),
    }
}

fn agent_report(a: &Agent, now: Ts) -> AgentReport {
    let f = a.figures_at(now);
    AgentReport {
        id: a.id.clone(),
        extension_number: a.extension_number.clone(),
        name: a.name.clone(),
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
    let mut queues: Vec<QueueReport> = c.queues().map(|q| queue_report(q, now)).collect();
    by_number(&mut queues, |q| (q.extension_number.as_ref(), &q.id));
    let mut agents: Vec<AgentReport> = c.agents().map(|a| agent_report(a, now)).collect();
    by_number(&mut agents, |a| (a.extension_number.as_ref(), &a.id));
    (queues, agents)
}

fn endpoint_number(e: &crate::core::party::EndpointState) -> Option<String> {
    e.phone_number.get().or(e.extension_id.get()).cloned()
}

fn party_report(s: &Session, p: &PartyState, now: Ts) -> PartyReport {
    let f = s.party_figures(p, now);
    let known = |b| f.known(b).map(secs);
    PartyReport {
        id: p.id.clone(),
        direction: p.direction.get().map(|d| d.to_string()),
        from: endpoint_number(&p.from),
        from_name: p.from.name.get().cloned(),
        to: endpoint_number(&p.to),
        to_name: p.to.name.get().cloned(),
        extension_id: p.extension_id.get().cloned(),
        status: p.code().map(|c| c.to_string()),
        reason: p.reason().map(|r| r.to_string()),
        ring_seconds: known(Bucket::Ring),
        talk_seconds: known(Bucket::Talk),
        hold_seconds: known(Bucket::Hold),
        recordings: p.recording_ids().into_iter().map(String::from).collect(),
    }
}

fn session_report(s: &Session, outcome: Option<&Join>, now: Ts) -> SessionReport {
    SessionReport {
        call_log: outcome.cloned(),
        telephony_session_id: s.id.clone(),
        session_id: s.session_id.clone(),
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
    }
}

fn summary_report(sum: &Summary, joins: JoinCounts) -> SummaryReport {
    let t = &sum.totals;
    SummaryReport {
        sessions: t.sessions,
        active: sum.active,
        answered: t.answered,
        missed: t.missed,
        voicemail: t.voicemail,
        transferred: t.transferred,
        parked: t.parked,
        abandoned: t.abandoned,
        unknown: t.unknown,
        counters: sum.counters,
        call_log: (joins != JoinCounts::default()).then_some(joins),
        avg_ring_seconds: secs(t.ring.avg_ms()),
        max_ring_seconds: secs(t.ring.max_ms),
        avg_talk_seconds: secs(t.talk.avg_ms()),
        max_talk_seconds: secs(t.talk.max_ms),
        avg_hold_seconds: secs(t.hold.avg_ms()),
        max_hold_seconds: secs(t.hold.max_ms),
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
/// handed over to be written out and forgotten (its id remembered, so an event for it
/// after that counts as late, as for the board's archive). Memory holds the calls in
/// progress and the recently ended, whatever the length of the file.
pub fn streaming_store() -> SessionStore {
    SessionStore::new(StoreConfig {
        max_ended: FINAL_AFTER_CALLS,
        max_ended_age_ms: FINAL_AFTER_MS,
        tombstones: 200_000,
        detail_window: usize::MAX,
        timelines: false,
        hand_over_evicted: true,
        ..StoreConfig::default()
    })
}

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

/// Builds the report of a store at `now` (sessions by start time).
pub fn build(store: &SessionStore, now: Ts) -> Report {
    let mut sessions: Vec<_> = store.all_sessions().collect();
    sessions.sort_by_cached_key(|s| order_key(s));
    let (queues, agents) = center_reports(store.center(), now);
    Report {
        sessions: sessions
            .iter()
            .map(|s| session_report(s, store.outcomes().get(&s.id), now))
            .collect(),
        summary: summary_report(&store.summary(now), store.outcomes().counts()),
        queues,
        agents,
    }
}
/// The end-of-call line a CRM integration reads (`live --headless --format json`,
/// `--on-end`): the call as the report shows it — both dispositions, the event-derived
/// one and the platform's (`callLog.result`), the linked ids — its call-level
/// ring/talk/hold, the agent who answered (`agent`: extension id, number, name) and its
/// queue (`queue`), when there are. `None` when the store no longer holds the call.
pub fn call_ended(store: &SessionStore, telephony_session_id: &str) -> Option<serde_json::Value> {
    let s = store.find(telephony_session_id)?;
    let end = s.end().or(store.clock()).unwrap_or(Ts(0));
    let f = s.call_figures(end);
    let mut v = serde_json::to_value(session_report(
        &s,
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
    let center = store.center();
    if let Some(p) = crate::core::center::agent_party(&s) {
        let id = p.extension_id.get().cloned();
        let known = id.as_deref().and_then(|i| center.agent(i));
        let name = known.and_then(|a| a.name.clone()).or_else(|| {
            // The agent's own end: the callee of an inbound leg, the caller of an
            // outbound one.
            let own = match p.direction.get() {
                Some(crate::wire::Direction::Outbound) => &p.from,
                _ => &p.to,
            };
            own.name.get().cloned()
        });
        obj.insert(
            "agent".into(),
            serde_json::json!({
                "extensionId": id,
                "extensionNumber": known.and_then(|a| a.extension_number.clone()),
                "name": name,
            }),
        );
    }
    if let Some(q) = center.call_queue(&s) {
        obj.insert(
            "queue".into(),
            serde_json::json!({
                "id": q.id,
                "extensionNumber": q.extension_number,
                "name": q.name,
            }),
        );
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
            "{name}: nothing in it is a notification, a gateway frame or a calltop recording ({} malformed values; line {line}: {err})",
            bad.count
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
pub fn run(path: &std::path::Path, format: Format, window: Window) -> anyhow::Result<()> {
    // One write per buffer, not per line (stdout alone flushes at every newline).
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    run_to(path, format, window, &mut out, 8 << 20)?;
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
    report_values(&name, format, window, out, budget, |each| {
        file::visit_path_values(path, each)?;
        Ok(())
    })
}

/// The report of the values `visit` hands over in order (a file's, a relay stream's),
/// written to `out` as [`run_to`] writes a file's; `name` says where they came from.
pub fn report_values(
    name: &str,
    format: Format,
    window: Window,
    out: &mut impl Write,
    budget: usize,
    visit: impl FnOnce(&mut dyn FnMut(usize, Result<&str, ParseError>)) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut store = streaming_store();
    store.center_mut().reset(window);
    let mut feed = Feed::default();
    let mut sorted = sorted::Sorter::new(budget);
    let mut payload = Vec::new();
    let mut spill = |s: &Session,
                     join: Option<&Join>,
                     now: Ts,
                     sorted: &mut sorted::Sorter|
     -> std::io::Result<()> {
        payload.clear();
        write_session(&mut payload, format, &session_report(s, join, now))?;
        sorted.push(&order_key(s), &payload)
    };
    let mut failed = None;
    visit(&mut |line, value| {
        feed.ingest_text(&mut store, line, value);
        let now = store.clock().unwrap_or(Ts(0));
        for (s, join) in store.take_evicted().collect::<Vec<_>>() {
            if let Err(e) = spill(&s, join.as_ref(), now, &mut sorted) {
                failed.get_or_insert(e);
            }
        }
    })?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    check_input(name, feed.good, &feed.bad)?;
    if let Some(note) = presence_only_note(store.presence_only_calls()) {
        eprintln!("{name}: {note}");
    }
    let now = store.clock().unwrap_or(Ts(0));
    for s in store.sessions() {
        spill(s, store.outcomes().get(&s.id), now, &mut sorted)?;
    }
    let summary = summary_report(&store.summary(now), store.outcomes().counts());
    let (queues, agents) = center_reports(store.center(), now);
    write_head(out, format)?;
    let mut first = true;
    sorted.finish(|session| {
        write_separator(out, format, first)?;
        first = false;
        out.write_all(session)
    })?;
    write_tail(out, format, !first, &summary, &queues, &agents)?;
    // The process ends here: handing the store's allocations back one by one would only
    // delay the exit.
    std::mem::forget(store);
    Ok(())
}

/// A whole report in a format, as [`run`] writes it.
pub fn write(out: &mut impl Write, format: Format, r: &Report) -> std::io::Result<()> {
    write_head(out, format)?;
    for (i, s) in r.sessions.iter().enumerate() {
        write_separator(out, format, i == 0)?;
        write_session(out, format, s)?;
    }
    write_tail(
        out,
        format,
        !r.sessions.is_empty(),
        &r.summary,
        &r.queues,
        &r.agents,
    )
}

/// What comes before the sessions.
fn write_head(out: &mut impl Write, format: Format) -> std::io::Result<()> {
    match format {
        Format::Json => write!(out, "{{\n  \"sessions\": ["),
        Format::Csv => writeln!(out, "telephonySessionId,startTime,endTime,disposition,partyId,direction,from,fromName,to,toName,status,reason,ringSeconds,talkSeconds,holdSeconds,platformResult,callLogIds,recordingIds,voicemailIds,gaps"),
        Format::Table => Ok(()),
    }
}

/// What comes before each session (JSON: the comma and the line break).
fn write_separator(out: &mut impl Write, format: Format, first: bool) -> std::io::Result<()> {
    match (format, first) {
        (Format::Json, true) => out.write_all(b"\n"),
        (Format::Json, false) => out.write_all(b",\n"),
        _ => Ok(()),
    }
}

/// Writes `value` as `serde_json::to_string_pretty` would inside a document, `depth`
/// levels in: every line but the first indented by two spaces a level.
fn write_pretty(out: &mut impl Write, value: &impl Serialize, depth: usize) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
    let indent = "  ".repeat(depth);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.write_all(b"\n")?;
            out.write_all(indent.as_bytes())?;
        }
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// One session in a format.
fn write_session(out: &mut impl Write, format: Format, s: &SessionReport) -> std::io::Result<()> {
    match format {
        Format::Json => {
            out.write_all(b"    ")?;
            write_pretty(out, s, 2)
        }
        Format::Csv => write_session_csv(out, s),
        Format::Table => write_session_table(out, s),
    }
}

/// What comes after the sessions: the summary, the queues and the agents.
fn write_tail(
    out: &mut impl Write,
    format: Format,
    any: bool,
    m: &SummaryReport,
    queues: &[QueueReport],
    agents: &[AgentReport],
) -> std::io::Result<()> {
    match format {
        Format::Json => {
            out.write_all(if any { b"\n  ]" } else { b"]" })?;
            out.write_all(b",\n  \"summary\": ")?;
            write_pretty(out, m, 1)?;
            out.write_all(b",\n  \"queues\": ")?;
            write_pretty(out, &queues, 1)?;
            out.write_all(b",\n  \"agents\": ")?;
            write_pretty(out, &agents, 1)?;
            out.write_all(b"\n}\n")
        }
        Format::Csv => write_center_csv(out, queues, agents),
        Format::Table => {
            write_summary_table(out, m)?;
            write_center_table(out, queues, agents)
        }
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// CSV: one row per party.
fn write_session_csv(out: &mut impl Write, s: &SessionReport) -> std::io::Result<()> {
    let opt = |o: &Option<String>| csv_field(o.as_deref().unwrap_or(""));
    let ts = |t: &Option<Ts>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    let [result, ids, recs, vms] = platform_columns(s.call_log.as_ref());
    for p in &s.parties {
        // Recording ids from the call log, else as the notifications gave them.
        let recs = if recs.is_empty() {
            p.recordings.join(";")
        } else {
            recs.clone()
        };
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            csv_field(&s.telephony_session_id),
            ts(&s.start_time),
            ts(&s.end_time),
            s.disposition,
            csv_field(&p.id),
            opt(&p.direction),
            opt(&p.from),
            opt(&p.from_name),
            opt(&p.to),
            opt(&p.to_name),
            opt(&p.status),
            opt(&p.reason),
            opt_num(p.ring_seconds),
            opt_num(p.talk_seconds),
            opt_num(p.hold_seconds),
            result,
            ids,
            recs,
            vms,
            s.gaps
        )?;
    }
    Ok(())
}

fn opt_num(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.3}")).unwrap_or_default()
}

/// CSV after the parties: an empty line, one row per queue; an empty line, one per agent.
fn write_center_csv(
    out: &mut impl Write,
    queues: &[QueueReport],
    agents: &[AgentReport],
) -> std::io::Result<()> {
    let opt = |o: &Option<String>| csv_field(o.as_deref().unwrap_or(""));
    writeln!(out)?;
    writeln!(out, "queueId,extensionNumber,name,offered,answered,abandoned,voicemail,overflow,waiting,serviceLevel,serviceLevelSeconds,avgSpeedOfAnswerSeconds,avgAbandonWaitSeconds,longestWaitSeconds")?;
    for q in queues {
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{:.3},{},{},{:.3}",
            csv_field(&q.id),
            opt(&q.extension_number),
            opt(&q.name),
            q.offered,
            q.answered,
            q.abandoned,
            q.voicemail,
            q.overflow,
            q.waiting,
            opt_num(q.service_level),
            q.service_level_seconds,
            opt_num(q.avg_speed_of_answer_seconds),
            opt_num(q.avg_abandon_wait_seconds),
            q.longest_wait_seconds
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "agentId,extensionNumber,name,offers,handled,missed,talkSeconds,holdSeconds,avgHandleSeconds"
    )?;
    for a in agents {
        writeln!(
            out,
            "{},{},{},{},{},{},{:.3},{:.3},{}",
            csv_field(&a.id),
            opt(&a.extension_number),
            opt(&a.name),
            a.offers,
            a.handled,
            a.missed,
            a.talk_seconds,
            a.hold_seconds,
            opt_num(a.avg_handle_seconds)
        )?;
    }
    Ok(())
}

/// The platform's result, call-log ids, recording ids and voicemail ids of a call
/// (ids joined by `;`), or empty strings.
fn platform_columns(join: Option<&Join>) -> [String; 4] {
    match join {
        Some(Join::Joined(j)) => [
            j.result.as_str().to_string(),
            j.call_log_ids.join(";"),
            j.recordings
                .iter()
                .map(|r| r.id.as_str())
                .collect::<Vec<_>>()
                .join(";"),
            j.voicemails
                .iter()
                .map(|v| v.id.as_str())
                .collect::<Vec<_>>()
                .join(";"),
        ],
        Some(Join::Missing) => [
            "(no record)".into(),
            String::new(),
            String::new(),
            String::new(),
        ],
        Some(Join::Forbidden) => [
            "(no permission)".into(),
            String::new(),
            String::new(),
            String::new(),
        ],
        None => Default::default(),
    }
}

/// Seconds with three decimals and `unit`, or `—` when not known.
fn seconds_or_dash(v: Option<f64>, unit: &str) -> String {
    v.map_or_else(|| "—".into(), |x| format!("{x:.3}{unit}"))
}

/// A session in the plain-text table for people.
fn write_session_table(out: &mut impl Write, s: &SessionReport) -> std::io::Result<()> {
    let start = s
        .start_time
        .map(|t| t.to_rfc3339())
        .unwrap_or_else(|| "?".into());
    let gaps = match s.gaps {
        0 => String::new(),
        n => format!("  {n} sequence gap{}", if n == 1 { "" } else { "s" }),
    };
    writeln!(
        out,
        "{}  {}  {}  {}{gaps}",
        s.telephony_session_id,
        start,
        s.disposition,
        seconds_or_dash(s.duration_seconds, "s")
    )?;
    if s.call_log.is_some() {
        let [result, ids, recs, vms] = platform_columns(s.call_log.as_ref());
        let mut line = format!("  call log: {result}");
        for (label, v) in [("records", ids), ("recordings", recs), ("voicemail", vms)] {
            if !v.is_empty() {
                line.push_str(&format!("  {label} {v}"));
            }
        }
        writeln!(out, "{line}")?;
    }
    for p in &s.parties {
        let name = |n: &Option<String>, num: &Option<String>| match (n, num) {
            (Some(n), Some(num)) => format!("{n} {num}"),
            (Some(x), None) | (None, Some(x)) => x.clone(),
            _ => "-".into(),
        };
        writeln!(
            out,
            "  {:<40} {:<8} {:>28} → {:<28} {:<12} {:<16} ring {:>8}  talk {:>8}  hold {:>8}{}",
            p.id,
            p.direction.as_deref().unwrap_or("-"),
            name(&p.from_name, &p.from),
            name(&p.to_name, &p.to),
            p.status.as_deref().unwrap_or("-"),
            p.reason.as_deref().unwrap_or(""),
            seconds_or_dash(p.ring_seconds, ""),
            seconds_or_dash(p.talk_seconds, ""),
            seconds_or_dash(p.hold_seconds, ""),
            if p.recordings.is_empty() {
                String::new()
            } else {
                format!("  recordings {}", p.recordings.join(";"))
            }
        )?;
    }
    Ok(())
}

/// The table's summary lines.
fn write_summary_table(out: &mut impl Write, m: &SummaryReport) -> std::io::Result<()> {
    writeln!(
        out,
        "\nsessions {}  active {}  answered {}  missed {}  voicemail {}  transferred {}  parked {}  abandoned {}  unknown {}",
        m.sessions,
        m.active,
        m.answered,
        m.missed,
        m.voicemail,
        m.transferred,
        m.parked,
        m.abandoned,
        m.unknown
    )?;
    writeln!(
        out,
        "ring avg {:.3}s max {:.3}s  talk avg {:.3}s max {:.3}s  hold avg {:.3}s max {:.3}s",
        m.avg_ring_seconds,
        m.max_ring_seconds,
        m.avg_talk_seconds,
        m.max_talk_seconds,
        m.avg_hold_seconds,
        m.max_hold_seconds
    )?;
    writeln!(
        out,
        "events {}  applied {}  stale {}  duplicate {}  malformed {}  late {}  presence {}  other {}",
        m.counters.events,
        m.counters.applied,
        m.counters.stale,
        m.counters.duplicate,
        m.counters.malformed,
        m.counters.late,
        m.counters.presence,
        m.counters.other
    )
}

/// The table's queue and agent lines.
fn write_center_table(
    out: &mut impl Write,
    queues: &[QueueReport],
    agents: &[AgentReport],
) -> std::io::Result<()> {
    let or_dash = |v: Option<f64>, unit: &str| v.map_or("-".into(), |x| format!("{x:.1}{unit}"));
    let name = |n: &Option<String>, num: &Option<String>, id: &str| {
        let label = [num.as_deref(), n.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        if label.is_empty() {
            id.to_string()
        } else {
            label
        }
    };
    if !queues.is_empty() {
        writeln!(out, "\nqueues")?;
    }
    for q in queues {
        writeln!(
            out,
            "  {:<28} offered {:>4}  answered {:>4}  abandoned {:>4}  voicemail {:>4}  overflow {:>4}  waiting {:>3}  SL {} (≤{:.0}s)  ASA {}  longest {:.1}s",
            name(&q.name, &q.extension_number, &q.id),
            q.offered,
            q.answered,
            q.abandoned,
            q.voicemail,
            q.overflow,
            q.waiting,
            or_dash(q.service_level, "%"),
            q.service_level_seconds,
            or_dash(q.avg_speed_of_answer_seconds, "s"),
            q.longest_wait_seconds
        )?;
    }
    if !agents.is_empty() {
        writeln!(out, "\nagents")?;
    }
    for a in agents {
        writeln!(
            out,
            "  {:<28} offers {:>4}  handled {:>4}  missed {:>4}  talk {:>9.1}s  hold {:>8.1}s  AHT {}",
            name(&a.name, &a.extension_number, &a.id),
            a.offers,
            a.handled,
            a.missed,
            a.talk_seconds,
            a.hold_seconds,
            or_dash(a.avg_handle_seconds, "s")
        )?;
    }
    Ok(())
}
