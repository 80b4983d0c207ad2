//! The cells every view is built of: times, text fitted to a width, endpoints, and the
//! one column engine ([`Col`], [`layout_cols`]) every table lays its columns out with.

use crate::tui::state::UiState;
use crate::wire::Ts;
use ratatui::layout::Constraint;
use ratatui::text::{Line, Span};

/// `HH:MM:SS` (UTC) of a time.
pub fn hms(ui: &UiState, t: Ts) -> String {
    ui.config.zone.hms(t)
}

/// Truncates text to `w` columns with an ellipsis.
pub fn fit(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        s.to_string()
    } else if w == 0 {
        String::new()
    } else {
        let kept: String = s.chars().take(w - 1).collect();
        format!("{}…", kept.trim_end())
    }
}

/// An endpoint in `w` columns: name and number when they fit; else the name is cut
/// (with an ellipsis) to leave the number whole; a number is cut only when it alone
/// is wider than `w`.
pub fn fit_endpoint(e: &crate::core::party::EndpointState, w: usize) -> String {
    let label = e.label();
    if label.chars().count() <= w {
        return label;
    }
    match (e.name.text(), e.phone_number.text()) {
        (Some(name), Some(num)) if num.chars().count() + 5 <= w => {
            let room = w - num.chars().count() - 1;
            format!("{} {num}", fit(name, room))
        }
        (_, Some(num)) if num.chars().count() <= w => num.to_string(),
        _ => fit(&label, w),
    }
}

/// The narrowest an endpoint shows in without cutting its number.
pub fn endpoint_min(e: &crate::core::party::EndpointState) -> usize {
    e.phone_number
        .text()
        .map_or_else(|| e.label().chars().count().min(8), |n| n.chars().count())
}

/// Shares `left` columns between cells that each want `min` (given first, in order,
/// while room lasts) and at most `full`; the rest goes one column at a time to the
/// cell furthest from its `full`.
pub fn share(mut left: usize, wants: &[(usize, usize)]) -> Vec<usize> {
    let mut got: Vec<usize> = wants
        .iter()
        .map(|&(min, _)| {
            let g = min.min(left);
            left -= g;
            g
        })
        .collect();
    while left > 0 {
        let Some((i, _)) = wants
            .iter()
            .enumerate()
            .map(|(i, &(_, full))| (i, full.saturating_sub(got[i])))
            .filter(|(_, short)| *short > 0)
            .max_by_key(|&(i, short)| (short, std::cmp::Reverse(i)))
        else {
            break;
        };
        got[i] += 1;
        left -= 1;
    }
    got
}

/// A table under a top rule with a title: the board, history and detail all use it.
pub(crate) fn titled_table<'a>(
    rows: Vec<ratatui::widgets::Row<'a>>,
    widths: impl IntoIterator<Item = Constraint>,
    header: ratatui::widgets::Row<'a>,
    title: ratatui::text::Line<'a>,
    border: ratatui::style::Style,
) -> ratatui::widgets::Table<'a> {
    use ratatui::widgets::{Block, Borders, Table};
    Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .block(
            Block::new()
                .borders(Borders::TOP)
                .title(title)
                .border_style(border),
        )
}

/// One column of a table whose columns are left out, least useful first, when the
/// terminal is narrow.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Col {
    pub header: &'static str,
    /// The narrowest it says anything in.
    pub min: usize,
    /// As wide as its widest cell.
    pub full: usize,
    /// Higher gets its `min` sooner; `0`: only in the room left once the others are full.
    pub prio: u8,
    /// The priority its growth from `min` towards `full` is served at (`0`: once every
    /// `min` is served; columns growing at one priority share the room).
    pub grow: u8,
    /// Short of room for its `min`, it takes what is left (cut) rather than being left out.
    pub squeeze: bool,
    /// `false`: left out whatever the room (e.g. a column of one account).
    pub shown: bool,
    /// Its gap is set aside before any width is given, and left out it stays as an
    /// empty column holding that gap.
    pub holds_place: bool,
}

impl Col {
    /// A column `min` to `full` wide, kept by priority `prio`.
    pub(crate) const fn new(header: &'static str, min: usize, full: usize, prio: u8) -> Col {
        Col {
            header,
            min,
            full,
            prio,
            grow: 0,
            squeeze: false,
            shown: true,
            holds_place: false,
        }
    }

    /// A column always `w` wide.
    pub(crate) const fn fixed(header: &'static str, w: usize, prio: u8) -> Col {
        Col::new(header, w, w, prio)
    }

    /// Grows towards `full` at priority `grow` rather than once every `min` is served.
    pub(crate) const fn grows_at(self, grow: u8) -> Col {
        Col { grow, ..self }
    }

    /// Cut to the room left rather than left out when its `min` does not fit.
    pub(crate) const fn squeezed(self) -> Col {
        Col {
            squeeze: true,
            ..self
        }
    }

    /// Keeps its gap, empty, when left out (see [`Col::holds_place`]).
    pub(crate) const fn holding_place(self) -> Col {
        Col {
            holds_place: true,
            ..self
        }
    }

    /// Shown only when `shown`.
    pub(crate) const fn shown_if(self, shown: bool) -> Col {
        Col { shown, ..self }
    }
}

/// Widths of `cols` in `width` columns (one space between two). From the highest
/// priority down, each column gets its `min` while room lasts (in order at one
/// priority); the first that does not fit is cut to the room left if it is
/// [squeezed](Col::squeezed), else left out (`None`, or `Some(0)` when it
/// [holds its place](Col::holds_place)), and so is every `min` after it. At each
/// priority, before its `min`s, the columns growing at it share the room left towards
/// their `full` (see [`share`]); once a column is left out, only those growing at `0` do.
pub(crate) fn layout_cols(width: u16, cols: &[Col]) -> Vec<Option<usize>> {
    // Each column pays its width and a gap, the first one's gap paid by the `+ 1`.
    let placed = cols.iter().filter(|c| c.shown && c.holds_place).count();
    let mut left = (width as usize + 1).saturating_sub(placed);
    let mut got: Vec<Option<usize>> = vec![None; cols.len()];
    let mut kept = vec![false; cols.len()];
    let mut open = true;
    let mut prios: Vec<u8> = cols.iter().flat_map(|c| [c.prio, c.grow]).collect();
    prios.sort_unstable_by(|a, b| b.cmp(a));
    prios.dedup();
    for p in prios {
        if open || p == 0 {
            let growing: Vec<usize> = (0..cols.len())
                .filter(|&i| kept[i] && cols[i].grow == p)
                .collect();
            let wants: Vec<(usize, usize)> = growing
                .iter()
                .map(|&i| (0, cols[i].full.saturating_sub(got[i].unwrap_or(0))))
                .collect();
            for (&i, more) in growing.iter().zip(share(left, &wants)) {
                got[i] = got[i].map(|w| w + more);
                left -= more;
            }
        }
        for (i, c) in cols.iter().enumerate() {
            if !c.shown || c.prio != p {
                continue;
            }
            let gap = usize::from(!c.holds_place);
            if open && c.min + gap <= left {
                (got[i], kept[i]) = (Some(c.min), true);
                left -= c.min + gap;
            } else if open && c.squeeze && left > gap {
                (got[i], kept[i]) = (Some(left - gap), true);
                left = 0;
            } else {
                open = false;
                got[i] = c.holds_place.then_some(0);
            }
        }
    }
    got
}

/// A table of the kept columns of `cols` (cells given for every column).
pub(crate) fn col_table<'a>(
    cols: &[Col],
    widths: &[Option<usize>],
    rows: Vec<(Vec<ratatui::widgets::Cell<'a>>, ratatui::style::Style)>,
    title: Line<'a>,
    ui: &UiState,
) -> ratatui::widgets::Table<'a> {
    use ratatui::widgets::{Cell, Row};
    let t = ui.theme();
    let keep = |i: usize| widths.get(i).copied().flatten().is_some();
    let header = Row::new(
        cols.iter()
            .enumerate()
            .filter(|(i, _)| keep(*i))
            .map(|(_, c)| Cell::from(c.header))
            .collect::<Vec<_>>(),
    )
    .style(t.column_header());
    let built: Vec<Row> = rows
        .into_iter()
        .map(|(cells, style)| {
            Row::new(
                cells
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| keep(*i))
                    .map(|(_, c)| c)
                    .collect::<Vec<_>>(),
            )
            .style(style)
        })
        .collect();
    let w: Vec<Constraint> = widths
        .iter()
        .flatten()
        .map(|w| Constraint::Length(*w as u16))
        .collect();
    titled_table(built, w, header, title, t.dim())
}

/// The "as of (offline)" mark of a title while the data is stale.
pub(crate) fn stale_span(ui: &UiState) -> Option<Span<'static>> {
    ui.feed.stale_since.map(|since| {
        Span::styled(
            format!("as of {} (offline) ", hms(ui, since)),
            ui.theme().level(crate::tui::theme::Level::Crit),
        )
    })
}

/// A row's style: selected, alert level, dim while offline (as the calls table).
pub(crate) fn row_style(
    ui: &UiState,
    selected: bool,
    level: crate::tui::theme::Level,
) -> ratatui::style::Style {
    let t = ui.theme();
    match (selected, ui.feed.stale_since.is_some()) {
        (true, true) => t.selected().patch(t.dim()),
        (false, true) => t.dim(),
        (true, false) => t.selected().patch(t.level(level)),
        (false, false) => t.level(level),
    }
}

/// `—` for a figure without calls.
pub(crate) fn or_dash(v: Option<String>) -> String {
    v.unwrap_or_else(|| "—".to_string())
}
