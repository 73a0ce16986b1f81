"""Appends from many connections at once keep every chain gapless and valid (PostgreSQL's advisory lock)."""

from __future__ import annotations

import threading

import pytest
from django.db import OperationalError, connection, connections, transaction

from mesoclinic import testing
from mesoclinic.audit.models import AuditEvent
from mesoclinic.audit.selectors import verify_chains
from mesoclinic.audit.services import record_event

PER_THREAD = 40


@pytest.mark.django_db(transaction=True)
def test_two_writers_keep_the_chain_valid() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers itself; the advisory lock is PostgreSQL's")
    clinic = testing.make_clinic("Rosa Aesthetics")
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            start.wait()
            for n in range(PER_THREAD):
                with transaction.atomic():
                    record_event(f"test.{name}", actor=None, clinic=clinic, data={"n": n})
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    seqs = list(AuditEvent.objects.filter(clinic=clinic).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert AuditEvent.objects.filter(clinic=clinic, action__in=["test.a", "test.b"]).count() == 2 * PER_THREAD
    assert all(r.broken is None for r in verify_chains(clinic.slug))


@pytest.mark.django_db(transaction=True)
def test_a_clinic_appends_while_another_clinic_holds_its_chain() -> None:
    """The lock is per chain: clinic B's append does not wait for clinic A's open transaction, while a second
    append to clinic A's own chain does (and times out here), which is what keeps each chain gapless."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite has one writer at a time for the whole database; the per-chain lock is PostgreSQL's"
        )
    clinic_a, clinic_b = testing.make_clinic("Rosa Aesthetics"), testing.make_clinic("Iris Clinic")
    holding, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def holder() -> None:
        try:
            with transaction.atomic():
                record_event("test.held", actor=None, clinic=clinic_a)
                holding.set()
                release.wait(timeout=30)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    def append_waiting_at_most_a_second(clinic: object) -> BaseException | None:
        outcome: list[BaseException | None] = []

        def run() -> None:
            try:
                with transaction.atomic():
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL lock_timeout = '1s'")
                    record_event("test.other", actor=None, clinic=clinic)
                outcome.append(None)
            except BaseException as exc:  # returned to the test
                outcome.append(exc)
            finally:
                connections.close_all()

        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
        return outcome[0]

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert holding.wait(timeout=30)
        assert append_waiting_at_most_a_second(clinic_b) is None
        same_chain = append_waiting_at_most_a_second(clinic_a)
        assert isinstance(same_chain, OperationalError)
        assert "lock timeout" in str(same_chain)
    finally:
        release.set()
        thread.join()
    assert errors == []
    assert AuditEvent.objects.filter(clinic=clinic_b, action="test.other").count() == 1
    assert AuditEvent.objects.filter(clinic=clinic_a, action="test.other").count() == 0
    assert all(r.broken is None for r in verify_chains())
