//! The command line as a user meets it: errors, `report`, the README's commands, the
//! sample recording, a self-contained clone, and the architecture's rules.

#[path = "../core/support.rs"]
mod common;

mod architecture;
mod errors;
mod html;
mod intervals;
mod readme;
mod report;
mod sample_recording;
mod several;
mod sim_jwt;
mod standalone;
