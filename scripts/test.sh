#!/usr/bin/env bash
# Every test Dockward has, from a fresh machine: set-up, a Docker engine,
# front-end checks, Rust unit/CLI/integration tests, the secret-rule examples,
# then the built app driven end to end under a virtual display.
set -euo pipefail
# CI builds from scratch every time: incremental caches only cost disk there.
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}
cd "$(dirname "$0")/.."
root=$(pwd)
say() { printf '\n\033[1;36m==>\033[0m %s\n' "$*"; }

scripts/setup.sh --test

say "Docker engine and a local registry"
eval "$(scripts/test-engine.sh start)"
eval "$(scripts/test-registry.sh start)"
export DOCKWARD_TEST_LABEL="run-$$"
export DOCKWARD_REQUIRE_ENGINE=1
xvfb_pid=""
cleanup() {
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
  tests/fixtures/engine-fixtures.sh remove "$DOCKWARD_TEST_LABEL" || true
  if [ "${DOCKWARD_STARTED_ENGINE:-}" = 1 ]; then scripts/test-engine.sh stop; fi
  if [ "${DOCKWARD_STARTED_REGISTRY:-}" = 1 ]; then scripts/test-registry.sh stop; fi
}
trap cleanup EXIT

say "front end: type check, unit tests, build"
npm run --silent check
npm test --silent
npm run --silent build

say "Rust: format, lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings

say "Rust: unit, CLI and real-engine integration tests"
cargo test --workspace

say "generated TypeScript bindings are committed and current"
if git rev-parse --git-dir >/dev/null 2>&1; then
  if [ -n "$(git status --porcelain -- ui/src/lib/bindings)" ]; then
    git status --short -- ui/src/lib/bindings
    echo "ui/src/lib/bindings differs from the Rust types: commit the regenerated files" >&2
    exit 1
  fi
fi

say "secret rules: compile and run every example"
cargo run --quiet -- rules check

say "end to end: the built app under Xvfb, driven by tauri-driver, with a notification server on its session bus"
cargo build -p dockward-app --quiet
display=:$((90 + RANDOM % 100))
Xvfb "$display" -screen 0 1280x860x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
export DISPLAY=$display
# The app under test records into a throwaway database, not the user's.
DOCKWARD_DB="$(mktemp -d)/e2e.db"
export DOCKWARD_DB
# …and reads a Docker Desktop settings fixture (this machine has none).
export DOCKWARD_DESKTOP_SETTINGS="$root/tests/fixtures/desktop/macos-settings-store.json"
DOCKWARD_APP="$root/target/debug/dockward-app" tests/e2e/desktop/with-notifications.sh tests/e2e/run.sh

say "the app as people install it: a .deb of the test build, installed with dpkg, its desktop entry and icon, opened"
if [ "$(id -u)" -eq 0 ]; then
  # The debug build the e2e test used, bundled (release bundles: make package).
  npx tauri build --debug --bundles deb >/tmp/dockward-bundle.log 2>&1 || { tail -20 /tmp/dockward-bundle.log; exit 1; }
  scripts/package-test.sh "$(ls -t target/debug/bundle/deb/*.deb | head -1)"
else
  echo "skipped: installing a .deb needs root (run make package-test as root)"
fi
