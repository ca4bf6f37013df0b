//! The `github` format: GitHub Actions workflow commands that annotate the pull
//! request, one line per finding.
//!
//! ```text
//! ::warning file=src/cache.rs,line=12,col=9,endLine=12,endColumn=27,title=lock-across-await::`MutexGuard` held across `.await`%0A  src/cache.rs:14:30: still held at this `.await`%0Ahelp: ...
//! ::error file=src/broken.rs,line=3,col=1,title=parse::cannot parse file: expected `;`
//! ```
//!
//! Deny findings are `::error`, warn findings `::warning`, notes `::notice`. The
//! message carries every labelled site and the help on lines of their own.
//!
//! Everything that comes from input is escaped as the runner expects, so that no file
//! name or message can end the command early or start a new one: in the message `%`,
//! `\r` and `\n` become `%25`, `%0D` and `%0A`; in properties (`file=`, `title=`) `:`
//! and `,` also become `%3A` and `%2C`. A record is therefore always one line.
//! Before that, the other controls and the bidi characters in file names, messages,
//! labels and help are escaped as `\u{..}` (see [`escape`]), and backslashes in file
//! names doubled, so that the annotation shows no raw control either.

use std::io::{self, Write};

use crate::report::escape::{self, Keep};
use crate::report::finding::Finding;
use crate::report::finding::Severity;
use crate::report::FileProblem;
use crate::source::SourceMap;

/// Streams one workflow command per finding or file problem.
#[derive(Debug)]
pub struct GithubPrinter<W> {
    out: W,
}

impl<W: Write> GithubPrinter<W> {
    /// A printer writing to `out`.
    pub fn new(out: W) -> GithubPrinter<W> {
        GithubPrinter { out }
    }

    /// `::warning file=..,line=..,col=..,endLine=..,endColumn=..,title=rule-id::message`.
    pub fn finding(&mut self, finding: &Finding, sources: &SourceMap) -> io::Result<()> {
        let p = finding.primary;
        let command = match finding.severity {
            Severity::Deny => "error",
            Severity::Warn => "warning",
            Severity::Note => "notice",
        };
        let mut message = escape::text(&finding.message, Keep::LineBreaks).into_owned();
        for label in &finding.labels {
            let span = label.span;
            message.push_str(&format!(
                "\n  {}:{}:{}: {}",
                escape::path(&sources.get(span.file).display_path()),
                span.line,
                span.column,
                escape::text(&label.message, Keep::LineBreaks)
            ));
        }
        if !finding.help.is_empty() {
            message.push_str(&format!(
                "\nhelp: {}",
                escape::text(&finding.help, Keep::LineBreaks)
            ));
        }
        writeln!(
            self.out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&escape::path(&sources.get(p.file).display_path())),
            p.line,
            p.column,
            p.end_line,
            p.end_column,
            escape_property(finding.rule),
            escape_data(&message),
        )
    }

    /// `::error file=..,line=..,col=..,title=parse::message`, without the position
    /// when the problem has none.
    pub fn problem(&mut self, problem: &FileProblem, sources: &SourceMap) -> io::Result<()> {
        let file = escape_property(&escape::path(&super::problem_path(problem, sources)));
        let title = escape_property(super::problem_kind(problem));
        let message = escape_data(&escape::text(&problem.message, Keep::LineBreaks));
        match problem.span {
            Some(span) => writeln!(
                self.out,
                "::error file={file},line={},col={},title={title}::{message}",
                span.line, span.column
            ),
            None => writeln!(self.out, "::error file={file},title={title}::{message}"),
        }
    }

    /// Flushes the output.
    pub fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Escapes a command's message: `%`, `\r`, `\n`.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: as [`escape_data`], plus `:` and `,`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testing::{sample_finding, sample_sources};

    #[test]
    fn one_escaped_line_per_finding() {
        let (sources, a, b) = sample_sources();
        let mut out = Vec::new();
        let mut p = GithubPrinter::new(&mut out);
        let mut finding = sample_finding(&sources, a, Some(b));
        finding.message = "100% bad\r\n::error::injected".to_string();
        p.finding(&finding, &sources).expect("write");
        p.finish().expect("flush");
        let text = String::from_utf8(out).expect("utf-8");
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.starts_with(
            "::warning file=src/a.rs,line=3,col=13,endLine=3,endColumn=30,title=lock-across-await::100%25 bad\\u{d}%0A::error::injected%0A  src/a.rs:3:13: lock acquired here"
        ), "{text}");
    }

    #[test]
    fn properties_escape_separators() {
        assert_eq!(escape_property("a,b:c%\n"), "a%2Cb%3Ac%25%0A");
        assert_eq!(escape_data("a,b:c"), "a,b:c");
    }
}
