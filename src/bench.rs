//! Measurements for the `synclint-bench` binary: the parse-only floor that any
//! syn-based tool pays, the size of a set of source files, and the peak memory of the
//! current process.
//!
//! The floor does what the analysis does before it learns anything: it reads each
//! file, parses the same text the analysis parses (literal number tables blanked, see
//! [`blank_literal_tables`]) with `syn`, walks the tree once with a visitor that does
//! nothing, and clears the thread's span table after each file, on a rayon pool of the
//! same shape as the analysis's. Comparing [`crate::check`] with [`parse_floor`] on
//! the same files shows what the rules, the model and the graphs cost on top.
//!
//! This module measures and, in [`fetch_corpus`], vendors the shared corpus that
//! `synclint-bench` and `synclint-ecosystem` both read; it does not print or time (the
//! bench binary does that, one child process per measurement so that each peak
//! memory figure is its own).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use rayon::prelude::*;

use crate::config::Config;
use crate::discover;
use crate::error::Error;
use crate::source::blank_literal_tables;

/// The same stack per worker as the analysis reserves: parsing recurses once per
/// nesting level, and the floor must not fail where the analysis succeeds.
const WORKER_STACK: usize = 512 << 20;

/// Vendors the shared corpus of real crates into `target/bench-corpus` of the package
/// at `root` (the folder of synclint's `Cargo.toml`) and returns that folder.
///
/// It runs `../shared/bench/fetch-corpus.sh target/bench-corpus` from `root`; the
/// script fetches the pinned crates with `cargo vendor` and does nothing when the
/// corpus is there already. Its progress goes to this process's standard error.
pub fn fetch_corpus(root: &Path) -> Result<PathBuf, String> {
    let script = root.join("../shared/bench/fetch-corpus.sh");
    let dest = root.join("target/bench-corpus");
    if !script.is_file() {
        return Err(format!(
            "`{}` not found; give the corpus folder as PATH",
            script.display()
        ));
    }
    let status = Command::new("bash")
        .arg(&script)
        .arg(&dest)
        .current_dir(root)
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run `{}`: {e}", script.display()))?;
    if !status.success() {
        return Err(format!("`{}` failed ({status})", script.display()));
    }
    Ok(dest)
}

/// The `.rs` files that [`crate::check`] would read under `paths`, in its order.
pub fn corpus_files(paths: &[PathBuf], config: &Config) -> Result<Vec<PathBuf>, Error> {
    Ok(discover::discover(paths, config)?
        .into_iter()
        .map(|d| d.path)
        .collect())
}

/// How big a set of source files is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Size {
    /// Files that could be read.
    pub files: usize,
    /// Newline characters in them, as `wc -l` counts lines.
    pub lines: u64,
    /// Their total size in bytes.
    pub bytes: u64,
}

/// Reads every file once and adds up its lines and bytes. Files that cannot be read
/// are left out of the count.
pub fn measure_size(files: &[PathBuf]) -> Size {
    files
        .par_iter()
        .filter_map(|path| std::fs::read(path).ok())
        .map(|bytes| Size {
            files: 1,
            lines: bytes.iter().filter(|&&b| b == b'\n').count() as u64,
            bytes: bytes.len() as u64,
        })
        .reduce(Size::default, |a, b| Size {
            files: a.files + b.files,
            lines: a.lines + b.lines,
            bytes: a.bytes + b.bytes,
        })
}

/// What one pass of the parse-only floor saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FloorOutcome {
    /// Files parsed into a syntax tree and walked.
    pub parsed: usize,
    /// Files that were read but did not parse.
    pub failed: usize,
    /// Files that could not be read or were not UTF-8.
    pub unreadable: usize,
}

/// Reads, parses and walks every file once with no rules, on `threads` workers (all
/// cores when `None`).
pub fn parse_floor(files: &[PathBuf], threads: Option<usize>) -> FloorOutcome {
    let mut builder = rayon::ThreadPoolBuilder::new().stack_size(WORKER_STACK);
    if let Some(n) = threads {
        builder = builder.num_threads(n.max(1));
    }
    let run = || {
        files
            .par_iter()
            // One file per task, as the analysis schedules them.
            .with_max_len(1)
            .map(|path| parse_one(path))
            .reduce(FloorOutcome::default, |a, b| FloorOutcome {
                parsed: a.parsed + b.parsed,
                failed: a.failed + b.failed,
                unreadable: a.unreadable + b.unreadable,
            })
    };
    match builder.build() {
        Ok(pool) => pool.install(run),
        Err(_) => run(),
    }
}

/// A visitor that visits every node and records nothing.
struct Noop;

impl<'ast> syn::visit::Visit<'ast> for Noop {}

fn parse_one(path: &Path) -> FloorOutcome {
    let Ok(text) = std::fs::read(path).map(String::from_utf8) else {
        return FloorOutcome {
            unreadable: 1,
            ..FloorOutcome::default()
        };
    };
    let Ok(text) = text else {
        return FloorOutcome {
            unreadable: 1,
            ..FloorOutcome::default()
        };
    };
    let blanked = blank_literal_tables(&text);
    let outcome = match syn::parse_file(&blanked) {
        Ok(ast) => {
            syn::visit::Visit::visit_file(&mut Noop, &ast);
            FloorOutcome {
                parsed: 1,
                ..FloorOutcome::default()
            }
        }
        Err(_) => FloorOutcome {
            failed: 1,
            ..FloorOutcome::default()
        },
    };
    // The analysis clears the thread's span table after each file; so does the floor,
    // so that both keep the same memory and pay the same cost.
    proc_macro2::extra::invalidate_current_thread_spans();
    outcome
}

/// The peak resident memory of this process so far, in bytes (`VmHWM` in
/// `/proc/self/status`); `None` where that file does not exist.
pub fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// The processor time this process has used so far (user and system, every thread),
/// in seconds; `None` where `/proc/self/stat` does not exist.
///
/// Unlike wall time it hardly changes when other programs share the machine, so it
/// keeps the ratio of two measurements meaningful on a busy machine. Linux counts it
/// in ticks of `USER_HZ`, which is 100 on every architecture it exports to user space.
pub fn cpu_time() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) is in parentheses and may contain spaces; fields
    // 14 and 15 (utime, stime) count from after it.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) as f64 / 100.0)
}

/// The processor time every program on the machine has used since boot (all cores,
/// idle and I/O wait left out), in seconds; `None` where `/proc/stat` does not exist.
///
/// The difference over a measurement, less the measured process's own
/// [`cpu_time`], is what other programs took from the machine meanwhile.
pub fn machine_busy_time() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .map(|t| t.parse().unwrap_or(0))
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    let busy: u64 = [0, 1, 2, 5, 6, 7]
        .iter()
        .filter_map(|&i| ticks.get(i))
        .sum();
    Some(busy as f64 / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_counts_parsed_failed_and_unreadable_files() {
        let dir = tempfile::tempdir().expect("create a temporary folder");
        let good = dir.path().join("good.rs");
        let bad = dir.path().join("bad.rs");
        let latin1 = dir.path().join("latin1.rs");
        std::fs::write(&good, "fn f() { g(1, 2); }\n").expect("write");
        std::fs::write(&bad, "fn f( {\n").expect("write");
        std::fs::write(&latin1, b"// caf\xe9\n").expect("write");
        let missing = dir.path().join("missing.rs");
        let files = vec![good.clone(), bad, latin1, missing];
        let outcome = parse_floor(&files, Some(2));
        assert_eq!(
            outcome,
            FloorOutcome {
                parsed: 1,
                failed: 1,
                unreadable: 2
            }
        );
        let size = measure_size(&[good]);
        assert_eq!((size.files, size.lines, size.bytes), (1, 1, 20));
    }

    #[test]
    fn peak_memory_and_cpu_time_are_read_on_linux() {
        if Path::new("/proc/self/status").exists() {
            assert!(peak_memory().is_some_and(|b| b > 0));
            let before = cpu_time().expect("cpu time on linux");
            let mut x = 0u64;
            let start = std::time::Instant::now();
            while start.elapsed() < std::time::Duration::from_millis(50) {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
            }
            let after = cpu_time().expect("cpu time on linux");
            assert!(after >= before, "{before} then {after}");
            assert!(machine_busy_time().is_some_and(|t| t >= after));
        }
    }
}
