//! Inputs whose cost a pull request controls, through the built `synclint` binary
//! under a memory limit (`ulimit -v`) and a time limit: a dense lock-order graph,
//! a file far too large to parse beside a small one, and valid edition-2015 syntax
//! that `syn` does not read.
//!
//! Each input is generated here, in a temporary folder. The runs have an empty
//! environment and never touch the network or the real home folder.

mod support;

use std::path::Path;
use std::time::Duration;

use support::bin::{self, tempdir, write, Run, SYNCLINT};

/// Runs `synclint ARGS` in `dir` under `ulimit -v` of `limit_kib` KiB, killing it
/// and failing the test after `time`.
#[track_caller]
fn synclint_limited(dir: &Path, args: &[&str], limit_kib: u64, time: Duration) -> Run {
    bin::run(bin::command_limited(SYNCLINT, dir, args, limit_kib), time)
}

#[track_caller]
fn findings(run: &Run) -> Vec<serde_json::Value> {
    run.json()["findings"]
        .as_array()
        .expect("a `findings` array")
        .clone()
}

/// A small deterministic generator (xorshift), so the graph is the same each run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    /// Three distinct numbers below `n`.
    fn three(&mut self, n: usize) -> (usize, usize, usize) {
        let a = self.below(n);
        let mut b = self.below(n);
        while b == a {
            b = self.below(n);
        }
        let mut c = self.below(n);
        while c == a || c == b {
            c = self.below(n);
        }
        (a, b, c)
    }
}

/// `locks` mutex fields, and `methods` methods that each take two of them and call
/// a helper of their own that takes a third.
fn dense_lock_graph(locks: usize, methods: usize) -> String {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out = String::from("use std::sync::Mutex;\n\npub struct State {\n");
    for l in 0..locks {
        out.push_str(&format!("    l{l}: Mutex<u64>,\n"));
    }
    out.push_str("}\n\nimpl State {\n");
    for m in 0..methods {
        let (a, b, c) = rng.three(locks);
        out.push_str(&format!(
            "    pub fn m{m}(&self) {{\n        let _a = self.l{a}.lock().unwrap();\n        let _b = self.l{b}.lock().unwrap();\n        self.h{m}();\n    }}\n\n    fn h{m}(&self) {{\n        let _c = self.l{c}.lock().unwrap();\n    }}\n\n"
        ));
    }
    out.push_str("}\n");
    out
}

/// 80 locks and 3,200 methods (6,400 functions): the lock-order graph is one
/// strongly connected set with a vast number of cycles. It is one finding, found in
/// well under 10 seconds and 1 GB.
#[test]
fn dense_lock_graph_is_bounded_by_the_graph() {
    let dir = tempdir();
    write(dir.path(), "dense.rs", dense_lock_graph(80, 3_200));
    let run = synclint_limited(
        dir.path(),
        &["--format", "json", "--threads", "1", "dense.rs"],
        1 << 20,
        Duration::from_secs(10),
    );
    assert_eq!(run.exit_code(), 1, "{run:#?}");
    let found = findings(&run);
    assert!(
        !found.is_empty() && found.len() <= 3_000,
        "{} findings",
        found.len()
    );
    let cycles: Vec<&serde_json::Value> = found
        .iter()
        .filter(|f| f["rule"] == "lock-order-inversion")
        .collect();
    assert_eq!(cycles.len(), 1, "one set of locks, one finding");
    let message = cycles[0]["message"].as_str().expect("a message");
    assert!(message.contains("among 80 locks"), "{message}");
    let labels = cycles[0]["labels"].as_array().expect("labels");
    assert!(
        labels.len() >= 4 && labels.len() <= 64,
        "{} labels",
        labels.len()
    );
    assert!(run.took < Duration::from_secs(10), "{:?}", run.took);
}

/// The same graph, smaller, on two threads, twice: the finding is the same, so the
/// sites chosen do not depend on scheduling.
#[test]
fn dense_lock_graph_finding_is_stable() {
    let dir = tempdir();
    write(dir.path(), "dense.rs", dense_lock_graph(20, 200));
    let args = ["--format", "json", "--threads", "2", "dense.rs"];
    let first = synclint_limited(dir.path(), &args, 4 << 20, Duration::from_secs(10));
    let second = synclint_limited(dir.path(), &args, 4 << 20, Duration::from_secs(10));
    assert_eq!(first.exit_code(), 1, "{first:#?}");
    assert_eq!(first.stdout, second.stdout);
    let found = findings(&first);
    assert_eq!(found.len(), 1, "{found:#?}");
}

/// Generated-looking code: one `impl` with many methods, each a `match` table of
/// struct literals, a `vec!` of enum values and a closure.
fn generated(bytes: usize) -> String {
    let mut out = String::from(
        "pub struct Rec { pub a: u32, pub b: &'static str, pub c: Option<u64> }\npub enum Op { A, B(u32), C { x: u8 } }\npub struct Gen;\n\nimpl Gen {\n",
    );
    let mut i = 0usize;
    while out.len() < bytes {
        out.push_str(&format!(
            "    pub fn f{i}(&self, x: u32) -> Rec {{\n        match x {{\n"
        ));
        for j in 0..8 {
            out.push_str(&format!(
                "            {j} => return Rec {{ a: {j}u32.wrapping_mul(x), b: \"s{i}_{j}\", c: Some({j} as u64) }},\n"
            ));
        }
        out.push_str(&format!(
            "            _ => {{}}\n        }}\n        let v = vec![Op::A, Op::B(x), Op::C {{ x: {} }}];\n        let _n = v.iter().map(|o| match o {{ Op::A => 1, Op::B(y) => *y, Op::C {{ x }} => *x as u32 }}).sum::<u32>();\n        Rec {{ a: x + {i}, b: \"default\", c: None }}\n    }}\n",
            i % 256
        ));
        i += 1;
    }
    out.push_str("}\n");
    out
}

/// A guard dropped at once: one `discarded-guard` finding.
const MARKER: &str = "fn marker(m: &std::sync::Mutex<u8>) { let _ = m.lock(); }\n";

/// 100 MB of generated code beside a small file, under a 4 GiB limit: the large
/// file is reported as too large to analyse, with its estimate, and the small
/// file's finding still comes out. (Parsing it would take about 18 GB.)
#[test]
fn a_file_too_large_to_analyse_is_reported_and_the_others_checked() {
    let dir = tempdir();
    write(dir.path(), "src/generated.rs", generated(100 << 20));
    write(dir.path(), "src/small.rs", MARKER);
    // The size limit is raised past the file, so that what refuses it is the
    // analysis budget, not the reading limit.
    let run = synclint_limited(
        dir.path(),
        &[
            "--format",
            "short",
            "--threads",
            "2",
            "--max-file-size",
            "200MiB",
            "src",
        ],
        4 << 20,
        Duration::from_secs(60),
    );
    assert_eq!(run.exit_code(), 2, "{run:#?}");
    assert!(
        run.stdout
            .contains("src/small.rs:1:39: warning[discarded-guard]"),
        "{run:#?}"
    );
    let problem = run
        .stdout
        .lines()
        .chain(run.stderr.lines())
        .find(|l| l.contains("src/generated.rs"))
        .unwrap_or_else(|| panic!("no problem for the large file\n{run:#?}"));
    assert!(
        problem.contains("too large to analyse") && problem.contains("`max_analysis_memory`"),
        "{problem}"
    );
}

/// The budget is configurable: a 1 MB file is refused under a 16 MiB budget and
/// analysed to its end under the default one.
#[test]
fn the_analysis_memory_budget_is_configurable() {
    let dir = tempdir();
    let text = format!("{}{MARKER}", generated(1 << 20));
    write(dir.path(), "src/generated.rs", &text);
    let marker_line = text.lines().count();
    let expected = format!("src/generated.rs:{marker_line}:39: warning[discarded-guard]");
    let args = ["--format", "short", "--threads", "2", "src"];
    let run = synclint_limited(dir.path(), &args, 4 << 20, Duration::from_secs(60));
    assert_eq!(run.exit_code(), 1, "{run:#?}");
    assert!(run.stdout.contains(&expected), "{run:#?}");
    write(
        dir.path(),
        "synclint.toml",
        "max_analysis_memory = \"16MiB\"\n",
    );
    let run = synclint_limited(dir.path(), &args, 4 << 20, Duration::from_secs(60));
    assert_eq!(run.exit_code(), 2, "{run:#?}");
    assert!(!run.stdout.contains("discarded-guard"), "{run:#?}");
    assert!(
        run.stdout.contains("too large to analyse") && run.stdout.contains("the budget is 16 MiB"),
        "{run:#?}"
    );
}

/// A package with no `edition` key is edition 2015, where anonymous trait-method
/// parameters and bare `Fn(..)` trait objects are valid. It is checked (a hazard
/// after them is found at its exact column); as edition 2021 the same text is a
/// parse error.
#[test]
fn valid_edition_2015_syntax_is_not_a_parse_error() {
    let dir = tempdir();
    let lib = "\
trait Hash {
    fn hash_word(&mut self, Self);
    fn write(&mut self, &[u8], usize) -> u64;
    fn first(u8, x: u32) -> u32 { x }
}

type Action = Fn(&u32) + Send + Sync;
pub struct Hooks { on_exit: Box<Fn(u8) -> u8 + Send>, on_drop: &'static Fn() }
fn call(f: &Fn(u8), g: &(FnMut() + Send)) {}
fn bound<F>(f: F) where F: Fn(u8) -> u8 { let p: fn(u8) -> u8 = f; }

fn marker(m: &std::sync::Mutex<u8>) { let _ = m.lock(); }
";
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"old\"\nversion = \"0.1.0\"\n",
    );
    write(dir.path(), "src/lib.rs", lib);
    let args = ["--format", "short", "--threads", "1", "."];
    let run = synclint_limited(dir.path(), &args, 4 << 20, Duration::from_secs(30));
    assert_eq!(run.exit_code(), 1, "{run:#?}");
    assert_eq!(
        run.stdout.trim_end(),
        "src/lib.rs:12:39: warning[discarded-guard]: `MutexGuard` on `m` is dropped at once: the critical section is empty",
        "{run:#?}"
    );
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"old\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    let run = synclint_limited(dir.path(), &args, 4 << 20, Duration::from_secs(30));
    assert_eq!(run.exit_code(), 2, "{run:#?}");
    assert!(
        run.stdout.contains("src/lib.rs:2:33: error[parse]"),
        "{run:#?}"
    );
}

/// A file whose own macros grow without end (each expansion writes its argument
/// twice and calls itself, and one rule repeats its argument hundreds of times),
/// beside a small file with a finding: the expansion stops at its bounds, the run
/// ends in time, and the small file's finding comes out.
#[test]
fn a_macro_that_grows_without_end_is_bounded() {
    let dir = tempdir();
    let arg = "x + ".repeat(2_000) + "x";
    let body = "$e ".repeat(500);
    let mut bomb = String::from(
        "macro_rules! d { ($e:expr) => { d!(($e, $e)) }; }\nmacro_rules! w { ($e:expr) => { (",
    );
    bomb.push_str(&body);
    bomb.push_str(") }; }\n");
    for i in 0..50 {
        bomb.push_str(&format!(
            "fn f{i}() {{ let a = d!(x); let b = w!({arg}); }}\n"
        ));
    }
    write(dir.path(), "src/bomb.rs", bomb);
    write(dir.path(), "src/small.rs", MARKER);
    let run = synclint_limited(
        dir.path(),
        &["--format", "short", "--threads", "2", "src"],
        2 << 20,
        Duration::from_secs(30),
    );
    assert_eq!(run.exit_code(), 1, "{run:#?}");
    assert!(
        run.stdout
            .contains("src/small.rs:1:39: warning[discarded-guard]"),
        "{run:#?}"
    );
    assert!(run.took < Duration::from_secs(30), "{:?}", run.took);
}
