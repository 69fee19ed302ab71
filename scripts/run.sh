#!/usr/bin/env bash
# Builds and launches the Dockward window.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
npm run --silent build
cargo build -p dockward-app
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "no display: run this from a desktop session (or under xvfb-run for a headless look)" >&2
  exit 1
fi
exec target/debug/dockward-app
