//! `calltop report A B …` (issue 27, item 3): two recordings of the simulator's generator
//! standing for two accounts (`sim generate --account-id`), reported together: each
//! account's calls, queues, agents and summary are exactly what `report` of its file
//! alone gives, and the totals are their sums. A report of one input is byte for byte
//! what it was before reports took several.

use crate::calltop;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const A: &str = "480201016";
const B: &str = "730112016";

/// 20 simulated minutes of account `account`'s contact center.
fn generate(dir: &Path, account: &str, seed: &str, start: &str) -> PathBuf {
    let out = dir.join(format!("{account}.jsonl"));
    let truth = dir.join(format!("{account}.truth.jsonl"));
    let (code, _, err) = calltop(&[
        "sim",
        "generate",
        "--duration",
        "20m",
        "--start",
        start,
        "--seed",
        seed,
        "--account-id",
        account,
        "--out",
        out.to_str().unwrap(),
        "--truth",
        truth.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    out
}

/// Two accounts' recordings, the second starting 30 s after the first.
fn two_accounts(dir: &Path) -> (String, String) {
    let a = generate(dir, A, "1", "2026-01-05T09:00:00Z");
    let b = generate(dir, B, "2", "2026-01-05T09:00:30Z");
    (a.display().to_string(), b.display().to_string())
}

fn report(args: &[&str]) -> String {
    let (code, out, err) = calltop(&[&["report"], args].concat());
    assert_eq!(code, 0, "{err}");
    out
}

fn json(args: &[&str]) -> Value {
    serde_json::from_str(&report(&[args, &["--format", "json"]].concat())).unwrap()
}

/// The rows of `list` of `account`, without their account.
fn of_account(list: &Value, account: &str) -> Vec<Value> {
    list.as_array()
        .unwrap()
        .iter()
        .filter(|r| r["account"] == account)
        .map(|r| {
            let mut r = r.clone();
            r.as_object_mut().unwrap().remove("account");
            r
        })
        .collect()
}

fn totals<'v>(v: &'v Value, account: &str) -> &'v Value {
    let all = v["accounts"].as_array().unwrap();
    all.iter().find(|a| a["account"] == account).unwrap()
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

fn sum(list: &Value, key: &str) -> u64 {
    list.as_array().unwrap().iter().map(|r| u(&r[key])).sum()
}

#[test]
fn each_account_reports_as_its_file_alone_and_the_totals_are_their_sums() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_accounts(dir.path());
    let (ja, jb, both) = (json(&[&a]), json(&[&b]), json(&[&a, &b]));
    for (account, alone) in [(A, &ja), (B, &jb)] {
        assert!(
            u(&alone["summary"]["sessions"]) > 50,
            "{}",
            alone["summary"]
        );
        assert!(!alone["queues"].as_array().unwrap().is_empty());
        assert_eq!(
            of_account(&both["sessions"], account),
            *alone["sessions"].as_array().unwrap(),
            "{account}: calls"
        );
        for list in ["queues", "agents"] {
            assert_eq!(
                of_account(&both[list], account),
                *alone[list].as_array().unwrap(),
                "{account}: {list}"
            );
        }
        let mine = totals(&both, account);
        assert_eq!(mine["summary"], alone["summary"], "{account}: summary");
        for key in ["offered", "answered", "abandoned", "voicemail", "overflow"] {
            let want = sum(&alone["queues"], key);
            assert_eq!(u(&mine["queues"][key]), want, "{account}: queues' {key}");
        }
        for key in ["offers", "handled", "missed"] {
            let want = sum(&alone["agents"], key);
            assert_eq!(u(&mine["agents"][key]), want, "{account}: agents' {key}");
        }
    }
    let all = totals(&both, "all");
    assert_eq!(all["summary"], both["summary"]);
    for key in [
        "sessions",
        "active",
        "answered",
        "missed",
        "voicemail",
        "abandoned",
    ] {
        let want = u(&ja["summary"][key]) + u(&jb["summary"][key]);
        assert_eq!(u(&both["summary"][key]), want, "summary {key}");
    }
    for key in ["events", "applied", "presence", "other"] {
        let want = u(&ja["summary"][key]) + u(&jb["summary"][key]);
        assert_eq!(u(&both["summary"][key]), want, "summary {key}");
    }
    for key in ["offered", "answered", "abandoned", "waiting"] {
        let want = sum(&ja["queues"], key) + sum(&jb["queues"], key);
        assert_eq!(u(&all["queues"][key]), want, "all queues' {key}");
    }
    let n = |v: &Value| v["sessions"].as_array().unwrap().len();
    assert_eq!(n(&both), n(&ja) + n(&jb));
}

/// The CSV's sections up to the agents: the calls' rows, then the queues' (each
/// section's header first).
fn sections(csv: &str) -> Vec<Vec<&str>> {
    csv.split("\n\n").map(|s| s.lines().collect()).collect()
}

#[test]
fn csv_rows_carry_their_account_and_are_each_files_own() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_accounts(dir.path());
    let csv = |files: &[&str]| report(&[files, &["--format", "csv"]].concat());
    let (ca, both) = (csv(&[&a]), csv(&[&a, &b]));
    let (alone, both) = (sections(&ca), sections(&both));
    // Calls, queues, agents, then each account's summary and all accounts'.
    assert_eq!((alone.len(), both.len()), (3, 4), "{both:?}");
    for (i, what) in ["calls", "queues", "agents"].iter().enumerate() {
        assert_eq!(both[i][0], format!("{},account", alone[i][0]), "{what}");
        let mine: Vec<&str> = both[i][1..]
            .iter()
            .filter_map(|r| r.strip_suffix(&format!(",{A}")))
            .filter(|r| !r.contains(",Σ "))
            .collect();
        assert_eq!(mine, alone[i][1..], "{what} of {A}");
        let theirs = both[i].iter().filter(|r| r.ends_with(&format!(",{B}")));
        assert!(theirs.count() > 0, "{what} of {B}");
    }
    let accounts: Vec<&str> = both[3][1..]
        .iter()
        .map(|r| r.split(',').next().unwrap())
        .collect();
    assert_eq!(accounts, [A, B, "all"]);
}

#[test]
fn the_daily_report_of_two_accounts_has_their_totals_and_each_accounts_page() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_accounts(dir.path());
    let both = json(&[&a, &b]);
    let page = report(&[&a, &b, "--format", "html", "--tz", "UTC"]);
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    for account in [A, B] {
        assert!(
            page.contains(&format!("<h2>Account {account}</h2>")),
            "{account}"
        );
    }
    // The totals table: each account's queues together, then all of them.
    for account in [A, B, "all"] {
        let q = &totals(&both, account)["queues"];
        let name = match account {
            "all" => "Σ all accounts".to_string(),
            a => format!("Σ {a}"),
        };
        let row = format!(
            "<td>{account}</td><td>{name}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>",
            q["offered"], q["answered"], q["abandoned"]
        );
        assert!(page.contains(&row), "{row}");
    }
    // Cut into intervals is the daily report's alone over several accounts.
    let (code, _, err) = calltop(&["report", &a, &b, "--intervals", "30m"]);
    assert_ne!(code, 0);
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// FNV-1a of a report's bytes.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[test]
fn one_input_reports_byte_for_byte_as_before() {
    // The reports of assets/sample-hour.jsonl made before `report` took several inputs:
    // their length and FNV-1a hash. Since c8cf6e1 without the row of the directory's
    // disabled user, who is no agent (the only change).
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/sample-hour.jsonl");
    for (format, len, hash) in [
        ("json", 1_063_915, 0xdd9f_2f6b_5f89_12c7_u64),
        ("csv", 390_015, 0x16b8_b7e8_b574_4546),
        ("table", 443_410, 0x18a2_bbe7_88de_9564),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_calltop"))
            .args(["report", sample, "--format", format])
            .output()
            .unwrap();
        assert!(out.status.success());
        assert_eq!(
            (out.stdout.len(), fnv(&out.stdout)),
            (len, hash),
            "{format}"
        );
    }
}

#[test]
fn a_missing_input_or_an_account_twice_is_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_accounts(dir.path());
    let missing = dir.path().join("gone.jsonl").display().to_string();
    for args in [[&a, &missing, &b], [&a, &b, &missing]] {
        let (code, out, err) = calltop(&[&["report"], &args.map(String::as_str)[..]].concat());
        assert_ne!(code, 0);
        assert!(out.is_empty(), "{out}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(&missing), "{err}");
    }
    for cmd in ["report", "replay"] {
        let (code, _, err) = calltop(&[cmd, &a, &b, &a]);
        assert_ne!(code, 0, "{cmd}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(&format!("both account {A}")), "{cmd}: {err}");
    }
}
