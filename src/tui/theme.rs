//! Colours and text attributes: dark and light palettes, and a monochrome one for
//! `NO_COLOR`. Views take every style from here; state is also always spelled out as a
//! glyph and a word, so nothing depends on colour alone.

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

    /// The palette for a name, ignoring the environment.
    pub fn named(name: ThemeName) -> Theme {
        use Color::*;
        match name {
            ThemeName::Dark => Theme {
                name,
                fg: Reset,
                dim: DarkGray,
                accent: Cyan,
                ok: Green,
                warn: Yellow,
                crit: LightRed,
                ring: LightYellow,
                hold: LightMagenta,
                park: LightBlue,
                bar: Blue,
            },
            ThemeName::Light => Theme {
                name,
                fg: Reset,
                dim: Gray,
                accent: Blue,
                ok: Rgb(0, 110, 0),
                warn: Rgb(160, 90, 0),
                crit: Red,
                ring: Rgb(150, 100, 0),
                hold: Magenta,
                park: Rgb(0, 70, 170),
                bar: Cyan,
            },
            ThemeName::Mono => Theme {
                name,
                fg: Reset,
                dim: Reset,
                accent: Reset,
                ok: Reset,
                warn: Reset,
                crit: Reset,
                ring: Reset,
                hold: Reset,
                park: Reset,
                bar: Reset,
            },
        }
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

/// Glyph of an alert level (nothing for normal).
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
