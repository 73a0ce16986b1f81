"""The consumer: huey's workers and scheduler for a backend's queue, with the periodic jobs of the settings.

``mesoclinic worker`` runs it in the foreground (signals handled by huey); tests and the browser journey
run the same consumer in threads of their own process with ``running_consumer``.

Two things huey's own consumer does not do, added here:

- a **watchdog** in the scheduler's thread renews the lease of every job this process runs and, on every
  worker of the queue, retries or fails the jobs whose worker died (``kill -9``) — see ``backend``;
- a **queue outage** (Redis down, the SQLite file unreadable) is one log line that names the queue, then
  polls that back off up to ``QUEUE_DOWN_MAX_DELAY`` seconds, and one line when it is back — not a
  traceback per poll from every thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections, connections
from django.utils.module_loading import import_string
from django_tasks import task_backends
from django_tasks.base import Task
from huey import Huey, crontab
from huey.consumer import Consumer, Scheduler, Worker

from mesoclinic.worker.backend import HueyBackend, renew_leases
from mesoclinic.worker.errors import describe_error
from mesoclinic.worker.services import recover_stalled_jobs, resend_unsent_jobs

logger = logging.getLogger(__name__)

CRONTAB_FIELDS = ("minute", "hour", "day", "month", "day_of_week")
QUEUE_DOWN_FIRST_DELAY = 1.0
QUEUE_DOWN_MAX_DELAY = 10.0
WATCHDOG_ERROR_EVERY = 60.0  # a database outage seen by the watchdog is logged at most once a minute


def describe_queue(options: Mapping[str, Any]) -> str:
    """``the redis queue 'mesoclinic' at host:6379/0`` — where the queue is, without the URL's password."""
    name = str(options.get("name") or "mesoclinic")
    if options.get("storage", "sqlite") == "redis":
        url = urlsplit(str(options.get("url") or ""))
        place = f"{url.hostname or '?'}:{url.port or 6379}{url.path or ''}"
        return f"the redis queue {name!r} at {place}"
    return f"the sqlite queue {name!r} in {options.get('filename')}"


class QueueHealth:
    """Whether the queue answers, shared by a consumer's threads: one line when it goes, one when it is back."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._delay = QUEUE_DOWN_FIRST_DELAY

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def failed(self, exc: BaseException) -> float:
        """Note a failed call to the queue; returns how long the caller should wait before the next."""
        with self._lock:
            if self._down_since is None:
                self._down_since = time.monotonic()
                self._delay = QUEUE_DOWN_FIRST_DELAY
                logger.error(
                    "Worker: %s is unreachable (%s); retrying, at most every %g s, until it is back.",
                    self.label,
                    type(exc).__name__,
                    QUEUE_DOWN_MAX_DELAY,
                )
            else:
                self._delay = min(self._delay * 2, QUEUE_DOWN_MAX_DELAY)
            return self._delay

    def ok(self) -> None:
        if self._down_since is None:
            return
        with self._lock:
            if self._down_since is not None:
                logger.warning(
                    "Worker: %s is reachable again after %.0f s.",
                    self.label,
                    time.monotonic() - self._down_since,
                )
                self._down_since = None


class QueueWorker(Worker):
    """Huey's worker, with a queue outage handled by ``QueueHealth`` instead of a traceback per poll."""

    health: QueueHealth

    def loop(self, now: Any = None) -> None:
        try:
            task = self.huey.dequeue()
        except Exception as exc:  # the storage's own errors (redis.ConnectionError, sqlite3.Error)
            self.stop_flag.wait(self.health.failed(exc))
            return
        self.health.ok()
        if task is None:
            if not self.huey.storage.blocking:
                self.sleep()
            return
        self.delay = self.default_delay
        self.task_count += 1
        try:
            self.huey.execute(task, now)
        except Exception:
            self._logger.exception("Unhandled error during execution of task %s.", task.id)


class WatchdogScheduler(Scheduler):
    """Huey's scheduler, quiet while the queue is down, and the lease watchdog of ``backend``."""

    health: QueueHealth
    backend: HueyBackend
    _next_loop: float  # huey's Scheduler sets it; huey has no types

    def initialize(self) -> None:
        self._watchdog_every = max(1.0, self.backend.lease_seconds / 3)
        self._next_watchdog = time.monotonic()
        self._last_watchdog_error = -WATCHDOG_ERROR_EVERY

    def loop(self, now: Any = None) -> None:
        current = self._next_loop
        self._next_loop += self.interval
        if self._next_loop < time.monotonic():  # huey's own guard after a stall (suspend)
            self._next_loop = time.monotonic()
            return
        if time.monotonic() >= self._next_watchdog:
            self._next_watchdog = time.monotonic() + self._watchdog_every
            self.watch()
        try:
            for task in self.huey.read_schedule(now):
                self.huey.enqueue(task)
        except Exception as exc:  # the queue is down: QueueHealth says so once
            self.health.failed(exc)
        else:
            self.health.ok()
            if self.periodic and self._next_periodic <= time.monotonic():
                while self._next_periodic <= time.monotonic():
                    self._next_periodic += self.periodic_task_seconds
                self.enqueue_periodic_tasks(now)
        self.sleep_for_interval(current, self.interval)

    def watch(self) -> None:
        """Renew this process's leases; retry or fail the jobs of workers that died; send lost messages again."""
        try:
            close_old_connections()
            renew_leases()
            recover_stalled_jobs(self.backend)
            resend_unsent_jobs(self.backend)
        except Exception as exc:  # the database may be away too: the next round tries again
            if time.monotonic() - self._last_watchdog_error >= WATCHDOG_ERROR_EVERY:
                self._last_watchdog_error = time.monotonic()
                logger.error("Worker watchdog: %s; trying again.", describe_error(exc))

    def enqueue_periodic_tasks(self, now: Any) -> None:
        for task in self.huey.read_periodic(now):
            try:
                self.huey.enqueue(task)
            except Exception as exc:  # the queue went down between two calls
                self.health.failed(exc)

    def shutdown(self) -> None:
        connections.close_all()


class MesoConsumer(Consumer):
    """Huey's consumer with ``QueueWorker`` threads and the ``WatchdogScheduler`` of one backend."""

    worker_class = QueueWorker
    scheduler_class = WatchdogScheduler

    def __init__(self, backend: HueyBackend, **options: Any) -> None:
        self.backend = backend
        self.health = QueueHealth(describe_queue(backend.options))
        super().__init__(backend.huey, **options)

    def _create_worker(self) -> Worker:
        worker = super()._create_worker()
        worker.health = self.health
        return worker

    def _create_scheduler(self) -> Scheduler:
        scheduler = super()._create_scheduler()
        scheduler.health = self.health
        scheduler.backend = self.backend
        return scheduler


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
    huey.mesoclinic_periodic = registered
    return names


def make_consumer(
    alias: str = "default",
    *,
    workers: int | None = None,
    periodic: bool = True,
    poll_seconds: float = 0.1,
    max_poll_seconds: float = 2.0,
) -> MesoConsumer:
    """A huey consumer of the backend's queue, workers as threads (``HUEY["workers"]`` by default)."""
    backend = backend_for(alias)
    if periodic:
        register_periodic(backend.huey, getattr(settings, "PERIODIC_TASKS", {}))
    config = getattr(settings, "HUEY", {})
    return MesoConsumer(
        backend,
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
) -> Iterator[MesoConsumer]:
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
