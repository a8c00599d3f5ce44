#!/usr/bin/env bash
# Build and run Ridermap on a fresh machine: the UI (scripts/ui.sh installs what it needs), the
# `ridermap` binary, then the app on http://127.0.0.1:8478 on a store with the illustrative
# Yinhang demo data (kept in target/demo.sqlite). Open that address in a browser; Ctrl-C stops.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ui.sh
cargo build --release --locked -p ridermap-cli
export RIDERMAP_DB="${RIDERMAP_DB:-$PWD/target/demo.sqlite}"
echo "store: $RIDERMAP_DB"
echo "A taste of the command line first:"
target/release/ridermap gate --compound 开鲁六村 --building 12 --at "2026-11-27 22:30"
echo
exec target/release/ridermap web --listen "${RIDERMAP_LISTEN:-127.0.0.1:8478}" --ui ui/dist
