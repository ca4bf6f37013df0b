//! End-to-end tests of `synclint-ecosystem` on a tiny corpus made in a temporary
//! folder, with its own triage file: a triaged finding passes, an untriaged one fails
//! with its location, a vanished entry is reported, `--update` writes `untriaged`
//! entries and the lines of a finding can move without failing the check.
//!
//! The corpus and the triage file are always given as arguments, so nothing here
//! fetches the shared corpus or touches the network.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const LIB: &str = "\
use std::sync::Mutex;

pub fn empty(m: &Mutex<u8>) {
    let _ = m.lock();
}
";

const HAZARD: &str = "
pub fn other(m: &Mutex<u8>) {
    let _ = m.lock();
}
";

struct Corpus {
    dir: tempfile::TempDir,
}

impl Corpus {
    fn new(lib: &str) -> Corpus {
        let dir = tempfile::tempdir().expect("create a temporary folder");
        let corpus = Corpus { dir };
        corpus.write(lib);
        corpus
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("corpus")
    }

    fn triage(&self) -> PathBuf {
        self.dir.path().join("triage.toml")
    }

    fn write(&self, lib: &str) {
        let src = self.root().join("demo-0.1.0/src");
        std::fs::create_dir_all(&src).expect("create the crate folder");
        std::fs::write(src.join("lib.rs"), lib).expect("write lib.rs");
    }

    fn run(&self, extra: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_synclint-ecosystem"))
            .arg(self.root())
            .arg("--triage")
            .arg(self.triage())
            .arg("--threads")
            .arg("2")
            .args(extra)
            .output()
            .expect("run synclint-ecosystem")
    }

    fn read_triage(&self) -> String {
        std::fs::read_to_string(self.triage()).expect("read the triage file")
    }

    /// Gives every `untriaged` entry the verdict `real`.
    fn triage_all(&self) {
        let text = self
            .read_triage()
            .replace("verdict = \"untriaged\"", "verdict = \"real\"")
            .replace("reason = \"\"", "reason = \"guard dropped at once\"");
        std::fs::write(self.triage(), text).expect("write the triage file");
    }
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn row<'a>(text: &'a str, rule: &str) -> Vec<&'a str> {
    text.lines()
        .find(|l| l.starts_with(rule))
        .unwrap_or_else(|| panic!("no row for {rule}:\n{text}"))
        .split_whitespace()
        .collect()
}

#[test]
fn a_missing_or_invalid_triage_file_is_an_error() {
    let corpus = Corpus::new(LIB);
    let out = corpus.run(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--update"), "{err}");
    // A triage file that is not valid is an error too, even with `--update`, and it
    // is left as it was.
    std::fs::write(corpus.triage(), "[[finding]]\nrule = 1\n").expect("write");
    let out = corpus.run(&["--update"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert_eq!(corpus.read_triage(), "[[finding]]\nrule = 1\n");
    let out = Command::new(env!("CARGO_BIN_EXE_synclint-ecosystem"))
        .arg(Path::new(&corpus.root()).join("no-such-folder"))
        .arg("--triage")
        .arg(corpus.triage())
        .output()
        .expect("run synclint-ecosystem");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn update_writes_untriaged_entries_and_the_check_fails_until_they_have_a_verdict() {
    let corpus = Corpus::new(LIB);
    let out = corpus.run(&["--update"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = corpus.read_triage();
    assert!(text.contains("verdict = \"untriaged\""), "{text}");
    assert!(text.contains("file = \"demo-0.1.0/src/lib.rs\""), "{text}");
    assert!(text.contains("rule = \"discarded-guard\""), "{text}");
    assert!(text.contains("line = 4\n"), "{text}");

    // Untriaged still fails, and says where.
    let out = corpus.run(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let shown = stdout(&out);
    assert!(shown.contains("still `untriaged`"), "{shown}");
    assert!(shown.contains("demo-0.1.0/src/lib.rs:4:"), "{shown}");

    corpus.triage_all();
    let out = corpus.run(&[]);
    let shown = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert_eq!(
        row(&shown, "discarded-guard"),
        [
            "discarded-guard",
            "1",
            "1",
            "0",
            "0",
            "0",
            "100.0%",
            "0.00",
            "0",
            "0"
        ]
    );
    assert!(shown.contains("ok: every finding has a verdict"), "{shown}");
}

#[test]
fn a_new_finding_fails_with_its_location_and_a_vanished_entry_is_reported() {
    let corpus = Corpus::new(LIB);
    corpus.run(&["--update"]);
    corpus.triage_all();

    // A second hazard: new, with its location and message.
    corpus.write(&format!("{LIB}{HAZARD}"));
    let out = corpus.run(&[]);
    let shown = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(shown.contains("new findings (no triage entry):"), "{shown}");
    assert!(
        shown.contains("demo-0.1.0/src/lib.rs:8:5: discarded-guard: "),
        "{shown}"
    );
    assert_eq!(row(&shown, "total")[1..6], ["2", "1", "0", "0", "1"]);

    // The first hazard fixed: its entry has vanished, and that fails too.
    corpus.write("use std::sync::Mutex;\n\npub fn empty(_m: &Mutex<u8>) {}\n");
    let out = corpus.run(&[]);
    let shown = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains("vanished entries (no longer reported):"),
        "{shown}"
    );
    assert!(
        shown.contains("demo-0.1.0/src/lib.rs:4: discarded-guard: ")
            && shown.contains("(was real: guard dropped at once)"),
        "{shown}"
    );

    // `--update` drops it, and the file is clean again.
    let out = corpus.run(&["--update"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(!corpus.read_triage().contains("[[finding]]"));
    assert_eq!(corpus.run(&[]).status.code(), Some(0));
}

#[test]
fn a_finding_that_moves_still_matches_and_update_refreshes_its_line() {
    let corpus = Corpus::new(LIB);
    corpus.run(&["--update"]);
    corpus.triage_all();
    corpus.write(&format!("// one\n// two\n// three\n{LIB}"));
    let out = corpus.run(&[]);
    let shown = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(shown.contains("1 matched (1 moved,"), "{shown}");
    assert_eq!(corpus.run(&["--update"]).status.code(), Some(0));
    let text = corpus.read_triage();
    assert!(text.contains("line = 7\n"), "{text}");
    assert!(text.contains("verdict = \"real\""), "{text}");
}

#[test]
fn json_gives_the_same_figures() {
    let corpus = Corpus::new(LIB);
    corpus.run(&["--update"]);
    let out = corpus.run(&["--json"]);
    assert_eq!(out.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(value["total"]["findings"], 1);
    assert_eq!(value["total"]["untriaged"], 1);
    assert_eq!(value["rules"]["discarded-guard"]["findings"], 1);
    assert_eq!(value["untriaged"][0]["file"], "demo-0.1.0/src/lib.rs");
    assert_eq!(value["passes"], false);
    assert!(value["lines"].as_u64().is_some_and(|n| n >= 5));
}
