//! NATS settings from the flags, for every mode that talks to a relay's broker.

use crate::cli::NatsArgs;
use crate::relay::{NatsAuth, NatsOptions, NatsUrl, TlsFiles};

/// The password's environment variable (never a flag: flags show in `ps`).
pub const PASSWORD_VAR: &str = "CALLTOP_NATS_PASSWORD";

/// Parses `nats://HOST:PORT/ACCOUNT[?since=…|seq=…]`.
pub fn url(text: &str) -> anyhow::Result<NatsUrl> {
    Ok(text.parse()?)
}

/// Connection options from the flags and `CALLTOP_NATS_*`; `name` is what the server
/// shows for the connection.
pub fn options(a: &NatsArgs, name: String) -> anyhow::Result<NatsOptions> {
    let password = std::env::var(PASSWORD_VAR).ok().filter(|p| !p.is_empty());
    let auth = match (&a.nats_creds, &a.nats_token, &a.nats_user, password) {
        (Some(_), Some(_), _, _) => anyhow::bail!("give --nats-creds or --nats-token, not both"),
        (Some(file), None, _, _) => NatsAuth::Creds(file.clone()),
        (None, Some(t), _, _) => NatsAuth::Token(t.0.clone()),
        (None, None, Some(user), Some(password)) => NatsAuth::UserPassword {
            user: user.clone(),
            password,
        },
        (None, None, Some(user), None) => anyhow::bail!(
            "NATS user {user:?} without a password: set {PASSWORD_VAR} (or use --nats-creds / --nats-token)"
        ),
        (None, None, None, Some(_)) => {
            anyhow::bail!("{PASSWORD_VAR} is set without a user: set CALLTOP_NATS_USER or --nats-user")
        }
        (None, None, None, None) => NatsAuth::None,
    };
    Ok(NatsOptions {
        auth,
        tls: TlsFiles {
            ca: a.nats_ca.clone(),
            cert: a.nats_cert.clone(),
            key: a.nats_key.clone(),
        },
        name,
        user: a.nats_user.clone(),
        ..NatsOptions::default()
    })
}
