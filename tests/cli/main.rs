//! The command line as a user meets it: errors, `report`, the README's commands, the
//! sample recording, a self-contained clone, and the architecture's rules.

#[path = "../core/support.rs"]
mod common;

use std::process::Command;

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

/// Runs the real binary: its exit code, stdout and stderr.
pub fn calltop(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_calltop"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}
