//! Shared test helpers: running the library on annotated sources and comparing the
//! findings with the `//~` annotations in them, both ways.
//!
//! Annotation grammar (after the code on a line):
//! - `//~ rule-id` — a finding of `rule-id` has its primary span on this line;
//! - `//~^ rule-id` — the same for the line above (`//~^^` two lines above...);
//! - `//~ rule-id (label)` — a label of a `rule-id` finding is on this line;
//! - `//~ rule-id "text"` — the finding's message contains `text`.
//!
//! Header lines: `//@ edition: 2024`, and `//@ config: <a line of synclint.toml>`
//! (`//@ config: lock-order = ["Cache.files", "Cache.state"]`), the lines of every
//! file of a case joined into its configuration.
//!
//! The helpers of the tests that run the built binaries are in [`bin`].

#![allow(dead_code)]

pub mod bin;

use std::fmt::Write as _;
use std::path::Path;

use synclint::config::FileConfig;
use synclint::source::{Edition, SourceFile};
use synclint::{Config, Finding, Level, Report};

/// One expectation read from a `//~` annotation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expect {
    pub rule: String,
    pub line: u32,
    pub is_label: bool,
    pub text: Option<String>,
}

/// Reads the annotations of a source text.
pub fn expectations(text: &str) -> Vec<Expect> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i as u32 + 1;
        for part in line.split("//~").skip(1) {
            let ups = part.chars().take_while(|c| *c == '^').count() as u32;
            let rest = part[ups as usize..].trim();
            let mut words = rest.splitn(2, char::is_whitespace);
            let Some(rule) = words.next().filter(|r| !r.is_empty()) else {
                continue;
            };
            let tail = words.next().unwrap_or("").trim();
            let is_label = tail.starts_with("(label)");
            let text = tail
                .split('"')
                .nth(1)
                .map(str::to_string)
                .filter(|t| !t.is_empty());
            out.push(Expect {
                rule: rule.to_string(),
                line: line_no - ups,
                is_label,
                text,
            });
        }
    }
    out
}

/// The edition named by a `//@ edition:` header, if any.
pub fn header_edition(text: &str) -> Option<Edition> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("//@ edition:"))
        .find_map(Edition::parse)
}

/// The configuration of `//@ config:` header lines, each a line of `synclint.toml`
/// (`//@ config: lock-order = ["Cache.files", "Cache.state"]`), joined over `texts`.
pub fn header_config<'t>(texts: impl IntoIterator<Item = &'t str>) -> Option<FileConfig> {
    let toml: String = texts
        .into_iter()
        .flat_map(str::lines)
        .filter_map(|l| l.trim().strip_prefix("//@ config:"))
        .map(|l| format!("{}\n", l.trim()))
        .collect();
    if toml.is_empty() {
        return None;
    }
    let ids = synclint::suppress::known_ids();
    match synclint::config::from_text(Path::new("synclint.toml"), &toml, &ids) {
        Ok(config) => Some(config),
        Err(e) => panic!("bad `//@ config:` header: {e}\n{toml}"),
    }
}

/// Runs only `rule` over the given files, with the configuration of their
/// `//@ config:` headers.
pub fn run_rule(rule: &str, files: Vec<SourceFile>) -> Report {
    let mut config = Config::default();
    if let Some(file) = header_config(files.iter().map(|f| f.text.as_str())) {
        config.apply(file);
    }
    config.only = Some(vec![rule.to_string()]);
    config.levels.insert(rule.to_string(), Level::Warn);
    synclint::check_sources(files, &config)
}

/// Compares findings of `rule` in one file with its annotations; returns a
/// description of every mismatch.
pub fn compare(rule: &str, file_name: &str, text: &str, report: &Report) -> Vec<String> {
    let expects: Vec<Expect> = expectations(text)
        .into_iter()
        .filter(|e| e.rule == rule)
        .collect();
    let line_text = |n: u32| text.lines().nth(n as usize - 1).unwrap_or("").trim();
    let in_file = |f: &Finding| report.sources.get(f.primary.file).display_path() == file_name;
    let findings: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.rule == rule && in_file(f))
        .collect();
    let mut problems = Vec::new();
    for e in expects.iter().filter(|e| !e.is_label) {
        let hit = findings.iter().any(|f| {
            f.primary.line == e.line
                && e.text
                    .as_ref()
                    .is_none_or(|t| f.message.contains(t.as_str()))
        });
        if !hit {
            problems.push(format!(
                "missing: {file_name}:{}: {rule}{} | {}",
                e.line,
                e.text
                    .as_ref()
                    .map(|t| format!(" \"{t}\""))
                    .unwrap_or_default(),
                line_text(e.line)
            ));
        }
    }
    // A label may belong to a finding whose primary site is in another file.
    let label_in_file =
        |l: &synclint::Label| report.sources.get(l.span.file).display_path() == file_name;
    for e in expects.iter().filter(|e| e.is_label) {
        let hit = report.findings.iter().filter(|f| f.rule == rule).any(|f| {
            f.labels
                .iter()
                .any(|l| l.span.line == e.line && label_in_file(l))
        });
        if !hit {
            problems.push(format!(
                "missing label: {file_name}:{}: {rule} | {}",
                e.line,
                line_text(e.line)
            ));
        }
    }
    for f in &findings {
        let expected = expects
            .iter()
            .any(|e| !e.is_label && e.line == f.primary.line);
        if !expected {
            let mut s = format!(
                "unexpected: {file_name}:{}: {rule}: {} | {}",
                f.primary.line,
                f.message,
                line_text(f.primary.line)
            );
            for l in &f.labels {
                let _ = write!(s, "\n      label {}: {}", l.span.line, l.message);
            }
            problems.push(s);
        }
    }
    for p in &report.problems {
        problems.push(format!("file problem: {}: {}", p.path.display(), p.message));
    }
    for name in &report.unknown_locks {
        problems.push(format!(
            "`//@ config:` names `{name}`, which is no lock here"
        ));
    }
    problems
}

/// Checks one annotated source file with only `rule` enabled.
pub fn check_text(rule: &str, file_name: &str, text: &str) -> Vec<String> {
    let edition = header_edition(text).unwrap_or_default();
    let file = SourceFile::new(file_name, text, edition);
    let report = run_rule(rule, vec![file]);
    compare(rule, file_name, text, &report)
}

/// Checks every `.rs` fixture under `fixtures/<rule>/`; panics with every mismatch.
///
/// A folder with a `Cargo.toml` is one crate: its files are checked together, as
/// one package, so that findings can cross files. Other files are checked alone.
#[track_caller]
pub fn check_fixture_dir(rule: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("fixtures").join(rule);
    let mut problems = Vec::new();
    let mut n_files = 0;
    let mut entries: Vec<_> = walkdir::WalkDir::new(&dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "rs"))
        .map(|e| e.into_path())
        .collect();
    entries.sort();
    let crate_of = |p: &Path| {
        p.ancestors()
            .take_while(|a| a.starts_with(&dir) && *a != dir.as_path())
            .find(|a| a.join("Cargo.toml").is_file())
            .map(Path::to_path_buf)
    };
    let rel = |p: &Path| {
        p.strip_prefix(root)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/")
    };
    let mut crates: std::collections::BTreeMap<std::path::PathBuf, Vec<std::path::PathBuf>> =
        Default::default();
    for path in entries {
        match crate_of(&path) {
            Some(krate) => crates.entry(krate).or_default().push(path),
            None => {
                let text = std::fs::read_to_string(&path).expect("fixture is readable");
                n_files += 1;
                problems.extend(check_text(rule, &rel(&path), &text));
            }
        }
    }
    for (krate, paths) in crates {
        let texts: Vec<(String, String)> = paths
            .iter()
            .map(|p| {
                let text = std::fs::read_to_string(p).expect("fixture is readable");
                (rel(p), text)
            })
            .collect();
        let krate_rel = std::path::PathBuf::from(rel(&krate));
        let files = texts
            .iter()
            .map(|(name, text)| {
                let edition = header_edition(text).unwrap_or_default();
                SourceFile::new(name.as_str(), text.as_str(), edition)
                    .with_krate(Some(krate_rel.clone()))
            })
            .collect();
        let report = run_rule(rule, files);
        n_files += texts.len();
        for (name, text) in &texts {
            problems.extend(compare(rule, name, text, &report));
        }
    }
    assert!(n_files > 0, "no fixtures in {}", dir.display());
    problems.sort();
    problems.dedup();
    assert!(
        problems.is_empty(),
        "{} mismatch(es) in fixtures/{rule}:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}
