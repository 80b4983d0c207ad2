//! `calltop sim`: the loopback RingCentral platform until Ctrl-C / SIGTERM; prints
//! where it listens and the demo credentials (with `export` lines to paste).
//! `calltop sim jwt EXT` prints the JWT of one of its users.

use crate::cli::{SimArgs, SimCommand, SimGenerateArgs, SimJwtArgs};
use crate::sim::{Faults, QueuePolicy, SimConfig};
use std::time::Duration;

/// The simulator configuration these flags describe.
pub fn config(a: &SimArgs) -> SimConfig {
    let seed = a.load.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
    });
    SimConfig {
        seed,
        account_id: a.load.account_id.clone(),
        calls_per_minute: a.load.calls_per_minute.max(0.0),
        extensions: users(a.load.extensions),
        faults: Faults {
            reorder: a.reorder.clamp(0.0, 1.0),
            duplicate: a.duplicate.clamp(0.0, 1.0),
            malformed: a.malformed.clamp(0.0, 1.0),
            drop_every: a
                .drop_every
                .filter(|s| *s > 0.0)
                .map(Duration::from_secs_f64),
            refuse_recovery: a.refuse_recovery,
            force_429_every: a.force_429_every.filter(|n| *n > 0),
            slow: a.slow_ms.map(Duration::from_millis),
            call_log_missing: a.call_log_missing.clamp(0.0, 1.0),
            heavy_429_storm: a.heavy_429_storm.map(Duration::from_secs),
            call_log_forbidden: a.call_log_forbidden,
            directory_forbidden: a.directory_forbidden,
            orphan_voicemail: a.orphan_voicemail.clamp(0.0, 1.0),
            mismatched_legs: a.mismatched_legs.clamp(0.0, 1.0),
        },
        access_token_ttl_secs: a.access_token_ttl.max(1),
        light_limit_per_min: a.light_limit,
        medium_limit_per_min: a.medium_limit,
        auth_limit_per_min: a.auth_limit,
        recovery_timeout_secs: a.recovery_timeout,
        time_scale: if a.time_scale > 0.0 {
            a.time_scale
        } else {
            1.0
        },
        heavy_limit_per_min: a.heavy_limit,
        warm_start: a.warm_start,
        queue_policies: QueuePolicy::defaults()
            .into_iter()
            .map(|p| QueuePolicy {
                sla_threshold_secs: a.sla_threshold.unwrap_or(p.sla_threshold_secs),
                ..p
            })
            .collect(),
        agent_churn: !a.no_agent_churn,
        call_log_delay_secs: a.call_log_delay.max(0.0),
        ..SimConfig::default()
    }
}

/// The simulator's user extensions for `--extensions N`.
fn users(extensions: u32) -> u32 {
    extensions.clamp(2, 500)
}

/// `calltop sim [--extensions N] jwt EXT`: the user's JWT on stdout, one line.
pub fn jwt(a: &SimArgs, j: &SimJwtArgs) -> anyhow::Result<()> {
    let jwt = crate::sim::user_jwt(users(a.load.extensions), &a.load.account_id, &j.extension)
        .map_err(anyhow::Error::msg)?;
    println!("{jwt}");
    Ok(())
}

/// Runs the simulator until Ctrl-C / SIGTERM, or its subcommand.
pub async fn run(args: SimArgs) -> anyhow::Result<()> {
    use std::io::Write;
    if let Some(SimCommand::Generate(g)) = &args.command {
        return generate(g.clone()).await;
    }
    let _log = crate::logging::init("sim");
    let cfg = config(&args);
    let seed = cfg.seed;
    let addr = tokio::net::lookup_host(&args.addr)
        .await
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "--addr {:?} is not a HOST:PORT this machine can listen on",
                args.addr
            )
        })?;
    let h = crate::sim::start(cfg, addr).await?;
    let c = h.credentials();
    // The banner in one write: a reader that stops after the line it needs (a test, a
    // script's `head`) never makes the simulator fail on its next line; a server keeps
    // serving whoever reads its output.
    let banner = format!(
        "listening on {}\nserver url:    {}\nclient id:     {}\nclient secret: {}\njwt:           {}\nseed:          {seed}\n# to run `calltop live` against it, paste:\n{}",
        h.base_url(),
        c.server_url,
        c.client_id,
        c.client_secret,
        c.jwt,
        c.exports()
    );
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(banner.as_bytes()).and_then(|()| out.flush()) {
        tracing::warn!("the banner was not written: {e}");
    }
    drop(out);
    super::headless::shutdown_signal().await;
    h.shutdown().await;
    Ok(())
}

/// `calltop sim generate`: the stream and its ground truth, on a simulated clock.
async fn generate(g: SimGenerateArgs) -> anyhow::Result<()> {
    use crate::wire::Ts;
    let seed = g.load.seed.unwrap_or_else(|| Ts::now().0 as u64);
    let start = match g.start {
        Some(t) => Ts(t.timestamp_millis()),
        None => {
            let now = Ts::now();
            Ts(now.0 - now.0 % 1000)
        }
    };
    let plan = crate::sim::generate::Plan {
        cfg: SimConfig {
            seed,
            account_id: g.load.account_id.clone(),
            calls_per_minute: g.load.calls_per_minute.max(0.0),
            extensions: users(g.load.extensions),
            ..SimConfig::default()
        },
        start,
        duration: g.duration,
        truth: g.truth.clone(),
        every: Duration::from_secs(15 * 60),
    };
    // A recorder appends; a generated stream replaces what was there.
    match std::fs::remove_file(&g.out) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            anyhow::bail!("cannot replace {}: {e}", g.out.display())
        }
        _ => {}
    }
    let recorder = crate::record::Recorder::create(&g.out, false)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", g.out.display()))?;
    let took = std::time::Instant::now();
    let done = tokio::task::spawn_blocking(move || {
        crate::sim::generate::generate(&plan, &mut Recording(recorder))
    })
    .await??;
    println!(
        "{}: {} lines, {} calls, {} of simulated time in {:.1} s (seed {seed}); ground truth: {} ({} lines)",
        g.out.display(),
        done.lines,
        done.calls,
        humanize(g.duration),
        took.elapsed().as_secs_f64(),
        g.truth.display(),
        done.truth_lines,
    );
    Ok(())
}

/// A generated stream into a recording, subscribed as `calltop live` subscribes.
struct Recording(crate::record::Recorder);

impl crate::sim::generate::Sink for Recording {
    fn event_filters(&self, queues: &[&str], users: &[&str]) -> Vec<String> {
        // As `calltop live` follows an account by default.
        crate::source::live::Subscription::default()
            .event_filters(queues.iter().copied(), users.iter().copied())
    }
    fn roster(
        &mut self,
        at: crate::wire::Ts,
        line: &crate::wire::RosterLine,
    ) -> std::io::Result<()> {
        self.0.write_roster(at, line)
    }
    fn frame(&mut self, at: crate::wire::Ts, raw: &str) -> std::io::Result<()> {
        self.0.write_frame(at, raw)
    }
    fn learned(&mut self, at: crate::wire::Ts, v: serde_json::Value) -> std::io::Result<()> {
        self.0.write_learned(at, v)
    }
    fn lines(&self) -> u64 {
        self.0.lines()
    }
}

fn humanize(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, s % 3600 / 60, s % 60) {
        (h, 0, 0) if h > 0 => format!("{h} h"),
        (0, m, 0) => format!("{m} min"),
        (h, m, s) => format!("{h}:{m:02}:{s:02}"),
    }
}
