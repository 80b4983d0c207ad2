//! The sessions table: one row per active session; only the visible rows are built.

use super::cells::{col_table, endpoint_min, fit, fit_endpoint, layout_cols, Col};
use crate::core::party::EndpointState;
use crate::core::{clock, clock_bound, Center, Session, SessionStore};
use crate::tui::rows::{call_agent, call_queue};
use crate::tui::state::UiState;
use crate::tui::theme::{alert_glyph, state_glyph, Level};
use crate::wire::{Direction, Ts};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Cell;
use ratatui::Frame;

/// What one visible row needs, before the columns are sized.
struct RowText<'a> {
    session: &'a Session,
    from: &'a EndpointState,
    to: &'a EndpointState,
    queue: String,
    /// Who answered (`—` while nobody has).
    agent: String,
    parties: Vec<Span<'static>>,
    /// Recording, mute and park orbit of the parties still on the call.
    marks: String,
    /// Held since before an outage and not heard of since: drawn dim.
    doubted: bool,
    level: Level,
    marker: String,
    timer: String,
    total: String,
    /// The call's account (`—`: not known).
    account: String,
}

impl RowText<'_> {
    fn parties_width(&self) -> usize {
        self.parties.iter().map(|s| s.content.chars().count()).sum()
    }
}

/// The board's columns for the visible rows, each never wider than its widest cell:
/// the fixed ones (marker, direction, timer, total, the account on a board over several
/// accounts), then Parties (cut, when short, to 24 or less), the From and To numbers
/// (cut when short), the agent's first letters, the rest of Parties, the queue's first
/// letters, then the names, queue and agent share the room left; the marks (recording,
/// mute, park orbit) only whole, in what is left after everything else.
fn board_cols(rows: &[RowText], several: bool) -> [Col; 11] {
    let need =
        |f: &dyn Fn(&RowText) -> usize, min: usize| rows.iter().map(f).max().unwrap_or(0).max(min);
    let parties = need(&|r| r.parties_width(), 7);
    let queue = need(&|r| r.queue.chars().count(), 0).min(24);
    let agent = need(&|r| r.agent.chars().count(), 0).min(24);
    let marks = need(&|r| r.marks.chars().count(), 0);
    let fixed = |header: &'static str, f: &dyn Fn(&RowText) -> usize| {
        Col::fixed(header, need(f, header.len()), 10)
    };
    // Every column but the marks (the one at priority 0) keeps its gap when left out.
    let cols = [
        Col::fixed("", 2, 10),
        Col::fixed("Dir", 3, 10),
        Col::new(
            "From",
            need(&|r| endpoint_min(r.from), 4),
            need(&|r| r.from.label().chars().count(), 4),
            8,
        )
        .squeezed(),
        Col::new(
            "To",
            need(&|r| endpoint_min(r.to), 2),
            need(&|r| r.to.label().chars().count(), 2),
            8,
        )
        .squeezed(),
        Col::new("Queue", queue.min(5), queue, 5),
        Col::new("Agent", agent.min(8), agent, 7),
        Col::new("Parties", parties.min(24), parties, 9)
            .squeezed()
            .grows_at(6),
        Col::fixed("Marks", marks.max("Marks".len()), 0).shown_if(marks > 0),
        fixed("Timer", &|r| r.timer.chars().count()),
        fixed("Total", &|r| r.total.chars().count()),
        fixed("Account", &|r| r.account.chars().count()).shown_if(several),
    ];
    cols.map(|c| if c.prio == 0 { c } else { c.holding_place() })
}

/// Draws the board.
pub fn render(frame: &mut Frame, area: Rect, store: &SessionStore, ui: &UiState, now: Ts) {
    let t = ui.theme();
    let rows = ui.rows(store, now);
    // A call kept on the board after it ended (the one just acted on) is not active.
    let shown = rows.active();
    let title = title_line(ui, shown, ui.summary(store, now).active);
    let h = area.height.saturating_sub(2) as usize;
    let start = ui.view.calls.offset.min(rows.len());
    let visible: Vec<_> = rows.window(start, start + h).collect();
    let texts: Vec<RowText> = visible
        .iter()
        .map(|s| row_text(s, store.center(), ui, now))
        .collect();
    // A board over several accounts: each call's account, in the last column.
    let cols = board_cols(&texts, store.center().accounts().len() > 1);
    let w = layout_cols(area.width, &cols);
    let built: Vec<_> = texts
        .into_iter()
        .enumerate()
        .map(|(i, r)| session_row(r, ui, start + i == ui.view.calls.cursor, &w))
        .collect();
    let table = col_table(&cols, &w, built, title, ui);
    frame.render_widget(table, area);
    if rows.is_empty() {
        let msg = if !ui.view.filter.is_empty() {
            "no calls match the filter".to_string()
        } else if ui.view.state_filter != crate::tui::view::StateFilter::All {
            format!("no {} calls", ui.view.state_filter.label())
        } else {
            "no active calls".to_string()
        };
        let y = area.y + 2;
        if y < area.y + area.height {
            frame.render_widget(
                ratatui::widgets::Paragraph::new(Span::styled(msg, t.dim())),
                Rect::new(area.x + 2, y, area.width.saturating_sub(2), 1),
            );
        }
    }
}

fn title_line(ui: &UiState, shown: usize, active: u64) -> Line<'static> {
    let t = ui.theme();
    let mut spans = vec![Span::styled(format!(" Calls {shown}/{active} "), t.title())];
    let arrow = if ui.view.sort_descending {
        "↓"
    } else {
        "↑"
    };
    spans.push(Span::styled(
        format!("sort {} {arrow} ", ui.view.sort.label()),
        t.dim(),
    ));
    if ui.view.state_filter != crate::tui::view::StateFilter::All {
        spans.push(Span::styled(
            format!("state {} ", ui.view.state_filter.label()),
            t.key(),
        ));
    }
    if !ui.view.filter.is_empty() {
        spans.push(Span::styled(
            format!("filter \"{}\" ", ui.view.filter),
            t.key(),
        ));
    }
    spans.extend(super::cells::stale_span(ui));
    Line::from(spans)
}

/// Marker, alert level and timer of a row: a caller waiting in a queue times its wait
/// there, any other call its target party's time in state (`≥`: a lower bound, the
/// state was under way when calltop joined). A call in doubt ([`Center::doubted`]) is
/// marked `?` and raises no alert: it may have ended unseen, so its timer is not news,
/// and stops, a lower bound, at the outage ([`Center::known_until`]).
fn row_cells(
    s: &Session,
    center: &Center,
    ui: &UiState,
    now: Ts,
    doubted: bool,
) -> (Level, String, String) {
    let level = if doubted {
        Level::Normal
    } else {
        ui.config.thresholds.session_level(s, center, now)
    };
    let marker = if ui.control.pending.contains_key(&s.id) {
        "⧗".to_string()
    } else if doubted {
        DOUBT_MARK.to_string()
    } else {
        alert_glyph(level).to_string()
    };
    // A call in doubt is timed up to the outage, as a lower bound.
    let known = center.known_until(&s.id, now);
    let timer = match center.queued(&s.id) {
        Some((_, w)) => clock_bound(w.entered.millis_until(known), w.bound || doubted),
        None => ui.target_index(s).map_or_else(
            || clock(0),
            |i| {
                let f = s.party_figures(&s.parties[i], known);
                let bound = f.in_state_bound || doubted;
                f.in_state()
                    .map_or_else(|| "—".into(), |ms| clock_bound(ms, bound))
            },
        ),
    };
    (level, marker, timer)
}

fn row_text<'a>(s: &'a Session, center: &Center, ui: &UiState, now: Ts) -> RowText<'a> {
    let t = ui.theme();
    let doubted = center.doubted(&s.id);
    let (level, marker, timer) = row_cells(s, center, ui, now, doubted);
    let caller = s.caller();
    let target = ui.target_index(s);
    let mut parties: Vec<Span> = Vec::new();
    let live: Vec<(usize, &crate::core::PartyState)> = s
        .parties
        .iter()
        .enumerate()
        .filter(|(i, p)| !p.is_terminal() || Some(*i) == target)
        .collect();
    for (k, (i, p)) in live.iter().enumerate() {
        let (g, w) = state_glyph(p.code());
        let mark = if Some(*i) == target && s.parties.len() > 1 {
            "▸"
        } else {
            ""
        };
        let gap = if k + 1 < live.len() { " " } else { "" };
        parties.push(Span::styled(
            format!("{mark}{g} {w}{gap}"),
            t.state(p.code()),
        ));
    }
    let gone = s.parties.len() - live.len();
    if gone > 0 {
        parties.push(Span::styled(format!(" +{gone}✕"), t.dim()));
    }
    let mut marks = call_marks(live.iter().map(|(_, p)| *p));
    if doubted {
        // Held since before an outage, not heard of since: it may have ended unseen.
        marks = [UNCHECKED, &marks].join(if marks.is_empty() { "" } else { " · " });
    }
    static NONE: std::sync::LazyLock<EndpointState> = std::sync::LazyLock::new(Default::default);
    RowText {
        session: s,
        from: caller.map_or(&*NONE, |p| &p.from),
        to: caller.map_or(&*NONE, |p| &p.to),
        queue: call_queue(s, center).unwrap_or_default(),
        agent: call_agent(s, center).unwrap_or_else(|| "—".into()),
        parties,
        marks,
        doubted,
        level,
        marker,
        timer,
        total: s.duration_ms(now).map_or_else(|| "—".into(), clock),
        account: s.account().unwrap_or("—").to_string(),
    }
}

/// The mark of a call in doubt ([`Center::doubted`]).
pub const UNCHECKED: &str = "? unchecked";

/// A call in doubt's row marker: at every width, where the marks column may not fit.
pub(crate) const DOUBT_MARK: &str = "?";

/// What the parties still on a call say besides their state: `⏺ rec` while one is
/// recorded, `muted` while one is muted, `park *801` for the orbit a parked one waits on.
fn call_marks<'a>(parties: impl Iterator<Item = &'a crate::core::PartyState> + Clone) -> String {
    let mut marks: Vec<String> = Vec::new();
    if parties.clone().any(|p| p.recording_active()) {
        marks.push("⏺ rec".into());
    }
    if parties.clone().any(|p| p.muted.get() == Some(&true)) {
        marks.push("muted".into());
    }
    for p in parties.filter(|p| p.code() == Some(&crate::wire::StatusCode::Parked)) {
        if let Some(orbit) = p.park.get().and_then(|k| k.id.as_ref()) {
            marks.push(format!("park {orbit}"));
        }
    }
    marks.join(" · ")
}

fn session_row(
    r: RowText,
    ui: &UiState,
    selected: bool,
    w: &[Option<usize>],
) -> (Vec<Cell<'static>>, Style) {
    let t = ui.theme();
    let s = r.session;
    let (level, marker) = (r.level, &r.marker);
    let marker = crate::tui::theme::row_mark(selected, marker);
    let caller = s.caller();
    // An outside caller (no extension) calling in, or one of ours calling out.
    let dir = match caller {
        Some(p) if p.direction.get() == Some(&Direction::Outbound) => {
            if p.extension_id.get().is_some() || p.from.extension_id.get().is_some() {
                "Out"
            } else {
                "In"
            }
        }
        Some(p) if p.direction.get() == Some(&Direction::Inbound) => "In",
        _ => "?",
    };
    let w = |i: usize| w.get(i).copied().flatten().unwrap_or(0);
    let parties_w = w(6);
    let parties = if r.parties_width() > parties_w {
        let text: String = r.parties.iter().map(|s| s.content.as_ref()).collect();
        Line::from(Span::styled(fit(&text, parties_w), t.state(None)))
    } else {
        Line::from(r.parties)
    };
    // Offline: the rows are as of the drop, not live (no alert colours either).
    let style = super::cells::row_style(ui, selected, level);
    let style = if r.doubted {
        style.patch(t.dim())
    } else {
        style
    };
    let cells = vec![
        Cell::from(Span::styled(marker, t.level(level))),
        Cell::from(dir),
        Cell::from(fit_endpoint(r.from, w(2))),
        Cell::from(fit_endpoint(r.to, w(3))),
        Cell::from(fit(&r.queue, w(4))),
        Cell::from(fit(&r.agent, w(5))),
        Cell::from(parties),
        Cell::from(r.marks),
        Cell::from(r.timer),
        Cell::from(r.total),
        Cell::from(r.account),
    ];
    (cells, style)
}
