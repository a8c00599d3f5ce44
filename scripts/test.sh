#!/usr/bin/env bash
# Every test: unit, integration (real SQLite files, the real `ridermap` binary), property tests with a
# short case count, server tests on SQLite and PostgreSQL, and a smoke run of the benchmarks.
# Set RIDERMAP_LONG=1 for long property runs.
set -euo pipefail
cd "$(dirname "$0")/.."
# Every server test runs on SQLite and on a real PostgreSQL, started (and installed) here.
RIDERMAP_TEST_PG="${RIDERMAP_TEST_PG:-$(bash scripts/postgres.sh)}"
export RIDERMAP_TEST_PG RIDERMAP_REQUIRE_PG=1
cargo test --workspace --locked
# Short benchmark run: proves the bench still works and its in-run assertions hold (figures are not
# judged here; see BENCHMARKS.md for the full run).
cargo run --locked -q -p ridermap-bench --bin ridermap-bench -- --places 3000 --queries 30 >/dev/null
cargo run --locked -q -p ridermap-bench --bin sync-bench -- --places 300 --devices 20 >/dev/null
cargo run --locked -q -p ridermap-bench --bin sync-bench -- --places 300 --devices 20 --postgres >/dev/null
echo "benchmark smoke run: ok"
