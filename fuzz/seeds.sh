#!/usr/bin/env bash
# Seeds the fuzz corpus with the committed test archives.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/archive
cp ../tests/fixtures/archives/*.tar corpus/archive/ 2>/dev/null || true
