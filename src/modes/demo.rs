//! `calltop demo`: the embedded simulator on a free loopback port, and the board
//! against it through the same live client as `calltop live`.

use crate::cli::DemoArgs;
use crate::source::live::LiveConfig;
use crate::tui::state::{Mode, Screen};

/// Runs the demo.
pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    run_on(args, Screen::Board).await
}

/// Runs it with the board opening on `start` (`calltop wallboard demo`: the wallboard).
pub async fn run_on(args: DemoArgs, start: Screen) -> anyhow::Result<()> {
    if super::board::print_and_exit(&args.board)? {
        return Ok(());
    }
    crate::tui::terminal::check_terminal()?;
    let _log = crate::logging::init("tui");
    let mut cfg = crate::sim::SimConfig {
        calls_per_minute: args.calls_per_minute,
        warm_start: true,
        ..Default::default()
    };
    if let Some(seed) = args.seed {
        cfg.seed = seed;
    }
    let sim = crate::sim::start(cfg, "127.0.0.1:0".parse()?).await?;
    tracing::info!(url = %sim.base_url(), "demo simulator started");
    let mut config = super::board::config(&args.board, Mode::Demo)?;
    config.start = start;
    config.read_only = args.read_only;
    config.account = format!("simulator {}", sim.base_url());
    let mut source = LiveConfig::new(sim.credentials());
    source.recording.path = args.record.clone();
    source.device_id = args.device_id.clone();
    let pick = super::board::DevicePick::ListenIn;
    let r = super::board::on_live_source(config, source, None, args.period(), pick).await;
    sim.shutdown().await;
    r
}
