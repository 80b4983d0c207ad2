//! Where the app's credentials come from: the conventional `RINGCENTRAL_*`
//! environment variables or a private config file. Never printed.

use anyhow::{bail, Context};
use std::path::{Path, PathBuf};

pub use crate::wire::api::{Credentials, ENV_VARS};

/// The production platform, used when no server URL is given.
pub const DEFAULT_SERVER: &str = "https://platform.ringcentral.com";

/// Loads from the environment when `RINGCENTRAL_CLIENT_ID` is set, else from
/// `config` (or the default config file). `server` overrides the server URL.
pub fn load(config: Option<&Path>, server: Option<&str>) -> anyhow::Result<Credentials> {
    let mut creds = match (config, std::env::var("RINGCENTRAL_CLIENT_ID")) {
        (None, Ok(_)) => from_lookup(|k| std::env::var(k).ok())?,
        (Some(path), _) => from_file(path)?,
        (None, Err(_)) => {
            let path = default_config_path()
                .context("no RINGCENTRAL_* environment variables and no config directory")?;
            if !path.exists() {
                bail!(
                    "no credentials: set {} or write them to {} (mode 0600); to try calltop without an account, run `calltop demo`",
                    ENV_VARS.join(", "),
                    path.display()
                );
            }
            from_file(&path)?
        }
    };
    if let Some(s) = server {
        creds.server_url = s.trim_end_matches('/').to_string();
    }
    Ok(creds)
}

/// Builds from a key lookup (environment or file).
pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Credentials> {
    let need = |k: &str| -> anyhow::Result<String> {
        get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .with_context(|| format!("{k} is not set"))
    };
    Ok(Credentials {
        server_url: get(ENV_VARS[0])
            .map(|v| v.trim().trim_end_matches('/').to_string())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| DEFAULT_SERVER.to_string()),
        client_id: need(ENV_VARS[1])?,
        client_secret: need(ENV_VARS[2])?,
        jwt: need(ENV_VARS[3])?,
    })
}

/// Reads a `KEY=value` file (the env var names; `#` comments), refusing one that
/// other users could read.
pub fn from_file(path: &Path) -> anyhow::Result<Credentials> {
    check_private(path)?;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let pairs = parse_env_file(&text);
    from_lookup(|k| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    })
    .with_context(|| format!("in {}", path.display()))
}

/// `$XDG_CONFIG_HOME/calltop/credentials`.
pub fn default_config_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("calltop").join("credentials"))
}

fn parse_env_file(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let l = l.strip_prefix("export ").unwrap_or(l);
            let (k, v) = l.split_once('=')?;
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(v);
            Some((k.trim().to_string(), v.to_string()))
        })
        .collect()
}

#[cfg(unix)]
fn check_private(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        bail!(
            "refusing {}: it is readable by group/others (mode {mode:03o}); run `chmod 600 {}`",
            path.display(),
            path.display()
        );
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> anyhow::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn debug_redacts_secrets() {
        let c = Credentials {
            server_url: "http://x".into(),
            client_id: "id".into(),
            client_secret: "s3cret".into(),
            jwt: "eyJwt".into(),
        };
        let d = format!("{c:?}");
        assert!(!d.contains("s3cret") && !d.contains("eyJwt"), "{d}");
        assert!(d.contains("id"));
    }

    #[cfg(unix)]
    #[test]
    fn file_mode_is_checked_and_values_parsed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        let mut f = std::fs::File::create(&path).unwrap();
        writeln!(f, "# calltop\nRINGCENTRAL_SERVER_URL=http://127.0.0.1:9/\nexport RINGCENTRAL_CLIENT_ID=\"cid\"\nRINGCENTRAL_CLIENT_SECRET='sec'\nRINGCENTRAL_JWT=j.w.t").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = from_file(&path).unwrap_err().to_string();
        assert!(err.contains("chmod 600"), "{err}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let c = from_file(&path).unwrap();
        assert_eq!(c.server_url, "http://127.0.0.1:9");
        assert_eq!(
            (
                c.client_id.as_str(),
                c.client_secret.as_str(),
                c.jwt.as_str()
            ),
            ("cid", "sec", "j.w.t")
        );
    }

    #[test]
    fn missing_values_are_named() {
        let err =
            from_lookup(|k| (k == "RINGCENTRAL_CLIENT_ID").then(|| "x".to_string())).unwrap_err();
        assert!(err.to_string().contains("RINGCENTRAL_CLIENT_SECRET"));
        let c = from_lookup(|k| (k != "RINGCENTRAL_SERVER_URL").then(|| "v".to_string())).unwrap();
        assert_eq!(c.server_url, DEFAULT_SERVER);
    }
}
