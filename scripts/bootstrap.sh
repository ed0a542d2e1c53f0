#!/usr/bin/env bash
# Creates .venv and installs peakguard into it (with the test tools when asked: `dev`), and the
# web application's browser libraries from npm (scripts/assets.sh).
# Idempotent: re-installs only when pyproject.toml changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
stamp=".venv/.peakguard-installed${extras:+-$extras}"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  target="."
  [ -n "$extras" ] && target=".[$extras]"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$target"
  echo "$want" > "$stamp"
fi
# The simulator's compiled kernel (Numba), built once here rather than in a user's first run:
# when the engine's sources change, the old cache is cleared (Numba keys a cached function on
# its own file, so callers of a changed kernel module would otherwise stay stale) and rebuilt.
# blocking.py is in the hash for the constant the kernel compiles in (FULLNESS_STEPS).
kernel="$(cat src/peakguard/simulate/kernel*.py src/peakguard/simulate/blocking.py \
  | sha256sum | cut -d' ' -f1)"
if [ "$(cat .venv/.peakguard-kernel 2>/dev/null)" != "$kernel" ]; then
  echo "Compiling the simulator (once per install; a minute or two)..."
  rm -f src/peakguard/simulate/__pycache__/*.nbi src/peakguard/simulate/__pycache__/*.nbc
  .venv/bin/python -m peakguard.simulate.warm
  echo "$kernel" > .venv/.peakguard-kernel
fi
# The web application's browser libraries (its own stamp: does nothing when up to date).
bash scripts/assets.sh
