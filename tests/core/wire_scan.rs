//! The fast decoder (`wire::scan`) against the serde decoder: on any input it either
//! declines or decodes exactly what serde decodes; and on the shapes of real streams it
//! does not decline.

use crate::support as common;

use calltop::synth;
use calltop::wire::{self, scan::scan};
use proptest::prelude::*;

/// Checks one input; returns whether the fast decoder took it.
fn agree(text: &str) -> bool {
    let reference = wire::parse_with_serde(text);
    let fast = scan(text).map(|v| v.into_owned());
    if let Some(fast) = &fast {
        match &reference {
            Ok(r) => assert_eq!(fast, r, "fast and serde decoders differ on {text:?}"),
            Err(e) => panic!("fast decoder accepted what serde rejects ({e}): {text:?}"),
        }
    }
    assert_eq!(
        wire::parse(text).ok(),
        reference.ok(),
        "parse() and serde differ on {text:?}"
    );
    fast.is_some()
}

fn capture_lines() -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["captures", "ws-frames"] {
        let mut paths: Vec<_> = std::fs::read_dir(common::fixture(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        for p in paths {
            let text = std::fs::read_to_string(&p).unwrap();
            match p.extension().and_then(|e| e.to_str()) {
                Some("jsonl") => out.extend(text.lines().map(String::from)),
                Some("json") => out.push(text),
                _ => {}
            }
        }
    }
    out
}

/// A notification as the three ways it reaches the decoder: bare line, gateway frame,
/// recording line around the frame.
fn wrapped(line: &str) -> [String; 3] {
    let frame = format!(
        r#"[{{"type":"ServerNotification","messageId":"m-1","status":200,"wsc":{{"token":"t","sequence":9}}}},{line}]"#
    );
    let rec = format!(r#"{{"receivedAt":"2020-06-23T01:05:44.100Z","frame":{frame}}}"#);
    [line.to_string(), frame, rec]
}

#[test]
fn real_captures_agree_and_session_events_take_the_fast_path() {
    let mut fast = 0;
    let mut sessions = 0;
    let mut pushed = 0;
    for line in capture_lines() {
        for text in wrapped(&line) {
            let took = agree(&text);
            fast += usize::from(took);
            if matches!(
                wire::parse_with_serde(&text).map(|p| p.item),
                Ok(wire::Incoming::Session(_))
            ) {
                sessions += 1;
                // A mobile push envelope (`pn_apns`) is left to serde: no stream has it.
                let push = text.contains(r#""pn_apns""#);
                assert!(took || push, "a session event declined: {text}");
                pushed += usize::from(push && !took);
            }
        }
    }
    assert!(sessions > 30, "{sessions} session events in the captures");
    assert_eq!(fast, sessions - pushed);
}

#[test]
fn synthetic_stream_takes_the_fast_path() {
    for line in synth::stream(2_000, 50, 3) {
        for text in wrapped(&line) {
            assert!(agree(&text), "declined: {text}");
        }
    }
}

#[test]
fn edge_cases_agree() {
    let base = r#"{"body":{"telephonySessionId":"s-1","sequence":2,"parties":[{"id":"p-1","status":{"code":"Setup"}}]}}"#;
    let cases = [
        base.to_string(),
        base.replace("\"sequence\":2", "\"sequence\":\"2\""),
        base.replace("\"sequence\":2", "\"sequence\":\"two\""),
        base.replace("\"sequence\":2", "\"sequence\":2.0"),
        base.replace("\"sequence\":2", "\"sequence\":-2"),
        base.replace("\"sequence\":2", "\"sequence\":02"),
        base.replace("\"sequence\":2", "\"sequence\":null"),
        base.replace("\"sequence\":2", "\"sequence\":99999999999999999999"),
        base.replace("\"p-1\"", "1234"),
        base.replace("\"p-1\"", "null"),
        base.replace("\"p-1\"", "\"p-\\u0031\""),
        base.replace("\"Setup\"", "\"Teleported\""),
        base.replace("\"Setup\"", "null"),
        base.replace("\"code\":\"Setup\"", "\"rcc\":true"),
        base.replace("\"sequence\":2", "\"sequence\":2,\"sequence\":3"),
        base.replace(
            "\"sequence\":2",
            "\"unknown\":[1,{\"a\":[true,false,null]},-1.5e3]",
        ),
        base.replace("\"sequence\":2", "\"unknown\":[1,]"),
        base.replace("\"sequence\":2", "\"unknown\":01"),
        base.replace("\"sequence\":2", "\"unknown\":\"a\u{1}\""),
        base.replace(
            "\"sequence\":2",
            "\"origin\":{\"type\":\"Call\",\"type\":\"Call\"}",
        ),
        base.replace("\"sequence\":2", "\"origin\":[\"Call\"]"),
        base.replace("\"sequence\":2", "\"eventTime\":\"yesterday\""),
        base.replace(
            "\"sequence\":2",
            "\"eventTime\":\"2020-06-23T01:05:44+02:00\"",
        ),
        base.replace(
            "{\"id\"",
            "{\"park\":{},\"sipData\":{\"callId\":\"x\"},\"id\"",
        ),
        base.replace(
            "{\"id\"",
            "{\"recordings\":[{\"id\":5,\"active\":true}],\"id\"",
        ),
        base.replace("{\"id\"", "{\"recordings\":[{\"active\":true}],\"id\""),
        base.replace("{\"id\"", "{\"owner\":{\"extensionId\":7},\"id\""),
        base.replace("\"body\":", "\"uuid\":12,\"ownerId\":null,\"body\":"),
        base.replace("\"body\":", "\"pn_apns\":{},\"body\":"),
        base.replace("\"body\":", "\"activeCalls\":[],\"body\":"),
        base.replace("\"body\":", "\"body\":null,\"x\":"),
        base.replace("\"telephonySessionId\":\"s-1\",", ""),
        base.replace("\"telephonySessionId\":\"s-1\"", "\"telephonySessionId\":1"),
        format!("  {base}\n"),
        format!("{base} x"),
        format!("{base}{base}"),
        format!("\u{feff}{base}"),
        format!(r#"{{"receivedAt":null,"frame":{base}}}"#),
        format!(
            r#"{{"receivedAt":"2020-06-23T01:05:44.100Z","frame":"{}"}}"#,
            base.replace('"', "\\\"")
        ),
        format!(r#"[{{"type":"ServerNotification"}},{base},1,[2]]"#),
        r#"[{"type":"ServerNotification"}]"#.to_string(),
        format!(r#"[{{"type":"Heartbeat"}},{base}]"#),
        format!(r#"[{{"type":"ServerNotification"}},{base},]"#),
        format!(r#"[{{"type":"ServerNotification","body":{{}}}},{base}]"#),
        format!(r#"{{"body":{{"body":{base}}}}}"#),
        "[]".to_string(),
        "{}".to_string(),
        String::new(),
    ];
    for c in &cases {
        agree(c);
    }
    let nested = format!("{}{base}{}", "[".repeat(200), "]".repeat(200));
    agree(&format!(r#"{{"x":{nested},{}"#, &base[1..]));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn mangled_lines_agree(
        which in 0usize..64,
        wrap in 0usize..3,
        at in 0usize..2000,
        edit in 0u8..4,
        byte in prop::sample::select(b"\"\\{}[],:0123456789-.eE tfnul \x01\xc3".to_vec()),
    ) {
        let mut lines = capture_lines();
        lines.extend(synth::stream(16, 4, 1));
        let line = &lines[which % lines.len()];
        let mut text = wrapped(line)[wrap].clone().into_bytes();
        let at = at % (text.len() + 1);
        match edit {
            0 => text.truncate(at),
            1 => text.insert(at, byte),
            2 if at < text.len() => text[at] = byte,
            _ if at < text.len() => { text.remove(at); }
            _ => {}
        }
        if let Ok(text) = String::from_utf8(text) {
            agree(&text);
        }
    }
}
