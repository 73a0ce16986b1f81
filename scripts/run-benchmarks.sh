#!/usr/bin/env bash
# Run every benchmarks/bench_*.py and print their rows as one table.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "| operation | n | median per call | throughput |"
echo "|---|---|---|---|"
for script in benchmarks/bench_*.py; do
  .venv/bin/python "$script"
done
