#!/usr/bin/env bash
# Benchmark (issue 11): every hostile input of the issue, run with GNU time,
# one row each: exit code, wall time, peak memory and the first line Dockward
# said. Not a test: it prints the bounds so they can be seen at a glance.
#
#   bench/hostile.sh                                   # this tree's release build
#   BASELINE=path/to/older/dockward bench/hostile.sh   # adds the older build's rows
#
# The baseline runs under a 4 GB address-space cap and a 60 s timeout, so a
# build without bounds shows as killed instead of taking the machine.
# No engine is needed: the misbehaving engines are fakes on unix sockets.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }
if [ -z "${DOCKWARD_BIN:-}" ]; then cargo build --release --quiet; fi
bin=${DOCKWARD_BIN:-$PWD/target/release/dockward}

echo "making the cases in $work…" >&2
mkdir -p "$work/a" "$work/s"
python3 bench/hostile_cases.py archives "$work/a"
python3 bench/hostile_cases.py settings "$work/s"
mkfifo "$work/s/fifo"
for mode in endless stall; do
  python3 bench/hostile_cases.py engine "$work/$mode.sock" "$mode" &
  pids+=($!)
done
for mode in endless stall; do
  for _ in $(seq 50); do [ -S "$work/$mode.sock" ] && break; sleep 0.1; done
done

# row CASE BUILD BIN ARGS…: runs one case, prints its row.
row() {
  local name=$1 build=$2 exe=$3; shift 3
  local t="$work/time" out="$work/out" err="$work/err" cap=()
  [ "$build" = baseline ] && cap=(prlimit --as=$((4 << 30)) --)
  set +e
  env DOCKWARD_ENGINE_IDLE_SECS=5 /usr/bin/time -v -o "$t" timeout 60 "${cap[@]}" "$exe" "$@" >"$out" 2>"$err" </dev/null
  local code=$?
  set -e
  local secs rss said
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$t")
  rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$t")
  [ "$code" = 124 ] && code="timeout"
  grep -q "terminated by signal" "$t" && code="signal $(grep -o 'signal [0-9]*' "$t" | cut -d' ' -f2)"
  said=$( { grep -m1 -E 'PARTIAL|error|note: warning' "$err" "$out" -h -A1 || head -1 "$err"; } | tr -s ' \n' ' ' | cut -c1-110)
  [ -n "${EXTRA:-}" ] && said="$said $($EXTRA)"
  printf '%-20s %-8s %-9s %7s %7s  %s\n' "$name" "$build" "$code" "$secs" "$rss" "$said"
}

# each CASE ARGS…: the case with this build, then with the baseline.
each() {
  local name=$1; shift
  row "$name" this "$bin" "$@"
  if [ -n "${BASELINE:-}" ]; then row "$name" baseline "$BASELINE" "$@"; fi
}

printf '%-20s %-8s %-9s %7s %7s  %s\n' CASE BUILD EXIT SECONDS PEAK_MB "WHAT IT SAID"
for f in /dev/zero /dev/urandom "$work/s/fifo" "$work/s" "$work/s/array-200m.json" \
  "$work/s/array-15m.json" "$work/s/deep-100k.json" "$work/s/bom.json"; do
  each "settings $(basename "$f")" host --no-db --settings "$f"
done
# Whether the token after the stray NULs was found.
token() { grep -q 'GitHub token' "$work/out" && echo "[token after the NULs found]" || echo "[token MISSED]"; }
for f in "$work"/a/*.tar; do
  case $f in *nul-in-text*) export EXTRA=token ;; *) unset EXTRA ;; esac
  each "$(basename "$f" .tar)" scan --no-db --archive "$f"
done
unset EXTRA
export DOCKER_HOST="unix://$work/endless.sock"
each "engine endless" inventory --no-db
export DOCKER_HOST="unix://$work/stall.sock"
each "engine stall" scan --no-db stall:1
unset DOCKER_HOST

# A database with one damaged page: refused, and left byte-for-byte as it was.
db_case() {
  local exe=$1 db="$work/damaged-$2.db"
  "$exe" host --db "$db" >/dev/null 2>&1 || true
  # The header of page 3 (a b-tree page): quick_check sees it at once.
  printf 'damaged!' | dd of="$db" bs=1 seek=$((4096 * 2)) conv=notrunc status=none
  sha256sum "$db" | cut -d' ' -f1 >"$db.sum"
  echo "$db"
}
unchanged() { [ "$(sha256sum "$DB" | cut -d' ' -f1)" = "$(cat "$DB.sum")" ] && echo "[file unchanged]" || echo "[FILE CHANGED]"; }
DB=$(db_case "$bin" this)
EXTRA=unchanged row "damaged db" this "$bin" host --db "$DB"
if [ -n "${BASELINE:-}" ]; then
  DB=$(db_case "$BASELINE" baseline)
  EXTRA=unchanged row "damaged db" baseline "$BASELINE" host --db "$DB"
fi
