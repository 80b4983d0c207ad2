//! Inputs the fuzz targets (fuzz/) found crashing, fed through the public API: each must
//! now be a clear error, never a panic, and the two JSON decoders must agree on it.

use calltop::cli::BoardArgs;
use clap::{Args, FromArgMatches};

/// Parses board flags the way `calltop demo/replay/live` does.
fn board(args: &[&str]) -> Result<BoardArgs, clap::Error> {
    let cli = BoardArgs::augment_args(clap::Command::new("calltop"));
    let m = cli.try_get_matches_from(std::iter::once("calltop").chain(args.iter().copied()))?;
    BoardArgs::from_arg_matches(&m)
}

/// fuzz target keymap_config, crash-0e954a40dba2663080eed9595aaf742579592f80: seconds
/// converted to milliseconds overflowed i64 (`attempt to multiply with overflow`).
#[test]
fn alert_threshold_too_large_for_milliseconds_is_an_error() {
    for flag in ["--ring-alert", "--hold-alert", "--park-alert"] {
        let err = board(&[flag, "405,770777777770777777"]).expect_err("out of range");
        assert!(
            err.to_string().contains("out of range"),
            "{flag}: unexpected error {err}"
        );
        let negative = format!("{flag}=-9223372036854775808,0");
        let err = board(&[&negative]).expect_err("out of range");
        assert!(err.to_string().contains("out of range"), "{flag}: {err}");
    }
}

#[test]
fn alert_thresholds_up_to_the_millisecond_limit_still_parse() {
    let b = board(&["--ring-alert", "20,45"]).expect("valid");
    assert_eq!(b.ring_alert, (20_000, 45_000));
    let max = i64::MAX / 1000;
    let b = board(&["--hold-alert", &format!("0,{max}")]).expect("largest valid value");
    assert_eq!(b.hold_alert, (0, max * 1000));
    assert!(board(&["--park-alert", &format!("0,{}", max + 1)]).is_err());
}

/// fuzz target frame_parser, crash-1fa056418dd1e10f95d4c79eef728944a9639416: a session
/// notification whose body has a `callLog` key (an array) was accepted by the fast
/// decoder, which skipped the key, and refused by the serde decoder, which reads
/// `callLog` as a recording's call-log line. Both decoders must give the same answer.
#[test]
fn a_key_the_serde_decoder_types_is_left_to_it_at_any_level() {
    let body = r#"{"sequence": 3, "telephonySessionId": "s-1", "eventTime": "2020-06-23T01:05:43.964Z", "KEY": [{"id": "p-1"}], "parties": []}"#;
    for key in [
        "callLog",
        "roster",
        "id",
        "creationTime",
        "from",
        "userStatus",
        "dndStatus",
        "dndStatusPersonal",
        "acceptCallQueueCalls",
        "callQueueId",
    ] {
        let body = body.replace("KEY", key);
        for line in [
            body.clone(),
            format!(r#"{{"uuid": "u-1", "body": {body}}}"#),
        ] {
            // What the fast decoder declines is left to the serde decoder.
            if let Some(fast) = calltop::wire::scan::scan(&line) {
                let serde = calltop::wire::parse_with_serde(&line).map_err(|e| e.to_string());
                assert_eq!(
                    Ok(fast.into_owned()),
                    serde,
                    "{key}: the decoders differ on {line}"
                );
            }
        }
    }
}
