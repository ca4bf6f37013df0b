//! The real pre-commit runs this repository's `.pre-commit-hooks.yaml` with
//! `pre-commit try-repo` against a small git repository: the hook must fail on a
//! staged hazard and pass on clean code, and a staged file named like a flag
//! (`--write-baseline=x.rs`) must be checked as a file, never taken as the flag.
//!
//! pre-commit comes from PyPI and is not a Rust dependency, so these tests are
//! `#[ignore]`d: `cargo test` lists them as ignored, with the reason. `.ci/run`
//! installs pre-commit and runs them with `cargo test --test precommit -- --ignored`;
//! run that way, a missing pre-commit is a failure, not a skip. pre-commit's
//! `rust` hooks `cargo install` the hook repository: the build runs offline
//! (`CARGO_NET_OFFLINE`) from the cargo home the tests were built with, into
//! `target/precommit-build` so that later runs are incremental. pre-commit's own
//! cache and `HOME` are in the temporary folder.

mod support;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::bin::{tempdir, write, CLEAN, HAZARD};

/// What to do when pre-commit is missing.
const NEEDS: &str =
    "install it (`python3 -m pip install pre-commit`); .ci/run does, then runs these tests with --ignored";

/// `pre-commit` from `SYNCLINT_PRE_COMMIT` or `PATH`.
fn find_pre_commit() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("SYNCLINT_PRE_COMMIT") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("pre-commit"))
        .find(|p| p.is_file())
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .expect("run git");
    assert!(status.success(), "git {args:?} failed");
}

/// Runs `pre-commit try-repo` of this repository's hook in a new git repository
/// holding `files`, all staged, with `select` (`--files X` or `--all-files`).
struct Demo {
    pre_commit: PathBuf,
    tmp: tempfile::TempDir,
}

impl Demo {
    /// The demo repository; panics when pre-commit or this repository's git
    /// folder is missing (the tests were asked for by name).
    fn new(files: &[(&str, &str)]) -> Demo {
        let Some(pre_commit) = find_pre_commit() else {
            panic!("`pre-commit` is not on `PATH`: {NEEDS}");
        };
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(".git").exists(),
            "this package is not a git repository: `pre-commit try-repo` needs one"
        );
        let demo = Demo {
            pre_commit,
            tmp: tempdir(),
        };
        let work = demo.work();
        for (rel, text) in files {
            write(&work, rel, text);
        }
        std::fs::create_dir_all(demo.tmp.path().join("home")).expect("mkdir");
        git(&work, &["init", "-q"]);
        git(&work, &["add", "."]);
        demo
    }

    fn work(&self) -> PathBuf {
        self.tmp.path().join("demo")
    }

    fn try_repo(&self, select: &[&str]) -> (bool, String) {
        let this_repo = Path::new(env!("CARGO_MANIFEST_DIR")).to_string_lossy();
        let mut args = vec![
            "try-repo",
            &this_repo,
            "synclint",
            "--verbose",
            "--color",
            "never",
        ];
        args.extend_from_slice(select);
        self.run(&args)
    }

    /// `pre-commit ARGS` in the demo repository.
    fn run(&self, args: &[&str]) -> (bool, String) {
        let this_repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        // The toolchain that built this test comes first, so that pre-commit's
        // `cargo install` needs no rustup proxy; the cargo home with the registry
        // cache is the one that toolchain uses.
        let cargo = PathBuf::from(env!("CARGO"));
        let mut path_dirs: Vec<PathBuf> =
            cargo.parent().into_iter().map(Path::to_path_buf).collect();
        path_dirs.extend(
            std::env::var_os("PATH")
                .iter()
                .flat_map(std::env::split_paths),
        );
        let path = std::env::join_paths(path_dirs).expect("valid PATH");
        let real_home = std::env::var_os("HOME").map(PathBuf::from);
        let cargo_home: Option<OsString> = std::env::var_os("CARGO_HOME").or_else(|| {
            real_home
                .as_ref()
                .map(|h| h.join(".cargo").into_os_string())
        });
        let rustup_home: Option<OsString> = std::env::var_os("RUSTUP_HOME").or_else(|| {
            real_home
                .as_ref()
                .map(|h| h.join(".rustup").into_os_string())
        });
        let mut cmd = Command::new(&self.pre_commit);
        cmd.args(args)
            .current_dir(self.work())
            .env("HOME", self.tmp.path().join("home"))
            .env("PRE_COMMIT_HOME", self.tmp.path().join("pre-commit-cache"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("PATH", &path)
            .env("CARGO_NET_OFFLINE", "true")
            .env("CARGO_TARGET_DIR", this_repo.join("target/precommit-build"))
            .env_remove("CARGO")
            .env_remove("RUSTUP_TOOLCHAIN");
        if let Some(dir) = &cargo_home {
            cmd.env("CARGO_HOME", dir);
        }
        if let Some(dir) = &rustup_home {
            cmd.env("RUSTUP_HOME", dir);
        }
        let out = cmd.output().expect("run pre-commit");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }
}

const MANIFEST: &str = "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";

#[test]
#[ignore = "needs pre-commit on PATH; .ci/run installs it and runs this with --ignored"]
fn pre_commit_hook_fails_on_a_hazard_and_passes_on_clean_code() {
    let demo = Demo::new(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", "mod clean;\nmod hazard;\n"),
        ("src/hazard.rs", HAZARD),
        ("src/clean.rs", CLEAN),
    ]);

    let (ok, text) = demo.try_repo(&["--files", "src/hazard.rs"]);
    assert!(!ok, "the hook should fail on a hazard:\n{text}");
    assert!(
        text.contains("lock-across-await") && text.contains("src/hazard.rs"),
        "the hook should show the finding:\n{text}"
    );

    // The crate around `clean.rs` holds a hazard, but not in the file committed.
    let (ok, text) = demo.try_repo(&["--files", "src/clean.rs"]);
    assert!(ok, "the hook should pass on clean code:\n{text}");
    assert!(!text.contains("lock-across-await"), "{text}");
}

/// The hook of `.pre-commit-hooks.yaml` as a local hook of the built binary: its
/// `entry` (with the binary's path), `types` and `require_serial`, plus `args`.
fn local_hook_config(args: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml");
    let text = std::fs::read_to_string(path).expect("the hook file exists");
    let value = |key: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(key))
            .unwrap_or_else(|| panic!("`{key}` missing from the hook"))
            .trim()
            .to_string()
    };
    let entry = value("entry:");
    let rest = entry
        .strip_prefix("synclint")
        .expect("the entry runs synclint");
    format!(
        "repos:\n  - repo: local\n    hooks:\n      - id: synclint\n        name: synclint\n        entry: {}{rest}\n        language: system\n        types: {}\n        require_serial: {}\n        args: {args}\n",
        env!("CARGO_BIN_EXE_synclint"),
        value("types:"),
        value("require_serial:"),
    )
}

#[test]
#[ignore = "needs pre-commit on PATH; .ci/run installs it and runs this with --ignored"]
fn staged_files_named_like_flags_are_checked_as_files() {
    // Each would overwrite or read the file after `=` if taken as a flag; both hold
    // a hazard, so the hook must fail and name them. The hook runs as pre-commit
    // runs it (`entry args... files...`), from the built binary, so that no
    // `cargo install` is needed; the user's `args` must stay options.
    for args in ["[]", "[--format, short]"] {
        let config = local_hook_config(args);
        let demo = Demo::new(&[
            (".pre-commit-config.yaml", config.as_str()),
            ("--write-baseline=x.rs", HAZARD),
            ("--baseline=y.rs", HAZARD),
            ("x.rs", CLEAN),
            ("y.rs", CLEAN),
        ]);
        let (ok, text) = demo.run(&["run", "--all-files", "--verbose", "--color", "never"]);
        assert!(!ok, "the hook should fail on the hazards:\n{text}");
        assert!(
            text.contains("--write-baseline=x.rs") && text.contains("--baseline=y.rs"),
            "both files should be reported:\n{text}"
        );
        assert!(text.contains("lock-across-await"), "{text}");
        if args != "[]" {
            assert!(
                text.contains("--write-baseline=x.rs:1:48: warning[lock-across-await]"),
                "the user's `args` are options:\n{text}"
            );
        }
        assert!(
            !text.contains("recorded"),
            "a baseline was written:\n{text}"
        );
        for name in ["x.rs", "y.rs"] {
            assert_eq!(
                std::fs::read_to_string(demo.work().join(name)).expect("read"),
                CLEAN,
                "`{name}` was changed"
            );
        }
    }
}
