#!/usr/bin/env bash
# Every test: unit, integration (real SQLite files, the real `ridermap` binary), property tests with a
# short case count, and a smoke run of the benchmarks. Set RIDERMAP_LONG=1 for long property runs.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --locked
