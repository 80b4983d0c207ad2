//! Where events come from: recorded files, replay pacing, and the live WebSocket
//! subscription. Each source writes into a [`crate::core::SharedStore`].

pub mod cursor;
pub mod feed;
pub mod file;
pub mod index;
pub mod join;
pub mod live;
pub mod replay;
