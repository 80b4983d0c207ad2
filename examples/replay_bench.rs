//! Replay of a large recording, timed as `calltop replay` meets it: opening (no index,
//! then the cached one) up to the store of the first frame, the index pass, and 100
//! jumps to random moments (each: the keyframe restored aside and the values up to
//! the moment applied, or the move forward). Prints the times and the peak RSS.
//!
//! `cargo run --release --example replay_bench -- FILE [--cache DIR] [--jumps N] [--seed S]`

use calltop::core::SessionStore;
use calltop::source::index::IndexCache;
use calltop::source::replay::{Jump, Options, Replay};
use calltop::synth::Rng;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `VmHWM` (peak resident set) of this process, in MiB.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Opens the recording and makes the first frame's store, as the replay mode does.
fn first_frame(file: &std::path::Path, cache: &IndexCache) -> (Replay, SessionStore, Duration) {
    let t = Instant::now();
    let opts = Options {
        cache: Some(cache.clone()),
        ..Options::default()
    };
    let mut rp = Replay::open(file, opts).expect("opens");
    let mut store = rp.new_store();
    rp.advance_to(rp.start(), &mut store);
    (rp, store, t.elapsed())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() -> anyhow::Result<()> {
    calltop::memory::configure();
    let mut args = std::env::args().skip(1);
    let file = PathBuf::from(args.next().ok_or_else(|| {
        anyhow::anyhow!("usage: replay_bench FILE [--cache DIR] [--jumps N] [--seed S]")
    })?);
    let (mut dir, mut jumps, mut seed) =
        (PathBuf::from("target/replay-bench-cache"), 100usize, 1u64);
    while let Some(a) = args.next() {
        let v = args.next().unwrap_or_default();
        match a.as_str() {
            "--cache" => dir = v.into(),
            "--jumps" => jumps = v.parse()?,
            "--seed" => seed = v.parse()?,
            _ => anyhow::bail!("unknown flag {a}"),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let cache = IndexCache::Dir(dir.clone());
    let size = std::fs::metadata(&file)?.len();
    println!("{}: {:.0} MiB", file.display(), size as f64 / 1_048_576.0);

    let t = Instant::now();
    let (rp, _, first) = first_frame(&file, &cache);
    println!("no index: first frame's store in {:.1} ms", ms(first));
    while rp.summary().is_none() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let s = rp.summary().expect("indexed");
    println!(
        "index pass: {:.2} s, {} values, {} keyframes, index file {:.0} MiB; peak RSS so far {:.0} MiB",
        t.elapsed().as_secs_f64(),
        s.end_pos.value,
        rp.index().keyframes(),
        rp.index()
            .file()
            .and_then(|f| std::fs::metadata(f).ok())
            .map_or(0.0, |m| m.len() as f64 / 1_048_576.0),
        peak_rss_mib()
    );
    drop(rp);

    let (mut rp, mut store, first) = first_frame(&file, &cache);
    assert!(rp.summary().is_some(), "the cached index is used");
    println!("cached index: first frame's store in {:.1} ms", ms(first));

    let (start, end) = (rp.start(), rp.end());
    let mut rng = Rng::new(seed);
    let mut times = Vec::with_capacity(jumps);
    for _ in 0..jumps {
        let t = start.plus_millis((rng.below(start.millis_until(end) as u64 + 1)) as i64);
        let began = Instant::now();
        match rp.jump(t) {
            Jump::Forward(t) => {
                rp.advance_to(t, &mut store);
            }
            Jump::Rebuilt(s) => store = *s,
        }
        times.push(began.elapsed());
    }
    times.sort();
    let pct =
        |p: f64| ms(times[((times.len() as f64 * p).ceil() as usize).clamp(1, times.len()) - 1]);
    println!(
        "{jumps} jumps to random moments: p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        pct(0.5),
        pct(0.9),
        pct(0.99),
        ms(*times.last().expect("jumps"))
    );
    println!("peak RSS {:.0} MiB", peak_rss_mib());
    Ok(())
}
