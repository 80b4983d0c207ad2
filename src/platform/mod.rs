//! Talking to RingCentral over HTTP and WebSocket: credentials, auth (JWT grant,
//! refresh, wstoken), the Call Control client.

/// Command-line flags of `calltop live`.
#[derive(clap::Args, Debug, Clone)]
pub struct LiveArgs {
    /// Print one line per applied event instead of drawing the board.
    #[arg(long)]
    pub headless: bool,
    /// Disable every control key.
    #[arg(long)]
    pub read_only: bool,
}
