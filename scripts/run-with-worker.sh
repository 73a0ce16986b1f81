#!/usr/bin/env bash
# `make run`: the background worker beside Django's development server; stopping one stops the other.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT="${1:-8000}"

"$BIN/mesoclinic" worker &
worker=$!
stop() {
  trap - EXIT INT TERM
  kill -TERM "$worker" 2>/dev/null || true   # SIGTERM: the worker finishes the job in hand, then exits
  wait "$worker" 2>/dev/null || true
}
trap stop EXIT INT TERM

"$BIN/mesoclinic" runserver "127.0.0.1:$PORT" &
server=$!
# Whichever of the two ends first (Ctrl-C, a crash), the other is stopped with it.
wait -n "$worker" "$server" || true
kill -TERM "$server" 2>/dev/null || true
wait "$server" 2>/dev/null || true
