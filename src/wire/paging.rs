//! Paged lists (`{uri, records, navigation, paging}`), shared by every list endpoint
//! (supervisor-api.md §0.1).

use serde::{Deserialize, Serialize};

/// `paging`: 1-based `page`, 0-based `pageStart`/`pageEnd`; every field may be omitted
/// (`page`, `pageStart`, `pageEnd` are for an empty result; totals "for performance reasons").
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Paging {
    #[serde(default, deserialize_with = "super::lenient::opt_i64")]
    pub page: Option<i64>,
    #[serde(default, deserialize_with = "super::lenient::opt_i64")]
    pub per_page: Option<i64>,
    #[serde(default, deserialize_with = "super::lenient::opt_i64")]
    pub page_start: Option<i64>,
    #[serde(default, deserialize_with = "super::lenient::opt_i64")]
    pub page_end: Option<i64>,
    #[serde(default, deserialize_with = "super::lenient::opt_i64")]
    pub total_pages: Option<i64>,
    #[serde(default, deserialize_with = "super::lenient::opt_i64")]
    pub total_elements: Option<i64>,
}

/// One navigation link.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageUri {
    #[serde(default)]
    pub uri: String,
}

/// `navigation`: only the links that exist (a single page has `firstPage` + `lastPage`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Navigation {
    pub first_page: Option<PageUri>,
    pub next_page: Option<PageUri>,
    pub previous_page: Option<PageUri>,
    pub last_page: Option<PageUri>,
}

/// A page of records: `GetExtensionListResponse`, `AccountPresenceInfo`, `CallQueues`,
/// `CallQueueMembers`, `GetExtensionDevicesResponse`, `CallLogResponse`, message lists….
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordList<T> {
    pub uri: Option<String>,
    #[serde(default = "Vec::new")]
    pub records: Vec<T>,
    pub navigation: Option<Navigation>,
    pub paging: Option<Paging>,
}

/// A list without paging (`{records: [...]}`): queue presence, agent queue presence.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Records<T> {
    #[serde(default = "Vec::new")]
    pub records: Vec<T>,
}

impl<T> RecordList<T> {
    /// True when `navigation.nextPage` says there is more.
    pub fn has_next(&self) -> bool {
        self.navigation
            .as_ref()
            .is_some_and(|n| n.next_page.is_some())
    }
}

/// Fields a record carries that these types do not name, kept verbatim (so a value the
/// platform adds later survives a decode/encode round trip).
pub type Extra = serde_json::Map<String, serde_json::Value>;
