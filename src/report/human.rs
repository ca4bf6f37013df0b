//! The `human` format: every finding and file problem rendered as a miette graphical
//! report, then a footer such as `2 findings in 1 file (5 files checked)`.
//!
//! One hand-written adapter turns any [`Finding`] into a [`miette::Diagnostic`]: its
//! code is the rule id, its labels are the primary site plus the labels in the same
//! file, and labels in other files become one related diagnostic per file, each with
//! that file's source, so that a cycle across modules shows every site. Sources are
//! borrowed from the [`SourceMap`], never copied.
//!
//! This module does not decide whether to use colour or how wide the terminal is:
//! the caller passes a [`Style`].

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::{self, Write};

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, SourceCode,
    SourceSpan, SpanContents,
};

use crate::report::escape::{self, Keep};
use crate::report::finding::Finding;
use crate::report::finding::Label;
use crate::report::finding::{FileId, Severity, Span};
use crate::report::snippet::{self, SnippetView};
use crate::report::FileProblem;
use crate::report::{Style, Summary};
use crate::source::{SourceFile, SourceMap};

/// Renders each finding and problem as it comes, and the footer at the end.
pub struct HumanPrinter<W> {
    out: W,
    // Boxed: the handler is large and `Printer` is an enum of printers.
    handler: Box<GraphicalReportHandler>,
    plain: PlainFiles,
}

/// Whether each file's text [`is_plain`](crate::report::snippet::is_plain), found once
/// per file rather than once per finding: a file with thousands of findings would
/// otherwise be scanned that many times. Keyed by the text's address and length as
/// well as the file, so a text read again is looked at again.
type PlainFiles = HashMap<(FileId, usize, usize), bool>;

impl<W> fmt::Debug for HumanPrinter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HumanPrinter").finish_non_exhaustive()
    }
}

impl<W: Write> HumanPrinter<W> {
    /// A printer writing to `out`.
    pub fn new(out: W, style: Style) -> HumanPrinter<W> {
        HumanPrinter {
            out,
            handler: Box::new(handler(style)),
            plain: HashMap::new(),
        }
    }

    /// Renders one finding.
    pub fn finding(&mut self, finding: &Finding, sources: &SourceMap) -> io::Result<()> {
        let diagnostic = FindingDiagnostic::new(finding, sources, &mut self.plain);
        self.render(&diagnostic)
    }

    /// Renders one file problem as an error.
    pub fn problem(&mut self, problem: &FileProblem, sources: &SourceMap) -> io::Result<()> {
        let diagnostic = ProblemDiagnostic::new(problem, sources, &mut self.plain);
        self.render(&diagnostic)
    }

    /// Writes the footer and flushes.
    pub fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        writeln!(self.out, "{}", footer(summary))?;
        self.out.flush()
    }

    fn render(&mut self, diagnostic: &dyn Diagnostic) -> io::Result<()> {
        let mut text = String::new();
        self.handler
            .render_report(&mut text, diagnostic)
            .map_err(|_| io::Error::other("cannot render diagnostic"))?;
        self.out.write_all(text.as_bytes())?;
        writeln!(self.out)
    }
}

/// The graphical handler every human rendering uses: unicode drawing, colour only
/// when asked for.
pub fn handler(style: Style) -> GraphicalReportHandler {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false)
        .with_show_related_as_nested(true)
}

/// `2 findings in 1 file (5 files checked)`, `no findings (5 files checked)`, plus
/// how many files could not be checked and how many findings the baseline hid.
pub fn footer(summary: &Summary) -> String {
    let checked = plural(summary.files_checked, "file");
    let mut line = if summary.findings == 0 {
        format!("no findings ({checked} checked")
    } else {
        format!(
            "{} in {} ({checked} checked",
            plural(summary.findings, "finding"),
            plural(summary.files_with_findings, "file"),
        )
    };
    if summary.problems > 0 {
        line.push_str(&format!(
            ", {} could not be checked",
            plural(summary.problems, "file")
        ));
    }
    if summary.baselined > 0 {
        line.push_str(&format!(
            ", {} hidden by the baseline",
            plural(summary.baselined, "finding")
        ));
    }
    line.push(')');
    line
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// A file's text under its display name, as the human printer shows it: the
/// [`SnippetView`] of the file for the spans drawn from it (borrowed from the
/// [`SourceMap`] unless a hazard or a long line had to be rewritten), under the
/// escaped name.
struct FileSource<'a> {
    name: String,
    file: &'a SourceFile,
    view: SnippetView<'a>,
}

impl<'a> FileSource<'a> {
    /// The source of `file` for drawing `spans`.
    fn new(
        sources: &'a SourceMap,
        id: FileId,
        spans: &[Span],
        plain: &mut PlainFiles,
    ) -> FileSource<'a> {
        let file = sources.get(id);
        let text = file.text.as_str();
        let is_plain = *plain
            .entry((id, text.as_ptr() as usize, text.len()))
            .or_insert_with(|| snippet::is_plain(text));
        let view = if is_plain {
            SnippetView::plain(text)
        } else {
            let ends: Vec<usize> = spans.iter().flat_map(|s| [s.start, s.end]).collect();
            SnippetView::new(text, &ends)
        };
        FileSource {
            name: escape::path(&file.display_path()).into_owned(),
            file,
            view,
        }
    }

    /// The miette span of `span`, in the view's offsets.
    fn span(&self, span: Span) -> SourceSpan {
        let start = self.view.to_view(span.start);
        let end = self.view.to_view(span.end.max(span.start));
        SourceSpan::from((start, end - start))
    }
}

impl fmt::Debug for FileSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileSource")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl SourceCode for FileSource<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        self.view.read_span(
            &self.name,
            span,
            context_lines_before,
            context_lines_after,
            |offset| self.file.line_col(offset),
        )
    }
}

fn miette_severity(severity: Severity) -> miette::Severity {
    match severity {
        Severity::Deny => miette::Severity::Error,
        Severity::Warn => miette::Severity::Warning,
        Severity::Note => miette::Severity::Advice,
    }
}

/// A [`Finding`] seen as a miette diagnostic.
#[derive(Debug)]
struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    message: String,
    source: FileSource<'a>,
    labels: Vec<LabeledSpan>,
    elsewhere: Vec<SitesElsewhere<'a>>,
    help: String,
}

impl<'a> FindingDiagnostic<'a> {
    fn new(
        finding: &'a Finding,
        sources: &'a SourceMap,
        plain: &mut PlainFiles,
    ) -> FindingDiagnostic<'a> {
        let primary = finding.primary;
        let same_site =
            |s: &Span| s.file == primary.file && (s.start, s.end) == (primary.start, primary.end);
        let label_text = |message: &str| escape::text(message, Keep::LineBreaks).into_owned();
        let labels = one_per_span(&finding.labels);
        // The primary site takes the text of a label at the same span, if any.
        let primary_text = labels
            .iter()
            .find(|l| same_site(&l.span))
            .map(|l| label_text(&l.message));
        // Labels grouped by file, the primary file first; each file's source is made
        // for the spans drawn from it.
        let mut here = vec![primary];
        let mut other_files: BTreeMap<String, (FileId, Vec<&Label>)> = BTreeMap::new();
        let mut same_file = Vec::new();
        for label in labels.iter().filter(|l| !same_site(&l.span)) {
            if label.span.file == primary.file {
                here.push(label.span);
                same_file.push(label);
            } else {
                other_files
                    .entry(sources.get(label.span.file).display_path())
                    .or_insert_with(|| (label.span.file, Vec::new()))
                    .1
                    .push(label);
            }
        }
        let source = FileSource::new(sources, primary.file, &here, plain);
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            primary_text,
            source.span(primary),
        )];
        labels.extend(same_file.iter().map(|l| {
            LabeledSpan::new_with_span(Some(label_text(&l.message)), source.span(l.span))
        }));
        let elsewhere = other_files
            .into_values()
            .map(|(file, file_labels)| {
                let spans: Vec<Span> = file_labels.iter().map(|l| l.span).collect();
                let source = FileSource::new(sources, file, &spans, plain);
                let labels = file_labels
                    .iter()
                    .map(|l| {
                        LabeledSpan::new_with_span(
                            Some(label_text(&l.message)),
                            source.span(l.span),
                        )
                    })
                    .collect();
                SitesElsewhere {
                    severity: finding.severity,
                    source,
                    labels,
                }
            })
            .collect();
        let explain = format!("run `synclint --explain {}`", finding.rule);
        let help = if finding.help.is_empty() {
            explain
        } else {
            format!("{}\n{explain}", label_text(&finding.help))
        };
        FindingDiagnostic {
            finding,
            message: label_text(&finding.message),
            source,
            labels,
            elsewhere,
            help,
        }
    }
}

/// The labels with one per span: the texts of labels on the same span joined with
/// "; " (a text given twice kept once), in the order each span first comes, so that
/// one place reads as one place.
fn one_per_span(labels: &[Label]) -> Vec<Label> {
    let mut spans: Vec<(Span, Vec<&str>)> = Vec::with_capacity(labels.len());
    for label in labels {
        let key = |s: &Span| (s.file, s.start, s.end);
        match spans.iter_mut().find(|(s, _)| key(s) == key(&label.span)) {
            Some((_, texts)) if texts.contains(&label.message.as_str()) => {}
            Some((_, texts)) => texts.push(&label.message),
            None => spans.push((label.span, vec![&label.message])),
        }
    }
    spans
        .into_iter()
        .map(|(span, texts)| Label {
            span,
            message: texts.join("; "),
        })
        .collect()
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.finding.rule))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(miette_severity(self.finding.severity))
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.help))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn Diagnostic> + 'b>> {
        if self.elsewhere.is_empty() {
            return None;
        }
        Some(Box::new(
            self.elsewhere.iter().map(|d| d as &dyn Diagnostic),
        ))
    }
}

/// The sites of a finding that lie in another file than its primary site.
#[derive(Debug)]
struct SitesElsewhere<'a> {
    severity: Severity,
    source: FileSource<'a>,
    labels: Vec<LabeledSpan>,
}

impl fmt::Display for SitesElsewhere<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "also involved in `{}`", self.source.name)
    }
}

impl std::error::Error for SitesElsewhere<'_> {}

impl Diagnostic for SitesElsewhere<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette_severity(self.severity))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// A [`FileProblem`] seen as a miette error: `synclint::parse` with a label at its
/// position, or `synclint::io` naming the file when its text could not be loaded.
#[derive(Debug)]
struct ProblemDiagnostic<'a> {
    header: String,
    code: &'static str,
    source: Option<FileSource<'a>>,
    label: Option<LabeledSpan>,
}

impl<'a> ProblemDiagnostic<'a> {
    fn new(
        problem: &'a FileProblem,
        sources: &'a SourceMap,
        plain: &mut PlainFiles,
    ) -> ProblemDiagnostic<'a> {
        let code = match super::problem_kind(problem) {
            "parse" => "synclint::parse",
            _ => "synclint::io",
        };
        let message = escape::text(&problem.message, Keep::LineBreaks).into_owned();
        match problem.span {
            // The snippet names the file, so the header is the message alone.
            Some(span) => {
                let source = FileSource::new(sources, span.file, &[span], plain);
                let label = LabeledSpan::new_primary_with_span(None, source.span(span));
                ProblemDiagnostic {
                    header: message,
                    code,
                    source: Some(source),
                    label: Some(label),
                }
            }
            None => ProblemDiagnostic {
                header: format!(
                    "`{}`: {message}",
                    escape::path(&super::problem_path(problem, sources)),
                ),
                code,
                source: None,
                label: None,
            },
        }
    }
}

impl fmt::Display for ProblemDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.header)
    }
}

impl std::error::Error for ProblemDiagnostic<'_> {}

impl Diagnostic for ProblemDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Error)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let label = self.label.clone()?;
        Some(Box::new(std::iter::once(label)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testing::{sample_finding, sample_sources};

    fn render(f: impl FnOnce(&mut HumanPrinter<&mut Vec<u8>>)) -> String {
        let mut out = Vec::new();
        let mut p = HumanPrinter::new(&mut out, Style::default());
        f(&mut p);
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn finding_shows_code_labels_and_help() {
        let (sources, a, _) = sample_sources();
        let text = render(|p| {
            p.finding(&sample_finding(&sources, a, None), &sources)
                .expect("write")
        });
        println!("{text}");
        assert!(text.contains("lock-across-await"), "{text}");
        assert!(text.contains("`MutexGuard` held across `.await`"), "{text}");
        assert!(text.contains("[src/a.rs:3:13]"), "{text}");
        assert!(text.contains("lock acquired here"), "{text}");
        assert!(text.contains("still held at this `.await`"), "{text}");
        assert!(
            text.contains("drop the guard before the `.await`"),
            "{text}"
        );
        assert!(
            text.contains("run `synclint --explain lock-across-await`"),
            "{text}"
        );
        assert!(!text.contains('\u{1b}'), "no colour unless asked: {text}");
        assert_eq!(text.matches("lock acquired here").count(), 1, "{text}");
    }

    #[test]
    fn labels_in_other_files_are_shown_with_their_file() {
        let (sources, a, b) = sample_sources();
        let text = render(|p| {
            p.finding(&sample_finding(&sources, a, Some(b)), &sources)
                .expect("write")
        });
        println!("{text}");
        assert!(text.contains("[src/b.rs:2:14]"), "{text}");
        assert!(text.contains("also taken here"), "{text}");
        assert!(text.contains("let _g = m.lock().unwrap();"), "{text}");
    }

    #[test]
    fn colour_when_asked() {
        let (sources, a, _) = sample_sources();
        let mut out = Vec::new();
        let style = Style {
            color: true,
            width: 80,
        };
        HumanPrinter::new(&mut out, style)
            .finding(&sample_finding(&sources, a, None), &sources)
            .expect("write");
        assert!(out.contains(&0x1b));
    }

    #[test]
    fn problems_render_as_errors() {
        let (sources, a, _) = sample_sources();
        let parse = FileProblem {
            kind: crate::report::ProblemKind::Parse,
            path: "src/a.rs".into(),
            span: Some(sources.get(a).span_of_bytes(a, 22, 27)),
            message: "cannot parse file: expected `;`".into(),
        };
        let io = FileProblem {
            kind: crate::report::ProblemKind::Io,
            path: "src/bad.rs".into(),
            span: None,
            message: "file is not valid UTF-8".into(),
        };
        let text = render(|p| {
            p.problem(&parse, &sources).expect("write");
            p.problem(&io, &sources).expect("write");
        });
        println!("{text}");
        assert!(text.contains("synclint::parse"), "{text}");
        assert!(text.contains("cannot parse file: expected `;`"), "{text}");
        assert!(text.contains("[src/a.rs:2:1]"), "{text}");
        assert!(text.contains("synclint::io"), "{text}");
        assert!(
            text.contains("`src/bad.rs`: file is not valid UTF-8"),
            "{text}"
        );
    }

    #[test]
    fn hazards_are_escaped_and_labels_stay_under_their_text() {
        let mut sources = SourceMap::default();
        let a = sources.add(crate::source::SourceFile::new(
            "src/\u{1b}]0;t\u{7}.rs",
            "async fn f(m: &std::sync::Mutex<u8>) {\n    \
             /* \u{1b}[2J\u{202e} */ let g = m.lock().unwrap();\r\n    \
             x().await;\n}\n",
            crate::source::Edition::E2021,
        ));
        let mut finding = sample_finding(&sources, a, None);
        finding.message = "`MutexGuard` on `\u{1b}[31m` held".into();
        let text = render(|p| p.finding(&finding, &sources).expect("write"));
        println!("{text}");
        assert!(
            !text.contains(['\u{1b}', '\u{7}', '\u{202e}', '\r']),
            "{text}"
        );
        assert!(text.contains("[src/\\u{1b}]0;t\\u{7}.rs:2:25]"), "{text}");
        assert!(text.contains("/* \\u{1b}[2J\\u{202e} */ let g"), "{text}");
        assert!(text.contains("on `\\u{1b}[31m` held"), "{text}");
        let lines: Vec<&str> = text.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.contains("let g = "))
            .expect("the snippet line");
        let column =
            |line: &str, needle: &str| line.find(needle).map(|i| line[..i].chars().count());
        assert_eq!(
            column(lines[at + 1], "─"),
            column(lines[at], "m.lock()"),
            "{text}"
        );
    }

    /// A file of `lines` numbered lines, `let x{n} = 1;`, with its sources.
    fn numbered(lines: usize) -> (SourceMap, FileId) {
        let mut sources = SourceMap::default();
        let text: String = (1..=lines)
            .map(|n| format!("    let x{n} = {n};\n"))
            .collect();
        let id = sources.add(crate::source::SourceFile::new(
            "src/long.rs",
            text,
            crate::source::Edition::E2021,
        ));
        (sources, id)
    }

    fn finding_at(sources: &SourceMap, id: FileId, sites: &[(&str, &str)]) -> Finding {
        let span = |needle: &str| crate::report::testing::span_of(sources, id, needle);
        Finding {
            rule: "lock-order-inversion",
            severity: Severity::Warn,
            primary: span(sites[0].0),
            message: "inverted".into(),
            labels: sites
                .iter()
                .map(|(needle, message)| Label {
                    span: span(needle),
                    message: message.to_string(),
                })
                .collect(),
            help: String::new(),
            fix: None,
        }
    }

    #[test]
    fn far_apart_labels_show_their_own_lines_only() {
        let (sources, id) = numbered(400);
        let finding = finding_at(
            &sources,
            id,
            &[
                ("let x5 ", "first"),
                ("let x150 ", "second"),
                ("let x260 ", "third"),
                ("let x390 ", "fourth"),
            ],
        );
        let text = render(|p| p.finding(&finding, &sources).expect("write"));
        println!("{text}");
        for line in [4, 5, 6, 149, 150, 151, 259, 260, 261, 389, 390, 391] {
            assert!(text.contains(&format!("let x{line} = ")), "{line}: {text}");
        }
        for line in [8, 100, 148, 152, 200, 258, 262, 300, 388] {
            assert!(!text.contains(&format!("let x{line} = ")), "{line}: {text}");
        }
        // One snippet per site, each with its own header.
        assert_eq!(text.matches("╭─[src/long.rs:").count(), 4, "{text}");
        // Sites whose lines touch share one snippet.
        let near = finding_at(&sources, id, &[("let x300 ", "a"), ("let x302 ", "b")]);
        let text = render(|p| p.finding(&near, &sources).expect("write"));
        assert_eq!(text.matches("╭─[src/long.rs:").count(), 1, "{text}");
    }

    #[test]
    fn labels_on_one_span_read_as_one_place() {
        let (sources, id) = numbered(10);
        let finding = finding_at(
            &sources,
            id,
            &[
                ("let x2 ", "taken here"),
                ("let x5 ", "`A.a` while `A.b` is held"),
                ("let x5 ", "`A.b` while `A.a` is held"),
                ("let x5 ", "`A.a` while `A.b` is held"),
            ],
        );
        let text = render(|p| p.finding(&finding, &sources).expect("write"));
        println!("{text}");
        assert!(
            text.contains("╰── `A.a` while `A.b` is held; `A.b` while `A.a` is held\n"),
            "{text}"
        );
        assert_eq!(text.matches("╰── ").count(), 2, "{text}");
    }

    #[test]
    fn code_lines_are_never_wrapped() {
        let mut sources = SourceMap::default();
        let line = format!(
            "fn f() {{ let g = m.lock(); {} x().await; }}",
            "y(); ".repeat(30)
        );
        let id = sources.add(crate::source::SourceFile::new(
            "src/wide.rs",
            format!("{line}\n"),
            crate::source::Edition::E2021,
        ));
        let finding = finding_at(
            &sources,
            id,
            &[("m.lock()", "acquired"), (".await", "held")],
        );
        let mut out = Vec::new();
        let style = Style {
            color: false,
            width: 40,
        };
        HumanPrinter::new(&mut out, style)
            .finding(&finding, &sources)
            .expect("write");
        let text = String::from_utf8(out).expect("utf-8");
        println!("{text}");
        assert!(text.contains(&format!(" 1 │ {line}\n")), "{text}");
    }

    #[test]
    fn footer_counts() {
        let s = |findings, files_with_findings, files_checked, problems| {
            footer(&Summary {
                files_checked,
                findings,
                files_with_findings,
                problems,
                baselined: 0,
            })
        };
        assert_eq!(s(0, 0, 1, 0), "no findings (1 file checked)");
        assert_eq!(s(2, 1, 5, 0), "2 findings in 1 file (5 files checked)");
        assert_eq!(
            s(1, 1, 3, 2),
            "1 finding in 1 file (3 files checked, 2 files could not be checked)"
        );
        let hidden = Summary {
            files_checked: 4,
            baselined: 3,
            ..Summary::default()
        };
        assert_eq!(
            footer(&hidden),
            "no findings (4 files checked, 3 findings hidden by the baseline)"
        );
    }
}
