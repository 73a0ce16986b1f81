"""Which clinic a job works for, set around ``enqueue`` without changing the django-tasks API.

A job's row on the "Background jobs" page is shown to that clinic's owner only; jobs queued outside
``for_clinic`` (periodic ones) belong to the whole installation.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_clinic_id: ContextVar[int | None] = ContextVar("job_clinic_id", default=None)


@contextmanager
def for_clinic(clinic_id: int | None) -> Iterator[None]:
    """Jobs queued inside this block are logged as the clinic's."""
    token = _clinic_id.set(clinic_id)
    try:
        yield
    finally:
        _clinic_id.reset(token)


def current_clinic_id() -> int | None:
    return _clinic_id.get()
