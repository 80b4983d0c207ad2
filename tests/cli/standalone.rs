//! Nothing in the build, tests, benches, examples, scripts or fuzz seeds may read outside the
//! repository: a clone on its own must pass `cargo test`. The data the tests need is copied in
//! `tests/fixtures/` (see its README).
//!
//! This scans the tracked files for paths that leave the repository and fails naming the file
//! and line. It is a cheap guard, not the proof: `scripts/clone-check` runs `cargo test` in a
//! fresh clone with nothing beside it.

use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Folders (and top-level files) whose contents build, test, bench or seed something.
const SCANNED: &[&str] = &[
    "src/",
    "tests/",
    "benches/",
    "examples/",
    "scripts/",
    "fuzz/",
    ".ci/",
    "Cargo.toml",
    "build.rs",
];

/// Never scanned: the copied data itself, and what the tools write (untracked anyway; listed for
/// the fallback walk when there is no git checkout).
const SKIPPED: &[&str] = &[
    "tests/fixtures/",
    "target/",
    "fuzz/target/",
    "fuzz/corpus/",
    "fuzz/artifacts/",
];

/// Text that reaches outside the repository. Assembled from pieces so this file does not
/// match itself.
fn patterns() -> Vec<(String, &'static str)> {
    let up = "..";
    let manifest = "CARGO_MANIFEST_DIR\")";
    vec![
        (format!("{up}/shared"), "the old sibling data folder"),
        (
            format!("/{}/", "work"),
            "an absolute path of the developers' machines",
        ),
        (format!("{manifest}/{up}"), "a path above the package root"),
        (
            format!("{manifest}, \"/{up}"),
            "a path above the package root",
        ),
        (format!("{{}}/{up}"), "a formatted path that climbs out"),
        (format!(".join(\"{up}"), "a joined path that climbs out"),
    ]
}

/// The lines of `text` that match a pattern: (line number, pattern, why).
fn offending_lines(text: &str) -> Vec<(usize, String, &'static str)> {
    let pats = patterns();
    let mut hits = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for (p, why) in &pats {
            if line.contains(p.as_str()) {
                hits.push((i + 1, p.clone(), *why));
            }
        }
    }
    hits
}

/// The lines of Markdown `text` inside fenced code blocks (the commands people copy), with
/// their line numbers; prose may mention where data came from.
fn fenced_lines(text: &str) -> String {
    let mut out = String::new();
    let mut fenced = false;
    for line in text.lines() {
        let is_fence = line.trim_start().starts_with("```");
        out.push_str(if fenced && !is_fence { line } else { "" });
        out.push('\n');
        if is_fence {
            fenced = !fenced;
        }
    }
    out
}

fn tracked_files() -> Vec<PathBuf> {
    let git = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(ROOT)
        .output();
    match git {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout)
            .split('\0')
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
            .collect(),
        // No git, or not a checkout (a source tarball): every file under the scanned folders.
        _ => {
            let mut files = Vec::new();
            walk(Path::new(ROOT), Path::new(""), &mut files);
            files
        }
    }
}

fn walk(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root.join(rel)) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let path = rel.join(&name);
        let ty = e.file_type().unwrap();
        if ty.is_dir() {
            if matches!(
                name.to_str(),
                Some(".git" | "target" | "node_modules" | ".venv")
            ) {
                continue;
            }
            walk(root, &path, out);
        } else if ty.is_file() {
            out.push(path);
        }
    }
}

fn scanned(rel: &str) -> bool {
    SCANNED.iter().any(|s| rel == *s || rel.starts_with(s))
        && !SKIPPED.iter().any(|s| rel.starts_with(s))
}

#[test]
fn nothing_reads_outside_the_repository() {
    let mut problems = Vec::new();
    let mut seen = 0;
    for rel in tracked_files() {
        let rel_s = rel.to_string_lossy().replace('\\', "/");
        let is_md = rel_s.ends_with(".md");
        // Markdown anywhere (README.md, BENCHMARKS.md, scripts/*/README.md): only its commands.
        if !is_md && !scanned(&rel_s) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(Path::new(ROOT).join(&rel)) else {
            continue; // binary, or deleted in the work tree
        };
        seen += 1;
        let text = if is_md { fenced_lines(&text) } else { text };
        for (line, pat, why) in offending_lines(&text) {
            problems.push(format!("{rel_s}:{line}: `{pat}` ({why})"));
        }
    }
    assert!(
        seen > 50,
        "scanned only {seen} files: is {ROOT} the repository?"
    );
    assert!(
        problems.is_empty(),
        "these read outside the repository (a clone on its own would fail); \
         use tests/fixtures via env!(\"CARGO_MANIFEST_DIR\") or a path from the repo root:\n{}",
        problems.join("\n")
    );
}

/// The guard would catch the readers it replaced.
#[test]
fn the_guard_catches_the_old_readers() {
    let up = "..";
    for old in [
        format!("        .join(\"{up}/shared/streams\")"),
        format!("    const FRAMES: &str = concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/{up}/x\");"),
        format!("        \"{{}}/{up}/x/captures/{{name}}\","),
        format!("shared=/{}/shared/streams", "work"),
    ] {
        assert!(!offending_lines(&old).is_empty(), "not caught: {old}");
    }
    let md = format!("see {up}/shared in prose\n```sh\ncat {up}/shared/x\n```\n");
    let hits = offending_lines(&fenced_lines(&md));
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].0, 3);
    assert!(
        offending_lines("let p = concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/tests/fixtures\");")
            .is_empty()
    );
}

/// The copies the tests read are in the repository.
#[test]
fn fixtures_are_in_the_repository() {
    let dir = Path::new(ROOT).join("tests/fixtures");
    for f in [
        "README.md",
        "captures/PSTN-RingCentral-DataStreams.jsonl",
        "captures/RingCentral-PSTN.jsonl",
        "captures/RingCentral-RingCentral.jsonl",
        "captures/telephony-session-event.json",
        "captures/account-telephony-sessions.json",
        "captures/extension-telephony-sessions.json",
    ] {
        assert!(dir.join(f).is_file(), "missing tests/fixtures/{f}");
    }
    let frames = std::fs::read_dir(dir.join("ws-frames")).unwrap().count();
    assert_eq!(frames, 12, "tests/fixtures/ws-frames");
}
