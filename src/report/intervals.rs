//! `calltop report --intervals LEN`: the queue and agent figures per interval (see
//! `core::center::Intervals`: a call counts in the interval it started in), as JSON,
//! CSV or a table. A row is the whole-period row's figures (the same report
//! functions) over the calls that started in its interval, with what only intervals
//! show: answered within the service level, short abandons, average handle time.

use super::write::{
    col, figure, label, opt_num, tenths, write_table, CsvCol, TableCol, AGENT_CSV, QUEUE_CSV,
};
use super::{agent_report, by_number, queue_report, AgentReport, Format, QueueReport};
use crate::core::center::{Center, Cut};
use crate::wire::Ts;
use serde::Serialize;
use std::io::{self, Write};

/// One queue in one interval.
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct QueueInterval {
    #[serde(flatten)]
    pub queue: QueueReport,
    pub answered_within_sla: u64,
    /// Abandoned before the queue's abandoned threshold (counted in `abandoned` too).
    pub short_abandoned: u64,
    /// (talk + hold) / handled over the queue's agent legs offered in the interval.
    pub avg_handle_seconds: Option<f64>,
}

/// One agent in one interval.
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AgentInterval {
    #[serde(flatten)]
    pub agent: AgentReport,
    /// Experimental: time on calls / (time available + time on calls), in percent, from
    /// the agent's state over the interval (`null`: not known for all of it).
    pub occupancy: Option<f64>,
}

/// One interval's rows.
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct IntervalRows {
    pub start: Ts,
    pub end: Ts,
    /// A call that may count in it is still in progress (or the interval is not over):
    /// its figures may still change.
    pub provisional: bool,
    /// It began before the figures count from (the stream starts in it): calls that
    /// entered it before are not in its figures, which are a part of the interval's.
    pub partial: bool,
    pub queues: Vec<QueueInterval>,
    /// Agents with any figure in the interval, or time available or on calls.
    pub agents: Vec<AgentInterval>,
}

/// The whole interval report.
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct IntervalReport {
    pub interval_minutes: f64,
    pub time_zone: String,
    pub intervals: Vec<IntervalRows>,
}

/// The intervals of a center that keeps them, at `now` (the stream's clock), from the
/// one its figures count from to the one `now` is in; `open_since`: the earliest start
/// of a call still in progress (every interval ending after it is provisional). An
/// interval begun before calltop heard the stream, or before the window's start, is
/// partial.
pub fn interval_report(c: &Center, now: Ts, open_since: Option<Ts>) -> Option<IntervalReport> {
    let iv = c.intervals()?;
    let cut = iv.cut();
    let from = c.counted_from().map(|(t, _)| t);
    let seen_from = c.window().start.max(iv.heard_from());
    let starts = from.map_or_else(Vec::new, |f| cut.starts(f, now));
    let mut queues: Vec<_> = c.queues().collect();
    by_number(&mut queues, |q| (q.extension_number.as_ref(), &q.id));
    let mut agents: Vec<_> = c.agents().collect();
    by_number(&mut agents, |a| (a.extension_number.as_ref(), &a.id));
    let intervals = starts
        .into_iter()
        .map(|start| {
            let end = cut.end_of(start);
            let queues = queues
                .iter()
                .map(|q| {
                    let part = iv.queue(q, start);
                    let f = part.figures;
                    QueueInterval {
                        queue: queue_report(c, &part, now),
                        answered_within_sla: f.answered_within_sla,
                        short_abandoned: f.abandoned - f.abandoned_over_threshold,
                        avg_handle_seconds: iv
                            .handling(q, start, now, agents.iter().copied())
                            .avg_handle_ms()
                            .map(|ms| ms / 1000.0),
                    }
                })
                .collect();
            let agents = agents
                .iter()
                .filter_map(|a| {
                    let occupancy = iv.occupancy(a, start, now);
                    let part = iv.agent(a, start, now);
                    let part = part.or_else(|| occupancy.map(|_| iv.agent_part(a)))?;
                    Some(AgentInterval {
                        agent: agent_report(&part, part.figures),
                        occupancy,
                    })
                })
                .collect();
            IntervalRows {
                start,
                end,
                provisional: end > now || open_since.is_some_and(|o| o < end),
                partial: seen_from.is_some_and(|f| start < f),
                queues,
                agents,
            }
        })
        .collect();
    Some(IntervalReport {
        interval_minutes: cut.len_ms as f64 / 60_000.0,
        time_zone: cut.zone.to_string(),
        intervals,
    })
}

/// An interval as a table cell: its local date, `HH:MM–HH:MM`.
fn span<T>(r: &Row<T>) -> String {
    let z = r.cut.zone;
    format!("{} {}–{}", z.date(r.start), z.hm(r.start), z.hm(r.end))
}

/// A row of one interval: a queue's or an agent's.
pub(super) struct Row<'a, T> {
    cut: Cut,
    start: Ts,
    end: Ts,
    pub provisional: bool,
    pub partial: bool,
    of: &'a T,
}

impl<T> Row<'_, T> {
    /// `partial` (the stream starts in it), else `provisional` or `final`.
    pub(super) fn state(&self) -> &'static str {
        match (self.partial, self.provisional) {
            (true, _) => "partial",
            (false, true) => "provisional",
            (false, false) => "final",
        }
    }
}

pub(super) type QueueCell = fn(&Row<QueueInterval>) -> String;
type AgentCell = fn(&Row<AgentInterval>) -> String;

pub(super) const QUEUE_TABLE: &[TableCol<QueueCell>] = &[
    col("Interval", span),
    col("State", |r| r.state().into()),
    col("Queue", |r| {
        let q = &r.of.queue;
        label(
            q.name.as_deref(),
            q.extension_number.as_deref(),
            Some(&q.id),
        )
    }),
    figure("Offered", |r| r.of.queue.offered.to_string()),
    figure("Answered", |r| r.of.queue.answered.to_string()),
    figure("In SL", |r| r.of.answered_within_sla.to_string()),
    figure("Abandoned", |r| r.of.queue.abandoned.to_string()),
    figure("Short", |r| r.of.short_abandoned.to_string()),
    figure("Voicemail", |r| r.of.queue.voicemail.to_string()),
    figure("Overflow", |r| r.of.queue.overflow.to_string()),
    figure("Waiting", |r| r.of.queue.waiting.to_string()),
    figure("SL", |r| tenths(r.of.queue.service_level, "%")),
    figure("ASA", |r| {
        tenths(r.of.queue.avg_speed_of_answer_seconds, "s")
    }),
    figure("AHT", |r| tenths(r.of.avg_handle_seconds, "s")),
    figure("Longest", |r| {
        tenths(Some(r.of.queue.longest_wait_seconds), "s")
    }),
];

const AGENT_TABLE: &[TableCol<AgentCell>] = &[
    col("Interval", span),
    col("State", |r| r.state().into()),
    col("Agent", |r| {
        let a = &r.of.agent;
        label(
            a.name.as_deref(),
            a.extension_number.as_deref(),
            Some(&a.id),
        )
    }),
    figure("Offers", |r| r.of.agent.offers.to_string()),
    figure("Handled", |r| r.of.agent.handled.to_string()),
    figure("Missed", |r| r.of.agent.missed.to_string()),
    figure("Talk", |r| tenths(Some(r.of.agent.talk_seconds), "s")),
    figure("Hold", |r| tenths(Some(r.of.agent.hold_seconds), "s")),
    figure("AHT", |r| tenths(r.of.agent.avg_handle_seconds, "s")),
    figure("Occ*", |r| tenths(r.of.occupancy, "%")),
];

/// A CSV cell of a record.
type Cell<T> = fn(&T) -> String;

/// The CSV columns before a row's queue or agent columns.
const INTERVAL_CSV: [&str; 4] = ["intervalStart", "intervalEnd", "provisional", "partial"];

/// A CSV section: the interval columns, `cols` of each row's record, then `extra`.
fn csv_section<'a, T: 'a, R>(
    out: &mut impl Write,
    rows: &[Row<'a, T>],
    record: impl Fn(&T) -> &R,
    cols: &[CsvCol<Cell<R>>],
    extra: &[CsvCol<Cell<T>>],
) -> io::Result<()> {
    let header: Vec<&str> = INTERVAL_CSV
        .into_iter()
        .chain(cols.iter().map(|c| c.0))
        .chain(extra.iter().map(|c| c.0))
        .collect();
    writeln!(out, "{}", header.join(","))?;
    for r in rows {
        let cells: Vec<String> = [
            r.start.to_rfc3339(),
            r.end.to_rfc3339(),
            r.provisional.to_string(),
            r.partial.to_string(),
        ]
        .into_iter()
        .chain(cols.iter().map(|c| (c.1)(record(r.of))))
        .chain(extra.iter().map(|c| (c.1)(r.of)))
        .collect();
        writeln!(out, "{}", cells.join(","))?;
    }
    Ok(())
}

/// The queue CSV's columns past the whole-period ones.
const QUEUE_EXTRA_CSV: &[CsvCol<Cell<QueueInterval>>] = &[
    ("answeredWithinSla", |q| q.answered_within_sla.to_string()),
    ("shortAbandoned", |q| q.short_abandoned.to_string()),
    ("avgHandleSeconds", |q| opt_num(q.avg_handle_seconds)),
];

/// The agent CSV's columns past the whole-period ones.
const AGENT_EXTRA_CSV: &[CsvCol<Cell<AgentInterval>>] = &[("occupancy", |a| opt_num(a.occupancy))];

/// Every row of each interval, `pick` choosing the queues or the agents.
pub(super) fn rows<'a, T>(
    cut: Cut,
    r: &'a IntervalReport,
    pick: impl Fn(&'a IntervalRows) -> &'a [T],
) -> Vec<Row<'a, T>> {
    r.intervals
        .iter()
        .flat_map(|i| {
            pick(i).iter().map(move |of| Row {
                cut,
                start: i.start,
                end: i.end,
                provisional: i.provisional,
                partial: i.partial,
                of,
            })
        })
        .collect()
}

/// Writes the interval report in `format` (JSON, CSV or a table; HTML is
/// [`super::html`]'s).
pub fn write(out: &mut impl Write, format: Format, cut: Cut, r: &IntervalReport) -> io::Result<()> {
    let queues = rows(cut, r, |i| &i.queues);
    let agents = rows(cut, r, |i| &i.agents);
    match format {
        Format::Json | Format::Html => {
            let text = serde_json::to_string_pretty(r).map_err(io::Error::other)?;
            writeln!(out, "{text}")
        }
        Format::Csv => {
            csv_section(out, &queues, |q| &q.queue, QUEUE_CSV, QUEUE_EXTRA_CSV)?;
            writeln!(out)?;
            csv_section(out, &agents, |a| &a.agent, AGENT_CSV, AGENT_EXTRA_CSV)
        }
        Format::Table => {
            writeln!(
                out,
                "queues per {} minutes ({}; a call counts in the interval it entered the queue)",
                r.interval_minutes, r.time_zone
            )?;
            write_table(out, QUEUE_TABLE, &queues)?;
            writeln!(
                out,
                "\nagents per {} minutes (a call counts in the interval it was offered; *occupancy, experimental: on calls / (available + on calls))",
                r.interval_minutes
            )?;
            write_table(out, AGENT_TABLE, &agents)
        }
    }
}
