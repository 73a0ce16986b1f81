"""The load benchmark (issue 20 items 3 and 8): many clinics' staff at once, against gunicorn + the worker.

What runs, as in production: PostgreSQL (``BENCH_DATABASE_URL``, default the local server's ``bench_load``
database, created if missing), Redis (``REDIS_URL``, default ``redis://127.0.0.1:6379/7``) for the cache and
the worker's queue, ``gunicorn mesoclinic.wsgi`` with ``BENCH_LOAD_WORKERS`` sync workers (default 4) and one
``mesoclinic worker``, with ``DEBUG`` off and ``SERVER_TIMING`` on. The data: ``BENCH_LOAD_CLINICS`` clinics
(default 20) of ~``BENCH_LOAD_PATIENTS`` patients (default 300) with three years of history, made once by
``generate_load_data`` and kept (their prefix names the sizes).

The users: ``BENCH_LOAD_USERS`` virtual staff (default 60: three per clinic) started at 5 a second, for
``BENCH_LOAD_SECONDS`` (default 180), each clicking at a person's pace (``benchmarks/load/locustfile.py``
says the mix and why). Locust (headless, in its own process) is the client.

Resilience (``BENCH_LOAD_CHAOS``, default on): a third of the way in, one gunicorn worker and the background
worker are killed with SIGKILL (gunicorn starts a new worker; the background worker is started again, as
systemd's ``Restart=always`` would); two thirds in, every database connection of the app is terminated
(``pg_terminate_backend``). Afterwards: every job queued during the run has run (none lost), every series
booked during the run has all its sessions (none half-made), and no request failed except those the kill
cut off in flight (at most one per killed worker: a sync worker serves one request at a time).

Printed: per endpoint, requests, p50/p95/p99 of the client's wait, errors, and the server's database and CPU
time (p50) from ``Server-Timing``; the throughput; the app's CPU seconds per request (gunicorn's processes,
from ``/proc``); then the checks. Exits 1 when an endpoint's p95 is over ``BENCH_LOAD_P95_MS`` (default 150;
the reports 300), a request failed beyond the killed ones, or a check fails (``BENCH_LOAD_ASSERT=0`` only
reports).
"""

from __future__ import annotations

import csv
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pg import postgres_ready  # benchmarks/pg.py: run as scripts, their folder is on the path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PG_URL = os.environ.get("BENCH_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/bench_load"
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/7"
CLINICS = int(os.environ.get("BENCH_LOAD_CLINICS", "20"))
PATIENTS = int(os.environ.get("BENCH_LOAD_PATIENTS", "300"))
WORKERS = int(os.environ.get("BENCH_LOAD_WORKERS", "4"))
USERS = int(os.environ.get("BENCH_LOAD_USERS", str(3 * CLINICS)))
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "180"))
CHAOS = os.environ.get("BENCH_LOAD_CHAOS", "1") != "0"
P95_MS = float(os.environ.get("BENCH_LOAD_P95_MS", "150"))
ASSERT = os.environ.get("BENCH_LOAD_ASSERT", "1") != "0"
UNTIL = date(2026, 11, 30)  # the generated history ends here; the calendar shows the day after
PREFIX = f"bl1-{CLINICS}-{PATIENTS}"
REPORTS = {"recalls due", "outcomes report", "adherence report", "audit log"}
DATA_DIR = Path(tempfile.gettempdir()) / f"mesoclinic-bench-load-{PREFIX}"


def _one(sql: str, *params: object) -> Any:
    """The first column of the first row ``sql`` answers on the benchmark's database (autocommit)."""
    import psycopg  # noqa: PLC0415 — the benchmark's only database client, needed once PostgreSQL answers

    with psycopg.connect(PG_URL, autocommit=True) as connection:
        cursor = connection.execute(sql, params)
        row = cursor.fetchone() if cursor.description else None
    return row[0] if row else None


def _environment() -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("MESOCLINIC_", "DATABASE_"))},
        "DATABASE_URL": PG_URL,
        "REDIS_URL": REDIS_URL,
        "MESOCLINIC_DATA_DIR": str(DATA_DIR),
        "MESOCLINIC_DEBUG": "false",
        "SERVER_TIMING": "true",
        # One address (this machine) speaks for every clinic's staff: the per-address limits are for the
        # internet, not for this benchmark.
        "API_RATE_USER": "100000/min",
        "API_RATE_ANON": "100000/min",
        "LOGIN_FAILURE_LIMIT": "100000",
        "WORKER_QUEUE": f"bench-load-{os.getpid()}",
    }


def _mesoclinic(*args: str) -> None:
    subprocess.run([str(BIN / "mesoclinic"), *args], env=_environment(), check=True, timeout=3600)  # noqa: S603


def build() -> list[str]:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    _mesoclinic("migrate", "--noinput", "-v", "0")
    if not (DATA_DIR / "static" / "staticfiles.json").exists():  # minutes on two cores: once per data folder
        _mesoclinic("collectstatic", "--noinput", "-v", "0")
    if not _one("SELECT count(*) FROM accounts_clinic WHERE slug LIKE %s", f"{PREFIX}-%"):
        print(f"building {CLINICS} clinics of ~{PATIENTS} patients, three years (once)", file=sys.stderr)
        _mesoclinic(
            "generate_load_data",
            f"--clinics={CLINICS}",
            f"--clinic-patients={PATIENTS}",
            "--years=3",
            f"--until={UNTIL}",
            f"--prefix={PREFIX}",
        )
        _one("ANALYZE")
    return list(
        _one("SELECT array_agg(slug ORDER BY slug) FROM accounts_clinic WHERE slug LIKE %s", f"{PREFIX}-%")
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (``/proc/<pid>/stat``), 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_for(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer on port {port}")


def _warm_up(port: int) -> None:
    """Every gunicorn worker imports the views on its first request (seconds): done before the clock runs."""
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415
    from urllib.request import urlopen  # noqa: PLC0415

    def get(_: int) -> int:
        with urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=180) as response:
            return int(response.status)

    with ThreadPoolExecutor(max_workers=2 * WORKERS) as pool:
        statuses = list(pool.map(get, range(4 * WORKERS)))
    if set(statuses) != {200}:
        raise SystemExit(f"warm-up answered {statuses}")


def _worker() -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 — the project's own console script
        [str(BIN / "mesoclinic"), "worker", "--no-periodic"],
        env=_environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def run(clinics: list[str]) -> tuple[Path, dict[str, float]]:
    port = _free_port()
    env = _environment()
    server = subprocess.Popen(  # noqa: S603 — gunicorn from the project's environment
        [
            str(BIN / "gunicorn"),
            "mesoclinic.wsgi",
            f"--workers={WORKERS}",
            "--timeout=120",
            f"--bind=127.0.0.1:{port}",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = _worker()
    out = Path(tempfile.mkdtemp(prefix="bench-load-"))
    facts: dict[str, float] = {"killed_workers": 0, "terminated_connections": 0, "lost_cpu": 0.0}
    began_at = _one("SELECT now()")
    try:
        _wait_for(port)
        _warm_up(port)
        locust = subprocess.Popen(  # noqa: S603 — locust from the project's environment (make bench)
            [
                str(BIN / "locust"),
                "-f",
                str(ROOT / "benchmarks" / "load" / "locustfile.py"),
                "--headless",
                f"--users={USERS}",
                "--spawn-rate=5",
                f"--run-time={SECONDS}s",
                f"--host=http://127.0.0.1:{port}",
                f"--csv={out / 'load'}",
                "--only-summary",
                "--loglevel=WARNING",
            ],
            env={
                **os.environ,
                "LOAD_CLINICS": ",".join(clinics),
                "LOAD_DAY": str(UNTIL + timedelta(days=1)),
            },
        )
        started = time.monotonic()
        if CHAOS:
            time.sleep(SECONDS / 3)
            victim = _children(server.pid)[0]
            facts["lost_cpu"] += _cpu_seconds(victim)
            os.kill(victim, signal.SIGKILL)
            worker.kill()
            worker.wait()
            worker = _worker()
            facts["killed_workers"] = 1
            time.sleep(max(0.0, started + 2 * SECONDS / 3 - time.monotonic()))
            facts["terminated_connections"] = float(
                _one(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        locust.wait(timeout=SECONDS + 120)
        facts["cpu"] = _cpu_seconds(server.pid) + sum(_cpu_seconds(c) for c in _children(server.pid))
        facts["cpu"] += facts["lost_cpu"]
        # Let the background worker finish what the run queued (a minute at most), then check.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _one(
            "SELECT count(*) FROM worker_job WHERE enqueued_at >= %s AND status IN ('queued', 'running')",
            began_at,
        ):
            time.sleep(1)
    finally:
        server.send_signal(signal.SIGTERM)
        worker.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        worker.wait(timeout=60)
    facts["jobs_not_done"] = float(
        _one("SELECT count(*) FROM worker_job WHERE enqueued_at >= %s AND status <> 'succeeded'", began_at)
    )
    facts["half_made_series"] = float(
        _one(
            "SELECT count(*) FROM (SELECT c.id FROM treatments_course c "
            "LEFT JOIN scheduling_appointment a ON a.course_id = c.id "
            "WHERE c.created_at >= %s GROUP BY c.id, c.sessions "
            "HAVING count(a.id) <> c.sessions) half",
            began_at,
        )
    )
    facts["series_booked"] = float(
        _one("SELECT count(*) FROM treatments_course WHERE created_at >= %s", began_at)
    )
    return out, facts


def report(out: Path, facts: dict[str, float]) -> int:
    rows = list(csv.DictReader((out / "load_stats.csv").open()))
    server = {r["Name"]: r for r in rows if r["Type"] in {"DB", "CPU"}}
    pages = [r for r in rows if r["Type"] not in {"DB", "CPU"} and r["Name"] != "Aggregated"]
    total = next(r for r in rows if r["Name"] == "Aggregated")
    failures = list(csv.DictReader((out / "load_failures.csv").open()))
    requests = sum(int(r["Request Count"]) for r in pages)
    missed = []
    print(
        f"| endpoint ({USERS} users, {CLINICS} clinics, {WORKERS} workers) | requests | p50 / p95 / p99 | errors "
        "| server db / cpu p50 |"
    )
    print("|---|---|---|---|---|")
    for r in sorted(pages, key=lambda r: -int(r["Request Count"])):
        name = r["Name"]
        limit = 300 if name in REPORTS else P95_MS
        p95 = float(r["95%"])
        warm = name not in {"sign-in page", "sign in", "API locations", "API patients", "API protocols"}
        if warm and p95 > limit:
            missed.append(f"{name} p95 {p95:.0f} ms > {limit:.0f}")
        db = server.get(f"[db] {name}", {}).get("50%", "-")
        cpu = server.get(f"[cpu] {name}", {}).get("50%", "-")
        print(
            f"| {name} | {r['Request Count']} | {r['50%']} / {r['95%']} / {r['99%']} ms | {r['Failure Count']} "
            f"| {db} / {cpu} ms |"
        )
    seconds = SECONDS
    print(
        f"| all | {requests} | {total['50%']} / {total['95%']} / {total['99%']} ms | {total['Failure Count']} | |"
    )
    print(
        f"throughput {requests / seconds:.1f} requests/s; app CPU {1000 * facts['cpu'] / max(requests, 1):.1f} ms "
        f"per request ({facts['cpu']:.0f} CPU s for {requests} requests)"
    )
    errors = sum(int(f["Occurrences"]) for f in failures)
    allowed = int(facts["killed_workers"])  # the request each killed sync worker had in hand
    print(
        f"errors {errors} (allowed: {allowed}, the killed worker's request in flight); "
        f"killed workers {int(facts['killed_workers'])}, terminated connections {int(facts['terminated_connections'])}"
    )
    for f in failures:
        print(f"  {f['Method']} {f['Name']}: {f['Error']} x{f['Occurrences']}")
    print(
        f"series booked {int(facts['series_booked'])}, half-made {int(facts['half_made_series'])}; "
        f"jobs queued during the run and not done {int(facts['jobs_not_done'])}"
    )
    if errors > allowed:
        missed.append(f"{errors} errors")
    if facts["half_made_series"] or facts["jobs_not_done"]:
        missed.append("a half-made series or a lost job")
    if missed:
        print("missed: " + "; ".join(missed), file=sys.stderr)
        return 1 if ASSERT else 0
    return 0


def main() -> int:
    if not postgres_ready(PG_URL):
        print(
            f"PostgreSQL unreachable at {PG_URL}: this benchmark measures the production set-up",
            file=sys.stderr,
        )
        return 1
    if not (BIN / "locust").exists():
        print("locust is missing: `make bench` installs it (requirements/bench.lock)", file=sys.stderr)
        return 1
    clinics = build()
    out, facts = run(clinics)
    return report(out, facts)


if __name__ == "__main__":
    sys.exit(main())
