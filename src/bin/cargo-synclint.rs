//! The `cargo-synclint` binary, which cargo runs for `cargo synclint` as
//! `cargo-synclint synclint [ARGS]`.
//!
//! It behaves like `synclint`, except that with no paths it checks the package around
//! the current folder (see [`synclint::cli::package_paths`]). It never runs cargo
//! itself and does not read cargo's workspace metadata.

use std::process::ExitCode;

use synclint::cli::{self, Invocation};

fn main() -> ExitCode {
    cli::run(std::env::args_os(), Invocation::Cargo)
}
