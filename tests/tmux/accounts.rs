//! `calltop replay A B` (issue 27, item 3): two accounts' recordings from the
//! simulator's generator (`sim generate --account-id`) on one board at 200×50. At the
//! end the queues view's totals rows of each account and of all of them equal `calltop
//! report A B`'s; the calls carry both accounts; a jump back to the start and on to the
//! end again (a rebuild from the merged recording's keyframes) shows the same totals.

use crate::support::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const A: &str = "480201016";
const B: &str = "730112016";

/// 20 simulated minutes of account `account`'s contact center.
fn generate(dir: &Path, account: &str, seed: &str, start: &str) -> PathBuf {
    let out = dir.join(format!("{account}.jsonl"));
    let truth = dir.join(format!("{account}.truth.jsonl"));
    let status = Command::new(env!("CARGO_BIN_EXE_calltop"))
        .args(["sim", "generate", "--duration", "20m", "--start", start])
        .args(["--seed", seed, "--account-id", account, "--out"])
        .arg(&out)
        .arg("--truth")
        .arg(&truth)
        .output()
        .expect("calltop sim generate");
    assert!(status.status.success(), "{status:?}");
    out
}

/// A totals row of the queues view (`Σ ACCOUNT …`): offered, answered, abandoned.
fn totals(screen: &str, account: &str) -> Option<[u64; 3]> {
    let label = match account {
        "all" => "Σ all accounts".to_string(),
        a => format!("Σ {a}"),
    };
    let line = screen.lines().find(|l| l.contains(&label))?;
    let rest = &line[line.find(&label)? + label.len()..];
    // Wait, Oldest, then Offer, Ans, Aband.
    let cells: Vec<&str> = rest.split_whitespace().collect();
    let n = |i: usize| cells.get(i)?.parse().ok();
    Some([n(2)?, n(3)?, n(4)?])
}

/// The same totals in `report A B --format json`.
fn reported(report: &serde_json::Value, account: &str) -> [u64; 3] {
    let all = report["accounts"].as_array().expect("accounts");
    let q = &all
        .iter()
        .find(|a| a["account"] == account)
        .expect("account")["queues"];
    ["offered", "answered", "abandoned"].map(|k| q[k].as_u64().expect(k))
}

fn same_totals(screen: &str, report: &serde_json::Value) -> bool {
    [A, B, "all"]
        .iter()
        .all(|a| totals(screen, a) == Some(reported(report, a)))
}

/// Types `:TARGET⏎`.
fn jump(t: &Tmux, target: &str) {
    t.keys(&[":"]);
    t.wait("the jump prompt", 20, |s| s.contains("jump to"));
    t.literal(target);
    t.keys(&["Enter"]);
}

#[test]
fn replay_of_two_accounts_shows_each_accounts_totals_as_the_report_gives() {
    let dir = tempfile::tempdir().unwrap();
    let a = generate(dir.path(), A, "1", "2026-01-05T09:00:00Z");
    let b = generate(dir.path(), B, "2", "2026-01-05T09:00:30Z");
    let out = Command::new(env!("CARGO_BIN_EXE_calltop"))
        .arg("report")
        .args([&a, &b])
        .args(["--format", "json"])
        .output()
        .expect("calltop report");
    assert!(out.status.success(), "{out:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(reported(&report, A)[0] > 0 && reported(&report, B)[0] > 0);

    let cmd = format!(
        "TMPDIR={d} XDG_CACHE_HOME={d} CALLTOP_LOG_DIR={d} {} replay --speed max {} {}; echo EXITED; sleep 60",
        env!("CARGO_BIN_EXE_calltop"),
        a.display(),
        b.display(),
        d = dir.path().display(),
    );
    let t = Tmux::start(200, 50, &cmd);
    let s = t.wait("the end of both recordings", 120, |s| {
        s.contains(" END ") && totals(s, "all").is_some()
    });
    assert!(s.contains(&format!("accounts {A}, {B}")), "{s}");
    let s = t.wait("the report's totals", 20, |s| same_totals(s, &report));
    // The calls view's Account column names both.
    let calls: Vec<&str> = s.lines().filter(|l| l.contains("In ")).collect();
    for account in [A, B] {
        assert!(calls.iter().any(|l| l.contains(account)), "{account}:\n{s}");
    }
    // Back to the start (rebuilt from the merged recording), then to its end again.
    jump(&t, "0%");
    t.wait("the start", 60, |s| {
        totals(s, "all") != Some(reported(&report, "all"))
    });
    jump(&t, "100%");
    t.wait("the report's totals after the jumps", 60, |s| {
        same_totals(s, &report)
    });
    // The merged recording is a temporary file, removed when the board ends — also
    // when its terminal closes (a hang-up, as closing the window sends).
    let merged = || {
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("calltop-accounts")
            })
            .count()
    };
    assert_eq!(merged(), 1, "the merged recording while the board runs");
    drop(t);
    let gone = Instant::now() + Duration::from_secs(20);
    while merged() > 0 && Instant::now() < gone {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        merged(),
        0,
        "the merged recording left behind after a hang-up"
    );
}
