#!/usr/bin/env bash
# Runs every fuzz target (fuzz/: the GeoJSON, CSV, OSM XML and PBF readers, the sync wire decoder,
# the opening-hours field, the base-layer pack) for RIDERMAP_FUZZ_SECONDS each (default 20: CI's short run; set e.g.
# 3600 for a long one), starting from the seeds checked in under fuzz/corpus/. New inputs go to a
# scratch directory, so the checked-in corpus stays small. Prints one line per target with the
# executions it ran; a crash fails the run and leaves its input under fuzz/artifacts/.
#
# cargo-fuzz passes the compiler -Z flags; RUSTC_BOOTSTRAP lets the stable toolchain take them.
# No sanitizer (-s none): the code under test is safe Rust, and an uninstrumented build is several
# times faster to build and to run.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${RIDERMAP_FUZZ_SECONDS:-20}"
export RUSTC_BOOTSTRAP=1 CARGO_TERM_COLOR=never
cargo fuzz build -s none >/dev/null
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for target in geojson csv osm_xml osm_pbf wire hours base_pack; do
  mkdir -p "$scratch/$target"
  log="$scratch/$target.log"
  if ! cargo fuzz run -s none "$target" "$scratch/$target" "fuzz/corpus/$target" -- \
      -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536 -timeout=10 >"$log" 2>&1; then
    tail -40 "$log"
    echo "fuzz $target: FAILED (input under fuzz/artifacts/$target)" >&2
    exit 1
  fi
  runs=$(grep -o 'Done [0-9]* runs' "$log" | tail -1 | grep -o '[0-9]*')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
  echo "fuzz $target: ${runs:-?} executions in ${secs} s, coverage ${cov:-?}, no crash"
done
