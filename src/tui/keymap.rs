//! The one key table: defaults, user overrides from a config file (duplicates rejected),
//! and the footer hints, the `?` help and the README key table generated from it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::HashMap;
use std::fmt;

use crate::core::control::{CallKey, CALL_KEYS};

/// Something the user can ask for with a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Back,
    NextParty,
    /// A call-control key: its facts are in `core::control::CALL_KEYS`.
    Call(CallKey),
    Listen,
    Answer,
    QueueCalls,
    Filter,
    StateFilter,
    Sort,
    SortReverse,
    SortWaiting,
    SortTimer,
    SortStart,
    SortFrom,
    SortTo,
    SortQueue,
    SortState,
    History,
    Agents,
    Queues,
    Wallboard,
    Link,
    Help,
    Quit,
    Pause,
    Faster,
    Slower,
    Step,
    SeekBack,
    SeekForward,
    SeekBackLong,
    SeekForwardLong,
    Jump,
    Rewind,
}

/// Help sections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Navigate,
    Calls,
    Supervise,
    View,
    Replay,
}

impl Group {
    /// Section title.
    pub fn title(self) -> &'static str {
        match self {
            Group::Navigate => "Navigate",
            Group::Calls => "Call control (selected party)",
            Group::Supervise => "Supervisor (device: --device-id or the one found)",
            Group::View => "View",
            Group::Replay => "Replay",
        }
    }
}

struct Spec {
    cmd: Command,
    name: &'static str,
    group: Group,
    hint: &'static str,
    help: &'static str,
}

/// The keys before the call keys.
const FIRST: &[Spec] = &[
    spec(
        Command::Up,
        "up",
        Group::Navigate,
        "move",
        "previous row (detail open: scroll the timeline)",
    ),
    spec(
        Command::Down,
        "down",
        Group::Navigate,
        "move",
        "next row (detail open: scroll the timeline)",
    ),
    spec(
        Command::PageUp,
        "page-up",
        Group::Navigate,
        "page",
        "one page up (board or timeline)",
    ),
    spec(
        Command::PageDown,
        "page-down",
        Group::Navigate,
        "page",
        "one page down (board or timeline)",
    ),
    spec(
        Command::Top,
        "top",
        Group::Navigate,
        "top",
        "first row (timeline: oldest entry)",
    ),
    spec(
        Command::Bottom,
        "bottom",
        Group::Navigate,
        "bottom",
        "last row (timeline: newest entry, follows new ones)",
    ),
    spec(
        Command::Open,
        "open",
        Group::Navigate,
        "detail",
        "open the session detail (parties + timeline)",
    ),
    spec(
        Command::Back,
        "back",
        Group::Navigate,
        "back",
        "close the detail / dialog / filter",
    ),
    spec(
        Command::NextParty,
        "next-party",
        Group::Navigate,
        "party",
        "cycle the target party",
    ),
];

/// The keys after the call keys.
const LATER: &[Spec] = &[
    spec(
        Command::Listen,
        "listen",
        Group::Supervise,
        "listen",
        "listen in on the agent who answered, confirmed (whisper *81, barge *82, take over *83 + ext#: dial from your phone, not in the API)",
    ),
    spec(
        Command::Answer,
        "answer",
        Group::Supervise,
        "answer",
        "answer a ringing / pick up a parked call on your device, confirmed",
    ),
    spec(
        Command::QueueCalls,
        "queue-calls",
        Group::Supervise,
        "on/off queue",
        "agent row: take / stop taking the queue's calls, confirmed",
    ),
    spec(
        Command::Filter,
        "filter",
        Group::View,
        "filter",
        "filter by number, name or id",
    ),
    spec(
        Command::StateFilter,
        "state-filter",
        Group::View,
        "state",
        "cycle the call-state filter",
    ),
    spec(
        Command::Sort,
        "sort",
        Group::View,
        "sort",
        "cycle the sort column (a column's key again reverses it)",
    ),
    spec(
        Command::SortReverse,
        "sort-reverse",
        Group::View,
        "reverse",
        "reverse the sort (↓ = longest / newest / Z first)",
    ),
    spec(
        Command::SortWaiting,
        "sort-waiting",
        Group::View,
        "sort",
        "sort: calls waiting first (ringing, hold, parked), longest first",
    ),
    spec(
        Command::SortTimer,
        "sort-timer",
        Group::View,
        "sort",
        "sort by Timer (target party's time in state)",
    ),
    spec(
        Command::SortStart,
        "sort-start",
        Group::View,
        "sort",
        "sort by start (age)",
    ),
    spec(
        Command::SortFrom,
        "sort-from",
        Group::View,
        "sort",
        "sort by From (caller's name / number)",
    ),
    spec(
        Command::SortTo,
        "sort-to",
        Group::View,
        "sort",
        "sort by To (dialled)",
    ),
    spec(
        Command::SortQueue,
        "sort-queue",
        Group::View,
        "sort",
        "sort by Queue",
    ),
    spec(
        Command::SortState,
        "sort-state",
        Group::View,
        "sort",
        "sort by the target party's state",
    ),
    spec(
        Command::History,
        "history",
        Group::View,
        "history",
        "ended calls (history) / board",
    ),
    spec(
        Command::Agents,
        "agents",
        Group::View,
        "agents",
        "agents view (again: calls)",
    ),
    spec(
        Command::Queues,
        "queues",
        Group::View,
        "queues",
        "queues view; Enter: a queue's waiting calls and agents",
    ),
    spec(
        Command::Wallboard,
        "wallboard",
        Group::View,
        "wallboard",
        "queue figures in large digits (again: calls)",
    ),
    spec(
        Command::Link,
        "link",
        Group::View,
        "link",
        "an ended call's recording / voicemail link, copied",
    ),
    spec(Command::Help, "help", Group::View, "help", "this help"),
    spec(Command::Quit, "quit", Group::View, "quit", "quit"),
    spec(
        Command::Pause,
        "pause",
        Group::Replay,
        "pause",
        "pause / resume",
    ),
    spec(
        Command::Faster,
        "faster",
        Group::Replay,
        "speed",
        "faster (1, 2, 5, 10, max)",
    ),
    spec(Command::Slower, "slower", Group::Replay, "speed", "slower"),
    spec(
        Command::Step,
        "step",
        Group::Replay,
        "step",
        "step one event",
    ),
    spec(
        Command::SeekBack,
        "seek-back",
        Group::Replay,
        "seek",
        "seek back 10 s",
    ),
    spec(
        Command::SeekForward,
        "seek-forward",
        Group::Replay,
        "seek",
        "seek forward 10 s",
    ),
    spec(
        Command::SeekBackLong,
        "seek-back-long",
        Group::Replay,
        "-1m",
        "seek back 1 min",
    ),
    spec(
        Command::SeekForwardLong,
        "seek-forward-long",
        Group::Replay,
        "+1m",
        "seek forward 1 min",
    ),
    spec(
        Command::Jump,
        "jump",
        Group::Replay,
        "jump",
        "jump to a stream time (10:42, 10:42:30, in --tz) or a share (50%); or click the progress bar",
    ),
    spec(
        Command::Rewind,
        "rewind",
        Group::Replay,
        "start",
        "back to the recording's start (--follow starts at its end; :100% returns there)",
    ),
];

const fn spec(
    cmd: Command,
    name: &'static str,
    group: Group,
    hint: &'static str,
    help: &'static str,
) -> Spec {
    Spec {
        cmd,
        name,
        group,
        hint,
        help,
    }
}

/// Every key's spec, in the help's order: the call keys come from the control table.
fn specs() -> &'static [Spec] {
    static ALL: std::sync::OnceLock<Vec<Spec>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let calls = CALL_KEYS
            .iter()
            .map(|k| spec(Command::Call(k.key), k.name, Group::Calls, k.hint, k.help));
        FIRST
            .iter()
            .map(Spec::copy)
            .chain(calls)
            .chain(LATER.iter().map(Spec::copy))
            .collect()
    })
}

impl Spec {
    fn copy(&self) -> Spec {
        spec(self.cmd, self.name, self.group, self.hint, self.help)
    }
}

fn spec_of(cmd: Command) -> &'static Spec {
    specs()
        .iter()
        .find(|s| s.cmd == cmd)
        .expect("every command has a spec")
}

impl Command {
    /// The name used in the config file.
    pub fn name(self) -> &'static str {
        spec_of(self).name
    }

    /// The short footer label.
    pub fn hint(self) -> &'static str {
        spec_of(self).hint
    }

    /// True for the keys that act on calls or agents.
    pub fn is_control(self) -> bool {
        matches!(spec_of(self).group, Group::Calls | Group::Supervise)
    }
}

/// One key chord.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    /// Normalises a terminal key event (shift is part of the character).
    pub fn from_event(e: &KeyEvent) -> Key {
        let mut mods = e.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        if !matches!(e.code, KeyCode::Char(_)) {
            mods |= e.modifiers & KeyModifiers::SHIFT;
        }
        let code = match e.code {
            KeyCode::BackTab => KeyCode::Tab,
            c => c,
        };
        if e.code == KeyCode::BackTab {
            mods |= KeyModifiers::SHIFT;
        }
        Key { code, mods }
    }

    /// Parses a key spelling: `x`, `G`, `ctrl-c`, `alt-x`, `enter`, `esc`, `tab`,
    /// `space`, `up`, `down`, `left`, `right`, `pgup`, `pgdn`, `home`, `end`, `f1`…
    pub fn parse(s: &str) -> Result<Key, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = s.trim();
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(r) = lower.strip_prefix("ctrl-").filter(|r| !r.is_empty()) {
                mods |= KeyModifiers::CONTROL;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower.strip_prefix("alt-").filter(|r| !r.is_empty()) {
                mods |= KeyModifiers::ALT;
                rest = &rest[rest.len() - r.len()..];
            } else {
                break;
            }
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "space" => KeyCode::Char(' '),
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            f if f.len() > 1 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => {
                        if mods.contains(KeyModifiers::CONTROL) {
                            KeyCode::Char(c.to_ascii_lowercase())
                        } else {
                            KeyCode::Char(c)
                        }
                    }
                    _ => return Err(format!("unknown key {s:?}")),
                }
            }
        };
        Ok(Key { code, mods })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::F(n) => write!(f, "F{n}"),
            KeyCode::Char(c) => write!(f, "{c}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// Why a key config was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeymapError {
    #[error("line {line}: expected `action = key, key`")]
    Syntax { line: usize },
    #[error("line {line}: unknown action {name:?}")]
    UnknownAction { line: usize, name: String },
    #[error("line {line}: {msg}")]
    BadKey { line: usize, msg: String },
    #[error("key {key} is bound to both {a} and {b}")]
    Duplicate {
        key: String,
        a: &'static str,
        b: &'static str,
    },
}

/// The key table in force.
#[derive(Clone, Debug)]
pub struct Keymap {
    keys: Vec<(Command, Vec<Key>)>,
    lookup: HashMap<Key, Command>,
}

/// The default bindings (`assets/keys.conf`), compiled in.
pub const DEFAULT_KEYS: &str = include_str!("../../assets/keys.conf");

impl Default for Keymap {
    fn default() -> Self {
        Keymap::from_config("").expect("the default keymap has no duplicates")
    }
}

impl Keymap {
    /// The defaults with overrides from a config text: one `action = key, key` per line
    /// (`#` starts a comment; an empty right side unbinds the action).
    pub fn from_config(text: &str) -> Result<Keymap, KeymapError> {
        let mut keys: Vec<(Command, Vec<Key>)> =
            specs().iter().map(|s| (s.cmd, Vec::new())).collect();
        Keymap::bind(&mut keys, DEFAULT_KEYS).expect("assets/keys.conf parses");
        Keymap::bind(&mut keys, text)?;
        Keymap::checked(keys)
    }

    /// Applies `action = key, key` lines to `keys`.
    fn bind(keys: &mut [(Command, Vec<Key>)], text: &str) -> Result<(), KeymapError> {
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let l = raw.split('#').next().unwrap_or("").trim();
            if l.is_empty() {
                continue;
            }
            let (name, rhs) = l.split_once('=').ok_or(KeymapError::Syntax { line })?;
            let name = name.trim();
            let spec = specs().iter().find(|s| s.name == name).ok_or_else(|| {
                KeymapError::UnknownAction {
                    line,
                    name: name.into(),
                }
            })?;
            let rhs = rhs.trim().trim_matches('"');
            let parsed: Result<Vec<Key>, String> = rhs
                .split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(Key::parse)
                .collect();
            let parsed = parsed.map_err(|msg| KeymapError::BadKey { line, msg })?;
            if let Some(slot) = keys.iter_mut().find(|(c, _)| *c == spec.cmd) {
                slot.1 = parsed;
            }
        }
        Ok(())
    }

    /// The keymap of these bindings, refusing a key bound to two actions.
    fn checked(keys: Vec<(Command, Vec<Key>)>) -> Result<Keymap, KeymapError> {
        let mut lookup = HashMap::new();
        for (cmd, ks) in &keys {
            for k in ks {
                if let Some(prev) = lookup.insert(*k, *cmd) {
                    if prev != *cmd {
                        return Err(KeymapError::Duplicate {
                            key: k.to_string(),
                            a: prev.name(),
                            b: cmd.name(),
                        });
                    }
                }
            }
        }
        Ok(Keymap { keys, lookup })
    }

    /// Loads overrides from a key file (which must exist).
    pub fn load(path: &std::path::Path) -> anyhow::Result<Keymap> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("key file {}: {e}", path.display()))?;
        Keymap::from_config(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    /// The keymap of `--keys FILE` (which must exist), else of the default file if
    /// there is one, else the defaults.
    pub fn load_or_default(named: Option<&std::path::Path>) -> anyhow::Result<Keymap> {
        match (named, Keymap::default_path()) {
            (Some(p), _) => Keymap::load(p),
            (None, Some(p)) if p.exists() => Keymap::load(&p),
            _ => Ok(Keymap::default()),
        }
    }

    /// The default key file: `$XDG_CONFIG_HOME/calltop/keys.conf`.
    pub fn default_path() -> Option<std::path::PathBuf> {
        dirs::config_dir().map(|d| d.join("calltop").join("keys.conf"))
    }

    /// The command bound to a key event.
    pub fn command(&self, e: &KeyEvent) -> Option<Command> {
        self.lookup.get(&Key::from_event(e)).copied()
    }

    /// The keys of a command.
    pub fn keys(&self, cmd: Command) -> &[Key] {
        self.keys
            .iter()
            .find(|(c, _)| *c == cmd)
            .map(|(_, k)| k.as_slice())
            .unwrap_or(&[])
    }

    /// The first key of a command, as shown in hints (`-` when unbound).
    pub fn first_key(&self, cmd: Command) -> String {
        self.keys(cmd)
            .first()
            .map(Key::to_string)
            .unwrap_or_else(|| "-".into())
    }

    /// `(keys, label)` pairs for the footer. Consecutive commands sharing a label
    /// are merged (`↑/↓ up`, `PgUp/PgDn page`).
    pub fn hints(&self, cmds: &[Command]) -> Vec<(String, &'static str)> {
        let mut out: Vec<(String, &'static str)> = Vec::new();
        for &c in cmds {
            let Some(k) = self.keys(c).first() else {
                continue;
            };
            match out.last_mut() {
                Some((keys, label)) if *label == c.hint() => {
                    keys.push('/');
                    keys.push_str(&k.to_string());
                }
                _ => out.push((k.to_string(), c.hint())),
            }
        }
        out
    }

    /// Help sections: title and `(keys, description)` rows.
    pub fn help(&self) -> Vec<(&'static str, Vec<(String, &'static str)>)> {
        let groups = [
            Group::Navigate,
            Group::Calls,
            Group::Supervise,
            Group::View,
            Group::Replay,
        ];
        groups
            .iter()
            .map(|g| {
                let rows = specs()
                    .iter()
                    .filter(|s| s.group == *g)
                    .map(|s| {
                        let ks: Vec<String> = self.keys(s.cmd).iter().map(Key::to_string).collect();
                        let ks = if ks.is_empty() {
                            "(unbound)".to_string()
                        } else {
                            ks.join(" ")
                        };
                        (ks, s.help)
                    })
                    .collect();
                (g.title(), rows)
            })
            .collect()
    }

    /// The key table as Markdown (README), with config names.
    pub fn markdown(&self) -> String {
        let mut out = String::from("| keys | action | config name |\n|---|---|---|\n");
        for (title, _) in self.help() {
            out.push_str(&format!("| **{title}** | | |\n"));
            for s in specs().iter().filter(|s| s.group.title() == title) {
                let ks: Vec<String> = self
                    .keys(s.cmd)
                    .iter()
                    .map(|k| format!("`{}`", k.to_string().replace('|', "\\|")))
                    .collect();
                out.push_str(&format!(
                    "| {} | {} | `{}` |\n",
                    ks.join(" "),
                    s.help,
                    s.name
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod asset_tests {
    use super::*;

    #[test]
    fn the_key_asset_binds_every_action_once() {
        let mut seen = Vec::new();
        for line in DEFAULT_KEYS.lines() {
            let l = line.split('#').next().unwrap_or("").trim();
            if let Some((name, _)) = l.split_once('=') {
                seen.push(name.trim().to_string());
            }
        }
        let mut names: Vec<String> = specs().iter().map(|s| s.name.to_string()).collect();
        let mut sorted = seen.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(
            sorted.len(),
            seen.len(),
            "an action twice in assets/keys.conf"
        );
        names.sort();
        assert_eq!(
            sorted, names,
            "every action has its line in assets/keys.conf"
        );
        let km = Keymap::default();
        assert!(
            specs().iter().all(|s| !km.keys(s.cmd).is_empty()),
            "every action has a key"
        );
    }
}
