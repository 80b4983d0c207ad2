//! The RingCentral wire formats: serde types only, shared by the client, the
//! simulator, the recorder and the report.

#[macro_use]
mod enums;
pub mod api;
pub mod calllog;
pub mod devices;
pub mod directory;
pub mod frame;
mod ids;
pub mod incoming;
mod lenient;
pub mod message;
pub mod notification;
pub mod paging;
pub mod presence;
pub mod queues;
pub mod roster;
pub mod supervision;
pub mod time;

pub use api::{
    ApiError, ApiErrorItem, CallSession, Credentials, DeliveryMode, SubscriptionInfo,
    SubscriptionRequest, TokenResponse, WsTokenResponse,
};
pub use enums::{
    ConferenceRole, Direction, MessageType, OriginType, Reason, RecoveryState, StatusCode,
    TelephonyStatus,
};
pub use frame::{encode_frame, ConnectionDetails, WsError, WsMeta, Wsc};
pub use incoming::{parse, parse_bytes, Incoming, ParseError, Parsed};
pub use notification::{
    ActiveCall, Endpoint, Envelope, MobilePickupData, Notification, Origin, Park, Party, PeerId,
    PresenceEvent, Recording, SessionEvent, SipData, Status, UiCallInfo, UiInfoItem,
};
pub use roster::RosterLine;
pub use time::Ts;
