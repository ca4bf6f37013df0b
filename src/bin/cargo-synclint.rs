//! The `cargo-synclint` binary, which cargo runs for `cargo synclint` as
//! `cargo-synclint synclint [ARGS]`.
//!
//! It behaves like `synclint`, except that with no paths it reads the workspace's
//! manifests for which packages to check (the one around the current folder, or those
//! `--workspace`, `-p` and `--manifest-path` select; see
//! [`synclint::discover::cargo_plan`]). It starts no program, cargo included:
//! nothing is built, downloaded or run.

use std::process::ExitCode;

use synclint::cli::{self, Invocation};

fn main() -> ExitCode {
    cli::run(std::env::args_os(), Invocation::Cargo)
}
