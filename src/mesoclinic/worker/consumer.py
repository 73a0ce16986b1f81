"""The consumer: huey's workers and scheduler for a backend's queue, with the periodic jobs of the settings.

``mesoclinic worker`` runs it in the foreground (signals handled by huey); tests and the browser journey
run the same consumer in threads of their own process with ``running_consumer``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from django_tasks import task_backends
from django_tasks.base import Task
from huey import Huey, crontab
from huey.consumer import Consumer

from mesoclinic.worker.backend import HueyBackend

logger = logging.getLogger(__name__)

CRONTAB_FIELDS = ("minute", "hour", "day", "month", "day_of_week")


def backend_for(alias: str = "default") -> HueyBackend:
    backend = task_backends[alias]
    if not isinstance(backend, HueyBackend):
        raise ImproperlyConfigured(
            f"TASKS[{alias!r}] uses {type(backend).__name__}; the worker needs "
            "mesoclinic.worker.backend.HueyBackend (set TASKS_BACKEND or leave it unset)."
        )
    return backend


def _enqueue_by_path(path: str) -> None:
    """The periodic huey task: queue the django-tasks task, so it is logged and retried like any job."""
    import_string(path).enqueue()


def register_periodic(huey: Huey, entries: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Register ``PERIODIC_TASKS`` on ``huey``'s scheduler; returns the names registered.

    Each entry is ``{"task": "dotted.path.to.task", "crontab": {"minute": "*/5", ...}}``; the crontab is
    read in UTC. A bad entry stops the consumer at start with the entry's name, not at 3 a.m.
    """
    registered: set[str] = getattr(huey, "mesoclinic_periodic", set())
    names = []
    for name, entry in entries.items():
        path = str(entry.get("task", ""))
        spec = dict(entry.get("crontab", {}))
        unknown = set(spec) - set(CRONTAB_FIELDS)
        if unknown:
            raise ImproperlyConfigured(f"PERIODIC_TASKS[{name!r}]: unknown crontab field {sorted(unknown)}.")
        try:
            found = import_string(path)
        except ImportError as exc:
            raise ImproperlyConfigured(f"PERIODIC_TASKS[{name!r}]: cannot import {path!r}: {exc}") from None
        if not isinstance(found, Task):
            raise ImproperlyConfigured(f"PERIODIC_TASKS[{name!r}]: {path} is not a django-tasks task.")
        if name not in registered:
            schedule = crontab(**{key: str(value) for key, value in spec.items()})

            def run(path: str = path) -> None:
                _enqueue_by_path(path)

            huey.periodic_task(schedule, name=f"mesoclinic.periodic.{name}")(run)
            registered.add(name)
        names.append(name)
    huey.mesoclinic_periodic = registered  # type: ignore[attr-defined]
    return names


def make_consumer(
    alias: str = "default",
    *,
    workers: int | None = None,
    periodic: bool = True,
    poll_seconds: float = 0.1,
    max_poll_seconds: float = 2.0,
) -> Consumer:
    """A huey consumer of the backend's queue, workers as threads (``HUEY["workers"]`` by default)."""
    huey = backend_for(alias).huey
    if periodic:
        register_periodic(huey, getattr(settings, "PERIODIC_TASKS", {}))
    config = getattr(settings, "HUEY", {})
    return Consumer(
        huey,
        workers=workers or int(config.get("workers", 2)),
        worker_type="thread",
        periodic=periodic,
        initial_delay=poll_seconds,
        max_delay=max_poll_seconds,
        scheduler_interval=1,
        check_worker_health=True,
        # SIGTERM (systemd, Docker, `make run`) lets the job in hand finish; Ctrl-C stops at once.
        graceful_signal="TERM",
    )


@contextmanager
def running_consumer(
    alias: str = "default", *, workers: int = 1, periodic: bool = False
) -> Iterator[Consumer]:
    """Run a consumer in background threads of this process until the block ends (no signal handlers)."""
    consumer = make_consumer(
        alias, workers=workers, periodic=periodic, poll_seconds=0.05, max_poll_seconds=0.2
    )
    consumer.scheduler.start()
    for _worker, thread in consumer.worker_threads:
        thread.start()
    try:
        yield consumer
    finally:
        consumer.stop(graceful=True)
