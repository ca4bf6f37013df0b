//! End-to-end tests of the `synclint` and `cargo-synclint` binaries, in the manner of
//! ripgrep's `rgtest!`: each test writes files into a fresh temporary folder, runs the
//! built binary there and asserts its stdout, stderr and exit code.
//!
//! These tests do not check what each rule finds (that is `tests/fixtures.rs`); they
//! use one well-known hazard to see findings travel through every format. They never
//! touch the network or the real home folder: the binaries run with an empty
//! environment and `HOME` set to the temporary folder.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use support::bin::{self, Run, CARGO, CARGO_SYNCLINT, CLEAN, HAZARD, SYNCLINT};

/// Does not parse: the error is on line 2.
const BROKEN: &str = "fn fine() {}\nfn broken() { let = 1; }\n";

/// The longest one run may take: a hang fails the test rather than stalling it.
const LIMIT: Duration = Duration::from_secs(600);

/// A temporary folder to write files into and run the binaries in.
struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    fn new() -> Dir {
        Dir {
            tmp: bin::tempdir(),
        }
    }

    fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// Writes `contents` to `rel`, creating folders as needed.
    fn create(&self, rel: &str, contents: impl AsRef<[u8]>) -> &Dir {
        bin::write(self.path(), rel, contents);
        self
    }

    /// `synclint ARGS` run in this folder.
    fn synclint(&self, args: &[&str]) -> Run {
        self.run_in(SYNCLINT, ".", args)
    }

    /// `program ARGS` run in the subfolder `rel`.
    fn run_in(&self, program: &str, rel: &str, args: &[&str]) -> Run {
        let mut cmd = bin::command(program, &self.path().join(rel), args);
        cmd.env("HOME", self.path())
            // What cargo sets for its subcommands; synclint runs nothing with it
            // (tests/hostile_discovery.rs sets it to a trap).
            .env("CARGO", CARGO);
        bin::run(cmd, LIMIT)
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
    assert_eq!(v["version"], 2);

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
        .stdout_is("{\"version\":2,\"findings\":[],\"errors\":[]}\n");
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
        assert!(matches!(level, Some("warn" | "deny" | "off")), "{line:?}");
    }
}

#[test]
fn opt_in_rules_are_off_until_turned_on() {
    let dir = Dir::new();
    dir.create(
        "src/lib.rs",
        "use std::sync::atomic::{AtomicUsize, Ordering};\n\
         pub struct C { n: AtomicUsize }\n\
         impl C {\n    pub fn bump(&self) {\n        let v = self.n.load(Ordering::SeqCst);\n        self.n.store(v + 1, Ordering::SeqCst);\n    }\n}\n",
    );
    let listed = dir.synclint(&["--list-rules"]);
    let line = listed
        .stdout
        .lines()
        .find(|l| l.starts_with("split-atomic-update "))
        .expect("the rule is listed");
    assert!(line.contains(" off "), "{line:?}");
    dir.synclint(&["--format", "short", "src"])
        .code(0)
        .stdout_is("");
    for flags in [
        &["--rule", "split-atomic-update"][..],
        &["--warn", "split-atomic-update"][..],
    ] {
        let mut args = flags.to_vec();
        args.extend(["--format", "short", "src"]);
        dir.synclint(&args)
            .code(1)
            .stdout_has("warning[split-atomic-update]");
    }
    dir.create("synclint.toml", "[rules]\nsplit-atomic-update = \"deny\"\n");
    dir.synclint(&["--format", "short", "src"])
        .code(1)
        .stdout_has("error[split-atomic-update]");
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

/// The messages of a JSON report, sorted: what was found, whatever the paths look like.
fn messages(run: &Run) -> Vec<String> {
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("a JSON report");
    let mut out: Vec<String> = report["findings"]
        .as_array()
        .expect("a findings array")
        .iter()
        .map(|f| format!("{} {}", f["rule"], f["message"]))
        .collect();
    out.sort();
    out
}

#[test]
fn a_package_named_by_a_relative_path_is_read_as_by_an_absolute_one() {
    // Two test binaries of one package: each is its own process, so a variable set in
    // one and read in the other is not shared. Named as `pkg` (relative to the working
    // directory), the files' places in the package must still be found.
    let dir = Dir::new();
    dir.create(
        "pkg/Cargo.toml",
        "[package]\nname = \"pkg\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .create("pkg/src/lib.rs", "pub fn f() {}\n")
    .create(
        "pkg/tests/a.rs",
        "#[test]\nfn sets() { std::env::set_var(\"PKG_MODE\", \"1\"); }\n",
    )
    .create(
        "pkg/tests/b.rs",
        "#[test]\nfn reads() { let _ = std::env::var(\"PKG_MODE\"); }\n",
    );
    let abs = dir.path().join("pkg");
    let abs = abs.to_str().expect("a UTF-8 temporary path");
    let relative = dir.synclint(&["--format", "json", "--rule", "test-shared-state", "pkg"]);
    let absolute = dir.synclint(&["--format", "json", "--rule", "test-shared-state", abs]);
    relative.code(0);
    absolute.code(0);
    assert_eq!(messages(&relative), messages(&absolute));
    let inside = dir.run_in(
        SYNCLINT,
        "pkg",
        &["--format", "json", "--rule", "test-shared-state", "tests"],
    );
    inside.code(0);
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
        let run = Run::from_output(out);
        run.code(0).stderr_is("");
    }
}

/// The same code in two packages gives different findings when their editions differ.
fn two_member_workspace(dir: &Dir) {
    dir.create(
        "Cargo.toml",
        "[workspace]\nmembers = [\"a\", \"b\"]\nresolver = \"2\"\n",
    )
    .create(
        "a/Cargo.toml",
        "[package]\nname = \"a\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .create("a/src/lib.rs", IF_LET_ELSE)
    // A build script is read, never run: it would leave `ran` behind.
    .create(
        "a/build.rs",
        format!("fn main() {{ std::fs::write(\"ran\", \"\").unwrap(); }}\n{HAZARD}"),
    )
    .create(
        "b/Cargo.toml",
        "[package]\nname = \"b\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[[bin]]\nname = \"tool\"\npath = \"tools/main.rs\"\n",
    )
    .create("b/src/lib.rs", IF_LET_ELSE)
    .create("b/tools/main.rs", format!("fn main() {{}}\n{HAZARD}"))
    // Not part of any target: not checked.
    .create("b/scratch/wip.rs", HAZARD);
}

#[test]
fn cargo_synclint_reads_the_workspace_from_its_manifests() {
    let dir = Dir::new();
    two_member_workspace(&dir);
    let cargo_synclint = |rel: &str, args: &[&str]| {
        let mut all = vec!["synclint", "--format", "short"];
        all.extend_from_slice(args);
        dir.run_in(CARGO_SYNCLINT, rel, &all)
    };
    // At the root of a virtual workspace: every default member, each with its own
    // edition (the `if let` guard lives in `else` in 2021 only).
    let run = cargo_synclint(".", &[]);
    run.code(1)
        .stdout_has("a/src/lib.rs:3:")
        .stdout_has("a/build.rs:2:48: warning[lock-across-await]")
        .stdout_has("b/tools/main.rs:2:48: warning[lock-across-await]")
        .stdout_lacks("b/src/lib.rs")
        .stdout_lacks("scratch");
    assert_eq!(run.stdout.lines().count(), 3, "{run:#?}");
    assert!(!dir.path().join("a/ran").exists(), "build.rs was run");
    // Inside a member: that package; `--workspace`: all of them.
    cargo_synclint("a", &[])
        .code(1)
        .stdout_has("src/lib.rs:3:")
        .stdout_lacks("tools");
    cargo_synclint("a", &["--workspace"])
        .code(1)
        .stdout_has("../b/tools/main.rs:2:48:");
    cargo_synclint(".", &["-p", "b"])
        .code(1)
        .stdout_is(&cargo_synclint(".", &["--manifest-path", "b/Cargo.toml"]).stdout)
        .stdout_has("b/tools/main.rs")
        .stdout_lacks("a/");
    cargo_synclint(".", &["--package", "a", "-p", "b"])
        .code(1)
        .stdout_has("a/build.rs")
        .stdout_has("b/tools/main.rs");
    // The plain binary takes the same flags.
    dir.synclint(&["--format", "short", "-p", "a"])
        .code(1)
        .stdout_has("a/build.rs");
    cargo_synclint(".", &["-p", "bb"])
        .code(2)
        .stderr_has("package `bb` is not in this workspace")
        .stderr_has("did you mean `b`?")
        .stderr_has("synclint::cargo::unknown_package");
    cargo_synclint(".", &["--manifest-path", "nope/Cargo.toml"])
        .code(2)
        .stderr_has("`nope/Cargo.toml` does not exist");
    dir.synclint(&["--workspace", "a"])
        .code(2)
        .stderr_has("cannot be used with");
}

#[test]
fn cargo_synclint_follows_default_members_and_reports_workspace_errors() {
    let dir = Dir::new();
    two_member_workspace(&dir);
    dir.create(
        "Cargo.toml",
        "[workspace]\nmembers = [\"a\", \"b\"]\ndefault-members = [\"b\"]\nresolver = \"2\"\n",
    );
    dir.run_in(CARGO_SYNCLINT, ".", &["synclint", "--format", "short"])
        .code(1)
        .stdout_has("b/tools/main.rs")
        .stdout_lacks("a/");
    dir.create("Cargo.toml", "[workspace]\nmembers = [\"missing\"]\n");
    dir.run_in(CARGO_SYNCLINT, ".", &["synclint"])
        .code(2)
        .stderr_has("member `missing` has no `Cargo.toml`")
        .stderr_has("synclint::cargo::workspace");
}

#[test]
fn each_member_is_its_own_crate() {
    // Files of one package are one crate; the library reports the package root.
    let dir = Dir::new();
    two_member_workspace(&dir);
    let config = synclint::Config::default();
    let files =
        synclint::discover::discover(&[dir.path().to_path_buf()], &config).expect("discover");
    let krate_of = |rel: &str| {
        files
            .iter()
            .find(|f| f.path.ends_with(rel))
            .and_then(|f| f.krate.clone())
            .map(|k| k.file_name().map(|n| n.to_string_lossy().into_owned()))
    };
    assert_eq!(krate_of("a/src/lib.rs"), Some(Some("a".to_string())));
    assert_eq!(krate_of("a/build.rs"), Some(Some("a".to_string())));
    assert_eq!(krate_of("b/tools/main.rs"), Some(Some("b".to_string())));
    assert_eq!(krate_of("b/scratch/wip.rs"), None);
}

#[test]
fn config_typo_in_rule_id_exits_2_with_a_label_on_it() {
    let dir = Dir::new();
    dir.create("src/lib.rs", HAZARD).create(
        "synclint.toml",
        "exclude = []\n\n[rules]\nlock-across-awiat = \"deny\"\n",
    );
    dir.synclint(&[])
        .code(2)
        .stdout_is("")
        .stderr_has("synclint::config::unknown_rule")
        .stderr_has("unknown rule `lock-across-awiat`")
        .stderr_has("[synclint.toml:4:1]")
        .stderr_has(" 4 │ lock-across-awiat = \"deny\"\n   · ────────┬────────\n   ·         ╰── not a rule id")
        .stderr_has("help: did you mean `lock-across-await`?");
}

#[test]
fn config_unknown_keys_and_bad_values_exit_2() {
    let dir = Dir::new();
    dir.create("src/lib.rs", HAZARD);
    dir.create("synclint.toml", "exclud = [\"gen\"]\n");
    dir.synclint(&[])
        .code(2)
        .stderr_has("synclint::config::unknown_key")
        .stderr_has("unknown key `exclud`")
        .stderr_has("did you mean `exclude`?")
        .stderr_has("╰── unknown key");
    dir.create(
        "synclint.toml",
        "[[blocking_method]]\nname = \"wait\"\nargs = 0\nreceiver = [\"Device\"]\n",
    );
    dir.synclint(&[])
        .code(2)
        .stderr_has("did you mean `receivers`?");
    dir.create("synclint.toml", "[rules]\ndiscarded-guard = \"off\"\n");
    dir.synclint(&[])
        .code(2)
        .stderr_has("synclint::config::invalid_value")
        .stderr_has("must be `allow`, `warn` or `deny`");
    dir.create("synclint.toml", "[rules\n");
    dir.synclint(&[])
        .code(2)
        .stderr_has("synclint::config::syntax");
    // The same checks apply to the metadata table of a manifest.
    std::fs::remove_file(dir.path().join("synclint.toml")).expect("remove");
    dir.create(
        "Cargo.toml",
        "[package]\nname = \"p\"\n\n[package.metadata.synclint]\nrule = {}\n",
    );
    dir.synclint(&[])
        .code(2)
        .stderr_has("[Cargo.toml:5:1]")
        .stderr_has("did you mean `rules`?");
}

#[test]
fn every_config_error_of_a_file_is_reported_at_once() {
    let dir = Dir::new();
    dir.create("src/lib.rs", HAZARD).create(
        "synclint.toml",
        "exclud = [\"gen\"]\nmax_file_size = \"ten\"\n\n[rules]\nlock-across-awiat = \"deny\"\ndouble-lock = \"forbid\"\n\n[[guard_method]]\nname = \"x\"\nkind = \"mutx\"\n",
    );
    let run = dir.synclint(&[]);
    run.code(2)
        .stdout_is("")
        .stderr_has("unknown key `exclud` in the configuration (and 4 more errors in the file)");
    // Each in the order of the file, with its own place and help.
    let order = [
        "[synclint.toml:1:1]",
        "[synclint.toml:2:17]",
        "[synclint.toml:5:1]",
        "did you mean `lock-across-await`?",
        "[synclint.toml:6:15]",
        "[synclint.toml:10:8]",
        "did you mean `mutex`?",
    ];
    let mut from = 0;
    for needle in order {
        let at = run.stderr[from..]
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} after byte {from}:\n{}", run.stderr));
        from += at + needle.len();
    }
    // Fixed one by one, the count goes down; the file is read again each run.
    dir.create("synclint.toml", "exclud = []\nexcludd = []\n");
    dir.synclint(&[])
        .code(2)
        .stderr_has("unknown key `exclud` in the configuration (and 1 more error in the file)")
        .stderr_has("unknown key `excludd`");
    dir.create("synclint.toml", "exclude = []\n");
    dir.synclint(&["--format", "short"]).code(1);
}

#[test]
fn config_sets_levels_excludes_and_is_found_upward() {
    let dir = Dir::new();
    dir.create("src/lib.rs", HAZARD)
        .create("src/gen/out.rs", HAZARD)
        .create(
            "synclint.toml",
            "exclude = [\"src/gen\"]\n\n[rules]\nlock-across-await = \"deny\"\n",
        );
    dir.synclint(&["--format", "short"]).code(1).stdout_is(
        "src/lib.rs:1:48: error[lock-across-await]: `MutexGuard` on `m` held across an `.await`\n",
    );
    // Found from a subfolder too; flags win over the file.
    dir.run_in(
        SYNCLINT,
        "src",
        &["--format", "short", "--warn", "lock-across-await"],
    )
    .code(1)
    .stdout_is(
        "lib.rs:1:48: warning[lock-across-await]: `MutexGuard` on `m` held across an `.await`\n",
    );
    // Named files are excluded too, so that pre-commit skips generated code.
    dir.synclint(&["--format", "short", "src/gen/out.rs"])
        .code(0)
        .stdout_is("");
    // `--config` names another file.
    dir.create("other.toml", "[rules]\nlock-across-await = \"allow\"\n");
    dir.synclint(&["--config", "other.toml"]).code(0);
    dir.synclint(&["--config", "missing.toml"])
        .code(2)
        .stderr_has("cannot read `missing.toml`");
}

#[test]
fn config_in_cargo_metadata_tables() {
    let dir = Dir::new();
    dir.create(
        "Cargo.toml",
        "[workspace]\nmembers = [\"p\"]\nresolver = \"2\"\n\n[workspace.metadata.synclint.rules]\nlock-across-await = \"deny\"\n",
    )
    .create(
        "p/Cargo.toml",
        "[package]\nname = \"p\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .create("p/src/lib.rs", HAZARD);
    dir.run_in(CARGO_SYNCLINT, ".", &["synclint", "--format", "short"])
        .code(1)
        .stdout_has("error[lock-across-await]");
    // A package's own table comes first.
    dir.create(
        "p/Cargo.toml",
        "[package]\nname = \"p\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[package.metadata.synclint]\nexclude = [\"src/lib.rs\"]\n",
    );
    dir.run_in(SYNCLINT, "p", &["--format", "short"])
        .code(0)
        .stdout_is("");
    dir.run_in(CARGO_SYNCLINT, "p", &["synclint", "--format", "short"])
        .code(0)
        .stdout_is("");
}

#[test]
fn config_extends_the_lock_and_blocking_tables() {
    let dir = Dir::new();
    dir.create(
        "src/lib.rs",
        "use my_rt::Mutex;\n\
         async fn f(m: &Mutex<u8>) {\n    let g = m.lock().unwrap();\n    x().await;\n}\n\
         async fn h(m: &Dev) {\n    let g = m.acquire();\n    x().await;\n}\n\
         async fn k() {\n    mycrate::wait_ready();\n}\n\
         async fn b(d: &Device) {\n    d.spin_until_ready();\n}\n",
    );
    dir.synclint(&["--format", "short"])
        .code(1)
        .stdout_is("src/lib.rs:3:13: warning[lock-across-await]: `MutexGuard` on `m` held across an `.await`\n");
    dir.create(
        "synclint.toml",
        "async_locks = [\"my_rt::Mutex\"]\n\n\
         [[guard_method]]\nname = \"acquire\"\nkind = \"mutex\"\n\n\
         [[blocking_function]]\npath = \"mycrate::wait_ready\"\nwhy = \"waits for the device\"\n\n\
         [[blocking_method]]\nname = \"spin_until_ready\"\nargs = 0\nreceivers = [\"Device\"]\n",
    );
    let run = dir.synclint(&["--format", "short"]);
    run.code(1)
        .stdout_lacks("src/lib.rs:3:")
        .stdout_has("src/lib.rs:7:13: warning[lock-across-await]")
        .stdout_has("src/lib.rs:11:5: warning[blocking-in-async]: blocking call in async code: `mycrate::wait_ready` waits for the device")
        .stdout_has("src/lib.rs:14:7: warning[blocking-in-async]");
    assert_eq!(run.stdout.lines().count(), 3, "{run:#?}");
}

const ALLOWED: &str = "\
async fn above(m: &std::sync::Mutex<u8>) {
    // synclint::allow(lock-across-await): only taken at startup
    let g = m.lock().unwrap();
    x().await;
}
async fn same_line(m: &std::sync::Mutex<u8>) {
    let g = m.lock().unwrap(); // synclint::allow(lock-across-await): startup only
    x().await;
}
// synclint::allow(lock-across-await): the whole function is startup code
#[allow(unused)]
async fn item(m: &std::sync::Mutex<u8>, n: &std::sync::Mutex<u8>) {
    let a = m.lock().unwrap();
    x().await;
    drop(a);
    let b = n.lock().unwrap();
    x().await;
}
";

#[test]
fn allow_comments_silence_findings() {
    let dir = Dir::new();
    dir.create("src/lib.rs", ALLOWED);
    dir.synclint(&[])
        .code(0)
        .stdout_is("no findings (1 file checked)\n");
}

#[test]
fn allow_without_a_reason_is_a_finding() {
    let dir = Dir::new();
    dir.create(
        "src/lib.rs",
        "async fn f(m: &std::sync::Mutex<u8>) {\n    // synclint::allow(lock-across-await)\n    let g = m.lock().unwrap();\n    x().await;\n}\n",
    );
    dir.synclint(&["--format", "short"]).code(1).stdout_is(
        "src/lib.rs:2:8: warning[allow-without-reason]: allow comment without a reason\n",
    );
    dir.synclint(&["--allow", "allow-without-reason"]).code(0);
    dir.synclint(&["--explain", "allow-without-reason"])
        .code(0)
        .stdout_has("# allow-without-reason");
}

#[test]
fn unused_allow_is_a_finding() {
    let dir = Dir::new();
    dir.create(
        "src/lib.rs",
        "// synclint::allow(lock-across-await): nothing here any more\nfn f() {}\n\
         // synclint::allow(lock-acros-await): a typo\nfn g() {}\n\
         // synclint::allow(discarded-guard): not run when allowed\nfn h() {}\n",
    );
    dir.synclint(&["--format", "short", "--allow", "discarded-guard"])
        .code(1)
        .stdout_is(
            "src/lib.rs:1:20: warning[unused-allow]: allow comment for `lock-across-await` silences nothing\n\
             src/lib.rs:3:20: warning[unused-allow]: allow comment names unknown rule `lock-acros-await`\n",
        );
    dir.synclint(&[])
        .code(1)
        .stdout_has("help: did you mean `lock-across-await`?");
    dir.create("synclint.toml", "[rules]\nunused-allow = \"allow\"\n");
    dir.synclint(&[]).code(0);
}

#[test]
fn baseline_reports_only_new_findings_and_survives_edits() {
    let dir = Dir::new();
    dir.create("src/lib.rs", HAZARD);
    dir.synclint(&["--write-baseline", "synclint-baseline.json"])
        .code(0)
        .stdout_is("")
        .stderr_is("recorded 1 finding in `synclint-baseline.json`\n");
    let baseline: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("synclint-baseline.json")).expect("written"),
    )
    .expect("json");
    assert_eq!(baseline["version"], 1);
    assert_eq!(baseline["findings"][0]["file"], "src/lib.rs");
    assert_eq!(baseline["findings"][0]["rule"], "lock-across-await");
    dir.synclint(&["--baseline", "synclint-baseline.json"])
        .code(0)
        .stdout_is("no findings (1 file checked, 1 finding hidden by the baseline)\n");

    // Lines inserted above the finding: it still matches.
    dir.create(
        "src/lib.rs",
        format!("use std::sync::Mutex;\n\n// notes\n{HAZARD}"),
    );
    dir.synclint(&["--format", "short", "--baseline", "synclint-baseline.json"])
        .code(0)
        .stdout_is("");
    // From another folder, with the baseline named from there.
    dir.run_in(
        SYNCLINT,
        "src",
        &[
            "--format",
            "short",
            "--baseline",
            "../synclint-baseline.json",
        ],
    )
    .code(0)
    .stdout_is("");
    // A new hazard is reported, the recorded one is not.
    dir.create(
        "src/lib.rs",
        format!("use std::sync::Mutex;\n{HAZARD}async fn g(m: &Mutex<u8>) {{ let h = m.lock().unwrap(); y().await; }}\n"),
    );
    dir.synclint(&["--format", "short", "--baseline", "synclint-baseline.json"])
        .code(1)
        .stdout_is("src/lib.rs:3:37: warning[lock-across-await]: `MutexGuard` on `m` held across an `.await`\n");

    dir.create("bad.json", "{\"version\": 7, \"findings\": []}");
    dir.synclint(&["--baseline", "bad.json"])
        .code(2)
        .stderr_has("synclint::baseline::invalid")
        .stderr_has("version 7 is not supported");
    dir.synclint(&["--baseline", "missing.json"])
        .code(2)
        .stderr_has("cannot read baseline `missing.json`");
}

#[test]
fn a_huge_baseline_is_refused_not_read() {
    let dir = Dir::new();
    dir.create("src/lib.rs", HAZARD);
    // Sparse: 64 MiB and one byte long, nothing on disk; refused from its size.
    std::fs::File::create(dir.path().join("huge.json"))
        .expect("create baseline")
        .set_len((64 << 20) + 1)
        .expect("grow baseline");
    dir.synclint(&["--baseline", "huge.json"])
        .code(2)
        .stderr_has("cannot read baseline `huge.json`: larger than 64 MiB")
        .stdout_is("");
}

#[test]
fn exit_zero_keeps_0_for_findings_but_not_for_bad_files() {
    let dir = Dir::new();
    dir.create("src/lib.rs", HAZARD);
    dir.synclint(&["--exit-zero", "--format", "short"])
        .code(0)
        .stdout_has("warning[lock-across-await]");
    dir.create("src/broken.rs", BROKEN);
    dir.synclint(&["--exit-zero"]).code(2);
}

#[test]
fn named_files_are_checked_with_their_whole_crate() {
    let dir = Dir::new();
    dir.create(
        "Cargo.toml",
        "[package]\nname = \"p\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .create("src/lib.rs", "mod clean;\nmod hazard;\n")
    .create("src/clean.rs", CLEAN)
    .create("src/hazard.rs", HAZARD)
    .create("src/broken.rs", BROKEN);
    // The crate is read (4 files), only the named file is reported, and a broken
    // file that was not named does not fail the run.
    dir.synclint(&["src/clean.rs"])
        .code(0)
        .stdout_is("no findings (3 files checked)\n");
    dir.synclint(&["--format", "short", "src/hazard.rs", "src/clean.rs"])
        .code(1)
        .stdout_is("src/hazard.rs:1:48: warning[lock-across-await]: `MutexGuard` on `m` held across an `.await`\n");
}

/// The SARIF schema shipped next to the repository, when it is there.
fn sarif_schema() -> Option<Value> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/schemas/sarif-schema-2.1.0.json");
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(serde_json::from_str(&text).expect("the schema is JSON")),
        Err(_) => {
            eprintln!(
                "note: {} is absent; SARIF output is checked without the schema",
                path.display()
            );
            None
        }
    }
}

#[track_caller]
fn assert_valid_sarif(log: &Value) {
    let Some(schema) = sarif_schema() else {
        return;
    };
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles");
    // The validator does reject a log that breaks the schema.
    let mut broken = log.clone();
    broken["version"] = Value::from("2.0.0");
    assert!(!validator.is_valid(&broken));
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "invalid SARIF:\n  {}\n{log:#}",
        errors.join("\n  ")
    );
}

#[test]
fn sarif_format_is_valid_against_the_schema() {
    let dir = Dir::new();
    dir.create("src/a b.rs", HAZARD)
        .create("src/broken.rs", BROKEN)
        .create("src/ok.rs", CLEAN)
        .create(
            "src/lib.rs",
            "// synclint::allow(discarded-guard)\nfn f() {}\n",
        );
    let run = dir.synclint(&["--format", "sarif", "--deny", "lock-across-await"]);
    run.code(2).stderr_is("");
    let log = run.json();
    assert_valid_sarif(&log);
    assert_eq!(log["version"], "2.1.0");
    let run0 = &log["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().expect("rules");
    let await_rule = rules
        .iter()
        .find(|r| r["id"] == "lock-across-await")
        .expect("the rule is listed");
    assert!(await_rule["helpUri"]
        .as_str()
        .is_some_and(|u| u.ends_with("rules/lock-across-await.md")));
    assert!(await_rule["help"]["markdown"]
        .as_str()
        .is_some_and(|h| h.contains("## What it flags")));
    assert!(rules.iter().any(|r| r["id"] == "unused-allow"));

    let results = run0["results"].as_array().expect("results");
    let hazard = results
        .iter()
        .find(|r| r["ruleId"] == "lock-across-await")
        .expect("the hazard");
    assert_eq!(hazard["level"], "error");
    let loc = &hazard["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "src/a%20b.rs");
    assert_eq!(loc["region"]["startLine"], 1);
    assert_eq!(loc["region"]["startColumn"], 48);
    let related = hazard["relatedLocations"].as_array().expect("related");
    assert!(related
        .iter()
        .any(|r| r["message"]["text"] == "still held at this `.await`"));
    assert!(hazard["codeFlows"][0]["threadFlows"][0]["locations"]
        .as_array()
        .is_some_and(|l| l.len() >= 2));
    assert!(hazard["partialFingerprints"]["synclint/v1"].is_string());
    assert!(results
        .iter()
        .any(|r| r["ruleId"] == "allow-without-reason"));
    let notes = run0["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .expect("notifications");
    assert_eq!(notes.len(), 1);
    assert_eq!(
        notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "src/broken.rs"
    );
    assert_eq!(run0["invocations"][0]["executionSuccessful"], false);

    // A clean run is a valid log too.
    let clean = Dir::new();
    clean.create("lib.rs", CLEAN);
    let run = clean.synclint(&["--format", "sarif"]);
    run.code(0);
    let log = run.json();
    assert_valid_sarif(&log);
    assert_eq!(log["runs"][0]["results"], Value::Array(Vec::new()));
}

#[cfg(unix)]
#[test]
fn github_format_escapes_hostile_file_names() {
    let dir = Dir::new();
    let hostile = "src/x\n::error file=pwned,line=1::injected,%0A.rs";
    dir.create(hostile, HAZARD).create("src/b, c.rs", BROKEN);
    let run = dir.synclint(&["--format", "github"]);
    run.code(2).stderr_is("");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{run:#?}");
    assert!(
        lines[0].starts_with(
            "::warning file=src/x\\u{a}%3A%3Aerror file=pwned%2Cline=1%3A%3Ainjected%2C%250A.rs,line=1,col=48,endLine=1,endColumn="
        ),
        "{run:#?}"
    );
    assert!(
        lines[0].contains(",title=lock-across-await::`MutexGuard` on `m` held across an `.await`%0A  src/x\\u{a}::error file=pwned,line=1::injected,%250A.rs:1:48: "),
        "{run:#?}"
    );
    assert!(
        lines[1].starts_with("::error file=src/b%2C c.rs,line=2,col="),
        "{run:#?}"
    );
    assert!(
        lines[1].contains(",title=parse::cannot parse file"),
        "{run:#?}"
    );
    // No line other than the two commands, and nothing that starts a command.
    for line in &lines {
        assert!(
            line.starts_with("::warning ") || line.starts_with("::error "),
            "{line}"
        );
    }
}

const SERVER: &str = "\
pub mod registry;
pub mod sessions;

use std::sync::Mutex;

pub struct Server {
    registry: Mutex<Vec<String>>,
    sessions: Mutex<Vec<u64>>,
}
";
/// Takes `registry` then `sessions`.
const REGISTRY: &str = "\
use crate::Server;

impl Server {
    pub fn register(&self, name: &str, session: u64) {
        let mut registry = self.registry.lock().unwrap();
        let mut sessions = self.sessions.lock().unwrap();
        registry.push(name.to_string());
        sessions.push(session);
    }
}
";
/// Takes `sessions` then, through a helper, `registry`.
const SESSIONS: &str = "\
use crate::Server;

impl Server {
    pub fn expire(&self, session: u64) {
        let mut sessions = self.sessions.lock().unwrap();
        sessions.retain(|s| *s != session);
        self.forget_names();
    }

    fn forget_names(&self) {
        self.registry.lock().unwrap().clear();
    }
}
";

#[test]
fn a_named_file_sees_hazards_that_cross_files_of_its_crate() {
    let dir = Dir::new();
    dir.create(
        "Cargo.toml",
        "[package]\nname = \"server\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .create("src/lib.rs", SERVER)
    .create("src/registry.rs", REGISTRY)
    .create("src/sessions.rs", SESSIONS);
    let whole = dir.synclint(&["--format", "short", "src"]);
    whole.code(1).stdout_has("[lock-order-inversion]");
    // The cycle's sites are in both module files: naming either one reports it, as
    // a pre-commit hook does; naming only `lib.rs` does not.
    dir.synclint(&["--format", "short", "src/sessions.rs"])
        .code(1)
        .stdout_is(&whole.stdout);
    dir.synclint(&["--format", "short", "src/registry.rs"])
        .code(1)
        .stdout_is(&whole.stdout);
    dir.synclint(&["--format", "short", "src/lib.rs"])
        .code(0)
        .stdout_is("");
}

#[test]
fn workspace_members_are_separate_crates() {
    // Each half of the cycle lives in its own package, each with its own `Server`:
    // one crate would see a cycle, two crates see none.
    let dir = Dir::new();
    dir.create(
        "Cargo.toml",
        "[workspace]\nmembers = [\"one\", \"two\"]\nresolver = \"2\"\n",
    );
    for (name, module) in [("one", REGISTRY), ("two", SESSIONS)] {
        dir.create(
            &format!("{name}/Cargo.toml"),
            format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        )
        .create(&format!("{name}/src/lib.rs"), SERVER)
        .create(&format!("{name}/src/registry.rs"), module)
        .create(&format!("{name}/src/sessions.rs"), "");
    }
    dir.run_in(CARGO_SYNCLINT, ".", &["synclint", "--format", "short"])
        .code(0)
        .stdout_is("");
    dir.synclint(&["--format", "short"]).code(0).stdout_is("");
}

#[test]
fn sarif_carries_a_fix_as_replacements() {
    let dir = Dir::new();
    dir.create(
        "src/lib.rs",
        "use std::sync::atomic::{AtomicUsize, Ordering};\n\
         pub fn bump(n: &AtomicUsize) {\n    n.store(n.load(Ordering::Relaxed) + 1, Ordering::Relaxed);\n}\n",
    );
    let run = dir.synclint(&["--format", "sarif", "--rule", "split-atomic-update"]);
    run.code(1).stderr_is("");
    let log = run.json();
    assert_valid_sarif(&log);
    let fix = &log["runs"][0]["results"][0]["fixes"][0];
    assert_eq!(
        fix["description"]["text"],
        "replace the `load` and `store` with `fetch_add`"
    );
    let change = &fix["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], "src/lib.rs");
    let replacement = &change["replacements"][0];
    assert_eq!(
        replacement["insertedContent"]["text"],
        "fetch_add(1, Ordering::Relaxed)"
    );
    let region = &replacement["deletedRegion"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(3), Some(7))
    );
    // `store(...)` to its closing parenthesis, as bytes of the file.
    let text = std::fs::read_to_string(dir.path().join("src/lib.rs")).expect("read");
    let start = region["byteOffset"].as_u64().expect("byteOffset") as usize;
    let len = region["byteLength"].as_u64().expect("byteLength") as usize;
    assert_eq!(
        &text[start..start + len],
        "store(n.load(Ordering::Relaxed) + 1, Ordering::Relaxed)"
    );
}

/// `synclint ARGS` in `dir` with `input` on stdin.
fn synclint_with_stdin(dir: &Dir, args: &[&str], input: &[u8]) -> Run {
    let feed = bin::tempdir();
    let fed = feed.path().join("stdin");
    std::fs::write(&fed, input).expect("write stdin");
    let mut cmd = bin::command(SYNCLINT, dir.path(), args);
    cmd.stdin(std::fs::File::open(&fed).expect("open stdin"));
    bin::run(cmd, LIMIT)
}

#[test]
fn statistics_count_findings_per_rule() {
    let dir = Dir::new();
    dir.create("src/lib.rs", format!("mod a;\n{HAZARD}"))
        .create("src/a.rs", HAZARD)
        .create("src/b.rs", CLEAN);
    dir.synclint(&["--statistics"])
        .code(1)
        .stdout_is("2  lock-across-await  warning\n2 findings in 2 files (3 files checked)\n")
        .stderr_is("");
    let run = dir.synclint(&["--statistics", "--format", "json"]);
    run.code(1);
    assert_eq!(
        run.json(),
        serde_json::json!({
            "version": 1,
            "statistics": [
                { "rule": "lock-across-await", "severity": "warning", "count": 2, "fixable": 0 }
            ]
        })
    );
    // Levels apply: a denied rule counts as errors, an allowed one not at all.
    dir.synclint(&["--statistics", "--deny", "lock-across-await"])
        .code(1)
        .stdout_has("2  lock-across-await  error\n");
    dir.synclint(&["--statistics", "--allow", "lock-across-await"])
        .code(0)
        .stdout_is("no findings (3 files checked)\n");
    // A file that does not parse is named on stderr and makes the exit code 2.
    dir.create("src/c.rs", BROKEN);
    dir.synclint(&["--statistics"])
        .code(2)
        .stdout_has("2 findings in 2 files (3 files checked, 1 file could not be checked)\n")
        .stderr_has("src/c.rs:2:19: error[parse]");
}

#[test]
fn output_file_takes_what_stdout_would_get() {
    let dir = Dir::new();
    dir.create("src/lib.rs", HAZARD);
    dir.synclint(&["--format", "short", "--output-file", "out.txt"])
        .code(1)
        .stdout_is("")
        .stderr_is("");
    let written = std::fs::read_to_string(dir.path().join("out.txt")).expect("written");
    assert!(
        written.starts_with("src/lib.rs:1:48: warning[lock-across-await]: "),
        "{written}"
    );
    // The human format, to a file, has no colour unless asked for.
    dir.synclint(&["-o", "out.txt"]).code(1).stdout_is("");
    let written = std::fs::read_to_string(dir.path().join("out.txt")).expect("written");
    assert!(
        written.ends_with("1 finding in 1 file (1 file checked)\n"),
        "{written}"
    );
    assert!(!written.contains('\u{1b}'), "{written}");
    dir.synclint(&["-o", "out.txt", "--color", "always"])
        .code(1);
    let written = std::fs::read_to_string(dir.path().join("out.txt")).expect("written");
    assert!(written.contains("\u{1b}["), "{written}");
    // The lock map and the statistics go there too.
    dir.synclint(&["--lock-graph", "dot", "-o", "graph.dot"])
        .code(0)
        .stdout_is("");
    let graph = std::fs::read_to_string(dir.path().join("graph.dot")).expect("written");
    assert!(graph.starts_with("digraph"), "{graph}");
    // A file that cannot be created is a clear error, exit 2.
    dir.synclint(&["-o", "no/such/folder/out.txt"])
        .code(2)
        .stdout_is("")
        .stderr_has("cannot write `no/such/folder/out.txt`");
}

#[test]
fn color_always_and_never_override_the_terminal_and_no_color() {
    let dir = Dir::new();
    dir.create("src/lib.rs", HAZARD);
    let run = dir.synclint(&["--color", "always"]);
    run.code(1);
    assert!(run.stdout.contains("\u{1b}["), "{}", run.stdout);
    let mut cmd = bin::command(SYNCLINT, dir.path(), &["--color", "always"]);
    cmd.env("NO_COLOR", "1");
    let run = bin::run(cmd, LIMIT);
    assert!(run.stdout.contains("\u{1b}["), "{}", run.stdout);
    // Piped output is plain by default and with `never`.
    for args in [&[][..], &["--color", "never"][..]] {
        let run = dir.synclint(args);
        run.code(1);
        assert!(!run.stdout.contains('\u{1b}'), "{args:?}: {}", run.stdout);
    }
    // Tool errors on stderr follow it too.
    let run = dir.synclint(&["--color", "always", "no/such.rs"]);
    run.code(2);
    assert!(run.stderr.contains("\u{1b}["), "{}", run.stderr);
    dir.synclint(&["--color", "sometimes"])
        .code(2)
        .stderr_has("invalid value 'sometimes' for '--color <WHEN>'");
}

#[test]
fn stdin_filename_checks_the_buffer_in_place_of_the_file() {
    let dir = Dir::new();
    dir.create(
        "Cargo.toml",
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .create("src/lib.rs", "mod a;\nmod b;\n")
    .create("src/a.rs", HAZARD)
    .create("src/b.rs", CLEAN);
    let short = ["--format", "short", "--stdin-filename"];
    // The unsaved text fixes the hazard on disk: nothing is reported.
    synclint_with_stdin(
        &dir,
        &[&short[..], &["src/a.rs"]].concat(),
        CLEAN.as_bytes(),
    )
    .code(0)
    .stdout_is("");
    // The unsaved text adds one: it is reported at that path, and only that file's
    // findings are.
    synclint_with_stdin(
        &dir,
        &[&short[..], &["src/b.rs"]].concat(),
        HAZARD.as_bytes(),
    )
    .code(1)
    .stdout_is(
        "src/b.rs:1:48: warning[lock-across-await]: `MutexGuard` on `m` held across an `.await`\n",
    );
    // The rest of the crate is read: a guard returned by another file's method is
    // followed into the buffer.
    dir.create(
        "src/a.rs",
        "pub struct S { m: std::sync::Mutex<u8> }\nimpl S {\n    pub fn state(&self) -> std::sync::MutexGuard<'_, u8> { self.m.lock().unwrap() }\n}\n",
    );
    let uses = "use crate::a::S;\nasync fn f(s: &S) { let g = s.state(); x().await; }\n";
    let run = synclint_with_stdin(&dir, &[&short[..], &["src/b.rs"]].concat(), uses.as_bytes());
    run.code(1).stdout_has("src/b.rs:2:");
    // A file that does not exist is checked alone.
    synclint_with_stdin(&dir, &[&short[..], &["src/new.rs"]].concat(), HAZARD.as_bytes())
        .code(1)
        .stdout_is("src/new.rs:1:48: warning[lock-across-await]: `MutexGuard` on `m` held across an `.await`\n");
    // Text that does not parse or is not UTF-8 is reported as a file would be.
    synclint_with_stdin(
        &dir,
        &[&short[..], &["src/b.rs"]].concat(),
        BROKEN.as_bytes(),
    )
    .code(2)
    .stdout_has("src/b.rs:2:19: error[parse]: cannot parse file: expected");
    synclint_with_stdin(
        &dir,
        &[&short[..], &["src/b.rs"]].concat(),
        b"fn f() {}\n\xff\n",
    )
    .code(2)
    .stdout_has("src/b.rs: error[encoding]: file is not valid UTF-8");
    // The size limit applies to stdin.
    synclint_with_stdin(
        &dir,
        &["--max-file-size", "10", "--stdin-filename", "src/b.rs"],
        HAZARD.as_bytes(),
    )
    .code(2)
    .stdout_is("")
    .stderr_has("it is larger than the limit");
    // Paths and `--stdin-filename` exclude each other.
    dir.synclint(&["--stdin-filename", "src/b.rs", "src"])
        .code(2)
        .stderr_has("cannot be used with");
}

/// The crate behind README's first example: `src/cache.rs` as the example shows it
/// (lines 12 to 15), in a file of its own.
const README_CACHE: &str = "use std::sync::Mutex;

pub struct State {
    pub url: String,
}

pub struct Cache {
    state: Mutex<State>,
}

impl Cache {
    pub async fn refresh(&self) {
        let state = self.state.lock().unwrap();
        let fresh = fetch(&state.url).await;
        drop(fresh);
    }
}

async fn fetch(url: &str) -> String {
    url.to_string()
}
";

#[test]
fn readme_first_example_is_what_the_command_prints() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let command = "```console\n$ cargo run --release -- src\n";
    let start = readme
        .find(command)
        .expect("README's first example runs `cargo run --release -- src`")
        + command.len();
    let end = start + readme[start..].find("```").expect("the example ends");
    let dir = Dir::new();
    dir.create("src/cache.rs", README_CACHE);
    dir.synclint(&["src"])
        .code(1)
        .stdout_is(&readme[start..end]);
}
