//! Every `calltop …` command line the README shows goes through the real parser: the
//! README and `--help` agree. Command lines are taken from code blocks
//! (`calltop …`, `cargo run --release -- …`) and from inline code in tables and text
//! (`` `calltop live [--read-only]` ``). Optional `[--flag …]` groups are all included,
//! alternatives `a|b` are each tried, and placeholders (FILE, N, …) get sample values.

use calltop::cli::Cli;
use clap::Parser;

/// A sample value for a placeholder word, or the word itself.
fn sample(word: &str) -> String {
    match word {
        "FILE" | "capture.jsonl" => "rec.jsonl".into(),
        "N" | "S" | "MS" | "P" | "ID" => "1".into(),
        "ADDR" => "127.0.0.1:0".into(),
        "URL" => "http://127.0.0.1:1".into(),
        "CMD" => "cat".into(),
        "TIME" => "10:42".into(),
        w => w.into(),
    }
}

/// Splits a command line into words as a shell would for plain `'…'` and `"…"` quotes
/// (a quoted word is kept whole, quotes removed, `[`/`]` in it kept).
fn words(line: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut quote, mut quoted) = (None::<char>, false);
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                quoted = true;
            }
            (None, c) if c.is_whitespace() => {
                if !cur.is_empty() || quoted {
                    out.push((std::mem::take(&mut cur), quoted));
                }
                quoted = false;
            }
            (None, c) => cur.push(c),
        }
    }
    if !cur.is_empty() || quoted {
        out.push((cur, quoted));
    }
    out
}

/// Expands `[…]` groups (all included) and `a|b` alternatives into plain command lines.
fn expand(line: &str) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = vec![Vec::new()];
    for (word, quoted) in words(&line.replace("\\|", "|")) {
        if quoted {
            out.iter_mut().for_each(|v| v.push(word.clone()));
            continue;
        }
        for word in word.replace(['[', ']'], " ").split_whitespace() {
            push_word(&mut out, word);
        }
    }
    out
}

/// Adds one word (or each of its `a|b` alternatives) to every command line so far.
fn push_word(out: &mut Vec<Vec<String>>, word: &str) {
    {
        if word == "…" || word == "..." {
            return;
        }
        let alts: Vec<&str> = if word.starts_with('-') || !word.contains('|') {
            vec![word]
        } else {
            word.split('|').collect()
        };
        *out = std::mem::take(out)
            .into_iter()
            .flat_map(|prefix| {
                alts.iter().map(move |a| {
                    let mut v = prefix.clone();
                    v.push(sample(a));
                    v
                })
            })
            .collect();
    }
}

/// `line` up to the first `sep` that is not inside quotes.
fn outside_quotes<'a>(line: &'a str, sep: &str) -> &'a str {
    let mut quote = None;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (None, _) if line[i..].starts_with(sep) => return &line[..i],
            _ => {}
        }
    }
    line
}

/// The `calltop` arguments of one README line, if it is a command line.
fn command_of(line: &str) -> Option<String> {
    let line = line.trim();
    let line = line.strip_prefix("$ ").unwrap_or(line);
    let line = outside_quotes(line, " # ");
    let line = outside_quotes(line, " | ");
    let line = line.trim_end_matches('&').trim_end_matches('\\').trim();
    let words: Vec<&str> = line.split_whitespace().collect();
    // skip `VAR=value` prefixes
    let start = words
        .iter()
        .position(|w| !w.contains('=') || w.starts_with('-'))?;
    let rest = words[start..].join(" ");
    if let Some(args) = rest.strip_prefix("cargo run --release -- ") {
        return Some(args.to_string());
    }
    rest.strip_prefix("calltop ").map(str::to_string)
}

fn readme_commands() -> Vec<String> {
    let readme = include_str!("../../README.md");
    let mut cmds = Vec::new();
    // None: prose; Some(true): a shell code block; Some(false): any other block.
    let mut block: Option<bool> = None;
    for line in readme.lines() {
        if let Some(fence) = line.trim_start().strip_prefix("```") {
            block = match block {
                Some(_) => None,
                None => Some(matches!(fence.trim(), "sh" | "bash" | "shell" | "console")),
            };
            continue;
        }
        match block {
            Some(true) => cmds.extend(command_of(line)),
            Some(false) => {}
            // Inline code: `calltop MODE` alone names a mode; with arguments it is a
            // command line.
            None => {
                for (i, part) in line.split('`').enumerate() {
                    if i % 2 == 1 {
                        cmds.extend(command_of(part).filter(|c| c.contains(' ')));
                    }
                }
            }
        }
    }
    cmds
}

#[test]
fn every_readme_command_line_parses() {
    let cmds = readme_commands();
    assert!(cmds.len() > 15, "found only {cmds:?}");
    let mut bad = Vec::new();
    for cmd in &cmds {
        for args in expand(cmd) {
            let argv = std::iter::once("calltop".to_string()).chain(args.iter().cloned());
            if let Err(e) = Cli::try_parse_from(argv) {
                let first = e.to_string().lines().next().unwrap_or("").to_string();
                bad.push(format!("calltop {}: {first}", args.join(" ")));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "README command lines the parser rejects:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_expander_tries_every_alternative() {
    let v = expand("replay FILE [--speed 1\\|max] [--paused]");
    assert_eq!(
        v,
        vec![
            vec!["replay", "rec.jsonl", "--speed", "1", "--paused"],
            vec!["replay", "rec.jsonl", "--speed", "max", "--paused"],
        ]
    );
    assert!(Cli::try_parse_from(["calltop", "demo", "--no-such-flag"]).is_err());
}

/// The README's example alarms file is one calltop takes.
#[test]
fn the_readme_alarms_example_parses() {
    let readme = include_str!("../../README.md");
    let section = &readme[readme.find("### Queue alarms").expect("the alarms section")..];
    let start = section.find("```toml\n").expect("an example file") + "```toml\n".len();
    let toml = &section[start..start + section[start..].find("```").unwrap()];
    let rules = calltop::core::alarms::AlarmRules::parse(toml).expect("parses");
    assert_eq!(rules.queue["2001"].service_level_below, Some(85.0));
    assert_eq!(rules.default.missed_over, Some(3));
}
