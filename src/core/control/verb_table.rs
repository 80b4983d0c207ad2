//! The verb table's unit tests: every verb and key has its facts.

use super::*;

/// One action of every verb (and both sides of every toggle).
pub(crate) fn every_action() -> Vec<ControlAction> {
    let to = Target::ExtensionNumber("102".into());
    let rec = || "r9".to_string();
    vec![
        ControlAction::Hold,
        ControlAction::Unhold,
        ControlAction::Transfer { to: to.clone() },
        ControlAction::Park,
        ControlAction::Forward { to },
        ControlAction::Reject,
        ControlAction::Answer,
        ControlAction::Pickup,
        ControlAction::Flip {
            to: FlipNumber::parse("3").unwrap(),
        },
        ControlAction::Mute { muted: true },
        ControlAction::Mute { muted: false },
        ControlAction::StartRecording,
        ControlAction::PauseRecording { recording: rec() },
        ControlAction::ResumeRecording { recording: rec() },
        ControlAction::HangUp,
        ControlAction::DropParty,
        ControlAction::Supervise { agent: "7".into() },
        ControlAction::Reply {
            message: ReplyMessage::parse("3").unwrap(),
        },
        ControlAction::AcceptQueueCalls {
            queue: "q".into(),
            accept: true,
        },
        ControlAction::AcceptQueueCalls {
            queue: "q".into(),
            accept: false,
        },
    ]
}

#[test]
fn every_verb_has_its_own_words_button_and_done_text() {
    let all = every_action();
    let mut words: Vec<&str> = all.iter().map(|a| a.word()).collect();
    words.sort();
    words.dedup();
    assert_eq!(words.len(), all.len(), "one word per verb: {words:?}");
    for a in &all {
        let v = a.facts();
        for (what, text) in [("word", v.word), ("button", v.button), ("done", v.done)] {
            assert!(!text.trim().is_empty(), "{a:?} has no {what}");
        }
        // The button starts with the verb, capitalised (`Pick up`, `Transfer to …`),
        // except an agent's setting, whose button says it changes one.
        let first = v.word.split(' ').next().unwrap();
        match v.aim {
            Aim::Agent => assert_eq!(v.button, "Change"),
            _ => assert!(
                v.button.to_lowercase().starts_with(first),
                "{a:?}: button {:?} is not its verb {first:?}",
                v.button
            ),
        }
        // Every placeholder a text uses is one the fillers know.
        for text in [v.says, v.button, v.confirm, v.done] {
            let left = fill(text, "W", "T")
                .replace("{answer}", "")
                .replace("{caller}", "");
            assert!(
                !left.contains('{'),
                "{a:?}: unknown placeholder in {text:?}"
            );
        }
    }
}

#[test]
fn every_confirmation_names_who_and_what() {
    for a in every_action() {
        let v = a.facts();
        assert!(
            v.confirm.ends_with('?') || v.confirm.contains("?\n"),
            "{a:?}: {:?} asks nothing",
            v.confirm
        );
        let question = fill(v.confirm, "WHO", "WHAT");
        let first = v.word.split(' ').next().unwrap();
        assert!(
            question.to_lowercase().contains(first),
            "{a:?}: {question:?} does not say what ({first})"
        );
        match v.aim {
            // The whole call: the dialog names the call itself.
            Aim::Call => assert!(question.contains("whole call"), "{question:?}"),
            _ => assert!(
                question.contains("WHO") || question.contains("WHAT"),
                "{a:?}: {question:?} names nobody"
            ),
        }
        let named = matches!(
            a.object(),
            Object::Target(_)
                | Object::Flip(_)
                | Object::Queue(_)
                | Object::Agent(_)
                | Object::Reply(_)
        );
        if named {
            assert!(
                question.contains("WHAT"),
                "{a:?}: {question:?} loses its object"
            );
        }
        if v.device {
            assert!(question.contains("your device"), "{a:?}: {question:?}");
        }
    }
}

#[test]
fn states_device_and_retry_are_facts_that_refuse() {
    for a in every_action() {
        let v = a.facts();
        match v.aim {
            Aim::Agent => assert!(v.states.is_empty()),
            _ => {
                assert!(!v.states.is_empty() && !v.need.is_empty(), "{a:?}");
                // A state it allows passes; Disconnected never does, and says why.
                assert!(a.check(Some(&v.states[0])).is_ok(), "{a:?}");
                let e = a.check(Some(&StatusCode::Disconnected)).unwrap_err();
                assert_eq!(
                    e,
                    format!("can't {}: the party is Disconnected ({})", v.word, v.need)
                );
            }
        }
    }
    let device: Vec<&str> = every_action()
        .iter()
        .filter(|a| a.needs_device())
        .map(|a| a.word())
        .collect();
    assert_eq!(device, ["answer", "pick up", "listen in"]);
    let once: Vec<&str> = every_action()
        .iter()
        .filter(|a| !a.facts().retry)
        .map(|a| a.word())
        .collect();
    assert_eq!(once, ["transfer", "hang up", "drop party", "reply"]);
    assert_eq!(
        ControlAction::Park.done_text(Some("*801")),
        "parked at *801"
    );
    assert_eq!(ControlAction::Park.done_text(None), "parked");
    assert_eq!(
        ControlAction::StartRecording.done_text(Some("40")),
        "recording 40 started"
    );
}

#[test]
fn a_reply_is_canned_by_number_or_the_words_typed() {
    let reply = |s: &str| ReplyMessage::parse(s);
    assert_eq!(
        reply(" 1 ").unwrap(),
        ReplyMessage::Pattern {
            pattern: "WillCallYouBack".into(),
            time: Some(5),
            unit: Some("Minute".into()),
        }
    );
    assert_eq!(reply("4").unwrap().words(), "I'm in a meeting");
    for text in ["5", "0", "Back at 3, sorry"] {
        assert_eq!(
            reply(text).unwrap(),
            ReplyMessage::Text { text: text.into() }
        );
    }
    assert!(reply("  ").is_err());
    let a = ControlAction::Reply {
        message: reply("3").unwrap(),
    };
    assert_eq!(a.verb(), "reply “I'm on my way”");
    assert_eq!(a.done_text(None), "replied “I'm on my way”");
    assert_eq!(
        fill(a.facts().confirm, "Ann", &a.object().to_string()),
        "Reply to {caller} with “I'm on my way”, for Ann?\nThe caller hears it instead of an answer, and the call ends."
    );
    let text = serde_json::to_string(&a).unwrap();
    assert_eq!(serde_json::from_str::<ControlAction>(&text).unwrap(), a);
    // Only a ringing party can be replied to.
    assert!(a.check(Some(&StatusCode::Proceeding)).is_ok());
    assert!(a.check(Some(&StatusCode::Answered)).is_err());
}

#[test]
fn every_call_key_has_facts_a_name_and_an_ask_that_works() {
    let mut names: Vec<&str> = CALL_KEYS.iter().map(|k| k.name).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), CALL_KEYS.len(), "a call key named twice");
    let party = crate::core::PartyState::new("p".into());
    for k in CALL_KEYS {
        assert_eq!(k.key.facts().name, k.name);
        assert!(!k.hint.is_empty() && !k.help.is_empty() && k.priority > 0);
        match k.ask {
            Ask::Confirm(pick) => {
                let a = pick(&party);
                assert_ne!(a.facts().aim, Aim::Agent, "{}", k.name);
            }
            Ask::Prompt { label, verb, parse } => {
                assert!(!label.is_empty());
                assert!(parse("").is_err(), "{}: an empty answer parses", k.name);
                let sample = match k.key {
                    CallKey::Flip => "3",
                    _ => "102",
                };
                let a = parse(sample).unwrap();
                assert!(
                    std::ptr::eq(a.facts(), verb),
                    "{}: the prompt's verb",
                    k.name
                );
            }
        }
    }
}
