//! `synclint-bench`: times synclint against the parse-only floor on a corpus of real
//! code and prints the figures `docs/performance.md` keeps.
//!
//! `synclint-bench [PATH]` with no path vendors the shared corpus first (it runs
//! `../shared/bench/fetch-corpus.sh target/bench-corpus` from the package root,
//! which does nothing when the corpus is there already). On the same files it then
//! measures, each several times and each in a fresh child process (the binary runs
//! itself with the hidden `measure` subcommand), so that every figure has its own
//! peak memory:
//!
//! - the parse-only floor ([`synclint::bench::parse_floor`]): read, parse, one
//!   no-op walk;
//! - the full default analysis ([`synclint::check`] with the default configuration);
//!
//! both on one thread and on `--threads N` (default: every core). Both include
//! finding the files ([`synclint::discover::discover`]), as a run of the tool does.
//! It reports medians, the ratio of the analysis to the floor, the speedup from more
//! threads, peak memory against four times the size of the sources, and files and
//! lines per second; `--json` prints the same as one JSON object.
//!
//! It does not check what the analysis finds: the finding and problem counts are
//! printed only so that a change in them is noticed.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};
use serde::{Deserialize, Serialize};

/// Times synclint against the parse-only floor on a corpus of real code.
#[derive(Debug, Parser)]
#[command(
    name = "synclint-bench",
    version,
    max_term_width = 100,
    args_conflicts_with_subcommands = true
)]
struct Args {
    #[command(subcommand)]
    measure: Option<Measure>,

    /// The folder to measure [default: the shared corpus, fetched into
    /// `target/bench-corpus`]
    #[arg(value_name = "PATH")]
    path: Option<PathBuf>,

    /// Measurements of each kind; the medians are reported
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,

    /// Threads for the parallel measurements [default: one per core]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    threads: Option<u32>,

    /// Print one JSON object instead of a table
    #[arg(long)]
    json: bool,

    /// Repeat a run (up to 3 times) when other programs used more than this share of
    /// one core during it; 0 repeats none
    #[arg(long, value_name = "CORES", default_value_t = 0.25)]
    max_other_load: f64,
}

/// The hidden subcommand a child process runs: one measurement, one JSON line.
#[derive(Debug, Subcommand)]
enum Measure {
    #[command(hide = true)]
    Measure {
        #[arg(value_enum)]
        mode: Mode,
        #[arg(long)]
        threads: usize,
        path: PathBuf,
    },
}

/// What a child process measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
enum Mode {
    /// Find, read, parse and walk each file, no rules.
    Floor,
    /// `synclint::check` with the default configuration.
    Full,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Mode::Floor => "floor",
            Mode::Full => "full",
        }
    }
}

/// What one child process reports.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
struct Sample {
    seconds: f64,
    cpu_seconds: f64,
    /// Cores' worth of processor time other programs used during the run; filled
    /// in by the parent.
    #[serde(default)]
    other_load: f64,
    peak_memory: u64,
    files: usize,
    failed: usize,
    findings: usize,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(Measure::Measure {
        mode,
        threads,
        path,
    }) = args.measure
    {
        return child(mode, threads, &path);
    }
    match parent(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "synclint-bench: {message}");
            ExitCode::from(2)
        }
    }
}

/// Runs one measurement in this process and prints it as one JSON line.
fn child(mode: Mode, threads: usize, path: &Path) -> ExitCode {
    let paths = [path.to_path_buf()];
    let config = synclint::Config {
        threads: Some(threads),
        ..synclint::Config::default()
    };
    let start = Instant::now();
    let (files, failed, findings) = match mode {
        Mode::Floor => {
            let files = match synclint::bench::corpus_files(&paths, &config) {
                Ok(files) => files,
                Err(e) => return child_error(&e.to_string()),
            };
            let outcome = synclint::bench::parse_floor(&files, Some(threads));
            (outcome.parsed, outcome.failed + outcome.unreadable, 0)
        }
        Mode::Full => match synclint::check(&paths, &config) {
            Ok(report) => (
                report.files_checked,
                report.problems.len(),
                report.findings.len(),
            ),
            Err(e) => return child_error(&e.to_string()),
        },
    };
    let seconds = start.elapsed().as_secs_f64();
    let sample = Sample {
        seconds,
        cpu_seconds: synclint::bench::cpu_time().unwrap_or(0.0),
        other_load: 0.0,
        peak_memory: synclint::bench::peak_memory().unwrap_or(0),
        files,
        failed,
        findings,
    };
    match serde_json::to_string(&sample) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => child_error(&e.to_string()),
    }
}

fn child_error(message: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "synclint-bench measure: {message}");
    ExitCode::from(2)
}

/// The medians of one kind of measurement.
#[derive(Clone, Copy, Debug, Serialize)]
struct Figure {
    mode: Mode,
    threads: usize,
    runs: usize,
    seconds: f64,
    seconds_min: f64,
    seconds_max: f64,
    cpu_seconds: f64,
    other_load: f64,
    peak_memory: u64,
    files: usize,
    failed: usize,
    findings: usize,
}

/// Everything one benchmark run measured.
#[derive(Debug, Serialize)]
struct Results {
    corpus: String,
    files: usize,
    lines: u64,
    bytes: u64,
    memory_bound: u64,
    threads: usize,
    cpus: usize,
    cpu_model: Option<String>,
    memory_total: Option<u64>,
    load_before: Option<String>,
    repeated: usize,
    figures: Vec<Figure>,
    ratio_1: f64,
    ratio_n: f64,
    ratio_cpu: f64,
    speedup_floor: f64,
    speedup_full: f64,
    best_ratio_1: f64,
    best_ratio_n: f64,
    best_speedup_floor: f64,
    best_speedup_full: f64,
    /// Medians over the rounds of each round's own ratio: the runs of one round
    /// follow each other, so a slow spell of the machine weighs on both sides.
    paired_ratio_1: f64,
    paired_ratio_n: f64,
    paired_speedup_full: f64,
    files_per_second: f64,
    lines_per_second: f64,
}

fn parent(args: &Args) -> Result<(), String> {
    let corpus = match &args.path {
        Some(path) => path.clone(),
        None => synclint::bench::fetch_corpus(Path::new(env!("CARGO_MANIFEST_DIR")))?,
    };
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    let threads = args.threads.map_or(cpus, |n| n as usize);
    let files = synclint::bench::corpus_files(std::slice::from_ref(&corpus), &Default::default())
        .map_err(|e| format!("cannot list the files of `{}`: {e}", corpus.display()))?;
    if files.is_empty() {
        return Err(format!("no `.rs` files under `{}`", corpus.display()));
    }
    // Reading every file once also warms the page cache, so that the first run is
    // not the only one that reads from disk.
    let size = synclint::bench::measure_size(&files);
    // Other work on the machine skews every figure; the load average says whether
    // there was any.
    let load_before = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "));
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;

    let mut kinds = vec![(Mode::Floor, 1), (Mode::Full, 1)];
    if threads != 1 {
        kinds.push((Mode::Floor, threads));
        kinds.push((Mode::Full, threads));
    }
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); kinds.len()];
    let show = !args.json && std::io::stderr().is_terminal();
    let mut repeated = 0;
    // Interleaved, so that a slow spell of the machine spreads over every kind.
    for run in 0..args.runs {
        for (i, &(mode, n)) in kinds.iter().enumerate() {
            if show {
                eprint!(
                    "\rrun {}/{}: {:<5} on {n} thread{}   ",
                    run + 1,
                    args.runs,
                    mode.as_str(),
                    if n == 1 { "" } else { "s" }
                );
            }
            let mut sample = measure(&exe, mode, n, &corpus)?;
            for _ in 0..3 {
                // Shorter runs are below the resolution of the processor clocks.
                if args.max_other_load <= 0.0
                    || sample.seconds < 1.0
                    || sample.other_load <= args.max_other_load
                {
                    break;
                }
                repeated += 1;
                sample = measure(&exe, mode, n, &corpus)?;
            }
            samples[i].push(sample);
        }
    }
    if show {
        eprint!("\r{:60}\r", "");
    }
    let figures: Vec<Figure> = kinds
        .iter()
        .zip(&samples)
        .map(|(&(mode, n), runs)| figure(mode, n, runs))
        .collect();
    let get = |mode: Mode, n: usize| {
        figures
            .iter()
            .find(|f| f.mode == mode && f.threads == n)
            .copied()
            .expect("invariant: every kind was measured")
    };
    let seconds = |mode: Mode, n: usize| -> Vec<f64> {
        kinds
            .iter()
            .position(|&k| k == (mode, n))
            .map(|i| samples[i].iter().map(|s| s.seconds).collect())
            .unwrap_or_default()
    };
    let paired = |a: Vec<f64>, b: Vec<f64>| median(a.iter().zip(&b).map(|(a, b)| a / b).collect());
    let paired_ratio_1 = paired(seconds(Mode::Full, 1), seconds(Mode::Floor, 1));
    let paired_ratio_n = paired(seconds(Mode::Full, threads), seconds(Mode::Floor, threads));
    let paired_speedup_full = paired(seconds(Mode::Full, 1), seconds(Mode::Full, threads));
    let (floor_1, full_1) = (get(Mode::Floor, 1), get(Mode::Full, 1));
    let (floor_n, full_n) = (get(Mode::Floor, threads), get(Mode::Full, threads));
    let (memory_total, cpu_model) = machine();
    let results = Results {
        corpus: corpus.display().to_string(),
        files: files.len(),
        lines: size.lines,
        bytes: size.bytes,
        memory_bound: 4 * size.bytes,
        threads,
        cpus,
        cpu_model,
        memory_total,
        load_before,
        repeated,
        ratio_1: full_1.seconds / floor_1.seconds,
        ratio_n: full_n.seconds / floor_n.seconds,
        ratio_cpu: full_1.cpu_seconds / floor_1.cpu_seconds,
        speedup_floor: floor_1.seconds / floor_n.seconds,
        speedup_full: full_1.seconds / full_n.seconds,
        best_ratio_1: full_1.seconds_min / floor_1.seconds_min,
        best_ratio_n: full_n.seconds_min / floor_n.seconds_min,
        best_speedup_floor: floor_1.seconds_min / floor_n.seconds_min,
        best_speedup_full: full_1.seconds_min / full_n.seconds_min,
        paired_ratio_1,
        paired_ratio_n,
        paired_speedup_full,
        files_per_second: files.len() as f64 / full_n.seconds,
        lines_per_second: size.lines as f64 / full_n.seconds,
        figures,
    };
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        serde_json::to_string_pretty(&results)
            .map_err(std::io::Error::other)
            .and_then(|s| writeln!(out, "{s}"))
    } else {
        print_table(&mut out, &results)
    };
    written.map_err(|e| format!("cannot write the results: {e}"))
}

/// One measurement in a child process.
fn measure(exe: &Path, mode: Mode, threads: usize, corpus: &Path) -> Result<Sample, String> {
    let busy_before = synclint::bench::machine_busy_time();
    let out = Command::new(exe)
        .arg("measure")
        .arg(mode.as_str())
        .arg("--threads")
        .arg(threads.to_string())
        .arg(corpus)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot start a measurement: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "the {} measurement on {threads} thread(s) failed ({})",
            mode.as_str(),
            out.status
        ));
    }
    let busy_after = synclint::bench::machine_busy_time();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut sample: Sample = serde_json::from_str(text.trim())
        .map_err(|e| format!("cannot read a measurement ({e}): {}", text.trim()))?;
    if let (Some(before), Some(after)) = (busy_before, busy_after) {
        let others = (after - before - sample.cpu_seconds).max(0.0);
        sample.other_load = others / sample.seconds.max(0.01);
    }
    Ok(sample)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn figure(mode: Mode, threads: usize, runs: &[Sample]) -> Figure {
    let seconds: Vec<f64> = runs.iter().map(|s| s.seconds).collect();
    let memory = median(runs.iter().map(|s| s.peak_memory as f64).collect());
    let last = runs.last().copied().expect("invariant: at least one run");
    Figure {
        mode,
        threads,
        runs: runs.len(),
        seconds: median(seconds.clone()),
        seconds_min: seconds.iter().copied().fold(f64::INFINITY, f64::min),
        seconds_max: seconds.iter().copied().fold(0.0, f64::max),
        cpu_seconds: median(runs.iter().map(|s| s.cpu_seconds).collect()),
        other_load: median(runs.iter().map(|s| s.other_load).collect()),
        peak_memory: memory as u64,
        files: last.files,
        failed: last.failed,
        findings: last.findings,
    }
}

/// Total memory and CPU model, from `/proc` where it exists.
fn machine() -> (Option<u64>, Option<String>) {
    let memory = std::fs::read_to_string("/proc/meminfo").ok().and_then(|s| {
        let line = s.lines().find(|l| l.starts_with("MemTotal:"))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    });
    let model = std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|s| {
        let line = s.lines().find(|l| l.starts_with("model name"))?;
        Some(line.split_once(':')?.1.trim().to_string())
    });
    (memory, model)
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn print_table(out: &mut impl Write, r: &Results) -> std::io::Result<()> {
    writeln!(out, "corpus    {}", r.corpus)?;
    writeln!(
        out,
        "sources   {} files, {} lines, {} (4x: {})",
        thousands(r.files as u64),
        thousands(r.lines),
        mb(r.bytes),
        mb(r.memory_bound)
    )?;
    writeln!(
        out,
        "machine   {} cpus ({}), {} memory; {} measurement(s) each, medians",
        r.cpus,
        r.cpu_model.as_deref().unwrap_or("unknown model"),
        r.memory_total.map_or("unknown".to_string(), mb),
        r.figures.first().map_or(0, |f| f.runs)
    )?;
    if let Some(load) = &r.load_before {
        writeln!(
            out,
            "load      {load} (1, 5, 15 min averages before the run); {} run(s) repeated \
             because other programs were busy",
            r.repeated
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{:<18} {:>7} {:>10} {:>17} {:>9} {:>7} {:>12} {:>7} {:>9}",
        "measurement",
        "threads",
        "time",
        "(min-max)",
        "cpu",
        "others",
        "peak memory",
        "failed",
        "findings"
    )?;
    for f in &r.figures {
        let name = match f.mode {
            Mode::Floor => "parse-only floor",
            Mode::Full => "full analysis",
        };
        writeln!(
            out,
            "{:<18} {:>7} {:>8.2} s {:>17} {:>7.2} s {:>7.2} {:>12} {:>7} {:>9}",
            name,
            f.threads,
            f.seconds,
            format!("({:.2}-{:.2} s)", f.seconds_min, f.seconds_max),
            f.cpu_seconds,
            f.other_load,
            mb(f.peak_memory),
            f.failed,
            if f.mode == Mode::Full {
                f.findings.to_string()
            } else {
                "-".to_string()
            },
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "full / floor          {:.2}x on 1 thread, {:.2}x on {} (fastest runs: {:.2}x, {:.2}x; \
         cpu time: {:.2}x)",
        r.ratio_1, r.ratio_n, r.threads, r.best_ratio_1, r.best_ratio_n, r.ratio_cpu
    )?;
    if r.threads > 1 {
        writeln!(
            out,
            "speedup 1 -> {:<8} floor {:.2}x, full {:.2}x (fastest runs: {:.2}x, {:.2}x)",
            r.threads, r.speedup_floor, r.speedup_full, r.best_speedup_floor, r.best_speedup_full
        )?;
    }
    if r.threads > 1 {
        writeln!(
            out,
            "round by round        full / floor {:.2}x on 1 thread, {:.2}x on {}; speedup of full \
             {:.2}x (medians of each round's own ratio)",
            r.paired_ratio_1, r.paired_ratio_n, r.threads, r.paired_speedup_full
        )?;
    } else {
        writeln!(
            out,
            "round by round        full / floor {:.2}x (median of each round's own ratio)",
            r.paired_ratio_1
        )?;
    }
    let peak = r
        .figures
        .iter()
        .filter(|f| f.mode == Mode::Full)
        .map(|f| f.peak_memory)
        .max()
        .unwrap_or(0);
    writeln!(
        out,
        "peak memory (full)    {} = {:.2}x the sources (bound 4x = {})",
        mb(peak),
        peak as f64 / r.bytes as f64,
        mb(r.memory_bound)
    )?;
    writeln!(
        out,
        "throughput (full, {}) {} files/s, {} lines/s",
        r.threads,
        thousands(r.files_per_second as u64),
        thousands(r.lines_per_second as u64)
    )
}
