//! `calltop report`: reads a recorded stream and prints per-session, per-party figures
//! and the summary, as JSON, CSV or a table.

use crate::core::{
    secs, Counters, Figures, PartyState, Session, SessionStore, StoreConfig, Summary,
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
    Report {
        sessions: sessions.iter().map(|s| session_report(s, now)).collect(),
        summary: summary_report(&store.summary(now)),
    }
}

/// How many bad lines are listed one by one before only a count is given.
const SHOW_BAD: usize = 5;

/// Says on stderr which values of `name` (a file, a stream) were skipped (the first
/// few, then a count), and fails when nothing in it could be used.
pub fn check_input(name: &str, good: usize, bad: &[(usize, String)]) -> anyhow::Result<()> {
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

/// A report built from values handed over one at a time: a file's, or a relay
/// stream's (whose "line" is the stream sequence).
pub struct Reader {
    store: SessionStore,
    feed: Feed,
}

impl Default for Reader {
    fn default() -> Self {
        Reader {
            store: unbounded_store(),
            feed: Feed::default(),
        }
    }
}

impl Reader {
    /// Applies one value that starts at `line`.
    pub fn value(&mut self, line: usize, value: Result<&str, ParseError>) {
        self.feed
            .ingest_view(&mut self.store, line, value.and_then(wire::parse_view));
    }

    /// Says what was skipped in `name` and prints the report to stdout.
    pub fn finish(self, name: &str, format: Format) -> anyhow::Result<()> {
        let Reader { store, feed } = self;
        check_input(name, feed.good, &feed.bad)?;
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
        // The process ends here: handing the store's millions of allocations back one by
        // one would only delay the exit.
        std::mem::forget((store, report));
        Ok(())
    }
}

/// Runs `calltop report` on `path`.
pub fn run(path: &std::path::Path, format: Format) -> anyhow::Result<()> {
    let mut r = Reader::default();
    file::visit_path_values(path, |line, value| r.value(line, value))?;
    r.finish(&path.display().to_string(), format)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// CSV: one row per party.
pub fn write_csv(out: &mut impl Write, r: &Report) -> std::io::Result<()> {
    writeln!(out, "telephonySessionId,startTime,endTime,disposition,partyId,direction,from,fromName,to,toName,status,reason,ringSeconds,talkSeconds,holdSeconds")?;
    let opt = |o: &Option<String>| csv_field(o.as_deref().unwrap_or(""));
    let ts = |t: &Option<Ts>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    for s in &r.sessions {
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
    }
    Ok(())
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
    )
}
