#!/usr/bin/env bash
# Benchmark: `dockward inventory --format json` against the docker CLI doing
# the same inspections (`docker inspect` of every container plus
# `docker image inspect` of every image), on an engine with 200 containers
# and 100 images. Runs both alternately, RUNS times each, under
# /usr/bin/time -v, and prints medians and ratios. Not a test: no thresholds.
#
#   bench/inventory.sh            # RUNS=7 CONTAINERS=200 IMAGES=100 by default
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-7} CONTAINERS=${CONTAINERS:-200} IMAGES=${IMAGES:-100}
label="bench-$$"
work=$(mktemp -d)

eval "$(scripts/test-engine.sh start)"
cleanup() {
  ids=$(docker ps -aq --filter "label=dockward.bench=$label"); [ -z "$ids" ] || docker rm -f $ids >/dev/null
  ids=$(docker images -q --filter "label=dockward.bench=$label" | sort -u); [ -z "$ids" ] || docker rmi -f $ids >/dev/null 2>&1 || true
  rm -rf "$work"
  if [ "${DOCKWARD_STARTED_ENGINE:-}" = 1 ]; then scripts/test-engine.sh stop; fi
}
trap cleanup EXIT

command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }
cargo build --release --quiet
bin=$PWD/target/release/dockward

echo "creating $IMAGES images and $CONTAINERS containers…" >&2
mkdir -p "$work/root/bin"
cp "$(command -v busybox)" "$work/root/bin/busybox"; ln -s busybox "$work/root/bin/sh"
tar -C "$work/root" -cf "$work/root.tar" .
seq 1 "$IMAGES" | xargs -P 4 -I{} docker import --change "LABEL dockward.bench=$label" \
  --change "ENV APP_INDEX={}" --change "CMD [\"sh\"]" "$work/root.tar" "bench$$/img:{}" >/dev/null
seq 1 "$CONTAINERS" | xargs -P 4 -I{} sh -c \
  'docker create -q --network none --label dockward.bench='"$label"' -e N={} -v /srv/bench{}:/data "bench'"$$"'/img:$(( ({} - 1) % '"$IMAGES"' + 1 ))" sh >/dev/null'
echo "engine now has $(docker ps -aq | wc -l) containers and $(docker images -q | wc -l) images" >&2

measure() { # name, command…
  local out="$work/$1.$2.time"; shift 2
  /usr/bin/time -v -o "$out" "$@" >/dev/null
}
for i in $(seq 1 "$RUNS"); do
  measure dockward "$i" "$bin" inventory --format json --db "$work/bench.db"
  measure cli "$i" sh -c 'docker inspect $(docker ps -aq) >/dev/null && docker image inspect $(docker images -q) >/dev/null'
done

python3 - "$work" "$RUNS" <<'PY'
import re, statistics, sys, pathlib
work, runs = pathlib.Path(sys.argv[1]), int(sys.argv[2])
def read(name):
    walls, rss = [], []
    for i in range(1, runs + 1):
        t = (work / f"{name}.{i}.time").read_text()
        m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", t)
        walls.append(int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3)))
        rss.append(int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)))
    return statistics.median(walls), max(rss)
dw, cli = read("dockward"), read("cli")
print(f"runs each: {runs}")
print(f"{'':28}{'median wall':>12}{'peak RSS':>12}")
print(f"{'dockward inventory --json':28}{dw[0]:>11.3f}s{dw[1]/1024:>10.1f}MB")
print(f"{'docker CLI inspects':28}{cli[0]:>11.3f}s{cli[1]/1024:>10.1f}MB")
print(f"wall ratio dockward/CLI: {dw[0]/cli[0]:.2f}   (below 1: dockward is faster)")
print(f"memory ratio dockward/CLI: {dw[1]/cli[1]:.2f}")
PY
