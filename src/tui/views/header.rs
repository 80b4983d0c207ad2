//! The header: mode, source, connection, rates, counts, figures, replay progress.

use super::cells::hms;
use crate::core::zone::Zone;
use crate::core::{clock, SessionStore, Summary};
use crate::source::replay::ReplayStatus;
use crate::source::ConnState;
use crate::tui::state::{Mode, UiState};
use crate::tui::theme::{Level, Theme};
use crate::wire::Ts;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// One header item: its spans and its priority (the lowest is dropped first when the
/// line is too narrow; an item is dropped whole, never cut), and a shorter form it takes
/// before anything is dropped (the connection without its reason).
struct Item {
    spans: Vec<Span<'static>>,
    prio: u8,
    short: Option<Vec<Span<'static>>>,
}

/// Items shown together after an optional label (`now: …`, `ended: …`), ` · `-separated.
struct Group {
    label: std::borrow::Cow<'static, str>,
    items: Vec<Item>,
}

fn item(prio: u8, spans: Vec<Span<'static>>) -> Item {
    Item {
        spans,
        prio,
        short: None,
    }
}

fn group(label: impl Into<std::borrow::Cow<'static, str>>, items: Vec<Item>) -> Group {
    Group {
        label: label.into(),
        items,
    }
}

/// Lays groups out on one line of `width` columns, dropping the lowest-priority items
/// (the rightmost first among equals) until the line fits; an item with a short form
/// takes it instead of being dropped, the first time its turn comes.
fn fit_line(mut groups: Vec<Group>, width: usize, ui: &UiState) -> Line<'static> {
    let t = ui.theme();
    let build = |groups: &[Group]| {
        let mut spans: Vec<Span<'static>> = Vec::new();
        for (gi, g) in groups.iter().filter(|g| !g.items.is_empty()).enumerate() {
            if gi > 0 {
                spans.push(Span::styled(" │ ", t.dim()));
            }
            if !g.label.is_empty() {
                spans.push(Span::styled(format!("{}: ", g.label), t.dim()));
            }
            for (i, it) in g.items.iter().enumerate() {
                if i > 0 {
                    spans.push(Span::styled(" · ", t.dim()));
                }
                spans.extend(it.spans.iter().cloned());
            }
        }
        Line::from(spans)
    };
    loop {
        let line = build(&groups);
        if line.width() <= width {
            return line;
        }
        let lowest = groups
            .iter()
            .enumerate()
            .flat_map(|(g, gr)| {
                gr.items
                    .iter()
                    .enumerate()
                    .map(move |(i, it)| (it.prio, g, i))
            })
            .min_by(|a, b| a.0.cmp(&b.0).then((b.1, b.2).cmp(&(a.1, a.2))));
        let Some((prio, g, i)) = lowest else {
            return line;
        };
        // An item of that priority with a short form takes it before any is dropped.
        match groups
            .iter_mut()
            .flat_map(|g| g.items.iter_mut())
            .find(|it| it.prio == prio && it.short.is_some())
        {
            Some(it) => it.spans = it.short.take().unwrap_or_default(),
            None => {
                groups[g].items.remove(i);
            }
        }
    }
}

/// Draws the header.
pub fn render(frame: &mut Frame, area: Rect, store: &SessionStore, ui: &UiState, now: Ts) {
    let w = area.width as usize;
    let sum = ui.summary(store, now);
    let known = !nothing_heard(ui, &sum);
    let mut lines = vec![
        fit_line(status_line(ui, now), w, ui),
        fit_line(counts_line(store, &sum, known, ui), w, ui),
        fit_line(figures_line(&sum, known, ui.theme()), w, ui),
    ];
    if let Some(r) = &ui.feed.replay {
        lines.push(progress(r, now, area.width, ui));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// The mode's badge: `LIVE`, `DEMO`, or the replay's speed and state.
fn mode_label(ui: &UiState) -> String {
    match ui.config.mode {
        Mode::Live => "LIVE".to_string(),
        Mode::Demo => "DEMO".to_string(),
        Mode::Replay => match &ui.feed.replay {
            Some(r) => {
                let state = if r.paused {
                    " PAUSED"
                } else if r.done() {
                    " END"
                } else {
                    ""
                };
                let follow = if r.follow { " FOLLOW" } else { "" };
                format!("REPLAY ×{}{state}{follow}", r.speed.label())
            }
            None => "REPLAY".to_string(),
        },
    }
}

/// The first line: mode, account, connection, staleness, alarms, rate, lag, clock.
fn status_line(ui: &UiState, now: Ts) -> Vec<Group> {
    let t = ui.theme();
    let mut l1 = vec![item(
        9,
        vec![
            Span::styled("calltop ", t.title()),
            Span::styled(format!(" {} ", mode_label(ui)), t.button_focused()),
        ],
    )];
    if !ui.config.account.is_empty() {
        l1.push(item(2, vec![Span::raw(ui.config.account.clone())]));
    }
    if let Some(c) = &ui.feed.conn {
        let (text, level) = connection(c, ui.feed.wall);
        // Narrow: the state and its countdown, not the reason (the log has it).
        let short = c
            .headline(ui.feed.wall)
            .map(|h| vec![Span::styled(h, t.level(level))]);
        l1.push(Item {
            short,
            ..item(8, vec![Span::styled(text, t.level(level))])
        });
    }
    if let Some(since) = ui.feed.stale_since {
        let out = since.millis_until(ui.feed.wall).max(0);
        let text = format!("data as of {} · offline {}", hms(ui, since), clock(out));
        let short = format!("as of {}", hms(ui, since));
        l1.push(Item {
            short: Some(vec![Span::styled(short, t.level(Level::Crit))]),
            ..item(8, vec![Span::styled(text, t.level(Level::Crit))])
        });
    }
    if !ui.feed.alarms.is_empty() {
        let n = ui.feed.alarms.len();
        let list: Vec<String> = ui
            .feed
            .alarms
            .values()
            .map(|c| format!("{} {}", c.queue_label(), c.key.kind.words()))
            .collect();
        let text = format!("⚠ ALARM {}", list.join(", "));
        let short = format!("⚠ {n} ALARM{}", if n == 1 { "" } else { "S" });
        l1.push(Item {
            short: Some(vec![Span::styled(short, t.level(Level::Crit))]),
            ..item(9, vec![Span::styled(text, t.level(Level::Crit))])
        });
    }
    // No rate while nothing can come: not the last one, frozen.
    let rate = match ui.feed.stale_since {
        Some(_) => "— ev/s".to_string(),
        None => format!("{:.1} ev/s", ui.feed.rate.per_sec()),
    };
    l1.push(item(4, vec![Span::raw(rate)]));
    if let Some(lag) = ui.feed.lag_ms {
        // Below zero: the platform's clock runs ahead of ours; no event comes early.
        l1.push(item(3, vec![Span::raw(format!("lag {}ms", lag.max(0)))]));
    }
    // Live, the clock is the wall's (it runs on while the data is stale); a replay's is
    // the recording's.
    let clock_now = if ui.config.mode == Mode::Replay {
        now
    } else {
        ui.feed.wall
    };
    let clock_text = match stream_hms(ui.config.zone, clock_now) {
        Some(h) => format!("{h} {}", ui.config.zone.abbreviation(clock_now)),
        None => "—".into(),
    };
    l1.push(item(7, vec![Span::styled(clock_text, t.dim())]));
    l1.into_iter().map(|i| group("", vec![i])).collect()
}

/// A live board that has heard nothing yet (never connected, no event, no call from a
/// snapshot): its counts are not known, not zero (a board started while the platform
/// refused it showed `0 calls`).
fn nothing_heard(ui: &UiState, sum: &Summary) -> bool {
    ui.config.mode != Mode::Replay
        && ui.feed.stale_since.is_none()
        && !ui.feed.conn.as_ref().is_some_and(ConnState::is_live)
        && sum.counters.events == 0
        && sum.totals.sessions == 0
}

/// A count (`—` when not known) and its label, coloured at `level` when not zero.
fn count(t: &Theme, prio: u8, v: Option<u64>, label: &str, level: Level) -> Item {
    let (text, style) = match v {
        Some(v) => (v.to_string(), if v > 0 { t.level(level) } else { t.text() }),
        None => ("—".to_string(), t.dim()),
    };
    item(
        prio,
        vec![
            Span::styled(text, style),
            Span::styled(format!(" {label}"), t.dim()),
        ],
    )
}

/// `ended`, or `ended since yesterday 14:01` when calltop heard from before the views'
/// period (a board running past midnight): the calls it saw end are counted since then,
/// not over the period the agents and queues show.
fn ended_label(store: &SessionStore, ui: &UiState) -> String {
    let c = store.center();
    let (Some((from, _)), Some(heard)) = (c.counted_from(), c.watching_since()) else {
        return "ended".into();
    };
    if heard >= from {
        return "ended".into();
    }
    let zone = ui.config.zone;
    let date = zone.date(heard);
    let day = match date == zone.date(from.plus_millis(-1)) {
        true => "yesterday".to_string(),
        false => date,
    };
    format!("ended since {day} {}", zone.hm(heard))
}

/// The second line: calls now (`last known` while the data is stale, `≥` while they
/// load), calls ended, outage losses, the call-log join, event counters (`—` while
/// nothing was heard).
fn counts_line(store: &SessionStore, sum: &Summary, known: bool, ui: &UiState) -> Vec<Group> {
    let t = ui.theme();
    let tot = &sum.totals;
    let n = |prio: u8, v: u64, label: &str, level: Level| {
        count(t, prio, known.then_some(v), label, level)
    };
    let calls = if sum.active == 1 { "call" } else { "calls" };
    // While the calls in progress load (at start, after an outage), one not loaded yet
    // may be in any state: what is known is a lower bound.
    let loading = ui.staff_unknown();
    let now_n = |prio: u8, v: u64, label: &str, level: Level| {
        let mut it = n(prio, v, label, level);
        if loading && known {
            it.spans.insert(0, Span::styled("≥", t.dim()));
        }
        it
    };
    let mut l2 = vec![
        group(
            match ui.feed.stale_since {
                Some(_) => "last known",
                None => "now",
            },
            vec![
                now_n(9, sum.active, calls, Level::Normal),
                now_n(9, sum.ringing, "ringing", Level::Warn),
                now_n(8, sum.on_hold, "on hold", Level::Normal),
                now_n(8, sum.parked_now, "parked", Level::Normal),
            ],
        ),
        group(
            ended_label(store, ui),
            vec![
                n(7, tot.outcomes.answered, "answered", Level::Ok),
                n(7, tot.outcomes.missed, "missed", Level::Crit),
                n(5, tot.outcomes.voicemail, "voicemail", Level::Normal),
                n(4, tot.outcomes.transferred, "transferred", Level::Normal),
                n(4, tot.outcomes.parked, "parked", Level::Normal),
                n(6, tot.outcomes.abandoned, "abandoned", Level::Normal),
            ],
        ),
    ];
    let unseen = sum.counters.ended_in_outage;
    let doubted = store.center().doubted_count() as u64;
    if unseen + doubted > 0 {
        let mut items = Vec::new();
        if doubted > 0 {
            // Calls held since before an outage, not heard of since (center/doubt.rs).
            items.push(n(8, doubted, "unchecked", Level::Warn));
        }
        if unseen > 0 {
            // Calls held before an outage that ended during it, whatever they showed last.
            items.push(n(5, unseen, "ended unseen", Level::Warn));
        }
        l2.push(group("outage", items));
    }
    let joins = store.outcomes().counts();
    if joins.joined + joins.missing + joins.voicemail_unknown > 0 {
        let mut items = vec![
            n(3, joins.joined, "joined", Level::Normal),
            n(3, joins.disagreements, "disagree", Level::Warn),
            n(2, joins.missing, "no record", Level::Normal),
        ];
        if joins.voicemail_unknown > 0 {
            // Voicemail notifications no joined call names (yet).
            items.push(n(2, joins.voicemail_unknown, "vm no call", Level::Warn));
        }
        l2.push(group("platform", items));
    }
    let c = &sum.counters;
    if c.stale + c.duplicate + c.malformed > 0 {
        l2.push(group(
            "events",
            vec![
                n(3, c.stale, "stale", Level::Warn),
                n(3, c.duplicate, "duplicate", Level::Normal),
                n(3, c.malformed, "malformed", Level::Warn),
            ],
        ));
    }
    l2
}

/// The third line: ring, talk and hold averages and maxima over the calls that had any
/// (`—` while none had, or nothing was heard), and the event count.
fn figures_line(sum: &Summary, known: bool, t: &Theme) -> Vec<Group> {
    let clock = |ms: Option<i64>| match ms {
        Some(ms) if known => clock(ms),
        _ => "—".to_string(),
    };
    let tot = &sum.totals;
    let fig = |prio: u8, label: &str, s: &crate::core::Stat| {
        group(
            "",
            vec![item(
                prio,
                vec![
                    Span::styled(format!("{label} avg "), t.dim()),
                    Span::raw(clock(s.avg_ms())),
                    Span::styled(" max ", t.dim()),
                    Span::raw(clock(s.max())),
                ],
            )],
        )
    };
    vec![
        fig(6, "ring", &tot.ring),
        fig(6, "talk", &tot.talk),
        fig(5, "hold", &tot.hold),
        group(
            "",
            vec![item(
                4,
                vec![Span::styled(
                    match known {
                        true => format!("{} events", sum.counters.events),
                        false => "— events".to_string(),
                    },
                    t.dim(),
                )],
            )],
        ),
    ]
}

/// The header's words for a connection state, with the retry countdown.
pub fn connection(c: &ConnState, now: Ts) -> (String, Level) {
    match c {
        ConnState::Connecting => ("connecting…".into(), Level::Warn),
        ConnState::Live => ("● live".into(), Level::Ok),
        ConnState::Recovering => ("recovering…".into(), Level::Warn),
        ConnState::Recovered => ("● live (recovered)".into(), Level::Ok),
        ConnState::Resubscribed => ("● live (resubscribed)".into(), Level::Ok),
        ConnState::Offline { .. } => (c.describe(now), Level::Crit),
        ConnState::Failed(m) => (format!("failed: {m}"), Level::Crit),
    }
}

/// A stream time of day, `None` for a stream without any time (a replay of values that
/// carry none runs on the clock's zero).
fn stream_hms(zone: Zone, t: Ts) -> Option<String> {
    (t != Ts(0)).then(|| zone.hms(t))
}

/// The progress line's labels around the bar, and the bar's width.
fn progress_parts(zone: Zone, r: &ReplayStatus, now: Ts, width: u16) -> (String, String, usize) {
    let hms = |t| stream_hms(zone, t).unwrap_or_else(|| "—".into());
    let left = format!("{} ", hms(now));
    let mut right = match (r.total, r.indexing) {
        (Some(total), _) => format!(" {}  {}/{total} events", hms(r.end), r.applied),
        (None, Some(p)) => format!(" {}…  {} events · indexing {p}%", hms(r.end), r.applied),
        (None, None) => format!(" {}  {} events", hms(r.end), r.applied),
    };
    if r.waiting {
        right.push_str(" · jump waits for the index");
    }
    let bar_w = (width as usize).saturating_sub(left.chars().count() + right.chars().count());
    (left, right, bar_w)
}

/// The stream time under column `x` of the progress bar, if `x` is on it.
pub fn progress_time_at(zone: Zone, r: &ReplayStatus, now: Ts, width: u16, x: u16) -> Option<Ts> {
    let (left, _, bar_w) = progress_parts(zone, r, now, width);
    let col = (x as usize).checked_sub(left.chars().count())?;
    if col >= bar_w {
        return None;
    }
    let span = r.start.millis_until(r.end) as i128;
    let ms = span * (2 * col as i128 + 1) / (2 * bar_w as i128);
    Some(r.start.plus_millis(ms as i64))
}

/// The replay progress bar with stream time.
fn progress(r: &ReplayStatus, now: Ts, width: u16, ui: &UiState) -> Line<'static> {
    let t = ui.theme();
    let (left, right, bar_w) = progress_parts(ui.config.zone, r, now, width);
    let span = r.start.millis_until(r.end).max(1);
    let done = r.start.millis_until(now).min(span);
    let filled = if r.done() {
        bar_w
    } else {
        (bar_w as i64 * done / span) as usize
    };
    Line::from(vec![
        Span::styled(left, t.dim()),
        Span::styled("━".repeat(filled), t.bar()),
        Span::styled("─".repeat(bar_w - filled.min(bar_w)), t.dim()),
        Span::styled(right, t.dim()),
    ])
}
