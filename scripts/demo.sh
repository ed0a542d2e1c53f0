#!/usr/bin/env bash
# The main job on a fresh machine: install peakguard, then `peakguard demo` on the embedded
# SQLite default. Extra arguments go to `peakguard demo` (e.g. --lang en --out DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/peakguard demo "$@"
