//! A real `nats-server` for the relay tests and bench: loopback, a free port, a temp store
//! dir, JetStream on, one account with the design's users — `relay` (publish frames, serve
//! control), `alice` and `bob` (supervisors: read + their own control requests), `viewer`
//! (read only). A missing nats-server fails the test (CI installs Debian's package).
#![allow(dead_code)]

use calltop::record::record_line;
use calltop::relay::{self, Names, NatsAuth, NatsConn, NatsOptions, StreamSettings};
use calltop::source::Backoff;
use calltop::wire::Ts;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The account every test uses.
pub const ACCOUNT: &str = "37439510";
pub const PASSWORD: &str = "pw";

/// The users of the test account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum User {
    Relay,
    Alice,
    Bob,
    Viewer,
}

impl User {
    pub fn name(self) -> &'static str {
        match self {
            User::Relay => "relay",
            User::Alice => "alice",
            User::Bob => "bob",
            User::Viewer => "viewer",
        }
    }
}

pub fn names() -> Names {
    Names::new(ACCOUNT).unwrap()
}

/// The stream limits for tests: `max_bytes` must fit the server's `max_file_store`.
pub fn settings() -> StreamSettings {
    StreamSettings {
        max_bytes: 256 << 20,
        ..StreamSettings::default()
    }
}

fn binary() -> PathBuf {
    if let Some(p) = std::env::var_os("NATS_SERVER") {
        return p.into();
    }
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain([
            "/usr/sbin".into(),
            "/usr/bin".into(),
            "/usr/local/bin".into(),
        ])
        .map(|d: PathBuf| d.join("nats-server"))
        .find(|p| p.is_file())
        .expect("nats-server is required for the relay tests: run scripts/test, which installs it (or apt-get install nats-server)")
}

/// A running nats-server; killed on drop.
pub struct NatsServer {
    child: Option<Child>,
    dir: tempfile::TempDir,
    port: u16,
    account: String,
    /// Further accounts whose streams its users have the same roles in.
    also: Vec<String>,
    max_file_store: u64,
}

impl NatsServer {
    /// Starts a server on a free loopback port, with users for [`ACCOUNT`].
    pub fn start() -> NatsServer {
        NatsServer::start_for(ACCOUNT)
    }

    /// Starts a server whose users have the permissions of `account`'s roles.
    pub fn start_for(account: &str) -> NatsServer {
        NatsServer::start_sized(account, 1 << 30)
    }

    /// [`NatsServer::start_for`] with room for `max_file_store` bytes of streams.
    pub fn start_sized(account: &str, max_file_store: u64) -> NatsServer {
        NatsServer::start_with(&[account], max_file_store)
    }

    /// A server whose users have their roles in every one of `accounts` (the first is
    /// [`NatsServer::names`]'s): the relay user publishes each one's stream, a viewer
    /// reads them all.
    pub fn start_for_accounts(accounts: &[&str]) -> NatsServer {
        NatsServer::start_with(accounts, 1 << 30)
    }

    fn start_with(accounts: &[&str], max_file_store: u64) -> NatsServer {
        let dir = tempfile::tempdir().unwrap();
        let mut s = NatsServer {
            child: None,
            dir,
            port: 0,
            account: accounts[0].into(),
            also: accounts[1..].iter().map(|a| a.to_string()).collect(),
            max_file_store,
        };
        s.spawn();
        s
    }

    /// The account's names.
    pub fn names(&self) -> Names {
        Names::new(&self.account).unwrap()
    }

    /// `url` for another of its accounts.
    pub fn url_of(&self, account: &str) -> String {
        format!("nats://{}/{account}", self.addr())
    }

    fn config(&self) -> String {
        let all: Vec<Names> = std::iter::once(&self.account)
            .chain(&self.also)
            .map(|a| Names::new(a).unwrap())
            .collect();
        // A user's permissions in every account, together.
        let user = |u: User, of: &dyn Fn(&Names) -> relay::Permissions| {
            let mut p = of(&all[0]);
            for n in &all[1..] {
                let more = of(n);
                p.publish.extend(more.publish);
                p.subscribe.extend(more.subscribe);
            }
            format!(
                "{{ user: {:?}, password: {PASSWORD:?}, permissions: {} }}",
                u.name(),
                p.to_server_config()
            )
        };
        let users = [
            user(User::Relay, &|n| n.relay_permissions("relay")),
            user(User::Alice, &|n| n.supervisor_permissions("alice", None)),
            user(User::Bob, &|n| n.supervisor_permissions("bob", None)),
            user(User::Viewer, &|n| n.reader_permissions("viewer")),
        ]
        .join("\n      ");
        format!(
            r#"host: 127.0.0.1
port: {port}
jetstream {{ store_dir: {store:?}, max_file_store: {max_file_store}, max_memory_store: 67108864 }}
accounts {{
  TENANT {{
    jetstream: enabled
    users: [
      {users}
    ]
  }}
}}
"#,
            port = if self.port == 0 { -1 } else { self.port as i32 },
            store = self.dir.path().join("js"),
            max_file_store = self.max_file_store,
        )
    }

    fn spawn(&mut self) {
        let conf = self.dir.path().join("nats.conf");
        std::fs::write(&conf, self.config()).unwrap();
        let ports_dir = self.dir.path().join("ports");
        std::fs::create_dir_all(&ports_dir).unwrap();
        let child = Command::new(binary())
            .arg("-c")
            .arg(&conf)
            .arg("--ports_file_dir")
            .arg(&ports_dir)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(self.dir.path().join("server.log")).unwrap())
            .spawn()
            .expect("nats-server starts");
        let ports = ports_dir.join(format!("nats-server_{}.ports", child.id()));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        let port = loop {
            if let Some(p) = read_port(&ports) {
                break p;
            }
            assert!(
                Instant::now() < deadline,
                "nats-server did not start: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        self.port = port;
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:port`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `nats://127.0.0.1:port/ACCOUNT`.
    pub fn url(&self) -> String {
        format!("nats://{}/{}", self.addr(), self.account)
    }

    /// Stops the server (SIGTERM, then SIGKILL after 5 s).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(c.id().to_string())
                .status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while c.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same port and store.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    /// Connects as `user`.
    pub async fn connect(&self, user: User) -> NatsConn {
        relay::connect(&[self.addr()], false, &options(user))
            .await
            .unwrap_or_else(|e| panic!("{} connects: {e}", user.name()))
    }

    /// Connects as the relay and creates the account's stream and buckets.
    pub async fn relay(&self) -> NatsConn {
        let c = self.connect(User::Relay).await;
        relay::ensure(&c.js, &self.names(), &settings())
            .await
            .unwrap();
        c
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn read_port(path: &Path) -> Option<u16> {
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    v["nats"][0].as_str()?.rsplit(':').next()?.parse().ok()
}

/// Options for `user` with quick reconnects.
pub fn options(user: User) -> NatsOptions {
    NatsOptions {
        auth: NatsAuth::UserPassword {
            user: user.name().into(),
            password: PASSWORD.into(),
        },
        name: format!("test {}", user.name()),
        backoff: Backoff {
            initial: Duration::from_millis(50),
            max: Duration::from_millis(500),
            immediate_first: true,
        },
        timeout: Duration::from_secs(2),
        ..NatsOptions::default()
    }
}

/// A recording line of a session event (`ev.<tsid>.<seq>`), as delivery `uuid` of it.
pub fn event_line(tsid: &str, seq: u64, uuid: &str) -> String {
    let frame = format!(
        r#"{{"uuid":"{uuid}","event":"/restapi/v1.0/account/{ACCOUNT}/telephony/sessions","timestamp":"2024-01-02T03:04:05.000Z","subscriptionId":"sub-1","ownerId":"1","body":{{"sequence":{seq},"telephonySessionId":"{tsid}","sessionId":"1","eventTime":"2024-01-02T03:04:05.000Z","parties":[{{"id":"p-{seq}","direction":"Inbound","status":{{"code":"Proceeding"}},"from":{{"phoneNumber":"+14155550100"}},"to":{{"phoneNumber":"+18885550101"}}}}]}}}}"#
    );
    record_line(Ts::now(), &frame, None)
}

/// `n` distinct events (10 per session) as delivered to subscription `sub`.
pub fn event_lines(n: u64, sub: &str) -> Vec<String> {
    (0..n)
        .map(|i| event_line(&format!("s-{}", i / 10), i % 10 + 1, &format!("{sub}-{i}")))
        .collect()
}

/// The dedup id in a recording line.
pub fn msg_id(line: &str) -> String {
    relay::Outgoing::from_line(line.to_string())
        .and_then(|o| o.msg_id)
        .expect("an event line has an id")
}

/// Waits (polling) until `f` holds, or panics with `what` after `secs`.
pub async fn wait_until<F, Fut>(secs: u64, what: &str, f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    wait_until_or(secs, what, f, String::new).await
}

/// [`wait_until`], with `context()` (the processes' output, say) in the panic message.
pub async fn wait_until_or<F, Fut>(secs: u64, what: &str, mut f: F, context: impl Fn() -> String)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f().await {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}\n{}",
            context()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until `relay` says its stream is ready: a board started before that stops with
/// "stream … does not exist", and a relay subscribes to RingCentral before its stream is.
pub async fn wait_stream_ready(relay: &Calltop) {
    wait_until_or(
        60,
        "the relay's stream",
        || {
            let ready = relay.stdout().contains("ready");
            async move { ready }
        },
        || relay.dump(),
    )
    .await;
}

/// Environment variables a test's `calltop` process must not inherit.
const SCRUBBED: [&str; 8] = [
    "RINGCENTRAL_SERVER_URL",
    "RINGCENTRAL_CLIENT_ID",
    "RINGCENTRAL_CLIENT_SECRET",
    "RINGCENTRAL_JWT",
    "CALLTOP_NATS_USER",
    "CALLTOP_NATS_PASSWORD",
    "CALLTOP_NATS_TOKEN",
    "CALLTOP_REDACT_KEY",
];

/// A `calltop` process with its stdout and stderr in files under `dir` (logs there
/// too); SIGKILLed on drop.
pub struct Calltop {
    child: Option<Child>,
    pub name: String,
    pub out: PathBuf,
    pub err: PathBuf,
}

impl Calltop {
    /// Runs `calltop ARGS` with only `env` of the variables above.
    pub fn spawn(dir: &Path, name: &str, args: &[&str], env: &[(&str, String)]) -> Calltop {
        let out = dir.join(format!("{name}.out"));
        let err = dir.join(format!("{name}.err"));
        let mut c = Command::new(env!("CARGO_BIN_EXE_calltop"));
        c.args(args)
            .env("CALLTOP_LOG_DIR", dir.join(format!("{name}-logs")))
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap());
        for v in SCRUBBED {
            c.env_remove(v);
        }
        for (k, v) in env {
            c.env(k, v);
        }
        let child = c.spawn().expect("calltop starts");
        Calltop {
            child: Some(child),
            name: name.into(),
            out,
            err,
        }
    }

    /// What it printed so far.
    pub fn stdout(&self) -> String {
        std::fs::read_to_string(&self.out).unwrap_or_default()
    }

    /// Its stdout and stderr, for a failure message.
    pub fn dump(&self) -> String {
        let err = std::fs::read_to_string(&self.err).unwrap_or_default();
        let out = self.stdout();
        let tail = |s: &str| s.lines().rev().take(15).collect::<Vec<_>>().join("\n");
        format!(
            "--- {} stdout (last lines, newest first)\n{}\n--- stderr\n{err}",
            self.name,
            tail(&out)
        )
    }

    /// True while it runs.
    pub fn running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| c.try_wait().ok().flatten().is_none())
    }

    /// SIGKILL, as a crash.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM, waiting for the exit (SIGKILL after 10 s); the exit status.
    pub fn stop(&mut self) -> Option<std::process::ExitStatus> {
        let mut c = self.child.take()?;
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(c.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(st)) = c.try_wait() {
                return Some(st);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = c.kill();
        c.wait().ok()
    }
}

impl Drop for Calltop {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The environment of a NATS user of the test server.
pub fn nats_env(user: User) -> Vec<(&'static str, String)> {
    vec![
        ("CALLTOP_NATS_USER", user.name().to_string()),
        ("CALLTOP_NATS_PASSWORD", PASSWORD.to_string()),
    ]
}

/// The deployment example: three nats-server configs and the accounts they include.
pub const CLUSTER_CONFIGS: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/assets/deploy/nats-cluster");

/// The ports each node of the example listens on (clients, monitoring, routes).
fn example_ports(node: usize) -> [u16; 3] {
    let i = node as u16 + 1;
    [14220 + i, 14820 + i, 14240 + i]
}

/// Three nats-servers forming one JetStream cluster, run from the deployment example's
/// configs (`assets/deploy/nats-cluster`) with free loopback ports and their own store
/// dirs; its users are the example's (`relay`, `alice`, `viewer`, password
/// [`PASSWORD`]). Killed on drop.
pub struct NatsCluster {
    dir: tempfile::TempDir,
    nodes: [Option<Child>; 3],
    /// Per node: client, monitoring and route port.
    ports: [[u16; 3]; 3],
}

impl NatsCluster {
    /// Starts the three nodes.
    pub fn start() -> NatsCluster {
        let dir = tempfile::tempdir().unwrap();
        let held: Vec<std::net::TcpListener> = (0..9)
            .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
            .collect();
        let port = |k: usize| held[k].local_addr().unwrap().port();
        let ports = [0, 1, 2].map(|n| [port(n * 3), port(n * 3 + 1), port(n * 3 + 2)]);
        drop(held);
        let accounts = std::fs::read_to_string(format!("{CLUSTER_CONFIGS}/accounts.conf"))
            .expect("assets/deploy/nats-cluster/accounts.conf");
        std::fs::write(dir.path().join("accounts.conf"), accounts).unwrap();
        for node in 0..3 {
            let name = format!("n{}.conf", node + 1);
            let mut text = std::fs::read_to_string(format!("{CLUSTER_CONFIGS}/{name}"))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            for (n, node_ports) in ports.iter().enumerate() {
                for (from, to) in example_ports(n).iter().zip(node_ports) {
                    text = text.replace(&format!("127.0.0.1:{from}"), &format!("127.0.0.1:{to}"));
                }
            }
            let data = dir.path().join("data");
            text = text
                .replace("/var/lib/nats", &data.display().to_string())
                .replace("max_file_store: 20GB", "max_file_store: 1GB");
            std::fs::write(dir.path().join(&name), text).unwrap();
        }
        let mut c = NatsCluster {
            dir,
            nodes: [None, None, None],
            ports,
        };
        for node in 0..3 {
            c.start_node(node);
        }
        c
    }

    /// Starts node `node` (0, 1, 2: `n1`…) on its config and store, waiting for its
    /// client port.
    pub fn start_node(&mut self, node: usize) {
        assert!(self.nodes[node].is_none(), "n{} runs", node + 1);
        let conf = self.dir.path().join(format!("n{}.conf", node + 1));
        let log = self.dir.path().join(format!("n{}.log", node + 1));
        let mut cmd = Command::new(binary());
        cmd.arg("-c").arg(&conf).arg("-l").arg(&log);
        for user in ["RELAY", "ALICE", "VIEWER"] {
            cmd.env(format!("{user}_PASSWORD"), PASSWORD);
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server starts");
        self.nodes[node] = Some(child);
        let addr = self.addr(node);
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(&addr).is_err() {
            assert!(
                Instant::now() < deadline,
                "n{} did not start: {}",
                node + 1,
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILLs node `node`, as a crash.
    pub fn kill(&mut self, node: usize) {
        if let Some(mut c) = self.nodes[node].take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// `127.0.0.1:port` of node `node`'s clients.
    pub fn addr(&self, node: usize) -> String {
        format!("127.0.0.1:{}", self.ports[node][0])
    }

    /// `127.0.0.1:port` of node `node`'s monitoring (`/jsz`, `/healthz`).
    pub fn monitor(&self, node: usize) -> String {
        format!("127.0.0.1:{}", self.ports[node][1])
    }

    /// `nats://n1,n2,n3/ACCOUNT` of the example's account.
    pub fn url(&self, account: &str) -> String {
        let servers: Vec<String> = (0..3).map(|n| self.addr(n)).collect();
        format!("nats://{}/{account}", servers.join(","))
    }

    /// The node a server name (`n2`) is.
    pub fn node_named(&self, name: &str) -> Option<usize> {
        (0..3).find(|n| name == format!("n{}", n + 1))
    }

    /// Connects as `user` to every node.
    pub async fn connect(&self, user: User) -> NatsConn {
        let servers: Vec<String> = (0..3).map(|n| self.addr(n)).collect();
        relay::connect(&servers, false, &options(user))
            .await
            .unwrap_or_else(|e| panic!("{} connects: {e}", user.name()))
    }
}

impl Drop for NatsCluster {
    fn drop(&mut self) {
        for node in 0..3 {
            self.kill(node);
        }
    }
}
