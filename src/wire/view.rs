//! Borrowed views of the notification types the ingest path decodes: strings are
//! `Cow<'a, str>` slices of the input (owned only when the text had to be unescaped or
//! came from an owned value), so a decoded event allocates nothing the store does not
//! keep. Rare, nested parts (recordings, SIP data, queue info, peer ids, pickup data,
//! owner, park) stay the owned wire types: they allocate only when an event carries
//! them. Each view converts to and from its owned wire type without copying.

use super::enums::{ConferenceRole, Direction, Reason, StatusCode};
use super::frame::WsMeta;
use super::ids::fingerprint;
use super::incoming::{Incoming, Parsed};
use super::notification::{
    Endpoint, Envelope, MobilePickupData, Notification, Origin, Owner, Park, Party, PeerId,
    Recording, SessionEvent, SipData, Status, UiCallInfo,
};
use super::time::Ts;
use std::borrow::Cow;

/// A string of a view: borrowed from the input, or owned.
pub type Text<'a> = Cow<'a, str>;

/// Declares a view struct and its conversions from and into the owned wire type. Fields
/// are listed by kind: `text` (String), `opt_text` (Option<String>), `opt_view`
/// (Option of another view), `list` (Vec of another view), `boxed` (a large, rare
/// Option<T> kept as Option<Box<T>>, as the store keeps it), `same` (the owned type as is).
macro_rules! view {
    (
        $(#[$m:meta])*
        $view:ident => $owned:ident {
            text: [$($t:ident),*],
            opt_text: [$($ot:ident),*],
            opt_view: [$($ov:ident: $ovt:ident),*],
            list: [$($l:ident: $lt:ident),*],
            boxed: [$($b:ident: $bt:ty),*],
            same: [$($s:ident: $st:ty),*],
        }
    ) => {
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct $view<'a> {
            $(pub $t: Text<'a>,)*
            $(pub $ot: Option<Text<'a>>,)*
            $(pub $ov: Option<$ovt<'a>>,)*
            $(pub $l: Vec<$lt<'a>>,)*
            $(pub $b: Option<Box<$bt>>,)*
            $(pub $s: $st,)*
        }

        impl From<$owned> for $view<'static> {
            fn from(o: $owned) -> Self {
                $view {
                    $($t: Cow::Owned(o.$t),)*
                    $($ot: o.$ot.map(Cow::Owned),)*
                    $($ov: o.$ov.map(Into::into),)*
                    $($l: o.$l.into_iter().map(Into::into).collect(),)*
                    $($b: o.$b.map(Box::new),)*
                    $($s: o.$s,)*
                }
            }
        }

        impl $view<'_> {
            /// The owned wire value (borrowed strings are copied).
            pub fn into_owned(self) -> $owned {
                $owned {
                    $($t: self.$t.into_owned(),)*
                    $($ot: self.$ot.map(Cow::into_owned),)*
                    $($ov: self.$ov.map(|v| v.into_owned()),)*
                    $($l: self.$l.into_iter().map(|v| v.into_owned()).collect(),)*
                    $($b: self.$b.map(|b| *b),)*
                    $($s: self.$s,)*
                }
            }
        }
    };
}

view! {
    /// [`Endpoint`], borrowed.
    #[derive(Default)]
    EndpointView => Endpoint {
        text: [],
        opt_text: [phone_number, name, extension_id, device_id],
        opt_view: [],
        list: [],
        boxed: [],
        same: [],
    }
}

view! {
    /// [`Status`], borrowed.
    StatusView => Status {
        text: [],
        opt_text: [description, park_data],
        opt_view: [],
        list: [],
        boxed: [],
        same: [
            code: StatusCode,
            reason: Option<Reason>,
            peer_id: Option<Box<PeerId>>,
            mobile_pickup_data: Option<Box<MobilePickupData>>,
            rcc: Option<bool>
        ],
    }
}

view! {
    /// [`Party`], borrowed.
    #[derive(Default)]
    PartyView => Party {
        text: [id],
        opt_text: [account_id, extension_id],
        opt_view: [from: EndpointView, to: EndpointView, status: StatusView],
        list: [],
        boxed: [sip_data: SipData, ui_call_info: UiCallInfo, owner: Owner],
        same: [
            direction: Option<Direction>,
            park: Option<Park>,
            recordings: Option<Vec<Recording>>,
            queue_call: Option<bool>,
            missed_call: Option<bool>,
            stand_alone: Option<bool>,
            muted: Option<bool>,
            conference_role: Option<ConferenceRole>
        ],
    }
}

view! {
    /// [`SessionEvent`], borrowed.
    #[derive(Default)]
    SessionEventView => SessionEvent {
        text: [telephony_session_id],
        opt_text: [session_id, server_id, account_id, extension_id],
        opt_view: [],
        list: [parties: PartyView],
        boxed: [],
        same: [sequence: Option<i64>, event_time: Option<Ts>, origin: Option<Origin>],
    }
}

view! {
    /// [`Envelope`], borrowed.
    #[derive(Default)]
    EnvelopeView => Envelope {
        text: [],
        opt_text: [uuid, event, subscription_id, owner_id],
        opt_view: [],
        list: [],
        boxed: [],
        same: [timestamp: Option<Ts>],
    }
}

/// [`Notification`], borrowed.
#[derive(Clone, Debug, Default)]
pub struct NotificationView<'a> {
    pub envelope: EnvelopeView<'a>,
    pub body: SessionEventView<'a>,
    /// The [`fingerprint`] of the body's session id, taken where the notification was
    /// decoded (perhaps on another thread than the one applying it); `None` in a default
    /// view, whose key is taken when asked for.
    pub(super) key: Option<u64>,
}

impl PartialEq for NotificationView<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.envelope == other.envelope && self.body == other.body
    }
}

impl Eq for NotificationView<'_> {}

impl From<Notification> for NotificationView<'static> {
    fn from(n: Notification) -> Self {
        NotificationView::new(n.envelope.into(), n.body.into())
    }
}

impl<'a> NotificationView<'a> {
    /// A notification with its session's key taken now.
    pub fn new(envelope: EnvelopeView<'a>, body: SessionEventView<'a>) -> Self {
        let key = Some(fingerprint(&body.telephony_session_id));
        NotificationView {
            envelope,
            body,
            key,
        }
    }

    /// The [`fingerprint`] of the session id, what the store finds the session by.
    pub fn session_key(&self) -> u64 {
        let id = &self.body.telephony_session_id;
        debug_assert!(self.key.is_none_or(|k| k == fingerprint(id)), "a stale key");
        self.key.unwrap_or_else(|| fingerprint(id))
    }
}

impl NotificationView<'_> {
    /// The owned notification.
    pub fn into_owned(self) -> Notification {
        Notification {
            envelope: self.envelope.into_owned(),
            body: self.body.into_owned(),
        }
    }
}

/// [`Incoming`] with session notifications borrowed; everything else (rare on the
/// stream) is the owned item.
#[derive(Clone, Debug, PartialEq)]
pub enum IncomingView<'a> {
    /// A telephony/sessions notification.
    Session(NotificationView<'a>),
    /// Any other item, owned.
    Other(Incoming),
}

/// [`Parsed`], borrowed: what [`parse_view`](super::parse_view) returns.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedView<'a> {
    pub received_at: Option<Ts>,
    pub meta: Option<Box<WsMeta>>,
    pub item: IncomingView<'a>,
}

impl From<Parsed> for ParsedView<'static> {
    fn from(p: Parsed) -> Self {
        let item = match p.item {
            Incoming::Session(n) => IncomingView::Session(n.into()),
            other => IncomingView::Other(other),
        };
        ParsedView {
            received_at: p.received_at,
            meta: p.meta,
            item,
        }
    }
}

impl ParsedView<'_> {
    /// The owned parse result.
    pub fn into_owned(self) -> Parsed {
        let item = match self.item {
            IncomingView::Session(n) => Incoming::Session(n.into_owned()),
            IncomingView::Other(other) => other,
        };
        Parsed {
            received_at: self.received_at,
            meta: self.meta,
            item,
        }
    }

    /// The best time for this item on the stream clock (see [`Parsed::stream_time`]).
    pub fn stream_time(&self) -> Option<Ts> {
        let (sent, event_time) = match &self.item {
            IncomingView::Session(n) => (n.envelope.timestamp, n.body.event_time),
            IncomingView::Other(i) => (i.envelope().and_then(|e| e.timestamp), None),
        };
        self.received_at.or(sent).or(event_time)
    }
}
