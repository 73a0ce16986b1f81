"""A real worker queue per test (SQLite file or the Redis server), with a unique name, deleted afterwards."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
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
