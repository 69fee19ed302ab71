#!/usr/bin/env bash
# Benchmark: the overview queries (trend, since-last-scan, top subjects) and
# the open-findings list on a generated history of SCANS inventories seeing
# PER_SCAN findings each (2,000 × 500 = 1,000,000 sightings by default),
# written through the store's own write path; and the database's size. A
# baseline history a tenth as long is measured in the same run, so the
# figures come with their growth ratio. Not a test: figures only.
#
#   bench/history.sh            # SCANS=2000 PER_SCAN=500
set -euo pipefail
cd "$(dirname "$0")/.."
SCANS=${SCANS:-2000} PER_SCAN=${PER_SCAN:-500}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet --example history_bench
bin=target/release/examples/history_bench
base=$("$bin" "$work/base.db" $((SCANS / 10)) "$PER_SCAN")
full=$("$bin" "$work/full.db" "$SCANS" "$PER_SCAN")
python3 - "$base" "$full" <<'PY'
import json, sys
base, full = (json.loads(a) for a in sys.argv[1:3])
print(f"history: {full['scans']} scans, {full['sightings']:,} sightings, generated in {full['generate_s']} s")
print(f"database: {full['db_bytes'] / 1e6:.1f} MB (baseline {base['scans']} scans: {base['db_bytes'] / 1e6:.1f} MB)")
print(f"{'query':<18}{'ms':>9}{'baseline ms':>13}{'ratio':>8}")
for key, name in [("trend_ms", "trend"), ("since_last_ms", "since last scan"), ("top_subjects_ms", "top subjects"), ("overview_ms", "overview (all 3)"), ("open_findings_ms", "open findings")]:
    print(f"{name:<18}{full[key]:>9.2f}{base[key]:>13.2f}{full[key] / max(base[key], 1e-9):>8.2f}")
PY
