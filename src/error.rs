//! Errors of the tool itself (bad arguments, missing paths, unknown rule ids, bad
//! configuration, a bad baseline, cargo failing), as opposed to findings. Each has a
//! stable diagnostic code, and configuration errors carry a label into the TOML.
//!
//! Per-file problems (unreadable or unparsable files) are not errors here: they are
//! collected as [`FileProblem`](crate::FileProblem)s so that one bad file never stops a run.
//!
//! What an error shows can come from the scanned tree or from a path (a file name, a
//! key or value of a configuration file, cargo's message about a manifest), so it is
//! shown escaped as the printers show findings ([`crate::report::escape`]): paths in
//! messages through [`escape::path`], a configuration file's text through the same
//! [`SnippetView`] as a finding's snippet, and every other text of a diagnostic on
//! its way to the terminal through [`Shown`].

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use miette::{Diagnostic, LabeledSpan, MietteError, SourceCode, SourceSpan, SpanContents};

use crate::report::escape::{self, Keep};
use crate::report::snippet::SnippetView;

/// A tool error that stops the run with exit code 2.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    /// A path named on the command line does not exist.
    #[error("path `{}` does not exist", shown_path(.0))]
    #[diagnostic(code(synclint::path::not_found))]
    PathNotFound(PathBuf),

    /// A rule id that no rule has.
    #[error("unknown rule `{id}`")]
    #[diagnostic(code(synclint::rule::unknown), help("{help}"))]
    UnknownRule {
        /// The id as given.
        id: String,
        /// A suggestion or the way to list rules.
        help: String,
    },

    /// `cargo synclint` was run outside any package.
    #[error("no `Cargo.toml` in `{}` or any folder above it", shown_path(.dir))]
    #[diagnostic(
        code(synclint::cargo::no_manifest),
        help("run `cargo synclint` inside a package, or name the files to check")
    )]
    NoManifest {
        /// The folder the search started from.
        dir: PathBuf,
    },

    /// The workspace's manifests could not be read (a missing member, a manifest
    /// that is not valid TOML).
    #[error("cannot read the workspace: {message}")]
    #[diagnostic(
        code(synclint::cargo::workspace),
        help("check the workspace's `Cargo.toml` files, or name the files to check")
    )]
    Workspace {
        /// What went wrong.
        message: String,
    },

    /// `-p NAME` names no package of the workspace.
    #[error("package `{name}` is not in this workspace")]
    #[diagnostic(code(synclint::cargo::unknown_package), help("{help}"))]
    UnknownPackage {
        /// The name as given.
        name: String,
        /// A suggestion or the list of packages.
        help: String,
    },

    /// A configuration file that is not valid.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(Box<ConfigError>),

    /// A baseline file that cannot be used.
    #[error("baseline `{}` is not valid: {message}", shown_path(.path))]
    #[diagnostic(
        code(synclint::baseline::invalid),
        help("write a new one with `--write-baseline`")
    )]
    Baseline {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },

    /// An I/O error outside any one source file.
    #[error("{context}: {error}")]
    #[diagnostic(code(synclint::io))]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error, shown in the message (not as a cause, which would
        /// repeat it).
        error: std::io::Error,
    },
}

/// What kind of configuration error, which decides its diagnostic code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigErrorKind {
    /// Not valid TOML (`synclint::config::syntax`).
    Syntax,
    /// A key synclint does not know (`synclint::config::unknown_key`).
    UnknownKey,
    /// A rule id that no rule has (`synclint::config::unknown_rule`).
    UnknownRule,
    /// A value of the wrong type or shape (`synclint::config::invalid_value`).
    InvalidValue,
    /// A `lock-order` name that no lock of the checked crates has
    /// (`synclint::config::unknown_lock`).
    UnknownLock,
}

impl ConfigErrorKind {
    /// The diagnostic code.
    pub fn code(self) -> &'static str {
        match self {
            ConfigErrorKind::Syntax => "synclint::config::syntax",
            ConfigErrorKind::UnknownKey => "synclint::config::unknown_key",
            ConfigErrorKind::UnknownRule => "synclint::config::unknown_rule",
            ConfigErrorKind::InvalidValue => "synclint::config::invalid_value",
            ConfigErrorKind::UnknownLock => "synclint::config::unknown_lock",
        }
    }
}

/// A configuration error with a label on the offending part of the file.
#[derive(Debug)]
pub struct ConfigError {
    /// What kind of error.
    pub kind: ConfigErrorKind,
    /// What is wrong, lower-case.
    pub message: String,
    /// The label's text.
    pub label: String,
    /// A suggestion, such as "did you mean `lock-across-await`?".
    pub help: Option<String>,
    /// Where, in bytes of the file's text.
    pub span: Range<usize>,
    /// The file's name as shown.
    name: String,
    /// The file's text, for the header's line and column.
    text: String,
    /// The file's text as shown: hazards escaped, long lines cut around the span.
    view: SnippetView<'static>,
    /// The other errors found in the same file, in the order of the text; shown
    /// after this one.
    pub also: Vec<ConfigError>,
}

impl ConfigError {
    /// An error about `text`, the contents of the file at `path`.
    pub fn new(
        kind: ConfigErrorKind,
        path: &Path,
        text: &str,
        span: Range<usize>,
        message: String,
        label: String,
        help: Option<String>,
    ) -> ConfigError {
        let end = span.end.min(text.len());
        let start = span.start.min(end);
        ConfigError {
            kind,
            message,
            label,
            help,
            span: start..end,
            name: shown_path(path),
            text: text.to_string(),
            view: SnippetView::new(text, &[start, end]).into_owned(),
            also: Vec::new(),
        }
    }

    /// The labelled byte range.
    pub fn span_range(&self) -> Range<usize> {
        self.span.clone()
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&escape::text(&self.message, Keep::LineBreaks))?;
        match self.also.len() {
            0 => Ok(()),
            1 => f.write_str(" (and 1 more error in the file)"),
            n => write!(f, " (and {n} more errors in the file)"),
        }
    }
}

impl std::error::Error for ConfigError {}

impl Diagnostic for ConfigError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.kind.code()))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(escape::text(h, Keep::LineBreaks)) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(self)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.also.is_empty() {
            return None;
        }
        Some(Box::new(self.also.iter().map(|e| e as &dyn Diagnostic)))
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let start = self.view.to_view(self.span.start);
        let end = self.view.to_view(self.span.end);
        let label = escape::text(&self.label, Keep::LineBreaks).into_owned();
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(Some(label), (start, end - start)),
        )))
    }
}

/// The configuration file as miette draws it: its escaped view under its shown name.
impl SourceCode for ConfigError {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        self.view.read_span(
            &self.name,
            span,
            context_lines_before,
            context_lines_after,
            |offset| line_col(&self.text, offset),
        )
    }
}

/// The 1-based line and 1-based character column of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let column = before[line_start..].chars().count() + 1;
    let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    (clamp(line), clamp(column))
}

/// A path as errors and notices show it: as the text reports show file names,
/// escaped with its backslashes doubled.
pub fn shown_path(path: &Path) -> String {
    escape::path(&crate::source::display_path(path)).into_owned()
}

/// A diagnostic on its way to the terminal: its message, the messages of its causes,
/// its help and its labels escaped ([`Keep::LineBreaks`]), so that nothing a tree or a
/// path put into them reaches the terminal raw. Its source, if any, is its own (a
/// configuration file's is its escaped view).
#[derive(Debug)]
pub struct Shown {
    inner: Box<dyn Diagnostic + Send + Sync>,
    message: String,
    help: Option<String>,
    cause: Option<Box<Cause>>,
}

/// One escaped message of a diagnostic's chain of causes.
#[derive(Debug)]
struct Cause {
    message: String,
    next: Option<Box<Cause>>,
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.next
            .as_deref()
            .map(|c| c as &(dyn std::error::Error + 'static))
    }
}

impl Shown {
    /// `inner` with its texts escaped.
    pub fn new(inner: impl Diagnostic + Send + Sync + 'static) -> Shown {
        let safe = |s: String| escape::text(&s, Keep::LineBreaks).into_owned();
        let mut causes = Vec::new();
        let mut next = inner.source();
        while let Some(cause) = next {
            causes.push(safe(cause.to_string()));
            next = cause.source();
        }
        let cause = causes.into_iter().rev().fold(None, |next, message| {
            Some(Box::new(Cause { message, next }))
        });
        Shown {
            message: safe(inner.to_string()),
            help: inner.help().map(|h| safe(h.to_string())),
            cause,
            inner: Box::new(inner),
        }
    }
}

impl From<Error> for Shown {
    fn from(err: Error) -> Shown {
        Shown::new(err)
    }
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Shown {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause
            .as_deref()
            .map(|c| c as &(dyn std::error::Error + 'static))
    }
}

impl Diagnostic for Shown {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.inner.code()
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.inner.severity()
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.inner.source_code()
    }

    /// The inner diagnostic's, which escape their own texts (only configuration
    /// errors have any).
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        self.inner.related()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let labels = self.inner.labels()?;
        Some(Box::new(labels.map(|l| {
            let text = l
                .label()
                .map(|t| escape::text(t, Keep::LineBreaks).into_owned());
            if l.primary() {
                LabeledSpan::new_primary_with_span(text, *l.inner())
            } else {
                LabeledSpan::new_with_span(text, *l.inner())
            }
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(diagnostic: &dyn Diagnostic) -> String {
        let mut out = String::new();
        crate::report::human::handler(crate::report::Style::default())
            .render_report(&mut out, diagnostic)
            .expect("render");
        out
    }

    #[test]
    fn a_config_error_is_drawn_from_its_escaped_view() {
        let text = "# \u{202e}\n\"a\u{1b}]0;t\u{7}\" = 1 # \u{1b}[2J\nrules = {}\n";
        let key = "\"a\u{1b}]0;t\u{7}\"";
        let at = text.find(key).expect("the key");
        let err = ConfigError::new(
            ConfigErrorKind::UnknownKey,
            Path::new("./x\u{1b}.toml"),
            text,
            at..at + key.len(),
            "unknown key `a\u{1b}]0;t\u{7}`".to_string(),
            "unknown \u{7} key".to_string(),
            Some("keys are `\u{202e}`".to_string()),
        );
        assert_eq!(
            err.span_range(),
            at..at + key.len(),
            "the file's own offsets"
        );
        let shown = render(&Shown::new(Error::Config(Box::new(err))));
        assert!(!shown.contains(['\u{1b}', '\u{7}', '\u{202e}']), "{shown}");
        assert!(
            shown.contains("unknown key `a\\u{1b}]0;t\\u{7}`"),
            "{shown}"
        );
        assert!(shown.contains("[x\\u{1b}.toml:2:1]"), "{shown}");
        assert!(
            shown.contains("\"a\\u{1b}]0;t\\u{7}\" = 1 # \\u{1b}[2J"),
            "{shown}"
        );
        assert!(shown.contains("unknown \\u{7} key"), "{shown}");
        assert!(shown.contains("keys are `\\u{202e}`"), "{shown}");
        // The label covers the key as shown: from its opening quote to its closing one.
        let lines: Vec<&str> = shown.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.contains("\"a\\u{1b}"))
            .expect("the snippet line");
        let column =
            |line: &str, needle: &str| line.find(needle).map(|i| line[..i].chars().count());
        let under = lines[at + 1];
        assert_eq!(column(under, "─"), column(lines[at], "\"a"), "{shown}");
        assert_eq!(
            under.trim_end().chars().count(),
            lines[at]
                .find(" = 1")
                .map(|i| lines[at][..i].chars().count())
                .expect("= 1"),
            "{shown}"
        );
    }

    #[test]
    fn every_text_of_an_error_and_its_causes_is_escaped() {
        let err = Error::Io {
            context: "cannot read `a\u{1b}]0;t\u{7}`".to_string(),
            error: std::io::Error::other("b\u{202e}c"),
        };
        let shown = Shown::from(err);
        assert_eq!(
            shown.to_string(),
            "cannot read `a\\u{1b}]0;t\\u{7}`: b\\u{202e}c"
        );
        // The reason is in the message, not repeated as a cause.
        assert!(std::error::Error::source(&shown).is_none());
        let text = render(&shown);
        assert!(!text.contains(['\u{1b}', '\u{7}', '\u{202e}']), "{text}");
        assert!(text.contains("synclint::io"), "{text}");
        let help = Shown::from(Error::UnknownPackage {
            name: "p\u{1b}".to_string(),
            help: "packages: `q\u{9b}`".to_string(),
        });
        assert_eq!(
            help.to_string(),
            "package `p\\u{1b}` is not in this workspace"
        );
        let help = help.help().map(|h| h.to_string());
        assert_eq!(help.as_deref(), Some("packages: `q\\u{9b}`"));
    }

    #[test]
    fn paths_in_errors_are_escaped_with_backslashes_doubled() {
        let err = Error::PathNotFound(PathBuf::from("./a\\u{1b}\u{1b}.rs"));
        let expect = if cfg!(windows) {
            "path `a/u{1b}\\u{1b}.rs` does not exist"
        } else {
            "path `a\\\\u{1b}\\u{1b}.rs` does not exist"
        };
        assert_eq!(err.to_string(), expect);
    }

    #[test]
    fn line_col_counts_characters() {
        assert_eq!(line_col("ab\né\u{1b}x", 6), (2, 3));
        assert_eq!(line_col("ab", 0), (1, 1));
        assert_eq!(line_col("é", 1), (1, 1), "inside a char: its start");
        assert_eq!(line_col("ab", 99), (1, 3), "clamped");
    }
}
