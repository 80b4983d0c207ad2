//! Talking to RingCentral over HTTP: credentials, auth (JWT grant, refresh,
//! wstoken, revoke), the shared request handling and the Call Control client.

pub mod auth;
pub mod control;
pub mod credentials;
pub mod http;

pub use auth::{Auth, AuthStats};
pub use control::{ControlAction, ControlClient, ControlOutcome, Target};
pub use credentials::Credentials;
pub use http::{Http, HttpError};

use std::path::PathBuf;

/// Output format of the headless modes.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// One human line per event.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Flags shared by every mode that connects to the platform (`live`, `record`).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ConnectArgs {
    /// Subscribe to the current extension's calls instead of the whole account.
    #[arg(long)]
    pub extension: bool,
    /// Platform URL (overrides RINGCENTRAL_SERVER_URL / the config file).
    #[arg(long)]
    pub server: Option<String>,
    /// Credentials file (`KEY=value` lines, mode 0600) instead of the environment.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Mask phone numbers and names in the recording (stable per value).
    #[arg(long)]
    pub redact: bool,
    /// The supervisor's device id, used by answer and supervise.
    #[arg(long)]
    pub device_id: Option<String>,
    /// Extra event-filter query, e.g. `direction=Inbound` or `statusCode=Answered`.
    #[arg(long = "filter")]
    pub filters: Vec<String>,
    /// Ended calls kept for the history view and the totals (older ones are evicted).
    #[arg(long, default_value_t = crate::core::StoreConfig::default().max_ended)]
    pub keep_ended: usize,
    /// Minutes an ended call is kept at most.
    #[arg(long, default_value_t = crate::core::StoreConfig::default().max_ended_age_ms / 60_000)]
    pub keep_ended_minutes: i64,
}

impl ConnectArgs {
    /// The store's retention from `--keep-ended` / `--keep-ended-minutes`.
    pub fn store_config(&self) -> crate::core::StoreConfig {
        crate::core::StoreConfig {
            max_ended: self.keep_ended,
            max_ended_age_ms: self.keep_ended_minutes.saturating_mul(60_000),
            ..crate::core::StoreConfig::default()
        }
    }

    /// Loads the credentials these flags point at.
    pub fn credentials(&self) -> anyhow::Result<Credentials> {
        Credentials::load(self.config.as_deref(), self.server.as_deref())
    }
}

/// Command-line flags of `calltop live`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct LiveArgs {
    /// Print one line per applied event instead of drawing the board.
    #[arg(long)]
    pub headless: bool,
    /// Disable every control key.
    #[arg(long)]
    pub read_only: bool,
    /// Also append every raw frame to this file.
    #[arg(long)]
    pub record: Option<PathBuf>,
    /// Headless output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Board options (theme, keys, alerts), as for `demo` and `replay`.
    #[command(flatten)]
    pub board: crate::tui::BoardArgs,
}
