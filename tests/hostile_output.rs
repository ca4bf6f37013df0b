//! What a scanned tree puts in file names and source text cannot reach a terminal
//! raw or forge a record: control characters and bidi characters in names, snippets
//! and quoted expressions come out escaped in `human`, `short` and `github`, every
//! `short` line reads as one finding of the file it names, JSON and SARIF stay valid,
//! and a finding far into a long line is rendered.
//!
//! Every case runs the built binary under a time and memory limit. The fuzz at the end
//! draws names and texts from a small seeded generator, so a failure replays exactly.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::bin::{self, Run, SYNCLINT};

/// Virtual memory a run may use, in KiB (`ulimit -v`).
const MEMORY_KIB: u64 = 4 * 1024 * 1024;

/// Runs synclint in `dir` with `args` (paths relative to `dir`), under the memory
/// limit, killing it past `limit`.
fn run(dir: &Path, args: &[&str], limit: Duration) -> Run {
    let mut cmd = bin::command_limited(SYNCLINT, dir, args, MEMORY_KIB);
    cmd.env("NO_COLOR", "1");
    bin::run(cmd, limit).utf8()
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
        assert_no_raw(&json.stderr, &context("json stderr"));
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
            // On Windows paths are shown with `/` separators, so a `\` in a name
            // shows as `/`; elsewhere it is a character of the name.
            let name = if cfg!(windows) {
                name.replace('\\', "/")
            } else {
                name.clone()
            };
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
        assert_no_raw(&sarif.stderr, &context("sarif stderr"));

        let short = run(tmp.path(), &["--format", "short", "."], LIMIT);
        assert_no_raw(&short.stdout, &context("short"));
        assert_no_raw(&short.stderr, &context("short stderr"));
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
        assert_no_raw(&github.stderr, &context("github stderr"));
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
        assert_no_raw(&human.stderr, &context("human stderr"));
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

// Tool errors and notices on stderr, and file problems in every text format: a
// hostile configuration file (in a bad key, in a bad value, in a `Cargo.toml`
// metadata table), a missing path, an unparsable file and a file that is not UTF-8,
// all with control or bidi characters, come out escaped on both streams.
// `SYNCLINT_UNDER_TEST` names another build to run these cases against.

/// Runs the binary under test in `dir` with `args` under the time and memory limits,
/// keeping both streams.
fn run_streams(dir: &Path, args: &[std::ffi::OsString]) -> Run {
    let binary = std::env::var_os("SYNCLINT_UNDER_TEST").unwrap_or_else(|| SYNCLINT.into());
    let mut cmd = bin::command_limited(binary, dir, args, MEMORY_KIB);
    cmd.env("NO_COLOR", "1");
    bin::run(cmd, LIMIT).utf8()
}

/// Writes `files` (names and contents as bytes, so a name may be anything) into a
/// new folder.
fn raw_tree(files: &[(&[u8], &[u8])]) -> tempfile::TempDir {
    use std::os::unix::ffi::OsStrExt;
    let tmp = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        let path = tmp.path().join(std::ffi::OsStr::from_bytes(name));
        std::fs::write(path, text).expect("write");
    }
    tmp
}

/// Runs `args` in `dir` once per text format and checks that it exits with `code`,
/// that neither stream holds a raw hazard, and that `expect` is on `stream`.
#[track_caller]
fn check_streams(dir: &Path, args: &[&[u8]], code: i32, stream: Stream, expect: &[&str]) {
    use std::os::unix::ffi::OsStrExt;
    for format in ["human", "short", "github"] {
        let mut argv: Vec<std::ffi::OsString> = vec!["--format".into(), format.into()];
        argv.extend(
            args.iter()
                .map(|a| std::ffi::OsStr::from_bytes(a).to_os_string()),
        );
        let out = run_streams(dir, &argv);
        let context = format!("{format}: stdout {:?}, stderr {:?}", out.stdout, out.stderr);
        assert_eq!(out.code, Some(code), "{context}");
        assert_no_raw(&out.stdout, &format!("{format} stdout"));
        assert_no_raw(&out.stderr, &format!("{format} stderr"));
        let text = match stream {
            Stream::Out => &out.stdout,
            Stream::Err => &out.stderr,
        };
        let wanted: Vec<&str> = match (stream, format) {
            // A file problem's record differs by format: `expect` holds one per format.
            (Stream::Out, _) if expect.len() == 3 => {
                let i = ["human", "short", "github"]
                    .iter()
                    .position(|f| *f == format)
                    .expect("a format");
                vec![expect[i]]
            }
            _ => expect.to_vec(),
        };
        for want in wanted {
            assert!(text.contains(want), "{want:?} is missing; {context}");
        }
    }
}

/// Which stream a check reads.
#[derive(Clone, Copy)]
enum Stream {
    Out,
    Err,
}

const SMALL: &[u8] = b"fn f() {}\n";

#[test]
fn a_raw_escape_in_a_bad_config_key_is_escaped_in_the_snippet() {
    let tmp = raw_tree(&[
        (
            b"synclint.toml",
            "# \u{202e} a comment\n\"a\u{1b}]0;t\u{7}\u{202e}b\" = 1\n".as_bytes(),
        ),
        (b"a.rs", SMALL),
    ]);
    check_streams(
        tmp.path(),
        &[b"a.rs"],
        2,
        Stream::Err,
        &[
            "synclint::config::syntax",
            "# \\u{202e} a comment",
            "\"a\\u{1b}]0;t\\u{7}\\u{202e}b\" = 1",
            "[synclint.toml:2:3]",
        ],
    );
}

#[test]
fn an_escaped_control_in_a_bad_config_key_is_escaped_in_the_message() {
    let tmp = raw_tree(&[
        (
            b"synclint.toml",
            "\"a\\u001b]0;t\\u0007\u{202e}b\" = 1\n".as_bytes(),
        ),
        (b"a.rs", SMALL),
    ]);
    check_streams(
        tmp.path(),
        &[b"a.rs"],
        2,
        Stream::Err,
        &[
            "unknown key `a\\u{1b}]0;t\\u{7}\\u{202e}b` in the configuration",
            "\"a\\u001b]0;t\\u0007\\u{202e}b\" = 1",
        ],
    );
}

#[test]
fn controls_in_a_bad_config_value_are_escaped() {
    let tmp = raw_tree(&[
        (
            b"synclint.toml",
            "exclude = [\"\\u001b]0;t\\u0007\u{202e}[\"]\n".as_bytes(),
        ),
        (b"a.rs", SMALL),
    ]);
    check_streams(
        tmp.path(),
        &[b"a.rs"],
        2,
        Stream::Err,
        &[
            "`\\u{1b}]0;t\\u{7}\\u{202e}[` is not a valid glob",
            "exclude = [\"\\u001b]0;t\\u0007\\u{202e}[\"]",
        ],
    );
    let tmp = raw_tree(&[
        (
            b"synclint.toml",
            "rules = { lock-across-await = \"\u{1b}[2J\u{7}\u{202e}\" }\n".as_bytes(),
        ),
        (b"a.rs", SMALL),
    ]);
    check_streams(
        tmp.path(),
        &[b"a.rs"],
        2,
        Stream::Err,
        &["lock-across-await = \"\\u{1b}[2J\\u{7}\\u{202e}\" }"],
    );
}

#[test]
fn controls_in_a_cargo_metadata_table_are_escaped() {
    let tmp = raw_tree(&[
        (
            b"Cargo.toml",
            "[package]\nname = \"x\"\n[package.metadata.synclint] # \u{202e}\n\
             \"\\u001b]0;t\\u0007\u{2066}\" = 1\n"
                .as_bytes(),
        ),
        (b"a.rs", SMALL),
    ]);
    check_streams(
        tmp.path(),
        &[b"a.rs"],
        2,
        Stream::Err,
        &[
            "unknown key `\\u{1b}]0;t\\u{7}\\u{2066}` in the configuration",
            "[Cargo.toml:4:1]",
            "[package.metadata.synclint] # \\u{202e}",
        ],
    );
}

#[test]
fn a_missing_path_is_named_escaped() {
    let tmp = raw_tree(&[]);
    check_streams(
        tmp.path(),
        &["no\u{1b}]0;t\u{7}such\u{202e}\\.rs".as_bytes()],
        2,
        Stream::Err,
        &["path `no\\u{1b}]0;t\\u{7}such\\u{202e}\\\\.rs` does not exist"],
    );
}

#[test]
fn an_unparsable_file_with_a_hostile_name_and_text_is_escaped() {
    let tmp = raw_tree(&[(
        b"b\x1b[2J.rs",
        b"// \x1b]0;t\x07\nfn f( { \"\x1b]8;;http://x\x07\" \x1b[2J }\n",
    )]);
    check_streams(
        tmp.path(),
        &[b"b\x1b[2J.rs"],
        2,
        Stream::Out,
        &[
            "[b\\u{1b}[2J.rs:2:",
            "b\\u{1b}[2J.rs:2:",
            "::error file=b\\u{1b}[2J.rs,line=2,",
        ],
    );
}

#[test]
fn a_file_that_is_not_utf8_with_a_hostile_name_is_escaped() {
    let tmp = raw_tree(&[(b"c\x1b]0;t\x07\xe2\x80\xae.rs", b"fn f() {}\xff\n")]);
    check_streams(
        tmp.path(),
        &[b"c\x1b]0;t\x07\xe2\x80\xae.rs"],
        2,
        Stream::Out,
        &[
            "`c\\u{1b}]0;t\\u{7}\\u{202e}.rs`: file is not valid UTF-8",
            "c\\u{1b}]0;t\\u{7}\\u{202e}.rs: error[encoding]: file is not valid UTF-8",
            "::error file=c\\u{1b}]0;t\\u{7}\\u{202e}.rs,title=encoding::",
        ],
    );
}

#[test]
fn the_baseline_notice_names_its_file_escaped() {
    let tmp = raw_tree(&[(b"a.rs", PLAIN_HAZARD)]);
    check_streams(
        tmp.path(),
        &[b"--write-baseline", b"base\x1b]0;t\x07.json", b"a.rs"],
        0,
        Stream::Err,
        &["recorded 1 finding in `base\\u{1b}]0;t\\u{7}.json`"],
    );
}

#[test]
fn a_usage_error_quoting_a_hostile_argument_is_escaped() {
    let tmp = raw_tree(&[]);
    check_streams(
        tmp.path(),
        &[b"--threads", "\u{202e}\r\x1b[2J".as_bytes()],
        2,
        Stream::Err,
        &["invalid value '\\u{202e}\\u{d}"],
    );
}

/// On Linux a backslash is part of a file name: it is reported as that name (JSON
/// included), and the text formats show it doubled.
#[test]
#[cfg(not(windows))]
fn a_backslash_in_a_name_is_kept_and_shown_doubled() {
    let tmp = raw_tree(&[(b"a\\b.rs", PLAIN_HAZARD)]);
    let json = run_streams(tmp.path(), &["--format".into(), "json".into(), ".".into()]);
    let doc: Value = serde_json::from_str(&json.stdout).expect("JSON output is valid");
    assert_eq!(doc["findings"][0]["file"], "a\\b.rs", "{}", json.stdout);
    check_streams(
        tmp.path(),
        &[b"."],
        1,
        Stream::Out,
        &[
            "[a\\\\b.rs:2:9]",
            "a\\\\b.rs:2:9: warning[lock-across-await]",
            "::warning file=a\\\\b.rs,line=2,",
        ],
    );
}

/// A file left out (a symlink leading out of the tree) is named escaped in its notice,
/// its backslash doubled.
#[test]
fn a_skipped_file_is_named_escaped_in_its_notice() {
    let outside = raw_tree(&[(b"t.rs", PLAIN_HAZARD)]);
    let tmp = raw_tree(&[(b"a.rs", SMALL)]);
    std::os::unix::fs::symlink(
        outside.path().join("t.rs"),
        tmp.path().join("l\u{1b}]0;t\u{7}\u{202e}\\.rs"),
    )
    .expect("symlink");
    check_streams(
        tmp.path(),
        &[b"."],
        0,
        Stream::Err,
        &["warning: skipped `l\\u{1b}]0;t\\u{7}\\u{202e}\\\\.rs`: it leads outside"],
    );
}
