#!/usr/bin/env bash
# Build the UI (ui/ → ui/dist) with trunk, installing the pinned tools it needs when missing:
# the wasm32 target, trunk 0.21.14, wasm-bindgen-cli equal to the wasm-bindgen in Cargo.lock, and
# wasm-opt 132 from npm (Debian's wasm-opt 108 produces wasm that fails at start-up). Offline-safe:
# trunk never downloads tools here. Pass --debug for a debug build.
set -euo pipefail
cd "$(dirname "$0")/.."
TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/[" ]/, "", $0); sub("version=", "", $0); print; exit}' Cargo.lock)

rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
if ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
  cargo install --locked trunk --version "$TRUNK_VERSION"
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  # Not --locked: its own lockfile pins a crate version the registry mirror lacks.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi
if [ ! -x ui/node_modules/.bin/wasm-opt ]; then
  (cd ui && npm install --no-audit --no-fund --silent)
fi
export PATH="$PWD/ui/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export TRUNK_OFFLINE=true
# The wasm carries only the time zones places here can use: China's, and Etc/UTC's (the full
# database is ~0.8 MB of wasm; all of Asia's, 1.8 KB gzip more than China's).
export CHRONO_TZ_TIMEZONE_FILTER='(Asia/(Shanghai|Urumqi|Hong_Kong|Macau|Taipei)|Etc/.*|UTC)'
cd ui
if [ "${1:-}" = "--debug" ]; then trunk build; else trunk build --release; fi
