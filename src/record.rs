//! The raw-frame recorder: one JSON line per received frame, appended, 0600.

/// Command-line flags of `calltop record`.
#[derive(clap::Args, Debug, Clone)]
pub struct RecordArgs {
    /// File to append to.
    #[arg(long)]
    pub out: std::path::PathBuf,
}

/// `calltop record`: headless capture.
pub async fn run(_args: RecordArgs) -> anyhow::Result<()> {
    anyhow::bail!("record is not built yet")
}
