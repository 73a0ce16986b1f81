"""A real worker queue per test (SQLite file or the Redis server), with a unique name, deleted afterwards."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django_tasks import task_backends

from mesoclinic.worker.backend import HueyBackend, forget_huey

REDIS_URL = "redis://127.0.0.1:6379/0"


def queue_options(kind: str, tmp_path: Path, **extra: Any) -> dict[str, Any]:
    return {
        "name": f"test-worker-{uuid.uuid4().hex[:12]}",
        "storage": kind,
        "filename": str(tmp_path / "worker.sqlite3"),  # the name `mesoclinic worker` uses in its data folder
        "url": REDIS_URL,
        "max_attempts": 3,
        "retry_delay": 1,
        "retry_backoff": 3,
        **extra,
    }


@pytest.fixture(params=["sqlite", "redis"])
def queue_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@contextmanager
def worker_backend(kind: str, tmp_path: Path) -> Iterator[HueyBackend]:
    """The default task backend is the worker's, on its own queue, until the block ends."""
    options = queue_options(kind, tmp_path)
    tasks = {"default": {"BACKEND": "mesoclinic.worker.backend.HueyBackend", "OPTIONS": options}}
    with override_settings(TASKS=tasks, PERIODIC_TASKS={}):
        backend = task_backends["default"]
        assert isinstance(backend, HueyBackend)
        try:
            yield backend
        finally:
            huey = backend.huey
            huey.storage.flush_all()
            forget_huey(huey)


@pytest.fixture
def backend(queue_kind: str, tmp_path: Path) -> Iterator[HueyBackend]:
    with worker_backend(queue_kind, tmp_path) as backend:
        yield backend


@pytest.fixture
def sqlite_backend(tmp_path: Path) -> Iterator[HueyBackend]:
    with worker_backend("sqlite", tmp_path) as backend:
        yield backend


def wait_for(predicate: Callable[[], Any], timeout: float = 20.0) -> Any:
    """Poll until ``predicate`` is truthy (the consumer works in other threads)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"still waiting after {timeout} s")


def database_url() -> str:
    """The URL of the test database this test's rows are in, for a worker process."""
    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{config['NAME']}"
    return f"postgres://{config['USER']}@{config['HOST']}:{config['PORT']}/{config['NAME']}"


def start_worker(
    options: dict[str, Any], *, env: dict[str, str] | None = None, log: Path | None = None
) -> subprocess.Popen[str]:
    """``mesoclinic worker`` in its own process, on the queue of ``options`` and this test's database.

    Its output goes to ``log`` when given (to read while it runs), else to a pipe.
    """
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        # The SQLite queue is worker.sqlite3 in the data folder.
        "MESOCLINIC_DATA_DIR": str(Path(options["filename"]).parent),
        "WORKER_QUEUE": options["name"],
        **(env or {}),
    }
    environment.pop("TASKS_BACKEND", None)
    if options["storage"] == "redis":
        environment["REDIS_URL"] = options["url"]
    else:
        environment.pop("REDIS_URL", None)
    return subprocess.Popen(  # noqa: S603 — the project's own console script
        [str(Path(sys.executable).parent / "mesoclinic"), "worker", "--workers", "1", "--no-periodic"],
        env=environment,
        stdout=log.open("w") if log else subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
