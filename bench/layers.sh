#!/usr/bin/env bash
# Benchmark: layer-scan throughput against the floor of `docker save IMAGE >
# /dev/null` (the engine cannot hand the bytes over faster), peak memory, and
# the time of a rescan of the unchanged image (served by the layer cache),
# and a flood of a million empty entries against the default entry limit.
# Image: ~1 GB in 10 layers of incompressible data plus text files with
# planted secrets. Not a test: it prints figures and ratios, no thresholds.
#
#   bench/layers.sh            # RUNS=3 LAYERS=10 LAYER_MB=100 by default
#   BASELINE=path/to/older/dockward bench/layers.sh   # adds the older build's row
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3} LAYERS=${LAYERS:-10} LAYER_MB=${LAYER_MB:-100}
label="bench-$$"
work=$(mktemp -d)
eval "$(scripts/test-engine.sh start)"
cleanup() {
  ids=$(docker images -q --filter "label=dockward.bench=$label" | sort -u)
  [ -z "$ids" ] || docker rmi -f $ids >/dev/null 2>&1 || true
  rm -rf "$work"
  if [ "${DOCKWARD_STARTED_ENGINE:-}" = 1 ]; then scripts/test-engine.sh stop; fi
}
trap cleanup EXIT
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }
# DOCKWARD_BIN: a binary built beforehand (so the tree can change meanwhile).
if [ -z "${DOCKWARD_BIN:-}" ]; then cargo build --release --quiet; fi
bin=${DOCKWARD_BIN:-$PWD/target/release/dockward}

echo "building a ${LAYERS}×${LAYER_MB} MB image…" >&2
mkdir -p "$work/ctx/root/bin"
cp "$(command -v busybox)" "$work/ctx/root/bin/busybox"
tar -C "$work/ctx/root" -c . | docker import --change "LABEL dockward.bench=$label" - "bench$$/base:1" >/dev/null
python3 - "$work/ctx" "$LAYERS" "$LAYER_MB" <<'PY'
import os, sys
ctx, layers, mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(layers):
    d = os.path.join(ctx, f"l{i}")
    os.makedirs(d)
    with open(os.path.join(d, "blob.bin"), "wb") as f:
        for _ in range(mb - 1):
            f.write(os.urandom(1 << 20))
    with open(os.path.join(d, "config.txt"), "w") as f:
        for j in range(20000):
            f.write(f"setting_{j} = value {j}\n")
        f.write("token=ghp_R4nd0mT0k3nV4lu3sAr3H3r3Xy12345678ab\n")
PY
{
  echo "FROM bench$$/base:1"
  for i in $(seq 0 $((LAYERS - 1))); do echo "COPY l$i /data/l$i"; done
} > "$work/ctx/Dockerfile"
DOCKER_BUILDKIT=0 docker build -q --label "dockward.bench=$label" -t "bench$$/big:1" "$work/ctx" >/dev/null 2>&1
rm -rf "$work/ctx"
img="bench$$/big:1"
size=$(docker image inspect -f '{{.Size}}' "$img")
echo "image size: $size bytes" >&2

measure() { /usr/bin/time -v -o "$work/$1.time" "${@:2}" >/dev/null; }
for i in $(seq 1 "$RUNS"); do
  measure "floor.$i" sh -c "docker save '$img' > /dev/null"
  measure "scan.$i" "$bin" scan --no-db --format json "$img"
  if [ -n "${BASELINE:-}" ]; then measure "base.$i" "$BASELINE" scan --no-db --format json "$img"; fi
done
measure first "$bin" scan --db "$work/b.db" --format json "$img"
measure rescan "$bin" scan --db "$work/b.db" --format json "$img"

python3 - "$work" "$RUNS" "$size" "${BASELINE:-}" <<'PY'
import re, statistics, sys, pathlib
work, runs, size, baseline = pathlib.Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def one(name):
    t = (work / f"{name}.time").read_text()
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", t)
    wall = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    return wall, int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
def med(prefix):
    rows = [one(f"{prefix}.{i}") for i in range(1, runs + 1)]
    return statistics.median(r[0] for r in rows), max(r[1] for r in rows)
floor, scan = med("floor"), med("scan")
first, rescan = one("first"), one("rescan")
mb = size / 1e6
print(f"image: {mb:.0f} MB, runs each: {runs}")
print(f"{'':34}{'median wall':>12}{'MB/s':>9}{'peak RSS':>11}")
print(f"{'docker save > /dev/null (floor)':34}{floor[0]:>11.2f}s{mb/floor[0]:>9.0f}{floor[1]/1024:>9.1f}MB")
print(f"{'dockward scan --no-db':34}{scan[0]:>11.2f}s{mb/scan[0]:>9.0f}{scan[1]/1024:>9.1f}MB")
print(f"throughput vs floor: {floor[0]/scan[0]:.2f} (1.00 = as fast as the engine hands bytes over)")
if baseline:
    base = med("base")
    print(f"{'baseline scan --no-db':34}{base[0]:>11.2f}s{mb/base[0]:>9.0f}{base[1]/1024:>9.1f}MB")
    print(f"baseline throughput vs floor: {floor[0]/base[0]:.2f}; this build / baseline (wall): {scan[0]/base[0]:.2f}")
print(f"first scan with --db: {first[0]:.2f}s; rescan from cache: {rescan[0]:.3f}s; ratio {rescan[0]/first[0]:.3f}")
PY

# Millions of tiny entries with the default limits: a layer of 1,000,001
# empty files (generated as read) must stop with a clear error in bounded
# time and memory; 999,999 (just under the limit) is the baseline beside it.
cargo build --release --quiet --example entry_flood
for n in 999999 1000001; do
  /usr/bin/time -v -o "$work/flood.$n.time" target/release/examples/entry_flood "$n" > "$work/flood.$n.json"
done
python3 - "$work" <<'PY'
import json, re, sys, pathlib
work = pathlib.Path(sys.argv[1])
def rss(n):
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", (work / f"flood.{n}.time").read_text()).group(1)) / 1024
base, over = (json.loads((work / f"flood.{n}.json").read_text()) for n in (999999, 1000001))
print(f"entry flood: 999,999 entries {base['seconds']:.2f}s {rss(999999):.1f}MB (error: {base['error'] or 'none'})")
print(f"             1,000,001 entries {over['seconds']:.2f}s {rss(1000001):.1f}MB: {over['error']}")
print(f"             time ratio {over['seconds'] / base['seconds']:.2f}, memory ratio {rss(1000001) / rss(999999):.2f}")
PY
