//! End-to-end tests of the `synclint` and `cargo-synclint` binaries, in the manner of
//! ripgrep's `rgtest!`: each test writes files into a fresh temporary folder, runs the
//! built binary there and asserts its stdout, stderr and exit code.
//!
//! These tests do not check what each rule finds (that is `tests/fixtures.rs`); they
//! use one well-known hazard to see findings travel through every format. They never
//! touch the network or the real home folder: the binaries run with an empty
//! environment and `HOME` set to the temporary folder.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const SYNCLINT: &str = env!("CARGO_BIN_EXE_synclint");
const CARGO_SYNCLINT: &str = env!("CARGO_BIN_EXE_cargo-synclint");
/// The cargo that builds these tests; it needs no network for `metadata --no-deps`.
const CARGO: &str = env!("CARGO");

/// A guard held across `.await`: one `lock-across-await` finding at 1:48.
const HAZARD: &str =
    "async fn f(m: &std::sync::Mutex<u8>) { let g = m.lock().unwrap(); x().await; }\n";
const CLEAN: &str = "fn ok(m: &std::sync::Mutex<u8>) -> u8 { *m.lock().unwrap() }\n";
/// Does not parse: the error is on line 2.
const BROKEN: &str = "fn fine() {}\nfn broken() { let = 1; }\n";

/// A temporary folder to write files into and run the binaries in.
struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    fn new() -> Dir {
        Dir {
            tmp: tempfile::tempdir().expect("create a temporary folder"),
        }
    }

    fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// Writes `contents` to `rel`, creating folders as needed.
    fn create(&self, rel: &str, contents: impl AsRef<[u8]>) -> &Dir {
        let path = self.path().join(rel);
        std::fs::create_dir_all(
            path.parent()
                .expect("invariant: a joined path has a parent"),
        )
        .expect("create folders");
        std::fs::write(&path, contents).expect("write file");
        self
    }

    /// `synclint ARGS` run in this folder.
    fn synclint(&self, args: &[&str]) -> Run {
        self.run_in(SYNCLINT, ".", args)
    }

    /// `program ARGS` run in the subfolder `rel`.
    fn run_in(&self, program: &str, rel: &str, args: &[&str]) -> Run {
        let mut cmd = Command::new(program);
        cmd.args(args)
            .current_dir(self.path().join(rel))
            .env_clear()
            .env("HOME", self.path())
            // What cargo sets for its subcommands: `cargo synclint` runs
            // `cargo metadata` with it.
            .env("CARGO", CARGO)
            .stdin(Stdio::null());
        Run::from(cmd.output().expect("run the binary"))
    }
}

/// What a run printed and returned.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().expect("exited normally"),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Run {
    #[track_caller]
    fn code(&self, expected: i32) -> &Run {
        assert_eq!(self.code, expected, "exit code; the run was {self:#?}");
        self
    }

    #[track_caller]
    fn stdout_is(&self, expected: &str) -> &Run {
        assert_eq!(self.stdout, expected, "stdout; the run was {self:#?}");
        self
    }

    #[track_caller]
    fn stdout_has(&self, needle: &str) -> &Run {
        assert!(
            self.stdout.contains(needle),
            "stdout should contain {needle:?}; the run was {self:#?}"
        );
        self
    }

    #[track_caller]
    fn stdout_lacks(&self, needle: &str) -> &Run {
        assert!(
            !self.stdout.contains(needle),
            "stdout should not contain {needle:?}; the run was {self:#?}"
        );
        self
    }

    #[track_caller]
    fn stderr_is(&self, expected: &str) -> &Run {
        assert_eq!(self.stderr, expected, "stderr; the run was {self:#?}");
        self
    }

    #[track_caller]
    fn stderr_has(&self, needle: &str) -> &Run {
        assert!(
            self.stderr.contains(needle),
            "stderr should contain {needle:?}; the run was {self:#?}"
        );
        self
    }

    #[track_caller]
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}); the run was {self:#?}"))
    }
}

#[test]
fn clean_code_exits_0() {
    let dir = Dir::new();
    dir.create("src/lib.rs", CLEAN)
        .create("src/util.rs", "fn f() {}\n");
    dir.synclint(&[])
        .code(0)
        .stdout_is("no findings (2 files checked)\n")
        .stderr_is("");
    dir.synclint(&["--format", "short"])
        .code(0)
        .stdout_is("")
        .stderr_is("");
}

#[test]
fn findings_exit_1() {
    let dir = Dir::new();
    dir.create("src/lib.rs", HAZARD).create("src/ok.rs", CLEAN);
    dir.synclint(&["--format", "short"])
        .code(1)
        .stdout_has("src/lib.rs:1:48: warning[lock-across-await]: ")
        .stdout_lacks("ok.rs")
        .stderr_is("");
}

#[test]
fn missing_path_exits_2_and_names_it() {
    let dir = Dir::new();
    dir.create("src/lib.rs", CLEAN);
    dir.synclint(&["src", "no/such/place.rs"])
        .code(2)
        .stdout_is("")
        .stderr_has("`no/such/place.rs` does not exist")
        .stderr_has("synclint::path::not_found");
}

#[test]
fn unparsable_file_is_reported_and_the_others_still_checked() {
    let dir = Dir::new();
    dir.create("src/a_good.rs", CLEAN)
        .create("src/b_broken.rs", BROKEN)
        .create("src/c_hazard.rs", HAZARD);

    let run = dir.synclint(&[]);
    run.code(2)
        .stdout_has("synclint::parse")
        .stdout_has("cannot parse file")
        .stdout_has("[src/b_broken.rs:2:")
        .stdout_has("fn broken() { let = 1; }")
        .stdout_has("2 files checked, 1 file could not be checked")
        .stderr_is("");
    // The other files' findings are still printed.
    run.stdout_has("lock-across-await")
        .stdout_has("[src/c_hazard.rs:1:48]");

    dir.synclint(&["--format", "short"])
        .code(2)
        .stdout_has("src/b_broken.rs:2:")
        .stdout_has(": error[parse]: cannot parse file")
        .stdout_has("src/c_hazard.rs:1:48: warning[lock-across-await]: ");
}

#[test]
fn non_utf8_file_is_reported() {
    let dir = Dir::new();
    dir.create("src/latin1.rs", b"fn f() {}\n// caf\xe9\n")
        .create("src/ok.rs", CLEAN);
    dir.synclint(&["--format", "short"]).code(2).stdout_is(
        "src/latin1.rs: error[encoding]: file is not valid UTF-8 (invalid byte at line 2, column 7)\n",
    );
    dir.synclint(&[])
        .code(2)
        .stdout_has("synclint::io")
        .stdout_has("`src/latin1.rs`: file is not valid UTF-8")
        .stdout_has("1 file checked, 1 file could not be checked");
}

#[test]
fn human_format() {
    let dir = Dir::new();
    dir.create("src/lib.rs", HAZARD);
    let run = dir.synclint(&["--format", "human"]);
    run.code(1)
        .stdout_has("lock-across-await")
        .stdout_has("[src/lib.rs:1:48]")
        .stdout_has("still held at this `.await`")
        .stdout_has("run `synclint --explain lock-across-await`")
        .stdout_has("\n1 finding in 1 file (1 file checked)\n")
        .stderr_is("");
    assert!(
        !run.stdout.contains('\u{1b}'),
        "no colour when stdout is not a terminal: {run:#?}"
    );
}

#[test]
fn short_format() {
    let dir = Dir::new();
    dir.create("src/a.rs", HAZARD).create("src/b.rs", HAZARD);
    let run = dir.synclint(&["--format", "short"]);
    run.code(1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{run:#?}");
    assert!(lines[0].starts_with("src/a.rs:1:48: warning[lock-across-await]: "));
    assert!(lines[1].starts_with("src/b.rs:1:48: warning[lock-across-await]: "));
}

#[test]
fn json_format() {
    let dir = Dir::new();
    dir.create("src/a.rs", HAZARD)
        .create("src/broken.rs", BROKEN)
        .create("src/latin1.rs", b"// \xff\n");
    let run = dir.synclint(&["--format", "json"]);
    run.code(2).stderr_is("");
    let v = run.json();
    assert_eq!(v["version"], 1);

    let findings = v["findings"].as_array().expect("findings array");
    assert_eq!(findings.len(), 1, "{v:#}");
    let f = &findings[0];
    assert_eq!(f["rule"], "lock-across-await");
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["file"], "src/a.rs");
    assert_eq!(
        (&f["line"], &f["column"]),
        (&Value::from(1), &Value::from(48))
    );
    assert_eq!(f["end_line"], 1);
    assert!(f["end_column"].as_u64() > Some(48), "{f:#}");
    assert!(f["message"]
        .as_str()
        .is_some_and(|m| m.contains("`.await`")));
    assert!(f["help"].is_string());
    let labels = f["labels"].as_array().expect("labels array");
    assert!(
        labels.iter().any(|l| l["file"] == "src/a.rs"
            && l["line"] == 1
            && l["column"] == 70
            && l["message"] == "still held at this `.await`"),
        "{f:#}"
    );

    let errors = v["errors"].as_array().expect("errors array");
    assert_eq!(errors.len(), 2, "{v:#}");
    assert_eq!(errors[0]["file"], "src/broken.rs");
    assert_eq!(errors[0]["line"], 2);
    assert!(errors[0]["column"].is_u64());
    assert!(errors[0]["message"]
        .as_str()
        .is_some_and(|m| m.starts_with("cannot parse file")));
    assert_eq!(errors[1]["file"], "src/latin1.rs");
    assert!(errors[1]["line"].is_null() && errors[1]["column"].is_null());
}

#[test]
fn json_format_when_clean() {
    let dir = Dir::new();
    dir.create("lib.rs", CLEAN);
    dir.synclint(&["--format", "json"])
        .code(0)
        .stdout_is("{\"version\":1,\"findings\":[],\"errors\":[]}\n");
}

#[test]
fn levels_and_rule_selection() {
    let dir = Dir::new();
    dir.create("src/lib.rs", HAZARD);
    dir.synclint(&["--format", "short", "--deny", "lock-across-await"])
        .code(1)
        .stdout_has("error[lock-across-await]");
    dir.synclint(&["--allow", "lock-across-await"])
        .code(0)
        .stdout_is("no findings (1 file checked)\n");
    // The last of `--allow`/`--warn`/`--deny` wins.
    dir.synclint(&[
        "--format",
        "short",
        "--allow",
        "lock-across-await",
        "--warn",
        "lock-across-await",
    ])
    .code(1)
    .stdout_has("warning[lock-across-await]");
    dir.synclint(&["--rule", "discarded-guard"]).code(0);
    dir.synclint(&["--format", "short", "--rule", "lock-across-await"])
        .code(1)
        .stdout_has("[lock-across-await]");
}

#[test]
fn explain_prints_the_rule_page() {
    let dir = Dir::new();
    let run = dir.synclint(&["--explain", "lock-across-await"]);
    run.code(0).stderr_is("");
    assert!(run.stdout.starts_with("# lock-across-await\n"), "{run:#?}");
    run.stdout_has("## What it flags");
}

#[test]
fn list_rules_prints_aligned_columns() {
    let dir = Dir::new();
    let run = dir.synclint(&["--list-rules"]);
    run.code(0)
        .stderr_is("")
        .stdout_has("lock-across-await ")
        .stdout_has("discarded-guard ");
    let level_columns: Vec<usize> = run
        .stdout
        .lines()
        .map(|line| {
            let id_end = line.find(' ').expect("id then spaces");
            id_end + line[id_end..].find(|c| c != ' ').expect("a level")
        })
        .collect();
    assert!(level_columns.len() >= 4, "{run:#?}");
    assert!(
        level_columns.windows(2).all(|w| w[0] == w[1]),
        "levels aligned: {run:#?}"
    );
    for line in run.stdout.lines() {
        let level = line[level_columns[0]..].split(' ').next();
        assert!(matches!(level, Some("warn" | "deny" | "allow")), "{line:?}");
    }
}

#[test]
fn unknown_rule_ids_suggest_the_closest() {
    let dir = Dir::new();
    dir.create("lib.rs", CLEAN);
    for flag in ["--rule", "--allow", "--warn", "--deny", "--explain"] {
        dir.synclint(&[flag, "lock-across-awiat"])
            .code(2)
            .stdout_is("")
            .stderr_has("unknown rule `lock-across-awiat`")
            .stderr_has("did you mean `lock-across-await`?")
            .stderr_has("synclint::rule::unknown");
    }
    dir.synclint(&["--allow", "zzz"])
        .code(2)
        .stderr_has("synclint --list-rules");
}

#[test]
fn usage_errors_exit_2() {
    let dir = Dir::new();
    dir.synclint(&["--format", "xml"])
        .code(2)
        .stderr_has("--format");
    dir.synclint(&["--edition", "2019"]).code(2);
    dir.synclint(&["--threads", "0"]).code(2);
    dir.synclint(&["--no-such-flag"]).code(2);
}

#[test]
fn help_and_version_exit_0() {
    let dir = Dir::new();
    dir.synclint(&["--help"])
        .code(0)
        .stdout_has("--list-rules")
        .stdout_has("--explain <ID>");
    dir.synclint(&["--version"])
        .code(0)
        .stdout_has(env!("CARGO_PKG_VERSION"));
}

#[test]
fn thread_count_does_not_change_output() {
    let dir = Dir::new();
    for i in 0..40 {
        let text = match i % 4 {
            0 => HAZARD,
            1 => CLEAN,
            2 => BROKEN,
            _ => "async fn g(m: &std::sync::Mutex<u8>) {\n    let a = m.lock().unwrap();\n    y().await;\n    z().await;\n}\n",
        };
        dir.create(&format!("src/m{}/f{i}.rs", i % 3), text);
    }
    for format in ["human", "short", "json"] {
        let one = dir.synclint(&["--format", format, "--threads", "1"]);
        let eight = dir.synclint(&["--format", format, "--threads", "8"]);
        one.code(2);
        assert_eq!(one.stdout, eight.stdout, "--format {format}");
        assert_eq!(one.stderr, eight.stderr, "--format {format}");
        assert_eq!(one.code, eight.code, "--format {format}");
    }
}

#[test]
fn walks_folders_but_skips_target_git_and_hidden() {
    let dir = Dir::new();
    dir.create("src/lib.rs", CLEAN)
        .create("target/debug/build/out.rs", BROKEN)
        .create(".git/x.rs", BROKEN)
        .create(".cache/y.rs", BROKEN)
        .create("notes.txt", BROKEN);
    dir.synclint(&[])
        .code(0)
        .stdout_is("no findings (1 file checked)\n");
    // A hidden folder named explicitly is walked.
    dir.synclint(&["--format", "short", ".cache"])
        .code(2)
        .stdout_has(".cache/y.rs:2:");
}

#[test]
fn explicit_files_are_checked() {
    let dir = Dir::new();
    dir.create("a.rs", HAZARD).create("b.rs", BROKEN);
    dir.synclint(&["--format", "short", "a.rs"])
        .code(1)
        .stdout_has("a.rs:1:48: warning[lock-across-await]");
    dir.synclint(&["--format", "short", "./a.rs", "a.rs"])
        .code(1)
        .stdout_has("a.rs:1:48: warning[lock-across-await]");
}

#[test]
fn manifests_do_not_break_the_run() {
    // Editions come from `Cargo.toml` (unit-tested in `discover.rs`); a malformed
    // manifest, a workspace-inherited edition and `--edition` all still check files.
    let dir = Dir::new();
    dir.create(
        "Cargo.toml",
        "[workspace]\n[workspace.package]\nedition = \"2024\"\n",
    )
    .create(
        "a/Cargo.toml",
        "[package]\nname = \"a\"\nedition.workspace = true\n",
    )
    .create("a/src/lib.rs", CLEAN)
    .create("b/Cargo.toml", "[package\nthis is not toml")
    .create("b/src/lib.rs", CLEAN);
    dir.synclint(&[])
        .code(0)
        .stdout_is("no findings (2 files checked)\n");
    dir.synclint(&["--edition", "2018"]).code(0);
}

/// An `if let` scrutinee guard alive in `else` in edition 2021, dropped before it in
/// 2024.
const IF_LET_ELSE: &str = "\
use std::sync::Mutex;
async fn f(m: &Mutex<Option<u32>>) {
    if let Some(v) = m.lock().unwrap().as_ref() {
        let _ = v;
    } else {
        g().await;
    }
}
";

#[test]
fn edition_comes_from_the_nearest_manifest() {
    let dir = Dir::new();
    dir.create(
        "Cargo.toml",
        "[workspace]\nmembers = [\"*\"]\n[workspace.package]\nedition = \"2024\"\n",
    )
    .create(
        "new/Cargo.toml",
        "[package]\nname = \"new\"\nedition = \"2024\"\n",
    )
    .create("new/src/lib.rs", IF_LET_ELSE)
    .create(
        "inherited/Cargo.toml",
        "[package]\nname = \"inherited\"\nedition.workspace = true\n",
    )
    .create("inherited/src/lib.rs", IF_LET_ELSE)
    .create(
        "old/Cargo.toml",
        "[package]\nname = \"old\"\nedition = \"2021\"\n",
    )
    .create("old/src/lib.rs", IF_LET_ELSE);
    dir.synclint(&["--format", "short"])
        .code(1)
        .stdout_has("old/src/lib.rs:3:")
        .stdout_lacks("new/src/lib.rs")
        .stdout_lacks("inherited/src/lib.rs");
    // `--edition` overrides every manifest.
    dir.synclint(&["--format", "short", "--edition", "2021"])
        .code(1)
        .stdout_has("new/src/lib.rs:3:")
        .stdout_has("inherited/src/lib.rs:3:");
    dir.synclint(&["--edition", "2024"]).code(0);
}

fn tiny_package(dir: &Dir) {
    dir.create(
        "pkg/Cargo.toml",
        "[package]\nname = \"pkg\"\nedition = \"2021\"\n",
    )
    .create("pkg/src/lib.rs", HAZARD)
    .create("pkg/src/bin/tool.rs", CLEAN)
    .create("pkg/tests/it.rs", HAZARD)
    .create("pkg/build.rs", "fn main() {}\n")
    // Not part of what `cargo synclint` checks by default.
    .create("pkg/scratch/wip.rs", BROKEN);
}

#[test]
fn cargo_synclint_checks_the_package_around_the_cwd() {
    let dir = Dir::new();
    tiny_package(&dir);
    dir.run_in(CARGO_SYNCLINT, "pkg", &["synclint", "--format", "short"])
        .code(1)
        .stdout_is(
            &dir.run_in(
                SYNCLINT,
                "pkg",
                &["--format", "short", "src", "tests", "build.rs"],
            )
            .stdout,
        )
        .stdout_has("src/lib.rs:1:48: warning[lock-across-await]")
        .stdout_has("tests/it.rs:1:48: warning[lock-across-await]")
        .stdout_lacks("scratch");
    // From a subfolder, paths are shown relative to where it runs.
    dir.run_in(
        CARGO_SYNCLINT,
        "pkg/src/bin",
        &["synclint", "--format", "short"],
    )
    .code(1)
    .stdout_has("../lib.rs:1:48: warning[lock-across-await]")
    .stdout_has("../../tests/it.rs:1:48:");
    // Run directly, without the `synclint` argument cargo adds.
    dir.run_in(CARGO_SYNCLINT, "pkg", &["--format", "short"])
        .code(1)
        .stdout_has("src/lib.rs:1:48:");
    // Named paths are checked instead of the package.
    dir.run_in(CARGO_SYNCLINT, "pkg", &["synclint", "scratch"])
        .code(2)
        .stdout_has("scratch/wip.rs");
    dir.run_in(CARGO_SYNCLINT, "pkg", &["synclint", "--help"])
        .code(0)
        .stdout_has("cargo synclint");
}

#[test]
fn cargo_synclint_outside_a_package_exits_2() {
    let dir = Dir::new();
    dir.create("loose/x.rs", CLEAN);
    let inside_a_package = dir
        .path()
        .ancestors()
        .any(|d| d.join("Cargo.toml").is_file());
    if inside_a_package {
        // The temporary folder lies inside some package on this machine, so there is
        // no "outside" to test from.
        return;
    }
    dir.run_in(CARGO_SYNCLINT, "loose", &["synclint"])
        .code(2)
        .stderr_has("no `Cargo.toml`")
        .stderr_has("synclint::cargo::no_manifest");
}

/// `synclint ... | head -0`: a closed stdout ends the run quietly with 0, even when
/// there were findings or file problems to report.
#[cfg(unix)]
#[test]
fn broken_pipe_exits_0_quietly() {
    use std::os::fd::OwnedFd;
    use std::os::unix::net::UnixStream;

    let dir = Dir::new();
    for i in 0..50 {
        dir.create(&format!("src/f{i}.rs"), HAZARD);
    }
    dir.create("src/zz_broken.rs", BROKEN);
    for args in [
        &[][..],
        &["--format", "short"],
        &["--format", "json"],
        &["--list-rules"],
        &["--explain", "lock-across-await"],
    ] {
        // The reading end is closed before the child starts, so its first write
        // fails with a broken pipe whatever the timing.
        let (writer, reader) = UnixStream::pair().expect("socket pair");
        drop(reader);
        let out = Command::new(SYNCLINT)
            .args(args)
            .current_dir(dir.path())
            .env_clear()
            .env("HOME", dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::from(OwnedFd::from(writer)))
            .stderr(Stdio::piped())
            .output()
            .expect("run the binary");
        let run = Run::from(out);
        run.code(0).stderr_is("");
    }
}
