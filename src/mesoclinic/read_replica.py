"""Reads that may lag a little go to the PostgreSQL streaming replica (``DATABASE_REPLICA_URL``).

Only the reads that are explicitly wrapped go there: the clinic reports (and their CSV exports), the money
report and accounting export, and the FHIR bulk export. A patient's chart, ``Patient/$everything``, the
patient's progress and every write read the primary, so what a user has just written is never read back from a
replica that has not replayed it yet.

``with replica_reads():`` picks the database once, when it is entered: the replica when it is configured, answers
and has replayed the primary's log to within ``REPLICA_MAX_LAG_SECONDS``; otherwise the primary, with a log line.
Inside the block, ``ReplicaRouter`` sends every read there; writes always go to the primary.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
# How long a replica that did not answer is left alone before it is tried again (one failed connection per
# process per this many seconds, not one per report).
RETRY_AFTER_SECONDS = 10.0

# How far behind the primary the replica is, in seconds: 0 when it has replayed everything it received (an idle
# primary writes nothing, so the last replayed commit may be old without the replica being behind).
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 1e9)
END
"""

_reads_on: ContextVar[str | None] = ContextVar("mesoclinic_reads_on", default=None)
_down_until = 0.0

T = TypeVar("T")
R = TypeVar("R")


def configured() -> bool:
    return REPLICA in connections


def forget_failures() -> None:
    """Try the replica again at the next read (tests; an operator who just restarted it can wait 10 s)."""
    global _down_until  # noqa: PLW0603 — one process-wide memo of a dead replica
    _down_until = 0.0


def replica_lag() -> float:
    """Seconds the replica is behind the primary; ``DatabaseError`` when it does not answer."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(LAG_SQL)
        row = cursor.fetchone()
    return float(row[0])


def choose() -> str:
    """The database for reads that may lag: the replica when it is usable, else the primary."""
    global _down_until  # noqa: PLW0603 — one process-wide memo of a dead replica
    if not configured() or time.monotonic() < _down_until:
        return DEFAULT_DB_ALIAS
    try:
        lag = replica_lag()
    except DatabaseError as exc:
        connections[REPLICA].close()
        _down_until = time.monotonic() + RETRY_AFTER_SECONDS
        logger.warning("Read replica unavailable, reading the primary: %s", str(exc).strip())
        return DEFAULT_DB_ALIAS
    if lag > settings.REPLICA_MAX_LAG_SECONDS:
        logger.warning(
            "Read replica %.1f s behind (more than %s s), reading the primary.",
            lag,
            settings.REPLICA_MAX_LAG_SECONDS,
        )
        return DEFAULT_DB_ALIAS
    return REPLICA


@contextmanager
def reads_on(alias: str) -> Iterator[str]:
    token = _reads_on.set(alias)
    try:
        yield alias
    finally:
        _reads_on.reset(token)


@contextmanager
def replica_reads() -> Iterator[str]:
    """Route the reads inside the block to the replica when it is usable; yields the alias chosen."""
    with reads_on(choose()) as alias:
        yield alias


def iterate_on_replica(items: Iterator[T]) -> Iterator[T]:
    """``items`` (a lazy stream, e.g. a streamed response's rows) read from the replica when it is usable.

    The database is chosen now; each step then reads there, and the routing is off again between steps (while
    the server writes the chunk), so nothing else the process does meanwhile is routed.
    """
    alias = choose()

    def steps() -> Iterator[T]:
        while True:
            with reads_on(alias):
                try:
                    item = next(items)
                except StopIteration:
                    return
            yield item

    return steps()


def replica_view(view: Callable[..., R]) -> Callable[..., R]:
    """A view whose reads (the template's included) go to the replica when it is usable; put it below the
    access decorators, so that who may see the page is decided on the primary."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> R:
        with replica_reads():
            return view(*args, **kwargs)

    return wrapped


class ReplicaRouter:
    """Reads inside ``replica_reads()`` go where it chose; everything else is Django's default behaviour."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        # Inside a transaction on the primary (a service writing, e.g. the audit row of an export reading its
        # chain's head) every read is the primary's: a write must never be based on a lagging copy.
        alias = _reads_on.get()
        if alias is None or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return None
        return alias

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # Both databases hold the same rows: a row read from the replica may point at one from the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db != REPLICA  # a replica is read-only: it gets its schema from the primary's log
