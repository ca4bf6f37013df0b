//! The documented integrations hold: the VS Code problem matcher, vim `errorformat`
//! and emacs regexp of `docs/editors.md` read real `--format short` output, the
//! commands of the GitHub Actions workflows in `docs/ci.md` run and give what the
//! next step expects, and `docs/configuration.md` documents every key and its
//! example parses.
//!
//! Snippets are taken from the Markdown itself, so the docs cannot drift. Vim is run
//! when it is installed; emacs's regexp is translated to Rust's syntax instead of
//! running emacs. Nothing here touches the network or the real home folder.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use support::bin::{self, tempdir, write, CARGO, CARGO_SYNCLINT, HAZARD, SYNCLINT};

/// The longest one run may take.
const LIMIT: Duration = Duration::from_secs(600);

fn doc(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The fenced code blocks of a Markdown text whose info string is `lang`.
fn code_blocks(markdown: &str, lang: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None => {
                if line.trim_start().strip_prefix("```") == Some(lang) {
                    current = Some(String::new());
                }
            }
            Some(block) => {
                if line.trim_start() == "```" {
                    blocks.push(std::mem::take(block));
                    current = None;
                } else {
                    block.push_str(line);
                    block.push('\n');
                }
            }
        }
    }
    blocks
}

/// A temporary folder with a hazard (at `deny`), a warning, a file that does not
/// parse and one that is not UTF-8, and the `--format short` output for it.
fn short_output() -> (tempfile::TempDir, String) {
    let tmp = tempdir();
    let dir = tmp.path();
    write(dir, "src/a.rs", HAZARD);
    write(
        dir,
        "src/b.rs",
        "fn g(m: &std::sync::Mutex<u8>) {\n    m.lock().unwrap();\n}\n",
    );
    write(dir, "src/broken.rs", "fn f() {}\nfn b() { let = 1; }\n");
    write(dir, "src/latin1.rs", b"fn f() {}\n// caf\xe9\n");
    let args = ["--format", "short", "--deny", "lock-across-await"];
    let run = bin::run(bin::command(SYNCLINT, dir, &args), LIMIT);
    assert_eq!(run.code, Some(2));
    assert!(run.stdout_is_utf8(), "utf-8");
    let text = run.stdout;
    (tmp, text)
}

/// One output line of [`short_output`]: file, line and column, severity, code.
type Entry = (&'static str, Option<(u32, u32)>, &'static str, &'static str);

/// What each output line of [`short_output`] is.
fn expected_entries() -> Vec<Entry> {
    vec![
        ("src/a.rs", Some((1, 48)), "error", "lock-across-await"),
        ("src/b.rs", Some((2, 5)), "warning", "discarded-guard"),
        ("src/broken.rs", Some((2, 14)), "error", "parse"),
        ("src/latin1.rs", None, "error", "encoding"),
    ]
}

/// The first `lang` block of `docs/editors.md` that holds `needle` (the page also
/// shows the language server's set-up in blocks of the same languages).
fn editor_block(lang: &str, needle: &str) -> String {
    code_blocks(&doc("editors.md"), lang)
        .into_iter()
        .find(|b| b.contains(needle))
        .unwrap_or_else(|| panic!("a {lang} block with {needle} in docs/editors.md"))
}

#[test]
fn vscode_problem_matcher_reads_short_output() {
    let tasks: Value = serde_json::from_str(&editor_block("json", "\"tasks\""))
        .expect("the tasks.json block is JSON");
    let matchers = tasks["tasks"][0]["problemMatcher"]
        .as_array()
        .expect("problem matchers");
    assert_eq!(matchers.len(), 2);
    let patterns: Vec<(regex::Regex, &Value)> = matchers
        .iter()
        .map(|m| {
            let pattern = &m["pattern"];
            let re = pattern["regexp"].as_str().expect("a regexp");
            (regex::Regex::new(re).expect("the regexp compiles"), pattern)
        })
        .collect();
    let group = |caps: &regex::Captures, pattern: &Value, key: &str| -> Option<String> {
        let i = pattern[key].as_u64()? as usize;
        caps.get(i).map(|m| m.as_str().to_string())
    };

    let (_tmp, output) = short_output();
    let lines: Vec<&str> = output.lines().collect();
    let expected = expected_entries();
    assert_eq!(lines.len(), expected.len(), "{output}");
    for (line, (file, pos, severity, code)) in lines.iter().zip(expected) {
        let hits: Vec<_> = patterns
            .iter()
            .filter_map(|(re, pattern)| re.captures(line).map(|c| (c, *pattern)))
            .collect();
        assert_eq!(hits.len(), 1, "exactly one matcher should read {line:?}");
        let (caps, pattern) = &hits[0];
        assert_eq!(
            group(caps, pattern, "file").as_deref(),
            Some(file),
            "{line}"
        );
        assert_eq!(
            group(caps, pattern, "severity").as_deref(),
            Some(severity),
            "{line}"
        );
        assert_eq!(
            group(caps, pattern, "code").as_deref(),
            Some(code),
            "{line}"
        );
        let position = group(caps, pattern, "line").zip(group(caps, pattern, "column"));
        assert_eq!(
            position.map(|(l, c)| (l.parse().expect("digits"), c.parse().expect("digits"))),
            pos,
            "{line}"
        );
        assert!(group(caps, pattern, "message").is_some_and(|m| !m.is_empty()));
        if pos.is_none() {
            assert_eq!(pattern["kind"], "file");
        }
    }
}

/// The `errorformat` line of `docs/editors.md`, or `None` when vim is not installed.
fn vim_errorformat() -> Option<String> {
    let block = code_blocks(&doc("editors.md"), "vim").remove(0);
    let efm = block
        .lines()
        .find(|l| l.starts_with("set errorformat="))
        .expect("an errorformat line")
        .to_string();
    let has_vim = Command::new("vim")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    has_vim.then_some(efm)
}

/// The quickfix list vim reads from `output` (written into `dir`) with `efm`, one
/// line per entry: `fields`, a vim expression of the entry `e`.
fn vim_quickfix(efm: &str, dir: &Path, output: &str, fields: &str) -> String {
    std::fs::write(dir.join("out.txt"), output).expect("write");
    std::fs::write(
        dir.join("efm.vim"),
        format!(
            "{efm}\ncgetfile out.txt\ncall writefile(map(getqflist(), {{_, e -> {fields}}}), 'qf.txt')\nqa!\n"
        ),
    )
    .expect("write");
    let status = Command::new("vim")
        .args(["-es", "-N", "-u", "NONE", "-i", "NONE", "-S", "efm.vim"])
        .current_dir(dir)
        .env("HOME", dir)
        .stdin(Stdio::null())
        .status()
        .expect("run vim");
    assert!(status.success());
    std::fs::read_to_string(dir.join("qf.txt")).expect("vim wrote the list")
}

#[test]
fn vim_errorformat_reads_short_output() {
    let Some(efm) = vim_errorformat() else {
        eprintln!("skipped: vim is not installed");
        return;
    };
    let (tmp, output) = short_output();
    let qf = vim_quickfix(&efm, tmp.path(), &output, "bufname(e.bufnr) . '|' . e.lnum . '|' . e.col . '|' . e.type . '|' . e.module . '|' . e.valid");
    let expected: Vec<String> = expected_entries()
        .into_iter()
        .map(|(file, pos, severity, code)| {
            let (l, c) = pos.unwrap_or((0, 0));
            format!("{file}|{l}|{c}|{}|{code}|1", &severity[..1])
        })
        .collect();
    assert_eq!(qf.lines().collect::<Vec<_>>(), expected, "{output}");
}

/// The text of an elisp string literal's contents: `\\` is a backslash, `\n` a line
/// break, `\"` a quote.
fn elisp_string(elisp: &str) -> String {
    let mut out = String::new();
    let mut chars = elisp.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// An emacs regexp, as written in an elisp string, in Rust's syntax.
fn emacs_to_rust(elisp: &str) -> String {
    let emacs = elisp_string(elisp);
    let mut out = String::new();
    let mut chars = emacs.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        if in_class {
            if c == ']' && !out.ends_with('[') && !out.ends_with("[^") {
                in_class = false;
            }
            if c == '[' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
            continue;
        }
        match c {
            '\\' => match chars.next() {
                Some('(') => {
                    if chars.peek() == Some(&'?') {
                        chars.next();
                        chars.next();
                        out.push_str("(?:");
                    } else {
                        out.push('(');
                    }
                }
                Some(')') => out.push(')'),
                Some('|') => out.push('|'),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push_str("\\\\"),
            },
            '(' | ')' | '|' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '[' => {
                in_class = true;
                out.push('[');
            }
            other => out.push(other),
        }
    }
    out
}

#[test]
fn emacs_regexp_reads_short_output() {
    let block = editor_block("elisp", "compilation-error-regexp-alist");
    let start = block.find("\"^").expect("the regexp string") + 1;
    let end = start + block[start..].find("\"\n").expect("its end");
    let re = regex::Regex::new(&emacs_to_rust(&block[start..end])).expect("translates");
    assert!(block.contains("1 2 3 (5 . 6)"));
    let (_tmp, output) = short_output();
    for (line, (file, pos, severity, _)) in output.lines().zip(expected_entries()) {
        let Some((l, c)) = pos else {
            assert!(!re.is_match(line), "{line}");
            continue;
        };
        let caps = re
            .captures(line)
            .unwrap_or_else(|| panic!("no match: {line}"));
        assert_eq!(&caps[1], file);
        assert_eq!(caps[2].parse::<u32>().ok(), Some(l));
        assert_eq!(caps[3].parse::<u32>().ok(), Some(c));
        let group = match severity {
            "error" => 4,
            "warning" => 5,
            _ => 6,
        };
        assert!(caps.get(group).is_some(), "{line}");
    }
}

/// The `synclint` commands of `docs/ci.md`, in order: `run:` steps of the workflows
/// and the lines of console blocks, without the install steps.
fn ci_commands(markdown: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut in_block = false;
    for line in markdown.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if !in_block {
            continue;
        }
        let command = trimmed
            .strip_prefix("- run: ")
            .or_else(|| trimmed.strip_prefix("run: "))
            .unwrap_or(trimmed);
        if command.starts_with("cargo synclint") || command.starts_with("synclint ") {
            commands.push(command.to_string());
        }
    }
    commands
}

#[test]
fn documented_ci_workflows_run() {
    let markdown = doc("ci.md");
    let workflows: Vec<String> = code_blocks(&markdown, "yaml")
        .into_iter()
        .filter(|b| b.contains("jobs:"))
        .collect();
    assert_eq!(workflows.len(), 2, "a SARIF workflow and an annotating one");
    for w in &workflows {
        for key in [
            "name:",
            "on:",
            "jobs:",
            "runs-on:",
            "steps:",
            "actions/checkout@",
        ] {
            assert!(w.contains(key), "workflow without `{key}`:\n{w}");
        }
        assert!(!w.contains('\t'), "tabs in YAML:\n{w}");
    }
    assert!(workflows[0].contains("security-events: write"));
    let sarif_file = workflows[0]
        .lines()
        .find_map(|l| l.trim().strip_prefix("sarif_file: "))
        .expect("the upload step names its file");
    assert!(workflows[0].contains(&format!("> {sarif_file}")));

    // A workspace with one hazard, and a `bin` folder with both binaries on `PATH`,
    // as `cargo install` leaves them.
    let tmp = tempdir();
    let root = tmp.path().join("repo");
    let bin = tmp.path().join("bin");
    for (rel, text) in [
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"app\"]\nresolver = \"2\"\n",
        ),
        (
            "app/Cargo.toml",
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("app/src/lib.rs", HAZARD),
    ] {
        write(&root, rel, text);
    }
    std::fs::create_dir_all(&bin).expect("mkdir");
    for (name, target) in [("synclint", SYNCLINT), ("cargo-synclint", CARGO_SYNCLINT)] {
        std::fs::copy(target, bin.join(name)).expect("copy binary");
    }
    let cargo_dir = PathBuf::from(CARGO)
        .parent()
        .expect("invariant: a binary has a folder")
        .to_path_buf();
    let mut path = vec![bin.clone(), cargo_dir];
    path.extend(
        std::env::var_os("PATH")
            .iter()
            .flat_map(std::env::split_paths),
    );
    let path = std::env::join_paths(path).expect("valid PATH");

    let commands = ci_commands(&markdown);
    assert!(commands.len() >= 4, "{commands:?}");
    for command in &commands {
        let mut cmd = bin::command("sh", &root, &["-c", command]);
        cmd.env("HOME", tmp.path()).env("PATH", &path);
        let run = bin::run(cmd, LIMIT);
        let (stdout, stderr, code) = (run.stdout, run.stderr, run.code);
        let context = format!("`{command}` gave {code:?}\n{stdout}\n{stderr}");
        if command.contains("--write-baseline") {
            assert_eq!(code, Some(0), "{context}");
        } else if command.contains("--baseline") {
            assert_eq!(code, Some(0), "recorded findings are not new: {context}");
            assert_eq!(stdout, "", "{context}");
        } else if command.contains("--format sarif") {
            assert_eq!(code, Some(0), "{context}");
            let log: Value = serde_json::from_str(
                &std::fs::read_to_string(root.join(sarif_file)).expect("the SARIF file"),
            )
            .expect("SARIF is JSON");
            assert_eq!(log["version"], "2.1.0");
            assert_eq!(log["runs"][0]["results"][0]["ruleId"], "lock-across-await");
        } else if command.contains("--format github") {
            assert_eq!(code, Some(1), "findings fail the step: {context}");
            assert!(
                stdout.starts_with("::warning file=app/src/lib.rs,line=1,col=48,"),
                "{context}"
            );
        } else {
            panic!("no expectation for {context}");
        }
    }
}

#[test]
fn configuration_doc_covers_every_key_and_its_example_parses() {
    let markdown = doc("configuration.md");
    for key in synclint::config::KEYS {
        assert!(
            markdown.contains(&format!("### `{key}`"))
                || markdown.contains(&format!("### `[{key}]`"))
                || markdown.contains(&format!("### `[[{key}]]`")),
            "docs/configuration.md has no section for `{key}`"
        );
    }
    for entry_key in [
        "name",
        "kind",
        "try",
        "refcell",
        "path",
        "why",
        "args",
        "receivers",
        "async_receivers",
    ] {
        assert!(
            markdown.contains(&format!("| `{entry_key}` |")),
            "docs/configuration.md does not document `{entry_key}`"
        );
    }
    for meta in synclint::suppress::META {
        assert!(
            markdown.contains(&format!("| `{}` | {} |", meta.id, meta.default.as_str())),
            "docs/configuration.md does not list `{}`",
            meta.id
        );
    }

    let tmp = tempfile::tempdir().expect("tempdir");
    let blocks = code_blocks(&markdown, "toml");
    let own = tmp.path().join("synclint.toml");
    std::fs::write(&own, &blocks[0]).expect("write");
    let config = synclint::config::load(&own, &synclint::suppress::known_ids())
        .expect("the synclint.toml example is valid");
    assert!(!config.levels.is_empty() && !config.exclude.is_empty());
    assert!(!config.extensions.guard_methods.is_empty());
    assert!(!config.extensions.async_locks.is_empty());
    assert!(!config.extensions.blocking_fns.is_empty());
    assert!(!config.extensions.blocking_methods.is_empty());
    let manifest = tmp.path().join("Cargo.toml");
    std::fs::write(&manifest, &blocks[1]).expect("write");
    let config = synclint::config::load(&manifest, &synclint::suppress::known_ids())
        .expect("the Cargo.toml example is valid");
    assert!(!config.levels.is_empty());
}

#[test]
fn pre_commit_hook_definition() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml");
    let text = std::fs::read_to_string(&path).expect("the hook file exists");
    let hook: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .collect();
    for line in [
        "- id: synclint",
        "entry: synclint --pre-commit",
        "language: rust",
        "types: [rust]",
        "require_serial: true",
    ] {
        assert!(
            hook.contains(&line),
            "`{line}` missing from {}",
            path.display()
        );
    }
}

/// Files whose names try to forge or spoof `short` records, each holding one
/// `discarded-guard` at 2:5, and the names as `short` must show them.
const HOSTILE_NAMES: &[(&str, &str)] = &[
    (
        "evil\nfake.rs:1:1: error[fake]: x.rs",
        "evil\\u{a}fake.rs\\u{3a}1\\u{3a}1\\u{3a} error[fake]\\u{3a} x.rs",
    ),
    (
        "x.rs:9:9: warning[fake]: y.rs",
        "x.rs\\u{3a}9\\u{3a}9\\u{3a} warning[fake]\\u{3a} y.rs",
    ),
    (
        "cr\r.rs:3:3: note[fake]: z.rs",
        "cr\\u{d}.rs\\u{3a}3\\u{3a}3\\u{3a} note[fake]\\u{3a} z.rs",
    ),
    ("osc\u{1b}]0;t\u{7}.rs", "osc\\u{1b}]0;t\\u{7}.rs"),
    ("rtl\u{202e}sr.txt.rs", "rtl\\u{202e}sr.txt.rs"),
];

/// The `--format short` output for a folder of [`HOSTILE_NAMES`].
fn hostile_short_output() -> (tempfile::TempDir, String) {
    let tmp = tempdir();
    for (name, _) in HOSTILE_NAMES {
        write(
            tmp.path(),
            name,
            "fn g(m: &std::sync::Mutex<u8>) {\n    m.lock().unwrap();\n}\n",
        );
    }
    let run = bin::run(
        bin::command(SYNCLINT, tmp.path(), &["--format", "short", "."]),
        LIMIT,
    );
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stdout_is_utf8(), "utf-8");
    let text = run.stdout;
    assert_eq!(text.lines().count(), HOSTILE_NAMES.len(), "{text}");
    (tmp, text)
}

/// The shown names of [`HOSTILE_NAMES`], sorted.
fn hostile_shown() -> Vec<String> {
    let mut shown: Vec<String> = HOSTILE_NAMES.iter().map(|(_, s)| s.to_string()).collect();
    shown.sort();
    shown
}

#[test]
fn vscode_and_emacs_patterns_are_not_spoofed_by_file_names() {
    let tasks: Value = serde_json::from_str(&editor_block("json", "\"tasks\""))
        .expect("the tasks.json block is JSON");
    let matchers: Vec<regex::Regex> = tasks["tasks"][0]["problemMatcher"]
        .as_array()
        .expect("problem matchers")
        .iter()
        .map(|m| {
            regex::Regex::new(m["pattern"]["regexp"].as_str().expect("a regexp")).expect("compiles")
        })
        .collect();
    let block = editor_block("elisp", "compilation-error-regexp-alist");
    let start = block.find("\"^").expect("the regexp string") + 1;
    let end = start + block[start..].find("\"\n").expect("its end");
    let emacs = regex::Regex::new(&emacs_to_rust(&block[start..end])).expect("translates");

    let (_tmp, output) = hostile_short_output();
    let mut vscode_files = Vec::new();
    let mut emacs_files = Vec::new();
    for line in output.lines() {
        let hits: Vec<_> = matchers.iter().filter_map(|re| re.captures(line)).collect();
        assert_eq!(hits.len(), 1, "exactly one matcher should read {line:?}");
        let caps = &hits[0];
        assert_eq!(
            (&caps[2], &caps[3], &caps[4], &caps[5]),
            ("2", "5", "warning", "discarded-guard"),
            "{line:?}"
        );
        vscode_files.push(caps[1].to_string());
        let caps = emacs
            .captures(line)
            .unwrap_or_else(|| panic!("no match: {line:?}"));
        assert_eq!((&caps[2], &caps[3]), ("2", "5"), "{line:?}");
        assert!(caps.get(5).is_some(), "a warning: {line:?}");
        emacs_files.push(caps[1].to_string());
    }
    vscode_files.sort();
    emacs_files.sort();
    assert_eq!(vscode_files, hostile_shown(), "{output}");
    assert_eq!(emacs_files, hostile_shown(), "{output}");
    // Text that only looks like a record once joined to the line before is not
    // read as one.
    let forged = "x.rs\n9:9: warning[fake]: y.rs:1:1: warning[discarded-guard]: m";
    assert!(emacs.find_iter(forged).all(|m| !m.as_str().contains('\n')));
}

#[test]
fn vim_errorformat_is_not_spoofed_by_file_names() {
    let Some(efm) = vim_errorformat() else {
        eprintln!("skipped: vim is not installed");
        return;
    };
    let (tmp, output) = hostile_short_output();
    let qf = vim_quickfix(
        &efm,
        tmp.path(),
        &output,
        "e.lnum . '|' . e.col . '|' . e.type . '|' . e.module . '|' . e.valid",
    );
    let entries: Vec<&str> = qf.lines().collect();
    assert_eq!(
        entries,
        vec!["2|5|w|discarded-guard|1"; HOSTILE_NAMES.len()],
        "{output}"
    );
}

/// The language server's set-ups in `docs/editors.md` start `synclint server`: the
/// VS Code settings are JSON, the Helix configuration is TOML and names the server
/// for Rust, and the Neovim and Emacs ones pass the same command.
#[test]
fn editor_setups_start_the_language_server() {
    let settings: Value =
        serde_json::from_str(&editor_block("json", "glspc")).expect("the settings are JSON");
    assert_eq!(settings["glspc.serverPath"], "synclint");
    assert_eq!(settings["glspc.serverArgs"], serde_json::json!(["server"]));
    let helix: toml::Table =
        toml::from_str(&editor_block("toml", "language-server")).expect("the Helix block is TOML");
    assert_eq!(
        helix["language-server"]["synclint"]["command"].as_str(),
        Some("synclint")
    );
    assert_eq!(
        helix["language-server"]["synclint"]["args"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>()),
        Some(vec!["server"])
    );
    let languages = helix["language"].as_array().expect("[[language]]");
    assert!(languages.iter().any(|l| l["name"].as_str() == Some("rust")
        && l["language-servers"]
            .as_array()
            .is_some_and(|s| s.iter().any(|s| s.as_str() == Some("synclint")))));
    assert!(editor_block("lua", "vim.lsp.start").contains(r#"cmd = { "synclint", "server" }"#));
    assert!(editor_block("elisp", "eglot").contains(r#"("synclint" "server")"#));
}
