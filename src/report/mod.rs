//! Printers for findings and file problems: `human` (miette graphical reports),
//! `short` (one line each, for editors and grep), `json` (versioned, for tools),
//! `sarif` (SARIF 2.1.0, for code scanning) and `github` (workflow-command
//! annotations).
//!
//! A printer gets `begin()`, then every finding and every file problem in the
//! [`Report`]'s order, then `finish()` with a [`Summary`]. Streaming printers write as
//! they go; `json` and `sarif` buffer and write one document in `finish`. Printers only format:
//! they do not sort, filter or decide exit codes, and they know nothing about `syn`.
//!
//! Write errors are returned as they are, so that the caller can treat a closed pipe
//! (`synclint . | head -1`) as a normal end.

pub mod escape;
pub mod finding;
pub mod fingerprint;
pub mod github;
pub mod human;
pub mod json;
pub mod lock_graph;
pub mod sarif;
pub mod short;
pub mod snippet;
pub mod statistics;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::report::finding::{Finding, RuleMeta, Span};
use crate::source::SourceMap;

/// What kind of problem a [`FileProblem`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// The file could not be read.
    Io,
    /// The file is not valid UTF-8.
    Encoding,
    /// The file is not valid Rust, or nests too deep to analyse.
    Parse,
    /// The analysis of the file failed; the other files are still checked.
    Internal,
}

impl ProblemKind {
    /// The short code printers use: `io`, `encoding`, `parse` or `internal`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::Io => "io",
            ProblemKind::Encoding => "encoding",
            ProblemKind::Parse => "parse",
            ProblemKind::Internal => "internal",
        }
    }
}

/// A file that could not be read or parsed. It is reported, and every other file is
/// still checked.
#[derive(Clone, Debug)]
pub struct FileProblem {
    /// What kind of problem.
    pub kind: ProblemKind,
    /// The path as given or discovered.
    pub path: PathBuf,
    /// The position of the problem, when the file's text could be loaded.
    pub span: Option<Span>,
    /// What is wrong, lower-case.
    pub message: String,
}

/// Everything one run found.
#[derive(Debug, Default)]
pub struct Report {
    /// The text of every file that was read.
    pub sources: SourceMap,
    /// Findings, sorted by file, line, column and rule.
    pub findings: Vec<Finding>,
    /// Files that could not be read or parsed, sorted by path.
    pub problems: Vec<FileProblem>,
    /// How many files were checked (read and parsed).
    pub files_checked: usize,
    /// Paths left out without being read (see [`crate::discover::discover_all`]); shown as
    /// notices, they do not change the exit code.
    pub skipped: Vec<Skipped>,
    /// The lock map, when the run was asked for it (`--lock-graph`).
    pub lock_graph: Option<lock_graph::LockGraph>,
    /// The names of the declared lock order (`lock-order`) that no lock of the run
    /// has, in declared order; the command line reports them as a configuration error.
    pub unknown_locks: Vec<String>,
    /// Findings left out because the baseline (`--baseline`) records them.
    pub baselined: usize,
}

impl Report {
    /// Whether anything needs the user's attention.
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty() && self.problems.is_empty()
    }
}

/// A path left out of the run without being read, and why; shown as a notice.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Skipped {
    /// The path, as given or found.
    pub path: PathBuf,
    /// Why it was left out, lower-case.
    pub reason: String,
}

impl Skipped {
    /// `path`, left out for `reason`.
    pub fn new(path: &Path, reason: impl Into<String>) -> Skipped {
        Skipped {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "warning: skipped `{}`: {}",
            escape::path(&self.path.to_string_lossy()),
            escape::text(&self.reason, escape::Keep::Nothing)
        )
    }
}

/// An output format, as chosen with `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Graphical reports for people, with a summary line.
    #[default]
    Human,
    /// One line per finding, for editors and grep.
    Short,
    /// One versioned JSON document, for tools.
    Json,
    /// One SARIF 2.1.0 log, for GitHub code scanning and other SARIF tools.
    Sarif,
    /// GitHub Actions workflow commands that annotate the changed lines.
    Github,
}

/// How the human printer draws; the other formats ignore it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    /// Whether to use ANSI colours.
    pub color: bool,
    /// The width text is wrapped at.
    pub width: usize,
}

impl Default for Style {
    fn default() -> Style {
        Style {
            color: false,
            width: 80,
        }
    }
}

/// Counts shown by the human footer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Files read and parsed.
    pub files_checked: usize,
    /// Findings printed.
    pub findings: usize,
    /// Distinct files holding the primary site of a finding.
    pub files_with_findings: usize,
    /// Files that could not be read or parsed.
    pub problems: usize,
    /// Findings the baseline hid.
    pub baselined: usize,
}

impl Summary {
    /// The counts of a whole report.
    pub fn of(report: &Report) -> Summary {
        let mut files: Vec<_> = report.findings.iter().map(|f| f.primary.file).collect();
        files.sort();
        files.dedup();
        Summary {
            files_checked: report.files_checked,
            findings: report.findings.len(),
            files_with_findings: files.len(),
            problems: report.problems.len(),
            baselined: report.baselined,
        }
    }
}

/// A printer for one format, writing to `W` (static dispatch, one variant per format).
#[derive(Debug)]
pub enum Printer<W: Write> {
    /// See [`human`].
    Human(human::HumanPrinter<W>),
    /// See [`short`].
    Short(short::ShortPrinter<W>),
    /// See [`json`].
    Json(json::JsonPrinter<W>),
    /// See [`sarif`].
    Sarif(sarif::SarifPrinter<W>),
    /// See [`github`].
    Github(github::GithubPrinter<W>),
}

impl<W: Write> Printer<W> {
    /// A printer of `format` writing to `out`; `rules` describes every rule and allow
    /// check, for the formats that list them (SARIF).
    pub fn new(format: Format, out: W, style: Style, rules: Vec<&'static RuleMeta>) -> Printer<W> {
        match format {
            Format::Human => Printer::Human(human::HumanPrinter::new(out, style)),
            Format::Short => Printer::Short(short::ShortPrinter::new(out)),
            Format::Json => Printer::Json(json::JsonPrinter::new(out)),
            Format::Sarif => Printer::Sarif(sarif::SarifPrinter::new(out, rules)),
            Format::Github => Printer::Github(github::GithubPrinter::new(out)),
        }
    }

    /// Whether the output is meant for people rather than tools (it gets a footer).
    pub fn is_human(&self) -> bool {
        matches!(self, Printer::Human(_))
    }

    /// Called once before anything else.
    pub fn begin(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// Prints one finding.
    pub fn finding(&mut self, finding: &Finding, sources: &SourceMap) -> io::Result<()> {
        match self {
            Printer::Human(p) => p.finding(finding, sources),
            Printer::Short(p) => p.finding(finding, sources),
            Printer::Json(p) => p.finding(finding, sources),
            Printer::Sarif(p) => p.finding(finding, sources),
            Printer::Github(p) => p.finding(finding, sources),
        }
    }

    /// Prints one file that could not be read or parsed.
    pub fn problem(&mut self, problem: &FileProblem, sources: &SourceMap) -> io::Result<()> {
        match self {
            Printer::Human(p) => p.problem(problem, sources),
            Printer::Short(p) => p.problem(problem, sources),
            Printer::Json(p) => p.problem(problem, sources),
            Printer::Sarif(p) => p.problem(problem, sources),
            Printer::Github(p) => p.problem(problem, sources),
        }
    }

    /// Called once at the end; writes whatever was buffered and flushes.
    pub fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        match self {
            Printer::Human(p) => p.finish(summary),
            Printer::Short(p) => p.finish(),
            Printer::Json(p) => p.finish(),
            Printer::Sarif(p) => p.finish(),
            Printer::Github(p) => p.finish(),
        }
    }
}

/// Prints a whole report: its findings, then its file problems, then the summary.
pub fn print_report<W: Write>(printer: &mut Printer<W>, report: &Report) -> io::Result<()> {
    printer.begin()?;
    for finding in &report.findings {
        printer.finding(finding, &report.sources)?;
    }
    for problem in &report.problems {
        printer.problem(problem, &report.sources)?;
    }
    printer.finish(&Summary::of(report))
}

/// The path of a problem as shown to users.
fn problem_path(problem: &FileProblem, sources: &SourceMap) -> String {
    match problem.span {
        Some(span) => sources.get(span.file).display_path(),
        None => crate::source::display_path(&problem.path),
    }
}

/// The short code of a problem: `io`, `encoding` or `parse`.
fn problem_kind(problem: &FileProblem) -> &'static str {
    problem.kind.as_str()
}

/// Sample sources and findings shared by the printers' unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use crate::report::finding::{FileId, Finding, Label, Severity, Span};
    use crate::source::{Edition, SourceFile, SourceMap};

    /// `src/a.rs` (a guard held across an `.await`) and `src/b.rs` (another lock site).
    pub(crate) fn sample_sources() -> (SourceMap, FileId, FileId) {
        let mut sources = SourceMap::default();
        let a = sources.add(SourceFile::new(
            "./src/a.rs",
            "use std::sync::Mutex;\n\
             async fn f(m: &Mutex<u8>) {\n    \
             let g = m.lock().unwrap();\n    \
             x().await;\n\
             }\n",
            Edition::E2021,
        ));
        let b = sources.add(SourceFile::new(
            "src/b.rs",
            "fn g(m: &std::sync::Mutex<u8>) {\n    let _g = m.lock().unwrap();\n}\n",
            Edition::E2021,
        ));
        (sources, a, b)
    }

    /// The span of the first `needle` in file `id`.
    pub(crate) fn span_of(sources: &SourceMap, id: FileId, needle: &str) -> Span {
        let file = sources.get(id);
        let start = file
            .text
            .find(needle)
            .expect("invariant: the needle is in the sample");
        file.span_of_bytes(id, start, start + needle.len())
    }

    /// A `lock-across-await` finding in `a`, with a third label in `b` when given.
    pub(crate) fn sample_finding(sources: &SourceMap, a: FileId, b: Option<FileId>) -> Finding {
        let acquired = span_of(sources, a, "m.lock().unwrap()");
        let mut labels = vec![
            Label {
                span: acquired,
                message: "lock acquired here".into(),
            },
            Label {
                span: span_of(sources, a, ".await"),
                message: "still held at this `.await`".into(),
            },
        ];
        if let Some(b) = b {
            labels.push(Label {
                span: span_of(sources, b, "m.lock()"),
                message: "also taken here".into(),
            });
        }
        Finding {
            rule: "lock-across-await",
            severity: Severity::Warn,
            primary: acquired,
            message: "`MutexGuard` held across `.await`".into(),
            labels,
            help: "drop the guard before the `.await`".into(),
            fix: None,
        }
    }
}
