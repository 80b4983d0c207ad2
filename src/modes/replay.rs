//! `calltop replay`: the board fed from a recording or capture, on its own clock.

use crate::cli::ReplayArgs;
use crate::core::{SessionStore, SharedStore};
use crate::source::replay::{Options, Playback, Replay};
use crate::source::{Running, Source};
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
    // A relay's stream is read to its end into a private temporary file, then
    // replayed like a recording.
    let several = !args.more.is_empty();
    let mut accounts = Vec::new();
    let (rp, _stream_copy) = if several {
        let (rp, dir, names) = super::several::replay_of(&args).await?;
        accounts = names;
        (rp, Some(dir))
    } else if super::remote::is_stream(&args.file) {
        let (rp, dir) = super::remote::replay_of(&args).await?;
        (rp, Some(dir))
    } else {
        let opts = Options {
            follow: args.follow,
            ..Options::default()
        };
        (Replay::open(&args.file, opts)?, None)
    };
    if rp.is_empty() {
        anyhow::bail!("{}: the file is empty", args.file.display());
    }
    // Known before the board when the index was cached or built at once (a small
    // file); otherwise the board's header counts what is skipped as it plays.
    let inputs: Vec<String> = args
        .inputs()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    if let Some(s) = rp.summary() {
        crate::report::check_input(&inputs.join(" + "), s.good, &s.bad)?;
    }
    // Bad flags or files (keys, alarms) before the terminal.
    let mut config = super::board::config(&args.board, Mode::Replay)?;
    crate::tui::terminal::check_terminal()?;
    config.start = start;
    config.account = if several {
        format!("accounts {}", accounts.join(", "))
    } else if super::remote::is_stream(&args.file) {
        format!("stream {}", args.file.display())
    } else {
        format!(
            "file {}",
            args.file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        )
    };
    let store = SharedStore::new(SessionStore::default());
    super::board::count_trends(&store, &config);
    let playback = Playback {
        replay: rp,
        speed: args.speed,
        paused: args.paused,
    };
    let h = playback.start(store.clone()).await?;
    // Alarms on the stream's clock: as they were raised and cleared when it was live.
    let watcher = config.alarms.take().map(|r| {
        let clock = super::alarms::Clock::Replay(h.status.clone());
        super::alarms::spawn(
            r,
            store.clone(),
            config.zone,
            config.on_alert.clone(),
            clock,
        )
    });
    let feed = crate::tui::Feed {
        store,
        source: h.handle(None),
        alarms: watcher.map(|w| w.changes),
    };
    let r = crate::tui::run(UiState::new(config), feed).await;
    h.task.abort();
    r
}
