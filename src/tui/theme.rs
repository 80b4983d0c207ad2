//! Colours and text attributes: dark and light palettes, and a monochrome one for
//! `NO_COLOR`. Views take every style from here; state is also always spelled out as a
//! glyph and a word, so nothing depends on colour alone.

use crate::wire::presence::AgentState;
use crate::wire::StatusCode;
use ratatui::style::{Color, Modifier, Style};

/// Which palette.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ThemeName {
    #[default]
    Dark,
    Light,
    /// No colours at all (also chosen by `NO_COLOR`).
    Mono,
}

impl ThemeName {
    /// The palette's compiled-in text (`assets/themes/NAME.theme`).
    pub fn asset(self) -> &'static str {
        match self {
            ThemeName::Dark => include_str!("../../assets/themes/dark.theme"),
            ThemeName::Light => include_str!("../../assets/themes/light.theme"),
            ThemeName::Mono => include_str!("../../assets/themes/mono.theme"),
        }
    }
}

/// How urgent something is (alerts, status line).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Normal,
    Ok,
    Warn,
    Crit,
}

/// A palette.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    pub name: ThemeName,
    fg: Color,
    dim: Color,
    accent: Color,
    ok: Color,
    warn: Color,
    crit: Color,
    ring: Color,
    hold: Color,
    park: Color,
    bar: Color,
}

impl Theme {
    /// The palette for a name; `NO_COLOR` (non-empty) forces monochrome.
    pub fn pick(name: ThemeName) -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme::named(if no_color { ThemeName::Mono } else { name })
    }

    /// The palette for a name, ignoring the environment (from its compiled-in asset).
    pub fn named(name: ThemeName) -> Theme {
        Theme::parse(name, name.asset()).expect("the compiled-in themes parse")
    }

    /// A palette from `role = colour` lines (see `assets/themes/`; `#` starts a comment
    /// line): every role must be given.
    pub fn parse(name: ThemeName, text: &str) -> Result<Theme, String> {
        let mut roles: [Option<Color>; 10] = [None; 10];
        const NAMES: [&str; 10] = [
            "text", "dim", "accent", "ok", "warn", "crit", "ring", "hold", "park", "bar",
        ];
        for (i, raw) in text.lines().enumerate() {
            // A comment is a whole line (`#rrggbb` colours start with the same sign).
            let l = raw.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            let (role, colour) = l
                .split_once('=')
                .ok_or_else(|| format!("line {}: expected `role = colour`", i + 1))?;
            let slot = NAMES
                .iter()
                .position(|n| *n == role.trim())
                .ok_or_else(|| format!("line {}: unknown role {:?}", i + 1, role.trim()))?;
            let colour = colour.split_whitespace().next().unwrap_or("");
            let c: Color = colour
                .parse()
                .map_err(|_| format!("line {}: {colour:?} is not a colour", i + 1))?;
            roles[slot] = Some(c);
        }
        let get = |i: usize| roles[i].ok_or_else(|| format!("no colour for {}", NAMES[i]));
        Ok(Theme {
            name,
            fg: get(0)?,
            dim: get(1)?,
            accent: get(2)?,
            ok: get(3)?,
            warn: get(4)?,
            crit: get(5)?,
            ring: get(6)?,
            hold: get(7)?,
            park: get(8)?,
            bar: get(9)?,
        })
    }

    fn mono(&self) -> bool {
        self.name == ThemeName::Mono
    }

    fn fg(&self, c: Color) -> Style {
        Style::new().fg(c)
    }

    /// Ordinary text.
    pub fn text(&self) -> Style {
        self.fg(self.fg)
    }

    /// Secondary text (labels, units, ids).
    pub fn dim(&self) -> Style {
        if self.mono() {
            Style::new()
        } else {
            self.fg(self.dim)
        }
    }

    /// Titles and the mode badge.
    pub fn title(&self) -> Style {
        self.fg(self.accent).add_modifier(Modifier::BOLD)
    }

    /// Column headers.
    pub fn column_header(&self) -> Style {
        self.fg(self.accent)
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    /// The selected row.
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// A key in the footer or help.
    pub fn key(&self) -> Style {
        self.fg(self.accent).add_modifier(Modifier::BOLD)
    }

    /// The colour of a level.
    pub fn level(&self, l: Level) -> Style {
        match l {
            Level::Normal => self.text(),
            Level::Ok => self.fg(self.ok),
            Level::Warn => self.fg(self.warn).add_modifier(Modifier::BOLD),
            Level::Crit => self.fg(self.crit).add_modifier(Modifier::BOLD),
        }
    }

    /// The colour of a party state.
    pub fn state(&self, code: Option<&StatusCode>) -> Style {
        match code {
            Some(StatusCode::Setup | StatusCode::Proceeding) => self.fg(self.ring),
            Some(StatusCode::Answered) => self.fg(self.ok),
            Some(StatusCode::Hold) => self.fg(self.hold),
            Some(StatusCode::Parked) => self.fg(self.park),
            Some(StatusCode::Voicemail | StatusCode::VoicemailScreening) => self.fg(self.accent),
            Some(StatusCode::Disconnected | StatusCode::Gone) | None => self.dim(),
            Some(_) => self.text(),
        }
    }

    /// The colour of an agent's state (`None`: idle, nothing known): the party colours
    /// for its calls; available in the accent; busy amber, DND red, off queue and
    /// offline dim.
    pub fn agent(&self, state: Option<AgentState>) -> Style {
        match state {
            Some(AgentState::Ringing) => self.fg(self.ring),
            Some(AgentState::OnCall) => self.fg(self.ok),
            Some(AgentState::OnHold) => self.fg(self.hold),
            Some(AgentState::Parked) => self.fg(self.park),
            Some(AgentState::Available) => self.fg(self.accent),
            Some(AgentState::Busy) => self.fg(self.warn),
            Some(AgentState::Dnd) => self.fg(self.crit),
            Some(AgentState::OffQueue | AgentState::Offline) => self.dim(),
            None => self.text(),
        }
    }

    /// The filled part of the replay progress bar.
    pub fn bar(&self) -> Style {
        if self.mono() {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new().fg(Color::Black).bg(self.bar)
        }
    }

    /// Dialog borders.
    pub fn border(&self) -> Style {
        self.fg(self.accent)
    }

    /// The focused button of a dialog.
    pub fn button_focused(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }
}

/// Glyph and RingCentral's own name of a party state (shown together so colour is
/// never needed; the words are the platform's `status.code`, as in the timeline).
pub fn state_glyph(code: Option<&StatusCode>) -> (&'static str, &str) {
    let glyph = match code {
        Some(StatusCode::Setup) => "◌",
        Some(StatusCode::Proceeding) => "☏",
        Some(StatusCode::Answered) => "●",
        Some(StatusCode::Hold) => "‖",
        Some(StatusCode::Parked) => "P",
        Some(StatusCode::Voicemail | StatusCode::VoicemailScreening) => "✉",
        Some(StatusCode::FaxReceive) => "⎙",
        Some(StatusCode::Disconnected) => "✕",
        Some(StatusCode::Gone) => "→",
        Some(StatusCode::Tds | StatusCode::Unknown(_)) => "?",
        None => "·",
    };
    (glyph, code.map_or("-", StatusCode::as_str))
}

/// Glyph and word of an agent's state (shown together so colour is never needed).
pub fn agent_glyph(state: Option<AgentState>) -> (&'static str, &'static str) {
    match state {
        Some(AgentState::Ringing) => ("☏", "Ringing"),
        Some(AgentState::OnCall) => ("●", "On call"),
        Some(AgentState::OnHold) => ("‖", "On hold"),
        Some(AgentState::Parked) => ("P", "Parked"),
        Some(AgentState::Available) => ("○", "Available"),
        Some(AgentState::Busy) => ("◐", "Busy"),
        Some(AgentState::Dnd) => ("⊘", "DND"),
        Some(AgentState::OffQueue) => ("◌", "Off queue"),
        Some(AgentState::Offline) => ("✕", "Offline"),
        None => ("·", "Idle"),
    }
}

/// Glyph of an alert level (nothing for normal).
/// A table row's first cell: `▶` on the selected row, then the row's mark (an alert
/// glyph, a pending marker…).
pub fn row_mark(selected: bool, mark: &str) -> String {
    format!("{}{mark}", if selected { "▶" } else { " " })
}

pub fn alert_glyph(l: Level) -> &'static str {
    match l {
        Level::Warn => "▲",
        Level::Crit => "‼",
        _ => " ",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_named_as_the_platform_names_them() {
        let word = |c: StatusCode| state_glyph(Some(&c)).1.to_string();
        assert_eq!(word(StatusCode::Disconnected), "Disconnected");
        assert_eq!(word(StatusCode::Gone), "Gone");
        assert_eq!(word(StatusCode::Proceeding), "Proceeding");
        assert_eq!(word(StatusCode::Answered), "Answered");
        assert_eq!(word(StatusCode::Parked), "Parked");
        assert_eq!(word(StatusCode::VoicemailScreening), "VMScreening");
        assert_eq!(word(StatusCode::Unknown("Odd".into())), "Odd");
    }
}

#[cfg(test)]
mod asset_tests {
    use super::*;

    #[test]
    fn the_compiled_in_palettes_are_the_documented_ones() {
        let dark = Theme::named(ThemeName::Dark);
        assert_eq!(
            (dark.dim, dark.crit, dark.park),
            (Color::DarkGray, Color::LightRed, Color::LightBlue)
        );
        let light = Theme::named(ThemeName::Light);
        assert_eq!(
            (light.ok, light.park),
            (Color::Rgb(0, 110, 0), Color::Rgb(0, 70, 170))
        );
        let mono = Theme::named(ThemeName::Mono);
        assert!([
            mono.fg,
            mono.dim,
            mono.accent,
            mono.ok,
            mono.warn,
            mono.crit,
            mono.ring,
            mono.hold,
            mono.park,
            mono.bar
        ]
        .iter()
        .all(|c| *c == Color::Reset));
    }

    #[test]
    fn a_palette_with_a_bad_or_missing_colour_is_refused() {
        let dark = ThemeName::Dark.asset();
        assert!(Theme::parse(
            ThemeName::Dark,
            &dark.replace("crit    = light-red", "crit = no-such")
        )
        .is_err());
        assert!(Theme::parse(ThemeName::Dark, &dark.replace("crit    = light-red", "")).is_err());
        assert!(Theme::parse(ThemeName::Dark, &format!("{dark}\nglow = red")).is_err());
    }
}
