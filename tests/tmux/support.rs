//! The real binary in a tmux pane (driven with send-keys, read with capture-pane,
//! polled with deadlines — never fixed sleeps), and the real `calltop sim` as a
//! background process. Each pane runs on a tmux server of its own (`-L`).
#![allow(dead_code)]

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Fails (not skips) when tmux is missing: CI installs it.
pub fn require_tmux() {
    let ok = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(ok, "tmux is required for this test: run scripts/test, which installs it (or apt-get install tmux)");
}

/// One tmux server with one pane of `w`×`h` running `cmd`.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn start(w: u16, h: u16, cmd: &str) -> Tmux {
        require_tmux();
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let socket = format!("calltop-test-{}-{n}", std::process::id());
        let t = Tmux { socket };
        let (w, h) = (w.to_string(), h.to_string());
        let ok = t
            .tmux(&["new-session", "-d", "-x", &w, "-y", &h, "-s", "main", cmd])
            .status()
            .expect("tmux runs")
            .success();
        assert!(ok, "tmux new-session failed");
        t
    }

    fn tmux(&self, args: &[&str]) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]).args(args);
        c
    }

    /// Sends key names (`Enter`, `Escape`, `q`, …).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "main"];
        args.extend_from_slice(keys);
        assert!(self.tmux(&args).status().expect("tmux").success());
    }

    /// Types text literally.
    pub fn literal(&self, text: &str) {
        let ok = self
            .tmux(&["send-keys", "-t", "main", "-l", text])
            .status()
            .expect("tmux")
            .success();
        assert!(ok);
    }

    /// The pane's text now.
    pub fn screen(&self) -> String {
        let out = self
            .tmux(&["capture-pane", "-p", "-t", "main"])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Polls the screen until `pred` holds; panics with the last screen at the deadline.
    pub fn wait(&self, what: &str, secs: u64, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]).status();
    }
}

/// The real `calltop sim` in the background; killed on drop.
pub struct SimProcess {
    child: Child,
    pub url: String,
    pub id: String,
    pub secret: String,
    pub jwt: String,
    args: Vec<String>,
}

impl SimProcess {
    /// Starts `calltop sim` with these arguments (plus `--addr` if not given).
    pub fn start(args: &[&str]) -> SimProcess {
        let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        if !args.iter().any(|a| a == "--addr") {
            args.extend(["--addr".into(), "127.0.0.1:0".into()]);
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_calltop"))
            .arg("sim")
            .args(&args)
            .env("CALLTOP_LOG_DIR", std::env::temp_dir())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("calltop sim starts");
        let mut lines = std::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut next = || lines.next().expect("banner line").expect("utf-8");
        let url = next()
            .strip_prefix("listening on ")
            .expect("first line")
            .to_string();
        let (mut id, mut secret, mut jwt) = (String::new(), String::new(), String::new());
        while jwt.is_empty() {
            let l = next();
            let (k, v) = l.split_once(':').unwrap_or(("", ""));
            match k.trim() {
                "client id" => id = v.trim().into(),
                "client secret" => secret = v.trim().into(),
                "jwt" => jwt = v.trim().into(),
                _ => {}
            }
        }
        // Keep reading what the sim prints: a closed pipe would kill it at its next line.
        std::thread::spawn(move || lines.for_each(drop));
        SimProcess {
            child,
            url,
            id,
            secret,
            jwt,
            args,
        }
    }

    /// `host:port` it listens on.
    pub fn addr(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    /// The environment for `calltop live` against it, as shell assignments.
    pub fn env(&self, secret: Option<&str>) -> String {
        format!(
            "RINGCENTRAL_SERVER_URL={} RINGCENTRAL_CLIENT_ID={} RINGCENTRAL_CLIENT_SECRET={} RINGCENTRAL_JWT={}",
            self.url,
            self.id,
            secret.unwrap_or(&self.secret),
            self.jwt
        )
    }

    /// Kills it (SIGKILL) and waits.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts it again on the same address, with the same arguments.
    pub fn restart(&mut self) -> Instant {
        self.kill();
        let addr = self.addr().to_string();
        let mut args: Vec<String> = Vec::new();
        let mut it = self.args.iter();
        while let Some(a) = it.next() {
            if a == "--addr" {
                it.next();
            } else {
                args.push(a.clone());
            }
        }
        args.extend(["--addr".into(), addr]);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            // The port may linger for a moment after the kill.
            let started = std::panic::catch_unwind(|| SimProcess::start(&refs));
            match started {
                Ok(next) => {
                    let at = Instant::now();
                    *self = next;
                    return at;
                }
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(100))
                }
                Err(e) => std::panic::resume_unwind(e),
            }
        }
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

impl SimProcess {
    /// `POST /sim/ring {"queueNumber": …}`: an outside caller enters that queue.
    pub fn ring_queue(&self, number: &str) {
        use std::io::{Read, Write};
        let body = format!("{{\"queueNumber\": \"{number}\"}}");
        let mut s = std::net::TcpStream::connect(self.addr()).expect("the sim accepts");
        write!(
            s,
            "POST /sim/ring HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.addr(),
            body.len()
        )
        .expect("request sent");
        let mut reply = String::new();
        let _ = s.read_to_string(&mut reply);
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    }
}
