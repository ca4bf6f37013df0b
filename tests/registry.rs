//! Checks the rule registry against the files on disk: every id in
//! `synclint::rules::ALL` is unique and kebab-case and has its page, its fixtures and
//! its source (a file `src/rules/<id>.rs`, or a folder `src/rules/<id>/mod.rs` for a
//! big rule), and nothing on disk belongs to a rule that is not registered.
//!
//! The content of the pages is `tests/docs.rs`'s business; this test only asks that
//! they exist, are what the binary embeds, and yield a usable summary.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use synclint::rules::{lookup, ALL};

/// Fixture folders that hold real-world-shaped mixes rather than one rule's cases.
const SHARED_FIXTURE_DIRS: &[&str] = &["mixed"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn ids() -> Vec<&'static str> {
    ALL.iter().map(|r| r.meta().id).collect()
}

fn snake(id: &str) -> String {
    id.replace('-', "_")
}

fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|word| {
            word.starts_with(|c: char| c.is_ascii_lowercase())
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// The entries of a folder, sorted; an unreadable folder is a test failure.
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry is readable").path())
        .collect();
    out.sort();
    out
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn assert_no_problems(what: &str, problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{} problem(s) with {what}:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

#[test]
fn ids_are_unique_kebab_case_and_name_the_hazard() {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for id in ids() {
        if !seen.insert(id) {
            problems.push(format!("`{id}` is registered twice"));
        }
        if !is_kebab_case(id) {
            problems.push(format!("`{id}` is not kebab-case"));
        }
        if id.starts_with("no-") || id.starts_with("ban-") {
            problems.push(format!(
                "`{id}` names a fix, not the hazard: drop the `no-`/`ban-` prefix"
            ));
        }
        match lookup(id) {
            Some(rule) if rule.meta().id == id => {}
            _ => problems.push(format!("`lookup({id:?})` does not find it")),
        }
    }
    assert!(!seen.is_empty(), "the registry is empty");
    assert_no_problems("rule ids", &problems);
}

#[test]
fn every_rule_has_its_page_fixtures_and_source() {
    let mut problems = Vec::new();
    for rule in ALL {
        let meta = rule.meta();
        let id = meta.id;

        let page = root().join("rules").join(format!("{id}.md"));
        match fs::read_to_string(&page) {
            Ok(text) if text == meta.doc => {}
            Ok(_) => problems.push(format!(
                "{id}: rules/{id}.md differs from the page the binary embeds (`meta().doc`)"
            )),
            Err(e) => problems.push(format!("{id}: cannot read rules/{id}.md: {e}")),
        }

        let fixtures = root().join("fixtures").join(id);
        let n_cases = walkdir::WalkDir::new(&fixtures)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .filter(|e| e.path().extension().is_some_and(|x| x == "rs"))
            .count();
        if !fixtures.is_dir() {
            problems.push(format!("{id}: no fixtures/{id}/ folder"));
        } else if n_cases == 0 {
            problems.push(format!("{id}: fixtures/{id}/ has no .rs case"));
        }

        // A rule is a file, or, when it is big, a folder read from its `mod.rs`.
        let rules = root().join("src").join("rules");
        let file = rules.join(format!("{}.rs", snake(id)));
        let folder = rules.join(snake(id)).join("mod.rs");
        match (file.is_file(), folder.is_file()) {
            (false, false) => problems.push(format!(
                "{id}: no src/rules/{0}.rs nor src/rules/{0}/mod.rs",
                snake(id)
            )),
            (true, true) => problems.push(format!(
                "{id}: both src/rules/{0}.rs and src/rules/{0}/mod.rs",
                snake(id)
            )),
            _ => {}
        }
    }
    assert_no_problems("rule files", &problems);
}

#[test]
fn nothing_on_disk_belongs_to_an_unregistered_rule() {
    let known: BTreeSet<String> = ids().into_iter().map(str::to_string).collect();
    let known_snake: BTreeSet<String> = known.iter().map(|id| snake(id)).collect();
    let mut problems = Vec::new();

    for path in entries(&root().join("rules")) {
        if path.extension().is_some_and(|x| x == "md") {
            let stem = path.file_stem().unwrap_or_default().to_string_lossy();
            if !known.contains(stem.as_ref()) {
                problems.push(format!(
                    "rules/{} has no rule in the registry",
                    name_of(&path)
                ));
            }
        }
    }

    for path in entries(&root().join("fixtures")) {
        let name = name_of(&path);
        if path.is_dir() && !SHARED_FIXTURE_DIRS.contains(&name.as_str()) && !known.contains(&name)
        {
            problems.push(format!("fixtures/{name}/ has no rule in the registry"));
        }
    }

    for path in entries(&root().join("src").join("rules")) {
        let name = name_of(&path);
        if path.extension().is_some_and(|x| x == "rs") && name != "mod.rs" {
            let stem = path.file_stem().unwrap_or_default().to_string_lossy();
            if !known_snake.contains(stem.as_ref()) {
                problems.push(format!("src/rules/{name} has no rule in the registry"));
            }
        }
        // `support/` is what rules share; any other folder is a rule.
        if path.is_dir() && name != "support" && !known_snake.contains(&name) {
            problems.push(format!("src/rules/{name}/ has no rule in the registry"));
        }
    }

    assert_no_problems("files without a rule", &problems);
}

/// The summary is what `--list-rules` prints after the id and level: the first
/// sentence of "What it flags", which reads as a sentence in the page, so it starts
/// with a capital; the list prints it without the final period.
#[test]
fn every_summary_is_a_sentence_without_its_period() {
    let mut problems = Vec::new();
    let metas = ALL
        .iter()
        .map(|r| r.meta())
        .chain(synclint::suppress::META.iter());
    for meta in metas {
        let summary = meta.summary();
        if summary.trim().is_empty() {
            problems.push(format!(
                "{}: empty summary (the first sentence of `## What it flags`)",
                meta.id
            ));
            continue;
        }
        if !summary.starts_with(|c: char| c.is_uppercase()) {
            problems.push(format!(
                "{}: summary should start with a capital letter: {summary:?}",
                meta.id
            ));
        }
        if summary.ends_with('.') {
            problems.push(format!(
                "{}: summary ends with a period: {summary:?}",
                meta.id
            ));
        }
        if summary.contains('\n') || summary.trim() != summary {
            problems.push(format!(
                "{}: summary should be one trimmed line: {summary:?}",
                meta.id
            ));
        }
    }
    assert_no_problems("rule summaries", &problems);
}

/// Rules build their findings from their metadata (`META.finding(..)`) and never
/// write a severity: the run's comes from `Config::severity_of` alone, so a value in a
/// rule cannot contradict its declared default.
#[test]
fn no_rule_writes_a_severity() {
    const STILL_WRITES: &[&str] = &[];
    let mut problems = Vec::new();
    let dir = root().join("src").join("rules");
    // A rule's folder is read file by file, like the rule files.
    for entry in walkdir::WalkDir::new(&dir)
        .into_iter()
        .filter_map(Result::ok)
    {
        let path = entry.path();
        let rel = path.strip_prefix(&dir).unwrap_or(path);
        let name = rel.to_string_lossy().replace('\\', "/");
        let name = name.as_str();
        if !entry.file_type().is_file()
            || path.extension().is_none_or(|e| e != "rs")
            || STILL_WRITES.contains(&name)
        {
            continue;
        }
        let text = fs::read_to_string(path).expect("rule source");
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            if code.contains("severity:") || code.contains(".severity =") {
                problems.push(format!("src/rules/{name}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    for name in STILL_WRITES {
        let text = fs::read_to_string(dir.join(name)).expect("listed rule source");
        if !text.contains("severity:") {
            problems.push(format!(
                "src/rules/{name} no longer writes a severity: take it off `STILL_WRITES`"
            ));
        }
    }
    assert_no_problems("severities written by rules", &problems);
}

#[test]
fn kebab_case_check_is_strict() {
    assert!(is_kebab_case("lock-across-await"));
    assert!(is_kebab_case("a2-b"));
    for bad in [
        "",
        "Lock-across",
        "lock_across",
        "lock--across",
        "-lock",
        "lock-",
        "2lock",
    ] {
        assert!(!is_kebab_case(bad), "{bad:?} accepted");
    }
}
