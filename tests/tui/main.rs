//! The board without a terminal: the reducer, derived rows, rendering with ratatui's
//! TestBackend, snapshots, replay and what the board may claim.

mod support;

mod derived;
mod reducer;
mod render;
mod replay;
mod snapshots;
mod trust;
