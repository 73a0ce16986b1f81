"""Which tests use no database: the PostgreSQL pass of ``make test`` leaves them out (docs/testing.md).

pytest-django refuses the database to a test that neither carries the ``django_db`` marker nor asks (itself or
through its fixtures) for one of the fixtures below: the test fails at its first query. So a test that passed
the SQLite pass without any of them ran no query, and running it again on PostgreSQL tests nothing new. What
it cannot see is a database reached some other way (a subprocess handed ``DATABASE_URL``, a raw ``psycopg``
connection): such a test carries ``@pytest.mark.every_database`` and runs in both passes.
"""

from __future__ import annotations

import unittest
from typing import Protocol

#: Fixtures that open the test database: pytest-django's, and ``django_db_setup``, which the suite's
#: session-wide fixtures (the shared demo, the security tests' world) take to open it themselves.
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "django_db_setup",
        "live_server",
    }
)

#: The marker of a test that reaches a database without pytest-django's fixtures.
EVERY_DATABASE = "every_database"


class _Item(Protocol):
    """What of a ``pytest.Item`` is read (a ``Function`` has ``fixturenames`` and ``cls``)."""

    def get_closest_marker(self, name: str) -> object | None: ...


def uses_no_database(item: _Item) -> bool:
    """Whether pytest-django keeps ``item`` from the database (and nothing says it reaches one otherwise)."""
    if item.get_closest_marker("django_db") or item.get_closest_marker(EVERY_DATABASE):
        return False
    cls = getattr(item, "cls", None)
    if isinstance(cls, type) and issubclass(cls, unittest.TestCase):  # Django's TestCase opens it itself
        return False
    return not DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ()))
