//! Where the command line's results go besides the findings: the output file
//! (`--output-file`), the buffer read from stdin (`--stdin-filename`), the
//! statistics, the lock map, and the fixes (`--diff`, `--fix`).

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use super::{all_meta, plural, Args, Failure};
use crate::config::{self, Config};
use crate::error::Error;
use crate::report::lock_graph::GraphFormat;
use crate::report::{self, Format, Printer, Report, Style};

/// Where what goes to stdout goes: stdout, or the `--output-file` (created, or
/// emptied); and whether that is a terminal.
pub(super) fn output(args: &Args) -> Result<(Box<dyn Write>, bool), Failure> {
    match &args.output_file {
        Some(path) => {
            let file = std::fs::File::create(path).map_err(|source| Error::Io {
                context: format!("cannot write `{}`", crate::error::shown_path(path)),
                error: source,
            })?;
            Ok((Box::new(BufWriter::new(file)), false))
        }
        None => {
            let stdout = io::stdout();
            let is_terminal = stdout.is_terminal();
            Ok((Box::new(BufWriter::new(stdout.lock())), is_terminal))
        }
    }
}

/// The text given on stdin for `path` (`--stdin-filename`), at most `limit` bytes.
pub(super) fn read_stdin(path: &std::path::Path, limit: u64) -> Result<config::Buffer, Error> {
    use std::io::Read;
    let fail = |source: io::Error| Error::Io {
        context: format!(
            "cannot read the text of `{}` from stdin",
            crate::error::shown_path(path)
        ),
        error: source,
    };
    let mut bytes = Vec::new();
    io::stdin()
        .lock()
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(fail)?;
    if bytes.len() as u64 > limit {
        return Err(fail(io::Error::other(format!(
            "it is larger than the limit of {} (`--max-file-size`, `max_file_size`)",
            crate::source::size_text(limit)
        ))));
    }
    if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(fail(io::Error::other(
            "`--stdin-filename` names a folder, not a file",
        )));
    }
    Ok(config::Buffer {
        path: path.to_path_buf(),
        real: path.canonicalize().ok(),
        bytes: bytes.into(),
    })
}

/// The report on a buffer whose file does not exist: the buffer alone, as a file
/// of no crate.
pub(super) fn check_buffer_alone(buffer: &config::Buffer, config: &Config) -> Report {
    let edition = config.edition.unwrap_or_default();
    match crate::decode(&buffer.path, buffer.bytes.to_vec(), edition) {
        Ok(file) => crate::check_sources(vec![file], config),
        Err(problem) => Report {
            problems: vec![problem],
            ..Report::default()
        },
    }
}

/// The files that could not be checked, on stderr in the `short` format, for the
/// outputs that have no place for them (the lock map, the statistics).
fn problems_to_stderr(report: &Report) {
    let style = Style {
        color: false,
        width: 80,
    };
    let mut err = Printer::new(Format::Short, io::stderr().lock(), style, all_meta());
    for problem in &report.problems {
        // Stderr closed: the exit code still says that files were not checked.
        let _ = err.problem(problem, &report.sources);
    }
}

/// `--statistics`: the count of findings per rule (see [`report::statistics`]); the
/// files that could not be checked go to stderr.
pub(super) fn print_statistics(
    report: &Report,
    format: Format,
    mut out: impl Write,
) -> io::Result<()> {
    let rows = report::statistics::rows(&report.findings);
    if format == Format::Json {
        report::statistics::write_json(&mut out, &rows)?;
    } else {
        report::statistics::write_table(&mut out, &rows, &report::Summary::of(report))?;
    }
    problems_to_stderr(report);
    Ok(())
}

/// Prints the lock map and nothing else there: the files that could not be checked
/// go to stderr (in the `short` format) and make the exit code 2; findings are not
/// printed and do not change it.
pub(super) fn print_lock_graph(
    report: &Report,
    format: GraphFormat,
    mut out: impl Write,
) -> Result<ExitCode, Failure> {
    let graph = report.lock_graph.clone().unwrap_or_default();
    report::lock_graph::write(&mut out, &graph, &report.sources, format)?;
    out.flush()?;
    if report.problems.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    problems_to_stderr(report);
    Ok(ExitCode::from(2))
}

/// `--diff`: the fixes as a unified diff, paths as the report shows them; exit 1
/// when there is one, 0 when there is nothing to fix, 2 when a file could not be
/// checked.
pub(super) fn show_diff(report: &Report, mut out: impl Write) -> Result<ExitCode, Failure> {
    let (fixes, refused) = crate::fix::plan(report);
    warn_refused(&refused);
    for f in &fixes {
        let path = report.sources.get(f.file).display_path();
        out.write_all(crate::fix::unified_diff(&path, &f.old, &f.new).as_bytes())?;
    }
    out.flush()?;
    Ok(if !report.problems.is_empty() {
        ExitCode::from(2)
    } else if fixes.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `--fix`: writes the fixed texts of the files inside `roots` (a file the run
/// read only as context of a named file, or reached through a link out of the
/// roots, is left alone) and says on stderr what was fixed; returns how many files
/// were written.
pub(super) fn apply_fixes(report: &Report, roots: &[PathBuf]) -> usize {
    let (fixes, mut refused) = crate::fix::plan(report);
    let roots: Vec<PathBuf> = roots.iter().filter_map(|r| r.canonicalize().ok()).collect();
    let (mut files, mut findings) = (0, 0);
    for f in &fixes {
        let inside = f
            .path
            .canonicalize()
            .is_ok_and(|p| roots.iter().any(|r| p.starts_with(r)));
        let result = if inside {
            crate::fix::write(&f.path, &f.old, &f.new)
        } else {
            Err("outside the paths given".to_string())
        };
        match result {
            Ok(()) => {
                files += 1;
                findings += f.fixed.len();
            }
            Err(reason) => refused.push(crate::fix::Refused {
                path: f.path.clone(),
                reason,
            }),
        }
    }
    warn_refused(&refused);
    if files > 0 {
        let _ = writeln!(
            io::stderr().lock(),
            "fixed {} in {}",
            plural(findings, "finding"),
            plural(files, "file")
        );
    }
    files
}

/// A `warning: not fixed` line on stderr for every file whose fixes were left.
fn warn_refused(refused: &[crate::fix::Refused]) {
    let mut err = io::stderr().lock();
    for r in refused {
        let _ = writeln!(
            err,
            "warning: not fixed `{}`: {}",
            crate::error::shown_path(&r.path),
            r.reason
        );
    }
}
