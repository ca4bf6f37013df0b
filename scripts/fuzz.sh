#!/usr/bin/env bash
# fuzz.sh [SECONDS]
#
# Runs the cargo-fuzz target `analyse` (fuzz/fuzz_targets/analyse.rs) for SECONDS
# (default 600), seeded with every file of fixtures/. Run it from the package root.
#
# cargo-fuzz passes nightly-only flags to rustc (the sanitizer, coverage
# instrumentation); RUSTC_BOOTSTRAP=1 lets a stable toolchain accept them. Installs
# cargo-fuzz from crates.io when it is missing. Crash inputs land in
# fuzz/artifacts/analyse/; copy each one to tests/robustness-inputs/ so that
# tests/robustness.rs keeps running it.
set -euo pipefail

seconds="${1:-600}"
root="$(cd "$(dirname "$0")/.." && pwd)"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz

seeds="$root/fuzz/corpus/analyse"
mkdir -p "$seeds"
for f in "$root"/fixtures/*/*.rs; do
    cp "$f" "$seeds/$(basename "$(dirname "$f")")-$(basename "$f")"
done

cd "$root/fuzz"
# Leak detection is off: `check_sources` frees a run's facts on a thread it does not
# wait for, and LeakSanitizer reports that thread's handle when it is still running
# at the end of an input. Inputs up to 64 kB reach the depth limits checked before
# parsing.
RUSTC_BOOTSTRAP=1 cargo fuzz run analyse -- \
    -max_total_time="$seconds" -timeout=10 -max_len=65536 -detect_leaks=0
