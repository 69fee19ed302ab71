#!/usr/bin/env bash
# Starts tauri-driver and runs the end-to-end tests against the built app
# (DOCKWARD_APP). scripts/test.sh runs this under Xvfb and
# desktop/with-notifications.sh, so the app has a session bus with a
# notification server, as on a desktop.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
"$root/.tools/bin/tauri-driver" --port 4444 >/tmp/dockward-tauri-driver.log 2>&1 &
driver_pid=$!
trap 'kill $driver_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 40); do (exec 3<>/dev/tcp/127.0.0.1/4444) 2>/dev/null && break; sleep 0.25; done
DOCKWARD_APP=${DOCKWARD_APP:-$root/target/debug/dockward-app} cargo test --manifest-path "$root/tests/e2e/Cargo.toml" "$@"
