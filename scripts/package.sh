#!/usr/bin/env bash
# Builds the release .deb with the Tauri bundler (offline):
#   target/release/bundle/deb/Dockward_<version>_amd64.deb
# AppImage (`npx tauri build --bundles appimage`) downloads linuxdeploy at
# build time; macOS (.app/.dmg) and Windows (.msi/NSIS) bundles are built on
# those systems with `npx tauri build`. See README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
npx tauri build --bundles deb
deb=$(ls -t target/release/bundle/deb/*.deb | head -1)
echo "$deb: $(du -k "$deb" | cut -f1) KiB, installed $(dpkg-deb -f "$deb" Installed-Size) KiB"
