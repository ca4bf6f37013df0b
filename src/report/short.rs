//! The `short` format: one line per finding, for editor problem matchers (VS Code,
//! vim's `errorformat`, emacs's compilation mode) and for grep.
//!
//! ```text
//! src/cache.rs:12:9: warning[lock-across-await]: `MutexGuard` held across `.await`
//! src/broken.rs:3:1: error[parse]: cannot parse file: expected `;`
//! src/latin1.rs: error[io]: file is not valid UTF-8 (invalid byte at line 2, column 5)
//! ```
//!
//! Lines and columns are 1-based; columns count characters. Labels and help are left
//! out: the line is the finding's primary site. Nothing is printed for a clean run.
//!
//! One record is one line whatever the input, and its first colon ends the path: in
//! a path, controls, bidi characters and colons are escaped as `\u{..}` (a leading
//! drive such as `C:` is kept on Windows) and a backslash is doubled; in a message,
//! whitespace runs become one space and the other controls are escaped. A problem
//! matcher can therefore read the path as everything up to the first colon.

use std::io::{self, Write};

use crate::report::escape::{self, Keep};
use crate::report::finding::Finding;
use crate::report::FileProblem;
use crate::source::SourceMap;

/// Streams one line per finding or file problem.
#[derive(Debug)]
pub struct ShortPrinter<W> {
    out: W,
}

impl<W: Write> ShortPrinter<W> {
    /// A printer writing to `out`.
    pub fn new(out: W) -> ShortPrinter<W> {
        ShortPrinter { out }
    }

    /// `path:line:col: severity[rule-id]: message`.
    pub fn finding(&mut self, finding: &Finding, sources: &SourceMap) -> io::Result<()> {
        let span = finding.primary;
        writeln!(
            self.out,
            "{}:{}:{}: {}[{}]: {}",
            escape::short_path(&sources.get(span.file).display_path()),
            span.line,
            span.column,
            finding.severity.as_str(),
            finding.rule,
            one_line(&finding.message),
        )
    }

    /// `path:line:col: error[parse]: message`, or `path: error[io]: message` when the
    /// problem has no position.
    pub fn problem(&mut self, problem: &FileProblem, sources: &SourceMap) -> io::Result<()> {
        let path = super::problem_path(problem, sources);
        let path = escape::short_path(&path);
        let kind = super::problem_kind(problem);
        let message = one_line(&problem.message);
        match problem.span {
            Some(span) => writeln!(
                self.out,
                "{path}:{}:{}: error[{kind}]: {message}",
                span.line, span.column
            ),
            None => writeln!(self.out, "{path}: error[{kind}]: {message}"),
        }
    }

    /// Flushes the output.
    pub fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// The message on one line, so that one record is always one line: runs of
/// whitespace (line breaks included) become one space, and what is left of the
/// controls is escaped.
fn one_line(message: &str) -> String {
    let joined = message.split_whitespace().collect::<Vec<_>>().join(" ");
    escape::text(&joined, Keep::Nothing).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testing::{sample_finding, sample_sources};

    #[test]
    fn finding_and_problems_are_one_line_each() {
        let (sources, a, _) = sample_sources();
        let mut out = Vec::new();
        let mut p = ShortPrinter::new(&mut out);
        p.finding(&sample_finding(&sources, a, None), &sources)
            .expect("write");
        let parse = FileProblem {
            kind: crate::report::ProblemKind::Parse,
            path: "src/a.rs".into(),
            span: Some(sources.get(a).span_of_bytes(a, 0, 5)),
            message: "cannot parse file: expected `;`".into(),
        };
        p.problem(&parse, &sources).expect("write");
        let io = FileProblem {
            kind: crate::report::ProblemKind::Io,
            path: "./src/bad.rs".into(),
            span: None,
            message: "file is not valid UTF-8 (invalid byte at line 1, column 1)".into(),
        };
        p.problem(&io, &sources).expect("write");
        p.finish().expect("flush");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            "src/a.rs:3:13: warning[lock-across-await]: `MutexGuard` held across `.await`\n\
             src/a.rs:1:1: error[parse]: cannot parse file: expected `;`\n\
             src/bad.rs: error[io]: file is not valid UTF-8 (invalid byte at line 1, column 1)\n"
        );
    }
}
