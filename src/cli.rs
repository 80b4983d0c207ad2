//! The command line: every clap `Args` struct and its validation. The only room that
//! knows about flags; [`crate::modes`] turns them into each room's configuration.

use crate::core::center::{Cut, Period, Since};
use crate::core::zone::Zone;
use crate::core::StoreConfig;
use crate::report::Format as ReportFormat;
use crate::source::replay::Speed;
use crate::source::LineFormat;
use crate::tui::theme::ThemeName;
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `calltop`.
#[derive(Parser, Debug)]
#[command(
    name = "calltop",
    version,
    about = "A terminal live call monitor for RingCentral telephony"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// One mode.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// The live board against the embedded simulator: no account, no flags.
    Demo(DemoArgs),
    /// Monitor a real RingCentral account (board, or --headless lines).
    Live(LiveArgs),
    /// The board fed from a recording or capture.
    Replay(ReplayArgs),
    /// Per-session, per-party figures and a summary from a recorded stream.
    Report(ReportArgs),
    /// Record the live notification stream to a file, headless.
    Record(RecordArgs),
    /// Hold the account's one subscription and publish it to NATS JetStream for any
    /// number of boards (`live --from`), replays and reports.
    Relay(RelayArgs),
    /// Run the loopback RingCentral platform simulator.
    ///
    /// It serves RingCentral's own API (OAuth, WebSocket subscriptions, Call Control, the
    /// directory, presence, queues, the call log) and two debug routes of its own, with no
    /// token and no rate limit: `GET /sim/ground-truth` (what it made: every queue's and
    /// agent's figures and the calls in progress, as JSON) and `POST /sim/ring
    /// {"extensionNumber": "101", "seconds": 60}` (an outside call rings that user until
    /// answered, or the seconds pass; `{"queueNumber": "2001"}`: it enters that queue).
    Sim(SimArgs),
    /// Queue figures in large digits for a wall screen: the board opening on the
    /// wallboard, from the same sources (`wallboard demo|live|replay …`).
    Wallboard(WallboardArgs),
}

/// Flags of `calltop wallboard`: the source and its flags, as for that mode.
#[derive(clap::Args, Debug, Clone)]
pub struct WallboardArgs {
    #[command(subcommand)]
    pub source: WallboardSource,
}

/// Where the wallboard's figures come from.
// Parsed once per run: the size of a variant costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug, Clone)]
pub enum WallboardSource {
    /// The embedded simulator (as `calltop demo`).
    Demo(DemoArgs),
    /// A real account (as `calltop live`).
    Live(LiveArgs),
    /// A recording (as `calltop replay`).
    Replay(ReplayArgs),
}

/// Flags shared by every mode that connects to the platform (`live`, `record`).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ConnectArgs {
    /// Subscribe to the current extension's calls instead of the whole account.
    #[arg(long)]
    pub extension: bool,
    /// Platform URL (overrides RINGCENTRAL_SERVER_URL / the config file).
    #[arg(long)]
    pub server: Option<String>,
    /// Credentials file (`KEY=value` lines, mode 0600) instead of the environment.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Mask phone numbers and names in the recording (stable per value).
    #[arg(long)]
    pub redact: bool,
    /// The supervisor's device id, used by answer and listen-in.
    #[arg(long)]
    pub device_id: Option<String>,
    /// Extra event-filter query, e.g. `direction=Inbound` or `statusCode=Answered`.
    #[arg(long = "filter")]
    pub filters: Vec<String>,
    /// Ended calls kept for the history view and the totals (older ones are evicted).
    #[arg(long, default_value_t = StoreConfig::default().max_ended)]
    pub keep_ended: usize,
    /// Minutes an ended call is kept at most.
    #[arg(long, default_value_t = StoreConfig::default().max_ended_age_ms / 60_000)]
    pub keep_ended_minutes: i64,
    /// Don't join ended calls to the call log (records, recordings, voicemail).
    #[arg(long)]
    pub no_call_log: bool,
    /// Seconds after a call ends before its call-log records are looked for.
    #[arg(long, default_value_t = 30.0, value_name = "SECS")]
    pub call_log_wait: f64,
    /// Seconds after a call ends before calltop gives up on its records.
    #[arg(long, default_value_t = 300.0, value_name = "SECS")]
    pub call_log_cutoff: f64,
    /// Share of the user's Heavy rate limit this process uses at most (call log, account
    /// presence), judged from the platform's X-Rate-Limit headers: every client logged
    /// in as the same user spends the same budget.
    // The default is platform::budget::DEFAULT_HEAVY_SHARE (modes::live checks it).
    #[arg(long, default_value_t = 0.3, value_name = "FRACTION", value_parser = share)]
    pub heavy_share: f64,
    /// Queue and agent figures since: `midnight` (in --tz, again every midnight), `start`
    /// (of the stream) or an RFC 3339 time.
    #[arg(long, default_value = "midnight", value_parser = Since::parse)]
    pub since: Since,
}

/// A share of a rate limit: more than 0, at most 1.
fn share(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|e| format!("{e}"))?;
    if v > 0.0 && v <= 1.0 {
        Ok(v)
    } else {
        Err("a fraction above 0, at most 1 (e.g. 0.3)".into())
    }
}

impl ConnectArgs {
    /// The store's retention from `--keep-ended` / `--keep-ended-minutes`.
    pub fn store_config(&self) -> StoreConfig {
        StoreConfig {
            max_ended: self.keep_ended,
            max_ended_age_ms: self.keep_ended_minutes.saturating_mul(60_000),
            ..StoreConfig::default()
        }
    }
}

/// A secret from the command line or the environment; `Debug` never shows it.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Secret, Self::Err> {
        Ok(Secret(s.to_string()))
    }
}

/// How to reach the NATS broker (`relay`, `live --from`, `replay`/`report nats://…`).
/// The password comes only from `CALLTOP_NATS_PASSWORD`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct NatsArgs {
    /// NATS user (password in CALLTOP_NATS_PASSWORD); with creds or a token, the user
    /// control requests are sent as.
    #[arg(long, env = "CALLTOP_NATS_USER", value_name = "USER")]
    pub nats_user: Option<String>,
    /// NATS credentials file (JWT and nkey seed).
    #[arg(long, value_name = "FILE")]
    pub nats_creds: Option<PathBuf>,
    /// NATS token (better in CALLTOP_NATS_TOKEN: a flag shows in `ps`).
    #[arg(
        long,
        env = "CALLTOP_NATS_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub nats_token: Option<Secret>,
    /// CA certificate to trust for `tls://` servers.
    #[arg(long, value_name = "FILE")]
    pub nats_ca: Option<PathBuf>,
    /// Client certificate for mutual TLS (with --nats-key).
    #[arg(long, value_name = "FILE", requires = "nats_key")]
    pub nats_cert: Option<PathBuf>,
    /// Client key for mutual TLS (with --nats-cert).
    #[arg(long, value_name = "FILE", requires = "nats_cert")]
    pub nats_key: Option<PathBuf>,
}

/// Flags of `calltop relay`.
#[derive(clap::Args, Debug, Clone)]
pub struct RelayArgs {
    /// The broker and the account's stream: `nats://HOST:PORT[,HOST:PORT]/ACCOUNT`
    /// (`tls://…` for TLS); ACCOUNT is the RingCentral account id.
    #[arg(long, value_name = "URL")]
    pub nats: String,
    /// This relay's name in the stream (A-Z a-z 0-9 _ -); default: host and process id.
    #[arg(long, value_name = "ID")]
    pub relay_id: Option<String>,
    /// Keep the stream's messages this long (`7d`, `12h`, `30m`, `90s`).
    #[arg(long, default_value = "7d", value_parser = parse_duration)]
    pub retain: Duration,
    /// Keep at most this much of the stream (`10G`, `512M`); it must fit the server's
    /// `max_file_store`.
    #[arg(long, default_value = "10G", value_parser = parse_bytes)]
    pub retain_bytes: u64,
    /// Copies of the stream, its KV buckets and object store: 1, or 3 on a three-node
    /// cluster (which then survives losing any one node). Created only while that many
    /// nodes are up; an existing stream is scaled to it.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub replicas: u8,
    /// Also append every raw frame to this file (kept while the broker is unreachable).
    #[arg(long)]
    pub record: Option<PathBuf>,
    /// Serve Prometheus metrics at `HOST:PORT` (`GET /metrics`), relay figures included.
    #[arg(long, value_name = "ADDR")]
    pub metrics: Option<String>,
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    pub nats_args: NatsArgs,
}

/// What `calltop sim` does instead of running the simulator.
#[derive(Subcommand, Debug, Clone)]
pub enum SimCommand {
    /// Run the simulator's contact center on a simulated clock, as fast as the machine
    /// allows, and write its notification stream as a calltop recording (for `report`,
    /// `replay`, tests and benches) and its ground truth as JSON Lines (the figures every
    /// 15 simulated minutes, then everything at the end).
    Generate(SimGenerateArgs),
    /// Print the JWT that logs in as one user of the simulator, e.g. an agent:
    /// `RINGCENTRAL_JWT=$(calltop sim jwt 102)` (no simulator needs to run; the same for
    /// every seed).
    Jwt(SimJwtArgs),
}

/// The simulated account and its traffic (`calltop sim` and `sim generate`).
#[derive(clap::Args, Debug, Clone)]
pub struct SimLoad {
    /// Seed of the call generator (same seed, same calls); random when omitted.
    #[arg(long)]
    pub seed: Option<u64>,
    /// New calls started per minute (on average).
    #[arg(long, default_value_t = 8.0)]
    pub calls_per_minute: f64,
    /// Number of user extensions in the simulated account.
    #[arg(long, default_value_t = 12)]
    pub extensions: u32,
    /// The simulated account's id (digits). Another than the default also starts its
    /// extension and call ids with the id's last 8 digits, so that two simulators stand
    /// for two accounts.
    #[arg(long, value_name = "ID", default_value = "480201016", value_parser = parse_account_id)]
    pub account_id: String,
}

/// Parses a simulated account id: 1 to 18 digits.
fn parse_account_id(s: &str) -> Result<String, String> {
    match s.trim() {
        t if (1..=18).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(t.to_string())
        }
        _ => Err(format!("{s:?} is not an account id (1 to 18 digits)")),
    }
}

/// Flags of `calltop sim generate`.
#[derive(clap::Args, Debug, Clone)]
pub struct SimGenerateArgs {
    /// How much simulated time: `2h`, `90m`, `600s`.
    #[arg(long, value_parser = parse_duration)]
    pub duration: Duration,
    /// The wall time the stream starts at (RFC 3339); now when omitted.
    #[arg(long, value_parser = parse_rfc3339)]
    pub start: Option<chrono::DateTime<chrono::Utc>>,
    #[command(flatten)]
    pub load: SimLoad,
    /// The recording to write (created 0600; an existing file is replaced).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// The ground truth to write (JSON Lines).
    #[arg(long, value_name = "FILE")]
    pub truth: PathBuf,
}

/// Parses an RFC 3339 time.
pub fn parse_rfc3339(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| format!("{s:?} is not an RFC 3339 time like 2026-12-01T09:00:00Z"))
}

/// Flags of `calltop sim jwt`.
#[derive(clap::Args, Debug, Clone)]
pub struct SimJwtArgs {
    /// The user: extension number (`102`) or extension id (of the account `calltop sim
    /// --extensions N` makes).
    #[arg(value_name = "EXT")]
    pub extension: String,
}

/// Parses `7d`, `12h`, `30m`, `90s` (a bare number is seconds).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let (n, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u64 = n
        .parse()
        .map_err(|_| format!("{s:?} is not a duration like 7d, 12h, 30m or 90s"))?;
    let secs = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{s:?}: the unit must be d, h, m or s")),
    };
    match n.checked_mul(secs) {
        Some(0) => Err("the duration must be more than zero".into()),
        Some(v) => Ok(Duration::from_secs(v)),
        None => Err(format!("{s:?} is out of range")),
    }
}

/// An interval length: whole minutes, a day at most.
pub fn parse_interval(s: &str) -> Result<Duration, String> {
    let d = parse_duration(s)?;
    match d.as_secs() {
        n if n % 60 != 0 => Err(format!("{s:?}: an interval is whole minutes, like 15m")),
        n if n > 86_400 => Err(format!("{s:?}: an interval is a day at most")),
        _ => Ok(d),
    }
}

/// Parses `10G`, `512M`, `64K` or a number of bytes.
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let t = s.trim().trim_end_matches(['B', 'b']);
    let (n, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u64 = n
        .parse()
        .map_err(|_| format!("{s:?} is not a size like 10G, 512M or 64K"))?;
    let shift = match unit.to_ascii_uppercase().as_str() {
        "" => 0,
        "K" | "KI" => 10,
        "M" | "MI" => 20,
        "G" | "GI" => 30,
        "T" | "TI" => 40,
        _ => return Err(format!("{s:?}: the unit must be K, M, G or T")),
    };
    match n.checked_mul(1 << shift) {
        Some(0) => Err("the size must be more than zero".into()),
        Some(v) if v <= i64::MAX as u64 => Ok(v),
        _ => Err(format!("{s:?} is out of range")),
    }
}

/// Flags of `calltop live`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct LiveArgs {
    /// Follow a relay's stream instead of the platform (no RingCentral credentials):
    /// `nats://HOST:PORT/ACCOUNT`. Repeated: one board over several accounts.
    #[arg(long, value_name = "URL")]
    pub from: Vec<String>,
    /// Print one line per applied event instead of drawing the board.
    #[arg(long)]
    pub headless: bool,
    /// Disable every control key.
    #[arg(long)]
    pub read_only: bool,
    /// Also append every raw frame to this file.
    #[arg(long)]
    pub record: Option<PathBuf>,
    /// Headless output format.
    #[arg(long, value_enum, default_value_t = LineFormat::Text)]
    pub format: LineFormat,
    /// Serve Prometheus metrics at `HOST:PORT` (`GET /metrics`).
    #[arg(long, value_name = "ADDR")]
    pub metrics: Option<String>,
    /// Run this command (through `sh -c`) for each call whose outcome is final, with its
    /// `callEnded` JSON line on stdin (headless).
    #[arg(long, value_name = "CMD")]
    pub on_end: Option<String>,
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Board options (theme, keys, alerts), as for `demo` and `replay`.
    #[command(flatten)]
    pub board: BoardArgs,
    #[command(flatten)]
    pub nats_args: NatsArgs,
}

/// Board options shared by every mode that draws the board.
#[derive(clap::Args, Debug, Clone)]
pub struct BoardArgs {
    /// Colour theme (NO_COLOR forces mono).
    #[arg(long, value_enum, default_value_t = ThemeName::Dark)]
    pub theme: ThemeName,
    /// Key overrides (`action = key, key` lines); default `~/.config/calltop/keys.conf`.
    #[arg(long)]
    pub keys: Option<PathBuf>,
    /// Ring the terminal bell when a call crosses the red threshold or a queue alarm
    /// is raised.
    #[arg(long)]
    pub bell: bool,
    /// Queue alarms file (TOML); default `~/.config/calltop/alarms.toml` when it exists.
    #[arg(long, value_name = "FILE")]
    pub alarms: Option<PathBuf>,
    /// Run this command (through `sh -c`) when a queue alarm is raised or cleared, with
    /// the alarm as a JSON line on stdin.
    #[arg(long, value_name = "CMD")]
    pub on_alert: Option<String>,
    /// Ring alert thresholds in seconds: amber,red.
    #[arg(long, default_value = "20,45", value_parser = parse_alert)]
    pub ring_alert: (i64, i64),
    /// Hold alert thresholds in seconds: amber,red.
    #[arg(long, default_value = "60,180", value_parser = parse_alert)]
    pub hold_alert: (i64, i64),
    /// Park alert thresholds in seconds: amber,red.
    #[arg(long, default_value = "60,180", value_parser = parse_alert)]
    pub park_alert: (i64, i64),
    /// Agents view: an agent on a call longer than this turns amber,red (seconds).
    #[arg(long, default_value = "600,1200", value_parser = parse_alert)]
    pub call_alert: (i64, i64),
    /// The time zone of "today" (when the day's figures start again) and of the clock
    /// times shown: `local`, `UTC` or an IANA name like `Europe/Paris`.
    #[arg(long, default_value = "local", value_parser = Zone::parse, value_name = "ZONE")]
    pub tz: Zone,
    /// Print the key table (Markdown) and exit.
    #[arg(long)]
    pub print_keys: bool,
    /// Print a compiled-in default (`keys`: the key file; `dark`, `light`, `mono`: a
    /// palette) and exit.
    #[arg(long, value_name = "WHAT", value_parser = ["keys", "dark", "light", "mono"])]
    pub print_default: Option<String>,
}

impl Default for BoardArgs {
    fn default() -> Self {
        let p = |s| parse_alert(s).expect("default alert thresholds parse");
        BoardArgs {
            theme: ThemeName::Dark,
            keys: None,
            bell: false,
            alarms: None,
            on_alert: None,
            ring_alert: p("20,45"),
            hold_alert: p("60,180"),
            park_alert: p("60,180"),
            call_alert: p("600,1200"),
            tz: Zone::Local,
            print_keys: false,
            print_default: None,
        }
    }
}

/// Input the user must fix (a bad alarms file): exits with status 2, as a bad flag does.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// Parses `amber,red` seconds into milliseconds.
pub fn parse_alert(s: &str) -> Result<(i64, i64), String> {
    let (a, b) = s
        .split_once(',')
        .ok_or_else(|| format!("expected amber,red seconds, not {s:?}"))?;
    let ms = |x: &str| {
        let secs = x
            .trim()
            .parse::<i64>()
            .map_err(|_| format!("{x:?} is not a number of seconds"))?;
        secs.checked_mul(1000)
            .ok_or_else(|| format!("{x:?} seconds is out of range"))
    };
    let (a, b) = (ms(a)?, ms(b)?);
    if a > b {
        return Err("the amber threshold must not exceed the red one".into());
    }
    Ok((a, b))
}

/// Flags of `calltop demo`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct DemoArgs {
    /// Disable every control key.
    #[arg(long)]
    pub read_only: bool,
    /// New calls per minute in the simulator.
    #[arg(long, default_value_t = 8.0)]
    pub calls_per_minute: f64,
    /// Simulator seed (same seed, same calls).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Also append every raw frame to this file (as `live --record`).
    #[arg(long)]
    pub record: Option<PathBuf>,
    /// Queue and agent figures since: `midnight`, `start` or an RFC 3339 time.
    #[arg(long, default_value = "midnight", value_parser = Since::parse)]
    pub since: Since,
    /// The supervisor's device, used by answer and listen-in (default: the supervisor's
    /// listen-in phone).
    #[arg(long)]
    pub device_id: Option<String>,
    #[command(flatten)]
    pub board: BoardArgs,
}

/// Flags of `calltop replay`.
#[derive(clap::Args, Debug, Clone)]
pub struct ReplayArgs {
    /// A recording or capture file, or a relay's stream
    /// (`nats://HOST:PORT/ACCOUNT[?since=RFC3339|seq=N]`).
    pub file: PathBuf,
    /// Further recordings or streams, one per account: one board over them all, played
    /// back in time order.
    #[arg(value_name = "MORE")]
    pub more: Vec<PathBuf>,
    /// Replay speed: 1, 2, 5, 10 or max.
    #[arg(long, default_value = "1", value_parser = Speed::parse)]
    pub speed: Speed,
    /// Start paused.
    #[arg(long)]
    pub paused: bool,
    /// Keep reading the file as it grows (a recording still being written), like
    /// `tail -f`.
    #[arg(long)]
    pub follow: bool,
    #[command(flatten)]
    pub board: BoardArgs,
    #[command(flatten)]
    pub nats_args: NatsArgs,
}

/// FILE, then each of MORE.
fn inputs<'a>(file: &'a Path, more: &'a [PathBuf]) -> Vec<&'a Path> {
    std::iter::once(file)
        .chain(more.iter().map(PathBuf::as_path))
        .collect()
}

impl ReplayArgs {
    /// Every input: FILE, then each of MORE.
    pub fn inputs(&self) -> Vec<&Path> {
        inputs(&self.file, &self.more)
    }
}

/// Flags of `calltop report`.
#[derive(clap::Args, Debug, Clone)]
pub struct ReportArgs {
    /// A recorded stream or capture (JSON Lines, JSON values, a JSON array, or a calltop
    /// recording), or a relay's stream (`nats://HOST:PORT/ACCOUNT[?since=…]`).
    pub file: PathBuf,
    /// Further recordings or streams, one per account: their values in time order,
    /// figures per account and in total.
    #[arg(value_name = "MORE")]
    pub more: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
    /// Queue and agent figures since: `start` (of the file), `midnight` (in --tz, the
    /// one before the file's first event, again every midnight) or an RFC 3339 time.
    #[arg(long, default_value = "start", value_parser = Since::parse)]
    pub since: Since,
    /// The time zone whose days `--since midnight` counts: `local`, `UTC` or an IANA
    /// name like `Europe/Paris`.
    #[arg(long, default_value = "local", value_parser = Zone::parse, value_name = "ZONE")]
    pub tz: Zone,
    /// Queue and agent figures per interval of this length (`15m`, `30m`, `1h`; aligned
    /// on midnight in --tz), a call counting in the interval it started in; `--format
    /// html` cuts its charts by it (30m when not given). The figures then do not start
    /// again at midnight: a call keeps its outcome in its interval whenever it ends.
    #[arg(long, value_parser = parse_interval, value_name = "LEN")]
    pub intervals: Option<Duration>,
    /// Threads to read a file with: 1 reads, decodes, applies and writes out on one; 2
    /// (the default on a machine with two cores or more) reads and decodes on a second
    /// core, and writes the calls out beside, so applying waits for neither: about 1.5
    /// times as fast (BENCHMARKS.md). The output is the same whatever the number.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    #[command(flatten)]
    pub nats_args: NatsArgs,
}

/// Flags of `calltop record`.
#[derive(clap::Args, Debug, Clone)]
pub struct RecordArgs {
    /// File to append to.
    #[arg(long)]
    pub out: PathBuf,
    /// Start a new file once this one exceeds this many megabytes (old file gets a
    /// timestamp suffix).
    #[arg(long)]
    pub rotate_mb: Option<u64>,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// Flags of `calltop sim`.
#[derive(clap::Args, Debug, Clone)]
pub struct SimArgs {
    #[command(subcommand)]
    pub command: Option<SimCommand>,
    /// Address to listen on, `HOST:PORT` (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub addr: String,
    #[command(flatten)]
    pub load: SimLoad,
    /// Multiplies every call duration (ring, talk, hold…); 0.1 makes calls ten times shorter.
    #[arg(long, default_value_t = 1.0)]
    pub time_scale: f64,
    /// Access-token lifetime in seconds.
    #[arg(long, default_value_t = 3600)]
    pub access_token_ttl: u64,
    /// Requests per minute per user in rate-limit group Light (Call Control, reads).
    #[arg(long, default_value_t = 50)]
    pub light_limit: u32,
    /// Requests per minute per user in rate-limit group Medium (subscriptions).
    #[arg(long, default_value_t = 40)]
    pub medium_limit: u32,
    /// Requests per minute per user in rate-limit group Auth (token, wstoken).
    #[arg(long, default_value_t = 5)]
    pub auth_limit: u32,
    /// WebSocket session recovery window in seconds.
    #[arg(long, default_value_t = 180)]
    pub recovery_timeout: u64,
    /// Fault: probability that a notification is delivered after the next one.
    #[arg(long, default_value_t = 0.0)]
    pub reorder: f64,
    /// Fault: probability that a notification is delivered twice.
    #[arg(long, default_value_t = 0.0)]
    pub duplicate: f64,
    /// Fault: probability that a malformed frame is sent before a notification.
    #[arg(long, default_value_t = 0.0)]
    pub malformed: f64,
    /// Fault: drop every WebSocket connection after this many seconds.
    #[arg(long)]
    pub drop_every: Option<f64>,
    /// Fault: every session recovery attempt fails.
    #[arg(long)]
    pub refuse_recovery: bool,
    /// Fault: every Nth API request gets a 429.
    #[arg(long)]
    pub force_429_every: Option<u32>,
    /// Fault: delay every HTTP response by this many milliseconds.
    #[arg(long)]
    pub slow_ms: Option<u64>,
    /// Requests per minute per user in rate-limit group Heavy (call log, recordings,
    /// account presence, call-out, conference).
    #[arg(long, default_value_t = 10)]
    pub heavy_limit: u32,
    /// Start with a contact center already in progress: calls talking, ringing, on hold,
    /// parked, and queue calls waiting.
    #[arg(long)]
    pub warm_start: bool,
    /// Service-level threshold of every call queue in seconds (default: 20 each).
    #[arg(long)]
    pub sla_threshold: Option<u32>,
    /// Agents keep their presence (no DND / offline / leaving a queue on their own).
    #[arg(long)]
    pub no_agent_churn: bool,
    /// Seconds after a call ends before its call-log records appear (scaled by --time-scale).
    #[arg(long, default_value_t = 20.0)]
    pub call_log_delay: f64,
    /// Fault: probability that a call's call-log records never appear.
    #[arg(long, default_value_t = 0.0)]
    pub call_log_missing: f64,
    /// Fault: Heavy requests get 429 during the first SECS seconds of every minute.
    #[arg(long)]
    pub heavy_429_storm: Option<u64>,
    /// Fault: the call log answers 403 (the app lacks the ReadCallLog permission).
    #[arg(long)]
    pub call_log_forbidden: bool,
    /// Fault: the directory and call queues answer 403 (the app lacks ReadAccounts).
    #[arg(long)]
    pub directory_forbidden: bool,
    /// Fault: probability per voicemail that a second voicemail for no known call arrives.
    #[arg(long, default_value_t = 0.0)]
    pub orphan_voicemail: f64,
    /// Fault: probability that a call-log record's legs do not match the call's parties.
    #[arg(long, default_value_t = 0.0)]
    pub mismatched_legs: f64,
}

impl LiveArgs {
    /// The figures' period: `--since` in `--tz`'s days.
    pub fn period(&self) -> Period {
        Period {
            since: self.connect.since,
            zone: self.board.tz,
        }
    }
}

impl DemoArgs {
    /// The figures' period: `--since` in `--tz`'s days.
    pub fn period(&self) -> Period {
        Period {
            since: self.since,
            zone: self.board.tz,
        }
    }
}

impl ReportArgs {
    /// Every input: FILE, then each of MORE.
    pub fn inputs(&self) -> Vec<&Path> {
        inputs(&self.file, &self.more)
    }

    /// Threads a file report runs on (`--threads`, else 2 when there are two cores: the
    /// applying thread is the one that limits, so more decoders would not help).
    pub fn threads(&self) -> usize {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        self.threads.map_or(cores.min(2), usize::from)
    }

    /// How `--intervals` (or the HTML report's default, 30 minutes) cuts the figures.
    pub fn cut(&self) -> Option<Cut> {
        let html = (self.format == ReportFormat::Html).then_some(Duration::from_secs(1800));
        let len = self.intervals.or(html)?;
        Some(Cut {
            len_ms: i64::try_from(len.as_millis()).unwrap_or(i64::MAX),
            zone: self.tz,
        })
    }

    /// The figures' period: `--since` in `--tz`'s days.
    pub fn period(&self) -> Period {
        Period {
            since: self.since,
            zone: self.tz,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations_and_sizes() {
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(604_800)));
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        for bad in ["", "0s", "d", "7w", "-1h", "99999999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse_bytes("10G"), Ok(10 << 30));
        assert_eq!(parse_bytes("512MiB"), Ok(512 << 20));
        assert_eq!(parse_bytes("4096"), Ok(4096));
        for bad in ["", "0", "1X", "G", "99999999999T"] {
            assert!(parse_bytes(bad).is_err(), "{bad:?}");
        }
        assert_eq!(format!("{:?}", Secret("s3cret".into())), "<redacted>");
    }

    #[test]
    fn alert_pairs() {
        assert_eq!(parse_alert("20,45"), Ok((20_000, 45_000)));
        assert!(parse_alert("45,20").is_err());
        assert!(parse_alert("20").is_err());
        assert!(parse_alert("x,1").is_err());
        assert!(parse_alert("9223372036854775807,9223372036854775807").is_err());
    }
}
