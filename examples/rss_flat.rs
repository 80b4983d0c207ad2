//! The RSS-flatness check (CI): runs the real `calltop report` on a generated stream
//! (`calltop::synth`, fed through a pipe: nothing on disk) at two lengths and fails
//! when its peak resident set at the longer one exceeds the shorter one's by more
//! than the allowed growth — a report's memory must follow the calls in progress, not
//! the length of the file. The peak is the kernel's (`ru_maxrss` of the reaped child).
//! A length's peak swings by several MiB from run to run (measured 71.6–77.8 MiB at 200k
//! events, debug build, same machine): each length runs `--runs` times, the lengths in
//! turn, and its lowest peak is the one compared — what that length needs, whatever else
//! the machine did meanwhile; memory that grows with the file grows in every run.
//!
//! `cargo run --example rss_flat -- [--calltop target/debug/calltop] [--events 50000,200000] [--runs 3] [--concurrent 2000] [--max-growth 10] [--calls]`

use calltop::synth::{self, Kind};
use std::io::{BufWriter, Write};
use std::process::{Command, Stdio};
use std::time::Instant;

/// What one run of `calltop report` took.
struct Run {
    peak_kib: i64,
    seconds: f64,
}

/// Runs `calltop report --format csv /dev/stdin` on `events` events of `kind`.
fn run(calltop: &str, kind: Kind, events: usize, concurrent: usize) -> anyhow::Result<Run> {
    let started = Instant::now();
    let mut child = Command::new(calltop)
        .args(["report", "--format", "csv", "/dev/stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| anyhow::anyhow!("{calltop}: {e}"))?;
    let stdin = child.stdin.take().expect("piped");
    let feeder = std::thread::spawn(move || -> std::io::Result<()> {
        let mut w = BufWriter::with_capacity(1 << 20, stdin);
        if kind == Kind::Center {
            let roster = serde_json::json!({ "roster": synth::center_directory() });
            let at = calltop::wire::Ts(1_700_000_000_000);
            w.write_all(calltop::record::learned_line(at, roster, None).as_bytes())?;
        }
        for line in synth::lines(kind, events, concurrent, 7) {
            w.write_all(line.as_bytes())?;
            w.write_all(b"\n")?;
        }
        w.flush()
    });
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our child, not yet reaped (std never waited on it).
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    anyhow::ensure!(reaped == pid, "wait4: {}", std::io::Error::last_os_error());
    feeder
        .join()
        .map_err(|_| anyhow::anyhow!("the feeder panicked"))??;
    anyhow::ensure!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "calltop report failed on {events} events (wait status {status})"
    );
    Ok(Run {
        peak_kib: usage.ru_maxrss,
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn main() -> anyhow::Result<()> {
    let (mut calltop, mut lengths, mut concurrent, mut max_growth, mut kind) = (
        "target/debug/calltop".to_string(),
        vec![50_000usize, 200_000],
        2_000usize,
        10.0f64,
        Kind::Center,
    );
    let mut rounds = 3usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--calls" {
            kind = Kind::Calls;
            continue;
        }
        let v = args
            .next()
            .ok_or_else(|| anyhow::anyhow!("{a} needs a value"))?;
        match a.as_str() {
            "--calltop" => calltop = v,
            "--events" => {
                lengths = v
                    .split(',')
                    .map(|n| n.trim().parse())
                    .collect::<Result<_, _>>()?
            }
            "--concurrent" => concurrent = v.parse()?,
            "--runs" => rounds = v.parse::<usize>()?.max(1),
            "--max-growth" => max_growth = v.parse()?,
            _ => anyhow::bail!("unknown flag {a}"),
        }
    }
    anyhow::ensure!(lengths.len() >= 2, "--events needs two lengths or more");
    let mut runs: Vec<(usize, Run)> = Vec::new();
    for round in 1..=rounds {
        for (i, &n) in lengths.iter().enumerate() {
            let r = run(&calltop, kind, n, concurrent)?;
            println!(
                "rss_flat: run {round}/{rounds}: calltop report, {n} events of {kind:?} ({concurrent} calls at once): peak RSS {:.1} MiB, {:.1} s",
                r.peak_kib as f64 / 1024.0,
                r.seconds
            );
            match runs.get_mut(i) {
                Some((_, low)) if low.peak_kib <= r.peak_kib => {}
                Some(low) => low.1 = r,
                None => runs.push((n, r)),
            }
        }
    }
    for (n, r) in &runs {
        println!(
            "rss_flat: {n} events: lowest peak RSS {:.1} MiB of {rounds}",
            r.peak_kib as f64 / 1024.0
        );
    }
    let (n0, first) = &runs[0];
    let (n1, last) = runs.last().expect("two runs");
    let growth = (last.peak_kib - first.peak_kib) as f64 * 100.0 / first.peak_kib as f64;
    println!("rss_flat: {n0} -> {n1} events: {growth:+.1} % (allowed +{max_growth} %)");
    if growth > max_growth {
        eprintln!(
            "rss_flat: FAIL: calltop report's memory grows with the file: lowest peak RSS {:.1} MiB at {n0} events, {:.1} MiB at {n1} ({growth:+.1} %, allowed +{max_growth} %)",
            first.peak_kib as f64 / 1024.0,
            last.peak_kib as f64 / 1024.0
        );
        std::process::exit(1);
    }
    Ok(())
}
