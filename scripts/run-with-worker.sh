#!/usr/bin/env bash
# `make run`: the background worker beside Django's development server; stopping one stops the other.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT="${1:-8000}"

"$BIN/mesoclinic" worker &
worker=$!
"$BIN/mesoclinic" runserver "127.0.0.1:$PORT" &
server=$!

stop() {
  trap - EXIT INT TERM
  # Background commands of a script ignore Ctrl-C, so both are stopped here. SIGTERM lets the worker
  # finish the job in hand.
  kill -TERM "$server" "$worker" 2>/dev/null || true
  wait "$server" "$worker" 2>/dev/null || true
}
trap stop EXIT INT TERM

# Whichever of the two ends first (Ctrl-C, a crash), the other is stopped with it.
wait -n "$worker" "$server" || true
