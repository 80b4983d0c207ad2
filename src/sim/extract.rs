//! What every account REST handler starts with, as extractors: the caller's token, the
//! account in the path (`~` or the simulated account, else 404), the other path
//! parameters, the JSON body and the query string; plus paging of list responses.

// Helpers return ready HTTP error responses (the axum idiom), so Err is large.
#![allow(clippy::result_large_err)]

use super::auth::Authed;
use super::errors::{bad_param, not_found};
use super::state::Shared;
use crate::wire::paging::{Navigation, PageUri, Paging, RecordList};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, RawPathParams, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::sync::Arc;

/// An authenticated request on `/restapi/v1.0/account/{acc}/…`: the shared state, the
/// caller, and the path parameters other than `{acc}` (deserialized by name into `P`).
pub struct Api<P = NoPath> {
    pub sim: Arc<Shared>,
    pub auth: Authed,
    pub path: P,
}

/// No path parameters besides the account.
#[derive(Deserialize)]
pub struct NoPath {}

/// `…/extension/{ext}/…`.
#[derive(Deserialize)]
pub struct ExtP {
    pub ext: String,
}

/// `…/telephony/sessions/{sid}`.
#[derive(Deserialize)]
pub struct SidP {
    pub sid: String,
}

/// `…/telephony/sessions/{sid}/parties/{pid}`.
#[derive(Deserialize)]
pub struct PartyP {
    pub sid: String,
    pub pid: String,
}

/// One `{id}` (queue, device, record, recording, message).
#[derive(Deserialize)]
pub struct IdP {
    pub id: String,
}

impl<P: DeserializeOwned + Send> FromRequestParts<Arc<Shared>> for Api<P> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, sim: &Arc<Shared>) -> Result<Self, Response> {
        let auth = Authed::from_request_parts(parts, sim).await?;
        let params = RawPathParams::from_request_parts(parts, sim)
            .await
            .map_err(IntoResponse::into_response)?;
        if let Some((_, acc)) = params.iter().find(|(k, _)| *k == "acc") {
            if acc != "~" && *acc != sim.cfg.account_id {
                return Err(not_found(&format!("Account [{acc}] not found")));
            }
        }
        let Path(path) = Path::<P>::from_request_parts(parts, sim)
            .await
            .map_err(|_| not_found("Resource for parameter [path] is not found"))?;
        Ok(Api {
            sim: sim.clone(),
            auth,
            path,
        })
    }
}

/// A JSON object body: empty → `None`; not JSON or not an object → 400 `CMN-101`.
pub struct JsonObj(pub Option<Map<String, Value>>);

impl<S: Send + Sync> FromRequest<S> for JsonObj {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let body = Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        json_body(&body).map(JsonObj)
    }
}

impl JsonObj {
    /// A string-ish field (numbers accepted, as ids often are).
    pub fn field(&self, k: &str) -> Option<String> {
        match self.0.as_ref()?.get(k)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// The body as a typed request (`Default` when empty); a wrong shape → 400.
    pub fn typed<T: DeserializeOwned + Default>(&self) -> Result<T, Response> {
        match &self.0 {
            None => Ok(T::default()),
            Some(m) => serde_json::from_value(Value::Object(m.clone())).map_err(|e| {
                tracing::info!("request body of the wrong shape: {e}");
                bad_param("body", &format!("Request body is invalid: {e}"))
            }),
        }
    }
}

/// A JSON request body: empty → `None`; not JSON (or not an object) → 400.
fn json_body(body: &Bytes) -> Result<Option<Map<String, Value>>, Response> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(None);
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(Some(m)),
        Ok(_) => Err(bad_param("body", "Request body must be a JSON object")),
        Err(e) => {
            tracing::info!("malformed JSON body: {e}");
            Err(bad_param("body", "Malformed JSON in request body"))
        }
    }
}

/// The query string as ordered pairs (repeated keys are how lists are sent, §0.3).
#[derive(Clone, Debug, Default)]
pub struct Query(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Query {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        let q = parts.uri.query().unwrap_or_default();
        Ok(Query(
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect(),
        ))
    }
}

impl Query {
    /// The first value of `k`.
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `k` (also comma-separated ones).
    pub fn all(&self, k: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(key, _)| key == k)
            .flat_map(|(_, v)| v.split(','))
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// Every value of `k`, parsed (lenient wire enums keep unknown values).
    pub fn list<T>(&self, k: &str, parse: fn(&str) -> T) -> Vec<T> {
        self.all(k).into_iter().map(parse).collect()
    }

    /// `dateFrom` / `dateTo` (ISO 8601): `dateTo` defaults to now, `dateFrom` to 24 h
    /// before it (call-log.md §1.2); a bad date → 400.
    pub fn window(&self) -> Result<(crate::wire::Ts, crate::wire::Ts), Response> {
        let date = |k: &str| match self.get(k) {
            None => Ok(None),
            Some(v) => crate::wire::Ts::parse(v)
                .map(Some)
                .ok_or_else(|| bad_param(k, &format!("Parameter [{k}] value [{v}] is invalid"))),
        };
        let to = date("dateTo")?.unwrap_or_else(crate::wire::Ts::now);
        let from = date("dateFrom")?.unwrap_or(to.plus_millis(-86_400_000));
        Ok((from, to))
    }

    /// `k=true` (case-insensitive).
    pub fn flag(&self, k: &str) -> bool {
        self.get(k).is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// The query string with `page` set to `page` (for navigation links).
    fn with_page(&self, page: usize, per_page: usize) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.0 {
            if k != "page" && k != "perPage" {
                s.append_pair(k, v);
            }
        }
        s.append_pair("page", &page.to_string());
        s.append_pair("perPage", &per_page.to_string());
        s.finish()
    }
}

/// `page` / `perPage` of a list request.
#[derive(Clone, Copy, Debug)]
pub struct PageReq {
    pub page: usize,
    pub per_page: usize,
}

impl Query {
    /// Reads `page` (≥ 1) and `perPage` (`max`/`all` or 1…; larger values are clamped
    /// to `max`); anything else → 400 `CMN-101`.
    pub fn page(&self, default_per_page: usize, max: usize) -> Result<PageReq, Response> {
        let page = match self.get("page") {
            None => 1,
            Some(p) => match p.parse::<usize>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    return Err(bad_param(
                        "page",
                        &format!("Parameter [page] value [{p}] is invalid"),
                    ))
                }
            },
        };
        let per_page = match self.get("perPage") {
            None => default_per_page,
            Some(v) if v.eq_ignore_ascii_case("max") || v.eq_ignore_ascii_case("all") => max,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if n >= 1 => n.min(max),
                _ => {
                    return Err(bad_param(
                        "perPage",
                        &format!("Parameter [perPage] value [{v}] is invalid"),
                    ))
                }
            },
        };
        Ok(PageReq { page, per_page })
    }
}

/// One page of `items` as the platform pages lists: `paging` with totals (without
/// `page`/`pageStart`/`pageEnd` when the page is empty), and only the navigation links
/// that exist. `uri` is the list's absolute URI without a query.
pub fn paged<T>(items: Vec<T>, req: PageReq, uri: &str, q: &Query) -> RecordList<T> {
    let total = items.len();
    let pages = total.div_ceil(req.per_page).max(1);
    let start = (req.page - 1).saturating_mul(req.per_page);
    let records: Vec<T> = items.into_iter().skip(start).take(req.per_page).collect();
    let link = |p: usize| PageUri {
        uri: format!("{uri}?{}", q.with_page(p, req.per_page)),
    };
    let n = records.len();
    let paging = Paging {
        page: (n > 0).then_some(req.page as i64),
        per_page: Some(req.per_page as i64),
        page_start: (n > 0).then_some(start as i64),
        page_end: n.checked_sub(1).map(|last| (start + last) as i64),
        total_pages: Some(pages as i64),
        total_elements: Some(total as i64),
    };
    RecordList {
        uri: Some(format!("{uri}?{}", q.with_page(req.page, req.per_page))),
        records,
        navigation: Some(Navigation {
            first_page: Some(link(1)),
            next_page: (req.page < pages).then(|| link(req.page + 1)),
            previous_page: (req.page > 1 && req.page <= pages + 1).then(|| link(req.page - 1)),
            last_page: Some(link(pages)),
        }),
        paging: Some(paging),
    }
}

/// A JSON 200 response.
pub fn ok<T: serde::Serialize>(v: T) -> Response {
    axum::Json(v).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_links() {
        let q = Query(vec![
            ("type".into(), "User".into()),
            ("page".into(), "2".into()),
        ]);
        let l = paged(
            (0..5).collect(),
            PageReq {
                page: 2,
                per_page: 2,
            },
            "http://x/e",
            &q,
        );
        assert_eq!(l.records, vec![2, 3]);
        let p = l.paging.unwrap();
        assert_eq!(
            (p.page_start, p.page_end, p.total_pages),
            (Some(2), Some(3), Some(3))
        );
        let n = l.navigation.unwrap();
        assert_eq!(
            n.next_page.unwrap().uri,
            "http://x/e?type=User&page=3&perPage=2"
        );
        assert!(n.previous_page.is_some());
        let one = paged(
            vec![1],
            PageReq {
                page: 1,
                per_page: 100,
            },
            "u",
            &Query::default(),
        );
        let n = one.navigation.unwrap();
        assert!(n.next_page.is_none() && n.previous_page.is_none());
        assert!(n.first_page.is_some() && n.last_page.is_some());
        let empty = paged(
            Vec::<u8>::new(),
            PageReq {
                page: 3,
                per_page: 10,
            },
            "u",
            &Query::default(),
        );
        assert!(empty.paging.unwrap().page.is_none());
    }
}
