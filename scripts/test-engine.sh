#!/usr/bin/env bash
# Finds or starts a Docker engine for the tests.
#
#   eval "$(scripts/test-engine.sh start)"   # prints `export DOCKER_HOST=…` lines
#   scripts/test-engine.sh stop              # stops an engine this script started
#
# If DOCKER_HOST, the current context or the default socket answers, that
# engine is used and left running. Otherwise (as root) Debian's docker.io is
# installed if needed and a private dockerd is started on its own socket and
# data root, with no bridge network (nothing leaves this machine).
set -euo pipefail
state=/tmp/dockward-test-engine-$(id -u)
log() { echo "test-engine: $*" >&2; }

start() {
  if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
    log "using the engine the docker CLI reaches (${DOCKER_HOST:-current context})"
    return
  fi
  if [ -S "$state/docker.sock" ] && DOCKER_HOST="unix://$state/docker.sock" docker info >/dev/null 2>&1; then
    log "reusing the private engine at $state"
    echo "export DOCKER_HOST=unix://$state/docker.sock"
    return
  fi
  [ "$(id -u)" -eq 0 ] || { log "no Docker engine answers and starting one needs root: start Docker (or Docker Desktop) and run the tests again"; exit 1; }
  if ! command -v dockerd >/dev/null; then
    log "installing Debian's docker.io"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null
  fi
  mkdir -p "$state"
  log "starting a private dockerd in $state"
  nohup dockerd --bridge=none --iptables=false --ip-masq=false --ip6tables=false \
    --data-root "$state/data" --exec-root "$state/exec" --pidfile "$state/dockerd.pid" \
    -H "unix://$state/docker.sock" >"$state/dockerd.log" 2>&1 &
  for _ in $(seq 1 60); do
    if DOCKER_HOST="unix://$state/docker.sock" docker info >/dev/null 2>&1; then
      echo "export DOCKER_HOST=unix://$state/docker.sock"
      echo "export DOCKWARD_STARTED_ENGINE=1"
      return
    fi
    sleep 0.5
  done
  log "dockerd did not come up; its log:"; tail -20 "$state/dockerd.log" >&2; exit 1
}

stop() {
  [ -f "$state/dockerd.pid" ] || return 0
  local pid; pid=$(cat "$state/dockerd.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  # dockerd leaves its network-namespace and overlay mounts behind when it is
  # stopped mid-way; unmount them (deepest first) so the folder can go.
  grep -o " $state[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$state"
  log "stopped the private dockerd"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: test-engine.sh start|stop" >&2; exit 2 ;;
esac
