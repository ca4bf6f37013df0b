//! synclint finds concurrency hazards in Rust source code without compiling it.
//!
//! Code map (see `docs/architecture.md` for the whole picture):
//!
//! - [`discover`] turns paths into the list of `.rs` files, each with its edition.
//! - [`source`] holds file text and turns positions into [`Span`]s, and measures and
//!   blanks a text before it is parsed.
//! - [`model`] collects what items declare; [`flow`] walks every body once and records
//!   guard lifetimes and what happens while guards live.
//! - [`rules`] reads flows and the model and produces [`Finding`]s.
//! - [`report`] prints findings; it knows nothing about `syn`.
//! - [`server`] is `synclint server`, the language server, over the same analysis.
//!
//! Data flows one way: paths, files, parsed files, per-file facts, crate model, rule
//! findings, printer. Parsing and per-file work run in parallel; output is sorted so
//! that it is identical for any thread count.

#![deny(missing_docs)]

pub mod bench;
pub mod cli;
pub mod config;
pub mod discover;
#[doc(hidden)]
pub mod dump;
pub mod ecosystem;
pub mod error;
pub mod fix;
pub mod flow;
pub mod graph;
mod lock_map;
pub mod model;
pub mod report;
pub mod rules;
pub mod server;
pub mod source;
pub mod suppress;
pub mod syntax;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::flow::guard_fns::CrateGuardFns;

pub use crate::config::{Config, Level};
pub use crate::error::Error;
use crate::flow::FileFlows;
use crate::model::{FileItems, Model};
pub use crate::report::finding::{FileId, Finding, Label, Severity, Span};
pub use crate::report::{FileProblem, ProblemKind, Report};
use crate::source::{SourceFile, SourceMap};

/// Checks the `.rs` files under `paths` (files or folders).
///
/// Fails only when a path does not exist or the run cannot start; per-file problems
/// are in [`Report::problems`].
pub fn check(paths: &[PathBuf], config: &Config) -> Result<Report, Error> {
    check_with_progress(paths, config, &Progress::default())
}

/// [`check`], counting in `progress` the files found and the files analysed so far,
/// for a display on another thread.
pub fn check_with_progress(
    paths: &[PathBuf],
    config: &Config,
    progress: &Progress,
) -> Result<Report, Error> {
    let discovery = discover::discover_all(paths, config)?;
    let files = discovery.files;
    progress.files.store(files.len(), Ordering::Relaxed);
    let mut report = with_pool(config, || check_discovered(&files, config, progress));
    discover::retain_reported(&mut report, &files);
    report.skipped = discovery.skipped;
    if let Some(err) = unknown_lock_error(config, &report) {
        return Err(err);
    }
    Ok(report)
}

/// The configuration error for the declared lock names no lock of the run has
/// ([`Report::unknown_locks`]), labelled in the configuration file. A run with files
/// that could not be analysed has none: their locks are not known, and the files are
/// reported instead.
pub fn unknown_lock_error(config: &Config, report: &Report) -> Option<Error> {
    if report.unknown_locks.is_empty() || !report.problems.is_empty() {
        return None;
    }
    let unknown: std::collections::HashSet<&str> =
        report.unknown_locks.iter().map(String::as_str).collect();
    config
        .lock_order
        .unknown_error(|name| !unknown.contains(name))
}

/// How far a run has got: the files it found and how many of them it has analysed.
/// After the last file, the crate-wide checks still run.
#[derive(Debug, Default)]
pub struct Progress {
    files: AtomicUsize,
    analysed: AtomicUsize,
}

impl Progress {
    /// The files found; 0 until the paths are walked.
    pub fn files(&self) -> usize {
        self.files.load(Ordering::Relaxed)
    }

    /// The files read and analysed so far.
    pub fn analysed(&self) -> usize {
        self.analysed.load(Ordering::Relaxed)
    }
}

fn check_discovered(
    files: &[discover::Discovered],
    config: &Config,
    progress: &Progress,
) -> Report {
    let known = model::known::Known::with_extensions(&config.extensions);
    let budget = Budget::new(config);
    // Read, parse and analyse in one pass, so that only the files being worked on
    // have a syntax tree; a file's text is freed once its facts are taken unless an
    // allow comment needs it, and read again at the end if a finding points there.
    let per_file: Vec<(SourceFile, Result<FileFacts, FileProblem>)> = files
        .par_iter()
        // One file per task: files differ in size by four orders of magnitude, and
        // with larger tasks one thread can be left with a run of big files at the end.
        .with_max_len(1)
        .enumerate()
        .map(|(i, d)| {
            let id = FileId(i as u32);
            let buffer = config.buffer.as_ref().filter(|b| b.is_for(&d.path));
            let loaded = match buffer {
                Some(b) => decode(&d.path, b.bytes.to_vec(), d.edition),
                None => load(&d.path, d.edition, config.max_file_size()),
            };
            let done = match loaded {
                Ok(file) => {
                    let mut file = file.with_krate(d.krate.clone());
                    let res = analyse_file(&file, id, &known, &budget, None);
                    // A buffer's text cannot be read again from the disk.
                    if res.is_ok() && buffer.is_none() && !file.text.contains(suppress::MARKER) {
                        file.evict();
                    }
                    (file, res)
                }
                Err(problem) => {
                    let placeholder = SourceFile::new(&d.path, String::new(), d.edition)
                        .with_krate(d.krate.clone());
                    (placeholder, Err(problem))
                }
            };
            progress.analysed.fetch_add(1, Ordering::Relaxed);
            done
        })
        .collect();
    let mut per_file = per_file;
    let tables = guard_tables(
        per_file
            .iter()
            .enumerate()
            .filter_map(|(i, (file, res))| Some((FileId(i as u32), file, res.as_ref().ok()?))),
    );
    if !tables.is_empty() {
        per_file
            .par_iter_mut()
            .with_max_len(1)
            .enumerate()
            .for_each(|(i, (file, res))| {
                let id = FileId(i as u32);
                let Some(table) = rewalk_table(&tables, id, file, res) else {
                    return;
                };
                let evicted = file.is_evicted();
                if file.reload().is_err() {
                    return;
                }
                // A walk that fails now keeps the facts of the first one.
                if let Ok(f) = analyse_file(file, id, &known, &budget, Some(table)) {
                    *res = Ok(f);
                }
                if evicted {
                    file.evict();
                }
            });
    }
    let mut sources = SourceMap::default();
    let mut results = Vec::with_capacity(per_file.len());
    for (file, res) in per_file {
        let id = sources.add(file);
        results.push((id, res));
    }
    let mut report = finish(sources, results, config, None);
    reload_cited(&mut report);
    report
}

/// Reads again the texts of evicted files that a finding points into, so that
/// printers can show them.
fn reload_cited(report: &mut Report) {
    let mut cited: Vec<FileId> = report
        .findings
        .iter()
        .flat_map(|f| std::iter::once(f.primary.file).chain(f.labels.iter().map(|l| l.span.file)))
        .collect();
    cited.sort_unstable();
    cited.dedup();
    for id in cited {
        let file = report.sources.get_mut(id);
        if file.is_evicted() {
            // A file that vanished since it was read shows its findings without
            // source lines.
            let _ = file.reload();
        }
    }
}

/// Reads one file, at most `limit` bytes; a read error, a larger file or non-UTF-8
/// text becomes a [`FileProblem`].
fn load(path: &Path, edition: source::Edition, limit: u64) -> Result<SourceFile, FileProblem> {
    let bytes = source::read_limited(path, limit).map_err(|e| FileProblem {
        kind: ProblemKind::Io,
        path: path.to_path_buf(),
        span: None,
        message: match e {
            source::ReadError::TooLarge(limit) => format!(
                "file is larger than the limit of {} (`--max-file-size`, `max_file_size`)",
                source::size_text(limit)
            ),
            other => format!("cannot read file: {other}"),
        },
    })?;
    decode(path, bytes, edition)
}

/// The file at `path` holding `bytes`; text that is not UTF-8 becomes a
/// [`FileProblem`].
pub fn decode(
    path: &Path,
    bytes: Vec<u8>,
    edition: source::Edition,
) -> Result<SourceFile, FileProblem> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(path, text, edition)),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let lossy = String::from_utf8_lossy(&bytes[..valid]).into_owned();
            let file = SourceFile::new(path, lossy, edition);
            let (line, column) = file.line_col(valid);
            Err(FileProblem {
                kind: ProblemKind::Encoding,
                path: path.to_path_buf(),
                span: None,
                message: format!(
                    "file is not valid UTF-8 (invalid byte at line {line}, column {column})"
                ),
            })
        }
    }
}

/// The guard methods of each crate of the run, joined from the facts of its files
/// (see [`flow::guard_fns`]).
fn guard_tables<'f>(
    facts: impl Iterator<Item = (FileId, &'f SourceFile, &'f FileFacts)> + Clone,
) -> rustc_hash::FxHashMap<Option<PathBuf>, CrateGuardFns> {
    CrateGuardFns::gather(facts.map(|(id, file, f)| (id, file.krate.as_deref(), &f.flows)))
}

/// The table a file is walked again with: its crate's, when the file calls a guard
/// method that another file of the crate declares.
fn rewalk_table<'t>(
    tables: &'t rustc_hash::FxHashMap<Option<PathBuf>, CrateGuardFns>,
    id: FileId,
    file: &SourceFile,
    res: &Result<FileFacts, FileProblem>,
) -> Option<&'t CrateGuardFns> {
    let facts = res.as_ref().ok()?;
    let table = tables.get(&file.krate)?;
    table.is_called_in(id, &facts.flows).then_some(table)
}

/// What the per-file pass keeps of a file once its syntax tree is dropped.
struct FileFacts {
    items: FileItems,
    flows: FileFlows,
}

/// Checks files already in memory: parses, analyses and runs the rules.
///
/// Files that do not parse are reported in [`Report::problems`] with the position of
/// the error; the rest are still checked.
pub fn check_sources(files: Vec<SourceFile>, config: &Config) -> Report {
    check_sources_into(files, config, None)
}

/// [`check_sources`], writing the facts of every stage to `out` as it goes: the
/// per-file items and flows, the model, the graph and the report, in a stable text
/// form (see [`dump`]).
#[doc(hidden)]
pub fn check_sources_dumped(files: Vec<SourceFile>, config: &Config, out: &mut String) -> Report {
    let report = check_sources_into(files, config, Some(&mut *out));
    dump::report(out, &report);
    report
}

fn check_sources_into(
    files: Vec<SourceFile>,
    config: &Config,
    dump: Option<&mut String>,
) -> Report {
    let mut sources = SourceMap::default();
    let mut ids = Vec::with_capacity(files.len());
    for file in files {
        ids.push(sources.add(file));
    }
    let known = model::known::Known::with_extensions(&config.extensions);
    let budget = Budget::new(config);
    let results: Vec<(FileId, Result<FileFacts, FileProblem>)> = with_pool(config, || {
        ids.par_iter()
            .with_max_len(1)
            .map(|&id| (id, analyse_file(sources.get(id), id, &known, &budget, None)))
            .collect()
    });
    let mut results = results;
    let tables = guard_tables(
        results
            .iter()
            .filter_map(|(id, res)| Some((*id, sources.get(*id), res.as_ref().ok()?))),
    );
    if !tables.is_empty() {
        with_pool(config, || {
            results
                .par_iter_mut()
                .with_max_len(1)
                .for_each(|(id, res)| {
                    let file = sources.get(*id);
                    if let Some(table) = rewalk_table(&tables, *id, file, res) {
                        if let Ok(f) = analyse_file(file, *id, &known, &budget, Some(table)) {
                            *res = Ok(f);
                        }
                    }
                });
        });
    }
    finish(sources, results, config, dump)
}

/// The crate-wide part of a run: the model, the graph, the rules, allow comments.
/// With `dump`, the facts of each stage are written there (see [`dump`]).
fn finish(
    sources: SourceMap,
    results: Vec<(FileId, Result<FileFacts, FileProblem>)>,
    config: &Config,
    mut dump: Option<&mut String>,
) -> Report {
    let mut facts = Vec::with_capacity(results.len());
    let mut problems = Vec::new();
    for (id, res) in results {
        match res {
            Ok(f) => facts.push((id, f)),
            Err(p) => problems.push(p),
        }
    }
    let (items, flows): (Vec<_>, Vec<(FileId, FileFlows)>) = facts
        .into_iter()
        .map(|(id, f)| ((id, f.items), (id, f.flows)))
        .unzip();
    if let Some(out) = dump.as_deref_mut() {
        dump::per_file(out, &sources, &items, &flows);
    }
    let model = Model::build(
        sources.len(),
        items
            .into_iter()
            .map(|(id, items)| (id, sources.get(id), items)),
    );
    let graph = graph::Graph::build(&flows, &model);
    if let Some(out) = dump {
        dump::model(out, &model);
        dump::graph(out, &graph);
    }
    let cx = graph::Analysis::new(&sources, &flows, &model, &graph)
        .with_declared_order(&config.lock_order.groups);
    // The names are checked only when an order is declared: a normal run pays nothing.
    let unknown_locks: Vec<String> = if config.lock_order.is_empty() {
        Vec::new()
    } else {
        let known = cx.lock_names();
        config
            .lock_order
            .names()
            .filter(|name| !known.contains(*name))
            .map(str::to_string)
            .collect()
    };
    let lock_graph = config.lock_graph.then(|| lock_map::build(&cx));
    // Rules are independent readers of the same facts: they run in parallel, and
    // their findings are joined in registry order before sorting.
    let per_rule: Vec<Vec<Finding>> = rules::ALL
        .par_iter()
        .with_max_len(1)
        .map(|rule| {
            let mut found = Vec::new();
            if let Some(severity) = config.severity_of(rule.meta()) {
                rule.check(&cx, &mut found);
                // A rule builds its findings from its metadata, at its default
                // level; the run's level is set here.
                for f in &mut found {
                    f.severity = severity;
                }
            }
            found
        })
        .collect();
    let mut findings: Vec<Finding> = per_rule.into_iter().flatten().collect();
    suppress::apply_allows(&sources, &mut findings, config);
    findings.sort_by(|a, b| a.cmp_in(b, |id| sources.get(id).display_path()));
    findings.dedup();
    problems.sort_by_key(|p| source::display_path(&p.path));
    let files_checked = flows.len();
    // Freeing a run's facts is a few hundred thousand small frees; nothing waits
    // for them.
    std::thread::spawn(move || drop((flows, graph, model)));
    Report {
        files_checked,
        sources,
        findings,
        problems,
        skipped: Vec::new(),
        lock_graph,
        unknown_locks,
        baselined: 0,
    }
}

/// The default of [`Config::analysis_memory`]: 2 GiB, enough for a file of about
/// 10 MB of dense code.
pub const DEFAULT_ANALYSIS_MEMORY: u64 = 2 << 30;

/// Bytes of memory per token of a file at the peak of its parse: the lexer's token
/// trees, the span table's copy of the text, the `syn` tree and the walk. Measured
/// on generated code of several shapes (big `impl` blocks, `match` tables, struct
/// literals, nested calls), rounded up; see `docs/performance.md`.
const BYTES_PER_TOKEN: u64 = 600;

/// A text charged one token per byte, without the nesting pass's count, takes at
/// most this fraction of the budget (one over it).
const UNMEASURED_SHARE: u64 = 8;

/// The memory the syntax trees being built at one time may take, by their
/// estimates. A file larger than the whole budget is not parsed; the others wait
/// until their estimate fits beside the trees being built on other threads (one
/// file alone always runs, so the run never stalls).
struct Budget {
    limit: u64,
    used: std::sync::Mutex<u64>,
    freed: std::sync::Condvar,
}

impl Budget {
    fn new(config: &Config) -> Budget {
        Budget {
            limit: config.analysis_memory.unwrap_or(DEFAULT_ANALYSIS_MEMORY),
            used: std::sync::Mutex::new(0),
            freed: std::sync::Condvar::new(),
        }
    }

    /// Waits until `cost` fits, then holds it until the permit is dropped.
    fn take(&self, cost: u64) -> Permit<'_> {
        let mut used = self
            .used
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while *used > 0 && used.saturating_add(cost) > self.limit {
            used = self
                .freed
                .wait(used)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *used += cost;
        Permit { budget: self, cost }
    }
}

/// A share of the [`Budget`], given back when dropped (also when the analysis
/// panics).
struct Permit<'b> {
    budget: &'b Budget,
    cost: u64,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut used = self
            .budget
            .used
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *used = used.saturating_sub(self.cost);
        drop(used);
        self.budget.freed.notify_all();
    }
}

/// Parses and analyses one file. The syntax tree is dropped before returning, and
/// the thread's span table is cleared so memory does not grow with the corpus.
fn analyse_file(
    file: &SourceFile,
    id: FileId,
    known: &model::known::Known,
    budget: &Budget,
    crate_fns: Option<&CrateGuardFns>,
) -> Result<FileFacts, FileProblem> {
    let problem = |kind, span, message| FileProblem {
        kind,
        path: file.path.clone(),
        span,
        message,
    };
    let text = source::blank_literal_tables(&file.text);
    // A text has at most one token per byte, and one whose counts of brackets and
    // chain openers are within the nesting limits cannot go past them (see
    // `may_nest_too_deep`): for such a text, when even one token per byte takes
    // little of the budget, the pass that measures both has nothing to say. A
    // larger text is measured, so that it does not hold more of the budget than it
    // needs (a table blanked in place keeps its length and loses its tokens).
    let bytes_bound = (text.len() as u64).saturating_mul(BYTES_PER_TOKEN);
    let tokens = if bytes_bound <= budget.limit / UNMEASURED_SHARE
        && !source::may_nest_too_deep(&text)
    {
        text.len()
    } else {
        let deep = source::nesting(&text);
        if let Some((what, depth, limit, at)) = deep.too_deep() {
            let span = file.span_of_bytes(id, at, at + 1);
            return Err(problem(
                ProblemKind::Parse,
                Some(span),
                format!("{what} nest too deep to analyse ({depth} levels; the limit is {limit})"),
            ));
        }
        deep.tokens
    };
    let cost = (tokens as u64).saturating_mul(BYTES_PER_TOKEN);
    if cost > budget.limit {
        let mib = |b: u64| b.div_ceil(1 << 20);
        return Err(problem(
            ProblemKind::Parse,
            None,
            format!(
                "file too large to analyse: its {} tokens would need about {} MiB to parse, and the budget is {} MiB (`max_analysis_memory`)",
                tokens,
                mib(cost),
                mib(budget.limit)
            ),
        ));
    }
    let permit = budget.take(cost);
    // A bug in the analysis of one file must not take the others down with it.
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        parse_and_walk(file, &text, id, known, crate_fns)
    }))
    .unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(problem(
            ProblemKind::Internal,
            None,
            format!("internal error while analysing this file: {what}"),
        ))
    });
    syntax::forget_spans();
    drop(permit);
    res
}

/// A file whose analysis panics on purpose, for the test of panic isolation.
#[cfg(test)]
static PANIC_IN: std::sync::Mutex<Option<PathBuf>> = std::sync::Mutex::new(None);

fn parse_and_walk(
    file: &SourceFile,
    text: &str,
    id: FileId,
    known: &model::known::Known,
    crate_fns: Option<&CrateGuardFns>,
) -> Result<FileFacts, FileProblem> {
    #[cfg(test)]
    if PANIC_IN
        .lock()
        .is_ok_and(|p| p.as_deref() == Some(file.path.as_path()))
    {
        panic!("deliberate panic for the test");
    }
    syntax::file_facts(file, text, id, known, crate_fns)
        .map(|(mut items, mut flows)| {
            items.shrink_to_fit();
            flows.shrink_to_fit();
            FileFacts { items, flows }
        })
        .map_err(|e| FileProblem {
            kind: ProblemKind::Parse,
            path: file.path.clone(),
            span: Some(e.span),
            message: format!("cannot parse file: {}", e.message),
        })
}

/// Stack for each worker thread. Parsing and walking recurse once per nesting level
/// of the source, and real files (and hostile ones) nest thousands deep; the stack is
/// reserved, not committed, so untouched pages cost nothing.
const WORKER_STACK: usize = 512 << 20;

/// Runs `f` on a pool with the configured number of threads and deep stacks. Inside
/// a pool already (a nested call), runs `f` there.
fn with_pool<T: Send>(config: &Config, f: impl FnOnce() -> T + Send) -> T {
    if rayon::current_thread_index().is_some() {
        return f();
    }
    let mut builder = rayon::ThreadPoolBuilder::new().stack_size(WORKER_STACK);
    if let Some(n) = config.threads {
        builder = builder.num_threads(n.max(1));
    }
    match builder.build() {
        Ok(pool) => pool.install(f),
        Err(_) => f(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A panic in one file's analysis becomes a problem naming that file; the other
    /// files are still analysed and their findings reported.
    #[test]
    fn a_panic_in_one_file_is_reported_and_the_others_checked() {
        let bad = PathBuf::from("src/bad.rs");
        let good = "fn g(m: &std::sync::Mutex<u8>) { let _ = m.lock(); }\n";
        *PANIC_IN.lock().expect("invariant: test lock") = Some(bad.clone());
        let report = check_sources(
            vec![
                SourceFile::new("src/bad.rs", "fn f() {}\n", source::Edition::default()),
                SourceFile::new("src/good.rs", good, source::Edition::default()),
            ],
            &Config::default(),
        );
        *PANIC_IN.lock().expect("invariant: test lock") = None;
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        let problem = &report.problems[0];
        assert!(matches!(problem.kind, ProblemKind::Internal));
        assert_eq!(problem.path, bad);
        assert!(
            problem.message.contains("deliberate panic for the test"),
            "{}",
            problem.message
        );
        let rules: Vec<&str> = report.findings.iter().map(|f| f.rule).collect();
        assert_eq!(rules, ["discarded-guard"]);
        assert_eq!(report.files_checked, 1);
    }
}
