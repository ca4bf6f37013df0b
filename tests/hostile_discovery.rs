//! A tree from an untrusted pull request, through the built binaries: no mode runs a
//! program the tree chooses, nothing outside the tree is read or printed, no file
//! hangs the run or costs more than the size limit, the tree's own configuration can
//! be ignored, and no file name is taken as a flag.
//!
//! Every run has a time limit and a memory limit (`ulimit -v` through `sh`), so that
//! a hang or a read without end fails the test instead of stalling the suite.

#![cfg(unix)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use support::bin::{self, write, Run, CARGO_SYNCLINT, CLEAN, HAZARD, SYNCLINT};

/// The address space each run may use, in KiB: room for two worker stacks and
/// the analysis, far less than a read without end reaches.
const MEMORY_KIB: u64 = 3 << 20;
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// Runs `program args` in `dir` under the time and memory limits, with a clean
/// environment plus `env`.
fn run(program: &str, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = bin::command_limited(program, dir, args, MEMORY_KIB);
    // Two workers, whatever the machine: each reserves a deep stack.
    cmd.env("RAYON_NUM_THREADS", "2")
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    for (key, value) in env {
        cmd.env(key, value);
    }
    bin::run(cmd, TIME_LIMIT)
}

fn synclint(dir: &Path, args: &[&str]) -> Run {
    run(SYNCLINT, dir, args, &[])
}

/// A workspace whose `rust-toolchain.toml` points at a toolchain in the tree whose
/// `cargo` leaves `marker` behind; the same `cargo` is first on `PATH` (as a rustup
/// proxy would pick it) and is what `CARGO` names in the runs that set it.
struct Trap {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    marker: PathBuf,
    fake_cargo: PathBuf,
    path: std::ffi::OsString,
}

fn trap() -> Trap {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("repo");
    let marker = tmp.path().join("cargo-ran");
    write(
        &root,
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n\n[workspace.package]\nedition = \"2021\"\n",
    );
    write(
        &root,
        "crates/app/Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition.workspace = true\n",
    );
    write(&root, "crates/app/src/lib.rs", HAZARD);
    write(
        &root,
        "crates/util/Cargo.toml",
        "[package]\nname = \"util\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(&root, "crates/util/src/lib.rs", CLEAN);
    write(
        &root,
        "rust-toolchain.toml",
        format!(
            "[toolchain]\npath = \"{}\"\n",
            root.join("toolchain").display()
        ),
    );
    let script = format!(
        "#!/bin/sh\ntouch '{}'\necho '{{}}'\nexit 0\n",
        marker.display()
    );
    let mut fake_cargo = PathBuf::new();
    for rel in ["toolchain/bin/cargo", "toolchain/cargo"] {
        let path = root.join(rel);
        write(&root, rel, &script);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        fake_cargo = path;
    }
    let mut dirs = vec![root.join("toolchain/bin")];
    dirs.extend(
        std::env::var_os("PATH")
            .iter()
            .flat_map(std::env::split_paths),
    );
    let path = std::env::join_paths(dirs).expect("valid PATH");
    Trap {
        _tmp: tmp,
        root,
        marker,
        fake_cargo,
        path,
    }
}

#[test]
fn no_cargo_mode_runs_a_program_the_tree_chooses() {
    let trap = trap();
    let path = trap.path.to_string_lossy().into_owned();
    let fake = trap.fake_cargo.to_string_lossy().into_owned();
    let app = trap.root.join("crates/app");
    let cases: Vec<(&str, &Path, Vec<&str>, &str)> = vec![
        (
            SYNCLINT,
            &trap.root,
            vec!["--workspace"],
            "crates/app/src/lib.rs",
        ),
        (
            SYNCLINT,
            &trap.root,
            vec!["-p", "app"],
            "crates/app/src/lib.rs",
        ),
        (
            SYNCLINT,
            &trap.root,
            vec!["--manifest-path", "crates/app/Cargo.toml"],
            "crates/app/src/lib.rs",
        ),
        (CARGO_SYNCLINT, &app, vec!["synclint"], "src/lib.rs"),
        (
            CARGO_SYNCLINT,
            &trap.root,
            vec!["synclint"],
            "crates/app/src/lib.rs",
        ),
        (
            CARGO_SYNCLINT,
            &trap.root,
            vec!["synclint", "--workspace"],
            "crates/app/src/lib.rs",
        ),
    ];
    for (program, dir, args, shown) in &cases {
        for with_cargo_var in [false, true] {
            let mut all = args.clone();
            all.extend(["--format", "short"]);
            let mut env = vec![("PATH", path.as_str())];
            if with_cargo_var {
                env.push(("CARGO", fake.as_str()));
            }
            let out = run(program, dir, &all, &env);
            assert!(
                !trap.marker.exists(),
                "`{program} {args:?}` (CARGO set: {with_cargo_var}) ran the tree's cargo: {out:#?}"
            );
            out.code(1)
                .stdout_has(&format!("{shown}:1:48: warning[lock-across-await]"));
            assert_eq!(out.stdout.lines().count(), 1, "{out:#?}");
        }
    }
    // The selection is the manifests': `-p util` is clean, an unknown name is an
    // error that lists the members.
    run(SYNCLINT, &trap.root, &["-p", "util"], &[("PATH", &path)]).code(0);
    run(
        SYNCLINT,
        &trap.root,
        &["-p", "zzzzzzzz"],
        &[("PATH", &path)],
    )
    .code(2)
    .stderr_has("`app`, `util`");
    assert!(!trap.marker.exists());
}

#[test]
fn isolated_ignores_the_trees_configuration() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    write(
        root,
        "Cargo.toml",
        "[package]\nname = \"p\"\nedition = \"2021\"\n\n[package.metadata.synclint]\nexclude = [\"src\"]\n",
    );
    write(root, "src/lib.rs", HAZARD);
    write(root, "sub/synclint.toml", "exclude = [\"**\"]\n");
    write(root, "sub/x.rs", HAZARD);
    write(
        tmp.path(),
        "ci/strict.toml",
        "[rules]\nlock-across-await = \"deny\"\n",
    );
    // The tree's own configuration excludes everything...
    synclint(root, &["--format", "short", "src"]).code(0);
    synclint(root, &["--format", "short", "sub"]).code(0);
    synclint(root, &["--format", "short", "--workspace"]).code(0);
    // ...and `--isolated` sees through it, for paths and for the package selection.
    synclint(root, &["--format", "short", "--isolated", "src", "sub"])
        .code(1)
        .stdout_has("src/lib.rs:1:48: warning[lock-across-await]")
        .stdout_has("sub/x.rs:1:48: warning[lock-across-await]");
    synclint(root, &["--format", "short", "--isolated", "--workspace"])
        .code(1)
        .stdout_has("src/lib.rs:1:48: warning[lock-across-await]");
    // `--config` still applies.
    synclint(
        root,
        &[
            "--format",
            "short",
            "--isolated",
            "--config",
            "ci/strict.toml",
            "src",
        ],
    )
    .code(1)
    .stdout_has("src/lib.rs:1:48: error[lock-across-await]");
}

#[test]
fn symlinks_out_of_the_tree_are_skipped_and_never_printed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("repo");
    write(
        &root,
        "Cargo.toml",
        "[package]\nname = \"p\"\nedition = \"2021\"\n",
    );
    write(&root, "src/lib.rs", HAZARD);
    write(&root, "src/inner.rs", CLEAN);
    // Outside the tree: a broken file whose parse error would quote it.
    write(tmp.path(), "secret", "TOP_SECRET_TOKEN = fn {\n");
    write(tmp.path(), "outside/leak.rs", "fn TOP_SECRET_DIR( {\n");
    let link = |target: &Path, rel: &str| {
        std::os::unix::fs::symlink(target, root.join(rel)).expect("symlink");
    };
    link(Path::new("/proc/self/environ"), "src/env.rs");
    link(Path::new("../../secret"), "src/x.rs");
    link(&tmp.path().join("outside"), "src/linked");
    // Inside the tree: followed.
    link(Path::new("inner.rs"), "src/alias.rs");
    let env = [("CI_TOKEN", "TOP_SECRET_ENV_VALUE")];
    for args in [
        &["--format", "short", "."][..],
        &["--format", "short", "src"],
        &["src/env.rs", "src/x.rs", "src/lib.rs"],
        &["--format", "short", "src/lib.rs", "src/env.rs", "src/x.rs"],
        &["--format", "json", "."],
    ] {
        let out = run(SYNCLINT, &root, args, &env);
        out.code(1)
            .stdout_has("lock-across-await")
            .stderr_has("warning: skipped `src/env.rs`: it leads outside the folders being checked")
            .stderr_has("warning: skipped `src/x.rs`")
            .never_shows("TOP_SECRET");
    }
    // A package whose `src` is a symlink out of it: its sources are not read, for a
    // named file and for the package selection.
    let pkg = tmp.path().join("pkg");
    write(
        &pkg,
        "Cargo.toml",
        "[package]\nname = \"pkg\"\nedition = \"2021\"\n",
    );
    write(&pkg, "build.rs", HAZARD);
    std::os::unix::fs::symlink(tmp.path().join("outside"), pkg.join("src")).expect("symlink");
    for args in [
        &["--format", "short", "build.rs"][..],
        &["--format", "short", "--workspace"],
    ] {
        run(SYNCLINT, &pkg, args, &env)
            .code(1)
            .stdout_has("build.rs:1:48: warning[lock-across-await]")
            .stderr_has("it leads outside its package")
            .never_shows("TOP_SECRET");
    }
}

#[test]
fn target_paths_outside_the_package_are_skipped() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("repo");
    write(tmp.path(), "outside/lib.rs", "fn TOP_SECRET( {\n");
    write(
        &root,
        "Cargo.toml",
        "[package]\nname = \"p\"\nedition = \"2021\"\n\n[lib]\npath = \"../outside/lib.rs\"\n\n[[bin]]\nname = \"x\"\npath = \"/x.rs\"\n\n[[test]]\nname = \"t\"\npath = \"tests/../../outside/lib.rs\"\n",
    );
    write(&root, "src/main.rs", HAZARD);
    // One named file (the pre-commit case), the package selection, and the folder:
    // none may walk `/` or read `outside`.
    for args in [
        &["--format", "short", "src/main.rs"][..],
        &["--format", "short", "--workspace"],
        &["--format", "short", "."],
    ] {
        let out = run(SYNCLINT, &root, args, &[]);
        out.code(1)
            .stdout_has("src/main.rs:1:48: warning[lock-across-await]")
            .never_shows("TOP_SECRET");
        assert_eq!(out.stdout.lines().count(), 1, "{out:#?}");
        out.stderr_has("warning: skipped `/x.rs`: `")
            .stderr_has("names a target path outside its package")
            .stderr_has("warning: skipped `../outside/lib.rs`")
            .stderr_has("warning: skipped `tests/../../outside/lib.rs`");
        let notices = out
            .stderr
            .lines()
            .filter(|l| l.starts_with("warning: skipped"))
            .count();
        assert_eq!(notices, 3, "each notice once: {out:#?}");
    }
}

#[test]
fn special_files_never_hang_and_are_skipped() {
    use std::os::unix::net::UnixListener;
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    write(root, "src/lib.rs", HAZARD);
    let status = Command::new("mkfifo")
        .arg(root.join("src/pipe.rs"))
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo failed");
    let _socket = UnixListener::bind(root.join("src/sock.rs")).expect("bind a socket");
    std::os::unix::fs::symlink("/dev/zero", root.join("src/zero.rs")).expect("symlink");
    for args in [
        &["--format", "short", "src/pipe.rs", "src/lib.rs"][..],
        &[
            "--format",
            "short",
            "src/lib.rs",
            "/dev/zero",
            "src/sock.rs",
        ],
        &["--format", "short", "."],
    ] {
        run(SYNCLINT, root, args, &[])
            .code(1)
            .stdout_has("src/lib.rs:1:48: warning[lock-across-await]")
            .stderr_has("not a regular file");
    }
    synclint(root, &["src/pipe.rs"])
        .code(0)
        .stderr_has("warning: skipped `src/pipe.rs`: not a regular file");
}

#[test]
fn a_file_past_the_size_limit_is_an_io_problem_and_the_others_are_checked() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    write(root, "src/a.rs", HAZARD);
    // Valid Rust, 33 MiB: past the default limit of 32 MiB.
    let line = "// BIG_FILE_TEXT padding padding padding padding padding padding\n";
    let big = line.repeat((33 << 20) / line.len() + 1);
    write(root, "src/big.rs", &big);
    write(root, "src/small.rs", &big[..300 << 10]);
    let out = synclint(root, &["--format", "short", "src"]);
    out.code(2)
        .stdout_has("src/a.rs:1:48: warning[lock-across-await]")
        .stdout_has("src/big.rs: error[io]: file is larger than the limit of 32 MiB")
        .never_shows("BIG_FILE_TEXT");
    synclint(root, &["src"])
        .code(2)
        .stdout_has("src/big.rs")
        .stdout_has("larger than the limit of 32 MiB")
        .never_shows("BIG_FILE_TEXT");
    // The limit from the flag and from the configuration.
    synclint(
        root,
        &[
            "--format",
            "short",
            "--max-file-size",
            "256KiB",
            "src/a.rs",
            "src/small.rs",
        ],
    )
    .code(2)
    .stdout_has("src/small.rs: error[io]: file is larger than the limit of 256 KiB")
    .stdout_has("src/a.rs:1:48:");
    synclint(
        root,
        &["--format", "short", "--max-file-size", "40MiB", "src"],
    )
    .code(1)
    .stdout_has("src/a.rs:1:48:");
    write(root, "synclint.toml", "max_file_size = \"256KiB\"\n");
    synclint(root, &["--format", "short", "src/small.rs"])
        .code(2)
        .stdout_has("src/small.rs: error[io]: file is larger than the limit of 256 KiB");
    // The flag wins over the file.
    synclint(
        root,
        &[
            "--format",
            "short",
            "--max-file-size",
            "1MiB",
            "src/small.rs",
        ],
    )
    .code(0);
    write(root, "synclint.toml", "max_file_size = \"lots\"\n");
    synclint(root, &["src/a.rs"])
        .code(2)
        .stderr_has("`max_file_size` is not a valid size");
    synclint(root, &["--max-file-size", "0", "src/a.rs"]).code(2);
}

#[test]
fn a_proc_file_that_never_ends_is_bounded() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    write(root, "src/a.rs", HAZARD);
    // It says its size is 0 and reads on without end; the limit holds on what is
    // read.
    synclint(
        root,
        &["--format", "short", "/proc/self/pagemap", "src/a.rs"],
    )
    .code(2)
    .stdout_has("/proc/self/pagemap: error[io]: file is larger than the limit of 32 MiB")
    .stdout_has("src/a.rs:1:48: warning[lock-across-await]");
    // Through a symlink in the tree it is not read at all.
    std::os::unix::fs::symlink("/proc/self/pagemap", root.join("src/pm.rs")).expect("symlink");
    synclint(root, &["--format", "short", "."])
        .code(1)
        .stderr_has("warning: skipped `src/pm.rs`");
    // Nor can a configuration file or a manifest be one.
    std::os::unix::fs::symlink("/proc/self/pagemap", root.join("Cargo.toml")).expect("symlink");
    synclint(root, &["--format", "short", "src/a.rs"])
        .code(1)
        .stdout_has("src/a.rs:1:48:");
    std::os::unix::fs::symlink("/proc/self/pagemap", root.join("synclint.toml")).expect("symlink");
    synclint(root, &["src/a.rs"])
        .code(2)
        .stderr_has("cannot read `synclint.toml`: larger than 16 MiB");
}

/// The files pre-commit would pass: names that look like flags, and the files those
/// flags would overwrite or read.
fn flag_named_files(root: &Path) {
    write(root, "--write-baseline=x.rs", HAZARD);
    write(root, "--baseline=y.rs", HAZARD);
    write(root, "x.rs", CLEAN);
    write(root, "y.rs", CLEAN);
}

#[test]
fn staged_file_names_are_never_flags() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    flag_named_files(root);
    // As pre-commit runs the hook: `entry`, the user's `args`, then the files.
    for user_args in [
        &[][..],
        &["--format", "short"],
        &["--format=short", "--warn", "lock-across-await"],
        &["-q", "--format", "short", "--edition", "2021"],
    ] {
        let mut args = vec!["--pre-commit"];
        args.extend_from_slice(user_args);
        args.extend(["--baseline=y.rs", "--write-baseline=x.rs", "y.rs"]);
        let out = synclint(root, &args);
        out.code(1)
            .stdout_has("--baseline=y.rs")
            .stdout_has("--write-baseline=x.rs")
            .never_shows("recorded");
        if !user_args.is_empty() {
            out.stdout_has("--write-baseline=x.rs:1:48: warning[lock-across-await]");
        }
        assert_eq!(
            std::fs::read_to_string(root.join("x.rs")).expect("x.rs"),
            CLEAN,
            "x.rs was overwritten"
        );
    }
    // The user's own options still work as options: a baseline they name is used.
    let out = synclint(
        root,
        &[
            "--pre-commit",
            "--write-baseline",
            "base.json",
            "--write-baseline=x.rs",
        ],
    );
    out.code(0).stderr_has("recorded 1 finding in `base.json`");
    synclint(
        root,
        &[
            "--pre-commit",
            "--baseline",
            "base.json",
            "--write-baseline=x.rs",
        ],
    )
    .code(0);
    assert_eq!(
        std::fs::read_to_string(root.join("x.rs")).expect("x.rs"),
        CLEAN
    );
    // Without `--pre-commit`, `--` does the same.
    synclint(root, &["--format", "short", "--", "--write-baseline=x.rs"])
        .code(1)
        .stdout_has("--write-baseline=x.rs:1:48:");
}
