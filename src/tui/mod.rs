//! The terminal board: app loop, keymap, views, theme, terminal guard.

pub mod action;
pub mod app;
pub mod connect;
pub mod derived;
pub mod keymap;
pub mod state;
pub mod terminal;
pub mod theme;
pub mod views;

use crate::core::{SessionStore, StoreConfig};
use crate::platform::LiveArgs;
use crate::source::replay::{self, Replay, Speed};
use keymap::Keymap;
use state::{Mode, UiState};
use theme::{Theme, ThemeName};

/// Board options shared by every mode.
#[derive(clap::Args, Debug, Clone)]
pub struct BoardArgs {
    /// Colour theme (NO_COLOR forces mono).
    #[arg(long, value_enum, default_value_t = ThemeName::Dark)]
    pub theme: ThemeName,
    /// Key overrides (`action = key, key` lines); default `~/.config/calltop/keys.conf`.
    #[arg(long)]
    pub keys: Option<std::path::PathBuf>,
    /// Ring the terminal bell when a call crosses the red threshold.
    #[arg(long)]
    pub bell: bool,
    /// Ring alert thresholds in seconds: amber,red.
    #[arg(long, default_value = "20,45", value_parser = parse_pair)]
    pub ring_alert: (i64, i64),
    /// Hold alert thresholds in seconds: amber,red.
    #[arg(long, default_value = "60,180", value_parser = parse_pair)]
    pub hold_alert: (i64, i64),
    /// Park alert thresholds in seconds: amber,red.
    #[arg(long, default_value = "60,180", value_parser = parse_pair)]
    pub park_alert: (i64, i64),
    /// Print the key table (Markdown) and exit.
    #[arg(long)]
    pub print_keys: bool,
}

impl Default for BoardArgs {
    fn default() -> Self {
        let t = state::Thresholds::default();
        BoardArgs {
            theme: ThemeName::Dark,
            keys: None,
            bell: false,
            ring_alert: t.ring,
            hold_alert: t.hold,
            park_alert: t.park,
            print_keys: false,
        }
    }
}

fn parse_pair(s: &str) -> Result<(i64, i64), String> {
    let (a, b) = s
        .split_once(',')
        .ok_or_else(|| format!("expected amber,red seconds, not {s:?}"))?;
    let ms = |x: &str| {
        let secs = x
            .trim()
            .parse::<i64>()
            .map_err(|_| format!("{x:?} is not a number of seconds"))?;
        secs.checked_mul(1000)
            .ok_or_else(|| format!("{x:?} seconds is out of range"))
    };
    let (a, b) = (ms(a)?, ms(b)?);
    if a > b {
        return Err("the amber threshold must not exceed the red one".into());
    }
    Ok((a, b))
}

impl BoardArgs {
    /// Builds the UI state these options describe.
    pub fn ui(&self, mode: Mode) -> anyhow::Result<UiState> {
        let mut ui = UiState::new(mode);
        ui.theme = Theme::pick(self.theme);
        ui.keymap = match self.keys.clone().or_else(Keymap::default_path) {
            Some(p) => Keymap::load(&p)?,
            None => Keymap::default(),
        };
        ui.bell = self.bell;
        ui.thresholds = state::Thresholds {
            ring: self.ring_alert,
            hold: self.hold_alert,
            park: self.park_alert,
        };
        Ok(ui)
    }

    /// Handles `--print-keys`; true when the program should exit.
    pub fn print_keys(&self) -> anyhow::Result<bool> {
        if self.print_keys {
            print!("{}", self.ui(Mode::Demo)?.keymap.markdown());
        }
        Ok(self.print_keys)
    }
}

/// Flags of `calltop demo`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct DemoArgs {
    /// Disable every control key.
    #[arg(long)]
    pub read_only: bool,
    /// New calls per minute in the simulator.
    #[arg(long, default_value_t = 8.0)]
    pub calls_per_minute: f64,
    /// Simulator seed (same seed, same calls).
    #[arg(long)]
    pub seed: Option<u64>,
    #[command(flatten)]
    pub board: BoardArgs,
}

/// Flags of `calltop replay`.
#[derive(clap::Args, Debug, Clone)]
pub struct ReplayArgs {
    /// A recording or capture file.
    pub file: std::path::PathBuf,
    /// Replay speed: 1, 2, 5, 10 or max.
    #[arg(long, default_value = "1", value_parser = Speed::parse)]
    pub speed: Speed,
    /// Start paused.
    #[arg(long)]
    pub paused: bool,
    #[command(flatten)]
    pub board: BoardArgs,
}

/// `calltop demo`.
pub async fn run_demo(args: DemoArgs) -> anyhow::Result<()> {
    if args.board.print_keys()? {
        return Ok(());
    }
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
    let c = sim.credentials();
    let creds = crate::platform::Credentials {
        server_url: sim.base_url(),
        client_id: c.client_id,
        client_secret: c.client_secret,
        jwt: c.jwt,
    };
    tracing::info!(url = %sim.base_url(), "demo simulator started");
    let mut ui = args.board.ui(Mode::Demo)?;
    ui.read_only = args.read_only;
    ui.account = format!("simulator {}", sim.base_url());
    let r = connect::run_board(ui, crate::source::live::LiveConfig::new(creds)).await;
    sim.shutdown().await;
    r
}

/// `calltop live` (board).
pub async fn run_live(args: LiveArgs) -> anyhow::Result<()> {
    if args.board.print_keys()? {
        return Ok(());
    }
    let _log = crate::logging::init("tui");
    let cfg = crate::source::live::LiveConfig::from_args(&args)?;
    let mut ui = args.board.ui(Mode::Live)?;
    ui.read_only = args.read_only;
    let level = if cfg.extension_level {
        "extension"
    } else {
        "account"
    };
    ui.account = format!("{level} @ {}", cfg.credentials.server_url);
    connect::run_board(ui, cfg).await
}

/// `calltop replay`.
pub async fn run_replay(args: ReplayArgs) -> anyhow::Result<()> {
    if args.board.print_keys()? {
        return Ok(());
    }
    let _log = crate::logging::init("tui");
    let rp = Replay::load(&args.file, StoreConfig::default())?;
    if rp.is_empty() {
        anyhow::bail!("{}: no values to replay", args.file.display());
    }
    for (line, err) in rp.bad.iter().take(5) {
        tracing::warn!("{}:{line}: skipped: {err}", args.file.display());
    }
    let mut ui = args.board.ui(Mode::Replay)?;
    ui.account = format!(
        "file {}",
        args.file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    );
    let store = crate::source::shared(SessionStore::default());
    let h = replay::spawn(rp, store.clone(), args.speed, args.paused);
    let wiring = app::Wiring {
        store,
        generation: h.generation.clone(),
        replay: Some((h.cmds.clone(), h.status.clone())),
        conn: None,
        control: None,
    };
    let r = app::run(ui, wiring).await;
    h.task.abort();
    r
}
