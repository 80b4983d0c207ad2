//! The queues view (`Q`): one row per call queue with its figures since the window's
//! start (see `core::center` for each definition); Enter opens one queue: its waiting
//! calls (oldest first) and its agents. The overview's queue strip is the same table.

use super::agents::{title, AgentTable};
use super::cells::{col_table, fit, hms, layout_cols, or_dash, row_style, Col};
use crate::core::center::{Queue, Staff, Waiting};
use crate::core::{clock, clock_bound, Center, SessionStore};
use crate::tui::rows::{agent_name, queue_agents, queue_name, queue_rows};
use crate::tui::state::{Mode, UiState};
use crate::tui::theme::{alert_glyph, row_mark, Level};
use crate::wire::Ts;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph};
use ratatui::Frame;

pub use crate::tui::state::wait_level;

/// How many callers wait in `q`: `≥N` while callers waiting since before calltop
/// joined may still be unseen ([`Center::waiting_complete`]).
pub fn waiting_count(c: &Center, q: &Queue, now: Ts) -> String {
    let n = c.waiting_count(q);
    if c.waiting_complete(q, now) {
        n.to_string()
    } else {
        format!("≥{n}")
    }
}

/// Service level as a whole percentage, `—` without calls.
pub fn sl_text(q: &Queue) -> String {
    or_dash(q.service_level_pct().map(|p| format!("{p:.0}%")))
}

/// What one queue row says.
struct QueueRow {
    level: Level,
    /// An alarm is in force: the whole row in the alarm colour.
    alarm: bool,
    cells: Vec<String>,
}

const COLS: [Col; 13] = [
    Col::fixed("", 2, 10),
    Col::new("Queue", 16, 24, 10),
    Col::fixed("Wait", 4, 10),
    Col::new("Oldest", 6, 7, 10),
    Col::fixed("Offer", 5, 8),
    Col::fixed("Ans", 4, 8),
    Col::fixed("Aband", 5, 8),
    Col::fixed("VM/Ovf", 6, 3),
    Col::new("SL", 4, 5, 9),
    Col::new("ASA", 5, 6, 7),
    Col::fixed("AbWait", 6, 2),
    Col::fixed("Av/Call/Off", 11, 6),
    // Only on a board over several accounts (the last column).
    Col::new("Account", 7, 18, 9),
];

/// The accounts of a board over several (each gets a totals row, and the rows an
/// Account column); none otherwise.
fn several_accounts(c: &Center) -> Vec<&str> {
    Some(c.accounts())
        .filter(|a| a.len() > 1)
        .unwrap_or_default()
}

/// The totals row of `account`'s queues (`None`: every queue): waiting callers and the
/// oldest wait now, the counts, and the service level and averages over their calls.
fn total_row(c: &Center, account: Option<&str>, now: Ts) -> QueueRow {
    let mine = |q: &&Queue| account.is_none_or(|a| q.account.as_deref() == Some(a));
    let all = c.together(c.queues().filter(mine), now);
    let f = &all.figures;
    QueueRow {
        level: Level::Normal,
        alarm: false,
        cells: vec![
            String::new(),
            format!("Σ {}", account.unwrap_or("all accounts")),
            match all.waiting_bound {
                true => format!("≥{}", all.waiting),
                false => all.waiting.to_string(),
            },
            all.oldest_ms
                .map_or_else(|| "—".into(), |ms| clock_bound(ms, all.oldest_bound)),
            f.offered.to_string(),
            f.answered.to_string(),
            f.abandoned.to_string(),
            format!("{}/{}", f.voicemail, f.overflow),
            or_dash(all.sl.map(|p| format!("{p:.0}%"))),
            or_dash(f.avg_answer_wait_ms().map(|ms| clock(ms as i64))),
            or_dash(f.avg_abandon_wait_ms().map(|ms| clock(ms as i64))),
            String::new(),
            account.unwrap_or("all").to_string(),
        ],
    }
}

/// The totals rows under the queues of a board over several accounts: each account's,
/// then all of them.
fn total_rows(c: &Center, now: Ts) -> Vec<QueueRow> {
    let accounts = several_accounts(c);
    if accounts.is_empty() {
        return Vec::new();
    }
    let each = accounts.iter().map(|a| total_row(c, Some(a), now));
    each.chain([total_row(c, None, now)]).collect()
}

fn queue_row(c: &Center, q: &Queue, ui: &UiState, now: Ts, several: bool) -> QueueRow {
    let f = &q.figures;
    let oldest = q.oldest_wait_ms(now);
    let alarm = ui.feed.alarmed(&q.id);
    let level = match () {
        _ if alarm => Level::Crit,
        _ if q.waiting.is_empty() => Level::Normal,
        _ => wait_level(q, oldest),
    };
    let Staff {
        available,
        on_call,
        not_accepting,
        busy,
    } = c.staff(q);
    let name = match &q.extension_number {
        Some(x) if q.name.is_some() => format!("{} {x}", queue_name(q)),
        _ => queue_name(q),
    };
    let mut row = QueueRow {
        level,
        alarm,
        cells: vec![
            String::new(),
            name,
            waiting_count(c, q, now),
            match c.oldest_wait(q, now) {
                None => "—".into(),
                Some((ms, bound)) => clock_bound(ms, bound),
            },
            f.offered.to_string(),
            f.answered.to_string(),
            f.abandoned.to_string(),
            format!("{}/{}", f.voicemail, f.overflow),
            sl_text(q),
            or_dash(f.avg_answer_wait_ms().map(|ms| clock(ms as i64))),
            or_dash(f.avg_abandon_wait_ms().map(|ms| clock(ms as i64))),
            // Members and their availability come with the first load, and are not known
            // while the calls in progress load again after an outage.
            if ui.staff_unknown() {
                "—".to_string()
            } else {
                format!("{available}/{on_call}/{}", not_accepting + busy)
            },
        ],
    };
    if several {
        row.cells.push(or_dash(q.account.clone()));
    }
    row
}

/// The rows of a queue table: all of them, the first shown, the selected one.
type Shown<'a, 'b> = (&'a [&'b Queue], usize, Option<usize>);

/// A queue table of `rows` in `area` from row `start`, with the selected row marked.
fn queue_table(
    frame: &mut Frame,
    area: Rect,
    c: &Center,
    (rows, start, cursor): Shown,
    title: Line<'static>,
    ui: &UiState,
    now: Ts,
) {
    let t = ui.theme();
    let totals = total_rows(c, now);
    let several = !totals.is_empty();
    let h = (area.height.saturating_sub(2) as usize).saturating_sub(totals.len());
    let end = (start + h).min(rows.len());
    let built: Vec<QueueRow> = rows[start..end]
        .iter()
        .map(|q| queue_row(c, q, ui, now, several))
        .collect();
    let shown = built.len();
    let built: Vec<QueueRow> = built.into_iter().chain(totals).collect();
    let mut cols = COLS.to_vec();
    if !several {
        cols.pop();
    }
    cols[1].full = built
        .iter()
        .map(|r| r.cells[1].chars().count())
        .max()
        .unwrap_or(10)
        .clamp(16, 28);
    if several {
        // An account id shows whole or not at all.
        let widest = built.iter().map(|r| r.cells[12].chars().count()).max();
        let account = &mut cols[12];
        account.min = widest.unwrap_or(account.min).max(account.min);
        account.full = account.full.max(account.min);
    }
    let widths = layout_cols(area.width, &cols);
    let table_rows = built
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let selected = i < shown && cursor == Some(start + i);
            let mark = row_mark(selected, alert_glyph(r.level));
            // A cell cut to its column shows it with an ellipsis (an account id too).
            let w = |k: usize| widths.get(k).copied().flatten().unwrap_or(0);
            let cells: Vec<Cell> = r
                .cells
                .into_iter()
                .enumerate()
                .map(|(k, text)| match k {
                    0 => Cell::from(Span::styled(mark.clone(), t.level(r.level))),
                    3 => Cell::from(Span::styled(fit(&text, w(k)), t.level(r.level))),
                    _ => Cell::from(fit(&text, w(k))),
                })
                .collect();
            let row = if r.alarm { Level::Crit } else { Level::Normal };
            (cells, row_style(ui, selected, row))
        })
        .collect();
    frame.render_widget(col_table(&cols, &widths, table_rows, title, ui), area);
    if rows.is_empty() {
        let msg = match () {
            _ if !ui.view.filter.is_empty() => "no queues match the filter",
            _ if ui.config.mode == Mode::Replay => "no call queues in this recording",
            _ if ui.seeding() => "loading the directory…",
            _ => "no call queues known yet (the directory loads at start)",
        };
        if area.height > 2 {
            frame.render_widget(
                Paragraph::new(Span::styled(msg, t.dim())),
                Rect::new(area.x + 2, area.y + 2, area.width.saturating_sub(2), 1),
            );
        }
    }
}

/// The queues view: the list, or the open queue's detail.
pub fn render(frame: &mut Frame, area: Rect, store: &SessionStore, ui: &UiState, now: Ts) {
    let c = store.center();
    if let Some(q) = ui.view.open_queue.as_deref().and_then(|id| c.queue(id)) {
        return detail(frame, area, store, q, ui, now);
    }
    let rows = queue_rows(c, &ui.view.filter);
    let title = title(ui, c, "Queues", rows.len(), c.queues().count());
    let cur = &ui.view.queues;
    let shown = (&rows[..], cur.offset, Some(cur.cursor));
    // The trends under the table, when both fit whole (the table all its rows).
    let totals = several_accounts(c).len();
    let table_h = (rows.len() + totals + usize::from(totals > 0)) as u16 + 2;
    let trends = super::trend::table_size(c.intervals(), rows.len())
        .filter(|&(h, w)| !rows.is_empty() && table_h + h <= area.height && w <= area.width);
    let Some((trend_h, _)) = trends else {
        return queue_table(frame, area, c, shown, title, ui, now);
    };
    let [table, trend, _] = Layout::vertical([
        Constraint::Length(table_h),
        Constraint::Length(trend_h),
        Constraint::Min(0),
    ])
    .areas(area);
    queue_table(frame, table, c, shown, title, ui, now);
    if let Some(iv) = c.intervals() {
        super::trend::render_table(frame, trend, c, iv, &rows, ui, now);
    }
}

/// The overview's strip: the queues, those with calls waiting first.
pub fn render_strip(frame: &mut Frame, area: Rect, store: &SessionStore, ui: &UiState, now: Ts) {
    let c = store.center();
    let mut rows = queue_rows(c, "");
    rows.sort_by_key(|q| std::cmp::Reverse((c.waiting_count(q), c.oldest_known_ms(q, now))));
    // The busiest that fit above the totals rows (several accounts).
    let totals = match several_accounts(c).len() {
        0 => 0,
        n => n + 1,
    };
    let fit = (area.height.saturating_sub(2) as usize).saturating_sub(totals);
    let title = title(ui, c, "Queues", rows.len().min(fit), rows.len());
    queue_table(frame, area, c, (&rows, 0, None), title, ui, now);
}

/// One waiting caller: how long, since when, who, whom it rings now.
fn waiting_line(
    store: &SessionStore,
    q: &Queue,
    w: &Waiting,
    width: u16,
    ui: &UiState,
    now: Ts,
) -> Line<'static> {
    let t = ui.theme();
    let c = store.center();
    let ms = w.entered.millis_until(now).max(0);
    let level = wait_level(q, ms);
    let caller = store
        .get(&w.session)
        .and_then(|s| s.caller().map(|p| p.from.label()))
        .unwrap_or_else(|| w.session.clone());
    let joined = if w.joined {
        " (waiting when calltop joined)"
    } else {
        ""
    };
    // Who it rings now and for how long: the caller's side of "nobody answers".
    let offers: Vec<String> = c
        .offered_to(&w.session)
        .into_iter()
        .map(|(a, call)| {
            let ms = call.since.millis_until(now).max(0);
            format!("{} {}", agent_name(a), clock_bound(ms, call.since_unseen))
        })
        .collect();
    let offered = match offers.is_empty() {
        true => "  not ringing an agent".to_string(),
        false => format!("  rings {}", offers.join(", ")),
    };
    let room = width.saturating_sub(30) as usize;
    let caller = fit(
        &caller,
        room.min(room.saturating_sub(offered.chars().count()).max(room / 2)),
    );
    let rest = room.saturating_sub(caller.chars().count());
    Line::from(vec![
        Span::styled(format!(" {} ", alert_glyph(level)), t.level(level)),
        Span::styled(format!("{:>7} ", clock_bound(ms, w.bound)), t.level(level)),
        Span::raw(format!(
            "{} {} ",
            if w.bound { "seen at" } else { "since" },
            hms(ui, w.entered)
        )),
        Span::raw(caller),
        Span::styled(fit(&offered, rest), t.dim()),
        Span::styled(joined, t.dim()),
    ])
}

/// One queue: its figures, its waiting calls (oldest first), its agents.
fn detail(frame: &mut Frame, area: Rect, store: &SessionStore, q: &Queue, ui: &UiState, now: Ts) {
    let t = ui.theme();
    let c = store.center();
    let waiting_rows = (q.waiting.len() as u16).max(1) + 2;
    let [head, waiting, agents] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(waiting_rows.min(area.height.saturating_sub(6) / 2)),
        Constraint::Min(3),
    ])
    .areas(area);
    // The figures in one table row.
    let title = Line::from(vec![
        Span::styled(format!(" Queue {} ", queue_name(q)), t.title()),
        Span::styled(format!("SLA {} ", clock(q.sla.threshold_ms)), t.dim()),
        Span::styled("Esc: all queues ", t.dim()),
    ]);
    queue_table(frame, head, c, (&[q], 0, None), title, ui, now);
    // Waiting calls, oldest first.
    let mut list: Vec<_> = c.waiting_in(q).collect();
    list.sort_by_key(|w| w.entered);
    let mut lines = vec![Line::from(Span::styled(
        format!(" Waiting {} (oldest first) ", list.len()),
        t.title(),
    ))];
    let room = waiting.height.saturating_sub(1) as usize;
    // What does not fit is counted on the last line, never cut silently.
    let shown = if list.len() > room {
        room.saturating_sub(1)
    } else {
        room
    };
    for w in list.iter().take(shown) {
        lines.push(waiting_line(store, q, w, area.width, ui, now));
    }
    if list.len() > shown {
        let more = format!("  +{} more waiting", list.len() - shown);
        lines.push(Line::from(Span::styled(more, t.dim())));
    }
    if list.is_empty() {
        lines.push(Line::from(Span::styled("  no calls waiting", t.dim())));
    }
    let doubted = q.waiting.len() - list.len();
    if doubted > 0 && lines.len() <= room {
        let text = format!("  +{doubted} held from before the outage, not heard of since");
        lines.push(Line::from(Span::styled(text, t.dim())));
    }
    if !c.waiting_complete(q, now) && lines.len() <= room {
        lines.push(Line::from(Span::styled(
            "  callers queued before calltop joined or in an outage show once offered",
            t.dim(),
        )));
    }
    frame.render_widget(Paragraph::new(lines), waiting);
    // Its agents.
    let queues = ui.agent_queues(store);
    let members: Vec<&str> = queue_agents(c, q)
        .into_iter()
        .map(|a| a.id.as_str())
        .collect();
    let title = title_members(ui, q, members.len());
    let table = AgentTable {
        center: c,
        info: &queues,
        member_of: Some(q),
        cursor: Some(&ui.view.members),
    };
    table.render(frame, agents, &members[..], title, ui, now);
}

fn title_members(ui: &UiState, q: &Queue, n: usize) -> Line<'static> {
    let t = ui.theme();
    Line::from(vec![
        Span::styled(format!(" Agents of {} {n} ", queue_name(q)), t.title()),
        Span::styled("o: take / stop taking its calls ", t.dim()),
    ])
}
