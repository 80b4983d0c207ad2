//! The real `calltop` binaries as child processes: spawning them against the
//! simulator, waiting for them to be live, their RSS, and stopping them with SIGTERM.

use anyhow::Context;
use calltop::sim::SimHandle;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// One running `calltop` child with its output files.
pub struct Proc {
    pub name: &'static str,
    pub child: Child,
    pub stdout: PathBuf,
    pub stderr: PathBuf,
}

/// Starts `calltop ARGS` with the simulator's credentials in the environment,
/// stdout/stderr to `<dir>/<name>.stdout|.stderr`, logs in `<dir>/logs`.
pub fn spawn(
    bin: &Path,
    name: &'static str,
    args: &[&str],
    sim: &SimHandle,
    dir: &Path,
) -> anyhow::Result<Proc> {
    let c = sim.credentials();
    let stdout = dir.join(format!("{name}.stdout"));
    let stderr = dir.join(format!("{name}.stderr"));
    let child = Command::new(bin)
        .args(args)
        .env("RINGCENTRAL_SERVER_URL", sim.base_url())
        .env("RINGCENTRAL_CLIENT_ID", &c.client_id)
        .env("RINGCENTRAL_CLIENT_SECRET", &c.client_secret)
        .env("RINGCENTRAL_JWT", &c.jwt)
        .env("CALLTOP_LOG_DIR", dir.join("logs"))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout)?)
        .stderr(std::fs::File::create(&stderr)?)
        .spawn()
        .with_context(|| format!("spawning {} {}", bin.display(), args.join(" ")))?;
    Ok(Proc {
        name,
        child,
        stdout,
        stderr,
    })
}

impl Proc {
    /// Waits until the child's stdout shows the subscription live (`needle`), or fails
    /// if it exits or `secs` pass.
    pub fn wait_for_output(&mut self, needle: &str, secs: u64) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let out = std::fs::read_to_string(&self.stdout).unwrap_or_default();
            if out.contains(needle) {
                return Ok(());
            }
            if let Some(st) = self.child.try_wait()? {
                anyhow::bail!("{} exited early ({st}): {}", self.name, self.stderr_text());
            }
            if Instant::now() > deadline {
                anyhow::bail!("{} not live after {secs} s", self.name);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Resident set size in KiB (`VmRSS` of /proc/<pid>/status).
    pub fn rss_kib(&self) -> Option<u64> {
        rss_kib(self.child.id())
    }

    /// Sends SIGTERM and waits (at most `secs`, then SIGKILL).
    pub fn terminate(&mut self, secs: u64) -> anyhow::Result<(ExitStatus, bool)> {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(st) = self.child.try_wait()? {
                return Ok((st, false));
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                return Ok((self.child.wait()?, true));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The child's stderr so far.
    pub fn stderr_text(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }
}

/// `VmRSS` of a process in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}
