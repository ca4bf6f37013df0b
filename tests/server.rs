//! `synclint server` driven as an editor drives it: JSON-RPC over the built
//! binary's stdin and stdout. Every wait has a time limit, so a server that hangs
//! or never answers fails the test instead of stalling the suite.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::bin::{self, SYNCLINT};

/// The longest any single wait for the server may take.
const LIMIT: Duration = Duration::from_secs(30);

/// A lock-order inversion (`deposit` and `audit`) and a split atomic update
/// (`grow`).
const HAZARDS: &str = r#"use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

pub struct Bank {
    accounts: Mutex<Vec<u64>>,
    journal: Mutex<Vec<String>>,
    size: AtomicUsize,
}

impl Bank {
    pub fn deposit(&self, amount: u64) {
        let mut accounts = self.accounts.lock().unwrap();
        let mut journal = self.journal.lock().unwrap();
        accounts.push(amount);
        journal.push(format!("deposit {amount}"));
    }

    pub fn audit(&self) -> usize {
        let journal = self.journal.lock().unwrap();
        let accounts = self.accounts.lock().unwrap();
        journal.len() + accounts.len()
    }

    pub fn grow(&self, bytes: usize) {
        let size = self.size.load(Ordering::Acquire);
        self.size.store(size + bytes, Ordering::Release);
    }
}
"#;

/// [`HAZARDS`] fixed: one lock order, one atomic operation.
const FIXED: &str = r#"use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

pub struct Bank {
    accounts: Mutex<Vec<u64>>,
    journal: Mutex<Vec<String>>,
    size: AtomicUsize,
}

impl Bank {
    pub fn deposit(&self, amount: u64) {
        let mut accounts = self.accounts.lock().unwrap();
        let mut journal = self.journal.lock().unwrap();
        accounts.push(amount);
        journal.push(format!("deposit {amount}"));
    }

    pub fn audit(&self) -> usize {
        let accounts = self.accounts.lock().unwrap();
        let journal = self.journal.lock().unwrap();
        journal.len() + accounts.len()
    }

    pub fn grow(&self, bytes: usize) {
        self.size.fetch_add(bytes, Ordering::AcqRel);
    }
}
"#;

/// A client talking to one server process.
struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: mpsc::Receiver<Value>,
    next_id: i64,
    /// Notifications read while waiting for something else.
    seen: Vec<Value>,
}

impl Client {
    /// Starts `synclint server` in `dir` with an empty environment.
    fn start(dir: &Path) -> Client {
        let mut cmd = Command::new(SYNCLINT);
        cmd.arg("server")
            .current_dir(dir)
            .env_clear()
            .env("HOME", dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().expect("start the server");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, incoming) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(msg) = read_message(&mut reader) {
                if tx.send(msg).is_err() {
                    return;
                }
            }
        });
        Client {
            child,
            stdin,
            incoming,
            next_id: 1,
            seen: Vec::new(),
        }
    }

    fn send(&mut self, msg: &Value) {
        let body = serde_json::to_vec(msg).expect("serialise");
        let stdin = self.stdin.as_mut().expect("stdin still open");
        write!(stdin, "Content-Length: {}\r\n\r\n", body.len()).expect("write a header");
        stdin.write_all(&body).expect("write a body");
        stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and waits for its response (the whole response object).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait(&format!("the response to {method}"), |msg| {
            msg.get("id") == Some(&json!(id)) && msg.get("method").is_none()
        })
    }

    /// The next message `pred` accepts; the others are kept in `seen`.
    fn wait(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + LIMIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(msg) if pred(&msg) => return msg,
                Ok(msg) => self.seen.push(msg),
                Err(_) => panic!(
                    "no {what} within {LIMIT:?}; saw {}",
                    serde_json::to_string_pretty(&self.seen).unwrap_or_default()
                ),
            }
        }
    }

    /// The diagnostics of the next `publishDiagnostics` for `uri` that `pred`
    /// accepts.
    fn diagnostics(&mut self, uri: &str, pred: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let msg = self.wait(&format!("diagnostics for {uri} as expected"), |msg| {
            msg["method"] == "textDocument/publishDiagnostics"
                && msg["params"]["uri"] == uri
                && msg["params"]["diagnostics"]
                    .as_array()
                    .is_some_and(|d| pred(d))
        });
        msg["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    fn initialize(&mut self, root: &Path) -> Value {
        let uri = uri_of(root);
        let resp = self.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri,
                "capabilities": {},
                "workspaceFolders": [{"uri": uri, "name": "demo"}],
            }),
        );
        self.notify("initialized", json!({}));
        resp
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "rust", "version": 1, "text": text}}),
        );
    }

    /// `shutdown`, then `exit`; the exit code.
    fn shut_down(mut self) -> i32 {
        let resp = self.request("shutdown", Value::Null);
        assert_eq!(resp["result"], Value::Null, "{resp}");
        assert!(resp.get("error").is_none(), "{resp}");
        self.notify("exit", Value::Null);
        self.exit_code()
    }

    /// Waits for the process to end, closing its stdin.
    fn exit_code(mut self) -> i32 {
        drop(self.stdin.take());
        let deadline = Instant::now() + LIMIT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for the server") {
                return status.code().expect("exited, not killed");
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the server did not exit within {LIMIT:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One message in LSP framing, or `None` at the end of the stream.
fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

/// The `file:` URI of an absolute path of the test's (plain ASCII) folders.
fn uri_of(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// A package `demo` with `split-atomic-update` turned on in its `synclint.toml`.
fn demo_crate(lib: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = bin::tempdir();
    let root = std::fs::canonicalize(dir.path()).expect("canonical temp folder");
    bin::write(
        &root,
        "Cargo.toml",
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    bin::write(
        &root,
        "synclint.toml",
        "[rules]\nsplit-atomic-update = \"warn\"\n",
    );
    bin::write(&root, "src/lib.rs", lib);
    (dir, root)
}

fn codes(diagnostics: &[Value]) -> Vec<&str> {
    let mut codes: Vec<&str> = diagnostics
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    codes
}

fn has_both(diagnostics: &[Value]) -> bool {
    codes(diagnostics) == ["lock-order-inversion", "split-atomic-update"]
}

/// The test the issue is judged by: both hazards with their related sites, then
/// none once the unsaved buffer is fixed, then a clean shutdown.
#[test]
fn diagnostics_follow_the_unsaved_buffer_and_shutdown_is_clean() {
    let (_dir, root) = demo_crate(HAZARDS);
    let lib = uri_of(&root.join("src/lib.rs"));
    let mut client = Client::start(&root);
    let init = client.initialize(&root);
    assert_eq!(init["result"]["serverInfo"]["name"], "synclint", "{init}");
    assert!(
        init["result"]["capabilities"]["textDocumentSync"]["openClose"] == true,
        "{init}"
    );

    client.open(&lib, HAZARDS);
    let found = client.diagnostics(&lib, |d| !d.is_empty());
    assert!(has_both(&found), "{found:#?}");
    for d in &found {
        assert_eq!(d["source"], "synclint", "{d}");
        let code = d["code"].as_str().expect("a code");
        let href = d["codeDescription"]["href"].as_str().expect("a link");
        assert!(href.ends_with(&format!("rules/{code}.md")), "{href}");
        let related = d["relatedInformation"].as_array().expect("related sites");
        assert!(!related.is_empty(), "{d}");
        for r in related {
            assert_eq!(r["location"]["uri"], lib.as_str(), "{r}");
            assert!(r["message"].as_str().is_some_and(|m| !m.is_empty()), "{r}");
        }
        // deny is an error, warn (from synclint.toml) a warning.
        let severity = if code == "lock-order-inversion" { 1 } else { 2 };
        assert_eq!(d["severity"], severity, "{d}");
    }
    let inversion = found
        .iter()
        .find(|d| d["code"] == "lock-order-inversion")
        .expect("the inversion");
    let lines: Vec<u64> = inversion["relatedInformation"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["location"]["range"]["start"]["line"].as_u64())
        .collect();
    // The related sites include an acquisition of the other method: `deposit`
    // takes its locks on lines 12 and 13 (0-based 11, 12), `audit` on 19 and 20.
    assert!(
        lines.iter().any(|&l| (11..=12).contains(&l))
            && lines.iter().any(|&l| (18..=19).contains(&l)),
        "{inversion:#}"
    );

    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": lib, "version": 2},
            "contentChanges": [{"text": FIXED}],
        }),
    );
    let after = client.diagnostics(&lib, |d| d.is_empty());
    assert!(after.is_empty());
    // Only the buffer changed: the file on disk still has both hazards.
    let on_disk = std::fs::read_to_string(root.join("src/lib.rs")).expect("read lib.rs");
    assert_eq!(on_disk, HAZARDS);

    assert_eq!(client.shut_down(), 0);
}

/// Closing the fixed buffer without saving brings back what the disk says.
#[test]
fn closing_an_unsaved_buffer_goes_back_to_the_disk() {
    let (_dir, root) = demo_crate(HAZARDS);
    let lib = uri_of(&root.join("src/lib.rs"));
    let mut client = Client::start(&root);
    client.initialize(&root);
    client.open(&lib, FIXED);
    client.diagnostics(&lib, |d| d.is_empty());
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": lib}}),
    );
    let back = client.diagnostics(&lib, has_both);
    assert!(has_both(&back), "{back:#?}");
    assert_eq!(client.shut_down(), 0);
}

/// A range edit is applied to the buffer: turning `grow` into a `fetch_add` by
/// replacing its two lines leaves only the inversion.
#[test]
fn incremental_edits_are_applied() {
    let (_dir, root) = demo_crate(HAZARDS);
    let lib = uri_of(&root.join("src/lib.rs"));
    let mut client = Client::start(&root);
    client.initialize(&root);
    client.open(&lib, HAZARDS);
    client.diagnostics(&lib, has_both);
    // Lines 24 and 25 (0-based) are the `load` and the `store`.
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": lib, "version": 2},
            "contentChanges": [{
                "range": {"start": {"line": 24, "character": 0}, "end": {"line": 26, "character": 0}},
                "text": "        self.size.fetch_add(bytes, Ordering::AcqRel);\n",
            }],
        }),
    );
    let left = client.diagnostics(&lib, |d| codes(d) == ["lock-order-inversion"]);
    assert_eq!(codes(&left), ["lock-order-inversion"]);
    assert_eq!(client.shut_down(), 0);
}

/// A buffer that does not parse (half typed) gets one `parse` error where the
/// parser stopped instead of its findings; fixing it brings them back.
#[test]
fn an_unparsable_buffer_says_where() {
    let (_dir, root) = demo_crate(HAZARDS);
    let lib = uri_of(&root.join("src/lib.rs"));
    let mut client = Client::start(&root);
    client.initialize(&root);
    client.open(&lib, HAZARDS);
    client.diagnostics(&lib, has_both);
    let broken = format!("{HAZARDS}\nfn half(");
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": lib, "version": 2},
            "contentChanges": [{"text": broken}],
        }),
    );
    let found = client.diagnostics(&lib, |d| codes(d) == ["parse"]);
    assert_eq!(codes(&found), ["parse"], "{found:#?}");
    let line = found[0]["range"]["start"]["line"].as_u64().unwrap_or(0);
    assert!(line >= HAZARDS.lines().count() as u64, "{found:#?}");
    assert_eq!(found[0]["severity"], 1, "{found:#?}");
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": lib, "version": 3},
            "contentChanges": [{"text": HAZARDS}],
        }),
    );
    let back = client.diagnostics(&lib, has_both);
    assert!(has_both(&back), "{back:#?}");
    assert_eq!(client.shut_down(), 0);
}

/// An allow comment in the buffer silences its finding, as on the command line.
#[test]
fn allow_comments_apply() {
    let (_dir, root) = demo_crate(HAZARDS);
    let lib = uri_of(&root.join("src/lib.rs"));
    let allowed = HAZARDS.replace(
        "    pub fn grow",
        "    // synclint::allow(split-atomic-update): only one writer\n    pub fn grow",
    );
    let mut client = Client::start(&root);
    client.initialize(&root);
    client.open(&lib, &allowed);
    let found = client.diagnostics(&lib, |d| !d.is_empty());
    assert_eq!(codes(&found), ["lock-order-inversion"], "{found:#?}");
    assert_eq!(client.shut_down(), 0);
}

/// Bad input is passed over and the server goes on: URIs that are not files,
/// documents that were never opened, malformed parameters, edits past the end of
/// the text, unknown requests; a document outside the workspace is analysed alone.
#[test]
fn bad_input_does_not_stop_the_server() {
    let (_dir, root) = demo_crate(HAZARDS);
    let lib = uri_of(&root.join("src/lib.rs"));
    let mut client = Client::start(&root);
    client.initialize(&root);

    client.open("untitled:Untitled-1", HAZARDS);
    client.open("https://example.com/x.rs", HAZARDS);
    client.open("file:///../../etc/x.rs", HAZARDS);
    client.notify("textDocument/didOpen", json!(42));
    client.notify("textDocument/didOpen", json!({"textDocument": {"uri": 7}}));
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri_of(&root.join("src/never_opened.rs")), "version": 2},
            "contentChanges": [{"text": "fn x() {}"}],
        }),
    );
    client.notify("$/unknownNotification", json!({"x": 1}));
    let unknown = client.request("synclint/unknown", json!({}));
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");

    // Positions past the end of the text are clamped.
    client.open(&lib, FIXED);
    client.diagnostics(&lib, |d| d.is_empty());
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": lib, "version": 2},
            "contentChanges": [{
                "range": {"start": {"line": 9999, "character": 9999}, "end": {"line": 4000000000u64, "character": 0}},
                "text": "\nfn discard(m: &std::sync::Mutex<u8>) { let _ = m.lock(); }\n",
            }],
        }),
    );
    let found = client.diagnostics(&lib, |d| !d.is_empty());
    assert_eq!(codes(&found), ["discarded-guard"], "{found:#?}");

    // A file outside the workspace is analysed from its buffer alone.
    let outside = "file:///synclint-no-such-folder/loose.rs";
    client.open(outside, bin::HAZARD);
    let loose = client.diagnostics(outside, |d| !d.is_empty());
    assert_eq!(codes(&loose), ["lock-across-await"], "{loose:#?}");

    assert_eq!(client.shut_down(), 0);
}

/// `exit` without `shutdown` exits with 1, as the protocol asks; extra arguments
/// are a usage error.
#[test]
fn exit_codes() {
    let (_dir, root) = demo_crate(FIXED);
    let mut client = Client::start(&root);
    client.initialize(&root);
    client.notify("exit", Value::Null);
    assert_eq!(client.exit_code(), 1);

    let run = bin::run(
        bin::command(SYNCLINT, &root, &["server", "--stdio-x"]),
        LIMIT,
    );
    run.code(2);
}

/// The crate is read whole from disk around the open document: an inversion whose
/// other half is in a file that is not open is found, that file gets its own
/// diagnostics, and the related sites point into it.
#[test]
fn sites_in_other_files_of_the_crate_are_related() {
    let (_dir, root) = demo_crate(
        "use std::sync::Mutex;\n\nmod audit;\n\npub struct Bank {\n    accounts: Mutex<Vec<u64>>,\n    journal: Mutex<Vec<String>>,\n}\n\nimpl Bank {\n    pub fn deposit(&self, amount: u64) {\n        let mut accounts = self.accounts.lock().unwrap();\n        let mut journal = self.journal.lock().unwrap();\n        accounts.push(amount);\n        journal.push(format!(\"deposit {amount}\"));\n    }\n}\n",
    );
    bin::write(
        &root,
        "src/audit.rs",
        "impl super::Bank {\n    pub fn audit(&self) -> usize {\n        let journal = self.journal.lock().unwrap();\n        let accounts = self.accounts.lock().unwrap();\n        journal.len() + accounts.len()\n    }\n}\n",
    );
    let lib_path = root.join("src/lib.rs");
    let lib = uri_of(&lib_path);
    let audit = uri_of(&root.join("src/audit.rs"));
    let text = std::fs::read_to_string(&lib_path).expect("read lib.rs");
    let mut client = Client::start(&root);
    client.initialize(&root);
    client.open(&lib, &text);
    let msg = client.wait("diagnostics with a site in audit.rs", |msg| {
        msg["method"] == "textDocument/publishDiagnostics"
            && msg["params"]["diagnostics"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|d| {
                    d["code"] == "lock-order-inversion"
                        && d["relatedInformation"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .any(|r| r["location"]["uri"] == audit.as_str())
                })
    });
    let uri = msg["params"]["uri"].as_str().expect("a URI");
    assert!(uri == lib || uri == audit, "{msg:#}");
    assert_eq!(client.shut_down(), 0);
}

/// Changes that come faster than the analysis are joined: the diagnostics of the
/// last text are published, and no older version is published after a newer one.
#[test]
fn a_newer_change_supersedes_an_older_one() {
    let (_dir, root) = demo_crate(FIXED);
    let lib = uri_of(&root.join("src/lib.rs"));
    let mut client = Client::start(&root);
    client.initialize(&root);
    client.open(&lib, HAZARDS);
    let only_split = FIXED.replace(
        "        self.size.fetch_add(bytes, Ordering::AcqRel);",
        "        let size = self.size.load(Ordering::Acquire);\n        self.size.store(size + bytes, Ordering::Release);",
    );
    for (version, text) in [(2, FIXED), (3, only_split.as_str())] {
        client.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": lib, "version": version},
                "contentChanges": [{"text": text}],
            }),
        );
    }
    let msg = client.wait("the diagnostics of version 3", |msg| {
        msg["method"] == "textDocument/publishDiagnostics"
            && msg["params"]["uri"] == lib.as_str()
            && msg["params"]["version"] == 3
    });
    let diagnostics = msg["params"]["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(codes(&diagnostics), ["split-atomic-update"], "{msg:#}");
    let versions: Vec<i64> = client
        .seen
        .iter()
        .filter(|m| m["params"]["uri"] == lib.as_str())
        .filter_map(|m| m["params"]["version"].as_i64())
        .collect();
    assert!(versions.windows(2).all(|w| w[0] <= w[1]), "{versions:?}");
    assert_eq!(client.shut_down(), 0);
}

/// A configuration above the workspace folder is not read: the opt-in rule it
/// turns on stays off, where the command line, which looks up to `/`, finds it.
#[test]
fn nothing_above_the_workspace_folder_is_read() {
    let dir = bin::tempdir();
    let top = std::fs::canonicalize(dir.path()).expect("canonical temp folder");
    bin::write(
        &top,
        "synclint.toml",
        "[rules]\nsplit-atomic-update = \"deny\"\n",
    );
    let ws = top.join("ws");
    bin::write(
        &ws,
        "Cargo.toml",
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    bin::write(&ws, "src/lib.rs", HAZARDS);
    let cli = bin::run(
        bin::command(SYNCLINT, &ws, &["--format", "short", "src/lib.rs"]),
        LIMIT,
    );
    cli.stdout_has("split-atomic-update");

    let lib = uri_of(&ws.join("src/lib.rs"));
    let mut client = Client::start(&ws);
    client.initialize(&ws);
    client.open(&lib, HAZARDS);
    let found = client.diagnostics(&lib, |d| !d.is_empty());
    assert_eq!(codes(&found), ["lock-order-inversion"], "{found:#?}");
    assert_eq!(client.shut_down(), 0);
}

/// A folder added after `initialize` is read from then on, and one removed is not:
/// a document of a crate outside every folder is checked alone (the other half of
/// its inversion, in another file, is not seen), and in full once its folder is
/// added.
#[test]
fn workspace_folders_added_and_removed_are_followed() {
    let (_dir, root) = demo_crate(
        "use std::sync::Mutex;\n\nmod audit;\n\npub struct Bank {\n    accounts: Mutex<Vec<u64>>,\n    journal: Mutex<Vec<String>>,\n}\n\nimpl Bank {\n    pub fn deposit(&self, amount: u64) {\n        let mut accounts = self.accounts.lock().unwrap();\n        let mut journal = self.journal.lock().unwrap();\n        accounts.push(amount);\n        journal.push(format!(\"deposit {amount}\"));\n    }\n}\n",
    );
    bin::write(
        &root,
        "src/audit.rs",
        "impl super::Bank {\n    pub fn audit(&self) -> usize {\n        let journal = self.journal.lock().unwrap();\n        let accounts = self.accounts.lock().unwrap();\n        journal.len() + accounts.len()\n    }\n}\n",
    );
    let other = bin::tempdir();
    let elsewhere = std::fs::canonicalize(other.path()).expect("canonical temp folder");
    let lib_path = root.join("src/lib.rs");
    let lib = uri_of(&lib_path);
    let text = std::fs::read_to_string(&lib_path).expect("read lib.rs");
    let mut client = Client::start(&elsewhere);
    let init = client.initialize(&elsewhere);
    let folders = &init["result"]["capabilities"]["workspace"]["workspaceFolders"];
    assert_eq!(folders["supported"], true, "{init:#}");
    assert_eq!(folders["changeNotifications"], true, "{init:#}");
    client.open(&lib, &text);
    let alone = client.diagnostics(&lib, |_| true);
    assert!(codes(&alone).is_empty(), "{alone:#?}");

    let change = |added: &Path, removed: &Path| {
        json!({"event": {
            "added": [{"uri": uri_of(added), "name": "added"}],
            "removed": [{"uri": uri_of(removed), "name": "removed"}],
        }})
    };
    client.notify(
        "workspace/didChangeWorkspaceFolders",
        change(&root, &elsewhere),
    );
    let whole = client.diagnostics(&lib, |d| !d.is_empty());
    assert_eq!(codes(&whole), ["lock-order-inversion"], "{whole:#?}");

    client.notify(
        "workspace/didChangeWorkspaceFolders",
        change(&elsewhere, &root),
    );
    let again = client.diagnostics(&lib, |d| d.is_empty());
    assert!(again.is_empty());
    assert_eq!(client.shut_down(), 0);
}

/// `text` with LSP text edits applied (ASCII text: a character is a byte).
fn apply_edits(text: &str, edits: &[Value]) -> String {
    let offset = |pos: &Value| -> usize {
        let line = pos["line"].as_u64().expect("a line") as usize;
        let character = pos["character"].as_u64().expect("a character") as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        start + character
    };
    let mut edits: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            (
                offset(&e["range"]["start"]),
                offset(&e["range"]["end"]),
                e["newText"].as_str().expect("a new text"),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (start, end, new) in edits {
        out.replace_range(start..end, new);
    }
    out
}

/// A finding's fix is offered as a quick fix on its range, and the buffer with
/// the fix applied no longer has the finding.
#[test]
fn fixes_are_offered_as_quick_fixes() {
    let (_dir, root) = demo_crate(HAZARDS);
    let lib = uri_of(&root.join("src/lib.rs"));
    let mut client = Client::start(&root);
    let init = client.initialize(&root);
    assert_eq!(
        init["result"]["capabilities"]["codeActionProvider"]["codeActionKinds"],
        json!(["quickfix"]),
        "{init}"
    );
    client.open(&lib, HAZARDS);
    let found = client.diagnostics(&lib, has_both);
    let split = found
        .iter()
        .find(|d| d["code"] == "split-atomic-update")
        .expect("the split update")
        .clone();
    let resp = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": lib},
            "range": split["range"],
            "context": {"diagnostics": [split]},
        }),
    );
    let actions = resp["result"].as_array().expect("a list of actions");
    let action = actions
        .iter()
        .find(|a| a["kind"] == "quickfix" && a["diagnostics"][0]["code"] == "split-atomic-update")
        .unwrap_or_else(|| panic!("a quick fix: {resp:#}"));
    let edits = action["edit"]["changes"][lib.as_str()]
        .as_array()
        .expect("edits of lib.rs");
    let fixed = apply_edits(HAZARDS, edits);
    assert!(fixed.contains("fetch_add"), "{fixed}");

    // Nowhere near a fixable finding, nothing is offered.
    let none = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": lib},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}},
            "context": {"diagnostics": []},
        }),
    );
    assert_eq!(none["result"], json!([]), "{none}");

    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": lib, "version": 2},
            "contentChanges": [{"text": fixed}],
        }),
    );
    let left = client.diagnostics(&lib, |d| codes(d) == ["lock-order-inversion"]);
    assert_eq!(codes(&left), ["lock-order-inversion"]);
    assert_eq!(client.shut_down(), 0);
}
