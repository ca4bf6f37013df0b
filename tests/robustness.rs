//! Hostile and unusual inputs through the built `synclint` binary: deep nesting, a
//! 20 MB generated file, bytes that are not UTF-8, a file that cannot be read, a
//! symlink loop, an empty file, a file that is only a byte-order mark, a file that
//! does not parse among good ones, and the inputs the fuzzer once crashed on
//! (`tests/robustness-inputs/`). Also the progress bar: never on a pipe, never
//! with `--quiet`.
//!
//! Each run must end with exit code 0, 1 or 2 (never a signal, which is how a stack
//! overflow or an abort ends) within a time limit. These tests do not check what the
//! rules find beyond one marker hazard that shows a file was analysed to its end.
//! They run in temporary folders with an empty environment and never touch the
//! network or the real home folder.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use support::bin::{self, tempdir, write, Run, CLEAN, SYNCLINT};

/// A guard dropped at once: one `discarded-guard` finding.
const MARKER: &str = "fn marker(m: &std::sync::Mutex<u8>) { let _ = m.lock(); }\n";

/// Runs `synclint ARGS` in `dir` with an empty environment (plus `env`), killing it
/// and failing the test after `limit`: a hang is a failure too.
#[track_caller]
fn synclint_with(dir: &Path, args: &[&str], env: &[(&str, &str)], limit: Duration) -> Run {
    let mut cmd = bin::command(SYNCLINT, dir, args);
    cmd.envs(env.iter().copied());
    bin::run(cmd, limit)
}

#[track_caller]
fn synclint(dir: &Path, args: &[&str]) -> Run {
    synclint_with(dir, args, &[], Duration::from_secs(60))
}

#[test]
fn ten_thousand_nested_blocks() {
    let dir = tempdir();
    let n = 10_000;
    let text = format!("{MARKER}fn f() {}{}\n", "{".repeat(n), "}".repeat(n));
    write(dir.path(), "nested.rs", text);
    let run = synclint(dir.path(), &["--format", "short", "nested.rs"]);
    // A result (the marker found) or a diagnostic about the nesting; never a crash.
    assert!(
        run.stdout.contains("discarded-guard") || run.stdout.contains("nest"),
        "{run:#?}"
    );
    assert!(run.exit_code() >= 1);
}

#[test]
fn ten_thousand_nested_parentheses() {
    let dir = tempdir();
    let n = 10_000;
    let text = format!(
        "{MARKER}fn f() -> u32 {{ {}1{} }}\n",
        "(".repeat(n),
        ")".repeat(n)
    );
    write(dir.path(), "nested.rs", text);
    let run = synclint(dir.path(), &["--format", "short", "nested.rs"]);
    assert!(
        run.stdout.contains("discarded-guard") || run.stdout.contains("nest"),
        "{run:#?}"
    );
    assert!(run.exit_code() >= 1);
}

/// `prefix`, `unit` `n` times, `middle`, `close` `n` times, `suffix`.
fn nested(prefix: &str, unit: &str, n: usize, middle: &str, close: &str, suffix: &str) -> String {
    format!(
        "{MARKER}{prefix}{}{middle}{}{suffix}\n",
        unit.repeat(n),
        close.repeat(n)
    )
}

/// Deep syntax that is not made of nested brackets, 10,000 links long: each is
/// analysed to a result, in time that grows with its length.
#[test]
fn ten_thousand_deep_chains_without_brackets() {
    let n = 10_000;
    let cases = [
        (
            "binary",
            nested("fn f() -> u32 { 1", " + 1", n, "", "", " }"),
        ),
        (
            "method_chain",
            nested("fn f(x: u8) { x", ".a()", n, "", "", "; }"),
        ),
        (
            "field_chain",
            nested("fn f(x: S) { x", ".a", n, "", "", "; }"),
        ),
        (
            "casts",
            nested("fn f(x: u8) { x", " as u8", n, "", "", "; }"),
        ),
        (
            "tries",
            nested("fn f(x: u8) -> Option<u8> { x", "?", n, "", "", "; None }"),
        ),
        (
            "unary",
            nested("fn f(x: bool) -> bool { ", "!", n, "x", "", " }"),
        ),
        (
            "references",
            nested("fn f(x: u8) { let y = ", "&", n, "x", "", "; }"),
        ),
        (
            "pattern_references",
            nested("fn f(", "&", n, "x: u8", "", ") {}"),
        ),
        (
            "reference_types",
            nested("type T = ", "&", n, "u8", "", ";"),
        ),
        (
            "pointer_types",
            nested("type T = ", "*const ", n, "u8", "", ";"),
        ),
        (
            "generic_types",
            nested("type T = ", "Vec<", 5_000, "u8", ">", ";"),
        ),
        (
            "assignments",
            nested("fn f() { let mut a = 0; ", "a = ", n, "1", "", "; }"),
        ),
        (
            "index_chain",
            nested("fn f(x: u8) { x", "[0]", n, "", "", "; }"),
        ),
        ("call_chain", nested("fn f() { g", "()", n, "", "", "; }")),
    ];
    let dir = tempdir();
    for (name, text) in cases {
        let file = format!("{name}.rs");
        write(dir.path(), &file, text);
        let run = synclint(dir.path(), &["--format", "short", &file]);
        run.code(1);
        assert!(run.stdout.contains("discarded-guard"), "{name}: {run:#?}");
    }
}

/// Chains deep enough to overflow `syn`'s recursive-descent parser (or the guard
/// walker) even on the workers' large stacks are measured before parsing: brackets,
/// prefix operators, pointer types and expression keywords (`break break ...`),
/// operator, assignment, call, index and postfix chains within one statement,
/// generic arguments and function types. The file is reported as too deep to
/// analyse, and the other files are still checked.
#[test]
fn deep_chains_past_the_limits_are_reported() {
    let cases = [
        (
            "tries",
            nested(
                "fn f(x: u8) -> Option<u8> { x",
                "?",
                400_000,
                "",
                "",
                "; None }",
            ),
        ),
        (
            "additions",
            nested("fn f(x: u8) -> u8 { x", " + 1", 400_000, "", "", " }"),
        ),
        (
            "casts",
            nested("fn f(x: u8) -> u8 { x", " as u8", 400_000, "", "", " }"),
        ),
        (
            "fields",
            nested("fn f(x: u8) -> u8 { x", ".a", 400_000, "", "", " }"),
        ),
        (
            "pointer_types",
            nested("type T = ", "*const ", 400_000, "u8", "", ";"),
        ),
        (
            "unary",
            nested("fn f(x: bool) -> bool { ", "!", 400_000, "x", "", " }"),
        ),
        (
            "references",
            nested("fn f(x: u8) { let y = ", "&", 400_000, "x", "", "; }"),
        ),
        (
            "generic_types",
            nested("type T = ", "Vec<", 100_000, "u8", ">", ";"),
        ),
        (
            "turbofish",
            nested("fn f() { g::<", "Vec<", 100_000, "u8", ">", ">(); }"),
        ),
        (
            "fn_pointer_types",
            nested("type T = ", "fn() -> ", 100_000, "u8", "", ";"),
        ),
        (
            "impl_trait_returns",
            nested("fn f() -> ", "impl Fn() -> ", 100_000, "u8", "", " { 1 }"),
        ),
        (
            "breaks",
            nested("fn f() { loop { ", "break ", 400_000, "", "", "; } }"),
        ),
        (
            "assignments",
            nested("fn f() { let mut a = 0; ", "a = ", 400_000, "1", "", "; }"),
        ),
        (
            "index_chain",
            nested("fn f(x: u8) { x", "[0]", 400_000, "", "", "; }"),
        ),
        (
            "call_chain",
            nested("fn f() { g", "()", 400_000, "", "", "; }"),
        ),
        (
            "labelled_breaks",
            nested(
                "fn f() { 'a: loop { ",
                "break 'a ",
                400_000,
                "",
                "",
                "; } }",
            ),
        ),
        (
            "returns",
            nested("fn f() -> u8 { ", "return ", 400_000, "1", "", " }"),
        ),
        (
            "lifetime_references",
            nested("type T<'a> = ", "&'a ", 400_000, "u8", "", ";"),
        ),
    ];
    let dir = tempdir();
    write(dir.path(), "good.rs", MARKER);
    for (name, text) in cases {
        let file = format!("{name}.rs");
        write(dir.path(), &file, text);
        let run = synclint(dir.path(), &["--format", "short", "good.rs", &file]);
        run.code(2);
        assert!(
            run.stdout.contains(&format!("{file}:2:"))
                && run.stdout.contains("nest too deep to analyse"),
            "{name}: {run:#?}"
        );
        assert!(
            run.stdout.contains("good.rs:1:"),
            "{name}: the other file is checked: {run:#?}"
        );
    }
}

/// 20 MB of generated code in one file: 2 MB of functions (about 12,000, each taking
/// a lock) between 18 MB of literal data tables, as in generated bindings and
/// Unicode tables, and a hazard on the last line. Two megabytes of functions keep the
/// test within a few seconds on a debug build (20 MB of functions alone take about a
/// minute there, and 20 s and 2.8 GB of memory in a release build, as does parsing
/// them with `syn` alone).
#[test]
fn twenty_megabyte_generated_file() {
    let dir = tempdir();
    let table_row = format!(
        "[{}],\n",
        (0..64)
            .map(|i| format!("0x{:04X}", i * 257))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut text = String::with_capacity(21 << 20);
    let mut n_fns = 0;
    while text.len() < 20_000_000 {
        for _ in 0..40 {
            text.push_str(&format!(
                "pub fn f{n_fns}(m: &std::sync::Mutex<Vec<u32>>, x: u32) -> u32 {{\n    \
                 let mut g = m.lock().unwrap();\n    g.push(x);\n    \
                 let n = g.len() as u32;\n    drop(g);\n    n + x\n}}\n"
            ));
            n_fns += 1;
        }
        text.push_str(&format!("pub static T{n_fns}: [[u16; 64]; 120] = [\n"));
        for _ in 0..120 {
            text.push_str(&table_row);
        }
        text.push_str("];\n");
    }
    text.push_str(MARKER);
    let n_lines = text.lines().count();
    assert!(
        text.len() >= 20_000_000 && n_fns > 10_000,
        "{n_fns} functions"
    );
    write(dir.path(), "generated.rs", &text);
    let run = synclint_with(
        dir.path(),
        &["--format", "short", "generated.rs"],
        &[],
        Duration::from_secs(120),
    );
    run.code(1);
    assert!(
        run.stdout.contains(&format!(
            "generated.rs:{n_lines}:39: warning[discarded-guard]"
        )),
        "{run:#?}"
    );
}

#[test]
fn non_utf8_file_is_reported_and_the_others_checked() {
    let dir = tempdir();
    write(dir.path(), "latin1.rs", b"fn f() {}\n// caf\xe9 \xff\xfe\n");
    write(dir.path(), "good.rs", MARKER);
    let run = synclint(dir.path(), &["--format", "short", "."]);
    run.code(2);
    assert!(run.stdout.contains("latin1.rs") && run.stdout.contains("UTF-8"));
    assert!(run.stdout.contains("good.rs:1:"), "{run:#?}");
}

/// Whether this process can read a file that has no read permission (as root can).
#[cfg(unix)]
fn reads_ignore_permissions(path: &Path) -> bool {
    std::fs::read(path).is_ok()
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_reported_and_the_others_checked() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir();
    write(dir.path(), "secret.rs", CLEAN);
    write(dir.path(), "good.rs", MARKER);
    let secret = dir.path().join("secret.rs");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).expect("chmod 000");
    let run = synclint(dir.path(), &["--format", "short", "."]);
    let root = reads_ignore_permissions(&secret);
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644))
        .expect("chmod back, so the folder can be removed");
    assert!(run.stdout.contains("good.rs:1:"), "{run:#?}");
    if root {
        // The file can be read after all: it is checked like any other.
        run.code(1);
    } else {
        run.code(2);
        assert!(run.stdout.contains("secret.rs"), "{run:#?}");
    }
}

#[cfg(unix)]
#[test]
fn unreadable_folder_does_not_stop_the_run() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir();
    write(dir.path(), "locked/inner.rs", CLEAN);
    write(dir.path(), "good.rs", MARKER);
    let locked = dir.path().join("locked");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod 000");
    let run = synclint(dir.path(), &["--format", "short", "."]);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755))
        .expect("chmod back, so the folder can be removed");
    run.exit_code();
    assert!(run.stdout.contains("good.rs:1:"), "{run:#?}");
}

#[cfg(unix)]
#[test]
fn symlink_loops_end() {
    let dir = tempdir();
    write(dir.path(), "src/good.rs", MARKER);
    // A folder that contains itself, and two files that point at each other.
    std::os::unix::fs::symlink("..", dir.path().join("src/again")).expect("symlink");
    std::os::unix::fs::symlink("b.rs", dir.path().join("src/a.rs")).expect("symlink");
    std::os::unix::fs::symlink("a.rs", dir.path().join("src/b.rs")).expect("symlink");
    let run = synclint(dir.path(), &["--format", "short", "."]);
    run.exit_code();
    assert!(run.stdout.contains("good.rs:1:"), "{run:#?}");
    // Named explicitly, a looping file is a problem, not a hang.
    let run = synclint(dir.path(), &["--format", "short", "src/a.rs"]);
    run.code(2);
}

#[test]
fn empty_file_is_clean() {
    let dir = tempdir();
    write(dir.path(), "empty.rs", "");
    let run = synclint(dir.path(), &["--format", "short", "empty.rs"]);
    run.code(0);
    assert_eq!(run.stdout, "", "{run:#?}");
}

#[test]
fn byte_order_mark_only_is_clean() {
    let dir = tempdir();
    write(dir.path(), "bom.rs", "\u{feff}");
    let run = synclint(dir.path(), &["--format", "short", "bom.rs"]);
    run.code(0);
    assert_eq!(run.stdout, "", "{run:#?}");
    // After a byte-order mark, positions are still right.
    write(dir.path(), "bom_marker.rs", format!("\u{feff}{MARKER}"));
    let run = synclint(dir.path(), &["--format", "short", "bom_marker.rs"]);
    run.code(1);
    assert!(run.stdout.contains("bom_marker.rs:1:"), "{run:#?}");
}

#[test]
fn file_that_does_not_parse_among_good_ones() {
    let dir = tempdir();
    write(dir.path(), "a.rs", MARKER);
    write(
        dir.path(),
        "broken.rs",
        "fn fine() {}\nfn broken( { let = ; }\n",
    );
    write(dir.path(), "c.rs", MARKER.replace("marker", "other"));
    let run = synclint(dir.path(), &["--format", "short", "."]);
    run.code(2);
    assert!(run.stdout.contains("broken.rs:2:"), "{run:#?}");
    assert!(run.stdout.contains("a.rs:1:") && run.stdout.contains("c.rs:1:"));
}

/// Every input the fuzzer has crashed on, kept in `tests/robustness-inputs/`.
#[test]
fn fuzzer_crash_inputs() {
    let inputs = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/robustness-inputs");
    let Ok(entries) = std::fs::read_dir(&inputs) else {
        return;
    };
    let dir = tempdir();
    let mut n = 0;
    for entry in entries {
        let path = entry.expect("list the inputs").path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let bytes = std::fs::read(&path).expect("read an input");
        write(dir.path(), "input.rs", bytes);
        for edition in ["2021", "2024"] {
            let run = synclint(
                dir.path(),
                &["--format", "short", "--edition", edition, "input.rs"],
            );
            run.exit_code();
            assert!(
                !run.stdout.contains("error[internal]"),
                "{}: {run:#?}",
                path.display()
            );
        }
        n += 1;
    }
    assert!(n > 0, "no inputs in {}", inputs.display());
}

/// Enough code that the progress bar, shown at once, has time to draw.
fn some_work(dir: &Path) {
    for i in 0..20 {
        let mut text = String::from(MARKER);
        for j in 0..300 {
            text.push_str(&format!(
                "fn f{j}(m: &std::sync::Mutex<u8>) -> u8 {{ *m.lock().unwrap() + {i} }}\n"
            ));
        }
        write(dir, &format!("src/m{i}.rs"), text);
    }
}

#[test]
fn no_progress_on_a_pipe_and_quiet_is_accepted() {
    let dir = tempdir();
    some_work(dir.path());
    let now = [("SYNCLINT_PROGRESS_DELAY_MS", "0")];
    for args in [
        &["--format", "short"][..],
        &["--quiet", "--format", "short"],
        &["-q"],
    ] {
        let run = synclint_with(dir.path(), args, &now, Duration::from_secs(60));
        run.code(1);
        assert_eq!(run.stderr, "", "{args:?}: {run:#?}");
    }
}

/// On a terminal (a pseudo-terminal from util-linux `script`, when installed) the
/// progress bar appears, and `--quiet` hides it.
#[cfg(target_os = "linux")]
#[test]
fn progress_on_a_terminal_unless_quiet() {
    let Ok(script) = which("script") else {
        return;
    };
    let dir = tempdir();
    some_work(dir.path());
    let run = |quiet: bool| {
        let cmd = format!(
            "{SYNCLINT} {}--format short . >/dev/null",
            if quiet { "--quiet " } else { "" }
        );
        synclint_via(&script, dir.path(), &cmd)
    };
    let shown = run(false);
    assert!(
        shown.contains("checking") && shown.contains(" files"),
        "{shown:?}"
    );
    let hidden = run(true);
    assert!(!hidden.contains("checking"), "{hidden:?}");
}

#[cfg(target_os = "linux")]
fn which(program: &str) -> Result<std::path::PathBuf, ()> {
    ["/usr/bin", "/bin", "/usr/local/bin"]
        .iter()
        .map(|d| Path::new(d).join(program))
        .find(|p| p.is_file())
        .ok_or(())
}

/// What a shell command writes to the terminal `script` gives it.
#[cfg(target_os = "linux")]
fn synclint_via(script: &Path, dir: &Path, cmd: &str) -> String {
    let out = Command::new(script)
        .args(["-qec", cmd, "/dev/null"])
        .current_dir(dir)
        .env_clear()
        .env("HOME", dir)
        .env("PATH", "/usr/bin:/bin")
        .env("TERM", "xterm")
        .env("SYNCLINT_PROGRESS_DELAY_MS", "0")
        .stdin(Stdio::null())
        .output()
        .expect("run script");
    String::from_utf8_lossy(&out.stdout).into_owned()
}
