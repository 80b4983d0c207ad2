//! `calltop report`: reads a recorded stream and prints per-session, per-party figures
//! and the summary, as JSON, CSV or a table. Calls are written out as they become
//! final, through a sort by start time that spills to temporary files past a memory
//! budget ([`sorted`]), so a recording of any length is reported in bounded memory.

mod sorted;

use crate::core::{
    secs, Counters, Figures, PartyState, Session, SessionStore, StoreConfig, Summary,
};
use crate::source::feed::{BadValues, Feed};
use crate::source::file::{self, Item};
use crate::wire::{ParsedView, Ts};
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
    pub avg_ring_seconds: f64,
    pub max_ring_seconds: f64,
    pub avg_talk_seconds: f64,
    pub max_talk_seconds: f64,
    pub avg_hold_seconds: f64,
    pub max_hold_seconds: f64,
}

/// The whole report.
#[derive(Debug, Serialize, PartialEq)]
pub struct Report {
    pub sessions: Vec<SessionReport>,
    pub summary: SummaryReport,
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

fn session_report(s: &Session, now: Ts) -> SessionReport {
    SessionReport {
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

fn summary_report(sum: &Summary) -> SummaryReport {
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
    Report {
        sessions: sessions.iter().map(|s| session_report(s, now)).collect(),
        summary: summary_report(&store.summary(now)),
    }
}

/// Says on stderr which values of `path` were skipped (the first few, then a count),
/// and fails when nothing in it could be used.
pub fn check_input(path: &std::path::Path, good: u64, bad: &BadValues) -> anyhow::Result<()> {
    let name = path.display();
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
/// still held at the end after it, then the summary.
pub fn run(path: &std::path::Path, format: Format) -> anyhow::Result<()> {
    // One write per buffer, not per line (stdout alone flushes at every newline).
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    run_to(path, format, &mut out, 8 << 20)?;
    out.flush()?;
    Ok(())
}

/// [`run`], written to `out`, the sort holding up to `budget` bytes in memory.
pub fn run_to(
    path: &std::path::Path,
    format: Format,
    out: &mut impl Write,
    budget: usize,
) -> anyhow::Result<()> {
    let mut store = streaming_store();
    let mut feed = Feed::default();
    let mut sorted = sorted::Sorter::new(budget);
    let mut payload = Vec::new();
    let mut spill = |s: &Session, now: Ts, sorted: &mut sorted::Sorter| -> std::io::Result<()> {
        payload.clear();
        write_session(&mut payload, format, &session_report(s, now))?;
        sorted.push(&order_key(s), &payload)
    };
    let mut failed = None;
    file::visit_path_values(path, |line, value| {
        feed.ingest_text(&mut store, line, value);
        let now = store.clock().unwrap_or(Ts(0));
        for s in store.take_evicted().collect::<Vec<_>>() {
            if let Err(e) = spill(&s, now, &mut sorted) {
                failed.get_or_insert(e);
            }
        }
    })?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    check_input(path, feed.good, &feed.bad)?;
    let now = store.clock().unwrap_or(Ts(0));
    for s in store.sessions() {
        spill(s, now, &mut sorted)?;
    }
    let summary = summary_report(&store.summary(now));
    write_head(out, format)?;
    let mut first = true;
    sorted.finish(|session| {
        write_separator(out, format, first)?;
        first = false;
        out.write_all(session)
    })?;
    write_tail(out, format, !first, &summary)?;
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
    write_tail(out, format, !r.sessions.is_empty(), &r.summary)
}

/// What comes before the sessions.
fn write_head(out: &mut impl Write, format: Format) -> std::io::Result<()> {
    match format {
        Format::Json => write!(out, "{{\n  \"sessions\": ["),
        Format::Csv => writeln!(out, "telephonySessionId,startTime,endTime,disposition,partyId,direction,from,fromName,to,toName,status,reason,ringSeconds,talkSeconds,holdSeconds"),
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

/// What comes after the sessions: the summary.
fn write_tail(
    out: &mut impl Write,
    format: Format,
    any: bool,
    m: &SummaryReport,
) -> std::io::Result<()> {
    match format {
        Format::Json => {
            out.write_all(if any { b"\n  ]" } else { b"]" })?;
            out.write_all(b",\n  \"summary\": ")?;
            write_pretty(out, m, 1)?;
            out.write_all(b"\n}\n")
        }
        Format::Csv => Ok(()),
        Format::Table => write_summary_table(out, m),
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
    for p in &s.parties {
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{:.3},{:.3},{:.3}",
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
            p.hold_seconds
        )?;
    }
    Ok(())
}

/// A session in the plain-text table for people.
fn write_session_table(out: &mut impl Write, s: &SessionReport) -> std::io::Result<()> {
    let start = s
        .start_time
        .map(|t| t.to_rfc3339())
        .unwrap_or_else(|| "?".into());
    writeln!(
        out,
        "{}  {}  {}  {:.3}s",
        s.telephony_session_id, start, s.disposition, s.duration_seconds
    )?;
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
