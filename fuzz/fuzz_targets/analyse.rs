//! Fuzz target `analyse`: feeds arbitrary bytes to the whole analysis as one file
//! (and the same text as a 2024-edition file), with every rule enabled.
//!
//! Bytes that are not UTF-8 are read lossily, as a user's file would be reported
//! rather than analysed; the target looks for panics, hangs and stack overflows, not
//! for particular findings.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use synclint::source::{Edition, SourceFile};
use synclint::{Config, Level};

/// One worker with a deep stack, built once: inside a pool, the analysis runs there
/// instead of building a pool of its own for every input.
fn pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .stack_size(512 << 20)
            .build()
            .expect("invariant: one thread can be started")
    })
}

fuzz_target!(|data: &[u8]| pool().install(|| analyse(data)));

fn analyse(data: &[u8]) {
    let text = String::from_utf8_lossy(data).into_owned();
    let mut config = Config {
        threads: Some(1),
        ..Config::default()
    };
    for rule in synclint::rules::ALL {
        config.levels.insert(rule.meta().id.to_string(), Level::Warn);
    }
    for edition in [Edition::E2021, Edition::E2024] {
        let file = SourceFile::new("fuzz.rs", text.clone(), edition);
        let report = synclint::check_sources(vec![file], &config);
        // Internal problems are caught panics: make them crashes the fuzzer keeps.
        if let Some(p) = report
            .problems
            .iter()
            .find(|p| p.kind == synclint::ProblemKind::Internal)
        {
            panic!("internal error: {}", p.message);
        }
    }
}
