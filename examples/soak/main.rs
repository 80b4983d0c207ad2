//! Soak: the simulator in-process with faults on at ≥ 200 notifications/s, the real
//! `calltop record` and `calltop live --headless --format json --record` binaries
//! against it for a set time, then checks: no notification lost from either
//! recording, the final state rebuilt from each recording equals the simulator's,
//! the headless process's RSS flat after warm-up, clean exits. Run by `scripts/soak`.

mod check;
mod children;

use calltop::sim::{Faults, SimConfig};
use clap::Parser;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Flags of the soak (defaults: the 2-minute CI run).
#[derive(Parser, Debug)]
struct Args {
    /// Load phase length in minutes.
    #[arg(long, default_value_t = 2.0)]
    minutes: f64,
    /// The `--on-end` command given to `live --headless` (a slow one by default).
    #[arg(long, default_value = "sleep 1")]
    on_end: String,
    /// Where recordings, child output and logs go (emptied first).
    #[arg(long, default_value = "target/soak")]
    out: PathBuf,
    /// The calltop binary (default: `calltop` next to this example's directory).
    #[arg(long)]
    calltop: Option<PathBuf>,
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// New calls per minute.
    #[arg(long, default_value_t = 1800.0)]
    calls_per_minute: f64,
    /// Multiplies every call duration.
    #[arg(long, default_value_t = 0.05)]
    time_scale: f64,
    /// User extensions in the simulated account.
    #[arg(long, default_value_t = 200)]
    extensions: u32,
    /// Notifications the sim buffers per WebSocket session for recovery (the real
    /// platform keeps 100; see BENCHMARKS.md, "Soak").
    #[arg(long, default_value_t = 20_000)]
    recovery_buffer: usize,
    /// Fault: drop every socket this many seconds after it opened.
    #[arg(long, default_value_t = 30.0)]
    drop_every: f64,
    /// Fault: every Nth API request gets a 429.
    #[arg(long, default_value_t = 4)]
    force_429_every: u32,
    #[arg(long, default_value_t = 0.10)]
    reorder: f64,
    #[arg(long, default_value_t = 0.05)]
    duplicate: f64,
    #[arg(long, default_value_t = 0.01)]
    malformed: f64,
    /// Ended calls each client keeps (`--keep-ended`): RSS is steady once this fills.
    #[arg(long, default_value_t = 500)]
    keep_ended: usize,
    /// Seconds before the warm-up RSS sample (default: 20 % of the run, at least 70 s:
    /// by then the clients' retention of ended calls has filled and the call-log join,
    /// which starts asking `--call-log-wait` after the first calls end, holds its working
    /// set — measured from 40 s, a run of the code before this change and after it both
    /// grew 13 % to the same plateau).
    #[arg(long)]
    warmup_secs: Option<f64>,
    /// Longest wait for the simulator's calls to end after the load phase.
    #[arg(long, default_value_t = 180)]
    drain_secs: u64,
    /// Seconds to wait after the calls ended before stopping the children.
    #[arg(long, default_value_t = 5)]
    settle_secs: u64,
}

/// The RSS windows are this long. RSS swings by tens of MiB for a few seconds around
/// socket drops and recovery bursts (a reconcile's working set, freed after); what a
/// leak raises is the floor between them, so the check compares the lower quartile of
/// 30 s of 0.5 s samples — a median moved with how many bursts fell in its window.
const WINDOW: Duration = Duration::from_secs(30);

/// The lower quartile of the RSS samples taken in `[from, to)`.
fn floor_in(samples: &[(Duration, u64)], from: Duration, to: Duration) -> Option<u64> {
    let mut v: Vec<u64> = samples
        .iter()
        .filter(|(t, r)| *t >= from && *t < to && *r > 0)
        .map(|(_, r)| *r)
        .collect();
    v.sort_unstable();
    v.get(v.len() / 4).copied()
}

/// One PASS/FAIL line; returns whether it passed.
fn verdict(name: &str, ok: bool, detail: &str) -> bool {
    println!("{} {name}: {detail}", if ok { "PASS" } else { "FAIL" });
    ok
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn calltop_bin(args: &Args) -> anyhow::Result<PathBuf> {
    if let Some(b) = &args.calltop {
        return Ok(b.clone());
    }
    // target/<profile>/examples/soak → target/<profile>/calltop
    let exe = std::env::current_exe()?;
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or_else(|| anyhow::anyhow!("no directory above {}", exe.display()))?;
    Ok(dir.join("calltop"))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let code = run(&args).await?;
    std::process::exit(code);
}

async fn run(args: &Args) -> anyhow::Result<i32> {
    let bin = calltop_bin(args)?;
    anyhow::ensure!(bin.exists(), "{} not built", bin.display());
    let _ = std::fs::remove_dir_all(&args.out);
    std::fs::create_dir_all(&args.out)?;
    let rec1 = args.out.join("record.jsonl");
    let rec2 = args.out.join("live.jsonl");
    let load = Duration::from_secs_f64(args.minutes * 60.0);
    let warmup = Duration::from_secs_f64(
        args.warmup_secs
            .unwrap_or((load.as_secs_f64() * 0.2).max(70.0))
            .min(load.as_secs_f64()),
    );

    let faults = Faults {
        reorder: args.reorder,
        duplicate: args.duplicate,
        malformed: args.malformed,
        drop_every: Some(Duration::from_secs_f64(args.drop_every)),
        force_429_every: Some(args.force_429_every).filter(|n| *n > 0),
        ..Faults::default()
    };
    let cfg = SimConfig {
        seed: args.seed,
        calls_per_minute: args.calls_per_minute,
        time_scale: args.time_scale,
        extensions: args.extensions,
        recovery_buffer_size: args.recovery_buffer,
        // 429s come from force_429_every; the per-user limits would otherwise put both
        // clients (one user) in a 60 s penalty after a few reconnects, and keep both
        // call-log joins (8 Heavy requests a minute each; any request in a penalty
        // renews it) in one for good: nothing joined, every ended call waiting out its
        // cutoff — memory that grows for the whole of a short run.
        light_limit_per_min: 100_000,
        medium_limit_per_min: 100_000,
        auth_limit_per_min: 100_000,
        heavy_limit_per_min: 100_000,
        // No calls until both clients are subscribed: every emitted uuid must be recorded.
        generate_calls: false,
        faults: faults.clone(),
        ..SimConfig::default()
    };
    println!(
        "soak: {:.1} min load, warm-up {:.0} s, seed {}, {} calls/min, time scale {}, faults {:?}, recovery buffer {}",
        args.minutes,
        warmup.as_secs_f64(),
        args.seed,
        args.calls_per_minute,
        args.time_scale,
        faults,
        args.recovery_buffer
    );
    let sim = calltop::sim::start(cfg, "127.0.0.1:0".parse()?).await?;
    println!("sim on {}, calltop {}", sim.base_url(), bin.display());

    let rec1_s = rec1.display().to_string();
    let rec2_s = rec2.display().to_string();
    let keep = args.keep_ended.to_string();
    // A slow end-of-call hook (1 s per call, four at a time) must hold nothing up.
    let on_end = args.on_end.clone();
    let mut record = children::spawn(
        &bin,
        "record",
        &["record", "--out", &rec1_s, "--keep-ended", &keep],
        &sim,
        &args.out,
    )?;
    let mut live = children::spawn(
        &bin,
        "live",
        &[
            "live",
            "--headless",
            "--format",
            "json",
            "--record",
            &rec2_s,
            "--keep-ended",
            &keep,
            "--on-end",
            &on_end,
        ],
        &sim,
        &args.out,
    )?;
    record.wait_for_output("connection live", 30)?;
    live.wait_for_output("\"state\":\"Live\"", 30)?;
    anyhow::ensure!(sim.emitted_uuids().is_empty(), "calls before the clients");
    sim.resume_new_calls();
    let t0 = Instant::now();
    println!("both clients live; load started");

    // Load phase: progress every 10 s; RSS sampled every 0.5 s. The warm-up and end
    // figures are lower quartiles over 30 s windows (after warm-up, and the last 30 s),
    // so samples taken mid-burst do not decide the check.
    let mut rss_warm = None;
    let mut sessions_warm = 0;
    let mut rss_max = 0u64;
    let mut samples: Vec<(Duration, u64)> = Vec::new();
    // Short runs (after warm-up less than two windows) use half of what is left.
    let window = WINDOW.min(load.saturating_sub(warmup) / 2);
    let mut early_exit = Vec::new();
    let mut next_report = Duration::from_secs(10);
    let mut series = String::from("seconds,emitted,live_rss_kib,record_rss_kib\n");
    while t0.elapsed() < load {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let el = t0.elapsed();
        let rss = live.rss_kib().unwrap_or(0);
        rss_max = rss_max.max(rss);
        samples.push((el, rss));
        if rss_warm.is_none() && el >= warmup + window {
            rss_warm = floor_in(&samples, warmup, warmup + window);
            sessions_warm = sim.call_states().len();
            println!(
                "warm-up RSS of live --headless ({:.0}–{:.0} s, lower quartile): {:.1} MiB",
                warmup.as_secs_f64(),
                (warmup + window).as_secs_f64(),
                mib(rss_warm.unwrap_or(0))
            );
        }
        for p in [&mut record, &mut live] {
            if let Some(st) = p.child.try_wait()? {
                early_exit.push(format!("{} exited during the load ({st})", p.name));
            }
        }
        if !early_exit.is_empty() {
            break;
        }
        if el >= next_report {
            next_report += Duration::from_secs(10);
            let n = sim.emitted_uuids().len();
            let rec_rss = record.rss_kib().unwrap_or(0);
            series.push_str(&format!("{:.0},{n},{rss},{rec_rss}\n", el.as_secs_f64()));
            println!(
                "  {:>4.0} s  emitted {:>7}  {:>6.1}/s  active calls {:>4}  RSS live {:.1} MiB record {:.1} MiB",
                el.as_secs_f64(),
                n,
                n as f64 / el.as_secs_f64(),
                sim.active_calls(),
                mib(rss),
                mib(rec_rss),
            );
        }
    }
    let load_secs = t0.elapsed().as_secs_f64();
    std::fs::write(args.out.join("rss.csv"), &series)?;
    let every: String = samples
        .iter()
        .map(|(t, r)| format!("{:.1},{r}\n", t.as_secs_f64()))
        .collect();
    std::fs::write(
        args.out.join("rss-samples.csv"),
        format!("seconds,live_rss_kib\n{every}"),
    )?;
    let rss_end = floor_in(&samples, load.saturating_sub(window), load + window);
    let sessions_end = sim.call_states().len();
    let emitted_in_load = sim.emitted_uuids().len();

    // Drain: no new calls, no faults, every call to its end, then a little more.
    sim.stop_new_calls();
    sim.set_faults(Faults::default());
    let drain_start = Instant::now();
    while sim.active_calls() > 0 && drain_start.elapsed() < Duration::from_secs(args.drain_secs) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let left = sim.active_calls();
    println!(
        "drained in {:.1} s ({} calls still active)",
        drain_start.elapsed().as_secs_f64(),
        left
    );
    tokio::time::sleep(Duration::from_secs(args.settle_secs)).await;
    let rss_after_drain = live.rss_kib();

    let mut exits = Vec::new();
    for p in [&mut record, &mut live] {
        let (st, killed) = p.terminate(20)?;
        exits.push((p.name, st, killed, p.stderr_text()));
    }
    let emitted = sim.emitted_uuids();
    let want = sim.party_codes();
    sim.shutdown().await;

    // Checks.
    let mut ok = true;
    println!();
    println!(
        "figures: {} notifications in {:.1} s of load = {:.1}/s achieved; {} total with the drain; {} sessions, {} parties in the sim",
        emitted_in_load,
        load_secs,
        emitted_in_load as f64 / load_secs,
        emitted.len(),
        want.keys().map(|k| &k.0).collect::<std::collections::HashSet<_>>().len(),
        want.len()
    );
    let headless = check::read_headless(&live.stdout)?;
    println!(
        "headless output: {} events, {} callEnded, {} recovered, {} resubscribed, {} offline ({} rate limited), {} malformed, {} warnings, {} unparsable lines",
        headless.events,
        headless.call_ended,
        headless.recovered,
        headless.resubscribed,
        headless.offline,
        headless.rate_limited,
        headless.malformed,
        headless.warnings,
        headless.unparsable_lines
    );
    ok &= verdict(
        "drain",
        left == 0,
        &format!("{left} sim calls still active after {} s", args.drain_secs),
    );
    for (label, path) in [("record", &rec1), ("live --record", &rec2)] {
        let r = match check::read_recording(path) {
            Ok(r) => r,
            Err(e) => {
                ok &= verdict(&format!("{label} recording"), false, &format!("{e}"));
                continue;
            }
        };
        println!(
            "{label}: {} lines, {} uuids, {} malformed frames counted, {} duplicates and {} stale recognised; {} ended calls joined to the call log, {} not",
            r.lines,
            r.uuids.len(),
            r.malformed,
            r.duplicate,
            r.stale,
            r.joined,
            r.unjoined
        );
        let missing: Vec<&String> = emitted.iter().filter(|u| !r.uuids.contains(*u)).collect();
        ok &= verdict(
            &format!("(a) {label}: every emitted uuid recorded"),
            missing.is_empty(),
            &format!(
                "{} of {} missing{}",
                missing.len(),
                emitted.len(),
                if missing.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (first: {})",
                        missing
                            .iter()
                            .take(5)
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            ),
        );
        let diff = check::state_diff(&want, &r.state);
        ok &= verdict(
            &format!("(b) {label}: final state equals the sim's"),
            diff.is_empty(),
            &format!(
                "{} of {} parties differ{}",
                diff.len(),
                want.len(),
                diff.iter()
                    .take(10)
                    .map(|d| format!("\n       {d}"))
                    .collect::<String>()
            ),
        );
    }
    match (rss_warm, rss_end) {
        (Some(w), Some(e)) => {
            let growth = (e as f64 - w as f64) / w as f64 * 100.0;
            let added = sessions_end.saturating_sub(sessions_warm);
            println!(
                "RSS context: the sim had {sessions_warm} sessions at warm-up, {sessions_end} at the end; {:.2} KiB of RSS per session added (each client keeps {} ended sessions: --keep-ended)",
                (e as f64 - w as f64) / added.max(1) as f64,
                args.keep_ended
            );
            ok &= verdict(
                "(c) RSS of live --headless at the end within 10 % of warm-up",
                growth.abs() <= 10.0,
                &format!(
                    "warm-up {:.1} MiB, end {:.1} MiB ({growth:+.1} %), max {:.1} MiB, after drain {:.1} MiB",
                    mib(w),
                    mib(e),
                    mib(rss_max),
                    mib(rss_after_drain.unwrap_or(0))
                ),
            );
        }
        _ => ok &= verdict("(c) RSS sampled", false, "no warm-up or end sample"),
    }
    let mut clean = early_exit.is_empty();
    let mut detail = early_exit.join("; ");
    for (name, st, killed, stderr) in &exits {
        let panicked = stderr.contains("panicked");
        clean &= st.code() == Some(0) && !killed && !panicked;
        if !detail.is_empty() {
            detail.push_str("; ");
        }
        detail.push_str(&format!(
            "{name}: {st}{}{}",
            if *killed { ", killed after 20 s" } else { "" },
            if panicked { ", PANICKED" } else { "" }
        ));
        if !stderr.trim().is_empty() {
            detail.push_str(&format!(
                " stderr: {}",
                stderr.lines().take(3).collect::<Vec<_>>().join(" | ")
            ));
        }
    }
    ok &= verdict("(d) no panic, exit codes 0", clean, &detail);
    println!("soak {}", if ok { "PASSED" } else { "FAILED" });
    Ok(if ok { 0 } else { 1 })
}
