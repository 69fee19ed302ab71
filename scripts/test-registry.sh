#!/usr/bin/env bash
# Finds or starts a local image registry on 127.0.0.1:5000 for the tests
# (stale images: a tag that moves upstream).
#
#   eval "$(scripts/test-registry.sh start)"   # prints `export DOCKWARD_TEST_REGISTRY=…`
#   scripts/test-registry.sh stop              # stops a registry this script started
#
# A registry already answering there is used and left running. Otherwise
# Debian's docker-registry is installed if needed (as root) and started with
# its own storage and no authentication, on the loopback address only. The
# engine trusts 127.0.0.1 registries over plain HTTP by default.
set -euo pipefail
state=/tmp/dockward-test-registry-$(id -u)
addr=127.0.0.1:5000
log() { echo "test-registry: $*" >&2; }
answers() { curl -fsS "http://$addr/v2/" >/dev/null 2>&1; }

start() {
  if answers; then
    log "using the registry on $addr"
    echo "export DOCKWARD_TEST_REGISTRY=$addr"
    return
  fi
  if ! command -v docker-registry >/dev/null; then
    [ "$(id -u)" -eq 0 ] || { log "docker-registry is missing and installing it needs root; stale upstream tests will be skipped"; return; }
    log "installing Debian's docker-registry"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-registry >/dev/null
  fi
  mkdir -p "$state/data"
  cat >"$state/config.yml" <<YAML
version: 0.1
storage:
  filesystem:
    rootdirectory: $state/data
  delete:
    enabled: true
http:
  addr: $addr
YAML
  nohup docker-registry serve "$state/config.yml" >"$state/registry.log" 2>&1 &
  echo $! >"$state/registry.pid"
  for _ in $(seq 1 40); do
    if answers; then
      echo "export DOCKWARD_TEST_REGISTRY=$addr"
      echo "export DOCKWARD_STARTED_REGISTRY=1"
      return
    fi
    sleep 0.25
  done
  log "the registry did not come up; its log:"; tail -20 "$state/registry.log" >&2; exit 1
}

stop() {
  [ -f "$state/registry.pid" ] || return 0
  kill "$(cat "$state/registry.pid")" 2>/dev/null || true
  rm -rf "$state"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
