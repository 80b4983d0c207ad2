//! calltop: a terminal live call monitor for RingCentral telephony.
//!
//! One pure core ([`core`]: store, timers, metrics — no I/O, time passed in) serves
//! every mode; the wire formats live in [`wire`]; I/O sits at the edges
//! ([`source`], [`platform`], [`record`], [`tui`], [`sim`]); [`cli`] holds the
//! command line and [`modes`] wires the rooms together for each mode.

pub mod cli;
pub mod core;
pub mod logging;
pub mod memory;
pub mod metrics;
pub mod modes;
pub mod platform;
pub mod record;
#[cfg(feature = "nats")]
pub mod relay;
pub mod report;
pub mod sim;
pub mod source;
pub mod synth;
pub mod tui;
pub mod wire;
