//! The terminal board: app loop, keymap, views, theme, terminal guard.

use crate::platform::LiveArgs;

/// Flags of `calltop demo`.
#[derive(clap::Args, Debug, Clone)]
pub struct DemoArgs {}

/// Flags of `calltop replay`.
#[derive(clap::Args, Debug, Clone)]
pub struct ReplayArgs {
    /// A recording or capture file.
    pub file: std::path::PathBuf,
}

/// `calltop demo`.
pub async fn run_demo(_args: DemoArgs) -> anyhow::Result<()> {
    anyhow::bail!("the board is not built yet")
}

/// `calltop live` (board).
pub async fn run_live(_args: LiveArgs) -> anyhow::Result<()> {
    anyhow::bail!("the board is not built yet")
}

/// `calltop replay`.
pub async fn run_replay(_args: ReplayArgs) -> anyhow::Result<()> {
    anyhow::bail!("the board is not built yet")
}
