//! `calltop sim`: a loopback RingCentral platform (OAuth, wstoken, WebSocket gateway,
//! Call Control REST) with its own call generator.

/// Command-line flags of `calltop sim`.
#[derive(clap::Args, Debug, Clone)]
pub struct SimArgs {
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub addr: std::net::SocketAddr,
}

/// Runs the simulator until Ctrl-C / SIGTERM.
pub async fn run(_args: SimArgs) -> anyhow::Result<()> {
    anyhow::bail!("the simulator is not built yet")
}
