#!/usr/bin/env bash
# Benchmark: `dockward inventory --format json` against the docker CLI doing
# the same inspections (`docker inspect` of every container plus
# `docker image inspect` of every image), on an engine with 200 containers
# and 100 images. Runs both alternately, RUNS times each, under
# /usr/bin/time -v, and prints medians and ratios. Not a test: no thresholds.
#
#   bench/inventory.sh            # RUNS=7 CONTAINERS=200 IMAGES=100 by default
#   BASELINE=path/to/older/dockward bench/inventory.sh   # adds the older build's rows
#
# Rows: dockward recording into a database, dockward --no-db (the cost of
# recording is the difference), and the docker CLI; with BASELINE, the same
# two rows for the older binary, measured alternately in the same run.
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
# DOCKWARD_BIN: a binary built beforehand (so the tree can change meanwhile).
if [ -z "${DOCKWARD_BIN:-}" ]; then cargo build --release --quiet; fi
bin=${DOCKWARD_BIN:-$PWD/target/release/dockward}

echo "creating $IMAGES images and $CONTAINERS containers…" >&2
mkdir -p "$work/root/bin"
cp "$(command -v busybox)" "$work/root/bin/busybox"; ln -s busybox "$work/root/bin/sh"
tar -C "$work/root" -cf "$work/root.tar" .
seq 1 "$IMAGES" | xargs -P 4 -I{} docker import --change "LABEL dockward.bench=$label" \
  --change "ENV APP_INDEX={}" --change "CMD [\"sh\"]" "$work/root.tar" "bench$$/img:{}" >/dev/null
seq 1 "$CONTAINERS" | xargs -P 4 -I{} sh -c \
  'docker create -q --network none --label dockward.bench='"$label"' -e N={} -v /srv/bench{}:/data "bench'"$$"'/img:$(( ({} - 1) % '"$IMAGES"' + 1 ))" sh >/dev/null'
echo "engine now has $(docker ps -aq | wc -l) containers and $(docker images -q | wc -l) images" >&2

measure() { # name, command…  (wall clock in ns beside time -v, whose wall has 10 ms steps)
  local out="$work/$1.$2.time" start end; shift 2
  start=$(date +%s%N)
  /usr/bin/time -v -o "$out" "$@" >/dev/null
  end=$(date +%s%N)
  echo "wall_ns $((end - start))" >>"$out"
}
for i in $(seq 1 "$RUNS"); do
  measure dockward "$i" "$bin" inventory --format json --db "$work/bench.db"
  measure nodb "$i" "$bin" inventory --format json --no-db
  if [ -n "${BASELINE:-}" ]; then
    measure base "$i" "$BASELINE" inventory --format json --db "$work/base.db"
    measure basenodb "$i" "$BASELINE" inventory --format json --no-db
  fi
  measure cli "$i" sh -c 'docker inspect $(docker ps -aq) >/dev/null && docker image inspect $(docker images -q) >/dev/null'
done

python3 - "$work" "$RUNS" "${BASELINE:-}" <<'PY'
import re, statistics, sys, pathlib
work, runs, baseline = pathlib.Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def read(name):
    walls, rss = [], []
    for i in range(1, runs + 1):
        t = (work / f"{name}.{i}.time").read_text()
        walls.append(int(re.search(r"wall_ns (\d+)", t).group(1)) / 1e9)
        rss.append(int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)))
    return statistics.median(walls), max(rss)
dw, nodb, cli = read("dockward"), read("nodb"), read("cli")
rows = [("dockward inventory (recorded)", dw), ("dockward inventory --no-db", nodb)]
if baseline:
    base, basenodb = read("base"), read("basenodb")
    rows += [("baseline (recorded)", base), ("baseline --no-db", basenodb)]
rows.append(("docker CLI inspects", cli))
print(f"runs each: {runs}")
print(f"{'':32}{'median wall':>12}{'/ CLI':>8}{'peak RSS':>12}")
for name, (wall, rss) in rows:
    print(f"{name:32}{wall:>11.3f}s{wall/cli[0]:>8.2f}{rss/1024:>10.1f}MB")
print(f"recording adds {100*(dw[0]/nodb[0]-1):.0f}% to an inventory (recorded / --no-db = {dw[0]/nodb[0]:.2f})")
if baseline:
    print(f"baseline: recording added {100*(base[0]/basenodb[0]-1):.0f}%; this build / baseline (recorded) = {dw[0]/base[0]:.2f}")
PY
