//! How a call's outcome from the platform's records reads on the board: the platform's
//! result with a recording ⏺ and voicemail ✉ marker (history, detail title), and the
//! linked ids (detail).

use crate::core::outcomes::Join;
use crate::core::{Disposition, Session};
use crate::tui::theme::Level;

/// The history's Platform cell: the platform's result and markers, or where the join
/// stands; at Warn when the platform's result disagrees with the events'.
pub fn cell(s: &Session, join: Option<&Join>, joining: bool) -> (String, Level) {
    match join {
        Some(Join::Joined(j)) => {
            let level = if j.result.disagrees_with(s.disposition()) {
                Level::Warn
            } else {
                Level::Normal
            };
            (format!("{}{}", j.result.as_str(), markers(j)), level)
        }
        Some(Join::Missing) => ("no record".into(), Level::Normal),
        Some(Join::Forbidden) => ("no access".into(), Level::Normal),
        None if joining && s.ended && s.disposition() != Disposition::Unknown => {
            ("…".into(), Level::Normal)
        }
        None => (String::new(), Level::Normal),
    }
}

/// ` ⏺` when the call was recorded, ` ✉` when it left a voicemail.
fn markers(j: &crate::core::outcomes::Joined) -> String {
    let mut m = String::new();
    if !j.recordings.is_empty() {
        m.push_str(" ⏺");
    }
    if !j.voicemails.is_empty() {
        m.push_str(" ✉");
    }
    m
}

/// The detail's line of linked ids: `call log 123, 456 · ⏺ 40003430000 · ✉ 9876`.
pub fn ids(join: Option<&Join>) -> Option<String> {
    let Join::Joined(j) = join? else {
        return None;
    };
    let mut parts = vec![format!(
        "platform {} · call log {}",
        j.result.as_str(),
        j.call_log_ids.join(", ")
    )];
    if !j.recordings.is_empty() {
        let ids: Vec<&str> = j.recordings.iter().map(|r| r.id.as_str()).collect();
        parts.push(format!("⏺ {}", ids.join(", ")));
    }
    if !j.voicemails.is_empty() {
        let ids: Vec<&str> = j.voicemails.iter().map(|v| v.id.as_str()).collect();
        parts.push(format!("✉ {}", ids.join(", ")));
    }
    Some(parts.join(" · "))
}
