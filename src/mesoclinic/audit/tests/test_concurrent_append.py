"""Appends from many connections at once keep every chain gapless and valid (PostgreSQL's advisory lock)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

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
