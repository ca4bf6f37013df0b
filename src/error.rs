//! Errors of the tool itself (bad arguments, missing paths, unknown rule ids, bad
//! configuration, a bad baseline, cargo failing), as opposed to findings. Each has a
//! stable diagnostic code, and configuration errors carry a label into the TOML.
//!
//! Per-file problems (unreadable or unparsable files) are not errors here: they are
//! collected as [`FileProblem`](crate::FileProblem)s so that one bad file never stops a run.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode};

/// A tool error that stops the run with exit code 2.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    /// A path named on the command line does not exist.
    #[error("path `{}` does not exist", .0.display())]
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
    #[error("no `Cargo.toml` in `{}` or any folder above it", .dir.display())]
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
    #[error("baseline `{}` is not valid: {message}", .path.display())]
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
    #[error("{context}: {source}")]
    #[diagnostic(code(synclint::io))]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        source: std::io::Error,
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
}

impl ConfigErrorKind {
    /// The diagnostic code.
    pub fn code(self) -> &'static str {
        match self {
            ConfigErrorKind::Syntax => "synclint::config::syntax",
            ConfigErrorKind::UnknownKey => "synclint::config::unknown_key",
            ConfigErrorKind::UnknownRule => "synclint::config::unknown_rule",
            ConfigErrorKind::InvalidValue => "synclint::config::invalid_value",
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
    source: NamedSource<String>,
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
            source: NamedSource::new(crate::source::display_path(path), text.to_string()),
        }
    }

    /// The labelled byte range.
    pub fn span_range(&self) -> Range<usize> {
        self.span.clone()
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
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
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let len = self.span.end - self.span.start;
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(Some(self.label.clone()), (self.span.start, len)),
        )))
    }
}
