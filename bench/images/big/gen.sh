#!/bin/sh
# One ~100 MB layer of /data/l$1: 50 MB of random binary files and ~50 MB of
# log-like and config-like text, all generated here (no network).
set -e
i=$1; d=/data/l$i
mkdir -p "$d/bin" "$d/text"
for n in 1 2 3 4 5; do head -c 10M /dev/urandom > "$d/bin/blob$n.bin"; done
for n in $(seq 1 40); do
  seq 1 13000 | awk -v n="$n" -v l="$i" '{ printf "2026-11-%02d 12:%02d:%02d INFO layer=%d file=%d req=%08d GET /api/v1/items/%d status=200 bytes=%d\n", ($1 % 28) + 1, $1 % 60, ($1 * 7) % 60, l, n, $1, $1 * 13, ($1 * 31) % 65536 }' > "$d/text/app-$n.log"
done
seq 1 20000 | awk '{ printf "setting_%d = value %d\n", $1, $1 }' > "$d/text/config.ini"
