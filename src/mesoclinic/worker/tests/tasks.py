"""Tasks the worker's tests queue: they record their calls in this process (the consumer runs in threads)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from pathlib import Path

from django_tasks import task
from django_tasks.base import TaskContext

CALLS: dict[str, list[float]] = defaultdict(list)
_lock = threading.Lock()


def _called(key: str) -> int:
    with _lock:
        CALLS[key].append(time.monotonic())
        return len(CALLS[key])


@task()
def add(a: int, b: int) -> int:
    return a + b


@task()
def flaky(key: str, failures: int) -> str:
    """Fail ``failures`` times (with a message naming a person), then succeed."""
    if _called(key) <= failures:
        raise RuntimeError("could not reach Anna Nowak")
    return "ok"


@task()
def always_fails(key: str) -> None:
    _called(key)
    raise ValueError("anna.nowak@example.org bounced")


@task()
def every_five_minutes() -> None:
    _called("every_five_minutes")


@task()
def half_past() -> None:
    _called("half_past")


@task()
def hang_once(marker: str) -> str:
    """The first run writes ``marker`` and hangs (its worker is killed meanwhile); a later run finishes."""
    path = Path(marker)
    if not path.exists():
        path.write_text("started")
        time.sleep(300)
        return "woke up"
    return "done"


@task(takes_context=True)
def taken_over(context: TaskContext) -> str:
    """While this runs, the watchdog gives the job to another worker (as if this one's lease had expired)."""
    from mesoclinic.worker.models import Job, JobStatus  # noqa: PLC0415 — tasks are declared before apps load

    Job.objects.filter(result_id=context.task_result.id).update(status=JobStatus.RUNNING, attempts=2)
    return "late"
