"""Fixtures for the whole suite: clinics, the personas, logged-in clients, patients."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.utils import translation
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from mesoclinic import testing
from mesoclinic.accounts.models import Clinic, Role, StaffMember
from mesoclinic.testing.selection import uses_no_database

# One Hypothesis profile for the whole suite. Examples run against a database and share two cores with the other
# test processes, so wall-clock limits (the per-example deadline, the "too slow" health check) measure the
# machine's load, not the code: they are off everywhere, and each property test sets only how many examples.
hypothesis_settings.register_profile(
    "mesoclinic", deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "mesoclinic"))


def pytest_configure(config: pytest.Config) -> None:
    """``MESOCLINIC_TEST_NOW=2027-03-28T01:30:00+01:00 make test`` runs the whole suite with the clock moved there.

    The clock keeps ticking from that instant (in every xdist worker): no test may depend on the day it runs.
    """
    when = os.environ.get("MESOCLINIC_TEST_NOW")
    if when:
        time_machine.travel(datetime.fromisoformat(when), tick=True).start()


ONLY_DATABASE_TESTS = "--database-tests-only-on-postgresql"
_LEFT_OUT = pytest.StashKey[int]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        ONLY_DATABASE_TESTS,
        action="store_true",
        help="on PostgreSQL, leave out the tests that use no database (scripts/run-tests.sh's PostgreSQL pass, "
        "after the same tests passed on SQLite; docs/testing.md). Nothing is left out on SQLite.",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL pass of ``make test`` runs only the tests that use the database: the others (pure cores,
    Hypothesis properties of the engines, parsers; ``mesoclinic.testing.selection``) passed the SQLite pass of
    the same run, and pytest-django kept them from any database there, so on PostgreSQL they would run the
    very same code again."""
    if not config.getoption(ONLY_DATABASE_TESTS):
        return
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return
    left_out = [item for item in items if uses_no_database(item)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not uses_no_database(item)]
    config.stash[_LEFT_OUT] = len(left_out)
    if hasattr(config, "workeroutput"):  # an xdist worker: tell the controller (pytest_testnodedown)
        config.workeroutput["left_out_without_database"] = len(left_out)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """xdist's controller collects nothing itself: each worker says how many tests it left out (all the same)."""
    left_out = getattr(node, "workeroutput", {}).get("left_out_without_database")
    if left_out is not None:
        node.config.stash[_LEFT_OUT] = left_out


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    left_out = config.stash.get(_LEFT_OUT, None)
    if left_out:
        terminalreporter.write_line(
            f"{left_out} tests left out on PostgreSQL ({ONLY_DATABASE_TESTS}): they use no database (no "
            "django_db marker, no database fixture), so they ran the same code in the SQLite pass "
            "(docs/testing.md)."
        )


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """On PostgreSQL, the test database's connections commit without waiting for the write-ahead log to reach
    the disk (``synchronous_commit=off``, for these connections only): a crash of the server could lose the
    last commits of a test database that is thrown away anyway. Migrations and transactional tests commit
    often, and each commit waited for an fsync (docs/testing.md, third round)."""
    for database in settings.DATABASES.values():
        if database["ENGINE"] == "django.db.backends.postgresql":
            options = database.setdefault("OPTIONS", {})
            options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()


def _delete_rather_than_truncate(original: Any) -> Any:
    """PostgreSQL's ``sql_flush`` for the tests: ``DELETE`` every table instead of one ``TRUNCATE`` of all.

    A transactional test (``transaction=True``) ends with ``flush``. ``TRUNCATE`` of the ~120 tables gives each
    table, index and TOAST table a new file (~0.5-0.9 CPU s of the server and seconds of I/O per flush,
    docs/testing.md); deleting the few rows a test wrote costs milliseconds. The foreign keys Django creates
    are ``DEFERRABLE INITIALLY DEFERRED`` and ``flush`` runs its statements in one transaction, so the order of
    the deletes does not matter. Tables with triggers of their own (the audit log refuses ``DELETE``) and the
    tables referencing them are still truncated. Sequences are left as ``TRUNCATE`` without ``RESTART
    IDENTITY`` left them; a flush that asks for more (``reset_sequences``, ``CASCADE``) is the original."""
    truncated: dict[str, list[str]] = {}

    def sql_flush(
        self: Any,
        style: Any,
        tables: list[str],
        *,
        reset_sequences: bool = False,
        allow_cascade: bool = False,
    ) -> list[str]:
        if not tables or reset_sequences or allow_cascade:
            return original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        alias = self.connection.alias
        if alias not in truncated:
            with self.connection.cursor() as cursor:
                cursor.execute(
                    "WITH RECURSIVE guarded(oid) AS ("
                    " SELECT tgrelid FROM pg_trigger WHERE NOT tgisinternal"
                    " UNION SELECT c.conrelid FROM pg_constraint c JOIN guarded g ON c.confrelid = g.oid"
                    " WHERE c.contype = 'f')"
                    " SELECT relname FROM pg_class WHERE oid IN (SELECT oid FROM guarded)"
                )
                truncated[alias] = [name for (name,) in cursor.fetchall()]
        truncate = [table for table in tables if table in truncated[alias]]
        return [
            *original(self, style, truncate),
            *(f"DELETE FROM {self.quote_name(table)};" for table in tables if table not in truncate),  # noqa: S608 — Django's own table names, quoted
        ]

    return sql_flush


@pytest.fixture(autouse=True, scope="session")
def _fast_flush_on_postgresql() -> Iterator[None]:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        yield
        return
    from django.db.backends.postgresql.operations import DatabaseOperations  # noqa: PLC0415 — PostgreSQL only

    original = DatabaseOperations.sql_flush
    DatabaseOperations.sql_flush = _delete_rather_than_truncate(original)  # type: ignore[method-assign]  # for this session
    try:
        yield
    finally:
        DatabaseOperations.sql_flush = original  # type: ignore[method-assign]  # put back


#: Rows ``migrate`` seeds and no test changes: the flush after a transactional test keeps them.
_SEEDED_TABLES = frozenset({"django_content_type", "auth_permission"})


def _sql_flush_keeping_the_seeded_tables(style: Any, connection: Any, **options: Any) -> list[str]:
    """``django.core.management.sql.sql_flush`` without the content types and permissions (see below)."""
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    kept = [table for table in tables if table not in _SEEDED_TABLES]
    return connection.ops.sql_flush(style, kept, **options)  # type: ignore[no-any-return]  # Django's is untyped


def _no_post_migrate(verbosity: int, interactive: bool, db: str) -> None:
    """What ``post_migrate`` would redo after the flush is already there: the content types and permissions
    were kept, and the audit triggers are put back by the ``flush`` command itself (``triggers.suspended``).
    The content types' cache is cleared as ``create_contenttypes`` would (a restore may have rewritten them)."""
    from django.contrib.contenttypes.models import ContentType  # noqa: PLC0415 — the app registry is ready here

    ContentType.objects.clear_cache()


@pytest.fixture(autouse=True, scope="session")
def _flush_keeps_the_seeded_rows() -> Iterator[None]:
    """A transactional test (``transaction=True``, browser journeys) ends with ``flush``, which empties every
    table, then sends ``post_migrate`` to seed the content types and permissions again: ~250 queries and
    0.10 CPU s on SQLite (0.18 on PostgreSQL, plus the server's) per test, for rows no test changes. The
    teardown's flush keeps those two tables instead and sends no ``post_migrate`` (docs/testing.md, fourth
    round). A ``flush`` a test calls itself (the backup round trip) is Django's own, unchanged."""
    from unittest import mock  # noqa: PLC0415 — tests only

    from django.core.management.commands import flush  # noqa: PLC0415 — patched for this session
    from django.test import TransactionTestCase  # noqa: PLC0415

    original = TransactionTestCase._fixture_teardown

    def _fixture_teardown(self: TransactionTestCase) -> None:
        with (
            mock.patch.object(flush, "sql_flush", _sql_flush_keeping_the_seeded_tables),
            mock.patch.object(flush, "emit_post_migrate_signal", _no_post_migrate),
        ):
            original(self)

    TransactionTestCase._fixture_teardown = _fixture_teardown  # type: ignore[method-assign]  # for this session
    try:
        yield
    finally:
        TransactionTestCase._fixture_teardown = original  # type: ignore[method-assign]  # put back


@pytest.fixture(autouse=True, scope="session")
def _plain_static_storage() -> Iterator[None]:
    """Serve static files unhashed: production's manifest storage needs ``collectstatic``, tests never run it."""
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}):
        yield


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> Iterator[None]:
    """PBKDF2's million rounds protect production's passwords; in tests they only cost minutes."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True, scope="session")
def _media_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Files tests store (the demo's photos among them) go to a temporary folder, never to ``./data/media``."""
    with override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media"))):
        yield


@pytest.fixture(autouse=True, scope="session")
def _cache_in_memory() -> Iterator[None]:
    """The shared (database) cache would add its queries to every counted request; tests count in memory.
    ``accounts/tests/test_shared_rate_limits.py`` runs real processes against the real shared caches."""
    memory = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with override_settings(CACHES=memory):
        yield


@pytest.fixture(autouse=True, scope="session")
def _tasks_run_immediately() -> Iterator[None]:
    """Background tasks run in the caller's process; the worker's own tests run a real consumer."""
    immediate = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with override_settings(TASKS=immediate):
        yield


#: The instant the shared demo is built at (the demo dates its history from the day it is loaded).
DEMO_DAY = datetime(2026, 11, 25, 9, tzinfo=UTC)


#: Test modules marked ``xdist_group(DEMO_GROUP)`` read the shared demo clinic (``demo_clinic``).
DEMO_GROUP = "demo"


def _reads_the_shared_demo(item: pytest.Item | None) -> bool:
    marker = item.get_closest_marker("xdist_group") if item is not None else None
    return marker is not None and DEMO_GROUP in (*marker.args, *marker.kwargs.values())


class _SharedDemo:
    """The demo clinic, built once (at ``DEMO_DAY``) for a run of consecutive tests of the demo group.

    Building it costs ~7-10 CPU-seconds and ~7,300 queries. It is built inside a transaction held open while
    the tests of the group run one after the other, and rolled back after the last of them (see
    ``pytest_runtest_teardown``); each test's own transaction is a savepoint inside it, rolled back after the
    test, so every test still starts from the freshly built demo. ``--dist loadgroup`` sends the whole group
    to one worker, so a worker builds it once per database pass (without xdist: once per run of consecutive
    group modules). Only modules without transactional tests (``transaction=True``) may be in the group.
    """

    def __init__(self) -> None:
        self.pk: int | None = None
        self._held: list[Any] = []

    def open(self, django_db_blocker: Any) -> int:
        if self.pk is None:
            from mesoclinic.demo import load_demo  # noqa: PLC0415 — only the demo's readers need it

            self._held.append(django_db_blocker.unblock())
            self._held[-1].__enter__()
            self._held.append(transaction.atomic())
            self._held[-1].__enter__()
            try:
                with time_machine.travel(DEMO_DAY, tick=True):
                    clinic, _ = load_demo()
            except BaseException:
                self.close()
                raise
            self.pk = clinic.pk
        return self.pk

    def close(self) -> None:
        """Roll the demo back (a no-op when none is built)."""
        if len(self._held) == 2:
            transaction.set_rollback(True)
        while self._held:
            self._held.pop().__exit__(None, None, None)
        self.pk = None


_shared_demo = _SharedDemo()


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """After the last consecutive test of the demo group (its own savepoint already rolled back), the shared
    demo is rolled back too: no other test ever sees it. (At the end of the session ``_shared_demo_held`` has
    already done so, before the test database is destroyed.)"""
    try:
        return (yield)
    finally:
        if not _reads_the_shared_demo(nextitem):
            _shared_demo.close()


@pytest.fixture(scope="session")
def _shared_demo_held(django_db_setup: None) -> Iterator[_SharedDemo]:
    yield _shared_demo
    _shared_demo.close()


@pytest.fixture(scope="module")
def demo_clinic_pk(
    request: pytest.FixtureRequest, _shared_demo_held: _SharedDemo, django_db_blocker: Any
) -> int:
    """The pk of the shared demo clinic (``_SharedDemo``), for modules of the demo group
    (``pytest.mark.xdist_group("demo")``). Module-scoped so that it opens before any test's own transaction;
    request ``demo_clinic`` (a fresh instance per test), not this."""
    if not _reads_the_shared_demo(request.node):
        raise pytest.UsageError(
            f"{request.node.nodeid} reads the shared demo: mark it xdist_group({DEMO_GROUP!r})"
        )
    return _shared_demo_held.open(django_db_blocker)


@pytest.fixture
def demo_clinic(db: None, demo_clinic_pk: int) -> Clinic:
    """The shared demo clinic (see ``_SharedDemo``), read afresh for this test."""
    return Clinic.objects.get(pk=demo_clinic_pk)


@pytest.fixture
def clinic(db: None) -> Clinic:
    return testing.make_clinic("Rosa Aesthetics")


@pytest.fixture
def other_clinic(db: None) -> Clinic:
    return testing.make_clinic("Other Clinic")


@pytest.fixture
def owner(clinic: Clinic) -> StaffMember:
    return testing.make_staff(clinic, Role.OWNER, name="Olga Owner")


@pytest.fixture
def physician(clinic: Clinic) -> StaffMember:
    return testing.make_staff(clinic, Role.PHYSICIAN, name="Dr Paula Physician", modalities=["needle"])


@pytest.fixture
def practitioner(clinic: Clinic) -> StaffMember:
    return testing.make_staff(
        clinic, Role.PRACTITIONER, name="Nina Nurse", modalities=["needle", "electroporation"]
    )


@pytest.fixture
def receptionist(clinic: Clinic) -> StaffMember:
    return testing.make_staff(clinic, Role.RECEPTIONIST, name="Rita Reception")


@pytest.fixture
def auditor(clinic: Clinic) -> StaffMember:
    return testing.make_staff(clinic, Role.AUDITOR, name="Adam Auditor")


@pytest.fixture
def outsider(other_clinic: Clinic) -> StaffMember:
    return testing.make_staff(other_clinic, Role.PHYSICIAN, name="Oscar Outsider")


@pytest.fixture(autouse=True)
def _no_language_carried_over() -> Iterator[None]:
    """Each test starts in the default language: a request that activated Polish (LocaleMiddleware, a Polish
    clinic) leaves it active in the thread, and a later test in the same worker read its messages in Polish."""
    yield
    translation.deactivate()
