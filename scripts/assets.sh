#!/usr/bin/env bash
# The web application's browser libraries: installs them from frontend/package-lock.json with
# npm (Debian's nodejs and npm are installed first when missing and we are root), then copies
# the files the pages load into src/peakguard/web/pages/static/vendor/. Idempotent: does nothing
# when the vendor folder was made from the same lockfile. Nothing is downloaded at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
vendor="src/peakguard/web/pages/static/vendor"
want="$(sha256sum frontend/package-lock.json scripts/vendor_assets.py | sha256sum | cut -d' ' -f1)"
if [ -f "$vendor/.stamp" ] && [ "$(cat "$vendor/.stamp")" = "$want" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's nodejs and npm for the web application's libraries..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  else
    echo "npm is missing: install Node.js and npm (Debian: apt-get install nodejs npm), then run" \
      "scripts/assets.sh again. The pages work without charts and maps until then." >&2
    exit 0
  fi
fi
(cd frontend && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
python3 scripts/vendor_assets.py frontend/node_modules "$vendor"
echo "$want" > "$vendor/.stamp"
