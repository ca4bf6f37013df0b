//! `synclint server`: a language server over stdio (`lsp-server` for the transport,
//! `lsp-types` for the messages).
//!
//! On `didOpen`, `didChange`, `didSave` and `didClose` of a `.rs` document it
//! analyses the crate of the document again, with the unsaved text of every open
//! buffer over the text on disk, and publishes a diagnostic per finding: the rule id
//! as `code`, the rule's page as `codeDescription.href` (the address SARIF gives,
//! [`page_uri`](crate::report::sarif::page_uri)), the severity of the configured
//! level (`deny` an error, `warn` a warning), the message and help, and every other
//! site as `relatedInformation`. A file whose findings are gone gets an empty list.
//! Configuration and allow comments apply as on the command line. A save of a
//! `synclint.toml` or `Cargo.toml` analyses every open document's crate again.
//! A finding that carries a fix offers it as a quick fix (`textDocument/codeAction`
//! on its range), while the document is at the version the fix was computed from.
//!
//! The main loop only keeps the buffers and answers requests; the analysis runs on
//! its own thread ([`worker`]), debounced, one crate at a time, and a change that
//! arrives during an analysis of its crate supersedes it.
//!
//! Bad input is passed over, never a panic: a URI that is not a `file:` URI of an
//! absolute path ([`uri`]), a document that is not open, a malformed notification,
//! an edit whose range lies outside the text (clamped, see [`convert`]). A request
//! the server does not know gets `MethodNotFound`. Nothing is read outside the
//! workspace folders the client named (at `initialize`, then with
//! `workspace/didChangeWorkspaceFolders`), but the manifest of a package's
//! workspace; a document outside them is analysed alone, from its buffer.
//!
//! The exit code is 0 after `shutdown` then `exit`, 1 for an `exit` without
//! `shutdown` or a client that went away, 2 for bad arguments.

mod convert;
mod uri;
mod worker;

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use std::time::Duration;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWorkspaceFolders, DidCloseTextDocument, DidOpenTextDocument,
    DidSaveTextDocument, Notification as _,
};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionOrCommand, CodeActionParams,
    CodeActionProviderCapability, DidChangeTextDocumentParams, DidChangeWorkspaceFoldersParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams,
    InitializeParams, InitializeResult, OneOf, SaveOptions, ServerCapabilities, ServerInfo,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, WorkspaceFoldersServerCapabilities, WorkspaceServerCapabilities,
};

use worker::{Job, OpenDoc, Root, Shared, Worker};

/// How long the server waits, at exit, for an analysis in progress to end before it
/// exits without it.
const STOP_WAIT: Duration = Duration::from_secs(2);

/// Stack of the analysis thread: the crate-wide pass runs there.
const WORKER_STACK: usize = 64 << 20;

/// Runs the server on stdin and stdout until the client says `exit`; `args` are the
/// arguments after `server` (there are none).
pub fn run(args: &[OsString]) -> ExitCode {
    if let Some(arg) = args.first() {
        let arg = crate::report::escape::text(
            &arg.to_string_lossy(),
            crate::report::escape::Keep::Nothing,
        )
        .into_owned();
        let _ = writeln!(
            std::io::stderr(),
            "error: `synclint server` takes no arguments, got `{arg}`"
        );
        return ExitCode::from(2);
    }
    let (connection, io_threads) = Connection::stdio();
    let (code, stopped) = serve(&connection);
    // The writer thread ends when every sender is gone; an analysis still running
    // holds one, and is left behind rather than waited for.
    drop(connection);
    if stopped {
        let _ = io_threads.join();
    }
    code
}

/// The whole session; the exit code, and whether the analysis thread has ended.
fn serve(connection: &Connection) -> (ExitCode, bool) {
    let (id, params) = match connection.initialize_start() {
        Ok(start) => start,
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "synclint server: {err}");
            return (ExitCode::from(1), true);
        }
    };
    let params: InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let shared = Arc::new(Mutex::new(Shared {
        roots: roots(&params),
        ..Shared::default()
    }));
    let result = InitializeResult {
        capabilities: capabilities(),
        server_info: Some(ServerInfo {
            name: "synclint".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
    };
    respond(connection, Response::new_ok(id, result));

    let (jobs, queue) = mpsc::channel();
    let (done_tx, done) = mpsc::channel::<()>();
    let sender = connection.sender.clone();
    let worker = Worker::new(
        Arc::clone(&shared),
        Box::new(move |msg| {
            let _ = sender.send(msg);
        }),
    );
    let spawned = std::thread::Builder::new()
        .name("synclint-analysis".to_string())
        .stack_size(WORKER_STACK)
        .spawn(move || {
            worker.run(&queue);
            drop(done_tx);
        });
    if spawned.is_err() {
        let _ = writeln!(std::io::stderr(), "synclint server: cannot start a thread");
        return (ExitCode::from(1), true);
    }

    let mut session = Session {
        shared,
        jobs,
        shut_down: false,
    };
    let mut code = ExitCode::from(1);
    for msg in &connection.receiver {
        match msg {
            Message::Request(req) => {
                if let Some(resp) = session.request(req) {
                    respond(connection, resp);
                }
            }
            Message::Notification(n) if n.method == "exit" => {
                if session.shut_down {
                    code = ExitCode::SUCCESS;
                }
                break;
            }
            Message::Notification(n) => session.notification(n),
            Message::Response(_) => {}
        }
    }
    let _ = session.jobs.send(Job::Stop);
    drop(session);
    let stopped = done.recv_timeout(STOP_WAIT) == Err(mpsc::RecvTimeoutError::Disconnected);
    (code, stopped)
}

fn respond(connection: &Connection, resp: Response) {
    let _ = connection.sender.send(Message::Response(resp));
}

/// What the server offers: full or incremental text sync with open, close and
/// save notifications.
fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        workspace: Some(WorkspaceServerCapabilities {
            workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        ..ServerCapabilities::default()
    }
}

/// The workspace folders of `initialize`: `workspaceFolders`, else `rootUri`, else
/// `rootPath`; only absolute paths from `file:` URIs.
#[allow(deprecated)]
fn roots(params: &InitializeParams) -> Vec<Root> {
    let mut roots: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|f| uri::path_of(&f.uri))
        .collect();
    if roots.is_empty() {
        roots.extend(params.root_uri.as_ref().and_then(uri::path_of));
    }
    if roots.is_empty() {
        let path = params.root_path.as_deref().map(Path::new);
        roots.extend(path.filter(|p| p.is_absolute()).map(Path::to_path_buf));
    }
    roots.into_iter().map(Root::new).collect()
}

/// The main loop's state.
struct Session {
    shared: Arc<Mutex<Shared>>,
    jobs: mpsc::Sender<Job>,
    shut_down: bool,
}

impl Session {
    /// The answer to a request.
    fn request(&mut self, req: Request) -> Option<Response> {
        if self.shut_down {
            return Some(Response::new_err(
                req.id,
                ErrorCode::InvalidRequest as i32,
                "the server is shut down".to_string(),
            ));
        }
        Some(match req.method.as_str() {
            "shutdown" => {
                self.shut_down = true;
                Response::new_ok(req.id, ())
            }
            "textDocument/codeAction" => {
                match serde_json::from_value::<CodeActionParams>(req.params) {
                    Ok(params) => Response::new_ok(req.id, self.code_actions(&params)),
                    Err(err) => Response::new_err(
                        req.id,
                        ErrorCode::InvalidParams as i32,
                        format!("bad parameters: {err}"),
                    ),
                }
            }
            _ => Response::new_err(
                req.id,
                ErrorCode::MethodNotFound as i32,
                "synclint does not handle this request".to_string(),
            ),
        })
    }

    /// Keeps the buffers up to date and queues the analyses they need. A
    /// notification that does not parse, or names no open `.rs` document, is
    /// passed over.
    fn notification(&mut self, n: Notification) {
        if self.shut_down {
            return;
        }
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidOpenTextDocumentParams>(n.params) else {
                    return;
                };
                let Some(path) = rust_path(&p.text_document.uri) else {
                    return;
                };
                let doc = OpenDoc {
                    text: p.text_document.text,
                    version: p.text_document.version,
                };
                self.docs().docs.insert(path.clone(), doc);
                self.changed(path);
            }
            DidChangeTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidChangeTextDocumentParams>(n.params) else {
                    return;
                };
                let Some(path) = rust_path(&p.text_document.uri) else {
                    return;
                };
                {
                    let mut shared = self.docs();
                    let Some(doc) = shared.docs.get_mut(&path) else {
                        return;
                    };
                    for change in p.content_changes {
                        convert::apply_change(&mut doc.text, change);
                    }
                    doc.version = p.text_document.version;
                }
                self.changed(path);
            }
            DidSaveTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidSaveTextDocumentParams>(n.params) else {
                    return;
                };
                let Some(path) = uri::path_of(&p.text_document.uri) else {
                    return;
                };
                if is_config(&path) {
                    self.all_changed();
                } else if is_rust(&path) {
                    if let Some(text) = p.text {
                        if let Some(doc) = self.docs().docs.get_mut(&path) {
                            doc.text = text;
                        }
                    }
                    self.changed(path);
                }
            }
            DidCloseTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidCloseTextDocumentParams>(n.params) else {
                    return;
                };
                let Some(path) = rust_path(&p.text_document.uri) else {
                    return;
                };
                if self.docs().docs.remove(&path).is_some() {
                    self.changed(path);
                }
            }
            DidChangeWorkspaceFolders::METHOD => {
                let Ok(p) = serde_json::from_value::<DidChangeWorkspaceFoldersParams>(n.params)
                else {
                    return;
                };
                let removed: Vec<PathBuf> = p
                    .event
                    .removed
                    .iter()
                    .filter_map(|f| uri::path_of(&f.uri))
                    .collect();
                {
                    let mut shared = self.docs();
                    shared.roots.retain(|r| !removed.contains(&r.given));
                    for path in p.event.added.iter().filter_map(|f| uri::path_of(&f.uri)) {
                        if !shared.roots.iter().any(|r| r.given == path) {
                            shared.roots.push(Root::new(path));
                        }
                    }
                }
                // What each open document may read has changed.
                self.all_changed();
            }
            _ => {}
        }
    }

    /// The quick fixes of the diagnostics that `params.range` touches, from the last
    /// analysis; none when the document changed since (its edits would land in the
    /// wrong place) or the client asks only for other kinds of action.
    fn code_actions(&self, params: &CodeActionParams) -> Vec<CodeActionOrCommand> {
        let wanted = params.context.only.as_ref().is_none_or(|only| {
            only.iter()
                .any(|k| k == &CodeActionKind::QUICKFIX || k.as_str().is_empty())
        });
        let Some(path) = uri::path_of(&params.text_document.uri) else {
            return Vec::new();
        };
        let shared = self.docs();
        let Some((version, actions)) = shared.fixes.get(&path) else {
            return Vec::new();
        };
        let current = shared.docs.get(&path).map(|d| d.version);
        if !wanted || current != *version {
            return Vec::new();
        }
        actions
            .iter()
            .filter(|a| {
                a.diagnostics
                    .iter()
                    .flatten()
                    .any(|d| convert::overlap(d.range, params.range))
            })
            .cloned()
            .map(CodeActionOrCommand::CodeAction)
            .collect()
    }

    fn docs(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn changed(&self, path: PathBuf) {
        let _ = self.jobs.send(Job::Changed(path));
    }

    /// Every open document analysed again: what they read has changed (a
    /// configuration saved, the workspace folders).
    fn all_changed(&self) {
        let open: Vec<PathBuf> = self.docs().docs.keys().cloned().collect();
        for path in open {
            self.changed(path);
        }
    }
}

/// The path of a `file:` URI naming a `.rs` file.
fn rust_path(uri: &lsp_types::Uri) -> Option<PathBuf> {
    uri::path_of(uri).filter(|p| is_rust(p))
}

fn is_rust(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "rs")
}

/// Whether a saved file may change the configuration or the crates.
fn is_config(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n == "synclint.toml" || n == "Cargo.toml")
}
