//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// A file under tests/fixtures (copies of the real captures; see tests/fixtures/README.md).
pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// Proptest's settings for `cases` cases (`PROPTEST_CASES` overrides it, for a longer
/// run), a failure's seed kept beside the test's source
/// (`tests/<area>/<module>.proptest-regressions`, checked in). Proptest's default puts
/// them beside the nearest `main.rs`, one folder for every area's modules.
pub fn proptest_cases(cases: u32) -> proptest::prelude::ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    proptest::prelude::ProptestConfig {
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..proptest::prelude::ProptestConfig::with_cases(cases)
    }
}

/// Runs `cmd` to its end; it must succeed (else its stderr is the failure). Its stdout.
#[allow(dead_code)] // not every test binary that includes this runs commands
pub fn stdout_of(cmd: &mut std::process::Command) -> Vec<u8> {
    let out = cmd.output().expect("the command runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}
