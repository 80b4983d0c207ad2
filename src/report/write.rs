//! How a report is written: JSON; CSV, whose sections each have one list of columns
//! that makes both the header and the rows; and the table for people, with a header and
//! aligned columns. Sessions are encoded one by one as they become final (the report
//! sorts and spills them, [`super::sorted`]) and emitted at the end, once the table's
//! column widths over every session are known.

use super::accounts::{AccountReport, Tail};
use super::{AgentReport, Format, QueueReport, Report, SessionReport, SummaryReport};
use crate::core::outcomes::Join;
use crate::wire::Ts;
use serde::Serialize;
use std::borrow::Cow;
use std::io::{self, Write};

/// A whole report in a format, as [`super::run`] writes it.
pub fn write(out: &mut impl Write, format: Format, r: &Report) -> io::Result<()> {
    let mut writer = Writer::new(format, false);
    let mut encoded = Vec::with_capacity(r.sessions.len());
    for s in &r.sessions {
        let mut payload = Vec::new();
        writer.encode(&mut payload, s)?;
        encoded.push(payload);
    }
    writer.head(out)?;
    for (i, payload) in encoded.iter().enumerate() {
        writer.session(out, payload, i == 0)?;
    }
    let tail = Tail {
        summary: r.summary.clone(),
        queues: r.queues.clone(),
        agents: r.agents.clone(),
        accounts: Vec::new(),
    };
    writer.tail(out, !r.sessions.is_empty(), &tail)
}

/// Writes one report: each session encoded on its own ([`Writer::encode`]), then the
/// head, the sessions in order and the tail.
pub(super) struct Writer {
    format: Format,
    /// Over several accounts: rows name their account.
    several: bool,
    session_csv: Vec<CsvCol<PartyCsvCell>>,
    session_table: Vec<TableCol<PartyCell>>,
    /// The table's session column widths so far (header included), in characters.
    widths: Vec<usize>,
}

/// Separates a table's cells inside an encoded session (cells never hold one).
const CELL: char = '\u{1f}';

impl Writer {
    /// A writer of `format`; `several`: over several accounts (an account column).
    pub fn new(format: Format, several: bool) -> Writer {
        let (session_csv, session_table) = match several {
            false => (SESSION_CSV.to_vec(), SESSION_TABLE.to_vec()),
            true => (
                [
                    SESSION_CSV,
                    &[(
                        "account",
                        (|r| opt_cell(r.s.account).into()) as PartyCsvCell,
                    )],
                ]
                .concat(),
                [
                    &[of_session(col(
                        "Account",
                        (|r| or_dash(r.s.account)) as PartyCell,
                    ))],
                    SESSION_TABLE,
                ]
                .concat(),
            ),
        };
        Writer {
            format,
            several,
            widths: session_table.iter().map(|c| width(c.header)).collect(),
            session_csv,
            session_table,
        }
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// One session's bytes, to hand to [`Writer::session`] later.
    pub fn encode(&mut self, out: &mut Vec<u8>, s: &SessionReport) -> io::Result<()> {
        match self.format {
            Format::Json | Format::Html => {
                out.write_all(b"    ")?;
                write_pretty(out, s, 2)
            }
            Format::Csv => for_parties(s, false, |r| party_csv_row(out, &self.session_csv, r)),
            Format::Table => for_parties(s, true, |r| {
                for (i, c) in self.session_table.iter().enumerate() {
                    let cell = if (c.session && !r.first) || (!c.session && !r.party) {
                        String::new()
                    } else {
                        table_cell(&(c.cell)(r))
                    };
                    self.widths[i] = self.widths[i].max(width(&cell));
                    if i > 0 {
                        write!(out, "{CELL}")?;
                    }
                    out.write_all(cell.as_bytes())?;
                }
                out.write_all(b"\n")
            }),
        }
    }

    /// What comes before the sessions.
    pub fn head(&self, out: &mut impl Write) -> io::Result<()> {
        match self.format {
            Format::Json | Format::Html => write!(out, "{{\n  \"sessions\": ["),
            Format::Csv => csv_header(out, &self.session_csv),
            Format::Table => {
                let header: Vec<&str> = self.session_table.iter().map(|c| c.header).collect();
                table_line(out, &header, &self.widths, &self.session_table)
            }
        }
    }

    /// One encoded session; `first` for the first of the report.
    pub fn session(&self, out: &mut impl Write, payload: &[u8], first: bool) -> io::Result<()> {
        match self.format {
            Format::Json | Format::Html => {
                out.write_all(if first { b"\n" } else { b",\n" })?;
                out.write_all(payload)
            }
            Format::Csv => out.write_all(payload),
            Format::Table => {
                for line in String::from_utf8_lossy(payload).lines() {
                    let cells: Vec<&str> = line.split(CELL).collect();
                    table_line(out, &cells, &self.widths, &self.session_table)?;
                }
                Ok(())
            }
        }
    }

    /// What comes after the sessions (`any`: there were some): the summary, the queues
    /// and the agents, and over several accounts each account's totals and all of
    /// theirs.
    pub fn tail(&self, out: &mut impl Write, any: bool, t: &Tail) -> io::Result<()> {
        let queue_totals: Vec<&QueueReport> = t.accounts.iter().map(|a| &a.queues).collect();
        let agent_totals: Vec<&AgentReport> = t.accounts.iter().map(|a| &a.agents).collect();
        let queues: Vec<&QueueReport> = t.queues.iter().chain(queue_totals).collect();
        let agents: Vec<&AgentReport> = t.agents.iter().chain(agent_totals).collect();
        match self.format {
            Format::Json | Format::Html => {
                out.write_all(if any { b"\n  ]" } else { b"]" })?;
                out.write_all(b",\n  \"summary\": ")?;
                write_pretty(out, &t.summary, 1)?;
                out.write_all(b",\n  \"queues\": ")?;
                write_pretty(out, &t.queues, 1)?;
                out.write_all(b",\n  \"agents\": ")?;
                write_pretty(out, &t.agents, 1)?;
                if self.several {
                    out.write_all(b",\n  \"accounts\": ")?;
                    write_pretty(out, &t.accounts, 1)?;
                }
                out.write_all(b"\n}\n")
            }
            Format::Csv => {
                let queue_csv = self.account_column(QUEUE_CSV, |q| opt(q.account.as_deref()));
                let agent_csv = self.account_column(AGENT_CSV, |a| opt(a.account.as_deref()));
                writeln!(out)?;
                csv_header(out, &queue_csv)?;
                for q in &queues {
                    csv_row(out, &queue_csv, *q)?;
                }
                writeln!(out)?;
                csv_header(out, &agent_csv)?;
                for a in &agents {
                    csv_row(out, &agent_csv, *a)?;
                }
                if self.several {
                    writeln!(out)?;
                    write_accounts_csv(out, &t.accounts)?;
                }
                Ok(())
            }
            Format::Table => {
                for a in &t.accounts {
                    writeln!(out, "\naccount {}", a.account)?;
                    write_summary_table(out, &a.summary)?;
                }
                if !self.several {
                    write_summary_table(out, &t.summary)?;
                }
                let (queue_table, agent_table) = tables(self.several);
                if !queues.is_empty() {
                    writeln!(out, "\nqueues")?;
                    write_table(out, &queue_table, queues.iter().copied())?;
                }
                if !agents.is_empty() {
                    writeln!(out, "\nagents")?;
                    write_table(out, &agent_table, agents.iter().copied())?;
                }
                Ok(())
            }
        }
    }
}

/// The queues' and the agents' tables; `several`: with an Account column first.
pub(super) fn tables(several: bool) -> (Vec<TableCol<QueueCell>>, Vec<TableCol<AgentCell>>) {
    match several {
        false => (QUEUE_TABLE.to_vec(), AGENT_TABLE.to_vec()),
        true => (
            [
                &[col(
                    "Account",
                    (|q| or_dash(q.account.as_deref())) as QueueCell,
                )],
                QUEUE_TABLE,
            ]
            .concat(),
            [
                &[col(
                    "Account",
                    (|a| or_dash(a.account.as_deref())) as AgentCell,
                )],
                AGENT_TABLE,
            ]
            .concat(),
        ),
    }
}

/// Each account's summary and all accounts' in CSV.
fn write_accounts_csv(out: &mut impl Write, accounts: &[AccountReport]) -> io::Result<()> {
    let cells = |a: &AccountReport| {
        let m = &a.summary;
        let mut v = vec![
            ("account", csv_field(&a.account)),
            ("sessions", m.sessions.to_string()),
            ("active", m.active.to_string()),
        ];
        v.extend(m.outcomes.named().map(|(k, n)| (k, n.to_string())));
        for (k, x) in [
            ("avgRingSeconds", m.avg_ring_seconds),
            ("maxRingSeconds", m.max_ring_seconds),
            ("avgTalkSeconds", m.avg_talk_seconds),
            ("maxTalkSeconds", m.max_talk_seconds),
            ("avgHoldSeconds", m.avg_hold_seconds),
            ("maxHoldSeconds", m.max_hold_seconds),
        ] {
            v.push((k, opt_num(x)));
        }
        let c = &m.counters;
        for (k, n) in [
            ("events", c.events),
            ("applied", c.applied),
            ("stale", c.stale),
            ("duplicate", c.duplicate),
            ("malformed", c.malformed),
            ("late", c.late),
        ] {
            v.push((k, n.to_string()));
        }
        v
    };
    for (i, a) in accounts.iter().enumerate() {
        let row = cells(a);
        if i == 0 {
            let names: Vec<&str> = row.iter().map(|c| c.0).collect();
            writeln!(out, "{}", names.join(","))?;
        }
        let values: Vec<&str> = row.iter().map(|c| c.1.as_str()).collect();
        writeln!(out, "{}", values.join(","))?;
    }
    Ok(())
}

/// Writes `value` as `serde_json::to_string_pretty` would inside a document, `depth`
/// levels in: every line but the first indented by two spaces a level.
fn write_pretty(out: &mut impl Write, value: &impl Serialize, depth: usize) -> io::Result<()> {
    // Pretty-printed whole first (serde writes a token at a time, and indenting each
    // write on its way was ~10 % of a JSON report), then indented a line at a time: a
    // string's newline is escaped, so every newline is one between lines.
    let text = serde_json::to_vec_pretty(value).map_err(io::Error::from)?;
    let indent = "  ".repeat(depth);
    let mut start = 0;
    for nl in memchr::memchr_iter(b'\n', &text) {
        out.write_all(&text[start..=nl])?;
        out.write_all(indent.as_bytes())?;
        start = nl + 1;
    }
    out.write_all(&text[start..])
}

/// One row of the sessions' CSV and table: a party of a session.
struct PartyRow<'a> {
    s: &'a SessionReport<'a>,
    p: &'a super::PartyReport<'a>,
    /// The platform's result, call-log ids, recording ids, voicemail ids.
    platform: &'a [String; 4],
    /// The session's first row.
    first: bool,
    /// False for the one row of a session without parties (its party cells are empty).
    party: bool,
}

/// Calls `f` with each party's row of a session; with `none_too`, a session without
/// parties has one row too.
fn for_parties(
    s: &SessionReport,
    none_too: bool,
    mut f: impl FnMut(&PartyRow) -> io::Result<()>,
) -> io::Result<()> {
    let platform = platform_columns(s.call_log);
    let none = super::PartyReport::default();
    if s.parties.is_empty() && none_too {
        return f(&PartyRow {
            s,
            p: &none,
            platform: &platform,
            first: true,
            party: false,
        });
    }
    for (i, p) in s.parties.iter().enumerate() {
        f(&PartyRow {
            s,
            p,
            platform: &platform,
            first: i == 0,
            party: true,
        })?;
    }
    Ok(())
}

// ---- CSV ----

/// One CSV column: its header and its cell of a row (`F`: `fn(&Row) -> String`).
pub(super) type CsvCol<F> = (&'static str, F);

/// A cell of a row of `R`: a session's, a queue's, an agent's.
type Cell<R> = fn(&R) -> String;
type PartyCell = fn(&PartyRow) -> String;
/// A cell of a session's CSV row (see [`CsvValue`]).
type PartyCsvCell = for<'r> fn(&'r PartyRow<'_>) -> CsvValue<'r>;

/// A cell of a session's CSV row: text, borrowed from the row when it needs no quoting,
/// or a figure written straight to the line (no string made for it: a row has six).
enum CsvValue<'r> {
    Text(Cow<'r, str>),
    /// Seconds with three decimals; empty when not known.
    Seconds(Option<f64>),
    /// RFC 3339 with milliseconds; empty when not known.
    Time(Option<Ts>),
    Count(u32),
}

impl<'r> From<Cow<'r, str>> for CsvValue<'r> {
    fn from(text: Cow<'r, str>) -> Self {
        CsvValue::Text(text)
    }
}

impl CsvValue<'_> {
    fn write(&self, out: &mut impl Write) -> io::Result<()> {
        match self {
            CsvValue::Text(t) => out.write_all(t.as_bytes()),
            CsvValue::Seconds(None) | CsvValue::Time(None) => Ok(()),
            CsvValue::Seconds(Some(x)) => write_three_places(out, *x),
            CsvValue::Time(Some(t)) => t.write_rfc3339(out),
            CsvValue::Count(n) => out.write_all(itoa::Buffer::new().format(*n).as_bytes()),
        }
    }
}
pub(super) type QueueCell = Cell<QueueReport>;
pub(super) type AgentCell = Cell<AgentReport>;

/// [`csv_field`] without a copy when it needs no quoting.
fn csv_cell(s: &str) -> Cow<'_, str> {
    // Bytes, not chars: each is ASCII, so no byte of a longer character matches.
    if s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        Cow::Owned(format!("\"{}\"", s.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(s)
    }
}

/// [`opt`] without a copy when it needs no quoting.
fn opt_cell(o: Option<&str>) -> Cow<'_, str> {
    csv_cell(o.unwrap_or(""))
}

fn csv_field(s: &str) -> String {
    csv_cell(s).into_owned()
}

fn opt(o: Option<&str>) -> String {
    csv_field(o.unwrap_or(""))
}

pub(super) fn opt_num(v: Option<f64>) -> String {
    v.map(three_places).unwrap_or_default()
}

/// `format!("{x:.3}")`, with whole thousandths (seconds of milliseconds, the usual
/// value) written by integer arithmetic: the float formatter was ~3 % of a report.
fn three_places(x: f64) -> String {
    let mut s = Vec::new();
    let _ = write_three_places(&mut s, x);
    String::from_utf8(s).unwrap_or_default()
}

/// [`three_places`], written to `out`.
fn write_three_places(out: &mut impl Write, x: f64) -> io::Result<()> {
    let m = (x * 1000.0).round();
    // `x` is the float nearest `m / 1000`, so `{:.3}` writes exactly `m / 1000`.
    if x.is_sign_positive() && m < 1e15 && m / 1000.0 == x {
        let m = m as u64;
        let frac = m % 1000;
        let digits = [
            b'.',
            b'0' + (frac / 100) as u8,
            b'0' + (frac / 10 % 10) as u8,
            b'0' + (frac % 10) as u8,
        ];
        out.write_all(itoa::Buffer::new().format(m / 1000).as_bytes())?;
        return out.write_all(&digits);
    }
    write!(out, "{x:.3}")
}

impl Writer {
    /// `cols`, and an account column after them when the report is of several accounts.
    fn account_column<R>(
        &self,
        cols: &[CsvCol<Cell<R>>],
        account: Cell<R>,
    ) -> Vec<CsvCol<Cell<R>>> {
        let mut cols = cols.to_vec();
        if self.several {
            cols.push(("account", account));
        }
        cols
    }
}

fn csv_header<F>(out: &mut impl Write, cols: &[CsvCol<F>]) -> io::Result<()> {
    let names: Vec<&str> = cols.iter().map(|c| c.0).collect();
    writeln!(out, "{}", names.join(","))
}

fn csv_row<F: Fn(&T) -> String, T>(
    out: &mut impl Write,
    cols: &[CsvCol<F>],
    row: &T,
) -> io::Result<()> {
    csv_cells(out, cols.iter().map(|c| (c.1)(row)))
}

/// One CSV line: each cell straight to `out` (no list of cells, no joined line).
fn csv_cells<S: AsRef<str>>(
    out: &mut impl Write,
    cells: impl Iterator<Item = S>,
) -> io::Result<()> {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(cell.as_ref().as_bytes())?;
    }
    out.write_all(b"\n")
}

/// [`csv_row`] of a session's party row.
fn party_csv_row(
    out: &mut impl Write,
    cols: &[CsvCol<PartyCsvCell>],
    row: &PartyRow,
) -> io::Result<()> {
    for (i, c) in cols.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        (c.1)(row).write(out)?;
    }
    out.write_all(b"\n")
}

/// The sessions' CSV: one row per party. New columns go at the end, so a reader by
/// position keeps working.
const SESSION_CSV: &[CsvCol<PartyCsvCell>] = &[
    ("telephonySessionId", |r| {
        csv_cell(r.s.telephony_session_id).into()
    }),
    ("startTime", |r| CsvValue::Time(r.s.start_time)),
    ("endTime", |r| CsvValue::Time(r.s.end_time)),
    ("disposition", |r| Cow::Borrowed(r.s.disposition).into()),
    ("partyId", |r| csv_cell(r.p.id).into()),
    ("direction", |r| opt_cell(r.p.direction).into()),
    ("from", |r| opt_cell(r.p.from).into()),
    ("fromName", |r| opt_cell(r.p.from_name).into()),
    ("to", |r| opt_cell(r.p.to).into()),
    ("toName", |r| opt_cell(r.p.to_name).into()),
    ("status", |r| opt_cell(r.p.status).into()),
    ("reason", |r| opt_cell(r.p.reason).into()),
    ("ringSeconds", |r| CsvValue::Seconds(r.p.ring_seconds)),
    ("talkSeconds", |r| CsvValue::Seconds(r.p.talk_seconds)),
    ("holdSeconds", |r| CsvValue::Seconds(r.p.hold_seconds)),
    ("platformResult", |r| csv_cell(&r.platform[0]).into()),
    ("callLogIds", |r| csv_cell(&r.platform[1]).into()),
    ("recordingIds", |r| {
        CsvValue::Text(csv_cell(&recording_ids(r)).into_owned().into())
    }),
    ("voicemailIds", |r| csv_cell(&r.platform[3]).into()),
    ("agentExtensionId", |r| {
        opt_cell(r.s.agent.as_ref().and_then(|a| a.extension_id.as_deref())).into()
    }),
    ("agentExtensionNumber", |r| {
        opt_cell(
            r.s.agent
                .as_ref()
                .and_then(|a| a.extension_number.as_deref()),
        )
        .into()
    }),
    ("agentName", |r| {
        opt_cell(r.s.agent.as_ref().and_then(|a| a.name.as_deref())).into()
    }),
    ("queueId", |r| {
        opt_cell(r.s.queue.as_ref().map(|q| &*q.id)).into()
    }),
    ("queueExtensionNumber", |r| {
        opt_cell(
            r.s.queue
                .as_ref()
                .and_then(|q| q.extension_number.as_deref()),
        )
        .into()
    }),
    ("queueName", |r| {
        opt_cell(r.s.queue.as_ref().and_then(|q| q.name.as_deref())).into()
    }),
    ("gaps", |r| CsvValue::Count(r.s.gaps)),
];

/// The queues' CSV.
pub(super) const QUEUE_CSV: &[CsvCol<QueueCell>] = &[
    ("queueId", |q| csv_field(&q.id)),
    ("extensionNumber", |q| opt(q.extension_number.as_deref())),
    ("name", |q| opt(q.name.as_deref())),
    ("offered", |q| q.offered.to_string()),
    ("answered", |q| q.answered.to_string()),
    ("abandoned", |q| q.abandoned.to_string()),
    ("voicemail", |q| q.voicemail.to_string()),
    ("overflow", |q| q.overflow.to_string()),
    ("waiting", |q| q.waiting.to_string()),
    ("serviceLevel", |q| opt_num(q.service_level)),
    ("serviceLevelSeconds", |q| opt_num(q.service_level_seconds)),
    ("avgSpeedOfAnswerSeconds", |q| {
        opt_num(q.avg_speed_of_answer_seconds)
    }),
    ("avgAbandonWaitSeconds", |q| {
        opt_num(q.avg_abandon_wait_seconds)
    }),
    ("longestWaitSeconds", |q| {
        format!("{:.3}", q.longest_wait_seconds)
    }),
];

/// The agents' CSV.
pub(super) const AGENT_CSV: &[CsvCol<AgentCell>] = &[
    ("agentId", |a| csv_field(&a.id)),
    ("extensionNumber", |a| opt(a.extension_number.as_deref())),
    ("name", |a| opt(a.name.as_deref())),
    ("offers", |a| a.offers.to_string()),
    ("handled", |a| a.handled.to_string()),
    ("missed", |a| a.missed.to_string()),
    ("talkSeconds", |a| format!("{:.3}", a.talk_seconds)),
    ("holdSeconds", |a| format!("{:.3}", a.hold_seconds)),
    ("avgHandleSeconds", |a| opt_num(a.avg_handle_seconds)),
];

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

// ---- the table for people ----

/// One column of a table: its header, right-aligned (figures) or not, given on the
/// session's first row only (`session`), and its cell of a row (`F`: `fn(&Row) ->
/// String`).
#[derive(Clone, Copy)]
pub(super) struct TableCol<F> {
    pub header: &'static str,
    pub right: bool,
    session: bool,
    pub cell: F,
}

pub(super) const fn col<F>(header: &'static str, cell: F) -> TableCol<F> {
    TableCol {
        header,
        right: false,
        session: false,
        cell,
    }
}

pub(super) const fn figure<F>(header: &'static str, cell: F) -> TableCol<F> {
    TableCol {
        header,
        right: true,
        session: false,
        cell,
    }
}

const fn of_session<F: Copy>(c: TableCol<F>) -> TableCol<F> {
    TableCol {
        header: c.header,
        right: c.right,
        session: true,
        cell: c.cell,
    }
}

/// Unknown in the table.
const DASH: &str = "—";

fn or_dash(o: Option<&str>) -> String {
    o.unwrap_or(DASH).to_string()
}

/// Name and number (or whichever is known), else `fallback`, else `—`.
pub(super) fn label(name: Option<&str>, number: Option<&str>, fallback: Option<&str>) -> String {
    match (name, number) {
        (Some(n), Some(x)) => format!("{n} {x}"),
        (Some(x), None) | (None, Some(x)) => x.to_string(),
        (None, None) => or_dash(fallback),
    }
}

/// Seconds with three decimals, or `—` when not known.
fn seconds(v: Option<f64>) -> String {
    v.map_or_else(|| DASH.to_string(), |x| format!("{x:.3}s"))
}

/// The recordings of a call: the call log's, else as the notifications gave them.
fn session_recording_ids(r: &PartyRow) -> String {
    match r.platform[2].is_empty() {
        true => {
            let ids: Vec<&str> =
                r.s.parties
                    .iter()
                    .flat_map(|p| p.recordings.iter().copied())
                    .collect();
            ids.join(";")
        }
        false => r.platform[2].clone(),
    }
}

/// The recordings of a party: the call log's, else as the notifications gave them.
fn recording_ids(r: &PartyRow) -> String {
    match r.platform[2].is_empty() {
        true => r.p.recordings.join(";"),
        false => r.platform[2].clone(),
    }
}

pub(super) fn tenths(v: Option<f64>, unit: &str) -> String {
    v.map_or_else(|| DASH.to_string(), |x| format!("{x:.1}{unit}"))
}

/// The sessions' table: one row per party, the call's own columns on its first.
const SESSION_TABLE: &[TableCol<PartyCell>] = &[
    of_session(col("Session", |r| r.s.telephony_session_id.to_string())),
    of_session(col("Start", |r| {
        r.s.start_time
            .map_or_else(|| DASH.to_string(), |t| t.to_rfc3339())
    })),
    of_session(col("Outcome", |r| r.s.disposition.to_string())),
    of_session(figure("Gaps", |r| match r.s.gaps {
        0 => String::new(),
        n => n.to_string(),
    })),
    of_session(figure("Total", |r| seconds(r.s.duration_seconds))),
    of_session(col("Agent", |r| {
        r.s.agent.as_ref().map_or_else(
            || DASH.to_string(),
            |a| {
                let (name, number) = (a.name.as_deref(), a.extension_number.as_deref());
                label(name, number, a.extension_id.as_deref())
            },
        )
    })),
    of_session(col("Queue", |r| {
        r.s.queue.as_ref().map_or_else(
            || DASH.to_string(),
            |q| {
                let (name, number) = (q.name.as_deref(), q.extension_number.as_deref());
                label(name, number, Some(&q.id))
            },
        )
    })),
    of_session(col("Platform", |r| r.platform[0].clone())),
    col("Party", |r| r.p.id.to_string()),
    col("Dir", |r| or_dash(r.p.direction)),
    col("From", |r| label(r.p.from_name, r.p.from, None)),
    col("To", |r| label(r.p.to_name, r.p.to, None)),
    col("Status", |r| or_dash(r.p.status)),
    col("Reason", |r| r.p.reason.unwrap_or_default().to_string()),
    figure("Ring", |r| seconds(r.p.ring_seconds)),
    figure("Talk", |r| seconds(r.p.talk_seconds)),
    figure("Hold", |r| seconds(r.p.hold_seconds)),
    of_session(col("Records", |r| {
        let mut line = Vec::new();
        for (what, ids) in [
            ("call log", &r.platform[1]),
            ("recordings", &session_recording_ids(r)),
            ("voicemail", &r.platform[3]),
        ] {
            if !ids.is_empty() {
                line.push(format!("{what} {ids}"));
            }
        }
        line.join("  ")
    })),
];

/// The queues' table.
pub(super) const QUEUE_TABLE: &[TableCol<QueueCell>] = &[
    col("Queue", |q| {
        label(
            q.name.as_deref(),
            q.extension_number.as_deref(),
            Some(&q.id),
        )
    }),
    figure("Offered", |q| q.offered.to_string()),
    figure("Answered", |q| q.answered.to_string()),
    figure("Abandoned", |q| q.abandoned.to_string()),
    figure("Voicemail", |q| q.voicemail.to_string()),
    figure("Overflow", |q| q.overflow.to_string()),
    figure("Waiting", |q| q.waiting.to_string()),
    figure("SL", |q| tenths(q.service_level, "%")),
    figure("SL within", |q| {
        q.service_level_seconds
            .map_or_else(|| DASH.to_string(), |s| format!("{s:.0}s"))
    }),
    figure("ASA", |q| tenths(q.avg_speed_of_answer_seconds, "s")),
    figure("Longest", |q| tenths(Some(q.longest_wait_seconds), "s")),
];

/// The agents' table.
pub(super) const AGENT_TABLE: &[TableCol<AgentCell>] = &[
    col("Agent", |a| {
        label(
            a.name.as_deref(),
            a.extension_number.as_deref(),
            Some(&a.id),
        )
    }),
    figure("Offers", |a| a.offers.to_string()),
    figure("Handled", |a| a.handled.to_string()),
    figure("Missed", |a| a.missed.to_string()),
    figure("Talk", |a| tenths(Some(a.talk_seconds), "s")),
    figure("Hold", |a| tenths(Some(a.hold_seconds), "s")),
    figure("AHT", |a| tenths(a.avg_handle_seconds, "s")),
];

/// Width of a cell in characters.
fn width(s: &str) -> usize {
    s.chars().count()
}

/// A cell as the table shows it: control characters (from names in the input) as
/// spaces, so a cell stays on its line and in its column.
fn table_cell(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// One line of a table: each cell padded to its column's width (figures to the right),
/// two spaces apart, no trailing spaces.
fn table_line<F>(
    out: &mut impl Write,
    cells: &[&str],
    widths: &[usize],
    cols: &[TableCol<F>],
) -> io::Result<()> {
    let mut line = String::new();
    for (i, ((cell, w), c)) in cells.iter().zip(widths).zip(cols).enumerate() {
        if i > 0 {
            line.push_str("  ");
        }
        let pad = " ".repeat(w.saturating_sub(width(cell)));
        if c.right {
            line.push_str(&pad);
            line.push_str(cell);
        } else {
            line.push_str(cell);
            line.push_str(&pad);
        }
    }
    writeln!(out, "{}", line.trim_end())
}

/// A whole table of `rows`: the header, then one line per row.
pub(super) fn write_table<'r, T: 'r, F: Fn(&T) -> String>(
    out: &mut impl Write,
    cols: &[TableCol<F>],
    rows: impl IntoIterator<Item = &'r T>,
) -> io::Result<()> {
    let cells: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| cols.iter().map(|c| table_cell(&(c.cell)(r))).collect())
        .collect();
    let widths: Vec<usize> = cols
        .iter()
        .enumerate()
        .map(|(i, c)| {
            cells
                .iter()
                .map(|r| width(&r[i]))
                .fold(width(c.header), usize::max)
        })
        .collect();
    let header: Vec<&str> = cols.iter().map(|c| c.header).collect();
    table_line(out, &header, &widths, cols)?;
    for r in &cells {
        let r: Vec<&str> = r.iter().map(String::as_str).collect();
        table_line(out, &r, &widths, cols)?;
    }
    Ok(())
}

/// The table's summary lines.
fn write_summary_table(out: &mut impl Write, m: &SummaryReport) -> io::Result<()> {
    write!(out, "\nsessions {}  active {}", m.sessions, m.active)?;
    for (name, n) in m.outcomes.named() {
        write!(out, "  {name} {n}")?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "ring avg {} max {}  talk avg {} max {}  hold avg {} max {}",
        seconds(m.avg_ring_seconds),
        seconds(m.max_ring_seconds),
        seconds(m.avg_talk_seconds),
        seconds(m.max_talk_seconds),
        seconds(m.avg_hold_seconds),
        seconds(m.max_hold_seconds)
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

#[cfg(test)]
mod tests {
    use super::three_places;
    use proptest::prelude::*;

    proptest! {
        /// The integer path writes what the float formatter writes, for seconds of
        /// milliseconds and for any other float.
        #[test]
        fn three_places_is_the_float_formatter(ms in 0i64..1_000_000_000_000, x in any::<f64>()) {
            let s = crate::core::secs(ms);
            prop_assert_eq!(three_places(s), format!("{s:.3}"));
            prop_assert_eq!(three_places(x), format!("{x:.3}"));
        }
    }

    #[test]
    fn three_places_keeps_the_formatters_edges() {
        for x in [
            0.0,
            -0.0,
            0.0005,
            0.0015,
            1e15,
            1e300,
            -1.5,
            f64::NAN,
            f64::INFINITY,
        ] {
            assert_eq!(three_places(x), format!("{x:.3}"), "{x}");
        }
    }
}
