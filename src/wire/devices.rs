//! Devices (supervisor-api.md §5): `GET …/extension/{id}/device` (paged) and
//! `GET …/device/{id}`. The device `id` is what call-out, answer, ignore and supervise
//! take; only `Online` devices can be used.

use super::directory::Ref;
use super::paging::Extra;
use serde::{Deserialize, Serialize};

wire_enum! {
    /// `type` of a device.
    DeviceType {
        HardPhone = "HardPhone",
        SoftPhone = "SoftPhone",
        OtherPhone = "OtherPhone",
        MobileDevice = "MobileDevice",
        Bla = "BLA",
        Paging = "Paging",
        WebPhone = "WebPhone",
        WebRtc = "WebRTC",
        Room = "Room",
    }
}

wire_enum! {
    /// Registration `status` of a device.
    DeviceStatus {
        Online = "Online",
        Offline = "Offline",
    }
}

/// `model` of a device.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceModel {
    pub id: Option<String>,
    pub name: Option<String>,
    pub addons: Option<Vec<serde_json::Value>>,
    pub features: Option<Vec<String>>,
    pub line_count: Option<u32>,
}

/// `extension` of a device: the owner (`id` is a JSON number).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceExtension {
    #[serde(
        default,
        deserialize_with = "super::lenient::opt_id",
        serialize_with = "super::ids::ser_opt_num"
    )]
    pub id: Option<String>,
    pub uri: Option<String>,
    pub extension_number: Option<String>,
}

/// `phoneLines[].phoneInfo` (`id` is a JSON number).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneInfo {
    #[serde(
        default,
        deserialize_with = "super::lenient::opt_id",
        serialize_with = "super::ids::ser_opt_num"
    )]
    pub id: Option<String>,
    pub phone_number: Option<String>,
    pub payment_type: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub usage_type: Option<String>,
    pub country: Option<Ref>,
}

/// `phoneLines[].emergencyAddress`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmergencyAddressFlags {
    pub required: Option<bool>,
    pub local_only: Option<bool>,
}

/// One `phoneLines[]` entry.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneLine {
    pub id: Option<String>,
    pub line_type: Option<String>,
    pub phone_info: Option<PhoneInfo>,
    pub emergency_address: Option<EmergencyAddressFlags>,
}

/// A device (`DeviceResource` / `GetDeviceInfoResponse`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    #[serde(deserialize_with = "super::lenient::id")]
    pub id: String,
    pub uri: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<DeviceType>,
    pub sku: Option<String>,
    pub name: Option<String>,
    pub serial: Option<String>,
    pub computer_name: Option<String>,
    pub status: Option<DeviceStatus>,
    pub model: Option<DeviceModel>,
    pub extension: Option<DeviceExtension>,
    pub phone_lines: Option<Vec<PhoneLine>>,
    pub line_pooling: Option<String>,
    pub use_as_common_phone: Option<bool>,
    pub in_company_net: Option<bool>,
    pub site: Option<Ref>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `GET …/extension/{id}/device`.
pub type DeviceList = super::paging::RecordList<Device>;
