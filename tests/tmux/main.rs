//! The real binary in tmux, as a supervisor runs it: the live board, the views, replay
//! jumps and follow, and a board on the relay.

#[cfg(feature = "nats")]
#[path = "../relay/support.rs"]
mod relay_support;
mod support;

mod accounts;
mod alarms;
mod board;
mod live;
mod relay;
mod replay;
mod views;
