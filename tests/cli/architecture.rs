//! The rooms of `src/` and what each may import, as the README's architecture table
//! says. Reads the source (inside the repository) for `crate::ROOM` paths; fails
//! naming the file and line of an import the table does not allow, and on any import
//! cycle between top-level rooms.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Room → the rooms it may import. `modes` wires everything together.
const ALLOWED: &[(&str, &[&str])] = &[
    ("wire", &[]),
    ("logging", &[]),
    ("synth", &["wire"]),
    ("core", &["wire", "synth"]),
    ("platform", &["wire", "core"]),
    ("record", &["wire", "core"]),
    ("source", &["wire", "core", "platform", "record"]),
    ("report", &["wire", "core", "source"]),
    ("sim", &["wire", "logging"]),
    ("tui", &["wire", "core", "source"]),
    ("relay", &["wire", "core", "source", "platform", "record"]),
    ("metrics", &["wire", "core", "source"]),
    ("cli", &["core", "source", "tui", "report"]),
    (
        "modes",
        &[
            "wire", "core", "platform", "record", "source", "report", "sim", "tui", "relay",
            "metrics", "cli", "logging", "synth",
        ],
    ),
];

/// Every `crate::ROOM` reference outside comments: (from room, to room, file:line).
fn imports() -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (room, at, code) in code_lines() {
        for (i, _) in code.match_indices("crate::") {
            let name: String = code[i + 7..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && name != room {
                out.push((room.clone(), name, at.clone()));
            }
        }
    }
    out
}

/// Every line of code in `src/` outside comments and unit tests: (room, file:line, code).
fn code_lines() -> Vec<(String, String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(&src).expect("under src");
            let first = rel.components().next().expect("a component");
            let room = first
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string();
            if room == "lib" || room == "main" {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("readable source");
            // A file's unit tests (its `#[cfg(test)]` module, last by convention) may use
            // any room: only the code they test is held to the table.
            for (i, line) in text.lines().enumerate() {
                if line.trim() == "#[cfg(test)]" {
                    break;
                }
                let code = line.split("//").next().unwrap_or("");
                let at = format!("src/{}:{}", rel.display(), i + 1);
                out.push((room.clone(), at, code.to_string()));
            }
        }
    }
    out
}

#[test]
fn every_import_is_one_the_architecture_allows() {
    let allowed: BTreeMap<&str, BTreeSet<&str>> = ALLOWED
        .iter()
        .map(|(r, to)| (*r, to.iter().copied().collect()))
        .collect();
    let mut bad = Vec::new();
    for (from, to, at) in imports() {
        match allowed.get(from.as_str()) {
            None => bad.push(format!("{at}: room `{from}` is not in the table")),
            Some(ok) if !ok.contains(to.as_str()) => {
                bad.push(format!("{at}: `{from}` may not import `{to}`"))
            }
            _ => {}
        }
    }
    assert!(
        bad.is_empty(),
        "imports the architecture forbids:\n{}",
        bad.join("\n")
    );
}

/// Every room but `modes` (which starts the live source) speaks the source contract
/// (`crate::source::{Status, LiveEvent, …}`), never the live subscription's own module:
/// a relay's stream, a replay and the board are sources or readers of one, not parts
/// of the RingCentral client.
#[test]
fn only_the_modes_know_the_live_subscription() {
    let mut bad = Vec::new();
    for (room, at, code) in code_lines() {
        let named = code.contains("crate::source::live") || code.contains("source::live::");
        if named && room != "modes" && room != "source" {
            bad.push(format!("{at}: `{room}` imports source::live"));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn no_cycle_between_top_level_rooms() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to, _) in imports() {
        graph.entry(from).or_default().insert(to);
    }
    if let Some(cycle) = cycle(&graph) {
        panic!("import cycle: {}", cycle.join(" → "));
    }
}

#[test]
fn the_board_and_the_platform_never_meet() {
    for (from, to, at) in imports() {
        assert!(
            ![("platform", "tui"), ("tui", "platform")].contains(&(from.as_str(), to.as_str())),
            "{at}: {from} imports {to}"
        );
    }
}

/// The modules of a room (`core`, `tui`) each file's code (not its tests) imports:
/// `super::NAME` in a file whose parent is the room (directly under `src/ROOM`, or a
/// folder's `mod.rs`), and `crate::ROOM::NAME` anywhere in it; a module's own folder
/// (`center/…`, `views/…`) counts as the module.
fn room_imports(room: &str) -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(room);
    let modules: BTreeSet<String> = std::fs::read_dir(&root)
        .expect("the room is readable")
        .filter_map(|e| {
            let p = e.ok()?.path();
            let name = p.file_stem()?.to_string_lossy().to_string();
            (name != "mod" && (p.is_dir() || p.extension().is_some_and(|x| x == "rs")))
                .then_some(name)
        })
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path.strip_prefix(&root).expect("under the room");
            let parts: Vec<String> = rel
                .components()
                .map(|c| {
                    c.as_os_str()
                        .to_string_lossy()
                        .trim_end_matches(".rs")
                        .to_string()
                })
                .collect();
            if path.extension().is_none_or(|e| e != "rs") || parts[0] == "mod" {
                continue;
            }
            if parts.last().is_some_and(|p| p == "tests") {
                continue;
            }
            let from = parts[0].clone();
            let text = std::fs::read_to_string(&path).expect("readable source");
            let code: String = text
                .split("#[cfg(test)]")
                .next()
                .unwrap_or("")
                .lines()
                .map(|l| l.split("//").next().unwrap_or(""))
                .collect::<Vec<_>>()
                .join("\n");
            let own = format!("crate::{room}::");
            let mut prefixes = vec![own.as_str()];
            if parts.len() == 1 || (parts.len() == 2 && parts[1] == "mod") {
                prefixes.push("super::");
            }
            let mut to = BTreeSet::new();
            for prefix in prefixes {
                for (at, _) in code.match_indices(prefix) {
                    let rest = code[at + prefix.len()..].trim_start();
                    // `super::{a::X, b::{Y, Z}}`: the first name of each item.
                    let names: Vec<&str> = match rest.strip_prefix('{') {
                        Some(list) => {
                            let mut depth = 0;
                            let end = list
                                .find(|c| {
                                    match c {
                                        '{' => depth += 1,
                                        '}' if depth == 0 => return true,
                                        '}' => depth -= 1,
                                        _ => {}
                                    }
                                    false
                                })
                                .unwrap_or(list.len());
                            let mut depth = 0;
                            list[..end]
                                .split(|c| {
                                    match c {
                                        '{' => depth += 1,
                                        '}' => depth -= 1,
                                        ',' if depth == 0 => return true,
                                        _ => {}
                                    }
                                    false
                                })
                                .collect()
                        }
                        None => vec![rest],
                    };
                    for n in names {
                        let name: String = n
                            .trim()
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        if modules.contains(&name) && name != from {
                            to.insert(name);
                        }
                    }
                }
            }
            graph.entry(from).or_default().extend(to);
        }
    }
    graph
}

#[test]
fn no_import_circle_inside_core() {
    let graph = room_imports("core");
    // Checks the reader: the store imports the session it holds.
    assert!(
        graph.get("store").is_some_and(|to| to.contains("session")),
        "the reader finds no import of the session in the store: {graph:?}"
    );
    if let Some(cycle) = cycle(&graph) {
        panic!("import circle inside core: {}", cycle.join(" → "));
    }
}

#[test]
fn no_import_circle_inside_tui() {
    let graph = room_imports("tui");
    // Checks the reader: the app runs the views, which draw the state (`views/mod.rs`
    // names it with `super::`, its files with `crate::tui::`).
    for (from, to) in [("app", "views"), ("views", "state")] {
        assert!(
            graph.get(from).is_some_and(|t| t.contains(to)),
            "the reader finds no import of {to} in {from}: {graph:?}"
        );
    }
    if let Some(cycle) = cycle(&graph) {
        panic!("import circle inside tui: {}", cycle.join(" → "));
    }
}

/// An import cycle of `graph`, when it has one (depth first, from each node in order).
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == n) {
            let mut cycle = path[i..].to_vec();
            cycle.push(n.to_string());
            return Some(cycle);
        }
        if !done.insert(n.to_string()) {
            return None;
        }
        path.push(n.to_string());
        for m in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, g, path, done) {
                return Some(c);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}
