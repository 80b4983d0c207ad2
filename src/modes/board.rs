//! Board wiring shared by the modes that draw it: its configuration from the flags,
//! and the board on a live source.

use super::alarms::Clock;
use super::Audited;
use crate::cli::BoardArgs;
use crate::core::center::{Cut, Period, TREND_INTERVAL_MIN};
use crate::core::SharedStore;
use crate::source::live::LiveConfig;
use crate::source::{ConnState, Running, Source};
use crate::tui::keymap::Keymap;
use crate::tui::state::{BoardConfig, Mode, Thresholds, UiState};
use crate::tui::theme::Theme;
use std::sync::Arc;

/// The board configuration these flags describe.
pub fn config(args: &BoardArgs, mode: Mode) -> anyhow::Result<BoardConfig> {
    let keymap = Keymap::load_or_default(args.keys.as_deref())?;
    Ok(BoardConfig {
        theme: Theme::pick(args.theme),
        keymap,
        bell: args.bell,
        alarms: super::alarms::load(args)?,
        on_alert: args.on_alert.clone(),
        zone: args.tz,
        thresholds: Thresholds {
            ring: args.ring_alert,
            hold: args.hold_alert,
            park: args.park_alert,
            call: args.call_alert,
        },
        ..BoardConfig::new(mode)
    })
}

/// Has the board's center count its intervals (the queues' trends): those of the
/// alarms file (its `interval_minutes`) when there is one, else
/// [`TREND_INTERVAL_MIN`] long, in the board's zone.
pub fn count_trends(store: &SharedStore, config: &BoardConfig) {
    let cut = match &config.alarms {
        Some(rules) => rules.cut(config.zone),
        None => Cut {
            len_ms: TREND_INTERVAL_MIN * 60_000,
            zone: config.zone,
        },
    };
    store.write(|s| s.center_mut().count_intervals(cut));
}

/// Handles `--print-keys` and `--print-default`; true when the program should exit.
pub fn print_and_exit(args: &BoardArgs) -> anyhow::Result<bool> {
    use crate::tui::theme::ThemeName;
    if args.print_keys {
        print!("{}", config(args, Mode::Demo)?.keymap.markdown());
    }
    let asset = match args.print_default.as_deref() {
        Some("keys") => Some(crate::tui::keymap::DEFAULT_KEYS),
        Some("dark") => Some(ThemeName::Dark.asset()),
        Some("light") => Some(ThemeName::Light.asset()),
        Some("mono") => Some(ThemeName::Mono.asset()),
        _ => None,
    };
    if let Some(text) = asset {
        print!("{text}");
    }
    Ok(args.print_keys || asset.is_some())
}

/// Where answer and listen-in get the supervisor's device without `--device-id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DevicePick {
    /// The one `Online` device, looked up when a request is sent (`live`).
    AtSend,
    /// The device meant for listening in, picked once at start (`demo`); without one the
    /// board says so before any confirmation.
    ListenIn,
}

/// Runs the board on the live source until the user quits; then shuts the source down.
pub async fn on_live_source(
    config: BoardConfig,
    cfg: LiveConfig,
    metrics: Option<&str>,
    period: Period,
    pick: DevicePick,
) -> anyhow::Result<()> {
    let store = super::live_store(cfg.store, period);
    let mut config = BoardConfig {
        call_log: cfg.join.is_some(),
        ..config
    };
    let given = cfg.device_id.is_some();
    count_trends(&store, &config);
    let watcher = config.alarms.take().map(|r| {
        let cmd = config.on_alert.clone();
        super::alarms::spawn(r, store.clone(), period.zone, cmd, Clock::Wall)
    });
    let h = cfg.start(store.clone()).await?;
    let mut control = h.control.clone();
    if !given && pick == DevicePick::ListenIn {
        match h.roster.listen_in_device().await {
            Ok(id) => {
                tracing::info!(device = %id, "answer and listen-in use the listen-in device");
                control = control.with_device(id);
            }
            Err(why) => config.no_device = Some(why),
        }
    }
    let tally = crate::metrics::ControlTally::default();
    let _metrics = crate::metrics::serve_at(
        metrics,
        crate::metrics::Sources {
            store: store.clone(),
            conn: Some(h.conn.clone()),
            control: tally.clone(),
            extra: watcher.as_ref().map(|w| w.metrics()),
            account: h.account.clone(),
        },
    )
    .await?;
    let control = crate::metrics::Counted::new(control, tally);
    let control: Arc<dyn crate::core::control::Control> =
        Arc::new(Audited::new(control, store.clone()));
    let feed = crate::tui::Feed {
        source: h.handle(Some(control)),
        alarms: watcher.map(|w| w.changes),
        store,
    };
    let r = crate::tui::run(UiState::new(config), feed).await;
    let failed = match &*h.conn.borrow() {
        ConnState::Failed(why) => Some(why.clone()),
        _ => None,
    };
    h.shutdown().await;
    match (r, failed) {
        (Ok(()), Some(why)) => Err(anyhow::anyhow!(why)),
        (r, _) => r,
    }
}
