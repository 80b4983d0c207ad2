//! `nats://h1:4222[,h2:4222]/ACCOUNT[?since=RFC3339|seq=N]` (or `tls://…`) and the
//! connection: credentials, TLS, a per-user inbox prefix, reconnects with backoff, and
//! the server's asynchronous errors (permission violations) as values.

use super::names::{check_token, inbox_prefix, Names};
use super::RelayError;
use crate::source::Backoff;
use crate::wire::Ts;
use async_nats::jetstream;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;
use tokio::sync::{broadcast, watch};

/// Where a reader starts in the stream.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Start {
    /// The first message.
    #[default]
    First,
    /// This stream sequence.
    Seq(u64),
    /// The first message stored at or after this time.
    Since(Ts),
}

/// A parsed `nats://…/ACCOUNT` address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NatsUrl {
    /// `host:port` of each server.
    pub servers: Vec<String>,
    /// `tls://`: TLS required.
    pub tls: bool,
    pub account: String,
    pub start: Start,
}

impl NatsUrl {
    /// The account's names.
    pub fn names(&self) -> Names {
        Names::new(&self.account).expect("checked by the parser")
    }

    /// True for text that looks like a NATS address rather than a file path.
    pub fn is_nats(text: &str) -> bool {
        text.starts_with("nats://") || text.starts_with("tls://")
    }
}

impl FromStr for NatsUrl {
    type Err = RelayError;

    fn from_str(text: &str) -> Result<NatsUrl, RelayError> {
        let bad = |why: &str| RelayError::Url(format!("{text}: {why}"));
        let (tls, rest) = if let Some(r) = text.strip_prefix("nats://") {
            (false, r)
        } else if let Some(r) = text.strip_prefix("tls://") {
            (true, r)
        } else {
            return Err(bad("expected nats://HOST:PORT/ACCOUNT or tls://…"));
        };
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (hosts, account) = rest
            .split_once('/')
            .ok_or_else(|| bad("no /ACCOUNT after the servers"))?;
        if hosts.contains('@') {
            // async-nats ignores user:pass@ in a URL: refuse rather than connect anonymously.
            return Err(bad(
                "credentials do not go in the URL: use the user/password, creds or token options",
            ));
        }
        let account = account.trim_end_matches('/');
        check_token("account", account).map_err(|e| bad(&e.to_string()))?;
        let servers = hosts
            .split(',')
            .map(|h| {
                let (host, port) = h.rsplit_once(':').unwrap_or((h, "4222"));
                let port: u16 = port.parse().map_err(|_| bad("bad port"))?;
                if host.is_empty() {
                    return Err(bad("empty host"));
                }
                Ok(format!("{host}:{port}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut start = Start::First;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            start = match pair.split_once('=') {
                Some(("since", t)) => {
                    Start::Since(Ts::parse(t).ok_or_else(|| bad("since= wants an RFC 3339 time"))?)
                }
                Some(("seq", n)) => Start::Seq(
                    n.parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| bad("seq= wants a number ≥ 1"))?,
                ),
                _ => return Err(bad(&format!("unknown option {pair:?} (since=, seq=)"))),
            };
        }
        Ok(NatsUrl {
            servers,
            tls,
            account: account.to_string(),
            start,
        })
    }
}

/// How to authenticate. `Debug` never shows a secret.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum NatsAuth {
    #[default]
    None,
    UserPassword {
        user: String,
        password: String,
    },
    /// A `.creds` file (JWT + nkey seed).
    Creds(PathBuf),
    Token(String),
}

impl std::fmt::Debug for NatsAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NatsAuth::None => f.write_str("None"),
            NatsAuth::UserPassword { user, .. } => write!(f, "UserPassword({user}, <redacted>)"),
            NatsAuth::Creds(p) => write!(f, "Creds({})", p.display()),
            NatsAuth::Token(_) => f.write_str("Token(<redacted>)"),
        }
    }
}

/// TLS files: a CA to trust, and a client certificate for mutual TLS.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsFiles {
    pub ca: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

/// Connection options beside the servers.
#[derive(Clone, Debug)]
pub struct NatsOptions {
    pub auth: NatsAuth,
    pub tls: TlsFiles,
    /// Connection name shown by the server (`calltop relay r1`, …).
    pub name: String,
    /// The NATS user for control subjects and the inbox prefix; defaults to the
    /// user/password user (set it with creds or tokens).
    pub user: Option<String>,
    /// Between reconnect attempts (forever).
    pub backoff: Backoff,
    /// Return at once and connect in the background when no server answers (a relay
    /// keeps recording meanwhile); otherwise fail.
    pub wait_for_server: bool,
    /// JetStream API and publish-ack timeout.
    pub timeout: Duration,
}

impl Default for NatsOptions {
    fn default() -> Self {
        NatsOptions {
            auth: NatsAuth::None,
            tls: TlsFiles::default(),
            name: "calltop".into(),
            user: None,
            backoff: Backoff {
                initial: Duration::from_millis(250),
                max: Duration::from_secs(10),
                immediate_first: true,
            },
            wait_for_server: false,
            timeout: Duration::from_secs(5),
        }
    }
}

impl NatsOptions {
    /// The NATS user name this connection acts as, if known.
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref().or(match &self.auth {
            NatsAuth::UserPassword { user, .. } => Some(user.as_str()),
            _ => None,
        })
    }
}

/// A connection: the client, its JetStream context, and the server's errors.
#[derive(Clone, Debug)]
pub struct NatsConn {
    pub client: async_nats::Client,
    pub js: jetstream::Context,
    /// The NATS user, when known (control subjects, inbox prefix).
    pub user: Option<String>,
    server_errors: broadcast::Sender<String>,
    connected: watch::Receiver<bool>,
}

impl NatsConn {
    /// True while connected to a server (changes as the client reconnects).
    pub fn connected(&self) -> watch::Receiver<bool> {
        self.connected.clone()
    }

    /// Server errors (`-ERR`) from now on, e.g. `Permissions Violation for Publish to "…"`.
    pub fn server_errors(&self) -> broadcast::Receiver<String> {
        self.server_errors.subscribe()
    }
}

/// Connects to `servers` (`host:port`, `tls` to require TLS).
pub async fn connect(
    servers: &[String],
    tls: bool,
    opts: &NatsOptions,
) -> Result<NatsConn, RelayError> {
    let user = opts.user().map(str::to_string);
    if let Some(u) = &user {
        check_token("NATS user", u)?;
    }
    let (errors_tx, _) = broadcast::channel(64);
    let errors = errors_tx.clone();
    let (connected_tx, connected) = watch::channel(false);
    let connected_tx = std::sync::Arc::new(connected_tx);
    let up = connected_tx.clone();
    let backoff = opts.backoff;
    let mut o = match &opts.auth {
        NatsAuth::None => async_nats::ConnectOptions::new(),
        NatsAuth::UserPassword { user, password } => {
            async_nats::ConnectOptions::with_user_and_password(user.clone(), password.clone())
        }
        NatsAuth::Creds(path) => async_nats::ConnectOptions::with_credentials_file(path)
            .await
            .map_err(|e| RelayError::Config(format!("{}: {e}", path.display())))?,
        NatsAuth::Token(t) => async_nats::ConnectOptions::with_token(t.clone()),
    }
    .name(&opts.name)
    .max_reconnects(None)
    .connection_timeout(opts.timeout)
    .request_timeout(Some(opts.timeout))
    .reconnect_delay_callback(move |attempt| backoff.delay(attempt as u32))
    .event_callback(move |event| {
        let errors = errors.clone();
        let up = up.clone();
        async move {
            match event {
                async_nats::Event::Connected => {
                    up.send_replace(true);
                    tracing::info!("NATS connected");
                }
                async_nats::Event::Disconnected => {
                    up.send_replace(false);
                    tracing::warn!("NATS disconnected");
                }
                async_nats::Event::ServerError(e) => {
                    tracing::warn!(error = %e, "NATS server error");
                    let _ = errors.send(e.to_string());
                }
                other => tracing::info!(event = %other, "NATS"),
            }
        }
    });
    if let Some(u) = &user {
        o = o.custom_inbox_prefix(inbox_prefix(u));
    }
    if tls {
        o = o.require_tls(true);
    }
    if let Some(ca) = &opts.tls.ca {
        o = o.add_root_certificates(ca.clone());
    }
    match (&opts.tls.cert, &opts.tls.key) {
        (Some(c), Some(k)) => o = o.add_client_certificate(c.clone(), k.clone()),
        (None, None) => {}
        _ => {
            return Err(RelayError::Config(
                "a client certificate needs both cert and key".into(),
            ))
        }
    }
    if opts.wait_for_server {
        o = o.retry_on_initial_connect();
    }
    let addrs = servers
        .iter()
        .map(|s| {
            let scheme = if tls { "tls" } else { "nats" };
            format!("{scheme}://{s}")
                .parse::<async_nats::ServerAddr>()
                .map_err(|e| RelayError::Url(format!("{s}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let client = o
        .connect(addrs)
        .await
        .map_err(|e| RelayError::nats("connect", e))?;
    // The first connect sends no event: read the state once.
    if client.connection_state() == async_nats::connection::State::Connected {
        connected_tx.send_replace(true);
    }
    let mut js = jetstream::new(client.clone());
    js.set_timeout(opts.timeout);
    Ok(NatsConn {
        client,
        js,
        user,
        server_errors: errors_tx,
        connected,
    })
}

/// Connects to the servers of a `nats://…/ACCOUNT` address.
pub async fn connect_url(url: &NatsUrl, opts: &NatsOptions) -> Result<NatsConn, RelayError> {
    connect(&url.servers, url.tls, opts).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u: NatsUrl = "nats://127.0.0.1:4222/37439510".parse().unwrap();
        assert_eq!(u.servers, vec!["127.0.0.1:4222"]);
        assert_eq!(
            (u.tls, u.account.as_str(), u.start),
            (false, "37439510", Start::First)
        );
        let u: NatsUrl = "tls://h1,h2:5222/A?since=2024-01-02T03:04:05Z"
            .parse()
            .unwrap();
        assert_eq!(u.servers, vec!["h1:4222", "h2:5222"]);
        assert!(u.tls);
        assert_eq!(
            u.start,
            Start::Since(Ts::parse("2024-01-02T03:04:05Z").unwrap())
        );
        let u: NatsUrl = "nats://h:1/A?seq=42".parse().unwrap();
        assert_eq!(u.start, Start::Seq(42));
        for bad in [
            "http://h/A",
            "nats://h:4222",
            "nats://u:p@h:4222/A",
            "nats://h:x/A",
            "nats://h/A.B",
            "nats://h/A?since=yesterday",
            "nats://h/A?seq=0",
            "nats://h/A?follow=1",
        ] {
            assert!(bad.parse::<NatsUrl>().is_err(), "{bad}");
        }
        assert!(NatsUrl::is_nats("nats://x/A") && !NatsUrl::is_nats("rec.jsonl"));
    }
}
