//! Between the analysis and the protocol: findings as diagnostics, and the edits a
//! client sends applied to a buffer.
//!
//! Positions are in UTF-16 code units, the protocol's default and the one encoding
//! every client supports. A position past the end of its line or of the text is
//! clamped to it, so an edit with a bad range changes the buffer as nearly as it
//! can and never panics.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;

use lsp_types::{
    CodeAction, CodeActionKind, CodeDescription, Diagnostic, DiagnosticRelatedInformation,
    DiagnosticSeverity, Location, NumberOrString, Position, Range, TextDocumentContentChangeEvent,
    TextEdit, Uri, WorkspaceEdit,
};

use super::uri::uri_of;
use crate::report::escape::{self, Keep};
use crate::report::finding::{Finding, Severity, Span};
use crate::report::sarif::page_uri;
use crate::source::SourceMap;
use crate::{rules, suppress, Report};

/// The `source` of every diagnostic.
pub(super) const SOURCE: &str = "synclint";

/// What is published for one file: its diagnostics, and the quick fix of each
/// finding that carries one.
#[derive(Default)]
pub(super) struct FileDiagnostics {
    pub(super) diagnostics: Vec<Diagnostic>,
    pub(super) fixes: Vec<CodeAction>,
}

/// The diagnostics and quick fixes of a report, by the file of each finding's
/// primary site.
pub(super) fn diagnostics(report: &Report) -> BTreeMap<PathBuf, FileDiagnostics> {
    let mut out: BTreeMap<PathBuf, FileDiagnostics> = BTreeMap::new();
    for finding in &report.findings {
        let path = report.sources.get(finding.primary.file).path.clone();
        let diagnostic = diagnostic(&report.sources, finding);
        let entry = out.entry(path).or_default();
        entry
            .fixes
            .extend(quick_fix(&report.sources, finding, &diagnostic));
        entry.diagnostics.push(diagnostic);
    }
    // A file that could not be read or parsed (a half-typed buffer) says so where
    // the parser stopped, as the command line does; its findings are not known.
    for problem in &report.problems {
        let range = problem
            .span
            .map(|span| range(&report.sources, span))
            .unwrap_or_default();
        out.entry(problem.path.clone())
            .or_default()
            .diagnostics
            .push(Diagnostic {
                range,
                severity: Some(DiagnosticSeverity::ERROR),
                code: Some(NumberOrString::String(problem.kind.as_str().to_string())),
                source: Some(SOURCE.to_string()),
                message: shown(&problem.message),
                ..Diagnostic::default()
            });
    }
    out
}

/// A finding's fix as a quick fix of its diagnostic: every edit of the fix, in its
/// file, as one workspace edit.
// `WorkspaceEdit::changes` is keyed by `Uri`, whose parsed form caches in a cell;
// the key is never changed while in the map.
#[allow(clippy::mutable_key_type)]
pub(super) fn quick_fix(
    sources: &SourceMap,
    finding: &Finding,
    diagnostic: &Diagnostic,
) -> Option<CodeAction> {
    let fix = finding.fix.as_ref()?;
    let mut changes: std::collections::HashMap<Uri, Vec<TextEdit>> =
        std::collections::HashMap::new();
    for e in &fix.edits {
        let uri = uri_of(&sources.get(e.span.file).path)?;
        changes.entry(uri).or_default().push(TextEdit {
            range: range(sources, e.span),
            new_text: e.replacement.clone(),
        });
    }
    Some(CodeAction {
        title: shown(&fix.message),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic.clone()]),
        edit: Some(WorkspaceEdit::new(changes)),
        is_preferred: Some(true),
        ..CodeAction::default()
    })
}

/// Whether two ranges share a position (touching counts, as a cursor on either end
/// of a diagnostic asks for its fixes).
pub(super) fn overlap(a: Range, b: Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// One finding as a diagnostic: its rule id as the code, a link to the rule's page,
/// its severity, its message and help, and every other site as related information.
pub(super) fn diagnostic(sources: &SourceMap, finding: &Finding) -> Diagnostic {
    let related: Vec<DiagnosticRelatedInformation> = finding
        .labels
        .iter()
        .filter(|l| l.span != finding.primary)
        .filter_map(|l| {
            let uri = uri_of(&sources.get(l.span.file).path)?;
            Some(DiagnosticRelatedInformation {
                location: Location::new(uri, range(sources, l.span)),
                message: shown(&l.message),
            })
        })
        .collect();
    let mut message = shown(&finding.message);
    if !finding.help.is_empty() {
        message.push_str("\nhelp: ");
        message.push_str(&shown(&finding.help));
    }
    Diagnostic {
        range: range(sources, finding.primary),
        severity: Some(severity(finding.severity)),
        code: Some(NumberOrString::String(finding.rule.to_string())),
        code_description: rule_page(finding.rule).map(|href| CodeDescription { href }),
        source: Some(SOURCE.to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// A text with control characters and bidi overrides written as escapes (line
/// breaks kept), as the human report shows it.
fn shown(text: &str) -> String {
    escape::text(text, Keep::LineBreaks).into_owned()
}

/// `deny` is an error, `warn` a warning, a note information.
pub(super) fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Deny => DiagnosticSeverity::ERROR,
        Severity::Warn => DiagnosticSeverity::WARNING,
        Severity::Note => DiagnosticSeverity::INFORMATION,
    }
}

/// The published page of a rule or allow check (the address SARIF's `helpUri`
/// gives, [`page_uri`]).
pub(super) fn rule_page(id: &str) -> Option<Uri> {
    let meta = rules::lookup(id)
        .map(|r| r.meta())
        .or_else(|| suppress::meta(id))?;
    Uri::from_str(&page_uri(meta.page)).ok()
}

/// A span as a range of its file.
pub(super) fn range(sources: &SourceMap, span: Span) -> Range {
    let file = sources.get(span.file);
    let at = |line: u32, column: u32| Position {
        line: line.saturating_sub(1),
        character: utf16_width(file.line_text(line), column.saturating_sub(1) as usize),
    };
    Range::new(
        at(span.line, span.column),
        at(span.end_line, span.end_column),
    )
}

/// The UTF-16 length of the first `chars` characters of `line`.
fn utf16_width(line: &str, chars: usize) -> u32 {
    let units: usize = line.chars().take(chars).map(char::len_utf16).sum();
    u32::try_from(units).unwrap_or(u32::MAX)
}

/// The byte offset of a position in `text`, clamped to the end of its line (before
/// the line break) and to the end of the text.
pub(super) fn offset(text: &str, pos: Position) -> usize {
    let mut line_start = 0;
    for _ in 0..pos.line {
        match text[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i);
    let line = text[line_start..line_end].trim_end_matches('\r');
    let mut units = 0u32;
    for (i, c) in line.char_indices() {
        if units >= pos.character {
            return line_start + i;
        }
        units = units.saturating_add(c.len_utf16() as u32);
    }
    line_start + line.len()
}

/// Applies one change a client sent: the whole text, or a range replaced (the
/// range's ends clamped and put in order).
pub(super) fn apply_change(text: &mut String, change: TextDocumentContentChangeEvent) {
    match change.range {
        None => *text = change.text,
        Some(range) => {
            let a = offset(text, range.start);
            let b = offset(text, range.end);
            let (start, end) = if a <= b { (a, b) } else { (b, a) };
            text.replace_range(start..end, &change.text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, character: u32) -> Position {
        Position { line, character }
    }

    #[test]
    fn offsets_count_utf16_units_and_clamp() {
        let text = "aé😀b\nxy\r\nz";
        assert_eq!(offset(text, pos(0, 0)), 0);
        assert_eq!(offset(text, pos(0, 2)), 3);
        // The emoji is two UTF-16 units; its middle is its end.
        assert_eq!(offset(text, pos(0, 3)), 7);
        assert_eq!(offset(text, pos(0, 4)), 7);
        assert_eq!(offset(text, pos(0, 5)), 8);
        assert_eq!(offset(text, pos(0, 99)), 8);
        assert_eq!(offset(text, pos(1, 99)), 11);
        assert_eq!(offset(text, pos(2, 0)), 13);
        assert_eq!(offset(text, pos(7, 3)), text.len());
    }

    #[test]
    fn changes_replace_ranges_even_bad_ones() {
        let mut text = "fn a() {}\nfn b() {}\n".to_string();
        let edit = |range: Option<Range>, new: &str| TextDocumentContentChangeEvent {
            range,
            range_length: None,
            text: new.to_string(),
        };
        apply_change(&mut text, edit(Some(Range::new(pos(1, 3), pos(1, 4))), "c"));
        assert_eq!(text, "fn a() {}\nfn c() {}\n");
        // Reversed and past the end: the range is put in order and clamped.
        apply_change(
            &mut text,
            edit(Some(Range::new(pos(99, 0), pos(1, 9))), "!"),
        );
        assert_eq!(text, "fn a() {}\nfn c() {}!");
        apply_change(&mut text, edit(None, "whole"));
        assert_eq!(text, "whole");
    }

    #[test]
    fn ranges_are_in_utf16_units() {
        let mut sources = SourceMap::default();
        let text = "let é = 😀x;\n";
        let id = sources.add(crate::source::SourceFile::new(
            "/t/a.rs",
            text,
            crate::source::Edition::default(),
        ));
        let start = text.find('x').expect("x is there");
        let span = sources.get(id).span_of_bytes(id, start, start + 1);
        let r = range(&sources, span);
        assert_eq!(r.start, pos(0, 10));
        assert_eq!(r.end, pos(0, 11));
    }

    #[test]
    fn every_rule_page_is_a_uri() {
        for rule in rules::ALL {
            let id = rule.meta().id;
            let page = rule_page(id).expect("a page URI");
            assert!(
                page.as_str().ends_with(&format!("rules/{id}.md")),
                "{}",
                page.as_str()
            );
        }
        assert!(rule_page("no-such-rule").is_none());
    }
}
