//! The RingCentral wire formats: serde types shared by the client, the simulator, the
//! recorder and the report, and borrowed views of notifications with their fast
//! decoder for the ingest path.

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
pub mod scan;
pub mod supervision;
pub mod time;
pub mod view;

pub use api::{
    ApiError, ApiErrorItem, CallSession, Credentials, DeliveryMode, SubscriptionInfo,
    SubscriptionRequest, TokenResponse, WsTokenResponse,
};
pub use enums::{
    ConferenceRole, Direction, MessageType, OriginType, Reason, RecoveryState, StatusCode,
    TelephonyStatus,
};
pub use frame::{encode_frame, ConnectionDetails, WsError, WsMeta, Wsc};
pub use ids::fingerprint;
pub use incoming::{
    parse, parse_bytes, parse_view, parse_with_serde, Incoming, ParseError, Parsed, VoicemailNote,
};
pub use notification::{
    ActiveCall, Endpoint, Envelope, MobilePickupData, Notification, Origin, Park, Party, PeerId,
    PresenceEvent, Recording, SessionEvent, SipData, Status, UiCallInfo, UiInfoItem,
};
pub use roster::RosterLine;
pub use time::Ts;
pub use view::{
    EndpointView, EnvelopeView, IncomingView, NotificationView, ParsedView, PartyView,
    SessionEventView, StatusView, Text,
};
