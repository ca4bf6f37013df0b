//! The golden dump: the facts of every stage (per-file items and flows, the model,
//! the graph, the JSON report) over `fixtures/` and `tests/robustness-inputs/`,
//! compared with `tests/golden/dump.txt`.
//!
//! `tests/fixtures.rs` checks only what rules report; this catches any change in a
//! fact that no fixture reads, which is what a change meant to move code must not
//! make. When a change is meant to alter facts, regenerate the file and read its diff:
//!
//! ```text
//! SYNCLINT_BLESS=1 cargo test --locked --test golden
//! ```

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use synclint::source::{Edition, SourceFile};
use synclint::{Config, Level};

/// The golden file, relative to the package root.
const GOLDEN: &str = "tests/golden/dump.txt";

/// Every rule on, at `warn`, so that the report shows each rule's findings.
fn config() -> Config {
    let mut config = Config::default();
    for rule in synclint::rules::ALL {
        config
            .levels
            .insert(rule.meta().id.to_string(), Level::Warn);
    }
    config
}

fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The runs of the dump, by name: each fixture file alone, a fixture folder with a
/// `Cargo.toml` as one crate (as `tests/fixtures.rs` runs them), and each
/// robustness input in editions 2021 and 2024.
fn runs(root: &Path) -> BTreeMap<String, Vec<SourceFile>> {
    let mut runs: BTreeMap<String, Vec<SourceFile>> = BTreeMap::new();
    let mut paths: Vec<PathBuf> = walkdir::WalkDir::new(root.join("fixtures"))
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    paths.sort();
    let fixtures = root.join("fixtures");
    for path in paths {
        let text = fs::read_to_string(&path).expect("fixture is readable");
        let edition = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("//@ edition:"))
            .find_map(Edition::parse)
            .unwrap_or_default();
        let name = rel(root, &path);
        let krate = path
            .ancestors()
            .skip(1)
            .take_while(|a| a.starts_with(&fixtures) && *a != fixtures.as_path())
            .find(|a| a.join("Cargo.toml").is_file())
            .map(|k| rel(root, k));
        match krate {
            Some(k) => {
                let file = SourceFile::new(name.as_str(), text, edition)
                    .with_krate(Some(PathBuf::from(&k)));
                runs.entry(k).or_default().push(file);
            }
            None => {
                runs.insert(
                    name.clone(),
                    vec![SourceFile::new(name.as_str(), text, edition)],
                );
            }
        }
    }
    let inputs = root.join("tests/robustness-inputs");
    let mut inputs: Vec<PathBuf> = fs::read_dir(&inputs)
        .expect("tests/robustness-inputs is readable")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    inputs.sort();
    for path in inputs {
        let bytes = fs::read(&path).expect("robustness input is readable");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let name = rel(root, &path);
        for (edition, year) in [(Edition::E2021, 2021), (Edition::E2024, 2024)] {
            let file = SourceFile::new(name.as_str(), text.as_str(), edition);
            runs.insert(format!("{name} (edition {year})"), vec![file]);
        }
    }
    runs
}

/// The whole dump text.
fn dump(root: &Path) -> String {
    let config = config();
    let mut out = String::new();
    for (name, files) in runs(root) {
        out.push_str(&format!("##### run {name}\n"));
        synclint::check_sources_dumped(files, &config, &mut out);
    }
    out
}

/// The first differing region of two texts, with context, in `-`/`+` form.
fn diff(want: &str, got: &str) -> String {
    let a: Vec<&str> = want.lines().collect();
    let b: Vec<&str> = got.lines().collect();
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let from = head.saturating_sub(5);
    let mut s = format!(
        "the dump differs from {GOLDEN} from line {} ({} lines there, {} now):\n",
        head + 1,
        a.len(),
        b.len()
    );
    for line in &a[from..head] {
        s.push_str(&format!("  {line}\n"));
    }
    let shown = 40;
    let gone = &a[head..a.len() - tail];
    let new = &b[head..b.len() - tail];
    for line in gone.iter().take(shown) {
        s.push_str(&format!("- {line}\n"));
    }
    if gone.len() > shown {
        s.push_str(&format!("- ... {} more\n", gone.len() - shown));
    }
    for line in new.iter().take(shown) {
        s.push_str(&format!("+ {line}\n"));
    }
    if new.len() > shown {
        s.push_str(&format!("+ ... {} more\n", new.len() - shown));
    }
    s
}

#[test]
fn dump_matches_the_golden_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let got = dump(root);
    assert!(got.contains("=== graph"), "the dump has no graph section");
    let path = root.join(GOLDEN);
    if std::env::var_os("SYNCLINT_BLESS").is_some_and(|v| v == "1") {
        fs::create_dir_all(path.parent().expect("the golden file has a folder"))
            .expect("tests/golden can be created");
        fs::write(&path, &got).expect("the golden file can be written");
        return;
    }
    let want = fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {GOLDEN} ({e}); \
             write it with `SYNCLINT_BLESS=1 cargo test --locked --test golden`"
        )
    });
    assert!(
        want == got,
        "{}\nif the change is meant, regenerate it with \
         `SYNCLINT_BLESS=1 cargo test --locked --test golden` and read the diff",
        diff(&want, &got)
    );
}

#[test]
fn the_dump_is_the_same_twice() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let first = dump(root);
    assert_eq!(
        first,
        dump(root),
        "two runs over the same inputs dump differently"
    );
}
