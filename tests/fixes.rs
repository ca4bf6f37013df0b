//! Machine-applicable fixes: every fix of the fixtures of the rules that offer them
//! leaves a file that parses and no longer has the finding it fixed; the fixed
//! `split-atomic-update` fixtures compile; and `--fix` on a small crate with a split
//! atomic update rewrites it to `fetch_add`, after which the crate compiles
//! (`cargo check --offline`, std only) and the rule is silent. `--diff` shows the
//! same change without writing.
//!
//! The crates compiled here are written by the tests themselves; `cargo` runs with
//! its home and target folders inside the temporary folder, and offline.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use support::bin::{self, tempdir, write, CARGO, SYNCLINT};
use support::{header_edition, run_rule};
use synclint::source::SourceFile;

/// The longest one run may take.
const LIMIT: Duration = Duration::from_secs(600);

/// The single-file fixtures of a rule, as (path relative to the package, text).
fn fixture_files(rule: &str) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("fixtures").join(rule);
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("fixture folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs") && p.is_file())
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("fixture is readable");
            let rel = p
                .strip_prefix(root)
                .unwrap_or(&p)
                .to_string_lossy()
                .into_owned();
            (rel, text)
        })
        .collect();
    out.sort();
    out
}

/// Applies the fixes `rule` offers in one file; returns the fixed text and how many
/// findings it fixed, after checking that the text parses and that exactly those
/// findings are gone.
fn fix_file(rule: &str, name: &str, text: &str) -> Option<(String, usize)> {
    let edition = header_edition(text).unwrap_or_default();
    let before = run_rule(rule, vec![SourceFile::new(name, text, edition)]);
    let (fixes, refused) = synclint::fix::plan(&before);
    assert!(refused.is_empty(), "{name}: {refused:?}");
    let fix = fixes.into_iter().next()?;
    assert!(
        syn::parse_file(&fix.new).is_ok(),
        "{name}: the fixed text does not parse:\n{}",
        fix.new
    );
    let after = run_rule(rule, vec![SourceFile::new(name, fix.new.clone(), edition)]);
    assert_eq!(
        after.findings.len(),
        before.findings.len() - fix.fixed.len(),
        "{name}: the fixes did not remove exactly their findings:\n{}",
        fix.new
    );
    assert!(
        after.findings.iter().all(|f| f.fix.is_none()),
        "{name}: a fix is left after fixing"
    );
    Some((fix.new, fix.fixed.len()))
}

#[test]
fn split_atomic_update_fixes_parse_and_remove_their_findings() {
    let rule = "split-atomic-update";
    let fixed: usize = fixture_files(rule)
        .iter()
        .filter_map(|(name, text)| fix_file(rule, name, text))
        .map(|(_, n)| n)
        .sum();
    // `basic.rs`: `fetch_add` inline and through a `let`, `fetch_or`, `fetch_update`;
    // `second_writer.rs`: four `fetch_add`s, one of them `AcqRel`.
    assert_eq!(fixed, 8);
}

#[test]
fn discarded_guard_fixes_parse_and_remove_their_findings() {
    let rule = "discarded-guard";
    let fixed: usize = fixture_files(rule)
        .iter()
        .filter_map(|(name, text)| fix_file(rule, name, text))
        .map(|(_, n)| n)
        .sum();
    assert!(fixed >= 20, "{fixed}");
}

/// `cargo check --offline` on the crate at `dir`, with cargo's home and target
/// folders inside it; panics with cargo's output unless it compiles.
fn cargo_check(dir: &Path) {
    let out = Command::new(CARGO)
        .args(["check", "--offline", "--quiet"])
        .current_dir(dir)
        .env("HOME", dir)
        .env("CARGO_HOME", dir.join("cargo-home"))
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .output()
        .expect("run cargo");
    assert!(
        out.status.success(),
        "cargo check failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const MANIFEST: &str =
    "[package]\nname = \"fixed\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[dependencies]\n";

#[test]
fn fixed_split_atomic_update_fixtures_compile() {
    let tmp = tempdir();
    let dir = tmp.path();
    write(dir, "Cargo.toml", MANIFEST);
    let mut lib = String::from("#![allow(dead_code, unused_variables)]\n");
    for (name, text) in fixture_files("split-atomic-update") {
        let module = PathBuf::from(&name)
            .file_stem()
            .expect("a fixture has a name")
            .to_string_lossy()
            .into_owned();
        let fixed = fix_file("split-atomic-update", &name, &text).map_or(text, |(t, _)| t);
        write(dir, &format!("src/{module}.rs"), fixed);
        lib.push_str(&format!("mod {module};\n"));
    }
    write(dir, "src/lib.rs", lib);
    cargo_check(dir);
}

const COUNTER: &str = "\
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

pub struct Hits {
    n: AtomicUsize,
}

impl Hits {
    pub fn bump(&self) {
        self.n.store(self.n.load(Ordering::Acquire) + 1, Ordering::Release);
    }

    pub fn add(&self, k: usize) -> usize {
        let seen = self.n.load(Ordering::Relaxed);
        self.n.store(seen + k, Ordering::Relaxed);
        seen
    }
}

pub fn run() -> usize {
    let hits = Arc::new(Hits { n: AtomicUsize::new(0) });
    let other = Arc::clone(&hits);
    let t = std::thread::spawn(move || other.bump());
    hits.bump();
    t.join().unwrap();
    hits.add(2)
}
";

#[test]
fn fix_rewrites_a_split_update_to_fetch_add_and_the_crate_compiles() {
    let tmp = tempdir();
    let dir = tmp.path();
    write(dir, "Cargo.toml", MANIFEST);
    write(dir, "src/lib.rs", COUNTER);
    let args = [
        "--isolated",
        "--rule",
        "split-atomic-update",
        "--format",
        "json",
    ];

    // `--diff` shows the change, exits 1 and writes nothing.
    let mut diff_args = args.to_vec();
    diff_args.push("--diff");
    let diff = bin::run(bin::command(SYNCLINT, dir, &diff_args), LIMIT);
    diff.code(1);
    diff.stdout_has("--- a/src/lib.rs\n+++ b/src/lib.rs\n")
        .stdout_has("+        self.n.fetch_add(1, Ordering::AcqRel);\n")
        .stdout_has("-        self.n.store(seen + k, Ordering::Relaxed);\n");
    let unchanged = std::fs::read_to_string(dir.join("src/lib.rs")).expect("read");
    assert_eq!(unchanged, COUNTER);

    let before = bin::run(bin::command(SYNCLINT, dir, &args), LIMIT);
    before.code(1);
    let findings = before.json()["findings"].clone();
    assert_eq!(findings.as_array().map(Vec::len), Some(2), "{findings}");
    assert_eq!(
        findings[0]["fixes"][0]["edits"][0]["replacement"],
        "fetch_add(1, Ordering::AcqRel)"
    );

    let mut fix_args = args.to_vec();
    fix_args.push("--fix");
    let fixed = bin::run(bin::command(SYNCLINT, dir, &fix_args), LIMIT);
    fixed.code(0).stderr_has("fixed 2 findings in 1 file");
    assert_eq!(fixed.json()["findings"], serde_json::json!([]));

    let text = std::fs::read_to_string(dir.join("src/lib.rs")).expect("read");
    assert!(
        text.contains("self.n.fetch_add(1, Ordering::AcqRel);"),
        "{text}"
    );
    assert!(
        text.contains("self.n.fetch_add(k, Ordering::Relaxed);"),
        "{text}"
    );
    // The binding of the load is kept: `add` still returns what it read.
    assert!(
        text.contains("let seen = self.n.load(Ordering::Relaxed);"),
        "{text}"
    );
    assert!(!text.contains(".store("), "{text}");
    // No temporary file is left beside it.
    let left: Vec<_> = std::fs::read_dir(dir.join("src"))
        .expect("read src")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("lib.rs")]);

    cargo_check(dir);
    let after = bin::run(bin::command(SYNCLINT, dir, &args), LIMIT);
    after.code(0);
    assert_eq!(after.json()["findings"], serde_json::json!([]));
}

#[test]
fn fix_leaves_a_file_outside_the_given_paths() {
    let tmp = tempdir();
    let dir = tmp.path();
    write(dir, "Cargo.toml", MANIFEST);
    write(dir, "src/lib.rs", "mod other;\n");
    write(dir, "src/other.rs", COUNTER);
    // Named alone, `lib.rs` brings its package as context, but only what it
    // reports may be written, and only inside the paths given.
    let run = bin::run(
        bin::command(
            SYNCLINT,
            dir,
            &[
                "--isolated",
                "--rule",
                "split-atomic-update",
                "--fix",
                "src/lib.rs",
            ],
        ),
        LIMIT,
    );
    assert_ne!(run.exit_code(), 2, "{}", run.stderr);
    let text = std::fs::read_to_string(dir.join("src/other.rs")).expect("read");
    assert_eq!(text, COUNTER);
}

#[test]
fn a_discard_a_macro_wrote_gets_no_fix() {
    let rule = "discarded-guard";
    let (name, text) = fixture_files(rule)
        .into_iter()
        .find(|(name, _)| name.ends_with("macro_statement.rs"))
        .expect("the fixture is there");
    let report = run_rule(rule, vec![SourceFile::new(name, text, Default::default())]);
    assert_eq!(report.findings.len(), 1);
    assert!(report.findings[0].fix.is_none());
}
