//! What a scanned tree puts in file names and source text cannot reach a terminal
//! raw or forge a record: control characters and bidi characters in names, snippets
//! and quoted expressions come out escaped in `human`, `short` and `github`, every
//! `short` line reads as one finding of the file it names, JSON and SARIF stay valid,
//! and a finding far into a long line is rendered.
//!
//! Every case runs the built binary under a time and memory limit. The fuzz at the end
//! draws names and texts from a small seeded generator, so a failure replays exactly.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const SYNCLINT: &str = env!("CARGO_BIN_EXE_synclint");

/// Virtual memory a run may use, in KiB (`ulimit -v`).
const MEMORY_KIB: u64 = 4 * 1024 * 1024;

/// What one run gave.
struct Run {
    code: Option<i32>,
    stdout: String,
}

/// Runs synclint in `dir` with `args` (paths relative to `dir`), under the memory
/// limit, killing it past `limit`.
fn run(dir: &Path, args: &[&str], limit: Duration) -> Run {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {MEMORY_KIB} && exec \"$0\" \"$@\""))
        .arg(SYNCLINT)
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("HOME", dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run synclint");
    let mut stdout = child.stdout.take().expect("invariant: stdout is piped");
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        stdout.read_to_end(&mut bytes).map(|_| bytes)
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > limit {
            // Ending the child we started, by its own handle.
            let _ = child.kill();
            let _ = child.wait();
            panic!("synclint {args:?} ran past {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let bytes = reader
        .join()
        .expect("the reader thread")
        .expect("read stdout");
    Run {
        code: status.code(),
        stdout: String::from_utf8(bytes).expect("output is UTF-8"),
    }
}

const LIMIT: Duration = Duration::from_secs(20);

/// Whether `c` must not appear raw in text output (everything the printers escape).
fn is_hazard(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{61c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
    )
}

/// Panics at the first raw hazard in `text` other than a line break.
#[track_caller]
fn assert_no_raw(text: &str, what: &str) {
    if let Some((i, c)) = text
        .char_indices()
        .find(|&(_, c)| c != '\n' && is_hazard(c))
    {
        let from = text[..i].char_indices().rev().nth(40).map_or(0, |(j, _)| j);
        panic!(
            "{what}: raw {:?} at byte {i}, after {:?}",
            c,
            &text[from..i]
        );
    }
}

/// One record of `short` output: the path (escapes undone), line and column (absent
/// for a file that could not be read), severity and code.
#[derive(Debug, PartialEq, Eq)]
struct Record {
    path: String,
    position: Option<(u32, u32)>,
    severity: String,
    code: String,
}

/// Reads one `short` line by the documented rule: the path ends at the first colon.
fn parse_short(line: &str) -> Option<Record> {
    let colon = line.find(':')?;
    let path = unescape(&line[..colon])?;
    let mut rest = &line[colon + 1..];
    let mut position = None;
    if !rest.starts_with(' ') {
        let (l, after) = rest.split_once(':')?;
        let (c, after) = after.split_once(':')?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(l) || !digits(c) {
            return None;
        }
        position = Some((l.parse().ok()?, c.parse().ok()?));
        rest = after;
    }
    let rest = rest.strip_prefix(' ')?;
    let (severity, rest) = rest.split_once('[')?;
    let (code, message) = rest.split_once("]: ")?;
    let known = ["error", "warning", "note"].contains(&severity);
    let code_ok = !code.is_empty() && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
    if !known || !code_ok || message.is_empty() {
        return None;
    }
    Some(Record {
        path,
        position,
        severity: severity.to_string(),
        code: code.to_string(),
    })
}

/// Undoes the escapes of a shown path: `\\` and `\u{..}`.
fn unescape(shown: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = shown.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '\\' => out.push('\\'),
            'u' => {
                if chars.next()? != '{' {
                    return None;
                }
                let hex: String = chars.by_ref().take_while(|&c| c != '}').collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            _ => return None,
        }
    }
    Some(out)
}

fn tree(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        std::fs::write(tmp.path().join(name), text).expect("write");
    }
    tmp
}

/// A guard across an `.await`, its lock reached through a string literal holding
/// ESC, OSC and BEL, and a comment holding a clear-screen sequence.
const STRING_HAZARD: &[u8] = b"use std::sync::Mutex;\n\
async fn f(locks: &std::collections::HashMap<&str, Mutex<u8>>) {\n\
    let g = locks[\"\x1b]0;pwned\x07\x1b]8;;http://x\x07\"].lock().unwrap();\n\
    x().await;\n\
}\n";

/// A guard across an `.await`, a comment with ESC, OSC and BEL on its line, and an
/// allow comment whose rule id holds them too (reported as `unused-allow`).
const COMMENT_HAZARD: &[u8] = b"async fn f(m: &std::sync::Mutex<u8>) {\n\
    let g = m.lock().unwrap(); // \x1b[2J\x1b]0;pwned\x07\n\
    x().await;\n\
}\n\
fn h() {} // synclint::allow(a\x1b]0;t\x07b): \x1b[2J because\n";

const PLAIN_HAZARD: &[u8] = b"async fn f(m: &std::sync::Mutex<u8>) {\n\
    let g = m.lock().unwrap();\n\
    x().await;\n\
}\n";

/// Runs `format` on one file and checks that nothing raw came out, and that the
/// finding (and `expect` in the text) is there.
#[track_caller]
fn check_format(name: &str, text: &[u8], format: &str, expect: &str) {
    let tmp = tree(&[(name, text)]);
    let out = run(tmp.path(), &["--format", format, name], LIMIT);
    assert_eq!(out.code, Some(1), "{format}: {}", out.stdout);
    assert!(out.stdout.contains(expect), "{format}: {}", out.stdout);
    assert_no_raw(&out.stdout, format);
}

#[test]
fn escape_in_a_comment_is_escaped_in_human() {
    check_format(
        "a.rs",
        COMMENT_HAZARD,
        "human",
        "// \\u{1b}[2J\\u{1b}]0;pwned\\u{7}",
    );
}

#[test]
fn escape_in_a_comment_is_escaped_in_short() {
    check_format("a.rs", COMMENT_HAZARD, "short", "`a\\u{1b}]0;t\\u{7}b`");
}

#[test]
fn escape_in_a_comment_is_escaped_in_github() {
    check_format("a.rs", COMMENT_HAZARD, "github", "`a\\u{1b}]0;t\\u{7}b`");
}

#[test]
fn escape_in_a_string_is_escaped_in_human() {
    check_format(
        "a.rs",
        STRING_HAZARD,
        "human",
        "\"\\u{1b}]0;pwned\\u{7}\\u{1b}]8;;http://x\\u{7}\"",
    );
}

#[test]
fn escape_in_a_string_is_escaped_in_short() {
    check_format("a.rs", STRING_HAZARD, "short", "\\u{1b}]0;pwned\\u{7}");
}

#[test]
fn escape_in_a_string_is_escaped_in_github() {
    check_format("a.rs", STRING_HAZARD, "github", "\\u{1b}]0;pwned\\u{7}");
}

const HOSTILE_NAME: &str = "a\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}.rs";

#[test]
fn escape_in_a_file_name_is_escaped_in_human() {
    check_format(
        HOSTILE_NAME,
        PLAIN_HAZARD,
        "human",
        "[a\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{202e}.rs:2:9]",
    );
}

#[test]
fn escape_in_a_file_name_is_escaped_in_short() {
    check_format(
        HOSTILE_NAME,
        PLAIN_HAZARD,
        "short",
        "a\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{202e}.rs:2:9: warning[lock-across-await]",
    );
}

#[test]
fn escape_in_a_file_name_is_escaped_in_github() {
    check_format(
        HOSTILE_NAME,
        PLAIN_HAZARD,
        "github",
        "file=a\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{202e}.rs,line=2,col=9",
    );
}

/// One file holding a `discarded-guard` at 1:34, under a name that tries to pass
/// for records of its own.
#[track_caller]
fn check_forged_name(name: &str) {
    let tmp = tree(&[(
        name,
        b"fn g(m: &std::sync::Mutex<u8>) { m.lock().unwrap(); }\n",
    )]);
    let out = run(tmp.path(), &["--format", "short", name], LIMIT);
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "one finding, one line: {:?}", out.stdout);
    let record = parse_short(lines[0]).unwrap_or_else(|| panic!("unreadable {:?}", lines[0]));
    assert_eq!(
        record,
        Record {
            path: name.to_string(),
            position: Some((1, 34)),
            severity: "warning".into(),
            code: "discarded-guard".into(),
        },
        "{:?}",
        lines[0]
    );
}

#[test]
fn a_name_with_a_line_break_forges_no_record() {
    check_forged_name("evil\nfake.rs:1:1: error[fake]: x.rs");
}

#[test]
fn a_name_with_a_position_spoofs_no_record() {
    check_forged_name("x.rs:9:9: warning[fake]: y.rs");
}

#[test]
fn a_finding_past_column_65535_is_rendered_and_later_files_still_reported() {
    let mut long = b"async fn f(m: &std::sync::Mutex<u8>) { /*".to_vec();
    long.extend(std::iter::repeat_n(b'x', 70_000));
    long.extend(b"*/ let g = m.lock().unwrap(); x().await; }\n");
    let tmp = tree(&[("a.rs", &long), ("b.rs", PLAIN_HAZARD)]);
    let out = run(tmp.path(), &["a.rs", "b.rs"], LIMIT);
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    assert!(out.stdout.contains("[a.rs:1:70053]"), "{}", out.stdout);
    assert!(out.stdout.contains("[b.rs:2:9]"), "{}", out.stdout);
    assert!(
        out.stdout.contains("2 findings in 2 files"),
        "{}",
        out.stdout
    );
    let widest = out.stdout.lines().map(|l| l.chars().count()).max();
    assert!(widest < Some(1_000), "the line is cut: {widest:?}");
    // The label sits under the text it points at.
    let lines: Vec<&str> = out.stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("let g = m.lock().unwrap();"))
        .expect("the snippet line");
    let byte = lines[at].find("m.lock()").expect("the lock call");
    let text_col = lines[at][..byte].chars().count();
    let mark_col = lines[at + 1]
        .chars()
        .position(|c| c == '─')
        .expect("an underline");
    assert_eq!(mark_col, text_col, "{}\n{}", lines[at], lines[at + 1]);
}

/// A small deterministic generator (SplitMix64), so that the fuzz replays exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Characters hostile names and texts are drawn from, with plain ones mixed in.
const ALPHABET: &[&str] = &[
    "\u{1b}",
    "\u{1b}[2J",
    "\u{1b}]0;t\u{7}",
    "\u{1b}]8;;x\u{1b}\\",
    "\u{7}",
    "\u{8}",
    "\r",
    "\n",
    "\t",
    "\u{0b}",
    "\u{0c}",
    "\u{1}",
    "\u{7f}",
    "\u{85}",
    "\u{9b}",
    "\u{9d}",
    "\u{202a}",
    "\u{202b}",
    "\u{202c}",
    "\u{202d}",
    "\u{202e}",
    "\u{2066}",
    "\u{2067}",
    "\u{2068}",
    "\u{2069}",
    "\u{200e}",
    "\u{200f}",
    "\u{61c}",
    "\u{2028}",
    "\u{2029}",
    ":",
    ":1:1: ",
    ": error[fake]: ",
    "\\",
    "\\u{1b}",
    "%",
    ",",
    "a",
    "b",
    "é",
    "日",
    " ",
    "[",
    "]",
    "\"",
];

fn hostile(rng: &mut Rng, max: usize) -> String {
    (0..1 + rng.below(max))
        .map(|_| *rng.pick(ALPHABET))
        .collect()
}

/// A file name with hostile characters (never `/` or NUL), ending in `.rs`.
fn hostile_name(rng: &mut Rng, i: usize) -> String {
    format!("{i}{}.rs", hostile(rng, 6))
}

/// Source text with hazards in a comment, a string literal and a lock expression,
/// sometimes raw between tokens (a parse error), sometimes on a long line.
fn hostile_source(rng: &mut Rng) -> String {
    let comment = hostile(rng, 8).replace('\n', " ").replace("*/", "");
    let literal = hostile(rng, 8).replace(['\\', '"'], "");
    let mut text = format!(
        "use std::sync::Mutex;\n\
         // {}\n\
         async fn f(locks: &std::collections::HashMap<&str, Mutex<u8>>) {{\n    \
         let g = locks[\"{literal}\"].lock().unwrap(); /* {comment} */\n    \
         x().await;\n}}\n\
         fn h() {{}} // synclint::allow({}): {}\n",
        hostile(rng, 8).replace('\n', " "),
        hostile(rng, 4).replace(['\n', ')'], ""),
        hostile(rng, 4).replace('\n', " "),
    );
    match rng.below(6) {
        0 => text.push_str(&format!("fn broken() {{ {} }}\n", hostile(rng, 4))),
        1 => {
            let pad = "y".repeat(66_000 + rng.below(4_000));
            text.push_str(&format!(
                "fn long(m: &Mutex<u8>) {{ /* {pad} */ m.lock().unwrap(); /* {comment} */ }}\n"
            ));
        }
        _ => {}
    }
    text
}

#[test]
fn fuzz_of_names_and_texts_through_every_format() {
    let mut rng = Rng(0x5eed_2026_0011_0003);
    let started = Instant::now();
    let mut cases = 0;
    for batch in 0..12 {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut names = Vec::new();
        for i in 0..25 {
            let name = hostile_name(&mut rng, i);
            let text = hostile_source(&mut rng);
            std::fs::write(tmp.path().join(&name), text).expect("write");
            names.push(name);
        }
        // A lock-order cycle across two more hostile names: the second file is shown
        // as a related report with its own snippet.
        let (first, second) = (hostile_name(&mut rng, 100), hostile_name(&mut rng, 101));
        std::fs::write(
            tmp.path().join(&first),
            format!(
                "use std::sync::Mutex;\n\
                 pub static A: Mutex<u8> = Mutex::new(0);\n\
                 pub static B: Mutex<u8> = Mutex::new(0);\n\
                 fn one() {{ let _a = A.lock().unwrap(); /* {} */ let _b = B.lock().unwrap(); }}\n",
                hostile(&mut rng, 6).replace('\n', " ").replace("*/", "")
            ),
        )
        .expect("write");
        std::fs::write(
            tmp.path().join(&second),
            format!(
                "use crate::{{A, B}};\n\
                 fn two() {{ let _b = B.lock().unwrap(); /* {} */ let _a = A.lock().unwrap(); }}\n",
                hostile(&mut rng, 6).replace('\n', " ").replace("*/", "")
            ),
        )
        .expect("write");
        cases += names.len() + 1;
        let context = |format: &str| format!("batch {batch}, {format}");

        let json = run(tmp.path(), &["--format", "json", "."], LIMIT);
        assert!(matches!(json.code, Some(1 | 2)), "{}", context("json"));
        let doc: Value = serde_json::from_str(&json.stdout).expect("JSON output is valid");
        assert_no_raw(json.stdout.trim_end_matches('\n'), &context("json text"));
        let files_of = |key: &str| -> Vec<String> {
            doc[key]
                .as_array()
                .expect("an array")
                .iter()
                .map(|f| f["file"].as_str().expect("a file").to_string())
                .collect()
        };
        let across_files = doc["findings"]
            .as_array()
            .expect("an array")
            .iter()
            .filter(|f| f["rule"] == "lock-order-inversion")
            .any(|f| {
                let labels = f["labels"].as_array().expect("labels");
                labels.iter().any(|l| l["file"] != f["file"])
            });
        assert!(across_files, "{}: the cycle across files", context("json"));
        let mut expected = files_of("findings");
        expected.extend(files_of("errors"));
        for name in &names {
            // Paths are shown with `/` separators, so a `\` in a name shows as `/`.
            let name = name.replace('\\', "/");
            assert!(
                expected.contains(&name),
                "{}: {name:?} is missing",
                context("json")
            );
        }

        let sarif = run(tmp.path(), &["--format", "sarif", "."], LIMIT);
        let log: Value = serde_json::from_str(&sarif.stdout).expect("SARIF output is valid");
        assert_eq!(log["version"], "2.1.0");
        assert_no_raw(sarif.stdout.trim_end_matches('\n'), &context("sarif text"));

        let short = run(tmp.path(), &["--format", "short", "."], LIMIT);
        assert_no_raw(&short.stdout, &context("short"));
        let shown: Vec<String> = short
            .stdout
            .lines()
            .map(|l| {
                parse_short(l)
                    .unwrap_or_else(|| panic!("{}: unreadable {l:?}", context("short")))
                    .path
            })
            .collect();
        assert_eq!(shown, expected, "{}", context("short"));

        let github = run(tmp.path(), &["--format", "github", "."], LIMIT);
        assert_no_raw(&github.stdout, &context("github"));
        assert_eq!(github.stdout.lines().count(), expected.len());
        for line in github.stdout.lines() {
            assert!(
                ["::error file=", "::warning file=", "::notice file="]
                    .iter()
                    .any(|p| line.starts_with(p)),
                "{}: {line:?}",
                context("github")
            );
        }

        let human = run(tmp.path(), &["--format", "human", "."], LIMIT);
        assert!(matches!(human.code, Some(1 | 2)), "{}", context("human"));
        assert_no_raw(&human.stdout, &context("human"));
        assert!(
            human.stdout.trim_end().ends_with("checked)"),
            "{}: the footer is there",
            context("human")
        );
    }
    assert!(cases >= 300, "{cases} cases");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
}
