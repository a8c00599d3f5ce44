#!/usr/bin/env bash
# Build and run Ridermap on a fresh machine: installs what is missing (scripts/setup.sh app,
# scripts/ui.sh), builds the UI and the app, and opens the app's window. Its store lives in the app
# data dir (~/.local/share/org.ridermap.app/ridermap.sqlite, or RIDERMAP_DB) and gets the
# illustrative Yinhang demo data on first run.
#   bash scripts/run.sh       the app window (falls back to `web` where there is no display)
#   bash scripts/run.sh web   the same UI and commands served to a browser on http://127.0.0.1:8478
#                             (RIDERMAP_LISTEN to change), on target/demo.sqlite; Ctrl-C stops.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-app}"
bash scripts/setup.sh app
bash scripts/ui.sh
if [ "$mode" = app ] && [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "no display here (DISPLAY and WAYLAND_DISPLAY are unset): serving the app to a browser instead" >&2
  mode=web
fi
case "$mode" in
  app)
    cargo build --release --locked -p ridermap-app
    exec target/release/ridermap-app
    ;;
  web)
    cargo build --release --locked -p ridermap-cli
    export RIDERMAP_DB="${RIDERMAP_DB:-$PWD/target/demo.sqlite}"
    echo "store: $RIDERMAP_DB"
    echo "A taste of the command line first:"
    target/release/ridermap gate --compound 开鲁六村 --building 12 --at "2026-11-27 22:30"
    echo
    exec target/release/ridermap web --listen "${RIDERMAP_LISTEN:-127.0.0.1:8478}" --ui ui/dist
    ;;
  *)
    echo "usage: bash scripts/run.sh [app|web]" >&2
    exit 2
    ;;
esac
