//! The `json` format: one JSON document per run, for tools. It is an API boundary:
//! any change to the shape below bumps `version`.
//!
//! Schema, version 2 (lines and columns are 1-based; columns count characters; paths
//! are as given or discovered, `/`-separated, without a leading `./`):
//!
//! ```text
//! {
//!   "version": 2,
//!   "findings": [
//!     {
//!       "rule": "lock-across-await",          // rule id
//!       "severity": "warning",                // "error" | "warning" | "note"
//!       "file": "src/cache.rs",               // file of the primary site
//!       "line": 12, "column": 9,              // start of the primary site
//!       "end_line": 12, "end_column": 27,     // end of the primary site (exclusive)
//!       "message": "`MutexGuard` held across `.await`",
//!       "labels": [                           // every site involved, in reading order
//!         { "file": "src/cache.rs", "line": 12, "column": 9, "message": "lock acquired here" }
//!       ],
//!       "help": "drop the guard before the `.await`",
//!       "fixes": [                            // machine-applicable rewrites, at most one
//!         { "message": "replace the `load` and `store` with `fetch_add`",
//!           "edits": [                        // in text order, none overlapping
//!             { "file": "src/cache.rs", "line": 8, "column": 19, "end_line": 8, "end_column": 70,
//!               "start_byte": 170, "end_byte": 221, "replacement": "fetch_add(1, Ordering::SeqCst)" }
//!           ] }
//!       ]
//!     }
//!   ],
//!   "errors": [                               // files that could not be read or parsed
//!     { "file": "src/broken.rs", "line": 3, "column": 1, "message": "cannot parse file: expected `;`" },
//!     { "file": "src/latin1.rs", "line": null, "column": null, "message": "file is not valid UTF-8 (...)" }
//!   ]
//! }
//! ```
//!
//! Version 2 added `fixes`. `findings`, `errors` and each finding's `fixes` are
//! always present (possibly empty) and in the run's sorted
//! order. An error's `line` and `column` are `null` when the file's text could not be
//! loaded. The document is written on one line, followed by a newline, when the run
//! ends. This printer does not use miette's JSON handler, which reports byte offsets
//! and no file names.
//!
//! Strings hold file names and messages exactly. Besides the C0 controls that every
//! JSON writer escapes, DEL, the C1 controls and the bidi and separator characters
//! are written as `\uXXXX` escapes (see [`super::escape`]), so the document prints
//! safely and parses back to the same text.

use std::io::{self, Write};

use serde::Serialize;

use crate::report::finding::Finding;
use crate::report::finding::Span;
use crate::report::FileProblem;
use crate::source::SourceMap;

/// The schema version written in every document.
pub const VERSION: u32 = 2;

/// Buffers findings and writes one document in [`JsonPrinter::finish`].
#[derive(Debug)]
pub struct JsonPrinter<W> {
    out: W,
    findings: Vec<JsonFinding>,
    errors: Vec<JsonError>,
}

#[derive(Debug, Serialize)]
struct Document<'a> {
    version: u32,
    findings: &'a [JsonFinding],
    errors: &'a [JsonError],
}

#[derive(Debug, Serialize)]
struct JsonFinding {
    rule: &'static str,
    severity: &'static str,
    file: String,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    message: String,
    labels: Vec<JsonLabel>,
    help: String,
    fixes: Vec<JsonFix>,
}

#[derive(Debug, Serialize)]
struct JsonFix {
    message: String,
    edits: Vec<JsonEdit>,
}

#[derive(Debug, Serialize)]
struct JsonEdit {
    file: String,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    start_byte: usize,
    end_byte: usize,
    replacement: String,
}

#[derive(Debug, Serialize)]
struct JsonLabel {
    file: String,
    line: u32,
    column: u32,
    message: String,
}

#[derive(Debug, Serialize)]
struct JsonError {
    file: String,
    line: Option<u32>,
    column: Option<u32>,
    message: String,
}

impl<W: Write> JsonPrinter<W> {
    /// A printer writing to `out`.
    pub fn new(out: W) -> JsonPrinter<W> {
        JsonPrinter {
            out,
            findings: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// Buffers one finding.
    pub fn finding(&mut self, finding: &Finding, sources: &SourceMap) -> io::Result<()> {
        let file_of = |span: &Span| sources.get(span.file).display_path();
        let p = finding.primary;
        self.findings.push(JsonFinding {
            rule: finding.rule,
            severity: finding.severity.as_str(),
            file: file_of(&p),
            line: p.line,
            column: p.column,
            end_line: p.end_line,
            end_column: p.end_column,
            message: finding.message.clone(),
            labels: finding
                .labels
                .iter()
                .map(|l| JsonLabel {
                    file: file_of(&l.span),
                    line: l.span.line,
                    column: l.span.column,
                    message: l.message.clone(),
                })
                .collect(),
            help: finding.help.clone(),
            fixes: finding
                .fix
                .iter()
                .map(|fix| JsonFix {
                    message: fix.message.clone(),
                    edits: fix
                        .edits
                        .iter()
                        .map(|e| JsonEdit {
                            file: file_of(&e.span),
                            line: e.span.line,
                            column: e.span.column,
                            end_line: e.span.end_line,
                            end_column: e.span.end_column,
                            start_byte: e.span.start,
                            end_byte: e.span.end,
                            replacement: e.replacement.clone(),
                        })
                        .collect(),
                })
                .collect(),
        });
        Ok(())
    }

    /// Buffers one file problem.
    pub fn problem(&mut self, problem: &FileProblem, sources: &SourceMap) -> io::Result<()> {
        self.errors.push(JsonError {
            file: super::problem_path(problem, sources),
            line: problem.span.map(|s| s.line),
            column: problem.span.map(|s| s.column),
            message: problem.message.clone(),
        });
        Ok(())
    }

    /// Writes the document and flushes.
    pub fn finish(&mut self) -> io::Result<()> {
        let doc = Document {
            version: VERSION,
            findings: &self.findings,
            errors: &self.errors,
        };
        super::escape::write_json(&mut self.out, &doc)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testing::{sample_finding, sample_sources};

    #[test]
    fn document_has_the_v2_shape() {
        let (sources, a, b) = sample_sources();
        let mut out = Vec::new();
        let mut p = JsonPrinter::new(&mut out);
        p.finding(&sample_finding(&sources, a, Some(b)), &sources)
            .expect("write");
        let io = FileProblem {
            kind: crate::report::ProblemKind::Io,
            path: "./src/bad.rs".into(),
            span: None,
            message: "file is not valid UTF-8".into(),
        };
        p.problem(&io, &sources).expect("write");
        p.finish().expect("flush");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(text.ends_with("}\n") && text.lines().count() == 1);
        let v: serde_json::Value = serde_json::from_str(&text).expect("valid json");
        assert_eq!(v["version"], 2);
        let f = &v["findings"][0];
        assert_eq!(f["rule"], "lock-across-await");
        assert_eq!(f["severity"], "warning");
        assert_eq!(f["file"], "src/a.rs");
        assert_eq!(
            (f["line"].as_u64(), f["column"].as_u64()),
            (Some(3), Some(13))
        );
        assert_eq!(
            (f["end_line"].as_u64(), f["end_column"].as_u64()),
            (Some(3), Some(30))
        );
        assert_eq!(f["message"], "`MutexGuard` held across `.await`");
        assert_eq!(f["help"], "drop the guard before the `.await`");
        let labels = f["labels"].as_array().expect("labels array");
        assert_eq!(labels.len(), 3);
        assert_eq!(labels[1]["line"], 4);
        assert_eq!(labels[1]["message"], "still held at this `.await`");
        assert_eq!(labels[2]["file"], "src/b.rs");
        assert_eq!(f["fixes"], serde_json::json!([]));
        assert_eq!(
            v["errors"][0],
            serde_json::json!({"file": "src/bad.rs", "line": null, "column": null, "message": "file is not valid UTF-8"})
        );
    }

    #[test]
    fn a_fix_carries_its_edits_by_position_and_byte() {
        let (sources, a, _) = sample_sources();
        let finding = sample_finding(&sources, a, None);
        let span = finding.primary;
        let finding = finding.with_fix(Some(crate::report::finding::Fix {
            message: "replace it".into(),
            edits: vec![crate::report::finding::Edit {
                span,
                replacement: "drop(m.lock())".into(),
            }],
        }));
        let mut out = Vec::new();
        let mut p = JsonPrinter::new(&mut out);
        p.finding(&finding, &sources).expect("write");
        p.finish().expect("flush");
        let v: serde_json::Value = serde_json::from_slice(&out).expect("valid json");
        let fix = &v["findings"][0]["fixes"][0];
        assert_eq!(fix["message"], "replace it");
        let edit = &fix["edits"][0];
        assert_eq!(edit["file"], "src/a.rs");
        assert_eq!(
            (edit["line"].as_u64(), edit["column"].as_u64()),
            (Some(3), Some(13))
        );
        assert_eq!(edit["start_byte"].as_u64(), Some(span.start as u64));
        assert_eq!(edit["end_byte"].as_u64(), Some(span.end as u64));
        assert_eq!(edit["replacement"], "drop(m.lock())");
    }

    #[test]
    fn empty_run_still_has_both_arrays() {
        let mut out = Vec::new();
        JsonPrinter::new(&mut out).finish().expect("flush");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            "{\"version\":2,\"findings\":[],\"errors\":[]}\n"
        );
    }
}
