//! Shared helpers of the tests that run the built binaries: temporary folders and the
//! files written into them, a command with an empty environment (under a memory
//! limit when asked), running it with both streams read and a time limit, and the
//! assertions on what a run printed.
//!
//! A run never touches the network or the real home folder: the environment is
//! empty but for `HOME`, set to the folder the command runs in, and what a test adds.

use std::ffi::OsStr;
use std::io::Read;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The `synclint` binary under test.
pub const SYNCLINT: &str = env!("CARGO_BIN_EXE_synclint");
/// The `cargo-synclint` binary under test.
pub const CARGO_SYNCLINT: &str = env!("CARGO_BIN_EXE_cargo-synclint");
/// The cargo that builds these tests, set as cargo sets it for `cargo synclint`.
pub const CARGO: &str = env!("CARGO");

/// A guard held across `.await`: one `lock-across-await` finding at 1:48.
pub const HAZARD: &str =
    "async fn f(m: &std::sync::Mutex<u8>) { let g = m.lock().unwrap(); x().await; }\n";
/// A lock taken and released in one expression: no finding.
pub const CLEAN: &str = "fn ok(m: &std::sync::Mutex<u8>) -> u8 { *m.lock().unwrap() }\n";

/// A fresh temporary folder, removed when dropped.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("create a temporary folder")
}

/// Writes `contents` to `rel` under `dir`, creating folders as needed.
#[track_caller]
pub fn write(dir: &Path, rel: &str, contents: impl AsRef<[u8]>) {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create folders");
    }
    std::fs::write(path, contents).expect("write a file");
}

/// `program ARGS` run in `dir` with an empty environment but `HOME` (set to `dir`),
/// and stdin closed.
pub fn command<S: AsRef<OsStr>>(program: impl AsRef<OsStr>, dir: &Path, args: &[S]) -> Command {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(dir)
        .env_clear()
        .env("HOME", dir)
        .stdin(Stdio::null());
    cmd
}

/// [`command`] under `ulimit -v` of `limit_kib` KiB, through `sh`.
pub fn command_limited<S: AsRef<OsStr>>(
    program: impl AsRef<OsStr>,
    dir: &Path,
    args: &[S],
    limit_kib: u64,
) -> Command {
    let mut cmd = command("sh", dir, &[] as &[&str]);
    cmd.arg("-c")
        .arg(format!("ulimit -v {limit_kib} && exec \"$@\""))
        .arg("sh")
        .arg(program)
        .args(args);
    cmd
}

/// What a run printed and how it ended, and how long it took.
#[derive(Debug)]
pub struct Run {
    /// How the process ended.
    pub status: ExitStatus,
    /// The exit code; `None` when a signal ended the process.
    pub code: Option<i32>,
    /// Standard output (invalid UTF-8 replaced; see [`Run::utf8`]).
    pub stdout: String,
    /// Standard error, the same way.
    pub stderr: String,
    /// From the start to the exit.
    pub took: Duration,
    /// Whether stdout and stderr were valid UTF-8.
    valid: (bool, bool),
}

/// Runs `cmd`, reading both streams while it runs so that a full pipe cannot stall
/// it; kills it (the child this started, by its handle) and fails the test after
/// `limit`: a hang is a failure too.
#[track_caller]
pub fn run(mut cmd: Command, limit: Duration) -> Run {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {cmd:?}: {e}"));
    let read = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes).map(|_| bytes)
        })
    };
    let stdout = read(Box::new(
        child.stdout.take().expect("invariant: stdout is piped"),
    ));
    let stderr = read(Box::new(
        child.stderr.take().expect("invariant: stderr is piped"),
    ));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let took = start.elapsed();
    let bytes = |reader: std::thread::JoinHandle<std::io::Result<Vec<u8>>>| {
        reader
            .join()
            .expect("the reader thread")
            .expect("read a stream")
    };
    let mut run = Run::from_output(std::process::Output {
        status,
        stdout: bytes(stdout),
        stderr: bytes(stderr),
    });
    run.took = took;
    run
}

impl Run {
    /// The run of a process already waited for (`Command::output`), which took no
    /// time that was measured.
    #[track_caller]
    pub fn from_output(out: std::process::Output) -> Run {
        let text = |bytes: Vec<u8>| match String::from_utf8(bytes) {
            Ok(text) => (text, true),
            Err(e) => (String::from_utf8_lossy(e.as_bytes()).into_owned(), false),
        };
        let (stdout, out_valid) = text(out.stdout);
        let (stderr, err_valid) = text(out.stderr);
        Run {
            status: out.status,
            code: out.status.code(),
            stdout,
            stderr,
            took: Duration::ZERO,
            valid: (out_valid, err_valid),
        }
    }

    /// Whether stdout was valid UTF-8.
    pub fn stdout_is_utf8(&self) -> bool {
        self.valid.0
    }

    /// The run, failing the test unless both streams were valid UTF-8.
    #[track_caller]
    pub fn utf8(self) -> Run {
        assert!(self.valid.0, "output is UTF-8");
        assert!(self.valid.1, "stderr is UTF-8");
        self
    }

    /// The exit code, failing the test when the process died of a signal or exited
    /// with anything but 0, 1 or 2.
    #[track_caller]
    pub fn exit_code(&self) -> i32 {
        match self.code {
            Some(code @ 0..=2) => code,
            Some(code) => panic!("exit code {code}, expected 0, 1 or 2\n{self:#?}"),
            None => panic!(
                "killed by a signal ({}), expected an exit code\n{self:#?}",
                signal_of(self.status)
            ),
        }
    }

    /// Fails the test unless the run exited with `expected`.
    #[track_caller]
    pub fn code(&self, expected: i32) -> &Run {
        assert_eq!(
            self.code,
            Some(expected),
            "exit code; the run was {self:#?}"
        );
        self
    }

    /// Fails the test unless stdout is `expected`.
    #[track_caller]
    pub fn stdout_is(&self, expected: &str) -> &Run {
        assert_eq!(self.stdout, expected, "stdout; the run was {self:#?}");
        self
    }

    /// Fails the test unless stdout contains `needle`.
    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Run {
        assert!(
            self.stdout.contains(needle),
            "stdout should contain {needle:?}; the run was {self:#?}"
        );
        self
    }

    /// Fails the test when stdout contains `needle`.
    #[track_caller]
    pub fn stdout_lacks(&self, needle: &str) -> &Run {
        assert!(
            !self.stdout.contains(needle),
            "stdout should not contain {needle:?}; the run was {self:#?}"
        );
        self
    }

    /// Fails the test unless stderr is `expected`.
    #[track_caller]
    pub fn stderr_is(&self, expected: &str) -> &Run {
        assert_eq!(self.stderr, expected, "stderr; the run was {self:#?}");
        self
    }

    /// Fails the test unless stderr contains `needle`.
    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Run {
        assert!(
            self.stderr.contains(needle),
            "stderr should contain {needle:?}; the run was {self:#?}"
        );
        self
    }

    /// Fails the test when either stream contains `needle`.
    #[track_caller]
    pub fn never_shows(&self, needle: &str) -> &Run {
        assert!(
            !self.stdout.contains(needle) && !self.stderr.contains(needle),
            "the output should not contain {needle:?}; the run was {self:#?}"
        );
        self
    }

    /// Stdout read as JSON, failing the test when it is not.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}); the run was {self:#?}"))
    }
}

#[cfg(unix)]
fn signal_of(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    status
        .signal()
        .map_or("unknown".to_string(), |s| s.to_string())
}

#[cfg(not(unix))]
fn signal_of(_: ExitStatus) -> String {
    "unknown".to_string()
}
