"""Many cashiers issuing at once, on real concurrent connections: numbers without gaps or duplicates.

Runs on both databases (the SQLite test database is a file, so every thread has its own connection).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from mesoclinic.billing.models import Invoice
from mesoclinic.billing.services import issue_invoice
from mesoclinic.testing import make_patient
from mesoclinic.testing.billing import draft, pl_clinic

CASHIERS = 50  # "when 50 cashiers issue at once" (issue 17)
EACH = 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_issuers_get_consecutive_unique_numbers() -> None:
    clinic = pl_clinic()
    patient = make_patient(clinic)
    drafts = [draft(patient) for _ in range(CASHIERS * EACH)]
    start = threading.Barrier(CASHIERS)
    errors: list[BaseException] = []

    def cashier(mine: list[Invoice]) -> None:
        try:
            start.wait()
            for invoice in mine:
                issue_invoice(invoice, actor=None)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=cashier, args=(drafts[n::CASHIERS],)) for n in range(CASHIERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    seqs = sorted(Invoice.objects.filter(clinic=clinic).values_list("seq", flat=True))
    assert seqs == list(range(1, CASHIERS * EACH + 1))
    numbers = set(Invoice.objects.filter(clinic=clinic).values_list("number", flat=True))
    assert len(numbers) == CASHIERS * EACH


@pytest.mark.django_db(transaction=True)
def test_two_cashiers_issuing_the_same_draft_number_it_once() -> None:
    clinic = pl_clinic()
    invoice = draft(make_patient(clinic))
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def cashier() -> None:
        try:
            start.wait()
            issue_invoice(Invoice.objects.get(pk=invoice.pk), actor=None)
            outcomes.append("issued")
        except Exception as exc:  # the loser is told it is already issued
            outcomes.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=cashier) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["DocumentIssuedError", "issued"]
    invoice.refresh_from_db()
    assert invoice.seq == 1
