#!/usr/bin/env bash
# Build the `ridermap` CLI and take a short tour of it on a fresh store with the demo data.
# Until the app window exists (see README), this is how Ridermap is run.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p ridermap-cli
bin=target/release/ridermap
export RIDERMAP_DB="${RIDERMAP_DB:-$PWD/target/demo.sqlite}"
echo "store: $RIDERMAP_DB"
run() { echo; echo "\$ ridermap $*"; "$bin" "$@"; }
run stats
run gate --compound 开鲁六村 --building 12 --at "2026-11-27 21:45"
run gate --compound 开鲁六村 --building 12 --at "2026-11-27 22:30"
run nearby --lat 31.3376 --lon 121.5382 --kind charger --limit 5
run nearby --lat 31.3376 --lon 121.5382 --kind rest-stop --amenity hot-water --limit 5
run search 开鲁
echo
echo "Try: $bin --help   (the store stays at $RIDERMAP_DB)"
