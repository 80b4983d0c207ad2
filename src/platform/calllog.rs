//! Reading the account's call log (call-log.md §1): the Detailed records of a time
//! window, page by page. The call log is in the **Heavy** rate-limit group (10 requests
//! a minute by default, shared by every client of the user), so callers batch: one
//! window covers every call waiting to be joined, and each page is taken from the
//! login's Heavy budget first.

use super::auth::Auth;
use super::budget::{Pace, RateBudget, RateGroup};
use super::http::HttpError;
use crate::wire::calllog::CallLogRecord;
use crate::wire::paging::RecordList;
use crate::wire::Ts;
use std::sync::Arc;

/// Records per page (the platform's maximum).
const PER_PAGE: usize = 1000;

/// The call-log reader (cheap to clone).
#[derive(Clone, Debug)]
pub struct CallLogClient {
    auth: Arc<Auth>,
}

impl CallLogClient {
    /// A reader acting with this OAuth session.
    pub fn new(auth: Arc<Auth>) -> CallLogClient {
        CallLogClient { auth }
    }

    /// The login's rate budget (the call log spends its Heavy group).
    pub fn budget(&self) -> &Arc<RateBudget> {
        self.auth.http().budget()
    }

    /// `GET /restapi/v1.0/account/~/call-log?view=Detailed` for records that started
    /// in `[from, to]`, every page. Each page is one Heavy request, taken from the
    /// budget first (it waits while the group is paced or paused).
    pub async fn window(&self, from: Ts, to: Ts) -> Result<Vec<CallLogRecord>, HttpError> {
        let mut out = Vec::new();
        for page in 1.. {
            let path = format!(
                "/restapi/v1.0/account/~/call-log?view=Detailed&dateFrom={}&dateTo={}&perPage={PER_PAGE}&page={page}",
                enc(&from.to_rfc3339()),
                enc(&to.to_rfc3339()),
            );
            self.auth
                .http()
                .budget()
                .take(RateGroup::Heavy, Pace::Even)
                .await;
            let list: RecordList<CallLogRecord> = self
                .auth
                .authorized(reqwest::Method::GET, &path, |req| {
                    self.auth.http().send_json(req)
                })
                .await?;
            let more = list.navigation.is_some_and(|n| n.next_page.is_some());
            let n = list.records.len();
            out.extend(list.records);
            if !more || n < PER_PAGE {
                break;
            }
        }
        Ok(out)
    }
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
