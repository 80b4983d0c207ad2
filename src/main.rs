//! The `calltop` binary: parses the command line and hands over to one mode.

use clap::{Parser, Subcommand};

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "calltop",
    version,
    about = "A terminal live call monitor for RingCentral telephony"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The live board against the embedded simulator: no account, no flags.
    Demo(calltop::tui::DemoArgs),
    /// Monitor a real RingCentral account (board, or --headless lines).
    Live(calltop::platform::LiveArgs),
    /// The board fed from a recording or capture.
    Replay(calltop::tui::ReplayArgs),
    /// Per-session, per-party figures and a summary from a recorded stream.
    Report(calltop::report::ReportArgs),
    /// Record the live notification stream to a file, headless.
    Record(calltop::record::RecordArgs),
    /// Run the loopback RingCentral platform simulator.
    Sim(calltop::sim::SimArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Report(a) => calltop::report::run(a),
        other => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(anyhow::Error::from)
            .and_then(|rt| {
                rt.block_on(async move {
                    match other {
                        Command::Demo(a) => calltop::tui::run_demo(a).await,
                        Command::Live(a) if a.headless => {
                            calltop::source::live::run_headless(a).await
                        }
                        Command::Live(a) => calltop::tui::run_live(a).await,
                        Command::Replay(a) => calltop::tui::run_replay(a).await,
                        Command::Record(a) => calltop::record::run(a).await,
                        Command::Sim(a) => calltop::sim::run(a).await,
                        Command::Report(_) => unreachable!("handled above"),
                    }
                })
            }),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("calltop: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
