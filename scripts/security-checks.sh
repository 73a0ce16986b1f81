#!/usr/bin/env bash
# Static security lint (bandit) and known-vulnerability audit of the locked dependencies (pip-audit).
#
# bandit always runs (offline). pip-audit needs PyPI's advisory API: when it is not reachable (no network, or
# a mirror without the per-release JSON API), the audit is skipped with a note and this script still
# succeeds, so `make test` works offline; MESOCLINIC_REQUIRE_AUDIT=true makes an unreachable service a failure
# (for a CI that has network).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

echo "== bandit (src/, config in pyproject.toml) =="
"$BIN/bandit" -c pyproject.toml -q -r src

echo "== pip-audit (requirements/*.lock) =="
if "$BIN/python" - <<'PY'
import json, sys, urllib.request
try:  # the per-release JSON carries the "vulnerabilities" list pip-audit reads
    with urllib.request.urlopen("https://pypi.org/pypi/django/5.2/json", timeout=5) as response:
        sys.exit(0 if "vulnerabilities" in json.load(response) else 1)
except Exception:
    sys.exit(1)
PY
then
  # --strict: a dependency that could not be audited fails too, so "no known vulnerabilities" means it.
  for lock in requirements/runtime.lock requirements/dev.lock requirements/no-deps.lock; do
    "$BIN/pip-audit" --progress-spinner off --strict --no-deps --disable-pip -r "$lock"
  done
elif [ "${MESOCLINIC_REQUIRE_AUDIT:-}" = "true" ]; then
  echo "error: MESOCLINIC_REQUIRE_AUDIT=true, and PyPI's advisory API is not reachable." >&2
  exit 1
else
  echo "note: pip-audit SKIPPED: PyPI's advisory API (https://pypi.org/pypi/<name>/<version>/json) is not"
  echo "      reachable from this machine. Run 'make audit' where it is (MESOCLINIC_REQUIRE_AUDIT=true to insist)."
fi
