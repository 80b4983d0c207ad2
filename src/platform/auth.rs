//! OAuth for a JWT-grant app: one JWT login, then refresh-token refreshes before the
//! access token expires (a fresh JWT login would start a new OAuth session and break
//! WebSocket recovery), the single-use WebSocket token, and revoke on exit.

use super::budget::RateGroup;
use super::credentials::Credentials;
use super::http::{Http, HttpError};
use crate::wire::{TokenResponse, WsTokenResponse};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

const JWT_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// How many logins/refreshes/wstokens this process made (for tests and the status line).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AuthStats {
    pub logins: u32,
    pub refreshes: u32,
    pub wstokens: u32,
}

struct TokenState {
    access: String,
    issued: Instant,
    ttl: Duration,
    refresh: Option<String>,
    refresh_expires: Option<Instant>,
}

impl TokenState {
    fn from_response(t: TokenResponse) -> TokenState {
        let now = Instant::now();
        TokenState {
            access: t.access_token,
            issued: now,
            ttl: Duration::from_secs(t.expires_in.max(1)),
            refresh: t.refresh_token,
            refresh_expires: t
                .refresh_token_expires_in
                .map(|s| now + Duration::from_secs(s)),
        }
    }

    /// Refresh once three quarters of the access token's life are gone.
    fn due(&self) -> bool {
        self.issued.elapsed() >= self.ttl.mul_f64(0.75)
    }

    fn refresh_valid(&self) -> Option<&str> {
        let fresh = self.refresh_expires.is_none_or(|e| Instant::now() < e);
        self.refresh.as_deref().filter(|_| fresh)
    }
}

/// The app's OAuth session.
pub struct Auth {
    creds: Credentials,
    http: Http,
    state: tokio::sync::Mutex<Option<TokenState>>,
    logins: AtomicU32,
    refreshes: AtomicU32,
    wstokens: AtomicU32,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("creds", &self.creds)
            .field("stats", &self.stats())
            .finish()
    }
}

impl Auth {
    /// An OAuth session that has not logged in yet.
    pub fn new(creds: Credentials, http: Http) -> Auth {
        Auth {
            creds,
            http,
            state: tokio::sync::Mutex::new(None),
            logins: AtomicU32::new(0),
            refreshes: AtomicU32::new(0),
            wstokens: AtomicU32::new(0),
        }
    }

    /// The server base URL (`https://platform.ringcentral.com`).
    pub fn server_url(&self) -> &str {
        &self.creds.server_url
    }

    /// The shared HTTP client.
    pub fn http(&self) -> &Http {
        &self.http
    }

    /// Counters of token requests made so far.
    pub fn stats(&self) -> AuthStats {
        AuthStats {
            logins: self.logins.load(Ordering::Relaxed),
            refreshes: self.refreshes.load(Ordering::Relaxed),
            wstokens: self.wstokens.load(Ordering::Relaxed),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.creds.server_url, path)
    }

    /// A form POST to an OAuth endpoint with the app's Basic credentials.
    fn oauth_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::RequestBuilder {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        self.http
            .client()
            .post(self.url(path))
            .basic_auth(&self.creds.client_id, Some(&self.creds.client_secret))
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body)
    }

    async fn token_request(&self, form: &[(&str, &str)]) -> Result<TokenResponse, HttpError> {
        let req = self.oauth_form("/restapi/oauth/token", form);
        self.auth_group(self.http.send_json(req)).await
    }

    /// Sends an Auth-group request unless the group is paused after a 429 (then the
    /// pause left, without a request): the rate budget every answer is told of pauses it
    /// for `Retry-After` plus jitter, and every task of this client (the connection, the
    /// token refresh, REST readers needing a token) waits the same pause out — a try
    /// during the platform's penalty restarts it for every client of the user.
    async fn auth_group<T>(
        &self,
        send: impl std::future::Future<Output = Result<T, HttpError>>,
    ) -> Result<T, HttpError> {
        let paused = || {
            let now = tokio::time::Instant::now();
            let until = self.http.budget().paused_until(RateGroup::Auth, now)?;
            Some(HttpError::RateLimited {
                retry_after: until - now,
            })
        };
        if let Some(e) = paused() {
            return Err(e);
        }
        let r = send.await;
        let Err(HttpError::RateLimited { retry_after }) = r else {
            return r;
        };
        // The pause the 429 started (its jitter included), not the bare Retry-After; a
        // 429 that named no group pauses this one.
        if paused().is_none() {
            let now = tokio::time::Instant::now();
            self.http
                .budget()
                .rate_limited(RateGroup::Auth, retry_after, now);
        }
        Err(paused().unwrap_or(HttpError::RateLimited { retry_after }))
    }

    async fn jwt_login(&self, state: &mut Option<TokenState>) -> Result<(), HttpError> {
        let t = self
            .token_request(&[("grant_type", JWT_GRANT), ("assertion", &self.creds.jwt)])
            .await?;
        self.logins.fetch_add(1, Ordering::Relaxed);
        tracing::info!(expires_in = t.expires_in, "logged in with the JWT grant");
        *state = Some(TokenState::from_response(t));
        Ok(())
    }

    /// Logs in (JWT grant) unless a session already exists.
    pub async fn login(&self) -> Result<(), HttpError> {
        let mut state = self.state.lock().await;
        if state.is_none() {
            self.jwt_login(&mut state).await?;
        }
        Ok(())
    }

    /// Refreshes with the refresh token. Falls back to a JWT login only when there is
    /// no usable refresh token or the platform rejects it.
    async fn refresh_locked(&self, state: &mut Option<TokenState>) -> Result<(), HttpError> {
        let Some(rt) = state
            .as_ref()
            .and_then(|s| s.refresh_valid())
            .map(str::to_string)
        else {
            return self.jwt_login(state).await;
        };
        match self
            .token_request(&[("grant_type", "refresh_token"), ("refresh_token", &rt)])
            .await
        {
            Ok(t) => {
                self.refreshes.fetch_add(1, Ordering::Relaxed);
                tracing::info!(expires_in = t.expires_in, "access token refreshed");
                *state = Some(TokenState::from_response(t));
                Ok(())
            }
            Err(HttpError::Status {
                status: 400 | 401,
                message,
            }) => {
                tracing::warn!(%message, "refresh token rejected; logging in again with the JWT");
                self.jwt_login(state).await
            }
            Err(e) => Err(e),
        }
    }

    /// Refreshes if the access token is past three quarters of its life.
    /// Returns whether a refresh happened.
    pub async fn refresh_if_due(&self) -> Result<bool, HttpError> {
        let mut state = self.state.lock().await;
        match state.as_ref() {
            None => {
                self.jwt_login(&mut state).await?;
                Ok(true)
            }
            Some(s) if s.due() => {
                self.refresh_locked(&mut state).await?;
                Ok(true)
            }
            Some(_) => Ok(false),
        }
    }

    /// A valid access token (logging in or refreshing as needed).
    pub async fn access_token(&self) -> Result<String, HttpError> {
        self.refresh_if_due().await?;
        let state = self.state.lock().await;
        state
            .as_ref()
            .map(|s| s.access.clone())
            .ok_or_else(|| HttpError::Transport("not logged in".into()))
    }

    /// A bearer request to `path` on the platform with `token`.
    fn bearer_with(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::RequestBuilder {
        self.http
            .client()
            .request(method, self.url(path))
            .bearer_auth(token)
            .header(reqwest::header::ACCEPT, "application/json")
    }

    /// Replaces the session after the platform rejected `rejected` with a 401 — unless
    /// another task already did since that request went out (every task that met the
    /// same 401 would otherwise refresh in turn, and each refresh invalidates the
    /// token the one before handed out).
    async fn renew_rejected(&self, rejected: &str) -> Result<(), HttpError> {
        let mut state = self.state.lock().await;
        if state.as_ref().is_some_and(|s| s.access != rejected) {
            return Ok(());
        }
        self.refresh_locked(&mut state).await
    }

    /// Sends a bearer request built by `build`; a 401 (the token was invalidated
    /// behind our back) renews the session once and sends it again.
    pub async fn authorized<T, F, Fut>(
        &self,
        method: reqwest::Method,
        path: &str,
        build: F,
    ) -> Result<T, HttpError>
    where
        F: Fn(reqwest::RequestBuilder) -> Fut,
        Fut: std::future::Future<Output = Result<T, HttpError>>,
    {
        let token = self.access_token().await?;
        let r = build(self.bearer_with(&token, method.clone(), path)).await;
        if !matches!(r, Err(HttpError::Status { status: 401, .. })) {
            return r;
        }
        if let Err(e) = self.renew_rejected(&token).await {
            tracing::warn!(error = %e, "renewing the session after a 401 failed");
            return r;
        }
        let token = self.access_token().await?;
        build(self.bearer_with(&token, method, path)).await
    }

    /// One request to `path` with an optional JSON body; the body text of a 2xx answer.
    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<String, HttpError> {
        self.authorized(method, path, |mut req| async move {
            if let Some(b) = body {
                req = req.json(b);
            }
            self.http.send(req).await
        })
        .await
    }

    /// `POST /restapi/oauth/wstoken`: a single-use token and the gateway URI.
    pub async fn wstoken(&self) -> Result<WsTokenResponse, HttpError> {
        let t = self
            .authorized(reqwest::Method::POST, "/restapi/oauth/wstoken", |req| {
                let req = req
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body("{}");
                self.auth_group(self.http.send_json(req))
            })
            .await?;
        self.wstokens.fetch_add(1, Ordering::Relaxed);
        Ok(t)
    }

    /// Revokes the OAuth session (best effort) and forgets the tokens.
    pub async fn revoke(&self) -> Result<(), HttpError> {
        let mut state = self.state.lock().await;
        let Some(s) = state.take() else { return Ok(()) };
        let token = s.refresh.unwrap_or(s.access);
        let req = self.oauth_form("/restapi/oauth/revoke", &[("token", &token)]);
        self.auth_group(self.http.send(req)).await.map(|_| ())
    }
}
