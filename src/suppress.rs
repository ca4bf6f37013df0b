//! Inline allow comments and the baseline file: the two ways to silence findings.
//!
//! An allow comment is `// synclint::allow(rule-id): reason` (several ids may be
//! given, separated by commas). At the end of a line it covers that line. On a line
//! of its own it covers the statement or item that starts on the next code line
//! (comment and attribute lines in between are passed over): a `fn`, `impl`,
//! `struct` or `mod` as a whole, or a statement up to its `;`. A finding is silenced
//! when its primary site is on a covered line.
//!
//! The comments are found with a small lexer that blanks out comments and literals
//! (so that braces and `//` inside strings do not count) and then matches brackets;
//! it does not parse Rust. Two checks keep allows honest, reported as findings of
//! their own ([`META`]): `allow-without-reason` for an allow with no reason after
//! the `:`, and `unused-allow` for an allow that silenced nothing, or names no rule.
//!
//! A baseline ([`Baseline`]) records the findings of a run so that a later run
//! reports only new ones. Entries match by rule, file and a [`fingerprint`] of the
//! text of the lines involved, not by line numbers, so edits elsewhere in the file do
//! not break the match.
//!
//! This module does not decide what a finding is; it only removes findings and adds
//! the two allow checks.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::config::{Config, Level};
use crate::error::Error;
use crate::report::finding::{FileId, Finding, Label, RuleMeta};
use crate::report::Report;
use crate::source::{SourceFile, SourceMap};

/// `allow-without-reason`: an allow comment with no reason.
pub const ALLOW_WITHOUT_REASON: &str = "allow-without-reason";
/// `unused-allow`: an allow comment that silenced nothing.
pub const UNUSED_ALLOW: &str = "unused-allow";

/// `allow-without-reason`, declared like a rule.
pub const WITHOUT_REASON_CHECK: RuleMeta = RuleMeta {
    id: ALLOW_WITHOUT_REASON,
    default: Level::Warn,
    page: "docs/configuration.md",
    doc: "# allow-without-reason\n\nDefault: warn\n\n\
          ## What it flags\n\n\
          A `// synclint::allow(rule-id)` comment with no reason after it.\n\
          The allow still silences the finding; write why the hazard is acceptable here, \
          as in `// synclint::allow(lock-across-await): the lock is never contended`.\n\n\
          See docs/configuration.md for allow comments.\n",
};

/// `unused-allow`, declared like a rule.
pub const UNUSED_CHECK: RuleMeta = RuleMeta {
    id: UNUSED_ALLOW,
    default: Level::Warn,
    page: "docs/configuration.md",
    doc: "# unused-allow\n\nDefault: warn\n\n\
          ## What it flags\n\n\
          A `// synclint::allow(rule-id): reason` comment that silenced no finding of that rule, \
          or that names no rule.\n\
          Either the hazard was fixed and the comment can go, or it is on the wrong line.\n\
          An allow for a rule that did not run (`--rule`, `--allow`, or `allow` in the configuration) is not reported.\n\n\
          See docs/configuration.md for allow comments.\n",
};

/// The allow checks, in the order `docs/configuration.md` lists them: not rules of the
/// registry (they have no fixtures or page of their own), but declared and configured
/// like one.
pub const META: &[RuleMeta] = &[WITHOUT_REASON_CHECK, UNUSED_CHECK];

/// Every id a level or an allow comment may name: the rules' and the allow checks',
/// in that order. This is the list handed to [`config::load`](crate::config::load)
/// and [`config::find`](crate::config::find), which know no rule.
pub fn known_ids() -> Vec<&'static str> {
    crate::rules::ALL
        .iter()
        .map(|r| r.meta().id)
        .chain(META.iter().map(|m| m.id))
        .collect()
}

/// The known id closest to `id` (a rule's or an allow check's), for "did you mean"
/// hints.
pub fn closest_id(id: &str) -> Option<&'static str> {
    crate::config::closest(id, known_ids())
}

/// The allow check with this id.
pub fn meta(id: &str) -> Option<&'static RuleMeta> {
    META.iter().find(|m| m.id == id)
}

/// What every allow comment starts with, after `//` and spaces.
/// What every allow comment contains; a file without it has none.
pub(crate) const MARKER: &str = "synclint::allow(";

/// One `// synclint::allow(..)` comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allow {
    /// The rule ids, each with its byte range in the file.
    pub ids: Vec<(String, Range<usize>)>,
    /// The reason after the `:`, when there is one.
    pub reason: Option<String>,
    /// The byte range of `synclint::allow(..)`.
    pub span: Range<usize>,
    /// The 1-based lines it covers, first and last.
    pub lines: (u32, u32),
}

/// Removes the findings that allow comments cover and adds `allow-without-reason`
/// and `unused-allow` findings, at the levels `config` gives them. Findings are left
/// in any order; the caller sorts.
pub fn apply_allows(sources: &SourceMap, findings: &mut Vec<Finding>, config: &Config) {
    let mut allows: HashMap<FileId, Vec<Allow>> = HashMap::new();
    for (id, file) in sources.files() {
        if file.text.contains(MARKER) {
            let found = scan(&file.text);
            if !found.is_empty() {
                allows.insert(id, found);
            }
        }
    }
    if allows.is_empty() {
        return;
    }
    // (file, allow index, id index) of every allow id that silenced something.
    let mut used: HashSet<(FileId, usize, usize)> = HashSet::new();
    findings.retain(|f| {
        let Some(in_file) = allows.get(&f.primary.file) else {
            return true;
        };
        let line = f.primary.line;
        let mut silenced = false;
        for (a, allow) in in_file.iter().enumerate() {
            if line < allow.lines.0 || line > allow.lines.1 {
                continue;
            }
            for (i, (id, _)) in allow.ids.iter().enumerate() {
                if id == f.rule {
                    used.insert((f.primary.file, a, i));
                    silenced = true;
                }
            }
        }
        !silenced
    });

    let without_reason = (
        &WITHOUT_REASON_CHECK,
        config.severity_of(&WITHOUT_REASON_CHECK),
    );
    let unused = (&UNUSED_CHECK, config.severity_of(&UNUSED_CHECK));
    let mut files: Vec<_> = allows.into_iter().collect();
    files.sort_by_key(|(id, _)| *id);
    for (file_id, in_file) in files {
        let file = sources.get(file_id);
        for (a, allow) in in_file.iter().enumerate() {
            if let (None, (check, Some(severity))) = (&allow.reason, without_reason) {
                let span = file.span_of_bytes(file_id, allow.span.start, allow.span.end);
                findings.push(Finding {
                    severity,
                    ..check.finding(
                        span,
                        "allow comment without a reason",
                        vec![Label {
                            span,
                            message: "add `: reason` after this".to_string(),
                        }],
                        "say why the hazard is acceptable here, as in \
                         `// synclint::allow(rule-id): the lock is never contended`",
                    )
                });
            }
            let (check, Some(severity)) = unused else {
                continue;
            };
            for (i, (id, range)) in allow.ids.iter().enumerate() {
                let span = file.span_of_bytes(file_id, range.start, range.end);
                let (message, label, help) = if crate::rules::lookup(id).is_none()
                    && meta(id).is_none()
                {
                    (
                        format!("allow comment names unknown rule `{id}`"),
                        "not a rule id".to_string(),
                        match closest_id(id) {
                            Some(near) => format!("did you mean `{near}`?"),
                            None => "run `synclint --list-rules` to see every rule".to_string(),
                        },
                    )
                } else if is_running(id, config) && !used.contains(&(file_id, a, i)) {
                    (
                        format!("allow comment for `{id}` silences nothing"),
                        "no finding of this rule here".to_string(),
                        "remove the comment, or move it to the line of the finding or the line above"
                            .to_string(),
                    )
                } else {
                    continue;
                };
                findings.push(Finding {
                    severity,
                    ..check.finding(
                        span,
                        message,
                        vec![Label {
                            span,
                            message: label,
                        }],
                        help,
                    )
                });
            }
        }
    }
}

/// Whether the rule `id` ran in this run, so that an allow for it could be used.
fn is_running(id: &str, config: &Config) -> bool {
    match crate::rules::lookup(id) {
        Some(rule) => {
            let meta = rule.meta();
            config.level_of(meta.id, meta.default) != Level::Allow
        }
        // The allow checks themselves are never silenced by allow comments.
        None => false,
    }
}

/// Every allow comment in `text`, with the lines each covers.
pub fn scan(text: &str) -> Vec<Allow> {
    let lexed = Lexed::new(text);
    let mut out = Vec::new();
    for comment in &lexed.comments {
        let body = &text[comment.clone()];
        let Some(after_slashes) = body.strip_prefix("//") else {
            continue;
        };
        let trimmed = after_slashes.trim_start();
        if !trimmed.starts_with(MARKER) {
            continue;
        }
        let marker_at = comment.start + 2 + (after_slashes.len() - trimmed.len());
        let ids_at = marker_at + MARKER.len();
        let Some(close) = text[ids_at..comment.end].find(')') else {
            continue;
        };
        let mut ids = Vec::new();
        let mut offset = ids_at;
        for part in text[ids_at..ids_at + close].split(',') {
            let lead = part.len() - part.trim_start().len();
            let id = part.trim();
            if !id.is_empty() {
                let start = offset + lead;
                ids.push((id.to_string(), start..start + id.len()));
            }
            offset += part.len() + 1;
        }
        let rest = text[ids_at + close + 1..comment.end].trim_start();
        let reason = rest
            .strip_prefix(':')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string);
        let line = lexed.line_of(comment.start);
        let own_line = text[lexed.line_start(line)..comment.start]
            .trim()
            .is_empty();
        let lines = if own_line {
            match lexed.target_below(line) {
                Some(last) => (line, last),
                None => (line, line),
            }
        } else {
            (line, line)
        };
        out.push(Allow {
            ids,
            reason,
            span: marker_at..ids_at + close + 1,
            lines,
        });
    }
    out
}

/// A text with its comments and literals blanked out (same byte offsets, newlines
/// kept), the ranges of its line comments, and where its lines start.
struct Lexed<'a> {
    text: &'a str,
    masked: Vec<u8>,
    comments: Vec<Range<usize>>,
    line_starts: Vec<usize>,
}

impl<'a> Lexed<'a> {
    fn new(text: &'a str) -> Lexed<'a> {
        let bytes = text.as_bytes();
        let mut masked = bytes.to_vec();
        let mut comments = Vec::new();
        let blank = |masked: &mut Vec<u8>, range: Range<usize>| {
            for b in &mut masked[range] {
                if *b != b'\n' {
                    *b = b' ';
                }
            }
        };
        let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            let next = bytes.get(i + 1).copied();
            if b == b'/' && next == Some(b'/') {
                let end = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
                comments.push(i..end);
                blank(&mut masked, i..end);
                i = end;
            } else if b == b'/' && next == Some(b'*') {
                let mut depth = 0usize;
                let mut j = i;
                while j < bytes.len() {
                    if bytes[j] == b'/' && bytes.get(j + 1) == Some(&b'*') {
                        depth += 1;
                        j += 2;
                    } else if bytes[j] == b'*' && bytes.get(j + 1) == Some(&b'/') {
                        depth -= 1;
                        j += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        j += 1;
                    }
                }
                blank(&mut masked, i..j.min(bytes.len()));
                i = j;
            } else if b == b'r'
                && (i == 0
                    || !is_ident(bytes[i - 1])
                    || (matches!(bytes[i - 1], b'b' | b'c') && (i < 2 || !is_ident(bytes[i - 2]))))
                && raw_string_hashes(&bytes[i + 1..]).is_some()
            {
                let hashes = raw_string_hashes(&bytes[i + 1..]).unwrap_or(0);
                let body = i + 2 + hashes;
                let closing: Vec<u8> = std::iter::once(b'"')
                    .chain(std::iter::repeat_n(b'#', hashes))
                    .collect();
                let end = bytes[body..]
                    .windows(closing.len())
                    .position(|w| w == closing.as_slice())
                    .map_or(bytes.len(), |p| body + p + closing.len());
                blank(&mut masked, i..end);
                i = end;
            } else if b == b'"' {
                let mut j = i + 1;
                while j < bytes.len() && bytes[j] != b'"' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                let end = (j + 1).min(bytes.len());
                blank(&mut masked, i..end);
                i = end;
            } else if b == b'\'' {
                let end = char_literal_end(text, i);
                if let Some(end) = end {
                    blank(&mut masked, i..end);
                    i = end;
                } else {
                    i += 1;
                }
            } else {
                i += 1;
            }
        }
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lexed {
            text,
            masked,
            comments,
            line_starts,
        }
    }

    /// The 1-based line of a byte offset.
    fn line_of(&self, offset: usize) -> u32 {
        self.line_starts.partition_point(|&s| s <= offset) as u32
    }

    /// The byte offset where a 1-based line starts.
    fn line_start(&self, line: u32) -> usize {
        self.line_starts[(line as usize - 1).min(self.line_starts.len() - 1)]
    }

    fn line_end(&self, line: u32) -> usize {
        self.line_starts
            .get(line as usize)
            .map_or(self.text.len(), |s| s - 1)
    }

    /// A line of the masked text, trimmed.
    fn masked_line(&self, line: u32) -> &str {
        let bytes = &self.masked[self.line_start(line)..self.line_end(line)];
        std::str::from_utf8(bytes).unwrap_or("").trim()
    }

    /// The last line of the statement or item that starts on the first code line
    /// below `line`, passing over comment and attribute lines. `None` when a blank
    /// line or the end of the file comes first.
    fn target_below(&self, line: u32) -> Option<u32> {
        let n_lines = self.line_starts.len() as u32;
        let mut l = line + 1;
        while l <= n_lines {
            let original = self.text[self.line_start(l)..self.line_end(l)].trim();
            if original.is_empty() {
                return None;
            }
            let code = self.masked_line(l);
            if code.is_empty() {
                // A comment line.
                l += 1;
            } else if code.starts_with("#[") || code.starts_with("#!") {
                let open = self.line_start(l)
                    + self.masked[self.line_start(l)..]
                        .iter()
                        .position(|&b| b == b'[')?;
                let close = self.matching(open)?;
                l = self.line_of(close) + 1;
            } else {
                return Some(self.statement_end(self.line_start(l)));
            }
        }
        None
    }

    /// The offset of the bracket closing the one at `open`.
    fn matching(&self, open: usize) -> Option<usize> {
        let mut depth = 0usize;
        for (i, &b) in self.masked.iter().enumerate().skip(open) {
            match b {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(i);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// The last line of the statement or item starting at `start`: up to a `;` at its
    /// own nesting level, a `,` ending a line (a match arm, a field), a closing brace
    /// that ends it (not followed by `else`, `.` or `?`), or the end of the enclosing
    /// block.
    fn statement_end(&self, start: usize) -> u32 {
        let mut depth = 0i32;
        let mut i = start;
        while i < self.masked.len() {
            match self.masked[i] {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' => depth -= 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 && !self.continues_after(i + 1) {
                        return self.line_of(i);
                    }
                }
                b';' if depth == 0 => return self.line_of(i),
                b',' if depth == 0 && self.rest_of_line_is_blank(i + 1) => {
                    return self.line_of(i);
                }
                _ => {}
            }
            if depth < 0 {
                // The enclosing block ended: the statement ended on an earlier line.
                return self.line_of(i).saturating_sub(1).max(self.line_of(start));
            }
            i += 1;
        }
        self.line_of(self.masked.len().saturating_sub(1))
    }

    /// Whether the code after a closing brace at `from` carries the same expression on
    /// (`} else {`, `}.await`, `})?`).
    fn continues_after(&self, from: usize) -> bool {
        let rest = &self.masked[from..];
        let Some(at) = rest.iter().position(|b| !b.is_ascii_whitespace()) else {
            return false;
        };
        let rest = &rest[at..];
        rest.starts_with(b"else")
            || rest.starts_with(b".")
            || rest.starts_with(b"?")
            || rest.starts_with(b")")
    }

    fn rest_of_line_is_blank(&self, from: usize) -> bool {
        self.masked[from..]
            .iter()
            .take_while(|&&b| b != b'\n')
            .all(u8::is_ascii_whitespace)
    }
}

/// For bytes after an `r`: the number of `#` before a `"` when they open a raw string.
fn raw_string_hashes(after_r: &[u8]) -> Option<usize> {
    let hashes = after_r.iter().take_while(|&&b| b == b'#').count();
    (after_r.get(hashes) == Some(&b'"')).then_some(hashes)
}

/// The end of the char literal starting with the `'` at `at`, or `None` for a
/// lifetime or label (`'a`, `'outer:`).
fn char_literal_end(text: &str, at: usize) -> Option<usize> {
    let rest = &text[at + 1..];
    let mut chars = rest.char_indices();
    let (_, first) = chars.next()?;
    if first == '\\' {
        // An escape: `'\n'`, `'\''`, `'\u{1F600}'`.
        let close = rest[1..].find('\'')? + 1;
        let close = if close == 1 {
            rest[2..].find('\'')? + 2
        } else {
            close
        };
        return Some(at + 1 + close + 1);
    }
    let (i, second) = chars.next()?;
    (second == '\'').then_some(at + 1 + i + 1)
}

pub use crate::report::fingerprint::fingerprint;

/// The version of the baseline file format.
pub const BASELINE_VERSION: u32 = 1;

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct BaselineFile {
    version: u32,
    findings: Vec<BaselineEntry>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq, PartialOrd, Ord)]
struct BaselineEntry {
    file: String,
    rule: String,
    fingerprint: String,
    /// For people reading the file; not used to match.
    #[serde(default)]
    line: u32,
    /// For people reading the file; not used to match.
    #[serde(default)]
    message: String,
}

/// The largest baseline file read: 64 MiB, some two hundred thousand findings.
pub const MAX_BASELINE_SIZE: u64 = 64 << 20;

/// Findings recorded by `--write-baseline`, matched by rule, file (relative to the
/// baseline's folder) and [`fingerprint`].
#[derive(Debug, Default)]
pub struct Baseline {
    base: PathBuf,
    counts: HashMap<(String, String, String), usize>,
}

impl Baseline {
    /// Reads a baseline file: a regular file of at most [`MAX_BASELINE_SIZE`] bytes,
    /// read through [`read_limited`](crate::source::read_limited), so that a huge
    /// file, a FIFO or a device named as the baseline is refused, not read.
    pub fn load(path: &Path) -> Result<Baseline, Error> {
        let cannot_read = |source| Error::Io {
            context: format!("cannot read baseline `{}`", crate::error::shown_path(path)),
            error: source,
        };
        let bytes = crate::source::read_limited(path, MAX_BASELINE_SIZE).map_err(|e| {
            cannot_read(match e {
                crate::source::ReadError::Io(e) => e,
                other => std::io::Error::other(other.to_string()),
            })
        })?;
        // The message `read_to_string` gives.
        let text = String::from_utf8(bytes).map_err(|_| {
            cannot_read(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "stream did not contain valid UTF-8",
            ))
        })?;
        let file: BaselineFile = serde_json::from_str(&text).map_err(|e| Error::Baseline {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        if file.version != BASELINE_VERSION {
            return Err(Error::Baseline {
                path: path.to_path_buf(),
                message: format!(
                    "version {} is not supported (this synclint writes version {BASELINE_VERSION})",
                    file.version
                ),
            });
        }
        let mut counts = HashMap::new();
        for e in file.findings {
            *counts.entry((e.rule, e.file, e.fingerprint)).or_insert(0) += 1;
        }
        Ok(Baseline {
            base: baseline_dir(path),
            counts,
        })
    }

    /// Removes the findings the baseline records, each entry matching at most one
    /// finding; returns how many were removed.
    pub fn filter(&self, report: &mut Report) -> usize {
        let mut left = self.counts.clone();
        let before = report.findings.len();
        let sources = &report.sources;
        let base = &self.base;
        report.findings.retain(|f| {
            let key = (
                f.rule.to_string(),
                file_key(base, sources.get(f.primary.file)),
                fingerprint(f, sources),
            );
            match left.get_mut(&key) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            }
        });
        before - report.findings.len()
    }

    /// Writes every finding of `report` to a baseline file at `path`; returns how many.
    pub fn write(path: &Path, report: &Report) -> Result<usize, Error> {
        let base = baseline_dir(path);
        let mut findings: Vec<BaselineEntry> = report
            .findings
            .iter()
            .map(|f| BaselineEntry {
                file: file_key(&base, report.sources.get(f.primary.file)),
                rule: f.rule.to_string(),
                fingerprint: fingerprint(f, &report.sources),
                line: f.primary.line,
                message: f.message.clone(),
            })
            .collect();
        findings.sort();
        let n = findings.len();
        let doc = BaselineFile {
            version: BASELINE_VERSION,
            findings,
        };
        let mut text = serde_json::to_string_pretty(&doc).map_err(|e| Error::Baseline {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        text.push('\n');
        std::fs::write(path, text).map_err(|source| Error::Io {
            context: format!("cannot write baseline `{}`", crate::error::shown_path(path)),
            error: source,
        })?;
        Ok(n)
    }
}

/// The folder of the baseline file, absolute.
fn baseline_dir(path: &Path) -> PathBuf {
    crate::source::absolute(path)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// A file's path relative to the baseline's folder, `/`-separated, so that the
/// baseline works from any current folder.
fn file_key(base: &Path, file: &SourceFile) -> String {
    let abs = crate::source::absolute(&file.path);
    crate::source::display_path(&crate::source::relative_to(base, &abs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::finding::Severity;

    /// Ids, reason and covered lines of each allow.
    type Scanned = (Vec<String>, Option<String>, (u32, u32));

    fn lines(text: &str) -> Vec<Scanned> {
        scan(text)
            .into_iter()
            .map(|a| {
                (
                    a.ids.into_iter().map(|(id, _)| id).collect(),
                    a.reason,
                    a.lines,
                )
            })
            .collect()
    }

    #[test]
    fn trailing_allow_covers_its_line() {
        let text =
            "fn f() {\n    let g = m.lock(); // synclint::allow(lock-across-await): short\n}\n";
        assert_eq!(
            lines(text),
            [(
                vec!["lock-across-await".to_string()],
                Some("short".to_string()),
                (2, 2)
            )]
        );
    }

    #[test]
    fn allow_above_covers_the_whole_statement() {
        let text = "fn f() {\n    // synclint::allow(a, b): why\n    // another comment\n    let g = m\n        .lock()\n        .unwrap();\n    x();\n}\n";
        assert_eq!(
            lines(text),
            [(
                vec!["a".to_string(), "b".to_string()],
                Some("why".to_string()),
                (2, 6)
            )]
        );
    }

    #[test]
    fn allow_above_an_item_covers_the_item() {
        let text = "// synclint::allow(x): ok\n#[cfg(all(\n    test,\n))]\npub(crate) async fn f() {\n    let s = \"}\";\n    let c = '}';\n    if a {\n    } else {\n    }\n}\nfn g() {}\n";
        assert_eq!(
            lines(text),
            [(vec!["x".to_string()], Some("ok".to_string()), (1, 11))]
        );
    }

    #[test]
    fn blank_line_ends_the_reach() {
        let text = "// synclint::allow(x): ok\n\nfn f() {}\n";
        assert_eq!(
            lines(text),
            [(vec!["x".to_string()], Some("ok".to_string()), (1, 1))]
        );
    }

    #[test]
    fn missing_reason_and_look_alikes() {
        let text = "// synclint::allow(x)\n// synclint::allow(y):   \n/// synclint::allow(z): doc\nlet s = \"// synclint::allow(w): in a string\";\nlet r = r#\"// synclint::allow(v): raw\"#;\n";
        assert_eq!(
            lines(text),
            [
                (vec!["x".to_string()], None, (1, 4)),
                (vec!["y".to_string()], None, (2, 4)),
            ]
        );
    }

    #[test]
    fn match_arm_ends_at_its_comma() {
        let text = "match x {\n    // synclint::allow(x): ok\n    Some(v) => f(v, w),\n    None => g(),\n}\n";
        assert_eq!(
            lines(text),
            [(vec!["x".to_string()], Some("ok".to_string()), (2, 3))]
        );
    }

    #[test]
    fn lifetimes_are_not_char_literals() {
        let text = "fn f<'a>(x: &'a str) -> char {\n    // synclint::allow(x): ok\n    let c = '{';\n    c\n}\n";
        assert_eq!(
            lines(text),
            [(vec!["x".to_string()], Some("ok".to_string()), (2, 3))]
        );
    }

    #[test]
    fn fingerprint_ignores_line_numbers_and_spacing() {
        let mut a = SourceMap::default();
        let id_a = a.add(SourceFile::new(
            "a.rs",
            "fn f() {\n    let g = m.lock();\n}\n",
            Default::default(),
        ));
        let mut b = SourceMap::default();
        let id_b = b.add(SourceFile::new(
            "a.rs",
            "\n\nfn f() {\n  let  g = m.lock();\n}\n",
            Default::default(),
        ));
        let finding = |sources: &SourceMap, id: FileId, line: u32| {
            let file = sources.get(id);
            let start = file.offset(line as usize, 0);
            Finding {
                rule: "lock-across-await",
                severity: Severity::Warn,
                primary: file.span_of_bytes(id, start, start + 1),
                message: String::new(),
                labels: Vec::new(),
                help: String::new(),
                fix: None,
            }
        };
        assert_eq!(
            fingerprint(&finding(&a, id_a, 2), &a),
            fingerprint(&finding(&b, id_b, 4), &b)
        );
        assert_ne!(
            fingerprint(&finding(&a, id_a, 2), &a),
            fingerprint(&finding(&a, id_a, 1), &a)
        );
    }
}
