#!/usr/bin/env bash
# axe-core for the accessibility journey (pinned in vendor/axe/package-lock.json), installed with npm ci. It is
# only read by the browser tests (tests/e2e/test_accessibility.py), never served. Without npm that journey
# is skipped with a note, except under CI=true where that is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
VENDOR=vendor/axe
if [ -f "$VENDOR/node_modules/axe-core/axe.min.js" ] \
  && [ "$VENDOR/node_modules/axe-core/axe.min.js" -nt "$VENDOR/package-lock.json" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  if [ "${CI:-}" = "true" ]; then
    echo "error: npm is missing: CI needs axe-core (vendor/axe) for the accessibility journey." >&2
    exit 1
  fi
  echo "note: npm is missing: the accessibility journey (axe-core) is skipped."
  exit 0
fi
npm ci --prefix "$VENDOR" --no-audit --no-fund --loglevel=error
touch "$VENDOR/node_modules/axe-core/axe.min.js"
