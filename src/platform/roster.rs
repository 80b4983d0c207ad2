//! Readers of the contact center (supervisor-api.md §1–§3, §5): the extension directory
//! (paged), a call queue's details, members (paged) and member availability, everyone's
//! presence (paged; Heavy), the supervisor's devices. Every answer is returned as the
//! platform sent it; errors are [`HttpError`]s (a 403 names a missing permission).
//! The background reads take each request (each page) from the login's rate budget
//! first; the devices, read for a control key, take nothing.

use super::auth::Auth;
use super::budget::{Pace, RateGroup};
use super::http::HttpError;
use crate::wire::devices::{Device, DeviceStatus, DeviceType};
use crate::wire::directory::ExtensionInfo;
use crate::wire::paging::{RecordList, Records};
use crate::wire::presence::PresenceInfo;
use crate::wire::queues::{AnsweringRule, CallQueue, QueueMemberInfo, QueueMemberPresence};
use reqwest::Method;
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// Records per page asked for (the platform's maximum).
const PER_PAGE: u32 = 1000;
/// Pages read at most from one list (a runaway `nextPage` stops here).
const MAX_PAGES: u32 = 1000;

/// The directory readers (cheap to clone).
#[derive(Clone, Debug)]
pub struct Roster {
    auth: Arc<Auth>,
    account_path: String,
}

impl Roster {
    /// Readers for account `~` on this OAuth session.
    pub fn new(auth: Arc<Auth>) -> Roster {
        Roster {
            auth,
            account_path: "/restapi/v1.0/account/~".into(),
        }
    }

    /// One GET, taken from `group`'s budget first (`None`: an interactive read).
    async fn get<T: DeserializeOwned>(
        &self,
        group: Option<RateGroup>,
        path: &str,
    ) -> Result<T, HttpError> {
        if let Some(g) = group {
            self.auth.http().budget().take(g, Pace::Now).await;
        }
        let text = self.auth.request(Method::GET, path, None).await?;
        serde_json::from_str(&text)
            .map_err(|e| HttpError::Transport(format!("unexpected body from {path}: {e}")))
    }

    /// Every record of a paged list (`navigation.nextPage` says when to stop).
    async fn pages<T: DeserializeOwned>(
        &self,
        group: Option<RateGroup>,
        path: &str,
    ) -> Result<Vec<T>, HttpError> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut all = Vec::new();
        for page in 1..=MAX_PAGES {
            let list: RecordList<T> = self
                .get(group, &format!("{path}{sep}perPage={PER_PAGE}&page={page}"))
                .await?;
            let more = list.has_next();
            all.extend(list.records);
            if !more {
                break;
            }
        }
        Ok(all)
    }

    /// `GET …/extension` (Medium): every extension — users, call queues and the rest.
    pub async fn extensions(&self) -> Result<Vec<ExtensionInfo>, HttpError> {
        self.pages(
            Some(RateGroup::Medium),
            &format!("{}/extension", self.account_path),
        )
        .await
    }

    /// `GET …/call-queues/{id}` (Light): the queue with its service-level settings.
    pub async fn queue(&self, id: &str) -> Result<CallQueue, HttpError> {
        let path = format!("{}/call-queues/{}", self.account_path, enc(id));
        self.get(Some(RateGroup::Light), &path).await
    }

    /// `GET …/extension/{id}/answering-rule/business-hours-rule` (Light): how queue `id`
    /// rings and how long a caller may wait in it.
    pub async fn queue_rule(&self, id: &str) -> Result<AnsweringRule, HttpError> {
        let path = format!(
            "{}/extension/{}/answering-rule/business-hours-rule",
            self.account_path,
            enc(id)
        );
        self.get(Some(RateGroup::Light), &path).await
    }

    /// `GET …/call-queues/{id}/members` (Light, paged).
    pub async fn members(&self, id: &str) -> Result<Vec<QueueMemberInfo>, HttpError> {
        self.pages(
            Some(RateGroup::Light),
            &format!("{}/call-queues/{}/members", self.account_path, enc(id)),
        )
        .await
    }

    /// `GET …/call-queues/{id}/presence` (Light): whether each member takes its calls.
    pub async fn queue_presence(&self, id: &str) -> Result<Vec<QueueMemberPresence>, HttpError> {
        let r: Records<QueueMemberPresence> = self
            .get(
                Some(RateGroup::Light),
                &format!("{}/call-queues/{}/presence", self.account_path, enc(id)),
            )
            .await?;
        Ok(r.records)
    }

    /// Presence with `detailedTelephonyState`: of every extension (`GET …/presence`,
    /// Heavy, paged), or of the current one only.
    pub async fn presence(&self, extension_level: bool) -> Result<Vec<PresenceInfo>, HttpError> {
        if extension_level {
            let one = self
                .get(
                    Some(RateGroup::Light),
                    &format!(
                        "{}/extension/~/presence?detailedTelephonyState=true",
                        self.account_path
                    ),
                )
                .await?;
            return Ok(vec![one]);
        }
        self.pages(
            Some(RateGroup::Heavy),
            &format!("{}/presence?detailedTelephonyState=true", self.account_path),
        )
        .await
    }

    /// `GET …/extension/~/device` (Light, paged): the current user's devices.
    pub async fn devices(&self) -> Result<Vec<Device>, HttpError> {
        self.pages(None, &format!("{}/extension/~/device", self.account_path))
            .await
    }

    /// The supervisor's device when none was given: the one `Online` device.
    pub async fn online_device(&self) -> Result<String, String> {
        one_online(&self.listed_devices().await?)
    }

    /// The device meant for listening in (see [`listen_in`]).
    pub async fn listen_in_device(&self) -> Result<String, String> {
        listen_in(&self.listed_devices().await?)
    }

    async fn listed_devices(&self) -> Result<Vec<Device>, String> {
        self.devices()
            .await
            .map_err(|e| format!("listing your devices failed ({e}): pass --device-id"))
    }
}

/// The device meant for listening in: the one `Online` `OtherPhone` (a phone set up to
/// receive supervision audio, supervisor-api.md §5.3), else the one `Online` device.
pub fn listen_in(devices: &[Device]) -> Result<String, String> {
    let phones: Vec<&Device> = devices
        .iter()
        .filter(|d| {
            d.status == Some(DeviceStatus::Online) && d.kind == Some(DeviceType::OtherPhone)
        })
        .collect();
    match phones.as_slice() {
        [d] => Ok(d.id.clone()),
        _ => one_online(devices),
    }
}

/// The id of the only `Online` device, or why there is none to pick.
pub fn one_online(devices: &[Device]) -> Result<String, String> {
    let online: Vec<&Device> = devices
        .iter()
        .filter(|d| d.status == Some(DeviceStatus::Online))
        .collect();
    match online.as_slice() {
        [d] => Ok(d.id.clone()),
        [] => Err("none of your devices is Online: start one, or pass --device-id".into()),
        many => Err(format!(
            "{} of your devices are Online ({}): choose one with --device-id",
            many.len(),
            many.iter()
                .map(|d| match &d.name {
                    Some(n) => format!("{} {n}", d.id),
                    None => d.id.clone(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Telephony session ids of the calls presence lists.
pub fn session_ids(presence: &[PresenceInfo]) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for c in presence
        .iter()
        .flat_map(|p| p.active_calls.iter().flatten())
    {
        if let Some(id) = &c.call.telephony_session_id {
            if !ids.contains(id) {
                ids.push(id.clone());
            }
        }
    }
    ids
}

pub(super) fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_one_online_device() {
        let dev = |id: &str, status: &str| Device {
            id: id.into(),
            name: Some(format!("phone {id}")),
            status: Some(DeviceStatus::parse(status)),
            ..Default::default()
        };
        assert_eq!(
            one_online(&[dev("1", "Offline"), dev("2", "Online")]),
            Ok("2".into())
        );
        let none = one_online(&[dev("1", "Offline")]).unwrap_err();
        assert!(none.contains("--device-id"), "{none}");
        let many = one_online(&[dev("1", "Online"), dev("2", "Online")]).unwrap_err();
        assert!(
            many.contains("2 of your devices") && many.contains("1 phone 1"),
            "{many}"
        );
    }

    #[test]
    fn the_listen_in_phone_among_several_online() {
        let dev = |id: &str, kind: &str, status: &str| Device {
            id: id.into(),
            kind: Some(DeviceType::parse(kind)),
            status: Some(DeviceStatus::parse(status)),
            ..Default::default()
        };
        let soft = dev("1", "SoftPhone", "Online");
        let desk = dev("2", "HardPhone", "Online");
        let other = dev("3", "OtherPhone", "Online");
        assert_eq!(
            listen_in(&[soft.clone(), desk.clone(), other.clone()]),
            Ok("3".into())
        );
        assert_eq!(listen_in(&[soft.clone(), desk.clone()]).ok(), None);
        assert_eq!(
            listen_in(&[soft.clone(), dev("3", "OtherPhone", "Offline")]),
            Ok("1".into()),
            "else the one online"
        );
        let two = listen_in(&[other.clone(), dev("4", "OtherPhone", "Online")]).unwrap_err();
        assert!(two.contains("--device-id"), "{two}");
    }

    #[test]
    fn session_ids_once_each() {
        let p: Vec<PresenceInfo> = serde_json::from_str(
            r#"[{"activeCalls":[{"telephonySessionId":"s-1"},{"telephonySessionId":"s-2"}]},
                {"activeCalls":[{"telephonySessionId":"s-1"}]},{"presenceStatus":"Offline"}]"#,
        )
        .unwrap();
        assert_eq!(session_ids(&p), ["s-1", "s-2"]);
    }
}
