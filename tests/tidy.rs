//! House-keeping checks over the source tree, in the manner of rust-analyzer's
//! `tidy.rs`: every module under `src/` opens with a `//!` doc comment, and no `TODO`
//! or leftover `dbg!` call is committed there (`FIXME` is the marker for known gaps).
//!
//! It reads files only; prose style (one sentence per line in Markdown) is too fuzzy
//! to check mechanically and is left to review.

use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/`, sorted, with its path relative to the package root.
fn source_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<PathBuf> = walkdir::WalkDir::new(root.join("src"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| e.path().extension().is_some_and(|x| x == "rs"))
        .map(|e| e.into_path())
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no .rs files under src/");
    paths
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            (rel, text)
        })
        .collect()
}

/// `file:line: text` for every line of `src/` that contains `needle`.
fn lines_containing(needle: &str) -> Vec<String> {
    let mut hits = Vec::new();
    for (path, text) in source_files() {
        for (i, line) in text.lines().enumerate() {
            if line.contains(needle) {
                hits.push(format!("{path}:{}: {}", i + 1, line.trim()));
            }
        }
    }
    hits
}

#[test]
fn every_module_starts_with_a_doc_comment() {
    let missing: Vec<String> = source_files()
        .into_iter()
        .filter(|(_, text)| !text.trim_start_matches('\u{feff}').starts_with("//!"))
        .map(|(path, _)| path)
        .collect();
    assert!(
        missing.is_empty(),
        "these files do not start with a `//!` comment saying what the module is for \
         and what it does not do:\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn no_todo_in_src() {
    // Built from parts so that this file does not trip checks that scan tests/ too.
    let hits = lines_containing(concat!("TO", "DO"));
    assert!(
        hits.is_empty(),
        "use `FIXME` with a fixture that shows the gap instead:\n  {}",
        hits.join("\n  ")
    );
}

#[test]
fn no_dbg_in_src() {
    let hits = lines_containing(concat!("dbg", "!("));
    assert!(
        hits.is_empty(),
        "remove the debugging output:\n  {}",
        hits.join("\n  ")
    );
}
