//! Inputs the fuzz targets (fuzz/) found crashing, fed through the public API: each must
//! now be a clear error, never a panic.

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
