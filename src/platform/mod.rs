//! Talking to RingCentral over HTTP: credentials, auth (JWT grant, refresh,
//! wstoken, revoke), the shared request handling and the Call Control client.
//! Imports nothing from the board.

pub mod auth;
pub mod calllog;
pub mod control;
pub mod credentials;
pub mod http;

pub use auth::{Auth, AuthStats};
pub use control::ControlClient;
pub use credentials::Credentials;
pub use http::{Http, HttpError};
