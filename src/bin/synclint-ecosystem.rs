//! `synclint-ecosystem`: runs the default analysis on a corpus of real crates and
//! compares every finding with the committed triage file, like clippy's `lintcheck`
//! and ruff's ecosystem check.
//!
//! `synclint-ecosystem [PATH]` with no path vendors the shared corpus first (through
//! [`synclint::bench::fetch_corpus`], as `synclint-bench` does). It runs what
//! `synclint PATH` runs (every rule at its default level, the configuration found
//! from `PATH` up), in this process, and matches the findings with
//! `triage/corpus.toml` (or `--triage FILE`) as [`synclint::ecosystem`] describes.
//! It prints per rule the findings by verdict, precision and false alarms per 100,000
//! lines, then every new finding and every vanished entry; `--json` prints the same
//! as one JSON object.
//!
//! Exit code 0 when every finding has a verdict and every entry is still reported; 1
//! when a finding is new or `untriaged`, an entry has vanished, an entry is malformed,
//! or a file of the corpus hit an internal error; 2 when the check cannot run.
//! `--update` rewrites the triage file first (matched entries kept, vanished ones
//! dropped, new findings added as `untriaged`), so it still exits 1 until each new
//! entry has a verdict. It does not judge findings itself.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use serde::Serialize;
use synclint::ecosystem::{self, Figures, Verdict};

/// Checks synclint's findings on a corpus of real crates against a triage file.
#[derive(Debug, Parser)]
#[command(name = "synclint-ecosystem", version, max_term_width = 100)]
struct Args {
    /// The corpus root, one folder per crate [default: the shared corpus, fetched
    /// into `target/bench-corpus`]
    #[arg(value_name = "PATH")]
    path: Option<PathBuf>,

    /// The triage file [default: `triage/corpus.toml` of this package]
    #[arg(long, value_name = "FILE")]
    triage: Option<PathBuf>,

    /// Rewrite the triage file: keep the entries that still match (with their
    /// locations brought up to date), drop vanished ones, add new findings as
    /// `untriaged`
    #[arg(long)]
    update: bool,

    /// Print one JSON object instead of the table
    #[arg(long)]
    json: bool,

    /// Worker threads for the analysis [default: one per core]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    threads: Option<u32>,
}

/// A file of the corpus that was not checked.
#[derive(Debug, Serialize)]
struct Unchecked {
    file: String,
    kind: &'static str,
    line: Option<u32>,
    message: String,
}

/// What `--json` prints.
#[derive(Debug, Serialize)]
struct Output<'a> {
    corpus: String,
    triage: String,
    files: usize,
    seconds: f64,
    cpu_seconds: Option<f64>,
    threads: usize,
    entries: usize,
    unchecked: &'a [Unchecked],
    #[serde(flatten)]
    figures: &'a Figures,
    updated: bool,
    passes: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "synclint-ecosystem: {message}");
            ExitCode::from(2)
        }
    }
}

/// Runs the check; `Ok(false)` when it fails.
fn run(args: &Args) -> Result<bool, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = match &args.path {
        Some(path) => path.clone(),
        None => synclint::bench::fetch_corpus(root)?,
    };
    if !corpus.is_dir() {
        return Err(format!("`{}` is not a folder", corpus.display()));
    }
    let triage = args
        .triage
        .clone()
        .unwrap_or_else(|| root.join("triage/corpus.toml"));
    let entries = match std::fs::read_to_string(&triage) {
        Ok(text) => ecosystem::parse_triage(&text)
            .map_err(|e| format!("cannot read `{}`: {e}", triage.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && args.update => Vec::new(),
        Err(e) => {
            return Err(format!(
                "cannot read `{}`: {e} (`--update` creates it)",
                triage.display()
            ))
        }
    };

    // What `synclint PATH` runs: the default levels, adjusted only by a configuration
    // file found from the corpus up, as the command line finds it.
    let mut config = synclint::Config {
        threads: args.threads.map(|n| n as usize),
        ..synclint::Config::default()
    };
    if let Some(file) = synclint::config::find(&corpus, &synclint::suppress::known_ids())
        .map_err(|e| e.to_string())?
    {
        config.apply(file);
    }
    let threads = config
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let paths = [corpus.clone()];
    let start = Instant::now();
    let cpu_before = synclint::bench::cpu_time();
    let report = synclint::check(&paths, &config)
        .map_err(|e| format!("cannot check `{}`: {e}", corpus.display()))?;
    let seconds = start.elapsed().as_secs_f64();
    // Processor time hardly changes when other programs share the machine.
    let cpu_seconds = match (cpu_before, synclint::bench::cpu_time()) {
        (Some(before), Some(after)) => Some(after - before),
        _ => None,
    };
    let files = synclint::bench::corpus_files(&paths, &config)
        .map_err(|e| format!("cannot list the files of `{}`: {e}", corpus.display()))?;
    let size = synclint::bench::measure_size(&files);

    let observed = ecosystem::observe(&report, &corpus);
    let cmp = ecosystem::compare(&entries, &observed);
    let figures = Figures::new(&entries, &observed, &cmp, size.lines);
    let unchecked: Vec<Unchecked> = report
        .problems
        .iter()
        .map(|p| Unchecked {
            file: ecosystem::relative(&p.path, &corpus),
            kind: p.kind.as_str(),
            line: p.span.map(|s| s.line),
            message: p.message.clone(),
        })
        .collect();
    // A file the analysis failed on hides its findings: that is a bug of the tool,
    // not a property of the corpus (files that do not parse are).
    let internal = report
        .problems
        .iter()
        .any(|p| p.kind == synclint::ProblemKind::Internal);

    let mut passes = figures.passes() && !internal;
    if args.update {
        let updated = ecosystem::update(&entries, &observed, &cmp);
        std::fs::write(&triage, ecosystem::render_triage(&updated))
            .map_err(|e| format!("cannot write `{}`: {e}", triage.display()))?;
        let untriaged = updated
            .iter()
            .filter(|e| e.verdict == Verdict::Untriaged)
            .count();
        let _ = writeln!(
            std::io::stderr(),
            "wrote {} entries to `{}`; {untriaged} need a verdict",
            updated.len(),
            triage.display()
        );
        passes = untriaged == 0 && !internal;
    }

    let output = Output {
        corpus: corpus.display().to_string(),
        triage: triage.display().to_string(),
        files: size.files,
        seconds,
        cpu_seconds,
        threads,
        entries: entries.len(),
        unchecked: &unchecked,
        figures: &figures,
        updated: args.update,
        passes,
    };
    let mut out = BufWriter::new(std::io::stdout().lock());
    let written = if args.json {
        serde_json::to_string_pretty(&output)
            .map_err(std::io::Error::other)
            .and_then(|s| writeln!(out, "{s}"))
    } else {
        print_text(&mut out, &output)
    };
    written
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write the results: {e}"))?;
    Ok(passes)
}

fn print_text(out: &mut impl Write, o: &Output) -> std::io::Result<()> {
    writeln!(
        out,
        "corpus    {}: {} files, {} lines",
        o.corpus,
        thousands(o.files as u64),
        thousands(o.figures.lines)
    )?;
    let cpu = o
        .cpu_seconds
        .map_or(String::new(), |c| format!(" ({c:.2} s of processor time)"));
    writeln!(
        out,
        "analysis  {:.2} s{cpu} on {} thread{}, every rule at its default level",
        o.seconds,
        o.threads,
        if o.threads == 1 { "" } else { "s" }
    )?;
    for u in o.unchecked {
        let at = u.line.map_or(String::new(), |l| format!(":{l}"));
        writeln!(out, "unchecked {}{at}: {} ({})", u.file, u.message, u.kind)?;
    }
    writeln!(out, "triage    {}: {} entries", o.triage, o.entries)?;
    writeln!(out)?;
    o.figures.print(out)?;
    if o.passes {
        writeln!(
            out,
            "\nok: every finding has a verdict and every entry is still reported"
        )
    } else if o.updated {
        writeln!(
            out,
            "\nfailed: give each `untriaged` entry of `{}` a verdict and a reason",
            o.triage
        )
    } else {
        writeln!(
            out,
            "\nfailed: the triage file does not match the findings; run with `--update`, \
             then give each `untriaged` entry a verdict and a reason (docs/ecosystem.md)"
        )
    }
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
