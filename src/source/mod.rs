//! Where events come from: recorded files and the live WebSocket subscription.

pub mod file;
pub mod live;
