//! Any text as a key config (`keys.conf`), each of its tokens as a key spelling, and its
//! first line as an alert-threshold flag value (`--ring-alert amber,red`): errors only,
//! never a panic.
#![no_main]
use calltop::tui::keymap::{Key, Keymap};
use calltop::cli::BoardArgs;
use clap::{Args, FromArgMatches};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn board_cli() -> clap::Command {
    static CLI: OnceLock<clap::Command> = OnceLock::new();
    CLI.get_or_init(|| BoardArgs::augment_args(clap::Command::new("calltop")))
        .clone()
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(km) = Keymap::from_config(&text) {
        let _ = km.markdown();
        let _ = km.help();
    }
    for token in text.split(|c: char| c == ',' || c == '=' || c == '\n') {
        if let Ok(k) = Key::parse(token) {
            let _ = k.to_string();
        }
    }
    let flag = format!("--ring-alert={}", text.lines().next().unwrap_or(""));
    if let Ok(m) = board_cli().try_get_matches_from(["calltop", &flag]) {
        let _ = BoardArgs::from_arg_matches(&m);
    }
});
