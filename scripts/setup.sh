#!/usr/bin/env bash
# What a fresh Debian machine needs, installed only when missing. Idempotent.
#   setup.sh app   WebKitGTK and friends, to build and run the Tauri app.
#   setup.sh test  the above, plus Debian's chromium and Node.js for the browser tests,
#                  WebKitWebDriver, Xvfb and tauri-driver for the window test, and a D-Bus daemon
#                  with gnome-keyring for the keyring test, poppler's tools for the signboard test,
#                  and xdotool, the window test's keyboard in the system's file dialogs.
# PostgreSQL is scripts/postgres.sh; the UI's build tools are scripts/ui.sh.
set -euo pipefail
mode="${1:-test}"
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# libdbus-1-dev: the device keeps its sync token in a Linux desktop's Secret Service (keyring crate).
# fonts-wqy-microhei: a Chinese font the printed signboards embed (a subset of it).
want=(libwebkit2gtk-4.1-dev librsvg2-dev libayatana-appindicator3-dev libssl-dev libdbus-1-dev pkg-config
  fonts-wqy-microhei)
# poppler-utils: the signboard tests read the PDF's text (pdftotext) and render it (pdftoppm).
# xdotool: the window test types a path into the system's open/save dialog, as a user would.
[ "$mode" = test ] && want+=(chromium nodejs npm webkit2gtk-driver xvfb dbus-daemon gnome-keyring poppler-utils xdotool)
missing=()
for pkg in "${want[@]}"; do
  case "$pkg" in
    nodejs | npm) command -v "${pkg%js}" >/dev/null && continue ;; # the machine's own Node.js counts
  esac
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} (Debian packages)" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
if [ "$mode" = test ]; then
  # tauri-driver bridges WebDriver to WebKitWebDriver for the window test (crates.io; pinned).
  TAURI_DRIVER_VERSION=2.1.0
  if ! cargo install --list | grep -q "^tauri-driver v$TAURI_DRIVER_VERSION:"; then
    cargo install --locked --quiet tauri-driver --version "$TAURI_DRIVER_VERSION"
  fi
  # cargo-fuzz runs the fuzz targets (scripts/fuzz.sh; crates.io; pinned).
  CARGO_FUZZ_VERSION=0.13.2
  if ! cargo install --list | grep -q "^cargo-fuzz v$CARGO_FUZZ_VERSION:"; then
    cargo install --locked --quiet cargo-fuzz --version "$CARGO_FUZZ_VERSION"
  fi
fi
