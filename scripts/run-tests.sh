#!/usr/bin/env bash
# The whole suite on SQLite, then again on PostgreSQL whenever one is reachable (always under CI=true).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_URL="${MESOCLINIC_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
workers="${PYTEST_WORKERS:-auto}"
# loadgroup: the tests of one xdist_group run on one worker, one after the other: the "demo" group's modules
# share one demo clinic built once per pass (root conftest.py), the backup round trip and test_demo's class
# build theirs once each; every other test is spread as with the default (load).
dist=(-n "$workers" --dist loadgroup)

# Coverage is measured on the SQLite pass of the whole suite, against the floor in pyproject.toml
# ([tool.coverage.report] fail_under); not for a subset of the tests (which would fall below it), nor with
# COVERAGE=0. Not on the PostgreSQL pass: the same code runs there, and measuring costs time (docs/testing.md).
coverage=()
if [ $# -eq 0 ] && [ "${COVERAGE:-1}" != 0 ]; then
  coverage=(--cov --cov-report=term)
fi

# Every pytest process (each xdist worker, in each pass) imports the ~390 test modules and the project's code:
# with PYTHONDONTWRITEBYTECODE set (as in some shells) nothing is cached, and each process compiles the
# sources and rewrites the tests' asserts again. The caches (__pycache__, git-ignored) let the later processes
# and runs skip that (docs/testing.md, fourth round).
unset PYTHONDONTWRITEBYTECODE

echo "== Test suite on SQLite =="
env -u DATABASE_URL "$BIN/pytest" "${dist[@]}" ${coverage[@]+"${coverage[@]}"} "$@"

if "$BIN/python" - "$PG_URL" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1].replace("postgres://", "postgresql://"), connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL not reachable at {sys.argv[1]}: {exc}", file=sys.stderr)
    sys.exit(1)
PY
then
  echo "== Test suite on PostgreSQL =="
  # The tests that use no database passed the SQLite pass just above, kept from any database by pytest-django:
  # on PostgreSQL they would run the same code again, so they are left out (conftest.py; docs/testing.md).
  DATABASE_URL="$PG_URL" "$BIN/pytest" "${dist[@]}" --database-tests-only-on-postgresql "$@"
elif [ "${CI:-}" = "true" ]; then
  echo "error: CI runs the suite on PostgreSQL too, and none is reachable." >&2
  exit 1
else
  echo "note: PostgreSQL unreachable: ran on SQLite only."
fi
