//! The wallboard (`W`, `calltop wallboard`): queue figures in large digits, readable
//! across a room — all queues together first, then each queue, those with calls
//! waiting first, as many as the terminal holds.

use super::agents::title;
use super::bigtext;
use super::queues::{sl_text, wait_level};
use crate::core::center::{Queue, QueueFigures};
use crate::core::{Center, SessionStore};
use crate::tui::rows::{queue_name, queue_rows};
use crate::tui::state::UiState;
use crate::tui::theme::Level;
use crate::wire::Ts;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Rows of one panel: labels, the digits, the small figures.
const PANEL: u16 = bigtext::HEIGHT + 2;

/// One big figure of a panel.
struct Big {
    label: &'static str,
    text: String,
    style: Style,
}

/// The figures of one panel (all queues, or one).
struct Panel {
    name: String,
    waiting: usize,
    /// `waiting` is a lower bound (see [`Center::waiting_complete`]).
    waiting_bound: bool,
    oldest_ms: i64,
    /// The oldest wait is only a lower bound (see [`Center::oldest_wait`]).
    oldest_bound: bool,
    wait_level: Level,
    /// An alarm is in force on the queue.
    alarm: bool,
    sl: String,
    figures: QueueFigures,
    staff: String,
    /// The queue's last hour (see [`super::trend`]), when the wallboard shows trends.
    trend: Option<Line<'static>>,
}

/// The agents line of a panel; not known while the first load is under way, or the
/// calls in progress load again after an outage ([`UiState::staff_unknown`]).
fn staff_text(ui: &UiState, known: impl FnOnce() -> String) -> String {
    if ui.staff_unknown() {
        "agents: loading…".to_string()
    } else {
        known()
    }
}

fn panel_of(c: &Center, q: &Queue, ui: &UiState, now: Ts) -> Panel {
    let oldest = c.oldest_known_ms(q, now);
    let waiting_bound = !c.waiting_complete(q, now);
    let s = c.staff(q);
    Panel {
        name: queue_name(q),
        waiting: c.waiting_count(q),
        waiting_bound,
        oldest_ms: oldest,
        oldest_bound: c.oldest_wait(q, now).map_or(waiting_bound, |(_, b)| b),
        wait_level: if c.waiting_count(q) == 0 {
            Level::Normal
        } else {
            wait_level(q, oldest)
        },
        alarm: ui.feed.alarmed(&q.id),
        sl: sl_text(q),
        figures: q.figures,
        trend: None,
        staff: staff_text(ui, || {
            format!(
                "agents {} available · {} on a call · {} not accepting",
                s.available,
                s.on_call,
                s.not_accepting + s.busy
            )
        }),
    }
}

/// All queues together: waiting summed, the oldest wait of any, the service level over
/// every queue's own rule (answered within / its denominator, summed).
fn total(c: &Center, queues: &[&Queue], ui: &UiState, now: Ts) -> Panel {
    let all = c.together(queues.iter().copied(), now);
    let worst = queues
        .iter()
        .filter(|q| !q.waiting.is_empty())
        .map(|q| {
            let ms = q.oldest_wait_ms(now);
            (wait_level(q, ms), ms)
        })
        .max()
        .unwrap_or((Level::Normal, 0));
    let agents: Vec<_> = c.agents().collect();
    let on_call = agents.iter().filter(|a| !a.calls.is_empty()).count();
    Panel {
        name: "All queues".into(),
        waiting: all.waiting,
        waiting_bound: all.waiting_bound,
        oldest_ms: all.oldest_ms.unwrap_or(0),
        oldest_bound: all.oldest_bound,
        wait_level: worst.0,
        alarm: queues.iter().any(|q| ui.feed.alarmed(&q.id)),
        sl: all.sl.map_or_else(|| "—".into(), |p| format!("{p:.0}%")),
        figures: all.figures,
        trend: None,
        staff: staff_text(ui, || {
            format!("agents {} · {on_call} on a call", agents.len())
        }),
    }
}

/// Big digits of a wait: `m:ss` (`h:mm` past an hour, so it stays short).
fn wait_digits(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    if s >= 3600 {
        format!("{}:{:02}", s / 3600, (s / 60) % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

fn draw_panel(frame: &mut Frame, area: Rect, p: &Panel, ui: &UiState) {
    let t = ui.theme();
    let stale = ui.feed.stale_since.is_some();
    let lvl = |l: Level| if stale { t.dim() } else { t.level(l) };
    let bigs = [
        Big {
            label: if p.waiting_bound {
                "waiting (at least)"
            } else {
                "waiting"
            },
            text: p.waiting.to_string(),
            style: lvl(if p.waiting > 0 {
                p.wait_level
            } else {
                Level::Normal
            }),
        },
        Big {
            label: if p.oldest_bound {
                "oldest wait ≥"
            } else {
                "oldest wait"
            },
            // Nobody known to wait while some may be unseen: the oldest wait is unknown.
            text: if p.oldest_bound && p.waiting == 0 {
                "—".into()
            } else {
                wait_digits(p.oldest_ms)
            },
            style: lvl(p.wait_level),
        },
        Big {
            label: "service level",
            text: p.sl.clone(),
            style: lvl(if p.alarm { Level::Crit } else { Level::Normal }),
        },
        Big {
            label: "answered",
            text: p.figures.answered.to_string(),
            style: lvl(Level::Ok),
        },
        Big {
            label: "abandoned",
            text: p.figures.abandoned.to_string(),
            style: lvl(if p.figures.abandoned > 0 {
                Level::Warn
            } else {
                Level::Normal
            }),
        },
    ];
    // The name on the left (13 columns), then the figures while they fit.
    let mut x = area.x + 14.min(area.width);
    let buf = frame.buffer_mut();
    let mut shown = Vec::new();
    for b in &bigs {
        let w = bigtext::width(&b.text).max(b.label.len() as u16) + 3;
        if x + w > area.right() {
            break;
        }
        bigtext::draw(
            buf,
            Rect::new(x, area.y + 1, w, bigtext::HEIGHT),
            &b.text,
            b.style,
        );
        shown.push((x, b.label));
        x += w;
    }
    for (x, label) in shown {
        buf.set_string(x, area.y, label, t.dim());
    }
    let name = if p.alarm {
        format!("⚠ {}", p.name)
    } else {
        p.name.clone()
    };
    let name_style = if p.alarm { lvl(Level::Crit) } else { t.title() };
    buf.set_string(area.x, area.y, super::cells::fit(&name, 13), name_style);
    let f = &p.figures;
    let small = format!(
        "offered {} · answered {} · abandoned {} · voicemail {} · overflow {} · {}",
        f.offered, f.answered, f.abandoned, f.voicemail, f.overflow, p.staff
    );
    let y = area.y + 1 + bigtext::HEIGHT;
    if y < area.bottom() {
        buf.set_string(
            area.x,
            y,
            super::cells::fit(&small, area.width as usize),
            t.dim(),
        );
    }
    if let Some(line) = &p.trend {
        if y + 1 < area.bottom() {
            buf.set_line(area.x, y + 1, line, area.width);
        }
    }
}

/// How many of `total` panels of `rows` rows fit in `height` rows, and whether a blank
/// row separates two: as many as fit (with a row for `+N more` when some do not), a
/// blank row between two unless that leaves one out; at least one.
fn panels_fitting(height: u16, total: usize, rows: u16) -> (usize, u16) {
    let fitting = |gap: u16| {
        (1..=total)
            .rev()
            .find(|&k| {
                let (k16, more) = (k as u16, u16::from(k < total));
                k16 * rows + (k16 - 1) * gap + more <= height
            })
            .unwrap_or(1)
    };
    let packed = fitting(0);
    if fitting(1) == packed {
        (packed, 1)
    } else {
        (packed, 0)
    }
}

/// Draws the wallboard.
pub fn render(frame: &mut Frame, area: Rect, store: &SessionStore, ui: &UiState, now: Ts) {
    let t = ui.theme();
    let c = store.center();
    let mut queues = queue_rows(c, &ui.view.filter);
    let all = c.queues().count();
    let head = title(ui, c, "Wallboard", queues.len(), all);
    frame.render_widget(
        Paragraph::new(head),
        Rect::new(area.x, area.y, area.width, 1),
    );
    if area.height < 2 {
        return;
    }
    let body = Rect::new(area.x, area.y + 1, area.width, area.height - 1);
    let mut panels = vec![total(c, &queues, ui, now)];
    queues.sort_by_key(|q| std::cmp::Reverse((c.waiting_count(q), c.oldest_known_ms(q, now))));
    panels.extend(queues.iter().map(|q| panel_of(c, q, ui, now)));
    let (mut fit, mut gap) = panels_fitting(body.height, panels.len(), PANEL);
    let mut rows = PANEL;
    // A trend row under each queue's panel, when it leaves out no panel and fits wide.
    if let Some(iv) = c.intervals() {
        let (k, g) = panels_fitting(body.height, panels.len(), PANEL + 1);
        if k == fit && super::trend::panel_width(iv) <= body.width {
            (fit, gap, rows) = (k, g, PANEL + 1);
            for (p, q) in panels[1..].iter_mut().zip(&queues) {
                p.trend = Some(super::trend::panel_line(c, iv, q, ui, now));
            }
        }
    }
    let more = panels.len().saturating_sub(fit);
    for (i, p) in panels.iter().take(fit).enumerate() {
        let y = body.y + i as u16 * (rows + gap);
        let h = rows.min(body.bottom().saturating_sub(y));
        draw_panel(frame, Rect::new(body.x, y, body.width, h), p, ui);
    }
    if more > 0 {
        let y = body.bottom() - 1;
        let names: Vec<String> = panels[fit..]
            .iter()
            .map(|p| {
                let bound = if p.waiting_bound { "≥" } else { "" };
                format!("{} {bound}{}", p.name, p.waiting)
            })
            .collect();
        let text = format!("+{more} more (waiting): {}", names.join(" · "));
        frame.buffer_mut().set_string(
            body.x,
            y,
            super::cells::fit(&text, body.width as usize),
            t.dim(),
        );
    }
}
