//! Writes a deterministic synthetic notification stream (`calltop::synth::stream`) as
//! JSON Lines, for load scripts such as `scripts/peer-bench`.
//!
//! `cargo run --release --example gen_stream -- --events N --concurrent C --seed S --out FILE`

use clap::Parser;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

/// Flags of the generator.
#[derive(Parser, Debug)]
#[command(about = "Writes calltop::synth::stream(events, concurrent, seed) as JSON Lines")]
struct Args {
    /// Number of notifications.
    #[arg(long, default_value_t = 200_000)]
    events: usize,
    /// Calls in progress at any time.
    #[arg(long, default_value_t = 1_000)]
    concurrent: usize,
    /// Generator seed (the same seed gives the same stream everywhere).
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Output file; standard output when absent or `-`.
    #[arg(long)]
    out: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let lines = calltop::synth::stream(args.events, args.concurrent, args.seed);
    let sink: Box<dyn Write> = match &args.out {
        Some(p) if p.as_os_str() != "-" => {
            let file = std::fs::File::create(p);
            Box::new(file.map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?)
        }
        _ => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::with_capacity(1 << 20, sink);
    for line in &lines {
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}
