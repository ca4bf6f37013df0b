//! Errors of the tool itself (bad arguments, missing paths, unknown rule ids), as
//! opposed to findings. Each has a stable diagnostic code.
//!
//! Per-file problems (unreadable or unparsable files) are not errors here: they are
//! collected as [`FileProblem`](crate::FileProblem)s so that one bad file never stops a run.

use std::path::PathBuf;

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
