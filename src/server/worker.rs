//! The analysis thread: which crate a document belongs to, what is read for it, and
//! the diagnostics published from its report.
//!
//! The main loop hands it the path of every document that was opened, changed,
//! saved or closed ([`Job::Changed`]) and goes back to reading messages. The thread
//! waits until no change has come for [`DEBOUNCE`], then analyses each [`Unit`] the
//! changed paths belong to, once however many of its files changed. An analysis is
//! not interrupted, but a change to its unit that arrives while it runs supersedes
//! it: its result is dropped unpublished and the unit is analysed again with the
//! newer text, so that what the client sees is never older than what it sent.
//!
//! What is read: the crate's files from disk, except those open in the client,
//! whose unsaved text is taken instead; the configuration found from the package
//! root up, but never above the workspace folder that holds it (see
//! [`config::find_within`]); and the package's manifest. A document outside every
//! workspace folder, or outside any package, is analysed alone from its buffer.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use lsp_server::{Message, Notification};
use lsp_types::notification::{LogMessage, Notification as _, PublishDiagnostics};
use lsp_types::{CodeAction, LogMessageParams, MessageType, PublishDiagnosticsParams};

use super::convert;
use super::uri::uri_of;
use crate::config::{self, Config};
use crate::discover;
use crate::source::{self, Edition, SourceFile};
use crate::suppress;

/// How long the thread waits after a change for the next one before it analyses.
pub(super) const DEBOUNCE: Duration = Duration::from_millis(150);

/// What the main loop tells the analysis thread.
pub(super) enum Job {
    /// A document was opened, changed, saved or closed: analyse its unit again.
    Changed(PathBuf),
    /// The server is exiting.
    Stop,
}

/// A document open in the client: its latest text and version.
pub(super) struct OpenDoc {
    pub(super) text: String,
    pub(super) version: i32,
}

/// A workspace folder the client named: the path as given and with its symlinks
/// resolved.
pub(super) struct Root {
    pub(super) given: PathBuf,
    pub(super) real: PathBuf,
}

impl Root {
    pub(super) fn new(given: PathBuf) -> Root {
        let real = std::fs::canonicalize(&given).unwrap_or_else(|_| given.clone());
        Root { given, real }
    }
}

/// What the main loop and the analysis thread share.
#[derive(Default)]
pub(super) struct Shared {
    /// The open `.rs` documents, by path.
    pub(super) docs: HashMap<PathBuf, OpenDoc>,
    /// The workspace folders.
    pub(super) roots: Vec<Root>,
    /// The quick fixes last published for each file, with the version of the
    /// document they were computed from (`None` for a file that was not open).
    pub(super) fixes: HashMap<PathBuf, (Option<i32>, Vec<CodeAction>)>,
}

/// What is analysed together: a crate, or one file alone.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Unit {
    /// The package rooted at `root`, inside the workspace folder `bound`.
    Crate { root: PathBuf, bound: PathBuf },
    /// One document, from its buffer alone; its configuration is looked for up to
    /// `bound` when it lies in a workspace folder.
    Alone {
        path: PathBuf,
        bound: Option<PathBuf>,
    },
}

/// The analysis thread's state.
pub(super) struct Worker {
    shared: Arc<Mutex<Shared>>,
    send: Box<dyn Fn(Message) + Send>,
    /// The files each unit last published diagnostics for.
    published: HashMap<Unit, BTreeSet<PathBuf>>,
    /// The last configuration error shown for each unit, so that it is not shown
    /// again at every keystroke.
    shown_error: HashMap<Unit, String>,
}

/// What one analysis produced.
struct Outcome {
    diagnostics: BTreeMap<PathBuf, convert::FileDiagnostics>,
    /// The open documents of the unit, with the versions analysed.
    open: BTreeMap<PathBuf, i32>,
}

impl Worker {
    pub(super) fn new(shared: Arc<Mutex<Shared>>, send: Box<dyn Fn(Message) + Send>) -> Worker {
        Worker {
            shared,
            send,
            published: HashMap::new(),
            shown_error: HashMap::new(),
        }
    }

    /// Takes jobs until [`Job::Stop`] or until the main loop is gone.
    pub(super) fn run(mut self, jobs: &Receiver<Job>) {
        let mut pending: BTreeSet<PathBuf> = BTreeSet::new();
        loop {
            if pending.is_empty() {
                match jobs.recv() {
                    Ok(Job::Changed(path)) => {
                        pending.insert(path);
                    }
                    Ok(Job::Stop) | Err(_) => return,
                }
            }
            loop {
                match jobs.recv_timeout(DEBOUNCE) {
                    Ok(Job::Changed(path)) => {
                        pending.insert(path);
                    }
                    Ok(Job::Stop) | Err(RecvTimeoutError::Disconnected) => return,
                    Err(RecvTimeoutError::Timeout) => break,
                }
            }
            let units: BTreeSet<Unit> = std::mem::take(&mut pending)
                .iter()
                .map(|p| self.unit_of(p))
                .collect();
            for unit in units {
                let outcome = self.analyse(&unit);
                while let Ok(job) = jobs.try_recv() {
                    match job {
                        Job::Changed(path) => {
                            pending.insert(path);
                        }
                        Job::Stop => return,
                    }
                }
                // A newer change to this unit came while it ran: its result is stale.
                if pending.iter().any(|p| self.unit_of(p) == unit) {
                    continue;
                }
                if let Some(outcome) = outcome {
                    self.publish(&unit, outcome);
                }
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The unit of the document at `path`.
    fn unit_of(&self, path: &Path) -> Unit {
        let bound = {
            let shared = self.lock();
            shared
                .roots
                .iter()
                .filter(|r| path.starts_with(&r.given) && resolves_inside(path, &r.real))
                .max_by_key(|r| r.given.components().count())
                .map(|r| r.given.clone())
        };
        let Some(bound) = bound else {
            return Unit::Alone {
                path: path.to_path_buf(),
                bound: None,
            };
        };
        match discover::package_within(path, &bound) {
            Some(package) if package.contains(path) => Unit::Crate {
                root: package.root,
                bound,
            },
            _ => Unit::Alone {
                path: path.to_path_buf(),
                bound: Some(bound),
            },
        }
    }

    /// Analyses one unit; `None` when its configuration is bad (the error is shown
    /// to the user instead) or the analysis failed.
    fn analyse(&mut self, unit: &Unit) -> Option<Outcome> {
        let (start, bound) = match unit {
            Unit::Crate { root, bound } => (root.as_path(), Some(bound.as_path())),
            Unit::Alone { path, bound } => (path.as_path(), bound.as_deref()),
        };
        let config = match bound {
            Some(bound) => config::find_within(start, Some(bound), &suppress::known_ids()),
            None => Ok(None),
        };
        let config = match config {
            Ok(file) => {
                self.shown_error.remove(unit);
                let mut config = Config::default();
                if let Some(file) = file {
                    config.apply(file);
                }
                config
            }
            Err(err) => {
                let text = format!("synclint: {err}");
                if self.shown_error.get(unit) != Some(&text) {
                    self.log(MessageType::ERROR, &text);
                    self.shown_error.insert(unit.clone(), text);
                }
                return None;
            }
        };
        let (files, open) = match unit {
            Unit::Crate { root, bound } => self.crate_files(root, bound, &config),
            Unit::Alone { path, .. } => {
                let shared = self.lock();
                match shared.docs.get(path) {
                    Some(doc) if !config.exclude.is_excluded(path) => (
                        vec![SourceFile::new(path, doc.text.clone(), Edition::default())],
                        BTreeMap::from([(path.clone(), doc.version)]),
                    ),
                    _ => (Vec::new(), BTreeMap::new()),
                }
            }
        };
        // A bug in the crate-wide pass must not take the server down.
        let report = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            crate::check_sources(files, &config)
        }));
        match report {
            Ok(report) => Some(Outcome {
                diagnostics: convert::diagnostics(&report),
                open,
            }),
            Err(_) => {
                self.log(
                    MessageType::ERROR,
                    "synclint: internal error while analysing; see the server's stderr",
                );
                None
            }
        }
    }

    /// The files of the crate rooted at `root`, each with its open buffer's text
    /// when it has one, and the open documents among them with their versions.
    fn crate_files(
        &self,
        root: &Path,
        bound: &Path,
        config: &Config,
    ) -> (Vec<SourceFile>, BTreeMap<PathBuf, i32>) {
        let Some(package) = discover::package_within(&root.join("Cargo.toml"), bound) else {
            return (Vec::new(), BTreeMap::new());
        };
        let sources: Vec<PathBuf> = package
            .sources
            .iter()
            .filter(|s| s.exists())
            .cloned()
            .collect();
        let found = if sources.is_empty() {
            Vec::new()
        } else {
            discover::discover(&sources, config).unwrap_or_default()
        };
        let open_here: Vec<PathBuf> = {
            let shared = self.lock();
            shared
                .docs
                .keys()
                .filter(|p| package.contains(p) && !config.exclude.is_excluded(p))
                .cloned()
                .collect()
        };
        // An open document under the package's sources may still be another
        // package's (one nested inside it).
        let unit = Unit::Crate {
            root: root.to_path_buf(),
            bound: bound.to_path_buf(),
        };
        let open_here: Vec<PathBuf> = open_here
            .into_iter()
            .filter(|p| self.unit_of(p) == unit)
            .collect();
        let mut files = Vec::new();
        let mut seen = BTreeSet::new();
        let mut open = BTreeMap::new();
        let krate = Some(package.root.clone());
        for d in found.iter().filter(|d| d.krate.as_deref() == Some(root)) {
            let path = source::absolute(&d.path);
            let text = self.lock().docs.get(&path).map(|doc| doc.text.clone());
            let text = match text {
                Some(text) => Some(text),
                None => read(&path, config.max_file_size()),
            };
            if let Some(text) = text {
                files.push(SourceFile::new(&path, text, d.edition).with_krate(krate.clone()));
            }
            seen.insert(path);
        }
        let shared = self.lock();
        for path in open_here {
            let Some(doc) = shared.docs.get(&path) else {
                continue;
            };
            open.insert(path.clone(), doc.version);
            if seen.insert(path.clone()) {
                let edition = config.edition.unwrap_or(package.edition);
                files.push(
                    SourceFile::new(&path, doc.text.clone(), edition).with_krate(krate.clone()),
                );
            }
        }
        (files, open)
    }

    /// Publishes the diagnostics of `outcome`, and an empty list for every file of
    /// the unit that had some and has none now, and for its open documents.
    fn publish(&mut self, unit: &Unit, mut outcome: Outcome) {
        let before = self.published.remove(unit).unwrap_or_default();
        let mut targets: BTreeSet<PathBuf> = before;
        targets.extend(outcome.diagnostics.keys().cloned());
        targets.extend(outcome.open.keys().cloned());
        let mut now = BTreeSet::new();
        for path in targets {
            let Some(uri) = uri_of(&path) else {
                continue;
            };
            let found = outcome.diagnostics.remove(&path).unwrap_or_default();
            if !found.diagnostics.is_empty() {
                now.insert(path.clone());
            }
            let version = outcome.open.get(&path).copied();
            {
                let mut shared = self.lock();
                if found.fixes.is_empty() {
                    shared.fixes.remove(&path);
                } else {
                    shared.fixes.insert(path.clone(), (version, found.fixes));
                }
            }
            let params = PublishDiagnosticsParams {
                uri,
                diagnostics: found.diagnostics,
                version,
            };
            (self.send)(Message::Notification(Notification::new(
                PublishDiagnostics::METHOD.to_string(),
                params,
            )));
        }
        self.published.insert(unit.clone(), now);
    }

    /// A `window/logMessage` to the client.
    fn log(&self, typ: MessageType, message: &str) {
        let params = LogMessageParams {
            typ,
            message: message.to_string(),
        };
        (self.send)(Message::Notification(Notification::new(
            LogMessage::METHOD.to_string(),
            params,
        )));
    }
}

/// Whether `path`, with the symlinks of its nearest existing folder resolved, is
/// still inside `real` (a workspace folder, resolved): a symlink in the workspace
/// to elsewhere does not take the server there.
fn resolves_inside(path: &Path, real: &Path) -> bool {
    path.ancestors()
        .find_map(|a| std::fs::canonicalize(a).ok())
        .is_some_and(|resolved| resolved.starts_with(real))
}

/// The text of a file on disk, or `None` when it cannot be read, is larger than
/// `limit` or is not UTF-8 (the command line reports such a file; here it is left
/// out of the analysis).
fn read(path: &Path, limit: u64) -> Option<String> {
    let bytes = source::read_limited(path, limit).ok()?;
    String::from_utf8(bytes).ok()
}
