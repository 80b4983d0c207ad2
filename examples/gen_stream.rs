//! Writes a deterministic synthetic notification stream (`calltop::synth`) as JSON Lines,
//! of any length in constant memory (each line is made as it is written), for load
//! scripts such as `scripts/peer-bench`, benches and the RSS-flatness check
//! (`examples/rss_flat.rs`).
//!
//! `cargo run --release --example gen_stream -- --events N --concurrent C --seed S [--center] --out FILE`
//!
//! With `--center`, a contact center's queue calls (`synth::center_stream`), the
//! directory of its queues and agents first (a recording's `roster` line).

use calltop::synth::{self, Kind};
use clap::Parser;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

/// Flags of the generator.
#[derive(Parser, Debug)]
#[command(about = "Writes a calltop::synth stream (events, concurrent, seed) as JSON Lines")]
struct Args {
    /// Number of notifications (10k to 10M and more: memory stays constant).
    #[arg(long, default_value_t = 200_000)]
    events: usize,
    /// Calls in progress at any time.
    #[arg(long, default_value_t = 1_000)]
    concurrent: usize,
    /// Generator seed (the same seed gives the same stream everywhere).
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// A contact center's queue calls, its directory first, instead of two-party calls.
    #[arg(long)]
    center: bool,
    /// Output file; standard output when absent or `-`.
    #[arg(long)]
    out: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let sink: Box<dyn Write> = match &args.out {
        Some(p) if p.as_os_str() != "-" => {
            let file = std::fs::File::create(p);
            Box::new(file.map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?)
        }
        _ => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::with_capacity(1 << 20, sink);
    let kind = if args.center {
        let at = calltop::wire::Ts(1_700_000_000_000);
        let roster = serde_json::json!({ "roster": synth::center_directory() });
        out.write_all(calltop::record::learned_line(at, roster, None).as_bytes())?;
        Kind::Center
    } else {
        Kind::Calls
    };
    for line in synth::lines(kind, args.events, args.concurrent, args.seed) {
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}
