//! The command line shared by `synclint` and `cargo synclint`: arguments (clap),
//! turning them into a [`Config`], running [`check`](crate::check), printing, and the
//! exit code.
//!
//! Both binaries are thin wrappers around [`run`]. The difference between them is
//! [`Invocation`]: `cargo synclint` drops the `synclint` argument cargo passes and,
//! given no paths, reads the workspace's manifests for which packages to check (as
//! do `--workspace`, `-p` and `--manifest-path` for either binary). No mode starts
//! another program.
//!
//! `--pre-commit`, first on the command line, makes every argument from the first
//! one that is not an option, or that names an existing file, a path: a staged file
//! named `--write-baseline=x.rs` is checked, never taken as a flag (see
//! [`pre_commit_argv`]).
//!
//! The configuration comes from `--config FILE`, or is looked for from the checked
//! root up (see [`config::find`]) unless `--isolated` is given; level flags apply on
//! top of it. `--baseline` and `--write-baseline` filter and record findings (see
//! [`Baseline`]).
//!
//! Paths left out without being read (not regular files, symlinks out of the checked
//! folders, target paths outside their package) are listed on stderr as
//! `warning: skipped ...` lines; they do not change the exit code.
//!
//! Exit codes: 0 when nothing is reported, 1 when there are findings (0 with
//! `--exit-zero`), 2 on bad usage, bad configuration, a missing path, or any file that
//! could not be read or parsed. A closed stdout (`synclint . | head -1`) ends the run
//! quietly with 0.
//!
//! A run that takes longer than a second shows a progress bar on stderr (files
//! analysed out of files found, and the time so far) when stderr is a terminal and
//! `--quiet` is not given; it is cleared before anything is printed. (`SYNCLINT_PROGRESS_DELAY_MS`
//! changes the one-second delay, for the tests.)
//!
//! `server`, first on the command line, starts the language server instead
//! ([`crate::server`]).
//!
//! This module does not analyse anything and does not know how findings look: that
//! is [`report`]'s job.

use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::Duration;

use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser};

use crate::config::{self, Config, FileConfig, Level};
use crate::discover::{self, CargoSelection};
use crate::error::Error;
use crate::report::finding::{RuleMeta, Severity};
use crate::report::lock_graph::GraphFormat;
use crate::report::{self, Format, Printer, Style};
use crate::rules;
use crate::source::Edition;
use crate::suppress::{self, Baseline};

mod output;

use output::{
    apply_fixes, check_buffer_alone, output, print_lock_graph, print_statistics, read_stdin,
    show_diff,
};

/// Which binary is running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invocation {
    /// `synclint [PATHS...]`; no paths means `.`.
    Synclint,
    /// `cargo synclint [PATHS...]`, run by cargo as `cargo-synclint synclint ...`;
    /// no paths means the packages the workspace's manifests select.
    Cargo,
}

/// Finds concurrency hazards in Rust source code without compiling it.
#[derive(Debug, Parser)]
#[command(
    name = "synclint",
    version,
    max_term_width = 100,
    after_help = "`synclint server` runs a language server on stdin and stdout (docs/editors.md)."
)]
struct Args {
    /// Files or folders to check [default: the current folder; for `cargo synclint`, the
    /// current package]
    #[arg(value_name = "PATHS")]
    paths: Vec<PathBuf>,

    /// Output format
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = Format::Human)]
    format: Format,

    /// Write what would go to stdout (findings, statistics, a diff or the lock graph)
    /// to this file instead
    #[arg(short = 'o', long, value_name = "FILE")]
    output_file: Option<PathBuf>,

    /// When to colour the output: `auto` colours a terminal unless `NO_COLOR` is set
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    color: ColorChoice,

    /// Print how many findings each rule reported instead of the findings
    #[arg(long, conflicts_with_all = ["diff", "write_baseline"])]
    statistics: bool,

    /// Read the text of this file from stdin instead of from the disk, and check it
    /// with the rest of its crate (for editors); the file need not exist
    #[arg(
        long,
        value_name = "PATH",
        conflicts_with_all = ["paths", "fix", "workspace", "package", "manifest_path"]
    )]
    stdin_filename: Option<PathBuf>,

    /// Run only this rule (repeatable)
    #[arg(long = "rule", value_name = "ID")]
    rule: Vec<String>,

    /// Do not report this rule (repeatable)
    #[arg(long, value_name = "ID")]
    allow: Vec<String>,

    /// Report this rule as a warning (repeatable)
    #[arg(long, value_name = "ID")]
    warn: Vec<String>,

    /// Report this rule as an error (repeatable)
    #[arg(long, value_name = "ID")]
    deny: Vec<String>,

    /// Print the page of a rule and exit
    #[arg(long, value_name = "ID", conflicts_with = "list_rules")]
    explain: Option<String>,

    /// Print every rule with its default level and summary, and exit
    #[arg(long)]
    list_rules: bool,

    /// The edition to assume for every file [default: from `Cargo.toml`, else 2021]
    #[arg(long, value_enum, value_name = "YEAR")]
    edition: Option<EditionArg>,

    /// Number of worker threads [default: one per core]
    #[arg(long, value_name = "N", value_parser = parse_threads)]
    threads: Option<usize>,

    /// Read the configuration from this file [default: `synclint.toml` or `Cargo.toml`
    /// metadata, from the checked folder up]
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Ignore every `synclint.toml` and `[*.metadata.synclint]` table in the tree
    /// (`--config` still applies)
    #[arg(long)]
    isolated: bool,

    /// Report a file larger than this as a problem instead of reading it, such as
    /// `10MiB` or a number of bytes [default: 32MiB]
    #[arg(long, value_name = "SIZE", value_parser = config::parse_size)]
    max_file_size: Option<u64>,

    /// Take every argument from the first one that is not an option, or that names
    /// an existing file, as a path; must come first (for the pre-commit hook)
    #[arg(long)]
    pre_commit: bool,

    /// Report only findings that this baseline file does not record
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    baseline: Option<PathBuf>,

    /// Record every finding in this baseline file, print nothing, and exit 0
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,

    /// Print the lock-order graph of the checked crates in this format instead of
    /// findings (`dot` for Graphviz, `mermaid` for Markdown)
    #[arg(
        long,
        value_enum,
        value_name = "FORMAT",
        conflicts_with_all = ["baseline", "write_baseline", "fix", "diff", "statistics"]
    )]
    lock_graph: Option<GraphFormat>,

    /// Apply the findings' machine-applicable fixes to the files, then report the
    /// findings that remain
    #[arg(long, conflicts_with_all = ["diff", "write_baseline"])]
    fix: bool,

    /// Print the fixes as a unified diff instead of the findings, without writing;
    /// exit 1 when there is a fix to show
    #[arg(long, conflicts_with = "write_baseline")]
    diff: bool,

    /// Exit with 0 even when there are findings (bad files and bad usage still exit 2)
    #[arg(long)]
    exit_zero: bool,

    /// Show no progress on stderr
    #[arg(short, long)]
    quiet: bool,

    /// Check every member of the workspace
    #[arg(long, help_heading = "Package selection", conflicts_with = "paths")]
    workspace: bool,

    /// Check this package of the workspace (repeatable)
    #[arg(
        short = 'p',
        long = "package",
        value_name = "NAME",
        help_heading = "Package selection",
        conflicts_with = "paths"
    )]
    package: Vec<String>,

    /// Start from this `Cargo.toml` instead of the nearest one
    #[arg(
        long,
        value_name = "PATH",
        help_heading = "Package selection",
        conflicts_with = "paths"
    )]
    manifest_path: Option<PathBuf>,
}

/// The values `--color` accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ColorChoice {
    /// Colour a terminal, unless `NO_COLOR` is set to anything but "".
    Auto,
    /// Always colour, even a file or a pipe.
    Always,
    /// Never colour.
    Never,
}

/// The `--color` of the run, for the hook that draws tool errors: 0 is `auto`, 1
/// `always`, 2 `never`. Set once the command line is parsed.
static COLOR: AtomicU8 = AtomicU8::new(0);

impl ColorChoice {
    fn current() -> ColorChoice {
        match COLOR.load(Ordering::Relaxed) {
            1 => ColorChoice::Always,
            2 => ColorChoice::Never,
            _ => ColorChoice::Auto,
        }
    }

    fn set(self) {
        let n = match self {
            ColorChoice::Auto => 0,
            ColorChoice::Always => 1,
            ColorChoice::Never => 2,
        };
        COLOR.store(n, Ordering::Relaxed);
    }
}

/// The values `--edition` accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum EditionArg {
    #[value(name = "2015")]
    E2015,
    #[value(name = "2018")]
    E2018,
    #[value(name = "2021")]
    E2021,
    #[value(name = "2024")]
    E2024,
}

impl From<EditionArg> for Edition {
    fn from(e: EditionArg) -> Edition {
        match e {
            EditionArg::E2015 => Edition::E2015,
            EditionArg::E2018 => Edition::E2018,
            EditionArg::E2021 => Edition::E2021,
            EditionArg::E2024 => Edition::E2024,
        }
    }
}

fn parse_threads(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_string()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

/// Runs the whole command line: `args` is the full `argv`, program name first.
///
/// Prints findings to stdout and tool errors to stderr, and returns the exit code.
pub fn run<I, T>(args: I, invocation: Invocation) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    install_hook();
    let mut argv: Vec<OsString> = args.into_iter().map(Into::into).collect();
    if invocation == Invocation::Cargo && argv.get(1).is_some_and(|a| a == "synclint") {
        argv.remove(1);
    }
    if argv.get(1).is_some_and(|a| a == "server") {
        return crate::server::run(&argv[2..]);
    }
    if argv.get(1).is_some_and(|a| a == "--pre-commit") {
        argv = pre_commit_argv(argv);
    }
    let hostile_args = argv
        .iter()
        .any(|a| a.to_string_lossy().chars().any(report::escape::is_hazard));
    let (args, matches) = match parse(argv, invocation) {
        Ok(parsed) => parsed,
        Err(err) => {
            // Usage errors go to stderr with code 2; `--help` and `--version` go to
            // stdout with code 0. A closed pipe while printing help is not an error.
            // When an argument holds a control character (a file name passed as an
            // argument), a usage error that may quote it is written plain (clap's
            // styling and the escape sequences it recognises removed) and escaped.
            if err.use_stderr() && hostile_args {
                let plain = err.render().to_string();
                let _ = write!(
                    io::stderr().lock(),
                    "{}",
                    report::escape::text(&plain, report::escape::Keep::LineBreaks)
                );
            } else {
                let _ = err.print();
            }
            return ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2));
        }
    };
    args.color.set();
    match execute(&args, &matches, invocation) {
        Ok(code) => code,
        Err(Failure::Output(err)) if err.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Output(err)) => report_error(Error::Io {
            context: "cannot write output".to_string(),
            error: err,
        }),
        Err(Failure::Tool(err)) => report_error(err),
    }
}

/// Why a run stopped early.
enum Failure {
    /// A tool error: exit 2 with a diagnostic on stderr.
    Tool(Error),
    /// Writing to stdout failed.
    Output(io::Error),
}

impl From<Error> for Failure {
    fn from(err: Error) -> Failure {
        Failure::Tool(err)
    }
}

impl From<io::Error> for Failure {
    fn from(err: io::Error) -> Failure {
        Failure::Output(err)
    }
}

/// The command line with `--` put before the first path, for `--pre-commit` (which
/// is `argv[1]`).
///
/// pre-commit runs `entry args... files...`: the hook's `entry` is `synclint
/// --pre-commit`, the user's `args` are options, and the staged files follow. An
/// argument ends the options when it does not start with `-`, or when it names an
/// existing file or folder (pre-commit passes only files that exist); a value after
/// an option that takes one is that option's. So a staged file named
/// `--write-baseline=x.rs` is a path, and the user's `--format short` is an option
/// unless the tree holds a file named `--format`.
pub fn pre_commit_argv(argv: Vec<OsString>) -> Vec<OsString> {
    let cmd = Args::command();
    let takes_value = |arg: &std::ffi::OsStr| -> bool {
        let Some(text) = arg.to_str() else {
            return false;
        };
        let found = if let Some(long) = text.strip_prefix("--") {
            if long.contains('=') {
                return false;
            }
            cmd.get_arguments().find(|a| {
                a.get_long() == Some(long)
                    || a.get_all_aliases().is_some_and(|al| al.contains(&long))
            })
        } else {
            // `-p NAME` takes the next one; `-pNAME` holds its value.
            let mut chars = text.chars().skip(1);
            match (chars.next(), chars.next()) {
                (Some(c), None) => cmd.get_arguments().find(|a| a.get_short() == Some(c)),
                _ => None,
            }
        };
        found.is_some_and(|a| a.get_action().takes_values())
    };
    let mut i = 2;
    while i < argv.len() {
        let arg = &argv[i];
        if arg == "--" {
            return argv;
        }
        let is_option = arg.to_str().is_some_and(|t| t.starts_with('-') && t != "-");
        if !is_option || std::fs::symlink_metadata(arg).is_ok() {
            break;
        }
        i += if takes_value(arg) { 2 } else { 1 };
    }
    let mut out = argv;
    if i < out.len() {
        out.insert(i, OsString::from("--"));
    }
    out
}

fn parse(argv: Vec<OsString>, invocation: Invocation) -> Result<(Args, ArgMatches), clap::Error> {
    let mut cmd = Args::command();
    if invocation == Invocation::Cargo {
        cmd = cmd.bin_name("cargo synclint");
    }
    let matches = cmd.try_get_matches_from(argv)?;
    let args = Args::from_arg_matches(&matches)?;
    Ok((args, matches))
}

fn execute(args: &Args, matches: &ArgMatches, invocation: Invocation) -> Result<ExitCode, Failure> {
    if let Some(id) = &args.explain {
        let Some(meta) = all_meta().into_iter().find(|m| m.id == id) else {
            return Err(unknown_rule(id).into());
        };
        let doc = meta.doc;
        let (mut out, _) = output(args)?;
        out.write_all(doc.as_bytes())?;
        if !doc.ends_with('\n') {
            out.write_all(b"\n")?;
        }
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.list_rules {
        list_rules(&mut output(args)?.0)?;
        return Ok(ExitCode::SUCCESS);
    }

    let selection = CargoSelection {
        workspace: args.workspace,
        packages: args.package.clone(),
        manifest_path: args.manifest_path.clone(),
    };
    let mut notices = Vec::new();
    let use_cargo = selection != CargoSelection::default()
        || (invocation == Invocation::Cargo && args.paths.is_empty());
    let (paths, root) = if use_cargo {
        let cwd = std::env::current_dir().map_err(|source| Error::Io {
            context: "cannot read the current folder".to_string(),
            error: source,
        })?;
        let plan = discover::cargo_plan(&cwd, &selection)?;
        notices.extend(plan.skipped);
        (plan.paths, plan.start)
    } else if let Some(path) = &args.stdin_filename {
        (vec![path.clone()], path.clone())
    } else if args.paths.is_empty() {
        (vec![PathBuf::from(".")], PathBuf::from("."))
    } else {
        (args.paths.clone(), args.paths[0].clone())
    };
    let file = match &args.config {
        Some(path) => Some(config::load(path, &suppress::known_ids())?),
        None if args.isolated => None,
        None => config::find(&root, &suppress::known_ids())?,
    };
    let mut config = config_from(args, matches, file)?;
    config.lock_graph = args.lock_graph.is_some();
    if let Some(path) = &args.stdin_filename {
        config.buffer = Some(read_stdin(path, config.max_file_size())?);
    }
    let (out, out_is_terminal) = output(args)?;
    let counts = Arc::new(crate::Progress::default());
    let progress = Progress::start(
        show_progress(args.quiet, io::stderr().is_terminal()),
        Arc::clone(&counts),
    );
    let checked = match &config.buffer {
        // A buffer for a file that does not exist is checked alone.
        Some(buffer) if std::fs::symlink_metadata(&buffer.path).is_err() => {
            Ok(check_buffer_alone(buffer, &config))
        }
        _ => crate::check_with_progress(&paths, &config, &counts),
    };
    progress.finish();
    let mut report = checked?;
    notices.extend(std::mem::take(&mut report.skipped));
    if !notices.is_empty() {
        let mut err = io::stderr().lock();
        let mut seen = std::collections::HashSet::new();
        for notice in &notices {
            if seen.insert(notice) {
                let _ = writeln!(err, "{notice}");
            }
        }
    }

    if let Some(format) = args.lock_graph {
        return print_lock_graph(&report, format, out);
    }

    if let Some(path) = &args.write_baseline {
        let n = Baseline::write(path, &report)?;
        let mut err = io::stderr().lock();
        let _ = writeln!(
            err,
            "recorded {} in `{}`",
            plural(n, "finding"),
            crate::error::shown_path(path)
        );
        if !report.problems.is_empty() {
            let _ = writeln!(
                err,
                "{} could not be checked; run without `--write-baseline` to see why",
                plural(report.problems.len(), "file")
            );
            return Ok(ExitCode::from(2));
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(path) = &args.baseline {
        report.baselined = Baseline::load(path)?.filter(&mut report);
    }
    if args.diff {
        return show_diff(&report, out);
    }
    if args.fix && apply_fixes(&report, &paths) > 0 {
        // Checked again, so that what is reported is what the files now hold.
        report = crate::check(&paths, &config)?;
        report.skipped.clear();
        if let Some(path) = &args.baseline {
            report.baselined = Baseline::load(path)?.filter(&mut report);
        }
    }

    if args.statistics {
        print_statistics(&report, args.format, out)?;
    } else {
        let style = Style {
            color: use_color(out_is_terminal),
            width: width(out_is_terminal),
        };
        let mut printer = Printer::new(args.format, out, style, all_meta());
        report::print_report(&mut printer, &report)?;
    }

    let has_findings = report
        .findings
        .iter()
        .any(|f| matches!(f.severity, Severity::Warn | Severity::Deny));
    Ok(if !report.problems.is_empty() {
        ExitCode::from(2)
    } else if has_findings && !args.exit_zero {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Whether a run shows progress: only on a terminal, and never with `--quiet`.
fn show_progress(quiet: bool, stderr_is_terminal: bool) -> bool {
    !quiet && stderr_is_terminal
}

/// A progress bar on stderr that appears once a run has taken a second, drawn from
/// its own thread: files analysed out of files found, then the crate-wide checks.
struct Progress {
    done: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Progress {
    fn start(visible: bool, counts: Arc<crate::Progress>) -> Progress {
        if !visible {
            return Progress {
                done: None,
                thread: None,
            };
        }
        let delay = std::env::var("SYNCLINT_PROGRESS_DELAY_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .map_or(Duration::from_secs(1), Duration::from_millis);
        let (done, wait) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("progress".to_string())
            .spawn(move || {
                // The run ended (or the sender is gone) before the delay: show nothing.
                if wait.recv_timeout(delay) != Err(mpsc::RecvTimeoutError::Timeout) {
                    return;
                }
                let bar = indicatif::ProgressBar::with_draw_target(
                    None,
                    indicatif::ProgressDrawTarget::stderr(),
                );
                bar.set_style(
                    indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
                );
                bar.set_message("finding files");
                let counting = indicatif::ProgressStyle::with_template(
                    "{msg} [{bar:30}] {pos}/{len} files {elapsed}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> ");
                let mut counted = false;
                // Until a message comes (the run is over), follow the counts.
                loop {
                    let files = counts.files();
                    let analysed = counts.analysed();
                    if files > 0 {
                        if !counted {
                            bar.set_style(counting.clone());
                            counted = true;
                        }
                        bar.set_length(files as u64);
                        bar.set_position(analysed as u64);
                        bar.set_message(if analysed < files {
                            "checking"
                        } else {
                            "checking across files"
                        });
                    }
                    bar.tick();
                    match wait.recv_timeout(Duration::from_millis(100)) {
                        Err(mpsc::RecvTimeoutError::Timeout) => continue,
                        _ => break,
                    }
                }
                bar.finish_and_clear();
            })
            .ok();
        Progress {
            done: Some(done),
            thread,
        }
    }

    /// Stops the bar and clears its line before the caller prints anything.
    fn finish(mut self) {
        if let Some(done) = self.done.take() {
            let _ = done.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The run's configuration: the configuration file's settings, then the flags. For
/// a rule named in several of `--allow`, `--warn` and `--deny`, the last one on the
/// command line wins.
fn config_from(
    args: &Args,
    matches: &ArgMatches,
    file: Option<FileConfig>,
) -> Result<Config, Error> {
    let mut config = Config {
        edition: args.edition.map(Edition::from),
        threads: args.threads,
        max_file_size: args.max_file_size,
        ..Config::default()
    };
    if let Some(file) = file {
        config.apply(file);
    }
    if !args.rule.is_empty() {
        for id in &args.rule {
            known_rule(id)?;
        }
        config.only = Some(args.rule.clone());
    }
    let mut levels: Vec<(usize, &String, Level)> = Vec::new();
    for (arg, level) in [
        ("allow", Level::Allow),
        ("warn", Level::Warn),
        ("deny", Level::Deny),
    ] {
        let (Some(ids), Some(indices)) = (matches.get_many::<String>(arg), matches.indices_of(arg))
        else {
            continue;
        };
        levels.extend(indices.zip(ids).map(|(i, id)| (i, id, level)));
    }
    levels.sort_by_key(|(i, _, _)| *i);
    for (_, id, level) in levels {
        known_rule(id)?;
        config.levels.insert(id.clone(), level);
    }
    Ok(config)
}

/// Checks that `id` names a rule or an allow check.
fn known_rule(id: &str) -> Result<(), Error> {
    if rules::lookup(id).is_some() || suppress::meta(id).is_some() {
        Ok(())
    } else {
        Err(unknown_rule(id))
    }
}

/// The error for an unknown id, suggesting the closest one.
fn unknown_rule(id: &str) -> Error {
    Error::UnknownRule {
        id: id.to_string(),
        help: match suppress::closest_id(id) {
            Some(near) => format!("did you mean `{near}`?"),
            None => "run `synclint --list-rules` to see every rule".to_string(),
        },
    }
}

/// Every rule, then every allow check: what SARIF and `--list-rules` describe, and
/// `--explain` reads.
fn all_meta() -> Vec<&'static RuleMeta> {
    rules::ALL
        .iter()
        .map(|r| r.meta())
        .chain(suppress::META.iter())
        .collect()
}

/// One line per rule, then per allow check: id, default level and summary, in
/// aligned columns.
fn list_rules(out: &mut impl Write) -> io::Result<()> {
    let rows: Vec<(&str, Level, String)> = all_meta()
        .into_iter()
        .map(|m| (m.id, m.default, m.summary()))
        .collect();
    let width = rows.iter().map(|(id, _, _)| id.len()).max().unwrap_or(0);
    for (id, default, summary) in rows {
        // An opt-in rule is off until a level or `--rule` turns it on.
        let level = match default {
            Level::Allow => "off",
            level => level.as_str(),
        };
        let line = format!("{id:<width$}  {level:<5}  {summary}");
        writeln!(out, "{}", line.trim_end())?;
    }
    out.flush()
}

/// Whether to colour an output, by `--color`: for `auto`, only a terminal, and never
/// when `NO_COLOR` is set to anything but "".
fn use_color(is_terminal: bool) -> bool {
    match ColorChoice::current() {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// The width to wrap human output at: `COLUMNS` on a terminal when set, else 80, so
/// that piped output does not depend on the terminal it was started from.
fn width(is_terminal: bool) -> usize {
    let columns = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok());
    match columns {
        Some(n) if is_terminal && n >= 40 => n,
        _ => 80,
    }
}

/// Installs the miette hook used for tool errors: graphical, unicode, coloured by
/// `--color` as for stderr (where they go), as it is when the error is drawn.
fn install_hook() {
    // Fails only when a hook is already installed (a second run in one process),
    // which is the same hook.
    let _ = miette::set_hook(Box::new(move |_| {
        let is_terminal = io::stderr().is_terminal();
        let style = Style {
            color: use_color(is_terminal),
            width: width(is_terminal),
        };
        Box::new(report::human::handler(style))
    }));
}

/// Prints a tool error on stderr through the miette hook, its texts escaped; returns
/// exit code 2.
fn report_error(err: Error) -> ExitCode {
    let report = miette::Report::new(crate::error::Shown::from(err));
    let _ = writeln!(io::stderr().lock(), "{report:?}");
    ExitCode::from(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_level_flags_win() {
        let argv = [
            "synclint",
            "--deny",
            "lock-across-await",
            "--allow",
            "lock-across-await",
        ];
        let (args, matches) =
            parse(argv.map(OsString::from).to_vec(), Invocation::Synclint).expect("parses");
        let config = config_from(&args, &matches, None).expect("known rules");
        assert_eq!(config.levels.get("lock-across-await"), Some(&Level::Allow));
    }

    #[test]
    fn unknown_rule_suggests_the_closest() {
        match known_rule("lock-across-awiat") {
            Err(Error::UnknownRule { help, .. }) => {
                assert_eq!(help, "did you mean `lock-across-await`?")
            }
            other => panic!("expected UnknownRule, got {other:?}"),
        }
        assert!(known_rule("unused-allow").is_ok());
    }

    #[test]
    fn progress_only_on_a_terminal_and_not_when_quiet() {
        assert!(show_progress(false, true));
        assert!(!show_progress(true, true));
        assert!(!show_progress(false, false));
        assert!(!show_progress(true, false));
    }

    #[test]
    fn pre_commit_arguments_end_at_the_first_existing_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("--write-baseline=x.rs");
        std::fs::write(&file, "").expect("write");
        let file = file.to_string_lossy().into_owned();
        let argv = |args: &[&str]| -> Vec<String> {
            pre_commit_argv(args.iter().map(OsString::from).collect())
                .into_iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect()
        };
        let f = file.as_str();
        assert_eq!(
            argv(&["s", "--pre-commit", "--format", "short", "-q", f, "a.rs"]),
            [
                "s",
                "--pre-commit",
                "--format",
                "short",
                "-q",
                "--",
                f,
                "a.rs"
            ]
        );
        // A value is its option's; `-pNAME` and `--x=y` hold theirs.
        assert_eq!(
            argv(&[
                "s",
                "--pre-commit",
                "--baseline",
                f,
                "-pa",
                "--format=json",
                "b.rs"
            ]),
            [
                "s",
                "--pre-commit",
                "--baseline",
                f,
                "-pa",
                "--format=json",
                "--",
                "b.rs"
            ]
        );
        assert_eq!(
            argv(&["s", "--pre-commit", "--", "--x"]),
            ["s", "--pre-commit", "--", "--x"]
        );
        assert_eq!(
            argv(&["s", "--pre-commit", "-q"]),
            ["s", "--pre-commit", "-q"]
        );
    }

    #[test]
    fn cli_definition_is_valid() {
        Args::command().debug_assert();
    }
}
