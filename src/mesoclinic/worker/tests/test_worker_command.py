"""``mesoclinic worker`` as it runs in production: its own process, found by the settings, stopped by SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from mesoclinic.worker.models import Job, JobStatus
from mesoclinic.worker.tests import tasks
from mesoclinic.worker.tests.conftest import REDIS_URL, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _database_url() -> str:
    """The URL of the test database this test's rows are in, for the worker process."""
    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{config['NAME']}"
    return f"postgres://{config['USER']}@{config['HOST']}:{config['PORT']}/{config['NAME']}"


def test_the_worker_command_runs_queued_jobs_and_stops_on_sigterm(backend, tmp_path: Path):
    result = tasks.add.enqueue(20, 22)
    job = Job.objects.get(result_id=result.id)
    options = backend.options
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "MESOCLINIC_DATA_DIR": str(
            Path(options["filename"]).parent
        ),  # the SQLite queue is worker.sqlite3 there
        "WORKER_QUEUE": options["name"],
    }
    env.pop("TASKS_BACKEND", None)
    if options["storage"] == "redis":
        env["REDIS_URL"] = REDIS_URL
    else:
        env.pop("REDIS_URL", None)
    worker = subprocess.Popen(  # noqa: S603 — the project's own console script
        [str(Path(sys.executable).parent / "mesoclinic"), "worker", "--workers", "1", "--no-periodic"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(lambda: Job.objects.filter(pk=job.pk, status=JobStatus.SUCCEEDED).exists(), timeout=60)
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output
    assert f"Worker: 1 thread(s) on the {options['storage']} queue '{options['name']}'" in output
    job.refresh_from_db()
    assert job.return_value == 42
