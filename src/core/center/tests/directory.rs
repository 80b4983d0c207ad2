//! Who the directory makes an agent.

use super::*;

#[test]
fn a_user_who_cannot_take_calls_is_no_agent() {
    use crate::wire::directory::ExtensionStatus;
    let mut c = center();
    let with = |id: &str, name: &str, status| ExtensionInfo {
        status,
        ..ext(id, ExtensionType::User, name)
    };
    c.roster(&RosterLine::Extensions(vec![
        with("gone", "Former", Some(ExtensionStatus::Disabled)),
        with("new", "New Hire", Some(ExtensionStatus::NotActivated)),
        with("cold", "Frozen", Some(ExtensionStatus::Frozen)),
        with("odd", "Odd", Some(ExtensionStatus::parse("SomethingNew"))),
        with("on", "Enabled", Some(ExtensionStatus::Enabled)),
    ]));
    let mut agents: Vec<_> = c.agents().filter_map(|a| a.name.clone()).collect();
    agents.sort();
    // An unknown status is kept as it came: the user stays an agent.
    assert_eq!(agents, ["Ann", "Bob", "Enabled", "Odd"]);
    assert_eq!(
        c.other_extension("gone").and_then(|e| e.name.as_deref()),
        Some("Former")
    );
    // Disabled later: no longer an agent.
    c.roster(&RosterLine::Extensions(vec![with(
        "on",
        "Enabled",
        Some(ExtensionStatus::Disabled),
    )]));
    assert!(c.agents().all(|a| a.name.as_deref() != Some("Enabled")));
}
