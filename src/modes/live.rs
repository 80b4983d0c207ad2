//! `calltop live`: the board against a real account, and the live source's
//! configuration from the connection flags.

use crate::cli::{ConnectArgs, LiveArgs};
use crate::source::live::LiveConfig;
use crate::tui::state::{Mode, Screen};

/// The live source these flags describe (loads the credentials).
pub fn source_config(a: &ConnectArgs) -> anyhow::Result<LiveConfig> {
    let creds = crate::platform::credentials::load(a.config.as_deref(), a.server.as_deref())?;
    let mut c = LiveConfig::new(creds);
    c.subscription.extension_level = a.extension;
    c.subscription.filters = a.filters.clone();
    c.recording.redact = a.redact;
    c.device_id = a.device_id.clone();
    c.store = a.store_config();
    c.heavy_share = a.heavy_share;
    c.join = (!a.no_call_log).then(|| crate::source::join::JoinConfig {
        delay: std::time::Duration::from_secs_f64(a.call_log_wait.max(0.0)),
        cutoff: std::time::Duration::from_secs_f64(a.call_log_cutoff.max(a.call_log_wait).max(1.0)),
        ..Default::default()
    });
    Ok(c)
}

/// Runs the board against the account.
pub async fn run(args: LiveArgs) -> anyhow::Result<()> {
    run_on(args, Screen::Board).await
}

/// Runs it with the board opening on `start` (`calltop wallboard live`: the wallboard).
pub async fn run_on(args: LiveArgs, start: Screen) -> anyhow::Result<()> {
    if super::board::print_and_exit(&args.board)? {
        return Ok(());
    }
    crate::tui::terminal::check_terminal()?;
    let _log = crate::logging::init("tui");
    let mut cfg = source_config(&args.connect)?;
    cfg.recording.path = args.record.clone();
    let mut config = super::board::config(&args.board, Mode::Live)?;
    config.start = start;
    config.read_only = args.read_only;
    let level = if cfg.subscription.extension_level {
        "extension"
    } else {
        "account"
    };
    config.account = format!("{level} @ {}", cfg.connection.credentials.server_url);
    let metrics = args.metrics.as_deref();
    let pick = super::board::DevicePick::AtSend;
    super::board::on_live_source(config, cfg, metrics, args.period(), pick).await
}

#[cfg(test)]
mod tests {
    use crate::cli::Cli;
    use clap::Parser;

    #[test]
    fn heavy_share_flag() {
        let parse = |args: &[&str]| Cli::try_parse_from([&["calltop", "live"], args].concat());
        let share = |args: &[&str]| match parse(args).map(|c| c.command) {
            Ok(crate::cli::Command::Live(a)) => a.connect.heavy_share,
            other => panic!("{other:?}"),
        };
        assert_eq!(share(&[]), crate::platform::budget::DEFAULT_HEAVY_SHARE);
        assert_eq!(share(&["--heavy-share", "0.8"]), 0.8);
        for bad in ["0", "1.5", "-0.2", "x"] {
            assert!(parse(&["--heavy-share", bad]).is_err(), "{bad}");
        }
    }
}
