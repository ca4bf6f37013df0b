//! The `synclint` binary: hands the command line to [`synclint::cli::run`] and returns
//! its exit code. Everything else lives in the library so that `cargo-synclint`
//! shares it.

use std::process::ExitCode;

use synclint::cli::{self, Invocation};

fn main() -> ExitCode {
    cli::run(std::env::args_os(), Invocation::Synclint)
}
