//! The one HTTP client: timeouts, 429 handling (`Retry-After`, else 30 s), the rate
//! budget told of every answer, and platform error bodies turned into one human line.

use super::budget::{RateBudget, RateHeaders};
use crate::wire::ApiError;
use std::sync::Arc;
use std::time::Duration;

/// Every request gives up after this long.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// The wait after a 429 without `Retry-After` (the platform's guidance).
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(30);

/// Why a request did not succeed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    /// 429: do not send again in this group before `retry_after`.
    #[error("rate limited: retry in {}s", retry_after.as_secs())]
    RateLimited { retry_after: Duration },
    /// A non-2xx answer; `message` is `errorCode: message`.
    #[error("HTTP {status}: {message}")]
    Status { status: u16, message: String },
    /// No answer: connect failure, timeout, unreadable body.
    #[error("{0}")]
    Transport(String),
}

impl HttpError {
    /// The HTTP status, when the platform answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            HttpError::RateLimited { .. } => Some(429),
            HttpError::Status { status, .. } => Some(*status),
            HttpError::Transport(_) => None,
        }
    }
}

/// A cheap-to-clone HTTP client with calltop's timeouts, and the rate budget of the
/// login it serves (clones share it).
#[derive(Clone, Debug)]
pub struct Http {
    client: reqwest::Client,
    budget: Arc<RateBudget>,
}

impl Default for Http {
    fn default() -> Self {
        Http::new(REQUEST_TIMEOUT)
    }
}

impl Http {
    /// A client whose every request times out after `timeout`.
    pub fn new(timeout: Duration) -> Http {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("calltop/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Http {
            client,
            budget: Arc::new(RateBudget::default()),
        }
    }

    /// This client with `budget` (told of every answer).
    pub fn with_budget(mut self, budget: Arc<RateBudget>) -> Http {
        self.budget = budget;
        self
    }

    /// The rate budget every answer is told to.
    pub fn budget(&self) -> &Arc<RateBudget> {
        &self.budget
    }

    /// The underlying reqwest client, for building requests.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends, and returns the body text of a 2xx answer (may be empty).
    pub async fn send(&self, req: reqwest::RequestBuilder) -> Result<String, HttpError> {
        let resp = req
            .send()
            .await
            .map_err(|e| HttpError::Transport(transport_message(&e)))?;
        let status = resp.status().as_u16();
        let retry_after = retry_after(resp.headers());
        self.budget.observe(
            status,
            RateHeaders::of(resp.headers()),
            retry_after.unwrap_or(DEFAULT_RETRY_AFTER),
            tokio::time::Instant::now(),
        );
        let text = resp
            .text()
            .await
            .map_err(|e| HttpError::Transport(transport_message(&e)))?;
        if (200..300).contains(&status) {
            return Ok(text);
        }
        if status == 429 {
            return Err(HttpError::RateLimited {
                retry_after: retry_after.unwrap_or(DEFAULT_RETRY_AFTER),
            });
        }
        Err(HttpError::Status {
            status,
            message: error_line(status, &text),
        })
    }

    /// Sends and decodes a 2xx JSON body.
    pub async fn send_json<T: serde::de::DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<T, HttpError> {
        let text = self.send(req).await?;
        serde_json::from_str(&text)
            .map_err(|e| HttpError::Transport(format!("unexpected response body: {e}")))
    }
}

/// `Retry-After` in seconds (the only form the platform uses).
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// One human line for an error body: `errorCode: message`, else the status.
pub fn error_line(status: u16, body: &str) -> String {
    match serde_json::from_str::<ApiError>(body) {
        Ok(e) if e != ApiError::default() => e.summary(),
        _ => {
            let reason = reqwest::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("error");
            format!("HTTP {status} {reason}")
        }
    }
}

fn transport_message(e: &reqwest::Error) -> String {
    // reqwest errors carry the URL; keep it (no secrets there) but not the chain noise.
    if e.is_timeout() {
        "request timed out".to_string()
    } else if e.is_connect() {
        format!(
            "cannot connect: {}",
            e.url().map(|u| u.as_str()).unwrap_or("?")
        )
    } else {
        let mut msg = e.to_string();
        let mut src = std::error::Error::source(e);
        while let Some(s) = src {
            msg = format!("{msg}: {s}");
            src = s.source();
        }
        msg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_lines() {
        let b = r#"{"errorCode":"CMN-301","message":"Request rate exceeded","errors":[{"errorCode":"CMN-301","message":"Request rate exceeded"}]}"#;
        assert_eq!(error_line(429, b), "CMN-301: Request rate exceeded");
        let b = r#"{"errors":[{"errorCode":"TAS-106","message":"Operation is not allowed"}]}"#;
        assert_eq!(error_line(403, b), "TAS-106: Operation is not allowed");
        let b = r#"{"error":"invalid_grant","error_description":"Token not found"}"#;
        assert_eq!(error_line(400, b), "invalid_grant: Token not found");
        assert_eq!(error_line(502, "<html>"), "HTTP 502 Bad Gateway");
        assert_eq!(error_line(404, "{}"), "HTTP 404 Not Found");
    }

    #[test]
    fn retry_after_header() {
        let mut h = reqwest::header::HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert(reqwest::header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
    }
}
