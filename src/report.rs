//! `calltop report`: headless per-session, per-party figures and a summary.

/// Flags of `calltop report`.
#[derive(clap::Args, Debug, Clone)]
pub struct ReportArgs {
    /// A recorded stream or capture.
    pub file: std::path::PathBuf,
}

/// Runs the report.
pub fn run(_args: ReportArgs) -> anyhow::Result<()> {
    anyhow::bail!("report is not built yet")
}
