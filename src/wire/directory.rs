//! The extension directory: `GET /restapi/v1.0/account/{a}/extension` (paged) and
//! `GET …/extension/{id}` (supervisor-api.md §1). Call queues are extensions of type
//! `Department`.

use super::paging::Extra;
use serde::{Deserialize, Serialize};

wire_enum! {
    /// `type` of an extension (`Department` = call queue).
    ExtensionType {
        User = "User",
        FaxUser = "FaxUser",
        VirtualUser = "VirtualUser",
        DigitalUser = "DigitalUser",
        Department = "Department",
        Announcement = "Announcement",
        Voicemail = "Voicemail",
        SharedLinesGroup = "SharedLinesGroup",
        PagingOnly = "PagingOnly",
        IvrMenu = "IvrMenu",
        ApplicationExtension = "ApplicationExtension",
        ParkLocation = "ParkLocation",
        Bot = "Bot",
        Room = "Room",
        Limited = "Limited",
        Site = "Site",
        ProxyAdmin = "ProxyAdmin",
        DelegatedLinesGroup = "DelegatedLinesGroup",
        GroupCallPickup = "GroupCallPickup",
        FlexibleUser = "FlexibleUser",
        TieLine = "TieLine",
        RoomConnector = "RoomConnector",
    }
}

wire_enum! {
    /// `status` of an extension.
    ExtensionStatus {
        Enabled = "Enabled",
        Disabled = "Disabled",
        Frozen = "Frozen",
        NotActivated = "NotActivated",
        Unassigned = "Unassigned",
    }
}

/// `contact` of an extension.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactInfo {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub job_title: Option<String>,
    pub email: Option<String>,
    pub business_phone: Option<String>,
    pub mobile_phone: Option<String>,
    pub email_as_login_name: Option<bool>,
    pub department: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A call queue's service-level settings: `callQueueInfo` on `Department` extensions and
/// `serviceLevelSettings` on `GET /call-queues/{id}` (supervisor-api.md §3.2).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceLevelSettings {
    /// Target percentage of calls answered within the threshold.
    #[serde(default, deserialize_with = "super::lenient::opt_i64")]
    pub sla_goal: Option<i64>,
    #[serde(default, deserialize_with = "super::lenient::opt_i64")]
    pub sla_threshold_seconds: Option<i64>,
    pub include_abandoned_calls: Option<bool>,
    #[serde(default, deserialize_with = "super::lenient::opt_i64")]
    pub abandoned_threshold_seconds: Option<i64>,
}

/// `{enabled}` of one permission.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enabled {
    pub enabled: Option<bool>,
}

/// `permissions` of an extension.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtensionPermissions {
    pub admin: Option<Enabled>,
    pub international_calling: Option<Enabled>,
}

/// A `{id, uri}` reference (account, site, profile image…).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ref {
    #[serde(default, deserialize_with = "super::lenient::opt_id")]
    pub id: Option<String>,
    pub uri: Option<String>,
    pub name: Option<String>,
}

/// `departments[]`: the call queues a user belongs to (`GET /extension/{id}` only).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DepartmentRef {
    #[serde(default, deserialize_with = "super::lenient::opt_id")]
    pub id: Option<String>,
    pub uri: Option<String>,
    pub extension_number: Option<String>,
}

/// One extension: a record of `GET /extension` (`GetExtensionListInfoResponse`) or the
/// body of `GET /extension/{id}` (`GetExtensionInfoResponse`, which adds `account`,
/// `departments`, `setupWizardState`). `id` is a JSON number on the wire.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtensionInfo {
    #[serde(
        deserialize_with = "super::lenient::id",
        serialize_with = "super::ids::num"
    )]
    pub id: String,
    pub uri: Option<String>,
    pub extension_number: Option<String>,
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<ExtensionType>,
    pub sub_type: Option<String>,
    pub status: Option<ExtensionStatus>,
    pub contact: Option<ContactInfo>,
    pub permissions: Option<ExtensionPermissions>,
    pub profile_image: Option<Ref>,
    pub call_queue_info: Option<ServiceLevelSettings>,
    pub hidden: Option<bool>,
    pub site: Option<Ref>,
    pub account: Option<Ref>,
    pub departments: Option<Vec<DepartmentRef>>,
    pub setup_wizard_state: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `GET /restapi/v1.0/account/{a}/extension`.
pub type ExtensionList = super::paging::RecordList<ExtensionInfo>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_example_round_trips_with_unknowns() {
        let raw = r#"{"uri":"https://platform.ringcentral.com/restapi/v1.0/account/401836781008/extension/401864056008","id":401864056008,"extensionNumber":"102","contact":{"firstName":"Bob","lastName":"Johnson","email":"bob.johnson@example.com","emailAsLoginName":true},"name":"Bob Johnson","type":"User","status":"Enabled","permissions":{"admin":{"enabled":false},"internationalCalling":{"enabled":true}},"profileImage":{"uri":"https://media.ringcentral.com/x"},"costCenter":{"id":"7"}}"#;
        let e: ExtensionInfo = serde_json::from_str(raw).unwrap();
        assert_eq!(e.id, "401864056008");
        assert_eq!(e.kind, Some(ExtensionType::User));
        assert!(
            e.extra.contains_key("costCenter"),
            "unknown fields are kept"
        );
        let back: serde_json::Value = serde_json::to_value(&e).unwrap();
        assert_eq!(back["id"], 401864056008u64);
        assert_eq!(back["costCenter"]["id"], "7");
        let q: ExtensionInfo =
            serde_json::from_str(r#"{"id":"5","type":"Robot","status":"Sleeping"}"#).unwrap();
        assert_eq!(q.kind, Some(ExtensionType::Unknown("Robot".into())));
        assert_eq!(q.status.unwrap().as_str(), "Sleeping");
    }
}
