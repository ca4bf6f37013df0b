#!/usr/bin/env bash
# clippy-compare.sh [CORPUS] [CRATE]
#
# Times `cargo clippy` (with the concurrency lints) on one crate of the benchmark
# corpus, cold (fresh target folder, dependencies included) and warm (only the crate
# re-checked after a touch), next to `synclint` on the same sources, for
# docs/performance.md.
#
#   CORPUS defaults to target/bench-corpus (see ../shared/bench/fetch-corpus.sh);
#   CRATE defaults to tokio (the newest tokio-<version> folder in it).
#
# The crate is copied to a temporary folder without its dev-dependencies (only the
# library is checked, with `--features full` when the crate has that feature). Its
# dependencies cannot all resolve from the vendored corpus (cargo resolves every
# optional dependency of a root package, and the corpus holds only those its lock
# file uses), so `cargo fetch` first downloads them from crates.io into cargo's own
# cache, starting from the corpus lock file; the timed runs are `--offline`.
# Needs a release build of synclint (`cargo build --release`) for the last figure.
set -euo pipefail

corpus="$(cd "${1:-target/bench-corpus}" && pwd)"
crate="${2:-tokio}"
src="$(ls -d "$corpus/$crate"-[0-9]* | sort -V | tail -1)"
[[ -d "$src" ]] || { echo "clippy-compare: no $crate in $corpus" >&2; exit 1; }
synclint="$(pwd)/target/release/synclint"
script_dir="$(cd "$(dirname "$0")" && pwd)"

work="$(mktemp -d "${TMPDIR:-/tmp}/clippy-compare.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp -r "$src" "$work/crate"
cd "$work/crate"
rm -f .cargo-checksum.json Cargo.lock
# Drop every dev-dependency table: checking the library does not need them.
awk '
    /^\[/ { skip = ($0 ~ /^\[(target\.[^]]*\.)?dev-dependencies/) }
    !skip
' Cargo.toml > Cargo.toml.new
mv Cargo.toml.new Cargo.toml
lock="$script_dir/../../shared/bench/corpus/Cargo.lock"
[[ -f "$lock" ]] && cp "$lock" Cargo.lock
cargo fetch --quiet

features=()
grep -q '^full = ' Cargo.toml && features=(--features full)
lints=(-W clippy::await_holding_lock -W clippy::await_holding_refcell_ref
       -W clippy::significant_drop_in_scrutinee -W clippy::significant_drop_tightening)

# Seconds a command takes; fails with its output when it fails.
secs() {
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >"$work/log" 2>&1 || { cat "$work/log" >&2; return 1; }
    t1=$(date +%s.%N)
    awk "BEGIN { printf \"%.2f\", $t1 - $t0 }"
}

export CARGO_TARGET_DIR="$work/target"
cold=$(secs cargo clippy --offline --quiet "${features[@]}" -- "${lints[@]}")
touch src/lib.rs
warm=$(secs cargo clippy --offline --quiet "${features[@]}" -- "${lints[@]}")

echo "crate: $(basename "$src") ${features[*]}"
echo "rs_files: $(find src -name '*.rs' | wc -l)"
echo "clippy_cold_s: $cold"
echo "clippy_warm_s: $warm"
if [[ -x "$synclint" ]]; then
    s=$(secs "$synclint" --quiet --exit-zero src)
    echo "synclint_s: $s"
fi
