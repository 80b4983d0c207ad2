//! Bad command lines and environments, as a person meets them: the real binary gives
//! one clear line and a non-zero exit, or does what was asked.

use std::process::{Command, Output};

fn calltop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_calltop"))
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent-config-home")
        .output()
        .expect("the binary runs")
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_named_key_file_that_does_not_exist_is_an_error() {
    let o = calltop(&["demo", "--keys", "/nonexistent/keys.conf", "--print-keys"]);
    assert_ne!(o.status.code(), Some(0));
    assert_eq!(err(&o).lines().count(), 1, "{}", err(&o));
    assert!(err(&o).contains("/nonexistent/keys.conf"), "{}", err(&o));
    // The default file may be missing: the defaults are used.
    let o = calltop(&["demo", "--print-keys"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    // A named file that exists is used.
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys.conf");
    std::fs::write(&keys, "hang-up = X\n").unwrap();
    let o = calltop(&["demo", "--keys", keys.to_str().unwrap(), "--print-keys"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("| `X` | hang up"));
}

#[test]
fn the_board_without_a_terminal_says_what_to_use_instead() {
    for mode in [
        &["demo"][..],
        &["replay", "tests/fixtures/captures/RingCentral-PSTN.jsonl"],
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_calltop"))
            .args(mode)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert_ne!(o.status.code(), Some(0), "{mode:?}");
        let e = err(&o);
        assert_eq!(e.lines().count(), 1, "{e}");
        assert!(
            e.contains("needs a terminal") && e.contains("--headless"),
            "{e}"
        );
    }
}

#[test]
fn the_simulator_listens_on_a_host_name_and_prints_export_lines() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_calltop"))
        .args(["sim", "--addr", "localhost:0"])
        .env("CALLTOP_LOG_DIR", std::env::temp_dir())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut banner = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let last = line.starts_with("export RINGCENTRAL_JWT=");
        banner.push(line);
        if last {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(banner[0].starts_with("listening on http://"), "{banner:?}");
    // Lines to paste into a shell for `calltop live` against it.
    let url = banner[0].trim_start_matches("listening on ");
    assert!(
        banner.contains(&format!("export RINGCENTRAL_SERVER_URL={url}")),
        "{banner:?}"
    );
    for var in [
        "RINGCENTRAL_CLIENT_ID",
        "RINGCENTRAL_CLIENT_SECRET",
        "RINGCENTRAL_JWT",
    ] {
        assert!(
            banner
                .iter()
                .any(|l| l.starts_with(&format!("export {var}="))),
            "{var}: {banner:?}"
        );
    }
    let o = calltop(&["sim", "--addr", "no-such-host.invalid:1"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(err(&o).contains("no-such-host.invalid:1"), "{}", err(&o));
}

#[test]
fn the_simulators_help_names_its_debug_routes() {
    let o = calltop(&["sim", "--help"]);
    assert!(o.status.success(), "{}", err(&o));
    let help = String::from_utf8_lossy(&o.stdout);
    for route in ["GET /sim/ground-truth", "POST /sim/ring"] {
        assert!(
            help.contains(route),
            "`calltop sim --help` names {route}:\n{help}"
        );
    }
}

#[test]
fn a_bad_alarms_file_is_one_line_naming_the_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alarms.toml");
    std::fs::write(
        &file,
        "[default]\noldest_wait_over = 30\nwaiting_over = \"five\"\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();
    for args in [
        &["demo", "--alarms", f, "--print-keys"][..],
        &["live", "--headless", "--alarms", f],
        // On a relay's stream too, before connecting.
        &[
            "live",
            "--from",
            "nats://127.0.0.1:1/acct",
            "--headless",
            "--alarms",
            f,
        ],
        &[
            "replay",
            "tests/fixtures/captures/RingCentral-PSTN.jsonl",
            "--alarms",
            f,
        ],
    ] {
        let o = calltop(args);
        let e = err(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {e}");
        assert_eq!(e.lines().count(), 1, "{e}");
        assert!(e.contains(f) && e.contains("line 3:"), "{e}");
    }
    // A named file that does not exist is an error too; a good one is used.
    let o = calltop(&[
        "demo",
        "--alarms",
        "/nonexistent/alarms.toml",
        "--print-keys",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("/nonexistent/alarms.toml"), "{}", err(&o));
    std::fs::write(
        &file,
        "[default]\noldest_wait_over = 30\n[queue.2001]\nwaiting_over = 5\n",
    )
    .unwrap();
    let o = calltop(&["demo", "--alarms", f, "--print-keys"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
}

/// A bad `--account-id` for the simulator, and a board naming one account twice
/// (`live --from A --from A`): one line each, before anything listens or connects.
#[test]
fn a_bad_account_id_and_an_account_named_twice_are_one_line_errors() {
    let o = calltop(&["sim", "--account-id", "48x", "jwt", "102"]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("\"48x\" is not an account id"),
        "{}",
        err(&o)
    );
    let (a, b) = (
        "nats://127.0.0.1:1/480201016",
        "nats://127.0.0.1:2/480201016",
    );
    let o = calltop(&["live", "--from", a, "--from", b, "--headless"]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert_eq!(err(&o).lines().count(), 1, "{}", err(&o));
    assert!(
        err(&o).contains("account 480201016 is named twice"),
        "{}",
        err(&o)
    );
}
