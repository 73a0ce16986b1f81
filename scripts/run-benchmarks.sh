#!/usr/bin/env bash
# Run every benchmarks/bench_*.py and print their rows as one table. A benchmark that misses its target exits
# non-zero: the others still run, and the run fails at the end naming the ones that missed.
set -uo pipefail
cd "$(dirname "$0")/.."
echo "| operation | n | median per call | throughput |"
echo "|---|---|---|---|"
missed=()
for script in benchmarks/bench_*.py; do
  .venv/bin/python "$script" || missed+=("$script")
done
if [ ${#missed[@]} -gt 0 ]; then
  echo "Missed their targets (or failed): ${missed[*]}" >&2
  exit 1
fi
