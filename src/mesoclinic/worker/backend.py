"""A django-tasks backend that queues in huey and logs every job as a ``Job`` row.

Why not huey's own ``huey.contrib.djhuey.tasks_backend.HueyBackend`` (huey 3.5 ships one, and it works
with the ``django_tasks`` backport on Django 5.2): it is bound to one module-level huey built from
``settings.HUEY`` at import time (RedisHuey unless told otherwise), it never retries, and it keeps a job's
state in huey's result store, which a clinic owner cannot see and which forgets. This backend:

- builds its huey from ``TASKS[alias]["OPTIONS"]`` (SqliteHuey in the data folder, or RedisHuey from a
  URL), one instance per configuration shared by every thread;
- writes a ``Job`` row when a task is queued, in the caller's transaction, and hands huey only the row's
  id once that transaction commits (no arguments, hence no personal data, in SQLite or Redis);
- runs the task in the consumer by its module path with ``max_attempts`` attempts and exponential backoff
  (``retry_delay`` × ``retry_backoff`` ** n), recording each attempt, and ``failed`` with a description of
  the error that holds no personal data when the last attempt fails;
- holds a lease on every running job, renewed by the consumer's watchdog (``lease_seconds``): a job whose
  worker was killed (``kill -9``, a lost machine) has a lease that expires, and a watchdog of any worker
  of the queue puts it back in the queue for another attempt, or marks it failed after the last one.

Huey takes a job off its queue when a worker starts it, so a job whose worker died is gone from SQLite or
Redis; the job log is what remembers it, which is why the lease lives there.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections, connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import Task, TaskContext, TaskError, TaskResult, TaskResultStatus
from django_tasks.exceptions import InvalidTaskError, TaskResultDoesNotExist
from django_tasks.utils import get_random_id, normalize_json
from huey import Huey, RedisHuey, SqliteHuey

from mesoclinic.worker.context import current_clinic_id
from mesoclinic.worker.errors import JobFailedError, describe_error

if TYPE_CHECKING:
    from huey.api import Task as HueyTask

    from mesoclinic.worker.models import Job

logger = logging.getLogger(__name__)

RUN_JOB = "run_job"  # registered as mesoclinic.worker.backend.run_job
SUMMARY_LENGTH = 200
_hueys: dict[tuple[str, str, str], Huey] = {}
_hueys_lock = threading.Lock()


# ---------------------------------------------------------------------------------------------------------
# The huey instance


def build_huey(options: Mapping[str, Any]) -> Huey:
    """The huey of a backend's options: ``storage`` ``sqlite`` (``filename``) or ``redis`` (``url``).

    One instance per (storage, name, place), so every thread's backend and the consumer share it.
    """
    storage = options.get("storage", "sqlite")
    name = str(options.get("name") or "mesoclinic")
    if storage == "redis":
        place = str(options.get("url") or "")
        if not place:
            raise ImproperlyConfigured("The Redis worker queue needs a URL: set REDIS_URL.")
    elif storage == "sqlite":
        place = str(options.get("filename") or "")
        if not place:
            raise ImproperlyConfigured("The SQLite worker queue needs a file name.")
    else:
        raise ImproperlyConfigured(f"The worker's storage must be sqlite or redis, not {storage!r}.")
    key = (storage, name, place)
    with _hueys_lock:
        huey = _hueys.get(key)
        if huey is None:
            huey = _new_huey(storage, name, place)
            _hueys[key] = huey
    return huey


def _new_huey(storage: str, name: str, place: str) -> Huey:
    huey: Huey
    if storage == "redis":
        huey = RedisHuey(name, url=place, results=False, utc=True)
    else:
        Path(place).parent.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(name, filename=place, results=False, utc=True)
    huey.mesoclinic_run_job = huey.task(name=RUN_JOB, context=True)(run_job)
    # Each worker thread has its own database connections: close them when it stops.
    huey.on_shutdown("close_db_connections")(connections.close_all)
    return huey


def forget_huey(huey: Huey) -> None:
    """Drop a huey from the shared instances (tests that delete its queue)."""
    with _hueys_lock:
        for key, value in list(_hueys.items()):
            if value is huey:
                del _hueys[key]


# ---------------------------------------------------------------------------------------------------------
# The backend


def _positive(options: Mapping[str, Any], name: str, default: float, *, low: float) -> float:
    raw = options.get(name, default)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ImproperlyConfigured(f"Worker option {name} must be a number, not {raw!r}.") from None
    if value < low:
        raise ImproperlyConfigured(f"Worker option {name} must be at least {low}, not {raw!r}.")
    return value


class HueyBackend(BaseTaskBackend):
    """Queue django-tasks tasks in huey; see the module docstring."""

    supports_defer = True
    supports_get_result = True

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        super().__init__(alias, params)
        self.max_attempts = int(_positive(self.options, "max_attempts", 3, low=1))
        self.retry_delay = _positive(self.options, "retry_delay", 30, low=0)
        self.retry_backoff = _positive(self.options, "retry_backoff", 2, low=1)
        self.lease_seconds = _positive(self.options, "lease_seconds", 60, low=1)
        # How long a job may look queued before the watchdog sends it again (worker.services.resend_unsent_jobs).
        self.resend_seconds = _positive(self.options, "resend_seconds", 600, low=1)

    @property
    def huey(self) -> Huey:
        return build_huey(self.options)

    def _check_importable(self, task: Task[Any, Any]) -> None:
        """The consumer finds a task by its module path (checked here, not at ``@task``: mid-import)."""
        try:
            found = import_string(task.module_path)
        except ImportError:
            found = None
        if getattr(found, "func", found) is not task.func:
            raise InvalidTaskError(f"The worker finds tasks by module path; {task.module_path} is not one.")

    def enqueue(self, task: Task[Any, Any], args: Any, kwargs: Any) -> TaskResult[Any]:
        """Log the job and queue it once the caller's transaction commits (at once outside one)."""
        from mesoclinic.worker.models import Job  # noqa: PLC0415 — tasks are declared before apps load

        self.validate_task(task)
        self._check_importable(task)
        args = normalize_json(list(args))
        kwargs = normalize_json(dict(kwargs))
        job = Job.objects.create(
            result_id=get_random_id(),
            clinic_id=current_clinic_id(),
            task_path=task.module_path,
            backend=self.alias,
            queue=task.queue_name,
            max_attempts=self.max_attempts,
            args_summary=summarize_args(args, kwargs),
            args=args,
            kwargs=kwargs,
            enqueued_at=timezone.now(),
            run_after=task.run_after,
        )
        transaction.on_commit(lambda: self.send_or_record(job))
        return job_result(job, task)

    def send_or_record(self, job: Job) -> None:
        """Send the job; if the queue cannot be reached, mark it failed (shown, can be run again).

        The caller's work is committed by then: a queue outage must not turn a saved photo into an error
        page, nor leave a job that looks queued and never runs.
        """
        from mesoclinic.worker.models import JobStatus  # noqa: PLC0415

        try:
            self.send(job)
        except Exception as exc:  # the queue's client raises its own errors (Redis, SQLite)
            error = f"Not queued: {describe_error(exc)}"[:300]
            logger.error("Job %s could not be queued: %s", job.pk, error)
            _mark(job.pk, status=JobStatus.FAILED, last_error=error, finished_at=timezone.now())

    def send(self, job: Job) -> None:
        """Hand the job's id to huey with its attempts left and backoff (also to run a job again)."""
        run = self.huey.mesoclinic_run_job
        eta = job.run_after if job.run_after and job.run_after > timezone.now() else None
        self.huey.enqueue(
            run.s(
                job.pk,
                retries=max(job.max_attempts - job.attempts - 1, 0),
                retry_delay=self.retry_delay,
                retry_backoff=self.retry_backoff,
                eta=eta,
            )
        )

    def get_result(self, result_id: str) -> TaskResult[Any]:
        from mesoclinic.worker.models import Job  # noqa: PLC0415

        job = Job.objects.filter(result_id=result_id).first()
        if job is None:
            raise TaskResultDoesNotExist(result_id)
        return job_result(job)


# ---------------------------------------------------------------------------------------------------------
# Results and summaries


_STATUS = {
    "queued": TaskResultStatus.READY,
    "running": TaskResultStatus.RUNNING,
    "succeeded": TaskResultStatus.SUCCESSFUL,
    "failed": TaskResultStatus.FAILED,
}


def _task_of(path: str) -> Task[Any, Any]:
    found = import_string(path)
    if not isinstance(found, Task):
        raise InvalidTaskError(f"{path} is not a django-tasks task.")
    return found


def job_result(job: Job, task: Task[Any, Any] | None = None) -> TaskResult[Any]:
    """A django-tasks ``TaskResult`` read from the job log."""
    result: TaskResult[Any] = TaskResult(
        task=task or _task_of(job.task_path),
        id=job.result_id,
        status=_STATUS[job.status],
        enqueued_at=job.enqueued_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        last_attempted_at=job.started_at,
        args=job.args,
        kwargs=job.kwargs,
        backend=job.backend,
        errors=[TaskError(exception_class_path=job.last_error.split(" ", 1)[0], traceback=job.last_error)]
        if job.status == "failed"
        else [],
        worker_ids=["huey"] * job.attempts,
    )
    if job.status == "succeeded":
        object.__setattr__(result, "_return_value", job.return_value)
    return result


def _summary(value: Any) -> str:
    """Ids and flags as they are; any text that is not an id is hidden (it could be a name)."""
    if value is None or isinstance(value, bool | int | float):
        return repr(value)
    if isinstance(value, str):
        compact = value.replace("-", "")
        return (
            repr(value) if len(value) <= 36 and compact.isalnum() and any(c.isdigit() for c in value) else "…"
        )
    if isinstance(value, list):
        return "[" + ", ".join(_summary(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_summary(v)}" for k, v in value.items()) + "}"
    return "…"


def summarize_args(args: list[Any], kwargs: dict[str, Any]) -> str:
    """The arguments by ids only, e.g. ``12, since='…'``: enough to find the record, nothing personal."""
    parts = [_summary(a) for a in args] + [f"{k}={_summary(v)}" for k, v in kwargs.items()]
    text = ", ".join(parts)
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1] + "…"


# ---------------------------------------------------------------------------------------------------------
# The consumer's side


def _mark(job_id: int, **fields: Any) -> None:
    from mesoclinic.worker.models import Job  # noqa: PLC0415

    Job.objects.filter(pk=job_id).update(**fields)


def _mark_attempt(job_id: int, attempt: int, **fields: Any) -> bool:
    """Record the end of one attempt, unless the watchdog gave the job to another worker meanwhile."""
    from mesoclinic.worker.models import Job, JobStatus  # noqa: PLC0415

    held = Job.objects.filter(pk=job_id, status=JobStatus.RUNNING, attempts=attempt)
    if held.update(**fields):
        return True
    logger.warning(
        "Job %s: attempt %s ended after its lease was taken over; its outcome is dropped.", job_id, attempt
    )
    return False


class _Holding:
    """The jobs this process is running, by id with their attempt: the watchdog renews their leases."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[int, int] = {}

    def add(self, job_id: int, attempt: int) -> None:
        with self._lock:
            self._jobs[job_id] = attempt

    def discard(self, job_id: int) -> None:
        with self._lock:
            self._jobs.pop(job_id, None)

    def items(self) -> list[tuple[int, int]]:
        with self._lock:
            return list(self._jobs.items())


holding = _Holding()


def renew_leases() -> int:
    """Renew the lease of every job this process is running (the watchdog's heartbeat); returns how many."""
    from mesoclinic.worker.models import Job, JobStatus  # noqa: PLC0415

    renewed = 0
    now = timezone.now()
    for job_id, attempt in holding.items():
        renewed += Job.objects.filter(pk=job_id, status=JobStatus.RUNNING, attempts=attempt).update(
            heartbeat_at=now
        )
    return renewed


def run_job(job_id: int, task: HueyTask | None = None) -> None:
    """Run one attempt of a logged job in the consumer (the huey task behind every django-tasks task).

    The attempt starts only if the job is ``queued`` (a message huey delivers twice, or one for a job the
    watchdog already gave to another worker, is skipped) and holds the job's lease while it runs. A failure
    with attempts left puts the job back to ``queued`` with its next attempt's time; the last failure marks
    it ``failed``. Huey sees a ``JobFailedError`` that says only what the log says.
    """
    from mesoclinic.worker.models import Job, JobStatus  # noqa: PLC0415

    close_old_connections()
    try:
        job = Job.objects.filter(pk=job_id).first()
        if job is None:
            logger.warning("Job %s is not in the job log; skipped.", job_id)
            return
        now = timezone.now()
        attempt = job.attempts + 1
        claimed = Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED, attempts=job.attempts).update(
            status=JobStatus.RUNNING,
            attempts=attempt,
            started_at=job.started_at or now,
            heartbeat_at=now,
            next_attempt_at=None,
        )
        if not claimed:
            logger.info("Job %s is %s, not queued; this delivery is skipped.", job_id, job.status)
            return
        job.refresh_from_db()
        holding.add(job.pk, attempt)
        try:
            django_task = _task_of(job.task_path)
            if django_task.takes_context:
                value = django_task.call(
                    TaskContext(task_result=job_result(job, django_task)), *job.args, **job.kwargs
                )
            else:
                value = django_task.call(*job.args, **job.kwargs)
            value = normalize_json(value)
        except Exception as exc:  # every failure is recorded; huey decides on the retry
            error = describe_error(exc)
            remaining = task.retries if task is not None else 0
            if remaining > 0:
                delay = timedelta(seconds=float(task.retry_delay or 0)) if task is not None else timedelta(0)
                held = _mark_attempt(
                    job.pk,
                    attempt,
                    status=JobStatus.QUEUED,
                    last_error=error,
                    next_attempt_at=timezone.now() + delay,
                )
            else:
                held = _mark_attempt(
                    job.pk, attempt, status=JobStatus.FAILED, last_error=error, finished_at=timezone.now()
                )
            if held:
                raise JobFailedError(error) from None
            return
        finally:
            holding.discard(job.pk)
        _mark_attempt(
            job.pk, attempt, status=JobStatus.SUCCEEDED, return_value=value, finished_at=timezone.now()
        )
    finally:
        close_old_connections()
