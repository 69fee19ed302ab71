#!/usr/bin/env bash
# The app as installed: .deb and installed sizes, seconds from launch to the
# first table, CPU while idle between checks, memory. Needs root (dpkg), an
# engine (scripts/test-engine.sh), and the .deb from `make package`.
#
#   bench/package.sh [IDLE_SECONDS]   (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
idle=${1:-60}
deb=$(ls -t target/release/bundle/deb/*.deb | head -1)
pkg=$(dpkg-deb -f "$deb" Package)
eval "$(scripts/test-engine.sh start)"
dpkg -i "$deb" >/dev/null
display=:$((400 + RANDOM % 100))
Xvfb "$display" -screen 0 1280x860x24 -nolisten tcp >/dev/null 2>&1 &
xp=$!
cleanup() { kill "$xp" 2>/dev/null || true; dpkg -r "$pkg" >/dev/null 2>&1 || true; }
trap cleanup EXIT
export DISPLAY=$display DOCKWARD_DB="$(mktemp -d)/bench.db"
echo "deb_kib $(du -k "$deb" | cut -f1)"
echo "installed_kib $(dpkg-deb -f "$deb" Installed-Size)"
echo "binary_bytes $(stat -c %s /usr/bin/dockward-app)"
tests/e2e/desktop/with-notifications.sh sh -c "
  '$PWD/.tools/bin/tauri-driver' --port 4444 >/tmp/dockward-bench-driver.log 2>&1 &
  d=\$!
  sleep 1
  python3 bench/package_probe.py /usr/bin/dockward-app $idle
  kill \$d
"
