"""Counters that hold across every process of the app: API rate limits (and, through the same cache, allauth's
sign-in limits and used one-time codes).

With several gunicorn workers, a per-process cache let each worker count on its own: 4 workers allowed
about four times the documented rate. The default cache is therefore shared (``settings.CACHES``: the
database on the embedded default, Redis when ``REDIS_URL`` is set), and a hit is counted atomically here:
Redis increments in one command; the database cache's own ``incr`` is a read then a write, so two workers
could both read 5 and write 6, and this module locks the counter's row for the read and the write instead.
"""

from __future__ import annotations

from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction

#: The database cache's table, created by a migration (``accounts``), so ``migrate`` is the only step.
CACHE_TABLE = "mesoclinic_cache"


def count_hit(key: str, *, window_seconds: int) -> int:
    """Add one to ``key``'s counter, which lives ``window_seconds``; return the count including this hit."""
    backend = caches["default"]
    if isinstance(backend, DatabaseCache):
        return _count_in_database(backend, key, window_seconds)
    cache.add(key, 0, window_seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: this hit opens a new window
        cache.add(key, 1, window_seconds)
        return 1


def _count_in_database(backend: DatabaseCache, key: str, window_seconds: int) -> int:
    backend.add(key, 0, window_seconds)  # the row exists from here on (a concurrent add simply loses)
    alias = router.db_for_write(backend.cache_model_class)
    connection = connections[alias]
    # The cache table's name is ours, from settings; DatabaseCache keeps it in _table, which the stubs omit.
    table = connection.ops.quote_name(backend._table)  # type: ignore[attr-defined]  # set in DatabaseCache.__init__
    # A no-op write that locks the row (PostgreSQL) or the database (SQLite) until the commit.
    lock = f"UPDATE {table} SET expires = expires WHERE cache_key = %s"  # noqa: S608  # nosec B608
    with transaction.atomic(using=alias):
        with connection.cursor() as cursor:
            cursor.execute(lock, [backend.make_and_validate_key(key)])
        count = int(backend.get(key) or 0) + 1
        backend.set(key, count, window_seconds)
    return count
