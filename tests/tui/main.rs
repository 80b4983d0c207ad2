//! The board without a terminal: the reducer, derived rows, rendering with ratatui's
//! TestBackend, snapshots, replay and what the board may claim.

#[path = "../core/support.rs"]
mod common;
mod support;

mod alarms;
mod derived;
mod last_interval;
mod reducer;
mod render;
mod replay;
mod snapshots;
mod trends;
mod trust;
mod unfinished;
mod wording;
