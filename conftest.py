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
