//! `calltop report`: reads a recorded stream and prints per-session, per-party figures,
//! the summary, and per-queue and per-agent figures, as JSON, CSV or a table.

use crate::core::center::{Agent, Center, Queue};
use crate::core::outcomes::{Join, JoinCounts};
use crate::core::{
    secs, Counters, Figures, PartyState, Session, SessionStore, StoreConfig, Summary, Window,
};
use crate::source::file::{self, Item};
use crate::wire::{self, ParseError, ParsedView, Ts};
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
    pub ring_seconds: f64,
    pub talk_seconds: f64,
    pub hold_seconds: f64,
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
    pub duration_seconds: f64,
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

fn party_report(p: &PartyState, now: Ts) -> PartyReport {
    let f = Figures::of(&p.history, Some(now));
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
        ring_seconds: secs(f.ring_ms),
        talk_seconds: secs(f.talk_ms),
        hold_seconds: secs(f.hold_ms),
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
        duration_seconds: secs(s.duration_ms(now)),
        parties: s
            .parties_ordered()
            .into_iter()
            .map(|p| party_report(p, now))
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
    })
}

/// Applies a file's items to a store in file order; returns the bad ones
/// (line number and error).
pub fn ingest_items(store: &mut SessionStore, items: Vec<Item>) -> Vec<(usize, String)> {
    let mut feed = Feed::default();
    for item in items {
        feed.ingest(store, item);
    }
    feed.bad
}

/// Applies items one at a time on the stream clock, remembering the bad ones.
#[derive(Default)]
pub struct Feed {
    clock: Ts,
    /// Values applied.
    pub good: usize,
    /// Line number and error of each value that could not be used.
    pub bad: Vec<(usize, String)>,
}

impl Feed {
    /// Applies one item (a bad one is counted in the store and remembered).
    pub fn ingest(&mut self, store: &mut SessionStore, item: Item) {
        self.ingest_view(store, item.line, item.parsed.map(ParsedView::from));
    }

    /// Applies one value parsed into a borrowed view, from `line` of the file.
    pub fn ingest_view(
        &mut self,
        store: &mut SessionStore,
        line: usize,
        parsed: Result<ParsedView<'_>, ParseError>,
    ) {
        match parsed {
            Ok(p) => {
                self.clock = p.stream_time().unwrap_or(self.clock).max(self.clock);
                store.ingest_view(p, self.clock);
                self.good += 1;
            }
            Err(e) => {
                store.note_malformed(self.clock);
                self.bad.push((line, e.to_string()));
            }
        }
    }
}

/// Builds the report of a store at `now` (sessions by start time).
pub fn build(store: &SessionStore, now: Ts) -> Report {
    let mut sessions: Vec<_> = store.all_sessions().collect();
    sessions.sort_by(|a, b| (a.start, &a.id).cmp(&(b.start, &b.id)));
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
/// one and the platform's (`callLog.result`), the linked ids — and its call-level
/// ring/talk/hold. `None` when the store no longer holds the call.
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
            "ringSeconds": secs(f.ring_ms),
            "talkSeconds": secs(f.talk_ms),
            "holdSeconds": secs(f.hold_ms),
        }),
    );
    Some(v)
}

/// How many bad lines are listed one by one before only a count is given.
const SHOW_BAD: usize = 5;

/// Says on stderr which values of `path` were skipped (the first few, then a count),
/// and fails when nothing in it could be used.
pub fn check_input(
    path: &std::path::Path,
    good: usize,
    bad: &[(usize, String)],
) -> anyhow::Result<()> {
    let name = path.display();
    if good == 0 && !bad.is_empty() {
        let (line, err) = &bad[0];
        anyhow::bail!(
            "{name}: nothing in it is a notification, a gateway frame or a calltop recording ({} malformed values; line {line}: {err})",
            bad.len()
        );
    }
    for (line, err) in bad.iter().take(SHOW_BAD) {
        eprintln!("{name}:{line}: skipped: {err}");
    }
    if !bad.is_empty() {
        eprintln!(
            "{name}: {} of {} values skipped as malformed",
            bad.len(),
            bad.len() + good
        );
    }
    Ok(())
}

/// Runs `calltop report` on `path`, with queue and agent figures inside `window`.
pub fn run(path: &std::path::Path, format: Format, window: Window) -> anyhow::Result<()> {
    let mut store = unbounded_store();
    store.center_mut().reset(window);
    let mut feed = Feed::default();
    file::visit_path_values(path, |line, value| {
        feed.ingest_view(&mut store, line, value.and_then(wire::parse_view))
    })?;
    check_input(path, feed.good, &feed.bad)?;
    let now = store.clock().unwrap_or(Ts(0));
    let report = build(&store, now);
    // One write per buffer, not per line (stdout alone flushes at every newline).
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?,
        Format::Csv => write_csv(&mut out, &report)?,
        Format::Table => write_table(&mut out, &report)?,
    }
    out.flush()?;
    // The process ends here: handing the store's millions of allocations back one by one
    // would only delay the exit.
    std::mem::forget((store, report));
    Ok(())
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn opt_num(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.3}")).unwrap_or_default()
}

/// CSV: one row per party; then, after an empty line, one row per queue; then one per
/// agent.
pub fn write_csv(out: &mut impl Write, r: &Report) -> std::io::Result<()> {
    writeln!(out, "telephonySessionId,startTime,endTime,disposition,partyId,direction,from,fromName,to,toName,status,reason,ringSeconds,talkSeconds,holdSeconds,platformResult,callLogIds,recordingIds,voicemailIds")?;
    let opt = |o: &Option<String>| csv_field(o.as_deref().unwrap_or(""));
    let ts = |t: &Option<Ts>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    for s in &r.sessions {
        let [result, ids, recs, vms] = platform_columns(s.call_log.as_ref());
        for p in &s.parties {
            writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{},{},{:.3},{:.3},{:.3},{},{},{},{}",
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
                p.ring_seconds,
                p.talk_seconds,
                p.hold_seconds,
                result,
                ids,
                recs,
                vms
            )?;
        }
    }
    writeln!(out)?;
    writeln!(out, "queueId,extensionNumber,name,offered,answered,abandoned,voicemail,overflow,waiting,serviceLevel,serviceLevelSeconds,avgSpeedOfAnswerSeconds,avgAbandonWaitSeconds,longestWaitSeconds")?;
    for q in &r.queues {
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
    for a in &r.agents {
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

/// A plain-text table for people.
pub fn write_table(out: &mut impl Write, r: &Report) -> std::io::Result<()> {
    for s in &r.sessions {
        let start = s
            .start_time
            .map(|t| t.to_rfc3339())
            .unwrap_or_else(|| "?".into());
        writeln!(
            out,
            "{}  {}  {}  {:.3}s",
            s.telephony_session_id, start, s.disposition, s.duration_seconds
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
                "  {:<40} {:<8} {:>28} → {:<28} {:<12} {:<16} ring {:>8.3}  talk {:>8.3}  hold {:>8.3}",
                p.id,
                p.direction.as_deref().unwrap_or("-"),
                name(&p.from_name, &p.from),
                name(&p.to_name, &p.to),
                p.status.as_deref().unwrap_or("-"),
                p.reason.as_deref().unwrap_or(""),
                p.ring_seconds,
                p.talk_seconds,
                p.hold_seconds
            )?;
        }
    }
    let m = &r.summary;
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
    )?;
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
    if !r.queues.is_empty() {
        writeln!(out, "\nqueues")?;
    }
    for q in &r.queues {
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
    if !r.agents.is_empty() {
        writeln!(out, "\nagents")?;
    }
    for a in &r.agents {
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
