//! The `sarif` format: one SARIF 2.1.0 log per run, for GitHub code scanning and
//! other SARIF consumers.
//!
//! The log has one run. Its driver lists every rule (and the two allow checks) with
//! a short and full description, the rule page as help (text and Markdown), a
//! `helpUri` and the default level. Each finding is a result with:
//!
//! - `level`: `error` (deny), `warning` (warn) or `note`;
//! - `locations`: the primary site, `relatedLocations`: every other labelled site with
//!   its label as the message;
//! - `codeFlows`: for a finding with two or more labels, one thread flow that visits
//!   the labels in order (acquisition, call sites, the blocking call or `.await`), which
//!   is how a call chain is shown;
//! - `partialFingerprints`: `synclint/v1`, the same fingerprint the baseline uses;
//! - `fixes`: a finding's machine-applicable fix, as one fix whose `artifactChanges`
//!   hold `replacements` (a `deletedRegion` by line, column and byte offset, and the
//!   `insertedContent`).
//!
//! Files that could not be read or parsed are tool execution notifications of the
//! run's invocation. Paths are relative URIs against `%SRCROOT%`, which
//! `originalUriBaseIds` sets to the folder the run started in. Columns count Unicode
//! code points, as the run's `columnKind` says.
//!
//! The log is buffered and written when the run ends, on one line.

use std::io::{self, Write};
use std::path::Path;

use serde_json::{json, Value};

use crate::report::finding::{Finding, Level, RuleMeta};
use crate::report::finding::{Severity, Span};
use crate::report::FileProblem;
use crate::source::SourceMap;

/// The SARIF schema the log declares.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Buffers results and writes the log in [`SarifPrinter::finish`].
#[derive(Debug)]
pub struct SarifPrinter<W> {
    out: W,
    results: Vec<Value>,
    notifications: Vec<Value>,
    root: Option<String>,
    rules: Vec<&'static RuleMeta>,
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Allow => "none",
        Level::Warn => "warning",
        Level::Deny => "error",
    }
}

/// The "What it flags" paragraph of a page, on one line.
fn what_it_flags(doc: &str) -> String {
    let section = doc
        .split("## What it flags")
        .nth(1)
        .unwrap_or(doc)
        .trim_start();
    let paragraph = section.split("\n\n").next().unwrap_or_default();
    paragraph.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Where a page of this package is published: the repository named in `Cargo.toml`
/// when there is one, else the crate's sources on docs.rs (the package includes
/// `rules/` and `docs/`).
pub fn page_uri(page: &str) -> String {
    match option_env!("CARGO_PKG_REPOSITORY").filter(|r| !r.is_empty()) {
        Some(repo) => format!("{}/blob/HEAD/{page}", repo.trim_end_matches('/')),
        None => format!(
            "https://docs.rs/crate/{}/{}/source/{page}",
            env!("CARGO_PKG_NAME"),
            env!("CARGO_PKG_VERSION")
        ),
    }
}

/// `lock-across-await` as `LockAcrossAwait`.
fn camel_case(id: &str) -> String {
    id.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

/// A relative path as a URI reference: every byte outside the unreserved set and
/// `/` is percent-encoded, so spaces, `%`, `#` and line breaks survive.
pub fn uri_of(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The `file://` URI of an absolute folder, ending in `/`.
fn folder_uri(dir: &Path) -> String {
    let path = crate::source::display_path(dir);
    let path = if path.starts_with('/') {
        path
    } else {
        format!("/{path}")
    };
    let mut uri = format!("file://{}", uri_of(&path));
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

impl<W: Write> SarifPrinter<W> {
    /// A printer writing to `out`, describing `rules` (every rule and allow check, in
    /// the order findings' `ruleIndex` counts them); relative paths are resolved
    /// against the current folder.
    pub fn new(out: W, rules: Vec<&'static RuleMeta>) -> SarifPrinter<W> {
        SarifPrinter {
            out,
            results: Vec::new(),
            notifications: Vec::new(),
            root: std::env::current_dir().ok().map(|d| folder_uri(&d)),
            rules,
        }
    }

    /// Buffers one finding as a result.
    pub fn finding(&mut self, finding: &Finding, sources: &SourceMap) -> io::Result<()> {
        let location = |span: &Span, message: Option<&str>| {
            let mut loc = json!({
                "physicalLocation": {
                    "artifactLocation": {
                        "uri": uri_of(&sources.get(span.file).display_path()),
                        "uriBaseId": "%SRCROOT%"
                    },
                    "region": region(span)
                }
            });
            if let Some(message) = message {
                loc["message"] = json!({ "text": message });
            }
            loc
        };
        let p = finding.primary;
        let is_primary = |s: &Span| s.file == p.file && (s.start, s.end) == (p.start, p.end);
        let related: Vec<Value> = finding
            .labels
            .iter()
            .filter(|l| !is_primary(&l.span))
            .enumerate()
            .map(|(i, l)| {
                let mut loc = location(&l.span, Some(&l.message));
                loc["id"] = json!(i + 1);
                loc
            })
            .collect();
        let rule_index = self.rules.iter().position(|r| r.id == finding.rule);
        let mut result = json!({
            "ruleId": finding.rule,
            "level": match finding.severity {
                Severity::Deny => "error",
                Severity::Warn => "warning",
                Severity::Note => "note",
            },
            "message": { "text": result_text(finding) },
            "locations": [location(&p, None)],
            "partialFingerprints": {
                "synclint/v1": super::fingerprint::fingerprint(finding, sources)
            }
        });
        if let Some(i) = rule_index {
            result["ruleIndex"] = json!(i);
        }
        if let Some(fix) = &finding.fix {
            // One artifact change per file the edits touch, in the order they come.
            let mut changes: Vec<(crate::report::finding::FileId, Vec<Value>)> = Vec::new();
            for e in &fix.edits {
                let mut deleted = region(&e.span);
                deleted["byteOffset"] = json!(e.span.start);
                deleted["byteLength"] = json!(e.span.end.saturating_sub(e.span.start));
                let replacement = json!({
                    "deletedRegion": deleted,
                    "insertedContent": { "text": e.replacement }
                });
                match changes.iter_mut().find(|(f, _)| *f == e.span.file) {
                    Some((_, list)) => list.push(replacement),
                    None => changes.push((e.span.file, vec![replacement])),
                }
            }
            let changes: Vec<Value> = changes
                .into_iter()
                .map(|(file, replacements)| {
                    json!({
                        "artifactLocation": {
                            "uri": uri_of(&sources.get(file).display_path()),
                            "uriBaseId": "%SRCROOT%"
                        },
                        "replacements": replacements
                    })
                })
                .collect();
            result["fixes"] = json!([{
                "description": { "text": fix.message },
                "artifactChanges": changes
            }]);
        }
        if !related.is_empty() {
            result["relatedLocations"] = Value::Array(related);
        }
        if finding.labels.len() >= 2 {
            let steps: Vec<Value> = finding
                .labels
                .iter()
                .map(|l| json!({ "location": location(&l.span, Some(&l.message)) }))
                .collect();
            result["codeFlows"] = json!([{ "threadFlows": [{ "locations": steps }] }]);
        }
        self.results.push(result);
        Ok(())
    }

    /// Buffers one file problem as a tool execution notification.
    pub fn problem(&mut self, problem: &FileProblem, sources: &SourceMap) -> io::Result<()> {
        let mut physical = json!({
            "artifactLocation": {
                "uri": uri_of(&super::problem_path(problem, sources)),
                "uriBaseId": "%SRCROOT%"
            }
        });
        if let Some(span) = &problem.span {
            physical["region"] = region(span);
        }
        self.notifications.push(json!({
            "level": "error",
            "message": { "text": problem.message },
            "descriptor": { "id": super::problem_kind(problem) },
            "locations": [{ "physicalLocation": physical }]
        }));
        Ok(())
    }

    /// Writes the log and flushes.
    pub fn finish(&mut self) -> io::Result<()> {
        let rules: Vec<Value> = self
            .rules
            .iter()
            .map(|r| {
                json!({
                    "id": r.id,
                    "name": camel_case(r.id),
                    "shortDescription": { "text": r.summary() },
                    "fullDescription": { "text": what_it_flags(r.doc) },
                    "help": { "text": r.doc, "markdown": r.doc },
                    "helpUri": page_uri(r.page),
                    "defaultConfiguration": { "level": level_name(r.default) },
                    "properties": { "tags": ["concurrency"] }
                })
            })
            .collect();
        let mut run = json!({
            "tool": {
                "driver": {
                    "name": "synclint",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": page_uri("README.md"),
                    "rules": rules
                }
            },
            "invocations": [{
                "executionSuccessful": self.notifications.is_empty(),
                "toolExecutionNotifications": self.notifications
            }],
            "columnKind": "unicodeCodePoints",
            "results": self.results
        });
        if let Some(root) = &self.root {
            run["originalUriBaseIds"] = json!({ "%SRCROOT%": { "uri": root } });
        }
        let log = json!({
            "$schema": SCHEMA,
            "version": "2.1.0",
            "runs": [run]
        });
        super::escape::write_json(&mut self.out, &log)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}

/// The result message: the finding's message and its help.
fn result_text(finding: &Finding) -> String {
    if finding.help.is_empty() {
        finding.message.clone()
    } else {
        format!("{}\nhelp: {}", finding.message, finding.help)
    }
}

fn region(span: &Span) -> Value {
    json!({
        "startLine": span.line.max(1),
        "startColumn": span.column.max(1),
        "endLine": span.end_line.max(span.line).max(1),
        "endColumn": span.end_column.max(1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testing::{sample_finding, sample_sources};

    #[test]
    fn result_has_locations_flows_and_fingerprints() {
        let (sources, a, b) = sample_sources();
        let mut out = Vec::new();
        static RULE: RuleMeta = RuleMeta {
            id: "lock-across-await",
            default: Level::Warn,
            doc: "# lock-across-await\n\n## What it flags\n\nA guard held across an `.await`.\n",
            page: "rules/lock-across-await.md",
        };
        let rules = vec![&RULE];
        let mut p = SarifPrinter::new(&mut out, rules);
        p.finding(&sample_finding(&sources, a, Some(b)), &sources)
            .expect("write");
        p.finish().expect("flush");
        let v: Value = serde_json::from_slice(&out).expect("json");
        assert_eq!(v["version"], "2.1.0");
        let run = &v["runs"][0];
        let result = &run["results"][0];
        assert_eq!(result["ruleId"], "lock-across-await");
        assert_eq!(result["level"], "warning");
        let index = result["ruleIndex"].as_u64().expect("index") as usize;
        assert_eq!(
            run["tool"]["driver"]["rules"][index]["id"],
            "lock-across-await"
        );
        let loc = &result["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "src/a.rs");
        assert_eq!(loc["region"]["startLine"], 3);
        let related = result["relatedLocations"].as_array().expect("related");
        assert_eq!(related.len(), 2);
        assert_eq!(
            related[1]["physicalLocation"]["artifactLocation"]["uri"],
            "src/b.rs"
        );
        let steps = &result["codeFlows"][0]["threadFlows"][0]["locations"];
        assert_eq!(steps.as_array().map(Vec::len), Some(3));
        assert_eq!(
            steps[1]["location"]["message"]["text"],
            "still held at this `.await`"
        );
        assert!(result["partialFingerprints"]["synclint/v1"].is_string());
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri_of("src/a b%#\n.rs"), "src/a%20b%25%23%0A.rs");
        assert_eq!(uri_of("../src/é.rs"), "../src/%C3%A9.rs");
        assert_eq!(camel_case("lock-across-await"), "LockAcrossAwait");
    }
}
