//! The live source: RingCentral WebSocket subscription with recovery.

use crate::platform::LiveArgs;

/// `calltop live --headless`: one line per applied event.
pub async fn run_headless(_args: LiveArgs) -> anyhow::Result<()> {
    anyhow::bail!("live mode is not built yet")
}
