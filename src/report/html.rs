//! `calltop report FILE --format html`: the daily report a manager opens in a browser.
//! One self-contained page — no script, no font, no image from anywhere: inline SVG
//! charts and CSS — with the period it covers, per queue a chart of offered, answered
//! and abandoned calls and one of the service level per interval, the queue and agent
//! tables of the whole period and the figures per interval (the tables are the text
//! report's columns).

use super::accounts::Tail;
use super::intervals::{rows, IntervalReport, QueueInterval, Row, QUEUE_TABLE as INTERVAL_TABLE};
use super::write::{tables, TableCol, AGENT_TABLE, QUEUE_TABLE};
use super::{AgentReport, QueueReport, SummaryReport};
use crate::core::center::Cut;
use crate::wire::Ts;
use std::fmt::Write as _;
use std::io::{self, Write};

/// What the page shows.
pub struct Page<'a> {
    pub cut: Cut,
    /// From when the figures count (`None`: nothing was heard).
    pub from: Option<Ts>,
    /// The stream's last event.
    pub to: Ts,
    pub summary: &'a SummaryReport,
    pub queues: &'a [QueueReport],
    pub agents: &'a [AgentReport],
    pub intervals: &'a IntervalReport,
}

/// Text as HTML.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:24px;color:#222;background:#fff}\
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}h3{font-size:15px;margin:18px 0 6px}\
.period{color:#555;margin:0 0 12px}.charts{display:flex;flex-wrap:wrap;gap:16px}\
svg.chart{border:1px solid #ddd;background:#fafafa}\
table{border-collapse:collapse;font-size:13px}th,td{padding:3px 8px;border-bottom:1px solid #e4e4e4;white-space:nowrap}\
th{background:#f0f0f0;text-align:left}td.n,th.n{text-align:right}tr.provisional td,tr.partial td{color:#777;font-style:italic}\
.legend{font-size:12px}";

/// The three series of the volume chart: what, colour.
const SERIES: [(&str, &str); 3] = [
    ("offered", "#4a78b5"),
    ("answered", "#3c9a5f"),
    ("abandoned", "#c8463c"),
];

const CHART_H: f64 = 180.0;
/// Above the plot: the title, then the legend.
const TOP: f64 = 42.0;
const LEFT: f64 = 40.0;
const BOTTOM: f64 = 34.0;
/// The narrowest plot.
const MIN_PLOT: f64 = 380.0;

/// One interval's width in a chart of `n` intervals: the plot at least [`MIN_PLOT`]
/// wide, an interval 24 to 64 pixels.
fn slot(n: usize) -> f64 {
    (MIN_PLOT / n.max(1) as f64).clamp(24.0, 64.0)
}

/// An interval's label under its bars: its start, every `every`th interval.
fn x_labels(out: &mut String, starts: &[Ts], cut: Cut) {
    let (slot, every) = (slot(starts.len()), label_every(starts.len()));
    for (i, s) in starts.iter().enumerate().filter(|(i, _)| i % every == 0) {
        let x = LEFT + slot * i as f64 + slot / 2.0;
        let _ = write!(
            out,
            "<text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
            TOP + CHART_H + 14.0,
            cut.zone.hm(*s)
        );
    }
}

/// The frame of a chart: its svg element, title (`QUEUE: WHAT`, WHAT shown), baseline
/// and y-axis labels.
fn frame(out: &mut String, class: &str, title: &str, n: usize, top_label: &str) {
    let w = LEFT + slot(n) * n.max(1) as f64 + 16.0;
    let h = TOP + CHART_H + BOTTOM;
    let _ = write!(
        out,
        "<svg class=\"chart {class}\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" role=\"img\" aria-label=\"{t}\"><title>{t}</title>\
<text x=\"{LEFT}\" y=\"15\" font-size=\"12\" font-weight=\"bold\">{shown}</text>\
<line x1=\"{LEFT}\" y1=\"{b:.1}\" x2=\"{r:.1}\" y2=\"{b:.1}\" stroke=\"#888\"/>\
<line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{b:.1}\" stroke=\"#888\"/>\
<text x=\"{l:.1}\" y=\"{ty:.1}\" font-size=\"10\" text-anchor=\"end\">{top_label}</text>\
<text x=\"{l:.1}\" y=\"{b:.1}\" font-size=\"10\" text-anchor=\"end\">0</text>",
        t = esc(title),
        shown = esc(title.rsplit(": ").next().unwrap_or(title)),
        b = TOP + CHART_H,
        r = w - 8.0,
        l = LEFT - 4.0,
        ty = TOP + 4.0,
    );
}

/// Offered, answered and abandoned per interval of one queue.
fn volume_chart(out: &mut String, title: &str, cut: Cut, cells: &[(Ts, &QueueInterval)]) {
    let starts: Vec<Ts> = cells.iter().map(|(s, _)| *s).collect();
    let top = cells
        .iter()
        .map(|(_, q)| q.queue.offered)
        .max()
        .unwrap_or(0)
        .max(1);
    frame(out, "volume", title, cells.len(), &top.to_string());
    let slot = slot(cells.len());
    let bar = (slot - 6.0) / 3.0;
    for (i, (_, q)) in cells.iter().enumerate() {
        let values = [q.queue.offered, q.queue.answered, q.queue.abandoned];
        for (k, (v, (what, colour))) in values.iter().zip(SERIES).enumerate() {
            let h = CHART_H * *v as f64 / top as f64;
            let x = LEFT + slot * i as f64 + 3.0 + bar * k as f64;
            let _ = write!(
                out,
                "<rect class=\"{what}\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{h:.1}\" fill=\"{colour}\"><title>{what} {v}</title></rect>",
                TOP + CHART_H - h
            );
        }
    }
    x_labels(out, &starts, cut);
    let mut x = LEFT;
    for (what, colour) in SERIES {
        let _ = write!(
            out,
            "<rect x=\"{x:.1}\" y=\"22\" width=\"9\" height=\"9\" fill=\"{colour}\"/><text class=\"legend\" x=\"{:.1}\" y=\"31\" font-size=\"11\">{what}</text>",
            x + 12.0
        );
        x += 80.0;
    }
    out.push_str("</svg>");
}

/// The service level per interval of one queue (no bar where no call decided it).
fn sl_chart(out: &mut String, title: &str, cut: Cut, cells: &[(Ts, &QueueInterval)]) {
    let starts: Vec<Ts> = cells.iter().map(|(s, _)| *s).collect();
    frame(out, "sl", title, cells.len(), "100%");
    let slot = slot(cells.len());
    for (i, (_, q)) in cells.iter().enumerate() {
        let x = LEFT + slot * i as f64 + 5.0;
        match q.queue.service_level {
            Some(sl) => {
                let h = CHART_H * sl.clamp(0.0, 100.0) / 100.0;
                let _ = write!(
                    out,
                    "<rect class=\"sl\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"#7a5bb5\"><title>SL {sl:.1}%</title></rect>",
                    TOP + CHART_H - h,
                    slot - 10.0
                );
            }
            None => {
                let _ = write!(
                    out,
                    "<text class=\"none\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">—</text>",
                    x + (slot - 10.0) / 2.0,
                    TOP + CHART_H - 4.0
                );
            }
        }
    }
    x_labels(out, &starts, cut);
    out.push_str("</svg>");
}

/// Labels every interval up to 16 of them, then fewer.
fn label_every(n: usize) -> usize {
    n.div_ceil(16).max(1)
}

/// A table of `rows` with the text report's columns; `class` marks a row.
fn table<'r, T: 'r, F: Fn(&T) -> String>(
    out: &mut String,
    cols: &[TableCol<F>],
    rows: impl IntoIterator<Item = &'r T>,
    class: impl Fn(&T) -> &'static str,
) {
    out.push_str("<table><thead><tr>");
    for c in cols {
        let n = if c.right { " class=\"n\"" } else { "" };
        let _ = write!(out, "<th{n}>{}</th>", esc(c.header));
    }
    out.push_str("</tr></thead><tbody>");
    for r in rows {
        let _ = write!(out, "<tr class=\"{}\">", class(r));
        for c in cols {
            let n = if c.right { " class=\"n\"" } else { "" };
            let _ = write!(out, "<td{n}>{}</td>", esc(&(c.cell)(r)));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

/// A queue's name for a heading.
fn queue_title(q: &QueueReport) -> String {
    match (&q.name, &q.extension_number) {
        (Some(n), Some(x)) => format!("{n} ({x})"),
        (Some(x), None) | (None, Some(x)) => x.clone(),
        (None, None) => q.id.clone(),
    }
}

/// The zone as named (`--tz`), with its abbreviation when that says more.
fn zone_name(p: &Page<'_>) -> String {
    let (name, short) = (&p.intervals.time_zone, p.cut.zone.abbreviation(p.to));
    match *name == short {
        true => short,
        false => format!("{name}, {short}"),
    }
}

/// Writes the page.
pub fn write(out: &mut impl Write, p: &Page<'_>) -> io::Result<()> {
    let mut h = String::new();
    head(&mut h, p, p.from, p.to, p.summary.sessions, "");
    body(&mut h, p);
    foot(&mut h);
    out.write_all(h.as_bytes())
}

/// Writes the page of a report over several accounts (`pages`: each account's): the
/// totals of each account's queues and agents and of all of them, then each account's
/// page.
pub fn write_accounts(
    out: &mut impl Write,
    tail: &Tail,
    pages: &[(&str, Page<'_>)],
) -> io::Result<()> {
    let Some((_, first)) = pages.first() else {
        return Ok(());
    };
    let from = pages.iter().filter_map(|(_, p)| p.from).min();
    let to = pages.iter().map(|(_, p)| p.to).max().unwrap_or(first.to);
    let names: Vec<&str> = pages.iter().map(|(a, _)| *a).collect();
    let mut h = String::new();
    let accounts = format!(" — accounts {}", names.join(", "));
    head(&mut h, first, from, to, tail.summary.sessions, &accounts);
    let (queues, agents) = tables(true);
    h.push_str("<h2>All accounts: queues</h2>");
    table(
        &mut h,
        &queues,
        tail.accounts.iter().map(|a| &a.queues),
        |_| "",
    );
    h.push_str("<h2>All accounts: agents</h2>");
    table(
        &mut h,
        &agents,
        tail.accounts.iter().map(|a| &a.agents),
        |_| "",
    );
    for (account, p) in pages {
        let _ = write!(h, "<h2>Account {}</h2>", esc(account));
        body(&mut h, p);
    }
    foot(&mut h);
    out.write_all(h.as_bytes())
}

/// The page's head: the title (`what` after it), the period and what it counts.
fn head(h: &mut String, p: &Page<'_>, from: Option<Ts>, to: Ts, sessions: u64, what: &str) {
    let z = p.cut.zone;
    let when = |t: Ts| format!("{} {}", z.date(t), z.hm(t));
    let title = match from {
        Some(f) => format!("Contact center report {}{what}", z.date(f)),
        None => format!("Contact center report{what}"),
    };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body><h1>{}</h1>",
        esc(&title),
        esc(&title)
    );
    let minutes = p.intervals.interval_minutes;
    let _ = write!(
        h,
        "<p class=\"period\">From <time>{}</time> to <time>{}</time> ({})",
        from.map_or_else(|| "—".to_string(), when),
        when(to),
        esc(&zone_name(p)),
    );
    let _ = write!(
        h,
        ", per {minutes} minutes. {sessions} calls. A call counts in the interval it entered the queue; an interval is provisional (<i>italic</i>) while a call that may count in it is in progress, and partial (<i>italic</i>) when the stream starts in it.</p>",
    );
}

/// Per queue its charts, then the queue and agent tables and the queues per interval.
fn body(h: &mut String, p: &Page<'_>) {
    let cells_of = |i: usize| -> Vec<(Ts, &QueueInterval)> {
        p.intervals
            .intervals
            .iter()
            .filter_map(|iv| iv.queues.get(i).map(|q| (iv.start, q)))
            .collect()
    };
    for (i, q) in p.queues.iter().enumerate() {
        let name = queue_title(q);
        let _ = write!(
            h,
            "<section class=\"queue\"><h3>{}</h3><div class=\"charts\">",
            esc(&name)
        );
        let cells = cells_of(i);
        volume_chart(h, &format!("{name}: calls per interval"), p.cut, &cells);
        sl_chart(
            h,
            &format!("{name}: service level per interval"),
            p.cut,
            &cells,
        );
        h.push_str("</div></section>");
    }
    h.push_str("<h2>Queues</h2>");
    table(h, QUEUE_TABLE, p.queues, |_| "");
    h.push_str("<h2>Agents</h2>");
    table(h, AGENT_TABLE, p.agents, |_| "");
    h.push_str("<h2>Queues per interval</h2>");
    let rows: Vec<Row<QueueInterval>> = rows(p.cut, p.intervals, |i| &i.queues);
    table(h, INTERVAL_TABLE, &rows, |r| match r.state() {
        "final" => "",
        state => state,
    });
}

/// The page's end.
fn foot(h: &mut String) {
    h.push_str("<p class=\"period\">Made by calltop from the telephony events it recorded.</p></body></html>\n");
}
