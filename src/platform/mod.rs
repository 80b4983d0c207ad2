//! Talking to RingCentral over HTTP: credentials, auth (JWT grant, refresh,
//! wstoken, revoke), the shared request handling, the Call Control client and the
//! readers of agents and queues. Imports nothing from the board.

pub mod auth;
pub mod budget;
pub mod calllog;
pub mod control;
pub mod credentials;
pub mod http;
pub mod roster;

pub use auth::{Auth, AuthStats};
pub use budget::{RateBudget, RateGroup};
pub use control::ControlClient;
pub use credentials::Credentials;
pub use http::{Http, HttpError};
pub use roster::Roster;
