//! `calltop replay`: the board fed from a recording or capture, on its own clock.

use crate::cli::ReplayArgs;
use crate::core::{SessionStore, SharedStore, StoreConfig};
use crate::source::replay::{self, Replay};
use crate::tui::app::ReplayLink;
use crate::tui::state::{Mode, Screen, UiState};

/// Runs the replay board.
pub async fn run(args: ReplayArgs) -> anyhow::Result<()> {
    run_on(args, Screen::Board).await
}

/// Runs it with the board opening on `start` (`calltop wallboard replay`: the wallboard).
pub async fn run_on(args: ReplayArgs, start: Screen) -> anyhow::Result<()> {
    if super::board::print_and_exit(&args.board)? {
        return Ok(());
    }
    let _log = crate::logging::init("tui");
    let rp = Replay::load(&args.file, StoreConfig::default())?;
    if rp.is_empty() {
        anyhow::bail!("{}: no values to replay", args.file.display());
    }
    crate::report::check_input(&args.file, rp.len() - rp.bad.len(), &rp.bad)?;
    crate::tui::terminal::check_terminal()?;
    let mut config = super::board::config(&args.board, Mode::Replay)?;
    config.start = start;
    config.account = format!(
        "file {}",
        args.file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    );
    let store = SharedStore::new(SessionStore::default());
    let h = replay::spawn(rp, store.clone(), args.speed, args.paused);
    let feed = crate::tui::Feed {
        store,
        replay: Some(ReplayLink {
            cmds: h.cmds.clone(),
            status: h.status.clone(),
        }),
        conn: None,
        loading: None,
        control: None,
    };
    let r = crate::tui::run(UiState::new(config), feed).await;
    h.task.abort();
    r
}
