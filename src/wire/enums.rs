//! String enums of the wire protocol, each with an `Unknown(String)` fallback so that
//! values the platform adds later are kept rather than rejected.

/// Defines a string enum with canonical spellings, accepted aliases (matched
/// case-insensitively) and an `Unknown(String)` fallback.
macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $canon:literal $(| $alias:literal)*,)+ }) => {
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vm])* $var,)+
            /// A value this version of calltop does not know, kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// The canonical wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$var => $canon,)+
                    Self::Unknown(s) => s.as_str(),
                }
            }

            /// Parses a wire value; unknown values become `Unknown`.
            pub fn parse(s: &str) -> Self {
                $(
                    if s.eq_ignore_ascii_case($canon) $(|| s.eq_ignore_ascii_case($alias))* {
                        return Self::$var;
                    }
                )+
                Self::Unknown(s.to_string())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> serde::de::Visitor<'de> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " string"))
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok($name::parse(v))
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}

wire_enum! {
    /// A party's status code (`status.code`).
    StatusCode {
        Setup = "Setup",
        Proceeding = "Proceeding",
        Answered = "Answered",
        Hold = "Hold",
        Parked = "Parked",
        Disconnected = "Disconnected",
        Gone = "Gone",
        Voicemail = "Voicemail",
        VoicemailScreening = "VMScreening" | "VoiceMailScreening",
        FaxReceive = "FaxReceive",
        Tds = "Tds",
    }
}

impl StatusCode {
    /// True for the states in which a party has left the call.
    pub fn is_terminal(&self) -> bool {
        matches!(self, StatusCode::Disconnected | StatusCode::Gone)
    }

    /// True for the states a party begins in (Setup, Proceeding): a party first heard in
    /// another was heard past its start.
    pub fn is_start(&self) -> bool {
        matches!(self, StatusCode::Setup | StatusCode::Proceeding)
    }

    /// True while the party is being alerted (Proceeding). Setup is not ringing: the
    /// call is still being set up (an IVR or queue leg may stay there for a while).
    pub fn is_ringing(&self) -> bool {
        matches!(self, StatusCode::Proceeding)
    }

    /// True before the party answered: Setup or Proceeding.
    pub fn is_pre_answer(&self) -> bool {
        matches!(self, StatusCode::Setup | StatusCode::Proceeding)
    }
}

wire_enum! {
    /// Why a party reached its status (`status.reason`).
    Reason {
        Pickup = "Pickup",
        Supervising = "Supervising",
        TakeOver = "TakeOver",
        Timeout = "Timeout",
        BlindTransfer = "BlindTransfer",
        RccTransfer = "RccTransfer",
        AttendedTransfer = "AttendedTransfer",
        CallerInputRedirect = "CallerInputRedirect",
        CallFlip = "CallFlip",
        ParkLocation = "ParkLocation",
        DtmfTransfer = "DtmfTransfer",
        AgentAnswered = "AgentAnswered",
        AgentDropped = "AgentDropped",
        Rejected = "Rejected",
        Cancelled = "Cancelled",
        InternalError = "InternalError",
        NoAnswer = "NoAnswer",
        TargetBusy = "TargetBusy",
        InvalidNumber = "InvalidNumber",
        InternationalDisabled = "InternationalDisabled",
        DestinationBlocked = "DestinationBlocked",
        NotEnoughFunds = "NotEnoughFunds",
        NoSuchUser = "NoSuchUser",
        CallPark = "CallPark",
        CallRedirected = "CallRedirected",
        CallReplied = "CallReplied",
        CallSwitch = "CallSwitch",
        CallFinished = "CallFinished",
        CallDropped = "CallDropped",
        Voicemail = "Voicemail",
        Conference = "Conference",
        Undefined = "Undefined",
    }
}

impl Reason {
    /// True for reasons that mean the call moved on to someone else.
    pub fn is_transfer(&self) -> bool {
        matches!(
            self,
            Reason::BlindTransfer
                | Reason::AttendedTransfer
                | Reason::RccTransfer
                | Reason::DtmfTransfer
                | Reason::CallRedirected
        )
    }
}

wire_enum! {
    /// A party's direction.
    Direction {
        Inbound = "Inbound",
        Outbound = "Outbound",
    }
}

wire_enum! {
    /// `origin.type` of a session.
    OriginType {
        Call = "Call",
        RingOut = "RingOut",
        RingMe = "RingMe",
        Conference = "Conference",
        GreetingsRecording = "GreetingsRecording",
        VerificationCall = "VerificationCall",
        Zoom = "Zoom",
        CallOut = "CallOut",
        TestCall = "TestCall",
    }
}

wire_enum! {
    /// `conferenceRole` of a party.
    ConferenceRole {
        Host = "Host",
        Participant = "Participant",
    }
}

wire_enum! {
    /// `type` of a WebSocket gateway frame's meta.
    MessageType {
        ClientRequest = "ClientRequest",
        ServerNotification = "ServerNotification",
        Error = "Error",
        ConnectionDetails = "ConnectionDetails",
        Heartbeat = "Heartbeat",
    }
}

wire_enum! {
    /// `recoveryState` of a ConnectionDetails frame.
    RecoveryState {
        Successful = "Successful",
        Failed = "Failed",
    }
}

wire_enum! {
    /// Presence `telephonyStatus` (legacy BLF states).
    TelephonyStatus {
        NoCall = "NoCall",
        CallConnected = "CallConnected",
        Ringing = "Ringing",
        OnHold = "OnHold",
        ParkedCall = "ParkedCall",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_and_unknowns() {
        assert_eq!(StatusCode::parse("VoiceMail"), StatusCode::Voicemail);
        assert_eq!(StatusCode::parse("voicemail"), StatusCode::Voicemail);
        assert_eq!(
            StatusCode::parse("VoiceMailScreening"),
            StatusCode::VoicemailScreening
        );
        assert_eq!(
            StatusCode::parse("VMScreening").as_str(),
            "VMScreening",
            "canonical spelling is the guide's"
        );
        assert_eq!(
            StatusCode::parse("Teleporting"),
            StatusCode::Unknown("Teleporting".into())
        );
        let v: Reason = serde_json::from_str("\"SomethingNew\"").unwrap();
        assert_eq!(v.as_str(), "SomethingNew");
        assert!(serde_json::from_str::<Reason>("12").is_err());
    }
}
